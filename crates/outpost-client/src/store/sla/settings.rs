//! Persisting the workspace's SLA settings: one JSON document in
//! `sla_settings`, created with the defaults of DESIGN §3 in the workspace
//! timezone the first time a store opens with migration 3, and replaced only
//! by an admin. Replacing it re-evaluates every open ticket in the same
//! transaction, and the per-target outcomes (reports) of every other one.

use super::{SlaConfig, evaluate_row, write_assignments};
use crate::error::{StoreError, StoreResult};
use crate::store::Store;
use chrono::{DateTime, Utc};
use outpost_core::sla::SlaSettings;
use outpost_core::{Role, TicketId};
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};

fn corrupt(e: serde_json::Error) -> StoreError {
    StoreError::Corrupt(format!("unreadable SLA settings: {e}"))
}

fn write_document(
    conn: &Connection,
    settings: &SlaSettings,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    let json = serde_json::to_string(settings).map_err(corrupt)?;
    conn.prepare_cached(
        "INSERT INTO sla_settings (id, json, updated_at) VALUES (1, ?1, ?2)
         ON CONFLICT (id) DO UPDATE SET json = excluded.json, updated_at = excluded.updated_at",
    )?
    .execute(params![json, now.timestamp_millis()])?;
    Ok(())
}

/// Reads the settings, creating the defaults (and evaluating every existing
/// ticket, as after an upgrade from a store without SLA) when there are none.
/// `outcomes`: whether the schema has the outcome columns (migration 12).
pub(crate) fn ensure_sla_settings(
    conn: &mut Connection,
    now: DateTime<Utc>,
    outcomes: bool,
) -> StoreResult<SlaConfig> {
    let config = |settings| SlaConfig {
        outcomes,
        ..SlaConfig::new(settings)
    };
    let read = |c: &Connection| -> StoreResult<Option<String>> {
        Ok(
            c.query_row("SELECT json FROM sla_settings WHERE id = 1", [], |r| {
                r.get(0)
            })
            .optional()?,
        )
    };
    if let Some(json) = read(conn)? {
        return Ok(config(serde_json::from_str(&json).map_err(corrupt)?));
    }
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    // Another process may have created them while we waited for the lock.
    if let Some(json) = read(&tx)? {
        return Ok(config(serde_json::from_str(&json).map_err(corrupt)?));
    }
    let tz: Option<String> = tx
        .query_row("SELECT timezone FROM workspace LIMIT 1", [], |r| r.get(0))
        .optional()?;
    let tz = tz.and_then(|t| t.parse().ok()).unwrap_or(chrono_tz::UTC);
    let config = config(SlaSettings::defaults(tz));
    write_document(&tx, &config.settings, now)?;
    reevaluate_tickets(&tx, &config, now, false)?;
    tx.commit()?;
    Ok(config)
}

/// Stores `settings` inside the caller's transaction and re-evaluates the
/// open tickets' snapshots and every ticket's outcomes with them; returns
/// the new configuration (`current`'s schema capabilities kept).
pub(crate) fn replace_in(
    conn: &Connection,
    settings: SlaSettings,
    current: &SlaConfig,
    now: DateTime<Utc>,
) -> StoreResult<SlaConfig> {
    let config = SlaConfig {
        outcomes: current.outcomes,
        ..SlaConfig::new(settings)
    };
    write_document(conn, &config.settings, now)?;
    reevaluate_tickets(conn, &config, now, true)?;
    Ok(config)
}

/// Re-evaluates the snapshot of every ticket (or only the active ones) from
/// its history; writes only what changed. No history events: this is not an
/// edit of the ticket. With `active_only`, the other tickets keep their
/// snapshot but get their per-target outcomes re-evaluated (reports count
/// them under the settings in force). Returns how many tickets changed.
pub(crate) fn reevaluate_tickets(
    conn: &Connection,
    config: &SlaConfig,
    now: DateTime<Utc>,
    active_only: bool,
) -> StoreResult<u64> {
    let filter = if active_only && !config.outcomes {
        format!("WHERE {}", super::time::open_status("t.status"))
    } else {
        String::new()
    };
    let rows: Vec<(TicketId, super::SlaRow)> = conn
        .prepare(&format!(
            "SELECT t.id, {} FROM tickets t {filter}",
            config.columns()
        ))?
        .query_map([], |r| {
            let id = TicketId(r.get(0)?);
            // sla_row reads from column 0: skip the id.
            let row = super::events::sla_row_at(r, 1)?;
            Ok((id, row))
        })?
        .collect::<Result<_, _>>()?;
    let mut changed = 0;
    for (id, row) in rows {
        let change = evaluate_row(conn, config, id, &row, now)?;
        let sets = if active_only && !row.status.is_active() {
            change.outcome_assignments()
        } else {
            change.assignments()
        };
        if !sets.is_empty() {
            write_assignments(conn, row.rid, sets)?;
            changed += 1;
        }
    }
    Ok(changed)
}

/// Evaluates and stores the per-target outcomes of every ticket, leaving
/// the snapshots as they are: the first open after migration 12 (which marks
/// the store with [`OUTCOMES_PENDING`]), in one transaction.
pub(crate) fn ensure_outcomes(
    conn: &mut Connection,
    config: &SlaConfig,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    let pending = |c: &Connection| -> StoreResult<bool> {
        Ok(c.prepare_cached("SELECT 1 FROM meta WHERE key = ?1")?
            .exists([OUTCOMES_PENDING])?)
    };
    if !config.outcomes || !pending(conn)? {
        return Ok(());
    }
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    if pending(&tx)? {
        let rows: Vec<(TicketId, super::SlaRow)> = tx
            .prepare(&format!("SELECT t.id, {} FROM tickets t", config.columns()))?
            .query_map([], |r| {
                Ok((TicketId(r.get(0)?), super::events::sla_row_at(r, 1)?))
            })?
            .collect::<Result<_, _>>()?;
        for (id, row) in rows {
            let sets = evaluate_row(&tx, config, id, &row, now)?.outcome_assignments();
            if !sets.is_empty() {
                write_assignments(&tx, row.rid, sets)?;
            }
        }
        tx.execute("DELETE FROM meta WHERE key = ?1", [OUTCOMES_PENDING])?;
    }
    tx.commit()?;
    Ok(())
}

/// The `meta` key migration 12 sets until every ticket has its outcomes.
pub(crate) const OUTCOMES_PENDING: &str = "sla_outcomes_pending";

impl Store {
    /// The workspace's SLA settings (calendars, policies, week start).
    pub fn sla_settings(&self) -> StoreResult<SlaSettings> {
        Ok(self.sla.settings.clone())
    }

    /// Replaces the SLA settings (signed-in admin only) and re-evaluates every
    /// open ticket's due date and SLA state in the same transaction. Returns
    /// the settings as stored.
    ///
    /// Errors: `not_signed_in`; `forbidden` for a non-admin; `invalid_value`
    /// (and the other validation codes) when [`SlaSettings::validate`] refuses
    /// them. Nothing is changed on error.
    pub fn save_sla_settings(&mut self, settings: &SlaSettings) -> StoreResult<SlaSettings> {
        let me = self.current_agent().ok_or(StoreError::NotSignedIn)?;
        let role: Option<String> = self
            .conn()
            .prepare_cached("SELECT role FROM agents WHERE id = ?1")?
            .query_row([me.0], |r| r.get(0))
            .optional()?;
        match role.as_deref().and_then(Role::from_code) {
            Some(Role::Admin) => {}
            Some(_) => {
                return Err(StoreError::Forbidden {
                    action: "change SLA settings",
                });
            }
            None => return Err(StoreError::UnknownAgent(me.to_string())),
        }
        settings.validate()?;
        self.replace_sla_settings(settings.clone())?;
        self.sla_settings()
    }

    /// Stores `settings` without the role check (workspace setup: demo data,
    /// sync bringing the server's settings down) and re-evaluates open tickets.
    pub(crate) fn replace_sla_settings(&mut self, settings: SlaSettings) -> StoreResult<()> {
        let now = self.clock.now();
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let config = replace_in(&tx, settings, &self.sla, now)?;
        tx.commit()?;
        self.sla = std::sync::Arc::new(config);
        Ok(())
    }
}
