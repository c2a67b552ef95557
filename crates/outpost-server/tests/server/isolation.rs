//! A token never reaches another workspace: every endpoint, REST and sync,
//! with workspace A's token against workspace B's data.

use crate::both;
use crate::common::*;
use anyhow::Result;
use outpost_core::sync::{MutationOp, MutationStatus, PullResponse};
use outpost_core::{CommentId, TicketId, TicketPatch};
use reqwest::{Method, StatusCode};
use serde_json::json;
use uuid::Uuid;

async fn a_token_never_reaches_another_workspace(b: Backend) -> Result<()> {
    let s = TestServer::start(b).await?;
    let a = s.workspace("Alpha").await?;
    let bws = s.workspace("Beta").await?;
    let t = s.create_ticket(&bws.token, "Beta secret").await?;
    let b_ticket: TicketId = serde_json::from_value(t["id"].clone())?;
    let body = json!({ "channel": "chat", "customerName": "Zed", "subject": "Beta thread" });
    let thread = expect(
        s.req(Method::POST, "/api/v1/conversations", &bws.token)
            .json(&body)
            .send()
            .await?,
        StatusCode::CREATED,
    )
    .await?;
    let conv = thread["conversation"]["id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();

    let not_found = [
        (Method::GET, "/api/v1/tickets/1".to_owned(), None),
        (
            Method::PATCH,
            "/api/v1/tickets/1".to_owned(),
            Some(json!({ "title": "pwned" })),
        ),
        (Method::GET, "/api/v1/tickets/1/comments".to_owned(), None),
        (
            Method::POST,
            "/api/v1/tickets/1/comments".to_owned(),
            Some(json!({ "body": "pwned" })),
        ),
        (Method::GET, "/api/v1/tickets/1/history".to_owned(), None),
        (Method::GET, format!("/api/v1/conversations/{conv}"), None),
        (
            Method::POST,
            format!("/api/v1/conversations/{conv}/messages"),
            Some(json!({ "body": "pwned" })),
        ),
        (
            Method::POST,
            format!("/api/v1/conversations/{conv}/ticket"),
            Some(json!({})),
        ),
        (
            Method::PUT,
            format!("/api/v1/agents/{}", bws.agent.id),
            Some(json!({ "name": "pwned" })),
        ),
    ];
    for (method, path, body) in not_found {
        let token = if method == Method::PUT {
            &a.admin_token
        } else {
            &a.token
        };
        let mut req = s.req(method.clone(), &path, token);
        if let Some(body) = body {
            req = req.json(&body);
        }
        let res = req.send().await?;
        assert_eq!(
            res.status(),
            StatusCode::NOT_FOUND,
            "{method} {path} must not reach workspace B"
        );
    }
    let list = s.get("/api/v1/tickets", &a.token).await?;
    assert_eq!(list["total"], 0, "A's board shows none of B's tickets");
    let csv = s
        .req(Method::GET, "/api/v1/tickets/export.csv", &a.token)
        .send()
        .await?
        .text()
        .await?;
    assert!(
        !csv.contains("Beta secret"),
        "A's export has none of B's tickets: {csv}"
    );
    // B's admin changes B's SLA settings; A's stay the defaults.
    let b_sla = s.get("/api/v1/settings/sla", &bws.token).await?;
    let mut changed = b_sla.clone();
    changed["calendars"][0]["name"] = json!("Beta hours");
    expect(
        s.req(Method::PUT, "/api/v1/settings/sla", &bws.admin_token)
            .json(&changed)
            .send()
            .await?,
        StatusCode::OK,
    )
    .await?;
    // A's admin writes A's settings only.
    expect(
        s.req(Method::PUT, "/api/v1/settings/sla", &a.admin_token)
            .json(&b_sla)
            .send()
            .await?,
        StatusCode::OK,
    )
    .await?;
    let b_now = s.get("/api/v1/settings/sla", &bws.token).await?;
    assert_eq!(b_now, changed, "A's admin did not overwrite B's settings");
    for path in [
        "/api/v1/conversations",
        "/api/v1/agents",
        "/api/v1/categories",
        "/api/v1/settings/sla",
    ] {
        let body = s
            .req(Method::GET, path, &a.token)
            .send()
            .await?
            .text()
            .await?;
        assert!(
            !body.contains("Beta") && !body.contains(&bws.agent.id.to_string()),
            "{path} leaks B: {body}"
        );
    }

    // Sync: A's device cannot touch B's rows, nor use B's device id.
    let pulled: PullResponse = serde_json::from_value(
        expect(
            s.req(Method::POST, "/api/v1/sync/pull", &a.token)
                .json(&json!({}))
                .send()
                .await?,
            StatusCode::OK,
        )
        .await?,
    )?;
    assert!(
        pulled.changes.tickets.is_empty() && pulled.changes.conversations.is_empty(),
        "A pulls nothing of B"
    );
    assert!(
        pulled.changes.agents.iter().all(|ag| ag.id != bws.agent.id),
        "A pulls none of B's agents"
    );
    let boot = s.get("/api/v1/sync/bootstrap", &a.token).await?;
    assert!(
        !boot.to_string().contains("Beta secret"),
        "A's bootstrap has none of B's data"
    );
    let mut dev = s.device(&a.token, a.agent.id).await?;
    let m1 = dev.op(
        now_ms(),
        MutationOp::UpdateTicket {
            id: b_ticket,
            patch: TicketPatch {
                title: Some("pwned".into()),
                ..Default::default()
            },
        },
    );
    let m2 = dev.op(
        now_ms(),
        MutationOp::AddComment {
            id: CommentId(Uuid::now_v7()),
            ticket_id: b_ticket,
            body: "pwned".into(),
            created_at: chrono::Utc::now(),
        },
    );
    let res = s.push(&a.token, dev.id, vec![m1, m2]).await?;
    assert!(
        res.results
            .iter()
            .all(|r| r.status == MutationStatus::Rejected),
        "pushes on B's ticket are rejected: {res:?}"
    );
    let mut b_dev = s.device(&bws.token, bws.agent.id).await?;
    let res = s
        .req(Method::POST, "/api/v1/sync/register", &a.token)
        .json(&json!({ "clientId": b_dev.id }))
        .send()
        .await?;
    assert_eq!(
        expect_error(res, StatusCode::CONFLICT).await?,
        "client_conflict"
    );
    let m = b_dev.op(
        now_ms(),
        MutationOp::UpdateTicket {
            id: b_ticket,
            patch: TicketPatch {
                title: Some("pwned".into()),
                ..Default::default()
            },
        },
    );
    let res = s.push_raw(&a.token, b_dev.id, vec![m]).await?;
    assert_eq!(
        expect_error(res, StatusCode::CONFLICT).await?,
        "unknown_client"
    );

    let t = s.get("/api/v1/tickets/1", &bws.token).await?;
    assert_eq!(t["title"], "Beta secret", "B's ticket is untouched");
    let comments = s.get("/api/v1/tickets/1/comments", &bws.token).await?;
    assert_eq!(
        comments.as_array().map(Vec::len),
        Some(0),
        "no comment reached B's ticket"
    );
    Ok(())
}

both!(a_token_never_reaches_another_workspace);
