//! Input limits and checks shared by the client store and the server, so bad
//! input is rejected with the same message everywhere before anything changes.

use crate::error::ValidationError;

/// Longest ticket title, in characters.
pub const MAX_TITLE_CHARS: usize = 300;
/// Longest ticket description or comment body, in characters.
pub const MAX_BODY_CHARS: usize = 65_536;
/// Longest short text (requester, names, category names), in characters.
pub const MAX_SHORT_CHARS: usize = 320;
/// Longest free-text search query, in characters.
pub const MAX_QUERY_CHARS: usize = 200;

/// Trims and checks a required single-line text; returns the trimmed value.
pub fn required_text(
    field: &'static str,
    value: &str,
    max: usize,
) -> Result<String, ValidationError> {
    let trimmed = value.trim();
    if trimmed.is_empty() {
        return Err(ValidationError::Empty { field });
    }
    check_len(field, trimmed, max)?;
    Ok(trimmed.to_owned())
}

/// Checks an optional or multi-line text's length; keeps it as is.
pub fn check_len(field: &'static str, value: &str, max: usize) -> Result<(), ValidationError> {
    // Count lazily: a 1 MB title must not cost a full scan to reject.
    let len = value.chars().take(max + 1).count();
    if len > max {
        return Err(ValidationError::TooLong {
            field,
            len: value.chars().count(),
            max,
        });
    }
    Ok(())
}

/// A ticket title: required, one line, at most [`MAX_TITLE_CHARS`].
pub fn title(value: &str) -> Result<String, ValidationError> {
    let t = required_text("title", value, MAX_TITLE_CHARS)?;
    Ok(t.replace(['\n', '\r'], " "))
}

/// A comment body: required, at most [`MAX_BODY_CHARS`].
pub fn comment_body(value: &str) -> Result<String, ValidationError> {
    required_text("comment", value, MAX_BODY_CHARS)
}

/// Checks an IANA timezone name.
pub fn timezone(value: &str) -> Result<chrono_tz::Tz, ValidationError> {
    value
        .parse::<chrono_tz::Tz>()
        .map_err(|_| ValidationError::Invalid {
            field: "timezone",
            reason: format!(
                "unknown timezone {:?}; use an IANA name such as Europe/Paris",
                value.chars().take(60).collect::<String>()
            ),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles_are_trimmed_and_bounded() {
        assert_eq!(
            title("  Printer offline \n in Lyon ").unwrap(),
            "Printer offline   in Lyon"
        );
        assert_eq!(title("   ").unwrap_err().code(), "empty_field");
        let huge = "x".repeat(1_000_000);
        let err = title(&huge).unwrap_err();
        assert_eq!(err.code(), "too_long");
        assert!(
            err.to_string().contains("at most 300"),
            "message states the limit: {err}"
        );
    }

    #[test]
    fn timezones_must_be_iana_names() {
        assert!(timezone("Europe/Paris").is_ok());
        let err = timezone("Mars/Olympus").unwrap_err();
        assert!(err.to_string().contains("unknown timezone"), "{err}");
    }
}
