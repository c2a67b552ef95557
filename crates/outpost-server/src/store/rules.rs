//! Workflow rules on the server: the workspace's rule set (synced to every
//! app as one change-feed entry), the firings already done, and running
//! [`outpost_core::rules`] on data that arrives through the API (REST or a
//! sync push) and on conversations left waiting.
//!
//! Whatever a rule does is deterministic (see the core module), so the same
//! rule run offline by an app and here yields one ticket, not two.

use super::{Kind, WriteScope, ms, tickets};
use crate::db::{DbError, Tx};
use crate::error::AppError;
use crate::params;
use crate::store::conversations as conv;
use chrono::{DateTime, Utc};
use outpost_core::rules::{self, Event, Facts, Plan, RuleSet};
use outpost_core::sync::Hlc;
use outpost_core::{
    AgentId, Comment, ConversationId, HistoryEvent, HistoryField, Ticket, TicketId, WorkspaceId,
};
use uuid::Uuid;

/// The change-feed entity id of a workspace's rule set.
pub const FEED_ID: &str = "rules";

/// The rule set of `ws` (empty if never saved).
pub fn load(tx: &mut dyn Tx, ws: WorkspaceId) -> Result<RuleSet, DbError> {
    let row = tx.query_opt(
        "SELECT rules FROM rule_sets WHERE workspace_id = ?1",
        params![ws.to_string()],
    )?;
    match row {
        Some(r) => serde_json::from_str(&r.text(0)?)
            .map_err(|e| DbError::Corrupt(format!("rule set: {e}"))),
        None => Ok(RuleSet::default()),
    }
}

/// Replaces the rule set (already validated) and records the change.
pub fn save(tx: &mut dyn Tx, scope: &mut WriteScope, set: &RuleSet) -> Result<(), DbError> {
    let json = serde_json::to_string(set).map_err(|e| DbError::Corrupt(e.to_string()))?;
    tx.execute(
        "INSERT INTO rule_sets (workspace_id, rules, updated_at) VALUES (?1, ?2, ?3)
         ON CONFLICT (workspace_id) DO UPDATE SET rules = excluded.rules, updated_at = excluded.updated_at",
        params![
            scope.workspace().to_string(),
            json,
            set.updated_at.map_or(0, ms)
        ],
    )?;
    scope.touch(tx, Kind::Rules, FEED_ID)
}

fn fired(tx: &mut dyn Tx, ws: WorkspaceId, keys: &[String]) -> Result<Vec<String>, DbError> {
    let mut out = Vec::new();
    for k in keys {
        if tx
            .query_opt(
                "SELECT 1 FROM rule_firings WHERE workspace_id = ?1 AND firing_key = ?2",
                params![ws.to_string(), k.clone()],
            )?
            .is_some()
        {
            out.push(k.clone());
        }
    }
    Ok(out)
}

/// Who and when a rule run acts as.
#[derive(Debug, Clone, Copy)]
pub struct RunCtx {
    /// The agent whose request brought the data (history names them).
    pub actor: AgentId,
    /// The server's HLC node.
    pub node: Uuid,
    pub now: DateTime<Utc>,
}

fn origin(ctx: &RunCtx, op_id: Uuid) -> tickets::Origin {
    tickets::Origin {
        op_id,
        actor: ctx.actor,
        stamp: Hlc::tick(None, ctx.now.timestamp_millis(), ctx.node),
        now: ctx.now,
    }
}

/// Runs the rules on a conversation event. Returns the ticket a rule created.
pub fn on_conversation(
    tx: &mut dyn Tx,
    scope: &mut WriteScope,
    id: ConversationId,
    event: &Event,
    ctx: &RunCtx,
) -> Result<Option<Ticket>, AppError> {
    let ws = scope.workspace();
    let set = load(tx, ws)?;
    if !set
        .rules
        .iter()
        .any(|r| r.enabled && r.trigger.is_conversation())
    {
        return Ok(None);
    }
    let c = conv::get(tx, ws, id)?;
    let messages = conv::messages(tx, ws, id)?;
    let linked = match c.ticket_id {
        Some(t) => tickets::load(tx, ws, t)?.map(|(t, _)| t),
        None => None,
    };
    let facts = Facts {
        conversation: Some(&c),
        messages: &messages,
        ticket: linked.as_ref(),
    };
    let candidates = rules::evaluate(&set.rules, event, &facts, &|_| false).fired;
    let done = fired(tx, ws, &candidates)?;
    let plan = rules::evaluate(&set.rules, event, &facts, &|k| done.iter().any(|d| d == k));
    let target = plan.target(&facts);
    let created = execute(tx, scope, &plan, target, ctx)?;
    if let Some(t) = &created {
        on_ticket(tx, scope, t.id, &Event::ticket_created(t.id), ctx)?;
    }
    Ok(created)
}

/// Runs the rules on a ticket event (never re-triggered by rule actions).
pub fn on_ticket(
    tx: &mut dyn Tx,
    scope: &mut WriteScope,
    id: TicketId,
    event: &Event,
    ctx: &RunCtx,
) -> Result<(), AppError> {
    let ws = scope.workspace();
    let set = load(tx, ws)?;
    if !set
        .rules
        .iter()
        .any(|r| r.enabled && !r.trigger.is_conversation())
    {
        return Ok(());
    }
    let Some((t, _)) = tickets::load(tx, ws, id)? else {
        return Ok(());
    };
    let c = match t.conversation_id {
        Some(c) => Some(conv::get(tx, ws, c)?),
        None => None,
    };
    let messages = match &c {
        Some(c) => conv::messages(tx, ws, c.id)?,
        None => Vec::new(),
    };
    let facts = Facts {
        conversation: c.as_ref(),
        messages: &messages,
        ticket: Some(&t),
    };
    let candidates = rules::evaluate(&set.rules, event, &facts, &|_| false).fired;
    let done = fired(tx, ws, &candidates)?;
    let plan = rules::evaluate(&set.rules, event, &facts, &|k| done.iter().any(|d| d == k));
    execute(tx, scope, &plan, Some(id), ctx)?;
    Ok(())
}

/// Carries out a plan: the ticket (linked to its conversation), the field
/// patch, the comments and notifications; records the firings.
fn execute(
    tx: &mut dyn Tx,
    scope: &mut WriteScope,
    plan: &Plan,
    target: Option<TicketId>,
    ctx: &RunCtx,
) -> Result<Option<Ticket>, AppError> {
    if plan.is_empty() {
        return Ok(None);
    }
    let ws = scope.workspace();
    for key in &plan.fired {
        tx.execute(
            "INSERT INTO rule_firings (workspace_id, firing_key, at) VALUES (?1, ?2, ?3)
             ON CONFLICT (workspace_id, firing_key) DO NOTHING",
            params![ws.to_string(), key.clone(), ms(ctx.now)],
        )?;
    }
    let mut created = None;
    if let Some(c) = &plan.create_ticket {
        let conversation = c.ticket.conversation_id;
        let exists = tickets::load(tx, ws, c.id)?.is_some();
        if !exists {
            let mut new = c.ticket.clone();
            // A rule's assignee or category that no longer exists is dropped
            // rather than losing the escalation.
            if let Some(a) = new.assignee_id
                && crate::store::accounts::get_agent(tx, ws, a)?.is_none()
            {
                new.assignee_id = None;
            }
            if let Some(cat) = new.category_id
                && !crate::store::accounts::category_exists(tx, ws, cat)?
            {
                new.category_id = None;
            }
            let o = origin(ctx, rules::creation_op_id(c.id));
            let t = tickets::create(tx, scope, c.id, &new, ctx.now, &o)?;
            created = Some(t);
        }
        if let Some(conv_id) = conversation {
            conv::link_ticket(tx, scope, conv_id, c.id)?;
        }
    }
    let Some(target) = target else {
        return Ok(created);
    };
    if !plan.patch.is_empty() {
        let mut patch = plan.patch.clone();
        if let Some(Some(a)) = patch.assignee_id
            && crate::store::accounts::get_agent(tx, ws, a)?.is_none()
        {
            patch.assignee_id = None;
        }
        if let Some(Some(cat)) = patch.category_id
            && !crate::store::accounts::category_exists(tx, ws, cat)?
        {
            patch.category_id = None;
        }
        if !patch.is_empty() {
            // Stamped after every write the ticket holds, like a REST edit.
            let newest = tickets::load(tx, ws, target)?.and_then(|(_, s)| s.newest());
            let o = tickets::Origin {
                stamp: Hlc::tick(newest, ctx.now.timestamp_millis(), ctx.node),
                ..origin(ctx, rules::patch_op_id(&plan.fired[0]))
            };
            let t = tickets::patch(tx, scope, target, &patch, &o)?;
            if created.is_some() {
                created = Some(t);
            }
        }
    }
    for pc in &plan.comments {
        let (body, mentions) = match pc.notify {
            Some(agent) => match crate::store::accounts::get_agent(tx, ws, agent)? {
                Some(a) => (format!("@{} {}", a.name, pc.body), vec![agent]),
                None => continue,
            },
            None => (pc.body.clone(), Vec::new()),
        };
        let comment = Comment {
            id: pc.id,
            ticket_id: target,
            author_id: ctx.actor,
            body,
            mentions,
            created_at: ctx.now,
        };
        if tickets::add_comment(tx, scope, &comment)? {
            let event = HistoryEvent {
                id: outpost_core::sync::merge::derived_event_id(
                    pc.id.0,
                    outpost_core::sync::merge::slot::COMMENT,
                ),
                ticket_id: target,
                actor_id: Some(ctx.actor),
                at: ctx.now,
                field: HistoryField::Comment,
                old_value: None,
                new_value: Some(pc.id.to_string()),
            };
            tickets::insert_history(tx, scope, &[event])?;
        }
    }
    Ok(created)
}

/// Fires `no_agent_reply` rules on every open conversation of `ws` whose
/// last message is the customer's and older than the rule's wait. Returns
/// how many conversations were looked at.
pub fn sweep_waiting(
    tx: &mut dyn Tx,
    scope: &mut WriteScope,
    ctx: &RunCtx,
) -> Result<usize, AppError> {
    let ws = scope.workspace();
    let set = load(tx, ws)?;
    let Some(shortest) = set
        .rules
        .iter()
        .filter(|r| r.enabled)
        .filter_map(|r| match r.trigger {
            outpost_core::rules::Trigger::NoAgentReply { minutes } => Some(minutes),
            _ => None,
        })
        .min()
    else {
        return Ok(0);
    };
    let cutoff = ms(ctx.now) - i64::from(shortest) * 60_000;
    let ids = tx.query(
        "SELECT id FROM conversations WHERE workspace_id = ?1 AND status = 'open' AND last_message_at <= ?2
         ORDER BY last_message_at LIMIT 500",
        params![ws.to_string(), cutoff],
    )?;
    let mut n = 0;
    for r in ids {
        let id: ConversationId = r.parse(0)?;
        let messages = conv::messages(tx, ws, id)?;
        let Some(last) = rules::waiting_since(&messages) else {
            continue;
        };
        let waited = (ctx.now - last.at)
            .num_minutes()
            .clamp(0, i64::from(u32::MAX)) as u32;
        n += 1;
        on_conversation(tx, scope, id, &Event::no_agent_reply(id, last, waited), ctx)?;
    }
    Ok(n)
}

/// The workspaces that have a rule waiting for agent replies.
pub fn workspaces_with_waiting_rules(
    tx: &mut dyn Tx,
) -> Result<Vec<(WorkspaceId, AgentId)>, DbError> {
    let rows = tx.query(
        "SELECT s.workspace_id, s.rules, (SELECT a.id FROM agents a WHERE a.workspace_id = s.workspace_id
             AND a.role = 'admin' ORDER BY a.id LIMIT 1) FROM rule_sets s",
        &[],
    )?;
    let mut out = Vec::new();
    for r in rows {
        let set: RuleSet = serde_json::from_str(&r.text(1)?)
            .map_err(|e| DbError::Corrupt(format!("rule set: {e}")))?;
        let waits = set.rules.iter().any(|r| {
            r.enabled && matches!(r.trigger, outpost_core::rules::Trigger::NoAgentReply { .. })
        });
        if let (true, Some(admin)) = (waits, r.opt_parse::<AgentId>(2)?) {
            out.push((r.parse::<WorkspaceId>(0)?, admin));
        }
    }
    Ok(out)
}
