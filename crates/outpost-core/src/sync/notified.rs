//! Notified marks: "this agent was already told about this transition", as
//! synced between the devices of one agent so a transition notified on one
//! device is not notified again on another (issue 6).
//!
//! A transition is `(kind, key, ticket)`: `kind` is `at_risk`, `breached`,
//! `mention` or `assigned`; `key` names the instance (the SLA instant in ms,
//! a comment id, a history event id). Marks are append-only and idempotent.

use crate::error::ValidationError;
use crate::ids::{AgentId, TicketId};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// The kinds a mark may have.
pub const KINDS: [&str; 4] = ["at_risk", "breached", "mention", "assigned"];

/// Longest accepted `key` (an instant in ms or a UUID fits easily).
pub const MAX_KEY_LEN: usize = 64;

/// One agent's notified transition.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NotifiedMark {
    pub agent_id: AgentId,
    pub kind: String,
    pub key: String,
    pub ticket_id: TicketId,
    pub notified_at: DateTime<Utc>,
}

/// Checks a mark's kind and key (as pushed by a client).
pub fn check(kind: &str, key: &str) -> Result<(), ValidationError> {
    if !KINDS.contains(&kind) {
        return Err(ValidationError::Invalid {
            field: "kind",
            reason: format!("unknown notification kind {kind:?}"),
        });
    }
    if key.is_empty() || key.len() > MAX_KEY_LEN || key.chars().any(char::is_control) {
        return Err(ValidationError::Invalid {
            field: "key",
            reason: format!("a notification key has 1 to {MAX_KEY_LEN} printable characters"),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_and_keys_are_checked() {
        assert!(check("at_risk", "1767225600000").is_ok());
        assert!(check("mention", &uuid::Uuid::nil().to_string()).is_ok());
        assert!(check("sneaky", "1").is_err());
        assert!(check("breached", "").is_err());
        assert!(check("breached", &"9".repeat(65)).is_err());
    }
}
