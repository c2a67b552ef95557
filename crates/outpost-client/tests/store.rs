//! Integration tests of the local store on real SQLite files in temporary
//! folders: migrations, writes (history + outbox), validation, the board
//! (filters, sorts, pagination, stats, search), CSV export and demo data.

use chrono::{Duration, TimeZone, Utc};
use outpost_client::demo::{self, DemoSize};
use outpost_client::store::migrations;
use outpost_client::{Clock, FixedClock, Store, StoreError, StoreOptions};
use outpost_core::sync::MutationOp;
use outpost_core::{
    Agent, AgentId, AssigneeFilter, BulkSelection, Category, CategoryId, HistoryField, NewTicket,
    Priority, Role, SlaBucket, SortOrder, Status, TicketCard, TicketId, TicketPatch, TicketQuery,
};
use std::collections::HashSet;
use std::sync::Arc;
use tempfile::TempDir;
use uuid::Uuid;

const ANA: AgentId = AgentId(Uuid::from_u128(0xa1));
const BEN: AgentId = AgentId(Uuid::from_u128(0xb2));
const PRINTING: CategoryId = CategoryId(Uuid::from_u128(0xc1));
const NETWORK: CategoryId = CategoryId(Uuid::from_u128(0xc2));

struct Fixture {
    _dir: TempDir,
    clock: Arc<FixedClock>,
    store: Store,
}

fn clock() -> Arc<FixedClock> {
    Arc::new(FixedClock::new(
        Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).unwrap(),
    ))
}

fn options(clock: &Arc<FixedClock>) -> StoreOptions {
    StoreOptions {
        id_seed: Some(7),
        ..StoreOptions::with_clock(clock.clone())
    }
}

/// A store with two agents (Ana signed in) and two categories.
fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let clock = clock();
    let mut store = Store::open_with(dir.path().join("outpost.db"), options(&clock)).unwrap();
    store
        .upsert_agents(&[
            Agent {
                id: ANA,
                name: "Ana Lopez".into(),
                email: "ana@example.com".into(),
                role: Role::Admin,
                timezone: "Europe/Paris".into(),
            },
            Agent {
                id: BEN,
                name: "Ben Okafor".into(),
                email: "ben.okafor@example.com".into(),
                role: Role::Agent,
                timezone: "UTC".into(),
            },
        ])
        .unwrap();
    store
        .upsert_categories(&[
            Category {
                id: PRINTING,
                name: "Printing".into(),
            },
            Category {
                id: NETWORK,
                name: "Network".into(),
            },
        ])
        .unwrap();
    store.set_current_agent(Some(ANA)).unwrap();
    Fixture {
        _dir: dir,
        clock,
        store,
    }
}

fn new_ticket(title: &str) -> NewTicket {
    NewTicket {
        title: title.into(),
        description: String::new(),
        priority: Priority::Normal,
        category_id: None,
        assignee_id: None,
        requester: "Zoë Müller".into(),
        conversation_id: None,
    }
}

#[test]
fn an_old_store_upgrades_and_keeps_its_data_and_a_newer_one_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.db");
    let clock = clock();
    let ticket_id = {
        let mut old = Store::open_with(
            &path,
            StoreOptions {
                schema_version: Some(1),
                ..options(&clock)
            },
        )
        .unwrap();
        assert_eq!(old.schema_version().unwrap(), 1, "only migration 1 ran");
        old.upsert_agent(&Agent {
            id: ANA,
            name: "Ana".into(),
            email: "ana@x.org".into(),
            role: Role::Agent,
            timezone: "UTC".into(),
        })
        .unwrap();
        old.set_current_agent(Some(ANA)).unwrap();
        old.create_ticket(new_ticket("Printer offline in Lyon office"))
            .unwrap()
            .ticket
            .id
    };
    let store = Store::open_with(&path, options(&clock)).unwrap();
    assert_eq!(
        store.schema_version().unwrap(),
        migrations::latest_version(),
        "all pending migrations ran at open"
    );
    assert!(
        migrations::latest_version() >= 2,
        "the upgrade test needs at least two migrations"
    );
    let detail = store.ticket_detail(ticket_id).unwrap();
    assert_eq!(
        detail.card.ticket.title, "Printer offline in Lyon office",
        "data survives the upgrade"
    );
    assert_eq!(
        store.current_agent(),
        Some(ANA),
        "the signed-in agent survives reopening"
    );
    let page = store
        .board_page(
            &TicketQuery {
                text: Some("prin".into()),
                ..Default::default()
            },
            None,
            10,
        )
        .unwrap();
    assert_eq!(page.total, 1, "search works on the upgraded store");
    let client_id = store.client_id();
    drop(store);
    let again = Store::open_with(&path, options(&clock)).unwrap();
    assert_eq!(
        again.client_id(),
        client_id,
        "the device id is created once and kept"
    );
    drop(again);

    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.pragma_update(None, "user_version", 999).unwrap();
    drop(conn);
    match Store::open_with(&path, options(&clock)) {
        Err(StoreError::SchemaTooNew { found: 999, .. }) => {}
        other => panic!("a store from a newer app must be refused, got {other:?}"),
    }
}

#[test]
fn create_writes_the_ticket_history_and_one_outbox_mutation() {
    let mut f = fixture();
    let card = f
        .store
        .create_ticket(NewTicket {
            assignee_id: Some(BEN),
            category_id: Some(PRINTING),
            ..new_ticket("  Printer offline  ")
        })
        .unwrap();
    assert_eq!(card.ticket.title, "Printer offline", "titles are trimmed");
    assert_eq!(
        card.display_number, "TKT-001",
        "local numbering starts at 1"
    );
    assert_eq!(card.assignee_name.as_deref(), Some("Ben Okafor"));
    assert_eq!(card.category_name.as_deref(), Some("Printing"));
    assert_eq!(
        card.ticket.created_at,
        f.clock.now(),
        "times come from the injected clock"
    );
    assert_eq!(
        card.ticket.id.uuid().get_version_num(),
        7,
        "ticket ids are UUIDv7"
    );
    let second = f.store.create_ticket(new_ticket("VPN drops")).unwrap();
    assert_eq!(second.display_number, "TKT-002", "numbers are max + 1");

    let history = f.store.history(card.ticket.id).unwrap();
    assert_eq!(history.len(), 1, "creation is one history event");
    assert_eq!(
        (history[0].field, history[0].actor_id),
        (HistoryField::Created, Some(ANA))
    );
    let out = f.store.pending_mutations(10).unwrap();
    assert_eq!(out.len(), 2, "one mutation per created ticket");
    assert!(
        out[0].seq < out[1].seq && out[0].hlc < out[1].hlc,
        "seq and HLC increase"
    );
    assert_eq!(out[0].actor_id, ANA);
    assert_eq!(out[0].client_id, f.store.client_id());
    match &out[0].op {
        MutationOp::CreateTicket { id, ticket, .. } => {
            assert_eq!(*id, card.ticket.id);
            assert_eq!(
                ticket.title, "Printer offline",
                "the outbox carries the normalised ticket"
            );
        }
        other => panic!("expected create_ticket, got {other:?}"),
    }

    f.store
        .set_numbering(outpost_client::Numbering::Server)
        .unwrap();
    let provisional = f.store.create_ticket(new_ticket("Offline ticket")).unwrap();
    assert_eq!(
        provisional.ticket.number, None,
        "with server numbering a new ticket is provisional"
    );
    assert_eq!(provisional.display_number, "New (unsynced)");
}

#[test]
fn update_records_each_changed_field_and_skips_no_ops() {
    let mut f = fixture();
    let id = f
        .store
        .create_ticket(new_ticket("Printer offline"))
        .unwrap()
        .ticket
        .id;
    f.clock.advance(Duration::minutes(5));
    let patch = TicketPatch {
        title: Some("Printer offline in Lyon".into()),
        status: Some(Status::InProgress),
        priority: Some(Priority::Normal), // unchanged: no event
        assignee_id: Some(Some(BEN)),
        category_id: Some(Some(NETWORK)),
        due_override: Some(Some(f.clock.now() + Duration::days(1))),
        ..Default::default()
    };
    let card = f.store.update_ticket(id, &patch).unwrap();
    let t = &card.ticket;
    assert_eq!(
        (t.status, t.assignee_id, t.category_id),
        (Status::InProgress, Some(BEN), Some(NETWORK))
    );
    assert_eq!(
        t.first_response_at,
        Some(f.clock.now()),
        "moving to In Progress is the first response"
    );
    assert_eq!(t.updated_at, f.clock.now());
    assert_eq!(
        t.due_at, t.due_override,
        "without the SLA engine the due date is the override"
    );

    let history = f.store.history(id).unwrap();
    let fields: Vec<HistoryField> = history.iter().map(|e| e.field).collect();
    for field in [
        HistoryField::Title,
        HistoryField::Status,
        HistoryField::Assignee,
        HistoryField::Category,
        HistoryField::DueDate,
    ] {
        assert!(
            fields.contains(&field),
            "a {field:?} event is recorded: {fields:?}"
        );
    }
    assert!(
        !fields.contains(&HistoryField::Priority),
        "an unchanged field writes no history"
    );
    assert_eq!(
        history.last().unwrap().field,
        HistoryField::Created,
        "history is newest first"
    );
    let status = history
        .iter()
        .find(|e| e.field == HistoryField::Status)
        .unwrap();
    assert_eq!(
        (status.old_value.as_deref(), status.new_value.as_deref()),
        (Some("open"), Some("in_progress")),
        "values are codes"
    );
    let assignee = history
        .iter()
        .find(|e| e.field == HistoryField::Assignee)
        .unwrap();
    assert_eq!(
        assignee.new_value,
        Some(BEN.to_string()),
        "agents are recorded by id"
    );

    let out = f.store.pending_mutations(10).unwrap();
    match &out.last().unwrap().op {
        MutationOp::UpdateTicket { patch: sent, .. } => {
            assert_eq!(
                sent.priority, None,
                "the outbox carries only changed fields"
            );
            assert_eq!(sent.status, Some(Status::InProgress));
        }
        other => panic!("expected update_ticket, got {other:?}"),
    }

    let before = f.store.table_counts().unwrap();
    f.store.update_ticket(id, &patch).unwrap();
    assert_eq!(
        f.store.table_counts().unwrap(),
        before,
        "re-applying the same patch writes nothing"
    );

    f.store
        .update_ticket(
            id,
            &TicketPatch {
                status: Some(Status::Closed),
                ..Default::default()
            },
        )
        .unwrap();
    let closed = f.store.ticket_detail(id).unwrap().card.ticket;
    assert!(
        closed.resolved_at.is_some() && closed.closed_at.is_some(),
        "closing stamps resolution and close"
    );
    let reopened = f
        .store
        .update_ticket(
            id,
            &TicketPatch {
                status: Some(Status::Open),
                ..Default::default()
            },
        )
        .unwrap()
        .ticket;
    assert_eq!(
        (reopened.resolved_at, reopened.closed_at),
        (None, None),
        "reopening clears them"
    );
}

#[test]
fn comments_record_mentions_history_and_outbox() {
    let mut f = fixture();
    let id = f
        .store
        .create_ticket(new_ticket("VPN drops"))
        .unwrap()
        .ticket
        .id;
    f.clock.advance(Duration::minutes(1));
    let c = f
        .store
        .add_comment(id, "@ben.okafor can you check? cc @Ana Lopez")
        .unwrap();
    assert_eq!(
        c.mentions,
        vec![BEN, ANA],
        "mentions resolve by email handle and full name"
    );
    assert_eq!(c.author_id, ANA);
    let listed = f.store.comments(id).unwrap();
    assert_eq!(
        listed,
        vec![c.clone()],
        "the comment reads back identically"
    );
    assert_eq!(
        f.store.ticket_detail(id).unwrap().card.ticket.updated_at,
        f.clock.now(),
        "a comment bumps updated_at"
    );
    let history = f.store.history(id).unwrap();
    assert_eq!(
        history[0].field,
        HistoryField::Comment,
        "the comment is the newest history event"
    );
    assert_eq!(history[0].new_value, Some(c.id.to_string()));
    let out = f.store.pending_mutations(10).unwrap();
    assert!(
        matches!(&out.last().unwrap().op, MutationOp::AddComment { id: cid, .. } if *cid == c.id),
        "an add_comment mutation is queued"
    );
    assert!(
        matches!(
            f.store.add_comment(id, "   "),
            Err(StoreError::Validation(_))
        ),
        "an empty comment is rejected"
    );
}

#[test]
fn bad_input_is_a_typed_error_and_changes_nothing() {
    let mut f = fixture();
    let id = f
        .store
        .create_ticket(new_ticket("Printer offline"))
        .unwrap()
        .ticket
        .id;
    let before = f.store.table_counts().unwrap();
    let ghost = AgentId(Uuid::from_u128(0xdead));
    let cases: Vec<(&str, Result<TicketCard, StoreError>)> = vec![
        ("empty title", f.store.create_ticket(new_ticket("   "))),
        (
            "1 MB title",
            f.store.create_ticket(new_ticket(&"x".repeat(1 << 20))),
        ),
        (
            "unknown assignee",
            f.store.create_ticket(NewTicket {
                assignee_id: Some(ghost),
                ..new_ticket("ok")
            }),
        ),
        (
            "unknown category",
            f.store.create_ticket(NewTicket {
                category_id: Some(CategoryId(Uuid::from_u128(9))),
                ..new_ticket("ok")
            }),
        ),
        (
            "unknown ticket",
            f.store.update_ticket(
                TicketId(Uuid::from_u128(1)),
                &TicketPatch {
                    status: Some(Status::Closed),
                    ..Default::default()
                },
            ),
        ),
        (
            "empty title patch",
            f.store.update_ticket(
                id,
                &TicketPatch {
                    title: Some("".into()),
                    ..Default::default()
                },
            ),
        ),
        (
            "unknown assignee patch",
            f.store.update_ticket(
                id,
                &TicketPatch {
                    assignee_id: Some(Some(ghost)),
                    status: Some(Status::Closed),
                    ..Default::default()
                },
            ),
        ),
    ];
    let expected = [
        "empty_field",
        "too_long",
        "unknown_agent",
        "not_found",
        "not_found",
        "empty_field",
        "unknown_agent",
    ];
    for ((what, result), code) in cases.into_iter().zip(expected) {
        let err = result.expect_err(what);
        assert_eq!(err.code(), code, "{what} gives code {code}: {err}");
        assert!(err.is_bad_input(), "{what} is the caller's error");
        let dto = outpost_core::ErrorDto::from(&err);
        assert!(!dto.message.is_empty(), "{what} explains itself");
    }
    let bulk = f.store.bulk_update(
        &BulkSelection::Ids {
            ids: vec![id, TicketId(Uuid::from_u128(2))],
        },
        &TicketPatch {
            status: Some(Status::Closed),
            ..Default::default()
        },
    );
    assert_eq!(
        bulk.unwrap_err().code(),
        "not_found",
        "a bulk change with an unknown id fails whole"
    );
    let invalid_enum: Result<Status, StoreError> =
        "sometimes".parse::<Status>().map_err(StoreError::from);
    assert_eq!(
        invalid_enum.unwrap_err().code(),
        "invalid_value",
        "an invalid enum is a validation error"
    );
    assert!(
        matches!(
            f.store
                .board_page(&TicketQuery::default(), Some("garbage"), 10),
            Err(StoreError::Validation(_))
        ),
        "a bad cursor is rejected"
    );
    assert_eq!(
        f.store.table_counts().unwrap(),
        before,
        "no tickets, history or outbox rows were written"
    );
    assert_eq!(
        f.store.ticket_detail(id).unwrap().card.ticket.status,
        Status::Open,
        "the ticket is untouched"
    );

    f.store.set_current_agent(None).unwrap();
    assert_eq!(
        f.store.create_ticket(new_ticket("x")).unwrap_err().code(),
        "not_signed_in",
        "changes need a signed-in agent"
    );
    assert_eq!(
        f.store.set_current_agent(Some(ghost)).unwrap_err().code(),
        "unknown_agent"
    );
}

#[test]
fn bulk_update_by_query_changes_every_match_in_one_go() {
    let mut f = fixture();
    for i in 0..30 {
        let priority = if i % 3 == 0 {
            Priority::Urgent
        } else {
            Priority::Low
        };
        f.store
            .create_ticket(NewTicket {
                priority,
                ..new_ticket(&format!("Ticket {i}"))
            })
            .unwrap();
    }
    let before = f.store.table_counts().unwrap();
    let query = TicketQuery {
        priorities: vec![Priority::Urgent],
        ..Default::default()
    };
    let patch = TicketPatch {
        assignee_id: Some(Some(BEN)),
        status: Some(Status::Waiting),
        ..Default::default()
    };
    let changed = f
        .store
        .bulk_update(
            &BulkSelection::Query {
                query: query.clone(),
            },
            &patch,
        )
        .unwrap();
    assert_eq!(changed, 10, "every urgent ticket changes, not just a page");
    let after = f.store.table_counts().unwrap();
    assert_eq!(
        after.outbox - before.outbox,
        10,
        "one outbox mutation per ticket"
    );
    assert_eq!(
        after.history - before.history,
        20,
        "two history events per ticket"
    );
    let page = f
        .store
        .board_page(
            &TicketQuery {
                assignee: AssigneeFilter::Agent(BEN),
                ..Default::default()
            },
            None,
            100,
        )
        .unwrap();
    assert_eq!(page.total, 10);
    assert!(
        page.cards
            .iter()
            .all(|c| c.ticket.status == Status::Waiting)
    );
    assert_eq!(
        f.store
            .bulk_update(&BulkSelection::Query { query }, &patch)
            .unwrap(),
        0,
        "a repeat changes nothing"
    );
}

/// Walks every page of `q` and checks order, uniqueness and the total.
fn walk(store: &Store, q: &TicketQuery, page_size: usize) -> Vec<TicketCard> {
    let mut all = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let page = store.board_page(q, cursor.as_deref(), page_size).unwrap();
        assert!(page.cards.len() <= page_size);
        all.extend(page.cards);
        match page.next_cursor {
            Some(c) => cursor = Some(c),
            None => {
                assert_eq!(
                    all.len() as u64,
                    page.total,
                    "walking all pages of {q:?} yields `total` cards"
                );
                break;
            }
        }
    }
    let ids: HashSet<TicketId> = all.iter().map(|c| c.ticket.id).collect();
    assert_eq!(ids.len(), all.len(), "no ticket appears twice under {q:?}");
    all
}

#[test]
fn board_filters_sorts_and_pages_cover_every_match_once_in_order() {
    let dir = tempfile::tempdir().unwrap();
    let clock = clock();
    let mut store = Store::open_with(dir.path().join("demo.db"), options(&clock)).unwrap();
    demo::seed(
        &mut store,
        DemoSize {
            tickets: 1500,
            seed: 11,
        },
    )
    .unwrap();
    // Over 1000 matches a page walks the sort index; under, it sorts the matches.
    let me = store.current_agent().unwrap();
    let agents = store.agents().unwrap();
    let categories = store.categories().unwrap();
    let all = walk(&store, &TicketQuery::default(), 1000);
    assert_eq!(all.len(), 1500);

    for sort in [
        SortOrder::DueDate,
        SortOrder::Priority,
        SortOrder::Updated,
        SortOrder::Created,
        SortOrder::Number,
    ] {
        for q in [
            TicketQuery {
                sort,
                ..Default::default()
            },
            TicketQuery {
                sort,
                statuses: vec![Status::Open, Status::Waiting],
                ..Default::default()
            },
            TicketQuery {
                sort,
                priorities: vec![Priority::High],
                assignee: AssigneeFilter::Me,
                ..Default::default()
            },
            TicketQuery {
                sort,
                category_id: Some(categories[3].id),
                assignee: AssigneeFilter::Unassigned,
                ..Default::default()
            },
            TicketQuery {
                sort,
                sla: Some(SlaBucket::Overdue),
                ..Default::default()
            },
            TicketQuery {
                sort,
                sla: Some(SlaBucket::DueThisWeek),
                assignee: AssigneeFilter::Agent(agents[2].id),
                ..Default::default()
            },
        ] {
            let cards = walk(&store, &q, 37);
            // The reference: filter and sort every ticket in memory.
            let tz: chrono_tz::Tz = agents
                .iter()
                .find(|a| a.id == me)
                .unwrap()
                .timezone
                .parse()
                .unwrap();
            let end = outpost_core::query::bucket_end(
                q.sla.unwrap_or(SlaBucket::Overdue),
                clock.now(),
                &tz,
                chrono::Weekday::Mon,
            );
            let mut expected: Vec<&TicketCard> = all
                .iter()
                .filter(|c| {
                    let t = &c.ticket;
                    (q.statuses.is_empty() || q.statuses.contains(&t.status))
                        && (q.priorities.is_empty() || q.priorities.contains(&t.priority))
                        && match q.assignee {
                            AssigneeFilter::Anyone => true,
                            AssigneeFilter::Me => t.assignee_id == Some(me),
                            AssigneeFilter::Unassigned => t.assignee_id.is_none(),
                            AssigneeFilter::Agent(a) => t.assignee_id == Some(a),
                        }
                        && q.category_id.is_none_or(|c| t.category_id == Some(c))
                        && q.sla.is_none_or(|b| {
                            outpost_core::query::in_bucket(b, t.sla_state, t.status, t.due_at, end)
                        })
                })
                .collect();
            let key = |c: &TicketCard| -> (i64, Uuid) {
                let t = &c.ticket;
                let k = match sort {
                    SortOrder::DueDate => t.due_at.map_or(i64::MAX, |d| d.timestamp_millis()),
                    SortOrder::Priority => {
                        ((t.priority.rank() as i64) << 48) + t.created_at.timestamp_millis()
                    }
                    SortOrder::Updated => t.updated_at.timestamp_millis(),
                    SortOrder::Created => t.created_at.timestamp_millis(),
                    SortOrder::Number => t.number.map_or(i64::MAX, |n| n.0 as i64),
                };
                (k, t.id.uuid())
            };
            expected.sort_by_key(|c| key(c));
            if matches!(
                sort,
                SortOrder::Updated | SortOrder::Created | SortOrder::Number
            ) {
                expected.reverse();
            }
            let got: Vec<TicketId> = cards.iter().map(|c| c.ticket.id).collect();
            let want: Vec<TicketId> = expected.iter().map(|c| c.ticket.id).collect();
            assert_eq!(
                got, want,
                "pages of {q:?} list exactly the matching tickets in sort order"
            );
        }
    }
    let cards = walk(
        &store,
        &TicketQuery {
            sort: SortOrder::Priority,
            ..Default::default()
        },
        50,
    );
    assert_eq!(
        cards[0].ticket.priority,
        Priority::Urgent,
        "priority sort puts urgent first"
    );
    let due = walk(&store, &TicketQuery::default(), 100);
    assert!(
        due.last().unwrap().ticket.due_at.is_none(),
        "tickets without a due date sort last"
    );
}

#[test]
fn stats_count_every_status_under_the_other_filters() {
    let dir = tempfile::tempdir().unwrap();
    let clock = clock();
    let mut store = Store::open_with(dir.path().join("demo.db"), options(&clock)).unwrap();
    demo::seed(
        &mut store,
        DemoSize {
            tickets: 400,
            seed: 3,
        },
    )
    .unwrap();
    let categories = store.categories().unwrap();
    for q in [
        TicketQuery::default(),
        TicketQuery {
            statuses: vec![Status::Open],
            assignee: AssigneeFilter::Me,
            ..Default::default()
        },
        TicketQuery {
            category_id: Some(categories[0].id),
            priorities: vec![Priority::Low, Priority::High],
            ..Default::default()
        },
        TicketQuery {
            text: Some("printer".into()),
            ..Default::default()
        },
    ] {
        let stats = store.board_stats(&q).unwrap();
        for status in Status::ALL {
            let one = TicketQuery {
                statuses: vec![status],
                ..q.clone()
            };
            let n = store.board_page(&one, None, 1).unwrap().total;
            let counted = match status {
                Status::Open => stats.open,
                Status::InProgress => stats.in_progress,
                Status::Waiting => stats.waiting,
                Status::Resolved => stats.resolved,
                Status::Closed => stats.closed,
            };
            assert_eq!(
                counted, n,
                "stats for {status:?} under {q:?} equal the filtered total"
            );
        }
    }
    assert_eq!(
        store.board_stats(&TicketQuery::default()).unwrap().total(),
        400,
        "unfiltered stats count every ticket"
    );
}

#[test]
fn search_finds_numbers_prefixes_and_folds_diacritics() {
    let mut f = fixture();
    let printer = f
        .store
        .create_ticket(new_ticket("Printer offline in Lyon office"))
        .unwrap()
        .ticket
        .id;
    let cafe = f
        .store
        .create_ticket(new_ticket("Café POS terminal frozen"))
        .unwrap()
        .ticket
        .id;
    let vpn = f
        .store
        .create_ticket(new_ticket("VPN drops every 10 minutes"))
        .unwrap()
        .ticket
        .id;
    let search = |store: &Store, text: &str| -> Vec<TicketId> {
        let q = TicketQuery {
            text: Some(text.into()),
            ..Default::default()
        };
        walk(store, &q, 10).iter().map(|c| c.ticket.id).collect()
    };
    for q in ["TKT-001", "#TKT-001", "tkt-1", "1", "#1"] {
        assert_eq!(
            search(&f.store, q),
            vec![printer],
            "{q:?} finds ticket 1 by number"
        );
    }
    assert_eq!(
        search(&f.store, "prin off"),
        vec![printer],
        "every word is a prefix"
    );
    assert_eq!(
        search(&f.store, "PRINTER"),
        vec![printer],
        "case is ignored"
    );
    assert_eq!(
        search(&f.store, "cafe"),
        vec![cafe],
        "diacritics are folded"
    );
    assert_eq!(search(&f.store, "café pos"), vec![cafe]);
    assert_eq!(search(&f.store, "vpn min"), vec![vpn]);
    assert!(
        search(&f.store, "printer vpn").is_empty(),
        "all words must match"
    );
    assert!(
        search(&f.store, "\"*)(").is_empty(),
        "punctuation cannot break the FTS query"
    );
    assert!(
        search(&f.store, "TKT-999").is_empty(),
        "an unknown number finds nothing"
    );
    f.store
        .update_ticket(
            printer,
            &TicketPatch {
                title: Some("Scanner jammed".into()),
                ..Default::default()
            },
        )
        .unwrap();
    assert!(
        search(&f.store, "printer").is_empty(),
        "a renamed ticket leaves the old words' index"
    );
    assert_eq!(
        search(&f.store, "scan"),
        vec![printer],
        "and is found by the new ones"
    );
}

#[test]
fn csv_export_streams_the_selection_safely() {
    let mut f = fixture();
    let a = f
        .store
        .create_ticket(NewTicket {
            category_id: Some(PRINTING),
            assignee_id: Some(BEN),
            ..new_ticket("=HYPERLINK(\"x\")")
        })
        .unwrap();
    let b = f
        .store
        .create_ticket(new_ticket("Café, \"quoted\""))
        .unwrap();
    f.store.create_ticket(new_ticket("Not selected")).unwrap();
    let mut out = Vec::new();
    let n = f
        .store
        .export_csv(
            &BulkSelection::Ids {
                ids: vec![a.ticket.id, b.ticket.id],
            },
            &mut out,
        )
        .unwrap();
    assert_eq!(n, 2, "exactly the selected tickets");
    let text = String::from_utf8(out).unwrap();
    let mut rdr = csv::Reader::from_reader(text.as_bytes());
    let rows: Vec<csv::StringRecord> = rdr.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 2);
    let first = rows
        .iter()
        .find(|r| &r[0] == "TKT-001")
        .expect("TKT-001 exported");
    assert_eq!(
        &first[1], "'=HYPERLINK(\"x\")",
        "formula cells are neutralised"
    );
    assert_eq!(
        (&first[2], &first[3], &first[4], &first[5]),
        ("Open", "Normal", "Printing", "Ben Okafor")
    );
    assert_eq!(&first[7], "2026-03-02T09:00:00Z", "times are RFC 3339 UTC");
    assert!(
        rows.iter().any(|r| &r[1] == "Café, \"quoted\""),
        "UTF-8 and quotes survive"
    );

    let mut all = Vec::new();
    let q = BulkSelection::Query {
        query: TicketQuery {
            text: Some("cafe".into()),
            ..Default::default()
        },
    };
    assert_eq!(
        f.store.export_csv(&q, &mut all).unwrap(),
        1,
        "a query selection exports its matches"
    );
}

#[test]
fn demo_data_is_deterministic_and_realistic() {
    let make = || {
        let dir = tempfile::tempdir().unwrap();
        let clock = clock();
        let mut store = Store::open_with(dir.path().join("demo.db"), options(&clock)).unwrap();
        let summary = demo::seed(
            &mut store,
            DemoSize {
                tickets: 300,
                seed: 42,
            },
        )
        .unwrap();
        let cards = walk(
            &store,
            &TicketQuery {
                sort: SortOrder::Number,
                ..Default::default()
            },
            500,
        );
        let comments = store.comments(cards[0].ticket.id).unwrap();
        (dir, store, summary, cards, comments)
    };
    let (_d1, store, s1, cards1, comments1) = make();
    let (_d2, _store2, s2, cards2, comments2) = make();
    assert_eq!(s1, s2, "same seed, same amounts");
    assert_eq!(cards1, cards2, "same seed and clock, same tickets");
    assert_eq!(comments1, comments2, "and the same comments");
    assert_eq!(s1.tickets, 300);
    let per = |n: u64| n as f64 / 300.0;
    assert!(
        (3.5..6.5).contains(&per(s1.comments)),
        "about 5 comments per ticket, got {}",
        per(s1.comments)
    );
    assert!(
        (7.0..13.0).contains(&per(s1.history)),
        "about 10 history events per ticket, got {}",
        per(s1.history)
    );
    assert_eq!(store.agents().unwrap().len(), 8);
    assert_eq!(store.categories().unwrap().len(), 8);
    assert_eq!(
        store.outbox_len().unwrap(),
        0,
        "demo data is local: no outbox rows"
    );
    let oldest = cards1.iter().map(|c| c.ticket.created_at).min().unwrap();
    assert!(
        store.now() - oldest <= Duration::days(61),
        "tickets span the last 60 days"
    );
    let stats = store.board_stats(&TicketQuery::default()).unwrap();
    assert!(
        stats.open > 0
            && stats.in_progress > 0
            && stats.waiting > 0
            && stats.resolved > 0
            && stats.closed > 0,
        "every status appears: {stats:?}"
    );
}
