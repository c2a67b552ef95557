//! The Inbox in the store: logging a call offline (with its outbox entry),
//! the list's unread / waiting / search / filters, replies (the first agent
//! reply meets a linked ticket's first-response target), snooze/close,
//! escalation (deterministic id, linked both ways, once), and workflow rules
//! (admin only, run on offline changes, once per event, dry run, synced).

use super::*;
use outpost_core::inbox::{EscalationInput, InboxQuery, NewConversationInput};
use outpost_core::rules::{self, Action, Condition, MatchMode, Rule, RuleSet, Trigger};
use outpost_core::sla::SlaSettings;
use outpost_core::sync::ChangeSet;
use outpost_core::{Channel, ConversationStatus, MessageAuthor, SlaState};

fn call(subject: &str, body: &str) -> NewConversationInput {
    NewConversationInput {
        channel: Channel::Phone,
        customer_name: "Walk-in Wanda".into(),
        customer_contact: "wanda@corp.example".into(),
        subject: subject.into(),
        body: body.into(),
    }
}

fn escalate_rule(word: &str) -> Rule {
    Rule {
        id: Uuid::from_u128(0x5151),
        name: "Escalate outages".into(),
        enabled: true,
        trigger: Trigger::ConversationCreated,
        match_mode: MatchMode::All,
        conditions: vec![Condition::SubjectContains {
            words: vec![word.into()],
        }],
        actions: vec![
            Action::CreateTicket {
                priority: Priority::High,
                category_id: Some(PRINTING),
                assignee_id: Some(BEN),
            },
            Action::NotifyAgent {
                agent_id: BEN,
                message: "please look".into(),
            },
        ],
    }
}

#[test]
fn a_logged_call_is_queued_listed_and_searchable() {
    let mut f = fixture();
    let t = f
        .store
        .log_conversation(&call("Printer jams", "Floor 3 printer jams"))
        .unwrap();
    assert_eq!(t.messages.len(), 1);
    assert_eq!(t.messages[0].author, MessageAuthor::Customer);
    let out = f.store.pending_mutations(10).unwrap();
    assert!(
        matches!(&out[0].op, MutationOp::CreateConversation { conversation, messages }
        if conversation.id == t.conversation.id && messages.len() == 1)
    );
    // Bad input changes nothing.
    let before = f.store.outbox_len().unwrap();
    assert!(matches!(
        f.store.log_conversation(&call("  ", "x")),
        Err(StoreError::Validation(_))
    ));
    assert_eq!(f.store.outbox_len().unwrap(), before);

    f.clock.advance(Duration::minutes(5));
    f.store
        .log_conversation(&NewConversationInput {
            channel: Channel::Email,
            ..call("Refund request", "Please refund order 42")
        })
        .unwrap();
    let all = f.store.inbox(&InboxQuery::default(), 50).unwrap();
    assert_eq!(all.len(), 2);
    assert_eq!(
        all[0].conversation.subject, "Refund request",
        "newest first"
    );
    assert!(all[0].waiting_since.is_some());
    let q = |search: &str, channels: Vec<Channel>| InboxQuery {
        search: search.into(),
        channels,
        statuses: vec![],
    };
    let found = f.store.inbox(&q("ORDER 42", vec![]), 50).unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].conversation.subject, "Refund request");
    assert_eq!(
        f.store
            .inbox(&q("", vec![Channel::Phone]), 50)
            .unwrap()
            .len(),
        1
    );
    assert_eq!(
        f.store.inbox(&q("100%_", vec![]), 50).unwrap().len(),
        0,
        "LIKE wildcards are literal"
    );
}

#[test]
fn unread_replies_status_and_first_response() {
    let mut f = fixture();
    f.store
        .save_sla_settings(&SlaSettings::defaults(chrono_tz::Europe::Paris))
        .unwrap();
    let t = f
        .store
        .log_conversation(&call("VPN down", "cannot connect"))
        .unwrap();
    let id = t.conversation.id;
    let card = f
        .store
        .escalate_conversation(
            id,
            &EscalationInput {
                title: "VPN down for Wanda".into(),
                description: "From the call".into(),
                priority: Priority::High,
                category_id: Some(NETWORK),
                assignee_id: Some(BEN),
            },
        )
        .unwrap();
    assert_eq!(card.ticket.id, rules::escalation_ticket_id(id));
    assert_eq!(card.ticket.conversation_id, Some(id));
    assert_eq!(card.display_number, "TKT-001", "local numbering");
    let sla = f
        .store
        .ticket_sla(card.ticket.id)
        .unwrap()
        .expect("a policy applies");
    assert_ne!(sla.first_response.as_ref().unwrap().state, SlaState::Met);

    // A customer message arrives (noted by the agent): unread until opened.
    f.clock.advance(Duration::minutes(10));
    f.store
        .add_conversation_message(id, MessageAuthor::Customer, "still down")
        .unwrap();
    let row = |s: &Store| s.inbox(&InboxQuery::default(), 10).unwrap().remove(0);
    assert!(row(&f.store).unread);
    assert_eq!(row(&f.store).ticket_label.as_deref(), Some("TKT-001"));
    f.clock.advance(Duration::minutes(1));
    f.store.mark_conversation_read(id).unwrap();
    assert!(!row(&f.store).unread);
    assert!(row(&f.store).waiting_since.is_some());

    // The first agent reply meets the first-response target.
    f.clock.advance(Duration::minutes(5));
    let m = f
        .store
        .add_conversation_message(id, MessageAuthor::Agent, "Restarting the gateway")
        .unwrap();
    assert_eq!(m.agent_id, Some(ANA));
    assert!(row(&f.store).waiting_since.is_none());
    let sla = f.store.ticket_sla(card.ticket.id).unwrap().unwrap();
    assert_eq!(sla.first_response.unwrap().state, SlaState::Met);
    assert!(matches!(
        f.store
            .add_conversation_message(id, MessageAuthor::Agent, "   "),
        Err(StoreError::Validation(_))
    ));

    // Snooze and close, each queued once.
    let before = f.store.outbox_len().unwrap();
    let c = f
        .store
        .set_conversation_status(id, ConversationStatus::Snoozed)
        .unwrap();
    assert_eq!(c.status, ConversationStatus::Snoozed);
    f.store
        .set_conversation_status(id, ConversationStatus::Snoozed)
        .unwrap();
    assert_eq!(
        f.store.outbox_len().unwrap(),
        before + 1,
        "no change, no mutation"
    );
    let only_open = InboxQuery {
        statuses: vec![ConversationStatus::Open],
        ..Default::default()
    };
    assert!(f.store.inbox(&only_open, 10).unwrap().is_empty());

    // A second escalation is refused; the thread links to the ticket.
    let again = f.store.escalate_conversation(
        id,
        &EscalationInput {
            title: "dup".into(),
            description: String::new(),
            priority: Priority::Low,
            category_id: None,
            assignee_id: None,
        },
    );
    assert!(matches!(again, Err(StoreError::Validation(_))));
    let thread = f.store.conversation_thread(id).unwrap();
    assert_eq!(thread.ticket.unwrap().ticket.id, card.ticket.id);
    let draft = f.store.escalation_draft(id).unwrap();
    assert_eq!(draft.title, "VPN down");
    assert!(
        draft.description.contains("cannot connect") && draft.description.contains("Restarting")
    );
}

#[test]
fn rules_are_admin_only_validated_and_run_offline_once() {
    let mut f = fixture();
    // Ben is not an admin.
    f.store.set_current_agent(Some(BEN)).unwrap();
    assert!(matches!(
        f.store.save_rules(RuleSet {
            rules: vec![escalate_rule("outage")],
            updated_at: None
        }),
        Err(StoreError::Forbidden { .. })
    ));
    f.store.set_current_agent(Some(ANA)).unwrap();
    let mut bad = escalate_rule("outage");
    bad.actions.clear();
    assert!(
        f.store
            .save_rules(RuleSet {
                rules: vec![bad],
                updated_at: None
            })
            .is_err()
    );
    let saved = f
        .store
        .save_rules(RuleSet {
            rules: vec![escalate_rule("outage")],
            updated_at: None,
        })
        .unwrap();
    assert!(saved.updated_at.is_some());
    assert_eq!(f.store.rules().unwrap().rules.len(), 1);

    // Offline: a matching call gets exactly one ticket from the rule.
    let t = f
        .store
        .log_conversation(&call("Total outage", "nothing works"))
        .unwrap();
    let tid = rules::escalation_ticket_id(t.conversation.id);
    assert_eq!(t.conversation.ticket_id, Some(tid));
    let card = t.ticket.expect("linked ticket");
    assert_eq!(card.ticket.priority, Priority::High);
    assert_eq!(card.ticket.category_id, Some(PRINTING));
    assert_eq!(card.ticket.assignee_id, Some(BEN));
    let comments = f.store.comments(tid).unwrap();
    assert_eq!(comments.len(), 1);
    assert!(comments[0].body.starts_with("@Ben Okafor"));
    assert_eq!(comments[0].mentions, vec![BEN]);
    let out = f.store.pending_mutations(20).unwrap();
    let create = out
        .iter()
        .find(|m| matches!(m.op, MutationOp::CreateTicket { .. }))
        .unwrap();
    assert_eq!(
        create.op_id,
        rules::creation_op_id(tid),
        "the id the server derives too"
    );
    // A non-matching call gets none; a customer message does not re-fire.
    let other = f.store.log_conversation(&call("Question", "hi")).unwrap();
    assert!(other.conversation.ticket_id.is_none());
    f.store
        .add_conversation_message(t.conversation.id, MessageAuthor::Customer, "outage again")
        .unwrap();
    let all = walk(&f.store, &TicketQuery::default(), 50);
    assert_eq!(all.len(), 1);

    // Dry run: which recent conversations match, changing nothing.
    let before = f.store.outbox_len().unwrap();
    let matches = f.store.dry_run_rule(&escalate_rule("OUTAGE"), 100).unwrap();
    assert_eq!(matches.len(), 1);
    assert_eq!(matches[0].conversation_id, t.conversation.id);
    assert_eq!(f.store.outbox_len().unwrap(), before);
}

#[test]
fn ticket_rules_run_on_local_creates_and_updates() {
    let mut f = fixture();
    let rule = Rule {
        id: Uuid::from_u128(0x77),
        name: "Urgent network".into(),
        enabled: true,
        trigger: Trigger::TicketUpdated,
        match_mode: MatchMode::All,
        conditions: vec![Condition::Priority {
            any_of: vec![Priority::Urgent],
        }],
        actions: vec![
            Action::SetCategory {
                category_id: Some(NETWORK),
            },
            Action::AddComment {
                body: "Escalated to network team".into(),
            },
        ],
    };
    f.store
        .save_rules(RuleSet {
            rules: vec![rule],
            updated_at: None,
        })
        .unwrap();
    let card = f.store.create_ticket(new_ticket("Switch dead")).unwrap();
    assert_eq!(card.ticket.category_id, None);
    let card = f
        .store
        .update_ticket(
            card.ticket.id,
            &TicketPatch {
                priority: Some(Priority::Urgent),
                ..Default::default()
            },
        )
        .unwrap();
    assert_eq!(
        card.ticket.category_id,
        Some(NETWORK),
        "the rule's change shows at once"
    );
    assert_eq!(f.store.comments(card.ticket.id).unwrap().len(), 1);
    // Another update fires again (a new event), but a no-op update does not.
    f.store
        .update_ticket(
            card.ticket.id,
            &TicketPatch {
                priority: Some(Priority::Urgent),
                ..Default::default()
            },
        )
        .unwrap();
    assert_eq!(f.store.comments(card.ticket.id).unwrap().len(), 1);
}

#[test]
fn rules_arrive_by_sync() {
    let mut f = fixture();
    let changes = ChangeSet {
        rules: Some(RuleSet {
            rules: vec![escalate_rule("x")],
            updated_at: None,
        }),
        ..Default::default()
    };
    f.store.apply_remote(&changes, "c1").unwrap();
    assert_eq!(f.store.rules().unwrap().rules[0].name, "Escalate outages");
}

#[test]
fn waiting_rules_reach_every_waiting_conversation_once() {
    let mut f = fixture();
    let rule = Rule {
        id: Uuid::from_u128(0x3030),
        name: "No reply for 30 min".into(),
        enabled: true,
        trigger: Trigger::NoAgentReply { minutes: 30 },
        match_mode: MatchMode::All,
        conditions: vec![],
        actions: vec![Action::CreateTicket {
            priority: Priority::Normal,
            category_id: None,
            assignee_id: None,
        }],
    };
    f.store
        .save_rules(RuleSet {
            rules: vec![rule],
            updated_at: None,
        })
        .unwrap();
    // More waiting conversations than the sweep once looked at (500) and
    // than one page of it (200), plus one the
    // agent answered and one closed: those two never wait.
    let mut waiting = Vec::new();
    for i in 0..520 {
        let t = f
            .store
            .log_conversation(&call(&format!("Question {i}"), "hello?"))
            .unwrap();
        waiting.push(t.conversation.id);
    }
    let answered = f.store.log_conversation(&call("Answered", "hi")).unwrap();
    f.store
        .add_conversation_message(answered.conversation.id, MessageAuthor::Agent, "On it")
        .unwrap();
    let closed = f.store.log_conversation(&call("Closed", "hi")).unwrap();
    f.store
        .set_conversation_status(closed.conversation.id, ConversationStatus::Closed)
        .unwrap();

    f.clock.advance(Duration::minutes(29));
    f.store.run_waiting_rules().unwrap();
    assert!(
        walk(&f.store, &TicketQuery::default(), 500).is_empty(),
        "nobody has waited 30 minutes yet"
    );

    f.clock.advance(Duration::minutes(2));
    assert_eq!(f.store.run_waiting_rules().unwrap(), 520);
    let tickets = walk(&f.store, &TicketQuery::default(), 500);
    assert_eq!(tickets.len(), 520, "one ticket per waiting conversation");
    for id in &waiting {
        let thread = f.store.conversation_thread(*id).unwrap();
        assert_eq!(
            thread.conversation.ticket_id,
            Some(rules::escalation_ticket_id(*id)),
            "every waiting conversation got its linked ticket"
        );
    }
    for id in [answered.conversation.id, closed.conversation.id] {
        assert!(
            f.store
                .conversation_thread(id)
                .unwrap()
                .conversation
                .ticket_id
                .is_none()
        );
    }

    // The next sweeps change nothing.
    let outbox = f.store.outbox_len().unwrap();
    f.clock.advance(Duration::minutes(1));
    f.store.run_waiting_rules().unwrap();
    assert_eq!(f.store.outbox_len().unwrap(), outbox);
    assert_eq!(walk(&f.store, &TicketQuery::default(), 500).len(), 520);
}
