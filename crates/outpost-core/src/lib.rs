//! Outpost's domain core: the ticket model, the query model the board runs on,
//! CSV export, validation, and (in later modules) the SLA engine and merge rules.
//!
//! This crate is pure: it performs no I/O and never reads the clock. Time and
//! identifiers come in as arguments so the same inputs always give the same
//! outputs on the desktop client and on the server.

pub mod edit;
pub mod error;
pub mod export;
pub mod ids;
pub mod inbox;
pub mod kb;
pub mod model;
pub mod query;
pub mod report;
pub mod rules;
pub mod sla;
pub mod sync;
pub mod ticket;
#[cfg(feature = "ts")]
pub mod typescript;
pub mod undo;
pub mod validate;

pub use edit::*;
pub use error::{ErrorDto, ValidationError};
pub use ids::*;
pub use kb::*;
pub use model::*;
pub use query::*;
pub use ticket::*;
pub use undo::{BulkOutcome, UndoOutcome};
