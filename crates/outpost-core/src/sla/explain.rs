//! The "why is the due date X?" timeline shown in a ticket's Details tab.
//!
//! Words used here:
//! - *interval* ([`Interval`]): a run of time during which the ticket's SLA
//!   clocks did one thing ([`IntervalKind`]).
//! - *running*: at least one target's clock counted business time.
//! - *outside business hours* / *holiday*: a clock was running but the
//!   policy's calendar was closed, so nothing counted.
//! - *paused*: the ticket was Waiting.
//! - *stopped*: no clock was running: every target was done (Resolved, Closed)
//!   or no policy matched.
//! - *projected*: after the evaluation instant, assuming no further edits.

use super::calendar::BusinessCalendar;
use super::clock::{Phase, SlaTarget};
use super::spans::{CalendarSegmentKind, ms_to_dt};
use crate::ticket::Status;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// What the SLA clocks did during an [`Interval`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum IntervalKind {
    Running,
    Paused,
    OutsideBusinessHours,
    Holiday,
    Stopped,
}

/// One run of the timeline, `[start, end)`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct Interval {
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    pub kind: IntervalKind,
    /// After the evaluation instant (assumes no further edits).
    pub projected: bool,
}

/// Builds a timeline from consecutive stretches, merging neighbours.
#[derive(Debug, Default)]
pub(super) struct Timeline {
    out: Vec<Interval>,
}

impl Timeline {
    /// Adds `[start, end)` spent in `phase`; `cal` is its policy's calendar.
    pub fn add(
        &mut self,
        start: i64,
        end: i64,
        phase: &Phase,
        cal: Option<&BusinessCalendar>,
        projected: bool,
    ) {
        let running =
            phase.running(SlaTarget::FirstResponse) || phase.running(SlaTarget::Resolution);
        match cal {
            Some(cal) if running => cal.segments_ms(start, end, &mut |s, e, kind| {
                let kind = match kind {
                    CalendarSegmentKind::Open => IntervalKind::Running,
                    CalendarSegmentKind::Closed => IntervalKind::OutsideBusinessHours,
                    CalendarSegmentKind::Holiday => IntervalKind::Holiday,
                };
                self.push(s, e, kind, projected);
            }),
            Some(_) if phase.status == Status::Waiting => {
                self.push(start, end, IntervalKind::Paused, projected)
            }
            _ => self.push(start, end, IntervalKind::Stopped, projected),
        }
    }

    fn push(&mut self, start: i64, end: i64, kind: IntervalKind, projected: bool) {
        if let Some(last) = self.out.last_mut()
            && last.kind == kind
            && last.projected == projected
            && last.end.timestamp_millis() == start
        {
            last.end = ms_to_dt(end);
            return;
        }
        self.out.push(Interval {
            start: ms_to_dt(start),
            end: ms_to_dt(end),
            kind,
            projected,
        });
    }

    pub fn finish(self) -> Vec<Interval> {
        self.out
    }
}
