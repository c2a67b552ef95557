//! Undo of bulk changes: exact restore in one transaction with history and
//! outbox entries, later edits kept, survives reopening, bad batch ids.

use super::*;
use outpost_client::store::KEEP_BATCHES;

/// Six tickets with mixed statuses and priorities; returns their ids.
fn six_tickets(f: &mut Fixture) -> Vec<TicketId> {
    let statuses = [
        Status::Open,
        Status::InProgress,
        Status::Open,
        Status::Resolved,
        Status::InProgress,
        Status::Open,
    ];
    let priorities = [Priority::Low, Priority::Normal, Priority::High];
    let mut ids = Vec::new();
    for (i, status) in statuses.iter().enumerate() {
        let card = f
            .store
            .create_ticket(NewTicket {
                priority: priorities[i % 3],
                ..new_ticket(&format!("Undo me {i}"))
            })
            .unwrap();
        f.store
            .update_ticket(
                card.ticket.id,
                &TicketPatch {
                    status: Some(*status),
                    ..Default::default()
                },
            )
            .unwrap();
        ids.push(card.ticket.id);
    }
    f.clock.advance(Duration::minutes(5));
    ids
}

fn snapshot(f: &Fixture, ids: &[TicketId]) -> Vec<(Status, Priority, Option<AgentId>)> {
    ids.iter()
        .map(|id| {
            let t = f.store.ticket_detail(*id).unwrap().card.ticket;
            (t.status, t.priority, t.assignee_id)
        })
        .collect()
}

#[test]
fn undo_restores_every_ticket_with_history_and_outbox_even_after_reopening() {
    let mut f = fixture();
    let ids = six_tickets(&mut f);
    let before = snapshot(&f, &ids);
    let outcome = f
        .store
        .bulk_update_undoable(
            &BulkSelection::Ids { ids: ids.clone() },
            &TicketPatch {
                status: Some(Status::Waiting),
                assignee_id: Some(Some(BEN)),
                ..Default::default()
            },
        )
        .unwrap();
    assert_eq!(outcome.changed, 6);
    let batch = outcome
        .batch_id
        .expect("a change that did something is undoable");
    assert!(
        snapshot(&f, &ids)
            .iter()
            .all(|s| s.0 == Status::Waiting && s.2 == Some(BEN))
    );

    // The undo record is in the file: reopen the store as after a restart.
    let path = f._dir.path().join("outpost.db");
    drop(std::mem::replace(
        &mut f.store,
        Store::open_with(&path, options(&f.clock)).unwrap(),
    ));
    f.clock.advance(Duration::minutes(1));
    let counts = f.store.table_counts().unwrap();
    let undone = f.store.undo_bulk_update(batch).unwrap();
    assert_eq!(
        (undone.restored, undone.kept),
        (6, 0),
        "nothing was edited since: all restored"
    );
    assert_eq!(
        snapshot(&f, &ids),
        before,
        "every ticket is exactly as before"
    );

    let after = f.store.table_counts().unwrap();
    assert_eq!(
        after.outbox - counts.outbox,
        6,
        "one outbox mutation per restored ticket, so sync carries the undo"
    );
    let pushed = f.store.pending_mutations(1000).unwrap();
    for (id, (status, _, assignee)) in ids.iter().zip(&before) {
        let last = pushed
            .iter()
            .rev()
            .find_map(|m| match &m.op {
                MutationOp::UpdateTicket { id: t, patch } if t == id => Some(patch.clone()),
                _ => None,
            })
            .unwrap();
        assert_eq!(
            last.status,
            Some(*status),
            "the outbox carries the old status"
        );
        assert_eq!(last.assignee_id, Some(*assignee), "and the old assignee");
        let history = f.store.history(*id).unwrap();
        let undo_status = history
            .iter()
            .filter(|h| h.field == HistoryField::Status && h.actor_id == Some(ANA))
            .max_by_key(|h| h.at)
            .unwrap();
        assert_eq!(
            (
                undo_status.old_value.as_deref(),
                undo_status.new_value.as_deref()
            ),
            (Some("waiting"), Some(status.code())),
            "the undo is in the ticket's history like any edit"
        );
        assert!(
            history.iter().any(|h| h.field == HistoryField::Assignee
                && h.old_value == Some(BEN.to_string())
                && h.new_value.is_none()),
            "the unassignment is in the history"
        );
    }

    let again = f.store.undo_bulk_update(batch).unwrap_err();
    assert_eq!(again.code(), "already_undone", "{again}");
    assert_eq!(
        f.store.table_counts().unwrap(),
        after,
        "a second undo writes nothing"
    );
}

#[test]
fn undo_keeps_fields_edited_since_and_restores_the_rest() {
    let mut f = fixture();
    let ids = six_tickets(&mut f);
    let before = snapshot(&f, &ids);
    let batch = f
        .store
        .bulk_update_undoable(
            &BulkSelection::Ids { ids: ids.clone() },
            &TicketPatch {
                priority: Some(Priority::Urgent),
                assignee_id: Some(Some(BEN)),
                ..Default::default()
            },
        )
        .unwrap()
        .batch_id
        .unwrap();
    f.clock.advance(Duration::minutes(2));
    // Someone reassigns ticket 0 after the bulk change.
    f.store
        .update_ticket(
            ids[0],
            &TicketPatch {
                assignee_id: Some(Some(ANA)),
                ..Default::default()
            },
        )
        .unwrap();
    // Ticket 1's priority is changed and changed back: same value, but it
    // was still edited since, so undo must not touch it.
    for p in [Priority::Low, Priority::Urgent] {
        f.store
            .update_ticket(
                ids[1],
                &TicketPatch {
                    priority: Some(p),
                    ..Default::default()
                },
            )
            .unwrap();
    }
    f.clock.advance(Duration::minutes(1));
    let undone = f.store.undo_bulk_update(batch).unwrap();
    assert_eq!((undone.restored, undone.kept), (4, 2));
    let now = snapshot(&f, &ids);
    assert_eq!(now[0].2, Some(ANA), "the later assignment is kept");
    assert_eq!(now[0].1, before[0].1, "its untouched priority is restored");
    assert_eq!(now[1].1, Priority::Urgent, "the re-edited priority is kept");
    assert_eq!(now[1].2, before[1].2, "its untouched assignee is restored");
    assert_eq!(&now[2..], &before[2..], "the others are fully restored");
}

#[test]
fn undo_is_one_transaction_and_a_failure_changes_nothing() {
    let mut f = fixture();
    let ids = six_tickets(&mut f);
    let batch = f
        .store
        .bulk_update_undoable(
            &BulkSelection::Ids { ids: ids.clone() },
            &TicketPatch {
                status: Some(Status::Closed),
                ..Default::default()
            },
        )
        .unwrap()
        .batch_id
        .unwrap();
    let changed = snapshot(&f, &ids);
    let counts = f.store.table_counts().unwrap();
    // Make the write of the last ticket fail from another connection.
    let path = f._dir.path().join("outpost.db");
    let other = rusqlite::Connection::open(&path).unwrap();
    let hex = ids[5].0.simple().to_string();
    other
        .execute_batch(&format!(
            "CREATE TRIGGER fail_one BEFORE UPDATE ON tickets WHEN new.id = x'{hex}'
             BEGIN SELECT RAISE(ABORT, 'disk trouble'); END"
        ))
        .unwrap();
    let err = f.store.undo_bulk_update(batch).unwrap_err();
    assert!(err.to_string().contains("disk trouble"), "{err}");
    assert_eq!(
        snapshot(&f, &ids),
        changed,
        "no ticket was restored: the tickets before the failing one rolled back too"
    );
    assert_eq!(
        f.store.table_counts().unwrap(),
        counts,
        "no history or outbox rows either"
    );
    other.execute_batch("DROP TRIGGER fail_one").unwrap();
    let undone = f.store.undo_bulk_update(batch).unwrap();
    assert_eq!(undone.restored, 6, "the batch stayed undoable");
}

#[test]
fn bad_batch_ids_fail_clearly_and_only_recent_batches_are_kept() {
    let mut f = fixture();
    let ids = six_tickets(&mut f);
    let counts = f.store.table_counts().unwrap();
    let unknown = Uuid::from_u128(0xdead);
    let err = f.store.undo_bulk_update(unknown).unwrap_err();
    assert_eq!(err.code(), "not_found");
    assert!(
        err.to_string().contains("bulk change") && err.to_string().contains(&unknown.to_string()),
        "{err}"
    );
    assert!(err.is_bad_input());
    assert_eq!(f.store.table_counts().unwrap(), counts, "nothing written");

    let noop = f
        .store
        .bulk_update_undoable(
            &BulkSelection::Ids { ids: vec![ids[0]] },
            &TicketPatch::default(),
        )
        .unwrap();
    assert_eq!(
        noop,
        outpost_core::BulkOutcome {
            changed: 0,
            batch_id: None
        }
    );

    let mut batches = Vec::new();
    for i in 0..=KEEP_BATCHES {
        let p = if i % 2 == 0 {
            Priority::High
        } else {
            Priority::Low
        };
        batches.push(
            f.store
                .bulk_update_undoable(
                    &BulkSelection::Ids { ids: ids.clone() },
                    &TicketPatch {
                        priority: Some(p),
                        ..Default::default()
                    },
                )
                .unwrap()
                .batch_id
                .unwrap(),
        );
    }
    assert_eq!(
        f.store.undo_bulk_update(batches[0]).unwrap_err().code(),
        "not_found",
        "only the newest {KEEP_BATCHES} bulk changes stay undoable"
    );
    let last = f.store.undo_bulk_update(*batches.last().unwrap()).unwrap();
    assert_eq!(last.restored, 6);
}

#[test]
fn undoing_a_small_change_touches_only_its_tickets_after_many_bulk_changes() {
    let mut f = fixture();
    demo::seed(
        &mut f.store,
        DemoSize {
            tickets: 600,
            seed: 3,
        },
    )
    .unwrap();
    f.store.set_current_agent(Some(ANA)).unwrap();
    let open_q = TicketQuery {
        statuses: vec![Status::Open],
        ..Default::default()
    };
    let open: Vec<TicketId> = walk(&f.store, &open_q, 200)
        .iter()
        .map(|c| c.ticket.id)
        .collect();
    assert!(open.len() > 20);
    for (i, chunk) in open.chunks(10).enumerate() {
        let status = [Status::InProgress, Status::Waiting][i % 2];
        f.store
            .bulk_update_undoable(
                &BulkSelection::Ids {
                    ids: chunk.to_vec(),
                },
                &TicketPatch {
                    status: Some(status),
                    ..Default::default()
                },
            )
            .unwrap();
    }
    let stats = f.store.board_stats(&TicketQuery::default()).unwrap();
    assert_eq!(stats.open, 0);
    let three: Vec<TicketId> = open[..3].to_vec();
    let batch = f
        .store
        .bulk_update_undoable(
            &BulkSelection::Ids { ids: three },
            &TicketPatch {
                status: Some(Status::Closed),
                ..Default::default()
            },
        )
        .unwrap()
        .batch_id
        .unwrap();
    let undone = f.store.undo_bulk_update(batch).unwrap();
    assert_eq!((undone.restored, undone.kept), (3, 0));
    assert_eq!(
        f.store.board_stats(&TicketQuery::default()).unwrap(),
        stats,
        "only the three tickets moved, and back"
    );
}
