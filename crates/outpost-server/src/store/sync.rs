//! Sync over the store: device registration, applying a pushed outbox (one
//! transaction, idempotent by op id and by (client, seq), invalid mutations
//! rejected without blocking the rest) and paging the change feed.
//!
//! Cursors are `store.version.kind.entity` (opaque to clients): the feed
//! position of the last row returned, in the database named by `store` (a
//! random id made at first migration). A cursor of another database, or
//! ahead of this one's version (restored from a backup), is `cursor_too_old`.

use super::{Kind, WriteScope, current_version, time};
use crate::db::Tx;
use crate::error::AppError;
use crate::params;
use crate::store::{accounts, conversations, kb, notified, tickets};
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use outpost_core::sync::merge::bound_stamp;
use outpost_core::sync::{
    AssignedNumber, ChangeSet, MAX_CLOCK_DRIFT_MS, Mutation, MutationOp, MutationResult,
    MutationStatus, PullResponse, PushRequest, PushResponse, RegisterResponse, RejectReason, codes,
};
use outpost_core::{Agent, Comment, TicketNumber, WorkspaceId};
use std::collections::BTreeMap;

/// Registers (or re-registers) a device in `ws`.
pub fn register(
    tx: &mut dyn Tx,
    ws: WorkspaceId,
    agent: &Agent,
    client_id: uuid::Uuid,
    now: DateTime<Utc>,
) -> Result<RegisterResponse, AppError> {
    let existing = tx.query_opt(
        "SELECT workspace_id, last_seq FROM sync_clients WHERE client_id = ?1",
        params![client_id.to_string()],
    )?;
    let last_seq = match existing {
        Some(r) if r.text(0)? != ws.to_string() => {
            return Err(AppError::conflict(
                "client_conflict",
                "this client id belongs to another workspace; generate a new one",
            ));
        }
        Some(r) => r.opt_int(1)?,
        None => {
            tx.execute(
                "INSERT INTO sync_clients (client_id, workspace_id, agent_id, registered_at, last_seq) VALUES (?1, ?2, ?3, ?4, NULL)",
                params![client_id.to_string(), ws.to_string(), agent.id.to_string(), super::ms(now)],
            )?;
            None
        }
    };
    Ok(RegisterResponse {
        client_id,
        last_seq,
        version: current_version(tx, ws)?,
    })
}

fn rejected(m: &Mutation, code: &str, message: impl Into<String>) -> MutationResult {
    MutationResult {
        seq: m.seq,
        op_id: m.op_id,
        status: MutationStatus::Rejected,
        reason: Some(RejectReason {
            code: code.to_owned(),
            message: message.into(),
        }),
    }
}

/// Applies a pushed outbox in order (see the module docs) on behalf of
/// `agent`, the token's agent: a mutation whose actor is anyone else is
/// rejected (`actor_mismatch`) and the rest still apply, so nobody can push
/// edits in another agent's name (or an admin's, to pass admin-only checks).
/// A mutation already seen is answered as before whoever replays it (a lost
/// acknowledgement replayed after another agent signed in on the device).
pub fn push(
    tx: &mut dyn Tx,
    ws: WorkspaceId,
    agent: &Agent,
    req: &PushRequest,
    now: DateTime<Utc>,
) -> Result<PushResponse, AppError> {
    let owner = tx.query_opt(
        "SELECT workspace_id FROM sync_clients WHERE client_id = ?1",
        params![req.client_id.to_string()],
    )?;
    if owner.map(|r| r.text(0)).transpose()? != Some(ws.to_string()) {
        return Err(AppError::conflict(
            codes::UNKNOWN_CLIENT,
            "unknown client: register it (POST /api/v1/sync/register) and push the outbox again",
        ));
    }
    let mut scope = WriteScope::begin(tx, ws)?;
    let mut results = Vec::with_capacity(req.mutations.len());
    let mut numbers = Vec::new();
    let mut max_seq: Option<i64> = None;
    for m in &req.mutations {
        if m.client_id != req.client_id {
            results.push(rejected(
                m,
                "client_mismatch",
                "mutation from another client id",
            ));
            continue;
        }
        if let Some(prev) = seen(tx, ws, m)? {
            max_seq = max_seq.max(Some(m.seq));
            if prev.status == MutationStatus::Duplicate
                && let MutationOp::CreateTicket { id, .. } = &m.op
                && let Some((t, _)) = tickets::load(tx, ws, *id)?
                && let Some(number) = t.number
            {
                // The first acknowledgement may have been lost: say it again.
                numbers.push(AssignedNumber {
                    ticket_id: *id,
                    number,
                });
            }
            results.push(prev);
            continue;
        }
        if m.actor_id != agent.id {
            // Not recorded: the same entry pushed by its own agent applies.
            results.push(rejected(
                m,
                codes::ACTOR_MISMATCH,
                format!(
                    "this change names agent {} as its author, but the token is {}'s ({}): sign in as that agent to send it",
                    m.actor_id, agent.email, agent.id
                ),
            ));
            continue;
        }
        max_seq = max_seq.max(Some(m.seq));
        let outcome = apply(tx, &mut scope, agent, m, now);
        let result = match outcome {
            Ok(number) => {
                if let (Some(number), MutationOp::CreateTicket { id, .. }) = (number, &m.op) {
                    numbers.push(AssignedNumber {
                        ticket_id: *id,
                        number,
                    });
                }
                MutationResult {
                    seq: m.seq,
                    op_id: m.op_id,
                    status: MutationStatus::Applied,
                    reason: None,
                }
            }
            Err(AppError::Client { code, message, .. }) => rejected(m, code, message),
            Err(other) => return Err(other),
        };
        record(tx, ws, m, &result)?;
        results.push(result);
    }
    if let Some(seq) = max_seq {
        tx.execute(
            "UPDATE sync_clients SET last_seq = ?2 WHERE client_id = ?1 AND (last_seq IS NULL OR last_seq < ?2)",
            params![req.client_id.to_string(), seq],
        )?;
    }
    let version = match scope.changed() {
        Some(v) => v,
        None => current_version(tx, ws)?,
    };
    Ok(PushResponse {
        results,
        numbers,
        version,
    })
}

/// The recorded outcome of a mutation seen before, answered as a duplicate
/// (or as the same rejection).
fn seen(
    tx: &mut dyn Tx,
    ws: WorkspaceId,
    m: &Mutation,
) -> Result<Option<MutationResult>, AppError> {
    let row = tx.query_opt(
        "SELECT status, reason_code, reason_message FROM applied_ops
         WHERE (workspace_id = ?1 AND op_id = ?2) OR (client_id = ?3 AND seq = ?4)",
        params![
            ws.to_string(),
            m.op_id.to_string(),
            m.client_id.to_string(),
            m.seq
        ],
    )?;
    let Some(r) = row else { return Ok(None) };
    Ok(Some(match r.text(0)?.as_str() {
        "rejected" => rejected(m, &r.text(1)?, r.opt_text(2)?.unwrap_or_default()),
        _ => MutationResult {
            seq: m.seq,
            op_id: m.op_id,
            status: MutationStatus::Duplicate,
            reason: None,
        },
    }))
}

fn record(
    tx: &mut dyn Tx,
    ws: WorkspaceId,
    m: &Mutation,
    r: &MutationResult,
) -> Result<(), AppError> {
    let status = match r.status {
        MutationStatus::Rejected => "rejected",
        _ => "applied",
    };
    tx.execute(
        "INSERT INTO applied_ops (workspace_id, op_id, client_id, seq, status, reason_code, reason_message)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![
            ws.to_string(),
            m.op_id.to_string(),
            m.client_id.to_string(),
            m.seq,
            status,
            r.reason.as_ref().map(|x| x.code.clone()),
            r.reason.as_ref().map(|x| x.message.clone())
        ],
    )?;
    Ok(())
}

/// Applies one new mutation of `actor` (its `actor_id`, checked by
/// [`push`]); returns the number of a created ticket.
fn apply(
    tx: &mut dyn Tx,
    scope: &mut WriteScope,
    actor: &Agent,
    m: &Mutation,
    now: DateTime<Utc>,
) -> Result<Option<TicketNumber>, AppError> {
    let ws = scope.workspace();
    let now_ms = now.timestamp_millis();
    let latest = time(now_ms.saturating_add(MAX_CLOCK_DRIFT_MS));
    let origin = tickets::Origin {
        op_id: m.op_id,
        actor: m.actor_id,
        stamp: bound_stamp(m.hlc, m.client_id, now_ms, MAX_CLOCK_DRIFT_MS),
        now,
    };
    match &m.op {
        MutationOp::CreateTicket {
            id,
            ticket,
            created_at,
        } => {
            if let Some(number) =
                crate::store::inbox_sync::existing_escalation(tx, ws, *id, ticket)?
            {
                return Ok(number);
            }
            let t = tickets::create(tx, scope, *id, ticket, (*created_at).min(latest), &origin)?;
            crate::store::inbox_sync::after_ticket_created(tx, scope, &t, m, now)?;
            Ok(t.number)
        }
        MutationOp::CreateConversation {
            conversation,
            messages,
        } => {
            crate::store::inbox_sync::create_conversation(
                tx,
                scope,
                m,
                conversation,
                messages,
                latest,
                now,
            )?;
            Ok(None)
        }
        MutationOp::AddMessage { message } => {
            crate::store::inbox_sync::add_message(tx, scope, m, message, latest, now)?;
            Ok(None)
        }
        MutationOp::SetConversationStatus { id, status } => {
            crate::store::inbox_sync::set_status(tx, scope, *id, *status)?;
            Ok(None)
        }
        MutationOp::UpdateTicket { id, patch } => {
            if patch.due_override.is_some() && actor.role != outpost_core::Role::Admin {
                return Err(AppError::forbidden(
                    "only an admin may override the due date",
                ));
            }
            if patch.is_empty() {
                return Err(AppError::bad_request(
                    "empty_patch",
                    "the patch changes nothing",
                ));
            }
            tickets::patch(tx, scope, *id, patch, &origin)?;
            crate::store::inbox_sync::after_ticket_updated(tx, scope, *id, m, now)?;
            Ok(None)
        }
        MutationOp::AddComment {
            id,
            ticket_id,
            body,
            created_at,
        } => {
            if let Some(existing) = tickets::comment(tx, ws, *id)?
                && existing.ticket_id != *ticket_id
            {
                return Err(AppError::conflict(
                    "comment_exists",
                    format!("comment {id} belongs to another ticket"),
                ));
            }
            let comment = Comment {
                id: *id,
                ticket_id: *ticket_id,
                author_id: m.actor_id,
                body: body.clone(),
                mentions: Vec::new(),
                created_at: (*created_at).min(latest),
            };
            if tickets::add_comment(tx, scope, &comment)? {
                // The same event (same derived id) the client recorded locally.
                let event = outpost_core::HistoryEvent {
                    id: outpost_core::sync::merge::derived_event_id(
                        m.op_id,
                        outpost_core::sync::merge::slot::COMMENT,
                    ),
                    ticket_id: *ticket_id,
                    actor_id: Some(m.actor_id),
                    at: comment.created_at,
                    field: outpost_core::HistoryField::Comment,
                    old_value: None,
                    new_value: Some(id.to_string()),
                };
                tickets::insert_history(tx, scope, &[event])?;
            }
            Ok(None)
        }
        MutationOp::MarkNotified {
            kind,
            key,
            ticket_id,
            notified_at,
        } => {
            let at = (*notified_at).min(latest);
            notified::apply(tx, scope, m.actor_id, kind, key, *ticket_id, at)?;
            Ok(None)
        }
        MutationOp::PutKbArticle {
            id,
            article,
            updated_at,
        } => {
            require_admin(actor, "edit knowledge-base articles")?;
            let input = article.validated()?;
            let stamp = origin.stamp.to_string();
            kb::put(
                tx,
                scope,
                *id,
                &input,
                m.actor_id,
                (*updated_at).min(latest),
                &stamp,
            )?;
            Ok(None)
        }
        MutationOp::DeleteKbArticle { id } => {
            require_admin(actor, "delete knowledge-base articles")?;
            kb::delete(tx, scope, *id, now, &origin.stamp.to_string())?;
            Ok(None)
        }
    }
}

fn require_admin(actor: &Agent, action: &str) -> Result<(), AppError> {
    if actor.role == outpost_core::Role::Admin {
        Ok(())
    } else {
        Err(AppError::forbidden(format!("only an admin may {action}")))
    }
}

/// A decoded feed position.
struct FeedPos {
    version: i64,
    kind: i64,
    entity: String,
}

/// Past every row of a version (used once a pull has drained the feed).
const END_OF_VERSION: i64 = 1 << 30;

fn store_id(tx: &mut dyn Tx) -> Result<String, AppError> {
    Ok(tx
        .query_opt("SELECT value FROM meta WHERE key = 'store_id'", &[])?
        .map(|r| r.text(0))
        .transpose()?
        .unwrap_or_default())
}

fn too_old() -> AppError {
    AppError::client(
        StatusCode::GONE,
        codes::CURSOR_TOO_OLD,
        "the cursor is not valid on this server (it was restored or replaced): bootstrap again and keep the outbox",
    )
}

fn decode(store: &str, cursor: Option<&str>) -> Result<FeedPos, AppError> {
    let Some(c) = cursor.filter(|c| !c.is_empty()) else {
        return Ok(FeedPos {
            version: 0,
            kind: 0,
            entity: String::new(),
        });
    };
    let bad = || AppError::bad_request("invalid_cursor", "malformed sync cursor");
    let mut parts = c.splitn(4, '.');
    let (s, v, k, e) = (parts.next(), parts.next(), parts.next(), parts.next());
    let (Some(s), Some(v), Some(k), Some(e)) = (s, v, k, e) else {
        return Err(bad());
    };
    if s != store {
        return Err(too_old());
    }
    Ok(FeedPos {
        version: v.parse().map_err(|_| bad())?,
        kind: k.parse().map_err(|_| bad())?,
        entity: e.to_owned(),
    })
}

/// The changes of `ws` after `cursor`, at most `limit` rows.
pub fn pull(
    tx: &mut dyn Tx,
    ws: WorkspaceId,
    cursor: Option<&str>,
    limit: u32,
) -> Result<PullResponse, AppError> {
    let store = store_id(tx)?;
    let version = current_version(tx, ws)?;
    let pos = decode(&store, cursor)?;
    if pos.version > version {
        return Err(too_old());
    }
    let rows = tx.query(
        "SELECT kind, entity_id, version FROM changes WHERE workspace_id = ?1
           AND (version > ?2 OR (version = ?2 AND (kind > ?3 OR (kind = ?3 AND entity_id > ?4))))
         ORDER BY version, kind, entity_id LIMIT ?5",
        params![
            ws.to_string(),
            pos.version,
            pos.kind,
            pos.entity.clone(),
            i64::from(limit) + 1
        ],
    )?;
    let has_more = rows.len() > limit as usize;
    let rows = &rows[..rows.len().min(limit as usize)];
    let mut by_kind: BTreeMap<i64, Vec<String>> = BTreeMap::new();
    for r in rows {
        by_kind.entry(r.int(0)?).or_default().push(r.text(1)?);
    }
    let mut changes = ChangeSet::default();
    for (kind, ids) in by_kind {
        match Kind::from_i64(kind) {
            Some(Kind::Ticket) => changes.tickets = tickets::by_ids(tx, ws, &ids)?,
            Some(Kind::Comment) => changes.comments = tickets::comments_by_ids(tx, ws, &ids)?,
            Some(Kind::History) => changes.history = tickets::history_by_ids(tx, ws, &ids)?,
            Some(Kind::Agent) => changes.agents = accounts::agents_by_ids(tx, ws, &ids)?,
            Some(Kind::Category) => changes.categories = accounts::categories_by_ids(tx, ws, &ids)?,
            Some(Kind::Conversation) => {
                changes.conversations = conversations::by_ids(tx, ws, &ids)?
            }
            Some(Kind::Message) => changes.messages = conversations::messages_by_ids(tx, ws, &ids)?,
            Some(Kind::Notified) => changes.notified = notified::by_ids(tx, ws, &ids)?,
            Some(Kind::Rules) => changes.rules = Some(crate::store::rules::load(tx, ws)?),
            Some(Kind::KbArticle) => {
                (changes.kb_articles, changes.kb_deleted) = kb::by_ids(tx, ws, &ids)?
            }
            Some(Kind::SlaSettings) => {
                changes.sla_settings = Some(crate::sla::load(tx, ws)?.settings)
            }
            None => {}
        }
    }
    let next = match (has_more, rows.last()) {
        (true, Some(last)) => format!(
            "{store}.{}.{}.{}",
            last.int(2)?,
            last.int(0)?,
            last.text(1)?
        ),
        _ => format!("{store}.{version}.{END_OF_VERSION}."),
    };
    Ok(PullResponse {
        changes,
        next_cursor: next,
        has_more,
        version,
    })
}
