//! The Reports view's numbers, computed from the local store so they work
//! offline. Definitions are in `outpost_core::report`; this file finds the
//! tickets each figure needs with as few scans as possible:
//!
//! - *touched* tickets: in scope and updated since the period's start (any
//!   status change, creation, first response or resolution since then bumps
//!   `updated_at`), read once through `tickets_by_updated`;
//! - *status events*: the status history since the period's start, read once
//!   through the partial covering index `history_status_by_at`;
//! - the backlog of tickets untouched since the period's start is their
//!   current status, summed from `ticket_counts`;
//! - per-target outcomes come from the SLA engine replaying the history of
//!   each ticket whose target may have completed or been breached in the
//!   period (a shortcut would disagree with the Details tab). Outcomes are
//!   kept in memory ([`ReportCache`]) until the ticket is updated (its
//!   `updated_at` moves), the SLA settings change, or time reaches the
//!   deadline of a target still running (the only change time makes on its
//!   own: met, missed, paused and breached outcomes stay as they are without
//!   an edit). Tickets with a linked conversation (replies do not touch the
//!   ticket row) are replayed every time.

use super::sla::{load_events, sla_row_at};
use super::{SlaConfig, Store};
use crate::error::StoreResult;
use chrono::{DateTime, Utc};
use outpost_core::report::{
    AgentLoad, BreachGroup, Report, ReportDay, ReportQuery, ReportSection, TargetCompliance,
    TimeDistribution,
};
use outpost_core::sla::{SlaEvent, SlaTarget, TargetEvaluation, evaluate_targets};
use outpost_core::{AgentId, CategoryId, Priority, SlaState, Status};
use rusqlite::params_from_iter;
use rusqlite::types::Value;
use std::collections::HashMap;
use std::sync::Arc;
use uuid::Uuid;

/// One target's outcome as a report needs it (ms instants).
#[derive(Debug, Clone, Copy)]
struct Outcome {
    state: SlaState,
    completed_at: Option<i64>,
    deadline: Option<i64>,
}

impl Outcome {
    fn of(t: &TargetEvaluation) -> Self {
        Outcome {
            state: t.state,
            completed_at: t.completed_at.map(ms),
            deadline: t.deadline.map(ms),
        }
    }
}

/// Outcomes of both targets (first response, resolution); `None` without a policy.
type Outcomes = Option<[Outcome; 2]>;

/// Replayed outcomes by row id, with the `updated_at` they were computed for
/// and the instant they stop holding (`None`: until the next edit), valid
/// for one SLA config.
#[derive(Debug, Default)]
pub(crate) struct ReportCache {
    config: Option<Arc<SlaConfig>>,
    done: HashMap<i64, (i64, Option<i64>, Outcomes)>,
}

/// Until when `outcomes` hold without an edit: the earliest deadline of a
/// target still on track or at risk.
fn valid_until(outcomes: &Outcomes) -> Option<i64> {
    outcomes
        .iter()
        .flatten()
        .filter(|o| matches!(o.state, SlaState::OnTrack | SlaState::AtRisk))
        .filter_map(|o| o.deadline)
        .min()
}

/// `AND ...` clauses (on `t`) and their values for the report's filters.
fn scope(q: &ReportQuery) -> (String, Vec<Value>) {
    let mut sql = String::new();
    let mut values = Vec::new();
    if let Some(a) = q.agent_id {
        sql.push_str(" AND t.assignee_id = ?");
        values.push(Value::Blob(a.0.as_bytes().to_vec()));
    }
    if let Some(c) = q.category_id {
        sql.push_str(" AND t.category_id = ?");
        values.push(Value::Blob(c.0.as_bytes().to_vec()));
    }
    if let Some(p) = q.priority {
        sql.push_str(" AND t.priority = ?");
        values.push(Value::Integer(p.rank().into()));
    }
    (sql, values)
}

fn ms(t: DateTime<Utc>) -> i64 {
    t.timestamp_millis()
}

/// Index of an active status in backlog arrays (Open, In Progress, Waiting).
fn active_index(status: Status) -> Option<usize> {
    match status {
        Status::Open => Some(0),
        Status::InProgress => Some(1),
        Status::Waiting => Some(2),
        Status::Resolved | Status::Closed => None,
    }
}

fn status_code(code: Option<&str>) -> Option<Status> {
    let code = code?;
    Status::ALL.into_iter().find(|s| s.code() == code)
}

/// One touched ticket.
struct Touched {
    status: Status,
    created_at: i64,
}

/// Met / missed tallies for one target, and missed per priority and category.
#[derive(Default)]
struct Tally {
    met: [u64; 2],
    missed: [u64; 2],
    by_priority: HashMap<Priority, [u64; 2]>,
    by_category: HashMap<Option<CategoryId>, [u64; 2]>,
}

impl Tally {
    /// Counts `t` if it completed (or was breached) in `[from, to)`.
    fn add(
        &mut self,
        i: usize,
        t: &Outcome,
        from: i64,
        to: i64,
        priority: Priority,
        category: Option<CategoryId>,
    ) {
        let within = |at: Option<i64>| at.is_some_and(|at| (from..to).contains(&at));
        let missed = match t.state {
            SlaState::Met if within(t.completed_at) => false,
            SlaState::Missed if within(t.completed_at) => true,
            SlaState::Breached if within(t.deadline) => true,
            _ => return,
        };
        if missed {
            self.missed[i] += 1;
            self.by_priority.entry(priority).or_default()[i] += 1;
            self.by_category.entry(category).or_default()[i] += 1;
        } else {
            self.met[i] += 1;
        }
    }
}

impl Store {
    /// The report for `q`, computed at the clock's now with days cut in the
    /// current agent's timezone (else the workspace's). A bad custom period
    /// is a validation error.
    pub fn report(&self, q: &ReportQuery) -> StoreResult<Report> {
        let (tz, now) = self.tz_now()?;
        let period = q.period.resolve(&tz, now)?;
        let (from, to) = (ms(period.from), ms(period.to));
        let (scope_sql, scope_values) = scope(q);
        let conn = self.conn();
        let with = |head: Vec<Value>| head.into_iter().chain(scope_values.iter().cloned());

        // Touched tickets: one index range scan.
        let mut touched: HashMap<Uuid, Touched> = HashMap::new();
        let mut tally = Tally::default();
        let mut first_response_ms = Vec::new();
        let mut resolution_ms = Vec::new();
        let mut created_per_day = vec![0u64; period.days.len()];
        let day_of = |at: i64| -> Option<usize> {
            if at < from || at >= to {
                return None;
            }
            Some(period.days.partition_point(|d| ms(d.1) <= at))
        };
        // Replays a ticket (or reuses its cached outcomes) and tallies its targets.
        let sla = self.sla_config();
        let mut cache = self.report_cache.lock().unwrap_or_else(|p| p.into_inner());
        if !cache.config.as_ref().is_some_and(|c| Arc::ptr_eq(c, &sla)) {
            cache.config = Some(sla.clone());
            cache.done.clear();
        }
        let mut evaluate = |tally: &mut Tally,
                            id: Uuid,
                            row: &super::SlaRow,
                            updated_at: i64|
         -> StoreResult<()> {
            let cacheable = row.conversation.is_none();
            let now_ms = ms(now);
            let cached = cache
                .done
                .get(&row.rid)
                .filter(|c| cacheable && c.0 == updated_at && c.1.is_none_or(|v| now_ms < v))
                .map(|c| c.2);
            let outcomes = match cached {
                Some(o) => o,
                None => {
                    let events = load_events(conn, id, row)?;
                    let at = events.iter().map(SlaEvent::at).fold(now, DateTime::max);
                    let o = match evaluate_targets(
                        &sla.settings.policies,
                        &sla.calendars,
                        &events,
                        at,
                    ) {
                        Ok(e) => e
                            .first_response
                            .as_ref()
                            .zip(e.resolution.as_ref())
                            .map(|(f, r)| [Outcome::of(f), Outcome::of(r)]),
                        Err(e) => {
                            tracing::warn!(error = %e, "report: SLA evaluation failed; ticket skipped");
                            None
                        }
                    };
                    if cacheable {
                        cache.done.insert(row.rid, (updated_at, valid_until(&o), o));
                    }
                    o
                }
            };
            for (i, t) in outcomes.iter().flatten().enumerate() {
                tally.add(i, t, from, to, row.priority, row.category);
            }
            Ok(())
        };
        {
            let sql = format!(
                "SELECT {}, t.id, t.first_response_at, t.resolved_at, t.updated_at
                 FROM tickets t INDEXED BY tickets_by_updated
                 WHERE t.updated_at >= ?{scope_sql}",
                super::sla::SLA_COLUMNS
            );
            let mut stmt = conn.prepare_cached(&sql)?;
            let mut rows = stmt.query(params_from_iter(with(vec![from.into()])))?;
            while let Some(r) = rows.next()? {
                let row = sla_row_at(r, 0)?;
                let id: Uuid = r.get(12)?;
                let created = ms(row.created_at);
                // Created after the period (a past custom range): in no
                // figure, but its current status is not an untouched one.
                touched.insert(
                    id,
                    Touched {
                        status: row.status,
                        created_at: created,
                    },
                );
                if created >= to {
                    continue;
                }
                let first_response: Option<i64> = r.get(13)?;
                let resolved: Option<i64> = r.get(14)?;
                if let Some(d) = day_of(created) {
                    created_per_day[d] += 1;
                }
                let fr_in = first_response.filter(|&t| (from..to).contains(&t));
                let res_in = resolved.filter(|&t| (from..to).contains(&t));
                if let Some(t) = fr_in {
                    first_response_ms.push(t - created);
                }
                if let Some(t) = res_in {
                    resolution_ms.push(t - created);
                }
                let breach_due =
                    row.status.is_active() && row.stored.breach_at.is_some_and(|b| ms(b) < to);
                if row.stored.state != SlaState::None
                    && (fr_in.is_some()
                        || res_in.is_some()
                        || breach_due
                        || row.conversation.is_some())
                {
                    evaluate(&mut tally, id, &row, r.get(15)?)?;
                }
            }
        }
        // Open tickets untouched in the period whose running target may have
        // been breached in it.
        {
            let sql = format!(
                "SELECT {}, t.id, t.updated_at FROM tickets t
                 WHERE t.status IN (0, 1, 2) AND t.breach_at < ? AND t.updated_at < ?
                   AND t.sla_state != 0{scope_sql}",
                super::sla::SLA_COLUMNS
            );
            let mut stmt = conn.prepare_cached(&sql)?;
            let mut rows = stmt.query(params_from_iter(with(vec![to.into(), from.into()])))?;
            while let Some(r) = rows.next()? {
                let row = sla_row_at(r, 0)?;
                evaluate(&mut tally, r.get(12)?, &row, r.get(13)?)?;
            }
        }

        // Status events since the start, per touched ticket (in time order).
        let mut events: HashMap<Uuid, Vec<(i64, Option<Status>)>> = HashMap::new();
        let mut resolved_per_day = vec![0u64; period.days.len()];
        {
            let mut stmt = conn.prepare_cached(
                "SELECT ticket_id, at, old_value, new_value FROM history INDEXED BY history_status_by_at
                 WHERE field = 'status' AND at >= ?1 ORDER BY at, rowid",
            )?;
            let mut rows = stmt.query([from])?;
            while let Some(r) = rows.next()? {
                let id: Uuid = r.get(0)?;
                if !touched.contains_key(&id) {
                    continue;
                }
                let at: i64 = r.get(1)?;
                let old = status_code(r.get::<_, Option<String>>(2)?.as_deref());
                let new = status_code(r.get::<_, Option<String>>(3)?.as_deref());
                if old.is_some_and(Status::is_active)
                    && new.is_some_and(|s| !s.is_active())
                    && let Some(d) = day_of(at)
                {
                    resolved_per_day[d] += 1;
                }
                events.entry(id).or_default().push((at, old));
            }
        }

        // Backlog: untouched tickets keep their current status all period.
        let mut untouched = [0i64; 3];
        {
            let mut sql = String::from(
                "SELECT status, sum(n) FROM ticket_counts t WHERE status IN (0, 1, 2)",
            );
            sql.push_str(&scope_sql);
            sql.push_str(" GROUP BY status");
            let mut stmt = conn.prepare_cached(&sql)?;
            let mut rows = stmt.query(params_from_iter(scope_values.iter().cloned()))?;
            while let Some(r) = rows.next()? {
                if let Some(i) = Status::from_rank(r.get(0)?).and_then(active_index) {
                    untouched[i] += r.get::<_, i64>(1)?;
                }
            }
        }
        for t in touched.values() {
            if let Some(i) = active_index(t.status) {
                untouched[i] -= 1;
            }
        }
        let mut backlog = vec![untouched.map(|n| n.max(0) as u64); period.days.len()];
        for (id, t) in &touched {
            let evs = events.get(id).map_or(&[][..], Vec::as_slice);
            for (d, (_, end)) in period.days.iter().enumerate() {
                let end = ms(*end);
                if t.created_at >= end {
                    continue;
                }
                // The status at `end`: before the first change at or after it.
                let status = match evs.iter().find(|e| e.0 >= end) {
                    Some((_, old)) => *old,
                    None => Some(t.status),
                };
                if let Some(i) = status.and_then(active_index) {
                    backlog[d][i] += 1;
                }
            }
        }
        let days = period
            .days
            .iter()
            .enumerate()
            .map(|(d, (date, _))| ReportDay {
                date: date.format("%Y-%m-%d").to_string(),
                open: backlog[d][0],
                in_progress: backlog[d][1],
                waiting: backlog[d][2],
                created: created_per_day[d],
                resolved: resolved_per_day[d],
            })
            .collect();

        let agent_load = self.agent_load(q, now)?;
        let categories: HashMap<CategoryId, String> = self
            .categories()?
            .into_iter()
            .map(|c| (c.id, c.name))
            .collect();
        let breaches_by_priority = Priority::ALL
            .into_iter()
            .map(|p| {
                let n = tally.by_priority.get(&p).copied().unwrap_or_default();
                BreachGroup {
                    key: p.code().into(),
                    label: p.label().into(),
                    first_response: n[0],
                    resolution: n[1],
                }
            })
            .collect();
        let mut breaches_by_category: Vec<BreachGroup> = tally
            .by_category
            .iter()
            .map(|(c, n)| BreachGroup {
                key: c.map_or_else(String::new, |c| c.0.to_string()),
                label: match c {
                    Some(c) => categories
                        .get(c)
                        .cloned()
                        .unwrap_or_else(|| "Unknown category".into()),
                    None => "No category".into(),
                },
                first_response: n[0],
                resolution: n[1],
            })
            .collect();
        breaches_by_category.sort_by(|a, b| {
            (b.first_response + b.resolution)
                .cmp(&(a.first_response + a.resolution))
                .then_with(|| a.label.cmp(&b.label))
        });
        Ok(Report {
            query: *q,
            from: period.from,
            to: period.to,
            timezone: tz.name().to_owned(),
            generated_at: now,
            compliance: vec![
                TargetCompliance::new(SlaTarget::FirstResponse, tally.met[0], tally.missed[0]),
                TargetCompliance::new(SlaTarget::Resolution, tally.met[1], tally.missed[1]),
            ],
            breaches_by_priority,
            breaches_by_category,
            first_response_times: TimeDistribution::from_ms(first_response_ms),
            resolution_times: TimeDistribution::from_ms(resolution_ms),
            days,
            agent_load,
        })
    }

    /// Computes the report for `q` and writes one section's numbers as CSV
    /// to `path` (absolute, `.csv`), atomically; returns the rows written.
    pub fn export_report_csv_to_file(
        &self,
        q: &ReportQuery,
        section: ReportSection,
        path: &std::path::Path,
    ) -> StoreResult<u64> {
        let report = self.report(q)?;
        super::session::write_csv_file(path, |out| Ok(report.write_csv(section, out)?))
    }

    /// Active tickets per assignee right now, with those at risk and overdue
    /// (the stored snapshot's state at now, as the board shows it).
    fn agent_load(&self, q: &ReportQuery, now: DateTime<Utc>) -> StoreResult<Vec<AgentLoad>> {
        let (scope_sql, scope_values) = scope(q);
        let sql = format!(
            "SELECT t.assignee_id, count(*),
                    sum(t.sla_state IN (1, 2) AND t.breach_at IS NOT NULL AND t.breach_at <= ?1
                        OR t.sla_state = 3),
                    sum(t.sla_state IN (1, 2) AND NOT (t.breach_at IS NOT NULL AND t.breach_at <= ?1)
                        AND (t.sla_state = 2 OR t.at_risk_at IS NOT NULL AND t.at_risk_at <= ?1))
             FROM tickets t WHERE t.status IN (0, 1, 2){scope_sql}
             GROUP BY t.assignee_id"
        );
        let values = std::iter::once(Value::Integer(ms(now))).chain(scope_values);
        let mut stmt = self.conn().prepare_cached(&sql)?;
        let mut counts: HashMap<Option<Uuid>, (u64, u64, u64)> = HashMap::new();
        let mut rows = stmt.query(params_from_iter(values))?;
        while let Some(r) = rows.next()? {
            counts.insert(
                r.get(0)?,
                (
                    r.get::<_, i64>(1)? as u64,
                    r.get::<_, i64>(3)? as u64,
                    r.get::<_, i64>(2)? as u64,
                ),
            );
        }
        let mut agents = self.agents()?;
        agents.sort_by_key(|a| a.name.to_lowercase());
        let mut out: Vec<AgentLoad> = agents
            .into_iter()
            .filter(|a| q.agent_id.is_none_or(|id| id == a.id))
            .map(|a| {
                let (open, at_risk, overdue) = counts.remove(&Some(a.id.0)).unwrap_or_default();
                AgentLoad {
                    agent_id: Some(a.id),
                    name: a.name,
                    open,
                    at_risk,
                    overdue,
                }
            })
            .collect();
        // Tickets of agents this device does not know, then unassigned ones.
        let mut rest: Vec<_> = counts.into_iter().collect();
        rest.sort_by_key(|(id, _)| (id.is_none(), *id));
        for (id, (open, at_risk, overdue)) in rest {
            out.push(AgentLoad {
                agent_id: id.map(AgentId),
                name: if id.is_some() {
                    "Unknown agent".into()
                } else {
                    "Unassigned".into()
                },
                open,
                at_risk,
                overdue,
            });
        }
        Ok(out)
    }
}
