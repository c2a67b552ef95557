//! Workflows and rules: the one rule engine the server and the app both run.
//!
//! A [`Rule`] has a trigger, conditions (all or any must hold) and actions.
//! Rules are ordered; disabled rules are skipped. [`evaluate`] turns one
//! event into a [`Plan`]: at most one ticket to create, one field patch, the
//! internal comments to add and the agents to notify.
//!
//! Every effect is deterministic, so the server and an offline app that run
//! the same rule on the same data produce the *same* rows, and sync merges
//! them into one:
//! - the ticket a conversation escalates to has the id
//!   [`escalation_ticket_id`] (derived from the conversation id), so a
//!   conversation never gets two tickets, whoever escalates it first;
//! - comments get ids derived from the firing key ([`comment_id`]);
//! - field changes are ordinary last-writer-wins patches of the same values.
//!
//! Words used here:
//! - *firing key*: `rule id + event key`; a rule fires once per key
//!   ([`evaluate`] skips keys already recorded), which makes re-running it
//!   idempotent.
//! - *event key*: what the event is about: the conversation (created), the
//!   message (customer message), the conversation and its last customer
//!   message (waiting), the ticket (created), the ticket and the change's op
//!   id (updated).
//! - *tags*: `#words` in a conversation's subject and messages or a ticket's
//!   title and description (tickets have no tag field of their own).

use crate::error::ValidationError;
use crate::ids::{AgentId, CategoryId, CommentId, ConversationId, TicketId};
use crate::model::{Channel, Conversation, Message, MessageAuthor};
use crate::ticket::{Priority, Status, Ticket};
use crate::validate::{MAX_BODY_CHARS, MAX_SHORT_CHARS};
use crate::{NewTicket, TicketPatch};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// At most this many rules per workspace.
pub const MAX_RULES: usize = 200;
/// At most this many conditions or actions per rule, words per condition.
pub const MAX_ITEMS: usize = 50;
/// The longest waiting time a rule may wait for (30 days).
pub const MAX_WAIT_MINUTES: u32 = 30 * 24 * 60;

/// What makes a rule run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Trigger {
    /// A conversation arrived (API, sync, or logged in the app).
    ConversationCreated,
    /// A customer wrote in a conversation.
    CustomerMessage,
    /// A conversation's last customer message has had no agent reply for
    /// `minutes`.
    NoAgentReply { minutes: u32 },
    /// A ticket was created.
    TicketCreated,
    /// A ticket's fields changed (not by a rule).
    TicketUpdated,
}

impl Trigger {
    /// Whether the trigger is about a conversation (rather than a ticket).
    pub fn is_conversation(self) -> bool {
        matches!(
            self,
            Trigger::ConversationCreated | Trigger::CustomerMessage | Trigger::NoAgentReply { .. }
        )
    }
    fn same_kind(self, other: Trigger) -> bool {
        std::mem::discriminant(&self) == std::mem::discriminant(&other)
    }
}

/// Whether all conditions or any one must hold.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum MatchMode {
    #[default]
    All,
    Any,
}

/// One test on the event's conversation and/or ticket. Word and domain tests
/// are case-insensitive; a list holds if any of its entries matches.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(tag = "field", rename_all = "snake_case")]
pub enum Condition {
    /// The conversation came through one of these channels.
    Channel {
        #[serde(rename = "anyOf")]
        any_of: Vec<Channel>,
    },
    /// The subject (or ticket title) contains one of these words.
    SubjectContains { words: Vec<String> },
    /// A customer message (or the ticket description) contains one of these words.
    BodyContains { words: Vec<String> },
    /// The customer's email address is at one of these domains (or a subdomain).
    EmailDomain { domains: Vec<String> },
    /// The ticket has one of these priorities.
    Priority {
        #[serde(rename = "anyOf")]
        any_of: Vec<Priority>,
    },
    /// The ticket is in one of these categories.
    Category {
        #[serde(rename = "anyOf")]
        any_of: Vec<CategoryId>,
    },
    /// The ticket has one of these statuses.
    Status {
        #[serde(rename = "anyOf")]
        any_of: Vec<Status>,
    },
    /// The text carries one of these `#tags`.
    Tags {
        #[serde(rename = "anyOf")]
        any_of: Vec<String>,
    },
}

/// What a matching rule does.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Action {
    /// Escalate the conversation to a ticket (once: a linked conversation is
    /// left as is).
    CreateTicket {
        priority: Priority,
        #[serde(default, rename = "categoryId")]
        category_id: Option<CategoryId>,
        #[serde(default, rename = "assigneeId")]
        assignee_id: Option<AgentId>,
    },
    SetPriority {
        priority: Priority,
    },
    SetCategory {
        #[serde(rename = "categoryId")]
        category_id: Option<CategoryId>,
    },
    SetAssignee {
        #[serde(rename = "assigneeId")]
        assignee_id: Option<AgentId>,
    },
    SetStatus {
        status: Status,
    },
    /// Add an internal comment to the ticket.
    AddComment {
        body: String,
    },
    /// Notify an agent: an internal comment on the ticket @mentioning them,
    /// which their app turns into a notification.
    NotifyAgent {
        #[serde(rename = "agentId")]
        agent_id: AgentId,
        #[serde(default)]
        message: String,
    },
}

/// A workflow rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct Rule {
    pub id: Uuid,
    pub name: String,
    pub enabled: bool,
    pub trigger: Trigger,
    #[serde(default)]
    pub match_mode: MatchMode,
    #[serde(default)]
    pub conditions: Vec<Condition>,
    pub actions: Vec<Action>,
}

/// A workspace's rules, in evaluation order.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct RuleSet {
    pub rules: Vec<Rule>,
    /// When an admin last saved them (`None`: never).
    #[serde(default)]
    pub updated_at: Option<DateTime<Utc>>,
}

fn invalid(field: &'static str, reason: impl Into<String>) -> ValidationError {
    ValidationError::Invalid {
        field,
        reason: reason.into(),
    }
}

fn check_list<T>(field: &'static str, items: &[T]) -> Result<(), ValidationError> {
    if items.is_empty() {
        return Err(invalid(field, "needs at least one entry"));
    }
    if items.len() > MAX_ITEMS {
        return Err(invalid(field, format!("at most {MAX_ITEMS} entries")));
    }
    Ok(())
}

fn check_words(field: &'static str, words: &[String]) -> Result<(), ValidationError> {
    check_list(field, words)?;
    for w in words {
        if w.trim().is_empty() {
            return Err(invalid(field, "an entry is empty"));
        }
        crate::validate::check_len(field, w, MAX_SHORT_CHARS)?;
    }
    Ok(())
}

impl RuleSet {
    /// Checks sizes and shapes; returns the set with names and words trimmed.
    pub fn validated(mut self) -> Result<RuleSet, ValidationError> {
        if self.rules.len() > MAX_RULES {
            return Err(invalid("rules", format!("at most {MAX_RULES} rules")));
        }
        let mut ids = std::collections::HashSet::new();
        for r in &mut self.rules {
            r.name = crate::validate::required_text("name", &r.name, MAX_SHORT_CHARS)?;
            if !ids.insert(r.id) {
                return Err(invalid("id", format!("rule id {} is used twice", r.id)));
            }
            if let Trigger::NoAgentReply { minutes } = r.trigger
                && !(1..=MAX_WAIT_MINUTES).contains(&minutes)
            {
                return Err(invalid(
                    "minutes",
                    format!("waiting time must be 1 to {MAX_WAIT_MINUTES} minutes"),
                ));
            }
            if r.conditions.len() > MAX_ITEMS {
                return Err(invalid(
                    "conditions",
                    format!("at most {MAX_ITEMS} conditions"),
                ));
            }
            check_list("actions", &r.actions)?;
            for c in &mut r.conditions {
                match c {
                    Condition::Channel { any_of } => check_list("channel", any_of)?,
                    Condition::Priority { any_of } => check_list("priority", any_of)?,
                    Condition::Category { any_of } => check_list("category", any_of)?,
                    Condition::Status { any_of } => check_list("status", any_of)?,
                    Condition::SubjectContains { words }
                    | Condition::BodyContains { words }
                    | Condition::EmailDomain { domains: words }
                    | Condition::Tags { any_of: words } => {
                        check_words("words", words)?;
                        for w in words.iter_mut() {
                            *w = w.trim().trim_start_matches(['@', '#']).to_owned();
                        }
                    }
                }
            }
            for a in &r.actions {
                match a {
                    Action::AddComment { body } => {
                        crate::validate::required_text("body", body, MAX_BODY_CHARS)?;
                    }
                    Action::NotifyAgent { message, .. } => {
                        crate::validate::check_len("message", message, MAX_BODY_CHARS)?;
                    }
                    Action::CreateTicket { .. } if !r.trigger.is_conversation() => {
                        return Err(invalid(
                            "actions",
                            "only a conversation trigger can create a ticket",
                        ));
                    }
                    _ => {}
                }
            }
        }
        Ok(self)
    }
}

/// What an event is about. `ticket` is the conversation's linked ticket for
/// conversation events.
#[derive(Debug, Clone, Copy)]
pub struct Facts<'a> {
    pub conversation: Option<&'a Conversation>,
    pub messages: &'a [Message],
    pub ticket: Option<&'a Ticket>,
}

/// One thing that happened, to run the rules on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    pub trigger: Trigger,
    /// See the module docs.
    pub key: String,
}

impl Event {
    pub fn conversation_created(c: ConversationId) -> Event {
        Event {
            trigger: Trigger::ConversationCreated,
            key: format!("conversation:{c}"),
        }
    }
    pub fn customer_message(m: &Message) -> Event {
        Event {
            trigger: Trigger::CustomerMessage,
            key: format!("message:{}", m.id),
        }
    }
    /// `minutes` is the waited time (every rule with a shorter or equal wait fires).
    pub fn no_agent_reply(c: ConversationId, last_customer: &Message, minutes: u32) -> Event {
        Event {
            trigger: Trigger::NoAgentReply { minutes },
            key: format!("waiting:{c}:{}", last_customer.id),
        }
    }
    pub fn ticket_created(t: TicketId) -> Event {
        Event {
            trigger: Trigger::TicketCreated,
            key: format!("ticket:{t}"),
        }
    }
    pub fn ticket_updated(t: TicketId, op: Uuid) -> Event {
        Event {
            trigger: Trigger::TicketUpdated,
            key: format!("update:{t}:{op}"),
        }
    }
}

/// The firing key of `rule` on `event`.
pub fn firing_key(rule: &Rule, event: &Event) -> String {
    format!("{}:{}", rule.id, event.key)
}

/// The id of the ticket a conversation escalates to: the same on every device.
pub fn escalation_ticket_id(c: ConversationId) -> TicketId {
    TicketId(mix(c.0, 0xE5CA))
}

/// The id of the `n`th comment a firing adds: the same on every device.
pub fn comment_id(key: &str, n: usize) -> CommentId {
    let mut h: u128 = 0x6C62_272E_07BB_0142_62B8_2175_6295_C58D;
    for b in key.bytes() {
        h ^= u128::from(b);
        h = h.wrapping_mul(0x0000_0000_0100_0000_0000_0000_0000_013B);
    }
    CommentId(mix(Uuid::from_u128(h), 0xC000 + n as u16))
}

/// The op id of a ticket's creation by escalation (history ids derive from
/// it, so the server's and the app's `created` events are one).
pub fn creation_op_id(t: TicketId) -> Uuid {
    mix(t.0, 0xC7EA)
}

/// The op id of the field patch of the firing `key`.
pub fn patch_op_id(key: &str) -> Uuid {
    comment_id(key, 0x3FFF).0
}

fn mix(id: Uuid, slot: u16) -> Uuid {
    // A bijective mixer; the result is stamped as a version-8 UUID.
    let e = crate::sync::merge::derived_event_id(id, slot);
    let mut b = *e.0.as_bytes();
    b[6] = (b[6] & 0x0F) | 0x80;
    b[8] = (b[8] & 0x3F) | 0x80;
    Uuid::from_bytes(b)
}

/// A ticket to create from the event's conversation.
#[derive(Debug, Clone, PartialEq)]
pub struct TicketCreation {
    pub id: TicketId,
    pub ticket: NewTicket,
}

/// A comment to add to the event's ticket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedComment {
    pub id: CommentId,
    /// The rule's comment body, or the notification message.
    pub body: String,
    /// Set for a notification: the agent to @mention.
    pub notify: Option<AgentId>,
}

/// What the rules do for one event.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Plan {
    /// Firing keys to record (one per matching rule).
    pub fired: Vec<String>,
    /// The rules that matched, in order.
    pub matched: Vec<Uuid>,
    pub create_ticket: Option<TicketCreation>,
    /// Field changes for the ticket (the created or the linked one); later
    /// rules override earlier ones.
    pub patch: TicketPatch,
    pub comments: Vec<PlannedComment>,
}

impl Plan {
    /// Whether the plan does nothing.
    pub fn is_empty(&self) -> bool {
        self.fired.is_empty()
    }
    /// The ticket the plan's patch and comments apply to.
    pub fn target(&self, facts: &Facts<'_>) -> Option<TicketId> {
        self.create_ticket
            .as_ref()
            .map(|c| c.id)
            .or(facts.ticket.map(|t| t.id))
            .or(facts.conversation.and_then(|c| c.ticket_id))
    }
}

fn lower_contains(hay: &str, words: &[String]) -> bool {
    let hay = hay.to_lowercase();
    words.iter().any(|w| hay.contains(&w.to_lowercase()))
}

fn has_tag(text: &str, tags: &[String]) -> bool {
    text.split(|c: char| c.is_whitespace() || matches!(c, ',' | ';' | '(' | ')'))
        .filter_map(|w| w.strip_prefix('#'))
        .map(|w| w.trim_end_matches(|c: char| !c.is_alphanumeric() && c != '-' && c != '_'))
        .any(|w| tags.iter().any(|t| t.eq_ignore_ascii_case(w)))
}

fn customer_text(f: &Facts<'_>) -> String {
    let mut s = String::new();
    for m in f
        .messages
        .iter()
        .filter(|m| m.author == MessageAuthor::Customer)
    {
        s.push_str(&m.body);
        s.push('\n');
    }
    if let Some(t) = f.ticket {
        s.push_str(&t.description);
    }
    s
}

fn subject_text(f: &Facts<'_>) -> String {
    let mut s = String::new();
    if let Some(c) = f.conversation {
        s.push_str(&c.subject);
        s.push('\n');
    }
    if let Some(t) = f.ticket {
        s.push_str(&t.title);
    }
    s
}

/// Whether one condition holds for `facts`.
pub fn condition_holds(c: &Condition, f: &Facts<'_>) -> bool {
    match c {
        Condition::Channel { any_of } => {
            f.conversation.is_some_and(|c| any_of.contains(&c.channel))
        }
        Condition::SubjectContains { words } => lower_contains(&subject_text(f), words),
        Condition::BodyContains { words } => lower_contains(&customer_text(f), words),
        Condition::EmailDomain { domains } => {
            let contact = f
                .conversation
                .map(|c| c.customer_contact.as_str())
                .or(f.ticket.map(|t| t.requester.as_str()))
                .unwrap_or("");
            match contact.rsplit_once('@') {
                Some((_, domain)) => {
                    let domain = domain.trim().to_lowercase();
                    domains.iter().any(|d| {
                        let d = d.to_lowercase();
                        domain == d || domain.ends_with(&format!(".{d}"))
                    })
                }
                None => false,
            }
        }
        Condition::Priority { any_of } => f.ticket.is_some_and(|t| any_of.contains(&t.priority)),
        Condition::Category { any_of } => f
            .ticket
            .and_then(|t| t.category_id)
            .is_some_and(|c| any_of.contains(&c)),
        Condition::Status { any_of } => f.ticket.is_some_and(|t| any_of.contains(&t.status)),
        Condition::Tags { any_of } => {
            has_tag(&subject_text(f), any_of) || has_tag(&customer_text(f), any_of)
        }
    }
}

/// Whether `rule`'s conditions hold for `facts` (ignoring trigger and enabled).
pub fn matches(rule: &Rule, f: &Facts<'_>) -> bool {
    match rule.match_mode {
        MatchMode::All => rule.conditions.iter().all(|c| condition_holds(c, f)),
        MatchMode::Any => {
            rule.conditions.is_empty() || rule.conditions.iter().any(|c| condition_holds(c, f))
        }
    }
}

fn trigger_fires(rule: Trigger, event: Trigger) -> bool {
    match (rule, event) {
        (Trigger::NoAgentReply { minutes: want }, Trigger::NoAgentReply { minutes: waited }) => {
            want <= waited
        }
        (r, e) => r.same_kind(e),
    }
}

/// Runs `rules` in order on `event`; `already_fired` says which firing keys
/// were recorded before (those rules are skipped).
pub fn evaluate(
    rules: &[Rule],
    event: &Event,
    facts: &Facts<'_>,
    already_fired: &dyn Fn(&str) -> bool,
) -> Plan {
    let mut plan = Plan::default();
    let linked =
        facts.ticket.is_some() || facts.conversation.is_some_and(|c| c.ticket_id.is_some());
    for rule in rules {
        if !rule.enabled || !trigger_fires(rule.trigger, event.trigger) || !matches(rule, facts) {
            continue;
        }
        let key = firing_key(rule, event);
        if already_fired(&key) || plan.fired.contains(&key) {
            continue;
        }
        for (n, action) in rule.actions.iter().enumerate() {
            match action {
                Action::CreateTicket {
                    priority,
                    category_id,
                    assignee_id,
                } => {
                    if let (false, None, Some(c)) =
                        (linked, &plan.create_ticket, facts.conversation)
                    {
                        plan.create_ticket = Some(TicketCreation {
                            id: escalation_ticket_id(c.id),
                            ticket: ticket_from_conversation(
                                c,
                                facts.messages,
                                *priority,
                                *category_id,
                                *assignee_id,
                            ),
                        });
                    }
                }
                Action::SetPriority { priority } => plan.patch.priority = Some(*priority),
                Action::SetCategory { category_id } => plan.patch.category_id = Some(*category_id),
                Action::SetAssignee { assignee_id } => plan.patch.assignee_id = Some(*assignee_id),
                Action::SetStatus { status } => plan.patch.status = Some(*status),
                Action::AddComment { body } => plan.comments.push(PlannedComment {
                    id: comment_id(&key, n),
                    body: body.clone(),
                    notify: None,
                }),
                Action::NotifyAgent { agent_id, message } => plan.comments.push(PlannedComment {
                    id: comment_id(&key, n),
                    body: if message.trim().is_empty() {
                        format!("Rule \u{201c}{}\u{201d} matched.", rule.name)
                    } else {
                        message.clone()
                    },
                    notify: Some(*agent_id),
                }),
            }
        }
        plan.matched.push(rule.id);
        plan.fired.push(key);
    }
    // A patch equal to the new ticket's own fields changes nothing.
    if let Some(c) = &mut plan.create_ticket {
        if let Some(p) = plan.patch.priority.take() {
            c.ticket.priority = p;
        }
        if let Some(cat) = plan.patch.category_id.take() {
            c.ticket.category_id = cat;
        }
        if let Some(a) = plan.patch.assignee_id.take() {
            c.ticket.assignee_id = a;
        }
    }
    plan
}

/// A ticket prefilled from a conversation: the subject as title, the thread
/// as description, the customer as requester, linked back.
pub fn ticket_from_conversation(
    c: &Conversation,
    messages: &[Message],
    priority: Priority,
    category_id: Option<CategoryId>,
    assignee_id: Option<AgentId>,
) -> NewTicket {
    let mut description = String::new();
    for m in messages {
        let who = match m.author {
            MessageAuthor::Customer => c.customer_name.as_str(),
            MessageAuthor::Agent => "Agent",
        };
        let line = format!(
            "{who} ({}): {}\n\n",
            m.at.format("%Y-%m-%d %H:%M UTC"),
            m.body.trim()
        );
        if description.chars().count() + line.chars().count() > MAX_BODY_CHARS {
            break;
        }
        description.push_str(&line);
    }
    let title: String = c
        .subject
        .chars()
        .take(crate::validate::MAX_TITLE_CHARS)
        .collect();
    NewTicket {
        title: if title.trim().is_empty() {
            format!("Conversation with {}", c.customer_name)
        } else {
            title
        },
        description: description.trim_end().to_owned(),
        priority,
        category_id,
        assignee_id,
        requester: if c.customer_contact.is_empty() {
            c.customer_name.clone()
        } else {
            c.customer_contact.clone()
        },
        conversation_id: Some(c.id),
    }
}

/// Whether a conversation waits for an agent: its last message is the
/// customer's. Returns that message.
pub fn waiting_since(messages: &[Message]) -> Option<&Message> {
    messages
        .iter()
        .max_by_key(|m| (m.at, m.id))
        .filter(|m| m.author == MessageAuthor::Customer)
}

/// Dry run: the conversations (with their messages and linked ticket) that
/// `rule`'s conditions match, in input order, ignoring enabled and firings.
pub fn dry_run<'a>(rule: &Rule, items: impl IntoIterator<Item = Facts<'a>>) -> Vec<ConversationId> {
    items
        .into_iter()
        .filter(|f| matches(rule, f))
        .filter_map(|f| f.conversation.map(|c| c.id))
        .collect()
}

#[cfg(test)]
mod tests;
