//! Sign-in and sign-out. Login is rate-limited per (email, peer IP) and
//! answers the same 401 for an unknown email and a wrong password.

use crate::AppState;
use crate::auth::{self, Session};
use crate::error::{ApiJson, AppError};
use crate::store::accounts;
use axum::extract::{FromRequestParts, State};
use axum::http::StatusCode;
use axum::http::request::Parts;
use outpost_core::{Agent, Workspace};
use serde::{Deserialize, Serialize};
use std::time::Instant;

/// Login credentials.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LoginRequest {
    pub email: String,
    pub password: String,
    /// Workspace id or name; needed only when the email is in several.
    #[serde(default)]
    pub workspace: Option<String>,
}

/// A new session.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LoginResponse {
    pub token: String,
    pub agent: Agent,
    pub workspace: Workspace,
}

/// The peer IP, for the limiter.
pub struct PeerIp(String);

impl<S: Send + Sync> FromRequestParts<S> for PeerIp {
    type Rejection = AppError;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, AppError> {
        Ok(PeerIp(auth::peer_ip(parts)))
    }
}

/// Signs in and returns a bearer token.
#[utoipa::path(post, path = "/api/v1/auth/login", tag = "auth", security(()),
    request_body(content = serde_json::Value, description = "`{email, password, workspace?}`"),
    responses((status = 200, description = "`{token, agent, workspace}`"),
        (status = 400, description = "Several workspaces match: name one"),
        (status = 401, description = "Wrong email or password"),
        (status = 429, description = "Too many failed attempts")))]
pub async fn login(
    State(state): State<AppState>,
    PeerIp(ip): PeerIp,
    ApiJson(req): ApiJson<LoginRequest>,
) -> Result<ApiJson<LoginResponse>, AppError> {
    let email = req.email.trim().to_lowercase();
    let key = format!("{email}|{ip}");
    state.limiter.check(&key, Instant::now())?;
    let e = email.clone();
    let mut candidates = state
        .store
        .read(move |tx| accounts::credentials(tx, &e).map_err(AppError::from))
        .await?;
    if let Some(w) = req
        .workspace
        .as_deref()
        .map(str::trim)
        .filter(|w| !w.is_empty())
    {
        candidates.retain(|c| c.workspace.name == w || c.workspace.id.to_string() == w);
    }
    if candidates.len() > 1 {
        return Err(AppError::bad_request(
            "workspace_required",
            "this email is in several workspaces: give `workspace` (name or id)",
        ));
    }
    let cand = candidates.pop();
    let hash = cand.as_ref().map(|c| c.password_hash.clone());
    let password = req.password;
    // Verify even when the email is unknown so timing does not reveal it.
    let ok = tokio::task::spawn_blocking(move || match hash {
        Some(h) => auth::verify_password(&password, &h),
        None => {
            let _ = auth::verify_password(&password, dummy_hash());
            false
        }
    })
    .await
    .map_err(|e| AppError::Internal(e.to_string()))?;
    let Some(cand) = cand.filter(|_| ok) else {
        state.limiter.fail(&key, Instant::now());
        metrics::counter!("outpost_logins_total", "result" => "failed").increment(1);
        return Err(AppError::unauthorized("wrong email or password"));
    };
    state.limiter.clear(&key);
    let (token, digest) = auth::new_token();
    let (agent_id, ws_id) = (cand.agent.id, cand.workspace.id);
    state
        .store
        .write(move |tx| {
            accounts::insert_token(tx, &digest, agent_id, ws_id, chrono::Utc::now())
                .map_err(AppError::from)
        })
        .await?;
    metrics::counter!("outpost_logins_total", "result" => "ok").increment(1);
    Ok(ApiJson(LoginResponse {
        token,
        agent: cand.agent,
        workspace: cand.workspace,
    }))
}

/// A standard-cost hash of a random password, verified against when the
/// email is unknown.
fn dummy_hash() -> &'static str {
    static HASH: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    HASH.get_or_init(|| {
        let (random, _) = auth::new_token();
        auth::hash_password(&random, auth::HashCost::Standard).unwrap_or_default()
    })
}

/// Revokes the token of this request.
#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "auth",
    responses((status = 204, description = "Token revoked"), (status = 401, description = "Not signed in")))]
pub async fn logout(
    State(state): State<AppState>,
    session: Session,
) -> Result<StatusCode, AppError> {
    state
        .store
        .write(move |tx| accounts::delete_token(tx, &session.digest).map_err(AppError::from))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The signed-in agent and workspace.
#[utoipa::path(get, path = "/api/v1/auth/me", tag = "auth",
    responses((status = 200, description = "`{agent, workspace}`"), (status = 401, description = "Not signed in")))]
pub async fn me(session: Session) -> ApiJson<serde_json::Value> {
    ApiJson(serde_json::json!({ "agent": session.agent, "workspace": session.workspace }))
}
