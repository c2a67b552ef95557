//! Replaying a ticket's history into the phases that drive its SLA clocks.
//!
//! Words used here:
//! - *SLA event* ([`SlaEvent`]): one history fact that matters to the SLA; the
//!   store maps its history rows to these, oldest first.
//! - *target* ([`SlaTarget`]): first response or resolution.
//! - *phase*: what holds between two consecutive events: status, priority,
//!   category, matched policy, whether first response is done.
//! - a target is *active* until it is done: first response is done once an
//!   agent replies or the ticket reaches In Progress, Resolved or Closed, and
//!   stays done; resolution is done while the ticket is Resolved or Closed and
//!   becomes active again when it is reopened (its elapsed time is kept).
//! - an active target is *running* unless the ticket is Waiting (then it is
//!   *paused*); it *counts* while running under a matched policy, at the pace of
//!   that policy's calendar. With no matching policy no clock counts.

use super::policy::SlaPolicySet;
use crate::ids::CategoryId;
use crate::ticket::{Priority, Status};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use thiserror::Error;

/// One SLA-relevant fact from a ticket's history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(
    tag = "type",
    rename_all = "camelCase",
    rename_all_fields = "camelCase"
)]
pub enum SlaEvent {
    /// The ticket was created; must be the first event, and only once.
    Created {
        at: DateTime<Utc>,
        priority: Priority,
        category: Option<CategoryId>,
        /// Usually Open; a ticket created In Progress has its first response met.
        status: Status,
    },
    /// The status changed (a change to the same status is ignored).
    StatusChanged { at: DateTime<Utc>, status: Status },
    /// An agent replied on the linked conversation.
    AgentReplied { at: DateTime<Utc> },
    /// The priority changed; the policy is matched again.
    PriorityChanged {
        at: DateTime<Utc>,
        priority: Priority,
    },
    /// The category changed; the policy is matched again.
    CategoryChanged {
        at: DateTime<Utc>,
        category: Option<CategoryId>,
    },
}

impl SlaEvent {
    /// When it happened.
    pub fn at(&self) -> DateTime<Utc> {
        match self {
            SlaEvent::Created { at, .. }
            | SlaEvent::StatusChanged { at, .. }
            | SlaEvent::AgentReplied { at }
            | SlaEvent::PriorityChanged { at, .. }
            | SlaEvent::CategoryChanged { at, .. } => *at,
        }
    }
}

/// Which SLA target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum SlaTarget {
    FirstResponse,
    Resolution,
}

impl SlaTarget {
    /// Both targets, first response first.
    pub const ALL: [SlaTarget; 2] = [SlaTarget::FirstResponse, SlaTarget::Resolution];
}

/// Why a history cannot be evaluated.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum SlaError {
    /// The events do not form a valid history.
    #[error("invalid SLA history at event {index}: {reason}")]
    InvalidHistory {
        /// Position of the offending event.
        index: usize,
        /// What is wrong.
        reason: &'static str,
    },
    /// A policy refers to a shared calendar that does not exist.
    #[error("policy {policy:?} uses calendar {calendar:?}, which does not exist")]
    UnknownCalendar {
        /// The policy id.
        policy: String,
        /// The missing calendar id.
        calendar: String,
    },
}

impl SlaError {
    /// The stable error code.
    pub fn code(&self) -> &'static str {
        match self {
            SlaError::InvalidHistory { .. } => "sla_history_invalid",
            SlaError::UnknownCalendar { .. } => "sla_calendar_missing",
        }
    }
}

/// The state between two events. Times are UTC milliseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Phase {
    pub status: Status,
    pub priority: Priority,
    pub category: Option<CategoryId>,
    /// Index of the matched policy in the set.
    pub policy: Option<usize>,
    /// When first response was done, if it is.
    pub first_response_done: Option<i64>,
    /// When resolution was last done, while it is (Resolved or Closed).
    pub resolution_done: Option<i64>,
}

impl Phase {
    /// When the target was done, or `None` while it is active.
    pub fn done_at(&self, target: SlaTarget) -> Option<i64> {
        match target {
            SlaTarget::FirstResponse => self.first_response_done,
            SlaTarget::Resolution => self.resolution_done,
        }
    }

    pub fn active(&self, target: SlaTarget) -> bool {
        self.done_at(target).is_none()
    }

    /// Active and not paused (policy aside).
    pub fn running(&self, target: SlaTarget) -> bool {
        self.active(target) && self.status != Status::Waiting
    }

    fn set_status(&mut self, status: Status, at: i64) {
        if status == self.status {
            return;
        }
        self.status = status;
        if matches!(
            status,
            Status::InProgress | Status::Resolved | Status::Closed
        ) {
            self.first_response_done.get_or_insert(at);
        }
        if status.is_active() {
            self.resolution_done = None;
        } else {
            // Resolved -> Closed keeps the resolution time.
            self.resolution_done.get_or_insert(at);
        }
    }
}

/// Replays `events` up to `now`, calling `visit(start, end, phase)` for each
/// stretch `[start, end)` between events (ending at `now`), and returns the
/// phase at `now`. Events after `now` have not happened yet and are ignored.
pub(super) fn replay(
    policies: &SlaPolicySet,
    events: &[SlaEvent],
    now: i64,
    mut visit: impl FnMut(i64, i64, &Phase),
) -> Result<Phase, SlaError> {
    let bad = |index, reason| Err(SlaError::InvalidHistory { index, reason });
    let Some(SlaEvent::Created {
        at,
        priority,
        category,
        status,
    }) = events.first()
    else {
        return bad(0, "the first event must be the ticket's creation");
    };
    let mut t = at.timestamp_millis();
    let mut phase = Phase {
        status: Status::Open,
        priority: *priority,
        category: *category,
        policy: policies.matching_index(*priority, *category),
        first_response_done: None,
        resolution_done: None,
    };
    phase.set_status(*status, t);
    if t > now {
        return bad(0, "the ticket is created after the evaluation time");
    }
    for (index, event) in events.iter().enumerate().skip(1) {
        let at = event.at().timestamp_millis();
        if at < t {
            return bad(index, "events must be in time order, oldest first");
        }
        if at > now {
            break;
        }
        if at > t {
            visit(t, at, &phase);
            t = at;
        }
        match *event {
            SlaEvent::Created { .. } => return bad(index, "a ticket is created only once"),
            SlaEvent::StatusChanged { status, .. } => phase.set_status(status, at),
            SlaEvent::AgentReplied { .. } => {
                phase.first_response_done.get_or_insert(at);
            }
            SlaEvent::PriorityChanged { priority, .. } => {
                phase.priority = priority;
                phase.policy = policies.matching_index(phase.priority, phase.category);
            }
            SlaEvent::CategoryChanged { category, .. } => {
                phase.category = category;
                phase.policy = policies.matching_index(phase.priority, phase.category);
            }
        }
    }
    if now > t {
        visit(t, now, &phase);
    }
    Ok(phase)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sla::policy::default_policies;

    fn at(m: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(m * 60, 0).unwrap()
    }

    #[test]
    fn phases_follow_status_rules() {
        let (set, _) = default_policies(chrono_tz::UTC);
        let events = [
            SlaEvent::Created {
                at: at(0),
                priority: Priority::Low,
                category: None,
                status: Status::Open,
            },
            SlaEvent::StatusChanged {
                at: at(10),
                status: Status::Waiting,
            },
            SlaEvent::StatusChanged {
                at: at(20),
                status: Status::Resolved,
            },
            SlaEvent::StatusChanged {
                at: at(30),
                status: Status::Closed,
            },
            SlaEvent::StatusChanged {
                at: at(40),
                status: Status::Open,
            },
            SlaEvent::PriorityChanged {
                at: at(50),
                priority: Priority::Urgent,
            },
        ];
        let mut seen = Vec::new();
        let end = replay(&set, &events, 60 * 60_000, |s, e, p| {
            seen.push((
                s / 60_000,
                e / 60_000,
                p.status,
                p.running(SlaTarget::Resolution),
            ))
        })
        .unwrap();
        assert_eq!(
            seen,
            vec![
                (0, 10, Status::Open, true),
                (10, 20, Status::Waiting, false),
                (20, 30, Status::Resolved, false),
                (30, 40, Status::Closed, false),
                (40, 50, Status::Open, true),
                (50, 60, Status::Open, true),
            ],
            "each stretch between events carries the phase set by the earlier event"
        );
        assert_eq!(
            end.first_response_done,
            Some(20 * 60_000),
            "resolving meets first response"
        );
        assert_eq!(
            end.resolution_done, None,
            "reopening makes resolution active again"
        );
        assert_eq!(
            end.policy,
            Some(0),
            "the priority change re-matched the Urgent policy"
        );
    }

    #[test]
    fn bad_histories_are_rejected() {
        let (set, _) = default_policies(chrono_tz::UTC);
        let created = SlaEvent::Created {
            at: at(5),
            priority: Priority::Low,
            category: None,
            status: Status::Open,
        };
        let reply = SlaEvent::AgentReplied { at: at(1) };
        for (events, reason) in [
            (vec![], "creation"),
            (vec![reply.clone()], "creation"),
            (vec![created.clone(), reply], "time order"),
            (vec![created.clone(), created], "only once"),
        ] {
            let err = replay(&set, &events, 100 * 60_000, |_, _, _| {}).unwrap_err();
            assert!(
                err.to_string().contains(reason),
                "expected {reason:?} in {err}"
            );
        }
    }
}
