//! The notification scheduler (`outpost_client::notify`) on real SQLite files
//! with a fixed clock: wake times, once per transition (also across a
//! restart), grouping, mentions, assignments, preferences and quiet hours.

use chrono::{DateTime, Duration, TimeZone, Utc};
use outpost_client::{
    FixedClock, Notification, NotificationKind, NotificationPrefs, Store, StoreOptions,
};
use outpost_core::sla::SlaSettings;
use outpost_core::{Agent, AgentId, NewTicket, Priority, Role, Status, TicketId, TicketPatch};
use std::path::PathBuf;
use std::sync::Arc;
use tempfile::TempDir;
use uuid::Uuid;

const ANA: AgentId = AgentId(Uuid::from_u128(0xa1));
const BEN: AgentId = AgentId(Uuid::from_u128(0xb2));

/// Wall time in Paris (the workspace timezone) as UTC.
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
    fn path(&self) -> PathBuf {
        self.dir.path().join("outpost.db")
    }

    fn options(&self) -> StoreOptions {
        StoreOptions {
            id_seed: Some(7),
            ..StoreOptions::with_clock(self.clock.clone())
        }
    }

    /// A ticket by the signed-in agent.
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

    fn as_agent<T>(&mut self, agent: AgentId, f: impl FnOnce(&mut Store) -> T) -> T {
        let me = self.store.current_agent();
        self.store.set_current_agent(Some(agent)).unwrap();
        let out = f(&mut self.store);
        self.store.set_current_agent(me).unwrap();
        out
    }

    fn pending(&mut self) -> Vec<Notification> {
        self.store
            .pending_notifications(&NotificationPrefs::default())
            .unwrap()
    }
}

/// Ana (admin, signed in) and Ben in a Paris workspace with the default SLA,
/// on Monday 2 March 2026 at 10:00 Paris time.
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
fn wakes_exactly_at_risk_and_notifies_once_even_after_a_restart() {
    let mut f = fixture();
    let id = f.create("Printer offline in Lyon", Priority::High, Some(ANA));
    // High: 1 business hour of first response, at risk 15 minutes before.
    let at_risk = paris(2, 10, 45);
    assert_eq!(
        f.store.next_notification_check().unwrap(),
        Some(at_risk),
        "the scheduler sleeps until exactly the at-risk instant"
    );
    assert!(f.pending().is_empty(), "nothing yet at creation");
    f.clock.set(at_risk - Duration::milliseconds(1));
    assert!(f.pending().is_empty(), "nothing 1 ms before the instant");

    f.clock.set(at_risk + Duration::minutes(1));
    let got = f.pending();
    assert_eq!(
        got,
        vec![Notification {
            kind: NotificationKind::AtRisk,
            title: "Ticket at risk".into(),
            body: "TKT-001 at risk: first response due in 14 min — Printer offline in Lyon".into(),
            ticket_ids: vec![id],
            urgent: false,
        }]
    );
    assert_eq!(
        f.store.next_notification_check().unwrap(),
        Some(paris(2, 11, 0)),
        "then it sleeps until the breach"
    );
    assert!(f.pending().is_empty(), "once per transition");

    // Restart: a new store on the same file remembers what it told.
    let options = f.options();
    let path = f.path();
    drop(std::mem::replace(
        &mut f.store,
        Store::open_with(&path, options).unwrap(),
    ));
    assert!(f.pending().is_empty(), "not again after a restart");

    f.clock.set(paris(2, 11, 3));
    let got = f.pending();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].kind, NotificationKind::Breached);
    assert_eq!(got[0].title, "Ticket overdue");
    assert_eq!(
        got[0].body,
        "TKT-001 overdue: first response due 3 min ago — Printer offline in Lyon"
    );
    assert!(f.pending().is_empty());
}

#[test]
fn resolution_wording_once_responded() {
    let mut f = fixture();
    let id = f.create("VPN drops", Priority::Urgent, Some(ANA));
    f.store
        .update_ticket(
            id,
            &TicketPatch {
                status: Some(Status::InProgress),
                ..Default::default()
            },
        )
        .unwrap();
    // Urgent: 4 h of resolution on 24/7, at risk 25 % (1 h) before.
    let at_risk = f.store.next_notification_check().unwrap().unwrap();
    assert_eq!(at_risk, paris(2, 13, 0));
    f.clock.set(at_risk + Duration::minutes(46));
    let got = f.pending();
    assert_eq!(got.len(), 1);
    assert_eq!(
        got[0].body,
        "TKT-001 at risk: resolution due in 14 min — VPN drops"
    );
    assert!(got[0].urgent);
}

#[test]
fn two_tickets_crossing_together_make_one_grouped_notification() {
    let mut f = fixture();
    let a = f.create("Printer offline in Lyon", Priority::High, Some(ANA));
    let b = f.create("Scanner jams", Priority::High, None); // unassigned High
    let _c = f.create("Not mine", Priority::High, Some(BEN));
    let _d = f.create("Unassigned normal", Priority::Normal, None);
    f.clock.set(paris(2, 10, 50));
    let got = f.pending();
    assert_eq!(got.len(), 1, "one notification, not a flood: {got:?}");
    assert_eq!(got[0].title, "2 tickets at risk");
    assert_eq!(got[0].ticket_ids.len(), 2);
    assert!(got[0].ticket_ids.contains(&a) && got[0].ticket_ids.contains(&b));
    assert_eq!(
        got[0].body.lines().collect::<Vec<_>>(),
        vec![
            "TKT-001 at risk: first response due in 10 min — Printer offline in Lyon",
            "TKT-002 at risk: first response due in 10 min — Scanner jams",
        ]
    );
    assert!(f.pending().is_empty());
}

#[test]
fn preferences_filter_which_tickets_alert() {
    let mut f = fixture();
    f.create("Mine", Priority::High, Some(ANA));
    let unassigned = f.create("Unassigned", Priority::High, None);
    let prefs = NotificationPrefs {
        my_tickets: false,
        ..NotificationPrefs::default()
    };
    f.store.set_notification_prefs(&prefs).unwrap();
    assert_eq!(f.store.notification_prefs().unwrap(), prefs, "stored");
    f.clock.set(paris(2, 10, 50));
    let got = f
        .store
        .pending_notifications(&f.store.notification_prefs().unwrap())
        .unwrap();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].ticket_ids, vec![unassigned]);
}

#[test]
fn a_mention_by_another_agent_notifies_ones_own_does_not() {
    let mut f = fixture();
    let id = f.create("Printer offline in Lyon", Priority::Low, None);
    f.store
        .add_comment(id, "Note to self, @Ana Lopez: check the toner")
        .unwrap();
    assert!(f.pending().is_empty(), "one's own mention is not news");
    f.clock.advance(Duration::minutes(1));
    f.as_agent(BEN, |s| {
        s.add_comment(id, "@ana can you look at this one?").unwrap()
    });
    let got = f.pending();
    assert_eq!(
        got,
        vec![Notification {
            kind: NotificationKind::Mention,
            title: "Ben Okafor mentioned you".into(),
            body:
                "Ben Okafor on TKT-001 — Printer offline in Lyon: “@ana can you look at this one?”"
                    .into(),
            ticket_ids: vec![id],
            urgent: false,
        }]
    );
    assert!(f.pending().is_empty(), "once per comment");
}

#[test]
fn an_assignment_by_someone_else_notifies() {
    let mut f = fixture();
    let mine = f.create("Self-assigned", Priority::Low, None);
    f.store
        .update_ticket(
            mine,
            &TicketPatch {
                assignee_id: Some(Some(ANA)),
                ..Default::default()
            },
        )
        .unwrap();
    assert!(
        f.pending().is_empty(),
        "taking a ticket oneself is not news"
    );
    let id = f.create("Printer offline in Lyon", Priority::Low, None);
    f.as_agent(BEN, |s| {
        s.update_ticket(
            id,
            &TicketPatch {
                assignee_id: Some(Some(ANA)),
                ..Default::default()
            },
        )
        .unwrap()
    });
    let got = f.pending();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].kind, NotificationKind::Assigned);
    assert_eq!(got[0].title, "Assigned to you");
    assert_eq!(
        got[0].body,
        "Ben Okafor assigned you TKT-002 — Printer offline in Lyon"
    );
    assert_eq!(got[0].ticket_ids, vec![id]);
    assert!(f.pending().is_empty());
}

#[test]
fn quiet_hours_suppress_a_normal_ticket_at_night_but_not_an_urgent_one() {
    let mut f = fixture();
    // Normal: 4 business hours of first response from 10:00, at risk 1 h
    // before 14:00. Nobody looks until 23:00 (the laptop slept).
    let normal = f.create("Printer offline in Lyon", Priority::Normal, Some(ANA));
    f.clock.set(paris(2, 22, 40));
    // Urgent: 30 min of first response on 24/7 (due 23:10), at risk 15 min before.
    let urgent = f.create("Server room flooding", Priority::Urgent, Some(ANA));
    f.clock.set(paris(2, 23, 0));
    let got = f.pending();
    assert_eq!(got.len(), 1, "only the Urgent one at night: {got:?}");
    assert_eq!(got[0].ticket_ids, vec![urgent]);
    assert!(got[0].urgent);
    assert_eq!(
        got[0].body,
        "TKT-002 at risk: first response due in 10 min — Server room flooding"
    );
    // The suppressed one is handled: no flood when the office opens.
    f.clock.set(paris(3, 9, 1));
    let got = f.pending();
    assert!(
        got.iter().all(|n| !n.ticket_ids.contains(&normal)),
        "suppressed at night, not replayed in the morning: {got:?}"
    );
    // Without quiet hours the same night alert would have arrived.
    let mut g = fixture();
    let normal = g.create("Printer offline in Lyon", Priority::Normal, Some(ANA));
    g.clock.set(paris(2, 23, 0));
    let loud = NotificationPrefs {
        quiet_outside_business_hours: false,
        ..NotificationPrefs::default()
    };
    let got = g.store.pending_notifications(&loud).unwrap();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].ticket_ids, vec![normal]);
}

#[test]
fn at_risk_then_breached_then_nothing_more() {
    let mut f = fixture();
    f.create("Old trouble", Priority::High, Some(ANA));
    f.clock.set(paris(2, 10, 50));
    assert_eq!(f.pending()[0].kind, NotificationKind::AtRisk);
    f.clock.set(paris(2, 11, 1));
    assert_eq!(f.pending()[0].kind, NotificationKind::Breached);
    assert_eq!(
        f.store.next_notification_check().unwrap(),
        None,
        "no clock runs"
    );
    f.clock.set(paris(3, 11, 1));
    assert!(f.pending().is_empty(), "nothing more by itself");
}
