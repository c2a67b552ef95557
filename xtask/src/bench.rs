//! `cargo xtask bench`: timings of the local store against a seeded
//! 100k-ticket store (~500k comments, ~1M history events), printed one line
//! per figure as `bench <name> n=<tickets> p50_ms=<x> p95_ms=<y>` and written
//! as a table to `BENCHMARKS.md` with the machine, data size and command.
//!
//! Words used here:
//! - *figure*: one measured number (a timing with p50/p95, or a size).
//! - *suite*: a function that adds figures to a [`Bench`]; other areas (SLA,
//!   sync) add theirs to [`SUITES`] and get the same seeded store and report.
//! - *stamp*: the version of the seeded data; the seeded store under
//!   `$HOME/.cache/outpost-bench/` is reused until the stamp changes.

use anyhow::{Context, Result, bail};
use outpost_client::demo::{self, DemoSize};
use outpost_client::store::migrations;
use outpost_client::{Clock, FixedClock, Store, StoreOptions};
use outpost_core::{
    AssigneeFilter, BulkSelection, Priority, SortOrder, Status, TicketId, TicketPatch, TicketQuery,
};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

/// Tickets in the benchmark store.
pub const TICKETS: usize = 100_000;
/// Bump when the demo generator changes what it writes.
const DATA_STAMP: u32 = 3;
/// The fixed "now" of the benchmark store: 2026-03-02T09:00:00Z.
const NOW_MS: i64 = 1_772_442_000_000;

/// p95 targets in milliseconds, from the foundation issue.
pub const TARGETS: &[(&str, f64)] = &[
    ("board_page", 5.0),
    ("board_stats", 5.0),
    ("search_number", 5.0),
    ("search_title", 5.0),
    ("update_ticket", 2.0),
    ("bulk_update_1000", 100.0),
    ("export_csv_all", 1000.0),
    ("sla_evaluate_all", 50.0),
    ("sla_next_change", 0.05),
    ("notify_latency", 2000.0),
    ("report_30d", 200.0),
    ("insights_ticket", 50.0),
    ("board_first_paint", 1500.0),
    ("filter_repaint", 100.0),
    ("sync_bootstrap_100k", 5000.0),
    ("sync_push_10k", 2000.0),
    ("sync_roundtrip", 1000.0),
    ("app_cold_start", 1500.0),
];

/// Upper limits in MB for the [`Figure::Megabytes`] figures (release issue).
pub const MB_TARGETS: &[(&str, f64)] =
    &[("binary_mb", 25.0), ("deb_mb", 15.0), ("app_rss_mb", 300.0)];

/// A group of measurements run against the shared benchmark store.
pub type Suite = fn(&mut Bench) -> Result<()>;

/// Every suite, in report order. Add yours here.
pub const SUITES: &[(&str, Suite)] = &[
    ("store", store_suite),
    ("sla", sla_suite),
    ("notify", crate::bench_notify::notify_suite),
    ("reports", crate::bench_reports::reports_suite),
    ("insights", crate::bench_insights::insights_suite),
    ("app", crate::bench_app::app_suite),
    ("release", crate::bench_release::release_suite),
    ("sync", crate::bench_sync::sync_suite),
];

/// One measured number.
#[derive(Debug, Clone, PartialEq)]
pub enum Figure {
    /// A repeated operation: median and 95th percentile in milliseconds.
    Timing {
        name: String,
        n: usize,
        p50_ms: f64,
        p95_ms: f64,
    },
    /// A size in bytes.
    Bytes { name: String, n: usize, bytes: u64 },
    /// A quality score in [0, 1] (higher is better), over `n` cases.
    Score { name: String, n: usize, value: f64 },
    /// A count of things (e.g. DOM nodes), with what it was counted after.
    Count {
        name: String,
        n: usize,
        count: u64,
        note: String,
    },
    /// A throughput: `unit` per second (`n`: concurrent clients).
    Rate {
        name: String,
        n: usize,
        per_s: f64,
        unit: &'static str,
    },
    /// A size in MB (10^6 bytes): files, or memory (PSS), with what it is.
    Megabytes {
        name: String,
        n: usize,
        mb: f64,
        note: String,
    },
}

impl Figure {
    /// The figure's name.
    pub fn name(&self) -> &str {
        match self {
            Figure::Timing { name, .. }
            | Figure::Bytes { name, .. }
            | Figure::Score { name, .. }
            | Figure::Count { name, .. }
            | Figure::Rate { name, .. }
            | Figure::Megabytes { name, .. } => name,
        }
    }

    /// The exact line printed and recorded: `bench <name> n=<n> ...`.
    pub fn line(&self) -> String {
        match self {
            Figure::Timing {
                name,
                n,
                p50_ms,
                p95_ms,
            } => {
                format!("bench {name} n={n} p50_ms={p50_ms:.3} p95_ms={p95_ms:.3}")
            }
            Figure::Bytes { name, n, bytes } => format!("bench {name} n={n} bytes={bytes}"),
            Figure::Score { name, n, value } => format!("bench {name} n={n} value={value:.3}"),
            Figure::Count { name, n, count, .. } => format!("bench {name} n={n} count={count}"),
            Figure::Rate {
                name,
                n,
                per_s,
                unit,
            } => format!("bench {name} n={n} {unit}_per_s={per_s:.0}"),
            Figure::Megabytes { name, n, mb, .. } => format!("bench {name} n={n} mb={mb:.1}"),
        }
    }

    /// The target this figure is held to, if any.
    pub fn target_ms(&self) -> Option<f64> {
        TARGETS.iter().find(|(n, _)| *n == self.name()).map(|t| t.1)
    }

    /// Whether a timing meets its target (`None` without a target).
    pub fn meets_target(&self) -> Option<bool> {
        match self {
            Figure::Timing { p95_ms, .. } => self.target_ms().map(|t| *p95_ms <= t),
            Figure::Bytes { .. } | Figure::Count { .. } | Figure::Rate { .. } => None,
            Figure::Megabytes { name, mb, .. } => MB_TARGETS
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, max)| *mb <= *max),
            Figure::Score { value, .. } => crate::bench_insights::SCORE_TARGETS
                .iter()
                .find(|(n, _)| *n == self.name())
                .map(|(_, min)| *value >= *min),
        }
    }
}

/// The lines of `figures`, as printed.
pub fn lines(figures: &[Figure]) -> Vec<String> {
    figures.iter().map(Figure::line).collect()
}

/// The shared context of a benchmark run: the seeded store and the figures.
pub struct Bench {
    /// The working copy of the seeded store (suites may change it).
    pub store_path: PathBuf,
    /// Tickets in the store.
    pub n: usize,
    /// The clock the store was seeded with.
    pub clock: Arc<FixedClock>,
    /// The suite running (`OUTPOST_BENCH_ONLY=<suite>` selects all of it).
    suite: &'static str,
    figures: Vec<Figure>,
}

impl Bench {
    /// Opens the working store with the benchmark clock.
    pub fn open_store(&self) -> Result<Store> {
        let options = StoreOptions {
            id_seed: Some(42),
            ..StoreOptions::with_clock(self.clock.clone())
        };
        Ok(Store::open_with(&self.store_path, options)?)
    }

    /// Whether the figure `name` of the running suite is to be measured.
    pub fn selected(&self, name: &str) -> bool {
        selected(name) || selected(self.suite)
    }

    /// Runs `op` `runs` times (after a few warm-up calls) and records p50/p95.
    /// `op` gets the iteration index so it can vary its input.
    pub fn time<T>(
        &mut self,
        name: &str,
        runs: usize,
        op: impl FnMut(usize) -> Result<T>,
    ) -> Result<()> {
        self.time_after(name, runs, |_| Ok(()), op)
    }

    /// Like [`Bench::time`], but runs `before` (untimed) ahead of each run:
    /// the work the app does in the background between user actions, such
    /// as folding the write-ahead log into the database file.
    pub fn time_after<T>(
        &mut self,
        name: &str,
        runs: usize,
        mut before: impl FnMut(usize) -> Result<()>,
        mut op: impl FnMut(usize) -> Result<T>,
    ) -> Result<()> {
        if !self.selected(name) {
            return Ok(());
        }
        for i in 0..runs.div_ceil(10).min(5) {
            std::hint::black_box(op(i)?);
        }
        let mut ms: Vec<f64> = Vec::with_capacity(runs);
        for i in 0..runs {
            before(i)?;
            let start = Instant::now();
            std::hint::black_box(op(i).with_context(|| format!("bench {name}"))?);
            ms.push(start.elapsed().as_secs_f64() * 1e3);
        }
        ms.sort_by(f64::total_cmp);
        let pct = |p: f64| ms[((ms.len() as f64 - 1.0) * p).round() as usize];
        self.record(Figure::Timing {
            name: name.into(),
            n: self.n,
            p50_ms: pct(0.5),
            p95_ms: pct(0.95),
        });
        Ok(())
    }

    /// Records a size.
    pub fn bytes(&mut self, name: &str, bytes: u64) {
        self.record(Figure::Bytes {
            name: name.into(),
            n: self.n,
            bytes,
        });
    }

    /// Records (and prints) any figure.
    pub fn record(&mut self, figure: Figure) {
        println!("{}", figure.line());
        self.figures.push(figure);
    }

    /// Everything recorded so far.
    pub fn figures(&self) -> &[Figure] {
        &self.figures
    }
}

/// `OUTPOST_BENCH_ONLY=a,b`: time only the figures (or whole suites) named,
/// e.g. `app` or `filter_repaint`; such a run does not write `BENCHMARKS.md`.
const ONLY_VAR: &str = "OUTPOST_BENCH_ONLY";

pub(crate) fn selected(name: &str) -> bool {
    match std::env::var(ONLY_VAR) {
        Ok(only) => only.split(',').any(|o| o.trim() == name),
        Err(_) => true,
    }
}

/// Seeds or reuses the benchmark store, runs every suite, prints the lines and
/// writes `BENCHMARKS.md`. With `release_check`, refuses a debug build and
/// fails if a figure misses its target (the official run).
pub fn run(release_check: bool) -> Result<()> {
    if release_check && cfg!(debug_assertions) {
        bail!("benchmarks need a release build: cargo run --release -p xtask -- bench");
    }
    // A run of only sync figures does not read the seeded store.
    let only_sync = std::env::var(ONLY_VAR).is_ok_and(|only| {
        only.split(',')
            .all(|o| o.trim().starts_with("sync_") || o.trim().starts_with("server_"))
    });
    let mut bench = prepare(if only_sync { 100 } else { TICKETS })?;
    // A failing suite is reported and the others still run: one broken
    // harness does not throw away every other figure.
    let mut failed = Vec::new();
    for (suite, run_suite) in SUITES {
        // The other suites need the full seeded store (and check for it).
        if only_sync && *suite != "sync" {
            continue;
        }
        bench.suite = suite;
        if let Err(e) = run_suite(&mut bench) {
            eprintln!("suite {suite} failed: {e:#}");
            failed.push(format!("- suite `{suite}` failed: {e:#}"));
        }
    }
    if std::env::var_os(ONLY_VAR).is_none() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let mut md = report(&bench)?;
        if !failed.is_empty() {
            writeln!(
                md,
                "\nSuites that failed in this run:\n\n{}",
                failed.join("\n")
            )?;
        }
        std::fs::write(root.join("BENCHMARKS.md"), md).context("writing BENCHMARKS.md")?;
    }
    remove_db(&bench.store_path)?;
    if !failed.is_empty() {
        bail!("{} suite(s) failed:\n{}", failed.len(), failed.join("\n"));
    }
    if std::env::var_os(ONLY_VAR).is_some() {
        return Ok(());
    }
    let missed: Vec<String> = bench
        .figures()
        .iter()
        .filter(|f| f.meets_target() == Some(false))
        .map(Figure::line)
        .collect();
    if !missed.is_empty() {
        eprintln!("missed targets:\n  {}", missed.join("\n  "));
        if release_check {
            bail!("{} figure(s) missed their target", missed.len());
        }
    }
    Ok(())
}

/// Makes the working copy of the seeded store, seeding it first if needed.
fn prepare(tickets: usize) -> Result<Bench> {
    let home = std::env::var_os("HOME").context("HOME is not set")?;
    let dir = PathBuf::from(home).join(".cache/outpost-bench");
    std::fs::create_dir_all(&dir)?;
    // The schema's text is part of the stamp: branches that each add their
    // own migration N must not reuse each other's seeded store.
    let schema = {
        use std::hash::{Hash, Hasher};
        let mut h = std::hash::DefaultHasher::new();
        migrations::MIGRATIONS.hash(&mut h);
        h.finish()
    };
    let stamp = format!(
        "d{DATA_STAMP}-s{}-{schema:016x}-n{tickets}",
        migrations::latest_version()
    );
    let seeded = dir.join(format!("seed-{stamp}.db"));
    let clock = Arc::new(FixedClock::at_ms(NOW_MS));
    if !seeded.exists() {
        // Per process: several checkouts may bench at once on one machine.
        let partial = dir.join(format!("seeding-{stamp}-{}.db", std::process::id()));
        remove_db(&partial)?;
        eprintln!("seeding {tickets} tickets into {} ...", partial.display());
        let start = Instant::now();
        let mut store = Store::open_with(
            &partial,
            StoreOptions {
                id_seed: Some(1),
                ..StoreOptions::with_clock(clock.clone())
            },
        )?;
        let s = demo::seed(
            &mut store,
            DemoSize {
                tickets,
                seed: 2026,
            },
        )?;
        store.checkpoint()?;
        drop(store);
        eprintln!(
            "seeded {} tickets, {} comments, {} history events in {:.1} s",
            s.tickets,
            s.comments,
            s.history,
            start.elapsed().as_secs_f64()
        );
        std::fs::rename(&partial, &seeded)?;
    }
    remove_stale_runs(&dir)?;
    let work = dir.join(format!("run-{}.db", std::process::id()));
    remove_db(&work)?;
    std::fs::copy(&seeded, &work)?;
    Ok(Bench {
        store_path: work,
        n: tickets,
        clock,
        suite: "",
        figures: Vec::new(),
    })
}

/// Removes the working copies (`run-<pid>.db`) of benchmark processes that
/// are gone.
fn remove_stale_runs(dir: &Path) -> Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let name = entry?.file_name().to_string_lossy().into_owned();
        let pid = name
            .strip_prefix("run-")
            .and_then(|r| r.strip_suffix(".db"))
            .and_then(|p| p.parse::<u32>().ok());
        if let Some(pid) = pid
            && !Path::new(&format!("/proc/{pid}")).exists()
        {
            remove_db(&dir.join(&name))?;
        }
    }
    Ok(())
}

fn remove_db(path: &Path) -> Result<()> {
    for suffix in ["", "-wal", "-shm"] {
        let p = PathBuf::from(format!("{}{suffix}", path.display()));
        if p.exists() {
            std::fs::remove_file(&p)?;
        }
    }
    Ok(())
}

/// The store's own figures.
fn store_suite(b: &mut Bench) -> Result<()> {
    let mut store = b.open_store()?;
    let categories = store.categories()?;
    let n = b.n as u64;
    let queries = [
        TicketQuery {
            statuses: vec![Status::Open, Status::InProgress, Status::Waiting],
            assignee: AssigneeFilter::Me,
            sort: SortOrder::DueDate,
            ..Default::default()
        },
        TicketQuery {
            statuses: vec![Status::Open],
            priorities: vec![Priority::Urgent, Priority::High],
            sort: SortOrder::Updated,
            ..Default::default()
        },
        TicketQuery {
            category_id: Some(categories[1].id),
            priorities: vec![Priority::Normal],
            sort: SortOrder::Created,
            ..Default::default()
        },
        TicketQuery {
            sort: SortOrder::Priority,
            ..Default::default()
        },
    ];
    b.time("board_page", 200, |i| {
        Ok(store.board_page(&queries[i % queries.len()], None, 100)?)
    })?;
    let stats = [
        TicketQuery::default(),
        TicketQuery {
            assignee: AssigneeFilter::Me,
            ..Default::default()
        },
        TicketQuery {
            category_id: Some(categories[2].id),
            priorities: vec![Priority::High],
            ..Default::default()
        },
        TicketQuery {
            priorities: vec![Priority::Urgent, Priority::High],
            assignee: AssigneeFilter::Unassigned,
            ..Default::default()
        },
    ];
    b.time("board_stats", 200, |i| {
        Ok(store.board_stats(&stats[i % stats.len()])?)
    })?;
    let numbers = ["TKT-04213", "#TKT-77", "tkt-99999", "51234", "#8"];
    b.time("search_number", 200, |i| {
        let q = TicketQuery {
            text: Some(numbers[i % numbers.len()].into()),
            ..Default::default()
        };
        Ok(store.board_page(&q, None, 100)?)
    })?;
    let words = [
        "prin off",
        "vpn",
        "cafe",
        "outlook crash",
        "invoice vat",
        "zurich",
    ];
    b.time("search_title", 200, |i| {
        let q = TicketQuery {
            text: Some(words[i % words.len()].into()),
            ..Default::default()
        };
        Ok(store.board_page(&q, None, 100)?)
    })?;
    let all_ids: Vec<TicketId> = {
        let q = TicketQuery {
            sort: SortOrder::Number,
            ..Default::default()
        };
        let mut ids = Vec::new();
        let mut cursor = None;
        loop {
            let page = store.board_page(&q, cursor.as_deref(), 500)?;
            ids.extend(page.cards.iter().map(|c| c.ticket.id));
            cursor = page.next_cursor;
            if cursor.is_none() || ids.len() >= 20_000 {
                break;
            }
        }
        ids
    };
    b.time("update_ticket", 300, |i| {
        let id = all_ids[(i * 7919) % all_ids.len()];
        let priority = Priority::ALL[i % 4];
        Ok(store.update_ticket(
            id,
            &TicketPatch {
                priority: Some(priority),
                ..Default::default()
            },
        )?)
    })?;
    // The app folds the write-ahead log into the file in the background after
    // writes (`Store::checkpoint_passive` from its SLA timer thread), so an
    // edit does not pay for it; do the same between runs, untimed.
    let shared = std::cell::RefCell::new(&mut store);
    b.time_after(
        "bulk_update_1000",
        20,
        |_| Ok(shared.borrow().checkpoint_passive()?),
        |i| {
            let start = (i * 1000) % (all_ids.len() - 1000);
            let ids = all_ids[start..start + 1000].to_vec();
            let status = [Status::InProgress, Status::Waiting][i % 2];
            Ok(shared.borrow_mut().bulk_update(
                &BulkSelection::Ids { ids },
                &TicketPatch {
                    status: Some(status),
                    ..Default::default()
                },
            )?)
        },
    )?;
    let out_dir = tempfile::tempdir()?;
    let all = BulkSelection::Query {
        query: TicketQuery::default(),
    };
    b.time("export_csv_all", 10, |_| {
        let file = std::fs::File::create(out_dir.path().join("all.csv"))?;
        let rows = store.export_csv(&all, std::io::BufWriter::with_capacity(1 << 20, file))?;
        anyhow::ensure!(rows >= n, "export wrote {rows} rows, expected at least {n}");
        Ok(rows)
    })?;
    store.checkpoint()?;
    drop(store);
    let (path, clock) = (b.store_path.clone(), b.clock.clone());
    b.time("open_store", 50, |_| {
        let store = Store::open_with(&path, StoreOptions::with_clock(clock.clone()))?;
        anyhow::ensure!(
            store.schema_version()? == migrations::latest_version(),
            "store is up to date"
        );
        Ok(())
    })?;
    let size = std::fs::metadata(&b.store_path)?.len();
    b.bytes("store_bytes", size);
    Ok(())
}

/// The SLA's figures: every open ticket's state at an instant from the stored
/// snapshots (`sla_evaluate_all`), one ticket's next change replayed from its
/// history (`sla_next_change`), the scheduler's next wake-up over all tickets,
/// and re-evaluation as time passes in 5-minute steps.
fn sla_suite(b: &mut Bench) -> Result<()> {
    let mut store = b.open_store()?;
    let start = b.clock.now();
    let open = store.sla_forecast(start)?.total();
    anyhow::ensure!(open > 10_000, "the store has {open} open tickets");
    b.time("sla_evaluate_all", 50, |i| {
        let at = start + std::time::Duration::from_secs(600 * i as u64);
        let counts = store.sla_forecast(at)?;
        anyhow::ensure!(counts.total() == open, "every open ticket is evaluated");
        Ok(counts)
    })?;
    b.time("sla_next_wakeup", 2000, |_| Ok(store.next_sla_change()?))?;
    let q = TicketQuery {
        statuses: vec![Status::Open, Status::InProgress],
        sort: SortOrder::DueDate,
        ..Default::default()
    };
    let ids: Vec<TicketId> = store
        .board_page(&q, None, 200)?
        .cards
        .iter()
        .map(|c| c.ticket.id)
        .collect();
    // One ticket's next change from its history: load, replay, evaluate
    // (the full evaluation, explanation included).
    b.time("sla_next_change", 500, |i| {
        let sla = store.ticket_sla(ids[i % ids.len()])?;
        Ok(sla.and_then(|s| s.next_change))
    })?;
    let clock = b.clock.clone();
    b.time("sla_reevaluate_5min", 100, |_| {
        clock.set(clock.now() + std::time::Duration::from_secs(300));
        Ok(store.reevaluate_sla()?)
    })?;
    b.clock.set(start);
    Ok(())
}

fn machine() -> String {
    let cpus = std::thread::available_parallelism().map_or(0, |n| n.get());
    let model = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|m| m.trim().to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    format!("{cpus} CPUs (nproc), {model}")
}

fn today() -> String {
    std::process::Command::new("date")
        .args(["-u", "+%Y-%m-%d %H:%M UTC"])
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .map_or_else(|| "unknown date".into(), |s| s.trim().to_owned())
}

fn report(b: &Bench) -> Result<String> {
    let store = b.open_store()?;
    let counts = store.table_counts()?;
    let mut md = String::new();
    writeln!(md, "# Benchmarks\n")?;
    writeln!(
        md,
        "Produced by `cargo xtask bench` (release build) on {}.\n",
        today()
    )?;
    writeln!(md, "- Machine: {}", machine())?;
    if let Ok(load) = std::fs::read_to_string("/proc/loadavg") {
        let load: Vec<&str> = load.split_whitespace().take(3).collect();
        writeln!(
            md,
            "- Load average at the end of the run (1/5/15 min): {} (other work on the machine slows every figure)",
            load.join(" / ")
        )?;
    }
    writeln!(
        md,
        "- Data: {} tickets, {} comments, {} history events (deterministic demo data, seed 2026)",
        counts.tickets, counts.comments, counts.history
    )?;
    writeln!(
        md,
        "- Each timing is repeated (warm page cache, one connection); p95 is held to the target.\n"
    )?;
    writeln!(md, "| figure | n | p50 ms | p95 ms | target p95 ms | met |")?;
    writeln!(md, "| --- | --- | --- | --- | --- | --- |")?;
    for f in b.figures() {
        match f {
            Figure::Timing {
                name,
                n,
                p50_ms,
                p95_ms,
            } => {
                let target = f.target_ms().map_or("-".into(), |t| format!("{t}"));
                let met = match f.meets_target() {
                    Some(true) => "yes",
                    Some(false) => "NO",
                    None => "-",
                };
                writeln!(
                    md,
                    "| {name} | {n} | {p50_ms:.3} | {p95_ms:.3} | {target} | {met} |"
                )?;
            }
            Figure::Bytes { name, n, bytes } => {
                writeln!(
                    md,
                    "| {name} | {n} | {bytes} bytes ({:.1} MB) | | | |",
                    *bytes as f64 / 1e6
                )?;
            }
            Figure::Score { name, n, value } => {
                let target = crate::bench_insights::SCORE_TARGETS
                    .iter()
                    .find(|(t, _)| t == name)
                    .map_or("-".into(), |t| format!(">= {} (score)", t.1));
                let met = match f.meets_target() {
                    Some(true) => "yes",
                    Some(false) => "NO",
                    None => "-",
                };
                writeln!(
                    md,
                    "| {name} | {n} | score {value:.3} | | {target} | {met} |"
                )?;
            }
            Figure::Count {
                name,
                n,
                count,
                note,
            } => {
                writeln!(md, "| {name} | {n} | {count} ({note}) | | | |")?;
            }
            Figure::Rate {
                name,
                n,
                per_s,
                unit,
            } => {
                writeln!(md, "| {name} | {n} clients | {per_s:.0} {unit}/s | | | |")?;
            }
            Figure::Megabytes { name, n, mb, note } => {
                let target = MB_TARGETS
                    .iter()
                    .find(|(t, _)| t == name)
                    .map_or("-".into(), |t| format!("<= {} MB", t.1));
                let met = match f.meets_target() {
                    Some(true) => "yes",
                    Some(false) => "NO",
                    None => "-",
                };
                writeln!(
                    md,
                    "| {name} | {n} | {mb:.1} MB ({note}) | | {target} | {met} |"
                )?;
            }
        }
    }
    writeln!(md, "\nRaw lines:\n\n```")?;
    for line in lines(b.figures()) {
        writeln!(md, "{line}")?;
    }
    writeln!(md, "```")?;
    Ok(md)
}
