//! The knowledge base and AI Insights on a real store file: admin edits
//! (outbox, validation, role), search with BM25 and highlighted passages,
//! pulled articles and deletions, the schema upgrade keeping articles, and
//! insights for one ticket (related articles, similar resolved tickets with
//! their resolution note, analysis numbers) plus retrieval quality on the
//! labelled set shipped in `tests/data`.

use super::*;
use outpost_client::retrieval_eval::{self, LabelledSet};
use outpost_core::sync::ChangeSet;
use outpost_core::{InsightLevel, KbArticle, KbArticleId, KbArticleInput};

fn input(title: &str, body: &str, tags: &[&str]) -> KbArticleInput {
    KbArticleInput {
        title: title.into(),
        body: body.into(),
        tags: tags.iter().map(|t| t.to_string()).collect(),
    }
}

#[test]
fn admins_write_articles_that_search_finds_with_marked_passages() {
    let mut f = fixture();
    let vpn = f
        .store
        .put_kb_article(
            None,
            &input(
                "VPN disconnects",
                "## Fix\nUpdate the **VPN** client, then switch the protocol to IKEv2.",
                &["Network", "vpn", "network"],
            ),
        )
        .unwrap();
    assert_eq!(vpn.tags, vec!["network", "vpn"], "tags are normalised");
    assert_eq!(vpn.updated_by, Some(ANA));
    f.store
        .put_kb_article(
            None,
            &input(
                "Printer offline",
                "Re-add the printer from the print server.",
                &[],
            ),
        )
        .unwrap();
    let out = f.store.pending_mutations(10).unwrap();
    assert_eq!(out.len(), 2, "each edit is queued for the server");
    assert!(matches!(&out[0].op, MutationOp::PutKbArticle { id, .. } if *id == vpn.id));

    let hits = f.store.search_kb("proto", 10).unwrap();
    assert_eq!(hits.len(), 1, "words match as prefixes");
    assert_eq!(hits[0].id, vpn.id);
    assert!(hits[0].score > 0.0);
    let marked: Vec<&str> = hits[0]
        .passage
        .iter()
        .filter(|p| p.hit)
        .map(|p| p.text.as_str())
        .collect();
    assert_eq!(
        marked,
        vec!["protocol"],
        "the matching word is marked: {:?}",
        hits[0].passage
    );
    assert!(
        f.store.search_kb("vpn printer", 10).unwrap().is_empty(),
        "every word must match"
    );
    let all = f.store.search_kb("", 10).unwrap();
    assert_eq!(
        all.iter().map(|h| h.title.as_str()).collect::<Vec<_>>(),
        vec!["Printer offline", "VPN disconnects"],
        "an empty query lists by title"
    );

    // Title weighs more than body: an article naming it in the title ranks first.
    f.store
        .put_kb_article(
            None,
            &input(
                "Printer drivers",
                "Drivers for the office printer models.",
                &[],
            ),
        )
        .unwrap();
    let printers = f.store.search_kb("printer", 10).unwrap();
    assert_eq!(printers.len(), 2);

    // Replace, then delete.
    let edited = f
        .store
        .put_kb_article(
            Some(vpn.id),
            &input("VPN disconnects often", "Use IKEv2.", &[]),
        )
        .unwrap();
    assert_eq!(f.store.kb_article(vpn.id).unwrap(), edited);
    f.store.delete_kb_article(vpn.id).unwrap();
    assert_eq!(f.store.kb_article(vpn.id).unwrap_err().code(), "not_found");
    assert!(
        f.store.search_kb("ikev2", 10).unwrap().is_empty(),
        "the index follows deletes"
    );
    assert_eq!(f.store.pending_mutations(10).unwrap().len(), 5);
}

#[test]
fn bad_input_and_agents_change_nothing() {
    let mut f = fixture();
    let before = f.store.pending_mutations(10).unwrap().len();
    let err = f
        .store
        .put_kb_article(None, &input("  ", "body", &[]))
        .unwrap_err();
    assert_eq!(err.code(), "empty_field", "{err}");
    let long = "x".repeat(outpost_core::MAX_ARTICLE_CHARS + 1);
    let err = f
        .store
        .put_kb_article(None, &input("Long", &long, &[]))
        .unwrap_err();
    assert_eq!(err.code(), "too_long", "{err}");
    let err = f
        .store
        .put_kb_article(Some(KbArticleId(Uuid::from_u128(9))), &input("t", "b", &[]))
        .unwrap_err();
    assert_eq!(err.code(), "not_found");
    let long_query = "q".repeat(201);
    assert_eq!(
        f.store.search_kb(&long_query, 5).unwrap_err().code(),
        "too_long"
    );
    f.store.set_current_agent(Some(BEN)).unwrap();
    let err = f
        .store
        .put_kb_article(None, &input("Agent", "body", &[]))
        .unwrap_err();
    assert_eq!(err.code(), "forbidden", "{err}");
    assert_eq!(f.store.pending_mutations(10).unwrap().len(), before);
    assert_eq!(f.store.kb_count().unwrap(), 0);
    // Query syntax is never interpreted: quotes and operators are just words.
    assert!(f.store.search_kb("\"NEAR( OR *", 5).unwrap().is_empty());
}

#[test]
fn pulled_articles_and_deletions_apply_but_never_undo_a_pending_edit() {
    let mut f = fixture();
    let remote = |id: u128, title: &str| KbArticle {
        id: KbArticleId(Uuid::from_u128(id)),
        title: title.into(),
        body: format!("{title} <script>alert(1)</script>"),
        tags: vec!["remote".into()],
        updated_by: Some(BEN),
        updated_at: Utc.with_ymd_and_hms(2026, 3, 1, 8, 0, 0).unwrap(),
    };
    let page = ChangeSet {
        kb_articles: vec![remote(1, "Guest wifi"), remote(2, "Toner orders")],
        ..Default::default()
    };
    f.store.apply_remote(&page, "c1").unwrap();
    assert_eq!(f.store.kb_count().unwrap(), 2);
    assert_eq!(
        f.store.search_kb("toner", 5).unwrap()[0].title,
        "Toner orders"
    );
    assert!(
        f.store
            .kb_article(KbArticleId(Uuid::from_u128(1)))
            .unwrap()
            .body
            .contains("<script>"),
        "stored as written: the UI renders it as text"
    );
    assert!(
        f.store.pending_mutations(10).unwrap().is_empty(),
        "pulls queue nothing"
    );

    // A local edit of article 1 is pending: the server's older copy does not win.
    f.store
        .put_kb_article(
            Some(KbArticleId(Uuid::from_u128(1))),
            &input("Guest wifi (local)", "mine", &[]),
        )
        .unwrap();
    let page = ChangeSet {
        kb_articles: vec![remote(1, "Guest wifi (server)")],
        kb_deleted: vec![KbArticleId(Uuid::from_u128(2))],
        ..Default::default()
    };
    f.store.apply_remote(&page, "c2").unwrap();
    assert_eq!(
        f.store
            .kb_article(KbArticleId(Uuid::from_u128(1)))
            .unwrap()
            .title,
        "Guest wifi (local)"
    );
    assert_eq!(f.store.kb_count().unwrap(), 1, "the deletion applied");
}

#[test]
fn upgrading_a_store_keeps_its_articles_searchable() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.db");
    let c = clock();
    let old_version = migrations::MIGRATIONS.len() - 1;
    {
        let store = Store::open_with(
            &path,
            StoreOptions {
                schema_version: Some(old_version),
                ..options(&c)
            },
        )
        .unwrap();
        assert_eq!(store.schema_version().unwrap(), old_version as i64);
        drop(store);
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute(
            "INSERT INTO kb_articles (id, title, body, tags_json, updated_at) VALUES (?1, 'Legacy article', 'about scanners', '[\"old\"]', 0)",
            [Uuid::from_u128(5)],
        )
        .unwrap();
    }
    let store = Store::open_with(&path, options(&c)).unwrap();
    assert_eq!(
        store.schema_version().unwrap(),
        migrations::latest_version()
    );
    let hits = store.search_kb("scanner", 5).unwrap();
    assert_eq!(
        hits.len(),
        1,
        "the rebuilt index holds the old article (stemmed match)"
    );
    assert_eq!(hits[0].tags, vec!["old"]);
}

/// A resolved Printing ticket with a resolution note, created `hours` before
/// now and resolved `took` hours later.
fn resolved(f: &mut Fixture, title: &str, took: i64, note: &str) -> TicketId {
    let mut t = new_ticket(title);
    t.category_id = Some(PRINTING);
    t.priority = Priority::High;
    let id = f.store.create_ticket(t).unwrap().ticket.id;
    f.clock.advance(Duration::hours(took));
    f.store.add_comment(id, note).unwrap();
    f.store
        .update_ticket(
            id,
            &TicketPatch {
                status: Some(Status::Resolved),
                ..Default::default()
            },
        )
        .unwrap();
    id
}

#[test]
fn insights_relate_articles_similar_tickets_and_explain_the_numbers() {
    let mut f = fixture();
    let jam = f
        .store
        .put_kb_article(
            None,
            &input(
                "Clearing paper jams",
                "Open the tray and the rear door and pull the paper out. Worn rollers cause repeated jams on one tray.",
                &["printing"],
            ),
        )
        .unwrap();
    f.store
        .put_kb_article(
            None,
            &input("VPN disconnects", "Switch the protocol to IKEv2.", &["vpn"]),
        )
        .unwrap();
    let a = resolved(
        &mut f,
        "Printer jams on tray 2",
        4,
        "Replaced the pickup rollers on tray 2.",
    );
    resolved(
        &mut f,
        "Copier jams every morning",
        6,
        "Set the paper weight to 80 g.",
    );
    resolved(&mut f, "Printer toner empty", 2, "Ordered a cartridge.");
    resolved(&mut f, "VPN drops", 8, "Updated the client.");

    let mut t = new_ticket("Paper jams on tray 2 in Lyon");
    t.description = "The printer jams every few pages, paper gets stuck in the tray.".into();
    t.category_id = Some(PRINTING);
    t.priority = Priority::High;
    let id = f.store.create_ticket(t).unwrap().ticket.id;
    f.store
        .update_ticket(
            id,
            &TicketPatch {
                assignee_id: Some(Some(ANA)),
                ..Default::default()
            },
        )
        .unwrap();
    f.store
        .update_ticket(
            id,
            &TicketPatch {
                assignee_id: Some(Some(BEN)),
                ..Default::default()
            },
        )
        .unwrap();
    f.store
        .update_ticket(
            id,
            &TicketPatch {
                status: Some(Status::Resolved),
                ..Default::default()
            },
        )
        .unwrap();
    f.store
        .update_ticket(
            id,
            &TicketPatch {
                status: Some(Status::Open),
                ..Default::default()
            },
        )
        .unwrap();
    f.store
        .add_comment(
            id,
            "The customer says the rear door is also stuck and the printer shows a warning light. \
             They already tried switching it off and on again and removing the paper by hand.",
        )
        .unwrap();
    f.clock.advance(Duration::hours(1));

    let ins = f.store.ticket_insights(id).unwrap();
    assert_eq!(ins.ticket_id, id);
    assert_eq!(
        ins.related_articles[0].id, jam.id,
        "{:?}",
        ins.related_articles
    );
    assert!(
        ins.related_articles[0].passage.iter().any(|p| p.hit),
        "the passage marks matching words"
    );
    assert!(ins.related_articles.len() <= 5);

    assert_eq!(ins.similar_tickets[0].id, a, "{:?}", ins.similar_tickets);
    assert_eq!(
        ins.similar_tickets[0].resolution.as_deref(),
        Some("Replaced the pickup rollers on tray 2."),
        "how it was resolved: its last comment"
    );
    assert_eq!(ins.similar_tickets[0].handling_minutes, Some(240));
    assert!(
        ins.similar_tickets.iter().all(|s| s.id != id),
        "never itself"
    );
    assert!(ins.similar_tickets.iter().all(|s| s.title != "VPN drops"));

    let by_kind = |k: &str| {
        ins.analysis
            .iter()
            .find(|s| s.kind == k)
            .unwrap_or_else(|| panic!("{k}: {:?}", ins.analysis))
    };
    let sla = by_kind("sla_risk");
    let figure = |s: &outpost_core::InsightStatement, label: &str| {
        s.basis
            .iter()
            .find(|b| b.label == label)
            .map(|b| b.value.clone())
    };
    // Printing / High: resolved in 4, 6, 2 and 8 hours (the ticket itself is open again).
    assert_eq!(
        figure(sla, "Resolved tickets in group").as_deref(),
        Some("4"),
        "{sla:?}"
    );
    assert_eq!(
        figure(sla, "Typical handling time (median)").as_deref(),
        Some("5 h 0 min")
    );
    let re = by_kind("reassignments");
    assert_eq!(
        figure(re, "Reassignments (from one agent to another)").as_deref(),
        Some("1"),
        "{re:?}"
    );
    let reopen = by_kind("reopens");
    assert_eq!(figure(reopen, "Reopenings").as_deref(), Some("1"));
    assert_eq!(reopen.level, InsightLevel::Warning);
    let waiting = by_kind("customer_waiting");
    assert!(
        waiting.text.contains("No first response yet") || waiting.text.contains("First response"),
        "{waiting:?}"
    );
    let lang = by_kind("language");
    assert!(lang.basis.iter().any(|b| b.value == "eng"), "{lang:?}");
    assert_eq!(ins.language.as_deref(), Some("eng"));
    assert!(ins.summary.is_none());

    let err = f
        .store
        .ticket_insights(TicketId(Uuid::from_u128(77)))
        .unwrap_err();
    assert_eq!(err.code(), "not_found");
}

#[test]
fn related_article_retrieval_meets_its_quality_target() {
    let mut f = fixture();
    let json = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/kb_retrieval.json"
    ))
    .unwrap();
    let set = LabelledSet::from_json(&json).unwrap();
    assert!(set.pairs() >= 50, "the set holds at least 50 pairs");
    let ids = retrieval_eval::load_articles(&mut f.store, &set).unwrap();
    let score = retrieval_eval::evaluate(&f.store, &set, &ids).unwrap();
    assert!(
        score.recall_at_5 >= 0.8,
        "recall@5 {:.3} (MRR {:.3}); misses: {:?}",
        score.recall_at_5,
        score.mrr,
        score.misses
    );
    assert!(score.mrr > 0.5, "MRR {:.3}", score.mrr);
}

#[test]
fn a_generated_summary_is_cached_for_offline_use() {
    let mut f = fixture();
    let id = f
        .store
        .create_ticket(new_ticket("Printer offline"))
        .unwrap()
        .ticket
        .id;
    assert!(f.store.ticket_insights(id).unwrap().summary.is_none());
    let s = outpost_core::GeneratedSummary {
        summary: "Printer is offline.".into(),
        draft_resolution: "Re-add it.".into(),
        model: "local-model".into(),
        generated_at: Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).unwrap(),
    };
    f.store.cache_summary(id, &s).unwrap();
    let newer = outpost_core::GeneratedSummary {
        summary: "Printer is offline again.".into(),
        ..s.clone()
    };
    f.store.cache_summary(id, &newer).unwrap();
    assert_eq!(
        f.store.ticket_insights(id).unwrap().summary,
        Some(newer),
        "the newest one is kept"
    );
}
