//! Forward-only embedded migrations: each engine lists its numbered SQL
//! scripts; those not yet recorded in `schema_migrations` run in order, all in
//! one transaction at open. A database newer than this server is refused.

use super::{Database, DbError, Mode, Tx};

/// Applies the pending `migrations` (version, script) to `db`.
pub(crate) fn run(db: &dyn Database, migrations: &[(i64, &str)]) -> Result<(), DbError> {
    db.transaction(Mode::Write, &mut |tx| apply(tx, migrations))
}

fn apply(tx: &mut dyn Tx, migrations: &[(i64, &str)]) -> Result<(), DbError> {
    if tx.engine() == "postgres" {
        // Two server processes starting together must not both migrate.
        tx.query("SELECT pg_advisory_xact_lock(7878001)", &[])?;
    }
    tx.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, applied_at TEXT NOT NULL)",
        &[],
    )?;
    let current = tx
        .query("SELECT MAX(version) FROM schema_migrations", &[])?
        .first()
        .map(|r| r.opt_int(0))
        .transpose()?
        .flatten()
        .unwrap_or(0);
    let newest = migrations.iter().map(|m| m.0).max().unwrap_or(0);
    if current > newest {
        return Err(DbError::Migration(format!(
            "database schema {current} is newer than this server ({newest}); upgrade outpost-server"
        )));
    }
    for (version, script) in migrations.iter().filter(|m| m.0 > current) {
        for statement in script.split(';').map(str::trim).filter(|s| !s.is_empty()) {
            tx.execute(statement, &[])?;
        }
        tx.execute(
            "INSERT INTO schema_migrations (version, applied_at) VALUES (?1, ?2)",
            &[(*version).into(), chrono::Utc::now().to_rfc3339().into()],
        )?;
    }
    // The store id names this database in sync cursors: a restored or
    // replaced database has another one, so old cursors are refused.
    tx.execute(
        "INSERT INTO meta (key, value) VALUES ('store_id', ?1) ON CONFLICT (key) DO NOTHING",
        &[uuid::Uuid::now_v7().simple().to_string().into()],
    )?;
    Ok(())
}
