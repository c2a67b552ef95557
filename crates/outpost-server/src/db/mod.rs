//! The database seam: one [`Database`] implementation per engine (SQLite,
//! PostgreSQL) behind a tiny SQL interface, so every query in `store/` is
//! written once and runs on both.
//!
//! Words used here:
//! - *engine*: SQLite or PostgreSQL.
//! - *Tx*: one open transaction; statements use `?1, ?2...` placeholders (the
//!   PostgreSQL engine rewrites them to `$1, $2...`). Values are only
//!   integers, text and NULL ([`Val`]), so both engines store the same shapes.
//! - *poke*: "workspace W is now at version V", sent to SSE clients after
//!   commit (in-process for SQLite, `NOTIFY` for PostgreSQL so every server
//!   process on the database hears it).
//!
//! Engines are synchronous (rusqlite, rust-postgres); [`Store`] runs each
//! transaction on tokio's blocking pool so handlers stay async.

mod migrate;
pub mod postgres;
pub mod sqlite;

use outpost_core::WorkspaceId;
use std::sync::Arc;
use thiserror::Error;
use tokio::sync::broadcast;

/// A database failure. Never shown to API clients (they get a 500).
#[derive(Debug, Error)]
pub enum DbError {
    /// The SQLite engine failed.
    #[error("sqlite: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// The PostgreSQL engine failed.
    #[error("postgres: {0}")]
    Postgres(#[from] ::postgres::Error),
    /// No pooled connection could be had.
    #[error("connection pool: {0}")]
    Pool(#[from] r2d2::Error),
    /// A stored value does not have the expected shape.
    #[error("corrupt row: {0}")]
    Corrupt(String),
    /// The database URL is not understood.
    #[error("bad database url: {0}")]
    BadUrl(String),
    /// A migration failed or the schema is newer than this server.
    #[error("migration: {0}")]
    Migration(String),
    /// The caller's closure failed; the transaction was rolled back.
    #[error("rolled back")]
    Rollback,
    /// The blocking task panicked or was cancelled.
    #[error("blocking task failed: {0}")]
    Task(String),
}

/// A SQL value: both engines store only these.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Val {
    Null,
    Int(i64),
    Text(String),
}

impl From<i64> for Val {
    fn from(v: i64) -> Self {
        Val::Int(v)
    }
}
impl From<&str> for Val {
    fn from(v: &str) -> Self {
        Val::Text(v.to_owned())
    }
}
impl From<String> for Val {
    fn from(v: String) -> Self {
        Val::Text(v)
    }
}
impl From<&String> for Val {
    fn from(v: &String) -> Self {
        Val::Text(v.clone())
    }
}
impl<T: Into<Val>> From<Option<T>> for Val {
    fn from(v: Option<T>) -> Self {
        v.map_or(Val::Null, Into::into)
    }
}

/// Builds a `&[Val]` parameter list: `params![a, b]`.
#[macro_export]
macro_rules! params {
    ($($v:expr),* $(,)?) => { &[$($crate::db::Val::from($v)),*] };
}

/// One result row.
#[derive(Debug, Clone)]
pub struct Row(pub Vec<Val>);

impl Row {
    fn at(&self, i: usize) -> Result<&Val, DbError> {
        self.0
            .get(i)
            .ok_or_else(|| DbError::Corrupt(format!("no column {i}")))
    }
    /// Column `i` as an integer.
    pub fn int(&self, i: usize) -> Result<i64, DbError> {
        self.opt_int(i)?
            .ok_or_else(|| DbError::Corrupt(format!("column {i} is null")))
    }
    /// Column `i` as an optional integer.
    pub fn opt_int(&self, i: usize) -> Result<Option<i64>, DbError> {
        match self.at(i)? {
            Val::Null => Ok(None),
            Val::Int(v) => Ok(Some(*v)),
            Val::Text(t) => t
                .parse()
                .map(Some)
                .map_err(|_| DbError::Corrupt(format!("column {i} is not an integer"))),
        }
    }
    /// Column `i` as text.
    pub fn text(&self, i: usize) -> Result<String, DbError> {
        self.opt_text(i)?
            .ok_or_else(|| DbError::Corrupt(format!("column {i} is null")))
    }
    /// Column `i` as optional text.
    pub fn opt_text(&self, i: usize) -> Result<Option<String>, DbError> {
        match self.at(i)? {
            Val::Null => Ok(None),
            Val::Int(v) => Ok(Some(v.to_string())),
            Val::Text(t) => Ok(Some(t.clone())),
        }
    }
    /// Column `i` parsed with `FromStr` (ids, enums stored as codes).
    pub fn parse<T: std::str::FromStr>(&self, i: usize) -> Result<T, DbError> {
        let t = self.text(i)?;
        t.parse()
            .map_err(|_| DbError::Corrupt(format!("column {i}: unparsable {t:?}")))
    }
    /// Optional column `i` parsed with `FromStr`.
    pub fn opt_parse<T: std::str::FromStr>(&self, i: usize) -> Result<Option<T>, DbError> {
        match self.opt_text(i)? {
            None => Ok(None),
            Some(t) => t
                .parse()
                .map(Some)
                .map_err(|_| DbError::Corrupt(format!("column {i}: unparsable {t:?}"))),
        }
    }
}

/// An open transaction.
pub trait Tx {
    /// Runs a statement; returns the number of rows changed.
    fn execute(&mut self, sql: &str, params: &[Val]) -> Result<u64, DbError>;
    /// Runs a query; returns every row.
    fn query(&mut self, sql: &str, params: &[Val]) -> Result<Vec<Row>, DbError>;
    /// Queues a poke for `workspace` at `version`, delivered only on commit.
    fn poke(&mut self, workspace: WorkspaceId, version: i64) -> Result<(), DbError>;
    /// Which engine this is (`sqlite` or `postgres`).
    fn engine(&self) -> &'static str;

    /// The first row of a query, if any.
    fn query_opt(&mut self, sql: &str, params: &[Val]) -> Result<Option<Row>, DbError> {
        Ok(self.query(sql, params)?.into_iter().next())
    }
}

/// Whether a transaction writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// A consistent read-only snapshot.
    Read,
    /// A writing transaction (serialised per workspace by the version row).
    Write,
}

/// A "workspace changed" notice for SSE clients.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Poke {
    pub workspace: WorkspaceId,
    pub version: i64,
}

/// One database engine.
pub trait Database: Send + Sync + 'static {
    /// Runs `f` in a transaction; commits if it returns `Ok`, else rolls back.
    fn transaction(
        &self,
        mode: Mode,
        f: &mut dyn FnMut(&mut dyn Tx) -> Result<(), DbError>,
    ) -> Result<(), DbError>;
    /// The engine's name.
    fn engine(&self) -> &'static str;
}

/// The async face of a [`Database`] plus the poke channel.
#[derive(Clone)]
pub struct Store {
    db: Arc<dyn Database>,
    pokes: broadcast::Sender<Poke>,
}

impl Store {
    /// Opens `url` (`sqlite:///path`, `sqlite::memory:` is not supported,
    /// `postgres://...`), runs pending migrations and starts the poke
    /// listener. Blocks: call from a blocking context or at startup.
    pub fn open_blocking(url: &str) -> Result<Store, DbError> {
        let (pokes, _) = broadcast::channel(1024);
        let db: Arc<dyn Database> = if let Some(path) = url.strip_prefix("sqlite://") {
            Arc::new(sqlite::SqliteDb::open(path, pokes.clone())?)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Arc::new(postgres::PgDb::open(url, pokes.clone())?)
        } else {
            return Err(DbError::BadUrl(format!(
                "{url:?}: use sqlite:///path/to/file.db or postgres://user@host/db"
            )));
        };
        // Workspaces from before server-side SLA get their settings and
        // their tickets an evaluation (once: then the settings exist).
        db.transaction(Mode::Write, &mut |tx| {
            crate::sla::ensure_settings(tx, chrono::Utc::now())
                .map(drop)
                .map_err(|e| DbError::Migration(format!("SLA settings: {e}")))
        })?;
        Ok(Store { db, pokes })
    }

    /// Opens `url` on the blocking pool.
    pub async fn open(url: &str) -> Result<Store, DbError> {
        let url = url.to_owned();
        tokio::task::spawn_blocking(move || Store::open_blocking(&url))
            .await
            .map_err(|e| DbError::Task(e.to_string()))?
    }

    /// The engine's name.
    pub fn engine(&self) -> &'static str {
        self.db.engine()
    }

    /// Subscribes to pokes of every workspace.
    pub fn subscribe(&self) -> broadcast::Receiver<Poke> {
        self.pokes.subscribe()
    }

    /// Runs `f` in a transaction of `mode` on the blocking pool. An `Err`
    /// from `f` rolls back and is returned as is.
    pub async fn run<T, E, F>(&self, mode: Mode, f: F) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<DbError> + Send + 'static,
        F: FnOnce(&mut dyn Tx) -> Result<T, E> + Send + 'static,
    {
        let db = self.db.clone();
        tokio::task::spawn_blocking(move || {
            let mut f = Some(f);
            let mut out: Option<Result<T, E>> = None;
            let res = db.transaction(mode, &mut |tx| {
                let f = f.take().ok_or(DbError::Rollback)?;
                match f(tx) {
                    Ok(v) => {
                        out = Some(Ok(v));
                        Ok(())
                    }
                    Err(e) => {
                        out = Some(Err(e));
                        Err(DbError::Rollback)
                    }
                }
            });
            match (res, out) {
                (Ok(()), Some(r)) | (Err(DbError::Rollback), Some(r @ Err(_))) => r,
                (Err(e), _) => Err(E::from(e)),
                (Ok(()), None) => Err(E::from(DbError::Rollback)),
            }
        })
        .await
        .map_err(|e| E::from(DbError::Task(e.to_string())))?
    }

    /// A write transaction.
    pub async fn write<T, E, F>(&self, f: F) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<DbError> + Send + 'static,
        F: FnOnce(&mut dyn Tx) -> Result<T, E> + Send + 'static,
    {
        self.run(Mode::Write, f).await
    }

    /// A read-only snapshot transaction.
    pub async fn read<T, E, F>(&self, f: F) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<DbError> + Send + 'static,
        F: FnOnce(&mut dyn Tx) -> Result<T, E> + Send + 'static,
    {
        self.run(Mode::Read, f).await
    }
}

/// Turns `?1, ?2` placeholders into PostgreSQL's `$1, $2`.
pub(crate) fn to_dollar_params(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len());
    let mut chars = sql.chars().peekable();
    let mut in_str = false;
    while let Some(c) = chars.next() {
        match c {
            '\'' => {
                in_str = !in_str;
                out.push(c);
            }
            '?' if !in_str && chars.peek().is_some_and(char::is_ascii_digit) => out.push('$'),
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn placeholders_become_dollar_params_outside_strings() {
        assert_eq!(
            super::to_dollar_params("SELECT '?1', x FROM t WHERE a = ?1 AND b = ?12"),
            "SELECT '?1', x FROM t WHERE a = $1 AND b = $12"
        );
    }
}
