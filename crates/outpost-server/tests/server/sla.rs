//! Server-side SLA: tickets over REST carry the state and due date of the
//! core engine (policies, calendars, history replay), the board's SLA
//! filters follow the clock, and the SLA settings are read by everyone,
//! replaced by admins only (validated), re-evaluate open tickets and reach
//! the apps through the sync feed.

use crate::both;
use crate::common::*;
use anyhow::{Context, Result};
use chrono::{DateTime, Duration, Utc};
use outpost_core::sla::SlaSettings;
use outpost_core::sync::{MutationOp, MutationStatus, PullResponse};
use outpost_core::{NewTicket, Priority, TicketId};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::collections::BTreeSet;
use uuid::Uuid;

fn time(v: &Value) -> Result<DateTime<Utc>> {
    serde_json::from_value(v.clone()).with_context(|| format!("a time: {v}"))
}

async fn get_ticket(s: &TestServer, token: &str, number: u64) -> Result<Value> {
    let path = format!("/api/v1/tickets/{number}");
    s.get(&path, token).await
}

async fn patch(s: &TestServer, token: &str, number: u64, body: Value) -> Result<Value> {
    let path = format!("/api/v1/tickets/{number}");
    expect(
        s.req(Method::PATCH, &path, token)
            .json(&body)
            .send()
            .await?,
        StatusCode::OK,
    )
    .await
}

/// The titles on the board filtered by `sla`.
async fn bucket(s: &TestServer, token: &str, sla: &str) -> Result<BTreeSet<String>> {
    let page = s.get(&format!("/api/v1/tickets?sla={sla}"), token).await?;
    Ok(page["cards"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|c| c["ticket"]["title"].as_str().map(str::to_owned))
        .collect())
}

/// Urgent tickets are on 24/7 (30 min first response, 4 h resolution).
async fn tickets_carry_the_engines_sla(b: Backend) -> Result<()> {
    let s = TestServer::start(b).await?;
    let ws = s.workspace("Acme").await?;
    let res = s
        .req(Method::POST, "/api/v1/tickets", &ws.token)
        .json(&json!({ "title": "Server room flooded", "priority": "urgent" }))
        .send()
        .await?;
    let t = expect(res, StatusCode::CREATED).await?;
    let created = time(&t["createdAt"])?;
    assert_eq!(t["slaState"], "on_track", "{t}");
    assert_eq!(
        time(&t["dueAt"])?,
        created + Duration::minutes(30),
        "first response due in 30 minutes"
    );
    let got = get_ticket(&s, &ws.token, 1).await?;
    assert_eq!(got["dueAt"], t["dueAt"], "reads carry the stored due date");
    // In Progress meets the first response: resolution (4 h) is next.
    let t = patch(&s, &ws.token, 1, json!({ "status": "in_progress" })).await?;
    assert_eq!(time(&t["dueAt"])?, created + Duration::hours(4), "{t}");
    assert_eq!(t["slaState"], "on_track");
    // Waiting pauses every clock.
    let t = patch(&s, &ws.token, 1, json!({ "status": "waiting" })).await?;
    assert_eq!(t["slaState"], "paused", "{t}");
    // An admin's override is the due date.
    let due = Utc::now() + Duration::days(3);
    let t = patch(&s, &ws.admin_token, 1, json!({ "dueOverride": due })).await?;
    assert_eq!(
        time(&t["dueAt"])?.timestamp_millis(),
        due.timestamp_millis(),
        "{t}"
    );
    let list = s.get("/api/v1/tickets", &ws.token).await?;
    assert_eq!(list["cards"][0]["ticket"]["slaState"], "paused");
    assert_eq!(list["cards"][0]["ticket"]["dueAt"], t["dueAt"]);
    Ok(())
}

/// An agent's reply on the linked conversation meets the first response.
async fn an_agent_reply_meets_the_first_response(b: Backend) -> Result<()> {
    let s = TestServer::start(b).await?;
    let ws = s.workspace("Acme").await?;
    let body = json!({ "channel": "chat", "customerName": "Zoe", "subject": "Printer", "body": "It burns" });
    let thread = expect(
        s.req(Method::POST, "/api/v1/conversations", &ws.token)
            .json(&body)
            .send()
            .await?,
        StatusCode::CREATED,
    )
    .await?;
    let conv = thread["conversation"]["id"]
        .as_str()
        .context("id")?
        .to_owned();
    let t = expect(
        s.req(
            Method::POST,
            &format!("/api/v1/conversations/{conv}/ticket"),
            &ws.token,
        )
        .json(&json!({ "priority": "urgent" }))
        .send()
        .await?,
        StatusCode::CREATED,
    )
    .await?;
    let number = t["ticket"]["number"]
        .as_u64()
        .or_else(|| t["number"].as_u64())
        .context("number")?;
    let before = get_ticket(&s, &ws.token, number).await?;
    let created = time(&before["createdAt"])?;
    assert_eq!(time(&before["dueAt"])?, created + Duration::minutes(30));
    expect(
        s.req(
            Method::POST,
            &format!("/api/v1/conversations/{conv}/messages"),
            &ws.token,
        )
        .json(&json!({ "body": "On my way", "author": "agent" }))
        .send()
        .await?,
        StatusCode::CREATED,
    )
    .await?;
    let after = get_ticket(&s, &ws.token, number).await?;
    assert_eq!(
        time(&after["dueAt"])?,
        created + Duration::hours(4),
        "the reply met the first response; resolution is due next: {after}"
    );
    Ok(())
}

/// The buckets of DESIGN §3, computed at the time of the request.
async fn sla_filters_follow_the_clock(b: Backend) -> Result<()> {
    let s = TestServer::start(b).await?;
    let ws = s.workspace("Acme").await?;
    let mut dev = s.device(&ws.token, ws.agent.id).await?;
    let now = Utc::now();
    let mut ops = Vec::new();
    for (title, ago) in [
        // First response (30 min) breached 30 minutes ago.
        ("late", Duration::minutes(60)),
        // 10 minutes left: at risk (floor 15 minutes).
        ("risky", Duration::minutes(20)),
        // At risk 3 seconds from now.
        ("soon risky", Duration::minutes(15) - Duration::seconds(3)),
        ("fresh", Duration::zero()),
    ] {
        ops.push(dev.op(
            now_ms(),
            MutationOp::CreateTicket {
                id: TicketId(Uuid::now_v7()),
                ticket: NewTicket {
                    title: title.into(),
                    description: String::new(),
                    priority: Priority::Urgent,
                    category_id: None,
                    assignee_id: None,
                    requester: String::new(),
                    conversation_id: None,
                },
                created_at: now - ago,
            },
        ));
    }
    let res = s.push(&ws.token, dev.id, ops).await?;
    assert!(
        res.results
            .iter()
            .all(|r| r.status == MutationStatus::Applied),
        "{res:?}"
    );
    let set = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<BTreeSet<_>>();
    assert_eq!(bucket(&s, &ws.token, "overdue").await?, set(&["late"]));
    assert_eq!(bucket(&s, &ws.token, "at_risk").await?, set(&["risky"]));
    assert_eq!(get_ticket(&s, &ws.token, 1).await?["slaState"], "breached");
    assert_eq!(get_ticket(&s, &ws.token, 3).await?["slaState"], "on_track");
    // Due Today / This Week: not breached, due before the end of the period
    // in the agent's timezone (Europe/Paris).
    let tz: chrono_tz::Tz = ws.agent.timezone.parse()?;
    let list = s.get("/api/v1/tickets", &ws.token).await?;
    for (name, b) in [
        ("due_today", outpost_core::SlaBucket::DueToday),
        ("due_this_week", outpost_core::SlaBucket::DueThisWeek),
    ] {
        let end =
            outpost_core::bucket_end(b, Utc::now(), &tz, chrono::Weekday::Mon).context("end")?;
        let expected: BTreeSet<String> = list["cards"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|c| c["ticket"]["slaState"] != "breached")
            .filter(|c| time(&c["ticket"]["dueAt"]).is_ok_and(|d| d < end))
            .filter_map(|c| c["ticket"]["title"].as_str().map(str::to_owned))
            .collect();
        assert!(
            !expected.contains("late"),
            "a breached ticket is never due today"
        );
        assert_eq!(bucket(&s, &ws.token, name).await?, expected, "{name}");
    }
    // Time passes: no edit, yet "soon risky" is at risk now.
    tokio::time::sleep(std::time::Duration::from_secs(4)).await;
    assert_eq!(
        bucket(&s, &ws.token, "at_risk").await?,
        set(&["risky", "soon risky"]),
        "the state follows the clock"
    );
    assert_eq!(get_ticket(&s, &ws.token, 3).await?["slaState"], "at_risk");
    Ok(())
}

/// GET for every agent, PUT for admins, validated; saving re-evaluates open
/// tickets and puts the settings in the sync feed; other workspaces keep
/// theirs.
async fn sla_settings_are_admin_only_validated_and_synced(b: Backend) -> Result<()> {
    let s = TestServer::start(b).await?;
    let ws = s.workspace("Acme").await?;
    let other = s.workspace("Other").await?;
    let path = "/api/v1/settings/sla";
    let got: SlaSettings = serde_json::from_value(s.get(path, &ws.token).await?)?;
    assert_eq!(
        got,
        SlaSettings::defaults(chrono_tz::Europe::Paris),
        "a new workspace has DESIGN §3's defaults in its timezone"
    );
    let res = s
        .req(Method::POST, "/api/v1/tickets", &ws.token)
        .json(&json!({ "title": "Urgent thing", "priority": "urgent" }))
        .send()
        .await?;
    let t = expect(res, StatusCode::CREATED).await?;
    let created = time(&t["createdAt"])?;
    assert_eq!(time(&t["dueAt"])?, created + Duration::minutes(30));

    let mut faster = got.clone();
    let urgent = faster
        .policies
        .policies
        .iter_mut()
        .find(|p| p.id == "urgent")
        .context("urgent policy")?;
    urgent.first_response_minutes = 120;
    let body = serde_json::to_value(&faster)?;
    let res = s
        .req(Method::PUT, path, &ws.token)
        .json(&body)
        .send()
        .await?;
    assert_eq!(expect_error(res, StatusCode::FORBIDDEN).await?, "forbidden");
    let res = s
        .http
        .put(format!("{}{path}", s.base))
        .json(&body)
        .send()
        .await?;
    expect_error(res, StatusCode::UNAUTHORIZED).await?;

    // Invalid: a policy on a calendar that does not exist; two calendars
    // with one id; a malformed document. 400 with a reason, nothing saved.
    let mut missing = faster.clone();
    missing.calendars.clear();
    let mut dup = faster.clone();
    dup.calendars.push(dup.calendars[0].clone());
    for bad in [
        serde_json::to_value(&missing)?,
        serde_json::to_value(&dup)?,
        json!({ "calendars": "nope" }),
        json!([1, 2, 3]),
    ] {
        let res = s
            .req(Method::PUT, path, &ws.admin_token)
            .json(&bad)
            .send()
            .await?;
        let status = res.status();
        assert!(status.is_client_error(), "{status} for {bad}");
        expect_error(res, status).await?;
    }
    let unchanged = s.get(path, &ws.token).await?;
    assert_eq!(serde_json::from_value::<SlaSettings>(unchanged)?, got);

    let saved: SlaSettings = serde_json::from_value(
        expect(
            s.req(Method::PUT, path, &ws.admin_token)
                .json(&body)
                .send()
                .await?,
            StatusCode::OK,
        )
        .await?,
    )?;
    assert_eq!(saved, faster);
    let t = get_ticket(&s, &ws.token, 1).await?;
    assert_eq!(
        time(&t["dueAt"])?,
        created + Duration::minutes(120),
        "open tickets are evaluated with the new settings: {t}"
    );
    // Every device gets them from the feed (bootstrap and pull).
    let pulled: PullResponse = serde_json::from_value(
        expect(
            s.req(Method::POST, "/api/v1/sync/pull", &ws.token)
                .json(&json!({}))
                .send()
                .await?,
            StatusCode::OK,
        )
        .await?,
    )?;
    assert_eq!(pulled.changes.sla_settings.as_ref(), Some(&faster));
    // Another workspace is untouched, and its feed carries its own.
    let theirs: SlaSettings = serde_json::from_value(s.get(path, &other.token).await?)?;
    assert_eq!(theirs, got);
    let boot: PullResponse =
        serde_json::from_value(s.get("/api/v1/sync/bootstrap", &other.token).await?)?;
    assert_eq!(boot.changes.sla_settings.as_ref(), Some(&got));
    Ok(())
}

both!(
    tickets_carry_the_engines_sla,
    an_agent_reply_meets_the_first_response,
    sla_filters_follow_the_clock,
    sla_settings_are_admin_only_validated_and_synced,
);
