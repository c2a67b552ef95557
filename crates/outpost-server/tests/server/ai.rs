//! Generated summaries against a local stand-in speaking the OpenAI
//! chat-completions format: admin-only configuration, the key sent to the
//! model and never to a client, clear errors when unconfigured or when the
//! model fails, and no reach into another workspace.

use crate::both;
use crate::common::*;
use anyhow::Result;
use axum::Json;
use axum::http::{HeaderMap, StatusCode as AxStatus};
use axum::routing::post;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::sync::{Arc, Mutex};

const KEY: &str = "sk-test-secret-4242";

#[derive(Default)]
struct Seen {
    auth: Vec<String>,
    bodies: Vec<Value>,
    fail: bool,
}

/// Starts the stand-in; returns its base URL (`http://127.0.0.1:port/v1`).
async fn stand_in(seen: Arc<Mutex<Seen>>) -> Result<String> {
    let app = axum::Router::new().route(
        "/v1/chat/completions",
        post(move |headers: HeaderMap, Json(body): Json<Value>| {
            let seen = seen.clone();
            async move {
                let mut s = seen.lock().unwrap();
                s.auth.push(
                    headers
                        .get("authorization")
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or_default()
                        .to_owned(),
                );
                s.bodies.push(body.clone());
                if s.fail {
                    return (AxStatus::INTERNAL_SERVER_ERROR, Json(json!({"error": {"message": "boom"}})));
                }
                let content = json!({
                    "summary": "Printer on floor 2 jams on tray 2.",
                    "draftResolution": "Replace the pickup rollers of tray 2."
                })
                .to_string();
                (
                    AxStatus::OK,
                    Json(json!({
                        "id": "chatcmpl-1",
                        "object": "chat.completion",
                        "model": body["model"],
                        "choices": [{"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}]
                    })),
                )
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    tokio::spawn(async move { axum::serve(listener, app).await });
    Ok(format!("http://{addr}/v1"))
}

async fn summaries_use_the_configured_model_and_never_leak_the_key(b: Backend) -> Result<()> {
    let s = TestServer::start(b).await?;
    let w = s.workspace("Ai").await?;
    let other = s.workspace("Other").await?;
    let t = s.create_ticket(&w.token, "Printer jams on tray 2").await?;
    let n = t["number"].as_u64().unwrap_or_default();
    let summary = format!("/api/v1/tickets/{n}/insights/summary");

    let v = s.get("/api/v1/settings/ai", &w.token).await?;
    assert_eq!(v["configured"], false);
    let code = expect_error(
        s.req(Method::POST, &summary, &w.token).send().await?,
        StatusCode::CONFLICT,
    )
    .await?;
    assert_eq!(code, "ai_not_configured");

    let seen = Arc::new(Mutex::new(Seen::default()));
    let url = stand_in(seen.clone()).await?;
    let settings = json!({ "endpoint": url, "model": "local-model", "apiKey": KEY });
    let code = expect_error(
        s.req(Method::PUT, "/api/v1/settings/ai", &w.token)
            .json(&settings)
            .send()
            .await?,
        StatusCode::FORBIDDEN,
    )
    .await?;
    assert_eq!(code, "forbidden", "agents cannot configure it");
    let bad = json!({ "endpoint": "file:///etc/passwd", "model": "m", "apiKey": KEY });
    assert_eq!(
        expect_error(
            s.req(Method::PUT, "/api/v1/settings/ai", &w.admin_token)
                .json(&bad)
                .send()
                .await?,
            StatusCode::BAD_REQUEST
        )
        .await?,
        "invalid_value"
    );
    let res = s
        .req(Method::PUT, "/api/v1/settings/ai", &w.admin_token)
        .json(&settings)
        .send()
        .await?;
    assert_eq!(res.status(), StatusCode::OK);
    let text = res.text().await?;
    assert!(!text.contains(KEY), "the key is not echoed: {text}");
    let res = s
        .req(Method::GET, "/api/v1/settings/ai", &w.token)
        .send()
        .await?;
    let text = res.text().await?;
    assert!(
        text.contains("\"configured\":true") && !text.contains(KEY),
        "{text}"
    );

    let res = s.req(Method::POST, &summary, &w.token).send().await?;
    assert_eq!(res.status(), StatusCode::OK);
    let text = res.text().await?;
    assert!(
        !text.contains(KEY),
        "the key never reaches a client: {text}"
    );
    let got: outpost_core::GeneratedSummary = serde_json::from_str(&text)?;
    assert_eq!(got.summary, "Printer on floor 2 jams on tray 2.");
    assert_eq!(
        got.draft_resolution,
        "Replace the pickup rollers of tray 2."
    );
    assert_eq!(got.model, "local-model");
    {
        let seen = seen.lock().unwrap();
        assert_eq!(
            seen.auth,
            vec![format!("Bearer {KEY}")],
            "the server sends the key to the model"
        );
        assert_eq!(seen.bodies[0]["model"], "local-model");
        let prompt = seen.bodies[0]["messages"][1]["content"]
            .as_str()
            .unwrap_or_default();
        assert!(prompt.contains("Printer jams on tray 2"), "{prompt}");
    }

    // The model failing is a clear 502, not a hang or a 500.
    seen.lock().unwrap().fail = true;
    let code = expect_error(
        s.req(Method::POST, &summary, &w.token).send().await?,
        StatusCode::BAD_GATEWAY,
    )
    .await?;
    assert_eq!(code, "ai_unavailable");

    // Another workspace neither sees the settings nor summarises this ticket.
    let v = s.get("/api/v1/settings/ai", &other.token).await?;
    assert_eq!(v["configured"], false);
    let code = expect_error(
        s.req(Method::POST, &summary, &other.token).send().await?,
        StatusCode::NOT_FOUND,
    )
    .await?;
    assert_eq!(code, "not_found");

    // Turning it off.
    expect(
        s.req(Method::DELETE, "/api/v1/settings/ai", &w.admin_token)
            .send()
            .await?,
        StatusCode::NO_CONTENT,
    )
    .await?;
    let code = expect_error(
        s.req(Method::POST, &summary, &w.token).send().await?,
        StatusCode::CONFLICT,
    )
    .await?;
    assert_eq!(code, "ai_not_configured");
    Ok(())
}

both!(summaries_use_the_configured_model_and_never_leak_the_key);
