//! The board: bulk changes by query, filters, sorts, pages and stats.

use super::*;

#[test]
fn bulk_update_by_query_changes_every_match_in_one_go() {
    let mut f = fixture();
    for i in 0..30 {
        let priority = if i % 3 == 0 {
            Priority::Urgent
        } else {
            Priority::Low
        };
        f.store
            .create_ticket(NewTicket {
                priority,
                ..new_ticket(&format!("Ticket {i}"))
            })
            .unwrap();
    }
    let before = f.store.table_counts().unwrap();
    let query = TicketQuery {
        priorities: vec![Priority::Urgent],
        ..Default::default()
    };
    let patch = TicketPatch {
        assignee_id: Some(Some(BEN)),
        status: Some(Status::Waiting),
        ..Default::default()
    };
    let changed = f
        .store
        .bulk_update(
            &BulkSelection::Query {
                query: query.clone(),
            },
            &patch,
        )
        .unwrap();
    assert_eq!(changed, 10, "every urgent ticket changes, not just a page");
    let after = f.store.table_counts().unwrap();
    assert_eq!(
        after.outbox - before.outbox,
        10,
        "one outbox mutation per ticket"
    );
    assert_eq!(
        after.history - before.history,
        30,
        "per ticket: two field events and the SLA pausing (Waiting)"
    );
    let page = f
        .store
        .board_page(
            &TicketQuery {
                assignee: AssigneeFilter::Agent(BEN),
                ..Default::default()
            },
            None,
            100,
        )
        .unwrap();
    assert_eq!(page.total, 10);
    assert!(
        page.cards
            .iter()
            .all(|c| c.ticket.status == Status::Waiting)
    );
    assert_eq!(
        f.store
            .bulk_update(&BulkSelection::Query { query }, &patch)
            .unwrap(),
        0,
        "a repeat changes nothing"
    );
}

/// Walks every page of `q` and checks order, uniqueness and the total.
#[test]
fn board_filters_sorts_and_pages_cover_every_match_once_in_order() {
    let dir = tempfile::tempdir().unwrap();
    let clock = clock();
    let mut store = Store::open_with(dir.path().join("demo.db"), options(&clock)).unwrap();
    demo::seed(
        &mut store,
        DemoSize {
            tickets: 1500,
            seed: 11,
        },
    )
    .unwrap();
    // Over 1000 matches a page walks the sort index; under, it sorts the matches.
    let me = store.current_agent().unwrap();
    let agents = store.agents().unwrap();
    let categories = store.categories().unwrap();
    let all = walk(&store, &TicketQuery::default(), 1000);
    assert_eq!(all.len(), 1500);

    for sort in [
        SortOrder::DueDate,
        SortOrder::Priority,
        SortOrder::Updated,
        SortOrder::Created,
        SortOrder::Number,
    ] {
        for q in [
            TicketQuery {
                sort,
                ..Default::default()
            },
            TicketQuery {
                sort,
                statuses: vec![Status::Open, Status::Waiting],
                ..Default::default()
            },
            TicketQuery {
                sort,
                priorities: vec![Priority::High],
                assignee: AssigneeFilter::Me,
                ..Default::default()
            },
            TicketQuery {
                sort,
                category_id: Some(categories[3].id),
                assignee: AssigneeFilter::Unassigned,
                ..Default::default()
            },
            TicketQuery {
                sort,
                sla: Some(SlaBucket::Overdue),
                ..Default::default()
            },
            TicketQuery {
                sort,
                sla: Some(SlaBucket::DueThisWeek),
                assignee: AssigneeFilter::Agent(agents[2].id),
                ..Default::default()
            },
        ] {
            let cards = walk(&store, &q, 37);
            // The reference: filter and sort every ticket in memory.
            let tz: chrono_tz::Tz = agents
                .iter()
                .find(|a| a.id == me)
                .unwrap()
                .timezone
                .parse()
                .unwrap();
            let end = outpost_core::query::bucket_end(
                q.sla.unwrap_or(SlaBucket::Overdue),
                clock.now(),
                &tz,
                chrono::Weekday::Mon,
            );
            let mut expected: Vec<&TicketCard> = all
                .iter()
                .filter(|c| {
                    let t = &c.ticket;
                    (q.statuses.is_empty() || q.statuses.contains(&t.status))
                        && (q.priorities.is_empty() || q.priorities.contains(&t.priority))
                        && match q.assignee {
                            AssigneeFilter::Anyone => true,
                            AssigneeFilter::Me => t.assignee_id == Some(me),
                            AssigneeFilter::Unassigned => t.assignee_id.is_none(),
                            AssigneeFilter::Agent(a) => t.assignee_id == Some(a),
                        }
                        && q.category_id.is_none_or(|c| t.category_id == Some(c))
                        && q.sla.is_none_or(|b| {
                            outpost_core::query::in_bucket(b, t.sla_state, t.status, t.due_at, end)
                        })
                })
                .collect();
            let key = |c: &TicketCard| -> (i64, Uuid) {
                let t = &c.ticket;
                let k = match sort {
                    SortOrder::DueDate => t.due_at.map_or(i64::MAX, |d| d.timestamp_millis()),
                    SortOrder::Priority => {
                        ((t.priority.rank() as i64) << 48) + t.created_at.timestamp_millis()
                    }
                    SortOrder::Updated => t.updated_at.timestamp_millis(),
                    SortOrder::Created => t.created_at.timestamp_millis(),
                    SortOrder::Number => t.number.map_or(i64::MAX, |n| n.0 as i64),
                };
                (k, t.id.uuid())
            };
            expected.sort_by_key(|c| key(c));
            if matches!(
                sort,
                SortOrder::Updated | SortOrder::Created | SortOrder::Number
            ) {
                expected.reverse();
            }
            let got: Vec<TicketId> = cards.iter().map(|c| c.ticket.id).collect();
            let want: Vec<TicketId> = expected.iter().map(|c| c.ticket.id).collect();
            assert_eq!(
                got, want,
                "pages of {q:?} list exactly the matching tickets in sort order"
            );
        }
    }
    let cards = walk(
        &store,
        &TicketQuery {
            sort: SortOrder::Priority,
            ..Default::default()
        },
        50,
    );
    assert_eq!(
        cards[0].ticket.priority,
        Priority::Urgent,
        "priority sort puts urgent first"
    );
    let due = walk(&store, &TicketQuery::default(), 100);
    assert!(
        due.last().unwrap().ticket.due_at.is_none(),
        "tickets without a due date sort last"
    );
}

#[test]
fn stats_count_every_status_under_the_other_filters() {
    let dir = tempfile::tempdir().unwrap();
    let clock = clock();
    let mut store = Store::open_with(dir.path().join("demo.db"), options(&clock)).unwrap();
    demo::seed(
        &mut store,
        DemoSize {
            tickets: 400,
            seed: 3,
        },
    )
    .unwrap();
    let categories = store.categories().unwrap();
    for q in [
        TicketQuery::default(),
        TicketQuery {
            statuses: vec![Status::Open],
            assignee: AssigneeFilter::Me,
            ..Default::default()
        },
        TicketQuery {
            category_id: Some(categories[0].id),
            priorities: vec![Priority::Low, Priority::High],
            ..Default::default()
        },
        TicketQuery {
            text: Some("printer".into()),
            ..Default::default()
        },
    ] {
        let stats = store.board_stats(&q).unwrap();
        for status in Status::ALL {
            let one = TicketQuery {
                statuses: vec![status],
                ..q.clone()
            };
            let n = store.board_page(&one, None, 1).unwrap().total;
            let counted = match status {
                Status::Open => stats.open,
                Status::InProgress => stats.in_progress,
                Status::Waiting => stats.waiting,
                Status::Resolved => stats.resolved,
                Status::Closed => stats.closed,
            };
            assert_eq!(
                counted, n,
                "stats for {status:?} under {q:?} equal the filtered total"
            );
        }
    }
    assert_eq!(
        store.board_stats(&TicketQuery::default()).unwrap().total(),
        400,
        "unfiltered stats count every ticket"
    );
}
