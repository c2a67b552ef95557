//! Deterministic demo data: a support team, categories and any number of
//! realistic tickets with comments and history, for the app's first run (1k)
//! and the benchmarks (100k, 1M).
//!
//! Words used here: the *seed* fixes every random choice, and times are laid
//! out backwards from the store's clock, so the same seed, size and clock give
//! the same store. Demo data is local: it writes no outbox entries. The
//! workspace gets the default SLA settings in its timezone, and each ticket's
//! due date and SLA snapshot are what the engine replays from the history
//! written for it (the same mapping the store uses after an edit), so the
//! cards agree with the Details tab: open tickets on track, at risk, breached
//! or paused (Waiting); resolved and closed ones met or missed.

use crate::clock::{IdSource, to_ms};
use crate::error::StoreResult;
use crate::store::{Change, SlaRow, Store, events_from};
use outpost_core::sla::{SlaSettings, SlaSnapshot};
use outpost_core::{
    Agent, AgentId, Category, CategoryId, HistoryField, Priority, Role, Status, Workspace,
    WorkspaceId,
};
use rand::rngs::StdRng;
use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};
use rusqlite::params;

/// How much demo data to make.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DemoSize {
    /// Number of tickets (comments average 5 and history events 10 per ticket).
    pub tickets: usize,
    /// Fixes every random choice.
    pub seed: u64,
}

/// What [`seed`] wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct DemoSummary {
    pub tickets: u64,
    pub comments: u64,
    pub history: u64,
}

const AGENTS: [(&str, &str, &str, Role); 8] = [
    ("Ana Lopez", "ana", "Europe/Madrid", Role::Admin),
    ("Ben Okafor", "ben.okafor", "Africa/Lagos", Role::Agent),
    ("Chloé Dubois", "chloe", "Europe/Paris", Role::Agent),
    ("Dmitri Volkov", "dmitri", "Europe/Berlin", Role::Agent),
    ("Emma Schultz", "emma", "Europe/Zurich", Role::Agent),
    ("Farah Haddad", "farah", "Asia/Dubai", Role::Agent),
    ("Hiro Tanaka", "hiro", "Asia/Tokyo", Role::Agent),
    ("Isabel Santos", "isabel", "America/Sao_Paulo", Role::Admin),
];

const CATEGORIES: [&str; 8] = [
    "Hardware",
    "Network",
    "Accounts",
    "Billing",
    "Email",
    "Printing",
    "Software",
    "Onboarding",
];

/// Title templates per category (same order as [`CATEGORIES`]). `{place}`,
/// `{app}`, `{device}`, `{person}`, `{company}` and `{n}` are filled in.
const TITLES: [&[&str]; 8] = [
    &[
        "Laptop fan noisy after update",
        "Monitor flickers on {device}",
        "Café POS terminal frozen",
        "Docking station not detected in {place}",
        "Keyboard keys sticking on {device}",
        "Battery drains in {n} hours on {device}",
    ],
    &[
        "VPN drops every {n} minutes",
        "Wi-Fi slow in {place} meeting room",
        "Cannot reach intranet from {place}",
        "DNS errors on {device}",
        "Guest network down at {place} office",
        "Packet loss on VPN to {place}",
    ],
    &[
        "Password reset for {person}",
        "Account locked after {n} attempts",
        "MFA codes rejected in {app}",
        "Need access to {app} for {person}",
        "SSO loop when opening {app}",
    ],
    &[
        "Invoice {n} shows wrong VAT",
        "Refund not received for order {n}",
        "Duplicate charge for {company}",
        "Update billing address for {company}",
        "Quote request from {company}",
    ],
    &[
        "Emails to {company} bouncing",
        "Outlook crashes when opening attachments",
        "Shared mailbox missing in {app}",
        "Spam filter blocking {company} newsletters",
        "Calendar invites from {person} not arriving",
    ],
    &[
        "Printer offline in {place} office",
        "Printer jams on tray {n}",
        "Cannot print PDFs from {app}",
        "Toner low on {place} copier",
        "Scanner sends blank pages in {place}",
    ],
    &[
        "{app} crashes on startup",
        "{app} licence expired",
        "Install {app} on {device}",
        "{app} sync stuck at {n}%",
        "{app} très lent depuis la mise à jour",
    ],
    &[
        "New starter setup for {person}",
        "Laptop and badge for {person} starting Monday",
        "Create accounts for the {place} intern",
        "Offboarding {person}: revoke access",
    ],
];

const PLACES: [&str; 10] = [
    "Lyon",
    "Zürich",
    "Montréal",
    "São Paulo",
    "Kraków",
    "Málaga",
    "Berlin",
    "Tokyo",
    "Dublin",
    "Reykjavík",
];
const APPS: [&str; 8] = [
    "Excel",
    "Teams",
    "Slack",
    "SAP",
    "Salesforce",
    "Zoom",
    "Jira",
    "Figma",
];
const DEVICES: [&str; 5] = [
    "ThinkPad T14",
    "MacBook Pro",
    "Surface Pro",
    "Dell XPS",
    "iPad",
];
const PEOPLE: [&str; 12] = [
    "José García",
    "Zoë Müller",
    "François Lefèvre",
    "Priya Nair",
    "Liam O'Brien",
    "Søren Madsen",
    "Mei Chen",
    "Olu Adeyemi",
    "Agnieszka Nowak",
    "Carlos Mendes",
    "Hannah Becker",
    "Yusuf Demir",
];
const COMPANIES: [&str; 8] = [
    "Acme Corp",
    "Globex",
    "Initech",
    "Umbrella Ltd",
    "Société Générale Test",
    "Nordwind AG",
    "Hooli",
    "Wayne Enterprises",
];
const OPENERS: [&str; 5] = [
    "Since this morning",
    "After yesterday's update",
    "For about a week",
    "Every time I log in",
    "Since we moved floors",
];
const DETAILS: [&str; 5] = [
    "the problem happens for the whole team.",
    "it only happens on my machine.",
    "a restart fixes it for an hour or so.",
    "we tried the steps from the knowledge base without luck.",
    "customers are starting to notice.",
];
const NOTES: [&str; 8] = [
    "Asked the requester for a screenshot.",
    "Reproduced on a test machine.",
    "Looks related to last week's network change.",
    "Escalated to the vendor, waiting on their answer.",
    "Workaround sent: restart the service and clear the cache.",
    "Customer confirmed the workaround helps.",
    "Ordered a replacement part, ETA two days.",
    "Checked the logs, nothing obvious yet.",
];

/// A history event before insertion: when, field, old, new, who.
type DemoEvent = (
    i64,
    HistoryField,
    Option<String>,
    Option<String>,
    Option<AgentId>,
);

const MINUTE: i64 = 60_000;
const DAY: i64 = 24 * 60 * MINUTE;

fn fill(rng: &mut StdRng, template: &str) -> String {
    let mut s = template.to_owned();
    for (key, choices) in [
        ("{place}", &PLACES[..]),
        ("{app}", &APPS[..]),
        ("{device}", &DEVICES[..]),
        ("{person}", &PEOPLE[..]),
        ("{company}", &COMPANIES[..]),
    ] {
        if s.contains(key) {
            s = s.replace(key, choices.choose(rng).copied().unwrap_or_default());
        }
    }
    if s.contains("{n}") {
        s = s.replace("{n}", &rng.random_range(2..=90).to_string());
    }
    s
}

fn weighted<T: Copy>(rng: &mut StdRng, choices: &[(T, u32)]) -> T {
    let total: u32 = choices.iter().map(|c| c.1).sum();
    let mut roll = rng.random_range(0..total);
    for &(v, w) in choices {
        if roll < w {
            return v;
        }
        roll -= w;
    }
    choices[0].0
}

/// Fills `store` with a demo team and `size.tickets` tickets, in one
/// transaction (bulk prepared inserts). Signs in the first agent if nobody is.
pub fn seed(store: &mut Store, size: DemoSize) -> StoreResult<DemoSummary> {
    let now_ms = to_ms(store.now());
    let mut rng = StdRng::seed_from_u64(size.seed);
    let mut ids = IdSource::seeded(size.seed.wrapping_add(0x5eed));
    let epoch = store.now() - chrono::Duration::days(61);
    let agents: Vec<Agent> = AGENTS
        .iter()
        .map(|(name, handle, tz, role)| Agent {
            id: AgentId(ids.next(epoch)),
            name: (*name).into(),
            email: format!("{handle}@northwind.example"),
            role: *role,
            timezone: (*tz).into(),
        })
        .collect();
    let categories: Vec<Category> = CATEGORIES
        .iter()
        .map(|name| Category {
            id: CategoryId(ids.next(epoch)),
            name: (*name).into(),
        })
        .collect();
    let ws_id = WorkspaceId(store.workspace()?.id.0);
    store.set_workspace(&Workspace {
        id: ws_id,
        name: "Northwind Support".into(),
        timezone: "Europe/Paris".into(),
        plan: Default::default(),
    })?;
    store.replace_sla_settings(SlaSettings::defaults(chrono_tz::Europe::Paris))?;
    let sla = store.sla_config();
    store.upsert_agents(&agents)?;
    store.upsert_categories(&categories)?;
    if store.current_agent().is_none() {
        store.set_current_agent(Some(agents[0].id))?;
    }

    // Creation times first, so numbers ascend with time like a real queue.
    let mut plan: Vec<(i64, Status, bool)> = (0..size.tickets)
        .map(|_| {
            let status = weighted(
                &mut rng,
                &[
                    (Status::Open, 14),
                    (Status::InProgress, 10),
                    (Status::Waiting, 6),
                    (Status::Resolved, 25),
                    (Status::Closed, 45),
                ],
            );
            // Young open tickets, older ones in progress or waiting, so the
            // default targets give a mix of on track, at risk and breached.
            let age = match status {
                Status::Open => rng.random_range(0..DAY / 2),
                Status::InProgress | Status::Waiting => rng.random_range(0..4 * DAY),
                Status::Resolved | Status::Closed => rng.random_range(2 * DAY..60 * DAY),
            };
            // Some fresh urgent tickets inside their last quarter of first
            // response (24/7, 30 min): at risk whatever the day and hour.
            if status == Status::Open && rng.random_bool(0.15) {
                return (
                    now_ms - rng.random_range(16 * MINUTE..29 * MINUTE),
                    status,
                    true,
                );
            }
            (now_ms - age, status, false)
        })
        .collect();
    plan.sort_by_key(|p| p.0);

    let mut summary = DemoSummary::default();
    let tx = store.conn_mut().transaction()?;
    let first_number: i64 = tx.query_row(
        "SELECT coalesce(max(number), 0) + 1 FROM tickets",
        [],
        |r| r.get(0),
    )?;
    {
        let mut ins_ticket = tx.prepare(
            "INSERT INTO tickets (id, number, title, description, status, priority, category_id, assignee_id,
                 requester, created_at, updated_at, first_response_at, resolved_at, closed_at, due_at,
                 due_override, sla_state, at_risk_at, breach_at, next_change,
                 fr_state, fr_done_at, fr_deadline, res_state, res_done_at, res_deadline)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17,
                     ?18, ?19, ?20, ?21, ?22, ?23, ?24, ?25, ?26)",
        )?;
        let mut ins_comment = tx.prepare(
            "INSERT INTO comments (id, ticket_id, author_id, body, mentions_json, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        )?;
        let mut ins_history = tx.prepare(
            "INSERT INTO history (id, ticket_id, actor_id, at, field, old_value, new_value) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        )?;
        for (i, &(created, status, urgent)) in plan.iter().enumerate() {
            let cat = rng.random_range(0..CATEGORIES.len());
            let template = TITLES[cat]
                .choose(&mut rng)
                .copied()
                .unwrap_or("Help needed");
            let title = fill(&mut rng, template);
            let description = format!(
                "{}, {} {}",
                OPENERS.choose(&mut rng).unwrap_or(&""),
                DETAILS.choose(&mut rng).unwrap_or(&""),
                DETAILS.choose(&mut rng).unwrap_or(&"")
            );
            let priority = if urgent {
                Priority::Urgent
            } else {
                weighted(
                    &mut rng,
                    &[
                        (Priority::Urgent, 5),
                        (Priority::High, 20),
                        (Priority::Normal, 55),
                        (Priority::Low, 20),
                    ],
                )
            };
            let assignee = (status != Status::Open || rng.random_bool(0.6))
                .then(|| agents.choose(&mut rng).map(|a| a.id))
                .flatten();
            let actor = assignee.unwrap_or(agents[0].id);
            let requester = PEOPLE.choose(&mut rng).copied().unwrap_or_default();
            let id = ids.next(crate::clock::from_ms(created));
            let span = (now_ms - created).max(MINUTE);
            let at =
                |rng: &mut StdRng, lo: i64| created + lo + rng.random_range(0..(span - lo).max(1));

            let first_response = (status != Status::Open)
                .then(|| (created + rng.random_range(5 * MINUTE..240 * MINUTE)).min(now_ms));
            let resolved_pick =
                matches!(status, Status::Resolved | Status::Closed).then(|| at(&mut rng, span / 3));
            let due_override = (status.is_active() && rng.random_bool(0.02))
                .then(|| now_ms + rng.random_range(0..5 * DAY));

            // History: created, assignment, status walk, comments, an occasional re-prioritisation.
            let mut events: Vec<DemoEvent> = Vec::with_capacity(12);
            events.push((
                created,
                HistoryField::Created,
                None,
                Some(title.clone()),
                Some(actor),
            ));
            if let Some(a) = assignee {
                events.push((
                    created + rng.random_range(MINUTE..30 * MINUTE),
                    HistoryField::Assignee,
                    None,
                    Some(a.to_string()),
                    Some(actor),
                ));
            }
            let mut walk = vec![Status::Open];
            if status != Status::Open {
                walk.push(Status::InProgress);
                if status == Status::Waiting || rng.random_bool(0.4) {
                    walk.push(Status::Waiting);
                    if status != Status::Waiting {
                        walk.push(Status::InProgress);
                    }
                }
                if matches!(status, Status::Resolved | Status::Closed) {
                    walk.push(Status::Resolved);
                }
                if status == Status::Closed {
                    walk.push(Status::Closed);
                }
            }
            // Status changes in time order: resolution after the last step,
            // closing one to three days after resolution (capped at now).
            let mut t = first_response.unwrap_or(created);
            let (mut resolved, mut closed) = (None, None);
            for pair in walk.windows(2) {
                let when = match pair[1] {
                    Status::Resolved => resolved_pick.unwrap_or(t).max(t),
                    Status::Closed => (t + rng.random_range(DAY..3 * DAY)).min(now_ms),
                    _ => t,
                };
                match pair[1] {
                    Status::Resolved => resolved = Some(when),
                    Status::Closed => closed = Some(when),
                    _ => {}
                }
                events.push((
                    when,
                    HistoryField::Status,
                    Some(pair[0].code().into()),
                    Some(pair[1].code().into()),
                    Some(actor),
                ));
                t = (when + rng.random_range(MINUTE..(span / 4).max(2 * MINUTE))).min(now_ms);
            }
            if rng.random_bool(0.3) {
                let old = Priority::ALL.choose(&mut rng).copied().unwrap_or(priority);
                if old != priority {
                    events.push((
                        at(&mut rng, 0),
                        HistoryField::Priority,
                        Some(old.code().into()),
                        Some(priority.code().into()),
                        Some(actor),
                    ));
                }
            }
            let mut comments = Vec::with_capacity(10);
            for _ in 0..rng.random_range(0..=10) {
                let author = agents.choose(&mut rng).map_or(actor, |a| a.id);
                let when = at(&mut rng, 0);
                let cid = ids.next(crate::clock::from_ms(when));
                let mut body = NOTES
                    .choose(&mut rng)
                    .copied()
                    .unwrap_or_default()
                    .to_owned();
                let mut mentions = "[]".to_owned();
                if rng.random_bool(0.1)
                    && let Some(m) = agents.choose(&mut rng)
                {
                    body = format!("@{} {body}", m.name);
                    mentions = format!("[\"{}\"]", m.id);
                }
                events.push((
                    when,
                    HistoryField::Comment,
                    None,
                    Some(cid.to_string()),
                    Some(author),
                ));
                comments.push((cid, author, body, mentions, when));
            }
            let updated = events
                .iter()
                .map(|e| e.0)
                .max()
                .unwrap_or(created)
                .max(closed.unwrap_or(0));
            let (snapshot, outcomes) = demo_snapshot(
                &sla,
                (status, priority, categories[cat].id, created),
                &events,
                due_override,
                now_ms,
            );
            ins_ticket.execute(params![
                id,
                first_number + i as i64,
                title,
                description,
                status.rank(),
                priority.rank(),
                categories[cat].id.0,
                assignee.map(|a| a.0),
                requester,
                created,
                updated,
                first_response,
                resolved,
                closed,
                snapshot.due_at.map(to_ms),
                due_override,
                snapshot.state.rank(),
                snapshot.at_risk_at.map(to_ms),
                snapshot.breach_at.map(to_ms),
                snapshot.next_change.map(to_ms),
                outcomes.map(|o| o[0].state.rank()),
                outcomes.and_then(|o| o[0].done_at),
                outcomes.and_then(|o| o[0].deadline),
                outcomes.map(|o| o[1].state.rank()),
                outcomes.and_then(|o| o[1].done_at),
                outcomes.and_then(|o| o[1].deadline),
            ])?;
            for (cid, author, body, mentions, when) in comments {
                ins_comment.execute(params![cid, id, author.0, body, mentions, when])?;
                summary.comments += 1;
            }
            for (when, field, old, new, who) in events {
                ins_history.execute(params![
                    ids.next(crate::clock::from_ms(when)),
                    id,
                    who.map(|a| a.0),
                    when,
                    field.code(),
                    old,
                    new
                ])?;
                summary.history += 1;
            }
            summary.tickets += 1;
        }
    }
    tx.commit()?;
    store.conn().execute_batch("ANALYZE;")?;
    Ok(summary)
}

/// The engine's snapshot and per-target outcomes for a demo ticket, from the
/// history rows written for it, through the same mapping the store applies
/// after an edit.
fn demo_snapshot(
    sla: &crate::store::SlaConfig,
    (status, priority, category, created): (Status, Priority, CategoryId, i64),
    events: &[DemoEvent],
    due_override: Option<i64>,
    now_ms: i64,
) -> (SlaSnapshot, crate::store::Outcomes) {
    let mut changes: Vec<Change> = events
        .iter()
        .filter(|e| {
            matches!(
                e.1,
                HistoryField::Status | HistoryField::Priority | HistoryField::Category
            )
        })
        .map(|(at, field, old, new, _)| Change {
            at: crate::clock::from_ms(*at),
            field: field.code().into(),
            old: old.clone(),
            new: new.clone(),
        })
        .collect();
    // The store orders by time, then insertion; sort_by_key is stable.
    changes.sort_by_key(|c| c.at);
    let row = SlaRow {
        rid: 0,
        status,
        priority,
        category: Some(category),
        created_at: crate::clock::from_ms(created),
        conversation: None,
        due_override: due_override.map(crate::clock::from_ms),
        stored: SlaSnapshot::default(),
        outcomes: None,
    };
    let events = events_from(&row, &changes, &[]);
    sla.evaluate_stored(&events, crate::clock::from_ms(now_ms), row.due_override)
}
