//! Generated summaries: an admin configures an OpenAI-compatible endpoint
//! (URL, model, key); on request the server sends it one ticket (title,
//! description, comments) in the chat-completions format and returns a
//! summary and a draft resolution. The key stays on the server: no response
//! carries it.

use crate::AppState;
use crate::auth::Session;
use crate::error::{ApiJson, ApiPath, AppError};
use crate::store::{ai, tickets};
use axum::extract::State;
use axum::http::StatusCode;
use chrono::Utc;
use outpost_core::GeneratedSummary;
use outpost_core::validate::{self, MAX_SHORT_CHARS};
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::time::Duration;

/// How long the model may take.
const TIMEOUT: Duration = Duration::from_secs(60);
/// The most ticket text sent to the model, in characters.
const MAX_PROMPT_CHARS: usize = 24_000;
/// The longest summary or draft kept, in characters.
const MAX_ANSWER_CHARS: usize = 8_000;

/// What an admin sends to configure summaries.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AiSettingsInput {
    /// Base URL of the API, e.g. `https://llm.example.com/v1`.
    pub endpoint: String,
    pub model: String,
    pub api_key: String,
}

/// The configuration as every agent may see it: never the key.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AiSettingsView {
    pub configured: bool,
    pub endpoint: Option<String>,
    pub model: Option<String>,
}

fn view(e: Option<ai::AiEndpoint>) -> AiSettingsView {
    AiSettingsView {
        configured: e.is_some(),
        endpoint: e.as_ref().map(|e| e.endpoint.clone()),
        model: e.map(|e| e.model),
    }
}

fn check_endpoint(url: &str) -> Result<String, AppError> {
    let url = validate::required_text("endpoint", url, 2_000)?;
    let ok = (url.starts_with("https://") || url.starts_with("http://"))
        && !url.contains(char::is_whitespace)
        && url.split("://").nth(1).is_some_and(|rest| !rest.is_empty());
    if !ok {
        return Err(AppError::bad_request(
            "invalid_value",
            "endpoint must be an http(s) URL such as https://llm.example.com/v1",
        ));
    }
    Ok(url.trim_end_matches('/').to_owned())
}

/// Whether summaries are configured (and with which endpoint and model).
#[utoipa::path(get, path = "/api/v1/settings/ai", tag = "settings",
    responses((status = 200, description = "`{configured, endpoint?, model?}` (never the key)")))]
pub async fn get_ai_settings(
    State(state): State<AppState>,
    session: Session,
) -> Result<ApiJson<AiSettingsView>, AppError> {
    let ws = session.workspace.id;
    let e = state
        .store
        .read(move |tx| ai::get(tx, ws).map_err(AppError::from))
        .await?;
    Ok(ApiJson(view(e)))
}

/// Configures the endpoint (admin). The key is kept on the server only.
#[utoipa::path(put, path = "/api/v1/settings/ai", tag = "settings",
    request_body(content = serde_json::Value, description = "`{endpoint, model, apiKey}`"),
    responses((status = 200, description = "`{configured, endpoint, model}`"), (status = 400, description = "Invalid"),
        (status = 403, description = "Needs admin")))]
pub async fn put_ai_settings(
    State(state): State<AppState>,
    session: Session,
    ApiJson(input): ApiJson<AiSettingsInput>,
) -> Result<ApiJson<AiSettingsView>, AppError> {
    session.require_admin()?;
    let e = ai::AiEndpoint {
        endpoint: check_endpoint(&input.endpoint)?,
        model: validate::required_text("model", &input.model, MAX_SHORT_CHARS)?,
        api_key: validate::required_text("apiKey", &input.api_key, 4_000)?,
    };
    let ws = session.workspace.id;
    let saved = e.clone();
    state
        .store
        .write(move |tx| ai::put(tx, ws, &saved, Utc::now()).map_err(AppError::from))
        .await?;
    Ok(ApiJson(view(Some(e))))
}

/// Turns summaries off (admin).
#[utoipa::path(delete, path = "/api/v1/settings/ai", tag = "settings",
    responses((status = 204, description = "Removed"), (status = 403, description = "Needs admin")))]
pub async fn delete_ai_settings(
    State(state): State<AppState>,
    session: Session,
) -> Result<StatusCode, AppError> {
    session.require_admin()?;
    let ws = session.workspace.id;
    state
        .store
        .write(move |tx| ai::clear(tx, ws).map_err(AppError::from))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The model's answer, as asked for in the prompt.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Answer {
    summary: String,
    #[serde(alias = "draft_resolution")]
    draft_resolution: String,
}

fn cut(s: &str, max: usize) -> String {
    s.trim().chars().take(max).collect()
}

/// Reads `{"summary", "draftResolution"}` from the model's text, tolerating
/// a fenced code block; otherwise the whole text is the summary.
fn parse_answer(content: &str) -> (String, String) {
    let trimmed = content.trim();
    let inner = trimmed
        .strip_prefix("```json")
        .or_else(|| trimmed.strip_prefix("```"))
        .and_then(|s| s.strip_suffix("```"))
        .unwrap_or(trimmed);
    match serde_json::from_str::<Answer>(inner.trim()) {
        Ok(a) => (
            cut(&a.summary, MAX_ANSWER_CHARS),
            cut(&a.draft_resolution, MAX_ANSWER_CHARS),
        ),
        Err(_) => (cut(trimmed, MAX_ANSWER_CHARS), String::new()),
    }
}

/// Asks the configured model for a summary and a draft resolution of one
/// ticket. Errors: `ai_not_configured` (409), `ai_unavailable` (502).
#[utoipa::path(post, path = "/api/v1/tickets/{number}/insights/summary", tag = "tickets",
    params(("number" = u64, Path, description = "Ticket number")),
    responses((status = 200, description = "GeneratedSummary `{summary, draftResolution, model, generatedAt}`"),
        (status = 404, description = "No such ticket"), (status = 409, description = "ai_not_configured"),
        (status = 502, description = "ai_unavailable")))]
pub async fn summarize_ticket(
    State(state): State<AppState>,
    session: Session,
    ApiPath(number): ApiPath<u64>,
) -> Result<ApiJson<GeneratedSummary>, AppError> {
    let ws = session.workspace.id;
    let (endpoint, ticket, comments) = state
        .store
        .read(move |tx| {
            let (t, _) = tickets::by_number(tx, ws, number)?;
            let comments = tickets::comments(tx, ws, t.id)?;
            Ok::<_, AppError>((ai::get(tx, ws)?, t, comments))
        })
        .await?;
    let Some(endpoint) = endpoint else {
        return Err(AppError::conflict(
            "ai_not_configured",
            "generated summaries are not configured for this workspace; an admin can set an endpoint in Settings",
        ));
    };
    let mut text = format!(
        "Title: {}\n\nDescription:\n{}\n",
        ticket.title, ticket.description
    );
    for c in &comments {
        text.push_str(&format!(
            "\nComment ({}):\n{}\n",
            c.created_at.to_rfc3339(),
            c.body
        ));
    }
    let text: String = text.chars().take(MAX_PROMPT_CHARS).collect();
    let body = json!({
        "model": endpoint.model,
        "temperature": 0.2,
        "messages": [
            {"role": "system", "content": "You help support agents. Answer only with a JSON object {\"summary\": string, \"draftResolution\": string}: a short summary of the ticket and a draft resolution the agent could send or apply."},
            {"role": "user", "content": text}
        ]
    });
    let unavailable =
        |why: String| AppError::client(StatusCode::BAD_GATEWAY, "ai_unavailable", why);
    let res = reqwest::Client::builder()
        .timeout(TIMEOUT)
        .build()
        .map_err(|e| AppError::Internal(e.to_string()))?
        .post(format!("{}/chat/completions", endpoint.endpoint))
        .bearer_auth(&endpoint.api_key)
        .json(&body)
        .send()
        .await
        .map_err(|e| {
            unavailable(format!(
                "the summary service could not be reached: {}",
                e.without_url()
            ))
        })?;
    let status = res.status();
    if !status.is_success() {
        return Err(unavailable(format!(
            "the summary service answered {status}"
        )));
    }
    let v: serde_json::Value = res
        .json()
        .await
        .map_err(|_| unavailable("the summary service sent an unreadable answer".into()))?;
    let content = v["choices"][0]["message"]["content"]
        .as_str()
        .ok_or_else(|| unavailable("the summary service sent no message".into()))?;
    let (summary, draft_resolution) = parse_answer(content);
    Ok(ApiJson(GeneratedSummary {
        summary,
        draft_resolution,
        model: endpoint.model,
        generated_at: Utc::now(),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_parse_with_or_without_a_fence() {
        let (s, d) = parse_answer("```json\n{\"summary\": \"S\", \"draftResolution\": \"D\"}\n```");
        assert_eq!((s.as_str(), d.as_str()), ("S", "D"));
        let (s, d) = parse_answer("plain words");
        assert_eq!((s.as_str(), d.as_str()), ("plain words", ""));
    }

    #[test]
    fn endpoints_must_be_web_urls() {
        assert_eq!(
            check_endpoint("https://x.test/v1/").unwrap(),
            "https://x.test/v1"
        );
        assert!(check_endpoint("file:///etc").is_err());
        assert!(check_endpoint("http://").is_err());
    }
}
