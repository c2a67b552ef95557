//! Client ↔ server sync against the real server (in-process, 127.0.0.1:0,
//! SQLite temp file; PostgreSQL too when `OUTPOST_TEST_DATABASE_URL` is set)
//! with real client stores on temp SQLite files.

use chrono::{Duration as Dur, Utc};
use outpost_client::sync::{self, LoopOptions, SyncClient, SyncError, SyncEvent};
use outpost_client::{Clock, FixedClock, Store, StoreOptions};
use outpost_core::sync::{PushRequest, codes};
use outpost_core::{NewTicket, Priority, Role, Status, TicketId, TicketPatch};
use outpost_server::auth::HashCost;
use outpost_server::{AppState, Config, setup};
use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const PASSWORD: &str = "correct horse battery";

/// A running server; `stop` + `start` on the same database = a restart.
pub struct Server {
    pub url: String,
    pub db_url: String,
    addr: SocketAddr,
    pub store: outpost_server::Store,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<std::io::Result<()>>>,
}

impl Server {
    pub async fn start(db_url: &str, addr: Option<SocketAddr>) -> Server {
        let store = outpost_server::Store::open(db_url)
            .await
            .expect("open server db");
        let listener = tokio::net::TcpListener::bind(addr.unwrap_or(([127, 0, 0, 1], 0).into()))
            .await
            .expect("bind");
        let addr = listener.local_addr().unwrap();
        let config = Config {
            hash_cost: HashCost::Fast,
            ..Config::default()
        };
        let (tx, rx) = tokio::sync::oneshot::channel();
        let state = AppState::new(store.clone(), config);
        let task = tokio::spawn(outpost_server::serve(listener, state, async {
            let _ = rx.await;
        }));
        Server {
            url: format!("http://{addr}"),
            db_url: db_url.to_owned(),
            addr,
            store,
            stop: Some(tx),
            task: Some(task),
        }
    }

    /// Stops serving (open connections are closed) and reopens on the same
    /// address and database.
    pub async fn restart(&mut self) {
        self.shutdown().await;
        *self = Server::start(&self.db_url.clone(), Some(self.addr)).await;
    }

    pub async fn shutdown(&mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        if let Some(t) = self.task.take() {
            let _ = tokio::time::timeout(Duration::from_secs(5), t).await;
        }
    }

    /// A workspace `name` with an admin and two agents; returns their emails.
    pub async fn workspace(&self, name: &str) -> Vec<String> {
        let slug = name.to_lowercase();
        let admin = format!("admin@{slug}.test");
        setup::create_workspace(&self.store, name, "UTC", &admin, PASSWORD, HashCost::Fast)
            .await
            .expect("workspace");
        let mut emails = vec![admin];
        for who in ["ana", "ben"] {
            let email = format!("{who}@{slug}.test");
            setup::add_agent(
                &self.store,
                name,
                &email,
                who,
                PASSWORD,
                Role::Agent,
                HashCost::Fast,
            )
            .await
            .expect("agent");
            emails.push(email);
        }
        emails
    }
}

/// A device: a store on a temp file with its own clock, signed in.
/// A normal-priority ticket with a requester and nothing else set.
pub fn new_ticket(title: &str) -> NewTicket {
    NewTicket {
        requester: "req@x.test".into(),
        ..NewTicket::titled(title)
    }
}

pub struct Device {
    pub store: Arc<Mutex<Store>>,
    pub client: SyncClient,
    pub clock: Arc<FixedClock>,
    pub path: std::path::PathBuf,
    _dir: tempfile::TempDir,
}

impl Device {
    pub async fn login(server: &Server, email: &str, skew_ms: i64) -> Device {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("outpost.db");
        let clock = Arc::new(FixedClock::new(Utc::now() + Dur::milliseconds(skew_ms)));
        let store = Store::open_with(&path, StoreOptions::with_clock(clock.clone())).unwrap();
        let store = Arc::new(Mutex::new(store));
        let (client, res) = sync::login(&store, &server.url, email, PASSWORD)
            .await
            .expect("login");
        assert_eq!(res.agent.email, email);
        Device {
            store,
            client,
            clock,
            path,
            _dir: dir,
        }
    }

    pub fn s(&self) -> std::sync::MutexGuard<'_, Store> {
        self.store.lock().unwrap()
    }

    pub async fn sync(&self) -> sync::SyncReport {
        self.clock.advance(Dur::milliseconds(10));
        sync::sync_once(&self.store, &self.client)
            .await
            .expect("sync")
    }

    pub fn create(&self, title: &str) -> TicketId {
        self.clock.advance(Dur::seconds(1));
        let new = new_ticket(title);
        self.s().create_ticket(new).unwrap().ticket.id
    }

    pub fn patch(&self, id: TicketId, patch: TicketPatch) {
        self.clock.advance(Dur::seconds(1));
        self.s().update_ticket(id, &patch).unwrap();
    }

    pub fn comment(&self, id: TicketId, body: &str) -> uuid::Uuid {
        self.clock.advance(Dur::seconds(1));
        self.s().add_comment(id, body).unwrap().id.0
    }

    /// The rows of `sql` on the store file, each as `col|col|...`.
    pub fn rows(&self, sql: &str) -> Vec<String> {
        let c = rusqlite::Connection::open(&self.path).unwrap();
        let mut st = c.prepare(sql).unwrap();
        let n = st.column_count();
        st.query_map([], |r| {
            Ok((0..n)
                .map(|i| format!("{:?}", r.get_ref(i).unwrap()))
                .collect::<Vec<_>>()
                .join("|"))
        })
        .unwrap()
        .collect::<Result<Vec<_>, _>>()
        .unwrap()
    }

    /// Everything that must be equal across devices.
    pub fn snapshot(&self) -> Snapshot {
        let q = |sql: &str| self.rows(sql);
        Snapshot {
            tickets: q("SELECT id, number, title, description, status, priority, category_id, assignee_id,
                        requester, created_at, updated_at, first_response_at, resolved_at, closed_at,
                        due_override FROM tickets ORDER BY id"),
            comments: q("SELECT id, ticket_id, author_id, body, created_at FROM comments ORDER BY id"),
            history: q("SELECT id, ticket_id, actor_id, at, field, old_value, new_value FROM history
                        WHERE field <> 'sla' ORDER BY id"),
        }
    }

    pub fn numbers(&self) -> Vec<Option<i64>> {
        let c = rusqlite::Connection::open(&self.path).unwrap();
        let mut st = c
            .prepare("SELECT number FROM tickets ORDER BY number")
            .unwrap();
        st.query_map([], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    }
}

#[derive(Debug, PartialEq, Eq)]
pub struct Snapshot {
    pub tickets: Vec<String>,
    pub comments: Vec<String>,
    pub history: Vec<String>,
}

pub async fn sqlite_server() -> (Server, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("server.db").display());
    (Server::start(&url, None).await, dir)
}

fn title(t: &str) -> TicketPatch {
    TicketPatch {
        title: Some(t.into()),
        ..Default::default()
    }
}

/// Two devices edit offline (same ticket and others), comment, create;
/// after syncing twice both equal a freshly bootstrapped device (= the server).
async fn two_devices_converge(server: &Server) {
    let emails = server.workspace("Acme").await;
    let a = Device::login(server, &emails[0], 0).await;
    let b = Device::login(server, &emails[1], 0).await;
    let shared = a.create("Printer on fire");
    let other = a.create("VPN down");
    a.sync().await;
    b.sync().await;

    // Offline: A edits first (older stamp), B later (newer stamp).
    a.patch(shared, title("A's title"));
    a.patch(
        shared,
        TicketPatch {
            priority: Some(Priority::High),
            ..Default::default()
        },
    );
    let ca = a.comment(shared, "A was here");
    let a_new = a.create("Created offline on A");
    b.clock.advance(Dur::seconds(30));
    b.patch(shared, title("B's title"));
    b.patch(
        shared,
        TicketPatch {
            status: Some(Status::InProgress),
            ..Default::default()
        },
    );
    let cb = b.comment(shared, "B was here");
    b.patch(
        other,
        TicketPatch {
            status: Some(Status::Waiting),
            ..Default::default()
        },
    );
    let b_new = b.create("Created offline on B");
    assert_eq!(
        b.s().ticket_detail(b_new).unwrap().card.ticket.number,
        None,
        "provisional"
    );

    // B first: A's older title then loses on the server -> conflict event.
    let rb = b.sync().await;
    assert_eq!(rb.numbers.len(), 1);
    let ra = a.sync().await;
    assert_eq!(ra.numbers.len(), 1);
    assert!(ra.rejected.is_empty() && rb.rejected.is_empty());
    for d in [&a, &b] {
        d.sync().await;
    }
    let fresh = Device::login(server, &emails[2], 0).await;
    let report = fresh.sync().await;
    assert!(report.bootstrapped);
    let (sa, sb, sf) = (a.snapshot(), b.snapshot(), fresh.snapshot());
    assert_eq!(sa, sf, "A equals the server");
    assert_eq!(sb, sf, "B equals the server");
    assert_eq!(sa.tickets.len(), 4);
    assert_eq!(sa.comments.len(), 2);
    let numbers: Vec<_> = a.numbers();
    assert!(
        numbers.iter().all(Option::is_some),
        "every ticket numbered: {numbers:?}"
    );
    assert_eq!(
        numbers.iter().collect::<BTreeSet<_>>().len(),
        4,
        "numbers unique"
    );
    for d in [&a, &b] {
        let s = d.s();
        let t = s.ticket_detail(shared).unwrap().card.ticket;
        assert_eq!(t.title, "B's title", "newer stamp wins");
        assert_eq!(
            (t.priority, t.status),
            (Priority::High, Status::InProgress),
            "fields merge"
        );
        let comments: BTreeSet<_> = s.comments(shared).unwrap().iter().map(|c| c.id.0).collect();
        assert_eq!(comments, BTreeSet::from([ca, cb]), "no comment lost");
        let conflicts = s.sync_conflicts(10).unwrap();
        assert!(
            conflicts
                .iter()
                .any(|c| c.kind == "conflict" && c.ticket_id == Some(shared)),
            "the losing edit is listed: {conflicts:?}"
        );
        assert!(
            s.history(shared)
                .unwrap()
                .iter()
                .any(|h| h.field == outpost_core::HistoryField::Conflict)
        );
        assert_eq!(s.outbox_len().unwrap(), 0);
        assert!(s.ticket_detail(a_new).is_ok() && s.ticket_detail(b_new).is_ok());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_devices_converge_sqlite() {
    let (server, _dir) = sqlite_server().await;
    two_devices_converge(&server).await;
}

/// A fresh PostgreSQL database for one test, dropped (even when the test
/// panics) when the guard goes.
pub struct PgDatabase {
    admin: String,
    name: String,
    pub url: String,
}

impl PgDatabase {
    /// `None` when `OUTPOST_TEST_DATABASE_URL` is not set.
    pub fn create() -> Option<PgDatabase> {
        let admin = std::env::var("OUTPOST_TEST_DATABASE_URL").ok()?;
        let name = format!("outpost_sync_{}", uuid::Uuid::now_v7().simple());
        let (a2, n2) = (admin.clone(), name.clone());
        // The blocking client runs its own runtime: keep it off the test's.
        std::thread::spawn(move || {
            let mut c = postgres::Client::connect(&a2, postgres::NoTls)
                .expect("connect to OUTPOST_TEST_DATABASE_URL");
            c.batch_execute(&format!("CREATE DATABASE {n2}"))
                .expect("create the test database");
        })
        .join()
        .unwrap();
        let root = admin.rsplit_once('/').map_or(admin.as_str(), |(r, _)| r);
        let url = format!("{root}/{name}");
        Some(PgDatabase { admin, name, url })
    }
}

impl Drop for PgDatabase {
    fn drop(&mut self) {
        let (admin, name) = (self.admin.clone(), self.name.clone());
        let _ = std::thread::spawn(move || {
            if let Ok(mut c) = postgres::Client::connect(&admin, postgres::NoTls) {
                let _ = c.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
            }
        })
        .join();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_devices_converge_postgres() {
    let Some(db) = PgDatabase::create() else {
        eprintln!("OUTPOST_TEST_DATABASE_URL not set: skipping the PostgreSQL run");
        return;
    };
    let mut server = Server::start(&db.url, None).await;
    two_devices_converge(&server).await;
    server.shutdown().await;
    drop(server);
    drop(db);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lost_ack_replays_without_duplicates() {
    let (server, _dir) = sqlite_server().await;
    let emails = server.workspace("Lost").await;
    let a = Device::login(&server, &emails[1], 0).await;
    let t = a.create("Once");
    a.comment(t, "only once");
    a.patch(t, title("Once, edited"));
    // Push succeeds but the client "forgets" the answer.
    let req = {
        let s = a.s();
        PushRequest {
            client_id: s.client_id(),
            schema_version: outpost_core::sync::PROTOCOL_VERSION,
            mutations: s.pending_mutations(100).unwrap(),
        }
    };
    a.client.push(&req).await.unwrap();
    let r = a.sync().await;
    assert_eq!(r.pushed, 3, "replayed as duplicates");
    assert_eq!(r.numbers.len(), 1, "the number is told again");
    a.sync().await;
    let fresh = Device::login(&server, &emails[2], 0).await;
    fresh.sync().await;
    let (sa, sf) = (a.snapshot(), fresh.snapshot());
    assert_eq!(sa, sf);
    assert_eq!(sf.tickets.len(), 1);
    assert_eq!(sf.comments.len(), 1);
    // created + comment + title change, each once.
    assert_eq!(sf.history.len(), 3, "{:#?}", sf.history);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn restart_unknown_client_and_cursor_too_old_recover_keeping_the_outbox() {
    let (mut server, dir) = sqlite_server().await;
    let emails = server.workspace("Boot").await;
    let a = Device::login(&server, &emails[1], 0).await;
    let b = Device::login(&server, &emails[2], 0).await;
    let t = a.create("Survives restarts");
    a.sync().await;
    b.sync().await;

    // Server down: sync fails as offline, the edit stays queued.
    server.shutdown().await;
    a.patch(t, title("edited while the server was down"));
    let err = sync::sync_once(&a.store, &a.client).await.unwrap_err();
    assert!(matches!(err, SyncError::Offline(_)), "{err:?}");
    assert_eq!(a.s().outbox_len().unwrap(), 1);
    assert_eq!(
        sync::status(&a.s(), &a.client).unwrap().state,
        sync::Connectivity::Offline
    );
    server.restart().await;
    a.sync().await;
    b.sync().await;
    assert_eq!(a.snapshot(), b.snapshot());

    // The server forgot A's registration: A re-registers and replays.
    let db = rusqlite::Connection::open(dir.path().join("server.db")).unwrap();
    db.busy_timeout(Duration::from_secs(5)).unwrap();
    db.execute("DELETE FROM sync_clients", []).unwrap();
    a.comment(t, "after the registration was lost");
    a.sync().await;
    assert_eq!(a.s().outbox_len().unwrap(), 0);

    // The server database was replaced (new store id): cursors are too old;
    // B bootstraps again and keeps its queued edit.
    db.execute(
        "UPDATE meta SET value = 'restored' WHERE key = 'store_id'",
        [],
    )
    .unwrap();
    b.patch(
        t,
        TicketPatch {
            priority: Some(Priority::Urgent),
            ..Default::default()
        },
    );
    let r = b.sync().await;
    assert!(r.bootstrapped, "re-bootstrapped after cursor_too_old");
    a.sync().await;
    b.sync().await;
    assert_eq!(a.snapshot(), b.snapshot());
    assert_eq!(
        b.s().ticket_detail(t).unwrap().card.ticket.priority,
        Priority::Urgent
    );
    assert_eq!(a.s().comments(t).unwrap().len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unsupported_schema_is_a_typed_error_and_rejections_do_not_wedge() {
    let (server, _dir) = sqlite_server().await;
    let emails = server.workspace("Rej").await;
    let a = Device::login(&server, &emails[1], 0).await;
    let req = PushRequest {
        client_id: a.s().client_id(),
        schema_version: 99,
        mutations: vec![],
    };
    let err = a.client.push(&req).await.unwrap_err();
    assert!(matches!(err, SyncError::UnsupportedSchema(_)), "{err:?}");
    assert_eq!(err.code(), codes::UNSUPPORTED_SCHEMA);

    // An agent may not override the due date: the server refuses that one
    // change, the rest goes through, and the ticket shows the server's value.
    let t = a.create("Due date fight");
    a.sync().await;
    a.patch(
        t,
        TicketPatch {
            due_override: Some(Some(Utc::now())),
            ..Default::default()
        },
    );
    a.comment(t, "after the refused edit");
    let r = a.sync().await;
    assert_eq!(r.rejected.len(), 1, "{r:?}");
    assert_eq!(r.pushed, 1);
    let s = a.s();
    assert_eq!(
        s.outbox_len().unwrap(),
        0,
        "a rejection never wedges the outbox"
    );
    assert_eq!(
        s.ticket_detail(t).unwrap().card.ticket.due_override,
        None,
        "reverted"
    );
    let st = sync::status(&s, &a.client).unwrap();
    assert!(
        st.conflicts
            .iter()
            .any(|c| c.kind == "rejected" && c.ticket_id == Some(t))
    );
    let json = serde_json::to_value(&st).unwrap();
    assert!(
        json.get("lastSyncAt").is_some() && json["state"] == "online",
        "{json}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sse_poke_brings_a_remote_edit_within_a_second() {
    let (server, _dir) = sqlite_server().await;
    let emails = server.workspace("Live").await;
    let a = Device::login(&server, &emails[1], 0).await;
    let b = Device::login(&server, &emails[2], 0).await;
    let t = a.create("Live ticket");
    a.sync().await;
    b.sync().await;
    let changed = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let seen = changed.clone();
    let options = LoopOptions {
        idle_sync: Duration::from_secs(3600),
        ..LoopOptions::default()
    };
    let task = tokio::spawn(sync::run_sync_loop(
        b.store.clone(),
        b.client.clone(),
        move |e| {
            if let SyncEvent::Changed(_) = e {
                seen.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            }
        },
        options,
    ));
    tokio::time::sleep(Duration::from_millis(500)).await; // the loop's first sync + SSE connect
    let before = changed.load(std::sync::atomic::Ordering::SeqCst);
    a.patch(t, title("seen live on B"));
    let start = Instant::now();
    a.sync().await;
    loop {
        if b.s().ticket_detail(t).unwrap().card.ticket.title == "seen live on B" {
            break;
        }
        assert!(
            start.elapsed() < Duration::from_millis(1500),
            "B did not see A's edit in time"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let took = start.elapsed();
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert!(
        changed.load(std::sync::atomic::Ordering::SeqCst) > before,
        "tickets-changed emitted"
    );
    eprintln!("edit visible on B after {took:?}");
    // B's own offline edit is pushed by the loop without being asked.
    b.s()
        .update_ticket(
            t,
            &TicketPatch {
                priority: Some(Priority::Low),
                ..Default::default()
            },
        )
        .unwrap();
    let start = Instant::now();
    while b.s().outbox_len().unwrap() > 0 {
        assert!(
            start.elapsed() < Duration::from_secs(3),
            "loop pushes the outbox"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    task.abort();
}

/// The SLA columns of a ticket, read from the store file.
fn sla_columns(d: &Device, id: TicketId) -> (Option<i64>, Option<i64>, Option<i64>, i64) {
    let c = rusqlite::Connection::open(&d.path).unwrap();
    c.query_row(
        "SELECT due_at, at_risk_at, breach_at, sla_state FROM tickets WHERE id = ?1",
        [id.0],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
    )
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pulled_tickets_get_their_sla_from_the_engine() {
    let (server, _dir) = sqlite_server().await;
    let emails = server.workspace("Sla").await;
    let a = Device::login(&server, &emails[1], 0).await;
    let b = Device::login(&server, &emails[2], 0).await;
    let t = a.create("Due somewhen");
    a.patch(
        t,
        TicketPatch {
            priority: Some(Priority::Urgent),
            ..Default::default()
        },
    );
    let local = sla_columns(&a, t);
    assert!(local.0.is_some(), "A computes a due date at creation");
    a.sync().await;
    b.sync().await;
    let on_a = sla_columns(&a, t);
    let on_b = sla_columns(&b, t);
    assert_eq!(on_a, local, "pulling its own ticket back keeps A's SLA");
    assert_eq!(
        on_b, on_a,
        "B computes the same due date / at-risk / breach / state as A"
    );
    let due_b = b.s().ticket_detail(t).unwrap().card.ticket.due_at;
    assert_eq!(
        due_b,
        a.s().ticket_detail(t).unwrap().card.ticket.due_at,
        "same due date on both devices"
    );
    assert!(due_b.is_some());
    // A remote status change is evaluated too: resolved stops the clock.
    a.patch(
        t,
        TicketPatch {
            status: Some(Status::Resolved),
            ..Default::default()
        },
    );
    a.sync().await;
    b.sync().await;
    assert_eq!(
        sla_columns(&b, t),
        sla_columns(&a, t),
        "B re-evaluates after a pulled status change"
    );
}

/// Every SLA and report-outcome column of every ticket, by id.
fn evaluated_columns(d: &Device) -> Vec<String> {
    d.rows(
        "SELECT id, sla_state, due_at, at_risk_at, breach_at, next_change, fr_state,
             fr_done_at, fr_deadline, res_state, res_done_at, res_deadline
         FROM tickets ORDER BY id",
    )
}

/// Tickets whose title matches `text` on the device's board.
fn found(d: &Device, text: &str) -> u64 {
    let q = outpost_core::TicketQuery {
        text: Some(text.into()),
        ..Default::default()
    };
    let c = d.s().board_stats(&q).unwrap();
    c.open + c.in_progress + c.waiting + c.resolved + c.closed
}

/// FTS5's own check that the title index matches the tickets table.
fn title_index_is_consistent(d: &Device) {
    let c = rusqlite::Connection::open(&d.path).unwrap();
    c.execute(
        "INSERT INTO ticket_fts (ticket_fts, rank) VALUES ('integrity-check', 1)",
        [],
    )
    .expect("the title index matches the tickets table");
}

/// Every index and trigger of the store, with its SQL.
fn schema_objects(d: &Device) -> Vec<String> {
    d.rows(
        "SELECT type, name, sql FROM sqlite_master WHERE type IN ('index', 'trigger')
         ORDER BY type, name",
    )
}

/// `ticket_counts` without its empty groups, in a fixed order.
fn ticket_counts(d: &Device) -> Vec<String> {
    d.rows(
        "SELECT status, priority, assignee_id, category_id, sum(n) FROM ticket_counts
         GROUP BY 1, 2, 3, 4 HAVING sum(n) > 0 ORDER BY 1, 2, 3, 4",
    )
}

/// A bulk bootstrap that stops before its end (the connection dropped, the
/// app quit) leaves the store as it was: no rows, every index and trigger in
/// place. The next sync bootstraps completely. A store that already holds a
/// ticket is not bulk-loaded at all.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unfinished_bulk_bootstrap_leaves_nothing_behind() {
    let (server, _dir) = sqlite_server().await;
    let emails = server.workspace("Halt").await;
    let a = Device::login(&server, &emails[1], 0).await;
    for i in 0..30 {
        a.create(&format!("Halted ticket {i}"));
    }
    a.sync().await;
    let b = Device::login(&server, &emails[2], 0).await;
    let before = schema_objects(&b);
    let page = b.client.bootstrap(None).await.unwrap();
    assert!(!page.changes.tickets.is_empty());
    let mut bulk = b
        .s()
        .bulk_bootstrap()
        .unwrap()
        .expect("an empty store loads in bulk");
    bulk.apply(page.changes).await.unwrap();
    // While it runs, the app's connection still reads the committed store,
    // and a change is refused at once with a reason (not after a timeout).
    assert_eq!(b.rows("SELECT count(*) FROM tickets"), vec!["Integer(0)"]);
    assert_eq!(schema_objects(&b), before);
    assert!(b.s().bootstrapping());
    let refused = b
        .s()
        .create_ticket(new_ticket("While downloading"))
        .unwrap_err();
    assert_eq!(refused.code(), "downloading", "{refused}");
    assert!(b.s().reevaluate_sla().unwrap().is_empty());
    drop(bulk);
    // The worker rolls back as soon as it sees the channel closed; a new
    // write transaction waits for that (busy timeout).
    b.s().bulk_bootstrap().unwrap().expect("still empty");
    assert_eq!(b.rows("SELECT count(*) FROM tickets"), vec!["Integer(0)"]);
    assert_eq!(
        b.rows("SELECT count(*) FROM sync_tickets"),
        vec!["Integer(0)"]
    );
    assert_eq!(schema_objects(&b), before);
    assert_eq!(b.s().sync_cursor().unwrap(), None);
    // Once the workers are gone, writes go through again (the next sync's
    // bootstrap starts from here).
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while b.s().bootstrapping() {
        assert!(std::time::Instant::now() < deadline, "the worker ended");
        std::thread::sleep(std::time::Duration::from_millis(10));
    }

    let report = b.sync().await;
    assert!(report.bootstrapped);
    assert_eq!(b.rows("SELECT count(*) FROM tickets"), vec!["Integer(30)"]);
    assert_eq!(schema_objects(&b), before);
    assert_eq!(ticket_counts(&b), ticket_counts(&a));
    title_index_is_consistent(&b);
    assert!(
        b.s().bulk_bootstrap().unwrap().is_none(),
        "a store with tickets applies pages one by one"
    );
}

/// A new device bootstraps a feed of several pages (a ticket's row and its
/// history arriving on different pages, both ways round) and ends up with
/// the SLA snapshot and report outcomes the writing device computed through
/// its own edits, and with every title searchable; a title edited later is
/// re-indexed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bootstrapped_device_evaluates_and_indexes_like_the_writer() {
    let (server, _dir) = sqlite_server().await;
    let emails = server.workspace("Boot").await;
    let a = Device::login(&server, &emails[1], 0).await;
    let ids: Vec<TicketId> = (0..1100)
        .map(|i| a.create(&format!("Boot ticket n{i} printer")))
        .collect();
    for (i, id) in ids.iter().enumerate() {
        let patch = match i % 4 {
            0 => TicketPatch {
                status: Some(Status::Resolved),
                ..Default::default()
            },
            1 => TicketPatch {
                priority: Some(Priority::Urgent),
                ..Default::default()
            },
            2 => TicketPatch {
                status: Some(Status::Waiting),
                ..Default::default()
            },
            _ => continue,
        };
        a.patch(*id, patch);
    }
    a.sync().await;
    a.sync().await;
    let b = Device::login(&server, &emails[2], 0).await;
    b.clock.set(a.clock.now());
    let report = b.sync().await;
    assert!(report.bootstrapped);
    assert!(
        report.pulled > 2000,
        "the feed spans several bootstrap pages ({} changes)",
        report.pulled
    );
    a.clock.set(b.clock.now());
    a.sync().await;
    let on_a = evaluated_columns(&a);
    assert_eq!(on_a.len(), 1100);
    let on_b = evaluated_columns(&b);
    let differ: Vec<_> = on_b.iter().zip(&on_a).filter(|(b, a)| b != a).collect();
    assert!(
        on_b.len() == on_a.len() && differ.is_empty(),
        "B's SLA snapshot and outcomes equal A's, ticket by ticket: {} of {} differ, first {:?}",
        differ.len(),
        on_a.len(),
        differ.first()
    );
    assert!(
        on_a.iter().any(|r| r.contains("Integer(")),
        "tickets have SLA instants"
    );
    assert_eq!(found(&b, "printer"), 1100);
    assert_eq!(found(&b, "n1099"), 1);
    title_index_is_consistent(&b);
    // B took the one-transaction path (`store::bootstrap`), which drops the
    // board indexes and triggers while it loads: all are back, and what the
    // triggers keep equals the writer's.
    assert_eq!(schema_objects(&b), schema_objects(&a));
    assert_eq!(ticket_counts(&b), ticket_counts(&a));
    let groups = b.rows("SELECT count(*) FROM ticket_counts WHERE n > 0");
    assert_ne!(groups, vec!["Integer(0)".to_string()]);

    a.patch(
        ids[1099],
        TicketPatch {
            title: Some("Scanner jammed".into()),
            ..Default::default()
        },
    );
    a.sync().await;
    b.sync().await;
    assert_eq!(found(&b, "scanner"), 1);
    assert_eq!(
        found(&b, "n1099"),
        0,
        "the old title is gone from the index"
    );
    assert_eq!(found(&b, "printer"), 1099);
    title_index_is_consistent(&b);
}

/// Work done in local-only mode before the first sign-in is queued under the
/// local agent; signing in hands those entries (and only those) to the
/// signed-in agent, so they reach the server instead of being refused. An
/// entry queued under any other agent stays theirs and the server refuses it
/// (`actor_mismatch`), listed as a rejection, without blocking the rest.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn local_only_work_is_pushed_as_the_agent_who_signs_in() {
    let (server, _dir) = sqlite_server().await;
    let emails = server.workspace("Solo").await;
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(dir.path().join("outpost.db")).unwrap();
    let local = store.ensure_local_session().unwrap().agent;
    assert_eq!(local.email, "local@outpost.invalid");
    let new = NewTicket {
        assignee_id: Some(local.id),
        ..new_ticket("Logged before signing in")
    };
    let id = store.create_ticket(new).unwrap().ticket.id;
    let note = store.add_comment(id, "noted offline").unwrap().id;
    store
        .update_ticket(
            id,
            &TicketPatch {
                status: Some(Status::InProgress),
                ..Default::default()
            },
        )
        .unwrap();
    // An entry of somebody else queued on this device is not re-attributed.
    let other = outpost_core::Agent {
        id: outpost_core::AgentId(uuid::Uuid::now_v7()),
        name: "Someone else".into(),
        email: "someone@elsewhere.test".into(),
        role: Role::Admin,
        timezone: "UTC".into(),
    };
    store.upsert_agent(&other).unwrap();
    store.set_current_agent(Some(other.id)).unwrap();
    store
        .update_ticket(
            id,
            &TicketPatch {
                priority: Some(Priority::Urgent),
                ..Default::default()
            },
        )
        .unwrap();
    assert_eq!(store.outbox_len().unwrap(), 4);

    let store = Arc::new(Mutex::new(store));
    let (client, res) = sync::login(&store, &server.url, &emails[1], PASSWORD)
        .await
        .expect("login");
    let ana = res.agent.id;
    {
        let s = store.lock().unwrap();
        let actors: Vec<_> = s
            .pending_mutations(10)
            .unwrap()
            .iter()
            .map(|m| m.actor_id)
            .collect();
        assert_eq!(
            actors,
            vec![ana, ana, ana, other.id],
            "the local agent's entries now belong to the signed-in agent"
        );
    }
    let report = sync::sync_once(&store, &client).await.expect("sync");
    assert_eq!(report.pushed, 3, "{report:?}");
    let codes: Vec<_> = report.rejected.iter().map(|r| r.code.as_str()).collect();
    assert_eq!(codes, vec![codes::ACTOR_MISMATCH], "{report:?}");
    assert_eq!(store.lock().unwrap().outbox_len().unwrap(), 0);

    // The server holds the local work, as Ana's.
    let fresh = Device::login(&server, &emails[2], 0).await;
    fresh.sync().await;
    let s = fresh.s();
    let t = s.ticket_detail(id).unwrap().card.ticket;
    assert_eq!(t.title, "Logged before signing in");
    assert_eq!(t.assignee_id, Some(ana), "the assignee moved with the work");
    assert_eq!(t.status, Status::InProgress);
    assert_eq!(
        t.priority,
        Priority::Normal,
        "the other agent's edit is refused"
    );
    assert!(t.number.is_some());
    let comments = s.comments(id).unwrap();
    assert_eq!(comments.len(), 1);
    assert_eq!((comments[0].id, comments[0].author_id), (note, ana));
    assert!(
        s.history(id)
            .unwrap()
            .iter()
            .filter(|h| h.field != outpost_core::HistoryField::Sla)
            .all(|h| h.actor_id == Some(ana)),
        "every server history event is Ana's"
    );
}

/// An admin's SLA settings, saved on the server, reach every device through
/// the feed: the device stores them and re-evaluates its open tickets.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admins_sla_settings_reach_every_device() {
    let (server, _dir) = sqlite_server().await;
    let emails = server.workspace("Slas").await;
    let admin = Device::login(&server, &emails[0], 0).await;
    let ana = Device::login(&server, &emails[1], 0).await;
    let new = NewTicket {
        priority: Priority::Urgent,
        ..new_ticket("Urgent on every device")
    };
    let t = ana.s().create_ticket(new).unwrap().ticket.id;
    ana.sync().await;
    admin.sync().await;
    let server_settings = ana.s().sla_settings().unwrap();
    assert_eq!(
        server_settings,
        outpost_core::sla::SlaSettings::defaults(chrono_tz::UTC),
        "the server's defaults (workspace timezone UTC) arrived"
    );
    let created = ana.s().ticket_detail(t).unwrap().card.ticket.created_at;
    let due = |d: &Device| d.s().ticket_detail(t).unwrap().card.ticket.due_at;
    assert_eq!(due(&ana), Some(created + Dur::minutes(30)));

    let mut slower = server_settings.clone();
    for p in &mut slower.policies.policies {
        if p.id == "urgent" {
            p.first_response_minutes = 90;
        }
    }
    let err = ana.client.put_sla_settings(&slower).await.unwrap_err();
    assert_eq!(err.code(), "forbidden", "{err}");
    let saved = admin.client.put_sla_settings(&slower).await.unwrap();
    assert_eq!(saved, slower);
    for d in [&ana, &admin] {
        d.sync().await;
        assert_eq!(d.s().sla_settings().unwrap(), slower);
        assert_eq!(
            due(d),
            Some(created + Dur::minutes(90)),
            "the device re-evaluated its open ticket"
        );
    }
}

#[path = "sync/model.rs"]
mod model;

#[path = "sync/inbox.rs"]
mod inbox;

#[path = "sync/summary.rs"]
mod summary;
