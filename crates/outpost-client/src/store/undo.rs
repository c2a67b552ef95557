//! Undo of bulk changes. Every bulk change stores a *batch* (migration 6):
//! for each ticket it changed, the changed fields' values before and after.
//! Undo puts the "before" values back in ONE transaction through the same
//! write path as any edit (history events, one outbox mutation per ticket, so
//! sync carries it), field by field, and never overwrites a later edit: a
//! field whose value is no longer the bulk change's, or that has history after
//! the bulk change, is *kept*.
//!
//! Only the newest [`KEEP_BATCHES`] batches are stored; they survive a
//! restart, and a batch can be undone once.

use super::Store;
use super::tickets::{apply_patch, load_card};
use super::write::WriteCtx;
use crate::error::{StoreError, StoreResult};
use outpost_core::{BulkOutcome, HistoryField, Ticket, TicketId, TicketPatch, UndoOutcome};
use rusqlite::{OptionalExtension, params};
use uuid::Uuid;

/// How many of the newest bulk changes stay undoable.
pub const KEEP_BATCHES: i64 = 10;

/// Collects the per-ticket before/after values of a bulk change while it runs.
#[derive(Default)]
pub(super) struct BatchWriter {
    rows: Vec<(TicketId, TicketPatch, TicketPatch)>,
}

impl BatchWriter {
    /// Notes that `effective` was applied to `current`.
    pub fn push(&mut self, current: &Ticket, effective: TicketPatch) {
        self.rows
            .push((current.id, before_of(current, &effective), effective));
    }

    /// Stores the batch (when anything changed) and drops batches beyond the
    /// newest [`KEEP_BATCHES`]; returns the bulk change's outcome.
    pub fn finish(self, ctx: &mut WriteCtx<'_>) -> StoreResult<BulkOutcome> {
        let changed = self.rows.len() as u64;
        if self.rows.is_empty() {
            return Ok(BulkOutcome {
                changed,
                batch_id: None,
            });
        }
        let id = ctx.new_id();
        ctx.tx
            .prepare_cached(
                "INSERT INTO bulk_batches (id, actor_id, at, changed) VALUES (?1, ?2, ?3, ?4)",
            )?
            .execute(params![id, ctx.actor.0, ctx.now_ms, changed as i64])?;
        let mut insert = ctx.tx.prepare_cached(
            "INSERT INTO bulk_batch_tickets (batch_id, ticket_id, before_json, after_json)
             VALUES (?1, ?2, ?3, ?4)",
        )?;
        for (ticket, before, after) in &self.rows {
            insert.execute(params![id, ticket.0, to_json(before)?, to_json(after)?])?;
        }
        ctx.tx.execute(
            "DELETE FROM bulk_batch_tickets WHERE batch_id IN (
                 SELECT id FROM bulk_batches ORDER BY seq DESC LIMIT -1 OFFSET ?1)",
            [KEEP_BATCHES],
        )?;
        ctx.tx.execute(
            "DELETE FROM bulk_batches WHERE seq IN (
                 SELECT seq FROM bulk_batches ORDER BY seq DESC LIMIT -1 OFFSET ?1)",
            [KEEP_BATCHES],
        )?;
        Ok(BulkOutcome {
            changed,
            batch_id: Some(id),
        })
    }
}

impl Store {
    /// Undoes the bulk change `batch` in one transaction: every ticket gets
    /// back its previous values, except fields edited since (those are kept
    /// and counted). Fails with `not_found` for an unknown (or no longer kept)
    /// batch and `already_undone` for a second undo; nothing changes then.
    pub fn undo_bulk_update(&mut self, batch: Uuid) -> StoreResult<UndoOutcome> {
        self.write(|ctx| {
            let row: Option<(i64, Option<i64>)> = ctx
                .tx
                .prepare_cached("SELECT at, undone_at FROM bulk_batches WHERE id = ?1")?
                .query_row([batch], |r| Ok((r.get(0)?, r.get(1)?)))
                .optional()?;
            let (at, undone_at) = row.ok_or_else(|| StoreError::not_found("bulk change", batch))?;
            if undone_at.is_some() {
                return Err(StoreError::AlreadyUndone(batch.to_string()));
            }
            let items: Vec<(TicketId, String, String)> = ctx
                .tx
                .prepare_cached(
                    "SELECT ticket_id, before_json, after_json FROM bulk_batch_tickets
                     WHERE batch_id = ?1",
                )?
                .query_map([batch], |r| {
                    Ok((TicketId(r.get::<_, Uuid>(0)?), r.get(1)?, r.get(2)?))
                })?
                .collect::<Result<_, _>>()?;
            let mut out = UndoOutcome {
                restored: 0,
                kept: 0,
            };
            for (ticket, before, after) in items {
                let before: TicketPatch = from_json(&before)?;
                let after: TicketPatch = from_json(&after)?;
                let current = match load_card(ctx.tx, ticket) {
                    Ok(card) => card.ticket,
                    Err(StoreError::NotFound { .. }) => {
                        out.kept += 1;
                        continue;
                    }
                    Err(e) => return Err(e),
                };
                let (restore, kept) = restorable(ctx, &current, &before, &after, at)?;
                if !restore.is_empty() {
                    apply_patch(ctx, &current, &restore)?;
                }
                if kept {
                    out.kept += 1;
                } else {
                    out.restored += 1;
                }
            }
            ctx.tx
                .prepare_cached("UPDATE bulk_batches SET undone_at = ?1 WHERE id = ?2")?
                .execute(params![ctx.now_ms, batch])?;
            Ok(out)
        })
    }
}

/// The previous values of the fields `effective` changes.
fn before_of(current: &Ticket, effective: &TicketPatch) -> TicketPatch {
    TicketPatch {
        title: effective.title.as_ref().map(|_| current.title.clone()),
        description: effective
            .description
            .as_ref()
            .map(|_| current.description.clone()),
        status: effective.status.map(|_| current.status),
        priority: effective.priority.map(|_| current.priority),
        assignee_id: effective.assignee_id.map(|_| current.assignee_id),
        category_id: effective.category_id.map(|_| current.category_id),
        due_override: effective.due_override.map(|_| current.due_override),
    }
}

/// The part of `before` that can go back on `current`: fields still holding
/// the bulk change's value (`after`) with no history after `at`. Also says
/// whether any field had to be kept.
fn restorable(
    ctx: &WriteCtx<'_>,
    current: &Ticket,
    before: &TicketPatch,
    after: &TicketPatch,
    at: i64,
) -> StoreResult<(TicketPatch, bool)> {
    let mut later = ctx.tx.prepare_cached(
        "SELECT 1 FROM history WHERE ticket_id = ?1 AND field = ?2 AND at > ?3 LIMIT 1",
    )?;
    let mut untouched = |field: HistoryField, same: bool| -> StoreResult<bool> {
        Ok(same && !later.exists(params![current.id.0, field.code(), at])?)
    };
    let mut restore = TicketPatch::default();
    let mut kept = false;
    macro_rules! field {
        ($name:ident, $history:expr, $value:expr) => {
            if let (Some(old), Some(new)) = (&before.$name, &after.$name) {
                if untouched($history, $value == *new)? {
                    restore.$name = Some(old.clone());
                } else {
                    kept = true;
                }
            }
        };
    }
    field!(title, HistoryField::Title, current.title);
    field!(description, HistoryField::Description, current.description);
    field!(status, HistoryField::Status, current.status);
    field!(priority, HistoryField::Priority, current.priority);
    field!(assignee_id, HistoryField::Assignee, current.assignee_id);
    field!(category_id, HistoryField::Category, current.category_id);
    // Due dates compare at storage precision (ms).
    let ms = |d: &Option<chrono::DateTime<chrono::Utc>>| d.map(|t| t.timestamp_millis());
    if let (Some(old), Some(new)) = (&before.due_override, &after.due_override) {
        if untouched(HistoryField::DueDate, ms(&current.due_override) == ms(new))? {
            restore.due_override = Some(*old);
        } else {
            kept = true;
        }
    }
    Ok((restore, kept))
}

fn to_json(p: &TicketPatch) -> StoreResult<String> {
    serde_json::to_string(p).map_err(|e| StoreError::Corrupt(format!("cannot encode patch: {e}")))
}

fn from_json(s: &str) -> StoreResult<TicketPatch> {
    serde_json::from_str(s).map_err(|e| StoreError::Corrupt(format!("bulk undo record: {e}")))
}
