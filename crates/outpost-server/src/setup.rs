//! Setup operations behind the `admin` and `demo-setup` commands: create a
//! workspace with its first admin, add an agent, and the idempotent demo
//! workspace that `cargo xtask run` signs the app in to.
//!
//! Demo credentials (documented for developers; never use in production):
//! workspace `Demo`, password `outpost-demo` for `admin@demo.outpost` (admin),
//! `ana@demo.outpost` and `ben@demo.outpost` (agents).

use crate::auth::{self, HashCost};
use crate::error::AppError;
use crate::store::{WriteScope, accounts};
use crate::{Store, api};
use chrono::Utc;
use outpost_core::{
    Agent, AgentId, Category, CategoryId, PlanFeatures, Role, Workspace, WorkspaceId, validate,
};
use uuid::Uuid;

/// The demo workspace's name.
pub const DEMO_WORKSPACE: &str = "Demo";
/// The demo agents' password.
pub const DEMO_PASSWORD: &str = "outpost-demo";
/// The demo agents: email, name, role.
pub const DEMO_AGENTS: [(&str, &str, Role); 3] = [
    ("admin@demo.outpost", "Dana Admin", Role::Admin),
    ("ana@demo.outpost", "Ana Lopez", Role::Agent),
    ("ben@demo.outpost", "Ben Okafor", Role::Agent),
];
const DEMO_CATEGORIES: [&str; 4] = ["Hardware", "Software", "Network", "Billing"];

async fn hash(password: &str, cost: HashCost) -> Result<String, AppError> {
    auth::check_password(password)?;
    let p = password.to_owned();
    tokio::task::spawn_blocking(move || auth::hash_password(&p, cost))
        .await
        .map_err(|e| AppError::Internal(e.to_string()))?
}

/// Creates a workspace and its first admin.
pub async fn create_workspace(
    store: &Store,
    name: &str,
    timezone: &str,
    admin_email: &str,
    admin_password: &str,
    cost: HashCost,
) -> Result<(Workspace, Agent), AppError> {
    let ws = Workspace {
        id: WorkspaceId(Uuid::now_v7()),
        name: validate::required_text("name", name, validate::MAX_SHORT_CHARS)?,
        timezone: validate::timezone(timezone)?.name().to_owned(),
        plan: PlanFeatures::default(),
    };
    let admin = Agent {
        id: AgentId(Uuid::now_v7()),
        name: "Administrator".into(),
        email: api::check_email(admin_email)?,
        role: Role::Admin,
        timezone: ws.timezone.clone(),
    };
    let hash = hash(admin_password, cost).await?;
    let (w, a) = (ws.clone(), admin.clone());
    store
        .write(move |tx| {
            accounts::create_workspace(tx, &w, Utc::now())?;
            crate::sla::ensure_settings(tx, Utc::now())?;
            let mut scope = WriteScope::begin(tx, w.id)?;
            accounts::add_agent(tx, &mut scope, &a, &hash)
        })
        .await?;
    Ok((ws, admin))
}

/// Adds an agent to the workspace named (or with id) `workspace`.
pub async fn add_agent(
    store: &Store,
    workspace: &str,
    email: &str,
    name: &str,
    password: &str,
    role: Role,
    cost: HashCost,
) -> Result<Agent, AppError> {
    let key = workspace.to_owned();
    let ws = store
        .read(move |tx| accounts::find_workspace(tx, &key).map_err(AppError::from))
        .await?
        .ok_or_else(|| AppError::not_found("workspace"))?;
    let agent = Agent {
        id: AgentId(Uuid::now_v7()),
        name: validate::required_text("name", name, validate::MAX_SHORT_CHARS)?,
        email: api::check_email(email)?,
        role,
        timezone: ws.timezone.clone(),
    };
    let hash = hash(password, cost).await?;
    let a = agent.clone();
    store
        .write(move |tx| {
            let mut scope = WriteScope::begin(tx, ws.id)?;
            accounts::add_agent(tx, &mut scope, &a, &hash)
        })
        .await?;
    Ok(agent)
}

/// Creates the demo workspace, agents and categories if missing. Safe to
/// run any number of times.
pub async fn demo_setup(store: &Store, cost: HashCost) -> Result<Workspace, AppError> {
    let existing = store
        .read(|tx| accounts::find_workspace(tx, DEMO_WORKSPACE).map_err(AppError::from))
        .await?;
    let ws = match existing {
        Some(ws) => ws,
        None => {
            create_workspace(
                store,
                DEMO_WORKSPACE,
                "UTC",
                DEMO_AGENTS[0].0,
                DEMO_PASSWORD,
                cost,
            )
            .await?
            .0
        }
    };
    for (email, name, role) in DEMO_AGENTS.iter().skip(1) {
        match add_agent(
            store,
            DEMO_WORKSPACE,
            email,
            name,
            DEMO_PASSWORD,
            *role,
            cost,
        )
        .await
        {
            Ok(_) => {}
            Err(AppError::Client {
                code: "agent_exists",
                ..
            }) => {}
            Err(e) => return Err(e),
        }
    }
    let ws_id = ws.id;
    store
        .write(move |tx| {
            let known = accounts::list_categories(tx, ws_id)?;
            let mut scope = WriteScope::begin(tx, ws_id)?;
            for name in DEMO_CATEGORIES {
                if !known.iter().any(|c| c.name == name) {
                    let c = Category {
                        id: CategoryId(Uuid::now_v7()),
                        name: name.to_owned(),
                    };
                    accounts::upsert_category(tx, &mut scope, &c)?;
                }
            }
            Ok::<_, AppError>(())
        })
        .await?;
    Ok(ws)
}
