//! The server's data rules over the [`crate::db`] seam: accounts, tickets,
//! conversations, the change feed and sync. Every function takes an open
//! transaction, so a request's writes commit together or not at all; SQL is
//! written once for both engines.
//!
//! Words used here:
//! - *change feed*: the `changes` table, one row per entity holding the
//!   workspace version at which it last changed; pulls page through it.
//! - *write scope*: the per-request handle that locks the workspace's version
//!   row first (so writers of one workspace are serialised and versions become
//!   visible in commit order) and bumps the version once, on the first change.

pub mod accounts;
pub mod ai;
pub mod board;
pub mod conversations;
pub mod inbox_sync;
pub mod kb;
pub mod notified;
pub mod rules;
pub mod sync;
pub mod tickets;

use crate::db::{DbError, Tx};
use crate::error::AppError;
use crate::params;
use chrono::{DateTime, Utc};
use outpost_core::WorkspaceId;

/// Kinds of entity in the change feed, in the order a page lists them within
/// one version (tickets before the comments and history that refer to them).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    Ticket = 1,
    Comment = 2,
    History = 3,
    Agent = 4,
    Category = 5,
    Conversation = 6,
    Message = 7,
    /// An agent's notified mark (issue 6), sent only to that agent.
    Notified = 8,
    Rules = 9,
    KbArticle = 10,
    /// The workspace's SLA settings (one entry per workspace).
    SlaSettings = 11,
}

impl Kind {
    /// Every kind, in feed order.
    pub const ALL: [Kind; 11] = [
        Kind::Ticket,
        Kind::Comment,
        Kind::History,
        Kind::Agent,
        Kind::Category,
        Kind::Conversation,
        Kind::Message,
        Kind::Notified,
        Kind::Rules,
        Kind::KbArticle,
        Kind::SlaSettings,
    ];
    /// From its stored number.
    pub fn from_i64(n: i64) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| *k as i64 == n)
    }
}

/// Milliseconds since the epoch, as stored.
pub fn ms(t: DateTime<Utc>) -> i64 {
    t.timestamp_millis()
}

/// A stored millisecond time.
pub fn time(ms: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(ms).unwrap_or(DateTime::UNIX_EPOCH)
}

/// An optional stored millisecond time.
pub fn opt_time(ms: Option<i64>) -> Option<DateTime<Utc>> {
    ms.map(time)
}

/// The writes of one request to one workspace (see the module docs).
pub struct WriteScope {
    workspace: WorkspaceId,
    version: Option<i64>,
    /// The workspace's SLA settings, loaded on first use.
    sla: Option<std::sync::Arc<crate::sla::SlaConfig>>,
}

impl WriteScope {
    /// Locks `workspace`'s version row; fails with 404 if it does not exist.
    pub fn begin(tx: &mut dyn Tx, workspace: WorkspaceId) -> Result<WriteScope, AppError> {
        let n = tx.execute(
            "UPDATE workspace_versions SET version = version WHERE workspace_id = ?1",
            params![workspace.to_string()],
        )?;
        if n == 0 {
            return Err(AppError::not_found("workspace"));
        }
        Ok(WriteScope {
            workspace,
            version: None,
            sla: None,
        })
    }

    /// The workspace's SLA settings (read once per scope).
    pub fn sla(
        &mut self,
        tx: &mut dyn Tx,
    ) -> Result<std::sync::Arc<crate::sla::SlaConfig>, DbError> {
        if let Some(c) = &self.sla {
            return Ok(c.clone());
        }
        let c = std::sync::Arc::new(crate::sla::load(tx, self.workspace)?);
        self.sla = Some(c.clone());
        Ok(c)
    }

    /// Replaces the SLA settings this scope evaluates with (after saving them).
    pub fn set_sla(&mut self, config: std::sync::Arc<crate::sla::SlaConfig>) {
        self.sla = Some(config);
    }

    /// The workspace written to.
    pub fn workspace(&self) -> WorkspaceId {
        self.workspace
    }

    /// The version this request's changes get (bumped on first call) and a
    /// poke queued for commit.
    pub fn version(&mut self, tx: &mut dyn Tx) -> Result<i64, DbError> {
        if let Some(v) = self.version {
            return Ok(v);
        }
        let v = tx
            .query(
                "UPDATE workspace_versions SET version = version + 1 WHERE workspace_id = ?1 RETURNING version",
                params![self.workspace.to_string()],
            )?
            .first()
            .ok_or_else(|| DbError::Corrupt("workspace version row vanished".into()))?
            .int(0)?;
        tx.poke(self.workspace, v)?;
        self.version = Some(v);
        Ok(v)
    }

    /// Whether anything changed.
    pub fn changed(&self) -> Option<i64> {
        self.version
    }

    /// Records that entity `id` of `kind` changed in this request.
    pub fn touch(&mut self, tx: &mut dyn Tx, kind: Kind, id: &str) -> Result<(), DbError> {
        let v = self.version(tx)?;
        tx.execute(
            "INSERT INTO changes (workspace_id, kind, entity_id, version) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (workspace_id, kind, entity_id) DO UPDATE SET version = excluded.version",
            params![self.workspace.to_string(), kind as i64, id, v],
        )?;
        Ok(())
    }

    /// The next ticket number of the workspace.
    pub fn next_number(&mut self, tx: &mut dyn Tx) -> Result<i64, DbError> {
        tx.query(
            "UPDATE workspace_versions SET last_number = last_number + 1 WHERE workspace_id = ?1 RETURNING last_number",
            params![self.workspace.to_string()],
        )?
        .first()
        .ok_or_else(|| DbError::Corrupt("workspace version row vanished".into()))?
        .int(0)
    }
}

/// The current version of `workspace`.
pub fn current_version(tx: &mut dyn Tx, workspace: WorkspaceId) -> Result<i64, DbError> {
    Ok(tx
        .query_opt(
            "SELECT version FROM workspace_versions WHERE workspace_id = ?1",
            params![workspace.to_string()],
        )?
        .map(|r| r.int(0))
        .transpose()?
        .unwrap_or(0))
}

/// Escapes `%`, `_` and `\` for a `LIKE ... ESCAPE '\'` pattern.
pub fn like_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}
