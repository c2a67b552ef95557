//! The sync protocol: idempotent pushes, rejections that do not block,
//! unique numbers under concurrency, LWW conflicts, pull paging, recovery
//! codes, and SSE pokes (across two processes on PostgreSQL).

use crate::both;
use crate::common::*;
use anyhow::{Context, Result};
use futures_util::StreamExt;
use outpost_core::sync::{MutationOp, MutationStatus, PullResponse};
use outpost_core::{CommentId, NewTicket, Status, TicketId, TicketPatch};
use reqwest::{Method, StatusCode};
use serde_json::json;
use std::collections::HashSet;
use std::time::Duration;
use uuid::Uuid;

fn create(dev: &mut Device, wall: i64, title: &str) -> (TicketId, outpost_core::sync::Mutation) {
    let id = TicketId(Uuid::now_v7());
    let m = dev.op(
        wall,
        MutationOp::CreateTicket {
            id,
            ticket: NewTicket::titled(title),
            created_at: chrono::Utc::now(),
        },
    );
    (id, m)
}

fn status(dev: &mut Device, wall: i64, id: TicketId, s: Status) -> outpost_core::sync::Mutation {
    dev.op(
        wall,
        MutationOp::UpdateTicket {
            id,
            patch: TicketPatch {
                status: Some(s),
                ..Default::default()
            },
        },
    )
}

async fn pull_all(s: &TestServer, token: &str, limit: u32) -> Result<(Vec<PullResponse>, String)> {
    let mut cursor: Option<String> = None;
    let mut pages = Vec::new();
    loop {
        let res = s
            .req(Method::POST, "/api/v1/sync/pull", token)
            .json(&json!({ "cursor": cursor, "limit": limit }))
            .send()
            .await?;
        let page: PullResponse = serde_json::from_value(expect(res, StatusCode::OK).await?)?;
        cursor = Some(page.next_cursor.clone());
        let more = page.has_more;
        pages.push(page);
        if !more {
            return Ok((pages, cursor.unwrap_or_default()));
        }
    }
}

async fn the_same_push_twice_changes_nothing(b: Backend) -> Result<()> {
    let s = TestServer::start(b).await?;
    let ws = s.workspace("Acme").await?;
    let mut dev = s.device(&ws.token, ws.agent.id).await?;
    let (id, m1) = create(&mut dev, now_ms(), "Offline ticket");
    let m2 = dev.op(
        now_ms(),
        MutationOp::AddComment {
            id: CommentId(Uuid::now_v7()),
            ticket_id: id,
            body: "note".into(),
            created_at: chrono::Utc::now(),
        },
    );
    let m3 = status(&mut dev, now_ms(), id, Status::Waiting);
    let outbox = vec![m1, m2, m3];
    let first = s.push(&ws.token, dev.id, outbox.clone()).await?;
    assert!(
        first
            .results
            .iter()
            .all(|r| r.status == MutationStatus::Applied),
        "{first:?}"
    );
    assert_eq!(first.numbers.len(), 1);
    let second = s.push(&ws.token, dev.id, outbox).await?;
    assert!(
        second
            .results
            .iter()
            .all(|r| r.status == MutationStatus::Duplicate),
        "{second:?}"
    );
    assert_eq!(
        second.numbers, first.numbers,
        "a replay repeats the assigned number (lost ack)"
    );
    assert_eq!(
        second.version, first.version,
        "a replay does not bump the version"
    );
    let comments = s.get("/api/v1/tickets/1/comments", &ws.token).await?;
    assert_eq!(
        comments.as_array().map(Vec::len),
        Some(1),
        "no duplicate comment"
    );
    let board = s.get("/api/v1/tickets", &ws.token).await?;
    assert_eq!(board["total"], 1, "no duplicate ticket");
    assert_eq!(board["cards"][0]["ticket"]["status"], "waiting");
    Ok(())
}

async fn an_invalid_mutation_does_not_block_the_rest(b: Backend) -> Result<()> {
    let s = TestServer::start(b).await?;
    let ws = s.workspace("Acme").await?;
    let mut dev = s.device(&ws.token, ws.agent.id).await?;
    let (id, m1) = create(&mut dev, now_ms(), "Good");
    let (_, bad) = create(&mut dev, now_ms(), "   ");
    let ghost = status(&mut dev, now_ms(), TicketId(Uuid::now_v7()), Status::Closed);
    let m4 = status(&mut dev, now_ms(), id, Status::Resolved);
    let res = s.push(&ws.token, dev.id, vec![m1, bad, ghost, m4]).await?;
    let st: Vec<_> = res.results.iter().map(|r| r.status).collect();
    assert_eq!(
        st,
        vec![
            MutationStatus::Applied,
            MutationStatus::Rejected,
            MutationStatus::Rejected,
            MutationStatus::Applied
        ]
    );
    assert_eq!(
        res.results[1].reason.as_ref().map(|r| r.code.as_str()),
        Some("empty_field"),
        "the reason says why"
    );
    assert_eq!(
        res.results[2].reason.as_ref().map(|r| r.code.as_str()),
        Some("not_found")
    );
    let t = s.get("/api/v1/tickets/1", &ws.token).await?;
    assert_eq!(
        t["status"], "resolved",
        "the mutation after the rejected ones applied"
    );
    let res = s.push_raw(&ws.token, Uuid::now_v7(), vec![]).await?;
    assert_eq!(
        expect_error(res, StatusCode::CONFLICT).await?,
        "unknown_client"
    );
    let res = s
        .req(Method::POST, "/api/v1/sync/push", &ws.token)
        .json(&json!({ "clientId": dev.id, "schemaVersion": 99, "mutations": [] }))
        .send()
        .await?;
    assert_eq!(
        expect_error(res, StatusCode::BAD_REQUEST).await?,
        "unsupported_schema"
    );
    Ok(())
}

async fn numbers_stay_unique_under_concurrent_pushes(b: Backend) -> Result<()> {
    let s = std::sync::Arc::new(TestServer::start(b).await?);
    let ws = s.workspace("Acme").await?;
    let mut tasks = Vec::new();
    for c in 0..5 {
        let s = s.clone();
        let token = ws.token.clone();
        let mut dev = Device::new(ws.agent.id);
        tasks.push(tokio::spawn(async move {
            s.register(&token, dev.id).await?;
            let mut numbers = Vec::new();
            for round in 0..3 {
                let outbox: Vec<_> = (0..4)
                    .map(|i| create(&mut dev, now_ms(), &format!("c{c} r{round} t{i}")).1)
                    .collect();
                let res = s.push(&token, dev.id, outbox).await?;
                numbers.extend(res.numbers.iter().map(|n| n.number.0));
            }
            anyhow::Ok(numbers)
        }));
    }
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await??);
    }
    all.sort_unstable();
    assert_eq!(
        all,
        (1..=60).collect::<Vec<u64>>(),
        "60 tickets get the numbers 1..=60, each once"
    );
    Ok(())
}

async fn a_losing_concurrent_edit_leaves_a_conflict_entry(b: Backend) -> Result<()> {
    let s = TestServer::start(b).await?;
    let ws = s.workspace("Acme").await?;
    let mut a = s.device(&ws.token, ws.agent.id).await?;
    let mut c = s.device(&ws.admin_token, ws.admin.id).await?;
    let t0 = now_ms() - 60_000;
    let (id, m) = create(&mut a, t0, "Shared");
    s.push(&ws.token, a.id, vec![m]).await?;
    // Both edit offline; C's edit is later but arrives first.
    let a_edit = status(&mut a, t0 + 1_000, id, Status::Waiting);
    let c_edit = status(&mut c, t0 + 2_000, id, Status::Resolved);
    s.push(&ws.admin_token, c.id, vec![c_edit]).await?;
    let res = s.push(&ws.token, a.id, vec![a_edit]).await?;
    assert_eq!(
        res.results[0].status,
        MutationStatus::Applied,
        "a losing edit is still accepted"
    );
    let t = s.get("/api/v1/tickets/1", &ws.token).await?;
    assert_eq!(
        t["status"], "resolved",
        "the later write wins whatever the arrival order"
    );
    let history = s.get("/api/v1/tickets/1/history", &ws.token).await?;
    let conflict = history
        .as_array()
        .context("history list")?
        .iter()
        .find(|h| h["field"] == "conflict")
        .context("a conflict entry")?;
    assert_eq!(
        conflict["oldValue"], "status=resolved",
        "kept value: {conflict}"
    );
    assert_eq!(
        conflict["newValue"], "status=waiting",
        "lost value: {conflict}"
    );
    // Far-future stamps are clamped: a device 1 day ahead cannot win forever.
    let future = status(&mut a, now_ms() + 86_400_000, id, Status::Closed);
    s.push(&ws.token, a.id, vec![future]).await?;
    let res = s
        .req(Method::PATCH, "/api/v1/tickets/1", &ws.admin_token)
        .json(&json!({ "status": "open" }))
        .send()
        .await?;
    expect(res, StatusCode::OK).await?;
    let (pages, _) = pull_all(&s, &ws.token, 1000).await?;
    let stamp = pages
        .iter()
        .flat_map(|p| &p.changes.tickets)
        .last()
        .context("ticket in the feed")?
        .stamps
        .get(outpost_core::sync::TicketField::Status)
        .context("status stamp")?;
    assert!(
        stamp.wall_ms < now_ms() + 11 * 60_000,
        "stamps are bounded by the drift limit: {stamp:?}"
    );
    Ok(())
}

async fn pull_pages_return_everything_exactly_once(b: Backend) -> Result<()> {
    let s = TestServer::start(b).await?;
    let ws = s.workspace("Acme").await?;
    let mut dev = s.device(&ws.token, ws.agent.id).await?;
    let mut comment_ids = HashSet::new();
    for batch in 0..3 {
        let mut outbox = Vec::new();
        for i in 0..5 {
            let (id, m) = create(&mut dev, now_ms(), &format!("b{batch} t{i}"));
            outbox.push(m);
            let cid = CommentId(Uuid::now_v7());
            comment_ids.insert(cid);
            outbox.push(dev.op(
                now_ms(),
                MutationOp::AddComment {
                    id: cid,
                    ticket_id: id,
                    body: "hi".into(),
                    created_at: chrono::Utc::now(),
                },
            ));
        }
        s.push(&ws.token, dev.id, outbox).await?;
    }
    let (pages, cursor) = pull_all(&s, &ws.token, 7).await?;
    assert!(pages.len() > 3, "small pages split the feed");
    let tickets: Vec<_> = pages
        .iter()
        .flat_map(|p| p.changes.tickets.iter().map(|t| t.ticket.id))
        .collect();
    let unique: HashSet<_> = tickets.iter().collect();
    assert_eq!(
        (tickets.len(), unique.len()),
        (15, 15),
        "each ticket exactly once"
    );
    let comments: Vec<_> = pages
        .iter()
        .flat_map(|p| p.changes.comments.iter().map(|c| c.id))
        .collect();
    assert_eq!(comments.len(), 15);
    assert_eq!(
        comments.into_iter().collect::<HashSet<_>>(),
        comment_ids,
        "each comment exactly once"
    );
    let history = pages.iter().map(|p| p.changes.history.len()).sum::<usize>();
    assert_eq!(
        history, 30,
        "one created event per ticket and one comment event per comment"
    );
    // Nothing new: an empty page; then one edit: exactly that.
    let res = s
        .req(Method::POST, "/api/v1/sync/pull", &ws.token)
        .json(&json!({ "cursor": cursor }))
        .send()
        .await?;
    let page: PullResponse = serde_json::from_value(expect(res, StatusCode::OK).await?)?;
    assert!(
        page.changes.is_empty() && !page.has_more,
        "nothing after the end: {page:?}"
    );
    let res = s
        .req(Method::PATCH, "/api/v1/tickets/3", &ws.token)
        .json(&json!({ "priority": "high" }))
        .send()
        .await?;
    expect(res, StatusCode::OK).await?;
    let res = s
        .req(Method::POST, "/api/v1/sync/pull", &ws.token)
        .json(&json!({ "cursor": page.next_cursor }))
        .send()
        .await?;
    let page: PullResponse = serde_json::from_value(expect(res, StatusCode::OK).await?)?;
    assert_eq!(
        (page.changes.tickets.len(), page.changes.history.len()),
        (1, 1),
        "just the edit and its history"
    );
    // Bootstrap pages the same snapshot.
    let boot = s.get("/api/v1/sync/bootstrap", &ws.token).await?;
    let boot: PullResponse = serde_json::from_value(boot)?;
    assert_eq!(boot.changes.tickets.len(), 15);
    // Recoveries.
    let bad = format!("{}.1.1.x", Uuid::now_v7().simple());
    let res = s
        .req(Method::POST, "/api/v1/sync/pull", &ws.token)
        .json(&json!({ "cursor": bad }))
        .send()
        .await?;
    assert_eq!(
        expect_error(res, StatusCode::GONE).await?,
        "cursor_too_old",
        "a cursor of another database"
    );
    let store = page
        .next_cursor
        .split('.')
        .next()
        .unwrap_or_default()
        .to_owned();
    let ahead = format!("{store}.999999.1.x");
    let res = s
        .req(Method::POST, "/api/v1/sync/pull", &ws.token)
        .json(&json!({ "cursor": ahead }))
        .send()
        .await?;
    assert_eq!(
        expect_error(res, StatusCode::GONE).await?,
        "cursor_too_old",
        "a cursor ahead of the server (restored)"
    );
    Ok(())
}

/// Reads SSE `changed` events until one carries a version above `after`.
async fn wait_for_poke(
    stream: &mut (impl futures_util::Stream<Item = reqwest::Result<bytes::Bytes>> + Unpin),
    after: i64,
) -> Result<i64> {
    let mut buf = String::new();
    loop {
        let chunk = stream.next().await.context("stream ended")??;
        buf.push_str(&String::from_utf8_lossy(&chunk));
        while let Some(end) = buf.find("\n\n") {
            let event: String = buf.drain(..end + 2).collect();
            if event.contains("event: changed")
                && let Some(v) = event
                    .lines()
                    .find_map(|l| l.strip_prefix("data: "))
                    .and_then(|d| d.trim().parse::<i64>().ok())
                && v > after
            {
                return Ok(v);
            }
        }
    }
}

async fn sse_pokes_within_a_second(s: &TestServer, listener: &TestServer, ws: &Ws) -> Result<()> {
    let res = listener
        .req(Method::GET, "/api/v1/sync/events", &ws.token)
        .send()
        .await?;
    assert_eq!(res.status(), StatusCode::OK);
    let mut stream = res.bytes_stream();
    let first =
        tokio::time::timeout(Duration::from_secs(5), wait_for_poke(&mut stream, -1)).await??;
    let mut dev = s.device(&ws.admin_token, ws.admin.id).await?;
    let started = std::time::Instant::now();
    let (_, m) = create(&mut dev, now_ms(), "Poke me");
    let pushed = s.push(&ws.admin_token, dev.id, vec![m]).await?;
    let v =
        tokio::time::timeout(Duration::from_secs(2), wait_for_poke(&mut stream, first)).await??;
    assert!(v >= pushed.version, "the poke carries the new version");
    assert!(
        started.elapsed() < Duration::from_millis(1500),
        "poked in {:?}",
        started.elapsed()
    );
    Ok(())
}

async fn another_clients_push_pokes_sse(b: Backend) -> Result<()> {
    let s = TestServer::start(b).await?;
    let ws = s.workspace("Acme").await?;
    sse_pokes_within_a_second(&s, &s, &ws).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_postgres_processes_poke_each_others_clients() -> Result<()> {
    let s1 = TestServer::start(Backend::Postgres).await?;
    let s2 = s1.sibling().await?;
    let ws = s1.workspace("Acme").await?;
    sse_pokes_within_a_second(&s1, &s2, &ws).await?;
    sse_pokes_within_a_second(&s2, &s1, &ws).await
}

/// A pushed mutation's actor must be the token's agent: an agent naming the
/// admin (to pass the admin-only due-date override and KB edits) or another
/// agent is refused per mutation with `actor_mismatch`, the rest still apply,
/// and the refusal is not recorded against the op (its own agent may send it).
async fn a_push_cannot_act_as_another_agent(b: Backend) -> Result<()> {
    let s = TestServer::start(b).await?;
    let ws = s.workspace("Acme").await?;
    let mut dev = s.device(&ws.token, ws.agent.id).await?;
    let (id, m1) = create(&mut dev, now_ms(), "Spoof target");
    // The same device, but the entries claim to be the admin's.
    dev.actor = ws.admin.id;
    let due = chrono::Utc::now() + chrono::Duration::days(30);
    let spoofed_due = dev.op(
        now_ms(),
        MutationOp::UpdateTicket {
            id,
            patch: TicketPatch {
                due_override: Some(Some(due)),
                ..Default::default()
            },
        },
    );
    let spoofed_comment = dev.op(
        now_ms(),
        MutationOp::AddComment {
            id: CommentId(Uuid::now_v7()),
            ticket_id: id,
            body: "written by the admin, honest".into(),
            created_at: chrono::Utc::now(),
        },
    );
    let spoofed_kb = dev.op(
        now_ms(),
        MutationOp::PutKbArticle {
            id: outpost_core::KbArticleId(Uuid::now_v7()),
            article: outpost_core::kb::KbArticleInput {
                title: "Planted".into(),
                body: "An article no admin wrote".into(),
                tags: Vec::new(),
            },
            updated_at: chrono::Utc::now(),
        },
    );
    dev.actor = ws.agent.id;
    // Stamped after the creation (this test device does not tick an HLC).
    let own = status(&mut dev, now_ms() + 5, id, Status::InProgress);
    let outbox = vec![m1, spoofed_due.clone(), spoofed_comment, spoofed_kb, own];
    let res = s.push(&ws.token, dev.id, outbox.clone()).await?;
    let codes: Vec<_> = res
        .results
        .iter()
        .map(|r| (r.status, r.reason.as_ref().map(|x| x.code.clone())))
        .collect();
    let mismatch = (
        MutationStatus::Rejected,
        Some(outpost_core::sync::codes::ACTOR_MISMATCH.to_owned()),
    );
    assert_eq!(
        codes,
        vec![
            (MutationStatus::Applied, None),
            mismatch.clone(),
            mismatch.clone(),
            mismatch.clone(),
            (MutationStatus::Applied, None),
        ],
        "only the token's agent's own mutations apply"
    );
    let t = s.get("/api/v1/tickets/1", &ws.token).await?;
    assert_eq!(t["status"], "in_progress", "the entry after them applied");
    assert!(t["dueOverride"].is_null(), "no spoofed due date: {t}");
    let comments = s.get("/api/v1/tickets/1/comments", &ws.token).await?;
    assert_eq!(comments.as_array().map(Vec::len), Some(0), "{comments}");
    let kb = s.get("/api/v1/kb/articles", &ws.token).await?;
    assert!(
        !kb.to_string().contains("Planted"),
        "no planted article: {kb}"
    );
    let history = s.get("/api/v1/tickets/1/history", &ws.token).await?;
    assert!(
        history
            .as_array()
            .into_iter()
            .flatten()
            .all(|h| h["actorId"] != ws.admin.id.to_string().as_str()),
        "nothing is attributed to the admin: {history}"
    );
    // A replay is refused the same way; the applied ones are duplicates.
    let again = s.push(&ws.token, dev.id, outbox).await?;
    let st: Vec<_> = again.results.iter().map(|r| r.status).collect();
    assert_eq!(
        st,
        vec![
            MutationStatus::Duplicate,
            MutationStatus::Rejected,
            MutationStatus::Rejected,
            MutationStatus::Rejected,
            MutationStatus::Duplicate,
        ]
    );
    // The admin's own device may send the very same op: the refusal above
    // was about who pushed it, not about the change.
    let admin_dev = s.device(&ws.admin_token, ws.admin.id).await?;
    let mut as_admin = spoofed_due;
    as_admin.client_id = admin_dev.id;
    as_admin.seq = 1;
    let res = s
        .push(&ws.admin_token, admin_dev.id, vec![as_admin])
        .await?;
    assert_eq!(res.results[0].status, MutationStatus::Applied, "{res:?}");
    let t = s.get("/api/v1/tickets/1", &ws.token).await?;
    assert!(t["dueOverride"].is_string(), "the admin's override: {t}");
    Ok(())
}

both!(
    the_same_push_twice_changes_nothing,
    a_push_cannot_act_as_another_agent,
    an_invalid_mutation_does_not_block_the_rest,
    numbers_stay_unique_under_concurrent_pushes,
    a_losing_concurrent_edit_leaves_a_conflict_entry,
    pull_pages_return_everything_exactly_once,
    another_clients_push_pokes_sse,
);
