//! Tickets: the unit of work an agent tracks to completion.
//!
//! Words used here:
//! - *number*: the human identifier `TKT-001`, an integer assigned by the server
//!   (or by the local store in local-only mode). A ticket created offline has no
//!   number yet and shows a *provisional* label until sync assigns one.
//! - *due date*: the SLA deadline the board shows, or a manual override.

use crate::ids::{AgentId, CategoryId, ConversationId, TicketId};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// Where a ticket is in its life cycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Open,
    InProgress,
    Waiting,
    Resolved,
    Closed,
}

impl Status {
    /// Every status, in board order.
    pub const ALL: [Status; 5] = [
        Status::Open,
        Status::InProgress,
        Status::Waiting,
        Status::Resolved,
        Status::Closed,
    ];

    /// Stable storage / wire code.
    pub const fn code(self) -> &'static str {
        match self {
            Status::Open => "open",
            Status::InProgress => "in_progress",
            Status::Waiting => "waiting",
            Status::Resolved => "resolved",
            Status::Closed => "closed",
        }
    }

    /// Human label.
    pub const fn label(self) -> &'static str {
        match self {
            Status::Open => "Open",
            Status::InProgress => "In Progress",
            Status::Waiting => "Waiting",
            Status::Resolved => "Resolved",
            Status::Closed => "Closed",
        }
    }

    /// Small integer used for compact storage and sorting.
    pub const fn rank(self) -> u8 {
        self as u8
    }

    /// Inverse of [`Status::rank`].
    pub fn from_rank(rank: u8) -> Option<Self> {
        Self::ALL.get(rank as usize).copied()
    }

    /// Whether the ticket is still being worked on (not resolved or closed).
    pub const fn is_active(self) -> bool {
        matches!(self, Status::Open | Status::InProgress | Status::Waiting)
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

impl FromStr for Status {
    type Err = crate::ValidationError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let norm = s.trim().to_ascii_lowercase().replace([' ', '-'], "_");
        Status::ALL
            .into_iter()
            .find(|st| st.code() == norm)
            .ok_or_else(|| crate::ValidationError::InvalidEnum {
                field: "status",
                value: s.chars().take(40).collect(),
                expected: "open, in_progress, waiting, resolved, closed",
            })
    }
}

/// How urgent a ticket is. Ordered from most to least urgent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum Priority {
    Urgent,
    High,
    Normal,
    Low,
}

impl Priority {
    /// Every priority, most urgent first.
    pub const ALL: [Priority; 4] = [
        Priority::Urgent,
        Priority::High,
        Priority::Normal,
        Priority::Low,
    ];

    /// Stable storage / wire code.
    pub const fn code(self) -> &'static str {
        match self {
            Priority::Urgent => "urgent",
            Priority::High => "high",
            Priority::Normal => "normal",
            Priority::Low => "low",
        }
    }

    /// Human label.
    pub const fn label(self) -> &'static str {
        match self {
            Priority::Urgent => "Urgent",
            Priority::High => "High",
            Priority::Normal => "Normal",
            Priority::Low => "Low",
        }
    }

    /// 0 = most urgent.
    pub const fn rank(self) -> u8 {
        self as u8
    }

    /// Inverse of [`Priority::rank`].
    pub fn from_rank(rank: u8) -> Option<Self> {
        Self::ALL.get(rank as usize).copied()
    }
}

impl fmt::Display for Priority {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

impl FromStr for Priority {
    type Err = crate::ValidationError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let norm = s.trim().to_ascii_lowercase();
        Priority::ALL
            .into_iter()
            .find(|p| p.code() == norm)
            .ok_or_else(|| crate::ValidationError::InvalidEnum {
                field: "priority",
                value: s.chars().take(40).collect(),
                expected: "urgent, high, normal, low",
            })
    }
}

/// The SLA state shown on a card. `None` when no policy applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum SlaState {
    #[default]
    None,
    OnTrack,
    AtRisk,
    Breached,
    Paused,
    Met,
    Missed,
}

impl SlaState {
    /// Every state.
    pub const ALL: [SlaState; 7] = [
        SlaState::None,
        SlaState::OnTrack,
        SlaState::AtRisk,
        SlaState::Breached,
        SlaState::Paused,
        SlaState::Met,
        SlaState::Missed,
    ];
    /// Stable storage / wire code.
    pub const fn code(self) -> &'static str {
        match self {
            SlaState::None => "none",
            SlaState::OnTrack => "on_track",
            SlaState::AtRisk => "at_risk",
            SlaState::Breached => "breached",
            SlaState::Paused => "paused",
            SlaState::Met => "met",
            SlaState::Missed => "missed",
        }
    }
    /// Human label.
    pub const fn label(self) -> &'static str {
        match self {
            SlaState::None => "No SLA",
            SlaState::OnTrack => "On track",
            SlaState::AtRisk => "At risk",
            SlaState::Breached => "Overdue",
            SlaState::Paused => "Paused",
            SlaState::Met => "Met",
            SlaState::Missed => "Missed",
        }
    }
    /// Small integer for compact storage.
    pub const fn rank(self) -> u8 {
        self as u8
    }
    /// Inverse of [`SlaState::rank`].
    pub fn from_rank(rank: u8) -> Option<Self> {
        Self::ALL.get(rank as usize).copied()
    }
}

/// A ticket number as agents read it: `TKT-001`, `TKT-1234`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(type = "number"))]
pub struct TicketNumber(pub u64);

impl fmt::Display for TicketNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "TKT-{:03}", self.0)
    }
}

impl TicketNumber {
    /// Parses what an agent types to find a ticket by number:
    /// `TKT-001`, `#TKT-001`, `tkt-1`, `#1`, `1`. Returns `None` for anything else.
    pub fn parse_query(input: &str) -> Option<TicketNumber> {
        let s = input.trim();
        let s = s.strip_prefix('#').unwrap_or(s).trim();
        let digits = if s.len() > 3 && s[..3].eq_ignore_ascii_case("tkt") {
            let rest = &s[3..];
            rest.strip_prefix('-').unwrap_or(rest).trim()
        } else {
            s
        };
        if digits.is_empty() || digits.len() > 18 || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        digits
            .parse::<u64>()
            .ok()
            .filter(|n| *n > 0)
            .map(TicketNumber)
    }
}

/// A ticket with everything the board and the detail panel show.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct Ticket {
    pub id: TicketId,
    /// Assigned by the server; `None` while the ticket is provisional.
    pub number: Option<TicketNumber>,
    pub title: String,
    pub description: String,
    pub status: Status,
    pub priority: Priority,
    pub category_id: Option<CategoryId>,
    pub assignee_id: Option<AgentId>,
    /// Customer name or address the ticket is for.
    pub requester: String,
    pub conversation_id: Option<ConversationId>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub first_response_at: Option<DateTime<Utc>>,
    pub resolved_at: Option<DateTime<Utc>>,
    pub closed_at: Option<DateTime<Utc>>,
    /// Effective due date: the manual override if set, else the SLA deadline.
    pub due_at: Option<DateTime<Utc>>,
    /// Manual due date set by an admin, overriding the SLA deadline.
    pub due_override: Option<DateTime<Utc>>,
    pub sla_state: SlaState,
}

impl Ticket {
    /// The label shown on a card: `TKT-042`, or `New (unsynced)` when provisional.
    pub fn display_number(&self) -> String {
        match self.number {
            Some(n) => n.to_string(),
            None => "New (unsynced)".to_owned(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_display_with_at_least_three_digits() {
        assert_eq!(TicketNumber(1).to_string(), "TKT-001");
        assert_eq!(TicketNumber(42).to_string(), "TKT-042");
        assert_eq!(TicketNumber(999).to_string(), "TKT-999");
        assert_eq!(TicketNumber(1000).to_string(), "TKT-1000");
        assert_eq!(TicketNumber(123456).to_string(), "TKT-123456");
    }

    #[test]
    fn number_queries_accept_what_agents_type() {
        for q in ["TKT-001", "#TKT-001", "tkt-1", "TKT1", "#1", "1", " 001 "] {
            assert_eq!(
                TicketNumber::parse_query(q),
                Some(TicketNumber(1)),
                "query {q:?} should find ticket 1"
            );
        }
        for q in [
            "",
            "TKT-",
            "printer",
            "1a",
            "-1",
            "0",
            "TKT-x",
            "99999999999999999999",
        ] {
            assert_eq!(
                TicketNumber::parse_query(q),
                None,
                "query {q:?} is not a number"
            );
        }
    }

    #[test]
    fn enums_parse_codes_and_labels_and_reject_garbage() {
        assert_eq!("in_progress".parse::<Status>().unwrap(), Status::InProgress);
        assert_eq!("In Progress".parse::<Status>().unwrap(), Status::InProgress);
        assert_eq!("URGENT".parse::<Priority>().unwrap(), Priority::Urgent);
        let err = "sometimes".parse::<Status>().unwrap_err();
        assert!(
            err.to_string().contains("status"),
            "error names the field: {err}"
        );
        for s in Status::ALL {
            assert_eq!(Status::from_rank(s.rank()), Some(s));
        }
        for p in Priority::ALL {
            assert_eq!(Priority::from_rank(p.rank()), Some(p));
        }
    }
}
