//! Around the scheduler (issue 6), on real SQLite files with a fixed clock:
//! one re-evaluation per pass, snoozes that come back after 15 minutes (also
//! across a restart), the mention / assignment preferences, the tray's
//! at-risk / overdue summary, and notified marks queued for sync.

use chrono::{DateTime, Duration, TimeZone, Utc};
use outpost_client::{
    FixedClock, NotificationKind, NotificationPrefs, SlaAlerts, Store, StoreOptions,
};
use outpost_core::sla::SlaSettings;
use outpost_core::sync::MutationOp;
use outpost_core::{Agent, AgentId, NewTicket, Priority, Role, SlaState, TicketId, TicketPatch};
use std::sync::Arc;
use tempfile::TempDir;
use uuid::Uuid;

const ANA: AgentId = AgentId(Uuid::from_u128(0xa1));
const BEN: AgentId = AgentId(Uuid::from_u128(0xb2));

fn paris(d: u32, h: u32, mi: u32) -> DateTime<Utc> {
    chrono_tz::Europe::Paris
        .with_ymd_and_hms(2026, 3, d, h, mi, 0)
        .unwrap()
        .with_timezone(&Utc)
}

struct Fixture {
    dir: TempDir,
    clock: Arc<FixedClock>,
    store: Store,
}

impl Fixture {
    fn options(&self) -> StoreOptions {
        StoreOptions {
            id_seed: Some(7),
            ..StoreOptions::with_clock(self.clock.clone())
        }
    }

    fn reopen(&mut self) {
        let path = self.dir.path().join("outpost.db");
        let options = self.options();
        // Close the old connection before opening the file again.
        self.store = Store::open_with(self.dir.path().join("other.db"), self.options()).unwrap();
        self.store = Store::open_with(path, options).unwrap();
    }

    fn create(&mut self, title: &str, priority: Priority, assignee: Option<AgentId>) -> TicketId {
        self.store
            .create_ticket(NewTicket {
                title: title.into(),
                description: String::new(),
                priority,
                category_id: None,
                assignee_id: assignee,
                requester: "Zoë Müller".into(),
                conversation_id: None,
            })
            .unwrap()
            .ticket
            .id
    }
}

/// Ana (signed in) and Ben, Paris workspace, default SLA, Monday 2 March
/// 2026 at 10:00 Paris time (business hours).
fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let clock = Arc::new(FixedClock::new(paris(2, 10, 0)));
    let options = StoreOptions {
        id_seed: Some(7),
        ..StoreOptions::with_clock(clock.clone())
    };
    let mut store = Store::open_with(dir.path().join("outpost.db"), options).unwrap();
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
    store.set_current_agent(Some(ANA)).unwrap();
    store
        .save_sla_settings(&SlaSettings::defaults(chrono_tz::Europe::Paris))
        .unwrap();
    Fixture { dir, clock, store }
}

#[test]
fn one_pass_gives_the_transitions_and_the_notifications_from_one_reevaluation() {
    let mut f = fixture();
    let id = f.create("Printer offline in Lyon", Priority::High, Some(ANA));
    let prefs = NotificationPrefs::default();
    let (transitions, notes) = f.store.notification_pass(&prefs).unwrap();
    assert!(
        transitions.is_empty() && notes.is_empty(),
        "nothing at creation"
    );
    // High: 1 business hour of first response, at risk 15 minutes before.
    f.clock.set(paris(2, 10, 46));
    let (transitions, notes) = f.store.notification_pass(&prefs).unwrap();
    assert_eq!(transitions.len(), 1, "the UI hears about the state change");
    assert_eq!(transitions[0].ticket_id, id);
    assert_eq!(transitions[0].new_state, SlaState::AtRisk);
    assert_eq!(notes.len(), 1, "and the agent gets the notification");
    assert_eq!(notes[0].kind, NotificationKind::AtRisk);
    let (transitions, notes) = f.store.notification_pass(&prefs).unwrap();
    assert!(transitions.is_empty() && notes.is_empty(), "once");
}

#[test]
fn a_snoozed_notification_comes_back_15_minutes_later_even_after_a_restart() {
    let mut f = fixture();
    f.create("Printer offline in Lyon", Priority::High, Some(ANA));
    let prefs = NotificationPrefs::default();
    f.clock.set(paris(2, 10, 46));
    let (_, notes) = f.store.notification_pass(&prefs).unwrap();
    assert_eq!(notes.len(), 1);
    let due = f.store.snooze_notification(&notes[0]).unwrap();
    assert_eq!(due, paris(2, 11, 1));
    assert_eq!(
        f.store.next_notification_check().unwrap(),
        Some(paris(2, 11, 0)),
        "the breach at 11:00 comes first"
    );
    f.reopen();
    f.clock.set(paris(2, 11, 0) - Duration::seconds(1));
    let (_, again) = f.store.notification_pass(&prefs).unwrap();
    assert!(again.is_empty(), "not before 15 minutes");
    assert_eq!(
        f.store.next_notification_check().unwrap(),
        Some(paris(2, 11, 0))
    );
    f.clock.set(paris(2, 11, 1));
    let (_, again) = f.store.notification_pass(&prefs).unwrap();
    assert_eq!(
        again.len(),
        2,
        "the breach and the snoozed alert: {again:?}"
    );
    assert_eq!(again[0].kind, NotificationKind::Breached);
    assert_eq!(again[1], notes[0], "the snoozed notification as it was");
    let (_, none) = f.store.notification_pass(&prefs).unwrap();
    assert!(none.is_empty(), "a snooze comes back once");
    assert_eq!(
        f.store.next_notification_check().unwrap(),
        None,
        "nothing left to wake for (breached, no snooze)"
    );
}

#[test]
fn mentions_and_assignments_follow_their_settings() {
    let mut f = fixture();
    let id = f.create("Printer offline in Lyon", Priority::Low, None);
    let quiet = NotificationPrefs {
        mentions: false,
        assignments: false,
        ..NotificationPrefs::default()
    };
    let me = Some(ANA);
    let store = &mut f.store;
    store.set_current_agent(Some(BEN)).unwrap();
    store
        .update_ticket(
            id,
            &TicketPatch {
                assignee_id: Some(me),
                ..Default::default()
            },
        )
        .unwrap();
    store.add_comment(id, "@ana can you look?").unwrap();
    store.set_current_agent(me).unwrap();
    let (_, notes) = store.notification_pass(&quiet).unwrap();
    assert!(notes.is_empty(), "both turned off: {notes:?}");
    let (_, notes) = store
        .notification_pass(&NotificationPrefs::default())
        .unwrap();
    let kinds: Vec<_> = notes.iter().map(|n| n.kind).collect();
    assert_eq!(
        kinds,
        vec![NotificationKind::Mention, NotificationKind::Assigned],
        "turned back on, they notify"
    );
}

#[test]
fn the_tray_counts_at_risk_and_overdue_tickets_most_urgent_first() {
    let mut f = fixture();
    assert_eq!(f.store.sla_alerts(5).unwrap(), SlaAlerts::default());
    assert_eq!(SlaAlerts::default().summary(), "No tickets at risk");
    let urgent = f.create("Server room flooded", Priority::Urgent, None);
    let mine = f.create("Printer offline in Lyon", Priority::High, Some(ANA));
    f.create("Unassigned low", Priority::Low, None);
    f.create("Ben's urgent", Priority::Urgent, Some(BEN));
    // Urgent (24/7): at risk 10:15, overdue 10:30. High: at risk 10:45, due 11:00.
    f.clock.set(paris(2, 10, 50));
    f.store
        .notification_pass(&NotificationPrefs::default())
        .unwrap();
    let a = f.store.sla_alerts(5).unwrap();
    assert_eq!((a.overdue, a.at_risk), (1, 1), "{a:?}");
    assert_eq!(a.summary(), "1 overdue, 1 at risk");
    let ids: Vec<_> = a.top.iter().map(|t| t.id).collect();
    assert_eq!(
        ids,
        vec![urgent, mine],
        "most overdue first, then earliest due"
    );
    assert_eq!(a.top[0].label(), "TKT-001 · overdue · Server room flooded");
    assert_eq!(
        a.top[1].label(),
        "TKT-002 · at risk · Printer offline in Lyon"
    );

    f.clock.set(paris(2, 11, 5));
    f.store
        .notification_pass(&NotificationPrefs::default())
        .unwrap();
    let a = f.store.sla_alerts(1).unwrap();
    assert_eq!((a.overdue, a.at_risk), (2, 0));
    assert_eq!(a.summary(), "2 overdue");
    assert_eq!(
        a.top.len(),
        1,
        "the limit applies to the list, not the counts"
    );
    assert_eq!(a.top[0].label(), "TKT-001 · overdue · Server room flooded");
}

#[test]
fn each_handled_transition_is_queued_as_a_mark_for_the_agents_other_devices() {
    let mut f = fixture();
    let id = f.create("Printer offline in Lyon", Priority::High, Some(ANA));
    let before = f.store.outbox_len().unwrap();
    f.clock.set(paris(2, 10, 46));
    let (_, notes) = f
        .store
        .notification_pass(&NotificationPrefs::default())
        .unwrap();
    assert_eq!(notes.len(), 1);
    assert_eq!(f.store.outbox_len().unwrap(), before + 1);
    let last = f.store.pending_mutations(100).unwrap().pop().unwrap();
    assert_eq!(last.actor_id, ANA);
    match last.op {
        MutationOp::MarkNotified {
            kind,
            key,
            ticket_id,
            notified_at,
        } => {
            assert_eq!(kind, "at_risk");
            assert_eq!(key, paris(2, 10, 45).timestamp_millis().to_string());
            assert_eq!(ticket_id, id);
            assert_eq!(notified_at, paris(2, 10, 46));
        }
        other => panic!("expected a mark, got {other:?}"),
    }
}

#[test]
fn a_large_group_lists_five_tickets_and_counts_the_rest() {
    let mut f = fixture();
    for i in 0..7 {
        f.create(&format!("Outage {i}"), Priority::Urgent, Some(ANA));
    }
    f.clock.set(paris(2, 10, 16));
    let (_, notes) = f
        .store
        .notification_pass(&NotificationPrefs::default())
        .unwrap();
    assert_eq!(notes.len(), 1, "grouped: {notes:?}");
    assert_eq!(notes[0].title, "7 tickets at risk");
    assert_eq!(notes[0].ticket_ids.len(), 7, "every ticket is kept");
    let lines: Vec<&str> = notes[0].body.lines().collect();
    assert_eq!(lines.len(), 6);
    assert!(lines[0].starts_with("TKT-001 at risk"), "{lines:?}");
    assert_eq!(lines[5], "… and 2 more");
}
