//! Integration tests of the local store on real SQLite files in temporary
//! folders, one binary split by meaning: migrations and writes (history +
//! outbox, validation), the board (filters, sorts, pagination, stats), search,
//! CSV export and demo data, and the SLA (settings, due dates, re-evaluation
//! as time passes, filters). The fixture lives here.

mod board;
mod inbox;
mod kb;
mod reports;
mod search_export;
mod sla;
mod undo;
mod writes;

use chrono::{Duration, TimeZone, Utc};
use outpost_client::demo::{self, DemoSize};
use outpost_client::store::migrations;
use outpost_client::{Clock, FixedClock, Store, StoreError, StoreOptions};
use outpost_core::sync::MutationOp;
use outpost_core::{
    Agent, AgentId, AssigneeFilter, BulkSelection, Category, CategoryId, HistoryField, NewTicket,
    Priority, Role, SlaBucket, SortOrder, Status, TicketCard, TicketId, TicketPatch, TicketQuery,
};
use std::collections::HashSet;
use std::sync::Arc;
use tempfile::TempDir;
use uuid::Uuid;

const ANA: AgentId = AgentId(Uuid::from_u128(0xa1));
const BEN: AgentId = AgentId(Uuid::from_u128(0xb2));
const PRINTING: CategoryId = CategoryId(Uuid::from_u128(0xc1));
const NETWORK: CategoryId = CategoryId(Uuid::from_u128(0xc2));

struct Fixture {
    _dir: TempDir,
    clock: Arc<FixedClock>,
    store: Store,
}

fn clock() -> Arc<FixedClock> {
    Arc::new(FixedClock::new(
        Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).unwrap(),
    ))
}

fn options(clock: &Arc<FixedClock>) -> StoreOptions {
    StoreOptions {
        id_seed: Some(7),
        ..StoreOptions::with_clock(clock.clone())
    }
}

/// A store with two agents (Ana signed in) and two categories.
fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let clock = clock();
    let mut store = Store::open_with(dir.path().join("outpost.db"), options(&clock)).unwrap();
    store
        .upsert_agents(&[
            Agent {
                id: ANA,
                name: "Ana Lopez".into(),
                email: "ana@example.com".into(),
                role: Role::Admin,
                timezone: "Europe/Paris".into(),
            },
            Agent {
                id: BEN,
                name: "Ben Okafor".into(),
                email: "ben.okafor@example.com".into(),
                role: Role::Agent,
                timezone: "UTC".into(),
            },
        ])
        .unwrap();
    store
        .upsert_categories(&[
            Category {
                id: PRINTING,
                name: "Printing".into(),
            },
            Category {
                id: NETWORK,
                name: "Network".into(),
            },
        ])
        .unwrap();
    store.set_current_agent(Some(ANA)).unwrap();
    Fixture {
        _dir: dir,
        clock,
        store,
    }
}

fn new_ticket(title: &str) -> NewTicket {
    NewTicket {
        requester: "Zoë Müller".into(),
        ..NewTicket::titled(title)
    }
}

/// Every card of `q`, page by page.
fn walk(store: &Store, q: &TicketQuery, page_size: usize) -> Vec<TicketCard> {
    let mut all = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let page = store.board_page(q, cursor.as_deref(), page_size).unwrap();
        assert!(page.cards.len() <= page_size);
        all.extend(page.cards);
        match page.next_cursor {
            Some(c) => cursor = Some(c),
            None => {
                assert_eq!(
                    all.len() as u64,
                    page.total,
                    "walking all pages of {q:?} yields `total` cards"
                );
                break;
            }
        }
    }
    let ids: HashSet<TicketId> = all.iter().map(|c| c.ticket.id).collect();
    assert_eq!(ids.len(), all.len(), "no ticket appears twice under {q:?}");
    all
}
