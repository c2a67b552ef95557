//! The AI Insights tab, computed on this device from the local store so it
//! works offline: related knowledge-base articles, similar resolved tickets
//! with how they were resolved, and an analysis whose every statement carries
//! the numbers it is based on.
//!
//! Words used here:
//! - *terms*: the words of a ticket used as a query: lower-cased, stop words
//!   and very short words dropped, weighted by where they occur (title 3,
//!   description 2, comments and the linked conversation 1), the heaviest
//!   first. Queries are OR-ed quoted terms, so FTS5's BM25 weighs them by
//!   how rare they are in the searched set.
//! - *typical handling time*: the median time from creation to resolution of
//!   the resolved tickets of the same category and priority (the newest
//!   [`HISTORY_SAMPLE`] of them).

use crate::clock::{from_ms, to_ms};
use crate::error::{StoreError, StoreResult};
use crate::store::Store;
use outpost_core::{
    GeneratedSummary, HistoryField, InsightFigure, InsightLevel, InsightStatement, KbHit, Priority,
    SimilarTicket, Status, TicketId, TicketInsights, TicketNumber,
};
use rusqlite::{OptionalExtension, params};
use std::collections::HashMap;
use uuid::Uuid;

/// Related articles shown.
pub const RELATED_ARTICLES: usize = 5;
/// Similar resolved tickets shown.
pub const SIMILAR_TICKETS: usize = 5;
/// Most terms in the article query.
const KB_TERMS: usize = 24;
/// Most terms in the similar-ticket query (the rarest among ticket titles).
const TICKET_TERMS: usize = 6;
/// Resolved tickets of a category and priority the typical time is taken from.
pub const HISTORY_SAMPLE: i64 = 500;
/// Ticket-title candidates ranked before the resolved ones are kept.
const TICKET_CANDIDATES: i64 = 200;

const STOP_WORDS: &[&str] = &[
    "a",
    "about",
    "after",
    "again",
    "all",
    "also",
    "am",
    "an",
    "and",
    "any",
    "are",
    "as",
    "at",
    "be",
    "been",
    "before",
    "but",
    "by",
    "can",
    "cannot",
    "could",
    "did",
    "do",
    "does",
    "doing",
    "dont",
    "for",
    "from",
    "get",
    "gets",
    "got",
    "had",
    "has",
    "have",
    "having",
    "hello",
    "help",
    "her",
    "here",
    "him",
    "his",
    "how",
    "i",
    "if",
    "im",
    "in",
    "into",
    "is",
    "it",
    "its",
    "ive",
    "just",
    "me",
    "my",
    "need",
    "no",
    "not",
    "now",
    "of",
    "on",
    "or",
    "our",
    "out",
    "please",
    "so",
    "some",
    "still",
    "than",
    "thanks",
    "that",
    "the",
    "their",
    "them",
    "then",
    "there",
    "these",
    "they",
    "this",
    "to",
    "too",
    "up",
    "us",
    "very",
    "was",
    "we",
    "were",
    "what",
    "when",
    "where",
    "which",
    "while",
    "who",
    "why",
    "will",
    "with",
    "would",
    "you",
    "your",
    "hi",
    "thank",
    "regards",
    "issue",
    "problem",
    "ticket",
    "le",
    "la",
    "les",
    "des",
    "une",
    "est",
    "pas",
    "pour",
    "que",
    "qui",
    "dans",
    "sur",
    "avec",
    "depuis",
    "der",
    "die",
    "das",
    "und",
    "ist",
    "nicht",
    "mit",
    "el",
    "los",
    "las",
    "por",
    "con",
    "para",
    "una",
    "every",
    "each",
    "few",
    "other",
    "only",
    "own",
    "same",
    "such",
    "more",
    "most",
    "over",
    "under",
    "off",
    "once",
    "both",
    "through",
    "during",
    "because",
    "until",
    "against",
    "between",
    "above",
    "below",
    "down",
    "should",
    "since",
    "gets",
    "keeps",
    "anymore",
    "today",
    "yesterday",
];

/// The query terms of a text, heaviest first (see the module docs).
pub fn terms(weighted: &[(&str, u32)], max: usize) -> Vec<String> {
    let mut weight: HashMap<String, (u32, usize)> = HashMap::new();
    let mut order = 0usize;
    for (text, w) in weighted {
        for word in text.split(|c: char| !c.is_alphanumeric()) {
            let word = word.to_lowercase();
            if word.chars().count() < 3
                || word.chars().all(|c| c.is_ascii_digit())
                || STOP_WORDS.contains(&word.as_str())
            {
                continue;
            }
            let e = weight.entry(word).or_insert((0, order));
            e.0 += w;
            order += 1;
        }
    }
    let mut all: Vec<(String, (u32, usize))> = weight.into_iter().collect();
    all.sort_by(|a, b| b.1.0.cmp(&a.1.0).then(a.1.1.cmp(&b.1.1)));
    all.into_iter().take(max).map(|(w, _)| w).collect()
}

/// `"a" OR "b" OR ...`; `None` without terms.
fn or_query(terms: &[String]) -> Option<String> {
    (!terms.is_empty()).then(|| {
        terms
            .iter()
            .map(|t| format!("\"{t}\""))
            .collect::<Vec<_>>()
            .join(" OR ")
    })
}

/// What insights read of the ticket itself.
struct Subject {
    rid: i64,
    id: TicketId,
    title: String,
    description: String,
    status: Status,
    priority: Priority,
    category: Option<Uuid>,
    category_name: Option<String>,
    created_at: i64,
    first_response_at: Option<i64>,
    due_at: Option<i64>,
    conversation: Option<Uuid>,
}

/// A similar-ticket candidate row.
struct Candidate {
    id: Uuid,
    number: Option<i64>,
    title: String,
    status: u8,
    created_at: i64,
    resolved_at: Option<i64>,
    score: f64,
}

/// A duration in words: `2 d 3 h`, `3 h 20 min`, `45 min`.
pub fn human(ms: i64) -> String {
    let mins = ms.abs() / 60_000;
    let (d, h, m) = (mins / 1440, (mins % 1440) / 60, mins % 60);
    let s = if d > 0 {
        format!("{d} d {h} h")
    } else if h > 0 {
        format!("{h} h {m} min")
    } else {
        format!("{m} min")
    };
    if ms < 0 { format!("-{s}") } else { s }
}

fn fig(label: &str, value: impl ToString) -> InsightFigure {
    InsightFigure {
        label: label.to_owned(),
        value: value.to_string(),
    }
}

fn median(sorted: &[i64]) -> Option<i64> {
    match sorted.len() {
        0 => None,
        n if n % 2 == 1 => Some(sorted[n / 2]),
        n => Some((sorted[n / 2 - 1] + sorted[n / 2]) / 2),
    }
}

impl Store {
    fn subject(&self, id: TicketId) -> StoreResult<Subject> {
        self.conn()
            .prepare_cached(
                "SELECT t.rid, t.title, t.description, t.status, t.priority, t.category_id, c.name,
                        t.created_at, t.first_response_at, t.due_at, t.conversation_id
                 FROM tickets t LEFT JOIN categories c ON c.id = t.category_id WHERE t.id = ?1",
            )?
            .query_row([id.0], |r| {
                let status: u8 = r.get(3)?;
                let priority: u8 = r.get(4)?;
                Ok(Subject {
                    rid: r.get(0)?,
                    id,
                    title: r.get(1)?,
                    description: r.get(2)?,
                    status: Status::from_rank(status).unwrap_or(Status::Open),
                    priority: Priority::from_rank(priority).unwrap_or(Priority::Normal),
                    category: r.get(5)?,
                    category_name: r.get(6)?,
                    created_at: r.get(7)?,
                    first_response_at: r.get(8)?,
                    due_at: r.get(9)?,
                    conversation: r.get(10)?,
                })
            })
            .optional()?
            .ok_or_else(|| StoreError::not_found("ticket", id))
    }

    /// Everything the AI Insights tab shows for one ticket (see the module docs).
    pub fn ticket_insights(&self, id: TicketId) -> StoreResult<TicketInsights> {
        let now = self.now();
        let s = self.subject(id)?;
        let comments: Vec<String> = self
            .conn()
            .prepare_cached("SELECT body FROM comments WHERE ticket_id = ?1 ORDER BY created_at")?
            .query_map([id.0], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        // (author, body, at) of the linked conversation.
        let messages: Vec<(String, String, i64)> = match s.conversation {
            Some(c) => self
                .conn()
                .prepare_cached(
                    "SELECT author, body, at FROM messages WHERE conversation_id = ?1 ORDER BY at",
                )?
                .query_map([c], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
                .collect::<Result<_, _>>()?,
            None => Vec::new(),
        };
        let mut weighted: Vec<(&str, u32)> =
            vec![(s.title.as_str(), 3), (s.description.as_str(), 2)];
        weighted.extend(comments.iter().map(|c| (c.as_str(), 1)));
        weighted.extend(messages.iter().map(|m| (m.1.as_str(), 1)));
        let related_articles = self.related_articles(&weighted)?;
        let similar_tickets = self.similar_resolved(&s)?;
        let all_text: String = weighted
            .iter()
            .map(|(t, _)| *t)
            .collect::<Vec<_>>()
            .join("\n");
        let mut analysis = Vec::new();
        self.sla_risk(&s, to_ms(now), &mut analysis)?;
        self.churn(&s, &mut analysis)?;
        customer_waiting(&s, &messages, to_ms(now), &mut analysis);
        let language = detect_language(&all_text, &mut analysis);
        Ok(TicketInsights {
            ticket_id: id,
            computed_at: now,
            related_articles,
            similar_tickets,
            analysis,
            language,
            summary: self.cached_summary(id)?,
        })
    }

    /// The top articles for a ticket's text (BM25 over title, tags, body).
    pub fn related_articles(&self, weighted: &[(&str, u32)]) -> StoreResult<Vec<KbHit>> {
        match or_query(&terms(weighted, KB_TERMS)) {
            Some(q) => self.kb_match(&q, RELATED_ARTICLES as i64),
            None => Ok(Vec::new()),
        }
    }

    /// Resolved or closed tickets whose titles share the ticket's rarest
    /// title and description words, best first, with their last comment.
    fn similar_resolved(&self, s: &Subject) -> StoreResult<Vec<SimilarTicket>> {
        // Title words first, then description words; rarest first within each.
        let title = terms(&[(s.title.as_str(), 1)], 16);
        let description = terms(&[(s.description.as_str(), 1)], 16);
        let total: i64 = self
            .conn()
            // Kept exact by triggers (migration 4): no scan of 100k rows.
            .prepare_cached("SELECT coalesce(sum(n), 0) FROM ticket_counts")?
            .query_row([], |r| r.get(0))?;
        let mut df = self
            .conn()
            .prepare_cached("SELECT doc FROM ticket_vocab WHERE term = ?1")?;
        let mut known: Vec<(u8, i64, String)> = Vec::new();
        for (from_title, t) in title
            .into_iter()
            .map(|t| (true, t))
            .chain(description.into_iter().map(|t| (false, t)))
        {
            if known.iter().any(|k| k.2 == t) {
                continue;
            }
            let n: Option<i64> = df.query_row([&t], |r| r.get(0)).optional()?;
            // A word in every fourth title says little about similarity.
            if let Some(n) = n.filter(|n| *n > 0 && *n * 4 <= total.max(8)) {
                known.push((u8::from(!from_title), n, t));
            }
        }
        known.sort();
        let picked: Vec<String> = known.into_iter().take(TICKET_TERMS).map(|k| k.2).collect();
        let Some(q) = or_query(&picked) else {
            return Ok(Vec::new());
        };
        let resolved = [Status::Resolved.rank(), Status::Closed.rank()];
        let mut stmt = self.conn().prepare_cached(
            "SELECT t.id, t.number, t.title, t.status, t.created_at, t.resolved_at, -f.r
             FROM (SELECT rowid, rank AS r FROM ticket_fts WHERE ticket_fts MATCH ?1
                   ORDER BY rank LIMIT ?2) f
             JOIN tickets t ON t.rid = f.rowid
             WHERE t.status IN (?3, ?4) AND t.rid <> ?5
             ORDER BY f.r, t.resolved_at DESC LIMIT ?6",
        )?;
        let rows: Vec<Candidate> = stmt
            .query_map(
                params![
                    q,
                    TICKET_CANDIDATES,
                    resolved[0],
                    resolved[1],
                    s.rid,
                    SIMILAR_TICKETS as i64
                ],
                |r| {
                    Ok(Candidate {
                        id: r.get(0)?,
                        number: r.get(1)?,
                        title: r.get(2)?,
                        status: r.get(3)?,
                        created_at: r.get(4)?,
                        resolved_at: r.get(5)?,
                        score: r.get(6)?,
                    })
                },
            )?
            .collect::<Result<_, _>>()?;
        let mut last = self.conn().prepare_cached(
            "SELECT body, created_at FROM comments WHERE ticket_id = ?1 ORDER BY created_at DESC LIMIT 1",
        )?;
        rows.into_iter()
            .map(|c| -> StoreResult<SimilarTicket> {
                let note: Option<(String, i64)> = last
                    .query_row([c.id], |r| Ok((r.get(0)?, r.get(1)?)))
                    .optional()?;
                Ok(SimilarTicket {
                    id: TicketId(c.id),
                    number: c.number.map(|n| TicketNumber(n as u64)),
                    title: c.title,
                    status: Status::from_rank(c.status).unwrap_or(Status::Resolved),
                    score: c.score,
                    resolved_at: c.resolved_at.map(from_ms),
                    handling_minutes: c.resolved_at.map(|r| (r - c.created_at) / 60_000),
                    resolution: note.as_ref().map(|n| n.0.clone()),
                    resolution_at: note.map(|n| from_ms(n.1)),
                })
            })
            .collect()
    }

    /// SLA risk: the time left before the due date against the typical
    /// handling time of the same category and priority.
    fn sla_risk(&self, s: &Subject, now: i64, out: &mut Vec<InsightStatement>) -> StoreResult<()> {
        // The newest of the group in order from their partial index (the
        // statuses are literals, the index's own term, so the planner can
        // use it).
        let sql = format!(
            "SELECT resolved_at - created_at FROM tickets INDEXED BY tickets_resolved_by_group
             WHERE category_id IS ?1 AND {} AND priority = ?2
               AND resolved_at IS NOT NULL AND rid <> ?3
             ORDER BY created_at DESC LIMIT ?4",
            crate::store::done_range("status")
        );
        let mut spans: Vec<i64> = self
            .conn()
            .prepare_cached(&sql)?
            .query_map(
                params![s.category, s.priority.rank(), s.rid, HISTORY_SAMPLE],
                |r| r.get(0),
            )?
            .collect::<Result<_, _>>()?;
        spans.retain(|x| *x >= 0);
        spans.sort_unstable();
        let group = format!(
            "{} / {}",
            s.category_name.as_deref().unwrap_or("No category"),
            s.priority.label()
        );
        let typical = median(&spans);
        let elapsed = now - s.created_at;
        let mut basis = vec![
            fig("Group", &group),
            fig("Resolved tickets in group", spans.len()),
        ];
        if let Some(t) = typical {
            basis.push(fig("Typical handling time (median)", human(t)));
        }
        basis.push(fig("Open for", human(elapsed)));
        if !s.status.is_active() {
            out.push(InsightStatement {
                kind: "sla_risk".into(),
                level: InsightLevel::Info,
                text: format!(
                    "The ticket is {}: no SLA risk.",
                    s.status.label().to_lowercase()
                ),
                basis,
            });
            return Ok(());
        }
        let Some(due) = s.due_at else {
            out.push(InsightStatement {
                kind: "sla_risk".into(),
                level: InsightLevel::Info,
                text: "No due date: no SLA risk to assess.".into(),
                basis,
            });
            return Ok(());
        };
        let left = due - now;
        basis.push(fig("Time left before due", human(left)));
        let (level, text) = if left <= 0 {
            (
                InsightLevel::Critical,
                format!("The due date passed {} ago.", human(-left)),
            )
        } else {
            match typical {
                Some(t) if spans.len() >= 3 => {
                    let expected = (t - elapsed).max(0);
                    basis.push(fig("Expected remaining work", human(expected)));
                    if expected > left {
                        (
                            InsightLevel::Critical,
                            format!(
                                "High SLA risk: similar tickets need about {} more, only {} left.",
                                human(expected),
                                human(left)
                            ),
                        )
                    } else if expected * 4 > left * 3 {
                        (
                            InsightLevel::Warning,
                            format!(
                                "Some SLA risk: about {} of work expected in the {} left.",
                                human(expected),
                                human(left)
                            ),
                        )
                    } else {
                        (
                            InsightLevel::Info,
                            format!(
                                "Low SLA risk: {} left, similar tickets take {} in total.",
                                human(left),
                                human(t)
                            ),
                        )
                    }
                }
                _ => (
                    InsightLevel::Info,
                    format!(
                        "{} left before the due date; too few resolved tickets in {group} to compare.",
                        human(left)
                    ),
                ),
            }
        };
        out.push(InsightStatement {
            kind: "sla_risk".into(),
            level,
            text,
            basis,
        });
        Ok(())
    }

    /// Reassignments and reopenings, from the ticket's history.
    fn churn(&self, s: &Subject, out: &mut Vec<InsightStatement>) -> StoreResult<()> {
        let rows: Vec<(String, Option<String>, Option<String>)> = self
            .conn()
            .prepare_cached(
                "SELECT field, old_value, new_value FROM history
                 WHERE ticket_id = ?1 AND field IN (?2, ?3) ORDER BY at",
            )?
            .query_map(
                params![
                    s.id.0,
                    HistoryField::Assignee.code(),
                    HistoryField::Status.code()
                ],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )?
            .collect::<Result<_, _>>()?;
        let assignee = HistoryField::Assignee.code();
        let reassigned = rows
            .iter()
            .filter(|(f, old, new)| f == assignee && old.is_some() && new.is_some())
            .count();
        let done = |v: &Option<String>| matches!(v.as_deref(), Some(x) if x == Status::Resolved.code() || x == Status::Closed.code());
        let reopened = rows
            .iter()
            .filter(|(f, old, new)| f == HistoryField::Status.code() && done(old) && !done(new))
            .count();
        let assignments = rows.iter().filter(|r| r.0 == assignee).count();
        out.push(InsightStatement {
            kind: "reassignments".into(),
            level: if reassigned >= 3 {
                InsightLevel::Warning
            } else {
                InsightLevel::Info
            },
            text: match reassigned {
                0 => "Never reassigned.".into(),
                1 => "Reassigned once.".into(),
                n => format!("Reassigned {n} times: consider one owner."),
            },
            basis: vec![
                fig("Assignee changes", assignments),
                fig("Reassignments (from one agent to another)", reassigned),
            ],
        });
        out.push(InsightStatement {
            kind: "reopens".into(),
            level: if reopened > 0 {
                InsightLevel::Warning
            } else {
                InsightLevel::Info
            },
            text: match reopened {
                0 => "Never reopened.".into(),
                1 => "Reopened once after being resolved: check the first fix held.".into(),
                n => format!("Reopened {n} times after being resolved: the root cause may remain."),
            },
            basis: vec![fig("Reopenings", reopened)],
        });
        Ok(())
    }

    /// The cached generated summary of a ticket.
    pub fn cached_summary(&self, ticket: TicketId) -> StoreResult<Option<GeneratedSummary>> {
        let json: Option<String> = self
            .conn()
            .prepare_cached("SELECT json FROM insight_summaries WHERE ticket_id = ?1")?
            .query_row([ticket.0], |r| r.get(0))
            .optional()?;
        Ok(json.and_then(|j| serde_json::from_str(&j).ok()))
    }

    /// Keeps a generated summary for offline use (replacing an older one).
    pub fn cache_summary(
        &mut self,
        ticket: TicketId,
        summary: &GeneratedSummary,
    ) -> StoreResult<()> {
        let json = serde_json::to_string(summary)
            .map_err(|e| StoreError::Corrupt(format!("summary: {e}")))?;
        self.conn().execute(
            "INSERT INTO insight_summaries (ticket_id, json, fetched_at) VALUES (?1, ?2, ?3)
             ON CONFLICT (ticket_id) DO UPDATE SET json = excluded.json, fetched_at = excluded.fetched_at",
            params![ticket.0, json, to_ms(self.now())],
        )?;
        Ok(())
    }
}

/// How long the customer has been waiting for the team.
fn customer_waiting(
    s: &Subject,
    messages: &[(String, String, i64)],
    now: i64,
    out: &mut Vec<InsightStatement>,
) {
    let last_customer = messages
        .iter()
        .rev()
        .find(|m| m.0 == "customer")
        .map(|m| m.2);
    let last_agent = messages.iter().rev().find(|m| m.0 == "agent").map(|m| m.2);
    let mut basis = Vec::new();
    let (level, text) = match (last_customer, last_agent) {
        (Some(c), a) if a.is_none_or(|a| a < c) && s.status.is_active() => {
            let waited = now - c;
            basis.push(fig("Last customer message", human(waited) + " ago"));
            if let Some(a) = a {
                basis.push(fig("Last agent reply", human(now - a) + " ago"));
            }
            (
                if waited > 24 * 3_600_000 {
                    InsightLevel::Warning
                } else {
                    InsightLevel::Info
                },
                format!(
                    "The customer has been waiting {} for a reply.",
                    human(waited)
                ),
            )
        }
        (Some(_), _) => {
            basis.push(fig("Messages in conversation", messages.len()));
            (
                InsightLevel::Info,
                "The customer's last message has an answer.".into(),
            )
        }
        (None, _) => match s.first_response_at {
            Some(f) => {
                basis.push(fig("First response after", human(f - s.created_at)));
                (
                    InsightLevel::Info,
                    format!(
                        "First response came {} after the ticket was opened.",
                        human(f - s.created_at)
                    ),
                )
            }
            None if s.status.is_active() => {
                let waited = now - s.created_at;
                basis.push(fig("Open without a first response", human(waited)));
                (
                    if waited > 8 * 3_600_000 {
                        InsightLevel::Warning
                    } else {
                        InsightLevel::Info
                    },
                    format!(
                        "No first response yet: the customer has waited {}.",
                        human(waited)
                    ),
                )
            }
            None => {
                basis.push(fig("First response", "none recorded"));
                (InsightLevel::Info, "No first response was recorded.".into())
            }
        },
    };
    out.push(InsightStatement {
        kind: "customer_waiting".into(),
        level,
        text,
        basis,
    });
}

/// The language of the ticket's text (whatlang), if detection is reliable.
fn detect_language(text: &str, out: &mut Vec<InsightStatement>) -> Option<String> {
    let info = whatlang::detect(text)?;
    let code = info.lang().code().to_owned();
    let reliable = info.is_reliable();
    out.push(InsightStatement {
        kind: "language".into(),
        level: InsightLevel::Info,
        text: if reliable {
            format!("Written in {}.", info.lang().eng_name())
        } else {
            format!(
                "Probably written in {} (low confidence).",
                info.lang().eng_name()
            )
        },
        basis: vec![
            fig("Language code (ISO 639-3)", &code),
            fig("Confidence", format!("{:.0}%", info.confidence() * 100.0)),
            fig("Characters analysed", text.chars().count()),
        ],
    });
    reliable.then_some(code)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terms_weigh_title_first_and_drop_noise() {
        let t = terms(
            &[
                ("VPN drops every 5 minutes", 3),
                ("The VPN and the printer", 2),
            ],
            3,
        );
        assert_eq!(t, vec!["vpn", "drops", "minutes"]);
        assert!(terms(&[("a to 12 is", 1)], 5).is_empty());
    }

    #[test]
    fn durations_read_well() {
        assert_eq!(human(45 * 60_000), "45 min");
        assert_eq!(human(200 * 60_000), "3 h 20 min");
        assert_eq!(human(-(26 * 60 * 60_000)), "-1 d 2 h");
    }
}
