//! Reading domain values back from SQL rows: the column lists the queries
//! select and the functions that turn a row into a card, comment, event...
//! A value that does not decode (an unknown rank, a bad timestamp) is a
//! conversion error, surfaced as a database error rather than a panic.

use crate::clock::from_ms;
use chrono::{DateTime, Utc};
use outpost_core::{
    Agent, AgentId, Category, CategoryId, Comment, CommentId, ConversationId, HistoryEvent,
    HistoryEventId, HistoryField, Priority, Role, SlaState, Status, Ticket, TicketCard, TicketId,
    TicketNumber,
};
use rusqlite::Row;
use rusqlite::types::Type;
use uuid::Uuid;

/// The columns [`card`] reads, in order; use with [`CARD_FROM`].
pub(crate) const CARD_COLUMNS: &str = "t.id, t.number, t.title, t.description, t.status, \
    t.priority, t.category_id, t.assignee_id, t.requester, t.conversation_id, t.created_at, \
    t.updated_at, t.first_response_at, t.resolved_at, t.closed_at, t.due_at, t.due_override, \
    t.sla_state, a.name, c.name";

/// The tables [`CARD_COLUMNS`] come from (`t` = tickets).
pub(crate) const CARD_FROM: &str = "tickets t \
    LEFT JOIN agents a ON a.id = t.assignee_id \
    LEFT JOIN categories c ON c.id = t.category_id";

fn bad(col: usize, what: &str) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(
        col,
        Type::Integer,
        format!("invalid stored {what}").into(),
    )
}

fn time(row: &Row<'_>, col: usize) -> rusqlite::Result<DateTime<Utc>> {
    row.get::<_, i64>(col).map(from_ms)
}

fn opt_time(row: &Row<'_>, col: usize) -> rusqlite::Result<Option<DateTime<Utc>>> {
    Ok(row.get::<_, Option<i64>>(col)?.map(from_ms))
}

pub(crate) fn status(row: &Row<'_>, col: usize) -> rusqlite::Result<Status> {
    Status::from_rank(row.get(col)?).ok_or_else(|| bad(col, "status"))
}

/// A board card from a row selected with [`CARD_COLUMNS`].
pub(crate) fn card(row: &Row<'_>) -> rusqlite::Result<TicketCard> {
    let ticket = Ticket {
        id: TicketId(row.get(0)?),
        number: row
            .get::<_, Option<i64>>(1)?
            .map(|n| TicketNumber(n as u64)),
        title: row.get(2)?,
        description: row.get(3)?,
        status: status(row, 4)?,
        priority: Priority::from_rank(row.get(5)?).ok_or_else(|| bad(5, "priority"))?,
        category_id: row.get::<_, Option<Uuid>>(6)?.map(CategoryId),
        assignee_id: row.get::<_, Option<Uuid>>(7)?.map(AgentId),
        requester: row.get(8)?,
        conversation_id: row.get::<_, Option<Uuid>>(9)?.map(ConversationId),
        created_at: time(row, 10)?,
        updated_at: time(row, 11)?,
        first_response_at: opt_time(row, 12)?,
        resolved_at: opt_time(row, 13)?,
        closed_at: opt_time(row, 14)?,
        due_at: opt_time(row, 15)?,
        due_override: opt_time(row, 16)?,
        sla_state: SlaState::from_rank(row.get(17)?).ok_or_else(|| bad(17, "sla state"))?,
    };
    Ok(TicketCard {
        display_number: ticket.display_number(),
        ticket,
        assignee_name: row.get(18)?,
        category_name: row.get(19)?,
    })
}

/// Columns for [`agent`].
pub(crate) const AGENT_COLUMNS: &str = "id, name, email, role, timezone";

pub(crate) fn agent(row: &Row<'_>) -> rusqlite::Result<Agent> {
    let role: String = row.get(3)?;
    Ok(Agent {
        id: AgentId(row.get(0)?),
        name: row.get(1)?,
        email: row.get(2)?,
        role: Role::from_code(&role).ok_or_else(|| bad(3, "role"))?,
        timezone: row.get(4)?,
    })
}

pub(crate) fn category(row: &Row<'_>) -> rusqlite::Result<Category> {
    Ok(Category {
        id: CategoryId(row.get(0)?),
        name: row.get(1)?,
    })
}

/// Columns for [`comment`].
pub(crate) const COMMENT_COLUMNS: &str =
    "id, ticket_id, author_id, body, mentions_json, created_at";

pub(crate) fn comment(row: &Row<'_>) -> rusqlite::Result<Comment> {
    let mentions: String = row.get(4)?;
    let mentions: Vec<AgentId> =
        serde_json::from_str(&mentions).map_err(|_| bad(4, "mention list"))?;
    Ok(Comment {
        id: CommentId(row.get(0)?),
        ticket_id: TicketId(row.get(1)?),
        author_id: AgentId(row.get(2)?),
        body: row.get(3)?,
        mentions,
        created_at: time(row, 5)?,
    })
}

/// Columns for [`history_event`].
pub(crate) const HISTORY_COLUMNS: &str = "id, ticket_id, actor_id, at, field, old_value, new_value";

pub(crate) fn history_event(row: &Row<'_>) -> rusqlite::Result<HistoryEvent> {
    let field: String = row.get(4)?;
    Ok(HistoryEvent {
        id: HistoryEventId(row.get(0)?),
        ticket_id: TicketId(row.get(1)?),
        actor_id: row.get::<_, Option<Uuid>>(2)?.map(AgentId),
        at: time(row, 3)?,
        field: HistoryField::from_code(&field).ok_or_else(|| bad(4, "history field"))?,
        old_value: row.get(5)?,
        new_value: row.get(6)?,
    })
}
