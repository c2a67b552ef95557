//! Search by number and title, CSV export and demo data.

use super::*;

#[test]
fn search_finds_numbers_prefixes_and_folds_diacritics() {
    let mut f = fixture();
    let printer = f
        .store
        .create_ticket(new_ticket("Printer offline in Lyon office"))
        .unwrap()
        .ticket
        .id;
    let cafe = f
        .store
        .create_ticket(new_ticket("Café POS terminal frozen"))
        .unwrap()
        .ticket
        .id;
    let vpn = f
        .store
        .create_ticket(new_ticket("VPN drops every 10 minutes"))
        .unwrap()
        .ticket
        .id;
    let search = |store: &Store, text: &str| -> Vec<TicketId> {
        let q = TicketQuery {
            text: Some(text.into()),
            ..Default::default()
        };
        walk(store, &q, 10).iter().map(|c| c.ticket.id).collect()
    };
    for q in ["TKT-001", "#TKT-001", "tkt-1", "1", "#1"] {
        assert_eq!(
            search(&f.store, q),
            vec![printer],
            "{q:?} finds ticket 1 by number"
        );
    }
    assert_eq!(
        search(&f.store, "prin off"),
        vec![printer],
        "every word is a prefix"
    );
    assert_eq!(
        search(&f.store, "PRINTER"),
        vec![printer],
        "case is ignored"
    );
    assert_eq!(
        search(&f.store, "cafe"),
        vec![cafe],
        "diacritics are folded"
    );
    assert_eq!(search(&f.store, "café pos"), vec![cafe]);
    assert_eq!(search(&f.store, "vpn min"), vec![vpn]);
    assert!(
        search(&f.store, "printer vpn").is_empty(),
        "all words must match"
    );
    assert!(
        search(&f.store, "\"*)(").is_empty(),
        "punctuation cannot break the FTS query"
    );
    assert!(
        search(&f.store, "TKT-999").is_empty(),
        "an unknown number finds nothing"
    );
    f.store
        .update_ticket(
            printer,
            &TicketPatch {
                title: Some("Scanner jammed".into()),
                ..Default::default()
            },
        )
        .unwrap();
    assert!(
        search(&f.store, "printer").is_empty(),
        "a renamed ticket leaves the old words' index"
    );
    assert_eq!(
        search(&f.store, "scan"),
        vec![printer],
        "and is found by the new ones"
    );
}

#[test]
fn csv_export_streams_the_selection_safely() {
    let mut f = fixture();
    let a = f
        .store
        .create_ticket(NewTicket {
            category_id: Some(PRINTING),
            assignee_id: Some(BEN),
            ..new_ticket("=HYPERLINK(\"x\")")
        })
        .unwrap();
    let b = f
        .store
        .create_ticket(new_ticket("Café, \"quoted\""))
        .unwrap();
    f.store.create_ticket(new_ticket("Not selected")).unwrap();
    let mut out = Vec::new();
    let n = f
        .store
        .export_csv(
            &BulkSelection::Ids {
                ids: vec![a.ticket.id, b.ticket.id],
            },
            &mut out,
        )
        .unwrap();
    assert_eq!(n, 2, "exactly the selected tickets");
    let text = String::from_utf8(out).unwrap();
    let mut rdr = csv::Reader::from_reader(text.as_bytes());
    let rows: Vec<csv::StringRecord> = rdr.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 2);
    let first = rows
        .iter()
        .find(|r| &r[0] == "TKT-001")
        .expect("TKT-001 exported");
    assert_eq!(
        &first[1], "'=HYPERLINK(\"x\")",
        "formula cells are neutralised"
    );
    assert_eq!(
        (&first[2], &first[3], &first[4], &first[5]),
        ("Open", "Normal", "Printing", "Ben Okafor")
    );
    assert_eq!(&first[7], "2026-03-02T09:00:00Z", "times are RFC 3339 UTC");
    assert!(
        rows.iter().any(|r| &r[1] == "Café, \"quoted\""),
        "UTF-8 and quotes survive"
    );

    let mut all = Vec::new();
    let q = BulkSelection::Query {
        query: TicketQuery {
            text: Some("cafe".into()),
            ..Default::default()
        },
    };
    assert_eq!(
        f.store.export_csv(&q, &mut all).unwrap(),
        1,
        "a query selection exports its matches"
    );
}

#[test]
fn demo_data_is_deterministic_and_realistic() {
    let make = || {
        let dir = tempfile::tempdir().unwrap();
        let clock = clock();
        let mut store = Store::open_with(dir.path().join("demo.db"), options(&clock)).unwrap();
        let summary = demo::seed(
            &mut store,
            DemoSize {
                tickets: 300,
                seed: 42,
            },
        )
        .unwrap();
        let cards = walk(
            &store,
            &TicketQuery {
                sort: SortOrder::Number,
                ..Default::default()
            },
            500,
        );
        let comments = store.comments(cards[0].ticket.id).unwrap();
        (dir, store, summary, cards, comments)
    };
    let (_d1, store, s1, cards1, comments1) = make();
    let (_d2, _store2, s2, cards2, comments2) = make();
    assert_eq!(s1, s2, "same seed, same amounts");
    assert_eq!(cards1, cards2, "same seed and clock, same tickets");
    assert_eq!(comments1, comments2, "and the same comments");
    assert_eq!(s1.tickets, 300);
    let per = |n: u64| n as f64 / 300.0;
    assert!(
        (3.5..6.5).contains(&per(s1.comments)),
        "about 5 comments per ticket, got {}",
        per(s1.comments)
    );
    assert!(
        (7.0..13.0).contains(&per(s1.history)),
        "about 10 history events per ticket, got {}",
        per(s1.history)
    );
    assert_eq!(store.agents().unwrap().len(), 8);
    assert_eq!(store.categories().unwrap().len(), 8);
    assert_eq!(
        store.outbox_len().unwrap(),
        0,
        "demo data is local: no outbox rows"
    );
    let oldest = cards1.iter().map(|c| c.ticket.created_at).min().unwrap();
    assert!(
        store.now() - oldest <= Duration::days(61),
        "tickets span the last 60 days"
    );
    let stats = store.board_stats(&TicketQuery::default()).unwrap();
    assert!(
        stats.open > 0
            && stats.in_progress > 0
            && stats.waiting > 0
            && stats.resolved > 0
            && stats.closed > 0,
        "every status appears: {stats:?}"
    );
}
