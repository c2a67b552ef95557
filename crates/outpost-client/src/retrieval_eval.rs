//! Retrieval quality of the AI Insights tab's related articles, measured on
//! a labelled set (`tests/data/kb_retrieval.json`): articles, and tickets
//! with the articles known to be relevant. Used by the client's quality test
//! and by `cargo xtask bench`.
//!
//! Words used here:
//! - *recall@5*: of all (ticket, relevant article) pairs, the share whose
//!   article is among the ticket's top 5 related articles;
//! - *MRR*: the mean over tickets of 1 / the rank of the first relevant
//!   article in the top 5 (0 when none is there).

use crate::error::StoreResult;
use crate::insights::RELATED_ARTICLES;
use crate::store::Store;
use outpost_core::{KbArticleId, KbArticleInput};
use serde::Deserialize;
use std::collections::HashMap;

/// An article of the set, named by `key`.
#[derive(Debug, Clone, Deserialize)]
pub struct LabelledArticle {
    pub key: String,
    pub title: String,
    pub body: String,
    #[serde(default)]
    pub tags: Vec<String>,
}

/// A ticket of the set and the keys of its relevant articles.
#[derive(Debug, Clone, Deserialize)]
pub struct LabelledTicket {
    pub title: String,
    #[serde(default)]
    pub description: String,
    pub relevant: Vec<String>,
}

/// The labelled set.
#[derive(Debug, Clone, Deserialize)]
pub struct LabelledSet {
    pub articles: Vec<LabelledArticle>,
    pub tickets: Vec<LabelledTicket>,
}

impl LabelledSet {
    /// Parses the set's JSON.
    pub fn from_json(json: &str) -> Result<LabelledSet, serde_json::Error> {
        serde_json::from_str(json)
    }

    /// How many (ticket, relevant article) pairs it holds.
    pub fn pairs(&self) -> usize {
        self.tickets.iter().map(|t| t.relevant.len()).sum()
    }
}

/// The scores of one run.
#[derive(Debug, Clone, PartialEq)]
pub struct RetrievalScore {
    pub pairs: usize,
    pub tickets: usize,
    pub recall_at_5: f64,
    pub mrr: f64,
    /// Tickets with no relevant article in their top 5 (titles), for tuning.
    pub misses: Vec<String>,
}

/// Adds the set's articles to `store` (signed in as an admin); returns the
/// id of each key.
pub fn load_articles(
    store: &mut Store,
    set: &LabelledSet,
) -> StoreResult<HashMap<String, KbArticleId>> {
    let mut ids = HashMap::new();
    for a in &set.articles {
        let saved = store.put_kb_article(
            None,
            &KbArticleInput {
                title: a.title.clone(),
                body: a.body.clone(),
                tags: a.tags.clone(),
            },
        )?;
        ids.insert(a.key.clone(), saved.id);
    }
    Ok(ids)
}

/// Scores the related-article retrieval of `store` (holding the set's
/// articles as `ids`) on the set's tickets.
pub fn evaluate(
    store: &Store,
    set: &LabelledSet,
    ids: &HashMap<String, KbArticleId>,
) -> StoreResult<RetrievalScore> {
    let (mut found, mut rr) = (0usize, 0f64);
    let mut misses = Vec::new();
    for t in &set.tickets {
        let hits = store.related_articles(&[(t.title.as_str(), 3), (t.description.as_str(), 2)])?;
        let ranked: Vec<KbArticleId> = hits.iter().take(RELATED_ARTICLES).map(|h| h.id).collect();
        let relevant: Vec<KbArticleId> = t
            .relevant
            .iter()
            .filter_map(|k| ids.get(k).copied())
            .collect();
        found += relevant.iter().filter(|r| ranked.contains(r)).count();
        match ranked.iter().position(|id| relevant.contains(id)) {
            Some(i) => rr += 1.0 / (i as f64 + 1.0),
            None => misses.push(t.title.clone()),
        }
    }
    let pairs = set.pairs();
    Ok(RetrievalScore {
        pairs,
        tickets: set.tickets.len(),
        recall_at_5: found as f64 / pairs.max(1) as f64,
        mrr: rr / set.tickets.len().max(1) as f64,
        misses,
    })
}
