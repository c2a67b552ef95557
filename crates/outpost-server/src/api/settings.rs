//! Workspace settings over REST: agents, categories and SLA settings.
//! Reading is for every agent; changing needs the admin role.

use crate::AppState;
use crate::auth::{self, Session};
use crate::error::{ApiJson, ApiPath, AppError};
use crate::store::{WriteScope, accounts};
use axum::extract::State;
use axum::http::StatusCode;
use chrono::Utc;
use outpost_core::sla::SlaSettings;
use outpost_core::validate::{self, MAX_SHORT_CHARS};
use outpost_core::{Agent, AgentId, Category, CategoryId, Role};
use serde::Deserialize;
use uuid::Uuid;

/// The workspace's agents.
#[utoipa::path(get, path = "/api/v1/agents", tag = "settings",
    responses((status = 200, description = "Agent list")))]
pub async fn list_agents(
    State(state): State<AppState>,
    session: Session,
) -> Result<ApiJson<Vec<Agent>>, AppError> {
    let ws = session.workspace.id;
    Ok(ApiJson(
        state
            .store
            .read(move |tx| accounts::list_agents(tx, ws).map_err(AppError::from))
            .await?,
    ))
}

/// A new agent.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NewAgent {
    pub email: String,
    pub name: String,
    pub password: String,
    pub role: Role,
    #[serde(default)]
    pub timezone: Option<String>,
}

/// Adds an agent (admin).
#[utoipa::path(post, path = "/api/v1/agents", tag = "settings",
    request_body(content = serde_json::Value, description = "`{email, name, password, role, timezone?}`"),
    responses((status = 201, description = "Agent"), (status = 403, description = "Needs admin"),
        (status = 409, description = "Email taken")))]
pub async fn create_agent(
    State(state): State<AppState>,
    session: Session,
    ApiJson(new): ApiJson<NewAgent>,
) -> Result<(StatusCode, ApiJson<Agent>), AppError> {
    session.require_admin()?;
    let agent = Agent {
        id: AgentId(Uuid::now_v7()),
        name: validate::required_text("name", &new.name, MAX_SHORT_CHARS)?,
        email: check_email(&new.email)?,
        role: new.role,
        timezone: match new.timezone {
            Some(tz) => validate::timezone(&tz)?.name().to_owned(),
            None => session.workspace.timezone.clone(),
        },
    };
    auth::check_password(&new.password)?;
    let cost = state.config.hash_cost;
    let hash = tokio::task::spawn_blocking(move || auth::hash_password(&new.password, cost))
        .await
        .map_err(|e| AppError::Internal(e.to_string()))??;
    let a = agent.clone();
    state
        .store
        .write(move |tx| {
            let mut scope = WriteScope::begin(tx, session.workspace.id)?;
            accounts::add_agent(tx, &mut scope, &a, &hash)
        })
        .await?;
    Ok((StatusCode::CREATED, ApiJson(agent)))
}

/// Checks and normalises an email address.
pub fn check_email(email: &str) -> Result<String, AppError> {
    let e = validate::required_text("email", email, MAX_SHORT_CHARS)?.to_lowercase();
    match e.split_once('@') {
        Some((user, host))
            if !user.is_empty() && !host.is_empty() && !e.contains(char::is_whitespace) =>
        {
            Ok(e)
        }
        _ => Err(AppError::bad_request(
            "invalid_value",
            "email must look like name@example.com",
        )),
    }
}

/// Changes to an agent.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct AgentChange {
    pub name: Option<String>,
    pub role: Option<Role>,
    pub timezone: Option<String>,
    pub password: Option<String>,
}

/// Changes an agent's name, role, timezone or password (admin).
#[utoipa::path(put, path = "/api/v1/agents/{id}", tag = "settings",
    params(("id" = String, Path, description = "Agent id")),
    request_body(content = serde_json::Value, description = "`{name?, role?, timezone?, password?}`"),
    responses((status = 200, description = "Agent"), (status = 403, description = "Needs admin"),
        (status = 404, description = "Not found")))]
pub async fn update_agent(
    State(state): State<AppState>,
    session: Session,
    ApiPath(id): ApiPath<AgentId>,
    ApiJson(change): ApiJson<AgentChange>,
) -> Result<ApiJson<Agent>, AppError> {
    session.require_admin()?;
    let hash = match change.password.clone() {
        Some(p) => {
            auth::check_password(&p)?;
            let cost = state.config.hash_cost;
            Some(
                tokio::task::spawn_blocking(move || auth::hash_password(&p, cost))
                    .await
                    .map_err(|e| AppError::Internal(e.to_string()))??,
            )
        }
        None => None,
    };
    let agent = state
        .store
        .write(move |tx| {
            let ws = session.workspace.id;
            let mut scope = WriteScope::begin(tx, ws)?;
            let mut a =
                accounts::get_agent(tx, ws, id)?.ok_or_else(|| AppError::not_found("agent"))?;
            if let Some(n) = &change.name {
                a.name = validate::required_text("name", n, MAX_SHORT_CHARS)?;
            }
            if let Some(r) = change.role {
                a.role = r;
            }
            if let Some(tz) = &change.timezone {
                a.timezone = validate::timezone(tz)?.name().to_owned();
            }
            accounts::update_agent(tx, &mut scope, &a, hash.as_deref())?;
            Ok::<_, AppError>(a)
        })
        .await?;
    Ok(ApiJson(agent))
}

/// The workspace's categories.
#[utoipa::path(get, path = "/api/v1/categories", tag = "settings",
    responses((status = 200, description = "Category list")))]
pub async fn list_categories(
    State(state): State<AppState>,
    session: Session,
) -> Result<ApiJson<Vec<Category>>, AppError> {
    let ws = session.workspace.id;
    Ok(ApiJson(
        state
            .store
            .read(move |tx| accounts::list_categories(tx, ws).map_err(AppError::from))
            .await?,
    ))
}

/// A category to create (no id) or rename (with id).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CategoryInput {
    #[serde(default)]
    pub id: Option<CategoryId>,
    pub name: String,
}

/// Creates and renames categories (admin). Categories are never deleted:
/// tickets refer to them.
#[utoipa::path(put, path = "/api/v1/categories", tag = "settings",
    request_body(content = serde_json::Value, description = "`[{id?, name}]`"),
    responses((status = 200, description = "All categories"), (status = 403, description = "Needs admin")))]
pub async fn put_categories(
    State(state): State<AppState>,
    session: Session,
    ApiJson(input): ApiJson<Vec<CategoryInput>>,
) -> Result<ApiJson<Vec<Category>>, AppError> {
    session.require_admin()?;
    let cats = input
        .into_iter()
        .map(|c| {
            Ok(Category {
                id: c.id.unwrap_or(CategoryId(Uuid::now_v7())),
                name: validate::required_text("name", &c.name, MAX_SHORT_CHARS)?,
            })
        })
        .collect::<Result<Vec<_>, AppError>>()?;
    let all = state
        .store
        .write(move |tx| {
            let ws = session.workspace.id;
            let mut scope = WriteScope::begin(tx, ws)?;
            for c in &cats {
                accounts::upsert_category(tx, &mut scope, c)?;
            }
            Ok::<_, AppError>(accounts::list_categories(tx, ws)?)
        })
        .await?;
    Ok(ApiJson(all))
}

/// The workspace's SLA settings: business calendars, policies (first match
/// wins) and the first day of the week for Due This Week.
#[utoipa::path(get, path = "/api/v1/settings/sla", tag = "settings",
    responses((status = 200, description = "SlaSettings `{calendars, policies, weekStart}`")))]
pub async fn get_sla_settings(
    State(state): State<AppState>,
    session: Session,
) -> Result<ApiJson<SlaSettings>, AppError> {
    let ws = session.workspace.id;
    let config = state
        .store
        .read(move |tx| crate::sla::load(tx, ws).map_err(AppError::from))
        .await?;
    Ok(ApiJson(config.settings))
}

/// Replaces the SLA settings (admin). Every open ticket's due date and SLA
/// state are evaluated again with them, and every app receives them through
/// the sync feed.
#[utoipa::path(put, path = "/api/v1/settings/sla", tag = "settings",
    request_body(content = serde_json::Value, description = "SlaSettings `{calendars: [{id, name, calendar}], policies: {policies: [{id, name, priorities, categoryId?, firstResponseMinutes, resolutionMinutes, calendar, atRiskPercent?, atRiskFloorMinutes?}]}, weekStart}`"),
    responses((status = 200, description = "The saved SlaSettings"),
        (status = 400, description = "invalid_value (and the other validation codes): what is wrong"),
        (status = 403, description = "Needs admin")))]
pub async fn put_sla_settings(
    State(state): State<AppState>,
    session: Session,
    ApiJson(body): ApiJson<serde_json::Value>,
) -> Result<ApiJson<SlaSettings>, AppError> {
    session.require_admin()?;
    // A calendar checks itself while it is parsed (e.g. overlapping hours):
    // its message is the answer.
    let settings: SlaSettings = serde_json::from_value(body)
        .map_err(|e| AppError::bad_request("invalid_value", e.to_string()))?;
    settings.validate()?;
    let saved = settings.clone();
    state
        .store
        .write(move |tx| {
            let mut scope = WriteScope::begin(tx, session.workspace.id)?;
            crate::sla::save(tx, &mut scope, &saved, Utc::now())
        })
        .await?;
    Ok(ApiJson(settings))
}
