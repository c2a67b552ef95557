//! Evaluating a ticket's SLA at an instant: per-target state, deadlines, the
//! ticket's state and due date, and when that state next changes.
//!
//! Words used here:
//! - *elapsed*: business time a target's clock has counted so far.
//! - *deadline*: the first instant at which elapsed reaches the target. In the
//!   past for a breached or missed target; projected for a running one; for a
//!   paused one, projected as if the clock resumed now (it moves while paused).
//! - *at-risk instant*: the first instant at which remaining time is at or
//!   below the policy's at-risk threshold.
//! - target states: *on track*, *at risk*, *breached* (elapsed reached the
//!   target while still active), *paused*, *met* (done with elapsed below the
//!   target), *missed* (done at or after the deadline).
//!
//! # Policy changes
//! The policy in force at `now` sets the targets and thresholds for the whole
//! history. Elapsed time is measured stretch by stretch on the calendar of the
//! policy in force during that stretch, and kept across changes; so a ticket
//! that spent 2 business hours as Low and then became Urgent has used 2 h of
//! Urgent's 4 h. If elapsed already exceeds the new target, the deadline is the
//! past instant at which elapsed reached it.

use super::calendar::BusinessCalendar;
use super::clock::{Phase, SlaError, SlaEvent, SlaTarget, replay};
use super::explain::{Interval, Timeline};
use super::policy::{Calendars, SlaPolicy, SlaPolicySet};
use super::snapshot::SlaSnapshot;
use super::spans::ms_to_dt;
use crate::ticket::SlaState;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// One target at the evaluation instant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct TargetEvaluation {
    pub target: SlaTarget,
    /// On track, at risk, breached, paused, met or missed (never `None`).
    pub state: SlaState,
    pub target_minutes: u32,
    /// See the module docs; `None` for a met target.
    pub deadline: Option<DateTime<Utc>>,
    /// When remaining time reaches the at-risk threshold (past or projected);
    /// `None` unless the target is running.
    pub at_risk_at: Option<DateTime<Utc>>,
    /// Business minutes counted, rounded down.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub elapsed_minutes: i64,
    /// Business minutes left before the deadline, rounded up; 0 once reached.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub remaining_minutes: i64,
    /// Business minutes past the deadline, rounded down; 0 before it.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub overdue_minutes: i64,
    /// When the target was met or missed.
    pub completed_at: Option<DateTime<Utc>>,
}

/// A ticket's SLA at one instant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct SlaEvaluation {
    /// The policy in force; `None` when no policy matches.
    pub policy_id: Option<String>,
    pub state: SlaState,
    /// The manual override if given, else the earliest running target's deadline.
    pub due_at: Option<DateTime<Utc>>,
    /// Present when a policy applies.
    pub first_response: Option<TargetEvaluation>,
    pub resolution: Option<TargetEvaluation>,
    /// The next instant (after `now`) at which `state` changes with no further
    /// edits: the ticket becomes at risk or breached. Per-target changes that
    /// leave `state` as is (e.g. resolution at risk on a breached ticket) are in
    /// the targets' `at_risk_at` and `deadline`.
    pub next_change: Option<DateTime<Utc>>,
    /// The next instant a running clock starts or stops counting because the
    /// calendar opens or closes. Does not change `state`; useful for live
    /// countdowns.
    pub clock_change_at: Option<DateTime<Utc>>,
    /// Why the due date is what it is: from creation to the later of `now` and
    /// the SLA deadline.
    pub explanation: Vec<Interval>,
    /// The comparisons-only form for cheap re-evaluation later.
    pub snapshot: SlaSnapshot,
}

/// Per-target accumulation during replay. Milliseconds.
#[derive(Debug, Clone, Copy)]
struct Clock {
    target: SlaTarget,
    target_ms: i64,
    /// Elapsed at which the target becomes at risk (may be <= 0).
    risk_ms: i64,
    elapsed: i64,
    risk_at: Option<i64>,
    breach_at: Option<i64>,
}

impl Clock {
    fn new(target: SlaTarget, policy: &SlaPolicy, created: i64) -> Self {
        let minutes = match target {
            SlaTarget::FirstResponse => policy.first_response_minutes,
            SlaTarget::Resolution => policy.resolution_minutes,
        };
        let target_ms = i64::from(minutes) * 60_000;
        let risk_ms = target_ms - policy.at_risk_threshold_ms(minutes);
        Clock {
            target,
            target_ms,
            risk_ms,
            elapsed: 0,
            risk_at: (risk_ms <= 0).then_some(created),
            breach_at: (target_ms <= 0).then_some(created),
        }
    }

    /// Counts `[start, end)` holding `business` ms on `cal`, noting crossings.
    fn count(&mut self, cal: &BusinessCalendar, start: i64, business: i64) {
        let before = self.elapsed;
        self.elapsed += business;
        for (mark, at) in [
            (self.risk_ms, &mut self.risk_at),
            (self.target_ms, &mut self.breach_at),
        ] {
            if at.is_none() && before < mark && mark <= self.elapsed {
                *at = cal.add_business_ms(start, mark - before);
            }
        }
    }
}

/// Evaluates a ticket's SLA at `now` from its SLA events (oldest first).
/// `due_override` is an admin's manual due date; it wins for `due_at` only.
pub fn evaluate(
    policies: &SlaPolicySet,
    calendars: &Calendars,
    events: &[SlaEvent],
    now: DateTime<Utc>,
    due_override: Option<DateTime<Utc>>,
) -> Result<SlaEvaluation, SlaError> {
    run(policies, calendars, events, now, due_override, true)
}

/// Like [`evaluate`] but without the explanation timeline: what the store
/// needs to persist after an edit.
pub fn evaluate_snapshot(
    policies: &SlaPolicySet,
    calendars: &Calendars,
    events: &[SlaEvent],
    now: DateTime<Utc>,
    due_override: Option<DateTime<Utc>>,
) -> Result<SlaSnapshot, SlaError> {
    run(policies, calendars, events, now, due_override, false).map(|e| e.snapshot)
}

/// Like [`evaluate`] without the explanation timeline: per-target states for
/// many tickets at once (reports).
pub fn evaluate_targets(
    policies: &SlaPolicySet,
    calendars: &Calendars,
    events: &[SlaEvent],
    now: DateTime<Utc>,
) -> Result<SlaEvaluation, SlaError> {
    run(policies, calendars, events, now, None, false)
}

fn calendar<'a>(
    policies: &'a SlaPolicySet,
    calendars: &'a Calendars,
    index: usize,
) -> Result<&'a BusinessCalendar, SlaError> {
    let policy = &policies.policies[index];
    policy
        .resolve_calendar(calendars)
        .ok_or_else(|| SlaError::UnknownCalendar {
            policy: policy.id.clone(),
            calendar: match &policy.calendar {
                super::policy::PolicyCalendar::Shared { id } => id.clone(),
                super::policy::PolicyCalendar::Embedded { .. } => String::new(),
            },
        })
}

fn run(
    policies: &SlaPolicySet,
    calendars: &Calendars,
    events: &[SlaEvent],
    now: DateTime<Utc>,
    due_override: Option<DateTime<Utc>>,
    explain: bool,
) -> Result<SlaEvaluation, SlaError> {
    let now_ms = now.timestamp_millis();
    let last = replay(policies, events, now_ms, |_, _, _| {})?;
    let Some(policy_index) = last.policy else {
        return Ok(no_policy(due_override));
    };
    let policy = &policies.policies[policy_index];
    let created = events[0].at().timestamp_millis();
    let mut clocks = SlaTarget::ALL.map(|t| Clock::new(t, policy, created));
    let mut failure = None;
    let mut stretches: Vec<(i64, i64, Phase)> = Vec::new();
    replay(policies, events, now_ms, |start, end, phase| {
        if explain {
            stretches.push((start, end, *phase));
        }
        let Some(p) = phase.policy else { return };
        if !phase.running(SlaTarget::FirstResponse) && !phase.running(SlaTarget::Resolution) {
            return;
        }
        let cal = match calendar(policies, calendars, p) {
            Ok(cal) => cal,
            Err(e) => return failure = Some(e),
        };
        let business = cal.business_ms_between(start, end);
        for clock in clocks.iter_mut().filter(|c| phase.running(c.target)) {
            clock.count(cal, start, business);
        }
    })?;
    if let Some(e) = failure {
        return Err(e);
    }
    let cal = calendar(policies, calendars, policy_index)?;
    let targets = clocks.map(|mut clock| {
        if last.running(clock.target) {
            for (mark, at) in [
                (clock.risk_ms, &mut clock.risk_at),
                (clock.target_ms, &mut clock.breach_at),
            ] {
                if at.is_none() {
                    *at = cal.add_business_ms(now_ms, mark - clock.elapsed);
                }
            }
        }
        (clock, target_evaluation(&clock, &last, cal, now_ms))
    });

    let running = || targets.iter().filter(|(c, _)| last.running(c.target));
    let earliest = |f: fn(&Clock) -> Option<i64>| running().filter_map(|(c, _)| f(c)).min();
    let breach_at = earliest(|c| c.breach_at);
    let at_risk_at = earliest(|c| c.risk_at);
    let clock_change_at = if running().next().is_some() {
        cal.next_transition_ms(now_ms).map(|(t, _)| t)
    } else {
        None
    };
    let state = ticket_state(
        &targets
            .each_ref()
            .map(|(c, e)| (last.active(c.target), e.state)),
    );
    let sla_due = breach_at.map(ms_to_dt);
    let due_at = due_override.or(sla_due);
    let mut snapshot = SlaSnapshot {
        state,
        due_at,
        at_risk_at: at_risk_at.map(ms_to_dt),
        breach_at: sla_due,
        next_change: None,
    };
    snapshot.next_change = snapshot.next_change_after(now);

    let explanation = if explain {
        let mut timeline = Timeline::default();
        for (start, end, phase) in &stretches {
            let cal = phase
                .policy
                .map(|p| calendar(policies, calendars, p))
                .transpose()?;
            timeline.add(*start, *end, phase, cal, false);
        }
        if let Some(due) = breach_at.filter(|&d| d > now_ms) {
            timeline.add(now_ms, due, &last, Some(cal), true);
        }
        timeline.finish()
    } else {
        Vec::new()
    };
    let [(_, first_response), (_, resolution)] = targets;
    Ok(SlaEvaluation {
        policy_id: Some(policy.id.clone()),
        state,
        due_at,
        first_response: Some(first_response),
        resolution: Some(resolution),
        next_change: snapshot.next_change,
        clock_change_at: clock_change_at.map(ms_to_dt),
        explanation,
        snapshot,
    })
}

fn no_policy(due_override: Option<DateTime<Utc>>) -> SlaEvaluation {
    SlaEvaluation {
        policy_id: None,
        state: SlaState::None,
        due_at: due_override,
        first_response: None,
        resolution: None,
        next_change: None,
        clock_change_at: None,
        explanation: Vec::new(),
        snapshot: SlaSnapshot {
            state: SlaState::None,
            due_at: due_override,
            at_risk_at: None,
            breach_at: None,
            next_change: None,
        },
    }
}

fn target_evaluation(
    c: &Clock,
    last: &Phase,
    cal: &BusinessCalendar,
    now: i64,
) -> TargetEvaluation {
    let reached = c.elapsed >= c.target_ms;
    let left = (c.target_ms - c.elapsed).max(0);
    let (state, deadline) = match last.done_at(c.target) {
        Some(_) if reached => (SlaState::Missed, c.breach_at),
        Some(_) => (SlaState::Met, None),
        None if reached => (SlaState::Breached, c.breach_at),
        None if !last.running(c.target) => (SlaState::Paused, cal.add_business_ms(now, left)),
        None if c.risk_at.is_some_and(|t| t <= now) => (SlaState::AtRisk, c.breach_at),
        None => (SlaState::OnTrack, c.breach_at),
    };
    TargetEvaluation {
        target: c.target,
        state,
        target_minutes: (c.target_ms / 60_000) as u32,
        deadline: deadline.map(ms_to_dt),
        at_risk_at: c.risk_at.filter(|_| last.running(c.target)).map(ms_to_dt),
        elapsed_minutes: c.elapsed.div_euclid(60_000),
        remaining_minutes: (left + 59_999) / 60_000,
        overdue_minutes: (c.elapsed - c.target_ms).max(0) / 60_000,
        completed_at: last.done_at(c.target).map(ms_to_dt),
    }
}

/// Combines target states: breached if an active target is breached; else at
/// risk if one is at risk; else paused if every active target is paused; else
/// on track; with no active target, missed if one was missed, else met.
fn ticket_state(targets: &[(bool, SlaState)]) -> SlaState {
    let active = || targets.iter().filter(|(a, _)| *a).map(|(_, s)| *s);
    if active().any(|s| s == SlaState::Breached) {
        SlaState::Breached
    } else if active().any(|s| s == SlaState::AtRisk) {
        SlaState::AtRisk
    } else if active().next().is_some() {
        if active().all(|s| s == SlaState::Paused) {
            SlaState::Paused
        } else {
            SlaState::OnTrack
        }
    } else if targets.iter().any(|(_, s)| *s == SlaState::Missed) {
        SlaState::Missed
    } else {
        SlaState::Met
    }
}
