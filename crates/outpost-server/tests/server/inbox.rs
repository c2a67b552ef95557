//! The Inbox and workflow rules: a conversation posted through the API that
//! matches a rule gets exactly one linked ticket (visible to a syncing
//! client); an offline escalation pushed by an app plus the server's rule on
//! the same conversation make one ticket; rules CRUD is admin only and
//! validated; the dry run lists matching conversations.

use crate::both;
use crate::common::*;
use anyhow::{Context, Result};
use outpost_core::rules::{self, Action, Condition, MatchMode, Rule, RuleSet, Trigger};
use outpost_core::sync::{MutationOp, MutationStatus, PullResponse};
use outpost_core::{
    Channel, Conversation, ConversationId, ConversationStatus, Message, MessageAuthor, MessageId,
    Priority, Status,
};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use uuid::Uuid;

fn escalate_rule(words: &[&str]) -> Rule {
    Rule {
        id: Uuid::now_v7(),
        name: "Escalate outages".into(),
        enabled: true,
        trigger: Trigger::ConversationCreated,
        match_mode: MatchMode::All,
        conditions: vec![Condition::SubjectContains {
            words: words.iter().map(|w| (*w).to_owned()).collect(),
        }],
        actions: vec![
            Action::CreateTicket {
                priority: Priority::Urgent,
                category_id: None,
                assignee_id: None,
            },
            Action::AddComment {
                body: "Escalated by rule".into(),
            },
        ],
    }
}

async fn put_rules(s: &TestServer, token: &str, rules: Vec<Rule>) -> Result<Value> {
    let res = s
        .req(Method::PUT, "/api/v1/rules", token)
        .json(&RuleSet {
            rules,
            updated_at: None,
        })
        .send()
        .await?;
    expect(res, StatusCode::OK).await
}

async fn pull_everything(s: &TestServer, token: &str) -> Result<Vec<PullResponse>> {
    let mut cursor: Option<String> = None;
    let mut pages = Vec::new();
    loop {
        let res = s
            .req(Method::POST, "/api/v1/sync/pull", token)
            .json(&json!({ "cursor": cursor }))
            .send()
            .await?;
        let page: PullResponse = serde_json::from_value(expect(res, StatusCode::OK).await?)?;
        cursor = Some(page.next_cursor.clone());
        let more = page.has_more;
        pages.push(page);
        if !more {
            return Ok(pages);
        }
    }
}

async fn tickets_of(s: &TestServer, token: &str) -> Result<Vec<Value>> {
    let res = s
        .req(Method::GET, "/api/v1/tickets?limit=200", token)
        .send()
        .await?;
    let body = expect(res, StatusCode::OK).await?;
    Ok(body["cards"]
        .as_array()
        .context("a board page")?
        .iter()
        .map(|c| c["ticket"].clone())
        .collect())
}

async fn a_matching_conversation_gets_exactly_one_linked_ticket(b: Backend) -> Result<()> {
    let s = TestServer::start(b).await?;
    let ws = s.workspace("Acme").await?;
    put_rules(&s, &ws.admin_token, vec![escalate_rule(&["outage"])]).await?;
    // The email gateway posts a matching and a non-matching conversation.
    let res = s
        .req(Method::POST, "/api/v1/conversations", &ws.token)
        .json(
            &json!({"channel": "email", "customerName": "Cleo", "customerContact": "cleo@shop.test",
            "subject": "Total OUTAGE at the shop", "body": "Nothing works since 9am"}),
        )
        .send()
        .await?;
    let thread = expect(res, StatusCode::CREATED).await?;
    let conv_id: ConversationId = serde_json::from_value(thread["conversation"]["id"].clone())?;
    let ticket_id = thread["conversation"]["ticketId"]
        .as_str()
        .context("the rule linked a ticket")?
        .to_owned();
    assert_eq!(ticket_id, rules::escalation_ticket_id(conv_id).to_string());
    let res = s
        .req(Method::POST, "/api/v1/conversations", &ws.token)
        .json(
            &json!({"channel": "chat", "customerName": "Dan", "subject": "Question about pricing"}),
        )
        .send()
        .await?;
    let other = expect(res, StatusCode::CREATED).await?;
    assert!(other["conversation"]["ticketId"].is_null());
    // A follow-up message does not create a second ticket.
    let res = s
        .req(
            Method::POST,
            &format!("/api/v1/conversations/{conv_id}/messages"),
            &ws.token,
        )
        .json(&json!({"body": "Still down", "author": "customer"}))
        .send()
        .await?;
    expect(res, StatusCode::CREATED).await?;
    // Manual escalation of the linked conversation is refused.
    let res = s
        .req(
            Method::POST,
            &format!("/api/v1/conversations/{conv_id}/ticket"),
            &ws.token,
        )
        .json(&json!({}))
        .send()
        .await?;
    expect_error(res, StatusCode::CONFLICT).await?;

    let tickets = tickets_of(&s, &ws.token).await?;
    let linked: Vec<&Value> = tickets
        .iter()
        .filter(|t| t["conversationId"] == json!(conv_id.to_string()))
        .collect();
    assert_eq!(linked.len(), 1, "exactly one ticket: {tickets:?}");
    assert_eq!(linked[0]["priority"], "urgent");
    assert_eq!(linked[0]["title"], "Total OUTAGE at the shop");
    assert!(
        linked[0]["description"]
            .as_str()
            .unwrap()
            .contains("Nothing works")
    );
    assert_eq!(tickets.len(), 1);

    // A syncing client sees the conversation linked to its one ticket, the
    // rule's comment and the rules themselves.
    let pages = pull_everything(&s, &ws.token).await?;
    let convs: Vec<&Conversation> = pages
        .iter()
        .flat_map(|p| &p.changes.conversations)
        .collect();
    let c = convs
        .iter()
        .find(|c| c.id == conv_id)
        .context("conversation pulled")?;
    assert_eq!(c.ticket_id.map(|t| t.to_string()), Some(ticket_id.clone()));
    let pulled: Vec<_> = pages
        .iter()
        .flat_map(|p| &p.changes.tickets)
        .filter(|t| t.ticket.conversation_id == Some(conv_id))
        .collect();
    assert_eq!(pulled.len(), 1);
    assert!(pulled[0].ticket.number.is_some());
    assert!(
        pages
            .iter()
            .flat_map(|p| &p.changes.comments)
            .any(|c| c.body == "Escalated by rule")
    );
    let rules_pulled = pages
        .iter()
        .find_map(|p| p.changes.rules.clone())
        .context("rules synced")?;
    assert_eq!(rules_pulled.rules.len(), 1);
    assert_eq!(
        pages.iter().flat_map(|p| &p.changes.messages).count(),
        2,
        "both customer messages sync"
    );
    Ok(())
}

async fn offline_escalation_and_a_server_rule_make_one_ticket(b: Backend) -> Result<()> {
    let s = TestServer::start(b).await?;
    let ws = s.workspace("Acme").await?;
    put_rules(&s, &ws.admin_token, vec![escalate_rule(&["broken"])]).await?;
    let mut dev = s.device(&ws.token, ws.agent.id).await?;
    // Offline, the app logged a phone call and escalated it itself.
    let now = chrono::Utc::now();
    let conv = Conversation {
        id: ConversationId(Uuid::now_v7()),
        channel: Channel::Phone,
        status: ConversationStatus::Open,
        customer_name: "Walk-in Wanda".into(),
        customer_contact: "wanda@corp.test".into(),
        subject: "Laptop broken".into(),
        ticket_id: None,
        created_at: now,
        last_message_at: now,
    };
    let first = Message {
        id: MessageId(Uuid::now_v7()),
        conversation_id: conv.id,
        author: MessageAuthor::Customer,
        agent_id: None,
        body: "Screen is black".into(),
        at: now,
    };
    let tid = rules::escalation_ticket_id(conv.id);
    let new = rules::ticket_from_conversation(
        &conv,
        std::slice::from_ref(&first),
        Priority::High,
        None,
        None,
    );
    let m1 = dev.op(
        now_ms(),
        MutationOp::CreateConversation {
            conversation: conv.clone(),
            messages: vec![first.clone()],
        },
    );
    let mut m2 = dev.op(
        now_ms(),
        MutationOp::CreateTicket {
            id: tid,
            ticket: new.clone(),
            created_at: now,
        },
    );
    m2.op_id = rules::creation_op_id(tid);
    let reply = Message {
        id: MessageId(Uuid::now_v7()),
        conversation_id: conv.id,
        author: MessageAuthor::Agent,
        agent_id: None,
        body: "We'll swap it".into(),
        at: now,
    };
    let m3 = dev.op(now_ms(), MutationOp::AddMessage { message: reply });
    let m4 = dev.op(
        now_ms(),
        MutationOp::SetConversationStatus {
            id: conv.id,
            status: ConversationStatus::Snoozed,
        },
    );
    let res = s
        .push(&ws.token, dev.id, vec![m1.clone(), m2.clone(), m3, m4])
        .await?;
    assert!(
        res.results
            .iter()
            .all(|r| r.status == MutationStatus::Applied),
        "{:?}",
        res.results
    );
    assert_eq!(
        res.numbers.len(),
        1,
        "the app gets the number of the one ticket"
    );
    assert_eq!(res.numbers[0].ticket_id, tid);
    // A second device escalating the same conversation again (another id) is refused.
    let mut dev2 = s.device(&ws.admin_token, ws.admin.id).await?;
    let other = dev2.op(
        now_ms(),
        MutationOp::CreateTicket {
            id: outpost_core::TicketId(Uuid::now_v7()),
            ticket: new,
            created_at: now,
        },
    );
    let res2 = s.push(&ws.admin_token, dev2.id, vec![other]).await?;
    assert_eq!(res2.results[0].status, MutationStatus::Rejected);
    assert_eq!(
        res2.results[0].reason.as_ref().unwrap().code,
        "already_escalated"
    );
    // Replaying the first push changes nothing.
    let again = s.push(&ws.token, dev.id, vec![m1, m2]).await?;
    assert!(
        again
            .results
            .iter()
            .all(|r| r.status == MutationStatus::Duplicate)
    );

    let tickets = tickets_of(&s, &ws.token).await?;
    assert_eq!(tickets.len(), 1, "one ticket, not two: {tickets:?}");
    assert_eq!(tickets[0]["id"], json!(tid.to_string()));
    let res = s
        .req(
            Method::GET,
            &format!("/api/v1/conversations/{}", conv.id),
            &ws.token,
        )
        .send()
        .await?;
    let thread = expect(res, StatusCode::OK).await?;
    assert_eq!(thread["conversation"]["ticketId"], json!(tid.to_string()));
    assert_eq!(thread["conversation"]["status"], "snoozed");
    assert_eq!(thread["messages"].as_array().unwrap().len(), 2);
    assert_eq!(
        thread["messages"][1]["agentId"],
        json!(ws.agent.id.to_string()),
        "an agent message is the pusher's"
    );
    // History holds one `created` event for the ticket.
    let number = tickets[0]["number"].as_u64().context("numbered")?;
    let res = s
        .req(
            Method::GET,
            &format!("/api/v1/tickets/{number}/history"),
            &ws.token,
        )
        .send()
        .await?;
    let history = expect(res, StatusCode::OK).await?;
    let created = history
        .as_array()
        .unwrap()
        .iter()
        .filter(|h| h["field"] == "created")
        .count();
    assert_eq!(created, 1, "{history}");
    Ok(())
}

async fn rules_are_admin_only_and_validated(b: Backend) -> Result<()> {
    let s = TestServer::start(b).await?;
    let ws = s.workspace("Acme").await?;
    let res = s
        .req(Method::GET, "/api/v1/rules", &ws.token)
        .send()
        .await?;
    expect_error(res, StatusCode::FORBIDDEN).await?;
    let res = s
        .req(Method::PUT, "/api/v1/rules", &ws.token)
        .json(&RuleSet::default())
        .send()
        .await?;
    expect_error(res, StatusCode::FORBIDDEN).await?;
    let res = s
        .http
        .get(format!("{}/api/v1/rules", s.base))
        .send()
        .await?;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    // Invalid: no actions; unknown agent; a ticket trigger creating a ticket.
    let mut bad = escalate_rule(&["x"]);
    bad.actions.clear();
    let res = s
        .req(Method::PUT, "/api/v1/rules", &ws.admin_token)
        .json(&json!({ "rules": [bad] }))
        .send()
        .await?;
    expect_error(res, StatusCode::BAD_REQUEST).await?;
    let mut unknown = escalate_rule(&["x"]);
    unknown.actions = vec![Action::NotifyAgent {
        agent_id: outpost_core::AgentId(Uuid::now_v7()),
        message: String::new(),
    }];
    let res = s
        .req(Method::PUT, "/api/v1/rules", &ws.admin_token)
        .json(&json!({ "rules": [unknown] }))
        .send()
        .await?;
    expect_error(res, StatusCode::BAD_REQUEST).await?;
    let res = s
        .req(Method::PUT, "/api/v1/rules", &ws.admin_token)
        .body("{\"rules\": [{\"nope\": 1}]}")
        .header("content-type", "application/json")
        .send()
        .await?;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    // Saved and read back in order; another workspace sees none of them.
    let mut second = escalate_rule(&["b"]);
    second.name = "Second".into();
    second.enabled = false;
    let saved = put_rules(&s, &ws.admin_token, vec![escalate_rule(&["a"]), second]).await?;
    assert!(saved["updatedAt"].is_string());
    let res = s
        .req(Method::GET, "/api/v1/rules", &ws.admin_token)
        .send()
        .await?;
    let got: RuleSet = serde_json::from_value(expect(res, StatusCode::OK).await?)?;
    assert_eq!(got.rules.len(), 2);
    assert_eq!(got.rules[1].name, "Second");
    let other = s.workspace("Other").await?;
    let res = s
        .req(Method::GET, "/api/v1/rules", &other.admin_token)
        .send()
        .await?;
    let theirs: RuleSet = serde_json::from_value(expect(res, StatusCode::OK).await?)?;
    assert!(theirs.rules.is_empty());
    // The OpenAPI document lists the endpoints.
    let doc: Value = s
        .http
        .get(format!("{}/api/openapi.json", s.base))
        .send()
        .await?
        .json()
        .await?;
    assert!(doc["paths"]["/api/v1/rules"]["put"].is_object());
    assert!(doc["paths"]["/api/v1/rules/dry-run"]["post"].is_object());
    Ok(())
}

async fn dry_run_lists_matches_and_changes_nothing(b: Backend) -> Result<()> {
    let s = TestServer::start(b).await?;
    let ws = s.workspace("Acme").await?;
    for subject in ["Refund for order 12", "Hello there", "refund again"] {
        let res = s
            .req(Method::POST, "/api/v1/conversations", &ws.token)
            .json(&json!({"channel": "web", "customerName": "C", "subject": subject}))
            .send()
            .await?;
        expect(res, StatusCode::CREATED).await?;
    }
    let res = s
        .req(Method::POST, "/api/v1/rules/dry-run", &ws.admin_token)
        .json(&escalate_rule(&["REFUND"]))
        .send()
        .await?;
    let matches = expect(res, StatusCode::OK).await?;
    let subjects: Vec<&str> = matches
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["subject"].as_str().unwrap())
        .collect();
    assert_eq!(subjects.len(), 2, "{subjects:?}");
    assert!(subjects.iter().all(|s| s.to_lowercase().contains("refund")));
    assert!(
        tickets_of(&s, &ws.token).await?.is_empty(),
        "a dry run creates nothing"
    );
    let res = s
        .req(Method::POST, "/api/v1/rules/dry-run", &ws.token)
        .json(&escalate_rule(&["x"]))
        .send()
        .await?;
    expect_error(res, StatusCode::FORBIDDEN).await?;
    Ok(())
}

async fn ticket_rules_set_fields_and_notify(b: Backend) -> Result<()> {
    let s = TestServer::start(b).await?;
    let ws = s.workspace("Acme").await?;
    let rule = Rule {
        id: Uuid::now_v7(),
        name: "Urgent VIP".into(),
        enabled: true,
        trigger: Trigger::TicketCreated,
        match_mode: MatchMode::Any,
        conditions: vec![Condition::Tags {
            any_of: vec!["vip".into()],
        }],
        actions: vec![
            Action::SetPriority {
                priority: Priority::Urgent,
            },
            Action::SetStatus {
                status: Status::InProgress,
            },
            Action::NotifyAgent {
                agent_id: ws.agent.id,
                message: "VIP ticket".into(),
            },
        ],
    };
    put_rules(&s, &ws.admin_token, vec![rule]).await?;
    let res = s
        .req(Method::POST, "/api/v1/tickets", &ws.admin_token)
        .json(&json!({"title": "Printer jam #VIP"}))
        .send()
        .await?;
    let t = expect(res, StatusCode::CREATED).await?;
    assert_eq!(t["priority"], "urgent");
    assert_eq!(t["status"], "in_progress");
    let res = s
        .req(Method::POST, "/api/v1/tickets", &ws.admin_token)
        .json(&json!({"title": "Printer jam"}))
        .send()
        .await?;
    let plain = expect(res, StatusCode::CREATED).await?;
    assert_eq!(plain["priority"], "normal");
    let number = t["number"].as_u64().unwrap();
    let res = s
        .req(
            Method::GET,
            &format!("/api/v1/tickets/{number}/comments"),
            &ws.token,
        )
        .send()
        .await?;
    let comments = expect(res, StatusCode::OK).await?;
    let c = &comments.as_array().unwrap()[0];
    assert!(
        c["body"]
            .as_str()
            .unwrap()
            .starts_with(&format!("@{}", ws.agent.name))
    );
    assert_eq!(c["mentions"], json!([ws.agent.id.to_string()]));
    Ok(())
}

async fn waiting_conversations_fire_after_the_wait(b: Backend) -> Result<()> {
    let s = TestServer::start(b).await?;
    let ws = s.workspace("Acme").await?;
    let rule = Rule {
        id: Uuid::now_v7(),
        name: "No reply in 1 minute".into(),
        enabled: true,
        trigger: Trigger::NoAgentReply { minutes: 1 },
        match_mode: MatchMode::All,
        conditions: vec![],
        actions: vec![Action::CreateTicket {
            priority: Priority::High,
            category_id: None,
            assignee_id: None,
        }],
    };
    put_rules(&s, &ws.admin_token, vec![rule]).await?;
    let res = s
        .req(Method::POST, "/api/v1/conversations", &ws.token)
        .json(&json!({"channel": "chat", "customerName": "C", "subject": "Anyone?", "body": "hello?"}))
        .send()
        .await?;
    let thread = expect(res, StatusCode::CREATED).await?;
    let id: ConversationId = serde_json::from_value(thread["conversation"]["id"].clone())?;
    // Not yet waited long enough: the sweep changes nothing.
    let ws_id = ws.workspace.id;
    let admin = ws.admin.id;
    let sweep = |minutes: i64| {
        let store = s.store.clone();
        async move {
            store
                .write(move |tx| {
                    let mut scope = outpost_server::store::WriteScope::begin(tx, ws_id)?;
                    let ctx = outpost_server::store::rules::RunCtx {
                        actor: admin,
                        node: Uuid::nil(),
                        now: chrono::Utc::now() + chrono::Duration::minutes(minutes),
                    };
                    outpost_server::store::rules::sweep_waiting(tx, &mut scope, &ctx)
                })
                .await
        }
    };
    assert_eq!(sweep(0).await?, 0);
    assert!(tickets_of(&s, &ws.token).await?.is_empty());
    assert_eq!(sweep(2).await?, 1);
    assert_eq!(sweep(3).await?, 1, "looked at again");
    let tickets = tickets_of(&s, &ws.token).await?;
    assert_eq!(tickets.len(), 1, "fires once per waiting message");
    assert_eq!(
        tickets[0]["id"],
        json!(rules::escalation_ticket_id(id).to_string())
    );
    Ok(())
}

both!(
    a_matching_conversation_gets_exactly_one_linked_ticket,
    offline_escalation_and_a_server_rule_make_one_ticket,
    rules_are_admin_only_and_validated,
    dry_run_lists_matches_and_changes_nothing,
    ticket_rules_set_fields_and_notify,
    waiting_conversations_fire_after_the_wait,
);
