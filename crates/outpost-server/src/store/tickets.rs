//! Ticket rows: load and save with their field stamps, create (numbered
//! here), patch by per-field last-writer-wins, and the append-only comments
//! and history around them.

use super::{Kind, WriteScope, ms, opt_time, time};
use crate::db::{DbError, Row, Tx};
use crate::error::AppError;
use crate::params;
use crate::sla::compute_sla;
use crate::store::accounts::{category_exists, get_agent, in_list};
use chrono::{DateTime, Utc};
use outpost_core::sla::SlaSnapshot;
use outpost_core::sync::merge::{self, FieldStamps, slot};
use outpost_core::sync::{Hlc, SyncTicket};
use outpost_core::{
    AgentId, CategoryId, Comment, CommentId, HistoryEvent, HistoryField, NewTicket, Priority,
    Status, Ticket, TicketId, TicketNumber, TicketPatch, ValidationError, WorkspaceId,
};
use uuid::Uuid;

/// The columns [`ticket_from`] reads, in order.
pub const TICKET_COLS: &str = "t.id, t.number, t.title, t.description, t.status, t.priority_rank, \
    t.category_id, t.assignee_id, t.requester, t.conversation_id, t.created_at, t.updated_at, \
    t.first_response_at, t.resolved_at, t.closed_at, t.due_at, t.due_override, t.sla_state, t.stamps, \
    t.at_risk_at, t.breach_at";

/// How many columns [`TICKET_COLS`] selects.
pub const TICKET_COL_COUNT: usize = 21;

/// Reads a ticket and its stamps from the first [`TICKET_COL_COUNT`] columns
/// of `r`. Its SLA state is the stored snapshot's state now (see
/// [`crate::sla`]).
pub fn ticket_from(r: &Row) -> Result<(Ticket, FieldStamps), DbError> {
    let status: Status = r.parse(4)?;
    let priority =
        Priority::from_rank(r.int(5)? as u8).ok_or_else(|| DbError::Corrupt("priority".into()))?;
    let sla = crate::sla::stored_snapshot(r)?;
    let ticket = Ticket {
        id: r.parse(0)?,
        number: r.opt_int(1)?.map(|n| TicketNumber(n as u64)),
        title: r.text(2)?,
        description: r.text(3)?,
        status,
        priority,
        category_id: r.opt_parse(6)?,
        assignee_id: r.opt_parse(7)?,
        requester: r.text(8)?,
        conversation_id: r.opt_parse(9)?,
        created_at: time(r.int(10)?),
        updated_at: time(r.int(11)?),
        first_response_at: opt_time(r.opt_int(12)?),
        resolved_at: opt_time(r.opt_int(13)?),
        closed_at: opt_time(r.opt_int(14)?),
        due_at: opt_time(r.opt_int(15)?),
        due_override: opt_time(r.opt_int(16)?),
        sla_state: sla.state_at(Utc::now()),
    };
    let stamps =
        serde_json::from_str(&r.text(18)?).map_err(|e| DbError::Corrupt(format!("stamps: {e}")))?;
    Ok((ticket, stamps))
}

/// A ticket of `ws` by id.
pub fn load(
    tx: &mut dyn Tx,
    ws: WorkspaceId,
    id: TicketId,
) -> Result<Option<(Ticket, FieldStamps)>, DbError> {
    tx.query_opt(
        &format!("SELECT {TICKET_COLS} FROM tickets t WHERE t.workspace_id = ?1 AND t.id = ?2"),
        params![ws.to_string(), id.to_string()],
    )?
    .map(|r| ticket_from(&r))
    .transpose()
}

/// A ticket of `ws` by number, or 404.
pub fn by_number(
    tx: &mut dyn Tx,
    ws: WorkspaceId,
    number: u64,
) -> Result<(Ticket, FieldStamps), AppError> {
    tx.query_opt(
        &format!("SELECT {TICKET_COLS} FROM tickets t WHERE t.workspace_id = ?1 AND t.number = ?2"),
        params![ws.to_string(), number as i64],
    )?
    .map(|r| ticket_from(&r))
    .transpose()?
    .ok_or_else(|| AppError::not_found("ticket"))
}

/// Tickets of `ids` (change feed).
pub fn by_ids(
    tx: &mut dyn Tx,
    ws: WorkspaceId,
    ids: &[String],
) -> Result<Vec<SyncTicket>, DbError> {
    let mut out = Vec::new();
    for chunk in ids.chunks(200) {
        let (sql, params) = in_list(
            &format!("SELECT {TICKET_COLS} FROM tickets t WHERE t.workspace_id = ?1 AND t.id IN"),
            ws,
            chunk,
        );
        for r in tx.query(&sql, &params)? {
            let (ticket, stamps) = ticket_from(&r)?;
            out.push(SyncTicket { ticket, stamps });
        }
    }
    Ok(out)
}

/// Writes a ticket row (insert or full update) and records the change.
/// `sla` is the ticket's SLA snapshot ([`crate::sla::compute_sla`]).
pub fn save(
    tx: &mut dyn Tx,
    scope: &mut WriteScope,
    t: &Ticket,
    stamps: &FieldStamps,
    sla: &SlaSnapshot,
) -> Result<(), DbError> {
    let stamps = serde_json::to_string(stamps).map_err(|e| DbError::Corrupt(e.to_string()))?;
    tx.execute(
        "INSERT INTO tickets (workspace_id, id, number, title, description, status, priority_rank, category_id,
            assignee_id, requester, conversation_id, created_at, updated_at, first_response_at, resolved_at,
            closed_at, due_at, due_override, sla_state, stamps, at_risk_at, breach_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22)
         ON CONFLICT (workspace_id, id) DO UPDATE SET number = excluded.number, title = excluded.title,
            description = excluded.description, status = excluded.status, priority_rank = excluded.priority_rank,
            category_id = excluded.category_id, assignee_id = excluded.assignee_id, requester = excluded.requester,
            conversation_id = excluded.conversation_id, updated_at = excluded.updated_at,
            first_response_at = excluded.first_response_at, resolved_at = excluded.resolved_at,
            closed_at = excluded.closed_at, due_at = excluded.due_at, due_override = excluded.due_override,
            sla_state = excluded.sla_state, stamps = excluded.stamps,
            at_risk_at = excluded.at_risk_at, breach_at = excluded.breach_at",
        params![
            scope.workspace().to_string(),
            t.id.to_string(),
            t.number.map(|n| n.0 as i64),
            &t.title,
            &t.description,
            t.status.code(),
            i64::from(t.priority.rank()),
            t.category_id.map(|c| c.to_string()),
            t.assignee_id.map(|a| a.to_string()),
            &t.requester,
            t.conversation_id.map(|c| c.to_string()),
            ms(t.created_at),
            ms(t.updated_at),
            t.first_response_at.map(ms),
            t.resolved_at.map(ms),
            t.closed_at.map(ms),
            t.due_at.map(ms),
            t.due_override.map(ms),
            t.sla_state.code(),
            stamps,
            sla.at_risk_at.map(ms),
            sla.breach_at.map(ms)
        ],
    )?;
    scope.touch(tx, Kind::Ticket, &t.id.to_string())
}

/// Checks that the assignee and category exist in `ws`.
fn check_refs(
    tx: &mut dyn Tx,
    ws: WorkspaceId,
    assignee: Option<AgentId>,
    category: Option<CategoryId>,
) -> Result<(), AppError> {
    if let Some(a) = assignee
        && get_agent(tx, ws, a)?.is_none()
    {
        return Err(ValidationError::Invalid {
            field: "assigneeId",
            reason: format!("no agent {a} in this workspace"),
        }
        .into());
    }
    if let Some(c) = category
        && !category_exists(tx, ws, c)?
    {
        return Err(ValidationError::Invalid {
            field: "categoryId",
            reason: format!("no category {c} in this workspace"),
        }
        .into());
    }
    Ok(())
}

/// What creating or patching a ticket needs to know about the change.
pub struct Origin {
    /// The mutation (or request) id; history ids derive from it.
    pub op_id: Uuid,
    pub actor: AgentId,
    /// The merge stamp of the change.
    pub stamp: Hlc,
    pub now: DateTime<Utc>,
}

/// Creates and numbers a ticket. Fails with 409 `ticket_exists` if the id is taken.
pub fn create(
    tx: &mut dyn Tx,
    scope: &mut WriteScope,
    id: TicketId,
    new: &NewTicket,
    created_at: DateTime<Utc>,
    origin: &Origin,
) -> Result<Ticket, AppError> {
    let (mut ticket, stamps) = merge::create_ticket(id, new, created_at, origin.stamp)?;
    check_refs(tx, scope.workspace(), new.assignee_id, new.category_id)?;
    if load(tx, scope.workspace(), id)?.is_some() {
        return Err(AppError::conflict(
            "ticket_exists",
            format!("ticket {id} already exists"),
        ));
    }
    ticket.number = Some(TicketNumber(scope.next_number(tx)? as u64));
    let sla = compute_sla(tx, scope, &mut ticket, true, origin.now)?;
    save(tx, scope, &ticket, &stamps, &sla)?;
    let created = HistoryEvent {
        id: merge::derived_event_id(origin.op_id, slot::CREATED),
        ticket_id: id,
        actor_id: Some(origin.actor),
        at: created_at,
        field: HistoryField::Created,
        old_value: None,
        new_value: Some(ticket.title.clone()),
    };
    insert_history(tx, scope, &[created])?;
    Ok(ticket)
}

/// Applies a patch by per-field last-writer-wins; changed fields and lost
/// writes leave history events. Returns the ticket after the merge.
pub fn patch(
    tx: &mut dyn Tx,
    scope: &mut WriteScope,
    id: TicketId,
    patch: &TicketPatch,
    origin: &Origin,
) -> Result<Ticket, AppError> {
    let writes = merge::patch_writes(patch, origin.stamp)?;
    let (mut ticket, mut stamps) =
        load(tx, scope.workspace(), id)?.ok_or_else(|| AppError::not_found("ticket"))?;
    let assignee = patch.assignee_id.flatten();
    let category = patch.category_id.flatten();
    check_refs(tx, scope.workspace(), assignee, category)?;
    let before = (ticket.clone(), stamps.clone());
    let outcomes: Vec<_> = writes
        .iter()
        .map(|w| merge::apply_write(&mut ticket, &mut stamps, w))
        .collect();
    let at = merge::stamp_time(origin.stamp);
    let events = merge::outcome_events(origin.op_id, id, Some(origin.actor), at, &outcomes);
    // History first: the SLA is replayed from it.
    insert_history(tx, scope, &events)?;
    let sla = compute_sla(tx, scope, &mut ticket, false, origin.now)?;
    if (ticket.clone(), stamps.clone()) != before {
        save(tx, scope, &ticket, &stamps, &sla)?;
    }
    Ok(ticket)
}

/// Appends history events (a union by id: known ids are skipped).
pub fn insert_history(
    tx: &mut dyn Tx,
    scope: &mut WriteScope,
    events: &[HistoryEvent],
) -> Result<(), DbError> {
    for e in events {
        let n = tx.execute(
            "INSERT INTO history (workspace_id, id, ticket_id, actor_id, at, field, old_value, new_value)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) ON CONFLICT (workspace_id, id) DO NOTHING",
            params![
                scope.workspace().to_string(),
                e.id.to_string(),
                e.ticket_id.to_string(),
                e.actor_id.map(|a| a.to_string()),
                ms(e.at),
                e.field.code(),
                e.old_value.clone(),
                e.new_value.clone()
            ],
        )?;
        if n > 0 {
            scope.touch(tx, Kind::History, &e.id.to_string())?;
        }
    }
    Ok(())
}

/// Appends a comment to a ticket of the scope's workspace (a union by id).
/// Returns whether it was new.
pub fn add_comment(tx: &mut dyn Tx, scope: &mut WriteScope, c: &Comment) -> Result<bool, AppError> {
    let body = outpost_core::validate::comment_body(&c.body)?;
    if load(tx, scope.workspace(), c.ticket_id)?.is_none() {
        return Err(AppError::not_found("ticket"));
    }
    let mentions =
        serde_json::to_string(&c.mentions).map_err(|e| AppError::Internal(e.to_string()))?;
    let n = tx.execute(
        "INSERT INTO comments (workspace_id, id, ticket_id, author_id, body, mentions, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT (workspace_id, id) DO NOTHING",
        params![
            scope.workspace().to_string(),
            c.id.to_string(),
            c.ticket_id.to_string(),
            c.author_id.to_string(),
            body,
            mentions,
            ms(c.created_at)
        ],
    )?;
    if n > 0 {
        scope.touch(tx, Kind::Comment, &c.id.to_string())?;
    }
    Ok(n > 0)
}

const COMMENT_COLS: &str = "id, ticket_id, author_id, body, mentions, created_at";

fn comment_from(r: &Row) -> Result<Comment, DbError> {
    Ok(Comment {
        id: r.parse(0)?,
        ticket_id: r.parse(1)?,
        author_id: r.parse(2)?,
        body: r.text(3)?,
        mentions: serde_json::from_str(&r.text(4)?).map_err(|e| DbError::Corrupt(e.to_string()))?,
        created_at: time(r.int(5)?),
    })
}

/// A ticket's comments, oldest first.
pub fn comments(
    tx: &mut dyn Tx,
    ws: WorkspaceId,
    ticket: TicketId,
) -> Result<Vec<Comment>, DbError> {
    tx.query(
        &format!("SELECT {COMMENT_COLS} FROM comments WHERE workspace_id = ?1 AND ticket_id = ?2 ORDER BY created_at, id"),
        params![ws.to_string(), ticket.to_string()],
    )?
    .iter()
    .map(comment_from)
    .collect()
}

/// Comments of `ids` (change feed).
pub fn comments_by_ids(
    tx: &mut dyn Tx,
    ws: WorkspaceId,
    ids: &[String],
) -> Result<Vec<Comment>, DbError> {
    let mut out = Vec::new();
    for chunk in ids.chunks(200) {
        let (sql, p) = in_list(
            &format!("SELECT {COMMENT_COLS} FROM comments WHERE workspace_id = ?1 AND id IN"),
            ws,
            chunk,
        );
        for r in tx.query(&sql, &p)? {
            out.push(comment_from(&r)?);
        }
    }
    Ok(out)
}

/// A comment by id.
pub fn comment(
    tx: &mut dyn Tx,
    ws: WorkspaceId,
    id: CommentId,
) -> Result<Option<Comment>, DbError> {
    Ok(comments_by_ids(tx, ws, &[id.to_string()])?
        .into_iter()
        .next())
}

const HISTORY_COLS: &str = "id, ticket_id, actor_id, at, field, old_value, new_value";

fn history_from(r: &Row) -> Result<HistoryEvent, DbError> {
    Ok(HistoryEvent {
        id: r.parse(0)?,
        ticket_id: r.parse(1)?,
        actor_id: r.opt_parse(2)?,
        at: time(r.int(3)?),
        field: HistoryField::from_code(&r.text(4)?)
            .ok_or_else(|| DbError::Corrupt("history field".into()))?,
        old_value: r.opt_text(5)?,
        new_value: r.opt_text(6)?,
    })
}

/// A ticket's history, oldest first.
pub fn history(
    tx: &mut dyn Tx,
    ws: WorkspaceId,
    ticket: TicketId,
) -> Result<Vec<HistoryEvent>, DbError> {
    tx.query(
        &format!("SELECT {HISTORY_COLS} FROM history WHERE workspace_id = ?1 AND ticket_id = ?2 ORDER BY at, id"),
        params![ws.to_string(), ticket.to_string()],
    )?
    .iter()
    .map(history_from)
    .collect()
}

/// History events of `ids` (change feed).
pub fn history_by_ids(
    tx: &mut dyn Tx,
    ws: WorkspaceId,
    ids: &[String],
) -> Result<Vec<HistoryEvent>, DbError> {
    let mut out = Vec::new();
    for chunk in ids.chunks(200) {
        let (sql, p) = in_list(
            &format!("SELECT {HISTORY_COLS} FROM history WHERE workspace_id = ?1 AND id IN"),
            ws,
            chunk,
        );
        for r in tx.query(&sql, &p)? {
            out.push(history_from(&r)?);
        }
    }
    Ok(out)
}
