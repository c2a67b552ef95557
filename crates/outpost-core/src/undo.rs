//! Undo of bulk changes: what a bulk change reports (how many tickets changed
//! and the id of its undo record, a *batch*) and what undoing it did.
//!
//! Words used here:
//! - *batch*: the stored record of one bulk change: for every ticket it
//!   changed, the fields' values before and after.
//! - *kept*: a ticket (or field) undo left alone because someone changed the
//!   field after the bulk change; undo never overwrites a later edit.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// What a bulk change did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct BulkOutcome {
    /// How many tickets changed.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub changed: u64,
    /// The batch to pass to undo; `None` when nothing changed.
    pub batch_id: Option<Uuid>,
}

/// What undoing a bulk change did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct UndoOutcome {
    /// Tickets whose previous values were restored (every changed field).
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub restored: u64,
    /// Tickets with at least one field left as is because it was edited
    /// after the bulk change (their other fields are restored).
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub kept: u64,
}
