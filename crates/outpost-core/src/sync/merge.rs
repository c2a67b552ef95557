//! Merge rules for tickets: per-field last-writer-wins ordered by the write's
//! stamp `(HLC wall, HLC counter, client id)`, with the stamps kept per field
//! so any replica applying the same set of writes, in any order, any number of
//! times, ends with the same ticket.
//!
//! Words used here:
//! - *write*: one field set to one value at one stamp (a patch is several).
//! - *stamps*: for each mergeable field, the stamp of the write it holds.
//! - *lost write*: a write older than the one the field already holds; its
//!   value is not applied but a `conflict` history event records both values
//!   (`old_value` = `field=kept value`, `new_value` = `field=lost value`).
//!
//! Derived fields are functions of the merged state so they merge too:
//! `updated_at` is the newest stamp, `resolved_at`/`closed_at` the status
//! stamp while resolved/closed, `first_response_at` the earliest move to In
//! Progress ever seen (a min-register).

use super::Hlc;
use crate::edit::{NewTicket, TicketPatch};
use crate::error::ValidationError;
use crate::ids::{AgentId, CategoryId, HistoryEventId, TicketId};
use crate::model::{HistoryEvent, HistoryField};
use crate::ticket::{Priority, SlaState, Status, Ticket};
use crate::validate;
use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use uuid::Uuid;

/// A ticket field that merges by last-writer-wins.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TicketField {
    Title,
    Description,
    Status,
    Priority,
    Assignee,
    Category,
    DueOverride,
}

impl TicketField {
    /// Every mergeable field.
    pub const ALL: [TicketField; 7] = [
        TicketField::Title,
        TicketField::Description,
        TicketField::Status,
        TicketField::Priority,
        TicketField::Assignee,
        TicketField::Category,
        TicketField::DueOverride,
    ];

    /// Stable code, used in conflict events.
    pub const fn code(self) -> &'static str {
        match self {
            TicketField::Title => "title",
            TicketField::Description => "description",
            TicketField::Status => "status",
            TicketField::Priority => "priority",
            TicketField::Assignee => "assignee",
            TicketField::Category => "category",
            TicketField::DueOverride => "due_override",
        }
    }

    /// The history field a change of this field is recorded under.
    pub const fn history_field(self) -> HistoryField {
        match self {
            TicketField::Title => HistoryField::Title,
            TicketField::Description => HistoryField::Description,
            TicketField::Status => HistoryField::Status,
            TicketField::Priority => HistoryField::Priority,
            TicketField::Assignee => HistoryField::Assignee,
            TicketField::Category => HistoryField::Category,
            TicketField::DueOverride => HistoryField::DueDate,
        }
    }
}

/// The stamp of the last write each field holds.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct FieldStamps(pub BTreeMap<TicketField, Hlc>);

impl FieldStamps {
    /// Every field stamped with `stamp` (a ticket just created).
    pub fn all(stamp: Hlc) -> Self {
        FieldStamps(TicketField::ALL.into_iter().map(|f| (f, stamp)).collect())
    }
    /// The stamp `field` holds, if any.
    pub fn get(&self, field: TicketField) -> Option<Hlc> {
        self.0.get(&field).copied()
    }
    /// The newest stamp of any field.
    pub fn newest(&self) -> Option<Hlc> {
        self.0.values().max().copied()
    }
}

/// A value of one mergeable field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FieldValue {
    Title(String),
    Description(String),
    Status(Status),
    Priority(Priority),
    Assignee(Option<AgentId>),
    Category(Option<CategoryId>),
    DueOverride(Option<DateTime<Utc>>),
}

impl FieldValue {
    /// Which field this is a value of.
    pub fn field(&self) -> TicketField {
        match self {
            FieldValue::Title(_) => TicketField::Title,
            FieldValue::Description(_) => TicketField::Description,
            FieldValue::Status(_) => TicketField::Status,
            FieldValue::Priority(_) => TicketField::Priority,
            FieldValue::Assignee(_) => TicketField::Assignee,
            FieldValue::Category(_) => TicketField::Category,
            FieldValue::DueOverride(_) => TicketField::DueOverride,
        }
    }

    /// The value as history stores it: a code, an id or RFC 3339 time.
    pub fn code(&self) -> Option<String> {
        match self {
            FieldValue::Title(s) | FieldValue::Description(s) => Some(s.clone()),
            FieldValue::Status(s) => Some(s.code().to_owned()),
            FieldValue::Priority(p) => Some(p.code().to_owned()),
            FieldValue::Assignee(a) => a.map(|a| a.to_string()),
            FieldValue::Category(c) => c.map(|c| c.to_string()),
            FieldValue::DueOverride(d) => d.map(|d| d.to_rfc3339_opts(SecondsFormat::Millis, true)),
        }
    }

    /// The current value of `field` on `ticket`.
    pub fn read(ticket: &Ticket, field: TicketField) -> FieldValue {
        match field {
            TicketField::Title => FieldValue::Title(ticket.title.clone()),
            TicketField::Description => FieldValue::Description(ticket.description.clone()),
            TicketField::Status => FieldValue::Status(ticket.status),
            TicketField::Priority => FieldValue::Priority(ticket.priority),
            TicketField::Assignee => FieldValue::Assignee(ticket.assignee_id),
            TicketField::Category => FieldValue::Category(ticket.category_id),
            TicketField::DueOverride => FieldValue::DueOverride(ticket.due_override),
        }
    }

    fn store(self, ticket: &mut Ticket) {
        match self {
            FieldValue::Title(v) => ticket.title = v,
            FieldValue::Description(v) => ticket.description = v,
            FieldValue::Status(v) => ticket.status = v,
            FieldValue::Priority(v) => ticket.priority = v,
            FieldValue::Assignee(v) => ticket.assignee_id = v,
            FieldValue::Category(v) => ticket.category_id = v,
            FieldValue::DueOverride(v) => ticket.due_override = v,
        }
    }
}

/// One field set to one value at one stamp.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldWrite {
    pub value: FieldValue,
    pub stamp: Hlc,
}

/// What applying a write did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WriteOutcome {
    /// The field took the new value.
    Applied { old: FieldValue, new: FieldValue },
    /// Nothing visible changed (same value, or this write was seen before).
    Unchanged,
    /// A newer write holds the field; this value was not applied.
    Lost { kept: FieldValue, lost: FieldValue },
}

/// Splits a patch into field writes at `stamp`, after validating it.
pub fn patch_writes(patch: &TicketPatch, stamp: Hlc) -> Result<Vec<FieldWrite>, ValidationError> {
    let mut values = Vec::new();
    if let Some(t) = &patch.title {
        values.push(FieldValue::Title(validate::title(t)?));
    }
    if let Some(d) = &patch.description {
        validate::check_len("description", d, validate::MAX_BODY_CHARS)?;
        values.push(FieldValue::Description(d.clone()));
    }
    if let Some(s) = patch.status {
        values.push(FieldValue::Status(s));
    }
    if let Some(p) = patch.priority {
        values.push(FieldValue::Priority(p));
    }
    if let Some(a) = patch.assignee_id {
        values.push(FieldValue::Assignee(a));
    }
    if let Some(c) = patch.category_id {
        values.push(FieldValue::Category(c));
    }
    if let Some(d) = patch.due_override {
        values.push(FieldValue::DueOverride(d));
    }
    Ok(values
        .into_iter()
        .map(|value| FieldWrite { value, stamp })
        .collect())
}

/// Builds a new ticket (no number yet) with every field stamped `stamp`.
pub fn create_ticket(
    id: TicketId,
    new: &NewTicket,
    created_at: DateTime<Utc>,
    stamp: Hlc,
) -> Result<(Ticket, FieldStamps), ValidationError> {
    let title = validate::title(&new.title)?;
    validate::check_len("description", &new.description, validate::MAX_BODY_CHARS)?;
    validate::check_len("requester", &new.requester, validate::MAX_SHORT_CHARS)?;
    let ticket = Ticket {
        id,
        number: None,
        title,
        description: new.description.clone(),
        status: Status::Open,
        priority: new.priority,
        category_id: new.category_id,
        assignee_id: new.assignee_id,
        requester: new.requester.trim().to_owned(),
        conversation_id: new.conversation_id,
        created_at,
        updated_at: created_at,
        first_response_at: None,
        resolved_at: None,
        closed_at: None,
        due_at: None,
        due_override: None,
        sla_state: SlaState::None,
    };
    let stamps = FieldStamps::all(stamp);
    let mut ticket = ticket;
    refresh_derived(&mut ticket, &stamps);
    Ok((ticket, stamps))
}

/// Applies one write by last-writer-wins. Equal stamps with different values
/// (a buggy client) resolve by the greater value code, so the result still
/// does not depend on arrival order.
pub fn apply_write(ticket: &mut Ticket, stamps: &mut FieldStamps, w: &FieldWrite) -> WriteOutcome {
    let field = w.value.field();
    let current = FieldValue::read(ticket, field);
    if matches!(w.value, FieldValue::Status(Status::InProgress)) {
        let at = stamp_time(w.stamp);
        ticket.first_response_at = Some(ticket.first_response_at.map_or(at, |f| f.min(at)));
    }
    let held = stamps.get(field);
    let wins = match held {
        None => true,
        Some(h) => w.stamp > h || (w.stamp == h && w.value.code() > current.code()),
    };
    let outcome = if wins {
        stamps.0.insert(field, w.stamp);
        if current == w.value {
            WriteOutcome::Unchanged
        } else {
            w.value.clone().store(ticket);
            WriteOutcome::Applied {
                old: current,
                new: w.value.clone(),
            }
        }
    } else if current == w.value || held == Some(w.stamp) {
        WriteOutcome::Unchanged
    } else {
        WriteOutcome::Lost {
            kept: current,
            lost: w.value.clone(),
        }
    };
    refresh_derived(ticket, stamps);
    outcome
}

/// Recomputes the fields that follow from the merged state.
fn refresh_derived(ticket: &mut Ticket, stamps: &FieldStamps) {
    if let Some(newest) = stamps.newest() {
        ticket.updated_at = ticket.created_at.max(stamp_time(newest));
    }
    let status_at = stamps.get(TicketField::Status).map(stamp_time);
    ticket.resolved_at = match ticket.status {
        Status::Resolved | Status::Closed => status_at,
        _ => None,
    };
    ticket.closed_at = match ticket.status {
        Status::Closed => status_at,
        _ => None,
    };
}

/// The instant a stamp's wall clock names.
pub fn stamp_time(stamp: Hlc) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(stamp.wall_ms).unwrap_or(DateTime::UNIX_EPOCH)
}

/// The stamp a server merges with: the client's HLC with its node set to the
/// pushing client and its wall clamped to `now_ms + max_drift_ms`.
pub fn bound_stamp(hlc: Hlc, client_id: Uuid, now_ms: i64, max_drift_ms: i64) -> Hlc {
    Hlc {
        wall_ms: hlc.wall_ms.min(now_ms.saturating_add(max_drift_ms)),
        counter: hlc.counter,
        node: client_id,
    }
}

/// Slots of [`derived_event_id`]: which event of a mutation an id names.
pub mod slot {
    /// The `created` event of a ticket creation.
    pub const CREATED: u16 = 32;
    /// The `comment` event of a comment.
    pub const COMMENT: u16 = 33;
    /// The change event of field number `i` of [`super::TicketField::ALL`].
    pub const fn change(i: usize) -> u16 {
        i as u16
    }
    /// The conflict event of field number `i`.
    pub const fn conflict(i: usize) -> u16 {
        16 + i as u16
    }
}

/// A deterministic id for the `slot`-th history event caused by mutation
/// `op_id`, so the client's local event and the server's are one row after a
/// union by id. A bijective mix of the op id (UUID version 8).
pub fn derived_event_id(op_id: Uuid, slot: u16) -> HistoryEventId {
    const K1: u128 = 0x9E37_79B9_7F4A_7C15_F39C_C060_5CED_C835;
    const K2: u128 = 0xD6E8_FEB8_6659_FD93_A5A5_8F1B_2C3D_4E5F;
    let mut x = op_id.as_u128() ^ (u128::from(slot) + 1).wrapping_mul(K1);
    x ^= x >> 64;
    x = x.wrapping_mul(K2);
    x ^= x >> 61;
    x = x.wrapping_mul(K1);
    x ^= x >> 67;
    HistoryEventId(uuid::Builder::from_custom_bytes(x.to_be_bytes()).into_uuid())
}

/// The history events a mutation's write outcomes leave on a ticket: one per
/// changed field and one `conflict` per lost write.
pub fn outcome_events(
    op_id: Uuid,
    ticket_id: TicketId,
    actor: Option<AgentId>,
    at: DateTime<Utc>,
    outcomes: &[WriteOutcome],
) -> Vec<HistoryEvent> {
    let mut events = Vec::new();
    for o in outcomes {
        let (id, field, old_value, new_value) = match o {
            WriteOutcome::Unchanged => continue,
            WriteOutcome::Applied { old, new } => {
                let f = old.field();
                (
                    derived_event_id(op_id, slot::change(field_index(f))),
                    f.history_field(),
                    old.code(),
                    new.code(),
                )
            }
            WriteOutcome::Lost { kept, lost } => {
                let f = kept.field();
                let tag = |v: &FieldValue| format!("{}={}", f.code(), v.code().unwrap_or_default());
                (
                    derived_event_id(op_id, slot::conflict(field_index(f))),
                    HistoryField::Conflict,
                    Some(tag(kept)),
                    Some(tag(lost)),
                )
            }
        };
        events.push(HistoryEvent {
            id,
            ticket_id,
            actor_id: actor,
            at,
            field,
            old_value,
            new_value,
        });
    }
    events
}

fn field_index(f: TicketField) -> usize {
    TicketField::ALL.iter().position(|x| *x == f).unwrap_or(0)
}

#[cfg(test)]
mod tests;
