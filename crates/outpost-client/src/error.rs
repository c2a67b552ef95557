//! The store's one error type. Every variant has a stable machine code
//! ([`StoreError::code`]) that the UI branches on, and a message that says what
//! is wrong; [`ErrorDto`] is the `{code, message}` shape it crosses to the UI in.
//!
//! Words used here: *bad input* errors (validation, not found, unknown agent)
//! are the caller's to fix and leave the store unchanged; *internal* errors
//! (SQLite, I/O, corrupt rows) are ours.

use outpost_core::{ErrorDto, ValidationError};
use thiserror::Error;

/// Anything that can go wrong in the local store.
#[derive(Debug, Error)]
pub enum StoreError {
    /// The input is malformed (empty title, too long, invalid enum, bad cursor...).
    /// Nothing was changed.
    #[error(transparent)]
    Validation(#[from] ValidationError),

    /// A referenced entity does not exist. Nothing was changed.
    #[error("{what} {id} not found")]
    NotFound {
        /// The kind of entity: `ticket`, `category`, `conversation`...
        what: &'static str,
        /// The id or number that was looked up.
        id: String,
    },

    /// An agent id that is not a member of this workspace. Nothing was changed.
    #[error("unknown agent {0}")]
    UnknownAgent(String),

    /// A change was attempted before an agent signed in on this device.
    #[error("no agent is signed in on this device; sign in before making changes")]
    NotSignedIn,

    /// The signed-in agent's role does not allow this change (e.g. an agent
    /// editing SLA settings). Nothing was changed.
    #[error("only a workspace admin can {action}; ask an admin to do it")]
    Forbidden {
        /// What was attempted, e.g. `change SLA settings`.
        action: &'static str,
    },

    /// A bulk change was undone before; it can be undone once. Nothing was changed.
    #[error("bulk change {0} was already undone")]
    AlreadyUndone(String),

    /// The store file was written by a newer version of Outpost.
    #[error(
        "the local store has schema version {found}, newer than this app supports ({supported}); update Outpost"
    )]
    SchemaTooNew {
        /// The store's `user_version`.
        found: i64,
        /// The newest migration this build knows.
        supported: i64,
    },

    /// A stored row could not be read back (a bug or a corrupt store).
    #[error("corrupt data in the local store: {0}")]
    Corrupt(String),

    /// SQLite failed (disk full, locked past the busy timeout, corrupt file...).
    #[error("local database error: {0}")]
    Sqlite(#[from] rusqlite::Error),

    /// Reading or writing a file failed (store folder, CSV export target).
    #[error("file error: {0}")]
    Io(#[from] std::io::Error),

    /// The workspace is being downloaded to this device (its first sync);
    /// changes wait until it is in. Nothing was changed.
    #[error("the workspace is still downloading to this device; try again in a moment")]
    Downloading,

    /// The platform has no application-data folder (no home directory).
    #[error("cannot find the application data folder on this system")]
    NoDataDir,
}

impl StoreError {
    /// The stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            StoreError::Validation(v) => v.code(),
            StoreError::NotFound { .. } => "not_found",
            StoreError::UnknownAgent(_) => "unknown_agent",
            StoreError::NotSignedIn => "not_signed_in",
            StoreError::Forbidden { .. } => "forbidden",
            StoreError::AlreadyUndone(_) => "already_undone",
            StoreError::SchemaTooNew { .. } => "schema_too_new",
            StoreError::Corrupt(_) => "corrupt_store",
            StoreError::Sqlite(_) => "database_error",
            StoreError::Io(_) => "io_error",
            StoreError::NoDataDir => "no_data_dir",
            StoreError::Downloading => "downloading",
        }
    }

    /// Whether the caller caused the error (and can fix the input), as opposed
    /// to a failure of the store itself.
    pub fn is_bad_input(&self) -> bool {
        matches!(
            self,
            StoreError::Validation(_)
                | StoreError::NotFound { .. }
                | StoreError::UnknownAgent(_)
                | StoreError::NotSignedIn
                | StoreError::Forbidden { .. }
                | StoreError::AlreadyUndone(_)
        )
    }

    pub(crate) fn not_found(what: &'static str, id: impl ToString) -> Self {
        StoreError::NotFound {
            what,
            id: id.to_string(),
        }
    }
}

impl From<csv::Error> for StoreError {
    fn from(e: csv::Error) -> Self {
        match e.into_kind() {
            csv::ErrorKind::Io(io) => StoreError::Io(io),
            other => StoreError::Io(std::io::Error::other(format!("{other:?}"))),
        }
    }
}

impl From<&StoreError> for ErrorDto {
    fn from(e: &StoreError) -> Self {
        match e {
            StoreError::Validation(v) => ErrorDto::from(v),
            other => ErrorDto::new(other.code(), other.to_string()),
        }
    }
}

/// Shorthand for results of store operations.
pub type StoreResult<T> = Result<T, StoreError>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_stable_and_dto_carries_them() {
        let e = StoreError::from(ValidationError::Empty { field: "title" });
        assert_eq!(e.code(), "empty_field");
        let dto = ErrorDto::from(&e);
        assert_eq!(dto.code, "empty_field");
        assert_eq!(dto.message, "title must not be empty");
        let nf = StoreError::not_found("ticket", "TKT-009");
        assert_eq!(ErrorDto::from(&nf).message, "ticket TKT-009 not found");
        assert!(nf.is_bad_input(), "not found is the caller's to fix");
        let too_new = StoreError::SchemaTooNew {
            found: 9,
            supported: 1,
        };
        assert_eq!(too_new.code(), "schema_too_new");
        assert!(!too_new.is_bad_input());
        let forbidden = StoreError::Forbidden {
            action: "change SLA settings",
        };
        assert_eq!(forbidden.code(), "forbidden");
        assert_eq!(
            forbidden.to_string(),
            "only a workspace admin can change SLA settings; ask an admin to do it"
        );
        assert!(
            forbidden.is_bad_input(),
            "a forbidden change is the caller's"
        );
    }
}
