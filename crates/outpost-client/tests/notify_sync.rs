//! Notified marks across the devices of one agent (issue 6), against the real
//! server (in-process on 127.0.0.1:0, SQLite temp file; PostgreSQL too when
//! `OUTPOST_TEST_DATABASE_URL` is set) with real client stores: a transition
//! notified on one device is not notified again on another device of the same
//! agent after sync, while a device that has not synced yet still would, and
//! other agents never receive the mark.

use chrono::{Duration as Dur, Utc};
use outpost_client::sync::{self, SyncClient};
use outpost_client::{FixedClock, NotificationKind, NotificationPrefs, Store, StoreOptions};
use outpost_core::{NewTicket, Priority, Role, TicketId};
use outpost_server::auth::HashCost;
use outpost_server::{AppState, Config, setup};
use std::sync::{Arc, Mutex};
use std::time::Duration;

const PASSWORD: &str = "correct horse battery";

struct Server {
    url: String,
    store: outpost_server::Store,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<std::io::Result<()>>>,
}

impl Server {
    async fn start(db_url: &str) -> Server {
        let store = outpost_server::Store::open(db_url)
            .await
            .expect("open server db");
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0))
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
            store,
            stop: Some(tx),
            task: Some(task),
        }
    }

    async fn shutdown(&mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        if let Some(t) = self.task.take() {
            let _ = tokio::time::timeout(Duration::from_secs(5), t).await;
        }
    }
}

struct Device {
    store: Arc<Mutex<Store>>,
    client: SyncClient,
    clock: Arc<FixedClock>,
    path: std::path::PathBuf,
    _dir: tempfile::TempDir,
}

impl Device {
    async fn login(server: &Server, email: &str) -> Device {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("outpost.db");
        let clock = Arc::new(FixedClock::new(Utc::now()));
        let store = Store::open_with(&path, StoreOptions::with_clock(clock.clone())).unwrap();
        let store = Arc::new(Mutex::new(store));
        let (client, _) = sync::login(&store, &server.url, email, PASSWORD)
            .await
            .expect("login");
        Device {
            store,
            client,
            clock,
            path,
            _dir: dir,
        }
    }

    fn s(&self) -> std::sync::MutexGuard<'_, Store> {
        self.store.lock().unwrap()
    }

    async fn sync(&self) {
        sync::sync_once(&self.store, &self.client)
            .await
            .expect("sync");
    }

    fn pending(&self) -> Vec<outpost_client::Notification> {
        let mut s = self.s();
        s.notification_pass(&NotificationPrefs::default())
            .unwrap()
            .1
    }

    fn marks(&self) -> i64 {
        rusqlite::Connection::open(&self.path)
            .unwrap()
            .query_row("SELECT count(*) FROM notified", [], |r| r.get(0))
            .unwrap()
    }
}

async fn marks_reach_the_agents_other_devices_only(server: &Server) {
    setup::create_workspace(
        &server.store,
        "Acme",
        "UTC",
        "admin@acme.test",
        PASSWORD,
        HashCost::Fast,
    )
    .await
    .expect("workspace");
    for who in ["ana", "ben"] {
        setup::add_agent(
            &server.store,
            "Acme",
            &format!("{who}@acme.test"),
            who,
            PASSWORD,
            Role::Agent,
            HashCost::Fast,
        )
        .await
        .expect("agent");
    }
    // Ana's laptop, desktop and phone; Ben's laptop.
    let laptop = Device::login(server, "ana@acme.test").await;
    let desktop = Device::login(server, "ana@acme.test").await;
    let phone = Device::login(server, "ana@acme.test").await;
    let ben = Device::login(server, "ben@acme.test").await;
    let ana = laptop.s().current_agent().unwrap();
    let id: TicketId = laptop
        .s()
        .create_ticket(NewTicket {
            title: "Server room flooded".into(),
            description: String::new(),
            priority: Priority::Urgent,
            category_id: None,
            assignee_id: Some(ana),
            requester: "ops@acme.test".into(),
            conversation_id: None,
        })
        .unwrap()
        .ticket
        .id;
    laptop.sync().await;
    for d in [&desktop, &phone, &ben] {
        d.sync().await;
        assert!(d.pending().is_empty(), "nothing due yet");
    }
    // Urgent: 30 min to a first response (24/7), at risk after 15 min.
    for d in [&laptop, &desktop, &phone, &ben] {
        d.clock.advance(Dur::minutes(16));
    }
    let on_laptop = laptop.pending();
    assert_eq!(on_laptop.len(), 1, "the laptop notifies: {on_laptop:?}");
    assert_eq!(on_laptop[0].kind, NotificationKind::AtRisk);
    assert_eq!(on_laptop[0].ticket_ids, vec![id]);
    laptop.sync().await;

    desktop.sync().await;
    assert!(
        desktop.pending().is_empty(),
        "the desktop got the laptop's mark and stays quiet"
    );
    ben.sync().await;
    assert_eq!(ben.marks(), 0, "another agent never receives Ana's marks");

    // The phone was offline and did not sync: it would notify (the test can
    // fail), and its own mark is accepted by the server as a duplicate-free
    // append.
    let on_phone = phone.pending();
    assert_eq!(on_phone.len(), 1, "an unsynced device still notifies");
    phone.sync().await;
    laptop.sync().await;
    assert!(laptop.pending().is_empty(), "still only once on the laptop");
    assert_eq!(
        laptop.s().outbox_len().unwrap(),
        0,
        "every mark was accepted"
    );
    assert_eq!(phone.s().outbox_len().unwrap(), 0, "the phone's mark too");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn marks_reach_the_agents_other_devices_only_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("server.db").display());
    let mut server = Server::start(&url).await;
    marks_reach_the_agents_other_devices_only(&server).await;
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn marks_reach_the_agents_other_devices_only_postgres() {
    let Ok(admin) = std::env::var("OUTPOST_TEST_DATABASE_URL") else {
        eprintln!("OUTPOST_TEST_DATABASE_URL not set: skipping the PostgreSQL run");
        return;
    };
    let name = format!("outpost_marks_{}", uuid::Uuid::now_v7().simple());
    let (a2, n2) = (admin.clone(), name.clone());
    std::thread::spawn(move || {
        let mut c = postgres::Client::connect(&a2, postgres::NoTls).expect("connect");
        c.batch_execute(&format!("CREATE DATABASE {n2}"))
            .expect("create db");
    })
    .join()
    .unwrap();
    let root = admin.rsplit_once('/').map_or(admin.as_str(), |(r, _)| r);
    let mut server = Server::start(&format!("{root}/{name}")).await;
    marks_reach_the_agents_other_devices_only(&server).await;
    server.shutdown().await;
    drop(server);
    std::thread::spawn(move || {
        if let Ok(mut c) = postgres::Client::connect(&admin, postgres::NoTls) {
            let _ = c.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
        }
    })
    .join()
    .unwrap();
}
