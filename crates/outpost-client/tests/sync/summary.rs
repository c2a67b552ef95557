//! The generated summary from the app's side, against the real server and a
//! local stand-in speaking the OpenAI chat-completions format: the calls the
//! app's `request_ticket_summary` command makes (ask the server for a synced
//! ticket's summary, cache it in the store), the tab reading it back offline,
//! and the model's key never reaching the device (not in any answer, not in
//! the store file).

use super::*;
use axum::Json;
use axum::routing::post;
use serde_json::{Value, json};

const KEY: &str = "sk-device-must-never-see-7311";

/// A chat-completions stand-in answering one fixed summary; returns its base
/// URL and the `authorization` headers it saw.
async fn stand_in() -> (String, Arc<Mutex<Vec<String>>>) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    let app = axum::Router::new().route(
        "/v1/chat/completions",
        post(
            move |headers: axum::http::HeaderMap, Json(body): Json<Value>| {
                let log = log.clone();
                async move {
                    log.lock().unwrap().push(
                        headers
                            .get("authorization")
                            .and_then(|v| v.to_str().ok())
                            .unwrap_or_default()
                            .to_owned(),
                    );
                    let content = json!({
                        "summary": "The Lyon printer is offline since the firmware update.",
                        "draftResolution": "Roll the printer back to the previous firmware."
                    })
                    .to_string();
                    Json(json!({
                        "id": "chatcmpl-7",
                        "object": "chat.completion",
                        "model": body["model"],
                        "choices": [{"index": 0, "finish_reason": "stop",
                                     "message": {"role": "assistant", "content": content}}]
                    }))
                }
            },
        ),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    (format!("http://{addr}/v1"), seen)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_summary_is_generated_on_the_server_and_cached_on_the_device() {
    let (server, _dir) = sqlite_server().await;
    let emails = server.workspace("Summ").await;
    let device = Device::login(&server, &emails[1], 0).await;
    let id = device.create("Printer offline in Lyon");
    device.sync().await;
    let number = device
        .s()
        .ticket_detail(id)
        .unwrap()
        .card
        .ticket
        .number
        .expect("numbered by the server")
        .0;

    // Not configured yet: a clear error, nothing cached.
    let err = device
        .client
        .ticket_summary(number)
        .await
        .expect_err("no model configured");
    assert_eq!(err.code(), "ai_not_configured", "{err}");
    assert!(device.s().ticket_insights(id).unwrap().summary.is_none());

    // An admin configures the model on the server (the key stays there).
    let (endpoint, seen) = stand_in().await;
    let mut admin = SyncClient::new(&server.url).unwrap();
    let login = admin.login(&emails[0], PASSWORD).await.unwrap();
    assert_eq!(login.agent.email, emails[0]);
    let res = reqwest::Client::new()
        .put(format!("{}/api/v1/settings/ai", server.url))
        .bearer_auth(admin.token().unwrap())
        .json(&json!({ "endpoint": endpoint, "model": "local-model", "apiKey": KEY }))
        .send()
        .await
        .unwrap();
    assert_eq!(
        res.status(),
        200,
        "{}",
        res.text().await.unwrap_or_default()
    );

    // What the command does: ask, then cache.
    let summary = device.client.ticket_summary(number).await.unwrap();
    assert_eq!(
        summary.summary,
        "The Lyon printer is offline since the firmware update."
    );
    assert_eq!(
        summary.draft_resolution,
        "Roll the printer back to the previous firmware."
    );
    assert_eq!(summary.model, "local-model");
    assert_eq!(
        seen.lock().unwrap().as_slice(),
        [format!("Bearer {KEY}")],
        "the server called the model with its key, once"
    );
    device.s().cache_summary(id, &summary).unwrap();

    // Offline (server gone), the tab still shows it, marked as generated.
    let mut server = server;
    server.shutdown().await;
    let insights = device.s().ticket_insights(id).unwrap();
    assert_eq!(insights.summary.as_ref(), Some(&summary));
    assert!(
        device.client.ticket_summary(number).await.is_err(),
        "offline: no new summary"
    );

    // The key is nowhere on the device.
    drop(insights);
    device.s().checkpoint().unwrap();
    for suffix in ["", "-wal"] {
        let file = format!("{}{suffix}", device.path.display());
        if let Ok(bytes) = std::fs::read(&file) {
            assert!(
                !bytes.windows(KEY.len()).any(|w| w == KEY.as_bytes()),
                "the model's key is in {file}"
            );
        }
    }
}
