//! Persisting the workspace's SLA settings: one JSON document in
//! `sla_settings`, created with the defaults of DESIGN §3 in the workspace
//! timezone the first time a store opens with migration 3, and replaced only
//! by an admin. Replacing it re-evaluates every open ticket in the same
//! transaction.

use super::{SLA_COLUMNS, SlaConfig, evaluate_row, write_assignments};
use crate::error::{StoreError, StoreResult};
use crate::store::Store;
use chrono::{DateTime, Utc};
use outpost_core::sla::SlaSettings;
use outpost_core::{Role, Status, TicketId};
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
pub(crate) fn ensure_sla_settings(
    conn: &mut Connection,
    now: DateTime<Utc>,
) -> StoreResult<SlaConfig> {
    let read = |c: &Connection| -> StoreResult<Option<String>> {
        Ok(
            c.query_row("SELECT json FROM sla_settings WHERE id = 1", [], |r| {
                r.get(0)
            })
            .optional()?,
        )
    };
    if let Some(json) = read(conn)? {
        return Ok(SlaConfig::new(
            serde_json::from_str(&json).map_err(corrupt)?,
        ));
    }
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    // Another process may have created them while we waited for the lock.
    if let Some(json) = read(&tx)? {
        return Ok(SlaConfig::new(
            serde_json::from_str(&json).map_err(corrupt)?,
        ));
    }
    let tz: Option<String> = tx
        .query_row("SELECT timezone FROM workspace LIMIT 1", [], |r| r.get(0))
        .optional()?;
    let tz = tz.and_then(|t| t.parse().ok()).unwrap_or(chrono_tz::UTC);
    let config = SlaConfig::new(SlaSettings::defaults(tz));
    write_document(&tx, &config.settings, now)?;
    reevaluate_tickets(&tx, &config, now, false)?;
    tx.commit()?;
    Ok(config)
}

/// Re-evaluates the snapshot of every ticket (or only the active ones) from
/// its history; writes only what changed. No history events: this is not an
/// edit of the ticket. Returns how many tickets changed.
pub(crate) fn reevaluate_tickets(
    conn: &Connection,
    config: &SlaConfig,
    now: DateTime<Utc>,
    active_only: bool,
) -> StoreResult<u64> {
    let filter = if active_only {
        let active: Vec<String> = Status::ALL
            .into_iter()
            .filter(|s| s.is_active())
            .map(|s| s.rank().to_string())
            .collect();
        format!("WHERE t.status IN ({})", active.join(", "))
    } else {
        String::new()
    };
    let rows: Vec<(TicketId, super::SlaRow)> = conn
        .prepare(&format!(
            "SELECT t.id, {SLA_COLUMNS} FROM tickets t {filter}"
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
        let sets = change.assignments();
        if !sets.is_empty() {
            write_assignments(conn, row.rid, sets)?;
            changed += 1;
        }
    }
    Ok(changed)
}

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
        let config = SlaConfig::new(settings);
        let now = self.clock.now();
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        write_document(&tx, &config.settings, now)?;
        reevaluate_tickets(&tx, &config, now, true)?;
        tx.commit()?;
        self.sla = std::sync::Arc::new(config);
        Ok(())
    }
}
