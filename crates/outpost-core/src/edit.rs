//! The shapes of edits: a new ticket, a patch of ticket fields, a bulk
//! selection, and the detail view returned after an edit. The client store and
//! the server validate and apply them; the UI builds them.

use crate::ids::{AgentId, CategoryId, ConversationId, TicketId};
use crate::model::Conversation;
use crate::query::{TicketCard, TicketQuery};
use crate::ticket::{Priority, Status};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer, Serialize};

/// Deserializes `Option<Option<T>>` so that a missing field is `None` (leave
/// unchanged) and an explicit `null` is `Some(None)` (clear the value).
fn double_option<'de, D, T>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(d).map(Some)
}

/// A ticket to create.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct NewTicket {
    pub title: String,
    #[serde(default)]
    pub description: String,
    #[serde(default = "default_priority")]
    pub priority: Priority,
    #[serde(default)]
    pub category_id: Option<CategoryId>,
    #[serde(default)]
    pub assignee_id: Option<AgentId>,
    #[serde(default)]
    pub requester: String,
    #[serde(default)]
    pub conversation_id: Option<ConversationId>,
}

impl NewTicket {
    /// A normal-priority ticket with only a title; every other field empty.
    pub fn titled(title: impl Into<String>) -> Self {
        NewTicket {
            title: title.into(),
            description: String::new(),
            priority: Priority::Normal,
            category_id: None,
            assignee_id: None,
            requester: String::new(),
            conversation_id: None,
        }
    }
}

fn default_priority() -> Priority {
    Priority::Normal
}

/// Fields to change on one or many tickets. A missing field is left as is;
/// for clearable fields an explicit `null` clears it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct TicketPatch {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub title: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub status: Option<Status>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub priority: Option<Priority>,
    #[serde(
        default,
        deserialize_with = "double_option",
        skip_serializing_if = "Option::is_none"
    )]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub assignee_id: Option<Option<AgentId>>,
    #[serde(
        default,
        deserialize_with = "double_option",
        skip_serializing_if = "Option::is_none"
    )]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub category_id: Option<Option<CategoryId>>,
    /// Manual due date (admin only); `null` returns to the SLA deadline.
    #[serde(
        default,
        deserialize_with = "double_option",
        skip_serializing_if = "Option::is_none"
    )]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub due_override: Option<Option<DateTime<Utc>>>,
}

impl TicketPatch {
    /// Whether the patch changes nothing.
    pub fn is_empty(&self) -> bool {
        *self == TicketPatch::default()
    }
}

/// Which tickets a bulk action applies to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum BulkSelection {
    /// These tickets.
    Ids { ids: Vec<TicketId> },
    /// Every ticket matching the query, loaded or not.
    Query { query: TicketQuery },
}

/// A ticket with what the detail panel needs besides comments and history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct TicketDetail {
    pub card: TicketCard,
    pub conversation: Option<Conversation>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patch_distinguishes_missing_from_null() {
        let p: TicketPatch = serde_json::from_str(r#"{"status":"waiting"}"#).unwrap();
        assert_eq!(p.status, Some(Status::Waiting));
        assert_eq!(
            p.assignee_id, None,
            "missing field leaves the assignee unchanged"
        );
        let p: TicketPatch = serde_json::from_str(r#"{"assigneeId":null}"#).unwrap();
        assert_eq!(p.assignee_id, Some(None), "explicit null unassigns");
        assert!(
            serde_json::from_str::<TicketPatch>(r#"{"status":"bogus"}"#).is_err(),
            "invalid enum rejected"
        );
    }
}
