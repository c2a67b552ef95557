//! The SLA through the store: settings (admin only, validated, recomputing
//! open tickets), due dates replayed from history in the workspace timezone,
//! re-evaluation as time passes, and the SLA filters in the agent's timezone.

use super::*;
use chrono::DateTime;
use outpost_client::SlaTransition;
use outpost_core::SlaState;
use outpost_core::sla::SlaSettings;

/// Wall time in Paris (the SLA tests' workspace timezone) as UTC.
fn paris(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
    chrono_tz::Europe::Paris
        .with_ymd_and_hms(y, mo, d, h, mi, 0)
        .unwrap()
        .with_timezone(&Utc)
}

/// The fixture with the default SLA settings of a Paris workspace.
fn paris_fixture() -> Fixture {
    let mut f = fixture();
    f.store
        .save_sla_settings(&SlaSettings::defaults(chrono_tz::Europe::Paris))
        .expect("an admin saves the default settings");
    f
}

fn create(f: &mut Fixture, title: &str, priority: Priority) -> TicketCard {
    f.store
        .create_ticket(NewTicket {
            priority,
            ..new_ticket(title)
        })
        .unwrap()
}

fn card(f: &Fixture, id: TicketId) -> TicketCard {
    f.store.ticket_detail(id).unwrap().card
}

fn set_status(f: &mut Fixture, id: TicketId, status: Status) -> TicketCard {
    f.store
        .update_ticket(
            id,
            &TicketPatch {
                status: Some(status),
                ..Default::default()
            },
        )
        .unwrap()
}

#[test]
fn a_high_ticket_created_friday_at_16_50_is_due_monday_at_09_50() {
    let mut f = paris_fixture();
    f.clock.set(paris(2026, 3, 6, 16, 50)); // a Friday
    let t = create(&mut f, "VPN drops", Priority::High).ticket;
    assert_eq!(
        t.due_at,
        Some(paris(2026, 3, 9, 9, 50)),
        "1 business hour of first response: 10 min on Friday, 50 on Monday"
    );
    assert_eq!(t.sla_state, SlaState::OnTrack);
    assert_eq!(
        f.store.next_sla_change().unwrap(),
        Some(paris(2026, 3, 9, 9, 35)),
        "the first change is at risk, 15 minutes before the deadline"
    );
    let history = f.store.history(t.id).unwrap();
    assert!(
        history.iter().all(|e| e.field != HistoryField::Sla),
        "a new ticket's first state is not a change"
    );
    let sla = f.store.ticket_sla(t.id).unwrap().expect("a policy applies");
    assert_eq!(sla.policy_id.as_deref(), Some("high"));
    assert!(
        !sla.explanation.is_empty(),
        "the Details tab gets the why timeline"
    );
}

#[test]
fn waiting_pauses_the_clock_and_records_the_state_change() {
    let mut f = paris_fixture();
    f.clock.set(paris(2026, 3, 6, 16, 50));
    let id = create(&mut f, "Printer jams", Priority::High).ticket.id;
    f.clock.set(paris(2026, 3, 6, 16, 55));
    let waiting = set_status(&mut f, id, Status::Waiting).ticket;
    assert_eq!(waiting.sla_state, SlaState::Paused, "Waiting pauses");
    assert_eq!(
        f.store.next_sla_change().unwrap(),
        None,
        "a paused ticket never changes by itself"
    );
    let sla_events: Vec<_> = f
        .store
        .history(id)
        .unwrap()
        .into_iter()
        .filter(|e| e.field == HistoryField::Sla)
        .collect();
    assert_eq!(sla_events.len(), 1, "one sla event for the edit");
    assert_eq!(
        (
            sla_events[0].old_value.as_deref(),
            sla_events[0].new_value.as_deref(),
            sla_events[0].actor_id
        ),
        (Some("on_track"), Some("paused"), None),
        "a system event from on track to paused"
    );
    // Waiting over the weekend and Monday morning counts nothing.
    f.clock.set(paris(2026, 3, 9, 11, 0));
    let open = set_status(&mut f, id, Status::Open).ticket;
    assert_eq!(
        open.due_at,
        Some(paris(2026, 3, 9, 11, 55)),
        "5 minutes were used on Friday; 55 remain from Monday 11:00"
    );
    assert_eq!(open.sla_state, SlaState::OnTrack);
}

#[test]
fn reevaluation_moves_states_exactly_at_their_instants_once() {
    let mut f = paris_fixture();
    f.clock.set(paris(2026, 3, 6, 16, 50));
    let card = create(&mut f, "SSO loop", Priority::High);
    let id = card.ticket.id;
    let at_risk = paris(2026, 3, 9, 9, 35);
    let breach = paris(2026, 3, 9, 9, 50);

    f.clock.set(at_risk - Duration::milliseconds(1));
    assert!(
        f.store.reevaluate_sla().unwrap().is_empty(),
        "nothing changes before the at-risk instant"
    );
    f.clock.set(at_risk);
    let moved = f.store.reevaluate_sla().unwrap();
    assert_eq!(
        moved,
        vec![SlaTransition {
            ticket_id: id,
            number: card.ticket.number,
            title: "SSO loop".into(),
            assignee_id: None,
            priority: Priority::High,
            old_state: SlaState::OnTrack,
            new_state: SlaState::AtRisk,
            due_at: Some(breach),
        }],
        "at risk exactly at the computed instant"
    );
    assert!(
        f.store.reevaluate_sla().unwrap().is_empty(),
        "a transition is returned once"
    );
    assert_eq!(self::card(&f, id).ticket.sla_state, SlaState::AtRisk);
    assert_eq!(f.store.next_sla_change().unwrap(), Some(breach));

    f.clock.set(breach);
    let moved = f.store.reevaluate_sla().unwrap();
    assert_eq!(moved.len(), 1);
    assert_eq!(
        (moved[0].old_state, moved[0].new_state),
        (SlaState::AtRisk, SlaState::Breached),
        "breached exactly at the deadline"
    );
    assert!(f.store.reevaluate_sla().unwrap().is_empty());
    assert_eq!(
        f.store.next_sla_change().unwrap(),
        None,
        "a breached ticket has no further change"
    );
    assert!(
        f.store
            .history(id)
            .unwrap()
            .iter()
            .all(|e| e.field != HistoryField::Sla),
        "the passage of time is not an edit: no history"
    );
}

#[test]
fn reevaluation_after_a_long_sleep_goes_straight_to_breached() {
    let mut f = paris_fixture();
    f.clock.set(paris(2026, 3, 6, 16, 50));
    create(&mut f, "Laptop fan", Priority::High);
    f.clock.set(paris(2026, 3, 10, 12, 0));
    let moved = f.store.reevaluate_sla().unwrap();
    assert_eq!(
        (moved[0].old_state, moved[0].new_state),
        (SlaState::OnTrack, SlaState::Breached),
        "one transition, to the state at now"
    );
    let counts = f.store.sla_forecast(f.clock.now()).unwrap();
    assert_eq!(counts.get(SlaState::Breached), 1);
    assert_eq!(counts.total(), 1);
}

fn ids(page: &outpost_core::BoardPage) -> HashSet<TicketId> {
    page.cards.iter().map(|c| c.ticket.id).collect()
}

fn bucket(f: &Fixture, sla: SlaBucket) -> HashSet<TicketId> {
    ids(&f
        .store
        .board_page(
            &TicketQuery {
                sla: Some(sla),
                ..Default::default()
            },
            None,
            100,
        )
        .unwrap())
}

#[test]
fn sla_filters_use_now_and_the_agents_timezone() {
    let mut f = paris_fixture();
    // Urgent is 24/7: first response 30 min, at risk 15 min before.
    let at = |h, m| Utc.with_ymd_and_hms(2026, 3, 9, h, m, 0).unwrap(); // a Monday, UTC
    f.clock.set(at(22, 0));
    let overdue = create(&mut f, "Breached at 22:30", Priority::Urgent)
        .ticket
        .id;
    f.clock.set(at(22, 29));
    let risky = create(&mut f, "Due 22:59", Priority::Urgent).ticket.id;
    f.clock.set(at(22, 40));
    let late = create(&mut f, "Due 23:10", Priority::Urgent).ticket.id;
    let closed = create(&mut f, "Closed", Priority::Urgent).ticket.id;
    set_status(&mut f, closed, Status::Closed);
    // 22:50 UTC is 23:50 in Paris; no re-evaluation ran, so stored states are
    // stale: the filters must still be exact.
    f.clock.set(at(22, 50));
    assert_eq!(card(&f, overdue).ticket.sla_state, SlaState::OnTrack);

    assert_eq!(bucket(&f, SlaBucket::Overdue), HashSet::from([overdue]));
    assert_eq!(
        bucket(&f, SlaBucket::AtRisk),
        HashSet::from([risky]),
        "at risk from 22:44, not yet breached"
    );
    assert_eq!(
        bucket(&f, SlaBucket::DueToday),
        HashSet::from([risky]),
        "Ana's day (Paris) ends at 23:00 UTC"
    );
    assert_eq!(
        bucket(&f, SlaBucket::DueThisWeek),
        HashSet::from([risky, late]),
        "overdue and closed tickets are not due"
    );
    let stats = f
        .store
        .board_stats(&TicketQuery {
            sla: Some(SlaBucket::Overdue),
            statuses: vec![Status::Closed],
            ..Default::default()
        })
        .unwrap();
    assert_eq!(
        (stats.open, stats.closed),
        (1, 0),
        "stats count under the SLA filter"
    );
    let composed = f
        .store
        .board_page(
            &TicketQuery {
                sla: Some(SlaBucket::AtRisk),
                priorities: vec![Priority::Low],
                ..Default::default()
            },
            None,
            100,
        )
        .unwrap();
    assert_eq!(composed.total, 0, "SLA filters compose with the others");

    f.store.set_current_agent(Some(BEN)).unwrap();
    assert_eq!(
        bucket(&f, SlaBucket::DueToday),
        HashSet::from([risky, late]),
        "Ben's day (UTC) ends at midnight UTC"
    );

    // A week starting on Tuesday ends, for Ana on Monday, at midnight.
    f.store.set_current_agent(Some(ANA)).unwrap();
    let mut settings = f.store.sla_settings().unwrap();
    settings.week_start = outpost_core::sla::Day::Tue;
    f.store.save_sla_settings(&settings).unwrap();
    assert_eq!(
        bucket(&f, SlaBucket::DueThisWeek),
        HashSet::from([risky]),
        "the week follows the settings' first day"
    );
}

#[test]
fn settings_are_admin_only_validated_and_recompute_open_tickets() {
    let mut f = paris_fixture();
    f.clock.set(paris(2026, 3, 9, 9, 0)); // Monday
    let id = create(&mut f, "Invoice VAT", Priority::Normal).ticket.id;
    assert_eq!(
        card(&f, id).ticket.due_at,
        Some(paris(2026, 3, 9, 13, 0)),
        "Normal: 4 business hours of first response"
    );
    let saved = f.store.sla_settings().unwrap();

    f.store.set_current_agent(Some(BEN)).unwrap();
    let mut faster = saved.clone();
    let normal = faster
        .policies
        .policies
        .iter_mut()
        .find(|p| p.priorities.contains(&Priority::Normal))
        .unwrap();
    normal.first_response_minutes = 60;
    let err = f.store.save_sla_settings(&faster).unwrap_err();
    assert_eq!(err.code(), "forbidden", "an agent may not: {err}");
    assert!(
        err.to_string().contains("admin"),
        "the message says who can"
    );
    assert_eq!(f.store.sla_settings().unwrap(), saved, "nothing changed");
    assert_eq!(card(&f, id).ticket.due_at, Some(paris(2026, 3, 9, 13, 0)));

    f.store.set_current_agent(Some(ANA)).unwrap();
    let mut invalid = faster.clone();
    invalid.policies.policies[0].resolution_minutes = 0;
    let err = f.store.save_sla_settings(&invalid).unwrap_err();
    assert_eq!(
        err.code(),
        "invalid_value",
        "a zero target is refused: {err}"
    );
    assert_eq!(f.store.sla_settings().unwrap(), saved, "nothing changed");

    let stored = f.store.save_sla_settings(&faster).unwrap();
    assert_eq!(stored, faster, "the saved settings come back");
    assert_eq!(
        card(&f, id).ticket.due_at,
        Some(paris(2026, 3, 9, 10, 0)),
        "saving recomputes open tickets' due dates"
    );
    let reopened = Store::open_with(f.store.path(), options(&f.clock)).unwrap();
    assert_eq!(
        reopened.sla_settings().unwrap(),
        faster,
        "settings persist across opens"
    );

    let none = SlaSettings {
        policies: Default::default(),
        ..faster
    };
    f.store.save_sla_settings(&none).unwrap();
    assert_eq!(
        card(&f, id).ticket.sla_state,
        SlaState::None,
        "no policy, no SLA"
    );
    assert_eq!(f.store.ticket_sla(id).unwrap(), None);
}

#[test]
fn a_manual_due_date_wins_but_the_state_follows_the_engine() {
    let mut f = paris_fixture();
    f.clock.set(paris(2026, 3, 9, 9, 0));
    let id = create(&mut f, "Quote", Priority::Low).ticket.id;
    let manual = paris(2026, 3, 20, 12, 0);
    let t = f
        .store
        .update_ticket(
            id,
            &TicketPatch {
                due_override: Some(Some(manual)),
                ..Default::default()
            },
        )
        .unwrap()
        .ticket;
    assert_eq!(t.due_at, Some(manual), "the admin's date is the due date");
    assert_eq!(t.sla_state, SlaState::OnTrack);
    let sla = f.store.ticket_sla(id).unwrap().unwrap();
    assert_eq!(sla.due_at, Some(manual));
    assert_eq!(
        sla.first_response.unwrap().deadline,
        Some(paris(2026, 3, 9, 17, 0)),
        "targets keep their own deadlines"
    );
}

#[test]
fn demo_tickets_replay_to_the_states_they_show() {
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
    let cards = walk(&store, &TicketQuery::default(), 200);
    let mut seen = HashSet::new();
    for c in &cards {
        let t = &c.ticket;
        seen.insert(t.sla_state);
        let sla = store
            .ticket_sla(t.id)
            .unwrap()
            .expect("every demo ticket has a policy");
        assert_eq!(
            (sla.state, sla.due_at),
            (t.sla_state, t.due_at),
            "{}: the stored state and due date are the engine's",
            c.display_number
        );
    }
    for state in [
        SlaState::OnTrack,
        SlaState::AtRisk,
        SlaState::Breached,
        SlaState::Paused,
        SlaState::Met,
        SlaState::Missed,
    ] {
        assert!(seen.contains(&state), "the demo shows {state:?}: {seen:?}");
    }
}
