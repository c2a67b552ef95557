//! Customer conversations (the Inbox) and their append-only messages, and
//! escalation: a conversation becomes a linked ticket.

use super::{Kind, WriteScope, ms, time};
use crate::db::{DbError, Row, Tx};
use crate::error::AppError;
use crate::params;
use crate::store::accounts::in_list;
use outpost_core::{Conversation, ConversationId, Message, TicketId, WorkspaceId};
use serde::Serialize;
use serde::de::DeserializeOwned;

/// The wire code of a unit enum (`email`, `open`...).
pub fn code_of<T: Serialize>(v: &T) -> String {
    match serde_json::to_value(v) {
        Ok(serde_json::Value::String(s)) => s,
        _ => String::new(),
    }
}

/// A unit enum from its wire code.
pub fn from_code<T: DeserializeOwned>(s: &str) -> Result<T, DbError> {
    serde_json::from_value(serde_json::Value::String(s.to_owned()))
        .map_err(|_| DbError::Corrupt(format!("unknown code {s:?}")))
}

const CONV_COLS: &str = "id, channel, status, customer_name, customer_contact, subject, ticket_id, created_at, last_message_at";

fn conversation_from(r: &Row) -> Result<Conversation, DbError> {
    Ok(Conversation {
        id: r.parse(0)?,
        channel: from_code(&r.text(1)?)?,
        status: from_code(&r.text(2)?)?,
        customer_name: r.text(3)?,
        customer_contact: r.text(4)?,
        subject: r.text(5)?,
        ticket_id: r.opt_parse(6)?,
        created_at: time(r.int(7)?),
        last_message_at: time(r.int(8)?),
    })
}

/// Writes a conversation row (insert or update) and records the change.
pub fn save(tx: &mut dyn Tx, scope: &mut WriteScope, c: &Conversation) -> Result<(), DbError> {
    tx.execute(
        "INSERT INTO conversations (workspace_id, id, channel, status, customer_name, customer_contact, subject,
            ticket_id, created_at, last_message_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
         ON CONFLICT (workspace_id, id) DO UPDATE SET status = excluded.status, ticket_id = excluded.ticket_id,
            subject = excluded.subject, last_message_at = excluded.last_message_at",
        params![
            scope.workspace().to_string(),
            c.id.to_string(),
            code_of(&c.channel),
            code_of(&c.status),
            &c.customer_name,
            &c.customer_contact,
            &c.subject,
            c.ticket_id.map(|t| t.to_string()),
            ms(c.created_at),
            ms(c.last_message_at)
        ],
    )?;
    scope.touch(tx, Kind::Conversation, &c.id.to_string())
}

/// A conversation of `ws`, or 404.
pub fn get(tx: &mut dyn Tx, ws: WorkspaceId, id: ConversationId) -> Result<Conversation, AppError> {
    tx.query_opt(
        &format!("SELECT {CONV_COLS} FROM conversations WHERE workspace_id = ?1 AND id = ?2"),
        params![ws.to_string(), id.to_string()],
    )?
    .map(|r| conversation_from(&r))
    .transpose()?
    .ok_or_else(|| AppError::not_found("conversation"))
}

/// The newest conversations of `ws`.
pub fn list(tx: &mut dyn Tx, ws: WorkspaceId, limit: u32) -> Result<Vec<Conversation>, DbError> {
    tx.query(
        &format!(
            "SELECT {CONV_COLS} FROM conversations WHERE workspace_id = ?1 ORDER BY last_message_at DESC, id DESC LIMIT ?2"
        ),
        params![ws.to_string(), i64::from(limit)],
    )?
    .iter()
    .map(conversation_from)
    .collect()
}

/// Conversations of `ids` (change feed).
pub fn by_ids(
    tx: &mut dyn Tx,
    ws: WorkspaceId,
    ids: &[String],
) -> Result<Vec<Conversation>, DbError> {
    let mut out = Vec::new();
    for chunk in ids.chunks(200) {
        let (sql, p) = in_list(
            &format!("SELECT {CONV_COLS} FROM conversations WHERE workspace_id = ?1 AND id IN"),
            ws,
            chunk,
        );
        for r in tx.query(&sql, &p)? {
            out.push(conversation_from(&r)?);
        }
    }
    Ok(out)
}

/// Links a conversation to a ticket.
pub fn link_ticket(
    tx: &mut dyn Tx,
    scope: &mut WriteScope,
    id: ConversationId,
    ticket: TicketId,
) -> Result<(), AppError> {
    let mut c = get(tx, scope.workspace(), id)?;
    c.ticket_id = Some(ticket);
    save(tx, scope, &c)?;
    Ok(())
}

const MSG_COLS: &str = "id, conversation_id, author, agent_id, body, at";

fn message_from(r: &Row) -> Result<Message, DbError> {
    Ok(Message {
        id: r.parse(0)?,
        conversation_id: r.parse(1)?,
        author: from_code(&r.text(2)?)?,
        agent_id: r.opt_parse(3)?,
        body: r.text(4)?,
        at: time(r.int(5)?),
    })
}

/// Appends a message and moves the conversation's last-message time. An
/// agent's reply re-evaluates the SLA of the linked ticket (first response).
pub fn add_message(tx: &mut dyn Tx, scope: &mut WriteScope, m: &Message) -> Result<(), AppError> {
    let mut conv = get(tx, scope.workspace(), m.conversation_id)?;
    let inserted = tx.execute(
        "INSERT INTO messages (workspace_id, id, conversation_id, author, agent_id, body, at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT (workspace_id, id) DO NOTHING",
        params![
            scope.workspace().to_string(),
            m.id.to_string(),
            m.conversation_id.to_string(),
            code_of(&m.author),
            m.agent_id.map(|a| a.to_string()),
            &m.body,
            ms(m.at)
        ],
    )?;
    scope.touch(tx, Kind::Message, &m.id.to_string())?;
    if m.at > conv.last_message_at {
        conv.last_message_at = m.at;
        save(tx, scope, &conv)?;
    }
    if inserted > 0 && m.agent_id.is_some() {
        crate::sla::after_agent_reply(tx, scope, m.conversation_id, chrono::Utc::now())?;
    }
    Ok(())
}

/// A conversation's messages, oldest first.
pub fn messages(
    tx: &mut dyn Tx,
    ws: WorkspaceId,
    id: ConversationId,
) -> Result<Vec<Message>, DbError> {
    tx.query(
        &format!("SELECT {MSG_COLS} FROM messages WHERE workspace_id = ?1 AND conversation_id = ?2 ORDER BY at, id"),
        params![ws.to_string(), id.to_string()],
    )?
    .iter()
    .map(message_from)
    .collect()
}

/// Messages of `ids` (change feed).
pub fn messages_by_ids(
    tx: &mut dyn Tx,
    ws: WorkspaceId,
    ids: &[String],
) -> Result<Vec<Message>, DbError> {
    let mut out = Vec::new();
    for chunk in ids.chunks(200) {
        let (sql, p) = in_list(
            &format!("SELECT {MSG_COLS} FROM messages WHERE workspace_id = ?1 AND id IN"),
            ws,
            chunk,
        );
        for r in tx.query(&sql, &p)? {
            out.push(message_from(&r)?);
        }
    }
    Ok(out)
}
