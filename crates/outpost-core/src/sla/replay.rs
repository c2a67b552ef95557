//! From a ticket's stored history to the engine's [`SlaEvent`]s, shared by
//! the client store and the server so the same history gives the same
//! events (and so the same deadlines) on both.
//!
//! Words used here:
//! - *history change* ([`HistoryChange`]): one status, priority or category
//!   row of the ticket's history (other fields are ignored).
//! - *initial value*: the status, priority or category at creation. History
//!   records the creation with the title only, so each initial value is the
//!   `old` value of that field's first change, or the current value when the
//!   field never changed.

use super::clock::SlaEvent;
use crate::ids::CategoryId;
use crate::ticket::{Priority, Status};
use chrono::{DateTime, Utc};
use uuid::Uuid;

/// One SLA-relevant history row: `field` is the history field code
/// (`status`, `priority`, `category`), values are their codes.
#[derive(Debug, Clone, PartialEq)]
pub struct HistoryChange {
    pub at: DateTime<Utc>,
    pub field: String,
    pub old: Option<String>,
    pub new: Option<String>,
}

/// What the ticket holds now, for the fields whose initial value history
/// may not record.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TicketFacts {
    pub created_at: DateTime<Utc>,
    pub status: Status,
    pub priority: Priority,
    pub category: Option<CategoryId>,
}

fn parse<T: Copy>(all: &[T], code: Option<&str>, name: impl Fn(T) -> &'static str) -> Option<T> {
    let code = code?;
    all.iter().copied().find(|v| name(*v) == code)
}

fn parse_category(value: Option<&str>) -> Option<CategoryId> {
    value.and_then(|v| Uuid::parse_str(v).ok()).map(CategoryId)
}

/// The ticket's SLA events, oldest first: its creation (with the initial
/// status, priority and category), status / priority / category changes,
/// and agent replies on its linked conversation. `changes` are in time then
/// insertion order, `replies` sorted. A row stamped before the creation (a
/// skewed clock on another device) counts from the creation: the engine
/// requires time order. Unknown codes are skipped.
pub fn events_from_history(
    facts: &TicketFacts,
    changes: &[HistoryChange],
    replies: &[DateTime<Utc>],
) -> Vec<SlaEvent> {
    let first = |field: &str| changes.iter().find(|c| c.field == field);
    let status = first("status")
        .and_then(|c| parse(&Status::ALL, c.old.as_deref(), Status::code))
        .unwrap_or(facts.status);
    let priority = first("priority")
        .and_then(|c| parse(&Priority::ALL, c.old.as_deref(), Priority::code))
        .unwrap_or(facts.priority);
    let category = match first("category") {
        Some(c) => parse_category(c.old.as_deref()),
        None => facts.category,
    };
    let created = facts.created_at;
    let mut events = Vec::with_capacity(changes.len() + replies.len() + 1);
    events.push(SlaEvent::Created {
        at: created,
        priority,
        category,
        status,
    });
    let mut changes = changes.iter().peekable();
    let mut replies = replies.iter().peekable();
    loop {
        let next_change = changes.peek().map(|c| c.at);
        let next_reply = replies.peek().map(|r| **r);
        let event = match (next_change, next_reply) {
            (Some(c), Some(r)) if r < c => replies.next().map(|at| SlaEvent::AgentReplied {
                at: (*at).max(created),
            }),
            (Some(_), _) => changes.next().and_then(|c| change_event(c, created)),
            (None, Some(_)) => replies.next().map(|at| SlaEvent::AgentReplied {
                at: (*at).max(created),
            }),
            (None, None) => break,
        };
        events.extend(event);
    }
    events
}

fn change_event(c: &HistoryChange, created: DateTime<Utc>) -> Option<SlaEvent> {
    let at = c.at.max(created);
    match c.field.as_str() {
        "status" => parse(&Status::ALL, c.new.as_deref(), Status::code)
            .map(|status| SlaEvent::StatusChanged { at, status }),
        "priority" => parse(&Priority::ALL, c.new.as_deref(), Priority::code)
            .map(|priority| SlaEvent::PriorityChanged { at, priority }),
        "category" => Some(SlaEvent::CategoryChanged {
            at,
            category: parse_category(c.new.as_deref()),
        }),
        _ => None,
    }
}
