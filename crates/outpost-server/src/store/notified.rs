//! Notified marks (issue 6): an agent's device says "I told this agent about
//! this transition"; the mark reaches the agent's other devices through the
//! change feed (kind [`Kind::Notified`]), and only them: the pull endpoints
//! drop other agents' marks ([`retain_own`]).

use super::{Kind, WriteScope, ms, time};
use crate::db::{DbError, Tx};
use crate::error::AppError;
use crate::params;
use crate::store::{accounts::in_list, tickets};
use chrono::{DateTime, Utc};
use outpost_core::sync::{ChangeSet, NotifiedMark, notified};
use outpost_core::{AgentId, TicketId, WorkspaceId};

/// The feed entity id of a mark (unique per agent and transition).
fn entity_id(agent: AgentId, kind: &str, key: &str, ticket: TicketId) -> String {
    format!("{agent}:{kind}:{key}:{ticket}")
}

/// Records a mark pushed by `agent`'s device; idempotent.
pub fn apply(
    tx: &mut dyn Tx,
    scope: &mut WriteScope,
    agent: AgentId,
    kind: &str,
    key: &str,
    ticket: TicketId,
    at: DateTime<Utc>,
) -> Result<(), AppError> {
    notified::check(kind, key)?;
    let ws = scope.workspace();
    if tickets::load(tx, ws, ticket)?.is_none() {
        return Err(AppError::not_found("ticket"));
    }
    let id = entity_id(agent, kind, key, ticket);
    let n = tx.execute(
        "INSERT INTO notified_marks (workspace_id, id, agent_id, kind, mark_key, ticket_id, notified_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT (workspace_id, id) DO NOTHING",
        params![
            ws.to_string(),
            id.clone(),
            agent.to_string(),
            kind.to_owned(),
            key.to_owned(),
            ticket.to_string(),
            ms(at)
        ],
    )?;
    if n > 0 {
        scope.touch(tx, Kind::Notified, &id)?;
    }
    Ok(())
}

/// The marks with these feed ids.
pub fn by_ids(
    tx: &mut dyn Tx,
    ws: WorkspaceId,
    ids: &[String],
) -> Result<Vec<NotifiedMark>, DbError> {
    let mut out = Vec::new();
    for chunk in ids.chunks(200) {
        let (sql, params) = in_list(
            "SELECT agent_id, kind, mark_key, ticket_id, notified_at FROM notified_marks
             WHERE workspace_id = ?1 AND id IN",
            ws,
            chunk,
        );
        for r in tx.query(&sql, &params)? {
            let uuid = |s: String| {
                uuid::Uuid::parse_str(&s).map_err(|e| DbError::Corrupt(format!("mark id: {e}")))
            };
            out.push(NotifiedMark {
                agent_id: AgentId(uuid(r.text(0)?)?),
                kind: r.text(1)?,
                key: r.text(2)?,
                ticket_id: TicketId(uuid(r.text(3)?)?),
                notified_at: time(r.int(4)?),
            });
        }
    }
    Ok(out)
}

/// Keeps only `agent`'s own marks in a page about to be sent to them.
pub fn retain_own(changes: &mut ChangeSet, agent: AgentId) {
    changes.notified.retain(|m| m.agent_id == agent);
}
