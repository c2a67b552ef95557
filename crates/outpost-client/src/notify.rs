//! The notification scheduler's logic (no OS delivery): which SLA alerts,
//! @mentions and assignments the signed-in agent should hear about now,
//! grouped, each at most once across restarts. The desktop shell sleeps until
//! [`Store::next_notification_check`] (or a store change), calls
//! [`Store::pending_notifications`] and hands each [`Notification`] to the OS.
//!
//! Words used here:
//! - *transition*: one thing worth telling, identified by (kind, key, ticket):
//!   an SLA state reached (key = the `at_risk_at` / `breach_at` instant in ms,
//!   so a due date that moves and is crossed again is a new transition), a
//!   comment mentioning the agent (key = comment id), an assignee change to
//!   the agent (key = history event id).
//! - *handled*: a transition with a row in the `notified` table (migration 5);
//!   it is never returned again. Rows are written in the same transaction
//!   that selects them.
//! - *since*: the instant this store first ran the scheduler (meta
//!   `notify_since`, set at open). Transitions before it are history, not
//!   news: a first sync or demo data does not flood the agent. Comments and
//!   assignments synced later but stamped before it are skipped too.
//! - *quiet hours*: when [`NotificationPrefs::quiet_outside_business_hours`]
//!   is set and the workspace's default business calendar is closed, non-Urgent
//!   transitions are marked handled (`delivered = 0`) without a notification,
//!   so they do not arrive as a flood at opening time; the board still shows
//!   them. Urgent tickets always notify.

use crate::clock::{from_ms, to_ms};
use crate::error::{StoreError, StoreResult};
use crate::store::{Store, meta_get, meta_set, open_status};
use chrono::{DateTime, Utc};
use outpost_core::sla::{DEFAULT_CALENDAR_ID, SlaSnapshot};
use outpost_core::sync::MutationOp;
use outpost_core::{AgentId, Priority, SlaState, TicketId, TicketNumber};
use rusqlite::{Connection, TransactionBehavior, params};
use serde::{Deserialize, Serialize};

const META_PREFS: &str = "notification_prefs";
const META_SINCE: &str = "notify_since";

/// What the agent wants to hear about (Settings).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct NotificationPrefs {
    /// SLA alerts for tickets assigned to the signed-in agent.
    pub my_tickets: bool,
    /// SLA alerts for unassigned Urgent and High tickets.
    pub unassigned_urgent_high: bool,
    /// No alerts outside the workspace's business calendar, except Urgent.
    pub quiet_outside_business_hours: bool,
    /// Comments by others that @mention the agent.
    pub mentions: bool,
    /// Tickets assigned to the agent by someone else.
    pub assignments: bool,
    /// Closing the window keeps the app running in the tray.
    pub keep_in_tray: bool,
}

impl Default for NotificationPrefs {
    fn default() -> Self {
        Self {
            my_tickets: true,
            unassigned_urgent_high: true,
            quiet_outside_business_hours: true,
            mentions: true,
            assignments: true,
            keep_in_tray: false,
        }
    }
}

/// What a notification is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum NotificationKind {
    /// Tickets that breached their SLA.
    Breached,
    /// Tickets that became at risk.
    AtRisk,
    /// Comments by others mentioning the agent.
    Mention,
    /// Tickets assigned to the agent by someone else.
    Assigned,
}

impl NotificationKind {
    /// The storage code in `notified.kind`.
    pub const fn code(self) -> &'static str {
        match self {
            NotificationKind::Breached => "breached",
            NotificationKind::AtRisk => "at_risk",
            NotificationKind::Mention => "mention",
            NotificationKind::Assigned => "assigned",
        }
    }

    const ALL: [NotificationKind; 4] = [
        NotificationKind::Breached,
        NotificationKind::AtRisk,
        NotificationKind::Mention,
        NotificationKind::Assigned,
    ];
}

/// One OS notification, possibly grouping several transitions of one kind.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Notification {
    pub kind: NotificationKind,
    /// Headline: "Ticket at risk", "3 tickets at risk", "Ben Okafor mentioned you".
    pub title: String,
    /// One line per ticket, e.g. "TKT-042 at risk: resolution due in 14 min —
    /// Printer offline in Lyon".
    pub body: String,
    /// The tickets, in body order; clicking opens the first.
    pub ticket_ids: Vec<TicketId>,
    /// Whether any of them is an Urgent ticket (shown with urgency, and
    /// delivered during quiet hours).
    pub urgent: bool,
}

/// One transition found, before grouping.
struct Item {
    kind: NotificationKind,
    key: String,
    ticket: TicketId,
    urgent: bool,
    /// Sort key inside the group (due instant or event time, ms).
    order: i64,
    line: String,
    /// The headline when the item is alone in its group.
    single_title: String,
}

/// "TKT-042" or, for a provisional ticket, its title.
fn label(number: Option<TicketNumber>, title: &str) -> String {
    number.map_or_else(|| title.to_owned(), |n| n.to_string())
}

/// "— title" after a numbered ticket; nothing after a provisional one (its
/// label already is the title).
fn suffix(number: Option<TicketNumber>, title: &str) -> String {
    if number.is_some() {
        format!(" — {title}")
    } else {
        String::new()
    }
}

/// A duration in whole minutes as people read it: "14 min", "2 h 5 min", "3 d 4 h".
pub fn human_minutes(minutes: i64) -> String {
    let m = minutes.abs();
    if m < 60 {
        format!("{m} min")
    } else if m < 24 * 60 {
        match m % 60 {
            0 => format!("{} h", m / 60),
            r => format!("{} h {r} min", m / 60),
        }
    } else {
        match (m / 60) % 24 {
            0 => format!("{} d", m / (24 * 60)),
            h => format!("{} d {h} h", m / (24 * 60)),
        }
    }
}

/// Whole minutes from `now` to `t`, rounded to the nearest (negative when past).
fn minutes_until(t: DateTime<Utc>, now: DateTime<Utc>) -> i64 {
    let ms = to_ms(t) - to_ms(now);
    (ms as f64 / 60_000.0).round() as i64
}

fn truncate(s: &str, max: usize) -> String {
    let one_line = s.split_whitespace().collect::<Vec<_>>().join(" ");
    if one_line.chars().count() <= max {
        one_line
    } else {
        let cut: String = one_line.chars().take(max - 1).collect();
        format!("{}…", cut.trim_end())
    }
}

fn handled(conn: &Connection, kind: NotificationKind, key: &str, t: TicketId) -> StoreResult<bool> {
    Ok(conn
        .prepare_cached("SELECT 1 FROM notified WHERE kind = ?1 AND key = ?2 AND ticket_id = ?3")?
        .exists(params![kind.code(), key, t.0])?)
}

/// Records the instant the scheduler's memory starts (at store open), once.
pub(crate) fn ensure_since(conn: &Connection, now: DateTime<Utc>) -> StoreResult<()> {
    if meta_get(conn, META_SINCE)?.is_none() {
        meta_set(conn, META_SINCE, &to_ms(now).to_string())?;
    }
    Ok(())
}

impl Store {
    /// The agent's notification settings on this device (defaults if never set).
    pub fn notification_prefs(&self) -> StoreResult<NotificationPrefs> {
        match meta_get(self.conn(), META_PREFS)? {
            Some(json) => serde_json::from_str(&json)
                .map_err(|e| StoreError::Corrupt(format!("unreadable notification settings: {e}"))),
            None => Ok(NotificationPrefs::default()),
        }
    }

    /// Saves the agent's notification settings on this device.
    pub fn set_notification_prefs(&mut self, prefs: &NotificationPrefs) -> StoreResult<()> {
        let json = serde_json::to_string(prefs)
            .map_err(|e| StoreError::Corrupt(format!("notification settings: {e}")))?;
        meta_set(self.conn(), META_PREFS, &json)
    }

    /// When the scheduler should look again with no store change: the next
    /// SLA change of any open ticket (`None`: nothing will change by itself,
    /// sleep until a store change). May be in the past if re-evaluation is
    /// behind; [`Store::pending_notifications`] catches it up.
    pub fn next_notification_check(&self) -> StoreResult<Option<DateTime<Utc>>> {
        let sla = self.next_sla_change()?;
        let snooze = crate::alerts::next_snooze(self.conn())?;
        Ok(match (sla, snooze) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        })
    }

    /// One scheduler pass: applies the passage of time once
    /// ([`Store::reevaluate_sla`]) and returns its transitions (for the UI)
    /// with the notifications due now ([`Store::pending_notifications`]
    /// without a second re-evaluation), snoozed ones that came due last.
    pub fn notification_pass(
        &mut self,
        prefs: &NotificationPrefs,
    ) -> StoreResult<(Vec<crate::SlaTransition>, Vec<Notification>)> {
        if self.bootstrapping() {
            return Ok((Vec::new(), Vec::new()));
        }
        let transitions = self.reevaluate_sla()?;
        let mut notes = self.due_notifications(prefs)?;
        notes.extend(crate::alerts::take_due_snoozes(self)?);
        Ok((transitions, notes))
    }

    /// The notifications due at the clock's now, each transition at most once:
    /// applies the passage of time ([`Store::reevaluate_sla`]), then, in one
    /// transaction, finds the unhandled transitions (SLA at risk / breached
    /// for the agent's tickets and unassigned Urgent/High ones per `prefs`,
    /// mentions by others, assignments by others), marks them handled and
    /// groups them: one notification per kind, breached first. During quiet
    /// hours non-Urgent transitions are marked handled and not returned.
    pub fn pending_notifications(
        &mut self,
        prefs: &NotificationPrefs,
    ) -> StoreResult<Vec<Notification>> {
        // Keeps stored states (the board, `next_sla_change`) current; the
        // scan below reads instants, so it does not depend on who else called
        // `reevaluate_sla` and consumed its transitions.
        self.reevaluate_sla()?;
        self.due_notifications(prefs)
    }

    /// [`Store::pending_notifications`] on states already re-evaluated. The
    /// marks are written, and queued for the agent's other devices (one
    /// `mark_notified` mutation each), in the same transaction that finds
    /// them.
    fn due_notifications(&mut self, prefs: &NotificationPrefs) -> StoreResult<Vec<Notification>> {
        let now = self.now();
        let me = self.current_agent();
        let sla = self.sla_config();
        let quiet = prefs.quiet_outside_business_hours
            && sla
                .settings
                .calendars
                .iter()
                .find(|c| c.id == DEFAULT_CALENDAR_ID)
                .is_some_and(|c| !c.calendar.is_open(now));
        if me.is_some() {
            return self.write(|ctx| {
                let (kept, marks) = scan_and_mark(ctx.tx, prefs, me, now, quiet)?;
                for (kind, key, ticket_id) in marks {
                    ctx.outbox(&MutationOp::MarkNotified {
                        kind: kind.code().to_owned(),
                        key,
                        ticket_id,
                        notified_at: now,
                    })?;
                }
                Ok(group(kept))
            });
        }
        let tx = self
            .conn_mut()
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let (kept, _) = scan_and_mark(&tx, prefs, me, now, quiet)?;
        tx.commit()?;
        Ok(group(kept))
    }
}

/// A transition handled in a pass: (kind, key, ticket).
type Mark = (NotificationKind, String, TicketId);

/// Finds the unhandled transitions at `now`, marks them handled and returns
/// the ones to show with every mark written.
fn scan_and_mark(
    tx: &Connection,
    prefs: &NotificationPrefs,
    me: Option<AgentId>,
    now: DateTime<Utc>,
    quiet: bool,
) -> StoreResult<(Vec<Item>, Vec<Mark>)> {
    {
        let since = match meta_get(tx, META_SINCE)? {
            Some(s) => s
                .parse::<i64>()
                .map_err(|_| StoreError::Corrupt("unreadable notify_since in meta table".into()))?,
            None => {
                ensure_since(tx, now)?;
                to_ms(now)
            }
        };
        let mut items = sla_items(tx, prefs, me, now, since)?;
        if let Some(me) = me {
            if prefs.mentions {
                items.extend(mention_items(tx, me, since)?);
            }
            if prefs.assignments {
                items.extend(assignment_items(tx, me, since)?);
            }
        }
        let mut kept = Vec::new();
        let mut marks = Vec::new();
        {
            let mut mark = tx.prepare_cached(
                "INSERT OR IGNORE INTO notified (kind, key, ticket_id, notified_at, delivered)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
            )?;
            for item in items {
                let deliver = !quiet || item.urgent;
                mark.execute(params![
                    item.kind.code(),
                    item.key,
                    item.ticket.0,
                    to_ms(now),
                    deliver
                ])?;
                marks.push((item.kind, item.key.clone(), item.ticket));
                if deliver {
                    kept.push(item);
                }
            }
        }
        Ok((kept, marks))
    }
}

/// SLA transitions (at risk / breached at now) of relevant open tickets.
fn sla_items(
    conn: &Connection,
    prefs: &NotificationPrefs,
    me: Option<AgentId>,
    now: DateTime<Utc>,
    since: i64,
) -> StoreResult<Vec<Item>> {
    let mine = prefs.my_tickets && me.is_some();
    if !mine && !prefs.unassigned_urgent_high {
        return Ok(Vec::new());
    }
    let sql = format!(
        "SELECT id, number, title, priority, sla_state, due_at, at_risk_at, breach_at,
                first_response_at, due_override
         FROM tickets
         WHERE {}
           AND (at_risk_at <= ?1 OR breach_at <= ?1)
           AND (at_risk_at >= ?2 OR breach_at >= ?2)
           AND ((?3 AND assignee_id = ?4)
                OR (?5 AND assignee_id IS NULL AND priority <= ?6))",
        open_status("status")
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let mut rows = stmt.query(params![
        to_ms(now),
        since,
        mine,
        me.map(|a| a.0),
        prefs.unassigned_urgent_high,
        Priority::High.rank()
    ])?;
    let mut out = Vec::new();
    while let Some(r) = rows.next()? {
        let opt = |i| -> rusqlite::Result<Option<DateTime<Utc>>> {
            Ok(r.get::<_, Option<i64>>(i)?.map(from_ms))
        };
        let Some(stored) = SlaState::from_rank(r.get(4)?) else {
            continue;
        };
        let snapshot = SlaSnapshot {
            state: stored,
            due_at: opt(5)?,
            at_risk_at: opt(6)?,
            breach_at: opt(7)?,
            next_change: None,
        };
        let (kind, instant) = match snapshot.state_at(now) {
            SlaState::AtRisk => (NotificationKind::AtRisk, snapshot.at_risk_at),
            SlaState::Breached => (NotificationKind::Breached, snapshot.breach_at),
            _ => continue,
        };
        let Some(instant) = instant.map(to_ms).filter(|&t| t >= since) else {
            continue;
        };
        let ticket = TicketId(r.get(0)?);
        let key = instant.to_string();
        if handled(conn, kind, &key, ticket)? {
            continue;
        }
        let number = r.get::<_, Option<i64>>(1)?.map(|n| TicketNumber(n as u64));
        let title: String = r.get(2)?;
        let urgent = r.get::<_, u8>(3)? == Priority::Urgent.rank();
        let target = if opt(9)?.is_some() {
            "due"
        } else if opt(8)?.is_none() {
            "first response due"
        } else {
            "resolution due"
        };
        let (what, headline) = match kind {
            NotificationKind::AtRisk => ("at risk", "Ticket at risk"),
            _ => ("overdue", "Ticket overdue"),
        };
        let when = match snapshot.due_at {
            Some(due) => {
                let m = minutes_until(due, now);
                if m >= 0 {
                    format!(": {target} in {}", human_minutes(m))
                } else {
                    format!(": {target} {} ago", human_minutes(m))
                }
            }
            None => String::new(),
        };
        out.push(Item {
            kind,
            key,
            ticket,
            urgent,
            order: snapshot.due_at.map_or(instant, to_ms),
            line: format!(
                "{} {what}{when}{}",
                label(number, &title),
                suffix(number, &title)
            ),
            single_title: headline.into(),
        });
    }
    Ok(out)
}

/// Comments by others since `since` mentioning `me`.
fn mention_items(conn: &Connection, me: AgentId, since: i64) -> StoreResult<Vec<Item>> {
    let mut stmt = conn.prepare_cached(
        "SELECT c.id, c.ticket_id, c.body, c.mentions_json, c.created_at, a.name,
                t.number, t.title, t.priority
         FROM comments c INDEXED BY comments_by_created
         JOIN tickets t ON t.id = c.ticket_id
         LEFT JOIN agents a ON a.id = c.author_id
         WHERE c.created_at >= ?1 AND c.author_id IS NOT ?2",
    )?;
    let mut rows = stmt.query(params![since, me.0])?;
    let mut out = Vec::new();
    while let Some(r) = rows.next()? {
        let mentions: Vec<AgentId> =
            serde_json::from_str(&r.get::<_, String>(3)?).unwrap_or_default();
        if !mentions.contains(&me) {
            continue;
        }
        let id: uuid::Uuid = r.get(0)?;
        let ticket = TicketId(r.get(1)?);
        let key = id.to_string();
        if handled(conn, NotificationKind::Mention, &key, ticket)? {
            continue;
        }
        let author = r
            .get::<_, Option<String>>(5)?
            .unwrap_or_else(|| "Someone".into());
        let number = r.get::<_, Option<i64>>(6)?.map(|n| TicketNumber(n as u64));
        let title: String = r.get(7)?;
        let body: String = r.get(2)?;
        out.push(Item {
            kind: NotificationKind::Mention,
            key,
            ticket,
            urgent: r.get::<_, u8>(8)? == Priority::Urgent.rank(),
            order: r.get(4)?,
            line: format!(
                "{author} on {}{}: “{}”",
                label(number, &title),
                suffix(number, &title),
                truncate(&body, 120)
            ),
            single_title: format!("{author} mentioned you"),
        });
    }
    Ok(out)
}

/// Assignee changes to `me` by someone else since `since`, on tickets still
/// assigned to `me`.
fn assignment_items(conn: &Connection, me: AgentId, since: i64) -> StoreResult<Vec<Item>> {
    let mut stmt = conn.prepare_cached(
        "SELECT h.id, h.ticket_id, h.at, a.name, t.number, t.title, t.priority
         FROM history h INDEXED BY history_assignee_by_at
         JOIN tickets t ON t.id = h.ticket_id
         LEFT JOIN agents a ON a.id = h.actor_id
         WHERE h.field = 'assignee' AND h.at >= ?1 AND h.new_value = ?2
           AND h.actor_id IS NOT ?3 AND t.assignee_id = ?3",
    )?;
    let mut rows = stmt.query(params![since, me.to_string(), me.0])?;
    let mut out = Vec::new();
    while let Some(r) = rows.next()? {
        let id: uuid::Uuid = r.get(0)?;
        let ticket = TicketId(r.get(1)?);
        let key = id.to_string();
        if handled(conn, NotificationKind::Assigned, &key, ticket)? {
            continue;
        }
        let who = r.get::<_, Option<String>>(3)?;
        let number = r.get::<_, Option<i64>>(4)?.map(|n| TicketNumber(n as u64));
        let title: String = r.get(5)?;
        let what = format!("{}{}", label(number, &title), suffix(number, &title));
        out.push(Item {
            kind: NotificationKind::Assigned,
            key,
            ticket,
            urgent: r.get::<_, u8>(6)? == Priority::Urgent.rank(),
            order: r.get(2)?,
            line: match &who {
                Some(who) => format!("{who} assigned you {what}"),
                None => format!("Assigned to you: {what}"),
            },
            single_title: "Assigned to you".into(),
        });
    }
    Ok(out)
}

/// Most lines in one notification's body; the rest are counted.
pub const MAX_BODY_LINES: usize = 5;

/// One line per item, at most [`MAX_BODY_LINES`], then "… and N more".
fn body_lines(items: &[&Item]) -> String {
    let mut lines: Vec<&str> = items
        .iter()
        .take(MAX_BODY_LINES)
        .map(|i| i.line.as_str())
        .collect();
    let more = items.len().saturating_sub(MAX_BODY_LINES);
    let tail = format!("… and {more} more");
    if more > 0 {
        lines.push(&tail);
    }
    lines.join("\n")
}

/// One notification per kind with items, breached first; several items of a
/// kind become "N tickets at risk" with one body line each.
fn group(mut items: Vec<Item>) -> Vec<Notification> {
    items.sort_by(|a, b| (a.kind, a.order, &a.line).cmp(&(b.kind, b.order, &b.line)));
    let mut out = Vec::new();
    for kind in NotificationKind::ALL {
        let group: Vec<&Item> = items.iter().filter(|i| i.kind == kind).collect();
        let n = group.len();
        let title = match (kind, n) {
            (_, 0) => continue,
            (_, 1) => group[0].single_title.clone(),
            (NotificationKind::AtRisk, n) => format!("{n} tickets at risk"),
            (NotificationKind::Breached, n) => format!("{n} tickets overdue"),
            (NotificationKind::Mention, n) => format!("{n} new mentions"),
            (NotificationKind::Assigned, n) => format!("{n} tickets assigned to you"),
        };
        let mut ticket_ids: Vec<TicketId> = Vec::with_capacity(n);
        for i in &group {
            if !ticket_ids.contains(&i.ticket) {
                ticket_ids.push(i.ticket);
            }
        }
        out.push(Notification {
            kind,
            title,
            body: body_lines(&group),
            ticket_ids,
            urgent: group.iter().any(|i| i.urgent),
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_as_people_say_them() {
        assert_eq!(human_minutes(14), "14 min");
        assert_eq!(human_minutes(-5), "5 min");
        assert_eq!(human_minutes(120), "2 h");
        assert_eq!(human_minutes(125), "2 h 5 min");
        assert_eq!(human_minutes(3 * 24 * 60 + 4 * 60 + 10), "3 d 4 h");
    }

    #[test]
    fn prefs_default_on_and_read_camel_case() {
        let p: NotificationPrefs = serde_json::from_str(r#"{"myTickets":false}"#).unwrap();
        assert_eq!(
            p,
            NotificationPrefs {
                my_tickets: false,
                ..NotificationPrefs::default()
            }
        );
        assert!(NotificationPrefs::default().quiet_outside_business_hours);
    }
}
