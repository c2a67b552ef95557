//! The Reports view's figures (`store/reports.rs`): the whole 30-day report
//! over the 100k store (`report_30d`, held to 200 ms p95), with and without
//! filters; the first report after opening the store (`report_30d_cold`:
//! per-target outcomes are stored with each ticket, so it replays nothing
//! either); and the 7-day report.

use crate::bench::Bench;
use anyhow::Result;
use outpost_core::Priority;
use outpost_core::report::{ReportPeriod, ReportQuery};

pub fn reports_suite(b: &mut Bench) -> Result<()> {
    let store = b.open_store()?;
    let agents = store.agents()?;
    let categories = store.categories()?;
    let all = |period| ReportQuery {
        period,
        agent_id: None,
        category_id: None,
        priority: None,
    };
    let month = store.report(&all(ReportPeriod::Last30Days))?;
    let completed: u64 = month.compliance.iter().map(|c| c.met + c.missed).sum();
    anyhow::ensure!(
        completed > 10_000,
        "the 30-day report covers the seeded history ({completed} targets)"
    );
    // The team lead's view and a few filtered ones, in turn.
    let queries = [
        all(ReportPeriod::Last30Days),
        ReportQuery {
            agent_id: agents.first().map(|a| a.id),
            ..all(ReportPeriod::Last30Days)
        },
        ReportQuery {
            category_id: categories.get(1).map(|c| c.id),
            priority: Some(Priority::High),
            ..all(ReportPeriod::Last30Days)
        },
    ];
    b.time("report_30d", 30, |i| {
        Ok(store.report(&queries[i % queries.len()])?)
    })?;
    let path = b.store_path.clone();
    let options = outpost_client::StoreOptions::with_clock(b.clock.clone());
    b.time("report_30d_cold", 3, |_| {
        let fresh = outpost_client::Store::open_with(&path, options.clone())?;
        Ok(fresh.report(&queries[0])?)
    })?;
    b.time("report_7d", 30, |_| {
        Ok(store.report(&all(ReportPeriod::Last7Days))?)
    })?;
    Ok(())
}
