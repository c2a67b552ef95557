//! The Reports view's numbers, computed from the local store so they work
//! offline. Definitions are in `outpost_core::report`; this file reads each
//! figure's rows with as few index range scans as possible, never the table:
//!
//! - per-target outcomes: the SLA outcome columns (migration 12, kept by the
//!   store with the snapshot in every edit's transaction, see `store/sla`)
//!   give each target's counting instant (`fr_at` / `res_at`: completion
//!   when met or missed, deadline while running or breached), read through
//!   their own indexes for the period. A running target whose deadline is in
//!   the period is breached by now (periods end at most just after now), so
//!   this is exactly what replaying every history at now would give;
//! - *touched* tickets: in scope and updated since the period's start (any
//!   status change, creation, first response or resolution since then bumps
//!   `updated_at`), read once through `tickets_by_updated`, which covers them;
//! - *status events*: the status history since the period's start, read once
//!   through the partial covering index `history_status_by_at`, in its order
//!   (rows of one instant put back in insertion order, rather than sorting
//!   every row);
//! - the backlog of tickets untouched since the period's start is their
//!   current status, summed from `ticket_counts`; a touched ticket adds its
//!   status between consecutive status events to the days in between.

use super::Store;
use crate::error::StoreResult;
use chrono::{DateTime, Utc};
use outpost_core::report::{
    AgentLoad, BreachGroup, Report, ReportDay, ReportQuery, ReportSection, TargetCompliance,
    TimeDistribution,
};
use outpost_core::sla::SlaTarget;
use outpost_core::{AgentId, CategoryId, Priority, SlaState, Status};
use rusqlite::params_from_iter;
use rusqlite::types::{Value, ValueRef};
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use uuid::Uuid;

/// Hashes ticket ids (random 128-bit values) by folding their halves.
#[derive(Default)]
struct IdHasher(u64);

impl Hasher for IdHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 =
                (self.0.rotate_left(5) ^ u64::from(*b)).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
        }
    }
    fn write_u128(&mut self, v: u128) {
        self.0 = ((v as u64) ^ ((v >> 64) as u64)).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    }
}

type IdMap<V> = HashMap<u128, V, BuildHasherDefault<IdHasher>>;

/// A ticket id column as a number (its 16 bytes, big-endian).
fn id_at(r: &rusqlite::Row<'_>, i: usize) -> rusqlite::Result<u128> {
    match r.get_ref(i)? {
        ValueRef::Blob(b) if b.len() == 16 => {
            let mut a = [0u8; 16];
            a.copy_from_slice(b);
            Ok(u128::from_be_bytes(a))
        }
        _ => Err(rusqlite::Error::FromSqlConversionFailure(
            i,
            rusqlite::types::Type::Blob,
            "invalid ticket id".into(),
        )),
    }
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

fn status_code(code: ValueRef<'_>) -> Option<Status> {
    let ValueRef::Text(code) = code else {
        return None;
    };
    Status::ALL
        .into_iter()
        .find(|s| s.code().as_bytes() == code)
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
    /// By priority rank.
    by_priority: [[u64; 2]; 4],
    /// A handful of categories: a list beats hashing.
    by_category: Vec<(Option<CategoryId>, [u64; 2])>,
}

impl Store {
    /// The report for `q`, computed at the clock's now with days cut in the
    /// current agent's timezone (else the workspace's). A bad custom period
    /// is a validation error. Reads the stored outcomes of migration 12 (a
    /// store opened at an older schema version, in upgrade tests, has none).
    pub fn report(&self, q: &ReportQuery) -> StoreResult<Report> {
        let (tz, now) = self.tz_now()?;
        let period = q.period.resolve(&tz, now)?;
        let (from, to) = (ms(period.from), ms(period.to));
        let ends: Vec<i64> = period.days.iter().map(|d| ms(d.1)).collect();
        let (scope_sql, scope_values) = scope(q);
        let conn = self.conn();
        let with = |head: Vec<Value>| head.into_iter().chain(scope_values.iter().cloned());
        let day_of = |at: i64| -> Option<usize> {
            if at < from || at >= to {
                return None;
            }
            Some(ends.partition_point(|&end| end <= at))
        };

        // Targets counted in the period, from their stored outcomes.
        let mut tally = Tally::default();
        for (i, target) in ["fr", "res"].into_iter().enumerate() {
            let sql = format!(
                "SELECT t.{target}_state, t.priority, t.category_id
                 FROM tickets t INDEXED BY tickets_{target}_outcome
                 WHERE t.{target}_at >= ? AND t.{target}_at < ?{scope_sql}"
            );
            let mut stmt = conn.prepare_cached(&sql)?;
            let mut rows = stmt.query(params_from_iter(with(vec![from.into(), to.into()])))?;
            while let Some(r) = rows.next()? {
                let state = SlaState::from_rank(r.get(0)?);
                match state {
                    Some(SlaState::Met) => tally.met[i] += 1,
                    Some(
                        SlaState::OnTrack
                        | SlaState::AtRisk
                        | SlaState::Breached
                        | SlaState::Missed,
                    ) => {
                        let priority = Priority::from_rank(r.get(1)?).unwrap_or(Priority::Normal);
                        let category = r.get::<_, Option<Uuid>>(2)?.map(CategoryId);
                        tally.missed[i] += 1;
                        tally.by_priority[usize::from(priority.rank())][i] += 1;
                        match tally.by_category.iter_mut().find(|c| c.0 == category) {
                            Some(c) => c.1[i] += 1,
                            None => {
                                let mut n = [0; 2];
                                n[i] = 1;
                                tally.by_category.push((category, n));
                            }
                        }
                    }
                    _ => {}
                }
            }
        }

        // Touched tickets: one covering index range scan.
        // Sized for every ticket (kept exact by triggers): no rehashing.
        let tickets: i64 = conn
            .prepare_cached("SELECT coalesce(sum(n), 0) FROM ticket_counts")?
            .query_row([], |r| r.get(0))?;
        let capacity = usize::try_from(tickets).unwrap_or(0);
        let mut index: IdMap<u32> = IdMap::with_capacity_and_hasher(capacity, Default::default());
        let mut touched: Vec<Touched> = Vec::with_capacity(capacity);
        let mut first_response_ms = Vec::new();
        let mut resolution_ms = Vec::new();
        let mut created_per_day = vec![0u64; period.days.len()];
        {
            let sql = format!(
                "SELECT t.id, t.status, t.created_at, t.first_response_at, t.resolved_at
                 FROM tickets t INDEXED BY tickets_by_updated
                 WHERE t.updated_at >= ?{scope_sql}"
            );
            let mut stmt = conn.prepare_cached(&sql)?;
            let mut rows = stmt.query(params_from_iter(with(vec![from.into()])))?;
            while let Some(r) = rows.next()? {
                let id = id_at(r, 0)?;
                let status = Status::from_rank(r.get(1)?).ok_or_else(|| {
                    rusqlite::Error::FromSqlConversionFailure(
                        1,
                        rusqlite::types::Type::Integer,
                        "invalid stored status".into(),
                    )
                })?;
                let created: i64 = r.get(2)?;
                // Created after the period (a past custom range): in no
                // figure, but its current status is not an untouched one.
                index.insert(id, touched.len() as u32);
                touched.push(Touched {
                    status,
                    created_at: created,
                });
                if created >= to {
                    continue;
                }
                if let Some(d) = day_of(created) {
                    created_per_day[d] += 1;
                }
                let first_response: Option<i64> = r.get(3)?;
                let resolved: Option<i64> = r.get(4)?;
                if let Some(t) = first_response.filter(|&t| (from..to).contains(&t)) {
                    first_response_ms.push(t - created);
                }
                if let Some(t) = resolved.filter(|&t| (from..to).contains(&t)) {
                    resolution_ms.push(t - created);
                }
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
        for t in &touched {
            if let Some(i) = active_index(t.status) {
                untouched[i] -= 1;
            }
        }
        // A touched ticket's status at a day's end is the old value of its
        // first status change at or after it (else its current status): the
        // old value of each change holds over the days ending after the
        // ticket's previous change (or its creation) and at or before this
        // one. Added per status as +1 / -1 at the first / past-the-last day
        // of each stretch, while reading the status events since the start
        // in time order (so each ticket's in its own order); `lo` is the
        // first day of each touched ticket's current stretch.
        let n_days = ends.len();
        let mut diff = vec![[0i64; 3]; n_days + 1];
        let mut add = |status: Option<Status>, lo: usize, hi: usize| {
            if lo < hi
                && let Some(i) = status.and_then(active_index)
            {
                diff[lo][i] += 1;
                diff[hi][i] -= 1;
            }
        };
        // Days ending at or before the creation are not the ticket's.
        let mut lo: Vec<u16> = touched
            .iter()
            .map(|t| ends.partition_point(|&end| end <= t.created_at) as u16)
            .collect();
        let mut resolved_per_day = vec![0u64; period.days.len()];
        {
            // In index order: by time, then ticket and values; rows of one
            // instant (a few at most) are put back in insertion order
            // before use. (`ORDER BY at, rowid` would sort every row.)
            let mut stmt = conn.prepare_cached(
                "SELECT ticket_id, at, old_value, new_value, rowid
                 FROM history INDEXED BY history_status_by_at
                 WHERE field = 'status' AND at >= ?1 ORDER BY at",
            )?;
            let mut rows = stmt.query([from])?;
            // Days ending at or before the current instant (instants ascend).
            let mut ended = 0usize;
            // The touched tickets' events at one instant: (rowid, ticket,
            // old status, whether it resolved the ticket).
            let mut same_at: Vec<(i64, usize, Option<Status>, bool)> = Vec::new();
            let mut current_at = i64::MIN;
            let mut flush =
                |same_at: &mut Vec<(i64, usize, Option<Status>, bool)>, at: i64, ended: usize| {
                    same_at.sort_unstable_by_key(|e| e.0);
                    for &(_, t, old, resolves) in same_at.iter() {
                        if resolves && at < to {
                            resolved_per_day[ended] += 1;
                        }
                        let hi = ended.max(usize::from(lo[t]));
                        add(old, usize::from(lo[t]), hi);
                        lo[t] = hi as u16;
                    }
                    same_at.clear();
                };
            while let Some(r) = rows.next()? {
                let Some(&t) = index.get(&id_at(r, 0)?) else {
                    continue;
                };
                let at: i64 = r.get(1)?;
                if at != current_at {
                    flush(&mut same_at, current_at, ended);
                    current_at = at;
                    while ended < n_days && ends[ended] <= at {
                        ended += 1;
                    }
                }
                let old = status_code(r.get_ref(2)?);
                let resolves = old.is_some_and(Status::is_active)
                    && status_code(r.get_ref(3)?).is_some_and(|s| !s.is_active());
                same_at.push((r.get(4)?, t as usize, old, resolves));
            }
            flush(&mut same_at, current_at, ended);
        }
        for (t, lo) in touched.iter().zip(lo) {
            add(Some(t.status), usize::from(lo), n_days);
        }
        let mut running = untouched.map(|n| n.max(0));
        let days = period
            .days
            .iter()
            .enumerate()
            .map(|(d, (date, _))| {
                for (r, x) in running.iter_mut().zip(diff[d]) {
                    *r += x;
                }
                ReportDay {
                    date: date.format("%Y-%m-%d").to_string(),
                    open: running[0] as u64,
                    in_progress: running[1] as u64,
                    waiting: running[2] as u64,
                    created: created_per_day[d],
                    resolved: resolved_per_day[d],
                }
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
                let n = tally.by_priority[usize::from(p.rank())];
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
        let open = super::open_range("t.status");
        let sql = format!(
            "SELECT t.assignee_id, count(*),
                    sum(t.sla_state IN (1, 2) AND t.breach_at IS NOT NULL AND t.breach_at <= ?1
                        OR t.sla_state = 3),
                    sum(t.sla_state IN (1, 2) AND NOT (t.breach_at IS NOT NULL AND t.breach_at <= ?1)
                        AND (t.sla_state = 2 OR t.at_risk_at IS NOT NULL AND t.at_risk_at <= ?1))
             FROM tickets t INDEXED BY tickets_open_load WHERE {open}{scope_sql}
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
