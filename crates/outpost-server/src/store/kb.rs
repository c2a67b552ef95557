//! Knowledge-base articles: listing, reading, and writes from the REST API
//! and from pushed outboxes. Writes are last-writer-wins by stamp (HLC text;
//! REST writes take the server's time), deletes are tombstones, and every
//! change goes into the change feed so devices pull it.

use super::{Kind, WriteScope, ms, time};
use crate::db::{DbError, Row, Tx};
use crate::error::AppError;
use crate::params;
use crate::store::accounts::in_list;
use chrono::{DateTime, Utc};
use outpost_core::sync::Hlc;
use outpost_core::{AgentId, KbArticle, KbArticleId, KbArticleInput, WorkspaceId};
use uuid::Uuid;

const COLS: &str = "id, title, body, tags_json, updated_by, updated_at, deleted";

fn article_from(r: &Row) -> Result<KbArticle, DbError> {
    Ok(KbArticle {
        id: r.parse(0)?,
        title: r.text(1)?,
        body: r.text(2)?,
        tags: serde_json::from_str(&r.text(3)?).unwrap_or_default(),
        updated_by: r.opt_parse(4)?,
        updated_at: time(r.int(5)?),
    })
}

/// The stamp of a write to `id` made through the REST API at `now`: later
/// than the article's last write, so a REST edit or delete always applies.
pub fn server_stamp(
    tx: &mut dyn Tx,
    ws: WorkspaceId,
    id: KbArticleId,
    now: DateTime<Utc>,
) -> Result<String, DbError> {
    let last = stamp_of(tx, ws, id)?.and_then(|s| s.parse::<Hlc>().ok());
    Ok(Hlc::tick(last, ms(now), Uuid::nil()).to_string())
}

/// The live articles of `ws`, by title (at most `limit`).
pub fn list(tx: &mut dyn Tx, ws: WorkspaceId, limit: u32) -> Result<Vec<KbArticle>, DbError> {
    tx.query(
        &format!(
            "SELECT {COLS} FROM kb_articles WHERE workspace_id = ?1 AND deleted = 0
             ORDER BY title, id LIMIT ?2"
        ),
        params![ws.to_string(), i64::from(limit)],
    )?
    .iter()
    .map(article_from)
    .collect()
}

/// A live article of `ws`, or 404.
pub fn get(tx: &mut dyn Tx, ws: WorkspaceId, id: KbArticleId) -> Result<KbArticle, AppError> {
    tx.query_opt(
        &format!(
            "SELECT {COLS} FROM kb_articles WHERE workspace_id = ?1 AND id = ?2 AND deleted = 0"
        ),
        params![ws.to_string(), id.to_string()],
    )?
    .map(|r| article_from(&r))
    .transpose()?
    .ok_or_else(|| AppError::not_found("article"))
}

/// Articles of `ids` for a pull: live ones, and the ids of deleted ones.
pub fn by_ids(
    tx: &mut dyn Tx,
    ws: WorkspaceId,
    ids: &[String],
) -> Result<(Vec<KbArticle>, Vec<KbArticleId>), DbError> {
    let (mut live, mut gone) = (Vec::new(), Vec::new());
    for chunk in ids.chunks(200) {
        let (sql, params) = in_list(
            &format!("SELECT {COLS} FROM kb_articles WHERE workspace_id = ?1 AND id IN"),
            ws,
            chunk,
        );
        for r in tx.query(&sql, &params)? {
            if r.int(6)? != 0 {
                gone.push(r.parse(0)?);
            } else {
                live.push(article_from(&r)?);
            }
        }
    }
    Ok((live, gone))
}

/// The stamp of an article's last write, if it was ever written.
fn stamp_of(tx: &mut dyn Tx, ws: WorkspaceId, id: KbArticleId) -> Result<Option<String>, DbError> {
    tx.query_opt(
        "SELECT stamp FROM kb_articles WHERE workspace_id = ?1 AND id = ?2",
        params![ws.to_string(), id.to_string()],
    )?
    .map(|r| r.text(0))
    .transpose()
}

/// Writes an article unless a newer write (or delete) is stored. Returns
/// whether it was written. `input` must be validated.
pub fn put(
    tx: &mut dyn Tx,
    scope: &mut WriteScope,
    id: KbArticleId,
    input: &KbArticleInput,
    by: AgentId,
    at: DateTime<Utc>,
    stamp: &str,
) -> Result<bool, DbError> {
    let ws = scope.workspace();
    if stamp_of(tx, ws, id)?.is_some_and(|s| s.as_str() >= stamp) {
        return Ok(false);
    }
    tx.execute(
        "INSERT INTO kb_articles (workspace_id, id, title, body, tags_json, updated_by, updated_at, stamp, deleted)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 0)
         ON CONFLICT (workspace_id, id) DO UPDATE SET title = excluded.title, body = excluded.body,
             tags_json = excluded.tags_json, updated_by = excluded.updated_by,
             updated_at = excluded.updated_at, stamp = excluded.stamp, deleted = 0",
        params![
            ws.to_string(),
            id.to_string(),
            &input.title,
            &input.body,
            serde_json::to_string(&input.tags).unwrap_or_else(|_| "[]".into()),
            by.to_string(),
            ms(at),
            stamp
        ],
    )?;
    scope.touch(tx, Kind::KbArticle, &id.to_string())?;
    Ok(true)
}

/// Deletes an article (a tombstone) unless a newer write is stored. Returns
/// whether a live article was deleted.
pub fn delete(
    tx: &mut dyn Tx,
    scope: &mut WriteScope,
    id: KbArticleId,
    at: DateTime<Utc>,
    stamp: &str,
) -> Result<bool, DbError> {
    let ws = scope.workspace();
    let n = tx.execute(
        "UPDATE kb_articles SET deleted = 1, stamp = ?3, updated_at = ?4
         WHERE workspace_id = ?1 AND id = ?2 AND deleted = 0 AND stamp < ?3",
        params![ws.to_string(), id.to_string(), stamp, ms(at)],
    )?;
    if n > 0 {
        scope.touch(tx, Kind::KbArticle, &id.to_string())?;
    }
    Ok(n > 0)
}
