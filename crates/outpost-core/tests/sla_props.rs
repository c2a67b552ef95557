//! Property tests: the SLA engine agrees with a brute-force reference that
//! walks time minute by minute, over random calendars (intervals, holidays,
//! timezones with and without DST) and random ticket histories.
//!
//! The reference implements DESIGN §3 and the calendar's DST rule from their
//! definitions, independently of the engine:
//! - the *wall clock seen so far* at a minute is the latest local time shown at
//!   or before it (it only differs from the local time inside a fall-back
//!   overlap); the calendar is open during a minute iff that wall clock lies in
//!   an opening interval of its own date and the date is not a holiday;
//! - clocks count one minute for each open minute during which their target is
//!   active, the ticket is not Waiting, and a policy matches.
//!
//! Everything is minute-aligned (events, intervals, zone offsets), so results
//! must be equal to the millisecond.

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveDateTime, TimeZone, Timelike, Utc};
use chrono_tz::Tz;
use outpost_core::ids::CategoryId;
use outpost_core::sla::*;
use outpost_core::{Priority, SlaState, Status};
use proptest::prelude::*;

const ZONES: [&str; 12] = [
    "UTC",
    "Europe/Paris",
    "America/New_York",
    "Europe/London",
    "Australia/Sydney",
    "Australia/Lord_Howe", // 30-minute DST shift
    "America/Santiago",    // DST at midnight
    "America/Havana",      // DST at midnight
    "Pacific/Chatham",     // +12:45 / +13:45
    "America/St_Johns",    // -03:30 / -02:30
    "Asia/Kolkata",        // +05:30, no DST
    "Asia/Tehran",         // no DST since 2022
];

/// A random calendar, both as engine settings and as reference rules.
#[derive(Debug, Clone)]
struct Cal {
    always: bool,
    tz: Tz,
    week: [Vec<(u32, u32)>; 7],
    holidays: Vec<(NaiveDate, bool)>,
}

impl Cal {
    fn engine(&self) -> BusinessCalendar {
        if self.always {
            return BusinessCalendar::always_open();
        }
        let mut hours = Vec::new();
        for (d, day) in self.week.iter().enumerate() {
            for &(s, e) in day {
                hours.push(OpeningHours {
                    day: Day::ALL[d],
                    start: ClockTime::from_minutes(s as u16).unwrap(),
                    end: ClockTime::from_minutes(e as u16).unwrap(),
                });
            }
        }
        let holidays = self
            .holidays
            .iter()
            .map(|&(date, yearly)| Holiday {
                date,
                yearly,
                name: String::new(),
            })
            .collect();
        BusinessCalendar::new(CalendarSettings::BusinessHours(BusinessHours {
            timezone: self.tz.name().into(),
            hours,
            holidays,
        }))
        .expect("generated calendars are valid")
    }

    fn is_holiday(&self, d: NaiveDate) -> bool {
        self.holidays
            .iter()
            .any(|&(h, yearly)| h == d || (yearly && h.month() == d.month() && h.day() == d.day()))
    }

    /// Whether a wall-clock reading falls in business hours.
    fn open_at_wall(&self, w: NaiveDateTime) -> bool {
        let minute = w.hour() * 60 + w.minute();
        !self.is_holiday(w.date())
            && self.week[w.weekday().num_days_from_monday() as usize]
                .iter()
                .any(|&(s, e)| s <= minute && minute < e)
    }

    /// Open flag of each minute `[from, from + n)` (unix minutes).
    fn minutes(&self, from: i64, n: usize) -> Vec<bool> {
        if self.always {
            return vec![true; n];
        }
        let mut out = Vec::with_capacity(n);
        let mut seen: Option<NaiveDateTime> = None;
        // A day of pre-roll so the wall clock seen so far is right at `from`.
        for m in from - 1440..from + n as i64 {
            let t = DateTime::from_timestamp(m * 60, 0).unwrap();
            let wall = self.tz.from_utc_datetime(&t.naive_utc()).naive_local();
            let w = seen.map_or(wall, |s| s.max(wall));
            seen = Some(w);
            if m >= from {
                out.push(self.open_at_wall(w));
            }
        }
        out
    }
}

/// Open flags over a window of unix minutes.
struct Window {
    from: i64,
    open: Vec<bool>,
}

impl Window {
    fn end(&self) -> i64 {
        self.from + self.open.len() as i64
    }
    fn is_open(&self, m: i64) -> bool {
        self.open[(m - self.from) as usize]
    }
    fn between(&self, a: i64, b: i64) -> i64 {
        (a..b).filter(|&m| self.is_open(m)).count() as i64
    }
    /// First minute boundary with `n` open minutes since `start`; `None` past the window.
    fn add(&self, start: i64, n: i64) -> Option<i64> {
        let mut count = 0;
        let mut m = start;
        while count < n {
            if m >= self.end() {
                return None;
            }
            count += i64::from(self.is_open(m));
            m += 1;
        }
        Some(m)
    }
    fn next_transition(&self, t: i64) -> Option<i64> {
        let now = self.is_open(t);
        (t + 1..self.end()).find(|&m| self.is_open(m) != now)
    }
}

fn minute(m: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(m * 60, 0).unwrap()
}

fn to_minute(t: DateTime<Utc>) -> i64 {
    assert_eq!(
        t.timestamp() % 60,
        0,
        "engine results on minute-aligned inputs are minute-aligned: {t}"
    );
    t.timestamp() / 60
}

fn intervals_strategy() -> impl Strategy<Value = Vec<(u32, u32)>> {
    // Boundaries on a 10-minute grid plus the DST-prone early hours in detail.
    let boundary = prop_oneof![
        3 => (0u32..=144).prop_map(|x| x * 10),
        1 => (0u32..=240).prop_map(|x| x),
        1 => Just(0u32),
        1 => Just(1440u32),
    ];
    proptest::collection::btree_set(boundary, 0..=6).prop_map(|set| {
        let v: Vec<u32> = set.into_iter().collect();
        v.chunks_exact(2).map(|c| (c[0], c[1])).collect()
    })
}

fn start_date_strategy() -> impl Strategy<Value = NaiveDate> {
    let any_day = (0i64..3 * 365)
        .prop_map(|d| NaiveDate::from_ymd_opt(2024, 1, 1).unwrap() + Duration::days(d));
    // Around the DST changes of the zones above.
    let dst_season = (
        2024i32..=2026,
        prop::sample::select(vec![(3, 1), (3, 25), (9, 1), (9, 25), (10, 20)]),
        0i64..21,
    )
        .prop_map(|(y, (m, d), off)| {
            NaiveDate::from_ymd_opt(y, m, d).unwrap() + Duration::days(off)
        });
    prop_oneof![any_day, dst_season]
}

fn cal_strategy(start: NaiveDate) -> impl Strategy<Value = Cal> {
    let holiday = (0i64..12, any::<bool>(), 0i32..3).prop_map(move |(d, yearly, back)| {
        let date = start + Duration::days(d);
        let date = if yearly {
            date.with_year(date.year() - back).unwrap_or(date)
        } else {
            date
        };
        (date, yearly)
    });
    (
        prop::bool::weighted(0.15),
        prop::sample::select(ZONES.to_vec()),
        proptest::array::uniform7(intervals_strategy()),
        proptest::collection::vec(holiday, 0..=3),
    )
        .prop_map(|(always, tz, mut week, holidays)| {
            if week.iter().all(Vec::is_empty) {
                week[0].push((540, 1020));
            }
            Cal {
                always,
                tz: tz.parse().unwrap(),
                week,
                holidays,
            }
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn calendar_queries_match_minute_by_minute_walk(
        (start, cal, queries) in start_date_strategy().prop_flat_map(|start| (
            Just(start),
            cal_strategy(start),
            proptest::collection::vec((0i64..4 * 1440, 0i64..4 * 1440, 0u32..1200), 4),
        )),
        start_minute in 0i64..1440,
    ) {
        let from = start.and_hms_opt(0, 0, 0).unwrap().and_utc().timestamp() / 60 + start_minute - 720;
        let window = Window { from, open: cal.minutes(from, 9 * 1440) };
        let engine = cal.engine();
        for (a, len, n) in queries {
            let a = from + a;
            let b = a + len;
            prop_assert_eq!(engine.is_open(minute(a)), window.is_open(a), "is_open at {} should match the walk", minute(a));
            prop_assert_eq!(
                engine.business_minutes_between(minute(a), minute(b)), window.between(a, b),
                "business minutes in [{}, {}) should match the walk", minute(a), minute(b)
            );
            let got = engine.add_business_minutes(minute(a), n);
            match window.add(a, i64::from(n)) {
                Some(want) => prop_assert_eq!(got, Some(minute(want)), "{} + {} business minutes should match the walk", minute(a), n),
                None => prop_assert!(got.is_none_or(|g| g >= minute(window.end())), "the walk ran out, so the engine's answer must lie beyond it"),
            }
            let got = engine.next_transition(minute(a));
            match window.next_transition(a) {
                Some(want) => {
                    prop_assert_eq!(got.map(|t| t.at), Some(minute(want)), "next transition after {} should match the walk", minute(a));
                    prop_assert_eq!(got.unwrap().opens, window.is_open(want), "the transition direction should match");
                }
                None => prop_assert!(got.is_none_or(|g| g.at >= minute(window.end())), "no transition within the walk"),
            }
        }
    }
}

/// A random history step: minutes after the previous event, and what happened.
#[derive(Debug, Clone)]
enum Step {
    Status(Status),
    Reply,
    Priority(Priority),
    Category(Option<u8>),
}

fn step_strategy() -> impl Strategy<Value = (i64, Step)> {
    let status = prop::sample::select(Status::ALL.to_vec());
    let priority = prop::sample::select(Priority::ALL.to_vec());
    let step = prop_oneof![
        4 => status.prop_map(Step::Status),
        1 => Just(Step::Reply),
        1 => priority.prop_map(Step::Priority),
        1 => proptest::option::of(0u8..2).prop_map(Step::Category),
    ];
    (prop_oneof![0i64..5, 0i64..1440], step)
}

fn cat(c: Option<u8>) -> Option<CategoryId> {
    c.map(|c| CategoryId(uuid::Uuid::from_u128(u128::from(c) + 1)))
}

/// Targets and thresholds of one generated policy, in minutes.
#[derive(Debug, Clone)]
struct Pol {
    fr: u32,
    res: u32,
    percent: u8,
    floor: u32,
}

fn pol_strategy() -> impl Strategy<Value = Pol> {
    (1u32..300, 1u32..900, 0u8..=100, 0u32..120).prop_map(|(fr, res, percent, floor)| Pol {
        fr,
        res,
        percent,
        floor,
    })
}

/// Policy 0: Urgent and High on calendar A; policy 1: Normal in category 1 on
/// calendar B; Low and other categories have no policy.
fn policy_set(pols: &[Pol; 2], cals: &[BusinessCalendar; 2]) -> SlaPolicySet {
    let mk = |i: usize, priorities: Vec<Priority>, category| SlaPolicy {
        id: format!("p{i}"),
        name: format!("P{i}"),
        priorities,
        category_id: category,
        first_response_minutes: pols[i].fr,
        resolution_minutes: pols[i].res,
        calendar: PolicyCalendar::Embedded {
            calendar: cals[i].clone(),
        },
        at_risk_percent: pols[i].percent,
        at_risk_floor_minutes: pols[i].floor,
    };
    SlaPolicySet {
        policies: vec![
            mk(0, vec![Priority::Urgent, Priority::High], None),
            mk(1, vec![Priority::Normal], cat(Some(1))),
        ],
    }
}

fn ref_policy(p: Priority, c: Option<u8>) -> Option<usize> {
    match (p, c) {
        (Priority::Urgent | Priority::High, _) => Some(0),
        (Priority::Normal, Some(1)) => Some(1),
        _ => None,
    }
}

/// The reference's view of one target at an instant.
#[derive(Debug, Clone, Copy, PartialEq)]
struct RefTarget {
    active: bool,
    running: bool,
    elapsed: i64,
}

/// DESIGN §3 from its definitions: ticket state from targets' activity and elapsed time.
/// `risk_ms`: elapsed milliseconds at which remaining time reaches the threshold.
fn ref_ticket_state(targets: &[RefTarget; 2], goal: [i64; 2], risk_ms: [i64; 2]) -> SlaState {
    let state = |i: usize| {
        let t = targets[i];
        match (t.active, t.running) {
            (false, _) if t.elapsed >= goal[i] => SlaState::Missed,
            (false, _) => SlaState::Met,
            (true, _) if t.elapsed >= goal[i] => SlaState::Breached,
            (true, false) => SlaState::Paused,
            (true, true) if t.elapsed * 60_000 >= risk_ms[i] => SlaState::AtRisk,
            (true, true) => SlaState::OnTrack,
        }
    };
    let states = [state(0), state(1)];
    let active: Vec<SlaState> = (0..2)
        .filter(|&i| targets[i].active)
        .map(|i| states[i])
        .collect();
    if active.contains(&SlaState::Breached) {
        SlaState::Breached
    } else if active.contains(&SlaState::AtRisk) {
        SlaState::AtRisk
    } else if !active.is_empty() && active.iter().all(|&s| s == SlaState::Paused) {
        SlaState::Paused
    } else if !active.is_empty() {
        SlaState::OnTrack
    } else if states.contains(&SlaState::Missed) {
        SlaState::Missed
    } else {
        SlaState::Met
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn evaluate_matches_minute_by_minute_replay(
        (start, cal_a, cal_b) in start_date_strategy().prop_flat_map(|s| (Just(s), cal_strategy(s), cal_strategy(s))),
        pols in proptest::array::uniform2(pol_strategy()),
        first in (prop::sample::select(Priority::ALL.to_vec()), proptest::option::of(0u8..2),
                  prop::sample::select(vec![Status::Open, Status::Open, Status::InProgress, Status::Waiting])),
        steps in proptest::collection::vec(step_strategy(), 0..8),
        start_minute in 0i64..1440,
        now_after in 0i64..4 * 1440,
    ) {
        let created = start.and_hms_opt(0, 0, 0).unwrap().and_utc().timestamp() / 60 + start_minute;
        let now = created + now_after;
        let horizon = now + 3 * 1440;
        let windows = [&cal_a, &cal_b].map(|c| Window { from: created, open: c.minutes(created, (horizon - created) as usize) });
        let engine_cals = [cal_a.engine(), cal_b.engine()];
        let set = policy_set(&pols, &engine_cals);

        // The history, and the engine's answer.
        let (priority, category, status) = first;
        let mut events = vec![SlaEvent::Created { at: minute(created), priority, category: cat(category), status }];
        let mut t = created;
        let mut timeline = Vec::new();
        for (gap, step) in &steps {
            t += gap;
            timeline.push((t, step.clone()));
            let at = minute(t);
            events.push(match *step {
                Step::Status(status) => SlaEvent::StatusChanged { at, status },
                Step::Reply => SlaEvent::AgentReplied { at },
                Step::Priority(priority) => SlaEvent::PriorityChanged { at, priority },
                Step::Category(c) => SlaEvent::CategoryChanged { at, category: cat(c) },
            });
        }
        let ev = evaluate(&set, &Calendars::new(), &events, minute(now), None).expect("generated histories are valid");

        // The reference: walk every minute from creation to the horizon.
        let (mut st, mut pr, mut ca) = (Status::Open, priority, category);
        let mut fr_done = false;
        let apply_status = |st: &mut Status, fr_done: &mut bool, s: Status| {
            if matches!(s, Status::InProgress | Status::Resolved | Status::Closed) { *fr_done = true; }
            *st = s;
        };
        apply_status(&mut st, &mut fr_done, status);
        let mut elapsed = [0i64; 2];
        let mut next_event = 0;
        let mut at_now = None;
        let mut policy_now = None;
        // Elapsed and activity at each minute boundary from `now` on, for crossings and states.
        let mut future: Vec<[RefTarget; 2]> = Vec::new();
        let mut past_elapsed: Vec<[i64; 2]> = vec![[0, 0]];
        for m in created..horizon {
            while m <= now && next_event < timeline.len() && timeline[next_event].0 <= m {
                match timeline[next_event].1 {
                    Step::Status(s) => apply_status(&mut st, &mut fr_done, s),
                    Step::Reply => fr_done = true,
                    Step::Priority(p) => pr = p,
                    Step::Category(c) => ca = c,
                }
                next_event += 1;
            }
            let active = [!fr_done, st.is_active()];
            let targets = [0, 1].map(|i| RefTarget { active: active[i], running: active[i] && st != Status::Waiting, elapsed: elapsed[i] });
            if m == now {
                at_now = Some(targets);
                policy_now = ref_policy(pr, ca);
            }
            if m >= now {
                future.push(targets);
            }
            // A minute counts for each running target when the policy's calendar is open.
            if let Some(p) = ref_policy(pr, ca) && windows[p].is_open(m) {
                for i in 0..2 {
                    if targets[i].running { elapsed[i] += 1; }
                }
            }
            past_elapsed.push(elapsed);
        }
        let at_now = at_now.expect("the walk passes through now");

        let Some(p) = policy_now else {
            prop_assert_eq!(ev.state, SlaState::None, "with no matching policy there is no SLA");
            prop_assert!(ev.first_response.is_none() && ev.resolution.is_none());
            return Ok(());
        };
        let pol = &pols[p];
        let goal = [pol.fr, pol.res].map(i64::from);
        // At risk once remaining <= max(floor, percent of target), in milliseconds.
        let risk = goal.map(|g| g * 60_000 - (g * 60_000 * i64::from(pol.percent) / 100).max(i64::from(pol.floor) * 60_000));
        // First minute boundary with elapsed >= mark minutes (creation if mark <= 0).
        let crossing = |i: usize, mark: i64| -> Option<i64> {
            (0..past_elapsed.len()).find(|&k| past_elapsed[k][i] >= mark).map(|k| created + k as i64)
        };
        // The instant (ms) elapsed reaches `mark_ms`: inside the counting minute when not whole.
        let crossing_ms = |i: usize, mark_ms: i64| -> Option<i64> {
            if mark_ms <= 0 {
                return Some(created * 60_000);
            }
            let (q, r) = (mark_ms / 60_000, mark_ms % 60_000);
            if r == 0 { crossing(i, q).map(|b| b * 60_000) } else { crossing(i, q + 1).map(|b| (b - 1) * 60_000 + r) }
        };
        let state_now = ref_ticket_state(&at_now, goal, risk);
        prop_assert_eq!(ev.policy_id.clone(), Some(format!("p{p}")), "the policy in force at now is the one matched last");
        prop_assert_eq!(ev.state, state_now, "the ticket state at now should match the replay");
        let targets = [ev.first_response.as_ref().unwrap(), ev.resolution.as_ref().unwrap()];
        let mut due: Option<i64> = None;
        for i in 0..2 {
            let (tgt, r) = (targets[i], at_now[i]);
            let name = ["first response", "resolution"][i];
            prop_assert_eq!(tgt.elapsed_minutes, r.elapsed, "{} elapsed business minutes should match the replay", name);
            prop_assert_eq!(tgt.remaining_minutes, (goal[i] - r.elapsed).max(0), "{} remaining minutes", name);
            prop_assert_eq!(tgt.overdue_minutes, (r.elapsed - goal[i]).max(0), "{} overdue minutes", name);
            let breach = crossing(i, goal[i]);
            let expected_deadline = if !r.active && r.elapsed < goal[i] {
                None
            } else if r.active && !r.running && r.elapsed < goal[i] {
                windows[p].add(now, goal[i] - r.elapsed)
            } else {
                breach
            };
            let got = tgt.deadline.map(to_minute);
            match expected_deadline {
                Some(d) => prop_assert_eq!(got, Some(d), "{} deadline should be {}", name, minute(d)),
                None if !r.active && r.elapsed < goal[i] => prop_assert_eq!(got, None, "a met {} has no deadline", name),
                None => prop_assert!(got.is_none_or(|g| g >= horizon), "{} deadline lies beyond the replay horizon", name),
            }
            if r.running {
                let got = tgt.at_risk_at.map(|t| t.timestamp_millis());
                match crossing_ms(i, risk[i]) {
                    Some(d) => prop_assert_eq!(got, Some(d), "{} at-risk instant should be {} ms", name, d),
                    None => prop_assert!(got.is_none_or(|g| g >= horizon * 60_000), "{} at-risk instant beyond the horizon", name),
                }
                if let Some(b) = breach { due = Some(due.map_or(b, |d: i64| d.min(b))); }
            }
        }
        if let Some(d) = due {
            prop_assert_eq!(ev.due_at.map(to_minute), Some(d), "due date is the earliest running deadline");
        }
        // Next change: the first later boundary where the replayed ticket state differs.
        // At-risk instants may fall inside a minute, so the change lies in the minute before it.
        let next = (1..future.len()).find(|&k| ref_ticket_state(&future[k], goal, risk) != state_now).map(|k| now + k as i64);
        match next {
            Some(n) => {
                let got = ev.next_change.map(|t| t.timestamp_millis());
                prop_assert!(got.is_some_and(|g| (n - 1) * 60_000 < g && g <= n * 60_000),
                    "next change {:?} should lie in the minute before {}", ev.next_change, minute(n));
                let g = ev.next_change.unwrap();
                prop_assert_eq!(ev.snapshot.state_at(g - Duration::milliseconds(1)), state_now, "no change just before the next change");
                prop_assert_ne!(ev.snapshot.state_at(g), state_now, "the state changes at the next change");
            }
            None => prop_assert!(ev.next_change.is_none_or(|g| g >= minute(horizon - 1)), "no change within the horizon"),
        }
        for k in [1usize, 37, 600, 1440, 4000] {
            if let Some(f) = future.get(k) {
                prop_assert_eq!(ev.snapshot.state_at(minute(now + k as i64)), ref_ticket_state(f, goal, risk),
                    "the snapshot predicts the state {} minutes later", k);
            }
        }
        // The explanation covers creation to max(now, due) without gaps.
        let x = &ev.explanation;
        prop_assert!(!x.is_empty() || now == created, "an explanation exists once time has passed");
        if let Some(first) = x.first() { prop_assert_eq!(first.start, minute(created), "the explanation starts at creation"); }
        for pair in x.windows(2) { prop_assert_eq!(pair[0].end, pair[1].start, "explanation intervals are contiguous"); }
    }
}
