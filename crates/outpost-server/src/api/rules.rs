//! Workflow rules over REST (admin only): read and replace the ordered rule
//! set, and a dry run over recent conversations. Saved rules reach every
//! app through the sync feed.

use crate::AppState;
use crate::auth::Session;
use crate::error::{ApiJson, AppError};
use crate::store::{WriteScope, conversations as conv, rules, tickets};
use axum::extract::State;
use chrono::Utc;
use outpost_core::inbox::DryRunMatch;
use outpost_core::rules::{Facts, Rule, RuleSet};

/// The workspace's rules, in evaluation order.
#[utoipa::path(get, path = "/api/v1/rules", tag = "rules",
    responses((status = 200, description = "RuleSet `{rules, updatedAt}`"), (status = 403, description = "Needs admin")))]
pub async fn get_rules(
    State(state): State<AppState>,
    session: Session,
) -> Result<ApiJson<RuleSet>, AppError> {
    session.require_admin()?;
    let ws = session.workspace.id;
    Ok(ApiJson(
        state
            .store
            .read(move |tx| rules::load(tx, ws).map_err(AppError::from))
            .await?,
    ))
}

/// Replaces the rules (order = evaluation order).
#[utoipa::path(put, path = "/api/v1/rules", tag = "rules",
    request_body(content = serde_json::Value, description = "RuleSet `{rules: [{id, name, enabled, trigger, matchMode, conditions, actions}]}`"),
    responses((status = 200, description = "The saved RuleSet"), (status = 400, description = "Invalid rule"),
        (status = 403, description = "Needs admin")))]
pub async fn put_rules(
    State(state): State<AppState>,
    session: Session,
    ApiJson(set): ApiJson<RuleSet>,
) -> Result<ApiJson<RuleSet>, AppError> {
    session.require_admin()?;
    let mut set = set.validated()?;
    set.updated_at = Some(crate::store::time(Utc::now().timestamp_millis()));
    let saved = state
        .store
        .write(move |tx| {
            let mut scope = WriteScope::begin(tx, session.workspace.id)?;
            for r in &set.rules {
                check_refs(tx, session.workspace.id, r)?;
            }
            rules::save(tx, &mut scope, &set)?;
            Ok::<_, AppError>(set)
        })
        .await?;
    Ok(ApiJson(saved))
}

fn check_refs(
    tx: &mut dyn crate::db::Tx,
    ws: outpost_core::WorkspaceId,
    r: &Rule,
) -> Result<(), AppError> {
    use outpost_core::rules::Action;
    for a in &r.actions {
        let (agent, category) = match a {
            Action::CreateTicket {
                assignee_id,
                category_id,
                ..
            } => (*assignee_id, *category_id),
            Action::SetAssignee { assignee_id } => (*assignee_id, None),
            Action::NotifyAgent { agent_id, .. } => (Some(*agent_id), None),
            Action::SetCategory { category_id } => (None, *category_id),
            _ => (None, None),
        };
        if let Some(a) = agent
            && crate::store::accounts::get_agent(tx, ws, a)?.is_none()
        {
            return Err(outpost_core::ValidationError::Invalid {
                field: "agentId",
                reason: format!("no agent {a} in this workspace"),
            }
            .into());
        }
        if let Some(c) = category
            && !crate::store::accounts::category_exists(tx, ws, c)?
        {
            return Err(outpost_core::ValidationError::Invalid {
                field: "categoryId",
                reason: format!("no category {c} in this workspace"),
            }
            .into());
        }
    }
    Ok(())
}

/// Which of the 200 newest conversations a rule's conditions match (changes nothing).
#[utoipa::path(post, path = "/api/v1/rules/dry-run", tag = "rules",
    request_body(content = serde_json::Value, description = "One Rule"),
    responses((status = 200, description = "Matching conversations `[DryRunMatch]`"), (status = 400, description = "Invalid rule"),
        (status = 403, description = "Needs admin")))]
pub async fn dry_run(
    State(state): State<AppState>,
    session: Session,
    ApiJson(rule): ApiJson<Rule>,
) -> Result<ApiJson<Vec<DryRunMatch>>, AppError> {
    session.require_admin()?;
    let set = RuleSet {
        rules: vec![rule],
        updated_at: None,
    }
    .validated()?;
    let ws = session.workspace.id;
    let out = state
        .store
        .read(move |tx| {
            let rule = &set.rules[0];
            let mut out = Vec::new();
            for c in conv::list(tx, ws, 200)? {
                let messages = conv::messages(tx, ws, c.id)?;
                let ticket = match c.ticket_id {
                    Some(t) => tickets::load(tx, ws, t)?.map(|(t, _)| t),
                    None => None,
                };
                let facts = Facts {
                    conversation: Some(&c),
                    messages: &messages,
                    ticket: ticket.as_ref(),
                };
                if outpost_core::rules::matches(rule, &facts) {
                    out.push(DryRunMatch {
                        conversation_id: c.id,
                        subject: c.subject.clone(),
                        customer_name: c.customer_name.clone(),
                        channel: c.channel,
                        last_message_at: c.last_message_at,
                    });
                }
            }
            Ok::<_, AppError>(out)
        })
        .await?;
    Ok(ApiJson(out))
}
