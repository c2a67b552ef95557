//! Workspace setup: the workspace row, agents and categories. These are
//! configuration, not ticket changes: they write no history, and no outbox
//! entry (the server owns them; sync brings them down).

use super::Store;
use crate::clock::IdSource;
use crate::error::StoreResult;
use chrono::{DateTime, Utc};
use outpost_core::validate::{self, MAX_SHORT_CHARS};
use outpost_core::{Agent, Category, ValidationError, Workspace};
use rusqlite::{Connection, params};

/// Creates the default workspace at first open.
pub(crate) fn ensure_workspace(
    conn: &Connection,
    ids: &mut IdSource,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    let exists = conn.prepare("SELECT 1 FROM workspace")?.exists([])?;
    if !exists {
        conn.execute(
            "INSERT INTO workspace (id, name, timezone, plan_json) VALUES (?1, 'My workspace', 'UTC', '{}')",
            [ids.next(now)],
        )?;
    }
    Ok(())
}

fn check_agent(a: &Agent) -> Result<(), ValidationError> {
    validate::required_text("name", &a.name, MAX_SHORT_CHARS)?;
    validate::check_len("email", &a.email, MAX_SHORT_CHARS)?;
    if !a.email.contains('@') {
        return Err(ValidationError::Invalid {
            field: "email",
            reason: format!(
                "{:?} is not an email address",
                a.email.chars().take(60).collect::<String>()
            ),
        });
    }
    validate::timezone(&a.timezone)?;
    Ok(())
}

impl Store {
    /// Replaces the workspace's name, timezone and plan (keeps its id).
    pub fn set_workspace(&mut self, ws: &Workspace) -> StoreResult<()> {
        let name = validate::required_text("name", &ws.name, MAX_SHORT_CHARS)?;
        validate::timezone(&ws.timezone)?;
        let plan = serde_json::to_string(&ws.plan).unwrap_or_else(|_| "{}".into());
        let tx = self.conn.transaction()?;
        tx.execute("DELETE FROM workspace", [])?;
        tx.execute(
            "INSERT INTO workspace (id, name, timezone, plan_json) VALUES (?1, ?2, ?3, ?4)",
            params![ws.id.0, name, ws.timezone, plan],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Inserts or replaces agents (by id), in one transaction.
    pub fn upsert_agents(&mut self, agents: &[Agent]) -> StoreResult<()> {
        for a in agents {
            check_agent(a)?;
        }
        let tx = self.conn.transaction()?;
        {
            let mut stmt = tx.prepare_cached(
                "INSERT INTO agents (id, name, email, role, timezone) VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT (id) DO UPDATE SET name = excluded.name, email = excluded.email,
                     role = excluded.role, timezone = excluded.timezone",
            )?;
            for a in agents {
                stmt.execute(params![
                    a.id.0,
                    a.name.trim(),
                    a.email.trim(),
                    a.role.code(),
                    a.timezone
                ])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// Inserts or replaces one agent.
    pub fn upsert_agent(&mut self, agent: &Agent) -> StoreResult<()> {
        self.upsert_agents(std::slice::from_ref(agent))
    }

    /// Inserts or renames categories (by id), in one transaction.
    pub fn upsert_categories(&mut self, categories: &[Category]) -> StoreResult<()> {
        for c in categories {
            validate::required_text("category name", &c.name, MAX_SHORT_CHARS)?;
        }
        let tx = self.conn.transaction()?;
        {
            let mut stmt = tx.prepare_cached(
                "INSERT INTO categories (id, name) VALUES (?1, ?2)
                 ON CONFLICT (id) DO UPDATE SET name = excluded.name",
            )?;
            for c in categories {
                stmt.execute(params![c.id.0, c.name.trim()])?;
            }
        }
        tx.commit()?;
        Ok(())
    }
}
