//! The server's side of the SLA (DESIGN §3): the workspace's settings
//! document, and each ticket's SLA snapshot evaluated by the same engine as
//! the app (`outpost_core::sla`: policies, business calendars, clocks replayed
//! from the ticket's history and its conversation's agent replies).
//!
//! Words used here:
//! - *SLA config* ([`SlaConfig`]): the settings with the calendar map the
//!   engine takes; a write loads it once per request ([`WriteScope`]).
//! - *snapshot*: `outpost_core::sla::SlaSnapshot`, stored in the ticket
//!   columns `sla_state`, `due_at`, `at_risk_at`, `breach_at`. Every write
//!   that can move it (create, patch, an agent reply on the linked
//!   conversation, new settings) evaluates it again in the same transaction.
//!   With no edits a ticket's state changes only by crossing `at_risk_at` /
//!   `breach_at`, so reads report `SlaSnapshot::state_at(now)` ([`state_now`])
//!   and the board's SLA filters compare those instants with now in SQL.
//!
//! The settings reach the apps through the change feed (kind `SlaSettings`).

use crate::db::{DbError, Tx};
use crate::error::AppError;
use crate::params;
use crate::store::{Kind, WriteScope, ms, opt_time, time};
use chrono::{DateTime, Utc};
use outpost_core::sla::{
    Calendars, HistoryChange, SlaSettings, SlaSnapshot, TicketFacts, evaluate_snapshot,
    events_from_history,
};
use outpost_core::{SlaState, Ticket, WorkspaceId};

/// The change-feed entity id of a workspace's SLA settings.
pub const FEED_ID: &str = "sla";

/// The parsed settings with the calendar map the engine needs.
#[derive(Debug, Clone)]
pub struct SlaConfig {
    pub settings: SlaSettings,
    calendars: Calendars,
}

impl SlaConfig {
    /// The config of `settings`.
    pub fn new(settings: SlaSettings) -> Self {
        let calendars = settings.calendar_map();
        SlaConfig {
            settings,
            calendars,
        }
    }
}

fn workspace_tz(tx: &mut dyn Tx, ws: WorkspaceId) -> Result<chrono_tz::Tz, DbError> {
    Ok(tx
        .query_opt(
            "SELECT timezone FROM workspaces WHERE id = ?1",
            params![ws.to_string()],
        )?
        .map(|r| r.text(0))
        .transpose()?
        .and_then(|tz| tz.parse().ok())
        .unwrap_or(chrono_tz::UTC))
}

/// The stored settings of `ws`, if an admin or the setup saved them.
fn stored(tx: &mut dyn Tx, ws: WorkspaceId) -> Result<Option<SlaSettings>, DbError> {
    tx.query_opt(
        "SELECT json FROM sla_settings WHERE workspace_id = ?1",
        params![ws.to_string()],
    )?
    .map(|r| {
        serde_json::from_str(&r.text(0)?)
            .map_err(|e| DbError::Corrupt(format!("SLA settings: {e}")))
    })
    .transpose()
}

/// The settings of `ws`: the stored document, or DESIGN §3's defaults in
/// the workspace's timezone (what the setup stores and the apps start with).
pub fn load(tx: &mut dyn Tx, ws: WorkspaceId) -> Result<SlaConfig, DbError> {
    let settings = match stored(tx, ws)? {
        Some(s) => s,
        None => SlaSettings::defaults(workspace_tz(tx, ws)?),
    };
    Ok(SlaConfig::new(settings))
}

/// Stores `settings` (already validated), records the change in the feed and
/// re-evaluates every open ticket of the workspace. Returns how many tickets'
/// SLA changed.
pub fn save(
    tx: &mut dyn Tx,
    scope: &mut WriteScope,
    settings: &SlaSettings,
    now: DateTime<Utc>,
) -> Result<u64, AppError> {
    let json = serde_json::to_string(settings).map_err(|e| AppError::Internal(e.to_string()))?;
    tx.execute(
        "INSERT INTO sla_settings (workspace_id, json, updated_at) VALUES (?1, ?2, ?3)
         ON CONFLICT (workspace_id) DO UPDATE SET json = excluded.json, updated_at = excluded.updated_at",
        params![scope.workspace().to_string(), json, ms(now)],
    )?;
    scope.touch(tx, Kind::SlaSettings, FEED_ID)?;
    let config = std::sync::Arc::new(SlaConfig::new(settings.clone()));
    scope.set_sla(config.clone());
    Ok(reevaluate(tx, scope.workspace(), &config, now, true)?)
}

/// Stores the default settings of every workspace that has none and
/// evaluates its tickets (a database from before server-side SLA, or a new
/// workspace). Returns how many workspaces got them.
pub fn ensure_settings(tx: &mut dyn Tx, now: DateTime<Utc>) -> Result<u64, AppError> {
    let missing: Vec<WorkspaceId> = tx
        .query(
            "SELECT w.id FROM workspaces w WHERE NOT EXISTS
               (SELECT 1 FROM sla_settings s WHERE s.workspace_id = w.id)",
            &[],
        )?
        .iter()
        .map(|r| r.parse(0))
        .collect::<Result<_, _>>()?;
    for ws in &missing {
        let mut scope = WriteScope::begin(tx, *ws)?;
        let defaults = load(tx, *ws)?.settings;
        let json =
            serde_json::to_string(&defaults).map_err(|e| AppError::Internal(e.to_string()))?;
        // Another server process starting on the same database may have
        // stored them while this one waited for the workspace lock.
        let inserted = tx.execute(
            "INSERT INTO sla_settings (workspace_id, json, updated_at) VALUES (?1, ?2, ?3)
             ON CONFLICT (workspace_id) DO NOTHING",
            params![ws.to_string(), json, ms(now)],
        )?;
        if inserted > 0 {
            scope.touch(tx, Kind::SlaSettings, FEED_ID)?;
            reevaluate(tx, *ws, &SlaConfig::new(defaults), now, false)?;
        }
    }
    Ok(missing.len() as u64)
}

/// Re-evaluates the snapshot of every ticket of `ws` (or only the active
/// ones) and writes those that changed. Not an edit of the tickets: no feed
/// entry (each app evaluates its own copy with the same settings).
fn reevaluate(
    tx: &mut dyn Tx,
    ws: WorkspaceId,
    config: &SlaConfig,
    now: DateTime<Utc>,
    active_only: bool,
) -> Result<u64, DbError> {
    let filter = if active_only {
        "AND t.status IN ('open', 'in_progress', 'waiting')"
    } else {
        ""
    };
    let rows = tx.query(
        &format!(
            "SELECT {} FROM tickets t WHERE t.workspace_id = ?1 {filter}",
            crate::store::tickets::TICKET_COLS
        ),
        params![ws.to_string()],
    )?;
    let mut changed = 0;
    for r in rows {
        let (ticket, _) = crate::store::tickets::ticket_from(&r)?;
        let stored = stored_snapshot(&r)?;
        let new = snapshot(tx, ws, config, &ticket, now)?;
        if !same(&stored, &new) {
            write_snapshot(tx, ws, &ticket, &new)?;
            changed += 1;
        }
    }
    Ok(changed)
}

fn same(a: &SlaSnapshot, b: &SlaSnapshot) -> bool {
    (a.state, a.due_at, a.at_risk_at, a.breach_at) == (b.state, b.due_at, b.at_risk_at, b.breach_at)
}

/// The snapshot columns as stored, from a row selected with `TICKET_COLS`.
pub fn stored_snapshot(r: &crate::db::Row) -> Result<SlaSnapshot, DbError> {
    let state = r.text(17)?;
    Ok(SlaSnapshot {
        state: SlaState::ALL
            .into_iter()
            .find(|s| s.code() == state)
            .unwrap_or_default(),
        due_at: opt_time(r.opt_int(15)?),
        at_risk_at: opt_time(r.opt_int(19)?),
        breach_at: opt_time(r.opt_int(20)?),
        next_change: None,
    })
}

fn write_snapshot(
    tx: &mut dyn Tx,
    ws: WorkspaceId,
    ticket: &Ticket,
    s: &SlaSnapshot,
) -> Result<(), DbError> {
    tx.execute(
        "UPDATE tickets SET sla_state = ?3, due_at = ?4, at_risk_at = ?5, breach_at = ?6
         WHERE workspace_id = ?1 AND id = ?2",
        params![
            ws.to_string(),
            ticket.id.to_string(),
            s.state.code(),
            s.due_at.map(ms),
            s.at_risk_at.map(ms),
            s.breach_at.map(ms)
        ],
    )?;
    Ok(())
}

/// Evaluates `ticket` (with its current field values; its history and its
/// conversation's messages as stored in this transaction) at `now`.
///
/// A history the engine refuses (a corrupt database) must not block writes:
/// it is logged and the ticket gets no SLA, keeping a manual due date, as
/// the app does.
pub fn snapshot(
    tx: &mut dyn Tx,
    ws: WorkspaceId,
    config: &SlaConfig,
    ticket: &Ticket,
    now: DateTime<Utc>,
) -> Result<SlaSnapshot, DbError> {
    let changes = history_changes(tx, ws, ticket)?;
    evaluate(tx, ws, config, ticket, &changes, now)
}

/// The ticket's status, priority and category changes, oldest first.
fn history_changes(
    tx: &mut dyn Tx,
    ws: WorkspaceId,
    ticket: &Ticket,
) -> Result<Vec<HistoryChange>, DbError> {
    tx
        .query(
            "SELECT at, field, old_value, new_value FROM history
             WHERE workspace_id = ?1 AND ticket_id = ?2 AND field IN ('status', 'priority', 'category')
             ORDER BY at, id",
            params![ws.to_string(), ticket.id.to_string()],
        )?
        .iter()
        .map(|r| {
            Ok(HistoryChange {
                at: time(r.int(0)?),
                field: r.text(1)?,
                old: r.opt_text(2)?,
                new: r.opt_text(3)?,
            })
        })
        .collect()
}

/// [`snapshot`] with the history changes already read.
fn evaluate(
    tx: &mut dyn Tx,
    ws: WorkspaceId,
    config: &SlaConfig,
    ticket: &Ticket,
    changes: &[HistoryChange],
    now: DateTime<Utc>,
) -> Result<SlaSnapshot, DbError> {
    let replies: Vec<DateTime<Utc>> = match ticket.conversation_id {
        Some(c) => tx
            .query(
                "SELECT at FROM messages WHERE workspace_id = ?1 AND conversation_id = ?2
                   AND agent_id IS NOT NULL ORDER BY at",
                params![ws.to_string(), c.to_string()],
            )?
            .iter()
            .map(|r| r.int(0).map(time))
            .collect::<Result<_, _>>()?,
        None => Vec::new(),
    };
    let facts = TicketFacts {
        created_at: ticket.created_at,
        status: ticket.status,
        priority: ticket.priority,
        category: ticket.category_id,
    };
    let events = events_from_history(&facts, changes, &replies);
    // The clock may be behind the newest event (a device's skewed stamp): the
    // engine refuses events after the evaluation instant.
    let at = events.iter().map(|e| e.at()).fold(now, DateTime::max);
    Ok(evaluate_snapshot(
        &config.settings.policies,
        &config.calendars,
        &events,
        at,
        ticket.due_override,
    )
    .unwrap_or_else(|e| {
        tracing::warn!(ticket = %ticket.id, error = %e, "SLA evaluation failed; the ticket gets no SLA");
        SlaSnapshot {
            due_at: ticket.due_override,
            ..SlaSnapshot::default()
        }
    }))
}

/// Evaluates `ticket` inside a write and sets its `due_at` and `sla_state`;
/// returns the snapshot for [`crate::store::tickets::save`]. `new`: the
/// ticket is being created, so it has no history yet (one query less per
/// created ticket; a long offline outbox is mostly creations).
pub fn compute_sla(
    tx: &mut dyn Tx,
    scope: &mut WriteScope,
    ticket: &mut Ticket,
    new: bool,
    now: DateTime<Utc>,
) -> Result<SlaSnapshot, DbError> {
    let config = scope.sla(tx)?;
    let ws = scope.workspace();
    let changes = if new {
        Vec::new()
    } else {
        history_changes(tx, ws, ticket)?
    };
    let s = evaluate(tx, ws, &config, ticket, &changes, now)?;
    ticket.due_at = s.due_at;
    ticket.sla_state = s.state;
    Ok(s)
}

/// Re-evaluates the tickets linked to conversation `conversation` after an
/// agent replied on it (the reply meets their first-response target).
pub fn after_agent_reply(
    tx: &mut dyn Tx,
    scope: &mut WriteScope,
    conversation: outpost_core::ConversationId,
    now: DateTime<Utc>,
) -> Result<(), DbError> {
    let ws = scope.workspace();
    let rows = tx.query(
        &format!(
            "SELECT {} FROM tickets t WHERE t.workspace_id = ?1 AND t.conversation_id = ?2",
            crate::store::tickets::TICKET_COLS
        ),
        params![ws.to_string(), conversation.to_string()],
    )?;
    let config = scope.sla(tx)?;
    for r in rows {
        let (ticket, _) = crate::store::tickets::ticket_from(&r)?;
        let stored = stored_snapshot(&r)?;
        let new = snapshot(tx, ws, &config, &ticket, now)?;
        if !same(&stored, &new) {
            write_snapshot(tx, ws, &ticket, &new)?;
        }
    }
    Ok(())
}
