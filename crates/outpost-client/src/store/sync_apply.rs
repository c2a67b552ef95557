//! The store side of sync: applying the server's rows without writing outbox
//! entries, acknowledging pushed mutations, and the bookkeeping that keeps
//! local pending edits on top of remote rows.
//!
//! Words used here:
//! - *base*: the server's copy of a ticket (row + per-field stamps) as last
//!   pulled, kept in `sync_tickets`.
//! - *pending*: outbox mutations not yet acknowledged. A ticket's local row is
//!   always `base` with its pending patches re-applied by per-field
//!   last-writer-wins ([`merge::apply_write`]), i.e. what the server will hold
//!   once they arrive, so nothing local is lost and nothing remote hides it.
//! - *provisional event*: a history event written on this device (`synced =
//!   0`). Events of a mutation have ids derived from its op id (the server's
//!   [`merge::derived_event_id`] scheme), so the server's copy replaces the
//!   local one by id; once every acknowledged mutation's events have been
//!   pulled, provisional events the server did not keep (a field edit that
//!   lost to a newer one becomes a `conflict` event there) are dropped.
//!
//! The sync tables come from a numbered migration ([`SYNC_MIGRATION`]).

use super::write::WriteCtx;
use super::{Store, meta_get, meta_set};
use crate::clock::{from_ms, to_ms};
use crate::error::{StoreError, StoreResult};
use outpost_core::sync::merge::{self, FieldStamps, TicketField, slot};
use outpost_core::sync::{
    AssignedNumber, ChangeSet, Hlc, MutationOp, MutationResult, MutationStatus, SyncTicket,
};
use outpost_core::{
    Agent, AgentId, HistoryField, Ticket, TicketId, TicketNumber, TicketPatch, Workspace,
};
use rusqlite::{Connection, OptionalExtension, ToSql, Transaction, params, params_from_iter};
use serde::Serialize;
use std::collections::HashMap;
use uuid::Uuid;

pub(super) const META_CURSOR: &str = "sync_cursor";
const META_SERVER: &str = "sync_server";
const META_REGISTERED: &str = "sync_registered";
const META_LAST_SYNC: &str = "sync_last_at";
/// Present only inside the sync engine's own transactions: lets it replace
/// provisional history events (see the migration's triggers below).
pub(super) const META_REWRITE: &str = "sync_rewrite";
/// Present only inside the sync engine's own transactions: the largest
/// ticket rowid before it; the title index triggers skip rows above it,
/// which the transaction indexes in one statement before it commits.
const META_FTS_AFTER: &str = "fts_after";

/// The sync tables, as a numbered migration (see `migrations::MIGRATIONS`):
/// - `history.synced`: 1 once the server's copy of the event was pulled;
///   0 for a provisional event written on this device.
/// - `sync_tickets`: the base (server copy + field stamps) of each ticket.
/// - `sync_acked`: acknowledged mutations whose events are not pulled yet.
/// - `sync_rejections`: changes the server refused, shown to the user.
/// - the history append-only triggers, relaxed inside the sync engine's own
///   transactions (the `sync_rewrite` meta key).
///
/// `IF NOT EXISTS` because stores written before this migration existed made
/// the tables on first use; [`adopt_legacy_sync_schema`] handles their column.
pub(crate) const SYNC_MIGRATION: &str = r#"
ALTER TABLE history ADD COLUMN synced INTEGER NOT NULL DEFAULT 0;
CREATE TABLE IF NOT EXISTS sync_tickets (
    id          BLOB PRIMARY KEY,
    ticket_json TEXT NOT NULL,
    stamps_json TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS sync_acked (op_id BLOB PRIMARY KEY, ticket_id BLOB) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS sync_rejections (
    seq       INTEGER PRIMARY KEY,
    op_id     BLOB NOT NULL,
    name      TEXT NOT NULL,
    ticket_id BLOB,
    code      TEXT NOT NULL,
    message   TEXT NOT NULL,
    at        INTEGER NOT NULL
);
DROP TRIGGER IF EXISTS history_no_update;
DROP TRIGGER IF EXISTS history_no_delete;
CREATE TRIGGER history_no_update BEFORE UPDATE ON history
WHEN NOT EXISTS (SELECT 1 FROM meta WHERE key = 'sync_rewrite') BEGIN
    SELECT RAISE(ABORT, 'history is append-only');
END;
CREATE TRIGGER history_no_delete BEFORE DELETE ON history
WHEN NOT EXISTS (SELECT 1 FROM meta WHERE key = 'sync_rewrite') BEGIN
    SELECT RAISE(ABORT, 'history is append-only');
END;
"#;

fn has_column(conn: &Connection, table: &str, column: &str) -> StoreResult<bool> {
    Ok(conn
        .prepare_cached("SELECT 1 FROM pragma_table_info(?1) WHERE name = ?2")?
        .exists([table, column])?)
}

/// Before migrating: a store from before [`SYNC_MIGRATION`] existed may
/// already hold `history.synced` (made on first use). Rename it out of the
/// migration's way; [`finish_legacy_sync_schema`] copies it back after.
/// `target` is the schema version the store is about to be migrated to.
pub(crate) fn adopt_legacy_sync_schema(conn: &Connection, target: usize) -> StoreResult<()> {
    let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    let sync = super::migrations::SYNC_VERSION;
    if target < sync || version >= sync as i64 || !has_column(conn, "history", "synced")? {
        return Ok(());
    }
    conn.execute_batch("ALTER TABLE history RENAME COLUMN synced TO synced_legacy")?;
    Ok(())
}

/// After migrating: carries the legacy `synced` flags over and drops the old
/// column, in one transaction (rerun safely after a crash).
pub(crate) fn finish_legacy_sync_schema(conn: &mut Connection) -> StoreResult<()> {
    if !has_column(conn, "history", "synced_legacy")? || !has_column(conn, "history", "synced")? {
        return Ok(());
    }
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    meta_set(&tx, META_REWRITE, "1")?;
    tx.execute_batch(
        "UPDATE history SET synced = synced_legacy WHERE synced_legacy <> 0;
         ALTER TABLE history DROP COLUMN synced_legacy;",
    )?;
    tx.execute("DELETE FROM meta WHERE key = ?1", [META_REWRITE])?;
    tx.commit()?;
    Ok(())
}

/// Refuses sync on a store opened below the sync migration (tests that pin
/// an old schema).
fn ensure_sync_schema(conn: &Connection) -> StoreResult<i64> {
    let version: i64 = conn
        .prepare_cached("PRAGMA user_version")?
        .query_row([], |r| r.get(0))?;
    if version < super::migrations::SYNC_VERSION as i64 {
        return Err(StoreError::Corrupt(format!(
            "this store's schema ({version}) predates sync; open it with the current migrations"
        )));
    }
    Ok(version)
}

/// The derived-id slot of a history event a local write records, matching
/// what the server records for the same mutation. `None`: a local-only event.
pub(crate) fn history_slot(field: HistoryField) -> Option<u16> {
    let change = |f: TicketField| {
        let i = TicketField::ALL.iter().position(|x| *x == f).unwrap_or(0);
        Some(slot::change(i))
    };
    match field {
        HistoryField::Created => Some(slot::CREATED),
        HistoryField::Comment => Some(slot::COMMENT),
        HistoryField::Title => change(TicketField::Title),
        HistoryField::Description => change(TicketField::Description),
        HistoryField::Status => change(TicketField::Status),
        HistoryField::Priority => change(TicketField::Priority),
        HistoryField::Assignee => change(TicketField::Assignee),
        HistoryField::Category => change(TicketField::Category),
        HistoryField::DueDate => change(TicketField::DueOverride),
        _ => None,
    }
}

/// Every history id a mutation can leave, on either side.
fn derived_ids(op_id: Uuid) -> Vec<Uuid> {
    let n = TicketField::ALL.len();
    (0..n)
        .map(slot::change)
        .chain((0..n).map(slot::conflict))
        .chain([slot::CREATED, slot::COMMENT])
        .map(|s| merge::derived_event_id(op_id, s).0)
        .collect()
}

/// A mutation the server refused, as the UI lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Rejection {
    pub seq: i64,
    pub op_id: Uuid,
    /// `create_ticket`, `update_ticket` or `add_comment`.
    pub name: String,
    pub ticket_id: Option<TicketId>,
    pub code: String,
    pub message: String,
    pub at: chrono::DateTime<chrono::Utc>,
}

/// One entry of the UI's conflict list: an edit that lost to a concurrent
/// one (`kind = "conflict"`) or a change the server refused (`"rejected"`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SyncConflict {
    pub kind: &'static str,
    pub ticket_id: Option<TicketId>,
    /// The ticket's display number (`TKT-0042`), when it has one.
    pub ticket_number: Option<String>,
    /// Conflicts: `field=kept value`; rejections: the reason code.
    pub kept: Option<String>,
    /// Conflicts: `field=lost value`; rejections: the reason.
    pub lost: Option<String>,
    pub at: chrono::DateTime<chrono::Utc>,
}

/// A pending (unacknowledged) edit of one ticket, from the outbox.
struct Pending {
    hlc: Hlc,
    patch: TicketPatch,
}

/// The local tickets a sync transaction touched, whose SLA snapshot is
/// recomputed before it commits.
#[derive(Default)]
pub(super) struct Touched {
    /// Tickets inserted by this transaction: their first snapshot.
    new: std::collections::BTreeSet<TicketId>,
    /// Tickets whose row, history or conversation changed.
    changed: std::collections::BTreeSet<TicketId>,
}

impl Touched {
    fn changed(&mut self, id: TicketId) {
        if !self.new.contains(&id) {
            self.changed.insert(id);
        }
    }

    /// `id` was inserted with its first evaluation, after everything of
    /// this transaction that marked it changed.
    fn evaluated(&mut self, id: TicketId) {
        self.changed.remove(&id);
    }
}

/// Runs `f` in one IMMEDIATE transaction (the store's write path, as the
/// signed-in agent) with foreign keys off (pages of the change feed may name
/// a ticket before it arrives) and the history rewrite guard set; then, in
/// the same transaction, recomputes the SLA snapshot of every ticket `f`
/// touched from the engine, so the SLA columns are this device's own and
/// equal on every device. Titles of the tickets it inserts are indexed for
/// search in one statement at the end (migration 13).
fn sync_tx<T>(
    store: &mut Store,
    f: impl FnOnce(&mut WriteCtx<'_>, &mut Touched) -> StoreResult<T>,
) -> StoreResult<T> {
    let version = ensure_sync_schema(store.conn())?;
    let defer_fts = version >= super::migrations::DEFERRED_FTS_VERSION as i64;
    store.conn().pragma_update(None, "foreign_keys", "OFF")?;
    let result = store.write(|ctx| {
        meta_set(ctx.tx, META_REWRITE, "1")?;
        let indexed: i64 = ctx
            .tx
            .prepare_cached("SELECT coalesce(max(rid), 0) FROM tickets")?
            .query_row([], |r| r.get(0))?;
        if defer_fts {
            meta_set(ctx.tx, META_FTS_AFTER, &indexed.to_string())?;
        }
        let mut touched = Touched::default();
        let out = f(ctx, &mut touched)?;
        evaluate_touched(ctx, touched)?;
        ctx.tx.execute(
            "DELETE FROM meta WHERE key IN (?1, ?2)",
            [META_REWRITE, META_FTS_AFTER],
        )?;
        if defer_fts {
            ctx.tx
                .prepare_cached(
                    "INSERT INTO ticket_fts (rowid, title)
                     SELECT rid, title FROM tickets WHERE rid > ?1",
                )?
                .execute([indexed])?;
        }
        Ok(out)
    });
    store.conn().pragma_update(None, "foreign_keys", "ON")?;
    result
}

/// Evaluates the SLA of the tickets a sync transaction inserted without a
/// snapshot, and re-evaluates the ones whose row, history or replies it
/// changed.
pub(super) fn evaluate_touched(ctx: &mut WriteCtx<'_>, touched: Touched) -> StoreResult<()> {
    let exists = |tx: &Transaction<'_>, id: TicketId| -> StoreResult<bool> {
        Ok(tx
            .prepare_cached("SELECT 1 FROM tickets WHERE id = ?1")?
            .exists([id.0])?)
    };
    for id in touched.new {
        if exists(ctx.tx, id)? {
            super::sla::initialize_sla(ctx, id)?;
        }
    }
    for id in touched.changed {
        // History may arrive on a page before its ticket.
        if exists(ctx.tx, id)? {
            super::sla::recompute_sla(ctx, id)?;
        }
    }
    Ok(())
}

impl Store {
    /// The server this store syncs with, if any.
    pub fn sync_server(&self) -> StoreResult<Option<String>> {
        meta_get(self.conn(), META_SERVER)
    }

    /// Records a sign-in to `server`: the workspace, the agent (signed in
    /// here), server numbering. Signing in to another server than before
    /// forgets the cursor and registration (the outbox is kept).
    ///
    /// Work done in local-only mode before this sign-in sits in the outbox
    /// under the local agent, whom the server does not know (it accepts only
    /// the token's agent as a mutation's actor): those entries, and only
    /// those, are handed to `agent` so they are pushed rather than refused
    /// ([`Store::reattribute_local_work`]).
    pub fn apply_login(
        &mut self,
        server: &str,
        workspace: &Workspace,
        agent: &Agent,
    ) -> StoreResult<()> {
        ensure_sync_schema(self.conn())?;
        if self.sync_server()?.as_deref() != Some(server) {
            for key in [META_CURSOR, META_REGISTERED] {
                self.conn()
                    .execute("DELETE FROM meta WHERE key = ?1", [key])?;
            }
            meta_set(self.conn(), META_SERVER, server)?;
        }
        self.set_workspace(workspace)?;
        self.upsert_agent(agent)?;
        self.reattribute_local_work(agent.id)?;
        self.set_current_agent(Some(agent.id))?;
        self.set_numbering(super::Numbering::Server)
    }

    /// Gives the local agent's queued outbox entries to `agent`, in one
    /// transaction: the actor, and every mention of the local agent in the
    /// arguments (an assignee, a message's agent), which the server would
    /// refuse as an unknown agent. Entries of any other agent are left alone
    /// (the server refuses them unless that agent pushes them). Returns how
    /// many entries changed hands.
    pub fn reattribute_local_work(&mut self, agent: AgentId) -> StoreResult<u64> {
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let locals: Vec<Uuid> = tx
            .prepare("SELECT id FROM agents WHERE email = ?1 AND id <> ?2")?
            .query_map(params![super::session::LOCAL_AGENT_EMAIL, agent.0], |r| {
                r.get(0)
            })?
            .collect::<Result<_, _>>()?;
        let mut moved = 0;
        for local in locals {
            // Ids appear in the JSON arguments as hyphenated UUID text, which
            // no other value can contain.
            moved += tx.execute(
                "UPDATE outbox SET actor_id = ?2, args = replace(args, ?3, ?4) WHERE actor_id = ?1",
                params![local, agent.0, local.to_string(), agent.0.to_string()],
            )? as u64;
        }
        tx.commit()?;
        if moved > 0 {
            tracing::info!("{moved} change(s) made in local-only mode now belong to {agent}");
        }
        Ok(moved)
    }

    /// The pull cursor (`None`: bootstrap needed).
    pub fn sync_cursor(&self) -> StoreResult<Option<String>> {
        meta_get(self.conn(), META_CURSOR)
    }

    /// Forgets the pull cursor (the next pull bootstraps; the outbox stays).
    pub fn reset_sync_cursor(&mut self) -> StoreResult<()> {
        self.conn()
            .execute("DELETE FROM meta WHERE key = ?1", [META_CURSOR])?;
        Ok(())
    }

    /// Whether this device is registered with the current sync server.
    pub fn sync_registered(&self) -> StoreResult<bool> {
        Ok(meta_get(self.conn(), META_REGISTERED)?.is_some())
    }

    /// Marks the device (un)registered with the current sync server.
    pub fn set_sync_registered(&mut self, registered: bool) -> StoreResult<()> {
        if registered {
            meta_set(self.conn(), META_REGISTERED, "1")
        } else {
            self.conn()
                .execute("DELETE FROM meta WHERE key = ?1", [META_REGISTERED])?;
            Ok(())
        }
    }

    /// When the last complete sync (push + pull) finished.
    pub fn last_sync_at(&self) -> StoreResult<Option<chrono::DateTime<chrono::Utc>>> {
        Ok(meta_get(self.conn(), META_LAST_SYNC)?
            .and_then(|s| s.parse::<i64>().ok())
            .map(from_ms))
    }

    /// Records that a sync finished now (the store's clock).
    pub fn mark_synced(&mut self) -> StoreResult<()> {
        meta_set(self.conn(), META_LAST_SYNC, &to_ms(self.now()).to_string())
    }

    /// Applies a push's answer: acknowledged mutations (applied, duplicate)
    /// leave the outbox; rejected ones leave it too and are recorded with
    /// their reason; assigned numbers go onto the tickets. Returns the
    /// rejections. Tickets whose pending edits were refused are rebuilt
    /// from their base.
    pub fn acknowledge_push(
        &mut self,
        results: &[MutationResult],
        numbers: &[AssignedNumber],
    ) -> StoreResult<Vec<Rejection>> {
        let now = self.now();
        sync_tx(self, |ctx, touched| {
            let tx = ctx.tx;
            let mut rejections = Vec::new();
            let mut rebuild = Vec::new();
            for r in results {
                let row: Option<(String, String)> = tx
                    .prepare_cached("SELECT name, args FROM outbox WHERE seq = ?1 AND op_id = ?2")?
                    .query_row(params![r.seq, r.op_id], |row| {
                        Ok((row.get(0)?, row.get(1)?))
                    })
                    .optional()?;
                let Some((name, args)) = row else { continue };
                tx.prepare_cached("DELETE FROM outbox WHERE seq = ?1")?
                    .execute([r.seq])?;
                let ticket = decode_op(&name, &args).ok().and_then(|op| op_ticket(&op));
                tx.prepare_cached(
                    "INSERT OR IGNORE INTO sync_acked (op_id, ticket_id) VALUES (?1, ?2)",
                )?
                .execute(params![r.op_id, ticket.map(|t| t.0)])?;
                if r.status == MutationStatus::Rejected {
                    let reason = r
                        .reason
                        .clone()
                        .unwrap_or(outpost_core::sync::RejectReason {
                            code: "rejected".into(),
                            message: "the server refused this change".into(),
                        });
                    tx.prepare_cached(
                        "INSERT OR REPLACE INTO sync_rejections (seq, op_id, name, ticket_id, code, message, at)
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                    )?
                    .execute(params![
                        r.seq,
                        r.op_id,
                        name,
                        ticket.map(|t| t.0),
                        reason.code,
                        reason.message,
                        to_ms(now)
                    ])?;
                    rejections.push(Rejection {
                        seq: r.seq,
                        op_id: r.op_id,
                        name,
                        ticket_id: ticket,
                        code: reason.code,
                        message: reason.message,
                        at: now,
                    });
                    rebuild.extend(ticket);
                }
            }
            for n in numbers {
                set_number(tx, n.ticket_id, n.number)?;
            }
            if !rebuild.is_empty() {
                let pending = pending_by_ticket(tx)?;
                for id in rebuild {
                    if let Some((t, s)) = load_base(tx, id)? {
                        write_merged(tx, &t, &s, pending.get(&id))?;
                        touched.changed(id);
                    }
                }
            }
            Ok(rejections)
        })
    }

    /// Applies one page of the change feed (or of a bootstrap) and stores
    /// `next_cursor`, in one transaction: rows are upserted by id, tickets
    /// get their pending local edits re-applied on top, nothing is queued.
    ///
    /// New SLA settings (an admin changed them on any device) are stored
    /// first, in their own transaction that re-evaluates every open ticket,
    /// so this page's tickets are evaluated with them; applying them again
    /// after a crash before the cursor moved changes nothing.
    pub fn apply_remote(&mut self, changes: &ChangeSet, next_cursor: &str) -> StoreResult<()> {
        if let Some(settings) = &changes.sla_settings
            && *settings != self.sla.settings
        {
            self.replace_sla_settings(settings.clone())?;
        }
        let me = self.current_agent();
        sync_tx(self, |ctx, touched| {
            apply_changes(ctx, changes, touched)?;
            crate::alerts::apply_marks(ctx.tx, me, &changes.notified)?;
            meta_set(ctx.tx, META_CURSOR, next_cursor)
        })
    }

    /// Called once a pull has drained the feed: every acknowledged
    /// mutation's server events are in, so provisional events the server did
    /// not keep are dropped.
    pub fn finish_pull(&mut self) -> StoreResult<()> {
        sync_tx(self, |ctx, touched| {
            let tx = ctx.tx;
            let acked: Vec<(Uuid, Option<Uuid>)> = tx
                .prepare("SELECT op_id, ticket_id FROM sync_acked")?
                .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect::<Result<_, _>>()?;
            let mut del = tx.prepare_cached("DELETE FROM history WHERE id = ?1 AND synced = 0")?;
            let mut tickets = std::collections::BTreeSet::new();
            for (op, ticket) in acked {
                for id in derived_ids(op) {
                    del.execute([id])?;
                }
                tickets.extend(ticket.map(TicketId));
            }
            // Local side effects the server does not mirror (a comment bumps
            // `updated_at` here) give way to the server's row.
            if !tickets.is_empty() {
                let pending = pending_by_ticket(tx)?;
                for id in tickets {
                    if let Some((t, s)) = load_base(tx, id)? {
                        write_merged(tx, &t, &s, pending.get(&id))?;
                        touched.changed(id);
                    }
                }
            }
            tx.execute("DELETE FROM sync_acked", [])?;
            Ok(())
        })
    }

    /// Changes the server refused, newest first.
    pub fn sync_rejections(&self) -> StoreResult<Vec<Rejection>> {
        ensure_sync_schema(self.conn())?;
        let mut stmt = self.conn().prepare(
            "SELECT seq, op_id, name, ticket_id, code, message, at FROM sync_rejections ORDER BY seq DESC",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok(Rejection {
                seq: r.get(0)?,
                op_id: r.get(1)?,
                name: r.get(2)?,
                ticket_id: r.get::<_, Option<Uuid>>(3)?.map(TicketId),
                code: r.get(4)?,
                message: r.get(5)?,
                at: from_ms(r.get(6)?),
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Forgets a rejection (the user dismissed it).
    pub fn dismiss_rejection(&mut self, seq: i64) -> StoreResult<()> {
        ensure_sync_schema(self.conn())?;
        self.conn()
            .execute("DELETE FROM sync_rejections WHERE seq = ?1", [seq])?;
        Ok(())
    }

    /// The conflict list: the newest `limit` conflict history events and
    /// every rejection, newest first, each with its ticket.
    pub fn sync_conflicts(&self, limit: usize) -> StoreResult<Vec<SyncConflict>> {
        let display = |n: Option<i64>| n.map(|n| TicketNumber(n as u64).to_string());
        let mut out: Vec<SyncConflict> = self
            .conn()
            .prepare(
                "SELECT h.ticket_id, t.number, h.old_value, h.new_value, h.at FROM history h
                 LEFT JOIN tickets t ON t.id = h.ticket_id
                 WHERE h.field = ?1 ORDER BY h.at DESC LIMIT ?2",
            )?
            .query_map(params![HistoryField::Conflict.code(), limit as i64], |r| {
                Ok(SyncConflict {
                    kind: "conflict",
                    ticket_id: Some(TicketId(r.get(0)?)),
                    ticket_number: display(r.get(1)?),
                    kept: r.get(2)?,
                    lost: r.get(3)?,
                    at: from_ms(r.get(4)?),
                })
            })?
            .collect::<Result<_, _>>()?;
        for rej in self.sync_rejections()? {
            let number = match rej.ticket_id {
                Some(t) => self
                    .conn()
                    .query_row("SELECT number FROM tickets WHERE id = ?1", [t.0], |r| {
                        r.get(0)
                    })
                    .optional()?
                    .flatten(),
                None => None,
            };
            out.push(SyncConflict {
                kind: "rejected",
                ticket_id: rej.ticket_id,
                ticket_number: display(number),
                kept: Some(rej.code),
                lost: Some(rej.message),
                at: rej.at,
            });
        }
        out.sort_by_key(|c| std::cmp::Reverse(c.at));
        Ok(out)
    }
}

fn decode_op(name: &str, args: &str) -> StoreResult<MutationOp> {
    let args: serde_json::Value =
        serde_json::from_str(args).map_err(|e| StoreError::Corrupt(format!("outbox args: {e}")))?;
    serde_json::from_value(serde_json::json!({ "name": name, "args": args }))
        .map_err(|e| StoreError::Corrupt(format!("outbox entry: {e}")))
}

fn op_ticket(op: &MutationOp) -> Option<TicketId> {
    op.ticket_id()
}

/// Pending ticket edits in outbox order, by ticket.
fn pending_by_ticket(tx: &Connection) -> StoreResult<HashMap<TicketId, Vec<Pending>>> {
    let mut out: HashMap<TicketId, Vec<Pending>> = HashMap::new();
    let mut stmt = tx.prepare_cached(
        "SELECT name, args, hlc FROM outbox WHERE name = 'update_ticket' ORDER BY seq",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
        ))
    })?;
    for row in rows {
        let (name, args, hlc) = row?;
        if let MutationOp::UpdateTicket { id, patch } = decode_op(&name, &args)? {
            out.entry(id).or_default().push(Pending {
                hlc: hlc.parse()?,
                patch,
            });
        }
    }
    Ok(out)
}

fn load_base(tx: &Connection, id: TicketId) -> StoreResult<Option<(Ticket, FieldStamps)>> {
    let row: Option<(String, String)> = tx
        .prepare_cached("SELECT ticket_json, stamps_json FROM sync_tickets WHERE id = ?1")?
        .query_row([id.0], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    let Some((t, s)) = row else { return Ok(None) };
    let bad = |e: serde_json::Error| StoreError::Corrupt(format!("sync base of {id}: {e}"));
    Ok(Some((
        serde_json::from_str(&t).map_err(bad)?,
        serde_json::from_str(&s).map_err(bad)?,
    )))
}

/// Gives `ticket` its server number, taking it from any other local ticket
/// that holds it (a number assigned in local-only mode).
fn set_number(tx: &Connection, ticket: TicketId, number: TicketNumber) -> StoreResult<()> {
    let n = number.0 as i64;
    tx.prepare_cached("UPDATE tickets SET number = NULL WHERE number = ?1 AND id <> ?2")?
        .execute(params![n, ticket.0])?;
    tx.prepare_cached("UPDATE tickets SET number = ?1 WHERE id = ?2")?
        .execute(params![n, ticket.0])?;
    Ok(())
}

/// `base` with `pending` edits on top: the local row of a ticket.
fn merged(base: &Ticket, stamps: &FieldStamps, pending: Option<&Vec<Pending>>) -> Ticket {
    let mut t = base.clone();
    let mut s = stamps.clone();
    for p in pending.into_iter().flatten() {
        // A patch the server will refuse as invalid changes nothing here either.
        if let Ok(writes) = merge::patch_writes(&p.patch, p.hlc) {
            for w in &writes {
                merge::apply_write(&mut t, &mut s, w);
            }
        }
    }
    t
}

/// Writes the local row of a ticket: `base` with `pending` edits on top.
fn write_merged(
    tx: &Connection,
    base: &Ticket,
    stamps: &FieldStamps,
    pending: Option<&Vec<Pending>>,
) -> StoreResult<()> {
    write_row(tx, &merged(base, stamps, pending))
}

/// Takes `t`'s number from any other local ticket that holds it.
fn free_number(tx: &Connection, t: &Ticket) -> StoreResult<()> {
    if let Some(n) = t.number {
        tx.prepare_cached("UPDATE tickets SET number = NULL WHERE number = ?1 AND id <> ?2")?
            .execute(params![n.0 as i64, t.id.0])?;
    }
    Ok(())
}

/// Inserts or updates the local row `t`.
///
/// The SLA snapshot (`due_at`, `sla_state`, ...) is computed here, not
/// taken from the server: a new row starts from the server's values and
/// the sync transaction evaluates it ([`sync_tx`]); an existing row keeps
/// its own so that evaluation sees the old state.
fn write_row(tx: &Connection, t: &Ticket) -> StoreResult<()> {
    let ms = |d: Option<chrono::DateTime<chrono::Utc>>| d.map(to_ms);
    free_number(tx, t)?;
    let mut values = row_params(t);
    values.push(Box::new(ms(t.due_override.or(t.due_at))));
    values.push(Box::new(ms(t.due_override)));
    values.push(Box::new(t.sla_state.rank()));
    tx.prepare_cached(
        "INSERT INTO tickets (id, number, title, description, status, priority, category_id,
             assignee_id, requester, conversation_id, created_at, updated_at, first_response_at,
             resolved_at, closed_at, due_at, due_override, sla_state)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18)
         ON CONFLICT (id) DO UPDATE SET number = excluded.number, title = excluded.title,
             description = excluded.description, status = excluded.status,
             priority = excluded.priority, category_id = excluded.category_id,
             assignee_id = excluded.assignee_id, requester = excluded.requester,
             conversation_id = excluded.conversation_id, created_at = excluded.created_at,
             updated_at = excluded.updated_at, first_response_at = excluded.first_response_at,
             resolved_at = excluded.resolved_at, closed_at = excluded.closed_at,
             due_override = excluded.due_override",
    )?
    .execute(params_from_iter(values))?;
    Ok(())
}

/// Inserts a ticket new to this device with its first SLA snapshot and
/// outcomes (`sla`, from [`super::sla::first_evaluation`]) in the same row
/// write: on a bootstrap of 100k tickets a second UPDATE per row rewrote
/// every index the SLA columns are in.
fn insert_evaluated(tx: &Connection, t: &Ticket, sla: &super::sla::SlaChange) -> StoreResult<()> {
    free_number(tx, t)?;
    let mut values = row_params(t);
    values.extend(sla_params(t, sla));
    tx.prepare_cached(
        "INSERT INTO tickets (id, number, title, description, status, priority, category_id,
             assignee_id, requester, conversation_id, created_at, updated_at, first_response_at,
             resolved_at, closed_at, due_at, due_override, sla_state, at_risk_at, breach_at,
             next_change, fr_state, fr_done_at, fr_deadline, res_state, res_done_at, res_deadline)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18,
             ?19, ?20, ?21, ?22, ?23, ?24, ?25, ?26, ?27)",
    )?
    .execute(params_from_iter(values))?;
    Ok(())
}

/// The SLA snapshot and outcome columns of [`insert_evaluated`] (`?16`–`?27`).
fn sla_params<'a>(t: &'a Ticket, sla: &super::sla::SlaChange) -> Vec<Box<dyn ToSql + 'a>> {
    let ms = |d: Option<chrono::DateTime<chrono::Utc>>| d.map(to_ms);
    let snap = &sla.new;
    let [fr, res] = match sla.new_outcomes {
        Some([f, r]) => [Some(f), Some(r)],
        None => [None, None],
    };
    let state = |o: Option<super::sla::TargetOutcome>| o.map(|o| o.state.rank());
    vec![
        Box::new(ms(snap.due_at)),
        Box::new(ms(t.due_override)),
        Box::new(snap.state.rank()),
        Box::new(ms(snap.at_risk_at)),
        Box::new(ms(snap.breach_at)),
        Box::new(ms(snap.next_change)),
        Box::new(state(fr)),
        Box::new(fr.and_then(|o| o.done_at)),
        Box::new(fr.and_then(|o| o.deadline)),
        Box::new(state(res)),
        Box::new(res.and_then(|o| o.done_at)),
        Box::new(res.and_then(|o| o.deadline)),
    ]
}

/// A ticket's own columns, in the order both inserts name them (`?1`–`?15`).
fn row_params(t: &Ticket) -> Vec<Box<dyn ToSql + '_>> {
    let ms = |d: Option<chrono::DateTime<chrono::Utc>>| d.map(to_ms);
    vec![
        Box::new(t.id.0),
        Box::new(t.number.map(|n| n.0 as i64)),
        Box::new(&t.title),
        Box::new(&t.description),
        Box::new(t.status.rank()),
        Box::new(t.priority.rank()),
        Box::new(t.category_id.map(|c| c.0)),
        Box::new(t.assignee_id.map(|a| a.0)),
        Box::new(&t.requester),
        Box::new(t.conversation_id.map(|c| c.0)),
        Box::new(to_ms(t.created_at)),
        Box::new(to_ms(t.updated_at)),
        Box::new(ms(t.first_response_at)),
        Box::new(ms(t.resolved_at)),
        Box::new(ms(t.closed_at)),
    ]
}

fn save_base(tx: &Connection, st: &SyncTicket) -> StoreResult<()> {
    let enc = |e: serde_json::Error| StoreError::Corrupt(format!("encode sync base: {e}"));
    tx.prepare_cached(
        "INSERT INTO sync_tickets (id, ticket_json, stamps_json) VALUES (?1, ?2, ?3)
         ON CONFLICT (id) DO UPDATE SET ticket_json = excluded.ticket_json, stamps_json = excluded.stamps_json",
    )?
    .execute(params![
        st.ticket.id.0,
        serde_json::to_string(&st.ticket).map_err(enc)?,
        serde_json::to_string(&st.stamps).map_err(enc)?
    ])?;
    Ok(())
}

fn json_code<T: Serialize>(v: &T) -> String {
    match serde_json::to_value(v) {
        Ok(serde_json::Value::String(s)) => s,
        Ok(other) => other.to_string(),
        Err(_) => String::new(),
    }
}

/// Writes a page of the change feed. Tickets come last, so a ticket new to
/// this device is evaluated once, at its insert, with this page's history and
/// replies already stored.
pub(super) fn apply_changes(
    ctx: &mut WriteCtx<'_>,
    c: &ChangeSet,
    touched: &mut Touched,
) -> StoreResult<()> {
    let tx = ctx.tx;
    super::kb::apply_remote_kb(tx, &c.kb_articles, &c.kb_deleted)?;
    for a in &c.agents {
        tx.prepare_cached(
            "INSERT INTO agents (id, name, email, role, timezone) VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT (id) DO UPDATE SET name = excluded.name, email = excluded.email,
                 role = excluded.role, timezone = excluded.timezone",
        )?
        .execute(params![a.id.0, a.name, a.email, a.role.code(), a.timezone])?;
    }
    for cat in &c.categories {
        tx.prepare_cached(
            "INSERT INTO categories (id, name) VALUES (?1, ?2)
             ON CONFLICT (id) DO UPDATE SET name = excluded.name",
        )?
        .execute(params![cat.id.0, cat.name])?;
    }
    for conv in &c.conversations {
        tx.prepare_cached(
            "INSERT INTO conversations (id, channel, status, customer_name, customer_contact,
                 subject, ticket_id, created_at, last_message_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
             ON CONFLICT (id) DO UPDATE SET channel = excluded.channel, status = excluded.status,
                 customer_name = excluded.customer_name, customer_contact = excluded.customer_contact,
                 subject = excluded.subject, ticket_id = excluded.ticket_id,
                 last_message_at = excluded.last_message_at",
        )?
        .execute(params![
            conv.id.0,
            json_code(&conv.channel),
            json_code(&conv.status),
            conv.customer_name,
            conv.customer_contact,
            conv.subject,
            conv.ticket_id.map(|t| t.0),
            to_ms(conv.created_at),
            to_ms(conv.last_message_at)
        ])?;
    }
    if !c.comments.is_empty() {
        let agents: Vec<Agent> = tx
            .prepare_cached(&format!(
                "SELECT {} FROM agents",
                super::rows::AGENT_COLUMNS
            ))?
            .query_map([], super::rows::agent)?
            .collect::<Result<_, _>>()?;
        for cm in &c.comments {
            let mentions: Vec<AgentId> = if cm.mentions.is_empty() {
                super::parse_mentions(&cm.body, &agents)
            } else {
                cm.mentions.clone()
            };
            let mentions = serde_json::to_string(&mentions).unwrap_or_else(|_| "[]".into());
            tx.prepare_cached(
                "INSERT INTO comments (id, ticket_id, author_id, body, mentions_json, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                 ON CONFLICT (id) DO UPDATE SET ticket_id = excluded.ticket_id,
                     author_id = excluded.author_id, body = excluded.body,
                     mentions_json = excluded.mentions_json, created_at = excluded.created_at",
            )?
            .execute(params![
                cm.id.0,
                cm.ticket_id.0,
                cm.author_id.0,
                cm.body,
                mentions,
                to_ms(cm.created_at)
            ])?;
        }
    }
    for h in &c.history {
        if matches!(
            h.field,
            HistoryField::Status | HistoryField::Priority | HistoryField::Category
        ) {
            // The fields the SLA replay reads (`sla::load_events`).
            touched.changed(h.ticket_id);
        }
        tx.prepare_cached(
            "INSERT INTO history (id, ticket_id, actor_id, at, field, old_value, new_value, synced)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 1)
             ON CONFLICT (id) DO UPDATE SET ticket_id = excluded.ticket_id,
                 actor_id = excluded.actor_id, at = excluded.at, field = excluded.field,
                 old_value = excluded.old_value, new_value = excluded.new_value, synced = 1",
        )?
        .execute(params![
            h.id.0,
            h.ticket_id.0,
            h.actor_id.map(|a| a.0),
            to_ms(h.at),
            h.field.code(),
            h.old_value,
            h.new_value
        ])?;
    }
    if let Some(rules) = &c.rules {
        super::inbox::store_rules(tx, rules)?;
    }
    for m in &c.messages {
        // Agent replies on a linked conversation move its ticket's SLA.
        let linked: Vec<Uuid> = tx
            .prepare_cached("SELECT id FROM tickets WHERE conversation_id = ?1")?
            .query_map([m.conversation_id.0], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        for id in linked {
            touched.changed(TicketId(id));
        }
        tx.prepare_cached(
            "INSERT INTO messages (id, conversation_id, author, agent_id, body, at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)
             ON CONFLICT (id) DO UPDATE SET body = excluded.body, at = excluded.at",
        )?
        .execute(params![
            m.id.0,
            m.conversation_id.0,
            json_code(&m.author),
            m.agent_id.map(|a| a.0),
            m.body,
            to_ms(m.at)
        ])?;
    }
    if !c.tickets.is_empty() {
        let pending = pending_by_ticket(tx)?;
        for st in &c.tickets {
            let id = st.ticket.id;
            let existed = tx
                .prepare_cached("SELECT 1 FROM tickets WHERE id = ?1")?
                .exists([id.0])?;
            save_base(tx, st)?;
            let t = merged(&st.ticket, &st.stamps, pending.get(&id));
            if existed {
                write_row(tx, &t)?;
                touched.changed(id);
            } else if ctx.sla.stored && ctx.sla.outcomes {
                let sla = super::sla::first_evaluation(tx, ctx.sla, &t, ctx.now)?;
                insert_evaluated(tx, &t, &sla)?;
                touched.evaluated(id);
            } else {
                write_row(tx, &t)?;
                touched.new.insert(id);
            }
        }
    }
    Ok(())
}
