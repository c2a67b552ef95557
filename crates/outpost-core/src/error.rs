//! Errors of the core and the `{code, message}` shape every error takes when it
//! crosses to the UI or over HTTP. Codes are stable; the UI branches on them,
//! never on message text.

use serde::{Deserialize, Serialize};
use thiserror::Error;

/// Bad input detected before anything is changed.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ValidationError {
    /// A required text field is empty or only whitespace.
    #[error("{field} must not be empty")]
    Empty {
        /// The field that was empty.
        field: &'static str,
    },
    /// A text field is longer than allowed.
    #[error("{field} is too long: {len} characters, at most {max} allowed")]
    TooLong {
        /// The field that was too long.
        field: &'static str,
        /// Its length in characters.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// A value is not one of the allowed codes.
    #[error("invalid {field} {value:?}; expected one of: {expected}")]
    InvalidEnum {
        /// The field.
        field: &'static str,
        /// The rejected value (truncated).
        value: String,
        /// The accepted values.
        expected: &'static str,
    },
    /// A value is malformed (bad id, bad date, bad timezone...).
    #[error("invalid {field}: {reason}")]
    Invalid {
        /// The field.
        field: &'static str,
        /// What is wrong.
        reason: String,
    },
}

impl ValidationError {
    /// The stable error code.
    pub fn code(&self) -> &'static str {
        match self {
            ValidationError::Empty { .. } => "empty_field",
            ValidationError::TooLong { .. } => "too_long",
            ValidationError::InvalidEnum { .. } => "invalid_value",
            ValidationError::Invalid { .. } => "invalid_value",
        }
    }
}

/// An error as the UI and HTTP clients see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ErrorDto {
    /// Stable machine-readable code, e.g. `not_found`, `empty_field`.
    pub code: String,
    /// Human-readable explanation of what is wrong.
    pub message: String,
}

impl ErrorDto {
    /// Builds an error from a code and message.
    pub fn new(code: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            code: code.into(),
            message: message.into(),
        }
    }
}

impl From<&ValidationError> for ErrorDto {
    fn from(e: &ValidationError) -> Self {
        ErrorDto::new(e.code(), e.to_string())
    }
}
