//! The Inbox over REST: conversations, their messages, and escalation of a
//! conversation into a linked ticket.

use crate::AppState;
use crate::auth::Session;
use crate::error::{ApiJson, ApiPath, AppError};
use crate::store::{WriteScope, conversations as conv, rules};
use axum::extract::State;
use axum::http::StatusCode;
use chrono::Utc;
use outpost_core::rules::Event;
use outpost_core::validate::{self, MAX_BODY_CHARS, MAX_SHORT_CHARS, MAX_TITLE_CHARS};
use outpost_core::{
    AgentId, CategoryId, Channel, Conversation, ConversationId, ConversationStatus, Message,
    MessageAuthor, MessageId, Priority, Ticket,
};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// A new conversation, optionally with its first customer message.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NewConversation {
    pub channel: Channel,
    pub customer_name: String,
    #[serde(default)]
    pub customer_contact: String,
    pub subject: String,
    #[serde(default)]
    pub body: Option<String>,
}

/// A conversation with its messages.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ConversationThread {
    pub conversation: Conversation,
    pub messages: Vec<Message>,
}

/// The newest conversations.
#[utoipa::path(get, path = "/api/v1/conversations", tag = "inbox",
    responses((status = 200, description = "Conversation list, newest first")))]
pub async fn list_conversations(
    State(state): State<AppState>,
    session: Session,
) -> Result<ApiJson<Vec<Conversation>>, AppError> {
    let ws = session.workspace.id;
    Ok(ApiJson(
        state
            .store
            .read(move |tx| conv::list(tx, ws, 500).map_err(AppError::from))
            .await?,
    ))
}

/// Opens a conversation.
#[utoipa::path(post, path = "/api/v1/conversations", tag = "inbox",
    request_body(content = serde_json::Value, description = "`{channel, customerName, customerContact?, subject, body?}`"),
    responses((status = 201, description = "ConversationThread"), (status = 400, description = "Invalid")))]
pub async fn create_conversation(
    State(state): State<AppState>,
    session: Session,
    ApiJson(new): ApiJson<NewConversation>,
) -> Result<(StatusCode, ApiJson<ConversationThread>), AppError> {
    let customer_name =
        validate::required_text("customerName", &new.customer_name, MAX_SHORT_CHARS)?;
    let subject = validate::required_text("subject", &new.subject, MAX_TITLE_CHARS)?;
    validate::check_len("customerContact", &new.customer_contact, MAX_SHORT_CHARS)?;
    if let Some(b) = &new.body {
        validate::check_len("body", b, MAX_BODY_CHARS)?;
    }
    let node = state.node;
    let thread = state
        .store
        .write(move |tx| {
            let mut scope = WriteScope::begin(tx, session.workspace.id)?;
            let now = crate::store::time(Utc::now().timestamp_millis());
            let c = Conversation {
                id: ConversationId(Uuid::now_v7()),
                channel: new.channel,
                status: ConversationStatus::Open,
                customer_name,
                customer_contact: new.customer_contact.trim().to_owned(),
                subject,
                ticket_id: None,
                created_at: now,
                last_message_at: now,
            };
            conv::save(tx, &mut scope, &c)?;
            let mut messages = Vec::new();
            if let Some(body) = new.body.filter(|b| !b.trim().is_empty()) {
                let m = Message {
                    id: MessageId(Uuid::now_v7()),
                    conversation_id: c.id,
                    author: MessageAuthor::Customer,
                    agent_id: None,
                    body,
                    at: now,
                };
                conv::add_message(tx, &mut scope, &m)?;
                messages.push(m);
            }
            let ctx = rules::RunCtx {
                actor: session.agent.id,
                node,
                now,
            };
            rules::on_conversation(
                tx,
                &mut scope,
                c.id,
                &Event::conversation_created(c.id),
                &ctx,
            )?;
            Ok::<_, AppError>(ConversationThread {
                conversation: conv::get(tx, scope.workspace(), c.id)?,
                messages,
            })
        })
        .await?;
    Ok((StatusCode::CREATED, ApiJson(thread)))
}

/// One conversation with its messages.
#[utoipa::path(get, path = "/api/v1/conversations/{id}", tag = "inbox",
    params(("id" = String, Path, description = "Conversation id")),
    responses((status = 200, description = "ConversationThread"), (status = 404, description = "Not found")))]
pub async fn get_conversation(
    State(state): State<AppState>,
    session: Session,
    ApiPath(id): ApiPath<ConversationId>,
) -> Result<ApiJson<ConversationThread>, AppError> {
    let ws = session.workspace.id;
    let thread = state
        .store
        .read(move |tx| {
            let conversation = conv::get(tx, ws, id)?;
            let messages = conv::messages(tx, ws, id)?;
            Ok::<_, AppError>(ConversationThread {
                conversation,
                messages,
            })
        })
        .await?;
    Ok(ApiJson(thread))
}

/// A new message; `author` defaults to the signed-in agent.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NewMessage {
    pub body: String,
    #[serde(default)]
    pub author: Option<MessageAuthor>,
}

/// Appends a message to a conversation.
#[utoipa::path(post, path = "/api/v1/conversations/{id}/messages", tag = "inbox",
    params(("id" = String, Path, description = "Conversation id")),
    request_body(content = serde_json::Value, description = "`{body, author?: customer|agent}`"),
    responses((status = 201, description = "Message"), (status = 404, description = "Not found")))]
pub async fn add_message(
    State(state): State<AppState>,
    session: Session,
    ApiPath(id): ApiPath<ConversationId>,
    ApiJson(new): ApiJson<NewMessage>,
) -> Result<(StatusCode, ApiJson<Message>), AppError> {
    let body = validate::required_text("body", &new.body, MAX_BODY_CHARS)?;
    let author = new.author.unwrap_or(MessageAuthor::Agent);
    let node = state.node;
    let m = state
        .store
        .write(move |tx| {
            let mut scope = WriteScope::begin(tx, session.workspace.id)?;
            let m = Message {
                id: MessageId(Uuid::now_v7()),
                conversation_id: id,
                author,
                agent_id: (author == MessageAuthor::Agent).then_some(session.agent.id),
                body,
                at: Utc::now(),
            };
            conv::add_message(tx, &mut scope, &m)?;
            if author == MessageAuthor::Customer {
                let ctx = rules::RunCtx {
                    actor: session.agent.id,
                    node,
                    now: m.at,
                };
                rules::on_conversation(tx, &mut scope, id, &Event::customer_message(&m), &ctx)?;
            }
            Ok::<_, AppError>(m)
        })
        .await?;
    Ok((StatusCode::CREATED, ApiJson(m)))
}

/// Ticket fields for an escalation (all optional).
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Escalation {
    pub title: Option<String>,
    pub description: Option<String>,
    pub priority: Option<Priority>,
    pub category_id: Option<CategoryId>,
    pub assignee_id: Option<AgentId>,
}

/// Creates a ticket linked to the conversation (409 if it already has one).
#[utoipa::path(post, path = "/api/v1/conversations/{id}/ticket", tag = "inbox",
    params(("id" = String, Path, description = "Conversation id")),
    request_body(content = serde_json::Value, description = "`{title?, description?, priority?, categoryId?, assigneeId?}`"),
    responses((status = 201, description = "Ticket"), (status = 404, description = "Not found"),
        (status = 409, description = "Already escalated")))]
pub async fn escalate(
    State(state): State<AppState>,
    session: Session,
    ApiPath(id): ApiPath<ConversationId>,
    ApiJson(esc): ApiJson<Escalation>,
) -> Result<(StatusCode, ApiJson<Ticket>), AppError> {
    let node = state.node;
    let t = state
        .store
        .write(move |tx| {
            let ws = session.workspace.id;
            let c = conv::get(tx, ws, id)?;
            let messages = conv::messages(tx, ws, id)?;
            let mut new = outpost_core::rules::ticket_from_conversation(
                &c,
                &messages,
                esc.priority.unwrap_or(Priority::Normal),
                esc.category_id,
                esc.assignee_id,
            );
            if let Some(title) = esc.title {
                new.title = validate::title(&title)?;
            }
            if let Some(d) = esc.description {
                validate::check_len("description", &d, MAX_BODY_CHARS)?;
                new.description = d;
            }
            super::tickets::create_now(tx, ws, session.agent.id, node, &new)
        })
        .await?;
    Ok((StatusCode::CREATED, ApiJson(t)))
}
