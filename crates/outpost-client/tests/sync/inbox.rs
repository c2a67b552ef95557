//! The Inbox across real devices and the real server: a conversation posted
//! by a gateway that matches a server rule reaches every app linked to its
//! one ticket; an offline call escalated on a device while the server's rule
//! escalates the same conversation ends as one ticket everywhere.

use super::*;
use outpost_core::inbox::{EscalationInput, InboxQuery, NewConversationInput};
use outpost_core::rules::{self, Action, Condition, MatchMode, Rule, RuleSet, Trigger};
use outpost_core::{Channel, TicketQuery};

fn rule(word: &str) -> Rule {
    Rule {
        id: uuid::Uuid::now_v7(),
        name: format!("Escalate {word}"),
        enabled: true,
        trigger: Trigger::ConversationCreated,
        match_mode: MatchMode::All,
        conditions: vec![Condition::SubjectContains {
            words: vec![word.into()],
        }],
        actions: vec![Action::CreateTicket {
            priority: Priority::Urgent,
            category_id: None,
            assignee_id: None,
        }],
    }
}

fn tickets(d: &Device) -> Vec<outpost_core::TicketCard> {
    d.s()
        .board_page(&TicketQuery::default(), None, 100)
        .unwrap()
        .cards
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn conversations_rules_and_escalations_sync_to_one_ticket() {
    let (server, _dir) = sqlite_server().await;
    let emails = server.workspace("Inbox").await;
    let admin = Device::login(&server, &emails[0], 0).await;
    let ana = Device::login(&server, &emails[1], 0).await;
    let ben = Device::login(&server, &emails[2], 0).await;
    admin
        .client
        .put_rules(&RuleSet {
            rules: vec![rule("outage")],
            updated_at: None,
        })
        .await
        .expect("admin saves rules");
    // An agent cannot.
    assert!(ana.client.put_rules(&RuleSet::default()).await.is_err());

    // The email gateway posts a matching conversation.
    let http = reqwest::Client::new();
    let res = http
        .post(format!("{}/api/v1/conversations", server.url))
        .bearer_auth(admin.client.token().unwrap())
        .json(&serde_json::json!({"channel": "email", "customerName": "Cleo",
            "customerContact": "cleo@shop.test", "subject": "Outage in shop", "body": "down since 9"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    ana.sync().await;
    let inbox = ana.s().inbox(&InboxQuery::default(), 10).unwrap();
    assert_eq!(inbox.len(), 1);
    assert!(inbox[0].unread);
    assert!(
        inbox[0]
            .ticket_label
            .as_deref()
            .unwrap()
            .starts_with("TKT-")
    );
    assert_eq!(tickets(&ana).len(), 1);
    assert_eq!(
        ana.s().rules().unwrap().rules.len(),
        1,
        "rules reach the app"
    );

    // Ben, offline, logs a call that his synced rule escalates locally.
    ben.sync().await;
    let t = ben
        .s()
        .log_conversation(&NewConversationInput {
            channel: Channel::Phone,
            customer_name: "Dan".into(),
            customer_contact: String::new(),
            subject: "Network outage floor 2".into(),
            body: "no wifi".into(),
        })
        .unwrap();
    let local = t.ticket.expect("escalated offline by the rule");
    assert_eq!(local.display_number, "New (unsynced)");
    ben.sync().await;
    ben.sync().await;
    let bens = tickets(&ben);
    assert_eq!(bens.len(), 2);
    let synced = bens
        .iter()
        .find(|c| c.ticket.id == local.ticket.id)
        .unwrap();
    assert!(synced.ticket.number.is_some(), "the number arrives on sync");

    // The admin adds a rule Ana has not pulled yet; Ana escalates by hand
    // offline a call the new server rule escalates too: one ticket.
    admin
        .client
        .put_rules(&RuleSet {
            rules: vec![rule("outage"), rule("broken")],
            updated_at: None,
        })
        .await
        .unwrap();
    let call = ana
        .s()
        .log_conversation(&NewConversationInput {
            channel: Channel::Phone,
            customer_name: "Eve".into(),
            customer_contact: "eve@corp.test".into(),
            subject: "Laptop broken".into(),
            body: "black screen".into(),
        })
        .unwrap();
    assert!(call.ticket.is_none(), "Ana's rules do not match yet");
    let mine = ana
        .s()
        .escalate_conversation(
            call.conversation.id,
            &EscalationInput {
                title: "Eve's laptop".into(),
                description: "by hand".into(),
                priority: Priority::Low,
                category_id: None,
                assignee_id: None,
            },
        )
        .unwrap();
    assert_eq!(
        mine.ticket.id,
        rules::escalation_ticket_id(call.conversation.id)
    );
    ana.sync().await;
    ana.sync().await;
    ben.sync().await;
    for d in [&ana, &ben] {
        let all = tickets(d);
        assert_eq!(
            all.len(),
            3,
            "one ticket per escalated conversation, not two"
        );
        let linked: Vec<_> = all
            .iter()
            .filter(|c| c.ticket.conversation_id == Some(call.conversation.id))
            .collect();
        assert_eq!(linked.len(), 1);
        assert!(linked[0].ticket.number.is_some());
        let thread = d.s().conversation_thread(call.conversation.id).unwrap();
        assert_eq!(thread.conversation.ticket_id, Some(mine.ticket.id));
        assert_eq!(thread.messages.len(), 1);
    }
    assert_eq!(
        ana.s().outbox_len().unwrap(),
        0,
        "nothing left unsent or rejected"
    );
    let rejections = ana.s().sync_rejections().unwrap();
    assert!(rejections.is_empty(), "{rejections:?}");
}
