//! The PostgreSQL engine, for several server processes over one database.
//! An r2d2 pool of rust-postgres clients with a per-connection statement
//! cache; reads run in `REPEATABLE READ READ ONLY` snapshots; writes are
//! serialised per workspace by the row lock on `workspace_versions`, so
//! versions become visible in commit order.
//!
//! Pokes are `pg_notify('outpost_changes', 'workspace:version')` inside the
//! writing transaction (delivered on commit); a listener thread per process
//! `LISTEN`s and forwards them to the local SSE channel, so a push on one
//! process pokes the clients of every process.

use super::{Database, DbError, Mode, Poke, Tx, Val, migrate, to_dollar_params};
use ::postgres::fallible_iterator::FallibleIterator;
use ::postgres::types::{IsNull, ToSql, Type, to_sql_checked};
use ::postgres::{Client, IsolationLevel, NoTls, Statement};
use bytes::BytesMut;
use outpost_core::WorkspaceId;
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use tokio::sync::broadcast;

/// Migrations, in order; never edit one that has shipped, only add.
const MIGRATIONS: &[(i64, &str)] = &[
    (1, include_str!("../../migrations/postgres/0001_init.sql")),
    (
        2,
        include_str!("../../migrations/postgres/0002_notified_marks.sql"),
    ),
    (3, include_str!("../../migrations/postgres/0003_rules.sql")),
    (4, include_str!("../../migrations/postgres/0004_kb.sql")),
    (5, include_str!("../../migrations/postgres/0005_sla.sql")),
];

/// The NOTIFY channel pokes travel on.
const CHANNEL: &str = "outpost_changes";

/// A pooled client with its prepared statements.
pub struct PgConn {
    client: Client,
    statements: HashMap<String, Statement>,
}

struct Manager {
    url: String,
}

impl r2d2::ManageConnection for Manager {
    type Connection = PgConn;
    type Error = ::postgres::Error;

    fn connect(&self) -> Result<PgConn, ::postgres::Error> {
        Ok(PgConn {
            client: Client::connect(&self.url, NoTls)?,
            statements: HashMap::new(),
        })
    }

    fn is_valid(&self, conn: &mut PgConn) -> Result<(), ::postgres::Error> {
        conn.client.simple_query("").map(|_| ())
    }

    fn has_broken(&self, conn: &mut PgConn) -> bool {
        conn.client.is_closed()
    }
}

/// A PostgreSQL database.
pub struct PgDb {
    /// `None` only while dropping (see `Drop`).
    pool: Option<r2d2::Pool<Manager>>,
    stop: Arc<AtomicBool>,
}

impl PgDb {
    /// Connects, migrates, and starts the NOTIFY listener.
    pub fn open(url: &str, pokes: broadcast::Sender<Poke>) -> Result<PgDb, DbError> {
        let pool = r2d2::Pool::builder()
            .max_size(10)
            .connection_timeout(Duration::from_secs(10))
            .build(Manager {
                url: url.to_owned(),
            })?;
        let stop = Arc::new(AtomicBool::new(false));
        let db = PgDb {
            pool: Some(pool),
            stop: stop.clone(),
        };
        migrate::run(&db, MIGRATIONS)?;
        let url = url.to_owned();
        std::thread::Builder::new()
            .name("outpost-pg-listen".into())
            .spawn(move || listen(&url, &pokes, &stop))
            .map_err(|e| DbError::Task(e.to_string()))?;
        Ok(db)
    }
}

impl Drop for PgDb {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        // Closing a rust-postgres client blocks on its own runtime, which
        // panics on a tokio worker thread: close the pool on a plain thread.
        if let Some(pool) = self.pool.take() {
            let _ = std::thread::spawn(move || drop(pool));
        }
    }
}

/// Forwards NOTIFY payloads to `pokes` until `stop`; reconnects on failure.
fn listen(url: &str, pokes: &broadcast::Sender<Poke>, stop: &AtomicBool) {
    while !stop.load(Ordering::Relaxed) {
        let mut client = match Client::connect(url, NoTls) {
            Ok(c) => c,
            Err(e) => {
                tracing::warn!(error = %e, "poke listener cannot connect; retrying");
                std::thread::sleep(Duration::from_secs(1));
                continue;
            }
        };
        if let Err(e) = client.batch_execute(&format!("LISTEN {CHANNEL}")) {
            tracing::warn!(error = %e, "LISTEN failed; retrying");
            std::thread::sleep(Duration::from_secs(1));
            continue;
        }
        loop {
            if stop.load(Ordering::Relaxed) {
                return;
            }
            let mut notes = client.notifications();
            let mut it = notes.timeout_iter(Duration::from_millis(500));
            match it.next() {
                Ok(Some(n)) => {
                    if let Some(p) = parse_poke(n.payload()) {
                        let _ = pokes.send(p);
                    }
                }
                Ok(None) => {}
                Err(e) => {
                    tracing::warn!(error = %e, "poke listener lost its connection");
                    break;
                }
            }
        }
    }
}

fn parse_poke(payload: &str) -> Option<Poke> {
    let (ws, v) = payload.split_once(':')?;
    Some(Poke {
        workspace: ws.parse().ok()?,
        version: v.parse().ok()?,
    })
}

impl ToSql for Val {
    fn to_sql(
        &self,
        ty: &Type,
        out: &mut BytesMut,
    ) -> Result<IsNull, Box<dyn std::error::Error + Sync + Send>> {
        match self {
            Val::Null => Ok(IsNull::Yes),
            Val::Int(i) => match *ty {
                Type::INT8 => i.to_sql(ty, out),
                Type::INT4 => i32::try_from(*i)?.to_sql(ty, out),
                Type::INT2 => i16::try_from(*i)?.to_sql(ty, out),
                Type::BOOL => (*i != 0).to_sql(ty, out),
                _ => i.to_string().to_sql(ty, out),
            },
            Val::Text(t) => match *ty {
                Type::INT8 => t.parse::<i64>()?.to_sql(ty, out),
                _ => t.as_str().to_sql(ty, out),
            },
        }
    }

    fn accepts(_: &Type) -> bool {
        true
    }

    to_sql_checked!();
}

struct PgTx<'c> {
    tx: ::postgres::Transaction<'c>,
    statements: &'c mut HashMap<String, Statement>,
}

impl PgTx<'_> {
    fn statement(&mut self, sql: &str) -> Result<Statement, DbError> {
        if let Some(s) = self.statements.get(sql) {
            return Ok(s.clone());
        }
        let s = self.tx.prepare(&to_dollar_params(sql))?;
        self.statements.insert(sql.to_owned(), s.clone());
        Ok(s)
    }
}

fn refs(params: &[Val]) -> Vec<&(dyn ToSql + Sync)> {
    params.iter().map(|p| p as &(dyn ToSql + Sync)).collect()
}

impl Tx for PgTx<'_> {
    fn execute(&mut self, sql: &str, params: &[Val]) -> Result<u64, DbError> {
        let stmt = self.statement(sql)?;
        Ok(self.tx.execute(&stmt, &refs(params))?)
    }

    fn query(&mut self, sql: &str, params: &[Val]) -> Result<Vec<super::Row>, DbError> {
        let stmt = self.statement(sql)?;
        let rows = self.tx.query(&stmt, &refs(params))?;
        rows.iter().map(read_row).collect()
    }

    fn poke(&mut self, workspace: WorkspaceId, version: i64) -> Result<(), DbError> {
        self.execute(
            "SELECT pg_notify(?1, ?2)",
            &[CHANNEL.into(), format!("{workspace}:{version}").into()],
        )
        .map(|_| ())
    }

    fn engine(&self) -> &'static str {
        "postgres"
    }
}

fn read_row(row: &::postgres::Row) -> Result<super::Row, DbError> {
    let mut vals = Vec::with_capacity(row.len());
    for (i, col) in row.columns().iter().enumerate() {
        let v = match *col.type_() {
            Type::INT8 => row.try_get::<_, Option<i64>>(i)?.map(Val::Int),
            Type::INT4 => row
                .try_get::<_, Option<i32>>(i)?
                .map(|v| Val::Int(v.into())),
            Type::INT2 => row
                .try_get::<_, Option<i16>>(i)?
                .map(|v| Val::Int(v.into())),
            Type::BOOL => row
                .try_get::<_, Option<bool>>(i)?
                .map(|v| Val::Int(v.into())),
            Type::VOID => None,
            _ => row.try_get::<_, Option<String>>(i)?.map(Val::Text),
        };
        vals.push(v.unwrap_or(Val::Null));
    }
    Ok(super::Row(vals))
}

impl Database for PgDb {
    fn transaction(
        &self,
        mode: Mode,
        f: &mut dyn FnMut(&mut dyn Tx) -> Result<(), DbError>,
    ) -> Result<(), DbError> {
        let pool = self
            .pool
            .as_ref()
            .ok_or_else(|| DbError::Task("database is closing".into()))?;
        let mut conn = pool.get()?;
        let PgConn { client, statements } = &mut *conn;
        let tx = match mode {
            Mode::Read => client
                .build_transaction()
                .isolation_level(IsolationLevel::RepeatableRead)
                .read_only(true)
                .start()?,
            Mode::Write => client.transaction()?,
        };
        let mut tx = PgTx { tx, statements };
        let res = f(&mut tx);
        let PgTx { tx, statements } = tx;
        match res {
            Ok(()) => {
                tx.commit()?;
                Ok(())
            }
            Err(e) => {
                // A failed statement may have invalidated cached statements'
                // assumptions (e.g. after DDL); start afresh next time.
                if !matches!(e, DbError::Rollback) {
                    statements.clear();
                }
                tx.rollback()?;
                Err(e)
            }
        }
    }

    fn engine(&self) -> &'static str {
        "postgres"
    }
}
