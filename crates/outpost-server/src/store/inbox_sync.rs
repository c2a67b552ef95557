//! The Inbox's part of a sync push: conversations and messages an app made
//! offline, escalations deduplicated (a conversation never gets two
//! tickets), and the workflow rules run on what arrived.

use super::{WriteScope, conversations as conv, rules, tickets};
use crate::db::Tx;
use crate::error::AppError;
use chrono::{DateTime, Utc};
use outpost_core::rules::Event;
use outpost_core::sync::Mutation;
use outpost_core::validate::{self, MAX_BODY_CHARS, MAX_SHORT_CHARS, MAX_TITLE_CHARS};
use outpost_core::{
    Conversation, ConversationId, ConversationStatus, Message, MessageAuthor, NewTicket, Ticket,
    TicketId, TicketNumber, WorkspaceId,
};
use uuid::Uuid;

/// The HLC node rule runs of a push are stamped with.
const RULES_NODE: Uuid = Uuid::nil();

fn run_ctx(m: &Mutation, now: DateTime<Utc>) -> rules::RunCtx {
    rules::RunCtx {
        actor: m.actor_id,
        node: RULES_NODE,
        now,
    }
}

/// If creating ticket `id` for `new`'s conversation is an escalation the
/// server already has (made by a rule here or pushed by another device),
/// its number; a conversation escalated to another ticket is a conflict.
pub fn existing_escalation(
    tx: &mut dyn Tx,
    ws: WorkspaceId,
    id: TicketId,
    new: &NewTicket,
) -> Result<Option<Option<TicketNumber>>, AppError> {
    let Some(c) = new.conversation_id else {
        return Ok(None);
    };
    if let Some((t, _)) = tickets::load(tx, ws, id)?
        && t.conversation_id == Some(c)
    {
        return Ok(Some(t.number));
    }
    let conversation = conv::get(tx, ws, c)?;
    if let Some(other) = conversation.ticket_id
        && other != id
    {
        return Err(AppError::conflict(
            "already_escalated",
            format!("conversation {c} already has ticket {other}"),
        ));
    }
    Ok(None)
}

/// Links a new ticket to its conversation and runs the ticket rules.
pub fn after_ticket_created(
    tx: &mut dyn Tx,
    scope: &mut WriteScope,
    t: &Ticket,
    m: &Mutation,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    if let Some(c) = t.conversation_id {
        conv::link_ticket(tx, scope, c, t.id)?;
    }
    rules::on_ticket(
        tx,
        scope,
        t.id,
        &Event::ticket_created(t.id),
        &run_ctx(m, now),
    )
}

/// Runs the ticket-updated rules after a pushed patch.
pub fn after_ticket_updated(
    tx: &mut dyn Tx,
    scope: &mut WriteScope,
    id: TicketId,
    m: &Mutation,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    rules::on_ticket(
        tx,
        scope,
        id,
        &Event::ticket_updated(id, m.op_id),
        &run_ctx(m, now),
    )
}

/// Checks a conversation's text fields.
pub fn check_conversation(c: &Conversation) -> Result<(), AppError> {
    validate::required_text("customerName", &c.customer_name, MAX_SHORT_CHARS)?;
    validate::required_text("subject", &c.subject, MAX_TITLE_CHARS)?;
    validate::check_len("customerContact", &c.customer_contact, MAX_SHORT_CHARS)?;
    Ok(())
}

fn check_message(tx: &mut dyn Tx, ws: WorkspaceId, m: &Message) -> Result<(), AppError> {
    validate::required_text("body", &m.body, MAX_BODY_CHARS)?;
    let existing = conv::messages_by_ids(tx, ws, &[m.id.to_string()])?;
    if existing
        .iter()
        .any(|e| e.conversation_id != m.conversation_id)
    {
        return Err(AppError::conflict(
            "message_exists",
            format!("message {} belongs to another conversation", m.id),
        ));
    }
    Ok(())
}

/// A conversation logged in an app, with its first messages (idempotent by id).
pub fn create_conversation(
    tx: &mut dyn Tx,
    scope: &mut WriteScope,
    m: &Mutation,
    c: &Conversation,
    messages: &[Message],
    latest: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let ws = scope.workspace();
    check_conversation(c)?;
    if messages.len() > 100 {
        return Err(AppError::bad_request(
            "too_many_messages",
            "at most 100 messages with a new conversation",
        ));
    }
    let known = match conv::get(tx, ws, c.id) {
        Ok(_) => true,
        Err(AppError::Client { .. }) => false,
        Err(e) => return Err(e),
    };
    if !known {
        let created_at = c.created_at.min(latest);
        let row = Conversation {
            // The link is made by the escalation itself, never taken on trust.
            ticket_id: None,
            created_at,
            last_message_at: created_at,
            ..c.clone()
        };
        conv::save(tx, scope, &row)?;
    }
    for msg in messages {
        if msg.conversation_id != c.id {
            return Err(AppError::bad_request(
                "message_conversation",
                "a message of another conversation",
            ));
        }
        add_one(tx, scope, m, msg, latest)?;
    }
    if !known {
        rules::on_conversation(
            tx,
            scope,
            c.id,
            &Event::conversation_created(c.id),
            &run_ctx(m, now),
        )?;
    }
    Ok(())
}

fn add_one(
    tx: &mut dyn Tx,
    scope: &mut WriteScope,
    m: &Mutation,
    msg: &Message,
    latest: DateTime<Utc>,
) -> Result<Message, AppError> {
    check_message(tx, scope.workspace(), msg)?;
    let stored = Message {
        agent_id: (msg.author == MessageAuthor::Agent).then_some(m.actor_id),
        at: msg.at.min(latest),
        ..msg.clone()
    };
    conv::add_message(tx, scope, &stored)?;
    Ok(stored)
}

/// A message pushed by an app (an agent reply or a customer's words noted).
pub fn add_message(
    tx: &mut dyn Tx,
    scope: &mut WriteScope,
    m: &Mutation,
    msg: &Message,
    latest: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let stored = add_one(tx, scope, m, msg, latest)?;
    if stored.author == MessageAuthor::Customer {
        rules::on_conversation(
            tx,
            scope,
            stored.conversation_id,
            &Event::customer_message(&stored),
            &run_ctx(m, now),
        )?;
    }
    Ok(())
}

/// Opens, snoozes or closes a conversation.
pub fn set_status(
    tx: &mut dyn Tx,
    scope: &mut WriteScope,
    id: ConversationId,
    status: ConversationStatus,
) -> Result<(), AppError> {
    let mut c = conv::get(tx, scope.workspace(), id)?;
    if c.status != status {
        c.status = status;
        conv::save(tx, scope, &c)?;
    }
    Ok(())
}
