//! Sync figures, against the real server (in this process, on 127.0.0.1:0,
//! over loopback HTTP) and real client stores on files:
//!
//! - `sync_bootstrap_100k`: an empty device signs in and bootstraps a
//!   workspace of 100k tickets (each with its `created` history event) to a
//!   full local store.
//! - `sync_push_10k`: a device pushes 10k queued offline mutations (ticket
//!   creations) until all are acknowledged.
//! - `sync_roundtrip`: an edit on device A until device B has applied it, both
//!   running the app's background sync loop (kick, push, SSE poke, pull).
//! - `server_push_throughput_{sqlite,postgres}`: 50 concurrent devices pushing
//!   comments in batches of 50; mutations per second (PostgreSQL at
//!   `OUTPOST_TEST_PG`, default `postgres://postgres@127.0.0.1:5432/test`;
//!   skipped with a note when unreachable).
//!
//! The 100k-ticket server database is seeded once and kept under
//! `$HOME/.cache/outpost-bench/` like the store's.

use crate::bench::{Bench, Figure};
use anyhow::{Context, Result, ensure};
use outpost_client::sync::{self, LoopOptions, SyncClient, SyncEvent};
use outpost_client::{Store, StoreOptions};
use outpost_core::sync::{Hlc, Mutation, MutationOp, PROTOCOL_VERSION, PushRequest};
use outpost_core::{AgentId, CommentId, NewTicket, Priority, TicketId, TicketPatch, TicketQuery};
use outpost_server::auth::HashCost;
use outpost_server::{AppState, Config, setup};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use uuid::Uuid;

/// Tickets in the bootstrap workspace.
const BOOTSTRAP_TICKETS: usize = 100_000;
/// Bump when the seeded server data changes.
const SERVER_STAMP: u32 = 2;
const PASSWORD: &str = "bench password";
const THROUGHPUT_CLIENTS: usize = 50;
const THROUGHPUT_BATCHES: usize = 10;
const THROUGHPUT_BATCH: usize = 50;

/// A server serving `url` on 127.0.0.1:0 until dropped.
struct Server {
    url: String,
    store: outpost_server::Store,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
}

impl Server {
    async fn start(db: &str) -> Result<Server> {
        let store = outpost_server::Store::open(db).await?;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let (tx, rx) = tokio::sync::oneshot::channel();
        let state = AppState::new(store.clone(), Config::default());
        tokio::spawn(outpost_server::serve(listener, state, async {
            let _ = rx.await;
        }));
        Ok(Server {
            url: format!("http://{addr}"),
            store,
            stop: Some(tx),
        })
    }

    /// A workspace `name` with an admin `admin@<name>.bench`; returns the email.
    async fn workspace(&self, name: &str) -> Result<String> {
        let email = format!("admin@{}.bench", name.to_lowercase());
        setup::create_workspace(&self.store, name, "UTC", &email, PASSWORD, HashCost::Fast)
            .await
            .map_err(anyhow::Error::msg)?;
        Ok(email)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
    }
}

/// A signed-in client (no store) for raw pushes.
async fn raw_client(server: &Server, email: &str) -> Result<(SyncClient, AgentId, Uuid)> {
    let mut client = SyncClient::new(&server.url)?;
    let res = client.login(email, PASSWORD).await?;
    let id = Uuid::now_v7();
    client.register(id).await?;
    Ok((client, res.agent.id, id))
}

fn mutation(client: Uuid, actor: AgentId, seq: i64, op: MutationOp) -> Mutation {
    Mutation {
        client_id: client,
        seq,
        op_id: Uuid::now_v7(),
        hlc: Hlc {
            wall_ms: chrono::Utc::now().timestamp_millis(),
            counter: 0,
            node: client,
        },
        actor_id: actor,
        op,
    }
}

fn new_ticket(title: String) -> NewTicket {
    NewTicket {
        description: "Benchmark ticket".into(),
        requester: "customer@bench.example".into(),
        ..NewTicket::titled(title)
    }
}

fn title_hash(i: usize) -> usize {
    i.wrapping_mul(2_654_435_761) >> 7
}

/// Seeds (once) the server database holding the 100k-ticket workspace.
async fn seeded_server_db(dir: &Path) -> Result<String> {
    let db = dir.join(format!(
        "server-seed-s{SERVER_STAMP}-n{BOOTSTRAP_TICKETS}.db"
    ));
    let done = db.with_extension("done");
    let url = format!("sqlite://{}", db.display());
    if done.exists() {
        return Ok(url);
    }
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", db.display()));
    }
    eprintln!(
        "seeding {BOOTSTRAP_TICKETS} tickets into the server at {} ...",
        db.display()
    );
    let start = Instant::now();
    let server = Server::start(&url).await?;
    let email = server.workspace("Bootstrap").await?;
    let (client, actor, id) = raw_client(&server, &email).await?;
    let mut seq = 0;
    for chunk in 0..BOOTSTRAP_TICKETS.div_ceil(2000) {
        let mutations: Vec<Mutation> = (0..2000)
            .map(|i| {
                seq += 1;
                let n = chunk * 2000 + i;
                let mut t = new_ticket(format!(
                    "Bench ticket {n}: printer offline in office {}",
                    n % 97
                ));
                t.priority = Priority::ALL[title_hash(n) % 4];
                mutation(
                    id,
                    actor,
                    seq,
                    MutationOp::CreateTicket {
                        id: TicketId(Uuid::now_v7()),
                        ticket: t,
                        created_at: chrono::Utc::now(),
                    },
                )
            })
            .collect();
        client
            .push(&PushRequest {
                client_id: id,
                schema_version: PROTOCOL_VERSION,
                mutations,
            })
            .await?;
    }
    drop(server);
    std::fs::write(&done, b"seeded\n")?;
    eprintln!(
        "seeded the server in {:.1} s",
        start.elapsed().as_secs_f64()
    );
    Ok(url)
}

fn timing(name: &str, n: usize, mut ms: Vec<f64>) -> Figure {
    ms.sort_by(f64::total_cmp);
    let pct = |p: f64| ms[((ms.len() as f64 - 1.0) * p).round() as usize];
    Figure::Timing {
        name: name.into(),
        n,
        p50_ms: pct(0.5),
        p95_ms: pct(0.95),
    }
}

fn new_store(dir: &Path, name: &str) -> Result<Arc<Mutex<Store>>> {
    let path = dir.join(format!("{name}.db"));
    Ok(Arc::new(Mutex::new(Store::open_with(
        &path,
        StoreOptions::default(),
    )?)))
}

fn lock(s: &Mutex<Store>) -> std::sync::MutexGuard<'_, Store> {
    s.lock().unwrap_or_else(|p| p.into_inner())
}

async fn bootstrap_100k(b: &mut Bench, cache: &Path, tmp: &Path) -> Result<()> {
    let url = seeded_server_db(cache).await?;
    let server = Server::start(&url).await?;
    let mut ms = Vec::new();
    for run in 0..3 {
        let store = new_store(tmp, &format!("bootstrap-{run}"))?;
        let start = Instant::now();
        let (client, _) =
            sync::login(&store, &server.url, "admin@bootstrap.bench", PASSWORD).await?;
        let report = sync::sync_once(&store, &client).await?;
        ms.push(start.elapsed().as_secs_f64() * 1e3);
        ensure!(report.bootstrapped, "the device bootstrapped");
        let c = lock(&store).board_stats(&TicketQuery::default())?;
        let total = c.open + c.in_progress + c.waiting + c.resolved + c.closed;
        ensure!(
            total as usize == BOOTSTRAP_TICKETS,
            "the device holds every ticket ({total} of {BOOTSTRAP_TICKETS})"
        );
        // Untimed: after the commit, the loader folds the loaded pages from
        // the write-ahead log into the file in the background. Wait for it
        // (a TRUNCATE checkpoint waits for the checkpoint lock), so that the
        // next run does not share the machine with this one's disk writes.
        lock(&store).checkpoint()?;
    }
    b.record(timing("sync_bootstrap_100k", BOOTSTRAP_TICKETS, ms));
    Ok(())
}

async fn push_10k(b: &mut Bench, server: &Server, tmp: &Path) -> Result<()> {
    let email = server.workspace("Push").await?;
    let mut ms = Vec::new();
    for run in 0..3 {
        let store = new_store(tmp, &format!("push-{run}"))?;
        let (client, _) = sync::login(&store, &server.url, &email, PASSWORD).await?;
        sync::sync_once(&store, &client).await?;
        {
            let mut s = lock(&store);
            for i in 0..10_000 {
                s.create_ticket(new_ticket(format!("Offline ticket {run}.{i}")))?;
            }
            ensure!(s.outbox_len()? == 10_000, "10k mutations queued");
        }
        let start = Instant::now();
        let mut report = sync::SyncReport::default();
        sync::push(&store, &client, &mut report).await?;
        ms.push(start.elapsed().as_secs_f64() * 1e3);
        ensure!(report.pushed == 10_000, "{} acknowledged", report.pushed);
        ensure!(lock(&store).outbox_len()? == 0, "the outbox is empty");
    }
    b.record(timing("sync_push_10k", 10_000, ms));
    Ok(())
}

async fn roundtrip(b: &mut Bench, server: &Server, tmp: &Path) -> Result<()> {
    let email = server.workspace("Roundtrip").await?;
    let a = new_store(tmp, "roundtrip-a")?;
    let bs = new_store(tmp, "roundtrip-b")?;
    let (ca, _) = sync::login(&a, &server.url, &email, PASSWORD).await?;
    let (cb, _) = sync::login(&bs, &server.url, &email, PASSWORD).await?;
    let id = lock(&a)
        .create_ticket(new_ticket("Shared ticket".into()))?
        .ticket
        .id;
    sync::sync_once(&a, &ca).await?;
    sync::sync_once(&bs, &cb).await?;
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let kick_a = LoopOptions::default();
    let la = tokio::spawn(sync::run_sync_loop(a.clone(), ca, |_| {}, kick_a.clone()));
    let lb = tokio::spawn(sync::run_sync_loop(
        bs.clone(),
        cb,
        move |e| {
            if let SyncEvent::Changed(_) = e {
                let _ = tx.send(());
            }
        },
        LoopOptions::default(),
    ));
    // Let both loops connect their SSE streams.
    tokio::time::sleep(Duration::from_millis(500)).await;
    while rx.try_recv().is_ok() {}
    let mut ms = Vec::new();
    for i in 0..40 {
        let title = format!("Edited on A, run {i}");
        let start = Instant::now();
        lock(&a).update_ticket(
            id,
            &TicketPatch {
                title: Some(title.clone()),
                ..Default::default()
            },
        )?;
        kick_a.kick.notify_one();
        loop {
            tokio::time::timeout(Duration::from_secs(10), rx.recv())
                .await
                .context("B never saw the edit")?;
            if lock(&bs).ticket_detail(id)?.card.ticket.title == title {
                break;
            }
        }
        ms.push(start.elapsed().as_secs_f64() * 1e3);
        tokio::time::sleep(Duration::from_millis(50)).await;
        while rx.try_recv().is_ok() {}
    }
    la.abort();
    lb.abort();
    b.record(timing("sync_roundtrip", 40, ms));
    Ok(())
}

/// 50 devices push comments concurrently; returns mutations per second.
async fn throughput(server: &Server) -> Result<f64> {
    let email = server.workspace("Throughput").await?;
    let (seed, actor, sid) = raw_client(server, &email).await?;
    let ticket = TicketId(Uuid::now_v7());
    seed.push(&PushRequest {
        client_id: sid,
        schema_version: PROTOCOL_VERSION,
        mutations: vec![mutation(
            sid,
            actor,
            1,
            MutationOp::CreateTicket {
                id: ticket,
                ticket: new_ticket("Busy ticket".into()),
                created_at: chrono::Utc::now(),
            },
        )],
    })
    .await?;
    let mut clients = Vec::new();
    for _ in 0..THROUGHPUT_CLIENTS {
        clients.push(raw_client(server, &email).await?);
    }
    let start = Instant::now();
    let tasks: Vec<_> = clients
        .into_iter()
        .map(|(client, actor, id)| {
            tokio::spawn(async move {
                let mut seq = 0;
                for _ in 0..THROUGHPUT_BATCHES {
                    let mutations = (0..THROUGHPUT_BATCH)
                        .map(|_| {
                            seq += 1;
                            mutation(
                                id,
                                actor,
                                seq,
                                MutationOp::AddComment {
                                    id: CommentId(Uuid::now_v7()),
                                    ticket_id: ticket,
                                    body: format!("comment {seq} from {id}"),
                                    created_at: chrono::Utc::now(),
                                },
                            )
                        })
                        .collect();
                    client
                        .push(&PushRequest {
                            client_id: id,
                            schema_version: PROTOCOL_VERSION,
                            mutations,
                        })
                        .await?;
                }
                Ok::<_, anyhow::Error>(())
            })
        })
        .collect();
    for t in tasks {
        t.await??;
    }
    let total = THROUGHPUT_CLIENTS * THROUGHPUT_BATCHES * THROUGHPUT_BATCH;
    Ok(total as f64 / start.elapsed().as_secs_f64())
}

/// A fresh PostgreSQL database (dropped by the guard), if one is reachable.
struct PgDb {
    admin: String,
    name: String,
    url: String,
}

impl PgDb {
    fn create() -> Result<PgDb> {
        let admin = std::env::var("OUTPOST_TEST_PG")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into());
        let name = format!("outpost_bench_{}", Uuid::now_v7().simple());
        let mut c = postgres::Client::connect(&admin, postgres::NoTls)?;
        c.batch_execute(&format!("CREATE DATABASE {name}"))?;
        let root = admin.rsplit_once('/').map_or(admin.as_str(), |(r, _)| r);
        Ok(PgDb {
            url: format!("{root}/{name}"),
            admin,
            name,
        })
    }
}

impl Drop for PgDb {
    fn drop(&mut self) {
        if let Ok(mut c) = postgres::Client::connect(&self.admin, postgres::NoTls) {
            let _ = c.batch_execute(&format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                self.name
            ));
        }
    }
}

/// The sync suite (see the module docs).
pub fn sync_suite(b: &mut Bench) -> Result<()> {
    let names = [
        "sync_bootstrap_100k",
        "sync_push_10k",
        "sync_roundtrip",
        "server_push_throughput_sqlite",
        "server_push_throughput_postgres",
    ];
    if !names.iter().any(|n| crate::bench::selected(n)) {
        return Ok(());
    }
    let cache = PathBuf::from(std::env::var_os("HOME").context("HOME is not set")?)
        .join(".cache/outpost-bench");
    std::fs::create_dir_all(&cache)?;
    let tmp = tempfile::tempdir()?;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    rt.block_on(async {
        if crate::bench::selected("sync_bootstrap_100k") {
            bootstrap_100k(b, &cache, tmp.path()).await?;
        }
        let db = format!("sqlite://{}", tmp.path().join("server.db").display());
        let server = Server::start(&db).await?;
        if crate::bench::selected("sync_push_10k") {
            push_10k(b, &server, tmp.path()).await?;
        }
        if crate::bench::selected("sync_roundtrip") {
            roundtrip(b, &server, tmp.path()).await?;
        }
        if crate::bench::selected("server_push_throughput_sqlite") {
            let rate = throughput(&server).await?;
            b.record(Figure::Rate {
                name: "server_push_throughput_sqlite".into(),
                n: THROUGHPUT_CLIENTS,
                per_s: rate,
                unit: "mutations",
            });
        }
        drop(server);
        if crate::bench::selected("server_push_throughput_postgres") {
            match tokio::task::spawn_blocking(PgDb::create).await? {
                Ok(pg) => {
                    let server = Server::start(&pg.url).await?;
                    let rate = throughput(&server).await?;
                    drop(server);
                    b.record(Figure::Rate {
                        name: "server_push_throughput_postgres".into(),
                        n: THROUGHPUT_CLIENTS,
                        per_s: rate,
                        unit: "mutations",
                    });
                    tokio::time::sleep(Duration::from_millis(200)).await;
                    tokio::task::spawn_blocking(move || drop(pg)).await?;
                }
                Err(e) => eprintln!("server_push_throughput_postgres skipped: no PostgreSQL ({e})"),
            }
        }
        Ok::<(), anyhow::Error>(())
    })
}
