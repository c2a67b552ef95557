//! The comparisons-only form of an evaluation, for re-evaluating many tickets
//! as time passes without replaying their histories.
//!
//! Words used here:
//! - *snapshot* ([`SlaSnapshot`]): what an evaluation at instant `t0` implies
//!   for every later instant, as long as the ticket is not edited: its state at
//!   `t0` plus the instants at which a running target becomes at risk and is
//!   breached. The store persists it next to the ticket.
//! - *base state*: the state at `t0`.
//!
//! With no edits, only running targets change state, and only by crossing
//! their at-risk and breach instants; paused, met and missed targets stay put.
//! So `state_at` is two comparisons. Any edit (status, priority, reply, policy
//! or calendar change) invalidates the snapshot: evaluate again.

use crate::ticket::SlaState;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// A ticket's SLA at an evaluation instant, with the instants it will change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct SlaSnapshot {
    /// The state at the evaluation instant.
    pub state: SlaState,
    /// The due date (manual override or earliest running target's deadline).
    pub due_at: Option<DateTime<Utc>>,
    /// Earliest instant a running target is at risk (may be in the past).
    pub at_risk_at: Option<DateTime<Utc>>,
    /// Earliest instant a running target is breached (may be in the past).
    pub breach_at: Option<DateTime<Utc>>,
    /// First of `at_risk_at` / `breach_at` after the evaluation instant.
    pub next_change: Option<DateTime<Utc>>,
}

impl SlaSnapshot {
    /// The state at `now` (at or after the evaluation instant), assuming no edits.
    pub fn state_at(&self, now: DateTime<Utc>) -> SlaState {
        match self.state {
            SlaState::OnTrack | SlaState::AtRisk => {
                if self.breach_at.is_some_and(|t| now >= t) {
                    SlaState::Breached
                } else if self.at_risk_at.is_some_and(|t| now >= t) {
                    SlaState::AtRisk
                } else {
                    self.state
                }
            }
            other => other,
        }
    }

    /// The first instant after `now` at which [`SlaSnapshot::state_at`] changes.
    pub fn next_change_after(&self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        match self.state {
            SlaState::OnTrack | SlaState::AtRisk => [self.at_risk_at, self.breach_at]
                .into_iter()
                .flatten()
                .filter(|&t| t > now)
                .min(),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;

    #[test]
    fn state_moves_through_at_risk_to_breached_by_comparison() {
        let t0 = DateTime::from_timestamp(1_700_000_000, 0).unwrap();
        let snap = SlaSnapshot {
            state: SlaState::OnTrack,
            due_at: Some(t0 + Duration::hours(2)),
            at_risk_at: Some(t0 + Duration::hours(1)),
            breach_at: Some(t0 + Duration::hours(2)),
            next_change: Some(t0 + Duration::hours(1)),
        };
        assert_eq!(snap.state_at(t0), SlaState::OnTrack);
        assert_eq!(
            snap.state_at(t0 + Duration::hours(1)),
            SlaState::AtRisk,
            "at risk from the at-risk instant on"
        );
        assert_eq!(
            snap.state_at(t0 + Duration::hours(2)),
            SlaState::Breached,
            "breached from the deadline on"
        );
        assert_eq!(
            snap.next_change_after(t0 + Duration::minutes(90)),
            snap.breach_at
        );
        let paused = SlaSnapshot {
            state: SlaState::Paused,
            ..SlaSnapshot::default()
        };
        assert_eq!(
            paused.state_at(t0 + Duration::days(9)),
            SlaState::Paused,
            "paused never changes by itself"
        );
    }
}
