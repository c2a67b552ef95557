//! Reports: SLA compliance and workload over a period, computed from the
//! synced store on the device (so they work offline), and their CSV export.
//!
//! Words used here:
//! - *period* ([`ReportPeriod`]): whole days in the agent's timezone: today,
//!   the last 7 or 30 days (today included), or a custom range of dates. It
//!   resolves to the instants `[from, to)`; `to` is at most just after now.
//! - *scope*: the tickets the filters keep (current assignee, category and
//!   priority); every figure counts tickets in scope only.
//! - a target *completes* when the SLA engine says it is done (first response:
//!   an agent replied or the ticket left Open for In Progress / Resolved /
//!   Closed; resolution: the ticket became Resolved or Closed). It is *met*
//!   when it completed before its deadline and *missed* when it completed at or
//!   after it. A target still running whose deadline passed inside the period
//!   is *breached* and counts as missed too: the customer already waited too
//!   long.
//! - *compliance* of a target: met / (met + missed) over the targets that
//!   completed, or were breached, inside the period.
//! - *first-response time* / *resolution time*: wall-clock time from creation
//!   to the first response / the (latest) resolution, for the tickets whose
//!   first response / resolution falls inside the period.
//! - *backlog* on a day: tickets in scope that existed and were Open, In
//!   Progress or Waiting at the end of that day (or at now for today),
//!   replayed from the status history.
//! - *created* / *resolved* per day: tickets created that day; status changes
//!   from an active status to Resolved or Closed that day (a ticket resolved
//!   twice counts twice, as the team did the work twice).
//! - *agent load*: right now, per agent: active tickets assigned, those at
//!   risk and those overdue (breached).

use crate::error::ValidationError;
use crate::ids::{AgentId, CategoryId};
use crate::sla::SlaTarget;
use crate::ticket::Priority;
use chrono::{DateTime, Duration, NaiveDate, NaiveTime, TimeZone, Utc};
use serde::{Deserialize, Serialize};
use std::io::Write;

/// Longest custom period, in days.
pub const MAX_REPORT_DAYS: i64 = 366;

/// Which days a report covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum ReportPeriod {
    /// Since midnight today.
    Today,
    /// The last 7 days, today included.
    Last7Days,
    /// The last 30 days, today included.
    Last30Days,
    /// From `from` to `to` (both included), dates in the agent's timezone.
    Custom {
        #[cfg_attr(feature = "ts", ts(type = "string"))]
        from: NaiveDate,
        #[cfg_attr(feature = "ts", ts(type = "string"))]
        to: NaiveDate,
    },
}

/// What to report on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct ReportQuery {
    pub period: ReportPeriod,
    /// Tickets assigned to this agent only.
    #[serde(default)]
    pub agent_id: Option<AgentId>,
    #[serde(default)]
    pub category_id: Option<CategoryId>,
    #[serde(default)]
    pub priority: Option<Priority>,
}

/// The instants a period covers and its days.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolvedPeriod {
    pub from: DateTime<Utc>,
    /// Exclusive; at most now + 1 ms (what happened at now is in).
    pub to: DateTime<Utc>,
    /// Each day's date and its end (exclusive; the last is `to`).
    pub days: Vec<(NaiveDate, DateTime<Utc>)>,
}

/// The first instant of `date` in `tz` (midnight may fall in a DST gap).
pub fn day_start<Tz: TimeZone>(tz: &Tz, date: NaiveDate) -> DateTime<Utc> {
    let midnight = date.and_time(NaiveTime::MIN);
    (0..=3)
        .find_map(|h| {
            tz.from_local_datetime(&(midnight + Duration::hours(h)))
                .earliest()
        })
        .map_or_else(|| midnight.and_utc(), |t| t.with_timezone(&Utc))
}

impl ReportPeriod {
    /// The instants `[from, to)` and days of this period for an agent in `tz`
    /// at `now`. A custom range must be ordered, not start after today and be
    /// at most [`MAX_REPORT_DAYS`] long; its end is capped at now.
    pub fn resolve<Tz: TimeZone>(
        &self,
        tz: &Tz,
        now: DateTime<Utc>,
    ) -> Result<ResolvedPeriod, ValidationError> {
        let today = now.with_timezone(tz).date_naive();
        let (first, last) = match *self {
            ReportPeriod::Today => (today, today),
            ReportPeriod::Last7Days => (today - Duration::days(6), today),
            ReportPeriod::Last30Days => (today - Duration::days(29), today),
            ReportPeriod::Custom { from, to } => {
                let invalid = |reason: String| ValidationError::Invalid {
                    field: "period",
                    reason,
                };
                if to < from {
                    return Err(invalid(format!(
                        "the end date {to} is before the start date {from}"
                    )));
                }
                if from > today {
                    return Err(invalid(format!("the start date {from} is in the future")));
                }
                if to.signed_duration_since(from).num_days() + 1 > MAX_REPORT_DAYS {
                    return Err(invalid(format!(
                        "a report covers at most {MAX_REPORT_DAYS} days"
                    )));
                }
                (from, to.min(today))
            }
        };
        let from = day_start(tz, first);
        let mut days = Vec::new();
        let mut d = first;
        while d <= last {
            // Today ends just after now, so what happened at now counts.
            let end = day_start(tz, d + Duration::days(1)).min(now + Duration::milliseconds(1));
            days.push((d, end));
            d += Duration::days(1);
        }
        let to = days.last().map_or(now, |d| d.1);
        Ok(ResolvedPeriod { from, to, days })
    }
}

/// Met and missed counts of one target.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct TargetCompliance {
    pub target: SlaTarget,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub met: u64,
    /// Completed late, or still running past the deadline.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub missed: u64,
    /// met / (met + missed) in percent; `None` when nothing completed.
    pub percent: Option<f64>,
}

impl TargetCompliance {
    pub fn new(target: SlaTarget, met: u64, missed: u64) -> Self {
        let total = met + missed;
        TargetCompliance {
            target,
            met,
            missed,
            percent: (total > 0).then(|| met as f64 * 100.0 / total as f64),
        }
    }
}

/// Missed targets of one group (a priority or a category).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct BreachGroup {
    /// Priority code or category id; empty for "no category".
    pub key: String,
    pub label: String,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub first_response: u64,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub resolution: u64,
}

/// One histogram bar: durations in `[lo_minutes, hi_minutes)`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct DurationBucket {
    pub label: String,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub lo_minutes: i64,
    /// `None` for the last, open-ended bucket.
    #[cfg_attr(feature = "ts", ts(type = "number | null"))]
    pub hi_minutes: Option<i64>,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub count: u64,
}

/// A set of durations summarised.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct TimeDistribution {
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub count: u64,
    /// Median in minutes (nearest rank); `None` when empty.
    pub median_minutes: Option<f64>,
    /// 90th percentile in minutes (nearest rank); `None` when empty.
    pub p90_minutes: Option<f64>,
    pub buckets: Vec<DurationBucket>,
}

/// Histogram bounds in minutes, with labels.
const BUCKETS: &[(i64, &str)] = &[
    (0, "< 15 min"),
    (15, "15–30 min"),
    (30, "30 min–1 h"),
    (60, "1–2 h"),
    (120, "2–4 h"),
    (240, "4–8 h"),
    (480, "8–24 h"),
    (1440, "1–3 days"),
    (4320, "3–7 days"),
    (10080, "≥ 7 days"),
];

/// The nearest-rank percentile `p` (0..=100) of sorted `values`.
pub fn percentile(sorted: &[i64], p: u32) -> Option<i64> {
    if sorted.is_empty() {
        return None;
    }
    let rank = (u64::from(p) * sorted.len() as u64).div_ceil(100).max(1);
    Some(sorted[(rank - 1) as usize])
}

impl TimeDistribution {
    /// Summarises durations in milliseconds (negative ones count as zero).
    pub fn from_ms(mut values: Vec<i64>) -> Self {
        for v in &mut values {
            *v = (*v).max(0);
        }
        values.sort_unstable();
        let minutes = |ms: i64| ms as f64 / 60_000.0;
        let buckets = BUCKETS
            .iter()
            .enumerate()
            .map(|(i, &(lo, label))| {
                let hi = BUCKETS.get(i + 1).map(|b| b.0);
                let lo_ms = lo * 60_000;
                let start = values.partition_point(|&v| v < lo_ms);
                let end = hi.map_or(values.len(), |h| {
                    values.partition_point(|&v| v < h * 60_000)
                });
                DurationBucket {
                    label: label.into(),
                    lo_minutes: lo,
                    hi_minutes: hi,
                    count: (end - start) as u64,
                }
            })
            .collect();
        TimeDistribution {
            count: values.len() as u64,
            median_minutes: percentile(&values, 50).map(minutes),
            p90_minutes: percentile(&values, 90).map(minutes),
            buckets,
        }
    }
}

/// One day's numbers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct ReportDay {
    /// `YYYY-MM-DD` in the agent's timezone.
    pub date: String,
    /// Backlog at the end of the day (or now, for today).
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub open: u64,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub in_progress: u64,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub waiting: u64,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub created: u64,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub resolved: u64,
}

/// One agent's current load.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct AgentLoad {
    /// `None` for unassigned tickets.
    pub agent_id: Option<AgentId>,
    pub name: String,
    /// Open, In Progress or Waiting.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub open: u64,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub at_risk: u64,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub overdue: u64,
}

/// Everything the Reports view shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct Report {
    pub query: ReportQuery,
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    /// The IANA timezone days are cut in.
    pub timezone: String,
    /// When it was computed.
    pub generated_at: DateTime<Utc>,
    /// First response, then resolution.
    pub compliance: Vec<TargetCompliance>,
    /// Urgent first; every priority listed.
    pub breaches_by_priority: Vec<BreachGroup>,
    /// Categories with at least one missed target, most first.
    pub breaches_by_category: Vec<BreachGroup>,
    pub first_response_times: TimeDistribution,
    pub resolution_times: TimeDistribution,
    pub days: Vec<ReportDay>,
    /// Agents by name, then unassigned.
    pub agent_load: Vec<AgentLoad>,
}

/// The report sections exported to CSV one at a time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum ReportSection {
    Compliance,
    BreachesByPriority,
    BreachesByCategory,
    FirstResponseTimes,
    ResolutionTimes,
    Backlog,
    CreatedResolved,
    AgentLoad,
}

impl ReportSection {
    pub const ALL: [ReportSection; 8] = [
        ReportSection::Compliance,
        ReportSection::BreachesByPriority,
        ReportSection::BreachesByCategory,
        ReportSection::FirstResponseTimes,
        ReportSection::ResolutionTimes,
        ReportSection::Backlog,
        ReportSection::CreatedResolved,
        ReportSection::AgentLoad,
    ];

    /// A file-name friendly name, e.g. `sla-compliance`.
    pub const fn slug(self) -> &'static str {
        match self {
            ReportSection::Compliance => "sla-compliance",
            ReportSection::BreachesByPriority => "breaches-by-priority",
            ReportSection::BreachesByCategory => "breaches-by-category",
            ReportSection::FirstResponseTimes => "first-response-times",
            ReportSection::ResolutionTimes => "resolution-times",
            ReportSection::Backlog => "backlog",
            ReportSection::CreatedResolved => "created-vs-resolved",
            ReportSection::AgentLoad => "agent-load",
        }
    }
}

fn target_label(t: SlaTarget) -> &'static str {
    match t {
        SlaTarget::FirstResponse => "First response",
        SlaTarget::Resolution => "Resolution",
    }
}

fn opt(v: Option<f64>) -> String {
    v.map_or_else(String::new, |v| format!("{v:.1}"))
}

impl Report {
    /// The header and rows of one section, as text cells.
    pub fn table(&self, section: ReportSection) -> (Vec<&'static str>, Vec<Vec<String>>) {
        match section {
            ReportSection::Compliance => (
                vec!["Target", "Met", "Missed", "Compliance %"],
                self.compliance
                    .iter()
                    .map(|c| {
                        vec![
                            target_label(c.target).into(),
                            c.met.to_string(),
                            c.missed.to_string(),
                            opt(c.percent),
                        ]
                    })
                    .collect(),
            ),
            ReportSection::BreachesByPriority | ReportSection::BreachesByCategory => {
                let (head, groups) = if section == ReportSection::BreachesByPriority {
                    ("Priority", &self.breaches_by_priority)
                } else {
                    ("Category", &self.breaches_by_category)
                };
                (
                    vec![head, "First response missed", "Resolution missed", "Total"],
                    groups
                        .iter()
                        .map(|g| {
                            vec![
                                g.label.clone(),
                                g.first_response.to_string(),
                                g.resolution.to_string(),
                                (g.first_response + g.resolution).to_string(),
                            ]
                        })
                        .collect(),
                )
            }
            ReportSection::FirstResponseTimes | ReportSection::ResolutionTimes => {
                let d = if section == ReportSection::FirstResponseTimes {
                    &self.first_response_times
                } else {
                    &self.resolution_times
                };
                let mut rows: Vec<Vec<String>> = d
                    .buckets
                    .iter()
                    .map(|b| vec![b.label.clone(), b.count.to_string()])
                    .collect();
                rows.push(vec!["Tickets".into(), d.count.to_string()]);
                rows.push(vec!["Median (min)".into(), opt(d.median_minutes)]);
                rows.push(vec!["90th percentile (min)".into(), opt(d.p90_minutes)]);
                (vec!["Duration", "Tickets"], rows)
            }
            ReportSection::Backlog => (
                vec!["Date", "Open", "In Progress", "Waiting", "Total"],
                self.days
                    .iter()
                    .map(|d| {
                        vec![
                            d.date.clone(),
                            d.open.to_string(),
                            d.in_progress.to_string(),
                            d.waiting.to_string(),
                            (d.open + d.in_progress + d.waiting).to_string(),
                        ]
                    })
                    .collect(),
            ),
            ReportSection::CreatedResolved => (
                vec!["Date", "Created", "Resolved"],
                self.days
                    .iter()
                    .map(|d| {
                        vec![
                            d.date.clone(),
                            d.created.to_string(),
                            d.resolved.to_string(),
                        ]
                    })
                    .collect(),
            ),
            ReportSection::AgentLoad => (
                vec!["Agent", "Open", "At risk", "Overdue"],
                self.agent_load
                    .iter()
                    .map(|a| {
                        vec![
                            a.name.clone(),
                            a.open.to_string(),
                            a.at_risk.to_string(),
                            a.overdue.to_string(),
                        ]
                    })
                    .collect(),
            ),
        }
    }

    /// Writes one section as CSV (RFC 4180, CRLF, every cell neutralised
    /// against formula injection); returns the number of data rows.
    pub fn write_csv<W: Write>(&self, section: ReportSection, out: W) -> Result<u64, csv::Error> {
        let (head, rows) = self.table(section);
        let mut w = csv::WriterBuilder::new()
            .terminator(csv::Terminator::CRLF)
            .from_writer(out);
        w.write_record(head)?;
        for row in &rows {
            w.write_record(
                row.iter()
                    .map(|c| crate::export::neutralize(c).into_owned()),
            )?;
        }
        w.flush()?;
        Ok(rows.len() as u64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn periods_cut_days_in_the_agents_timezone() {
        let tz = chrono_tz::Europe::Paris;
        let now = utc("2026-03-02T09:00:00Z");
        let today = ReportPeriod::Today.resolve(&tz, now).unwrap();
        assert_eq!(today.from, utc("2026-03-01T23:00:00Z"), "Paris midnight");
        assert_eq!(
            today.to,
            now + Duration::milliseconds(1),
            "a period ends just after now"
        );
        assert_eq!(today.days.len(), 1);
        let week = ReportPeriod::Last7Days.resolve(&tz, now).unwrap();
        assert_eq!(week.days.len(), 7);
        assert_eq!(week.from, utc("2026-02-23T23:00:00Z"));
        assert_eq!(week.days[0].1, utc("2026-02-24T23:00:00Z"));
        let month = ReportPeriod::Last30Days.resolve(&tz, now).unwrap();
        assert_eq!(month.days.len(), 30);
        // Across the spring DST change, a day is 23 hours long.
        let dst = ReportPeriod::Custom {
            from: NaiveDate::from_ymd_opt(2025, 3, 30).unwrap(),
            to: NaiveDate::from_ymd_opt(2025, 3, 30).unwrap(),
        }
        .resolve(&tz, now)
        .unwrap();
        assert_eq!(dst.to - dst.from, Duration::hours(23));
    }

    #[test]
    fn bad_custom_ranges_are_refused_with_a_reason() {
        let now = utc("2026-03-02T09:00:00Z");
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        for (from, to, why) in [
            ("2026-03-01", "2026-02-01", "before the start"),
            ("2026-04-01", "2026-04-02", "in the future"),
            ("2020-01-01", "2026-03-01", "at most 366 days"),
        ] {
            let err = ReportPeriod::Custom {
                from: d(from),
                to: d(to),
            }
            .resolve(&Utc, now)
            .unwrap_err();
            assert!(err.to_string().contains(why), "{from}..{to}: {err}");
        }
    }

    #[test]
    fn distributions_use_nearest_rank_and_fill_buckets() {
        let min = 60_000;
        let d = TimeDistribution::from_ms(vec![10 * min, 20 * min, 90 * min, 3 * 1440 * min, -5]);
        assert_eq!(d.count, 5);
        assert_eq!(d.median_minutes, Some(20.0));
        assert_eq!(d.p90_minutes, Some(4320.0));
        let count = |label: &str| d.buckets.iter().find(|b| b.label == label).unwrap().count;
        assert_eq!(count("< 15 min"), 2, "negative durations count as zero");
        assert_eq!(count("15–30 min"), 1);
        assert_eq!(count("1–2 h"), 1);
        assert_eq!(count("3–7 days"), 1, "lower bound included");
        assert_eq!(d.buckets.iter().map(|b| b.count).sum::<u64>(), 5);
        let empty = TimeDistribution::from_ms(vec![]);
        assert_eq!((empty.median_minutes, empty.p90_minutes), (None, None));
    }

    #[test]
    fn csv_export_neutralises_formula_cells() {
        let report = Report {
            query: ReportQuery {
                period: ReportPeriod::Today,
                agent_id: None,
                category_id: None,
                priority: None,
            },
            from: utc("2026-03-01T23:00:00Z"),
            to: utc("2026-03-02T09:00:00Z"),
            timezone: "Europe/Paris".into(),
            generated_at: utc("2026-03-02T09:00:00Z"),
            compliance: vec![TargetCompliance::new(SlaTarget::FirstResponse, 3, 1)],
            breaches_by_priority: vec![],
            breaches_by_category: vec![BreachGroup {
                key: "x".into(),
                label: "=HYPERLINK(\"http://evil\")".into(),
                first_response: 1,
                resolution: 2,
            }],
            first_response_times: TimeDistribution::from_ms(vec![]),
            resolution_times: TimeDistribution::from_ms(vec![]),
            days: vec![],
            agent_load: vec![],
        };
        let mut buf = Vec::new();
        report
            .write_csv(ReportSection::BreachesByCategory, &mut buf)
            .unwrap();
        let text = String::from_utf8(buf).unwrap();
        assert!(text.starts_with("Category,First response missed,Resolution missed,Total\r\n"));
        assert!(
            text.contains("\"'=HYPERLINK(\"\"http://evil\"\")\",1,2,3"),
            "{text}"
        );
        let mut buf = Vec::new();
        report
            .write_csv(ReportSection::Compliance, &mut buf)
            .unwrap();
        assert!(
            String::from_utf8(buf)
                .unwrap()
                .contains("First response,3,1,75.0")
        );
    }
}
