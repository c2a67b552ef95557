//! The knowledge base and the AI Insights tab: article input and its checks
//! (shared by the client store and the server), and the shape of the
//! insights computed locally for one ticket.
//!
//! Words used here:
//! - *passage*: the part of an article (or ticket) that matched a query, as
//!   plain-text parts, each marked as a hit or not. The UI renders the hits
//!   with `<mark>` from these parts; no markup ever comes from the data.
//! - *basis*: the numbers a statement of the analysis is computed from, so
//!   the agent can judge it.

use crate::error::ValidationError;
use crate::ids::{KbArticleId, TicketId};
use crate::ticket::{Status, TicketNumber};
use crate::validate::{MAX_TITLE_CHARS, check_len, required_text};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Longest article body (Markdown), in characters.
pub const MAX_ARTICLE_CHARS: usize = 100_000;
/// Most tags on one article.
pub const MAX_TAGS: usize = 20;
/// Longest tag, in characters.
pub const MAX_TAG_CHARS: usize = 40;

/// An article as an admin writes it (create or replace).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct KbArticleInput {
    pub title: String,
    pub body: String,
    #[serde(default)]
    pub tags: Vec<String>,
}

impl KbArticleInput {
    /// Checks and normalises: title required and one line, body within
    /// [`MAX_ARTICLE_CHARS`] without control characters (except newlines and
    /// tabs), tags trimmed, lower-cased, de-duplicated, at most [`MAX_TAGS`].
    pub fn validated(&self) -> Result<KbArticleInput, ValidationError> {
        let title =
            required_text("title", &self.title, MAX_TITLE_CHARS)?.replace(['\n', '\r'], " ");
        check_len("body", &self.body, MAX_ARTICLE_CHARS)?;
        let body: String = self
            .body
            .chars()
            .filter(|c| !c.is_control() || matches!(c, '\n' | '\t'))
            .collect();
        if self.tags.len() > MAX_TAGS {
            return Err(ValidationError::Invalid {
                field: "tags",
                reason: format!("at most {MAX_TAGS} tags"),
            });
        }
        let mut tags: Vec<String> = Vec::new();
        for t in &self.tags {
            let t = t.trim().to_lowercase();
            if t.is_empty() {
                continue;
            }
            check_len("tag", &t, MAX_TAG_CHARS)?;
            if t.chars().any(|c| c.is_control() || c == ',') {
                return Err(ValidationError::Invalid {
                    field: "tag",
                    reason: "a tag is one word or phrase without commas".into(),
                });
            }
            if !tags.contains(&t) {
                tags.push(t);
            }
        }
        Ok(KbArticleInput { title, body, tags })
    }
}

/// A piece of a passage: plain text, and whether it matched the query.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct PassagePart {
    pub text: String,
    pub hit: bool,
}

/// A knowledge-base article found by a search or related to a ticket.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct KbHit {
    pub id: KbArticleId,
    pub title: String,
    pub tags: Vec<String>,
    /// BM25 relevance (higher is better), for ordering and display.
    pub score: f64,
    /// The best matching passage of the body (or its opening).
    pub passage: Vec<PassagePart>,
    pub updated_at: DateTime<Utc>,
}

/// A resolved ticket like this one, and how it was resolved.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct SimilarTicket {
    pub id: TicketId,
    pub number: Option<TicketNumber>,
    pub title: String,
    pub status: Status,
    pub score: f64,
    pub resolved_at: Option<DateTime<Utc>>,
    /// Minutes from creation to resolution.
    #[cfg_attr(feature = "ts", ts(type = "number | null"))]
    pub handling_minutes: Option<i64>,
    /// Its last comment (the resolution note), if any.
    pub resolution: Option<String>,
    pub resolution_at: Option<DateTime<Utc>>,
}

/// A number an analysis statement is based on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct InsightFigure {
    pub label: String,
    pub value: String,
}

/// How much attention a statement asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum InsightLevel {
    Info,
    Warning,
    Critical,
}

/// One statement of the analysis, with the numbers behind it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct InsightStatement {
    /// `sla_risk`, `reassignments`, `reopens`, `customer_waiting` or `language`.
    pub kind: String,
    pub level: InsightLevel,
    pub text: String,
    pub basis: Vec<InsightFigure>,
}

/// A summary and draft resolution produced by the workspace's configured
/// language model (on the server), as cached on this device.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct GeneratedSummary {
    pub summary: String,
    pub draft_resolution: String,
    pub model: String,
    pub generated_at: DateTime<Utc>,
}

/// Everything the AI Insights tab shows for one ticket.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct TicketInsights {
    pub ticket_id: TicketId,
    pub computed_at: DateTime<Utc>,
    pub related_articles: Vec<KbHit>,
    pub similar_tickets: Vec<SimilarTicket>,
    pub analysis: Vec<InsightStatement>,
    /// ISO 639-3 code of the detected language, when reliable enough.
    pub language: Option<String>,
    /// The cached generated summary, if one was requested.
    pub summary: Option<GeneratedSummary>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn input_is_normalised_and_limited() {
        let ok = KbArticleInput {
            title: "  Reset a password\n ".into(),
            body: "Step\u{1} one\n\tindented".into(),
            tags: vec![" Login ".into(), "login".into(), "".into(), "SSO".into()],
        }
        .validated()
        .unwrap();
        assert_eq!(ok.title, "Reset a password");
        assert_eq!(
            ok.body, "Step one\n\tindented",
            "control characters go, newlines stay"
        );
        assert_eq!(ok.tags, vec!["login", "sso"]);
        let long = KbArticleInput {
            title: "t".into(),
            body: "x".repeat(MAX_ARTICLE_CHARS + 1),
            tags: vec![],
        };
        assert!(long.validated().is_err());
        let empty = KbArticleInput::default();
        assert!(empty.validated().is_err());
        let many = KbArticleInput {
            title: "t".into(),
            body: String::new(),
            tags: (0..=MAX_TAGS).map(|i| i.to_string()).collect(),
        };
        assert!(many.validated().is_err());
    }
}
