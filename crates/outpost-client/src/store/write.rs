//! The write path every change goes through: one IMMEDIATE transaction in
//! which the change is applied, its history events appended, and one outbox
//! mutation per changed ticket queued, stamped with the next HLC.
//!
//! Words used here: a *write context* ([`WriteCtx`]) is what a change sees
//! inside its transaction: the time, the acting agent, id and HLC sources.

use super::{META_LAST_HLC, Store, agent_exists, meta_set};
use crate::clock::{IdSource, to_ms};
use crate::error::{StoreError, StoreResult};
use chrono::{DateTime, Utc};
use outpost_core::sync::{Hlc, Mutation, MutationOp};
use outpost_core::{AgentId, HistoryField, TicketId};
use rusqlite::{Transaction, TransactionBehavior, params};
use uuid::Uuid;

/// What a change sees inside its transaction.
pub(crate) struct WriteCtx<'a> {
    pub tx: &'a Transaction<'a>,
    pub now: DateTime<Utc>,
    pub now_ms: i64,
    /// The signed-in agent making the change.
    pub actor: AgentId,
    pub numbering: super::Numbering,
    /// The SLA settings in force.
    pub sla: &'a super::sla::SlaConfig,
    ids: &'a mut IdSource,
    /// The op id of the mutation being built: its history ids derive from it
    /// (see `sync_apply::history_slot`), so they match the server's.
    op_id: Option<Uuid>,
    hlc: &'a mut Option<Hlc>,
    client_id: Uuid,
}

impl WriteCtx<'_> {
    /// A fresh UUIDv7 at the change's time.
    pub fn new_id(&mut self) -> Uuid {
        self.ids.next(self.now)
    }

    /// Makes the next outbox mutation (and the history ids derived from it)
    /// use `op`: rule effects and escalations use ids every device derives
    /// alike, so the server merges them with its own run of the same rule.
    pub fn use_op_id(&mut self, op: Uuid) {
        self.op_id = Some(op);
    }

    /// Appends one history event. `actor = None` records a system change.
    pub fn history(
        &mut self,
        ticket: TicketId,
        actor: Option<AgentId>,
        field: HistoryField,
        old: Option<&str>,
        new: Option<&str>,
    ) -> StoreResult<()> {
        let id = match super::sync_apply::history_slot(field) {
            Some(slot) => {
                let op = *self.op_id.get_or_insert_with(|| self.ids.next(self.now));
                outpost_core::sync::merge::derived_event_id(op, slot).0
            }
            None => self.new_id(),
        };
        self.tx
            .prepare_cached(
                "INSERT INTO history (id, ticket_id, actor_id, at, field, old_value, new_value)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )?
            .execute(params![
                id,
                ticket.0,
                actor.map(|a| a.0),
                self.now_ms,
                field.code(),
                old,
                new
            ])?;
        Ok(())
    }

    /// Queues `op` in the outbox with the next HLC stamp; returns its seq.
    pub fn outbox(&mut self, op: &MutationOp) -> StoreResult<i64> {
        let value = serde_json::to_value(op)
            .map_err(|e| StoreError::Corrupt(format!("cannot encode mutation: {e}")))?;
        let name = value["name"].as_str().unwrap_or_default().to_owned();
        let args = value["args"].to_string();
        let hlc = Hlc::tick(*self.hlc, self.now_ms, self.client_id);
        *self.hlc = Some(hlc);
        let op_id = match self.op_id.take() {
            Some(op) => op,
            None => self.new_id(),
        };
        self.tx
            .prepare_cached(
                "INSERT INTO outbox (op_id, name, args, hlc, actor_id, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?
            .execute(params![
                op_id,
                name,
                args,
                hlc.to_string(),
                self.actor.0,
                self.now_ms
            ])?;
        Ok(self.tx.last_insert_rowid())
    }
}

/// The signed-in agent's side of a write on a connection other than the
/// store's own (the bulk bootstrap worker, `bootstrap.rs`).
pub(crate) struct Writer {
    pub actor: AgentId,
    pub numbering: super::Numbering,
    pub sla: std::sync::Arc<super::sla::SlaConfig>,
    pub ids: IdSource,
    pub hlc: Option<Hlc>,
    pub client_id: Uuid,
}

impl Writer {
    /// A write context inside `tx` at `now`.
    pub(crate) fn ctx<'a>(
        &'a mut self,
        tx: &'a Transaction<'a>,
        now: DateTime<Utc>,
    ) -> WriteCtx<'a> {
        WriteCtx {
            tx,
            now,
            now_ms: to_ms(now),
            actor: self.actor,
            numbering: self.numbering,
            sla: &self.sla,
            ids: &mut self.ids,
            op_id: None,
            hlc: &mut self.hlc,
            client_id: self.client_id,
        }
    }
}

impl Store {
    /// Runs `change` in one IMMEDIATE transaction as the signed-in agent.
    /// Any error rolls everything back: tables, history and outbox alike.
    pub(crate) fn write<T>(
        &mut self,
        change: impl FnOnce(&mut WriteCtx<'_>) -> StoreResult<T>,
    ) -> StoreResult<T> {
        let actor = self.current_agent.ok_or(StoreError::NotSignedIn)?;
        if self.bootstrapping() {
            return Err(StoreError::Downloading);
        }
        let now = self.clock.now();
        let mut hlc = self.last_hlc;
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        if !agent_exists(&tx, actor)? {
            return Err(StoreError::UnknownAgent(actor.to_string()));
        }
        let out = {
            let mut ctx = WriteCtx {
                tx: &tx,
                now,
                now_ms: to_ms(now),
                actor,
                numbering: self.numbering,
                sla: &self.sla,
                ids: &mut self.ids,
                op_id: None,
                hlc: &mut hlc,
                client_id: self.client_id,
            };
            change(&mut ctx)?
        };
        if hlc != self.last_hlc
            && let Some(h) = hlc
        {
            meta_set(&tx, META_LAST_HLC, &h.to_string())?;
        }
        tx.commit()?;
        self.last_hlc = hlc;
        Ok(out)
    }

    /// Outbox entries waiting to be pushed, oldest first, at most `limit`.
    pub fn pending_mutations(&self, limit: usize) -> StoreResult<Vec<Mutation>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT seq, op_id, name, args, hlc, actor_id FROM outbox ORDER BY seq LIMIT ?1",
        )?;
        let rows = stmt.query_map([limit as i64], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, Uuid>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, Uuid>(5)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (seq, op_id, name, args, hlc, actor) = row?;
            let args: serde_json::Value = serde_json::from_str(&args)
                .map_err(|e| StoreError::Corrupt(format!("outbox {seq} args: {e}")))?;
            let op: MutationOp =
                serde_json::from_value(serde_json::json!({ "name": name, "args": args }))
                    .map_err(|e| StoreError::Corrupt(format!("outbox {seq}: {e}")))?;
            out.push(Mutation {
                client_id: self.client_id,
                seq,
                op_id,
                hlc: hlc.parse()?,
                actor_id: AgentId(actor),
                op,
            });
        }
        Ok(out)
    }

    /// How many outbox entries wait to be pushed.
    pub fn outbox_len(&self) -> StoreResult<u64> {
        Ok(self
            .conn
            .query_row("SELECT count(*) FROM outbox", [], |r| r.get::<_, i64>(0))?
            as u64)
    }
}
