//! Outpost's client side: the local SQLite store every desktop install keeps
//! (tickets, comments, history, the outbox of changes waiting to sync) and the
//! deterministic demo data used by the app's first run and the benchmarks.
//!
//! No Tauri dependency: the desktop shell calls [`Store`] methods one-to-one
//! and maps [`StoreError`] to `{code, message}` with `ErrorDto::from`.

pub mod alerts;
pub mod clock;
pub mod demo;
pub mod error;
pub mod insights;
pub mod notify;
pub mod retrieval_eval;
pub mod store;
pub mod sync;

pub use alerts::{AlertTicket, SlaAlerts};
pub use clock::{Clock, FixedClock, IdSource, SystemClock};
pub use error::{StoreError, StoreResult};
pub use notify::{Notification, NotificationKind, NotificationPrefs};
pub use store::{Numbering, SlaCounts, SlaTransition, Store, StoreOptions};
