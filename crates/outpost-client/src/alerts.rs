//! What the desktop shell shows around notifications (issue 6), beside the
//! scheduler in [`crate::notify`]:
//! - *snoozes*: a notification the agent snoozed is stored (`notify_snoozes`)
//!   and returned again by [`Store::notification_pass`] once due, also after
//!   a restart;
//! - *SLA alerts*: the at-risk / overdue counts and the most urgent tickets
//!   for the tray ([`Store::sla_alerts`]);
//! - *notified marks from sync*: marks made on the agent's other devices are
//!   written to `notified`, so the transition is not notified here again.

use crate::clock::{from_ms, to_ms};
use crate::error::{StoreError, StoreResult};
use crate::notify::Notification;
use crate::store::{Store, open_status};
use chrono::{DateTime, Utc};
use outpost_core::sync::NotifiedMark;
use outpost_core::{AgentId, Priority, SlaState, TicketId, TicketNumber};
use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;

/// How long "Snooze" puts a notification away.
pub const SNOOZE_MINUTES: i64 = 15;

/// One ticket in the tray's list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AlertTicket {
    pub id: TicketId,
    pub number: Option<TicketNumber>,
    pub title: String,
    /// `AtRisk` or `Breached`.
    pub state: SlaState,
    pub due_at: Option<DateTime<Utc>>,
}

/// The tray's summary: the agent's tickets and unassigned Urgent/High ones
/// that are at risk or overdue, most urgent (earliest due) first.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SlaAlerts {
    pub at_risk: u64,
    pub overdue: u64,
    pub top: Vec<AlertTicket>,
}

impl SlaAlerts {
    /// "2 overdue, 3 at risk" / "No tickets at risk".
    pub fn summary(&self) -> String {
        match (self.overdue, self.at_risk) {
            (0, 0) => "No tickets at risk".into(),
            (o, 0) => format!("{o} overdue"),
            (0, r) => format!("{r} at risk"),
            (o, r) => format!("{o} overdue, {r} at risk"),
        }
    }
}

impl AlertTicket {
    /// "TKT-042 · overdue · Printer offline in Lyon" (titles cut at 48 chars).
    pub fn label(&self) -> String {
        let what = if self.state == SlaState::Breached {
            "overdue"
        } else {
            "at risk"
        };
        let title: String = if self.title.chars().count() > 48 {
            format!("{}…", self.title.chars().take(47).collect::<String>())
        } else {
            self.title.clone()
        };
        match self.number {
            Some(n) => format!("{n} · {what} · {title}"),
            None => format!("{what} · {title}"),
        }
    }
}

/// The earliest snoozed notification's due time.
pub(crate) fn next_snooze(conn: &Connection) -> StoreResult<Option<DateTime<Utc>>> {
    Ok(conn
        .prepare_cached("SELECT min(due_at) FROM notify_snoozes")?
        .query_row([], |r| r.get::<_, Option<i64>>(0))
        .optional()?
        .flatten()
        .map(from_ms))
}

/// Removes and returns the snoozed notifications due at the store's now.
pub(crate) fn take_due_snoozes(store: &mut Store) -> StoreResult<Vec<Notification>> {
    let now = to_ms(store.now());
    let tx = store.conn_mut().transaction()?;
    let mut out = Vec::new();
    {
        let mut stmt = tx.prepare_cached(
            "SELECT id, notification FROM notify_snoozes WHERE due_at <= ?1 ORDER BY due_at, id",
        )?;
        let rows: Vec<(i64, String)> = stmt
            .query_map([now], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<_, _>>()?;
        let mut del = tx.prepare_cached("DELETE FROM notify_snoozes WHERE id = ?1")?;
        for (id, json) in rows {
            del.execute([id])?;
            match serde_json::from_str::<Notification>(&json) {
                Ok(n) => out.push(n),
                Err(e) => tracing::warn!("dropping an unreadable snoozed notification: {e}"),
            }
        }
    }
    tx.commit()?;
    Ok(out)
}

/// Writes the agent's marks from sync into `notified` (others are ignored).
pub(crate) fn apply_marks(
    conn: &Connection,
    me: Option<AgentId>,
    marks: &[NotifiedMark],
) -> StoreResult<()> {
    let mut stmt = conn.prepare_cached(
        "INSERT OR IGNORE INTO notified (kind, key, ticket_id, notified_at, delivered)
         VALUES (?1, ?2, ?3, ?4, 1)",
    )?;
    for m in marks.iter().filter(|m| Some(m.agent_id) == me) {
        if outpost_core::sync::notified::check(&m.kind, &m.key).is_err() {
            continue;
        }
        stmt.execute(params![m.kind, m.key, m.ticket_id.0, to_ms(m.notified_at)])?;
    }
    Ok(())
}

impl Store {
    /// Puts `n` away for [`SNOOZE_MINUTES`]: [`Store::notification_pass`]
    /// returns it again then (persisted across restarts).
    pub fn snooze_notification(&mut self, n: &Notification) -> StoreResult<DateTime<Utc>> {
        let due = self.now() + chrono::Duration::minutes(SNOOZE_MINUTES);
        let json = serde_json::to_string(n)
            .map_err(|e| StoreError::Corrupt(format!("snoozed notification: {e}")))?;
        self.conn()
            .prepare_cached("INSERT INTO notify_snoozes (due_at, notification) VALUES (?1, ?2)")?
            .execute(params![to_ms(due), json])?;
        Ok(due)
    }

    /// The tray's summary with at most `limit` tickets (see [`SlaAlerts`]).
    pub fn sla_alerts(&self, limit: usize) -> StoreResult<SlaAlerts> {
        let me = self.current_agent();
        let sql = format!(
            "SELECT id, number, title, sla_state, due_at FROM tickets
             WHERE {} AND sla_state IN (?1, ?2)
               AND (assignee_id = ?3 OR (assignee_id IS NULL AND priority <= ?4))
             ORDER BY due_at IS NULL, due_at, id",
            open_status("status")
        );
        let mut stmt = self.conn().prepare_cached(&sql)?;
        let mut rows = stmt.query(params![
            SlaState::AtRisk.rank(),
            SlaState::Breached.rank(),
            me.map(|a| a.0),
            Priority::High.rank()
        ])?;
        let mut out = SlaAlerts::default();
        while let Some(r) = rows.next()? {
            let Some(state) = SlaState::from_rank(r.get(3)?) else {
                continue;
            };
            if state == SlaState::Breached {
                out.overdue += 1;
            } else {
                out.at_risk += 1;
            }
            if out.top.len() < limit {
                out.top.push(AlertTicket {
                    id: TicketId(r.get(0)?),
                    number: r.get::<_, Option<i64>>(1)?.map(|n| TicketNumber(n as u64)),
                    title: r.get(2)?,
                    state,
                    due_at: r.get::<_, Option<i64>>(4)?.map(from_ms),
                });
            }
        }
        Ok(out)
    }
}
