//! The server's hook into the SLA engine. Every ticket the server stores or
//! returns passes through [`compute_sla`], so wiring in `outpost_core::sla`
//! later changes this one function only.

use chrono::{DateTime, Utc};
use outpost_core::{SlaState, Ticket};

/// Sets `ticket.due_at` and `ticket.sla_state` as of `now`.
///
/// Until the SLA engine lands this honours only the manual override: the due
/// date is the override and the state is `None`.
pub fn compute_sla(ticket: &mut Ticket, _now: DateTime<Utc>) {
    ticket.due_at = ticket.due_override;
    ticket.sla_state = SlaState::None;
}
