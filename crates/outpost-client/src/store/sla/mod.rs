//! The store's side of the SLA (DESIGN §3): the settings document, the
//! per-ticket snapshot kept next to each ticket, and re-evaluation as time
//! passes. The engine itself is `outpost_core::sla`.
//!
//! Words used here:
//! - *SLA config* ([`SlaConfig`]): the parsed settings and calendar map the
//!   engine takes, cached in the [`Store`](super::Store) so an edit does not
//!   re-parse JSON.
//! - *snapshot*: `outpost_core::sla::SlaSnapshot`, stored in the ticket columns
//!   `sla_state`, `due_at`, `at_risk_at`, `breach_at`, `next_change`. Any edit
//!   that may change it re-evaluates it in the edit's own transaction
//!   ([`evaluate_row`], [`recompute_sla`]); with no edits it changes only by
//!   crossing `at_risk_at` / `breach_at`, which [`Store::reevaluate_sla`]
//!   applies in bulk.
//! - the ticket's state *at* an instant is the stored snapshot's
//!   `state_at(instant)`: the stored state may be stale between
//!   re-evaluations, its instants never are.
//! - *outcomes* ([`TargetOutcome`]): each target's state, completion and
//!   deadline from the same evaluation, stored in the `fr_*` / `res_*`
//!   columns (migration 12) for reports. Written with the snapshot; an SLA
//!   settings change re-evaluates them for every ticket (the snapshot of
//!   open ones only). Time alone changes them only by a running target
//!   passing its deadline, which reports read as breached.
//!
//! [`Store::reevaluate_sla`]: super::Store::reevaluate_sla

mod events;
mod settings;
mod time;

pub(crate) use events::{
    Change, OUTCOME_COLUMNS, Outcomes, SLA_COLUMNS, SlaRow, TargetOutcome, events_from,
    load_events, sla_row,
};
#[cfg(test)]
pub(crate) use settings::OUTCOMES_PENDING;
pub(crate) use settings::{ensure_outcomes, ensure_sla_settings, replace_in};
pub use time::{SlaCounts, SlaTransition};
pub(crate) use time::{done_range, open_range, open_status};

use super::write::WriteCtx;
use crate::error::StoreResult;
use chrono::{DateTime, Utc};
use outpost_core::sla::{
    Calendars, SlaEvaluation, SlaEvent, SlaSettings, SlaSnapshot, evaluate, evaluate_targets,
};
use outpost_core::{HistoryField, SlaState, TicketId};
use rusqlite::types::Value;
use rusqlite::{Connection, OptionalExtension, params_from_iter};

/// The parsed SLA settings with the calendar map the engine needs.
#[derive(Debug, Clone)]
pub(crate) struct SlaConfig {
    pub settings: SlaSettings,
    pub calendars: Calendars,
    /// False on a schema older than migration 3 (upgrade tests only): edits
    /// then leave the SLA columns alone, as the app that wrote it did.
    pub stored: bool,
    /// Whether the schema has the per-target outcome columns (migration 12);
    /// false only for stores opened at an older version (upgrade tests).
    pub outcomes: bool,
}

impl SlaConfig {
    pub fn new(settings: SlaSettings) -> Self {
        let calendars = settings.calendar_map();
        SlaConfig {
            settings,
            calendars,
            stored: true,
            outcomes: true,
        }
    }

    /// The SLA columns to select from `tickets t` (last in the row), with
    /// the outcome columns when the schema has them.
    pub fn columns(&self) -> String {
        if self.outcomes {
            format!("{SLA_COLUMNS}, {OUTCOME_COLUMNS}")
        } else {
            SLA_COLUMNS.to_owned()
        }
    }

    /// The config of a store whose schema predates the SLA columns.
    pub fn without_storage() -> Self {
        SlaConfig {
            stored: false,
            outcomes: false,
            ..Self::new(SlaSettings::defaults(chrono_tz::UTC))
        }
    }

    /// The instant to evaluate at: `now`, or the newest event if the clock is
    /// behind it (clocks move back; the engine refuses events after `now`).
    fn instant(events: &[SlaEvent], now: DateTime<Utc>) -> DateTime<Utc> {
        events.iter().map(SlaEvent::at).fold(now, DateTime::max)
    }

    /// The snapshot and per-target outcomes for `events` at `now`. A history
    /// the engine refuses (a bug or a corrupt store) must not block edits: it
    /// is logged and the ticket gets no SLA, keeping a manual due date.
    pub fn evaluate_stored(
        &self,
        events: &[SlaEvent],
        now: DateTime<Utc>,
        due_override: Option<DateTime<Utc>>,
    ) -> (SlaSnapshot, Outcomes) {
        let at = Self::instant(events, now);
        match evaluate_targets(&self.settings.policies, &self.calendars, events, at) {
            Ok(e) => {
                // What `evaluate_snapshot` stores: the override wins for the
                // due date only.
                let mut snapshot = e.snapshot;
                snapshot.due_at = due_override.or(snapshot.breach_at);
                let outcomes = e
                    .first_response
                    .as_ref()
                    .zip(e.resolution.as_ref())
                    .map(|(f, r)| [TargetOutcome::of(f), TargetOutcome::of(r)]);
                (snapshot, outcomes)
            }
            Err(e) => {
                tracing::warn!(error = %e, "SLA evaluation failed; the ticket gets no SLA");
                let snapshot = SlaSnapshot {
                    due_at: due_override,
                    ..SlaSnapshot::default()
                };
                (snapshot, None)
            }
        }
    }

    /// The full evaluation (with the explanation) for the Details tab.
    pub fn evaluation(
        &self,
        events: &[SlaEvent],
        now: DateTime<Utc>,
        due_override: Option<DateTime<Utc>>,
    ) -> StoreResult<SlaEvaluation> {
        let at = Self::instant(events, now);
        evaluate(
            &self.settings.policies,
            &self.calendars,
            events,
            at,
            due_override,
        )
        .map_err(|e| crate::error::StoreError::Corrupt(format!("ticket history: {e}")))
    }
}

/// The old and new snapshot (and per-target outcomes) of one ticket after
/// an edit.
#[derive(Debug, Clone, Copy)]
pub(crate) struct SlaChange {
    pub old: SlaSnapshot,
    pub new: SlaSnapshot,
    pub old_outcomes: Outcomes,
    pub new_outcomes: Outcomes,
    /// Whether the schema has the outcome columns.
    pub store_outcomes: bool,
}

fn ms(t: Option<DateTime<Utc>>) -> Value {
    t.map_or(Value::Null, |t| Value::Integer(t.timestamp_millis()))
}

impl SlaChange {
    /// `col = ?` assignments (and values) for the snapshot and outcome
    /// columns that differ: SQLite rewrites every index mentioning a column
    /// it sets.
    pub fn assignments(&self) -> Vec<(&'static str, Value)> {
        let mut out = self.snapshot_assignments();
        out.extend(self.outcome_assignments());
        out
    }

    /// The assignments of the outcome columns that differ (none on a schema
    /// without them).
    pub fn outcome_assignments(&self) -> Vec<(&'static str, Value)> {
        let mut out = Vec::new();
        if !self.store_outcomes {
            return out;
        }
        let int = |v: Option<i64>| v.map_or(Value::Null, Value::Integer);
        let cols = [
            ["fr_state = ?", "fr_done_at = ?", "fr_deadline = ?"],
            ["res_state = ?", "res_done_at = ?", "res_deadline = ?"],
        ];
        for (i, [state, done, deadline]) in cols.into_iter().enumerate() {
            let o = self.old_outcomes.map(|o| o[i]);
            let n = self.new_outcomes.map(|o| o[i]);
            let s = |t: Option<TargetOutcome>| t.map(|t| i64::from(t.state.rank()));
            for (set, old, new) in [
                (state, s(o), s(n)),
                (done, o.and_then(|t| t.done_at), n.and_then(|t| t.done_at)),
                (
                    deadline,
                    o.and_then(|t| t.deadline),
                    n.and_then(|t| t.deadline),
                ),
            ] {
                if old != new {
                    out.push((set, int(new)));
                }
            }
        }
        out
    }

    fn snapshot_assignments(&self) -> Vec<(&'static str, Value)> {
        let (o, n) = (&self.old, &self.new);
        let mut out = Vec::new();
        if o.state != n.state {
            out.push(("sla_state = ?", Value::Integer(n.state.rank().into())));
        }
        for (set, old, new) in [
            ("due_at = ?", o.due_at, n.due_at),
            ("at_risk_at = ?", o.at_risk_at, n.at_risk_at),
            ("breach_at = ?", o.breach_at, n.breach_at),
            ("next_change = ?", o.next_change, n.next_change),
        ] {
            if old != new {
                out.push((set, ms(new)));
            }
        }
        out
    }

    /// Records a system `sla` history event if the edit changed the ticket's
    /// state as of now (the stored state may be stale, its instants are not).
    pub fn record(&self, ctx: &mut WriteCtx<'_>, ticket: TicketId) -> StoreResult<()> {
        let before = self.old.state_at(ctx.now);
        let after = self.new.state;
        if before != after {
            ctx.history(
                ticket,
                None,
                HistoryField::Sla,
                Some(before.code()),
                Some(after.code()),
            )?;
        }
        Ok(())
    }
}

/// The ticket's SLA row, or `None` if it does not exist.
pub(crate) fn load_row(
    conn: &Connection,
    config: &SlaConfig,
    ticket: TicketId,
) -> StoreResult<Option<SlaRow>> {
    Ok(conn
        .prepare_cached(&format!(
            "SELECT {} FROM tickets t WHERE t.id = ?1",
            config.columns()
        ))?
        .query_row([ticket.0], sla_row)
        .optional()?)
}

/// Evaluates `row` (already holding the edit's new values, with its history
/// rows already appended) at `now`.
pub(crate) fn evaluate_row(
    conn: &Connection,
    config: &SlaConfig,
    ticket: TicketId,
    row: &SlaRow,
    now: DateTime<Utc>,
) -> StoreResult<SlaChange> {
    let events = load_events(conn, ticket.0, row)?;
    let (new, new_outcomes) = config.evaluate_stored(&events, now, row.due_override);
    Ok(SlaChange {
        old: row.stored,
        new,
        old_outcomes: row.outcomes,
        new_outcomes,
        store_outcomes: config.outcomes,
    })
}

/// The first evaluation of a ticket that is not in `tickets` yet (a row sync
/// is about to insert), from its fields and the history and replies already
/// stored, so the insert carries its snapshot and outcomes.
pub(crate) fn first_evaluation(
    conn: &Connection,
    config: &SlaConfig,
    ticket: &outpost_core::Ticket,
    now: DateTime<Utc>,
) -> StoreResult<SlaChange> {
    let row = SlaRow {
        rid: 0,
        status: ticket.status,
        priority: ticket.priority,
        category: ticket.category_id,
        created_at: ticket.created_at,
        conversation: ticket.conversation_id.map(|c| c.0),
        due_override: ticket.due_override,
        stored: SlaSnapshot::default(),
        outcomes: None,
    };
    evaluate_row(conn, config, ticket.id, &row, now)
}

/// Recomputes and stores `ticket`'s SLA snapshot inside the current write
/// (after the ticket row and its history are written); appends a system `sla`
/// history event when the state changes. Edits that update the ticket row
/// themselves fold the snapshot into their own UPDATE instead
/// ([`evaluate_row`] + [`SlaChange::assignments`]).
// Edits in this crate fold the snapshot into their own UPDATE; this is the
// entry point for changes applied by sync, which writes rows its own way.
#[allow(dead_code)]
pub(crate) fn recompute_sla(ctx: &mut WriteCtx<'_>, ticket: TicketId) -> StoreResult<()> {
    if let Some(change) = store_snapshot(ctx, ticket)? {
        change.record(ctx, ticket)?;
    }
    Ok(())
}

/// Evaluates and stores a new ticket's first snapshot. Its first state is not
/// a change, so no `sla` history event.
pub(crate) fn initialize_sla(ctx: &mut WriteCtx<'_>, ticket: TicketId) -> StoreResult<()> {
    store_snapshot(ctx, ticket).map(drop)
}

fn store_snapshot(ctx: &mut WriteCtx<'_>, ticket: TicketId) -> StoreResult<Option<SlaChange>> {
    if !ctx.sla.stored {
        return Ok(None);
    }
    let Some(row) = load_row(ctx.tx, ctx.sla, ticket)? else {
        return Err(crate::error::StoreError::not_found("ticket", ticket));
    };
    let change = evaluate_row(ctx.tx, ctx.sla, ticket, &row, ctx.now)?;
    let sets = change.assignments();
    if !sets.is_empty() {
        write_assignments(ctx.tx, row.rid, sets)?;
    }
    Ok(Some(change))
}

/// `UPDATE tickets SET <sets> WHERE rid = ?`.
pub(crate) fn write_assignments(
    conn: &Connection,
    rid: i64,
    sets: Vec<(&'static str, Value)>,
) -> StoreResult<()> {
    let (cols, mut values): (Vec<&str>, Vec<Value>) = sets.into_iter().unzip();
    values.push(Value::Integer(rid));
    let sql = format!("UPDATE tickets SET {} WHERE rid = ?", cols.join(", "));
    conn.prepare_cached(&sql)?
        .execute(params_from_iter(values))?;
    Ok(())
}

/// Whether `state` is one a clock can still move out of by itself.
pub(crate) fn is_running(state: SlaState) -> bool {
    matches!(state, SlaState::OnTrack | SlaState::AtRisk)
}
