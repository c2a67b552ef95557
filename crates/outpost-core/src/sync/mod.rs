//! The sync wire protocol shared by the client and the server: hybrid logical
//! clock stamps, mutations as they sit in a client's outbox, and the merge
//! rules (per-field last-writer-wins by (HLC, client id); append-only unions).
//!
//! Words used here:
//! - *HLC*: hybrid logical clock, `(wall_ms, counter, node)`; ordered
//!   lexicographically, so it never goes backwards even when the wall clock does.
//! - *mutation*: one local change as pushed to the server: client id, a
//!   client-monotonic sequence number, an op UUID, a name, args and an HLC.

pub mod merge;
pub mod notified;
pub mod wire;

pub use merge::{FieldStamps, TicketField};
pub use notified::NotifiedMark;
pub use wire::*;

use crate::edit::{NewTicket, TicketPatch};
use crate::ids::{CommentId, ConversationId, KbArticleId, TicketId};
use crate::model::{Conversation, ConversationStatus, Message};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;
use uuid::Uuid;

/// The sync protocol version this build speaks. A push or pull carrying another
/// version is refused with `unsupported_schema`.
pub const PROTOCOL_VERSION: u32 = 1;

/// How far ahead of the server's clock a stamp may be. Stamps further ahead
/// are clamped to `server now + MAX_CLOCK_DRIFT_MS` so one device with a wrong
/// clock cannot win every future edit.
pub const MAX_CLOCK_DRIFT_MS: i64 = 10 * 60 * 1000;

/// A hybrid logical clock stamp.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Hlc {
    /// Physical milliseconds since the Unix epoch (max of wall clock and last seen).
    pub wall_ms: i64,
    /// Logical counter within one millisecond.
    pub counter: u32,
    /// The client (device) that issued the stamp: the final tie-breaker.
    pub node: Uuid,
}

impl Hlc {
    /// The next stamp for a local event at wall time `now_ms`, after `prev`.
    pub fn tick(prev: Option<Hlc>, now_ms: i64, node: Uuid) -> Hlc {
        match prev {
            Some(p) if p.wall_ms >= now_ms => Hlc {
                wall_ms: p.wall_ms,
                counter: p.counter + 1,
                node,
            },
            _ => Hlc {
                wall_ms: now_ms,
                counter: 0,
                node,
            },
        }
    }

    /// The stamp after receiving `remote` at wall time `now_ms` (HLC receive rule).
    pub fn observe(local: Option<Hlc>, remote: Hlc, now_ms: i64, node: Uuid) -> Hlc {
        let l = local.unwrap_or(Hlc {
            wall_ms: i64::MIN,
            counter: 0,
            node,
        });
        let wall = now_ms.max(l.wall_ms).max(remote.wall_ms);
        let counter = if wall == l.wall_ms && wall == remote.wall_ms {
            l.counter.max(remote.counter) + 1
        } else if wall == l.wall_ms {
            l.counter + 1
        } else if wall == remote.wall_ms {
            remote.counter + 1
        } else {
            0
        };
        Hlc {
            wall_ms: wall,
            counter,
            node,
        }
    }
}

impl fmt::Display for Hlc {
    /// Fixed-width text that sorts like the stamp itself: `wall-counter-node`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:015}-{:08}-{}",
            self.wall_ms.max(0),
            self.counter,
            self.node.simple()
        )
    }
}

impl FromStr for Hlc {
    type Err = crate::ValidationError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || crate::ValidationError::Invalid {
            field: "hlc",
            reason: "malformed HLC stamp".into(),
        };
        let mut parts = s.splitn(3, '-');
        let wall_ms = parts.next().and_then(|p| p.parse().ok()).ok_or_else(bad)?;
        let counter = parts.next().and_then(|p| p.parse().ok()).ok_or_else(bad)?;
        let node = parts
            .next()
            .and_then(|p| Uuid::parse_str(p).ok())
            .ok_or_else(bad)?;
        Ok(Hlc {
            wall_ms,
            counter,
            node,
        })
    }
}

/// What a mutation does. Serialized as `{"name": ..., "args": {...}}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "name", content = "args", rename_all = "snake_case")]
pub enum MutationOp {
    /// Create a ticket with this id (the server assigns its number).
    CreateTicket {
        id: TicketId,
        ticket: NewTicket,
        created_at: DateTime<Utc>,
    },
    /// Change fields of a ticket.
    UpdateTicket { id: TicketId, patch: TicketPatch },
    /// Append an internal comment.
    AddComment {
        id: CommentId,
        ticket_id: TicketId,
        body: String,
        created_at: DateTime<Utc>,
    },
    /// The acting agent was notified of a transition on one device, so the
    /// agent's other devices do not notify it again (see [`NotifiedMark`]).
    MarkNotified {
        kind: String,
        key: String,
        ticket_id: TicketId,
        notified_at: DateTime<Utc>,
    },
    /// Open a conversation logged in the app (a phone call, a walk-in) with
    /// its first messages.
    CreateConversation {
        conversation: Conversation,
        #[serde(default)]
        messages: Vec<Message>,
    },
    /// Append a message to a conversation (an agent reply, or a customer's
    /// words noted by the agent).
    AddMessage { message: Message },
    /// Open, snooze or close a conversation.
    SetConversationStatus {
        id: ConversationId,
        status: ConversationStatus,
    },
    /// Create or replace a knowledge-base article (admins only). The latest
    /// stamp wins against concurrent edits and deletes.
    PutKbArticle {
        id: KbArticleId,
        article: crate::kb::KbArticleInput,
        updated_at: DateTime<Utc>,
    },
    /// Delete a knowledge-base article (admins only).
    DeleteKbArticle { id: KbArticleId },
}

impl MutationOp {
    /// The ticket the mutation changes, if it changes one.
    pub fn ticket_id(&self) -> Option<TicketId> {
        match self {
            MutationOp::CreateTicket { id, .. } | MutationOp::UpdateTicket { id, .. } => Some(*id),
            MutationOp::AddComment { ticket_id, .. } => Some(*ticket_id),
            MutationOp::MarkNotified { ticket_id, .. } => Some(*ticket_id),
            MutationOp::CreateConversation { .. }
            | MutationOp::AddMessage { .. }
            | MutationOp::SetConversationStatus { .. }
            | MutationOp::PutKbArticle { .. }
            | MutationOp::DeleteKbArticle { .. } => None,
        }
    }
}

/// One outbox entry as pushed to the server.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Mutation {
    /// The device that made the change.
    pub client_id: Uuid,
    /// Client-monotonic sequence number (the outbox row id).
    pub seq: i64,
    /// Unique id of this operation (idempotency key).
    pub op_id: Uuid,
    /// When it happened, as a hybrid logical clock stamp.
    pub hlc: Hlc,
    /// The agent who made it.
    pub actor_id: crate::ids::AgentId,
    #[serde(flatten)]
    pub op: MutationOp,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hlc_never_goes_backwards_and_text_sorts_like_stamps() {
        let n = Uuid::from_u128(1);
        let a = Hlc::tick(None, 1_000, n);
        let b = Hlc::tick(Some(a), 900, n); // wall clock stepped back
        assert!(b > a, "a stamp after a clock step-back still sorts later");
        let c = Hlc::observe(
            Some(b),
            Hlc {
                wall_ms: 5_000,
                counter: 3,
                node: Uuid::from_u128(2),
            },
            1_100,
            n,
        );
        assert!(
            c.wall_ms == 5_000 && c.counter == 4,
            "receive rule adopts the remote wall time"
        );
        assert!(
            a.to_string() < b.to_string() && b.to_string() < c.to_string(),
            "text order = stamp order"
        );
        assert_eq!(c.to_string().parse::<Hlc>().unwrap(), c);
    }

    #[test]
    fn mutations_serialize_with_name_and_args() {
        let m = MutationOp::UpdateTicket {
            id: TicketId(Uuid::from_u128(9)),
            patch: TicketPatch {
                status: Some(crate::Status::Waiting),
                ..Default::default()
            },
        };
        let v = serde_json::to_value(&m).unwrap();
        assert_eq!(v["name"], "update_ticket");
        assert_eq!(v["args"]["patch"]["status"], "waiting");
    }
}
