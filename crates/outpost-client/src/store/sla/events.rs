//! From a ticket's stored history to the SLA engine's events.
//!
//! Words used here:
//! - *SLA row*: the ticket columns the SLA depends on or stores ([`SlaRow`]).
//! - *initial value*: the status, priority or category at creation. History
//!   records the creation with the title only, so each initial value is the
//!   `old_value` of that field's first change, or the current value when the
//!   field never changed.
//!
//! Events are ordered by time, then by insertion (`rowid`): one edit stamps
//! several rows with the same millisecond, and creation comes first.

use crate::clock::from_ms;
use crate::error::StoreResult;
use chrono::{DateTime, Utc};
use outpost_core::sla::{SlaEvent, SlaSnapshot, TargetEvaluation};
use outpost_core::{CategoryId, Priority, SlaState, Status};
use rusqlite::{Connection, Row};
use uuid::Uuid;

/// The ticket columns the SLA reads and writes; select with [`SLA_COLUMNS`].
#[derive(Debug, Clone, Copy)]
pub(crate) struct SlaRow {
    pub rid: i64,
    pub status: Status,
    pub priority: Priority,
    pub category: Option<CategoryId>,
    pub created_at: DateTime<Utc>,
    pub conversation: Option<Uuid>,
    pub due_override: Option<DateTime<Utc>>,
    /// What is stored now.
    pub stored: SlaSnapshot,
    /// The per-target outcomes stored now (`None` without a policy, or on a
    /// schema older than migration 12, which has no outcome columns).
    pub outcomes: Outcomes,
}

/// One target's outcome as stored for reports (`fr_*` / `res_*` columns, ms
/// instants): the engine's state at the evaluation instant, when the target
/// was met or missed, and its deadline (kept for running, breached and
/// missed targets only: a paused target's projected deadline moves with
/// time, and a met one has none).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct TargetOutcome {
    pub state: SlaState,
    pub done_at: Option<i64>,
    pub deadline: Option<i64>,
}

impl TargetOutcome {
    pub fn of(t: &TargetEvaluation) -> Self {
        TargetOutcome {
            state: t.state,
            done_at: t.completed_at.map(|t| t.timestamp_millis()),
            deadline: match t.state {
                SlaState::Paused | SlaState::Met | SlaState::None => None,
                _ => t.deadline.map(|t| t.timestamp_millis()),
            },
        }
    }
}

/// Both targets' outcomes (first response, resolution); `None` when no
/// policy applies.
pub(crate) type Outcomes = Option<[TargetOutcome; 2]>;

/// Columns for [`sla_row`], from `tickets t`; on a schema with outcome
/// columns, select [`OUTCOME_COLUMNS`] right after them (see
/// `SlaConfig::columns`), last in the row.
pub(crate) const SLA_COLUMNS: &str = "t.rid, t.status, t.priority, t.category_id, t.created_at, \
    t.conversation_id, t.due_override, t.sla_state, t.due_at, t.at_risk_at, t.breach_at, \
    t.next_change";

/// How many columns [`SLA_COLUMNS`] selects.
const SLA_COLUMN_COUNT: usize = 12;

/// The stored per-target outcomes (migration 12), after [`SLA_COLUMNS`].
pub(crate) const OUTCOME_COLUMNS: &str =
    "t.fr_state, t.fr_done_at, t.fr_deadline, t.res_state, t.res_done_at, t.res_deadline";

fn bad(col: usize, what: &str) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(
        col,
        rusqlite::types::Type::Integer,
        format!("invalid stored {what}").into(),
    )
}

/// A row read from column `at` on.
struct Shifted<'a, 'r> {
    row: &'a Row<'r>,
    at: usize,
}

impl Shifted<'_, '_> {
    fn get<T: rusqlite::types::FromSql>(&self, col: usize) -> rusqlite::Result<T> {
        self.row.get(self.at + col)
    }
}

fn opt_time(row: &Shifted<'_, '_>, col: usize) -> rusqlite::Result<Option<DateTime<Utc>>> {
    Ok(row.get::<Option<i64>>(col)?.map(from_ms))
}

/// Reads a row selected with [`SLA_COLUMNS`].
pub(crate) fn sla_row(row: &Row<'_>) -> rusqlite::Result<SlaRow> {
    sla_row_at(row, 0)
}

/// Like [`sla_row`] for [`SLA_COLUMNS`] starting at column `at`, followed
/// by [`OUTCOME_COLUMNS`] when the row has them.
pub(crate) fn sla_row_at(row: &Row<'_>, at: usize) -> rusqlite::Result<SlaRow> {
    let with_outcomes = row.as_ref().column_count() >= at + SLA_COLUMN_COUNT + 6;
    let row = &Shifted { row, at };
    let outcomes = if with_outcomes {
        let target = |c: usize| -> rusqlite::Result<Option<TargetOutcome>> {
            let c = SLA_COLUMN_COUNT + c;
            let Some(state) = row.get::<Option<u8>>(c)? else {
                return Ok(None);
            };
            Ok(Some(TargetOutcome {
                state: SlaState::from_rank(state).ok_or_else(|| bad(c, "sla outcome"))?,
                done_at: row.get(c + 1)?,
                deadline: row.get(c + 2)?,
            }))
        };
        target(0)?.zip(target(3)?).map(|(f, r)| [f, r])
    } else {
        None
    };
    Ok(SlaRow {
        rid: row.get(0)?,
        status: Status::from_rank(row.get(1)?).ok_or_else(|| bad(1, "status"))?,
        priority: Priority::from_rank(row.get(2)?).ok_or_else(|| bad(2, "priority"))?,
        category: row.get::<Option<Uuid>>(3)?.map(CategoryId),
        created_at: from_ms(row.get(4)?),
        conversation: row.get(5)?,
        due_override: opt_time(row, 6)?,
        stored: SlaSnapshot {
            state: SlaState::from_rank(row.get(7)?).ok_or_else(|| bad(7, "sla state"))?,
            due_at: opt_time(row, 8)?,
            at_risk_at: opt_time(row, 9)?,
            breach_at: opt_time(row, 10)?,
            next_change: opt_time(row, 11)?,
        },
        outcomes,
    })
}

/// One SLA-relevant history row (other fields are ignored).
pub(crate) type Change = outpost_core::sla::HistoryChange;

/// The ticket's SLA events, oldest first: its creation (with the initial
/// status, priority and category), status / priority / category changes,
/// and agent replies on its linked conversation.
pub(crate) fn load_events(
    conn: &Connection,
    ticket: Uuid,
    row: &SlaRow,
) -> StoreResult<Vec<SlaEvent>> {
    let changes: Vec<Change> = conn
        .prepare_cached(
            "SELECT at, field, old_value, new_value FROM history
             WHERE ticket_id = ?1 AND field IN ('status', 'priority', 'category')
             ORDER BY at, rowid",
        )?
        .query_map([ticket], |r| {
            Ok(Change {
                at: from_ms(r.get(0)?),
                field: r.get(1)?,
                old: r.get(2)?,
                new: r.get(3)?,
            })
        })?
        .collect::<Result<_, _>>()?;
    let replies: Vec<DateTime<Utc>> = match row.conversation {
        Some(conv) => conn
            .prepare_cached(
                "SELECT at FROM messages WHERE conversation_id = ?1 AND agent_id IS NOT NULL
                 ORDER BY at",
            )?
            .query_map([conv], |r| r.get::<_, i64>(0).map(from_ms))?
            .collect::<Result<_, _>>()?,
        None => Vec::new(),
    };
    Ok(events_from(row, &changes, &replies))
}

/// The events of [`load_events`] from rows already in memory (`changes` in
/// time then insertion order, `replies` sorted): the engine's shared replay
/// ([`outpost_core::sla::events_from_history`]), as the server does it.
pub(crate) fn events_from(
    row: &SlaRow,
    changes: &[Change],
    replies: &[DateTime<Utc>],
) -> Vec<SlaEvent> {
    let facts = outpost_core::sla::TicketFacts {
        created_at: row.created_at,
        status: row.status,
        priority: row.priority,
        category: row.category,
    };
    outpost_core::sla::events_from_history(&facts, changes, replies)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;

    fn row(status: Status, priority: Priority) -> SlaRow {
        SlaRow {
            rid: 1,
            status,
            priority,
            category: None,
            created_at: from_ms(1_000_000),
            conversation: None,
            due_override: None,
            stored: SlaSnapshot::default(),
            outcomes: None,
        }
    }

    fn change(at: DateTime<Utc>, field: &str, old: &str, new: &str) -> Change {
        Change {
            at,
            field: field.into(),
            old: Some(old.into()),
            new: Some(new.into()),
        }
    }

    #[test]
    fn initial_values_come_from_the_first_change_and_replies_interleave() {
        let r = row(Status::Waiting, Priority::High);
        let t = r.created_at;
        let changes = [
            change(t + Duration::minutes(5), "priority", "low", "high"),
            change(t + Duration::minutes(9), "status", "open", "in_progress"),
            change(
                t + Duration::minutes(20),
                "status",
                "in_progress",
                "waiting",
            ),
        ];
        let replies = [t + Duration::minutes(7)];
        let events = events_from(&r, &changes, &replies);
        assert_eq!(
            events[0],
            SlaEvent::Created {
                at: t,
                priority: Priority::Low,
                category: None,
                status: Status::Open
            },
            "creation carries the values before the first change of each field"
        );
        assert_eq!(events.len(), 5);
        assert_eq!(
            events[2],
            SlaEvent::AgentReplied {
                at: t + Duration::minutes(7)
            },
            "replies sit in time order among the changes"
        );
        assert_eq!(
            events[4],
            SlaEvent::StatusChanged {
                at: t + Duration::minutes(20),
                status: Status::Waiting
            }
        );
    }

    #[test]
    fn rows_before_creation_are_clamped_and_unknown_codes_skipped() {
        let r = row(Status::Open, Priority::Normal);
        let t = r.created_at;
        let changes = [
            change(t - Duration::minutes(1), "priority", "high", "normal"),
            change(t + Duration::minutes(1), "status", "open", "bogus"),
        ];
        let events = events_from(&r, &changes, &[]);
        assert_eq!(events.len(), 2, "the unknown status is skipped");
        assert_eq!(events[1].at(), t, "an early row counts from the creation");
    }
}
