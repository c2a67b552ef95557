//! The `app` bench suite: the real release app on the 100k-ticket benchmark
//! store, driven through tauri-driver + WebKitWebDriver under Xvfb.
//!
//! Figures:
//! - `board_first_paint`: app launch to first cards on screen. Wall clock: the
//!   epoch time just before the WebDriver session is created (which starts
//!   the app) against `performance.timeOrigin + mark.startTime` of the UI's
//!   `board-first-paint` mark. Each launch uses a fresh webview profile.
//! - `filter_repaint`: a Priority filter change to the new cards painted, the
//!   UI's own `filter-repaint` measure (from the change event to the frame
//!   after the new cards rendered).
//! - `board_dom_cards`: how many ticket cards the DOM holds after scrolling
//!   far down the 100k list (the list is virtualized).
//!
//! It also makes one bulk change and undoes it from the toast in the real
//! app, saving `artifacts/app-bulk-undo-toast.png` to look at.
//!
//! The suite builds what it drives: the UI (`npm run build`) and the release
//! app (`cargo build --release -p outpost` with the features `tauri build`
//! uses, which embeds the UI).

use crate::bench::{Bench, Figure};
use crate::setup;
use anyhow::{Context, Result, bail};
use fantoccini::{Client, ClientBuilder, Locator};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// App launches timed for `board_first_paint`.
const LAUNCHES: usize = 7;
/// Filter changes timed for `filter_repaint`.
const REPAINTS: usize = 30;
/// Scroll steps to the end of what is loaded before counting DOM cards.
const SCROLL_STEPS: usize = 40;

/// The figures of this suite (for `OUTPOST_BENCH_ONLY`).
const FIGURES: &[&str] = &[
    "board_first_paint",
    "filter_repaint",
    "board_dom_cards",
    "app_sla_startup_step",
];

/// Kills a child process when dropped.
pub(crate) struct Guard(pub(crate) Child);
impl Drop for Guard {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

pub fn app_suite(b: &mut Bench) -> Result<()> {
    if !FIGURES.iter().any(|f| b.selected(f)) {
        return Ok(());
    }
    startup_step(b)?;
    if !FIGURES[..3].iter().any(|f| b.selected(f)) {
        return Ok(());
    }
    let app = build_app()?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    runtime.block_on(measure(b, &app))
}

/// The store work the app's SLA timer does first at launch (WAL checkpoint,
/// SLA re-evaluation, due notifications), on the system clock as in the app,
/// while the UI waits for the store: once catching up from the seeded time
/// (`app_sla_catch_up`, the first launch) and once on the caught-up store
/// (`app_sla_startup_step`, every later launch). One run each.
fn startup_step(b: &mut Bench) -> Result<()> {
    if !b.selected("app_sla_startup_step") {
        return Ok(());
    }
    for name in ["app_sla_catch_up", "app_sla_startup_step"] {
        let mut store = outpost_client::Store::open(&b.store_path)?;
        let start = Instant::now();
        store.checkpoint_passive()?;
        store.reevaluate_sla()?;
        let prefs = store.notification_prefs()?;
        let notes = store.pending_notifications(&prefs)?;
        store.next_sla_change()?;
        let ms = start.elapsed().as_secs_f64() * 1e3;
        eprintln!("{name}: {ms:.1} ms ({} notifications)", notes.len());
        b.record(timing(name, b.n, vec![ms]));
    }
    Ok(())
}

/// The features `tauri build` (and so `cargo xtask bundle`) builds the app
/// with: the shipped configuration, and the same compiled crates.
pub(crate) const RELEASE_FEATURES: &str = "tauri/custom-protocol";

/// `OUTPOST_BENCH_APP=<path>`: time this app binary instead of building
/// the release app (the suites say which build ran).
const APP_VAR: &str = "OUTPOST_BENCH_APP";

/// The release app the suites drive: the UI built when stale (a rebuilt
/// `dist` makes cargo relink the app), then the app with the features
/// `tauri build` uses; or the binary named by `OUTPOST_BENCH_APP`.
pub(crate) fn build_app() -> Result<PathBuf> {
    if let Some(app) = std::env::var_os(APP_VAR) {
        let app = PathBuf::from(app);
        if !app.exists() {
            bail!("{APP_VAR}: no app at {}", app.display());
        }
        eprintln!("timing the app at {} ({APP_VAR})", app.display());
        return Ok(app);
    }
    build_ui_if_stale()?;
    println!("==> building the release app");
    setup::run(setup::cmd(
        "cargo",
        &[
            "build",
            "--release",
            "--features",
            RELEASE_FEATURES,
            "-p",
            "outpost",
        ],
        &crate::root(),
    ))?;
    let bin = setup::target_dir().join("release/outpost");
    if !bin.exists() {
        bail!("no release app at {}", bin.display());
    }
    Ok(bin)
}

/// Installs the UI's packages if needed and builds `ui/dist` when a source is
/// newer than it (a rebuilt `dist` makes cargo recompile the app).
pub(crate) fn build_ui_if_stale() -> Result<()> {
    setup::ensure_npm()?;
    let ui = crate::root().join("ui");
    let built = modified(&ui.join("dist/index.html")).unwrap_or(UNIX_EPOCH);
    let sources = [
        "src",
        "index.html",
        "package-lock.json",
        "vite.config.ts",
        "public",
    ]
    .iter()
    .filter_map(|p| newest(&ui.join(p)))
    .max()
    .unwrap_or(UNIX_EPOCH);
    if sources > built {
        setup::build_ui()?;
    }
    Ok(())
}

fn modified(path: &Path) -> Option<SystemTime> {
    std::fs::metadata(path).and_then(|m| m.modified()).ok()
}

/// The newest modification time of a file or anything under a folder,
/// test files (`*.test.ts(x)`, not part of the build) aside.
fn newest(path: &Path) -> Option<SystemTime> {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    if name.contains(".test.") {
        return None;
    }
    let Ok(entries) = std::fs::read_dir(path) else {
        return modified(path);
    };
    entries
        .filter_map(|e| e.ok())
        .filter_map(|e| newest(&e.path()))
        .max()
}

fn free_port() -> Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// Xvfb on a free display number.
pub(crate) fn xvfb() -> Result<(String, Guard)> {
    for n in 140..200 {
        if Path::new(&format!("/tmp/.X11-unix/X{n}")).exists()
            || Path::new(&format!("/tmp/.X{n}-lock")).exists()
        {
            continue;
        }
        let child = Command::new("Xvfb")
            .args([
                &format!(":{n}"),
                "-screen",
                "0",
                "1440x900x24",
                "-nolisten",
                "tcp",
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .context("Xvfb must be installed (cargo xtask test installs it)")?;
        let guard = Guard(child);
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if Path::new(&format!("/tmp/.X11-unix/X{n}")).exists() {
                return Ok((format!(":{n}"), guard));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
    bail!("could not start Xvfb")
}

/// tauri-driver for one app session on `store`, with a fresh webview profile
/// under `profile` (no saved filters, no caches).
pub(crate) fn driver(display: &str, store: &Path, profile: &Path) -> Result<(u16, Guard)> {
    let port = free_port()?;
    let native_port = free_port()?;
    let child = Command::new("tauri-driver")
        .args([
            "--port",
            &port.to_string(),
            "--native-port",
            &native_port.to_string(),
        ])
        .env("DISPLAY", display)
        .env("OUTPOST_STORE", store)
        .env("XDG_DATA_HOME", profile.join("data"))
        .env("XDG_CONFIG_HOME", profile.join("config"))
        .env("XDG_CACHE_HOME", profile.join("cache"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .context("tauri-driver must be installed (cargo xtask test installs it)")?;
    let guard = Guard(child);
    let deadline = Instant::now() + Duration::from_secs(20);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        if Instant::now() > deadline {
            bail!("tauri-driver did not listen on {port}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    Ok((port, guard))
}

pub(crate) fn epoch_ms() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64() * 1e3)
}

/// Polls `script` (a function body returning a number or null) until it
/// returns a number, for at most `secs`.
pub(crate) async fn poll_number(c: &Client, script: &str, secs: u64, what: &str) -> Result<f64> {
    let deadline = Instant::now() + Duration::from_secs(secs);
    loop {
        if let Some(v) = c.execute(script, vec![]).await?.as_f64() {
            return Ok(v);
        }
        if Instant::now() > deadline {
            bail!("timed out after {secs} s waiting for {what}");
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// A WebDriver session on `app` through the tauri-driver on `port`.
pub(crate) async fn session(port: u16, app: &Path) -> Result<Client> {
    let mut caps = serde_json::Map::new();
    caps.insert(
        "tauri:options".into(),
        serde_json::json!({ "application": app }),
    );
    session_with(port, caps).await
}

/// A WebDriver session with `caps`, retried while WebKitWebDriver behind
/// tauri-driver is not listening yet (tauri-driver accepts the request and
/// closes it).
async fn session_with(
    port: u16,
    caps: serde_json::Map<String, serde_json::Value>,
) -> Result<Client> {
    let mut attempt = 0;
    loop {
        match ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(caps.clone())
            .connect(&format!("http://127.0.0.1:{port}"))
            .await
        {
            Ok(c) => return Ok(c),
            Err(e) if attempt < 20 => {
                attempt += 1;
                eprintln!("WebDriver session, attempt {attempt}: {e}");
                tokio::time::sleep(Duration::from_millis(500)).await;
            }
            Err(e) => return Err(e).context("WebDriver session with the app"),
        }
    }
}

pub(crate) const FIRST_PAINT: &str =
    "const m = performance.getEntriesByName('board-first-paint')[0];
     return m ? performance.timeOrigin + m.startTime : null;";

async fn measure(b: &mut Bench, app: &Path) -> Result<()> {
    let (display, _xvfb) = xvfb()?;
    let work = tempfile::tempdir()?;
    let mut paint_ms = Vec::with_capacity(LAUNCHES);
    // One untimed launch first: the app's first open of the store migrates
    // it and the SLA timer catches up on months of "time passing" since the
    // store was seeded; later launches see what a user sees every morning.
    for launch in 0..=LAUNCHES {
        let profile = work.path().join(format!("profile-{launch}"));
        let (port, _driver) = driver(&display, &b.store_path, &profile)?;
        let mut caps = serde_json::Map::new();
        caps.insert(
            "tauri:options".into(),
            serde_json::json!({ "application": app }),
        );
        let started = epoch_ms();
        let c = session_with(port, caps).await?;
        let result = async {
            let painted = poll_number(&c, FIRST_PAINT, 60, "board-first-paint").await?;
            let ms = painted - started;
            if launch > 0 {
                paint_ms.push(ms);
            }
            let nav = c
                .execute(
                    "return performance.getEntriesByName('board-first-paint')[0].startTime;",
                    vec![],
                )
                .await?
                .as_f64()
                .unwrap_or(f64::NAN);
            let timing = c
                .execute(
                    "const n = performance.getEntriesByType('navigation')[0];
                     return n ? [n.responseEnd, n.domInteractive, n.domContentLoadedEventEnd,
                         n.loadEventEnd].map(Math.round).join('/') : 'none';",
                    vec![],
                )
                .await?;
            // The IPC calls made before the first cards, slowest first
            // (`ipc:<command>` measures from the UI's backend).
            let ipc = c
                .execute(
                    "const paint = performance.getEntriesByName('board-first-paint')[0].startTime;
                     return performance.getEntriesByType('measure')
                         .filter((m) => m.name.startsWith('ipc:') && m.startTime < paint)
                         .sort((a, b) => b.duration - a.duration).slice(0, 6)
                         .map((m) => `${m.name.slice(4)} ${Math.round(m.startTime)}+${Math.round(m.duration)}`)
                         .join(', ');",
                    vec![],
                )
                .await?;
            eprintln!(
                "launch {launch}: first cards after {ms:.0} ms ({:.0} ms to the page's start, {nav:.0} ms in the page; \
                 response/interactive/DOMContentLoaded/load at {timing} ms; slowest IPC start+duration ms: {})",
                ms - nav,
                ipc.as_str().unwrap_or("none")
            );
            if launch == LAUNCHES {
                repaints(b, &c).await?;
                dom_cards(b, &c).await?;
                bulk_undo_look(&c).await?;
            }
            anyhow::Ok(())
        }
        .await;
        let _ = c.close().await;
        result?;
    }
    if b.selected("board_first_paint") {
        b.record(timing("board_first_paint", b.n, paint_ms));
    }
    Ok(())
}

pub(crate) fn timing(name: &str, n: usize, mut ms: Vec<f64>) -> Figure {
    ms.sort_by(f64::total_cmp);
    let pct = |p: f64| ms[((ms.len() as f64 - 1.0) * p).round() as usize];
    Figure::Timing {
        name: name.into(),
        n,
        p50_ms: pct(0.5),
        p95_ms: pct(0.95),
    }
}

/// Changes the Priority filter `REPAINTS` times (cycling through the values
/// so every change shows other cards) and reads the UI's measure each time.
async fn repaints(b: &mut Bench, c: &Client) -> Result<()> {
    if !b.selected("filter_repaint") {
        return Ok(());
    }
    let values = ["urgent", "high", "normal", "low", ""];
    let mut ms = Vec::with_capacity(REPAINTS);
    for i in 0..REPAINTS + 3 {
        c.execute("performance.clearMeasures('filter-repaint');", vec![])
            .await?;
        let select = c.find(Locator::Css("select[aria-label=Priority]")).await?;
        select.select_by_value(values[i % values.len()]).await?;
        let d = poll_number(
            c,
            "const m = performance.getEntriesByName('filter-repaint');
             return m.length ? m[m.length - 1].duration : null;",
            20,
            "filter-repaint",
        )
        .await?;
        // The first changes warm up the page cache and the JIT.
        if i >= 3 {
            ms.push(d);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    b.record(timing("filter_repaint", b.n, ms));
    Ok(())
}

/// Scrolls to the end of the loaded cards `SCROLL_STEPS` times (each loads
/// the next page) and counts the cards in the DOM.
async fn dom_cards(b: &mut Bench, c: &Client) -> Result<()> {
    if !b.selected("board_dom_cards") {
        return Ok(());
    }
    let select = c.find(Locator::Css("select[aria-label=Priority]")).await?;
    select.select_by_value("").await?;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let mut deepest = 0.0;
    for _ in 0..SCROLL_STEPS {
        c.execute(
            "const s = document.querySelector('[data-testid=ticket-scroll]');
             s.scrollTop = s.scrollHeight;",
            vec![],
        )
        .await?;
        tokio::time::sleep(Duration::from_millis(150)).await;
        deepest = c
            .execute(
                "return Math.max(0, ...[...document.querySelectorAll('[data-index]')]
                     .map((e) => Number(e.dataset.index)));",
                vec![],
            )
            .await?
            .as_f64()
            .unwrap_or(0.0);
    }
    let cards = c
        .execute(
            "return document.querySelectorAll('[data-testid=ticket-card]').length;",
            vec![],
        )
        .await?
        .as_u64()
        .unwrap_or(0);
    eprintln!("scrolled to card {deepest:.0}: {cards} cards in the DOM");
    if deepest < 1000.0 {
        bail!("scrolling reached only card {deepest}: the list did not load more pages");
    }
    b.record(Figure::Count {
        name: "board_dom_cards".into(),
        n: b.n,
        count: cards,
        note: format!("after scrolling to card {deepest:.0}"),
    });
    Ok(())
}

/// Waits until the page text contains `text`, for at most `secs`.
async fn wait_text(c: &Client, text: &str, secs: u64) -> Result<()> {
    let deadline = Instant::now() + Duration::from_secs(secs);
    loop {
        let body = c.find(Locator::Css("body")).await?.text().await?;
        if body.contains(text) {
            return Ok(());
        }
        if Instant::now() > deadline {
            bail!("timed out after {secs} s waiting for {text:?}");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Makes the page paint a new frame soon, so a WebDriver screenshot (which
/// waits for the next painted frame) does not wait for the page to change
/// by itself (the shared-memory renderer paints nothing while idle).
const PAINT_NUDGE: &str = "const d = document.createElement('div');
     d.style.cssText = 'position:fixed;left:0;top:0;width:1px;height:1px;background:rgba(0,0,0,0.02);pointer-events:none;z-index:2147483647';
     document.body.appendChild(d);
     setTimeout(() => d.remove(), 1000);";

/// One bulk change undone from its toast, through the real commands; the
/// toast is screenshotted on the way.
async fn bulk_undo_look(c: &Client) -> Result<()> {
    c.execute(
        "document.querySelector('[data-testid=ticket-scroll]').scrollTop = 0;",
        vec![],
    )
    .await?;
    tokio::time::sleep(Duration::from_millis(500)).await;
    c.find(Locator::XPath("//button[contains(., 'Select')]"))
        .await?
        .click()
        .await?;
    let cards = c
        .find_all(Locator::Css("[data-testid=ticket-card]"))
        .await?;
    let (first, third) = (cards.first(), cards.get(2));
    let (Some(first), Some(third)) = (first, third) else {
        bail!("fewer than 3 cards on the board");
    };
    first.click().await?;
    c.execute(
        "arguments[0].dispatchEvent(new MouseEvent('click', {bubbles: true, shiftKey: true}));",
        vec![serde_json::to_value(third)?],
    )
    .await?;
    wait_text(c, "3 selected", 10).await?;
    c.find(Locator::Css("select[aria-label='Change status']"))
        .await?
        .select_by_value("waiting")
        .await?;
    wait_text(c, "Changed status of", 20).await?;
    c.execute(PAINT_NUDGE, vec![]).await?;
    let png = c.screenshot().await?;
    let dir = crate::root().join("artifacts");
    std::fs::create_dir_all(&dir)?;
    std::fs::write(dir.join("app-bulk-undo-toast.png"), png)?;
    c.find(Locator::XPath(
        "//button[@class='toast-action' and .='Undo']",
    ))
    .await?
    .click()
    .await?;
    wait_text(c, "Undid the change to", 20).await?;
    c.execute(PAINT_NUDGE, vec![]).await?;
    let png = c.screenshot().await?;
    std::fs::write(dir.join("app-bulk-undone.png"), png)?;
    Ok(())
}
