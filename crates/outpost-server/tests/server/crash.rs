//! Crash safety of the real `outpost-server` binary: several devices push
//! their outboxes concurrently, the server process is killed with SIGKILL
//! mid-way, restarted on the same database, and the devices push again
//! (replaying whatever was in flight). Every acknowledged mutation must be
//! in the database exactly once, every comment and its history event exactly
//! once, and ticket numbers unique.

use crate::common::*;
use anyhow::{Context, Result, bail, ensure};
use outpost_core::sync::{
    Mutation, MutationOp, MutationStatus, PROTOCOL_VERSION, PushRequest, PushResponse,
};
use outpost_core::{CommentId, NewTicket, Status, TicketId, TicketPatch};
use outpost_server::{Store, params};
use std::collections::{HashMap, HashSet};
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};
use uuid::Uuid;

const DEVICES: usize = 6;
const COMMENTS_PER_DEVICE: usize = 60;
const BATCH: usize = 4;

/// The `outpost-server` binary serving `database` on 127.0.0.1:0.
struct ServerProcess {
    child: Child,
    base: String,
}

impl ServerProcess {
    fn start(database: &str) -> Result<ServerProcess> {
        let mut child = Command::new(env!("CARGO_BIN_EXE_outpost-server"))
            .args(["--listen", "127.0.0.1:0", "--database", database])
            .args(["--log-level", "warn", "serve"])
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .context("spawning outpost-server")?;
        let mut out = BufReader::new(child.stdout.take().context("stdout")?);
        let mut line = String::new();
        out.read_line(&mut line)?;
        let Some(base) = line
            .split_whitespace()
            .find(|w| w.starts_with("http://"))
            .map(str::to_owned)
        else {
            let _ = child.kill();
            bail!("unexpected first line from outpost-server: {line:?}");
        };
        // Keep draining stdout (logs) so the server never blocks on a full pipe.
        std::thread::spawn(move || {
            let mut sink = String::new();
            while out.read_line(&mut sink).map(|n| n > 0).unwrap_or(false) {
                sink.clear();
            }
        });
        Ok(ServerProcess { child, base })
    }

    /// SIGKILL: no graceful shutdown, no flush, no rollback handler.
    fn kill9(&mut self) -> Result<()> {
        self.child.kill()?;
        let status = self.child.wait()?;
        ensure!(!status.success(), "the server was killed, not stopped");
        Ok(())
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One device's outbox and what the server acknowledged of it.
struct Outbox {
    token: String,
    device: Device,
    mutations: Vec<Mutation>,
    /// Index of the first mutation not yet acknowledged.
    acked: usize,
    ticket: TicketId,
    comments: Vec<CommentId>,
}

fn outbox(token: String, actor: outpost_core::AgentId, name: usize) -> Outbox {
    let mut device = Device::new(actor);
    let ticket = TicketId(Uuid::now_v7());
    let mut mutations = vec![device.op(
        now_ms(),
        MutationOp::CreateTicket {
            id: ticket,
            ticket: NewTicket::titled(format!("Device {name} ticket")),
            created_at: chrono::Utc::now(),
        },
    )];
    let mut comments = Vec::new();
    for i in 0..COMMENTS_PER_DEVICE {
        let id = CommentId(Uuid::now_v7());
        comments.push(id);
        mutations.push(device.op(
            now_ms(),
            MutationOp::AddComment {
                id,
                ticket_id: ticket,
                body: format!("device {name} comment {i}"),
                created_at: chrono::Utc::now(),
            },
        ));
        if i % 15 == 14 {
            let status = [Status::InProgress, Status::Waiting][i / 15 % 2];
            mutations.push(device.op(
                now_ms(),
                MutationOp::UpdateTicket {
                    id: ticket,
                    patch: TicketPatch {
                        status: Some(status),
                        ..Default::default()
                    },
                },
            ));
        }
    }
    Outbox {
        token,
        device,
        mutations,
        acked: 0,
        ticket,
        comments,
    }
}

/// Pushes the outbox in small batches until all of it is acknowledged,
/// retrying (with the same mutations) while the server is down. `acked`
/// counts acknowledged mutations across devices.
async fn push_all(
    ob: Arc<Mutex<Outbox>>,
    base: Arc<RwLock<String>>,
    acked: Arc<AtomicUsize>,
) -> Result<()> {
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()?;
    let deadline = Instant::now() + Duration::from_secs(120);
    let mut registered = false;
    loop {
        ensure!(Instant::now() < deadline, "device never finished pushing");
        let (req, token) = {
            let o = ob.lock().unwrap();
            if o.acked == o.mutations.len() {
                return Ok(());
            }
            let end = (o.acked + BATCH).min(o.mutations.len());
            (
                PushRequest {
                    client_id: o.device.id,
                    schema_version: PROTOCOL_VERSION,
                    mutations: o.mutations[o.acked..end].to_vec(),
                },
                o.token.clone(),
            )
        };
        let url = base.read().unwrap().clone();
        if !registered {
            let res = http
                .post(format!("{url}/api/v1/sync/register"))
                .bearer_auth(&token)
                .json(&serde_json::json!({ "clientId": req.client_id }))
                .send()
                .await;
            match res {
                Ok(r) if r.status().is_success() => registered = true,
                _ => {
                    tokio::time::sleep(Duration::from_millis(20)).await;
                    continue;
                }
            }
        }
        let res = http
            .post(format!("{url}/api/v1/sync/push"))
            .bearer_auth(&token)
            .json(&req)
            .send()
            .await;
        let answer: PushResponse = match res {
            Ok(r) if r.status().is_success() => match r.json().await {
                Ok(a) => a,
                // The connection died mid-answer: the acknowledgement is lost.
                Err(_) => continue,
            },
            Ok(r) => bail!("push refused: {} {}", r.status(), r.text().await?),
            Err(_) => {
                tokio::time::sleep(Duration::from_millis(20)).await;
                continue;
            }
        };
        ensure!(
            answer.results.len() == req.mutations.len(),
            "one result per mutation"
        );
        for r in &answer.results {
            ensure!(
                r.status != MutationStatus::Rejected,
                "nothing here is invalid: {r:?}"
            );
        }
        ob.lock().unwrap().acked += req.mutations.len();
        acked.fetch_add(req.mutations.len(), Ordering::SeqCst);
        tokio::time::sleep(Duration::from_millis(8)).await;
    }
}

async fn count(store: &Store, sql: &'static str, ws: String) -> Result<Vec<(String, i64)>> {
    Ok(store
        .read(move |tx| -> Result<_, outpost_server::AppError> {
            let rows = tx.query(sql, params![ws])?;
            rows.into_iter()
                .map(|r| Ok((r.text(0)?, r.int(1)?)))
                .collect()
        })
        .await?)
}

async fn kill9_during_concurrent_pushes_loses_and_duplicates_nothing(b: Backend) -> Result<()> {
    // The database: a file the processes share, or a fresh PostgreSQL one.
    let tmp = tempfile::tempdir()?;
    let mut _pg = None;
    let url = match b {
        Backend::Sqlite => format!("sqlite://{}", tmp.path().join("outpost.db").display()),
        Backend::Postgres => {
            let db = PgDatabase::create().await?;
            let url = db.url.clone();
            _pg = Some(db);
            url
        }
    };
    let (ws, agent) = {
        let store = Store::open(&url).await?;
        let (ws, _) = outpost_server::setup::create_workspace(
            &store,
            "Crash",
            "UTC",
            "admin@crash.test",
            PASSWORD,
            outpost_server::auth::HashCost::Fast,
        )
        .await
        .map_err(anyhow::Error::msg)?;
        let agent = outpost_server::setup::add_agent(
            &store,
            "Crash",
            "agent@crash.test",
            "Agent",
            PASSWORD,
            outpost_core::Role::Agent,
            outpost_server::auth::HashCost::Fast,
        )
        .await
        .map_err(anyhow::Error::msg)?;
        (ws, agent)
    };

    let mut server = ServerProcess::start(&url)?;
    let base = Arc::new(RwLock::new(server.base.clone()));
    let http = reqwest::Client::new();
    let mut outboxes = Vec::new();
    for d in 0..DEVICES {
        let res = http
            .post(format!("{}/api/v1/auth/login", server.base))
            .json(&serde_json::json!({ "email": "agent@crash.test", "password": PASSWORD }))
            .send()
            .await?;
        let body: serde_json::Value = expect(res, reqwest::StatusCode::OK).await?;
        let token = body["token"].as_str().context("token")?.to_owned();
        outboxes.push(Arc::new(Mutex::new(outbox(token, agent.id, d))));
    }
    let total: usize = outboxes
        .iter()
        .map(|o| o.lock().unwrap().mutations.len())
        .sum();
    let acked = Arc::new(AtomicUsize::new(0));
    let tasks: Vec<_> = outboxes
        .iter()
        .map(|o| tokio::spawn(push_all(o.clone(), base.clone(), acked.clone())))
        .collect();

    // Kill the server while the devices are pushing.
    let wait = Instant::now();
    while acked.load(Ordering::SeqCst) < total / 3 {
        ensure!(wait.elapsed() < Duration::from_secs(60), "pushes stalled");
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    server.kill9()?;
    // What was acknowledged before the crash (in-flight pushes may still be
    // counted as lost: their acknowledgement never arrived).
    let before: Vec<(usize, Vec<Uuid>)> = outboxes
        .iter()
        .map(|o| {
            let o = o.lock().unwrap();
            (
                o.acked,
                o.mutations[..o.acked].iter().map(|m| m.op_id).collect(),
            )
        })
        .collect();
    let acked_before: usize = before.iter().map(|b| b.0).sum();
    ensure!(
        acked_before < total,
        "the crash happened mid-way ({acked_before} of {total} acknowledged)"
    );
    tokio::time::sleep(Duration::from_millis(300)).await;

    // Restart on the same database; the devices carry on by themselves.
    let server = ServerProcess::start(&url)?;
    *base.write().unwrap() = server.base.clone();
    for t in tasks {
        t.await??;
    }
    ensure!(
        acked.load(Ordering::SeqCst) == total,
        "every mutation acknowledged"
    );

    // Check the database itself.
    let store = Store::open(&url).await?;
    let w = ws.id.to_string();
    let ops: HashMap<String, i64> = count(
        &store,
        "SELECT op_id, COUNT(*) FROM applied_ops WHERE workspace_id = ?1 GROUP BY op_id",
        w.clone(),
    )
    .await?
    .into_iter()
    .collect();
    for (_, ids) in &before {
        for id in ids {
            ensure!(
                ops.get(&id.to_string()) == Some(&1),
                "acknowledged op {id} recorded exactly once after the crash"
            );
        }
    }
    ensure!(
        ops.len() == total,
        "{} ops recorded, {total} pushed",
        ops.len()
    );
    ensure!(ops.values().all(|n| *n == 1), "no op recorded twice");

    let comments: HashMap<String, i64> = count(
        &store,
        "SELECT body, COUNT(*) FROM comments WHERE workspace_id = ?1 GROUP BY body",
        w.clone(),
    )
    .await?
    .into_iter()
    .collect();
    ensure!(
        comments.len() == DEVICES * COMMENTS_PER_DEVICE,
        "{} distinct comments",
        comments.len()
    );
    ensure!(
        comments.values().all(|n| *n == 1),
        "every comment exactly once"
    );
    let events = count(
        &store,
        "SELECT new_value, COUNT(*) FROM history WHERE workspace_id = ?1 AND field = 'comment' GROUP BY new_value",
        w.clone(),
    )
    .await?;
    let events: HashMap<String, i64> = events.into_iter().collect();
    for o in &outboxes {
        let o = o.lock().unwrap();
        for c in &o.comments {
            ensure!(
                events.get(&c.to_string()) == Some(&1),
                "the history event of comment {c} exists exactly once"
            );
        }
    }
    ensure!(
        events.len() == DEVICES * COMMENTS_PER_DEVICE,
        "no stray comment events"
    );

    let numbers = count(
        &store,
        "SELECT id, number FROM tickets WHERE workspace_id = ?1",
        w.clone(),
    )
    .await?;
    ensure!(numbers.len() == DEVICES, "{} tickets", numbers.len());
    let distinct: HashSet<i64> = numbers.iter().map(|(_, n)| *n).collect();
    ensure!(
        distinct.len() == DEVICES,
        "ticket numbers are unique: {numbers:?}"
    );
    ensure!(
        distinct.iter().all(|n| (1..=DEVICES as i64).contains(n)),
        "numbers are dense from 1: {numbers:?}"
    );
    for o in &outboxes {
        let id = o.lock().unwrap().ticket.to_string();
        ensure!(numbers.iter().any(|(t, _)| *t == id), "ticket {id} exists");
    }

    // A device syncing after the restart sees all of it over the API.
    let token = outboxes[0].lock().unwrap().token.clone();
    let mut seen_comments = HashSet::new();
    let mut cursor: Option<String> = None;
    loop {
        let res = http
            .post(format!("{}/api/v1/sync/pull", server.base))
            .bearer_auth(&token)
            .json(&serde_json::json!({ "cursor": cursor }))
            .send()
            .await?;
        let page: outpost_core::sync::PullResponse =
            serde_json::from_value(expect(res, reqwest::StatusCode::OK).await?)?;
        seen_comments.extend(page.changes.comments.iter().map(|c| c.id));
        cursor = Some(page.next_cursor);
        if !page.has_more {
            break;
        }
    }
    ensure!(
        seen_comments.len() == DEVICES * COMMENTS_PER_DEVICE,
        "a pull after the restart returns every comment"
    );
    drop(server);
    Ok(())
}

crate::both!(kill9_during_concurrent_pushes_loses_and_duplicates_nothing);
