//! Tickets over REST: the happy path end to end, filters and paging, CSV,
//! conversations, and bad input that must answer 4xx with `{code, message}`.

use crate::both;
use crate::common::*;
use anyhow::Result;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

async fn ticket_life_cycle(b: Backend) -> Result<()> {
    let s = TestServer::start(b).await?;
    let ws = s.workspace("Acme").await?;
    let t = s.create_ticket(&ws.token, "Printer offline").await?;
    assert_eq!(t["number"], 1);
    assert_eq!(t["status"], "open");
    assert!(
        t.get("dueAt").is_some() && t.get("slaState").is_some(),
        "tickets carry SLA fields: {t}"
    );
    let patch = json!({ "status": "in_progress", "assigneeId": ws.agent.id, "priority": "urgent" });
    let res = s
        .req(Method::PATCH, "/api/v1/tickets/1", &ws.token)
        .json(&patch)
        .send()
        .await?;
    let t = expect(res, StatusCode::OK).await?;
    assert_eq!(t["status"], "in_progress");
    assert!(
        t["firstResponseAt"].is_string(),
        "moving to In Progress is the first response"
    );
    let res = s
        .req(Method::PATCH, "/api/v1/tickets/1", &ws.token)
        .json(&json!({ "dueOverride": "2030-01-01T00:00:00Z" }))
        .send()
        .await?;
    assert_eq!(
        expect_error(res, StatusCode::FORBIDDEN).await?,
        "forbidden",
        "due override is admin-only"
    );
    let res = s
        .req(Method::PATCH, "/api/v1/tickets/1", &ws.admin_token)
        .json(&json!({ "dueOverride": "2030-01-01T00:00:00Z" }))
        .send()
        .await?;
    assert_eq!(
        expect(res, StatusCode::OK).await?["dueAt"],
        "2030-01-01T00:00:00Z"
    );
    let res = s
        .req(Method::POST, "/api/v1/tickets/1/comments", &ws.token)
        .json(&json!({ "body": "Rebooted it" }))
        .send()
        .await?;
    expect(res, StatusCode::CREATED).await?;
    let comments = s.get("/api/v1/tickets/1/comments", &ws.token).await?;
    assert_eq!(comments[0]["body"], "Rebooted it");
    let history = s.get("/api/v1/tickets/1/history", &ws.token).await?;
    let events = history.as_array().cloned().unwrap_or_default();
    let fields: Vec<&str> = events.iter().filter_map(|h| h["field"].as_str()).collect();
    for f in ["created", "status", "assignee", "priority", "due_date"] {
        assert!(fields.contains(&f), "history records {f}: {fields:?}");
    }
    let got = s.get("/api/v1/tickets/1", &ws.token).await?;
    assert_eq!(got["priority"], "urgent");
    Ok(())
}

async fn board_filters_and_pages(b: Backend) -> Result<()> {
    let s = TestServer::start(b).await?;
    let ws = s.workspace("Acme").await?;
    for i in 0..7 {
        s.create_ticket(&ws.token, &format!("Ticket {i} printer"))
            .await?;
    }
    s.create_ticket(&ws.token, "VPN down").await?;
    let res = s
        .req(Method::PATCH, "/api/v1/tickets/8", &ws.token)
        .json(&json!({ "status": "waiting" }))
        .send()
        .await?;
    expect(res, StatusCode::OK).await?;
    let page = |q: String| {
        s.req(Method::GET, &format!("/api/v1/tickets?{q}"), &ws.token)
            .send()
    };
    let waiting = expect(page("status=waiting".into()).await?, StatusCode::OK).await?;
    assert_eq!(waiting["total"], 1);
    assert_eq!(waiting["cards"][0]["displayNumber"], "TKT-008");
    let found = expect(page("q=PRINT".into()).await?, StatusCode::OK).await?;
    assert_eq!(found["total"], 7, "title search is case-insensitive");
    let by_number = expect(page("q=TKT-008".into()).await?, StatusCode::OK).await?;
    assert_eq!(by_number["cards"][0]["ticket"]["title"], "VPN down");
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let q = match &cursor {
            Some(c) => format!("limit=3&sort=number&cursor={c}"),
            None => "limit=3&sort=number".into(),
        };
        let p = expect(page(q).await?, StatusCode::OK).await?;
        for c in p["cards"].as_array().cloned().unwrap_or_default() {
            seen.push(c["ticket"]["number"].as_u64().unwrap_or(0));
        }
        match p["nextCursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => break,
        }
    }
    assert_eq!(
        seen,
        vec![8, 7, 6, 5, 4, 3, 2, 1],
        "keyset pages list every ticket once, in order"
    );
    let csv = s
        .req(
            Method::GET,
            "/api/v1/tickets/export.csv?status=waiting",
            &ws.token,
        )
        .send()
        .await?;
    assert_eq!(csv.status(), StatusCode::OK);
    let text = csv.text().await?;
    assert!(text.starts_with("Number,Title"), "{text}");
    assert!(text.contains("TKT-008,VPN down,Waiting"), "{text}");
    assert_eq!(
        text.lines().count(),
        2,
        "only the filtered ticket is exported"
    );
    Ok(())
}

async fn bad_input_is_4xx_with_a_code(b: Backend) -> Result<()> {
    let s = TestServer::start(b).await?;
    let ws = s.workspace("Acme").await?;
    let post = |body: Value| {
        s.req(Method::POST, "/api/v1/tickets", &ws.token)
            .json(&body)
            .send()
    };
    assert_eq!(
        expect_error(
            post(json!({ "title": "  " })).await?,
            StatusCode::BAD_REQUEST
        )
        .await?,
        "empty_field"
    );
    assert_eq!(
        expect_error(
            post(json!({ "title": "x".repeat(301) })).await?,
            StatusCode::BAD_REQUEST
        )
        .await?,
        "too_long"
    );
    let code = expect_error(
        post(json!({ "title": "ok", "priority": "whenever" })).await?,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await?;
    assert_eq!(code, "invalid_body");
    let raw = s
        .req(Method::POST, "/api/v1/tickets", &ws.token)
        .header("content-type", "application/json")
        .body("{\"title\": ")
        .send()
        .await?;
    assert_eq!(
        expect_error(raw, StatusCode::BAD_REQUEST).await?,
        "malformed_json"
    );
    let huge = json!({ "title": "big", "description": "x".repeat(2 * 1024 * 1024) });
    // The server answers 413 without reading the rest and drops the
    // connection; send it on a connection of its own so the pooled one the
    // next requests use is not the one being closed.
    let res = reqwest::Client::new()
        .post(format!("{}/api/v1/tickets", s.base))
        .bearer_auth(&ws.token)
        .json(&huge)
        .send()
        .await?;
    assert_eq!(
        expect_error(res, StatusCode::PAYLOAD_TOO_LARGE).await?,
        "body_too_large"
    );
    let res = s
        .req(Method::GET, "/api/v1/tickets?status=sometimes", &ws.token)
        .send()
        .await?;
    assert_eq!(
        expect_error(res, StatusCode::BAD_REQUEST).await?,
        "invalid_value"
    );
    let res = s
        .req(Method::GET, "/api/v1/tickets?cursor=nope", &ws.token)
        .send()
        .await?;
    expect_error(res, StatusCode::BAD_REQUEST).await?;
    let res = s
        .req(Method::GET, "/api/v1/tickets/999", &ws.token)
        .send()
        .await?;
    assert_eq!(expect_error(res, StatusCode::NOT_FOUND).await?, "not_found");
    let res = s
        .req(Method::GET, "/api/v1/tickets/abc", &ws.token)
        .send()
        .await?;
    expect_error(res, StatusCode::NOT_FOUND).await?;
    s.create_ticket(&ws.token, "Real").await?;
    let res = s
        .req(Method::PATCH, "/api/v1/tickets/1", &ws.token)
        .json(&json!({ "assigneeId": uuid::Uuid::now_v7() }))
        .send()
        .await?;
    assert_eq!(
        expect_error(res, StatusCode::BAD_REQUEST).await?,
        "invalid_value",
        "unknown assignee"
    );
    let res = s
        .req(Method::POST, "/api/v1/tickets/1/comments", &ws.token)
        .json(&json!({ "body": "" }))
        .send()
        .await?;
    assert_eq!(
        expect_error(res, StatusCode::BAD_REQUEST).await?,
        "empty_field"
    );
    let res = s
        .req(Method::GET, "/api/v1/nothing-here", &ws.token)
        .send()
        .await?;
    expect_error(res, StatusCode::NOT_FOUND).await?;
    let t = s.get("/api/v1/tickets/1", &ws.token).await?;
    assert_eq!(
        t["assigneeId"],
        Value::Null,
        "a rejected patch changes nothing"
    );
    Ok(())
}

async fn conversations_escalate_to_tickets(b: Backend) -> Result<()> {
    let s = TestServer::start(b).await?;
    let ws = s.workspace("Acme").await?;
    let body = json!({ "channel": "email", "customerName": "Zoe", "customerContact": "zoe@example.com",
        "subject": "Invoice wrong", "body": "I was charged twice" });
    let thread = expect(
        s.req(Method::POST, "/api/v1/conversations", &ws.token)
            .json(&body)
            .send()
            .await?,
        StatusCode::CREATED,
    )
    .await?;
    let id = thread["conversation"]["id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let res = s
        .req(
            Method::POST,
            &format!("/api/v1/conversations/{id}/messages"),
            &ws.token,
        )
        .json(&json!({ "body": "Looking into it" }))
        .send()
        .await?;
    expect(res, StatusCode::CREATED).await?;
    let res = s
        .req(
            Method::POST,
            &format!("/api/v1/conversations/{id}/ticket"),
            &ws.token,
        )
        .json(&json!({ "priority": "high" }))
        .send()
        .await?;
    let t = expect(res, StatusCode::CREATED).await?;
    assert_eq!(t["title"], "Invoice wrong");
    assert_eq!(t["conversationId"], id.as_str());
    // The description is the thread, each message with its author and time.
    let description = t["description"].as_str().unwrap_or_default();
    assert!(
        description.contains("Zoe (") && description.contains("): I was charged twice"),
        "{description}"
    );
    assert!(description.contains("Looking into it"), "{description}");
    let res = s
        .req(
            Method::POST,
            &format!("/api/v1/conversations/{id}/ticket"),
            &ws.token,
        )
        .json(&json!({}))
        .send()
        .await?;
    assert_eq!(
        expect_error(res, StatusCode::CONFLICT).await?,
        "already_escalated"
    );
    let got = expect(
        s.req(
            Method::GET,
            &format!("/api/v1/conversations/{id}"),
            &ws.token,
        )
        .send()
        .await?,
        StatusCode::OK,
    )
    .await?;
    assert_eq!(got["messages"].as_array().map(Vec::len), Some(2));
    assert_eq!(got["conversation"]["ticketId"], t["id"]);
    let list = s.get("/api/v1/conversations", &ws.token).await?;
    assert_eq!(list.as_array().map(Vec::len), Some(1));
    let bad = json!({ "channel": "pigeon", "customerName": "Zoe", "subject": "x" });
    let res = s
        .req(Method::POST, "/api/v1/conversations", &ws.token)
        .json(&bad)
        .send()
        .await?;
    expect_error(res, StatusCode::UNPROCESSABLE_ENTITY).await?;
    Ok(())
}

both!(
    ticket_life_cycle,
    board_filters_and_pages,
    bad_input_is_4xx_with_a_code,
    conversations_escalate_to_tickets,
);
