//! The workspace's language-model endpoint for generated summaries. The key
//! is stored here and used by the server only; nothing returns it.

use super::ms;
use crate::db::{DbError, Tx};
use crate::params;
use chrono::{DateTime, Utc};
use outpost_core::WorkspaceId;

/// An OpenAI-compatible endpoint: base URL (`.../v1`), model and key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AiEndpoint {
    pub endpoint: String,
    pub model: String,
    pub api_key: String,
}

/// The configured endpoint of `ws`, if any.
pub fn get(tx: &mut dyn Tx, ws: WorkspaceId) -> Result<Option<AiEndpoint>, DbError> {
    tx.query_opt(
        "SELECT endpoint, model, api_key FROM ai_settings WHERE workspace_id = ?1",
        params![ws.to_string()],
    )?
    .map(|r| {
        Ok(AiEndpoint {
            endpoint: r.text(0)?,
            model: r.text(1)?,
            api_key: r.text(2)?,
        })
    })
    .transpose()
}

/// Sets (or replaces) the endpoint of `ws`.
pub fn put(
    tx: &mut dyn Tx,
    ws: WorkspaceId,
    e: &AiEndpoint,
    now: DateTime<Utc>,
) -> Result<(), DbError> {
    tx.execute(
        "INSERT INTO ai_settings (workspace_id, endpoint, model, api_key, updated_at) VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (workspace_id) DO UPDATE SET endpoint = excluded.endpoint, model = excluded.model,
             api_key = excluded.api_key, updated_at = excluded.updated_at",
        params![ws.to_string(), &e.endpoint, &e.model, &e.api_key, ms(now)],
    )?;
    Ok(())
}

/// Removes the endpoint of `ws` (summaries are off again).
pub fn clear(tx: &mut dyn Tx, ws: WorkspaceId) -> Result<(), DbError> {
    tx.execute(
        "DELETE FROM ai_settings WHERE workspace_id = ?1",
        params![ws.to_string()],
    )?;
    Ok(())
}
