//! The AI Insights suite of `cargo xtask bench`: retrieval quality of the
//! related articles on the labelled set shipped with the client
//! (`crates/outpost-client/tests/data/kb_retrieval.json`: recall@5 and MRR,
//! on a fresh store holding only the set's articles), and `insights_ticket`,
//! every local insight for one ticket on the 100k-ticket store with 2,000
//! knowledge-base articles added as the sync engine would add them.

use crate::bench::{Bench, Figure};
use anyhow::{Context, Result};
use outpost_client::retrieval_eval::{self, LabelledSet};
use outpost_client::{Store, StoreOptions};
use outpost_core::sync::ChangeSet;
use outpost_core::{AgentId, KbArticle, KbArticleId, SortOrder, TicketQuery};
use std::path::Path;
use uuid::Uuid;

/// Articles added to the benchmark store.
pub const ARTICLES: usize = 2_000;

/// Quality figures and their minimums.
pub const SCORE_TARGETS: &[(&str, f64)] = &[("retrieval_recall_at_5", 0.8)];

fn labelled_set() -> Result<LabelledSet> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../crates/outpost-client/tests/data/kb_retrieval.json");
    let json =
        std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
    Ok(LabelledSet::from_json(&json)?)
}

/// Filler words so generated articles differ from each other.
const WORDS: &[&str] = &[
    "laptop", "server", "browser", "update", "policy", "office", "account", "report", "network",
    "printer", "mailbox", "invoice", "license", "backup", "restore", "calendar", "driver",
    "firmware", "tunnel", "badge", "portal", "profile", "session", "token", "cache", "folder",
];

/// `n` articles made from the labelled set's, each with its own variations.
fn generated_articles(set: &LabelledSet, n: usize, agent: Option<AgentId>) -> Vec<KbArticle> {
    let at = chrono::DateTime::from_timestamp_millis(1_772_000_000_000).unwrap_or_default();
    (0..n)
        .map(|i| {
            let base = &set.articles[i % set.articles.len()];
            let extra: Vec<&str> = (0..40)
                .map(|k| WORDS[(i * 7 + k * 13) % WORDS.len()])
                .collect();
            KbArticle {
                id: KbArticleId(Uuid::from_u128(0x4b42_0000_0000 + i as u128)),
                title: format!("{} ({})", base.title, i / set.articles.len() + 1),
                body: format!("{}\n\nNotes: {}.", base.body, extra.join(" ")),
                tags: base.tags.clone(),
                updated_by: agent,
                updated_at: at,
            }
        })
        .collect()
}

pub fn insights_suite(b: &mut Bench) -> Result<()> {
    let set = labelled_set()?;
    // Quality on a store holding only the labelled set.
    let dir = tempfile::tempdir()?;
    let mut store = Store::open_with(
        dir.path().join("eval.db"),
        StoreOptions::with_clock(b.clock.clone()),
    )?;
    store.ensure_local_session()?;
    let ids = retrieval_eval::load_articles(&mut store, &set)?;
    let score = retrieval_eval::evaluate(&store, &set, &ids)?;
    b.record(Figure::Score {
        name: "retrieval_recall_at_5".into(),
        n: score.pairs,
        value: score.recall_at_5,
    });
    b.record(Figure::Score {
        name: "retrieval_mrr".into(),
        n: score.tickets,
        value: score.mrr,
    });
    if !score.misses.is_empty() {
        eprintln!("retrieval misses: {:?}", score.misses);
    }
    drop(store);

    // Speed on the 100k store with 2,000 synced articles.
    let mut store = b.open_store()?;
    let articles = generated_articles(&set, ARTICLES, store.current_agent());
    for chunk in articles.chunks(500) {
        let page = ChangeSet {
            kb_articles: chunk.to_vec(),
            ..Default::default()
        };
        let cursor = store.sync_cursor()?.unwrap_or_default();
        store.apply_remote(&page, &cursor)?;
    }
    let mut tickets = Vec::new();
    for sort in [
        SortOrder::Updated,
        SortOrder::Created,
        SortOrder::Priority,
        SortOrder::DueDate,
    ] {
        let q = TicketQuery {
            sort,
            ..Default::default()
        };
        tickets.extend(
            store
                .board_page(&q, None, 50)?
                .cards
                .into_iter()
                .map(|c| c.ticket.id),
        );
    }
    b.time("insights_ticket", 200, |i| {
        Ok(store.ticket_insights(tickets[i % tickets.len()])?)
    })?;
    Ok(())
}
