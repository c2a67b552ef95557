//! The sync endpoints (DESIGN §4): register a device, push an outbox, pull
//! changes after a cursor, bootstrap a new device, and the SSE stream that
//! pokes clients to pull.
//!
//! Error codes a client must handle: `unknown_client` (409: register, then
//! push again), `cursor_too_old` (410: bootstrap again, keep the outbox),
//! `unsupported_schema` (400: the app is too old or too new).

use crate::AppState;
use crate::auth::Session;
use crate::error::{ApiJson, ApiQuery, AppError};
use crate::store::{current_version, sync};
use axum::extract::State;
use axum::response::sse::{Event, KeepAlive, Sse};
use chrono::Utc;
use futures_util::Stream;
use outpost_core::sync::{
    MutationStatus, PROTOCOL_VERSION, PullRequest, PullResponse, PushRequest, PushResponse,
    RegisterRequest, RegisterResponse, codes,
};
use serde::Deserialize;
use std::convert::Infallible;
use std::time::Duration;
use tokio_stream::StreamExt;
use tokio_stream::wrappers::BroadcastStream;

/// Most rows in one pull page.
const PULL_LIMIT: u32 = 1000;
/// Rows in one bootstrap page.
const BOOTSTRAP_LIMIT: u32 = 2000;

fn check_schema(v: u32) -> Result<(), AppError> {
    if v == PROTOCOL_VERSION {
        return Ok(());
    }
    Err(AppError::bad_request(
        codes::UNSUPPORTED_SCHEMA,
        format!("sync protocol {v} is not supported; this server speaks {PROTOCOL_VERSION}"),
    ))
}

/// Registers a device (idempotent).
#[utoipa::path(post, path = "/api/v1/sync/register", tag = "sync",
    request_body(content = serde_json::Value, description = "`{clientId, schemaVersion?}`"),
    responses((status = 200, description = "`{clientId, lastSeq, version}`"),
        (status = 409, description = "client_conflict: the id belongs to another workspace")))]
pub async fn register(
    State(state): State<AppState>,
    session: Session,
    ApiJson(req): ApiJson<RegisterRequest>,
) -> Result<ApiJson<RegisterResponse>, AppError> {
    check_schema(req.schema_version)?;
    let res = state
        .store
        .write(move |tx| {
            sync::register(
                tx,
                session.workspace.id,
                &session.agent,
                req.client_id,
                Utc::now(),
            )
        })
        .await?;
    Ok(ApiJson(res))
}

/// Applies an outbox in order, in one transaction, as the token's agent: a
/// mutation naming another `actorId` is rejected with `actor_mismatch`.
#[utoipa::path(post, path = "/api/v1/sync/push", tag = "sync",
    request_body(content = serde_json::Value, description = "`{clientId, schemaVersion, mutations: [Mutation]}`; each mutation's `actorId` must be the token's agent"),
    responses((status = 200, description = "`{results, numbers, version}`"),
        (status = 400, description = "unsupported_schema"), (status = 409, description = "unknown_client")))]
pub async fn push(
    State(state): State<AppState>,
    session: Session,
    ApiJson(req): ApiJson<PushRequest>,
) -> Result<ApiJson<PushResponse>, AppError> {
    check_schema(req.schema_version)?;
    let res = state
        .store
        .write(move |tx| sync::push(tx, session.workspace.id, &session.agent, &req, Utc::now()))
        .await?;
    for r in &res.results {
        let status = match r.status {
            MutationStatus::Applied => "applied",
            MutationStatus::Duplicate => "duplicate",
            MutationStatus::Rejected => "rejected",
        };
        metrics::counter!("outpost_sync_mutations_total", "status" => status).increment(1);
    }
    Ok(ApiJson(res))
}

/// The changes after a cursor, one page.
#[utoipa::path(post, path = "/api/v1/sync/pull", tag = "sync",
    request_body(content = serde_json::Value, description = "`{cursor?, schemaVersion?, limit?}`"),
    responses((status = 200, description = "`{changes, nextCursor, hasMore, version}`"),
        (status = 410, description = "cursor_too_old")))]
pub async fn pull(
    State(state): State<AppState>,
    session: Session,
    ApiJson(req): ApiJson<PullRequest>,
) -> Result<ApiJson<PullResponse>, AppError> {
    if let Some(v) = req.schema_version {
        check_schema(v)?;
    }
    let limit = req.limit.unwrap_or(PULL_LIMIT).clamp(1, PULL_LIMIT);
    let agent = session.agent.id;
    let mut res = state
        .store
        .read(move |tx| sync::pull(tx, session.workspace.id, req.cursor.as_deref(), limit))
        .await?;
    crate::store::notified::retain_own(&mut res.changes, agent);
    Ok(ApiJson(res))
}

/// Bootstrap paging.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct BootstrapParams {
    /// `nextCursor` of the previous page; absent for the first.
    pub page: Option<String>,
}

/// A page of the full snapshot for a new device. Follow `nextCursor` (as
/// `page`) while `hasMore`; then pull from the last `nextCursor`.
#[utoipa::path(get, path = "/api/v1/sync/bootstrap", tag = "sync",
    params(("page" = Option<String>, Query, description = "nextCursor of the previous page")),
    responses((status = 200, description = "`{changes, nextCursor, hasMore, version}`")))]
pub async fn bootstrap(
    State(state): State<AppState>,
    session: Session,
    ApiQuery(params): ApiQuery<BootstrapParams>,
) -> Result<ApiJson<PullResponse>, AppError> {
    let agent = session.agent.id;
    let mut res = state
        .store
        .read(move |tx| {
            sync::pull(
                tx,
                session.workspace.id,
                params.page.as_deref(),
                BOOTSTRAP_LIMIT,
            )
        })
        .await?;
    crate::store::notified::retain_own(&mut res.changes, agent);
    Ok(ApiJson(res))
}

/// Server-sent events: `event: changed`, `data: <version>` now and whenever
/// the workspace's version moves. Clients pull when poked.
#[utoipa::path(get, path = "/api/v1/sync/events", tag = "sync",
    responses((status = 200, description = "text/event-stream of `changed` events", content_type = "text/event-stream")))]
pub async fn events(
    State(state): State<AppState>,
    session: Session,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, AppError> {
    let ws = session.workspace.id;
    let rx = state.store.subscribe();
    let now = state
        .store
        .read(move |tx| current_version(tx, ws).map_err(AppError::from))
        .await?;
    let first = tokio_stream::once(Ok(changed(now)));
    let pokes = BroadcastStream::new(rx).filter_map(move |p| match p {
        Ok(p) if p.workspace == ws => Some(Ok(changed(p.version))),
        Ok(_) => None,
        // Missed some: poke anyway, the client pulls everything after its cursor.
        Err(_) => Some(Ok(changed(-1))),
    });
    Ok(Sse::new(first.chain(pokes)).keep_alive(KeepAlive::new().interval(Duration::from_secs(15))))
}

fn changed(version: i64) -> Event {
    Event::default().event("changed").data(version.to_string())
}
