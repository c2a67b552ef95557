//! The Inbox in the local store: the conversation list (unread, last
//! message, waiting time, search and filters), threads, logging a call or
//! walk-in offline, agent replies (an agent reply on a linked ticket is its
//! first response), snooze/close, escalation to a linked ticket, and the
//! workflow rules run on this device's changes.
//!
//! Everything here works offline: each change queues an outbox mutation.
//! Escalations and rule effects use the deterministic ids of
//! [`outpost_core::rules`], so the server's run of the same rule and this
//! device's merge into one ticket.

use super::Store;
use super::sla::recompute_sla;
use super::tickets::{apply_patch, check_refs, insert_ticket, load_card};
use super::write::WriteCtx;
use crate::clock::to_ms;
use crate::error::{StoreError, StoreResult};
use chrono::{DateTime, Utc};
use outpost_core::inbox::{
    ConversationSummary, ConversationThread, DryRunMatch, EscalationInput, InboxQuery,
    NewConversationInput,
};
use outpost_core::rules::{self, Event, Facts, Plan, Rule, RuleSet};
use outpost_core::sync::MutationOp;
use outpost_core::validate::{self, MAX_BODY_CHARS, MAX_SHORT_CHARS, MAX_TITLE_CHARS};
use outpost_core::{
    AgentId, Conversation, ConversationId, ConversationStatus, HistoryField, Message,
    MessageAuthor, MessageId, NewTicket, Role, Ticket, TicketCard, TicketId,
};
use rusqlite::{Connection, OptionalExtension, params};
use uuid::Uuid;

/// Waiting conversations looked at per query by `run_waiting_rules`.
const WAITING_PAGE: usize = 200;

const CONV_COLUMNS: &str = "c.id, c.channel, c.status, c.customer_name, c.customer_contact, \
    c.subject, c.ticket_id, c.created_at, c.last_message_at";

fn from_ms(ms: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(ms).unwrap_or(DateTime::UNIX_EPOCH)
}

fn code<T: serde::Serialize>(v: &T) -> String {
    match serde_json::to_value(v) {
        Ok(serde_json::Value::String(s)) => s,
        _ => String::new(),
    }
}

fn decode<T: serde::de::DeserializeOwned>(s: String) -> rusqlite::Result<T> {
    serde_json::from_value(serde_json::Value::String(s.clone())).map_err(|_| {
        rusqlite::Error::FromSqlConversionFailure(
            0,
            rusqlite::types::Type::Text,
            format!("unknown code {s:?}").into(),
        )
    })
}

fn conversation_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Conversation> {
    Ok(Conversation {
        id: ConversationId(r.get(0)?),
        channel: decode(r.get(1)?)?,
        status: decode(r.get(2)?)?,
        customer_name: r.get(3)?,
        customer_contact: r.get(4)?,
        subject: r.get(5)?,
        ticket_id: r.get::<_, Option<Uuid>>(6)?.map(TicketId),
        created_at: from_ms(r.get(7)?),
        last_message_at: from_ms(r.get(8)?),
    })
}

fn message_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Message> {
    Ok(Message {
        id: MessageId(r.get(0)?),
        conversation_id: ConversationId(r.get(1)?),
        author: decode(r.get(2)?)?,
        agent_id: r.get::<_, Option<Uuid>>(3)?.map(AgentId),
        body: r.get(4)?,
        at: from_ms(r.get(5)?),
    })
}

pub(crate) fn load_conversation(
    conn: &Connection,
    id: ConversationId,
) -> StoreResult<Conversation> {
    conn.prepare_cached(&format!(
        "SELECT {CONV_COLUMNS} FROM conversations c WHERE c.id = ?1"
    ))?
    .query_row([id.0], conversation_row)
    .optional()?
    .ok_or_else(|| StoreError::not_found("conversation", id))
}

pub(crate) fn load_messages(conn: &Connection, id: ConversationId) -> StoreResult<Vec<Message>> {
    Ok(conn
        .prepare_cached(
            "SELECT id, conversation_id, author, agent_id, body, at FROM messages
             WHERE conversation_id = ?1 ORDER BY at, id",
        )?
        .query_map([id.0], message_row)?
        .collect::<Result<_, _>>()?)
}

fn insert_conversation(conn: &Connection, c: &Conversation) -> StoreResult<()> {
    conn.prepare_cached(
        "INSERT INTO conversations (id, channel, status, customer_name, customer_contact, subject,
             ticket_id, created_at, last_message_at, read_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?9)",
    )?
    .execute(params![
        c.id.0,
        code(&c.channel),
        code(&c.status),
        c.customer_name,
        c.customer_contact,
        c.subject,
        c.ticket_id.map(|t| t.0),
        to_ms(c.created_at),
        to_ms(c.last_message_at)
    ])?;
    Ok(())
}

fn insert_message(conn: &Connection, m: &Message) -> StoreResult<()> {
    conn.prepare_cached(
        "INSERT INTO messages (id, conversation_id, author, agent_id, body, at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute(params![
        m.id.0,
        m.conversation_id.0,
        code(&m.author),
        m.agent_id.map(|a| a.0),
        m.body,
        to_ms(m.at)
    ])?;
    conn.prepare_cached(
        "UPDATE conversations SET last_message_at = max(last_message_at, ?1) WHERE id = ?2",
    )?
    .execute(params![to_ms(m.at), m.conversation_id.0])?;
    Ok(())
}

fn load_ticket(conn: &Connection, id: Option<TicketId>) -> StoreResult<Option<TicketCard>> {
    match id {
        Some(t) => match load_card(conn, t) {
            Ok(c) => Ok(Some(c)),
            Err(StoreError::NotFound { .. }) => Ok(None),
            Err(e) => Err(e),
        },
        None => Ok(None),
    }
}

/// Escapes `%`, `_` and `\` for a `LIKE ... ESCAPE '\'` pattern.
fn like_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

fn preview(body: &str) -> String {
    let flat = body.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut out: String = flat.chars().take(140).collect();
    if flat.chars().count() > 140 {
        out.push('\u{2026}');
    }
    out
}

fn load_rules(conn: &Connection) -> StoreResult<RuleSet> {
    let json: Option<String> = conn
        .prepare_cached("SELECT rules_json FROM rule_sets WHERE id = 1")?
        .query_row([], |r| r.get(0))
        .optional()?;
    match json {
        Some(j) => {
            serde_json::from_str(&j).map_err(|e| StoreError::Corrupt(format!("rule set: {e}")))
        }
        None => Ok(RuleSet::default()),
    }
}

/// Stores the rule set (sync apply and local saves).
pub(crate) fn store_rules(conn: &Connection, set: &RuleSet) -> StoreResult<()> {
    let json = serde_json::to_string(set)
        .map_err(|e| StoreError::Corrupt(format!("encode rule set: {e}")))?;
    conn.prepare_cached(
        "INSERT INTO rule_sets (id, rules_json) VALUES (1, ?1)
         ON CONFLICT (id) DO UPDATE SET rules_json = excluded.rules_json",
    )?
    .execute([json])?;
    Ok(())
}

fn fired_keys(conn: &Connection, keys: &[String]) -> StoreResult<Vec<String>> {
    let mut out = Vec::new();
    for k in keys {
        if conn
            .prepare_cached("SELECT 1 FROM rule_firings WHERE key = ?1")?
            .exists([k])?
        {
            out.push(k.clone());
        }
    }
    Ok(out)
}

fn plan_for(
    conn: &Connection,
    rules: &[Rule],
    event: &Event,
    facts: &Facts<'_>,
) -> StoreResult<Plan> {
    let candidates = rules::evaluate(rules, event, facts, &|_| false).fired;
    let done = fired_keys(conn, &candidates)?;
    Ok(rules::evaluate(rules, event, facts, &|k| {
        done.iter().any(|d| d == k)
    }))
}

/// Carries out a rule plan in the write transaction (see the module docs).
/// Returns the ticket it created.
fn execute_plan(
    ctx: &mut WriteCtx<'_>,
    plan: &Plan,
    target: Option<TicketId>,
) -> StoreResult<Option<TicketId>> {
    if plan.is_empty() {
        return Ok(None);
    }
    for key in &plan.fired {
        ctx.tx
            .prepare_cached("INSERT OR IGNORE INTO rule_firings (key, fired_at) VALUES (?1, ?2)")?
            .execute(params![key, ctx.now_ms])?;
    }
    let mut created = None;
    if let Some(c) = &plan.create_ticket {
        let exists = ctx
            .tx
            .prepare_cached("SELECT 1 FROM tickets WHERE id = ?1")?
            .exists([c.id.0])?;
        if !exists {
            let mut new = c.ticket.clone();
            if check_refs(ctx.tx, new.assignee_id, None).is_err() {
                new.assignee_id = None;
            }
            if check_refs(ctx.tx, None, new.category_id).is_err() {
                new.category_id = None;
            }
            ctx.use_op_id(rules::creation_op_id(c.id));
            insert_ticket(ctx, c.id, &new)?;
            created = Some(c.id);
        }
    }
    let Some(target) = target else {
        return Ok(created);
    };
    if !plan.patch.is_empty() {
        let mut patch = plan.patch.clone();
        if let Some(Some(a)) = patch.assignee_id
            && check_refs(ctx.tx, Some(a), None).is_err()
        {
            patch.assignee_id = None;
        }
        if let Some(Some(cat)) = patch.category_id
            && check_refs(ctx.tx, None, Some(cat)).is_err()
        {
            patch.category_id = None;
        }
        if !patch.is_empty() {
            let current: Ticket = load_card(ctx.tx, target)?.ticket;
            ctx.use_op_id(rules::patch_op_id(&plan.fired[0]));
            apply_patch(ctx, &current, &patch)?;
        }
    }
    for pc in &plan.comments {
        let exists = ctx
            .tx
            .prepare_cached("SELECT 1 FROM comments WHERE id = ?1")?
            .exists([pc.id.0])?;
        if exists {
            continue;
        }
        let (body, mentions) = match pc.notify {
            Some(agent) => {
                let name: Option<String> = ctx
                    .tx
                    .prepare_cached("SELECT name FROM agents WHERE id = ?1")?
                    .query_row([agent.0], |r| r.get(0))
                    .optional()?;
                match name {
                    Some(n) => (format!("@{n} {}", pc.body), vec![agent]),
                    None => continue,
                }
            }
            None => (pc.body.clone(), Vec::new()),
        };
        let mentions_json = serde_json::to_string(&mentions).unwrap_or_else(|_| "[]".into());
        ctx.tx
            .prepare_cached(
                "INSERT INTO comments (id, ticket_id, author_id, body, mentions_json, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?
            .execute(params![
                pc.id.0,
                target.0,
                ctx.actor.0,
                body,
                mentions_json,
                ctx.now_ms
            ])?;
        ctx.use_op_id(pc.id.0);
        let actor = Some(ctx.actor);
        ctx.history(
            target,
            actor,
            HistoryField::Comment,
            None,
            Some(&pc.id.to_string()),
        )?;
        ctx.use_op_id(pc.id.0);
        ctx.outbox(&MutationOp::AddComment {
            id: pc.id,
            ticket_id: target,
            body,
            created_at: ctx.now,
        })?;
    }
    Ok(created)
}

/// Runs the conversation rules for `event` in the write transaction.
fn run_conversation_rules(
    ctx: &mut WriteCtx<'_>,
    id: ConversationId,
    event: &Event,
) -> StoreResult<Option<TicketId>> {
    let set = load_rules(ctx.tx)?;
    if !set
        .rules
        .iter()
        .any(|r| r.enabled && r.trigger.is_conversation())
    {
        return Ok(None);
    }
    let c = load_conversation(ctx.tx, id)?;
    let messages = load_messages(ctx.tx, id)?;
    let linked = load_ticket(ctx.tx, c.ticket_id)?.map(|c| c.ticket);
    let facts = Facts {
        conversation: Some(&c),
        messages: &messages,
        ticket: linked.as_ref(),
    };
    let plan = plan_for(ctx.tx, &set.rules, event, &facts)?;
    let target = plan.target(&facts);
    let created = execute_plan(ctx, &plan, target)?;
    if let Some(t) = created {
        run_ticket_rules(ctx, t, &Event::ticket_created(t))?;
    }
    Ok(created)
}

/// Runs the ticket rules for `event` in the write transaction.
fn run_ticket_rules(ctx: &mut WriteCtx<'_>, id: TicketId, event: &Event) -> StoreResult<()> {
    let set = load_rules(ctx.tx)?;
    if !set
        .rules
        .iter()
        .any(|r| r.enabled && !r.trigger.is_conversation())
    {
        return Ok(());
    }
    let t = load_card(ctx.tx, id)?.ticket;
    let c = match t.conversation_id {
        Some(c) => Some(load_conversation(ctx.tx, c)?),
        None => None,
    };
    let messages = match &c {
        Some(c) => load_messages(ctx.tx, c.id)?,
        None => Vec::new(),
    };
    let facts = Facts {
        conversation: c.as_ref(),
        messages: &messages,
        ticket: Some(&t),
    };
    let plan = plan_for(ctx.tx, &set.rules, event, &facts)?;
    execute_plan(ctx, &plan, Some(id))?;
    Ok(())
}

impl Store {
    /// The Inbox list, newest activity first, at most `limit` rows.
    pub fn inbox(&self, q: &InboxQuery, limit: usize) -> StoreResult<Vec<ConversationSummary>> {
        validate::check_len("search", &q.search, validate::MAX_QUERY_CHARS)?;
        let mut sql = format!(
            "SELECT {CONV_COLUMNS}, c.read_at,
                 (SELECT body FROM messages m WHERE m.conversation_id = c.id ORDER BY at DESC, id DESC LIMIT 1),
                 (SELECT author FROM messages m WHERE m.conversation_id = c.id ORDER BY at DESC, id DESC LIMIT 1),
                 (SELECT max(at) FROM messages m WHERE m.conversation_id = c.id AND m.author = 'customer'),
                 (SELECT max(at) FROM messages m WHERE m.conversation_id = c.id AND m.author = 'agent')
             FROM conversations c WHERE 1 = 1"
        );
        let mut values: Vec<rusqlite::types::Value> = Vec::new();
        if !q.channels.is_empty() {
            sql.push_str(&format!(
                " AND c.channel IN ({})",
                vec!["?"; q.channels.len()].join(", ")
            ));
            values.extend(q.channels.iter().map(|c| code(c).into()));
        }
        if !q.statuses.is_empty() {
            sql.push_str(&format!(
                " AND c.status IN ({})",
                vec!["?"; q.statuses.len()].join(", ")
            ));
            values.extend(q.statuses.iter().map(|s| code(s).into()));
        }
        for word in q.search.split_whitespace() {
            let like = format!("%{}%", like_escape(&word.to_lowercase()));
            sql.push_str(
                " AND (lower(c.subject) LIKE ? ESCAPE '\\' OR lower(c.customer_name) LIKE ? ESCAPE '\\'
                   OR lower(c.customer_contact) LIKE ? ESCAPE '\\'
                   OR EXISTS (SELECT 1 FROM messages m WHERE m.conversation_id = c.id AND lower(m.body) LIKE ? ESCAPE '\\'))",
            );
            for _ in 0..4 {
                values.push(like.clone().into());
            }
        }
        sql.push_str(" ORDER BY c.last_message_at DESC, c.id DESC LIMIT ?");
        values.push((limit.min(1000) as i64).into());
        let conn = self.conn();
        let mut stmt = conn.prepare(&sql)?;
        let rows = stmt.query_map(rusqlite::params_from_iter(values), |r| {
            Ok((
                conversation_row(r)?,
                r.get::<_, Option<i64>>(9)?,
                r.get::<_, Option<String>>(10)?,
                r.get::<_, Option<String>>(11)?,
                r.get::<_, Option<i64>>(12)?,
                r.get::<_, Option<i64>>(13)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (conversation, read_at, body, author, customer_at, agent_at) = row?;
            let last_author = author.map(decode::<MessageAuthor>).transpose()?;
            let waiting = match (customer_at, agent_at) {
                (Some(c), Some(a)) if a >= c => None,
                (Some(c), _) => Some(from_ms(c)),
                _ => None,
            };
            let ticket_label = load_ticket(conn, conversation.ticket_id)?.map(|c| c.display_number);
            out.push(ConversationSummary {
                unread: customer_at.is_some_and(|c| read_at.is_none_or(|r| c > r)),
                last_message: body.as_deref().map(preview),
                last_author,
                waiting_since: waiting,
                ticket_label,
                conversation,
            });
        }
        Ok(out)
    }

    /// A conversation with its messages and linked ticket.
    pub fn conversation_thread(&self, id: ConversationId) -> StoreResult<ConversationThread> {
        let conversation = load_conversation(self.conn(), id)?;
        let messages = load_messages(self.conn(), id)?;
        let ticket = load_ticket(self.conn(), conversation.ticket_id)?;
        Ok(ConversationThread {
            conversation,
            messages,
            ticket,
        })
    }

    /// Marks a thread read on this device (not synced: read state is per agent).
    pub fn mark_conversation_read(&mut self, id: ConversationId) -> StoreResult<()> {
        let now = to_ms(self.now());
        let n = self
            .conn()
            .prepare_cached("UPDATE conversations SET read_at = ?1 WHERE id = ?2")?
            .execute(params![now, id.0])?;
        if n == 0 {
            return Err(StoreError::not_found("conversation", id));
        }
        Ok(())
    }

    /// Logs a phone call or walk-in as a new conversation (offline); the
    /// conversation rules run on it. Returns the thread.
    pub fn log_conversation(
        &mut self,
        new: &NewConversationInput,
    ) -> StoreResult<ConversationThread> {
        let customer_name =
            validate::required_text("customerName", &new.customer_name, MAX_SHORT_CHARS)?;
        let subject = validate::required_text("subject", &new.subject, MAX_TITLE_CHARS)?;
        validate::check_len("customerContact", &new.customer_contact, MAX_SHORT_CHARS)?;
        validate::check_len("body", &new.body, MAX_BODY_CHARS)?;
        let id = self.write(|ctx| {
            let c = Conversation {
                id: ConversationId(ctx.new_id()),
                channel: new.channel,
                status: ConversationStatus::Open,
                customer_name,
                customer_contact: new.customer_contact.trim().to_owned(),
                subject,
                ticket_id: None,
                created_at: ctx.now,
                last_message_at: ctx.now,
            };
            insert_conversation(ctx.tx, &c)?;
            let mut messages = Vec::new();
            if !new.body.trim().is_empty() {
                let m = Message {
                    id: MessageId(ctx.new_id()),
                    conversation_id: c.id,
                    author: MessageAuthor::Customer,
                    agent_id: None,
                    body: new.body.trim().to_owned(),
                    at: ctx.now,
                };
                insert_message(ctx.tx, &m)?;
                messages.push(m);
            }
            ctx.outbox(&MutationOp::CreateConversation {
                conversation: c.clone(),
                messages,
            })?;
            run_conversation_rules(ctx, c.id, &Event::conversation_created(c.id))?;
            Ok(c.id)
        })?;
        self.conversation_thread(id)
    }

    /// Adds a message: an agent reply by the signed-in agent (the first one
    /// on a linked ticket meets its first-response target), or a customer's
    /// words noted by the agent (which runs the customer-message rules).
    pub fn add_conversation_message(
        &mut self,
        id: ConversationId,
        author: MessageAuthor,
        body: &str,
    ) -> StoreResult<Message> {
        let body = validate::required_text("body", body, MAX_BODY_CHARS)?;
        self.write(|ctx| {
            let c = load_conversation(ctx.tx, id)?;
            let m = Message {
                id: MessageId(ctx.new_id()),
                conversation_id: id,
                author,
                agent_id: (author == MessageAuthor::Agent).then_some(ctx.actor),
                body,
                at: ctx.now,
            };
            insert_message(ctx.tx, &m)?;
            if author == MessageAuthor::Agent {
                ctx.tx
                    .prepare_cached("UPDATE conversations SET read_at = ?1 WHERE id = ?2")?
                    .execute(params![ctx.now_ms, id.0])?;
            }
            ctx.outbox(&MutationOp::AddMessage { message: m.clone() })?;
            if let Some(t) = load_ticket(ctx.tx, c.ticket_id)? {
                recompute_sla(ctx, t.ticket.id)?;
            }
            if author == MessageAuthor::Customer {
                run_conversation_rules(ctx, id, &Event::customer_message(&m))?;
            }
            Ok(m)
        })
    }

    /// Opens, snoozes or closes a conversation.
    pub fn set_conversation_status(
        &mut self,
        id: ConversationId,
        status: ConversationStatus,
    ) -> StoreResult<Conversation> {
        self.write(|ctx| {
            let c = load_conversation(ctx.tx, id)?;
            if c.status != status {
                ctx.tx
                    .prepare_cached("UPDATE conversations SET status = ?1 WHERE id = ?2")?
                    .execute(params![code(&status), id.0])?;
                ctx.outbox(&MutationOp::SetConversationStatus { id, status })?;
            }
            load_conversation(ctx.tx, id)
        })
    }

    /// The "Create ticket" form's defaults for a conversation: title and
    /// description from the thread, Normal priority.
    pub fn escalation_draft(&self, id: ConversationId) -> StoreResult<EscalationInput> {
        let c = load_conversation(self.conn(), id)?;
        let messages = load_messages(self.conn(), id)?;
        let t = rules::ticket_from_conversation(
            &c,
            &messages,
            outpost_core::Priority::Normal,
            None,
            None,
        );
        Ok(EscalationInput {
            title: t.title,
            description: t.description,
            priority: t.priority,
            category_id: None,
            assignee_id: None,
        })
    }

    /// Creates the conversation's ticket (offline; the number arrives on
    /// sync), linked both ways. A conversation that already has a ticket
    /// keeps it: the answer is a `conflict`-free not-found-like error.
    pub fn escalate_conversation(
        &mut self,
        id: ConversationId,
        input: &EscalationInput,
    ) -> StoreResult<TicketCard> {
        let title = validate::title(&input.title)?;
        validate::check_len("description", &input.description, MAX_BODY_CHARS)?;
        let ticket = self.write(|ctx| {
            let c = load_conversation(ctx.tx, id)?;
            if let Some(existing) = c.ticket_id {
                return Err(StoreError::Validation(
                    outpost_core::ValidationError::Invalid {
                        field: "conversation",
                        reason: format!("this conversation already has ticket {existing}"),
                    },
                ));
            }
            check_refs(ctx.tx, input.assignee_id, input.category_id)?;
            let tid = rules::escalation_ticket_id(id);
            let new = NewTicket {
                title,
                description: input.description.clone(),
                priority: input.priority,
                category_id: input.category_id,
                assignee_id: input.assignee_id,
                requester: if c.customer_contact.is_empty() {
                    c.customer_name.clone()
                } else {
                    c.customer_contact.clone()
                },
                conversation_id: Some(id),
            };
            ctx.use_op_id(rules::creation_op_id(tid));
            insert_ticket(ctx, tid, &new)?;
            run_ticket_rules(ctx, tid, &Event::ticket_created(tid))?;
            Ok(tid)
        })?;
        load_card(self.conn(), ticket)
    }

    /// The workspace's rules.
    pub fn rules(&self) -> StoreResult<RuleSet> {
        load_rules(self.conn())
    }

    /// Saves the rules on this device (admin only; local-only mode, or the
    /// server's answer to a save).
    pub fn save_rules(&mut self, set: RuleSet) -> StoreResult<RuleSet> {
        self.require_admin("change workflow rules")?;
        let mut set = set.validated()?;
        set.updated_at = Some(self.now());
        store_rules(self.conn(), &set)?;
        Ok(set)
    }

    /// Fails with `forbidden` unless the signed-in agent is an admin.
    pub fn require_admin(&self, action: &'static str) -> StoreResult<AgentId> {
        let me = self.current_agent().ok_or(StoreError::NotSignedIn)?;
        let role: Option<String> = self
            .conn()
            .prepare_cached("SELECT role FROM agents WHERE id = ?1")?
            .query_row([me.0], |r| r.get(0))
            .optional()?;
        match role.as_deref().and_then(Role::from_code) {
            Some(Role::Admin) => Ok(me),
            Some(_) => Err(StoreError::Forbidden { action }),
            None => Err(StoreError::UnknownAgent(me.to_string())),
        }
    }

    /// Dry run: which of the newest `limit` conversations `rule`'s
    /// conditions match (nothing is changed).
    pub fn dry_run_rule(&self, rule: &Rule, limit: usize) -> StoreResult<Vec<DryRunMatch>> {
        let set = RuleSet {
            rules: vec![rule.clone()],
            updated_at: None,
        }
        .validated()?;
        let rule = &set.rules[0];
        let conn = self.conn();
        let convs: Vec<Conversation> = conn
            .prepare_cached(&format!(
                "SELECT {CONV_COLUMNS} FROM conversations c ORDER BY c.last_message_at DESC, c.id DESC LIMIT ?1"
            ))?
            .query_map([limit.min(1000) as i64], conversation_row)?
            .collect::<Result<_, _>>()?;
        let mut out = Vec::new();
        for c in &convs {
            let messages = load_messages(conn, c.id)?;
            let ticket = load_ticket(conn, c.ticket_id)?.map(|t| t.ticket);
            let facts = Facts {
                conversation: Some(c),
                messages: &messages,
                ticket: ticket.as_ref(),
            };
            if rules::matches(rule, &facts) {
                out.push(DryRunMatch {
                    conversation_id: c.id,
                    subject: c.subject.clone(),
                    customer_name: c.customer_name.clone(),
                    channel: c.channel,
                    last_message_at: c.last_message_at,
                });
            }
        }
        Ok(out)
    }

    /// Runs the ticket rules after a local create or update (a separate
    /// transaction; a failure is logged and never loses the change itself).
    pub(crate) fn run_ticket_rules_logged(&mut self, id: TicketId, op: Option<Uuid>) {
        let event = match op {
            Some(op) => Event::ticket_updated(id, op),
            None => Event::ticket_created(id),
        };
        if let Err(e) = self.write(|ctx| run_ticket_rules(ctx, id, &event)) {
            tracing::warn!("workflow rules on ticket {id} failed: {e}");
        }
    }

    /// Fires `no_agent_reply` rules on open conversations left waiting
    /// (offline too); returns how many waiting conversations it looked at.
    pub fn run_waiting_rules(&mut self) -> StoreResult<usize> {
        if self.bootstrapping() {
            return Ok(0);
        }
        let set = load_rules(self.conn())?;
        let Some(shortest) = set
            .rules
            .iter()
            .filter(|r| r.enabled)
            .filter_map(|r| match r.trigger {
                rules::Trigger::NoAgentReply { minutes } => Some(minutes),
                _ => None,
            })
            .min()
        else {
            return Ok(0);
        };
        let now = self.now();
        let cutoff = to_ms(now) - i64::from(shortest) * 60_000;
        // Every open conversation whose newest message is the customer's and
        // older than the shortest wait, in pages (keyset on last message
        // time, id): the firing keys make a second look at one cheap and
        // harmless, and none is skipped however many wait.
        let mut after: Option<(i64, Uuid)> = None;
        let mut n = 0;
        loop {
            let (at, id) = after.unwrap_or((i64::MIN, Uuid::nil()));
            let page: Vec<(i64, Uuid)> = self
                .conn()
                .prepare_cached(
                    "SELECT c.last_message_at, c.id FROM conversations c
                     WHERE c.status = 'open' AND c.last_message_at <= ?1
                       AND (c.last_message_at, c.id) > (?2, ?3)
                       AND (SELECT m.author FROM messages m WHERE m.conversation_id = c.id
                            ORDER BY m.at DESC LIMIT 1) = 'customer'
                     ORDER BY c.last_message_at, c.id LIMIT ?4",
                )?
                .query_map(
                    rusqlite::params![cutoff, at, id, WAITING_PAGE as i64],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )?
                .collect::<Result<_, _>>()?;
            after = page.last().copied();
            for &(_, id) in &page {
                let id = ConversationId(id);
                let messages = load_messages(self.conn(), id)?;
                let Some(last) = rules::waiting_since(&messages).cloned() else {
                    continue;
                };
                n += 1;
                let waited = (now - last.at).num_minutes().clamp(0, i64::from(u32::MAX)) as u32;
                self.write(|ctx| {
                    run_conversation_rules(ctx, id, &Event::no_agent_reply(id, &last, waited))
                })?;
            }
            if page.len() < WAITING_PAGE {
                break;
            }
        }
        Ok(n)
    }
}
