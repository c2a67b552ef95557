//! Migrations and writes: create, update, comments, bad input.

use super::*;

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
        detail.card.ticket.sla_state,
        outpost_core::SlaState::OnTrack,
        "the upgrade evaluates existing tickets with the default settings"
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

/// A store whose sync tables were made on first use, before they became a
/// numbered migration, upgrades keeping every history event's `synced` flag.
#[test]
fn a_store_with_first_use_sync_tables_upgrades_to_the_sync_migration() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("legacy.db");
    let clock = clock();
    let sync = migrations::SYNC_VERSION;
    let (ticket_id, synced_events) = {
        let mut old = Store::open_with(
            &path,
            StoreOptions {
                schema_version: Some(sync - 1),
                ..options(&clock)
            },
        )
        .unwrap();
        old.upsert_agent(&Agent {
            id: ANA,
            name: "Ana".into(),
            email: "ana@x.org".into(),
            role: Role::Agent,
            timezone: "UTC".into(),
        })
        .unwrap();
        old.set_current_agent(Some(ANA)).unwrap();
        let id = old
            .create_ticket(new_ticket("Legacy sync store"))
            .unwrap()
            .ticket
            .id;
        drop(old);
        // What the first-use code used to do, then mark every event synced.
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute_batch(
            "ALTER TABLE history ADD COLUMN synced INTEGER NOT NULL DEFAULT 0;
             CREATE TABLE sync_tickets (id BLOB PRIMARY KEY, ticket_json TEXT NOT NULL, stamps_json TEXT NOT NULL) WITHOUT ROWID;
             CREATE TABLE sync_acked (op_id BLOB PRIMARY KEY, ticket_id BLOB) WITHOUT ROWID;
             CREATE TABLE sync_rejections (seq INTEGER PRIMARY KEY, op_id BLOB NOT NULL, name TEXT NOT NULL,
                 ticket_id BLOB, code TEXT NOT NULL, message TEXT NOT NULL, at INTEGER NOT NULL);
             DROP TRIGGER IF EXISTS history_no_update;",
        )
        .unwrap();
        let n = conn.execute("UPDATE history SET synced = 1", []).unwrap();
        assert!(n > 0, "the ticket has history");
        (id, n)
    };
    let store = Store::open_with(&path, options(&clock)).unwrap();
    assert_eq!(
        store.schema_version().unwrap(),
        migrations::latest_version()
    );
    drop(store);
    let conn = rusqlite::Connection::open(&path).unwrap();
    let kept: i64 = conn
        .query_row("SELECT COUNT(*) FROM history WHERE synced = 1", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(kept, synced_events as i64, "every synced flag survives");
    let legacy: i64 = conn
        .query_row(
            "SELECT COUNT(*) FROM pragma_table_info('history') WHERE name = 'synced_legacy'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(legacy, 0, "the renamed column is gone");
    let err = conn
        .execute("DELETE FROM history WHERE ticket_id = ?1", [ticket_id.0])
        .unwrap_err();
    assert!(
        err.to_string().contains("append-only"),
        "history is append-only again: {err}"
    );
}
