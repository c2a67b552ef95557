//! The knowledge base on this device: browsing and searching articles
//! (FTS5, BM25), admin edits (applied here at once and queued in the outbox
//! like every change), and applying the articles the server sends.
//!
//! Words used here: a *pending* article has an edit or delete in the outbox
//! that the server has not acknowledged; pulled copies of it are skipped
//! until then, so a pull never undoes a local edit (the server's answer to
//! the push comes back on a later page of the feed).

use super::Store;
use crate::clock::{from_ms, to_ms};
use crate::error::{StoreError, StoreResult};
use outpost_core::sync::MutationOp;
use outpost_core::{AgentId, KbArticle, KbArticleId, KbArticleInput, KbHit, PassagePart, validate};
use rusqlite::{Connection, OptionalExtension, Row, params};
use uuid::Uuid;

/// Start and end of a hit in FTS5 `snippet()` output. Article bodies never
/// hold control characters (see [`KbArticleInput::validated`]).
pub(crate) const HIT_START: &str = "\u{1}";
pub(crate) const HIT_END: &str = "\u{2}";

/// The most hits a search returns.
pub const MAX_KB_HITS: usize = 50;

const ARTICLE_COLUMNS: &str = "id, title, body, tags_json, updated_by, updated_at";

fn article(r: &Row<'_>) -> rusqlite::Result<KbArticle> {
    let tags: String = r.get(3)?;
    Ok(KbArticle {
        id: KbArticleId(r.get(0)?),
        title: r.get(1)?,
        body: r.get(2)?,
        tags: serde_json::from_str(&tags).unwrap_or_default(),
        updated_by: r.get::<_, Option<Uuid>>(4)?.map(AgentId),
        updated_at: from_ms(r.get(5)?),
    })
}

/// Splits FTS5 `snippet()` / `highlight()` output into plain parts.
pub(crate) fn passage_parts(marked: &str) -> Vec<PassagePart> {
    let mut parts = Vec::new();
    let mut rest = marked;
    while !rest.is_empty() {
        let (text, hit, next) = match rest.find(HIT_START) {
            Some(0) => {
                let body = &rest[HIT_START.len()..];
                match body.find(HIT_END) {
                    Some(end) => (&body[..end], true, &body[end + HIT_END.len()..]),
                    None => (body, true, ""),
                }
            }
            Some(i) => (&rest[..i], false, &rest[i..]),
            None => (rest, false, ""),
        };
        let clean: String = text
            .chars()
            .filter(|c| *c != '\u{1}' && *c != '\u{2}')
            .collect();
        if !clean.is_empty() {
            match parts.last_mut() {
                Some(PassagePart { text: t, hit: h }) if *h == hit => t.push_str(&clean),
                _ => parts.push(PassagePart { text: clean, hit }),
            }
        }
        rest = next;
    }
    parts
}

/// The opening of a body as a passage without hits.
fn opening(body: &str) -> Vec<PassagePart> {
    let text: String = body.chars().take(200).collect();
    let text = if body.chars().count() > 200 {
        format!("{}…", text.trim_end())
    } else {
        text
    };
    if text.is_empty() {
        Vec::new()
    } else {
        vec![PassagePart { text, hit: false }]
    }
}

/// An FTS5 query matching every word of `q` as a prefix: `"wi"* AND "fi"*`.
/// `None` when `q` has no word.
pub(crate) fn prefix_query(q: &str) -> Option<String> {
    let words: Vec<String> = q
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .take(12)
        .map(|w| format!("\"{}\"*", w.to_lowercase()))
        .collect();
    (!words.is_empty()).then(|| words.join(" AND "))
}

/// Writes an article row (insert or replace by id) without touching the outbox.
fn save_row(conn: &Connection, a: &KbArticle) -> StoreResult<()> {
    conn.prepare_cached(
        "INSERT INTO kb_articles (id, title, body, tags_json, tags_text, updated_by, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
         ON CONFLICT (id) DO UPDATE SET title = excluded.title, body = excluded.body,
             tags_json = excluded.tags_json, tags_text = excluded.tags_text,
             updated_by = excluded.updated_by, updated_at = excluded.updated_at",
    )?
    .execute(params![
        a.id.0,
        a.title,
        a.body,
        serde_json::to_string(&a.tags).unwrap_or_else(|_| "[]".into()),
        a.tags.join(" "),
        a.updated_by.map(|x| x.0),
        to_ms(a.updated_at)
    ])?;
    Ok(())
}

/// Articles with an unacknowledged edit or delete in the outbox.
fn pending_articles(conn: &Connection) -> StoreResult<Vec<KbArticleId>> {
    let mut out = Vec::new();
    let mut stmt = conn.prepare_cached(
        "SELECT json_extract(args, '$.id') FROM outbox
         WHERE name IN ('put_kb_article', 'delete_kb_article')",
    )?;
    for id in stmt.query_map([], |r| r.get::<_, String>(0))? {
        if let Ok(u) = Uuid::parse_str(&id?) {
            out.push(KbArticleId(u));
        }
    }
    Ok(out)
}

/// Applies pulled articles and deletions (inside the sync transaction).
pub(crate) fn apply_remote_kb(
    conn: &Connection,
    articles: &[KbArticle],
    deleted: &[KbArticleId],
) -> StoreResult<()> {
    if articles.is_empty() && deleted.is_empty() {
        return Ok(());
    }
    let pending = pending_articles(conn)?;
    for a in articles.iter().filter(|a| !pending.contains(&a.id)) {
        save_row(conn, a)?;
    }
    for id in deleted.iter().filter(|id| !pending.contains(id)) {
        conn.prepare_cached("DELETE FROM kb_articles WHERE id = ?1")?
            .execute([id.0])?;
    }
    Ok(())
}

impl Store {
    /// One article.
    pub fn kb_article(&self, id: KbArticleId) -> StoreResult<KbArticle> {
        self.conn()
            .prepare_cached(&format!(
                "SELECT {ARTICLE_COLUMNS} FROM kb_articles WHERE id = ?1"
            ))?
            .query_row([id.0], article)
            .optional()?
            .ok_or_else(|| StoreError::NotFound {
                what: "article",
                id: id.to_string(),
            })
    }

    /// How many articles the device holds.
    pub fn kb_count(&self) -> StoreResult<u64> {
        Ok(self
            .conn()
            .query_row("SELECT count(*) FROM kb_articles", [], |r| {
                r.get::<_, i64>(0)
            })? as u64)
    }

    /// Searches the knowledge base: every word of `query` as a prefix,
    /// ranked by BM25 (title weighs most, then tags, then body), each hit
    /// with its best passage. An empty query lists articles by title.
    pub fn search_kb(&self, query: &str, limit: usize) -> StoreResult<Vec<KbHit>> {
        validate::check_len("query", query, validate::MAX_QUERY_CHARS)?;
        let limit = limit.clamp(1, MAX_KB_HITS) as i64;
        let Some(fts) = prefix_query(query) else {
            let mut stmt = self.conn().prepare_cached(&format!(
                "SELECT {ARTICLE_COLUMNS} FROM kb_articles ORDER BY title COLLATE NOCASE, id LIMIT ?1"
            ))?;
            let rows = stmt.query_map([limit], article)?;
            return rows
                .map(|a| -> StoreResult<KbHit> {
                    let a = a?;
                    Ok(KbHit {
                        id: a.id,
                        title: a.title,
                        tags: a.tags,
                        score: 0.0,
                        passage: opening(&a.body),
                        updated_at: a.updated_at,
                    })
                })
                .collect();
        };
        self.kb_match(&fts, limit)
    }

    /// Articles matching an FTS5 expression, best first. Ranks every match
    /// first (BM25 only), then cuts the passage of the `limit` best: a
    /// snippet tokenizes the whole body, and a ticket's query matches most
    /// of a large knowledge base.
    pub(crate) fn kb_match(&self, fts: &str, limit: i64) -> StoreResult<Vec<KbHit>> {
        let best: Vec<(i64, f64)> = self
            .conn()
            .prepare_cached(
                "SELECT rowid, bm25(kb_fts, 8.0, 1.0, 4.0) AS r FROM kb_fts
                 WHERE kb_fts MATCH ?1 ORDER BY r LIMIT ?2",
            )?
            .query_map(params![fts, limit], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<_, _>>()?;
        let mut hit = self.conn().prepare_cached(
            "SELECT a.id, a.title, a.tags_json, a.updated_at, a.body,
                    snippet(kb_fts, 1, ?2, ?3, '…', 24)
             FROM kb_fts JOIN kb_articles a ON a.rid = kb_fts.rowid
             WHERE kb_fts MATCH ?1 AND kb_fts.rowid = ?4",
        )?;
        let mut out = Vec::with_capacity(best.len());
        for (rowid, rank) in best {
            let found = hit
                .query_row(params![fts, HIT_START, HIT_END, rowid], |r| {
                    let tags: String = r.get(2)?;
                    let body: String = r.get(4)?;
                    let snippet: String = r.get(5)?;
                    let passage = if snippet.contains(HIT_START) {
                        passage_parts(&snippet)
                    } else {
                        opening(&body)
                    };
                    Ok(KbHit {
                        id: KbArticleId(r.get(0)?),
                        title: r.get(1)?,
                        tags: serde_json::from_str(&tags).unwrap_or_default(),
                        score: -rank,
                        passage,
                        updated_at: from_ms(r.get(3)?),
                    })
                })
                .optional()?;
            out.extend(found);
        }
        Ok(out)
    }

    /// Creates (no `id`) or replaces an article (admins only); queued for the
    /// server like every change.
    pub fn put_kb_article(
        &mut self,
        id: Option<KbArticleId>,
        input: &KbArticleInput,
    ) -> StoreResult<KbArticle> {
        self.require_admin("edit knowledge-base articles")?;
        let input = input.validated()?;
        if let Some(id) = id {
            self.kb_article(id)?;
        }
        self.write(|ctx| {
            let id = id.unwrap_or_else(|| KbArticleId(ctx.new_id()));
            let a = KbArticle {
                id,
                title: input.title.clone(),
                body: input.body.clone(),
                tags: input.tags.clone(),
                updated_by: Some(ctx.actor),
                updated_at: ctx.now,
            };
            save_row(ctx.tx, &a)?;
            ctx.outbox(&MutationOp::PutKbArticle {
                id,
                article: input,
                updated_at: ctx.now,
            })?;
            Ok(a)
        })
    }

    /// Deletes an article (admins only); queued for the server.
    pub fn delete_kb_article(&mut self, id: KbArticleId) -> StoreResult<()> {
        self.require_admin("delete knowledge-base articles")?;
        self.kb_article(id)?;
        self.write(|ctx| {
            ctx.tx
                .prepare_cached("DELETE FROM kb_articles WHERE id = ?1")?
                .execute([id.0])?;
            ctx.outbox(&MutationOp::DeleteKbArticle { id })?;
            Ok(())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passages_split_on_markers_only() {
        let parts = passage_parts("Restart the \u{1}router\u{2} then \u{1}VPN\u{2}…");
        assert_eq!(
            parts,
            vec![
                PassagePart {
                    text: "Restart the ".into(),
                    hit: false
                },
                PassagePart {
                    text: "router".into(),
                    hit: true
                },
                PassagePart {
                    text: " then ".into(),
                    hit: false
                },
                PassagePart {
                    text: "VPN".into(),
                    hit: true
                },
                PassagePart {
                    text: "…".into(),
                    hit: false
                },
            ]
        );
        assert_eq!(
            passage_parts("<b>x</b>")[0].text,
            "<b>x</b>",
            "markup stays text"
        );
        assert_eq!(
            passage_parts("\u{1}open"),
            vec![PassagePart {
                text: "open".into(),
                hit: true
            }]
        );
    }

    #[test]
    fn prefix_queries_quote_every_word() {
        assert_eq!(
            prefix_query("Wi-Fi \"x").as_deref(),
            Some("\"wi\"* AND \"fi\"* AND \"x\"*")
        );
        assert_eq!(prefix_query(" -- "), None);
    }
}
