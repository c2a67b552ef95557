//! Tickets over REST: the board (filters, keyset pages), one ticket by
//! number, create, patch (per-field LWW stamped now by this server), comments,
//! history and CSV export. Every query is scoped to the session's workspace,
//! so another workspace's ticket is simply not found.

use crate::AppState;
use crate::auth::Session;
use crate::db::Tx;
use crate::error::{ApiJson, ApiPath, ApiQuery, AppError};
use crate::store::{WriteScope, board, conversations, rules, tickets};
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use chrono::Utc;
use outpost_core::sync::Hlc;
use outpost_core::{
    AgentId, AssigneeFilter, BoardPage, CategoryId, Comment, CommentId, HistoryEvent, NewTicket,
    SlaBucket, SortOrder, Ticket, TicketId, TicketPatch, TicketQuery, WorkspaceId,
};
use serde::Deserialize;
use uuid::Uuid;

/// Board filters as query parameters; lists are comma-separated.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct BoardParams {
    /// e.g. `open,in_progress`
    pub status: Option<String>,
    /// e.g. `urgent,high`
    pub priority: Option<String>,
    /// `me`, `unassigned` or an agent id.
    pub assignee: Option<String>,
    pub category: Option<CategoryId>,
    pub sla: Option<SlaBucket>,
    /// Ticket number or title words.
    pub q: Option<String>,
    pub sort: Option<SortOrder>,
    pub cursor: Option<String>,
    pub limit: Option<u32>,
}

impl BoardParams {
    fn query(&self) -> Result<TicketQuery, AppError> {
        let list = |s: &Option<String>| -> Vec<String> {
            s.iter()
                .flat_map(|s| s.split(','))
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect()
        };
        let statuses = list(&self.status)
            .iter()
            .map(|s| s.parse())
            .collect::<Result<_, _>>()?;
        let priorities = list(&self.priority)
            .iter()
            .map(|s| s.parse())
            .collect::<Result<_, _>>()?;
        let assignee = match self.assignee.as_deref().map(str::trim) {
            None | Some("") | Some("anyone") => AssigneeFilter::Anyone,
            Some("me") => AssigneeFilter::Me,
            Some("unassigned") => AssigneeFilter::Unassigned,
            Some(id) => AssigneeFilter::Agent(id.parse::<AgentId>().map_err(|_| {
                AppError::bad_request(
                    "invalid_value",
                    "assignee must be me, unassigned or an agent id",
                )
            })?),
        };
        Ok(TicketQuery {
            statuses,
            priorities,
            assignee,
            category_id: self.category,
            sla: self.sla,
            text: self.q.clone(),
            sort: self.sort.unwrap_or_default(),
        })
    }
}

/// A page of the board.
#[utoipa::path(get, path = "/api/v1/tickets", tag = "tickets",
    params(("status" = Option<String>, Query, description = "Comma-separated statuses"),
        ("priority" = Option<String>, Query, description = "Comma-separated priorities"),
        ("assignee" = Option<String>, Query, description = "me, unassigned or an agent id"),
        ("category" = Option<String>, Query, description = "Category id"),
        ("sla" = Option<String>, Query, description = "due_today, due_this_week, overdue, at_risk"),
        ("q" = Option<String>, Query, description = "Ticket number or title words"),
        ("sort" = Option<String>, Query, description = "due_date, priority, updated, created, number"),
        ("cursor" = Option<String>, Query, description = "nextCursor of the previous page"),
        ("limit" = Option<u32>, Query, description = "Page size (max 200)")),
    responses((status = 200, description = "BoardPage `{cards, nextCursor, total}`"),
        (status = 400, description = "Bad filter")))]
pub async fn list_tickets(
    State(state): State<AppState>,
    session: Session,
    ApiQuery(params): ApiQuery<BoardParams>,
) -> Result<ApiJson<BoardPage>, AppError> {
    let query = params.query()?;
    let limit = params.limit.unwrap_or(50);
    let page = state
        .store
        .read(move |tx| {
            board::list(
                tx,
                session.workspace.id,
                &session.agent,
                &query,
                params.cursor.as_deref(),
                limit,
                Utc::now(),
            )
        })
        .await?;
    Ok(ApiJson(page))
}

/// Every matching ticket as CSV (same filters as the board).
#[utoipa::path(get, path = "/api/v1/tickets/export.csv", tag = "tickets",
    responses((status = 200, description = "RFC 4180 CSV", content_type = "text/csv")))]
pub async fn export_tickets(
    State(state): State<AppState>,
    session: Session,
    ApiQuery(params): ApiQuery<BoardParams>,
) -> Result<impl IntoResponse, AppError> {
    let query = params.query()?;
    let rows = state
        .store
        .read(move |tx| board::export(tx, session.workspace.id, &session.agent, &query, Utc::now()))
        .await?;
    let mut buf = Vec::new();
    outpost_core::export::write_csv(&mut buf, rows)
        .map_err(|e| AppError::Internal(e.to_string()))?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"tickets.csv\"",
            ),
        ],
        buf,
    ))
}

/// One ticket by number.
#[utoipa::path(get, path = "/api/v1/tickets/{number}", tag = "tickets",
    params(("number" = u64, Path, description = "Ticket number")),
    responses((status = 200, description = "Ticket"), (status = 404, description = "No such ticket")))]
pub async fn get_ticket(
    State(state): State<AppState>,
    session: Session,
    ApiPath(number): ApiPath<u64>,
) -> Result<ApiJson<Ticket>, AppError> {
    let ws = session.workspace.id;
    let (t, _) = state
        .store
        .read(move |tx| tickets::by_number(tx, ws, number))
        .await?;
    Ok(ApiJson(t))
}

/// Creates a ticket (numbered now).
#[utoipa::path(post, path = "/api/v1/tickets", tag = "tickets",
    request_body(content = serde_json::Value, description = "NewTicket `{title, description?, priority?, categoryId?, assigneeId?, requester?}`"),
    responses((status = 201, description = "Ticket"), (status = 400, description = "Invalid ticket")))]
pub async fn create_ticket(
    State(state): State<AppState>,
    session: Session,
    ApiJson(new): ApiJson<NewTicket>,
) -> Result<(StatusCode, ApiJson<Ticket>), AppError> {
    let node = state.node;
    let t = state
        .store
        .write(move |tx| create_now(tx, session.workspace.id, session.agent.id, node, &new))
        .await?;
    Ok((StatusCode::CREATED, ApiJson(t)))
}

/// Creates `new` now as `actor` (REST: the ticket is numbered at once),
/// linked to its conversation when it has one (that conversation's
/// escalation: one ticket per conversation, with the ids every device
/// derives for it; 409 `already_escalated` if it has one), then runs the
/// `ticket_created` rules. Returns the ticket as the rules left it.
pub(super) fn create_now(
    tx: &mut dyn Tx,
    ws: WorkspaceId,
    actor: AgentId,
    node: Uuid,
    new: &NewTicket,
) -> Result<Ticket, AppError> {
    let mut scope = WriteScope::begin(tx, ws)?;
    let now = crate::store::time(Utc::now().timestamp_millis());
    let (id, op_id) = match new.conversation_id {
        Some(c) => {
            if conversations::get(tx, ws, c)?.ticket_id.is_some() {
                return Err(AppError::conflict(
                    "already_escalated",
                    "this conversation already has a ticket",
                ));
            }
            let id = outpost_core::rules::escalation_ticket_id(c);
            (id, outpost_core::rules::creation_op_id(id))
        }
        None => (TicketId(Uuid::now_v7()), Uuid::now_v7()),
    };
    let origin = tickets::Origin {
        op_id,
        actor,
        stamp: Hlc::tick(None, now.timestamp_millis(), node),
        now,
    };
    let t = tickets::create(tx, &mut scope, id, new, now, &origin)?;
    if let Some(c) = new.conversation_id {
        conversations::link_ticket(tx, &mut scope, c, t.id)?;
    }
    let ctx = rules::RunCtx { actor, node, now };
    let event = outpost_core::rules::Event::ticket_created(t.id);
    rules::on_ticket(tx, &mut scope, t.id, &event, &ctx)?;
    Ok(tickets::load(tx, ws, t.id)?.map_or(t, |(t, _)| t))
}

/// Changes fields of a ticket.
#[utoipa::path(patch, path = "/api/v1/tickets/{number}", tag = "tickets",
    params(("number" = u64, Path, description = "Ticket number")),
    request_body(content = serde_json::Value, description = "TicketPatch; `null` clears a clearable field"),
    responses((status = 200, description = "Ticket"), (status = 400, description = "Invalid patch"),
        (status = 403, description = "Due date override needs admin"), (status = 404, description = "No such ticket")))]
pub async fn patch_ticket(
    State(state): State<AppState>,
    session: Session,
    ApiPath(number): ApiPath<u64>,
    ApiJson(patch): ApiJson<TicketPatch>,
) -> Result<ApiJson<Ticket>, AppError> {
    if patch.due_override.is_some() {
        session.require_admin()?;
    }
    let node = state.node;
    let t = state
        .store
        .write(move |tx| {
            let ws = session.workspace.id;
            let mut scope = WriteScope::begin(tx, ws)?;
            let (t, stamps) = tickets::by_number(tx, ws, number)?;
            let now = crate::store::time(Utc::now().timestamp_millis());
            // Stamped after every write the ticket holds: a REST edit is "now".
            let stamp = Hlc::tick(stamps.newest(), now.timestamp_millis(), node);
            let origin = tickets::Origin {
                op_id: Uuid::now_v7(),
                actor: session.agent.id,
                stamp,
                now,
            };
            let before = tickets::patch(tx, &mut scope, t.id, &patch, &origin)?;
            let ctx = crate::store::rules::RunCtx {
                actor: origin.actor,
                node,
                now,
            };
            let event = outpost_core::rules::Event::ticket_updated(t.id, origin.op_id);
            crate::store::rules::on_ticket(tx, &mut scope, t.id, &event, &ctx)?;
            Ok::<_, AppError>(tickets::load(tx, ws, t.id)?.map_or(before, |(t, _)| t))
        })
        .await?;
    Ok(ApiJson(t))
}

/// A ticket's comments, oldest first.
#[utoipa::path(get, path = "/api/v1/tickets/{number}/comments", tag = "tickets",
    params(("number" = u64, Path, description = "Ticket number")),
    responses((status = 200, description = "Comment list"), (status = 404, description = "No such ticket")))]
pub async fn list_comments(
    State(state): State<AppState>,
    session: Session,
    ApiPath(number): ApiPath<u64>,
) -> Result<ApiJson<Vec<Comment>>, AppError> {
    let ws = session.workspace.id;
    let list = state
        .store
        .read(move |tx| {
            let (t, _) = tickets::by_number(tx, ws, number)?;
            Ok::<_, AppError>(tickets::comments(tx, ws, t.id)?)
        })
        .await?;
    Ok(ApiJson(list))
}

/// A new comment.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NewComment {
    pub body: String,
    #[serde(default)]
    pub mentions: Vec<AgentId>,
}

/// Adds an internal comment.
#[utoipa::path(post, path = "/api/v1/tickets/{number}/comments", tag = "tickets",
    params(("number" = u64, Path, description = "Ticket number")),
    request_body(content = serde_json::Value, description = "`{body, mentions?}`"),
    responses((status = 201, description = "Comment"), (status = 400, description = "Empty or too long"),
        (status = 404, description = "No such ticket")))]
pub async fn add_comment(
    State(state): State<AppState>,
    session: Session,
    ApiPath(number): ApiPath<u64>,
    ApiJson(new): ApiJson<NewComment>,
) -> Result<(StatusCode, ApiJson<Comment>), AppError> {
    let c = state
        .store
        .write(move |tx| {
            let ws = session.workspace.id;
            let mut scope = WriteScope::begin(tx, ws)?;
            let (t, _) = tickets::by_number(tx, ws, number)?;
            let c = Comment {
                id: CommentId(Uuid::now_v7()),
                ticket_id: t.id,
                author_id: session.agent.id,
                body: outpost_core::validate::comment_body(&new.body)?,
                mentions: new.mentions,
                created_at: Utc::now(),
            };
            tickets::add_comment(tx, &mut scope, &c)?;
            Ok::<_, AppError>(c)
        })
        .await?;
    Ok((StatusCode::CREATED, ApiJson(c)))
}

/// A ticket's history (incl. merge conflicts), oldest first.
#[utoipa::path(get, path = "/api/v1/tickets/{number}/history", tag = "tickets",
    params(("number" = u64, Path, description = "Ticket number")),
    responses((status = 200, description = "HistoryEvent list"), (status = 404, description = "No such ticket")))]
pub async fn list_history(
    State(state): State<AppState>,
    session: Session,
    ApiPath(number): ApiPath<u64>,
) -> Result<ApiJson<Vec<HistoryEvent>>, AppError> {
    let ws = session.workspace.id;
    let list = state
        .store
        .read(move |tx| {
            let (t, _) = tickets::by_number(tx, ws, number)?;
            Ok::<_, AppError>(tickets::history(tx, ws, t.id)?)
        })
        .await?;
    Ok(ApiJson(list))
}
