//! Workspaces, agents, bearer tokens and categories. Passwords arrive here
//! already hashed (see `crate::auth`); tokens are stored as SHA-256 digests.

use super::{Kind, WriteScope, ms};
use crate::db::{DbError, Row, Tx};
use crate::error::AppError;
use crate::params;
use chrono::{DateTime, Utc};
use outpost_core::{
    Agent, AgentId, Category, CategoryId, PlanFeatures, Role, Workspace, WorkspaceId,
};

/// An agent as login needs it.
pub struct Credential {
    pub agent: Agent,
    pub workspace: Workspace,
    pub password_hash: String,
}

const AGENT_COLS: &str = "id, name, email, role, timezone";

fn agent_from(r: &Row) -> Result<Agent, DbError> {
    Ok(Agent {
        id: r.parse(0)?,
        name: r.text(1)?,
        email: r.text(2)?,
        role: Role::from_code(&r.text(3)?).ok_or_else(|| DbError::Corrupt("role".into()))?,
        timezone: r.text(4)?,
    })
}

fn workspace_from(r: &Row, at: usize) -> Result<Workspace, DbError> {
    Ok(Workspace {
        id: r.parse(at)?,
        name: r.text(at + 1)?,
        timezone: r.text(at + 2)?,
        plan: PlanFeatures {
            ai_insights: r.int(at + 3)? != 0,
        },
    })
}

/// Creates a workspace with its version row.
pub fn create_workspace(
    tx: &mut dyn Tx,
    ws: &Workspace,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    if find_workspace(tx, &ws.name)?.is_some() {
        return Err(AppError::conflict(
            "workspace_exists",
            format!("a workspace named {:?} already exists", ws.name),
        ));
    }
    tx.execute(
        "INSERT INTO workspaces (id, name, timezone, ai_insights, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![ws.id.to_string(), &ws.name, &ws.timezone, i64::from(ws.plan.ai_insights), ms(now)],
    )?;
    tx.execute(
        "INSERT INTO workspace_versions (workspace_id, version, last_number) VALUES (?1, 0, 0)",
        params![ws.id.to_string()],
    )?;
    Ok(())
}

/// A workspace by id or by exact name.
pub fn find_workspace(tx: &mut dyn Tx, key: &str) -> Result<Option<Workspace>, DbError> {
    tx.query_opt(
        "SELECT id, name, timezone, ai_insights FROM workspaces WHERE id = ?1 OR name = ?1",
        params![key],
    )?
    .map(|r| workspace_from(&r, 0))
    .transpose()
}

/// Adds an agent to the scope's workspace.
pub fn add_agent(
    tx: &mut dyn Tx,
    scope: &mut WriteScope,
    agent: &Agent,
    password_hash: &str,
) -> Result<(), AppError> {
    let ws = scope.workspace().to_string();
    let n = tx.execute(
        "INSERT INTO agents (id, workspace_id, email, name, role, timezone, password_hash, active)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 1) ON CONFLICT (workspace_id, email) DO NOTHING",
        params![
            agent.id.to_string(),
            ws,
            agent.email.to_lowercase(),
            &agent.name,
            agent.role.code(),
            &agent.timezone,
            password_hash
        ],
    )?;
    if n == 0 {
        return Err(AppError::conflict(
            "agent_exists",
            format!("an agent with email {:?} already exists", agent.email),
        ));
    }
    scope.touch(tx, Kind::Agent, &agent.id.to_string())?;
    Ok(())
}

/// Changes an agent's name, role, timezone and (if given) password hash.
pub fn update_agent(
    tx: &mut dyn Tx,
    scope: &mut WriteScope,
    agent: &Agent,
    password_hash: Option<&str>,
) -> Result<(), AppError> {
    let n = tx.execute(
        "UPDATE agents SET name = ?3, role = ?4, timezone = ?5, password_hash = COALESCE(?6, password_hash)
         WHERE workspace_id = ?1 AND id = ?2",
        params![
            scope.workspace().to_string(),
            agent.id.to_string(),
            &agent.name,
            agent.role.code(),
            &agent.timezone,
            password_hash
        ],
    )?;
    if n == 0 {
        return Err(AppError::not_found("agent"));
    }
    scope.touch(tx, Kind::Agent, &agent.id.to_string())?;
    Ok(())
}

/// Every agent of `ws`, by name.
pub fn list_agents(tx: &mut dyn Tx, ws: WorkspaceId) -> Result<Vec<Agent>, DbError> {
    tx.query(
        &format!("SELECT {AGENT_COLS} FROM agents WHERE workspace_id = ?1 ORDER BY name, id"),
        params![ws.to_string()],
    )?
    .iter()
    .map(agent_from)
    .collect()
}

/// One agent of `ws`.
pub fn get_agent(tx: &mut dyn Tx, ws: WorkspaceId, id: AgentId) -> Result<Option<Agent>, DbError> {
    tx.query_opt(
        &format!("SELECT {AGENT_COLS} FROM agents WHERE workspace_id = ?1 AND id = ?2"),
        params![ws.to_string(), id.to_string()],
    )?
    .map(|r| agent_from(&r))
    .transpose()
}

/// The agents of `ids` in `ws` (for the change feed).
pub fn agents_by_ids(
    tx: &mut dyn Tx,
    ws: WorkspaceId,
    ids: &[String],
) -> Result<Vec<Agent>, DbError> {
    let mut out = Vec::new();
    for chunk in ids.chunks(200) {
        let (sql, params) = in_list(
            &format!("SELECT {AGENT_COLS} FROM agents WHERE workspace_id = ?1 AND id IN"),
            ws,
            chunk,
        );
        for r in tx.query(&sql, &params)? {
            out.push(agent_from(&r)?);
        }
    }
    Ok(out)
}

/// Login candidates: every active agent with this email, in any workspace.
pub fn credentials(tx: &mut dyn Tx, email: &str) -> Result<Vec<Credential>, DbError> {
    tx.query(
        "SELECT a.id, a.name, a.email, a.role, a.timezone, w.id, w.name, w.timezone, w.ai_insights, a.password_hash
         FROM agents a JOIN workspaces w ON w.id = a.workspace_id
         WHERE a.email = ?1 AND a.active = 1 ORDER BY w.name",
        params![email.trim().to_lowercase()],
    )?
    .iter()
    .map(|r| {
        Ok(Credential {
            agent: agent_from(r)?,
            workspace: workspace_from(r, 5)?,
            password_hash: r.text(9)?,
        })
    })
    .collect()
}

/// Stores a token digest for an agent.
pub fn insert_token(
    tx: &mut dyn Tx,
    digest: &str,
    agent: AgentId,
    ws: WorkspaceId,
    now: DateTime<Utc>,
) -> Result<(), DbError> {
    tx.execute(
        "INSERT INTO tokens (hash, agent_id, workspace_id, created_at) VALUES (?1, ?2, ?3, ?4)",
        params![digest, agent.to_string(), ws.to_string(), ms(now)],
    )?;
    Ok(())
}

/// Revokes one token; returns whether it existed.
pub fn delete_token(tx: &mut dyn Tx, digest: &str) -> Result<bool, DbError> {
    Ok(tx.execute("DELETE FROM tokens WHERE hash = ?1", params![digest])? > 0)
}

/// The agent and workspace a token digest belongs to.
pub fn token_owner(tx: &mut dyn Tx, digest: &str) -> Result<Option<(Agent, Workspace)>, DbError> {
    tx.query_opt(
        "SELECT a.id, a.name, a.email, a.role, a.timezone, w.id, w.name, w.timezone, w.ai_insights
         FROM tokens t JOIN agents a ON a.id = t.agent_id AND a.workspace_id = t.workspace_id
         JOIN workspaces w ON w.id = t.workspace_id
         WHERE t.hash = ?1 AND a.active = 1",
        params![digest],
    )?
    .map(|r| Ok((agent_from(&r)?, workspace_from(&r, 5)?)))
    .transpose()
}

/// Every category of `ws`, by name.
pub fn list_categories(tx: &mut dyn Tx, ws: WorkspaceId) -> Result<Vec<Category>, DbError> {
    categories_where(tx, ws, None)
}

/// The categories of `ids` in `ws`.
pub fn categories_by_ids(
    tx: &mut dyn Tx,
    ws: WorkspaceId,
    ids: &[String],
) -> Result<Vec<Category>, DbError> {
    categories_where(tx, ws, Some(ids))
}

fn categories_where(
    tx: &mut dyn Tx,
    ws: WorkspaceId,
    ids: Option<&[String]>,
) -> Result<Vec<Category>, DbError> {
    let base = "SELECT id, name FROM categories WHERE workspace_id = ?1";
    let rows = match ids {
        None => tx.query(
            &format!("{base} ORDER BY name, id"),
            params![ws.to_string()],
        )?,
        Some(ids) => {
            let mut rows = Vec::new();
            for chunk in ids.chunks(200) {
                let (sql, params) = in_list(&format!("{base} AND id IN"), ws, chunk);
                rows.extend(tx.query(&sql, &params)?);
            }
            rows
        }
    };
    rows.iter()
        .map(|r| {
            Ok(Category {
                id: r.parse(0)?,
                name: r.text(1)?,
            })
        })
        .collect()
}

/// Creates or renames a category.
pub fn upsert_category(
    tx: &mut dyn Tx,
    scope: &mut WriteScope,
    c: &Category,
) -> Result<(), DbError> {
    let changed = tx.execute(
        "INSERT INTO categories (workspace_id, id, name) VALUES (?1, ?2, ?3)
         ON CONFLICT (workspace_id, id) DO UPDATE SET name = excluded.name WHERE categories.name <> excluded.name",
        params![scope.workspace().to_string(), c.id.to_string(), &c.name],
    )?;
    if changed > 0 {
        scope.touch(tx, Kind::Category, &c.id.to_string())?;
    }
    Ok(())
}

/// Whether `id` names a category of `ws`.
pub fn category_exists(tx: &mut dyn Tx, ws: WorkspaceId, id: CategoryId) -> Result<bool, DbError> {
    Ok(tx
        .query_opt(
            "SELECT 1 FROM categories WHERE workspace_id = ?1 AND id = ?2",
            params![ws.to_string(), id.to_string()],
        )?
        .is_some())
}

/// Builds `{prefix} (?2, ?3, ...)` with the workspace as `?1`.
pub fn in_list(prefix: &str, ws: WorkspaceId, ids: &[String]) -> (String, Vec<crate::db::Val>) {
    let marks: Vec<String> = (0..ids.len()).map(|i| format!("?{}", i + 2)).collect();
    let sql = format!("{prefix} ({})", marks.join(", "));
    let mut params = vec![crate::db::Val::from(ws.to_string())];
    params.extend(ids.iter().map(crate::db::Val::from));
    (sql, params)
}
