//! Reports over a known history: tickets created and worked through the
//! store's own API while a fixed clock moves over eleven days, then every
//! figure of several reports (periods, filters) checked against a direct SQL
//! count over the same file.
//!
//! The SLA settings use a 24/7 calendar for every priority so business time
//! is wall time and each target's outcome is a plain SQL comparison. The
//! script keeps priorities and categories fixed, goes through In Progress
//! before any resolution (the first response), and only pauses (Waiting)
//! tickets that then stay Waiting or get resolved; reopened tickets count
//! their Resolved stretch as paused, which the SQL below subtracts.

use super::*;
use chrono::DateTime;
use outpost_core::SlaState;
use outpost_core::report::{Report, ReportPeriod, ReportQuery, ReportSection};
use outpost_core::sla::{BusinessCalendar, PolicyCalendar, SlaSettings};
use rusqlite::Connection;
use std::path::Path;

/// First response and resolution targets (minutes) per priority, 24/7.
const TARGETS: [(Priority, i64, i64); 4] = [
    (Priority::Urgent, 30, 240),
    (Priority::High, 60, 480),
    (Priority::Normal, 240, 1440),
    (Priority::Low, 480, 2400),
];

fn settings() -> SlaSettings {
    let mut s = SlaSettings::defaults(chrono_tz::Europe::Paris);
    for p in &mut s.policies.policies {
        let (_, fr, res) = TARGETS
            .iter()
            .find(|t| p.priorities.contains(&t.0))
            .copied()
            .unwrap();
        p.first_response_minutes = fr as u32;
        p.resolution_minutes = res as u32;
        p.calendar = PolicyCalendar::Embedded {
            calendar: BusinessCalendar::always_open(),
        };
    }
    s
}

/// A small deterministic generator (no extra dependency in tests).
struct Lcg(u64);
impl Lcg {
    fn next(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) % n
    }
}

enum Step {
    Create(usize),
    Status(usize, Status),
}

const NOW: &str = "2026-03-02T09:00:00Z";

/// Seeds ~70 tickets over the 11 days before [`NOW`] with statuses walked in
/// time order across tickets. Returns the fixture with the clock at NOW.
fn seeded() -> Fixture {
    let mut f = fixture();
    f.store.save_sla_settings(&settings()).unwrap();
    let now = DateTime::parse_from_rfc3339(NOW)
        .unwrap()
        .with_timezone(&Utc);
    let start = now - Duration::days(11);
    let mut rng = Lcg(2026);
    let min = |m: u64| Duration::minutes(m as i64);
    let mut plan: Vec<(DateTime<Utc>, Step)> = Vec::new();
    let mut specs = Vec::new();
    for i in 0..70 {
        let created = start + min(rng.next(11 * 24 * 60 - 30));
        let priority = Priority::ALL[rng.next(4) as usize];
        let category = [Some(PRINTING), Some(NETWORK), None][rng.next(3) as usize];
        let assignee = [Some(ANA), Some(BEN), None][rng.next(3) as usize];
        specs.push((priority, category, assignee));
        plan.push((created, Step::Create(i)));
        // In Progress after 5..600 minutes, or never.
        if rng.next(5) == 0 {
            continue;
        }
        let fr = created + min(5 + rng.next(600));
        plan.push((fr, Step::Status(i, Status::InProgress)));
        // Pauses only where the target cannot be reached before them, so a
        // running target's deadline is creation + target + pauses.
        let case = match (rng.next(6), priority) {
            (0 | 1, Priority::Urgent | Priority::High) => 4,
            (2, p) if p != Priority::Low => 4,
            (c, _) => c,
        };
        match case {
            0 => plan.push((fr + min(10), Step::Status(i, Status::Waiting))),
            1 => {
                let w = fr + min(10 + rng.next(60));
                let back = w + min(30 + rng.next(600));
                plan.push((w, Step::Status(i, Status::Waiting)));
                plan.push((back, Step::Status(i, Status::InProgress)));
                plan.push((
                    back + min(20 + rng.next(2000)),
                    Step::Status(i, Status::Resolved),
                ));
            }
            2 => {
                let r1 = fr + min(20 + rng.next(1500));
                let reopen = r1 + min(60 + rng.next(600));
                plan.push((r1, Step::Status(i, Status::Resolved)));
                plan.push((reopen, Step::Status(i, Status::InProgress)));
                plan.push((
                    reopen + min(10 + rng.next(900)),
                    Step::Status(i, Status::Resolved),
                ));
            }
            3 => {}
            _ => {
                let r = fr + min(20 + rng.next(3000));
                plan.push((r, Step::Status(i, Status::Resolved)));
                if rng.next(2) == 0 {
                    plan.push((
                        r + min(600 + rng.next(3000)),
                        Step::Status(i, Status::Closed),
                    ));
                }
            }
        }
    }
    plan.retain(|p| p.0 <= now);
    plan.sort_by_key(|p| p.0);
    let mut ids: Vec<Option<TicketId>> = vec![None; specs.len()];
    for (at, step) in plan {
        f.clock.set(at);
        match step {
            Step::Create(i) => {
                let (priority, category_id, assignee_id) = specs[i];
                let card = f
                    .store
                    .create_ticket(NewTicket {
                        priority,
                        category_id,
                        assignee_id,
                        ..new_ticket(&format!("Ticket {i}"))
                    })
                    .unwrap();
                ids[i] = Some(card.ticket.id);
            }
            Step::Status(i, status) => {
                let id = ids[i].expect("created before its changes");
                f.store
                    .update_ticket(
                        id,
                        &TicketPatch {
                            status: Some(status),
                            ..Default::default()
                        },
                    )
                    .unwrap();
            }
        }
    }
    f.clock.set(now);
    f.store.reevaluate_sla().unwrap();
    f
}

/// The SQL `CASE` giving a ticket's target in ms.
fn target_ms(first_response: bool) -> String {
    let arms: String = TARGETS
        .iter()
        .map(|(p, fr, res)| {
            let m = if first_response { fr } else { res };
            format!(" WHEN {} THEN {}", p.rank(), m * 60_000)
        })
        .collect();
    format!("(CASE t.priority{arms} END)")
}

/// `AND ...` for the query's filters, values inlined (test-only SQL).
fn scope_sql(q: &ReportQuery) -> String {
    let hex = |u: Uuid| format!("X'{}'", u.simple());
    let mut s = String::new();
    if let Some(a) = q.agent_id {
        s += &format!(" AND t.assignee_id = {}", hex(a.0));
    }
    if let Some(c) = q.category_id {
        s += &format!(" AND t.category_id = {}", hex(c.0));
    }
    if let Some(p) = q.priority {
        s += &format!(" AND t.priority = {}", p.rank());
    }
    s
}

fn count(db: &Connection, sql: &str) -> u64 {
    db.query_row(sql, [], |r| r.get::<_, i64>(0))
        .unwrap_or_else(|e| panic!("{e}: {sql}")) as u64
}

/// Met / missed of both targets by direct SQL, with `extra` conditions.
fn expected_targets(db: &Connection, r: &Report, extra: &str) -> [(u64, u64); 2] {
    let (from, to) = (r.from.timestamp_millis(), r.to.timestamp_millis());
    let fr = target_ms(true);
    let res = target_ms(false);
    let fr_met = count(
        db,
        &format!(
            "SELECT count(*) FROM tickets t WHERE t.first_response_at >= {from}
             AND t.first_response_at < {to} AND t.first_response_at - t.created_at < {fr}{extra}"
        ),
    );
    let fr_missed = count(
        db,
        &format!(
            "SELECT count(*) FROM tickets t WHERE ((t.first_response_at >= {from}
             AND t.first_response_at < {to} AND t.first_response_at - t.created_at >= {fr})
             OR (t.first_response_at IS NULL AND t.created_at + {fr} >= {from}
                 AND t.created_at + {fr} < {to})){extra}"
        ),
    );
    // Elapsed resolution time: creation to the latest resolution (or now),
    // minus the stretches spent Waiting or Resolved before it: each status
    // change out of such a status ends one, begun by the change before it.
    let paused = |bound: &str| {
        format!(
            "(SELECT coalesce(sum(h.at - coalesce((SELECT max(h2.at) FROM history h2
                 WHERE h2.ticket_id = h.ticket_id AND h2.field = 'status'
                 AND (h2.at < h.at OR (h2.at = h.at AND h2.rowid < h.rowid))), t.created_at)), 0)
             FROM history h WHERE h.ticket_id = t.id AND h.field = 'status'
             AND h.old_value IN ('waiting', 'resolved', 'closed') AND h.at <= {bound})"
        )
    };
    let (paused_res, paused_now) = (paused("t.resolved_at"), paused("9223372036854775807"));
    let res_met = count(
        db,
        &format!(
            "SELECT count(*) FROM tickets t WHERE t.status IN (3, 4) AND t.resolved_at >= {from}
             AND t.resolved_at < {to} AND t.resolved_at - t.created_at - {paused_res} < {res}{extra}"
        ),
    );
    let res_missed = count(
        db,
        &format!(
            "SELECT count(*) FROM tickets t WHERE ((t.status IN (3, 4) AND t.resolved_at >= {from}
             AND t.resolved_at < {to} AND t.resolved_at - t.created_at - {paused_res} >= {res})
             OR (t.status IN (0, 1) AND t.created_at + {res} + {paused_now} >= {from}
                 AND t.created_at + {res} + {paused_now} < {to})){extra}"
        ),
    );
    [(fr_met, fr_missed), (res_met, res_missed)]
}

fn nearest_rank(db: &Connection, values_sql: &str, p: u64) -> Option<f64> {
    let n = count(db, &format!("SELECT count(*) FROM ({values_sql})"));
    if n == 0 {
        return None;
    }
    let rank = (p * n).div_ceil(100).max(1);
    let ms: i64 = db
        .query_row(
            &format!(
                "SELECT d FROM ({values_sql}) ORDER BY d LIMIT 1 OFFSET {}",
                rank - 1
            ),
            [],
            |r| r.get(0),
        )
        .unwrap();
    Some(ms as f64 / 60_000.0)
}

/// Checks every figure of `r` against SQL over `db`.
fn check(db: &Connection, r: &Report, now: DateTime<Utc>) {
    let scope = scope_sql(&r.query);
    let (from, to) = (r.from.timestamp_millis(), r.to.timestamp_millis());
    let label = format!("{:?}", r.query);

    // Compliance per target.
    let [fr, res] = expected_targets(db, r, &scope);
    let c = &r.compliance;
    assert_eq!(
        (c[0].met, c[0].missed),
        fr,
        "first response met/missed, {label}"
    );
    assert_eq!(
        (c[1].met, c[1].missed),
        res,
        "resolution met/missed, {label}"
    );
    for x in c {
        let total = x.met + x.missed;
        assert_eq!(
            x.percent,
            (total > 0).then(|| x.met as f64 * 100.0 / total as f64)
        );
    }

    // Breaches by priority (every priority listed) and by category.
    assert_eq!(r.breaches_by_priority.len(), 4);
    for g in &r.breaches_by_priority {
        let p = Priority::ALL.iter().find(|p| p.code() == g.key).unwrap();
        let [fr, res] = expected_targets(db, r, &format!("{scope} AND t.priority = {}", p.rank()));
        assert_eq!(
            (g.first_response, g.resolution),
            (fr.1, res.1),
            "{} breaches, {label}",
            g.key
        );
    }
    let mut missed_by_category = 0;
    for (cat, name) in [
        (Some(PRINTING), "Printing"),
        (Some(NETWORK), "Network"),
        (None, "No category"),
    ] {
        let extra = match cat {
            Some(c) => format!("{scope} AND t.category_id = X'{}'", c.0.simple()),
            None => format!("{scope} AND t.category_id IS NULL"),
        };
        let [fr, res] = expected_targets(db, r, &extra);
        let got = r.breaches_by_category.iter().find(|g| g.label == name);
        match got {
            Some(g) => assert_eq!(
                (g.first_response, g.resolution),
                (fr.1, res.1),
                "{name}, {label}"
            ),
            None => assert_eq!(
                (fr.1, res.1),
                (0, 0),
                "{name} listed only with breaches, {label}"
            ),
        }
        missed_by_category += fr.1 + res.1;
    }
    assert_eq!(
        r.breaches_by_category
            .iter()
            .map(|g| g.first_response + g.resolution)
            .sum::<u64>(),
        missed_by_category
    );

    // Time distributions.
    for (dist, col) in [
        (&r.first_response_times, "first_response_at"),
        (&r.resolution_times, "resolved_at"),
    ] {
        let values = format!(
            "SELECT t.{col} - t.created_at AS d FROM tickets t
             WHERE t.{col} >= {from} AND t.{col} < {to}{scope}"
        );
        assert_eq!(
            dist.count,
            count(db, &format!("SELECT count(*) FROM ({values})")),
            "{col} count, {label}"
        );
        assert_eq!(
            dist.median_minutes,
            nearest_rank(db, &values, 50),
            "{col} median, {label}"
        );
        assert_eq!(
            dist.p90_minutes,
            nearest_rank(db, &values, 90),
            "{col} p90, {label}"
        );
        for b in &dist.buckets {
            let hi = b
                .hi_minutes
                .map_or(String::new(), |h| format!(" AND d < {}", h * 60_000));
            let n = count(
                db,
                &format!(
                    "SELECT count(*) FROM ({values}) WHERE d >= {}{hi}",
                    b.lo_minutes * 60_000
                ),
            );
            assert_eq!(b.count, n, "{col} bucket {}, {label}", b.label);
        }
    }

    // Days: backlog at each day's end, created and resolved that day.
    let tz = chrono_tz::Europe::Paris;
    assert_eq!(r.timezone, "Europe/Paris", "days are cut in Ana's timezone");
    let codes = "CASE t.status WHEN 0 THEN 'open' WHEN 1 THEN 'in_progress' WHEN 2 THEN 'waiting'
                 WHEN 3 THEN 'resolved' ELSE 'closed' END";
    for (i, day) in r.days.iter().enumerate() {
        let date = chrono::NaiveDate::parse_from_str(&day.date, "%Y-%m-%d").unwrap();
        let start = outpost_core::report::day_start(&tz, date).timestamp_millis();
        let end = if i + 1 == r.days.len() {
            to
        } else {
            outpost_core::report::day_start(&tz, date + Duration::days(1)).timestamp_millis()
        };
        assert!(end <= now.timestamp_millis() + 1);
        let status_at = format!(
            "coalesce((SELECT h.old_value FROM history h WHERE h.ticket_id = t.id
                AND h.field = 'status' AND h.at >= {end} ORDER BY h.at, h.rowid LIMIT 1), {codes})"
        );
        for (got, code) in [
            (day.open, "open"),
            (day.in_progress, "in_progress"),
            (day.waiting, "waiting"),
        ] {
            let n = count(
                db,
                &format!(
                    "SELECT count(*) FROM tickets t WHERE t.created_at < {end}
                     AND {status_at} = '{code}'{scope}"
                ),
            );
            assert_eq!(got, n, "{code} backlog on {}, {label}", day.date);
        }
        let created = count(
            db,
            &format!(
                "SELECT count(*) FROM tickets t WHERE t.created_at >= {start} AND t.created_at < {end}{scope}"
            ),
        );
        assert_eq!(day.created, created, "created on {}, {label}", day.date);
        let resolved = count(
            db,
            &format!(
                "SELECT count(*) FROM history h JOIN tickets t ON t.id = h.ticket_id
                 WHERE h.field = 'status' AND h.old_value IN ('open', 'in_progress', 'waiting')
                 AND h.new_value IN ('resolved', 'closed') AND h.at >= {start} AND h.at < {end}{scope}"
            ),
        );
        assert_eq!(day.resolved, resolved, "resolved on {}, {label}", day.date);
    }
}

/// Agent load matches the board's own filters for each agent.
fn check_load(f: &Fixture, r: &Report) {
    for a in &r.agent_load {
        let assignee = match a.agent_id {
            Some(id) => AssigneeFilter::Agent(id),
            None => AssigneeFilter::Unassigned,
        };
        let q = |sla| TicketQuery {
            statuses: vec![Status::Open, Status::InProgress, Status::Waiting],
            assignee,
            category_id: r.query.category_id,
            priorities: r.query.priority.into_iter().collect(),
            sla,
            ..Default::default()
        };
        let total = |sla| f.store.board_page(&q(sla), None, 1).unwrap().total;
        assert_eq!(a.open, total(None), "{} open", a.name);
        assert_eq!(
            a.at_risk,
            total(Some(SlaBucket::AtRisk)),
            "{} at risk",
            a.name
        );
        assert_eq!(
            a.overdue,
            total(Some(SlaBucket::Overdue)),
            "{} overdue",
            a.name
        );
    }
}

#[test]
fn every_figure_matches_a_direct_sql_count() {
    let f = seeded();
    let db = Connection::open(f.store.path()).unwrap();
    let now = f.clock.now();
    let day = |s: &str| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
    let periods = [
        ReportPeriod::Today,
        ReportPeriod::Last7Days,
        ReportPeriod::Last30Days,
        ReportPeriod::Custom {
            from: day("2026-02-22"),
            to: day("2026-02-25"),
        },
    ];
    let mut seen_missed = 0;
    let mut seen_met = 0;
    for period in periods {
        for (agent_id, category_id, priority) in [
            (None, None, None),
            (Some(BEN), None, None),
            (None, Some(NETWORK), None),
            (None, None, Some(Priority::High)),
            (Some(ANA), Some(PRINTING), None),
        ] {
            let q = ReportQuery {
                period,
                agent_id,
                category_id,
                priority,
            };
            let r = f.store.report(&q).unwrap();
            check(&db, &r, now);
            check_load(&f, &r);
            seen_met += r.compliance.iter().map(|c| c.met).sum::<u64>();
            seen_missed += r.compliance.iter().map(|c| c.missed).sum::<u64>();
        }
    }
    assert!(
        seen_met > 20 && seen_missed > 5,
        "the history has both outcomes: {seen_met} met, {seen_missed} missed"
    );
    let month = f
        .store
        .report(&ReportQuery {
            period: ReportPeriod::Last30Days,
            agent_id: None,
            category_id: None,
            priority: None,
        })
        .unwrap();
    assert_eq!(month.days.len(), 30);
    assert!(month.days.iter().any(|d| d.waiting > 0) && month.days.iter().any(|d| d.resolved > 0));
    assert_eq!(
        month.days.iter().map(|d| d.created).sum::<u64>(),
        count(&db, "SELECT count(*) FROM tickets"),
        "every ticket was created in the last 30 days"
    );
    assert!(
        month.agent_load.iter().any(|a| a.overdue > 0),
        "{:?}",
        month.agent_load
    );
}

/// Reports count stored outcomes; time passing (running targets reach their
/// deadlines) and edits must show at once.
#[test]
fn figures_follow_time_and_edits_between_reports() {
    let mut f = seeded();
    let q = |period| ReportQuery {
        period,
        agent_id: None,
        category_id: None,
        priority: None,
    };
    let db = Connection::open(f.store.path()).unwrap();
    for period in [ReportPeriod::Today, ReportPeriod::Last30Days] {
        check(&db, &f.store.report(&q(period)).unwrap(), f.clock.now());
    }
    // Three hours later, with no edit: more running targets are breached.
    let before = f.store.report(&q(ReportPeriod::Today)).unwrap();
    f.clock.set(f.clock.now() + Duration::hours(3));
    f.store.reevaluate_sla().unwrap();
    let later = f.store.report(&q(ReportPeriod::Today)).unwrap();
    check(&db, &later, f.clock.now());
    check_load(&f, &later);
    let missed = |r: &Report| r.compliance.iter().map(|c| c.missed).sum::<u64>();
    assert!(
        missed(&later) > missed(&before),
        "deadlines passed in those three hours"
    );
    // Resolve every open ticket: first responses and resolutions at now count.
    let open = walk(
        &f.store,
        &TicketQuery {
            statuses: vec![Status::Open, Status::InProgress],
            ..Default::default()
        },
        100,
    );
    assert!(!open.is_empty());
    // Through In Progress (the first response), as the script does.
    for c in &open {
        for status in [Status::InProgress, Status::Resolved] {
            if c.ticket.status == status {
                continue;
            }
            f.store
                .update_ticket(
                    c.ticket.id,
                    &TicketPatch {
                        status: Some(status),
                        ..Default::default()
                    },
                )
                .unwrap();
        }
    }
    let after = f.store.report(&q(ReportPeriod::Today)).unwrap();
    check(&db, &after, f.clock.now());
    check_load(&f, &after);
    assert!(after.resolution_times.count > later.resolution_times.count);
    check(
        &db,
        &f.store.report(&q(ReportPeriod::Last30Days)).unwrap(),
        f.clock.now(),
    );
}

#[test]
fn a_bad_period_is_refused_and_sections_export_to_csv() {
    let f = seeded();
    let day = |s: &str| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
    let err = f
        .store
        .report(&ReportQuery {
            period: ReportPeriod::Custom {
                from: day("2026-02-25"),
                to: day("2026-02-20"),
            },
            agent_id: None,
            category_id: None,
            priority: None,
        })
        .unwrap_err();
    assert_eq!(err.code(), "invalid_value", "{err}");
    assert!(err.to_string().contains("before the start date"), "{err}");

    let q = ReportQuery {
        period: ReportPeriod::Last7Days,
        agent_id: None,
        category_id: None,
        priority: None,
    };
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("backlog.csv");
    let rows = f
        .store
        .export_report_csv_to_file(&q, ReportSection::Backlog, &path)
        .unwrap();
    assert_eq!(rows, 7, "one row per day");
    let text = std::fs::read_to_string(&path).unwrap();
    let report = f.store.report(&q).unwrap();
    assert!(text.starts_with("Date,Open,In Progress,Waiting,Total\r\n"));
    let last = &report.days[6];
    assert!(
        text.contains(&format!(
            "{},{},{},{},{}\r\n",
            last.date,
            last.open,
            last.in_progress,
            last.waiting,
            last.open + last.in_progress + last.waiting
        )),
        "{text}"
    );
    let err = f
        .store
        .export_report_csv_to_file(&q, ReportSection::Compliance, Path::new("relative.csv"))
        .unwrap_err();
    assert_eq!(err.code(), "invalid_value");
    assert!(
        !Path::new("relative.csv").exists(),
        "nothing written on bad input"
    );
}

/// Met / missed per target (and missed per priority) from every ticket's
/// full SLA evaluation at now, as the Details tab shows it, counted by the
/// definitions of `outpost_core::report`: what a report replaying every
/// history would say.
/// Met / missed per target, and missed per target by priority code.
type Compliance = ([(u64, u64); 2], Vec<(String, [u64; 2])>);

fn replayed_compliance(store: &Store, r: &Report) -> Compliance {
    let within = |at: Option<DateTime<Utc>>| at.is_some_and(|at| r.from <= at && at < r.to);
    let mut totals = [(0, 0); 2];
    let mut by_priority: Vec<(String, [u64; 2])> = Priority::ALL
        .iter()
        .map(|p| (p.code().to_owned(), [0, 0]))
        .collect();
    for c in walk(store, &TicketQuery::default(), 500) {
        if r.query.priority.is_some_and(|p| p != c.ticket.priority)
            || r.query
                .agent_id
                .is_some_and(|a| Some(a) != c.ticket.assignee_id)
            || r.query
                .category_id
                .is_some_and(|k| Some(k) != c.ticket.category_id)
        {
            continue;
        }
        let Some(e) = store.ticket_sla(c.ticket.id).unwrap() else {
            continue;
        };
        for (i, t) in [e.first_response, e.resolution].into_iter().enumerate() {
            let t = t.expect("both targets under a policy");
            let missed = match t.state {
                SlaState::Met if within(t.completed_at) => false,
                SlaState::Missed if within(t.completed_at) => true,
                SlaState::Breached if within(t.deadline) => true,
                _ => continue,
            };
            if missed {
                totals[i].1 += 1;
                let p = by_priority
                    .iter_mut()
                    .find(|g| g.0 == c.ticket.priority.code())
                    .unwrap();
                p.1[i] += 1;
            } else {
                totals[i].0 += 1;
            }
        }
    }
    (totals, by_priority)
}

/// The report's compliance and breaches by priority equal the replayed ones.
fn check_against_replay(store: &Store, q: &ReportQuery, label: &str) -> (u64, u64) {
    let r = store.report(q).unwrap();
    let (totals, by_priority) = replayed_compliance(store, &r);
    let got: Vec<(u64, u64)> = r.compliance.iter().map(|c| (c.met, c.missed)).collect();
    assert_eq!(got, totals.to_vec(), "compliance, {label}, {q:?}");
    let got: Vec<(String, [u64; 2])> = r
        .breaches_by_priority
        .iter()
        .map(|g| (g.key.clone(), [g.first_response, g.resolution]))
        .collect();
    assert_eq!(got, by_priority, "breaches by priority, {label}, {q:?}");
    (
        totals.iter().map(|t| t.0).sum(),
        totals.iter().map(|t| t.1).sum(),
    )
}

/// Reports count stored per-target outcomes instead of replaying histories:
/// on demo data (business-hours calendars, pauses, priority changes) they
/// must equal a replay of every ticket at now, as time passes with no edit,
/// after edits, after an SLA settings change (which re-evaluates resolved
/// tickets' outcomes too), and on a store opened afresh.
#[test]
fn stored_outcomes_count_as_a_replay_of_every_history() {
    let dir = tempfile::tempdir().unwrap();
    let clock = clock();
    let path = dir.path().join("demo.db");
    let mut store = Store::open_with(&path, options(&clock)).unwrap();
    demo::seed(
        &mut store,
        DemoSize {
            tickets: 300,
            seed: 5,
        },
    )
    .unwrap();
    let categories = store.categories().unwrap();
    let queries: Vec<ReportQuery> = [ReportPeriod::Today, ReportPeriod::Last30Days]
        .into_iter()
        .flat_map(|period| {
            [
                ReportQuery {
                    period,
                    agent_id: None,
                    category_id: None,
                    priority: None,
                },
                ReportQuery {
                    period,
                    agent_id: None,
                    category_id: categories.first().map(|c| c.id),
                    priority: Some(Priority::Normal),
                },
            ]
        })
        .collect();
    let check_all = |store: &Store, label: &str| {
        let mut seen = (0, 0);
        for q in &queries {
            let (met, missed) = check_against_replay(store, q, label);
            seen = (seen.0 + met, seen.1 + missed);
        }
        assert!(
            seen.0 > 0 && seen.1 > 0,
            "{label}: both outcomes seen, {seen:?}"
        );
    };
    check_all(&store, "as seeded");
    let start = clock.now();
    for hours in [3, 20, 75] {
        clock.set(start + Duration::hours(hours));
        check_all(&store, &format!("{hours} h later, no edit"));
    }
    // Edits: first responses, resolutions, reopenings, a priority change.
    let open = walk(
        &store,
        &TicketQuery {
            statuses: vec![Status::Open, Status::InProgress, Status::Resolved],
            ..Default::default()
        },
        100,
    );
    for (i, c) in open.iter().take(60).enumerate() {
        let patch = match (i % 4, c.ticket.status) {
            (0, _) => TicketPatch {
                priority: Some(Priority::Urgent),
                ..Default::default()
            },
            (_, Status::Open) => TicketPatch {
                status: Some(Status::InProgress),
                ..Default::default()
            },
            (_, Status::InProgress) => TicketPatch {
                status: Some(Status::Resolved),
                ..Default::default()
            },
            _ => TicketPatch {
                status: Some(Status::InProgress),
                ..Default::default()
            },
        };
        store.update_ticket(c.ticket.id, &patch).unwrap();
    }
    check_all(&store, "after edits");
    // Tighter targets: resolved tickets' outcomes change with them.
    let mut settings = store.sla_settings().unwrap();
    for p in &mut settings.policies.policies {
        p.first_response_minutes = (p.first_response_minutes / 4).max(5);
        p.resolution_minutes = (p.resolution_minutes / 4).max(15);
    }
    let before = store.report(&queries[2]).unwrap();
    store.save_sla_settings(&settings).unwrap();
    let after = store.report(&queries[2]).unwrap();
    assert!(
        after.compliance[1].met < before.compliance[1].met,
        "tighter resolution targets: fewer met ({} then {})",
        before.compliance[1].met,
        after.compliance[1].met
    );
    check_all(&store, "after an SLA settings change");
    drop(store);
    let store = Store::open_with(&path, options(&clock)).unwrap();
    check_all(&store, "reopened");
}

/// A store written before migration 12 has no stored outcomes: the first
/// open evaluates every ticket's, and reports count them.
#[test]
fn a_store_from_before_stored_outcomes_gets_them_at_first_open() {
    let dir = tempfile::tempdir().unwrap();
    let clock = clock();
    let path = dir.path().join("old.db");
    let now = clock.now();
    {
        let mut old = Store::open_with(
            &path,
            StoreOptions {
                schema_version: Some(migrations::OUTCOMES_VERSION - 1),
                ..options(&clock)
            },
        )
        .unwrap();
        old.upsert_agent(&outpost_core::Agent {
            id: ANA,
            name: "Ana".into(),
            email: "ana@x.org".into(),
            role: Role::Admin,
            timezone: "Europe/Paris".into(),
        })
        .unwrap();
        old.set_current_agent(Some(ANA)).unwrap();
        for i in 0..24i64 {
            clock.set(now - Duration::days(6) + Duration::hours(5 * i));
            let id = old
                .create_ticket(NewTicket {
                    priority: Priority::ALL[(i % 4) as usize],
                    ..new_ticket(&format!("Old ticket {i}"))
                })
                .unwrap()
                .ticket
                .id;
            if i % 3 != 0 {
                clock.set(clock.now() + Duration::minutes(20 + 50 * i));
                for status in [Status::InProgress, Status::Resolved] {
                    old.update_ticket(
                        id,
                        &TicketPatch {
                            status: Some(status),
                            ..Default::default()
                        },
                    )
                    .unwrap();
                    clock.set(clock.now() + Duration::hours(i));
                }
            }
        }
    }
    clock.set(now);
    let store = Store::open_with(&path, options(&clock)).unwrap();
    assert_eq!(
        store.schema_version().unwrap(),
        migrations::latest_version()
    );
    drop(store);
    let db = Connection::open(&path).unwrap();
    assert_eq!(
        count(
            &db,
            "SELECT count(*) FROM tickets WHERE fr_state IS NULL OR res_state IS NULL"
        ),
        0,
        "every ticket has its outcomes"
    );
    assert_eq!(
        count(
            &db,
            "SELECT count(*) FROM meta WHERE key = 'sla_outcomes_pending'"
        ),
        0,
        "evaluated once"
    );
    let store = Store::open_with(&path, options(&clock)).unwrap();
    let (met, missed) = check_against_replay(
        &store,
        &ReportQuery {
            period: ReportPeriod::Last7Days,
            agent_id: None,
            category_id: None,
            priority: None,
        },
        "upgraded",
    );
    assert!(met > 0 && missed > 0, "{met} met, {missed} missed");
}

/// Two status changes of one ticket in the same millisecond: the backlog of
/// the days before uses the first one's old value (insertion order), not
/// the order the status index happens to list them in.
#[test]
fn status_changes_at_one_instant_keep_their_order() {
    let mut f = seeded();
    let db = Connection::open(f.store.path()).unwrap();
    let open = walk(
        &f.store,
        &TicketQuery {
            statuses: vec![Status::Open],
            ..Default::default()
        },
        100,
    );
    let now = f.clock.now();
    let old = open
        .iter()
        .find(|c| c.ticket.created_at < now - Duration::days(2))
        .expect("an Open ticket from before yesterday");
    // Old values "open" then "in_progress": the index lists the second first.
    for status in [Status::InProgress, Status::Waiting] {
        f.store
            .update_ticket(
                old.ticket.id,
                &TicketPatch {
                    status: Some(status),
                    ..Default::default()
                },
            )
            .unwrap();
    }
    let r = f
        .store
        .report(&ReportQuery {
            period: ReportPeriod::Last7Days,
            agent_id: None,
            category_id: None,
            priority: None,
        })
        .unwrap();
    check(&db, &r, now);
}
