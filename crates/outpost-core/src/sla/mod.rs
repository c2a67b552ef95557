//! The SLA engine: business calendars, policies, clocks replayed from a
//! ticket's history, at-risk thresholds, next state change and explanations
//! (DESIGN §3). Pure: `now` is always an argument.
//!
//! Words used here (each file defines its own in detail):
//! - *calendar*: when business time counts ([`BusinessCalendar`]).
//! - *policy*: which targets apply to a ticket ([`SlaPolicy`], [`SlaPolicySet`]).
//! - *SLA event*: a history fact the clocks react to ([`SlaEvent`]).
//! - *evaluation*: the full answer at an instant ([`SlaEvaluation`]), and its
//!   *snapshot* ([`SlaSnapshot`]) for cheap bulk re-evaluation as time passes.
//!
//! Typical use by a store: after any edit, `evaluate_snapshot` (or `evaluate`
//! for the Details tab) and persist the snapshot; periodically, call
//! [`SlaSnapshot::state_at`] on stored snapshots, or query tickets whose
//! `next_change` has passed and evaluate only those.

mod calendar;
mod clock;
mod engine;
mod explain;
mod policy;
mod replay;
mod settings;
mod snapshot;
mod spans;
mod wall;

pub use calendar::{
    BusinessCalendar, BusinessHours, CalendarSettings, ClockTime, Day, Holiday, MAX_HOLIDAYS,
    MAX_OPENING_INTERVALS, OpeningHours,
};
pub use clock::{SlaError, SlaEvent, SlaTarget};
pub use engine::{SlaEvaluation, TargetEvaluation, evaluate, evaluate_snapshot, evaluate_targets};
pub use explain::{Interval, IntervalKind};
pub use policy::{
    Calendars, DEFAULT_CALENDAR_ID, MAX_TARGET_MINUTES, PolicyCalendar, SlaPolicy, SlaPolicySet,
    default_calendar, default_policies,
};
pub use replay::{HistoryChange, TicketFacts, events_from_history};
pub use settings::{NamedCalendar, SlaSettings};
pub use snapshot::SlaSnapshot;
pub use spans::{CalendarSegment, CalendarSegmentKind, Transition};
