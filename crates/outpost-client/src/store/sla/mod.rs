//! The one place the store asks "what is this ticket's due date and SLA
//! state now?": [`recompute_sla`], called inside the write transaction after
//! every change to a ticket.
//!
//! Plugging in the SLA engine (outpost_core::sla) means replacing
//! [`compute`] only: it receives the ticket row and its history and returns the
//! due date and state; storing them and recording an `sla` history event on a
//! state change stay here. Until then the due date is the manual override and
//! the state is `None`.

use super::write::WriteCtx;
use crate::clock::from_ms;
use crate::error::StoreResult;
use chrono::{DateTime, Utc};
use outpost_core::{HistoryField, SlaState, TicketId};
use rusqlite::params;

/// What the SLA computation decides for one ticket.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct SlaOutcome {
    /// Effective due date (override, else the earliest running deadline).
    pub due_at: Option<DateTime<Utc>>,
    /// The state shown on the card.
    pub state: SlaState,
}

/// The inputs the computation may use (the SLA issue will add the policy,
/// calendars and the ticket's history here).
#[derive(Debug, Clone, Copy)]
pub(crate) struct SlaInput {
    pub due_override: Option<DateTime<Utc>>,
    #[allow(dead_code)] // read by the SLA engine once plugged in
    pub now: DateTime<Utc>,
}

/// The computation itself. Placeholder: the manual override, no SLA state.
fn compute(input: &SlaInput) -> SlaOutcome {
    SlaOutcome {
        due_at: input.due_override,
        state: SlaState::None,
    }
}

/// Recomputes and stores `ticket`'s due date and SLA state inside the current
/// write; appends a system `sla` history event when the state changes.
pub(crate) fn recompute_sla(ctx: &mut WriteCtx<'_>, ticket: TicketId) -> StoreResult<()> {
    let (due_override, due_at, state): (Option<i64>, Option<i64>, u8) = ctx
        .tx
        .prepare_cached("SELECT due_override, due_at, sla_state FROM tickets WHERE id = ?1")?
        .query_row([ticket.0], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
    let old = SlaOutcome {
        due_at: due_at.map(from_ms),
        state: SlaState::from_rank(state).unwrap_or_default(),
    };
    let new = compute(&SlaInput {
        due_override: due_override.map(from_ms),
        now: ctx.now,
    });
    if new == old {
        return Ok(());
    }
    ctx.tx
        .prepare_cached("UPDATE tickets SET due_at = ?1, sla_state = ?2 WHERE id = ?3")?
        .execute(params![
            new.due_at.map(|d| d.timestamp_millis()),
            new.state.rank(),
            ticket.0
        ])?;
    if new.state != old.state {
        ctx.history(
            ticket,
            None,
            HistoryField::Sla,
            Some(old.state.code()),
            Some(new.state.code()),
        )?;
    }
    Ok(())
}
