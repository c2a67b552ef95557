//! The local store: one SQLite file per device holding the workspace, tickets,
//! comments, history and the outbox of changes waiting to sync.
//!
//! Words used here:
//! - *current agent*: the agent signed in on this device; every change is
//!   recorded as theirs.
//! - *client id*: a UUID naming this device, created at first open; it is the
//!   node of every HLC stamp the store issues.
//! - *numbering*: who assigns ticket numbers. In local-only mode the store does
//!   (max + 1); once the device syncs, the server does and new tickets stay
//!   provisional (number `NULL`) until it answers.
//!
//! Durability: WAL with `synchronous = NORMAL`. A commit is atomic and
//! consistent; after a power loss (not an app crash) the last few commits may
//! roll back, which the outbox design tolerates (nothing was pushed yet, and
//! the UI showed them as pending). FULL would add an fsync per commit.

mod board;
mod bootstrap;
mod comments;
mod inbox;
pub(crate) mod kb;
pub mod migrations;
mod reads;
mod reports;
mod rows;
mod session;
mod setup;
mod sla;
pub(crate) use sla::{done_range, open_range, open_status};
mod sync_apply;
mod tickets;
mod undo;
mod write;

pub use board::MAX_PAGE;
pub use bootstrap::BulkBootstrap;
pub use comments::parse_mentions;
pub use kb::MAX_KB_HITS;
pub use reads::TableCounts;
pub(crate) use sla::{Change, Outcomes, SlaConfig, SlaRow, events_from};
pub use sla::{SlaCounts, SlaTransition};
pub use sync_apply::{Rejection, SyncConflict};
pub use undo::KEEP_BATCHES;

use crate::clock::{Clock, IdSource, SystemClock};
use crate::error::{StoreError, StoreResult};
use outpost_core::AgentId;
use outpost_core::sync::Hlc;
use rusqlite::config::DbConfig;
use rusqlite::{Connection, OptionalExtension, params};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;
use uuid::Uuid;

/// Who assigns ticket numbers on this device.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Numbering {
    /// Local-only mode: the store assigns `max + 1` at creation.
    #[default]
    Local,
    /// Synced mode: new tickets are provisional until the server numbers them.
    Server,
}

impl Numbering {
    fn code(self) -> &'static str {
        match self {
            Numbering::Local => "local",
            Numbering::Server => "server",
        }
    }
}

/// How to open a store. `Default` uses the system clock and OS randomness.
#[derive(Clone)]
pub struct StoreOptions {
    /// Where the store reads the time.
    pub clock: Arc<dyn Clock>,
    /// Seed for id randomness; `None` = operating-system randomness.
    pub id_seed: Option<u64>,
    /// Run only the first N migrations (tests of upgrades); `None` = all.
    #[doc(hidden)]
    pub schema_version: Option<usize>,
}

impl Default for StoreOptions {
    fn default() -> Self {
        Self {
            clock: Arc::new(SystemClock),
            id_seed: None,
            schema_version: None,
        }
    }
}

impl StoreOptions {
    /// Options with this clock (and OS randomness).
    pub fn with_clock(clock: Arc<dyn Clock>) -> Self {
        Self {
            clock,
            ..Self::default()
        }
    }
}

/// The local SQLite store. Writes take `&mut self`; wrap it in a mutex to
/// share it between threads.
pub struct Store {
    conn: Connection,
    path: PathBuf,
    clock: Arc<dyn Clock>,
    ids: IdSource,
    client_id: Uuid,
    current_agent: Option<AgentId>,
    last_hlc: Option<Hlc>,
    numbering: Numbering,
    /// The parsed SLA settings (see [`sla`]).
    sla: Arc<sla::SlaConfig>,
    /// Whether the schema has `ticket_counts` (migration 4); false only for
    /// stores opened at an older version (upgrade tests).
    counts_table: bool,
    /// Set while a bulk bootstrap's worker holds the write lock
    /// ([`bootstrap`]): writes are refused at once instead of waiting.
    bulk_loading: Arc<std::sync::atomic::AtomicUsize>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("path", &self.path)
            .field("client_id", &self.client_id)
            .field("current_agent", &self.current_agent)
            .finish_non_exhaustive()
    }
}

const META_CLIENT_ID: &str = "client_id";
const META_CURRENT_AGENT: &str = "current_agent";
const META_LAST_HLC: &str = "last_hlc";
const META_NUMBERING: &str = "numbering";

impl Store {
    /// Where the app keeps its store: the platform's data folder for Outpost
    /// (e.g. `~/.local/share/outpost/outpost.db` on Linux).
    pub fn default_path() -> StoreResult<PathBuf> {
        let dirs = directories::ProjectDirs::from("dev", "Outpost", "Outpost")
            .ok_or(StoreError::NoDataDir)?;
        Ok(dirs.data_dir().join("outpost.db"))
    }

    /// Opens (creating if needed) the store at `path` with the system clock.
    pub fn open(path: impl AsRef<Path>) -> StoreResult<Self> {
        Self::open_with(path, StoreOptions::default())
    }

    /// Opens the store with an injected clock / id seed. Creates the folder
    /// and file if needed, applies pending migrations in one transaction, and
    /// creates the device's client id and a default workspace at first open.
    pub fn open_with(path: impl AsRef<Path>, options: StoreOptions) -> StoreResult<Self> {
        let path = path.as_ref().to_path_buf();
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)?;
        }
        let mut conn = Connection::open(&path)?;
        configure(&conn)?;
        let migrations = match options.schema_version {
            Some(n) => &migrations::MIGRATIONS[..n.min(migrations::MIGRATIONS.len())],
            None => migrations::MIGRATIONS,
        };
        sync_apply::adopt_legacy_sync_schema(&conn, migrations.len())?;
        migrations::migrate(&mut conn, migrations)?;
        sync_apply::finish_legacy_sync_schema(&mut conn)?;
        let mut ids = match options.id_seed {
            Some(seed) => IdSource::seeded(seed),
            None => IdSource::from_os(),
        };
        let client_id = match meta_get(&conn, META_CLIENT_ID)? {
            Some(s) => Uuid::parse_str(&s).map_err(|_| corrupt("client id"))?,
            None => {
                let id = ids.next(options.clock.now());
                meta_set(&conn, META_CLIENT_ID, &id.to_string())?;
                id
            }
        };
        setup::ensure_workspace(&conn, &mut ids, options.clock.now())?;
        let sla = if migrations.len() >= migrations::SLA_VERSION {
            let outcomes = migrations.len() >= migrations::OUTCOMES_VERSION;
            let sla = sla::ensure_sla_settings(&mut conn, options.clock.now(), outcomes)?;
            sla::ensure_outcomes(&mut conn, &sla, options.clock.now())?;
            sla
        } else {
            // An older schema (upgrade tests): behave as the app that wrote it.
            sla::SlaConfig::without_storage()
        };
        let counts_table = migrations.len() >= migrations::COUNTS_VERSION;
        if migrations.len() >= migrations::NOTIFIED_VERSION {
            crate::notify::ensure_since(&conn, options.clock.now())?;
        }
        let current_agent = match meta_get(&conn, META_CURRENT_AGENT)? {
            Some(s) => Some(AgentId(
                Uuid::parse_str(&s).map_err(|_| corrupt("current agent"))?,
            )),
            None => None,
        };
        let last_hlc = match meta_get(&conn, META_LAST_HLC)? {
            Some(s) => Some(s.parse::<Hlc>().map_err(|_| corrupt("last HLC"))?),
            None => None,
        };
        let numbering = match meta_get(&conn, META_NUMBERING)?.as_deref() {
            Some("server") => Numbering::Server,
            _ => Numbering::Local,
        };
        Ok(Store {
            conn,
            path,
            clock: options.clock,
            ids,
            client_id,
            current_agent,
            last_hlc,
            numbering,
            sla: Arc::new(sla),
            counts_table,
            bulk_loading: Arc::default(),
        })
    }

    /// The store file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// This device's client id (the HLC node of its changes).
    pub fn client_id(&self) -> Uuid {
        self.client_id
    }

    /// The schema version of the open store.
    pub fn schema_version(&self) -> StoreResult<i64> {
        Ok(self
            .conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))?)
    }

    /// The agent signed in on this device, if any.
    pub fn current_agent(&self) -> Option<AgentId> {
        self.current_agent
    }

    /// Signs an agent in (or out with `None`) on this device; persisted.
    pub fn set_current_agent(&mut self, agent: Option<AgentId>) -> StoreResult<()> {
        match agent {
            Some(id) => {
                self.require_agent(id)?;
                meta_set(&self.conn, META_CURRENT_AGENT, &id.to_string())?;
            }
            None => {
                self.conn
                    .execute("DELETE FROM meta WHERE key = ?1", [META_CURRENT_AGENT])?;
            }
        }
        self.current_agent = agent;
        Ok(())
    }

    /// Who assigns ticket numbers.
    pub fn numbering(&self) -> Numbering {
        self.numbering
    }

    /// Switches numbering (the sync engine sets `Server` once registered).
    pub fn set_numbering(&mut self, numbering: Numbering) -> StoreResult<()> {
        meta_set(&self.conn, META_NUMBERING, numbering.code())?;
        self.numbering = numbering;
        Ok(())
    }

    /// The newest HLC stamp this device issued.
    pub fn last_hlc(&self) -> Option<Hlc> {
        self.last_hlc
    }

    /// The raw connection, for the sync engine and diagnostics in this crate.
    pub(crate) fn conn(&self) -> &Connection {
        &self.conn
    }

    /// The raw connection for bulk loads in this crate (demo data).
    pub(crate) fn conn_mut(&mut self) -> &mut Connection {
        &mut self.conn
    }

    /// The SLA settings in force, parsed (demo data evaluates with them).
    pub(crate) fn sla_config(&self) -> Arc<SlaConfig> {
        self.sla.clone()
    }

    /// The store's idea of now (its injected clock).
    pub fn now(&self) -> chrono::DateTime<chrono::Utc> {
        self.clock.now()
    }

    /// Asks SQLite to refresh its planner statistics (cheap when nothing
    /// changed much). Call after bulk loads and before closing.
    pub fn optimize(&self) -> StoreResult<()> {
        self.conn.execute_batch("PRAGMA optimize;")?;
        Ok(())
    }

    /// Folds the write-ahead log into the main file (before copying the file
    /// or measuring its size).
    pub fn checkpoint(&self) -> StoreResult<()> {
        self.conn
            .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
        Ok(())
    }

    /// Folds as much of the write-ahead log into the main file as possible
    /// without waiting for readers. The app calls it from a background thread
    /// after writes, so commits rarely hit the automatic checkpoint.
    pub fn checkpoint_passive(&self) -> StoreResult<()> {
        self.conn
            .query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()))?;
        Ok(())
    }

    fn require_agent(&self, id: AgentId) -> StoreResult<()> {
        if agent_exists(&self.conn, id)? {
            Ok(())
        } else {
            Err(StoreError::UnknownAgent(id.to_string()))
        }
    }
}

/// Connection settings every open applies (see the module doc on durability).
fn configure(conn: &Connection) -> StoreResult<()> {
    conn.busy_timeout(Duration::from_secs(5))?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    conn.pragma_update(None, "temp_store", "MEMORY")?;
    // Plans never depend on bound values: the bundled SQLite has STAT4, and
    // with `sqlite_stat4` present (after `PRAGMA optimize`) a cached statement
    // whose indexed `= ?` is re-bound was re-prepared on every run; that was a
    // quarter of `bulk_update`'s time. Literal rank lists still use the stats.
    conn.set_db_config(DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG, true)?;
    // 64 MB page cache and memory-mapped reads: the board's indexes at 100k
    // tickets stay in memory and reads skip a copy.
    conn.pragma_update(None, "cache_size", -64_000)?;
    conn.pragma_update(None, "mmap_size", 256 * 1024 * 1024)?;
    // Checkpoint the WAL every ~32 MB instead of every 4 MB: a checkpoint
    // runs inside the commit that crosses the limit, so with the default a
    // few percent of single-ticket edits paid for one.
    conn.pragma_update(None, "wal_autocheckpoint", 8_000)?;
    conn.set_prepared_statement_cache_capacity(64);
    Ok(())
}

fn corrupt(what: &str) -> StoreError {
    StoreError::Corrupt(format!("unreadable {what} in meta table"))
}

pub(crate) fn meta_get(conn: &Connection, key: &str) -> StoreResult<Option<String>> {
    Ok(conn
        .prepare_cached("SELECT value FROM meta WHERE key = ?1")?
        .query_row([key], |r| r.get(0))
        .optional()?)
}

pub(crate) fn meta_set(conn: &Connection, key: &str, value: &str) -> StoreResult<()> {
    conn.prepare_cached(
        "INSERT INTO meta (key, value) VALUES (?1, ?2)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
    )?
    .execute(params![key, value])?;
    Ok(())
}

pub(crate) fn agent_exists(conn: &Connection, id: AgentId) -> StoreResult<bool> {
    Ok(conn
        .prepare_cached("SELECT 1 FROM agents WHERE id = ?1")?
        .exists([id.0])?)
}
