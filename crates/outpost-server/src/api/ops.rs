//! Operations endpoints: liveness and Prometheus metrics (no auth), and the
//! JSON 404 for unknown routes.

use crate::AppState;
use crate::error::AppError;
use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;

/// Liveness: the process answers and the database accepts a query.
#[utoipa::path(get, path = "/healthz", tag = "ops", security(()),
    responses((status = 200, description = "Healthy"), (status = 500, description = "Database unreachable")))]
pub async fn healthz(State(state): State<AppState>) -> Result<impl IntoResponse, AppError> {
    state
        .store
        .read(|tx| tx.query("SELECT 1", &[]).map_err(AppError::from))
        .await?;
    Ok(axum::Json(
        serde_json::json!({ "status": "ok", "engine": state.store.engine() }),
    ))
}

/// Prometheus text exposition of the server's counters.
#[utoipa::path(get, path = "/metrics", tag = "ops", security(()),
    responses((status = 200, description = "Prometheus text format", content_type = "text/plain")))]
pub async fn metrics(State(state): State<AppState>) -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        state.metrics.render(),
    )
}

/// Unknown routes answer `{code: "not_found"}` like everything else.
pub async fn not_found() -> AppError {
    AppError::not_found("route")
}
