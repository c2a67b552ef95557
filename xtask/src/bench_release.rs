//! The `release` bench suite: what users download and run, from the
//! installers `cargo xtask bundle` builds (release profile: LTO, stripped).
//!
//! Figures:
//! - `binary_mb`: the release app binary (`usr/bin/outpost` in the `.deb`).
//! - `deb_mb`: the `.deb` installer.
//! - `app_cold_start`: a new app process to the board painted on the 100k
//!   store, each launch with a fresh webview profile (no WebKit caches, no
//!   saved filters): the epoch time just before the WebDriver session starts
//!   the app against the UI's `board-first-paint` mark.
//! - `app_rss_mb`: memory of the app after loading the board and scrolling
//!   1,000 cards: PSS (`/proc/PID/smaps_rollup`) summed over the app process
//!   and every process below it (WebKit's web and network processes), so
//!   shared libraries are not counted twice (DESIGN §8).
//! - `app_rss_mb_hello`: the same sum for a Tauri 2 hello-world on the same
//!   stack (`xtask/fixtures/tauri-hello`, release profile) measured in the same
//!   run under the same driver: the baseline `app_rss_mb` is read against.

use crate::bench::{Bench, Figure};
use crate::bench_app::{FIRST_PAINT, driver, epoch_ms, poll_number, session, timing, xvfb};
use crate::setup;
use anyhow::{Context, Result, bail};
use fantoccini::Client;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// Timed launches for `app_cold_start` (after one untimed launch).
const LAUNCHES: usize = 5;
/// Cards to scroll past before measuring memory.
const SCROLL_CARDS: f64 = 1_000.0;

const FIGURES: &[&str] = &[
    "binary_mb",
    "deb_mb",
    "app_cold_start",
    "app_rss_mb",
    "app_rss_mb_hello",
];

pub fn release_suite(b: &mut Bench) -> Result<()> {
    if !FIGURES.iter().any(|f| b.selected(f)) {
        return Ok(());
    }
    let bundles = crate::bundle::build()?;
    let note = |p: &Path| {
        p.file_name()
            .map_or_else(String::new, |n| n.to_string_lossy().into_owned())
    };
    if b.selected("binary_mb") {
        b.record(Figure::Megabytes {
            name: "binary_mb".into(),
            n: b.n,
            mb: crate::bundle::mb(&bundles.app)?,
            note: "release app binary, stripped".into(),
        });
    }
    if b.selected("deb_mb") {
        b.record(Figure::Megabytes {
            name: "deb_mb".into(),
            n: b.n,
            mb: crate::bundle::mb(&bundles.deb)?,
            note: note(&bundles.deb),
        });
    }
    if !FIGURES[2..].iter().any(|f| b.selected(f)) {
        return Ok(());
    }
    let hello = build_hello()?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    runtime.block_on(measure(b, &bundles.app, &hello))
}

/// Builds the hello-world baseline with the release profile, together with
/// the app as `tauri build` builds it (same features, so the shared crates
/// are not rebuilt and the app build is a no-op).
fn build_hello() -> Result<PathBuf> {
    println!("==> building the Tauri hello-world (release)");
    setup::run(setup::cmd(
        "cargo",
        &[
            "build",
            "--release",
            "--features",
            crate::bench_app::RELEASE_FEATURES,
            "-p",
            "outpost",
            "-p",
            "tauri-hello",
        ],
        &crate::root(),
    ))?;
    let bin = setup::target_dir().join("release/tauri-hello");
    if !bin.exists() {
        bail!("no hello-world at {}", bin.display());
    }
    Ok(bin)
}

async fn measure(b: &mut Bench, app: &Path, hello: &Path) -> Result<()> {
    let (display, _xvfb) = xvfb()?;
    let work = tempfile::tempdir()?;
    let mut cold = Vec::with_capacity(LAUNCHES);
    let mut app_pss = None;
    for launch in 0..=LAUNCHES {
        let profile = work.path().join(format!("profile-{launch}"));
        let (port, driver_guard) = driver(&display, &b.store_path, &profile)?;
        let started = epoch_ms();
        let c = session(port, app).await?;
        let result = async {
            let painted = poll_number(&c, FIRST_PAINT, 60, "board-first-paint").await?;
            let ms = painted - started;
            eprintln!("release app launch {launch}: board painted after {ms:.0} ms");
            // The first launch opens the store after the other suites and
            // catches its SLA up; it is not what a user's launch costs.
            if launch > 0 {
                cold.push(ms);
            }
            if launch == LAUNCHES {
                scroll_cards(&c).await?;
                // Let the scroll's pages and images settle.
                tokio::time::sleep(Duration::from_secs(2)).await;
                app_pss = Some(pss_below(driver_guard.0.id(), app)?);
            }
            anyhow::Ok(())
        }
        .await;
        let _ = c.close().await;
        result?;
    }
    if b.selected("app_cold_start") {
        b.record(timing("app_cold_start", b.n, cold));
    }
    let (app_mb, app_procs) = app_pss.context("no memory measured")?;

    // The hello-world under the same driver and display.
    let profile = work.path().join("profile-hello");
    let (port, driver_guard) = driver(&display, &b.store_path, &profile)?;
    let c = session(port, hello).await?;
    let hello_pss = async {
        poll_number(
            &c,
            "return document.getElementById('hello') ? 1 : null;",
            60,
            "the hello-world page",
        )
        .await?;
        tokio::time::sleep(Duration::from_secs(2)).await;
        pss_below(driver_guard.0.id(), hello)
    }
    .await;
    let _ = c.close().await;
    let (hello_mb, hello_procs) = hello_pss?;

    if b.selected("app_rss_mb") {
        b.record(Figure::Megabytes {
            name: "app_rss_mb".into(),
            n: b.n,
            mb: app_mb,
            note: format!(
                "PSS of {app_procs} processes after scrolling {SCROLL_CARDS:.0} cards; \
                 Tauri hello-world {hello_mb:.1} MB in the same run"
            ),
        });
    }
    if b.selected("app_rss_mb_hello") || b.selected("app_rss_mb") {
        b.record(Figure::Megabytes {
            name: "app_rss_mb_hello".into(),
            n: b.n,
            mb: hello_mb,
            note: format!("Tauri 2 hello-world baseline, PSS of {hello_procs} processes"),
        });
    }
    Ok(())
}

/// Scrolls the board until a card at index >= [`SCROLL_CARDS`] is rendered
/// (each scroll to the end loads the next page).
async fn scroll_cards(c: &Client) -> Result<()> {
    let deadline = Instant::now() + Duration::from_secs(90);
    loop {
        c.execute(
            "const s = document.querySelector('[data-testid=ticket-scroll]');
             s.scrollTop = s.scrollHeight;",
            vec![],
        )
        .await?;
        tokio::time::sleep(Duration::from_millis(150)).await;
        let deepest = c
            .execute(
                "return Math.max(0, ...[...document.querySelectorAll('[data-index]')]
                     .map((e) => Number(e.dataset.index)));",
                vec![],
            )
            .await?
            .as_f64()
            .unwrap_or(0.0);
        if deepest >= SCROLL_CARDS {
            eprintln!("scrolled to card {deepest:.0}");
            return Ok(());
        }
        if Instant::now() > deadline {
            bail!("scrolling reached only card {deepest}: the list did not load more pages");
        }
    }
}

/// Parent of each live process, from `/proc/PID/stat`.
fn process_parents() -> Vec<(u32, u32)> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .filter_map(|e| e.ok())
        .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
        .filter_map(|pid| {
            let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
            // The command name is in parentheses and may contain spaces.
            let rest = &stat[stat.rfind(')')? + 2..];
            let ppid = rest.split_whitespace().nth(1)?.parse().ok()?;
            Some((pid, ppid))
        })
        .collect()
}

/// Every process below `root` (not `root` itself).
fn descendants(root: u32, parents: &[(u32, u32)]) -> Vec<u32> {
    let mut found = Vec::new();
    let mut frontier = vec![root];
    while let Some(p) = frontier.pop() {
        for &(pid, ppid) in parents {
            if ppid == p && !found.contains(&pid) {
                found.push(pid);
                frontier.push(pid);
            }
        }
    }
    found
}

/// The process running `exe` below `driver` (tauri-driver starts
/// WebKitWebDriver, which starts the app), and the PSS in MB summed over it
/// and everything below it; also how many processes that is.
fn pss_below(driver: u32, exe: &Path) -> Result<(f64, usize)> {
    let parents = process_parents();
    let exe = std::fs::canonicalize(exe)?;
    let app = descendants(driver, &parents)
        .into_iter()
        .find(|pid| std::fs::read_link(format!("/proc/{pid}/exe")).is_ok_and(|e| e == exe))
        .with_context(|| format!("no {} process below tauri-driver", exe.display()))?;
    let mut pids = vec![app];
    pids.extend(descendants(app, &parents));
    let mut kb = 0u64;
    for pid in &pids {
        let rollup = std::fs::read_to_string(format!("/proc/{pid}/smaps_rollup"))
            .with_context(|| format!("reading /proc/{pid}/smaps_rollup"))?;
        let pss = rollup
            .lines()
            .find_map(|l| l.strip_prefix("Pss:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
            .with_context(|| format!("no Pss in /proc/{pid}/smaps_rollup"))?;
        let name = std::fs::read_to_string(format!("/proc/{pid}/comm")).unwrap_or_default();
        eprintln!(
            "  pid {pid} {}: {:.1} MB PSS",
            name.trim(),
            pss as f64 / 1e3
        );
        kb += pss;
    }
    Ok((kb as f64 * 1024.0 / 1e6, pids.len()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn descendants_follow_the_whole_tree() {
        let parents = [(2, 1), (3, 2), (4, 3), (5, 1), (6, 9)];
        let mut d = descendants(2, &parents);
        d.sort();
        assert_eq!(d, vec![3, 4]);
        assert!(descendants(4, &parents).is_empty());
    }

    #[test]
    fn this_process_has_a_pss() {
        // This test process is below its parent; its own PSS is positive.
        let me = std::process::id();
        let parents = process_parents();
        let parent = parents.iter().find(|(p, _)| *p == me).unwrap().1;
        let exe = std::env::current_exe().unwrap();
        let (mb, procs) = pss_below(parent, &exe).unwrap();
        assert!(mb > 0.1, "{mb}");
        assert!(procs >= 1);
    }
}
