//! The rest of the domain around tickets: agents, categories, comments, the
//! audit trail, conversations, knowledge-base articles and the workspace.
//!
//! Comments, history events and messages are append-only: an edit is a new
//! revision and a delete is a tombstone, so a merge never loses one.

use crate::ids::*;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// What an agent may do in a workspace.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Manages settings, agents, SLA policies and rules.
    Admin,
    /// Works tickets.
    Agent,
}

impl Role {
    /// Stable storage / wire code.
    pub const fn code(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Agent => "agent",
        }
    }
    /// Parses a stored code.
    pub fn from_code(s: &str) -> Option<Self> {
        match s {
            "admin" => Some(Role::Admin),
            "agent" => Some(Role::Agent),
            _ => None,
        }
    }
}

/// A member of the support team.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct Agent {
    pub id: AgentId,
    pub name: String,
    pub email: String,
    pub role: Role,
    /// IANA timezone name, e.g. `Europe/Paris`; due-date filters use it.
    pub timezone: String,
}

impl Agent {
    /// Up to two initials for the avatar: "Ana Lopez" -> "AL".
    pub fn initials(&self) -> String {
        self.name
            .split_whitespace()
            .filter_map(|w| w.chars().next())
            .take(2)
            .flat_map(char::to_uppercase)
            .collect()
    }
}

/// A ticket category configured by the workspace.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct Category {
    pub id: CategoryId,
    pub name: String,
}

/// An internal note on a ticket, visible only to the team.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct Comment {
    pub id: CommentId,
    pub ticket_id: TicketId,
    pub author_id: AgentId,
    pub body: String,
    /// Agents @mentioned in the body.
    pub mentions: Vec<AgentId>,
    pub created_at: DateTime<Utc>,
}

/// Which field a history event is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum HistoryField {
    Created,
    Title,
    Description,
    Status,
    Priority,
    Assignee,
    Category,
    DueDate,
    Sla,
    Comment,
    Conflict,
}

impl HistoryField {
    /// Every field.
    pub const ALL: [HistoryField; 11] = [
        HistoryField::Created,
        HistoryField::Title,
        HistoryField::Description,
        HistoryField::Status,
        HistoryField::Priority,
        HistoryField::Assignee,
        HistoryField::Category,
        HistoryField::DueDate,
        HistoryField::Sla,
        HistoryField::Comment,
        HistoryField::Conflict,
    ];
    /// Stable storage / wire code.
    pub const fn code(self) -> &'static str {
        match self {
            HistoryField::Created => "created",
            HistoryField::Title => "title",
            HistoryField::Description => "description",
            HistoryField::Status => "status",
            HistoryField::Priority => "priority",
            HistoryField::Assignee => "assignee",
            HistoryField::Category => "category",
            HistoryField::DueDate => "due_date",
            HistoryField::Sla => "sla",
            HistoryField::Comment => "comment",
            HistoryField::Conflict => "conflict",
        }
    }
    /// Parses a stored code.
    pub fn from_code(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|f| f.code() == s)
    }
}

/// One immutable entry of a ticket's audit trail: who changed what, when.
/// Values are stored as codes or ids (e.g. `in_progress`, an agent id); the UI
/// resolves them to labels.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct HistoryEvent {
    pub id: HistoryEventId,
    pub ticket_id: TicketId,
    /// `None` for changes made by the system (SLA transitions, rules).
    pub actor_id: Option<AgentId>,
    pub at: DateTime<Utc>,
    pub field: HistoryField,
    pub old_value: Option<String>,
    pub new_value: Option<String>,
}

/// How a customer reached the team.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    Email,
    Chat,
    Phone,
    Web,
}

/// Where a conversation stands in the Inbox.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum ConversationStatus {
    Open,
    Snoozed,
    Closed,
}

/// A customer thread in the Inbox; escalating it creates a linked ticket.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct Conversation {
    pub id: ConversationId,
    pub channel: Channel,
    pub status: ConversationStatus,
    pub customer_name: String,
    /// Email address or phone number.
    pub customer_contact: String,
    pub subject: String,
    pub ticket_id: Option<TicketId>,
    pub created_at: DateTime<Utc>,
    pub last_message_at: DateTime<Utc>,
}

/// Who wrote a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum MessageAuthor {
    Customer,
    Agent,
}

/// A message in a conversation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct Message {
    pub id: MessageId,
    pub conversation_id: ConversationId,
    pub author: MessageAuthor,
    /// Set when `author` is an agent.
    pub agent_id: Option<AgentId>,
    pub body: String,
    pub at: DateTime<Utc>,
}

/// A knowledge-base article (Markdown body).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct KbArticle {
    pub id: KbArticleId,
    pub title: String,
    pub body: String,
    pub tags: Vec<String>,
    pub updated_by: Option<AgentId>,
    pub updated_at: DateTime<Utc>,
}

/// Features a workspace's plan enables.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct PlanFeatures {
    pub ai_insights: bool,
}

/// A tenant: one support team with its settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct Workspace {
    pub id: WorkspaceId,
    pub name: String,
    /// Default IANA timezone for business calendars.
    pub timezone: String,
    pub plan: PlanFeatures,
}

/// Who is signed in, where, and the lists every view needs to resolve ids.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct Session {
    pub agent: Agent,
    pub workspace: Workspace,
    pub agents: Vec<Agent>,
    pub categories: Vec<Category>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use uuid::Uuid;

    #[test]
    fn initials_take_first_letters_of_two_words() {
        let a = Agent {
            id: AgentId(Uuid::nil()),
            name: "ana  lopez garcia".into(),
            email: "ana@example.com".into(),
            role: Role::Agent,
            timezone: "UTC".into(),
        };
        assert_eq!(a.initials(), "AL");
    }

    #[test]
    fn history_fields_round_trip_codes() {
        for f in HistoryField::ALL {
            assert_eq!(HistoryField::from_code(f.code()), Some(f));
        }
    }
}
