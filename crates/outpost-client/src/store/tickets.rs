//! Ticket writes: create, patch one ticket, patch many in one transaction.
//!
//! Each changed field appends a history event (values as codes or ids, see
//! [`outpost_core::HistoryEvent`]); each changed ticket queues one outbox
//! mutation carrying only the fields that really changed. A patch that changes
//! nothing writes nothing.

use super::rows::{CARD_COLUMNS, CARD_FROM, card};
use super::sla::{evaluate_row, initialize_sla, load_row};
use super::write::WriteCtx;
use super::{Numbering, Store};
use crate::error::{StoreError, StoreResult};
use chrono::{DateTime, Utc};
use outpost_core::sync::MutationOp;
use outpost_core::validate::{self, MAX_BODY_CHARS, MAX_SHORT_CHARS};
use outpost_core::{
    AgentId, BulkOutcome, BulkSelection, CategoryId, HistoryField, NewTicket, Status, Ticket,
    TicketCard, TicketId, TicketPatch,
};
use rusqlite::types::Value;
use rusqlite::{Connection, OptionalExtension, params, params_from_iter};

impl Store {
    /// Creates a ticket as the signed-in agent and returns its card. In local
    /// numbering mode it gets the next number; otherwise it stays provisional.
    pub fn create_ticket(&mut self, new: NewTicket) -> StoreResult<TicketCard> {
        let new = NewTicket {
            title: validate::title(&new.title)?,
            requester: short_text("requester", &new.requester)?,
            ..new
        };
        validate::check_len("description", &new.description, MAX_BODY_CHARS)?;
        let card = self.write(|ctx| {
            let id = TicketId(ctx.new_id());
            insert_ticket(ctx, id, &new)
        })?;
        self.run_ticket_rules_logged(card.ticket.id, None);
        load_card(self.conn(), card.ticket.id)
    }

    /// Applies `patch` to one ticket and returns its card. Fields equal to
    /// their current value are ignored; if nothing changes, nothing is written.
    pub fn update_ticket(&mut self, id: TicketId, patch: &TicketPatch) -> StoreResult<TicketCard> {
        let patch = normalize(patch)?;
        let op = self.write(|ctx| {
            check_patch_refs(ctx.tx, &patch)?;
            let current = load_card(ctx.tx, id)?.ticket;
            if apply_patch(ctx, &current, &patch)?.is_none() {
                return Ok(None);
            }
            // The update's op id keys the ticket-updated rules, as on the server.
            let op: uuid::Uuid = ctx.tx.query_row(
                "SELECT op_id FROM outbox ORDER BY seq DESC LIMIT 1",
                [],
                |r| r.get(0),
            )?;
            Ok(Some(op))
        })?;
        if let Some(op) = op {
            self.run_ticket_rules_logged(id, Some(op));
        }
        load_card(self.conn(), id)
    }

    /// Applies `patch` to every selected ticket in one transaction; returns how
    /// many tickets changed. A query selection covers every matching ticket,
    /// not only the loaded page. An unknown id fails the whole change.
    pub fn bulk_update(
        &mut self,
        selection: &BulkSelection,
        patch: &TicketPatch,
    ) -> StoreResult<u64> {
        self.bulk_update_undoable(selection, patch)
            .map(|o| o.changed)
    }

    /// [`Store::bulk_update`] that also returns the id of the change's undo
    /// record (every bulk change keeps one, see [`Store::undo_bulk_update`]).
    pub fn bulk_update_undoable(
        &mut self,
        selection: &BulkSelection,
        patch: &TicketPatch,
    ) -> StoreResult<BulkOutcome> {
        let patch = normalize(patch)?;
        let filter = match selection {
            BulkSelection::Query { query } => Some(self.filter(query)?),
            BulkSelection::Ids { .. } => None,
        };
        self.write(|ctx| {
            check_patch_refs(ctx.tx, &patch)?;
            let ids: Vec<TicketId> = match (selection, &filter) {
                (BulkSelection::Ids { ids }, _) => {
                    let mut seen = std::collections::HashSet::with_capacity(ids.len());
                    ids.iter().copied().filter(|id| seen.insert(*id)).collect()
                }
                (BulkSelection::Query { .. }, Some(f)) => f.matching_ids(ctx.tx)?,
                (BulkSelection::Query { .. }, None) => unreachable!("filter built above"),
            };
            let mut batch = super::undo::BatchWriter::default();
            for id in ids {
                let current = load_card(ctx.tx, id)?.ticket;
                if let Some(effective) = apply_patch(ctx, &current, &patch)? {
                    batch.push(&current, effective);
                }
            }
            batch.finish(ctx)
        })
    }
}

/// Checks and trims a patch's texts before any transaction starts.
pub(crate) fn normalize(patch: &TicketPatch) -> StoreResult<TicketPatch> {
    let mut p = patch.clone();
    if let Some(t) = &patch.title {
        p.title = Some(validate::title(t)?);
    }
    if let Some(d) = &patch.description {
        validate::check_len("description", d, MAX_BODY_CHARS)?;
    }
    Ok(p)
}

fn short_text(field: &'static str, value: &str) -> StoreResult<String> {
    let v = value.trim();
    validate::check_len(field, v, MAX_SHORT_CHARS)?;
    Ok(v.to_owned())
}

fn check_patch_refs(conn: &Connection, patch: &TicketPatch) -> StoreResult<()> {
    check_refs(
        conn,
        patch.assignee_id.flatten(),
        patch.category_id.flatten(),
    )
}

/// Unknown agents and categories are input errors, caught before any write.
pub(crate) fn check_refs(
    conn: &Connection,
    assignee: Option<AgentId>,
    category: Option<CategoryId>,
) -> StoreResult<()> {
    if let Some(a) = assignee
        && !super::agent_exists(conn, a)?
    {
        return Err(StoreError::UnknownAgent(a.to_string()));
    }
    if let Some(c) = category {
        let exists = conn
            .prepare_cached("SELECT 1 FROM categories WHERE id = ?1")?
            .exists([c.0])?;
        if !exists {
            return Err(StoreError::not_found("category", c));
        }
    }
    Ok(())
}

/// A ticket's card by id, or `NotFound`.
pub(crate) fn load_card(conn: &Connection, id: TicketId) -> StoreResult<TicketCard> {
    conn.prepare_cached(&format!(
        "SELECT {CARD_COLUMNS} FROM {CARD_FROM} WHERE t.id = ?1"
    ))?
    .query_row([id.0], card)
    .optional()?
    .ok_or_else(|| StoreError::not_found("ticket", id))
}

fn ms(t: Option<DateTime<Utc>>) -> Option<i64> {
    t.map(|t| t.timestamp_millis())
}

/// Applies the fields of `patch` that differ from `current`; records history
/// and one outbox mutation. Returns the fields that really changed (`None`
/// when nothing did).
pub(crate) fn apply_patch(
    ctx: &mut WriteCtx<'_>,
    current: &Ticket,
    patch: &TicketPatch,
) -> StoreResult<Option<TicketPatch>> {
    let mut next = current.clone();
    let mut effective = TicketPatch::default();
    let actor = Some(ctx.actor);
    let id = current.id;

    if let Some(title) = patch.title.as_ref().filter(|t| **t != current.title) {
        ctx.history(
            id,
            actor,
            HistoryField::Title,
            Some(&current.title),
            Some(title),
        )?;
        next.title = title.clone();
        effective.title = Some(title.clone());
    }
    if let Some(d) = patch
        .description
        .as_ref()
        .filter(|d| **d != current.description)
    {
        ctx.history(
            id,
            actor,
            HistoryField::Description,
            Some(&current.description),
            Some(d),
        )?;
        next.description = d.clone();
        effective.description = Some(d.clone());
    }
    if let Some(s) = patch.status.filter(|s| *s != current.status) {
        ctx.history(
            id,
            actor,
            HistoryField::Status,
            Some(current.status.code()),
            Some(s.code()),
        )?;
        next.status = s;
        effective.status = Some(s);
        apply_status_times(&mut next, ctx.now);
    }
    if let Some(p) = patch.priority.filter(|p| *p != current.priority) {
        let (old, new) = (current.priority.code(), p.code());
        ctx.history(id, actor, HistoryField::Priority, Some(old), Some(new))?;
        next.priority = p;
        effective.priority = Some(p);
    }
    if let Some(a) = patch.assignee_id.filter(|a| *a != current.assignee_id) {
        let (old, new) = (
            current.assignee_id.map(|x| x.to_string()),
            a.map(|x| x.to_string()),
        );
        ctx.history(
            id,
            actor,
            HistoryField::Assignee,
            old.as_deref(),
            new.as_deref(),
        )?;
        next.assignee_id = a;
        effective.assignee_id = Some(a);
    }
    if let Some(c) = patch.category_id.filter(|c| *c != current.category_id) {
        let (old, new) = (
            current.category_id.map(|x| x.to_string()),
            c.map(|x| x.to_string()),
        );
        ctx.history(
            id,
            actor,
            HistoryField::Category,
            old.as_deref(),
            new.as_deref(),
        )?;
        next.category_id = c;
        effective.category_id = Some(c);
    }
    // Compare at storage precision (ms) so a re-sent value is a no-op.
    if let Some(d) = patch
        .due_override
        .filter(|d| ms(*d) != ms(current.due_override))
    {
        let fmt = |t: Option<DateTime<Utc>>| t.map(|t| t.to_rfc3339());
        let (old, new) = (fmt(current.due_override), fmt(d));
        ctx.history(
            id,
            actor,
            HistoryField::DueDate,
            old.as_deref(),
            new.as_deref(),
        )?;
        next.due_override = d;
        effective.due_override = Some(d);
    }
    if effective.is_empty() {
        return Ok(None);
    }
    // Set only what changed: SQLite rewrites every index that mentions a
    // column in the SET list, changed or not.
    let mut sets: Vec<&str> = vec!["updated_at = ?"];
    let mut values: Vec<Value> = vec![Value::Integer(ctx.now_ms)];
    let blob =
        |u: Option<uuid::Uuid>| u.map_or(Value::Null, |u| Value::Blob(u.as_bytes().to_vec()));
    let int = |v: Option<i64>| v.map_or(Value::Null, Value::Integer);
    let columns: [(&str, bool, Value); 10] = [
        (
            "title = ?",
            effective.title.is_some(),
            Value::Text(next.title.clone()),
        ),
        (
            "description = ?",
            effective.description.is_some(),
            Value::Text(next.description.clone()),
        ),
        (
            "status = ?",
            effective.status.is_some(),
            Value::Integer(next.status.rank().into()),
        ),
        (
            "priority = ?",
            effective.priority.is_some(),
            Value::Integer(next.priority.rank().into()),
        ),
        (
            "assignee_id = ?",
            effective.assignee_id.is_some(),
            blob(next.assignee_id.map(|a| a.0)),
        ),
        (
            "category_id = ?",
            effective.category_id.is_some(),
            blob(next.category_id.map(|c| c.0)),
        ),
        (
            "due_override = ?",
            effective.due_override.is_some(),
            int(ms(next.due_override)),
        ),
        (
            "first_response_at = ?",
            next.first_response_at != current.first_response_at,
            int(ms(next.first_response_at)),
        ),
        (
            "resolved_at = ?",
            next.resolved_at != current.resolved_at,
            int(ms(next.resolved_at)),
        ),
        (
            "closed_at = ?",
            next.closed_at != current.closed_at,
            int(ms(next.closed_at)),
        ),
    ];
    for (set, changed, value) in columns {
        if changed {
            sets.push(set);
            values.push(value);
        }
    }
    // The SLA snapshot rides in the same UPDATE: one rewrite of the row and
    // of each index entry instead of two.
    let affects_sla = effective.status.is_some()
        || effective.priority.is_some()
        || effective.category_id.is_some()
        || effective.due_override.is_some();
    let sla_change = if affects_sla && ctx.sla.stored {
        let mut row =
            load_row(ctx.tx, ctx.sla, id)?.ok_or_else(|| StoreError::not_found("ticket", id))?;
        row.status = next.status;
        row.priority = next.priority;
        row.category = next.category_id;
        row.due_override = next.due_override;
        let change = evaluate_row(ctx.tx, ctx.sla, id, &row, ctx.now)?;
        for (set, value) in change.assignments() {
            sets.push(set);
            values.push(value);
        }
        Some(change)
    } else {
        None
    };
    values.push(Value::Blob(id.0.as_bytes().to_vec()));
    let sql = format!("UPDATE tickets SET {} WHERE id = ?", sets.join(", "));
    ctx.tx
        .prepare_cached(&sql)?
        .execute(params_from_iter(values))?;
    if let Some(change) = sla_change {
        change.record(ctx, id)?;
    }
    ctx.outbox(&MutationOp::UpdateTicket {
        id,
        patch: effective.clone(),
    })?;
    Ok(Some(effective))
}

/// Inserts ticket `id` (numbered in local mode) with its history, SLA and
/// outbox entry; links its conversation. Returns its card.
pub(crate) fn insert_ticket(
    ctx: &mut WriteCtx<'_>,
    id: TicketId,
    new: &NewTicket,
) -> StoreResult<TicketCard> {
    check_refs(ctx.tx, new.assignee_id, new.category_id)?;
    if let Some(conv) = new.conversation_id {
        let linked: Option<Option<uuid::Uuid>> = ctx
            .tx
            .prepare_cached("SELECT ticket_id FROM conversations WHERE id = ?1")?
            .query_row([conv.0], |r| r.get(0))
            .optional()?;
        match linked {
            None => return Err(StoreError::not_found("conversation", conv)),
            Some(Some(other)) if other != id.0 => {
                return Err(outpost_core::ValidationError::Invalid {
                    field: "conversationId",
                    reason: format!("this conversation already has ticket {other}"),
                }
                .into());
            }
            Some(_) => {}
        }
    }
    let number: Option<i64> = match ctx.numbering {
        Numbering::Local => Some(ctx.tx.query_row(
            "SELECT coalesce(max(number), 0) + 1 FROM tickets",
            [],
            |r| r.get(0),
        )?),
        Numbering::Server => None,
    };
    ctx.tx
        .prepare_cached(
            "INSERT INTO tickets (id, number, title, description, status, priority,
                     category_id, assignee_id, requester, conversation_id, created_at, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?11)",
        )?
        .execute(params![
            id.0,
            number,
            new.title,
            new.description,
            Status::Open.rank(),
            new.priority.rank(),
            new.category_id.map(|c| c.0),
            new.assignee_id.map(|a| a.0),
            new.requester,
            new.conversation_id.map(|c| c.0),
            ctx.now_ms,
        ])?;
    let actor = Some(ctx.actor);
    ctx.history(id, actor, HistoryField::Created, None, Some(&new.title))?;
    initialize_sla(ctx, id)?;
    ctx.outbox(&MutationOp::CreateTicket {
        id,
        ticket: new.clone(),
        created_at: ctx.now,
    })?;
    if let Some(conv) = new.conversation_id {
        ctx.tx
            .prepare_cached(
                "UPDATE conversations SET ticket_id = ?1 WHERE id = ?2 AND ticket_id IS NULL",
            )?
            .execute(params![id.0, conv.0])?;
    }
    load_card(ctx.tx, id)
}

/// Life-cycle timestamps after a status change to `t.status` at `now`:
/// In Progress is the first response; Resolved and Closed stamp their time;
/// reopening clears them (the SLA replays history, so nothing is lost).
fn apply_status_times(t: &mut Ticket, now: DateTime<Utc>) {
    match t.status {
        Status::Open | Status::Waiting => {
            t.resolved_at = None;
            t.closed_at = None;
        }
        Status::InProgress => {
            t.first_response_at.get_or_insert(now);
            t.resolved_at = None;
            t.closed_at = None;
        }
        Status::Resolved => {
            t.resolved_at = Some(now);
            t.closed_at = None;
        }
        Status::Closed => {
            t.resolved_at.get_or_insert(now);
            t.closed_at = Some(now);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::from_ms;

    #[test]
    fn status_times_follow_the_life_cycle() {
        let card_time = from_ms(1_000);
        let mut t = Ticket {
            id: TicketId(uuid::Uuid::nil()),
            number: None,
            title: "x".into(),
            description: String::new(),
            status: Status::InProgress,
            priority: outpost_core::Priority::Normal,
            category_id: None,
            assignee_id: None,
            requester: String::new(),
            conversation_id: None,
            created_at: card_time,
            updated_at: card_time,
            first_response_at: None,
            resolved_at: None,
            closed_at: None,
            due_at: None,
            due_override: None,
            sla_state: Default::default(),
        };
        apply_status_times(&mut t, from_ms(2_000));
        assert_eq!(
            t.first_response_at,
            Some(from_ms(2_000)),
            "In Progress is the first response"
        );
        t.status = Status::Closed;
        apply_status_times(&mut t, from_ms(3_000));
        assert_eq!(
            t.resolved_at,
            Some(from_ms(3_000)),
            "closing unresolved stamps resolution"
        );
        assert_eq!(t.closed_at, Some(from_ms(3_000)));
        t.status = Status::Open;
        apply_status_times(&mut t, from_ms(4_000));
        assert_eq!(
            (t.resolved_at, t.closed_at),
            (None, None),
            "reopening clears both"
        );
        assert_eq!(
            t.first_response_at,
            Some(from_ms(2_000)),
            "first response is kept"
        );
    }
}
