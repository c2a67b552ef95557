//! Model-based convergence property: three devices with skewed clocks make
//! random creates, field edits and comments, go offline for random rounds,
//! replay pushes whose answer was lost, and see the server restart on the
//! same database file. After everyone syncs twice, every store holds exactly
//! the server's tickets, comments and (synced) history, and every comment
//! exists exactly once.
//!
//! Cases: `OUTPOST_SYNC_CASES` (default [`DEFAULT_CASES`]; 200 cases take
//! about 100 s on a loaded 2-core machine). `OUTPOST_SYNC_PROFILE=1` prints
//! where each case spends its time.

use super::{Device, sqlite_server};
use chrono::Duration as Dur;
use outpost_client::sync::{self, SyncError};
use outpost_core::sync::{PROTOCOL_VERSION, PushRequest};
use outpost_core::{AgentId, Priority, Status, TicketId, TicketPatch};
use proptest::prelude::*;
use std::collections::{BTreeMap, BTreeSet};
use uuid::Uuid;

const DEVICES: usize = 3;
const DEFAULT_CASES: u32 = 200;

#[derive(Debug, Clone)]
enum Field {
    Title(u8),
    Status(usize),
    Priority(usize),
    /// `None`: unassign; else an index into the agents the device knows.
    Assignee(Option<usize>),
}

#[derive(Debug, Clone)]
enum Op {
    Create,
    /// Patch the `ticket`-th ticket the device knows (modulo).
    Patch {
        ticket: usize,
        field: Field,
    },
    Comment {
        ticket: usize,
    },
}

#[derive(Debug, Clone)]
struct Round {
    /// Per device: its edits this round.
    ops: [Vec<Op>; DEVICES],
    /// Per device: whether it syncs at the end of the round.
    online: [bool; DEVICES],
    /// Per device: pushes whose answer is lost before the sync (0–2).
    lost_acks: [u8; DEVICES],
    /// Restart the server (same database file) before the syncs.
    restart: bool,
}

fn field() -> impl Strategy<Value = Field> {
    prop_oneof![
        (0u8..4).prop_map(Field::Title),
        (0..Status::ALL.len()).prop_map(Field::Status),
        (0..Priority::ALL.len()).prop_map(Field::Priority),
        proptest::option::of(0usize..4).prop_map(Field::Assignee),
    ]
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        1 => Just(Op::Create),
        3 => (any::<usize>(), field()).prop_map(|(ticket, field)| Op::Patch { ticket, field }),
        2 => any::<usize>().prop_map(|ticket| Op::Comment { ticket }),
    ]
}

fn round() -> impl Strategy<Value = Round> {
    let ops = || proptest::collection::vec(op(), 0..5);
    (
        [ops(), ops(), ops()],
        [any::<bool>(), any::<bool>(), any::<bool>()],
        [0u8..3, 0u8..3, 0u8..3],
        proptest::bool::weighted(0.15),
    )
        .prop_map(|(ops, online, lost_acks, restart)| Round {
            ops,
            online,
            lost_acks,
            restart,
        })
}

#[derive(Debug, Clone)]
struct Scenario {
    /// Clock skew of each device, in milliseconds (±10 minutes).
    skew_ms: [i64; DEVICES],
    rounds: Vec<Round>,
}

fn scenario() -> impl Strategy<Value = Scenario> {
    let skew = || -600_000i64..=600_000;
    (
        [skew(), skew(), skew()],
        proptest::collection::vec(round(), 2..7),
    )
        .prop_map(|(skew_ms, rounds)| Scenario { skew_ms, rounds })
}

fn cases() -> u32 {
    std::env::var("OUTPOST_SYNC_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(DEFAULT_CASES)
}

/// One row of the compared state, in a form both schemas map to.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct TicketRow {
    id: Uuid,
    number: Option<i64>,
    title: String,
    status: String,
    priority: i64,
    assignee: Option<Uuid>,
    category: Option<Uuid>,
}

#[derive(Debug, PartialEq, Eq)]
struct State {
    tickets: Vec<TicketRow>,
    comments: Vec<(Uuid, Uuid, String)>,
    /// Synced history ids (local `sla` system events are each device's own).
    history: Vec<Uuid>,
}

fn blob_uuid(v: Vec<u8>) -> Uuid {
    Uuid::from_slice(&v).expect("16-byte uuid")
}

fn text_uuid(v: String) -> Uuid {
    Uuid::parse_str(&v).expect("uuid text")
}

fn device_state(d: &Device) -> State {
    let c = rusqlite::Connection::open(&d.path).unwrap();
    c.busy_timeout(std::time::Duration::from_secs(5)).unwrap();
    let mut st = c
        .prepare(
            "SELECT id, number, title, status, priority, assignee_id, category_id FROM tickets",
        )
        .unwrap();
    let mut tickets: Vec<TicketRow> = st
        .query_map([], |r| {
            Ok(TicketRow {
                id: blob_uuid(r.get(0)?),
                number: r.get(1)?,
                title: r.get(2)?,
                status: Status::from_rank(r.get(3)?)
                    .expect("status rank")
                    .code()
                    .to_owned(),
                priority: r.get(4)?,
                assignee: r.get::<_, Option<Vec<u8>>>(5)?.map(blob_uuid),
                category: r.get::<_, Option<Vec<u8>>>(6)?.map(blob_uuid),
            })
        })
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    tickets.sort();
    let mut st = c
        .prepare("SELECT id, ticket_id, body FROM comments")
        .unwrap();
    let mut comments: Vec<(Uuid, Uuid, String)> = st
        .query_map([], |r| {
            Ok((blob_uuid(r.get(0)?), blob_uuid(r.get(1)?), r.get(2)?))
        })
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    comments.sort();
    let mut st = c
        .prepare("SELECT id FROM history WHERE field <> 'sla'")
        .unwrap();
    let mut history: Vec<Uuid> = st
        .query_map([], |r| r.get::<_, Vec<u8>>(0).map(blob_uuid))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    history.sort();
    State {
        tickets,
        comments,
        history,
    }
}

fn server_state(db: &std::path::Path) -> State {
    let c = rusqlite::Connection::open(db).unwrap();
    c.busy_timeout(std::time::Duration::from_secs(5)).unwrap();
    let mut st = c
        .prepare(
            "SELECT id, number, title, status, priority_rank, assignee_id, category_id FROM tickets",
        )
        .unwrap();
    let mut tickets: Vec<TicketRow> = st
        .query_map([], |r| {
            Ok(TicketRow {
                id: text_uuid(r.get(0)?),
                number: r.get(1)?,
                title: r.get(2)?,
                status: r.get(3)?,
                priority: r.get(4)?,
                assignee: r.get::<_, Option<String>>(5)?.map(text_uuid),
                category: r.get::<_, Option<String>>(6)?.map(text_uuid),
            })
        })
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    tickets.sort();
    let mut st = c
        .prepare("SELECT id, ticket_id, body FROM comments")
        .unwrap();
    let mut comments: Vec<(Uuid, Uuid, String)> = st
        .query_map([], |r| {
            Ok((text_uuid(r.get(0)?), text_uuid(r.get(1)?), r.get(2)?))
        })
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    comments.sort();
    let mut st = c.prepare("SELECT id FROM history").unwrap();
    let mut history: Vec<Uuid> = st
        .query_map([], |r| r.get::<_, String>(0).map(text_uuid))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    history.sort();
    State {
        tickets,
        comments,
        history,
    }
}

/// Ticket ids and agent ids the device knows, in a stable order.
fn known(d: &Device) -> (Vec<TicketId>, Vec<AgentId>) {
    let c = rusqlite::Connection::open(&d.path).unwrap();
    let ids = |sql: &str| -> Vec<Uuid> {
        let mut st = c.prepare(sql).unwrap();
        st.query_map([], |r| r.get::<_, Vec<u8>>(0).map(blob_uuid))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap()
    };
    (
        ids("SELECT id FROM tickets ORDER BY id")
            .into_iter()
            .map(TicketId)
            .collect(),
        ids("SELECT id FROM agents ORDER BY id")
            .into_iter()
            .map(AgentId)
            .collect(),
    )
}

/// Syncs, retrying when the server just restarted (a pooled connection
/// may see the old server close it).
async fn sync_retrying(d: &Device) -> sync::SyncReport {
    let mut tries = 0;
    loop {
        d.clock.advance(Dur::milliseconds(10));
        match sync::sync_once(&d.store, &d.client).await {
            Ok(r) => return r,
            Err(SyncError::Offline(e)) if tries < 3 => {
                tries += 1;
                eprintln!("sync retry after {e}");
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            }
            Err(e) => panic!("sync must succeed while the server is up: {e:?}"),
        }
    }
}

/// A push whose answer never reaches the device: the server applies it, the
/// outbox stays and is pushed again by the next sync.
async fn push_losing_ack(d: &Device) {
    let req = {
        let s = d.s();
        PushRequest {
            client_id: s.client_id(),
            schema_version: PROTOCOL_VERSION,
            mutations: s.pending_mutations(100).unwrap(),
        }
    };
    if req.mutations.is_empty() {
        return;
    }
    d.client
        .push(&req)
        .await
        .expect("a replayable push is accepted");
}

fn apply_op(d: &Device, who: usize, op: &Op, serial: &mut u32, comments: &mut Vec<(Uuid, String)>) {
    let (tickets, agents) = known(d);
    *serial += 1;
    match op {
        Op::Create => {
            d.create(&format!("ticket {who}.{serial}"));
        }
        Op::Patch { ticket, field } => {
            let Some(&id) = tickets.get(ticket % tickets.len().max(1)) else {
                return;
            };
            let mut patch = TicketPatch::default();
            match field {
                Field::Title(n) => patch.title = Some(format!("title {n} by {who}.{serial}")),
                Field::Status(i) => patch.status = Some(Status::ALL[*i]),
                Field::Priority(i) => patch.priority = Some(Priority::ALL[*i]),
                Field::Assignee(a) => {
                    patch.assignee_id = Some(a.and_then(|i| agents.get(i % agents.len()).copied()))
                }
            }
            d.clock.advance(Dur::seconds(1));
            // A patch that changes nothing may be refused locally; that is
            // not what this property is about.
            let _ = d.s().update_ticket(id, &patch);
        }
        Op::Comment { ticket } => {
            let Some(&id) = tickets.get(ticket % tickets.len().max(1)) else {
                return;
            };
            let body = format!("comment {who}.{serial}");
            let cid = d.comment(id, &body);
            comments.push((cid, body));
        }
    }
}

/// `OUTPOST_SYNC_PROFILE=1`: print where each case spends its time.
fn lap(label: &str, t: &mut std::time::Instant) {
    if std::env::var_os("OUTPOST_SYNC_PROFILE").is_some() {
        eprintln!("profile {label} {:.1} ms", t.elapsed().as_secs_f64() * 1e3);
    }
    *t = std::time::Instant::now();
}

async fn run(scenario: Scenario) {
    let mut t = std::time::Instant::now();
    let (mut server, dir) = sqlite_server().await;
    lap("server_start", &mut t);
    let db = dir.path().join("server.db");
    let emails = server.workspace("Model").await;
    lap("workspace", &mut t);
    let mut devices = Vec::new();
    for (i, skew) in scenario.skew_ms.iter().enumerate() {
        devices.push(Device::login(&server, &emails[i], *skew).await);
    }
    lap("logins", &mut t);
    let mut serial = 0;
    let mut comments: Vec<(Uuid, String)> = Vec::new();
    for round in &scenario.rounds {
        for (who, d) in devices.iter().enumerate() {
            for op in &round.ops[who] {
                apply_op(d, who, op, &mut serial, &mut comments);
            }
        }
        lap("ops", &mut t);
        if round.restart {
            server.restart().await;
            lap("restart", &mut t);
        }
        for (who, d) in devices.iter().enumerate() {
            if !round.online[who] {
                continue;
            }
            for _ in 0..round.lost_acks[who] {
                push_losing_ack(d).await;
            }
            sync_retrying(d).await;
        }
        lap("round_syncs", &mut t);
    }
    for _ in 0..2 {
        for d in &devices {
            sync_retrying(d).await;
        }
    }
    lap("final_syncs", &mut t);
    server.shutdown().await;
    lap("shutdown", &mut t);

    let expected = server_state(&db);
    for (who, d) in devices.iter().enumerate() {
        assert_eq!(
            d.s().outbox_len().unwrap(),
            0,
            "device {who}: every change acknowledged"
        );
        let got = device_state(d);
        assert_eq!(
            got.tickets, expected.tickets,
            "device {who}: tickets (id, number, title, status, priority, assignee, category) equal the server's"
        );
        assert_eq!(
            got.comments, expected.comments,
            "device {who}: comments equal the server's"
        );
        assert_eq!(
            got.history, expected.history,
            "device {who}: history ids equal the server's"
        );
    }
    let numbers: Vec<i64> = expected.tickets.iter().filter_map(|t| t.number).collect();
    assert_eq!(
        numbers.len(),
        expected.tickets.len(),
        "every ticket is numbered"
    );
    assert_eq!(
        numbers.iter().collect::<BTreeSet<_>>().len(),
        numbers.len(),
        "ticket numbers are unique"
    );
    let mut by_body: BTreeMap<&str, usize> = BTreeMap::new();
    for (_, _, body) in &expected.comments {
        *by_body.entry(body).or_default() += 1;
    }
    for (id, body) in &comments {
        assert!(
            expected
                .comments
                .iter()
                .any(|(c, _, b)| c == id && b == body),
            "acknowledged comment {body:?} ({id}) is on the server"
        );
        assert_eq!(
            by_body.get(body.as_str()),
            Some(&1),
            "comment {body:?} exists exactly once"
        );
    }
    assert_eq!(
        expected.comments.len(),
        comments.len(),
        "no comment appears that nobody wrote"
    );
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: cases(),
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn devices_converge_to_the_server(s in scenario()) {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(run(s));
    }
}
