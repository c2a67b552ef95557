//! Merge rules: unit cases and the properties every replica relies on
//! (order independence and idempotence of applying a set of writes).

use super::*;
use proptest::prelude::*;

fn node(n: u128) -> Uuid {
    Uuid::from_u128(n)
}

fn stamp(wall: i64, counter: u32, n: u128) -> Hlc {
    Hlc {
        wall_ms: wall,
        counter,
        node: node(n),
    }
}

fn base() -> (Ticket, FieldStamps) {
    let new = NewTicket {
        title: "Printer offline".into(),
        description: String::new(),
        priority: Priority::Normal,
        category_id: None,
        assignee_id: None,
        requester: "ana@example.com".into(),
        conversation_id: None,
    };
    create_ticket(
        TicketId(Uuid::from_u128(1)),
        &new,
        stamp_time(stamp(1_000, 0, 0)),
        stamp(1_000, 0, 0),
    )
    .unwrap()
}

#[test]
fn newer_write_wins_and_older_one_is_recorded_as_lost() {
    let (mut t, mut s) = base();
    let newer = FieldWrite {
        value: FieldValue::Status(Status::Resolved),
        stamp: stamp(3_000, 0, 2),
    };
    let older = FieldWrite {
        value: FieldValue::Status(Status::Waiting),
        stamp: stamp(2_000, 0, 1),
    };
    assert!(matches!(
        apply_write(&mut t, &mut s, &newer),
        WriteOutcome::Applied { .. }
    ));
    let out = apply_write(&mut t, &mut s, &older);
    assert_eq!(
        out,
        WriteOutcome::Lost {
            kept: FieldValue::Status(Status::Resolved),
            lost: FieldValue::Status(Status::Waiting)
        },
        "the older concurrent write loses and says so"
    );
    assert_eq!(t.status, Status::Resolved);
    assert_eq!(t.resolved_at, Some(stamp_time(stamp(3_000, 0, 2))));
    let ev = outcome_events(Uuid::from_u128(77), t.id, None, t.updated_at, &[out]);
    assert_eq!(ev.len(), 1);
    assert_eq!(ev[0].field, HistoryField::Conflict);
    assert_eq!(ev[0].old_value.as_deref(), Some("status=resolved"));
    assert_eq!(ev[0].new_value.as_deref(), Some("status=waiting"));
}

#[test]
fn client_id_breaks_ties_between_equal_clock_readings() {
    let (mut t, mut s) = base();
    let a = FieldWrite {
        value: FieldValue::Priority(Priority::Low),
        stamp: stamp(2_000, 0, 1),
    };
    let b = FieldWrite {
        value: FieldValue::Priority(Priority::Urgent),
        stamp: stamp(2_000, 0, 2),
    };
    apply_write(&mut t, &mut s, &b);
    apply_write(&mut t, &mut s, &a);
    assert_eq!(
        t.priority,
        Priority::Urgent,
        "the higher client id wins a tie"
    );
}

#[test]
fn derived_ids_are_stable_and_distinct() {
    let op = Uuid::from_u128(0xabc);
    assert_eq!(derived_event_id(op, 1), derived_event_id(op, 1));
    let mut seen = std::collections::HashSet::new();
    for o in 0..50u128 {
        for s in 0..40u16 {
            assert!(
                seen.insert(derived_event_id(Uuid::from_u128(o), s)),
                "ids of different (op, slot) pairs must differ"
            );
        }
    }
}

#[test]
fn stamps_far_in_the_future_are_clamped() {
    let s = bound_stamp(stamp(10_000_000, 3, 9), node(5), 1_000, 600_000);
    assert_eq!(s.wall_ms, 601_000);
    assert_eq!(s.node, node(5), "the pushing client is the tie-breaker");
    let s = bound_stamp(stamp(500, 3, 9), node(5), 1_000, 600_000);
    assert_eq!(s.wall_ms, 500, "past stamps are kept");
}

fn value_strategy() -> impl Strategy<Value = FieldValue> {
    prop_oneof![
        prop::sample::select(vec!["a", "b", "c"]).prop_map(|s| FieldValue::Title(s.into())),
        prop::sample::select(Status::ALL.to_vec()).prop_map(FieldValue::Status),
        prop::sample::select(Priority::ALL.to_vec()).prop_map(FieldValue::Priority),
        prop::option::of(0u128..3)
            .prop_map(|a| FieldValue::Assignee(a.map(|a| AgentId(Uuid::from_u128(a))))),
        prop::option::of(0i64..3)
            .prop_map(|d| FieldValue::DueOverride(d.map(|d| stamp_time(stamp(d * 1000, 0, 0))))),
    ]
}

fn write_strategy() -> impl Strategy<Value = FieldWrite> {
    (value_strategy(), 999i64..1_004, 0u32..2, 0u128..3).prop_map(|(value, w, c, n)| FieldWrite {
        value,
        stamp: stamp(w, c, n),
    })
}

fn apply_all(writes: &[FieldWrite]) -> (Ticket, FieldStamps) {
    let (mut t, mut s) = base();
    for w in writes {
        apply_write(&mut t, &mut s, w);
    }
    (t, s)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn any_order_gives_the_same_ticket(
        (writes, perm) in prop::collection::vec(write_strategy(), 0..12)
            .prop_flat_map(|w| { let n = w.len(); (Just(w), Just((0..n).collect::<Vec<_>>()).prop_shuffle()) })
    ) {
        let shuffled: Vec<FieldWrite> = perm.iter().map(|&i| writes[i].clone()).collect();
        prop_assert_eq!(apply_all(&writes), apply_all(&shuffled),
            "applying the same writes in another order must give the same ticket and stamps");
    }

    #[test]
    fn reapplying_writes_changes_nothing(writes in prop::collection::vec(write_strategy(), 0..12)) {
        let once = apply_all(&writes);
        let mut twice_input = writes.clone();
        twice_input.extend(writes.iter().cloned());
        prop_assert_eq!(&once, &apply_all(&twice_input), "a replayed write must be harmless");
        let (mut t, mut s) = once.clone();
        for w in &writes {
            let out = apply_write(&mut t, &mut s, w);
            prop_assert!(!matches!(out, WriteOutcome::Applied { .. }), "a replay applies nothing: {:?}", out);
        }
    }
}
