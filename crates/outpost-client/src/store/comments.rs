//! Internal comments: adding one (with its @mentions, a history event and an
//! outbox mutation) and reading a ticket's comments.
//!
//! Words used here: a *mention* is `@` followed by an agent's full name
//! (`@Ana Lopez`), the local part of their email (`@ana.lopez`) or their first
//! name when no other agent shares it (`@ana`); matching ignores case, and the
//! longest match wins so `@Ana Lopez` is not read as `@Ana`.

use super::Store;
use super::rows::{AGENT_COLUMNS, COMMENT_COLUMNS, agent, comment};
use super::tickets::load_card;
use crate::error::StoreResult;
use outpost_core::sync::MutationOp;
use outpost_core::{Agent, AgentId, Comment, CommentId, HistoryField, TicketId, validate};
use rusqlite::params;

impl Store {
    /// Adds an internal comment by the signed-in agent; mentions are resolved
    /// against the workspace's agents. The ticket's `updated_at` moves to now.
    pub fn add_comment(&mut self, ticket: TicketId, body: &str) -> StoreResult<Comment> {
        let body = validate::comment_body(body)?;
        self.write(|ctx| {
            load_card(ctx.tx, ticket)?;
            let agents: Vec<Agent> = ctx
                .tx
                .prepare_cached(&format!("SELECT {AGENT_COLUMNS} FROM agents"))?
                .query_map([], agent)?
                .collect::<Result<_, _>>()?;
            let mentions = parse_mentions(&body, &agents);
            let id = CommentId(ctx.new_id());
            let mentions_json = serde_json::to_string(&mentions).unwrap_or_else(|_| "[]".into());
            ctx.tx
                .prepare_cached(
                    "INSERT INTO comments (id, ticket_id, author_id, body, mentions_json, created_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                )?
                .execute(params![id.0, ticket.0, ctx.actor.0, body, mentions_json, ctx.now_ms])?;
            ctx.tx
                .prepare_cached("UPDATE tickets SET updated_at = ?1 WHERE id = ?2")?
                .execute(params![ctx.now_ms, ticket.0])?;
            let actor = Some(ctx.actor);
            ctx.history(ticket, actor, HistoryField::Comment, None, Some(&id.to_string()))?;
            ctx.outbox(&MutationOp::AddComment {
                id,
                ticket_id: ticket,
                body: body.clone(),
                created_at: ctx.now,
            })?;
            Ok(Comment {
                id,
                ticket_id: ticket,
                author_id: ctx.actor,
                body,
                mentions,
                created_at: ctx.now,
            })
        })
    }

    /// A ticket's comments, oldest first.
    pub fn comments(&self, ticket: TicketId) -> StoreResult<Vec<Comment>> {
        load_card(self.conn(), ticket)?;
        let sql = format!(
            "SELECT {COMMENT_COLUMNS} FROM comments WHERE ticket_id = ?1 ORDER BY created_at, id"
        );
        Ok(self
            .conn()
            .prepare_cached(&sql)?
            .query_map([ticket.0], comment)?
            .collect::<Result<_, _>>()?)
    }
}

/// If `hay` starts with `needle` ignoring case, the byte length matched.
fn starts_with_ci(hay: &str, needle: &str) -> Option<usize> {
    let mut hay_chars = hay.char_indices();
    for n in needle.chars() {
        let (_, h) = hay_chars.next()?;
        if !h.to_lowercase().eq(n.to_lowercase()) {
            return None;
        }
    }
    Some(hay_chars.next().map_or(hay.len(), |(i, _)| i))
}

/// The agents mentioned in `body`, in order of first mention, without repeats.
pub fn parse_mentions(body: &str, agents: &[Agent]) -> Vec<AgentId> {
    // Every handle each agent answers to; first names only when unambiguous.
    let first = |a: &Agent| {
        a.name
            .split_whitespace()
            .next()
            .unwrap_or("")
            .to_lowercase()
    };
    let mut handles: Vec<(String, AgentId)> = Vec::new();
    for a in agents {
        handles.push((a.name.clone(), a.id));
        if let Some(local) = a.email.split('@').next().filter(|l| !l.is_empty()) {
            handles.push((local.to_owned(), a.id));
        }
        let f = first(a);
        if !f.is_empty() && agents.iter().filter(|b| first(b) == f).count() == 1 {
            handles.push((f, a.id));
        }
    }
    handles.sort_by_key(|(h, _)| std::cmp::Reverse(h.chars().count()));

    let mut found = Vec::new();
    let mut prev: Option<char> = None;
    for (i, c) in body.char_indices() {
        let at_word_start = prev.is_none_or(|p| !p.is_alphanumeric() && p != '.');
        prev = Some(c);
        if c != '@' || !at_word_start {
            continue;
        }
        let rest = &body[i + 1..];
        let hit = handles.iter().find_map(|(h, id)| {
            let len = starts_with_ci(rest, h)?;
            let ends_word = rest[len..]
                .chars()
                .next()
                .is_none_or(|n| !n.is_alphanumeric());
            ends_word.then_some(*id)
        });
        if let Some(id) = hit.filter(|id| !found.contains(id)) {
            found.push(id);
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use outpost_core::Role;
    use uuid::Uuid;

    fn agent(n: u128, name: &str, email: &str) -> Agent {
        Agent {
            id: AgentId(Uuid::from_u128(n)),
            name: name.into(),
            email: email.into(),
            role: Role::Agent,
            timezone: "UTC".into(),
        }
    }

    #[test]
    fn mentions_match_names_email_handles_and_unique_first_names() {
        let agents = [
            agent(1, "Ana Lopez", "ana@example.com"),
            agent(2, "Ben Okafor", "b.okafor@example.com"),
            agent(3, "Ben Stone", "bstone@example.com"),
            agent(4, "Élodie Martin", "elodie@example.com"),
        ];
        let ids = |v: &[u128]| {
            v.iter()
                .map(|n| AgentId(Uuid::from_u128(*n)))
                .collect::<Vec<_>>()
        };
        assert_eq!(
            parse_mentions("ping @ana lopez please", &agents),
            ids(&[1]),
            "full name, any case"
        );
        assert_eq!(
            parse_mentions("@b.okafor and @BSTONE", &agents),
            ids(&[2, 3]),
            "email local parts"
        );
        assert_eq!(
            parse_mentions("@ben can you", &agents),
            ids(&[]),
            "ambiguous first name matches nobody"
        );
        assert_eq!(
            parse_mentions("@élodie, @ÉLODIE MARTIN", &agents),
            ids(&[4]),
            "accents, repeats once"
        );
        assert_eq!(
            parse_mentions("mail ana@example.com", &agents),
            ids(&[]),
            "an email address is not a mention"
        );
        assert_eq!(
            parse_mentions("@anabel", &agents),
            ids(&[]),
            "a handle must end at a word boundary"
        );
    }
}
