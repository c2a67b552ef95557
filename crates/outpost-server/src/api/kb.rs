//! The knowledge base over REST. Every agent reads; writing needs the admin
//! role. Writes land in the change feed, so every device pulls them.

use crate::AppState;
use crate::auth::Session;
use crate::error::{ApiJson, ApiPath, ApiQuery, AppError};
use crate::store::{WriteScope, kb};
use axum::extract::State;
use axum::http::StatusCode;
use chrono::Utc;
use outpost_core::{KbArticle, KbArticleId, KbArticleInput};
use serde::Deserialize;
use uuid::Uuid;

/// The most articles one list returns.
pub const MAX_LIST: u32 = 5_000;

/// List paging.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ListParams {
    /// At most this many (default and cap: 5000).
    pub limit: Option<u32>,
}

/// The workspace's articles, by title.
#[utoipa::path(get, path = "/api/v1/kb/articles", tag = "kb",
    params(("limit" = Option<u32>, Query, description = "At most this many (cap 5000)")),
    responses((status = 200, description = "Article list")))]
pub async fn list_articles(
    State(state): State<AppState>,
    session: Session,
    ApiQuery(p): ApiQuery<ListParams>,
) -> Result<ApiJson<Vec<KbArticle>>, AppError> {
    let ws = session.workspace.id;
    let limit = p.limit.unwrap_or(MAX_LIST).clamp(1, MAX_LIST);
    Ok(ApiJson(
        state
            .store
            .read(move |tx| kb::list(tx, ws, limit).map_err(AppError::from))
            .await?,
    ))
}

/// One article.
#[utoipa::path(get, path = "/api/v1/kb/articles/{id}", tag = "kb",
    params(("id" = String, Path, description = "Article id")),
    responses((status = 200, description = "Article"), (status = 404, description = "Not found")))]
pub async fn get_article(
    State(state): State<AppState>,
    session: Session,
    ApiPath(id): ApiPath<KbArticleId>,
) -> Result<ApiJson<KbArticle>, AppError> {
    let ws = session.workspace.id;
    Ok(ApiJson(
        state.store.read(move |tx| kb::get(tx, ws, id)).await?,
    ))
}

/// Creates an article (admin).
#[utoipa::path(post, path = "/api/v1/kb/articles", tag = "kb",
    request_body(content = serde_json::Value, description = "`{title, body, tags?}` (Markdown body, at most 100000 characters; at most 20 tags)"),
    responses((status = 201, description = "Article"), (status = 400, description = "Invalid"),
        (status = 403, description = "Needs admin")))]
pub async fn create_article(
    State(state): State<AppState>,
    session: Session,
    ApiJson(input): ApiJson<KbArticleInput>,
) -> Result<(StatusCode, ApiJson<KbArticle>), AppError> {
    session.require_admin()?;
    let input = input.validated()?;
    let id = KbArticleId(Uuid::now_v7());
    let article = write(&state, &session, id, input, false).await?;
    Ok((StatusCode::CREATED, ApiJson(article)))
}

/// Replaces an article's title, body and tags (admin).
#[utoipa::path(put, path = "/api/v1/kb/articles/{id}", tag = "kb",
    params(("id" = String, Path, description = "Article id")),
    request_body(content = serde_json::Value, description = "`{title, body, tags?}`"),
    responses((status = 200, description = "Article"), (status = 400, description = "Invalid"),
        (status = 403, description = "Needs admin"), (status = 404, description = "Not found")))]
pub async fn update_article(
    State(state): State<AppState>,
    session: Session,
    ApiPath(id): ApiPath<KbArticleId>,
    ApiJson(input): ApiJson<KbArticleInput>,
) -> Result<ApiJson<KbArticle>, AppError> {
    session.require_admin()?;
    let input = input.validated()?;
    Ok(ApiJson(write(&state, &session, id, input, true).await?))
}

async fn write(
    state: &AppState,
    session: &Session,
    id: KbArticleId,
    input: KbArticleInput,
    must_exist: bool,
) -> Result<KbArticle, AppError> {
    let ws = session.workspace.id;
    let by = session.agent.id;
    state
        .store
        .write(move |tx| {
            if must_exist {
                kb::get(tx, ws, id)?;
            }
            let mut scope = WriteScope::begin(tx, ws)?;
            let now = Utc::now();
            let stamp = kb::server_stamp(tx, ws, id, now)?;
            kb::put(tx, &mut scope, id, &input, by, now, &stamp)?;
            kb::get(tx, ws, id)
        })
        .await
}

/// Deletes an article (admin).
#[utoipa::path(delete, path = "/api/v1/kb/articles/{id}", tag = "kb",
    params(("id" = String, Path, description = "Article id")),
    responses((status = 204, description = "Deleted"), (status = 403, description = "Needs admin"),
        (status = 404, description = "Not found")))]
pub async fn delete_article(
    State(state): State<AppState>,
    session: Session,
    ApiPath(id): ApiPath<KbArticleId>,
) -> Result<StatusCode, AppError> {
    session.require_admin()?;
    let ws = session.workspace.id;
    state
        .store
        .write(move |tx| {
            kb::get(tx, ws, id)?;
            let mut scope = WriteScope::begin(tx, ws)?;
            let now = Utc::now();
            let stamp = kb::server_stamp(tx, ws, id, now)?;
            kb::delete(tx, &mut scope, id, now, &stamp)?;
            Ok::<_, AppError>(())
        })
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
