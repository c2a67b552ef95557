//! The Inbox's view and input types: the conversation list with unread and
//! waiting state, a thread, logging a call or walk-in, and escalation input.

use crate::ids::{AgentId, CategoryId, ConversationId};
use crate::model::{Channel, Conversation, ConversationStatus, Message, MessageAuthor};
use crate::query::TicketCard;
use crate::ticket::Priority;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// What the Inbox list shows: a search and filters.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase", default)]
pub struct InboxQuery {
    /// Words in the subject, customer or messages.
    pub search: String,
    /// Empty: every channel.
    pub channels: Vec<Channel>,
    /// Empty: every status.
    pub statuses: Vec<ConversationStatus>,
}

/// One row of the Inbox list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct ConversationSummary {
    pub conversation: Conversation,
    /// The newest message's first characters.
    pub last_message: Option<String>,
    pub last_author: Option<MessageAuthor>,
    /// A customer message arrived after the agent last opened the thread.
    pub unread: bool,
    /// When the unanswered customer message came (`None`: the last word is an agent's).
    pub waiting_since: Option<DateTime<Utc>>,
    /// The linked ticket's label (`TKT-042` or `New (unsynced)`).
    pub ticket_label: Option<String>,
}

/// A conversation with its messages and linked ticket.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct ConversationThread {
    pub conversation: Conversation,
    pub messages: Vec<Message>,
    pub ticket: Option<TicketCard>,
}

/// A phone call or walk-in logged by an agent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct NewConversationInput {
    pub channel: Channel,
    pub customer_name: String,
    #[serde(default)]
    pub customer_contact: String,
    pub subject: String,
    /// What the customer said (a customer message), if anything.
    #[serde(default)]
    pub body: String,
}

/// The ticket fields of "Create ticket" (prefilled from the thread).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct EscalationInput {
    pub title: String,
    #[serde(default)]
    pub description: String,
    pub priority: Priority,
    #[serde(default)]
    pub category_id: Option<CategoryId>,
    #[serde(default)]
    pub assignee_id: Option<AgentId>,
}

/// A conversation the dry run of a rule matched.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct DryRunMatch {
    pub conversation_id: ConversationId,
    pub subject: String,
    pub customer_name: String,
    pub channel: Channel,
    pub last_message_at: DateTime<Utc>,
}
