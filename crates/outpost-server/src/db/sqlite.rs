//! The SQLite engine: the embedded default. A small r2d2 pool of rusqlite
//! connections in WAL mode; writers take `BEGIN IMMEDIATE` so concurrent
//! pushes queue on the busy timeout instead of failing to upgrade a lock.
//! Pokes go to the in-process channel after commit (one process per file).

use super::{Database, DbError, Mode, Poke, Tx, Val, migrate};
use outpost_core::WorkspaceId;
use rusqlite::types::{ToSqlOutput, ValueRef};
use rusqlite::{Connection, OpenFlags, TransactionBehavior};
use std::path::PathBuf;
use std::time::Duration;
use tokio::sync::broadcast;

/// Migrations, in order; never edit one that has shipped, only add.
const MIGRATIONS: &[(i64, &str)] = &[
    (1, include_str!("../../migrations/sqlite/0001_init.sql")),
    (
        2,
        include_str!("../../migrations/sqlite/0002_notified_marks.sql"),
    ),
    (3, include_str!("../../migrations/sqlite/0003_rules.sql")),
    (4, include_str!("../../migrations/sqlite/0004_kb.sql")),
    (5, include_str!("../../migrations/sqlite/0005_sla.sql")),
];

struct Manager {
    path: PathBuf,
}

impl r2d2::ManageConnection for Manager {
    type Connection = Connection;
    type Error = rusqlite::Error;

    fn connect(&self) -> Result<Connection, rusqlite::Error> {
        let conn = Connection::open_with_flags(
            &self.path,
            OpenFlags::SQLITE_OPEN_READ_WRITE
                | OpenFlags::SQLITE_OPEN_CREATE
                | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        conn.busy_timeout(Duration::from_secs(30))?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        conn.set_prepared_statement_cache_capacity(128);
        Ok(conn)
    }

    fn is_valid(&self, conn: &mut Connection) -> Result<(), rusqlite::Error> {
        conn.execute_batch("")
    }

    fn has_broken(&self, _: &mut Connection) -> bool {
        false
    }
}

/// A SQLite database file.
pub struct SqliteDb {
    pool: r2d2::Pool<Manager>,
    pokes: broadcast::Sender<Poke>,
}

impl SqliteDb {
    /// Opens (creating if needed) the file at `path` and migrates it.
    pub fn open(path: &str, pokes: broadcast::Sender<Poke>) -> Result<SqliteDb, DbError> {
        let path = PathBuf::from(path);
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)
                .map_err(|e| DbError::BadUrl(format!("cannot create {}: {e}", dir.display())))?;
        }
        let pool = r2d2::Pool::builder()
            .max_size(8)
            .connection_timeout(Duration::from_secs(30))
            .build(Manager { path })?;
        let db = SqliteDb { pool, pokes };
        migrate::run(&db, MIGRATIONS)?;
        Ok(db)
    }
}

impl rusqlite::ToSql for Val {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(match self {
            Val::Null => ToSqlOutput::Borrowed(ValueRef::Null),
            Val::Int(i) => ToSqlOutput::Borrowed(ValueRef::Integer(*i)),
            Val::Text(t) => ToSqlOutput::Borrowed(ValueRef::Text(t.as_bytes())),
        })
    }
}

struct SqliteTx<'c> {
    tx: rusqlite::Transaction<'c>,
    pokes: Vec<Poke>,
}

impl Tx for SqliteTx<'_> {
    fn execute(&mut self, sql: &str, params: &[Val]) -> Result<u64, DbError> {
        let mut stmt = self.tx.prepare_cached(sql)?;
        Ok(stmt.execute(rusqlite::params_from_iter(params.iter()))? as u64)
    }

    fn query(&mut self, sql: &str, params: &[Val]) -> Result<Vec<super::Row>, DbError> {
        let mut stmt = self.tx.prepare_cached(sql)?;
        let n = stmt.column_count();
        let mut rows = stmt.query(rusqlite::params_from_iter(params.iter()))?;
        let mut out = Vec::new();
        while let Some(r) = rows.next()? {
            let mut vals = Vec::with_capacity(n);
            for i in 0..n {
                vals.push(match r.get_ref(i)? {
                    ValueRef::Null => Val::Null,
                    ValueRef::Integer(v) => Val::Int(v),
                    ValueRef::Real(v) => Val::Int(v as i64),
                    ValueRef::Text(t) | ValueRef::Blob(t) => {
                        Val::Text(String::from_utf8_lossy(t).into_owned())
                    }
                });
            }
            out.push(super::Row(vals));
        }
        Ok(out)
    }

    fn poke(&mut self, workspace: WorkspaceId, version: i64) -> Result<(), DbError> {
        self.pokes.push(Poke { workspace, version });
        Ok(())
    }

    fn engine(&self) -> &'static str {
        "sqlite"
    }
}

impl Database for SqliteDb {
    fn transaction(
        &self,
        mode: Mode,
        f: &mut dyn FnMut(&mut dyn Tx) -> Result<(), DbError>,
    ) -> Result<(), DbError> {
        let mut conn = self.pool.get()?;
        let behavior = match mode {
            Mode::Read => TransactionBehavior::Deferred,
            Mode::Write => TransactionBehavior::Immediate,
        };
        let mut tx = SqliteTx {
            tx: conn.transaction_with_behavior(behavior)?,
            pokes: Vec::new(),
        };
        f(&mut tx)?;
        let SqliteTx { tx, pokes } = tx;
        tx.commit()?;
        for p in pokes {
            // No subscriber is not an error: nobody is listening yet.
            let _ = self.pokes.send(p);
        }
        Ok(())
    }

    fn engine(&self) -> &'static str {
        "sqlite"
    }
}
