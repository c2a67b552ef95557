//! The SLA as time passes, with no edits: moving tickets between on track,
//! at risk and breached when their instants come ([`Store::reevaluate_sla`]),
//! the instant the next such move is due ([`Store::next_sla_change`]) so the
//! app can sleep until exactly then, a projection of every open ticket's
//! state at an instant ([`Store::sla_forecast`]), and the full evaluation of
//! one ticket for the Details tab ([`Store::ticket_sla`]).
//!
//! Words used here: a *transition* ([`SlaTransition`]) is one ticket's state
//! change found by re-evaluation, handed to the notification scheduler.

use super::{is_running, load_events, load_row};
use crate::clock::from_ms;
use crate::error::StoreResult;
use crate::store::Store;
use chrono::{DateTime, Utc};
use outpost_core::sla::{SlaEvaluation, SlaSnapshot};
use outpost_core::{AgentId, Priority, SlaState, Status, TicketId, TicketNumber};
use rusqlite::{TransactionBehavior, params};
use serde::Serialize;

/// One ticket whose SLA state changed as time passed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SlaTransition {
    pub ticket_id: TicketId,
    /// `None` while the ticket is provisional (not yet numbered by the server).
    pub number: Option<TicketNumber>,
    pub title: String,
    pub assignee_id: Option<AgentId>,
    pub priority: Priority,
    pub old_state: SlaState,
    pub new_state: SlaState,
    pub due_at: Option<DateTime<Utc>>,
}

/// Open tickets per SLA state at one instant ([`Store::sla_forecast`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SlaCounts {
    by_rank: [u64; SlaState::ALL.len()],
}

impl SlaCounts {
    /// How many open tickets are in `state`.
    pub fn get(&self, state: SlaState) -> u64 {
        self.by_rank[state.rank() as usize]
    }

    /// How many open tickets were counted.
    pub fn total(&self) -> u64 {
        self.by_rank.iter().sum()
    }

    fn add(&mut self, state: SlaState) {
        self.by_rank[state.rank() as usize] += 1;
    }
}

fn opt_ms(t: Option<DateTime<Utc>>) -> Option<i64> {
    t.map(|t| t.timestamp_millis())
}

/// `{column} IN (0, 1, 2)`: the statuses whose tickets are open, as a list,
/// so that the planner can look each one up in an index with `status` after
/// its first column.
pub(crate) fn open_status(column: &str) -> String {
    let ranks: Vec<String> = status_ranks(true).iter().map(u8::to_string).collect();
    format!("{column} IN ({})", ranks.join(", "))
}

/// `{column} BETWEEN 0 AND 2`: the WHERE of the partial indexes over open
/// tickets (`tickets_open_sla`, `tickets_open_load`, migration 15). SQLite
/// uses a partial index only for a query that says the same term; with
/// table statistics it may also take the range for a skip-scan of another
/// index, so a query meant for a partial index names it (`INDEXED BY`). A
/// range, not a list: a list in an index's WHERE builds a temporary table at
/// every row write.
pub(crate) fn open_range(column: &str) -> String {
    status_range(column, true)
}

/// `{column} BETWEEN 3 AND 4`: resolved and closed tickets, the WHERE of
/// `tickets_resolved_by_group` (see [`open_range`]).
pub(crate) fn done_range(column: &str) -> String {
    status_range(column, false)
}

fn status_ranks(open: bool) -> Vec<u8> {
    Status::ALL
        .into_iter()
        .filter(|s| s.is_active() == open)
        .map(Status::rank)
        .collect()
}

fn status_range(column: &str, open: bool) -> String {
    let ranks = status_ranks(open);
    let (lo, hi) = (ranks[0], ranks[ranks.len() - 1]);
    assert_eq!(
        usize::from(hi - lo) + 1,
        ranks.len(),
        "the ranks of open (or of done) statuses are consecutive"
    );
    format!("{column} BETWEEN {lo} AND {hi}")
}

impl Store {
    /// Applies the passage of time up to the clock's now: every open ticket
    /// whose `next_change` has come (found by an index range scan) gets its
    /// state at now and its following change instant, in one transaction.
    /// Returns each ticket whose state changed, once. Writes no history and
    /// no outbox entry: nothing was edited, and every device derives the same
    /// states from the same history.
    pub fn reevaluate_sla(&mut self) -> StoreResult<Vec<SlaTransition>> {
        if self.bootstrapping() {
            // Nothing to evaluate yet: the tickets are not committed.
            return Ok(Vec::new());
        }
        let now = self.clock.now();
        let now_ms = now.timestamp_millis();
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let mut transitions = Vec::new();
        {
            let mut due = tx.prepare_cached(
                "SELECT rid, id, number, title, assignee_id, priority, sla_state, due_at,
                        at_risk_at, breach_at
                 FROM tickets INDEXED BY tickets_by_next_change
                 WHERE next_change IS NOT NULL AND next_change <= ?1",
            )?;
            let mut update = tx.prepare_cached(
                "UPDATE tickets SET sla_state = ?1, next_change = ?2 WHERE rid = ?3",
            )?;
            let mut rows = due.query([now_ms])?;
            while let Some(r) = rows.next()? {
                let bad = |c| {
                    rusqlite::Error::FromSqlConversionFailure(
                        c,
                        rusqlite::types::Type::Integer,
                        "invalid stored rank".into(),
                    )
                };
                let snapshot = SlaSnapshot {
                    state: SlaState::from_rank(r.get(6)?).ok_or_else(|| bad(6))?,
                    due_at: r.get::<_, Option<i64>>(7)?.map(from_ms),
                    at_risk_at: r.get::<_, Option<i64>>(8)?.map(from_ms),
                    breach_at: r.get::<_, Option<i64>>(9)?.map(from_ms),
                    next_change: None,
                };
                let state = snapshot.state_at(now);
                let next = snapshot.next_change_after(now);
                update.execute(params![state.rank(), opt_ms(next), r.get::<_, i64>(0)?])?;
                if state != snapshot.state {
                    transitions.push(SlaTransition {
                        ticket_id: TicketId(r.get(1)?),
                        number: r.get::<_, Option<i64>>(2)?.map(|n| TicketNumber(n as u64)),
                        title: r.get(3)?,
                        assignee_id: r.get::<_, Option<uuid::Uuid>>(4)?.map(AgentId),
                        priority: Priority::from_rank(r.get(5)?).ok_or_else(|| bad(5))?,
                        old_state: snapshot.state,
                        new_state: state,
                        due_at: snapshot.due_at,
                    });
                }
            }
        }
        tx.commit()?;
        Ok(transitions)
    }

    /// The earliest instant at which an open ticket's SLA state changes with
    /// no edits (the app sleeps until then, then calls
    /// [`Store::reevaluate_sla`]); `None` when no clock is running. May be in
    /// the past if re-evaluation is behind.
    pub fn next_sla_change(&self) -> StoreResult<Option<DateTime<Utc>>> {
        let t: Option<i64> = self
            .conn()
            .prepare_cached(
                "SELECT min(next_change) FROM tickets INDEXED BY tickets_by_next_change
                 WHERE next_change IS NOT NULL",
            )?
            .query_row([], |r| r.get(0))?;
        Ok(t.map(from_ms))
    }

    /// How many open tickets will be in each SLA state at `at` (at or after
    /// now) if nobody edits them, from the stored snapshots.
    pub fn sla_forecast(&self, at: DateTime<Utc>) -> StoreResult<SlaCounts> {
        let at_ms = at.timestamp_millis();
        let sql = format!(
            "SELECT sla_state, at_risk_at <= ?1, breach_at <= ?1
             FROM tickets INDEXED BY tickets_open_sla WHERE {}",
            open_range("status")
        );
        let mut counts = SlaCounts::default();
        let mut stmt = self.conn().prepare_cached(&sql)?;
        let mut rows = stmt.query([at_ms])?;
        while let Some(r) = rows.next()? {
            let stored = SlaState::from_rank(r.get(0)?).unwrap_or_default();
            // The snapshot's rule (`SlaSnapshot::state_at`) on the two
            // comparisons SQLite already made.
            let state = if !is_running(stored) {
                stored
            } else if r.get::<_, Option<bool>>(2)? == Some(true) {
                SlaState::Breached
            } else if r.get::<_, Option<bool>>(1)? == Some(true) {
                SlaState::AtRisk
            } else {
                stored
            };
            counts.add(state);
        }
        Ok(counts)
    }

    /// The full SLA evaluation of a ticket at now, with each target and the
    /// "why" timeline, for the Details tab; `None` when no policy matches.
    pub fn ticket_sla(&self, id: TicketId) -> StoreResult<Option<SlaEvaluation>> {
        let row = load_row(self.conn(), &self.sla, id)?
            .ok_or_else(|| crate::error::StoreError::not_found("ticket", id))?;
        let events = load_events(self.conn(), id.0, &row)?;
        let evaluation = self
            .sla
            .evaluation(&events, self.clock.now(), row.due_override)?;
        Ok(evaluation.policy_id.is_some().then_some(evaluation))
    }
}
