//! Bootstrapping an empty device in one transaction.
//!
//! A device with no tickets yet (a new install signing in, or a store whose
//! server was replaced before it held anything) receives the whole workspace.
//! Applied page by page, every ticket row also went into about fifteen board
//! and report indexes and the title and count triggers, page after page, each
//! page a commit. Here instead a worker thread with its own connection opens
//! one IMMEDIATE transaction, drops the board indexes and the triggers of
//! `tickets`, applies every page exactly as the change feed does
//! ([`sync_apply::apply_changes`]: the same upserts, the same first SLA
//! evaluation), then recreates the indexes in one pass each, fills the title
//! index and `ticket_counts` with one statement each, stores the cursor and
//! commits.
//!
//! Safety:
//! - DDL is transactional: a crash, an error or a lost connection rolls the
//!   whole bootstrap back, indexes included; the next sync starts it again.
//! - The app's own connection keeps reading the last committed state (WAL)
//!   and sees the full workspace, with its indexes, at the commit. Its
//!   writes wait for the commit (the store's busy timeout).
//! - The worker checks, inside its transaction, that there are still no
//!   tickets; otherwise it declines and the caller applies pages one by one.

use super::sync_apply::{self, META_CURSOR, META_REWRITE, Touched};
use super::write::Writer;
use super::{Store, configure, meta_set, sla};
use crate::clock::{Clock, IdSource};
use crate::error::{StoreError, StoreResult};
use outpost_core::sync::ChangeSet;
use rusqlite::{Connection, TransactionBehavior};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Indexes on `tickets` the load itself reads: linking a conversation's
/// replies to their ticket (`apply_changes`).
const KEPT_INDEXES: &[&str] = &["tickets_by_conversation"];

/// The worker's page cache: a 100k-ticket workspace loads without spilling.
const BULK_CACHE_KIB: i64 = 384 * 1024;

enum Msg {
    Page(Box<ChangeSet>),
    /// The last page was sent; its `next_cursor`.
    Finish(String),
}

/// A bootstrap in progress on its worker thread: hand it every page with
/// [`BulkBootstrap::apply`], then [`BulkBootstrap::finish`]. Dropping it
/// before `finish` rolls everything back.
pub struct BulkBootstrap {
    pages: tokio::sync::mpsc::Sender<Msg>,
    /// The worker's result, sent as it ends.
    done: tokio::sync::oneshot::Receiver<StoreResult<()>>,
}

/// What the worker needs from the store.
struct Job {
    path: PathBuf,
    clock: Arc<dyn Clock>,
    writer: Writer,
}

impl Store {
    /// Starts a one-transaction bootstrap when this store holds no tickets
    /// (see the module doc); `None` when it does, or when its schema or SLA
    /// storage is not this build's (then apply pages one by one).
    pub fn bulk_bootstrap(&self) -> StoreResult<Option<BulkBootstrap>> {
        let actor = self.current_agent.ok_or(StoreError::NotSignedIn)?;
        if self.schema_version()? != super::migrations::latest_version()
            || !self.sla.stored
            || !self.sla.outcomes
            || has_tickets(&self.conn)?
        {
            return Ok(None);
        }
        let job = Job {
            path: self.path.clone(),
            clock: self.clock.clone(),
            writer: Writer {
                actor,
                numbering: self.numbering,
                sla: self.sla.clone(),
                ids: IdSource::from_os(),
                hlc: self.last_hlc,
                client_id: self.client_id,
            },
        };
        let loading = Loading::start(&self.bulk_loading);
        let (ready_tx, ready) = std::sync::mpsc::channel();
        // One page waits while the worker applies another.
        let (pages, mut inbox) = tokio::sync::mpsc::channel(1);
        let (done_tx, mut done) = tokio::sync::oneshot::channel();
        std::thread::Builder::new()
            .name("outpost-bootstrap".into())
            .spawn(move || {
                // The flag clears as `run` returns, before the result goes.
                let (result, conn) = match job.run(loading, &ready_tx, &mut inbox) {
                    Ok(conn) => (Ok(()), conn),
                    Err(e) => (Err(e), None),
                };
                let _ = done_tx.send(result);
                // After the caller goes on: fold the loaded pages from the
                // WAL into the main file, so that no later commit of the
                // app pays for it (its automatic checkpoint).
                if let Some(conn) = conn
                    && let Err(e) = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()))
                {
                    tracing::warn!("checkpoint after the bootstrap: {e}");
                }
            })?;
        match ready.recv() {
            Ok(true) => Ok(Some(BulkBootstrap { pages, done })),
            // Declined (a ticket appeared), or failed before starting: the
            // worker has ended, with its result sent.
            Ok(false) | Err(_) => match done.try_recv() {
                Ok(result) => result.map(|()| None),
                Err(_) => Ok(None),
            },
        }
    }

    /// Whether a bulk bootstrap is loading the workspace (its first sync):
    /// writes are refused with [`StoreError::Downloading`] meanwhile, and
    /// the SLA timer and rules have nothing to do yet.
    pub fn bootstrapping(&self) -> bool {
        self.bulk_loading.load(Ordering::Acquire) > 0
    }

    /// After a bulk bootstrap committed: the SLA settings it may have
    /// brought are read back (the worker already evaluated with them).
    pub(crate) fn reload_sla_settings(&mut self) -> StoreResult<()> {
        let outcomes = self.sla.outcomes;
        let now = self.clock.now();
        let config = sla::ensure_sla_settings(&mut self.conn, now, outcomes)?;
        self.sla = Arc::new(config);
        Ok(())
    }
}

impl BulkBootstrap {
    /// Hands one page to the worker, waiting while it still applies the
    /// one before. A worker that failed returns its error here.
    pub async fn apply(&mut self, changes: ChangeSet) -> StoreResult<()> {
        self.send(Msg::Page(Box::new(changes))).await
    }

    /// Sends the end (`next_cursor` of the last page) and waits for the
    /// commit.
    pub async fn finish(mut self, next_cursor: &str) -> StoreResult<()> {
        self.send(Msg::Finish(next_cursor.to_owned())).await?;
        self.outcome().await
    }

    async fn send(&mut self, msg: Msg) -> StoreResult<()> {
        if self.pages.send(msg).await.is_ok() {
            return Ok(());
        }
        // The worker stopped: its error, or it ended without one.
        self.outcome().await?;
        Err(StoreError::Corrupt(
            "the bootstrap worker stopped early".into(),
        ))
    }

    async fn outcome(&mut self) -> StoreResult<()> {
        (&mut self.done)
            .await
            .unwrap_or_else(|_| Err(StoreError::Corrupt("the bootstrap worker stopped".into())))
    }
}

/// Marks the store as bulk loading until dropped (by the worker as it
/// ends, however it ends).
/// A count: a worker that is rolling back may overlap the next one.
struct Loading(Arc<AtomicUsize>);

impl Loading {
    fn start(workers: &Arc<AtomicUsize>) -> Loading {
        workers.fetch_add(1, Ordering::AcqRel);
        Loading(workers.clone())
    }
}

impl Drop for Loading {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

fn has_tickets(conn: &Connection) -> StoreResult<bool> {
    Ok(conn
        .prepare_cached("SELECT EXISTS (SELECT 1 FROM tickets)")?
        .query_row([], |r| r.get(0))?)
}

/// Drops the indexes and triggers of `tickets` that a load does not read
/// (not the automatic UNIQUE ones); returns their SQL for [`restore`].
fn drop_for_load(conn: &Connection) -> StoreResult<Vec<String>> {
    let objects: Vec<(String, String, String)> = conn
        .prepare(
            "SELECT type, name, sql FROM sqlite_master
             WHERE tbl_name = 'tickets' AND type IN ('index', 'trigger') AND sql IS NOT NULL
             ORDER BY type, name",
        )?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<Result<_, _>>()?;
    let mut dropped = Vec::new();
    for (kind, name, sql) in objects {
        if KEPT_INDEXES.contains(&name.as_str()) {
            continue;
        }
        // Names come from sqlite_master; quoted all the same.
        conn.execute_batch(&format!("DROP {kind} \"{}\"", name.replace('"', "\"\"")))?;
        dropped.push(sql);
    }
    Ok(dropped)
}

/// Recreates what [`drop_for_load`] dropped and fills what its triggers
/// would have maintained: the title index and `ticket_counts`.
fn restore(conn: &Connection, dropped: &[String]) -> StoreResult<()> {
    for sql in dropped {
        conn.execute_batch(sql)?;
    }
    conn.execute_batch(
        "INSERT INTO ticket_fts (rowid, title) SELECT rid, title FROM tickets;
         DELETE FROM ticket_counts;
         INSERT INTO ticket_counts (status, priority, assignee_id, category_id, n)
             SELECT status, priority, assignee_id, category_id, count(*) FROM tickets
             GROUP BY status, priority, assignee_id, category_id;",
    )?;
    Ok(())
}

impl Job {
    /// The worker: tells `ready` whether it took the bootstrap, then applies
    /// pages until `Finish` (commit: returns its connection) or until the
    /// channel closes (rollback).
    fn run(
        mut self,
        loading: Loading,
        ready: &std::sync::mpsc::Sender<bool>,
        inbox: &mut tokio::sync::mpsc::Receiver<Msg>,
    ) -> StoreResult<Option<Connection>> {
        let mut conn = Connection::open(&self.path)?;
        configure(&conn)?;
        // Pages of the feed may name a row before it arrives.
        conn.pragma_update(None, "foreign_keys", "OFF")?;
        // The transaction's pages stay in memory instead of spilling to the
        // WAL and being searched there; released when the worker ends.
        conn.pragma_update(None, "cache_size", -BULK_CACHE_KIB)?;
        // The commit does not checkpoint; the worker does after it (above).
        conn.pragma_update(None, "wal_autocheckpoint", 0)?;
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        if has_tickets(&tx)? {
            drop(loading);
            let _ = ready.send(false);
            return Ok(None);
        }
        let dropped = drop_for_load(&tx)?;
        meta_set(&tx, META_REWRITE, "1")?;
        let _ = ready.send(true);
        let me = Some(self.writer.actor);
        let mut touched = Touched::default();
        loop {
            let Some(msg) = inbox.blocking_recv() else {
                // The caller gave up (the connection dropped): roll back.
                return Ok(None);
            };
            let now = self.clock.now();
            match msg {
                Msg::Page(changes) => {
                    if let Some(settings) = &changes.sla_settings
                        && *settings != self.writer.sla.settings
                    {
                        let config = sla::replace_in(&tx, settings.clone(), &self.writer.sla, now)?;
                        self.writer.sla = Arc::new(config);
                    }
                    let mut ctx = self.writer.ctx(&tx, now);
                    sync_apply::apply_changes(&mut ctx, &changes, &mut touched)?;
                    crate::alerts::apply_marks(&tx, me, &changes.notified)?;
                }
                Msg::Finish(cursor) => {
                    let mut ctx = self.writer.ctx(&tx, now);
                    sync_apply::evaluate_touched(&mut ctx, std::mem::take(&mut touched))?;
                    restore(&tx, &dropped)?;
                    tx.execute("DELETE FROM meta WHERE key = ?1", [META_REWRITE])?;
                    meta_set(&tx, META_CURSOR, &cursor)?;
                    tx.commit()?;
                    return Ok(Some(conn));
                }
            }
        }
    }
}
