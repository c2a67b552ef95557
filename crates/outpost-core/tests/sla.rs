//! Named SLA cases: the examples agents and admins reason with (DESIGN §3).

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;
use outpost_core::sla::*;
use outpost_core::{Priority, SlaState, Status};

/// A local wall-clock time in `tz` (must exist and be unambiguous).
fn local(tz: Tz, s: &str) -> DateTime<Utc> {
    let naive = chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap();
    tz.from_local_datetime(&naive)
        .single()
        .unwrap()
        .with_timezone(&Utc)
}

fn utc(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

fn created(at: DateTime<Utc>, priority: Priority) -> SlaEvent {
    SlaEvent::Created {
        at,
        priority,
        category: None,
        status: Status::Open,
    }
}

fn status(at: DateTime<Utc>, status: Status) -> SlaEvent {
    SlaEvent::StatusChanged { at, status }
}

fn hours(
    tz: &str,
    intervals: &[(&[Day], &str, &str)],
    holidays: &[(&str, bool)],
) -> BusinessCalendar {
    let mut hours = Vec::new();
    for (days, s, e) in intervals {
        for &day in *days {
            hours.push(OpeningHours {
                day,
                start: s.parse().unwrap(),
                end: e.parse().unwrap(),
            });
        }
    }
    let holidays = holidays
        .iter()
        .map(|(d, yearly)| Holiday {
            date: d.parse().unwrap(),
            yearly: *yearly,
            name: "Holiday".into(),
        })
        .collect();
    BusinessCalendar::new(CalendarSettings::BusinessHours(BusinessHours {
        timezone: tz.into(),
        hours,
        holidays,
    }))
    .unwrap()
}

/// One policy for every priority with the given targets and calendar.
fn single_policy(fr: u32, res: u32, calendar: BusinessCalendar) -> SlaPolicySet {
    SlaPolicySet {
        policies: vec![SlaPolicy {
            id: "p".into(),
            name: "Policy".into(),
            priorities: Priority::ALL.to_vec(),
            category_id: None,
            first_response_minutes: fr,
            resolution_minutes: res,
            calendar: PolicyCalendar::Embedded { calendar },
            at_risk_percent: 25,
            at_risk_floor_minutes: 15,
        }],
    }
}

fn eval(
    set: &SlaPolicySet,
    cals: &Calendars,
    events: &[SlaEvent],
    now: DateTime<Utc>,
) -> SlaEvaluation {
    evaluate(set, cals, events, now, None).expect("a valid history evaluates")
}

const PARIS: Tz = chrono_tz::Europe::Paris;
const NEW_YORK: Tz = chrono_tz::America::New_York;

#[test]
fn friday_1650_with_one_business_hour_is_due_monday_0950() {
    let (set, cals) = default_policies(PARIS);
    let t0 = local(PARIS, "2025-06-13 16:50"); // a Friday
    let ev = eval(&set, &cals, &[created(t0, Priority::High)], t0);
    let fr = ev.first_response.as_ref().unwrap();
    assert_eq!(
        fr.deadline,
        Some(local(PARIS, "2025-06-16 09:50")),
        "10 min on Friday + 50 min on Monday"
    );
    assert_eq!(
        ev.due_at, fr.deadline,
        "the due date is the earliest running deadline"
    );
    assert_eq!(ev.state, SlaState::OnTrack);
    let kinds: Vec<_> = ev
        .explanation
        .iter()
        .map(|i| (i.kind, i.projected))
        .collect();
    assert_eq!(
        kinds,
        vec![
            (IntervalKind::Running, true),
            (IntervalKind::OutsideBusinessHours, true),
            (IntervalKind::Running, true)
        ],
        "the explanation shows Friday's 10 minutes, the closed weekend, then Monday's 50 minutes"
    );
}

#[test]
fn waiting_over_a_weekend_adds_nothing() {
    let (set, cals) = default_policies(PARIS);
    let fri = |hm: &str| local(PARIS, &format!("2025-06-13 {hm}"));
    let mon = |hm: &str| local(PARIS, &format!("2025-06-16 {hm}"));
    let events = [
        created(fri("17:00"), Priority::Urgent),
        SlaEvent::AgentReplied { at: fri("17:10") },
        status(fri("18:00"), Status::Waiting),
        status(mon("09:00"), Status::Open),
    ];
    let ev = eval(&set, &cals, &events, mon("09:30"));
    let res = ev.resolution.as_ref().unwrap();
    assert_eq!(
        res.elapsed_minutes, 90,
        "60 min on Friday + 30 min on Monday; the Waiting weekend does not count"
    );
    assert_eq!(
        res.deadline,
        Some(mon("12:00")),
        "4 h target: 3 h left from Monday 09:00"
    );
    assert!(
        ev.explanation.iter().any(|i| i.kind == IntervalKind::Paused
            && i.start == fri("18:00")
            && i.end == mon("09:00")),
        "the explanation shows the Waiting weekend as paused: {:?}",
        ev.explanation
    );
    let waiting = eval(&set, &cals, &events[..3], mon("08:00"));
    assert_eq!(
        waiting.state,
        SlaState::Paused,
        "a Waiting ticket is paused"
    );
    assert_eq!(
        waiting.next_change, None,
        "a paused ticket never changes state by itself"
    );
    assert_eq!(
        waiting.due_at, None,
        "no target is running, so there is no due date"
    );
}

#[test]
fn a_holiday_is_skipped() {
    let cal = hours(
        "Europe/Paris",
        &[(&Day::WORKDAYS, "09:00", "17:00")],
        &[("2025-06-09", false)],
    );
    let set = single_policy(4 * 60, 24 * 60, cal);
    let t0 = local(PARIS, "2025-06-06 16:00"); // Friday; Whit Monday closed
    let ev = eval(
        &set,
        &Calendars::new(),
        &[created(t0, Priority::Normal)],
        t0,
    );
    let fr = ev.first_response.unwrap();
    assert_eq!(
        fr.deadline,
        Some(local(PARIS, "2025-06-10 12:00")),
        "1 h Friday, Monday skipped, 3 h Tuesday"
    );
    let holiday = ev
        .explanation
        .iter()
        .find(|i| i.kind == IntervalKind::Holiday)
        .expect("a Holiday interval");
    assert_eq!(
        (holiday.start, holiday.end),
        (
            local(PARIS, "2025-06-09 00:00"),
            local(PARIS, "2025-06-10 00:00")
        )
    );
}

#[test]
fn urgent_on_24_7_ignores_business_hours() {
    let (set, cals) = default_policies(PARIS);
    let t0 = local(PARIS, "2025-06-14 03:00"); // Saturday night
    let ev = eval(&set, &cals, &[created(t0, Priority::Urgent)], t0);
    assert_eq!(
        ev.first_response.unwrap().deadline,
        Some(t0 + Duration::minutes(30))
    );
    assert_eq!(
        ev.resolution.unwrap().deadline,
        Some(t0 + Duration::hours(4))
    );
    assert_eq!(
        ev.clock_change_at, None,
        "a 24/7 calendar never opens or closes"
    );
}

#[test]
fn reopen_after_resolve_resumes_resolution_with_elapsed_time_kept() {
    let (set, cals) = default_policies(PARIS);
    let mon = |hm: &str| local(PARIS, &format!("2025-06-16 {hm}"));
    let tue = |hm: &str| local(PARIS, &format!("2025-06-17 {hm}"));
    let mut events = vec![
        created(mon("09:00"), Priority::High),
        SlaEvent::AgentReplied { at: mon("09:30") },
        status(mon("12:00"), Status::Resolved),
        status(mon("15:00"), Status::Closed),
    ];
    let done = eval(&set, &cals, &events, tue("09:00"));
    assert_eq!(done.state, SlaState::Met, "both targets met while resolved");
    assert_eq!(
        done.resolution.as_ref().unwrap().completed_at,
        Some(mon("12:00"))
    );
    assert_eq!(done.due_at, None);
    events.push(status(tue("10:00"), Status::Open));
    let ev = eval(&set, &cals, &events, tue("10:00"));
    let res = ev.resolution.unwrap();
    assert_eq!(
        res.elapsed_minutes, 180,
        "the 3 h used before resolving still count"
    );
    assert_eq!(
        res.deadline,
        Some(tue("15:00")),
        "8 h target: 5 h left from Tuesday 10:00"
    );
    assert_eq!(
        ev.first_response.unwrap().state,
        SlaState::Met,
        "first response stays met"
    );
    assert_eq!(ev.state, SlaState::OnTrack);
}

#[test]
fn split_day_intervals_skip_lunch() {
    let cal = hours(
        "Europe/Paris",
        &[
            (&Day::WORKDAYS, "09:00", "12:30"),
            (&Day::WORKDAYS, "13:30", "17:00"),
        ],
        &[],
    );
    let set = single_policy(4 * 60, 8 * 60, cal);
    let t0 = local(PARIS, "2025-06-16 11:00");
    let ev = eval(
        &set,
        &Calendars::new(),
        &[created(t0, Priority::Normal)],
        t0,
    );
    assert_eq!(
        ev.first_response.unwrap().deadline,
        Some(local(PARIS, "2025-06-16 16:00"))
    );
    assert_eq!(
        ev.resolution.unwrap().deadline,
        Some(local(PARIS, "2025-06-17 12:00")),
        "1.5 + 3.5 h Monday, 3 h Tuesday"
    );
    assert_eq!(
        ev.clock_change_at,
        Some(local(PARIS, "2025-06-16 12:30")),
        "the clock next stops at lunch"
    );
}

#[test]
fn dst_spring_forward_and_fall_back_in_paris() {
    let all_day = hours("Europe/Paris", &[(&Day::ALL, "00:00", "24:00")], &[]);
    let day = |d: &str| {
        let d: NaiveDate = d.parse().unwrap();
        let start = local(PARIS, &format!("{d} 00:00"));
        all_day.business_minutes_between(
            start,
            local(PARIS, &format!("{} 00:00", d.succ_opt().unwrap())),
        )
    };
    assert_eq!(
        day("2025-03-30"),
        23 * 60,
        "spring-forward day has 23 hours"
    );
    assert_eq!(day("2025-10-26"), 25 * 60, "fall-back day has 25 hours");

    let night = hours("Europe/Paris", &[(&[Day::Sun], "01:00", "03:00")], &[]);
    let sunday = |d: &str| {
        let d: NaiveDate = d.parse().unwrap();
        let noon = |d: NaiveDate| utc(&format!("{d}T12:00:00Z"));
        night.business_minutes_between(noon(d.pred_opt().unwrap()), noon(d))
    };
    assert_eq!(
        sunday("2025-03-30"),
        60,
        "01:00–03:00 lasts 1 real hour when 02:00 jumps to 03:00"
    );
    assert_eq!(
        sunday("2025-10-26"),
        180,
        "01:00–03:00 lasts 3 real hours when 03:00 falls back to 02:00"
    );
    assert_eq!(sunday("2025-06-01"), 120);

    // Mon–Fri 09:00–17:00 across the spring weekend: local hours are kept.
    let (set, cals) = default_policies(PARIS);
    let t0 = local(PARIS, "2025-03-28 16:00");
    let ev = eval(&set, &cals, &[created(t0, Priority::Normal)], t0);
    assert_eq!(
        ev.first_response.unwrap().deadline,
        Some(utc("2025-03-31T10:00:00Z")),
        "1 h Friday + 3 h Monday: 12:00 CEST"
    );
    // 24/7 counts real time across the fall-back.
    let t1 = local(PARIS, "2025-10-26 00:30");
    let ev = eval(&set, &cals, &[created(t1, Priority::Urgent)], t1);
    assert_eq!(
        ev.resolution.unwrap().deadline,
        Some(t1 + Duration::hours(4)),
        "4 real hours, not 4 wall-clock hours"
    );
}

#[test]
fn dst_gap_and_overlap_in_new_york() {
    let gap = hours("America/New_York", &[(&[Day::Sun], "02:30", "04:00")], &[]);
    // 2025-03-09: 02:00 EST jumps to 03:00 EDT at 07:00Z.
    assert_eq!(
        gap.next_transition(utc("2025-03-09T05:00:00Z")).unwrap().at,
        utc("2025-03-09T07:00:00Z"),
        "an opening inside the gap happens when the clock jumps over it"
    );
    assert_eq!(
        gap.business_minutes_between(utc("2025-03-09T00:00:00Z"), utc("2025-03-10T00:00:00Z")),
        60
    );
    let inside = hours("America/New_York", &[(&[Day::Sun], "02:10", "02:50")], &[]);
    assert_eq!(
        inside.business_minutes_between(utc("2025-03-09T00:00:00Z"), utc("2025-03-10T00:00:00Z")),
        0,
        "an interval entirely inside the gap is empty that day"
    );
    assert_eq!(
        inside.business_minutes_between(utc("2025-03-16T00:00:00Z"), utc("2025-03-17T00:00:00Z")),
        40
    );
    // 2025-11-02: 02:00 EDT falls back to 01:00 EST at 06:00Z; 01:xx happens twice.
    let overlap = hours("America/New_York", &[(&[Day::Sun], "01:00", "01:30")], &[]);
    assert_eq!(
        overlap.business_minutes_between(utc("2025-11-02T00:00:00Z"), utc("2025-11-03T00:00:00Z")),
        30,
        "an interval inside the repeated hour opens once, at its first occurrence"
    );
    assert!(
        overlap.is_open(utc("2025-11-02T05:10:00Z")),
        "open at 01:10 EDT"
    );
    assert!(
        !overlap.is_open(utc("2025-11-02T06:10:00Z")),
        "closed at the repeated 01:10 EST"
    );
    let across = hours("America/New_York", &[(&[Day::Sun], "01:30", "03:00")], &[]);
    assert_eq!(
        across.business_minutes_between(utc("2025-11-02T00:00:00Z"), utc("2025-11-03T00:00:00Z")),
        150,
        "01:30 EDT to 03:00 EST is 2.5 real hours, with no closing in the repeated hour"
    );
    let (set, cals) = default_policies(NEW_YORK);
    let t0 = local(NEW_YORK, "2025-10-31 16:00");
    let ev = eval(&set, &cals, &[created(t0, Priority::Normal)], t0);
    assert_eq!(
        ev.first_response.unwrap().deadline,
        Some(utc("2025-11-03T17:00:00Z")),
        "Monday 12:00 EST"
    );
}

#[test]
fn at_risk_uses_the_larger_of_floor_and_percent() {
    let (set, cals) = default_policies(PARIS);
    let t0 = utc("2025-06-14T10:00:00Z");
    let events = [created(t0, Priority::Urgent)];
    let at = |m: i64| eval(&set, &cals, &events, t0 + Duration::minutes(m));
    // First response 30 min: floor 15 min > 25 % (7.5 min).
    assert_eq!(
        at(0).first_response.unwrap().at_risk_at,
        Some(t0 + Duration::minutes(15))
    );
    assert_eq!(at(14).state, SlaState::OnTrack);
    assert_eq!(
        at(15).state,
        SlaState::AtRisk,
        "at risk with 15 min (the floor) left"
    );
    assert_eq!(at(30).state, SlaState::Breached, "breached at the deadline");
    // Resolution 4 h: 25 % (60 min) > floor.
    let ev = at(31);
    let res = ev.resolution.as_ref().unwrap();
    assert_eq!(
        res.at_risk_at,
        Some(t0 + Duration::hours(3)),
        "at risk with 25 % of 4 h left"
    );
    assert_eq!(res.state, SlaState::OnTrack);
    assert_eq!(ev.first_response.as_ref().unwrap().overdue_minutes, 1);
    assert_eq!(
        ev.state,
        SlaState::Breached,
        "one breached running target breaches the ticket"
    );
}

#[test]
fn next_change_is_exact() {
    let (set, cals) = default_policies(PARIS);
    let t0 = utc("2025-06-14T10:00:00Z");
    let mut events = vec![created(t0, Priority::Urgent)];
    let next = |events: &[SlaEvent], m: i64| {
        eval(&set, &cals, events, t0 + Duration::minutes(m)).next_change
    };
    assert_eq!(
        next(&events, 0),
        Some(t0 + Duration::minutes(15)),
        "first response at risk"
    );
    assert_eq!(
        next(&events, 15),
        Some(t0 + Duration::minutes(30)),
        "first response breach"
    );
    assert_eq!(
        next(&events, 30),
        None,
        "a breached ticket stays breached until an edit"
    );
    events.push(SlaEvent::AgentReplied {
        at: t0 + Duration::minutes(10),
    });
    assert_eq!(
        next(&events, 10),
        Some(t0 + Duration::hours(3)),
        "after the reply only resolution matters"
    );
    assert_eq!(next(&events, 200), Some(t0 + Duration::hours(4)));
    assert_eq!(
        next(&events, 240),
        None,
        "nothing changes after the last breach"
    );

    // Business hours: Low, created Friday 16:00; first response 8 h, at risk with 2 h left.
    let fri = local(PARIS, "2025-06-13 16:00");
    let ev = eval(&set, &cals, &[created(fri, Priority::Low)], fri);
    assert_eq!(
        ev.next_change,
        Some(local(PARIS, "2025-06-16 14:00")),
        "1 h Friday + 5 h Monday"
    );
    let snap = ev.snapshot;
    for m in (0..4 * 24 * 60).step_by(37) {
        let later = fri + Duration::minutes(m);
        let fresh = eval(&set, &cals, &[created(fri, Priority::Low)], later);
        assert_eq!(
            snap.state_at(later),
            fresh.state,
            "the snapshot predicts the state at {later}"
        );
        assert_eq!(
            snap.next_change_after(later),
            fresh.next_change,
            "and the next change at {later}"
        );
    }
}

#[test]
fn priority_change_rematches_and_keeps_elapsed_time() {
    let (set, cals) = default_policies(PARIS);
    let mon = |hm: &str| local(PARIS, &format!("2025-06-16 {hm}"));
    let events = [
        created(mon("09:00"), Priority::Low),
        SlaEvent::AgentReplied { at: mon("09:05") },
        SlaEvent::PriorityChanged {
            at: mon("11:00"),
            priority: Priority::Urgent,
        },
    ];
    let ev = eval(&set, &cals, &events, mon("11:00"));
    assert_eq!(ev.policy_id.as_deref(), Some("urgent"));
    let res = ev.resolution.unwrap();
    assert_eq!(
        res.elapsed_minutes, 120,
        "2 business hours as Low carry over"
    );
    assert_eq!(
        res.deadline,
        Some(mon("13:00")),
        "Urgent's 4 h minus 2 h used, on 24/7"
    );
    // Raising to Urgent late: the 4 h were already used, so it is overdue since then.
    let late = [
        created(mon("09:00"), Priority::Low),
        SlaEvent::PriorityChanged {
            at: mon("15:00"),
            priority: Priority::Urgent,
        },
    ];
    let ev = eval(&set, &cals, &late, mon("15:00"));
    assert_eq!(ev.state, SlaState::Breached);
    assert_eq!(
        ev.resolution.unwrap().deadline,
        Some(mon("13:00")),
        "the deadline is when 4 h were used"
    );
}

#[test]
fn ticket_state_precedence_and_manual_due_date() {
    let (set, cals) = default_policies(PARIS);
    let t0 = utc("2025-06-14T10:00:00Z");
    let paused_late = [
        created(t0, Priority::Urgent),
        status(t0 + Duration::minutes(40), Status::Waiting),
    ];
    let ev = eval(&set, &cals, &paused_late, t0 + Duration::hours(9));
    assert_eq!(
        ev.first_response.as_ref().unwrap().state,
        SlaState::Breached,
        "a paused target past its deadline is breached"
    );
    assert_eq!(ev.resolution.as_ref().unwrap().state, SlaState::Paused);
    assert_eq!(ev.state, SlaState::Breached, "breached wins over paused");
    let missed = [
        created(t0, Priority::Urgent),
        status(t0 + Duration::minutes(45), Status::Resolved),
    ];
    let ev = eval(&set, &cals, &missed, t0 + Duration::hours(1));
    assert_eq!(ev.first_response.as_ref().unwrap().state, SlaState::Missed);
    assert_eq!(ev.resolution.as_ref().unwrap().state, SlaState::Met);
    assert_eq!(
        ev.state,
        SlaState::Missed,
        "with nothing running, one missed target makes the ticket missed"
    );
    let manual = t0 + Duration::days(3);
    let ev = evaluate(
        &set,
        &cals,
        &[created(t0, Priority::Urgent)],
        t0,
        Some(manual),
    )
    .unwrap();
    assert_eq!(ev.due_at, Some(manual), "a manual due date wins");
    assert_eq!(
        ev.state,
        SlaState::OnTrack,
        "but the state still follows the SLA"
    );
    let none = SlaPolicySet::default();
    let ev = eval(&none, &cals, &[created(t0, Priority::Urgent)], t0);
    assert_eq!(
        (ev.state, ev.due_at),
        (SlaState::None, None),
        "no matching policy, no SLA"
    );
}

#[test]
fn invalid_histories_and_missing_calendars_are_errors() {
    let (set, _) = default_policies(PARIS);
    let t0 = utc("2025-06-14T10:00:00Z");
    let err = evaluate(
        &set,
        &Calendars::new(),
        &[created(t0, Priority::Low)],
        t0,
        None,
    )
    .unwrap_err();
    assert_eq!(err.code(), "sla_calendar_missing", "{err}");
    let err = evaluate(&set, &Calendars::new(), &[], t0, None).unwrap_err();
    assert_eq!(err.code(), "sla_history_invalid", "{err}");
}

/// Rough per-call timings; run with
/// `cargo test --release -p outpost-core --test sla -- --ignored --nocapture`.
#[test]
#[ignore]
fn timing() {
    let (set, cals) = default_policies(PARIS);
    let t0 = local(PARIS, "2025-06-13 16:50");
    let events = vec![
        created(t0, Priority::Low),
        SlaEvent::AgentReplied {
            at: t0 + Duration::hours(70),
        },
        status(t0 + Duration::hours(71), Status::Waiting),
        status(t0 + Duration::hours(90), Status::Open),
        SlaEvent::PriorityChanged {
            at: t0 + Duration::hours(95),
            priority: Priority::Normal,
        },
    ];
    let now = t0 + Duration::hours(100);
    let n = 20_000;
    let mut times = Vec::with_capacity(n);
    for _ in 0..n {
        let s = std::time::Instant::now();
        std::hint::black_box(
            evaluate_snapshot(&set, &cals, std::hint::black_box(&events), now, None).unwrap(),
        );
        times.push(s.elapsed());
    }
    times.sort();
    println!(
        "evaluate_snapshot (5 events): p50 {:?} p95 {:?}",
        times[n / 2],
        times[n * 95 / 100]
    );
    let s = std::time::Instant::now();
    for _ in 0..n {
        std::hint::black_box(
            evaluate(&set, &cals, std::hint::black_box(&events), now, None).unwrap(),
        );
    }
    println!(
        "evaluate with explanation: mean {:?}",
        s.elapsed() / n as u32
    );
    let snap = evaluate_snapshot(&set, &cals, &events, now, None).unwrap();
    let snaps = vec![snap; 100_000];
    let s = std::time::Instant::now();
    let later = now + Duration::hours(30);
    let breached = snaps
        .iter()
        .filter(|x| x.state_at(std::hint::black_box(later)) == SlaState::Breached)
        .count();
    println!(
        "state_at over 100k snapshots: {:?} ({breached} breached)",
        s.elapsed()
    );
    let holidays: Vec<(String, bool)> = (0..21)
        .map(|d| {
            (
                (NaiveDate::from_ymd_opt(2025, 7, 1).unwrap() + Duration::days(d)).to_string(),
                false,
            )
        })
        .collect();
    let refs: Vec<(&str, bool)> = holidays.iter().map(|(d, y)| (d.as_str(), *y)).collect();
    let cal = hours("Europe/Paris", &[(&Day::WORKDAYS, "09:00", "17:00")], &refs);
    let s = std::time::Instant::now();
    for _ in 0..n {
        std::hint::black_box(
            cal.add_business_minutes(std::hint::black_box(utc("2025-06-30T07:00:00Z")), 40 * 60),
        );
    }
    println!(
        "add 40 h across a 3-week holiday: mean {:?}",
        s.elapsed() / n as u32
    );
}
