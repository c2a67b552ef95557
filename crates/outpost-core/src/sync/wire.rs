//! Request and response bodies of the sync endpoints (`/api/v1/sync/*`), shared
//! by the client's sync engine and the server.
//!
//! Words used here:
//! - *cursor*: an opaque string naming a position in a workspace's change feed.
//!   A pull returns the changes after it and the cursor to pass next time.
//! - *version*: the workspace's change counter, bumped once per committed
//!   write; the SSE stream pokes with it.
//! - *change set*: full rows (tickets with their field stamps, comments,
//!   history, agents, categories, conversations, messages) to upsert by id.

use super::Mutation;
use super::merge::FieldStamps;
use crate::ids::{CommentId, KbArticleId, TicketId};
use crate::model::{Agent, Category, Comment, Conversation, HistoryEvent, KbArticle, Message};
use crate::ticket::{Ticket, TicketNumber};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Stable error codes of the sync protocol (the `code` of an `ErrorDto`).
pub mod codes {
    /// The client id is not registered in this workspace: register again
    /// (`POST /api/v1/sync/register`) and replay the outbox.
    pub const UNKNOWN_CLIENT: &str = "unknown_client";
    /// The cursor is from another server database or ahead of it (restored
    /// from a backup): bootstrap again and keep the outbox.
    pub const CURSOR_TOO_OLD: &str = "cursor_too_old";
    /// The client speaks another protocol version: update the app.
    pub const UNSUPPORTED_SCHEMA: &str = "unsupported_schema";
    /// A pushed mutation names another agent than the token's as its actor
    /// (the reason code of that mutation's rejection, not of the push).
    pub const ACTOR_MISMATCH: &str = "actor_mismatch";
}

/// Registers a device so it may push (idempotent).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RegisterRequest {
    pub client_id: Uuid,
    #[serde(default = "default_schema")]
    pub schema_version: u32,
}

fn default_schema() -> u32 {
    super::PROTOCOL_VERSION
}

/// The answer to a registration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RegisterResponse {
    pub client_id: Uuid,
    /// The highest `seq` of this client the server has applied, so a device
    /// that lost its acknowledgements knows what is already in.
    pub last_seq: Option<i64>,
    pub version: i64,
}

/// A device's outbox, oldest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PushRequest {
    pub client_id: Uuid,
    pub schema_version: u32,
    pub mutations: Vec<Mutation>,
}

/// What became of one pushed mutation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MutationStatus {
    /// Applied now (possibly losing some fields to newer edits: see history).
    Applied,
    /// Already applied by an earlier push; nothing changed.
    Duplicate,
    /// Refused; `reason` says why. Drop it from the outbox.
    Rejected,
}

/// Why a mutation was rejected: a stable code and an explanation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RejectReason {
    pub code: String,
    pub message: String,
}

/// The outcome of one mutation of a push, in push order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MutationResult {
    pub seq: i64,
    pub op_id: Uuid,
    pub status: MutationStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<RejectReason>,
}

/// A ticket number the server assigned (to a ticket created offline).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AssignedNumber {
    pub ticket_id: TicketId,
    pub number: TicketNumber,
}

/// The answer to a push.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PushResponse {
    pub results: Vec<MutationResult>,
    pub numbers: Vec<AssignedNumber>,
    /// The workspace version after this push.
    pub version: i64,
}

/// Asks for the changes after `cursor` (`None` = from the beginning).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct PullRequest {
    pub cursor: Option<String>,
    pub schema_version: Option<u32>,
    /// Items per page; the server caps it.
    pub limit: Option<u32>,
}

/// A ticket as synced: every field plus the stamp of each field's last write.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SyncTicket {
    #[serde(flatten)]
    pub ticket: Ticket,
    pub stamps: FieldStamps,
}

/// Rows to upsert by id. Comments, history and messages are append-only.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ChangeSet {
    pub tickets: Vec<SyncTicket>,
    pub comments: Vec<Comment>,
    pub history: Vec<crate::model::HistoryEvent>,
    pub agents: Vec<Agent>,
    pub categories: Vec<Category>,
    pub conversations: Vec<Conversation>,
    pub messages: Vec<Message>,
    /// The pulling agent's notified marks (other agents' are never sent).
    pub notified: Vec<super::NotifiedMark>,
    /// The workspace's workflow rules, when they changed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rules: Option<crate::rules::RuleSet>,
    /// Knowledge-base articles created or changed.
    pub kb_articles: Vec<KbArticle>,
    /// Knowledge-base articles deleted.
    pub kb_deleted: Vec<KbArticleId>,
    /// The workspace's SLA settings (calendars, policies, week start), when
    /// they changed: every device evaluates its tickets with them.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sla_settings: Option<crate::sla::SlaSettings>,
}

impl ChangeSet {
    /// How many rows the set holds.
    pub fn len(&self) -> usize {
        self.tickets.len()
            + self.comments.len()
            + self.history.len()
            + self.agents.len()
            + self.categories.len()
            + self.conversations.len()
            + self.messages.len()
            + self.notified.len()
            + usize::from(self.rules.is_some())
            + self.kb_articles.len()
            + self.kb_deleted.len()
            + usize::from(self.sla_settings.is_some())
    }

    /// Whether the set holds no rows.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether the set holds a comment with this id.
    pub fn has_comment(&self, id: CommentId) -> bool {
        self.comments.iter().any(|c| c.id == id)
    }

    /// The history events of one ticket, in set order.
    pub fn history_of(&self, ticket: TicketId) -> impl Iterator<Item = &HistoryEvent> {
        self.history.iter().filter(move |h| h.ticket_id == ticket)
    }
}

/// One page of changes (pull) or of the snapshot (bootstrap).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PullResponse {
    pub changes: ChangeSet,
    /// Pass back to continue; store it once `has_more` is false.
    pub next_cursor: String,
    pub has_more: bool,
    /// The workspace version when the page was read.
    pub version: i64,
}
