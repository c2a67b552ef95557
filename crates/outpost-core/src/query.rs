//! The ticket query model the board runs on: filters (status set, priority set,
//! assignee, category, SLA bucket, free text), sort orders and keyset
//! pagination, plus the page and stats shapes the store returns.
//!
//! Words used here:
//! - *cursor*: an opaque string naming the last card of a page; the next page
//!   starts strictly after it (keyset pagination, stable under inserts).
//! - *SLA bucket*: Due Today, Due This Week, Overdue, At Risk (DESIGN §3).

use crate::ValidationError;
use crate::ids::{AgentId, CategoryId};
use crate::ticket::{Priority, SlaState, Status, Ticket};
use chrono::{DateTime, Datelike, Duration, NaiveTime, TimeZone, Utc, Weekday};
use serde::{Deserialize, Serialize};

/// Who a ticket is assigned to, as a filter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(tag = "kind", content = "agentId", rename_all = "snake_case")]
pub enum AssigneeFilter {
    /// No assignee filter.
    #[default]
    Anyone,
    /// Assigned to the signed-in agent.
    Me,
    /// Assigned to nobody.
    Unassigned,
    /// Assigned to this agent.
    Agent(AgentId),
}

/// The board's SLA filter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum SlaBucket {
    /// Not breached, due before the end of today (agent's timezone).
    DueToday,
    /// Not breached, due before the end of this week (agent's timezone).
    DueThisWeek,
    /// A running or paused target is breached.
    Overdue,
    /// A running target is at risk.
    AtRisk,
}

/// Board sort orders.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum SortOrder {
    /// Earliest due date first; tickets without a due date last.
    #[default]
    DueDate,
    /// Most urgent first, then oldest first.
    Priority,
    /// Most recently updated first.
    Updated,
    /// Most recently created first.
    Created,
    /// Highest number first (provisional tickets first).
    Number,
}

/// Which tickets the board shows and in what order.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase", default)]
pub struct TicketQuery {
    /// Empty = any status.
    pub statuses: Vec<Status>,
    /// Empty = any priority.
    pub priorities: Vec<Priority>,
    pub assignee: AssigneeFilter,
    pub category_id: Option<CategoryId>,
    pub sla: Option<SlaBucket>,
    /// Ticket number (`TKT-001`, `#1`) or title words (prefix match).
    pub text: Option<String>,
    pub sort: SortOrder,
}

impl TicketQuery {
    /// Checks the query's free text; returns it trimmed, or `None` if blank.
    pub fn normalized_text(&self) -> Result<Option<String>, ValidationError> {
        match self.text.as_deref().map(str::trim) {
            None | Some("") => Ok(None),
            Some(t) => {
                crate::validate::check_len("search", t, crate::validate::MAX_QUERY_CHARS)?;
                Ok(Some(t.to_owned()))
            }
        }
    }
}

/// Where the next page starts: the sort key and id of the last card shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageCursor {
    /// The primary sort key of the last card, as the store encodes it.
    pub key: i64,
    /// The last card's id (tie-breaker).
    pub id: uuid::Uuid,
}

impl PageCursor {
    /// Encodes the cursor as the opaque string the UI passes back.
    pub fn encode(&self) -> String {
        format!("{}.{}", self.key, self.id.simple())
    }

    /// Decodes a cursor from [`PageCursor::encode`].
    pub fn decode(s: &str) -> Result<Self, ValidationError> {
        let bad = || ValidationError::Invalid {
            field: "cursor",
            reason: "malformed page cursor".into(),
        };
        let (k, id) = s.split_once('.').ok_or_else(bad)?;
        Ok(PageCursor {
            key: k.parse().map_err(|_| bad())?,
            id: uuid::Uuid::parse_str(id).map_err(|_| bad())?,
        })
    }
}

/// A ticket as a board card: the ticket plus the names it refers to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct TicketCard {
    pub ticket: Ticket,
    /// `TKT-042` or the provisional label.
    pub display_number: String,
    pub assignee_name: Option<String>,
    pub category_name: Option<String>,
}

/// One page of the board.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct BoardPage {
    pub cards: Vec<TicketCard>,
    /// Pass back to get the next page; `None` on the last page.
    pub next_cursor: Option<String>,
    /// How many tickets match the query in all.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub total: u64,
}

/// Ticket counts per status under the other active filters.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct StatusCounts {
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub open: u64,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub in_progress: u64,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub waiting: u64,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub resolved: u64,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub closed: u64,
}

impl StatusCounts {
    /// Adds `n` tickets of `status`.
    pub fn add(&mut self, status: Status, n: u64) {
        match status {
            Status::Open => self.open += n,
            Status::InProgress => self.in_progress += n,
            Status::Waiting => self.waiting += n,
            Status::Resolved => self.resolved += n,
            Status::Closed => self.closed += n,
        }
    }
    /// The sum over all statuses.
    pub fn total(&self) -> u64 {
        self.open + self.in_progress + self.waiting + self.resolved + self.closed
    }
}

/// The instants that bound an SLA bucket for an agent in timezone `tz`:
/// tickets due before `due_before` (and not breached) fall in Due Today / Due
/// This Week. `week_start` is the first day of the week (Monday by default).
pub fn bucket_end<Tz: TimeZone>(
    bucket: SlaBucket,
    now: DateTime<Utc>,
    tz: &Tz,
    week_start: Weekday,
) -> Option<DateTime<Utc>> {
    let local = now.with_timezone(tz);
    let today = local.date_naive();
    let days_ahead = match bucket {
        SlaBucket::DueToday => 1,
        SlaBucket::DueThisWeek => {
            let from_start = (7 + today.weekday().num_days_from_monday()
                - week_start.num_days_from_monday())
                % 7;
            7 - i64::from(from_start)
        }
        SlaBucket::Overdue | SlaBucket::AtRisk => return None,
    };
    let next_midnight = (today + Duration::days(days_ahead)).and_time(NaiveTime::MIN);
    // Midnight can fall in a DST gap; take the earliest valid instant after it.
    let instant = tz
        .from_local_datetime(&next_midnight)
        .earliest()
        .or_else(|| {
            tz.from_local_datetime(&(next_midnight + Duration::hours(1)))
                .earliest()
        })?;
    Some(instant.with_timezone(&Utc))
}

/// Whether a ticket with these SLA fields is in `bucket` at `now`.
/// `end` comes from [`bucket_end`]. Used by the in-memory reference and tests;
/// the store evaluates the same rule in SQL.
pub fn in_bucket(
    bucket: SlaBucket,
    state: SlaState,
    status: Status,
    due_at: Option<DateTime<Utc>>,
    end: Option<DateTime<Utc>>,
) -> bool {
    match bucket {
        SlaBucket::Overdue => state == SlaState::Breached,
        SlaBucket::AtRisk => state == SlaState::AtRisk,
        SlaBucket::DueToday | SlaBucket::DueThisWeek => {
            status.is_active()
                && state != SlaState::Breached
                && matches!((due_at, end), (Some(d), Some(e)) if d < e)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursor_round_trips_and_rejects_garbage() {
        let c = PageCursor {
            key: -42,
            id: uuid::Uuid::from_u128(7),
        };
        assert_eq!(PageCursor::decode(&c.encode()).unwrap(), c);
        assert!(PageCursor::decode("nope").is_err());
        assert!(PageCursor::decode("1.notauuid").is_err());
    }

    #[test]
    fn bucket_ends_follow_the_agent_timezone() {
        let tz: chrono_tz::Tz = "Europe/Paris".parse().unwrap();
        // Wednesday 2026-11-25 23:30 UTC is already Thursday 00:30 in Paris.
        let now = Utc.with_ymd_and_hms(2026, 11, 25, 23, 30, 0).unwrap();
        let today = bucket_end(SlaBucket::DueToday, now, &tz, Weekday::Mon).unwrap();
        assert_eq!(
            today,
            Utc.with_ymd_and_hms(2026, 11, 26, 23, 0, 0).unwrap(),
            "end of Thursday in Paris"
        );
        let week = bucket_end(SlaBucket::DueThisWeek, now, &tz, Weekday::Mon).unwrap();
        assert_eq!(
            week,
            Utc.with_ymd_and_hms(2026, 11, 29, 23, 0, 0).unwrap(),
            "end of Sunday in Paris"
        );
        let week_sun = bucket_end(SlaBucket::DueThisWeek, now, &tz, Weekday::Sun).unwrap();
        assert_eq!(
            week_sun,
            Utc.with_ymd_and_hms(2026, 11, 28, 23, 0, 0).unwrap(),
            "week starting Sunday ends Saturday night"
        );
        assert_eq!(bucket_end(SlaBucket::Overdue, now, &tz, Weekday::Mon), None);
    }

    #[test]
    fn due_buckets_exclude_breached_and_inactive() {
        let now = Utc.with_ymd_and_hms(2026, 11, 25, 12, 0, 0).unwrap();
        let end = Some(now + Duration::hours(6));
        let due = Some(now + Duration::hours(1));
        assert!(in_bucket(
            SlaBucket::DueToday,
            SlaState::OnTrack,
            Status::Open,
            due,
            end
        ));
        assert!(!in_bucket(
            SlaBucket::DueToday,
            SlaState::Breached,
            Status::Open,
            due,
            end
        ));
        assert!(!in_bucket(
            SlaBucket::DueToday,
            SlaState::Met,
            Status::Resolved,
            due,
            end
        ));
        assert!(!in_bucket(
            SlaBucket::DueToday,
            SlaState::OnTrack,
            Status::Open,
            None,
            end
        ));
    }
}
