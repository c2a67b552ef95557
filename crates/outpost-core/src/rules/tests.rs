use super::*;
use crate::ids::MessageId;
use crate::model::ConversationStatus;
use proptest::prelude::*;

fn at(min: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(1_780_000_000 + min * 60, 0).unwrap()
}

fn conv(channel: Channel, contact: &str, subject: &str) -> Conversation {
    Conversation {
        id: ConversationId(Uuid::from_u128(7)),
        channel,
        status: ConversationStatus::Open,
        customer_name: "Cleo Customer".into(),
        customer_contact: contact.into(),
        subject: subject.into(),
        ticket_id: None,
        created_at: at(0),
        last_message_at: at(0),
    }
}

fn msg(n: u128, author: MessageAuthor, body: &str, min: i64) -> Message {
    Message {
        id: MessageId(Uuid::from_u128(100 + n)),
        conversation_id: ConversationId(Uuid::from_u128(7)),
        author,
        agent_id: None,
        body: body.into(),
        at: at(min),
    }
}

fn rule(n: u128, trigger: Trigger, conditions: Vec<Condition>, actions: Vec<Action>) -> Rule {
    Rule {
        id: Uuid::from_u128(n),
        name: format!("rule {n}"),
        enabled: true,
        trigger,
        match_mode: MatchMode::All,
        conditions,
        actions,
    }
}

fn create(priority: Priority) -> Action {
    Action::CreateTicket {
        priority,
        category_id: None,
        assignee_id: None,
    }
}

fn never(_: &str) -> bool {
    false
}

#[test]
fn conditions_match_channel_words_domain_and_tags() {
    let c = conv(
        Channel::Email,
        "cleo@Mail.ACME.com",
        "Invoice missing #billing",
    );
    let m = [msg(
        1,
        MessageAuthor::Customer,
        "The PDF is URGENT please",
        0,
    )];
    let f = Facts {
        conversation: Some(&c),
        messages: &m,
        ticket: None,
    };
    let holds = |c: Condition| condition_holds(&c, &f);
    assert!(holds(Condition::Channel {
        any_of: vec![Channel::Chat, Channel::Email]
    }));
    assert!(!holds(Condition::Channel {
        any_of: vec![Channel::Phone]
    }));
    assert!(holds(Condition::SubjectContains {
        words: vec!["invoice".into()]
    }));
    assert!(!holds(Condition::SubjectContains {
        words: vec!["refund".into()]
    }));
    assert!(holds(Condition::BodyContains {
        words: vec!["urgent".into()]
    }));
    assert!(holds(Condition::EmailDomain {
        domains: vec!["acme.com".into()]
    }));
    assert!(!holds(Condition::EmailDomain {
        domains: vec!["cme.com".into()]
    }));
    assert!(holds(Condition::Tags {
        any_of: vec!["Billing".into()]
    }));
    assert!(!holds(Condition::Tags {
        any_of: vec!["invoice".into()]
    }));
    // Ticket conditions never hold without a ticket.
    assert!(!holds(Condition::Priority {
        any_of: vec![Priority::Normal]
    }));
}

#[test]
fn all_and_any_modes() {
    let c = conv(Channel::Chat, "x@y.org", "Login broken");
    let f = Facts {
        conversation: Some(&c),
        messages: &[],
        ticket: None,
    };
    let mut r = rule(
        1,
        Trigger::ConversationCreated,
        vec![
            Condition::Channel {
                any_of: vec![Channel::Chat],
            },
            Condition::SubjectContains {
                words: vec!["refund".into()],
            },
        ],
        vec![create(Priority::High)],
    );
    assert!(!matches(&r, &f));
    r.match_mode = MatchMode::Any;
    assert!(matches(&r, &f));
}

#[test]
fn create_ticket_is_prefilled_and_deterministic() {
    let c = conv(Channel::Email, "cleo@acme.com", "Printer on fire");
    let m = [
        msg(1, MessageAuthor::Customer, "It smokes.", 0),
        msg(2, MessageAuthor::Agent, "On our way.", 5),
    ];
    let f = Facts {
        conversation: Some(&c),
        messages: &m,
        ticket: None,
    };
    let rules = [
        rule(
            1,
            Trigger::ConversationCreated,
            vec![],
            vec![create(Priority::High)],
        ),
        rule(
            2,
            Trigger::ConversationCreated,
            vec![],
            vec![
                Action::SetPriority {
                    priority: Priority::Urgent,
                },
                Action::AddComment {
                    body: "auto".into(),
                },
            ],
        ),
    ];
    let event = Event::conversation_created(c.id);
    let plan = evaluate(&rules, &event, &f, &never);
    let t = plan.create_ticket.clone().expect("creates a ticket");
    assert_eq!(t.id, escalation_ticket_id(c.id));
    assert_eq!(t.ticket.title, "Printer on fire");
    assert!(t.ticket.description.contains("It smokes."));
    assert!(t.ticket.description.contains("On our way."));
    assert_eq!(t.ticket.requester, "cleo@acme.com");
    assert_eq!(t.ticket.conversation_id, Some(c.id));
    assert_eq!(t.ticket.priority, Priority::Urgent, "later rule overrides");
    assert_eq!(plan.comments.len(), 1);
    assert_eq!(plan.target(&f), Some(t.id));
    assert_eq!(plan, evaluate(&rules, &event, &f, &never), "deterministic");
}

#[test]
fn linked_conversation_gets_no_second_ticket() {
    let mut c = conv(Channel::Email, "", "Hi");
    c.ticket_id = Some(TicketId(Uuid::from_u128(55)));
    let f = Facts {
        conversation: Some(&c),
        messages: &[],
        ticket: None,
    };
    let rules = [rule(
        1,
        Trigger::CustomerMessage,
        vec![],
        vec![
            create(Priority::High),
            Action::SetStatus {
                status: Status::Open,
            },
        ],
    )];
    let m = msg(1, MessageAuthor::Customer, "again", 1);
    let plan = evaluate(&rules, &Event::customer_message(&m), &f, &never);
    assert!(plan.create_ticket.is_none());
    assert_eq!(plan.patch.status, Some(Status::Open));
    assert_eq!(plan.target(&f), Some(TicketId(Uuid::from_u128(55))));
}

#[test]
fn triggers_disabled_rules_and_waiting() {
    let c = conv(Channel::Phone, "", "Call");
    let m = [msg(1, MessageAuthor::Customer, "hello", 0)];
    let f = Facts {
        conversation: Some(&c),
        messages: &m,
        ticket: None,
    };
    let mut wait = rule(
        1,
        Trigger::NoAgentReply { minutes: 30 },
        vec![],
        vec![create(Priority::Normal)],
    );
    let last = waiting_since(&m).unwrap();
    assert!(
        evaluate(
            &[wait.clone()],
            &Event::no_agent_reply(c.id, last, 29),
            &f,
            &never
        )
        .is_empty()
    );
    assert!(
        !evaluate(
            &[wait.clone()],
            &Event::no_agent_reply(c.id, last, 30),
            &f,
            &never
        )
        .is_empty()
    );
    assert!(
        evaluate(
            &[wait.clone()],
            &Event::conversation_created(c.id),
            &f,
            &never
        )
        .is_empty()
    );
    wait.enabled = false;
    assert!(evaluate(&[wait], &Event::no_agent_reply(c.id, last, 99), &f, &never).is_empty());
    let replied = [m[0].clone(), msg(2, MessageAuthor::Agent, "hi", 1)];
    assert!(waiting_since(&replied).is_none());
}

#[test]
fn validation_rejects_bad_rules() {
    let ok = rule(
        1,
        Trigger::ConversationCreated,
        vec![],
        vec![create(Priority::Low)],
    );
    assert!(
        RuleSet {
            rules: vec![ok.clone()],
            updated_at: None
        }
        .validated()
        .is_ok()
    );
    let mut no_actions = ok.clone();
    no_actions.actions.clear();
    assert!(
        RuleSet {
            rules: vec![no_actions],
            updated_at: None
        }
        .validated()
        .is_err()
    );
    let mut empty_name = ok.clone();
    empty_name.name = "  ".into();
    assert!(
        RuleSet {
            rules: vec![empty_name],
            updated_at: None
        }
        .validated()
        .is_err()
    );
    let ticket_creates = rule(
        2,
        Trigger::TicketCreated,
        vec![],
        vec![create(Priority::Low)],
    );
    assert!(
        RuleSet {
            rules: vec![ticket_creates],
            updated_at: None
        }
        .validated()
        .is_err()
    );
    let zero_wait = rule(
        3,
        Trigger::NoAgentReply { minutes: 0 },
        vec![],
        vec![create(Priority::Low)],
    );
    assert!(
        RuleSet {
            rules: vec![zero_wait],
            updated_at: None
        }
        .validated()
        .is_err()
    );
    let dup = RuleSet {
        rules: vec![ok.clone(), ok.clone()],
        updated_at: None,
    };
    assert!(dup.validated().is_err());
    let blank_word = rule(
        4,
        Trigger::ConversationCreated,
        vec![Condition::BodyContains {
            words: vec![" ".into()],
        }],
        vec![create(Priority::Low)],
    );
    assert!(
        RuleSet {
            rules: vec![blank_word],
            updated_at: None
        }
        .validated()
        .is_err()
    );
}

#[test]
fn rules_serialize_with_tags() {
    let r = rule(
        1,
        Trigger::NoAgentReply { minutes: 15 },
        vec![Condition::Channel {
            any_of: vec![Channel::Web],
        }],
        vec![Action::NotifyAgent {
            agent_id: AgentId(Uuid::from_u128(3)),
            message: "hey".into(),
        }],
    );
    let v = serde_json::to_value(&r).unwrap();
    assert_eq!(v["trigger"]["kind"], "no_agent_reply");
    assert_eq!(v["trigger"]["minutes"], 15);
    assert_eq!(v["conditions"][0]["field"], "channel");
    assert_eq!(v["actions"][0]["kind"], "notify_agent");
    assert_eq!(serde_json::from_value::<Rule>(v).unwrap(), r);
}

#[test]
fn dry_run_lists_matching_conversations() {
    let a = conv(Channel::Email, "", "refund please");
    let mut b = conv(Channel::Chat, "", "hello");
    b.id = ConversationId(Uuid::from_u128(8));
    let r = rule(
        1,
        Trigger::ConversationCreated,
        vec![Condition::SubjectContains {
            words: vec!["REFUND".into()],
        }],
        vec![create(Priority::Low)],
    );
    let items = [&a, &b].map(|c| Facts {
        conversation: Some(c),
        messages: &[],
        ticket: None,
    });
    assert_eq!(dry_run(&r, items), vec![a.id]);
}

fn arb_action() -> impl Strategy<Value = Action> {
    prop_oneof![
        (0u8..4).prop_map(|p| create(Priority::from_rank(p).unwrap())),
        (0u8..4).prop_map(|p| Action::SetPriority {
            priority: Priority::from_rank(p).unwrap()
        }),
        (0usize..3).prop_map(|s| Action::SetStatus {
            status: [Status::Open, Status::InProgress, Status::Waiting][s]
        }),
        "[a-z]{1,8}".prop_map(|body| Action::AddComment { body }),
    ]
}

fn arb_rules() -> impl Strategy<Value = Vec<Rule>> {
    prop::collection::vec(
        (
            any::<bool>(),
            any::<bool>(),
            prop::collection::vec(arb_action(), 1..4),
        ),
        0..6,
    )
    .prop_map(|rs| {
        rs.into_iter()
            .enumerate()
            .map(|(i, (enabled, email_only, actions))| Rule {
                enabled,
                conditions: if email_only {
                    vec![Condition::Channel {
                        any_of: vec![Channel::Email],
                    }]
                } else {
                    vec![]
                },
                ..rule(i as u128 + 1, Trigger::ConversationCreated, vec![], actions)
            })
            .collect()
    })
}

proptest! {
    /// Running the rules again with the recorded firing keys does nothing.
    #[test]
    fn evaluation_is_idempotent(rules in arb_rules(), chat in any::<bool>()) {
        let c = conv(if chat { Channel::Chat } else { Channel::Email }, "", "s");
        let f = Facts { conversation: Some(&c), messages: &[], ticket: None };
        let event = Event::conversation_created(c.id);
        let first = evaluate(&rules, &event, &f, &never);
        let fired = first.fired.clone();
        let again = evaluate(&rules, &event, &f, &|k| fired.iter().any(|x| x == k));
        prop_assert!(again.is_empty());
        prop_assert_eq!(&first, &evaluate(&rules, &event, &f, &never));
        prop_assert!(first.create_ticket.iter().all(|t| t.id == escalation_ticket_id(c.id)));
    }

    /// Rules apply in order: the last matching rule that sets a field wins,
    /// and the firings are listed in rule order.
    #[test]
    fn later_rules_win_in_order(rules in arb_rules()) {
        let c = conv(Channel::Email, "", "s");
        let f = Facts { conversation: Some(&c), messages: &[], ticket: None };
        let plan = evaluate(&rules, &Event::conversation_created(c.id), &f, &never);
        let active: Vec<&Rule> = rules.iter().filter(|r| r.enabled).collect();
        prop_assert_eq!(plan.matched.clone(), active.iter().map(|r| r.id).collect::<Vec<_>>());
        let last_status = active.iter().flat_map(|r| &r.actions).filter_map(|a| match a {
            Action::SetStatus { status } => Some(*status),
            _ => None,
        }).next_back();
        prop_assert_eq!(plan.patch.status, last_status);
        let first_create = active.iter().flat_map(|r| &r.actions).find_map(|a| match a {
            Action::CreateTicket { priority, .. } => Some(*priority),
            _ => None,
        });
        let last_set = active.iter().flat_map(|r| &r.actions).filter_map(|a| match a {
            Action::SetPriority { priority } => Some(*priority),
            _ => None,
        }).next_back();
        match (first_create, &plan.create_ticket) {
            (Some(p), Some(t)) => prop_assert_eq!(t.ticket.priority, last_set.unwrap_or(p)),
            (None, None) => prop_assert_eq!(plan.patch.priority, last_set),
            _ => prop_assert!(false, "create_ticket follows the first create action"),
        }
        let n_comments = active.iter().flat_map(|r| &r.actions).filter(|a| matches!(a, Action::AddComment { .. })).count();
        prop_assert_eq!(plan.comments.len(), n_comments);
        let ids: std::collections::HashSet<_> = plan.comments.iter().map(|c| c.id).collect();
        prop_assert_eq!(ids.len(), n_comments, "comment ids are distinct");
    }
}
