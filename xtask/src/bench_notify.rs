//! The notification suite (issue 6), on the release app under a virtual
//! display with a private D-Bus session and the dunst notification daemon:
//!
//! - `notify_latency`: tickets timed to become at risk a few seconds apart
//!   after launch; each one's latency is the time from its at-risk instant
//!   to its `Notify` call reaching the session bus (timestamped by
//!   `dbus-monitor`, whose message is what dunst receives). Target p95 ≤ 2 s.
//! - `idle_app_cpu_60s`: the app left alone on a copy of the 100k-ticket
//!   store; the CPU time (user + system, from `/proc/<pid>/stat`, the app and
//!   its WebKit child processes) it uses over 60 seconds, recorded in ms as
//!   both p50 and p95 of the single measurement.
//!
//! Needs Xvfb, dbus-daemon, dbus-monitor, dunst (`cargo xtask test` installs
//! them) and builds the release app (`cargo build --release -p outpost`).

use crate::bench::{Bench, Figure};
use anyhow::{Context, Result, bail, ensure};
use outpost_client::{FixedClock, Store, StoreOptions};
use outpost_core::{NewTicket, Priority};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// Tickets timed to become at risk in the latency run.
const TICKETS: usize = 12;
/// Seconds between two at-risk instants (so each gets its own notification).
const SPACING_S: i64 = 3;
/// Seconds after launch of the first at-risk instant (app start-up time).
const FIRST_S: i64 = 12;
/// The Urgent policy warns 15 minutes after creation (30 min to respond, 24/7).
const AT_RISK_AFTER_MS: i64 = 15 * 60 * 1000;

/// Kills (and reaps) a child when dropped.
struct Guard(Child);
impl Drop for Guard {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

/// The suite (see the module docs).
pub fn notify_suite(b: &mut Bench) -> Result<()> {
    let want_latency = crate::bench::selected("notify_latency");
    let want_cpu = crate::bench::selected("idle_app_cpu_60s");
    if !want_latency && !want_cpu {
        return Ok(());
    }
    let app = crate::bench_app::build_app()?;
    let session = Session::start()?;
    if want_latency {
        latency(b, &app, &session)?;
    }
    if want_cpu {
        idle_cpu(b, &app, &session)?;
    }
    Ok(())
}

/// Xvfb + a private session bus + dunst.
struct Session {
    display: String,
    bus: String,
    _guards: Vec<Guard>,
}

impl Session {
    fn start() -> Result<Session> {
        let mut guards = Vec::new();
        let n = (90..140)
            .find(|n| {
                !Path::new(&format!("/tmp/.X11-unix/X{n}")).exists()
                    && !Path::new(&format!("/tmp/.X{n}-lock")).exists()
            })
            .context("no free X display")?;
        let display = format!(":{n}");
        guards.push(Guard(
            Command::new("Xvfb")
                .args([
                    display.as_str(),
                    "-screen",
                    "0",
                    "1440x900x24",
                    "-nolisten",
                    "tcp",
                ])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .context("Xvfb must be installed (cargo xtask test installs it)")?,
        ));
        let deadline = Instant::now() + Duration::from_secs(10);
        while !Path::new(&format!("/tmp/.X11-unix/X{n}")).exists() {
            ensure!(Instant::now() < deadline, "Xvfb did not start");
            std::thread::sleep(Duration::from_millis(50));
        }
        let mut bus = Command::new("dbus-daemon")
            .args(["--session", "--nofork", "--print-address=1"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .context("dbus-daemon must be installed")?;
        let mut address = String::new();
        BufReader::new(bus.stdout.take().context("dbus-daemon stdout")?).read_line(&mut address)?;
        guards.push(Guard(bus));
        let bus = address.trim().to_owned();
        guards.push(Guard(
            Command::new("dunst")
                .env("DBUS_SESSION_BUS_ADDRESS", &bus)
                .env("DISPLAY", &display)
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .context("dunst must be installed")?,
        ));
        let s = Session {
            display,
            bus,
            _guards: guards,
        };
        let deadline = Instant::now() + Duration::from_secs(10);
        while s.dunstctl(&["count", "displayed"]).trim().is_empty() {
            ensure!(Instant::now() < deadline, "dunst did not come up");
            std::thread::sleep(Duration::from_millis(100));
        }
        Ok(s)
    }

    fn dunstctl(&self, args: &[&str]) -> String {
        Command::new("dunstctl")
            .args(args)
            .env("DBUS_SESSION_BUS_ADDRESS", &self.bus)
            .env("DISPLAY", &self.display)
            .output()
            .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
            .unwrap_or_default()
    }

    /// Starts the app on `store` in this session.
    fn launch(&self, app: &Path, store: &Path) -> Result<Guard> {
        let profile = store.with_extension("profile");
        Ok(Guard(
            Command::new(app)
                .env("DISPLAY", &self.display)
                .env("DBUS_SESSION_BUS_ADDRESS", &self.bus)
                .env("OUTPOST_STORE", store)
                .env("OUTPOST_LOG", "warn")
                .env("XDG_DATA_HOME", profile.join("data"))
                .env("XDG_CONFIG_HOME", profile.join("config"))
                .env("XDG_CACHE_HOME", profile.join("cache"))
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .with_context(|| format!("starting {}", app.display()))?,
        ))
    }
}

/// `notify_latency` (see the module docs).
fn latency(b: &mut Bench, app: &Path, session: &Session) -> Result<()> {
    let dir = tempfile::tempdir()?;
    let store_path = dir.path().join("notify.db");
    let start = now_ms() + FIRST_S * 1000;
    let at_risk: Vec<i64> = (0..TICKETS as i64)
        .map(|i| start + i * SPACING_S * 1000)
        .collect();
    {
        let clock = Arc::new(FixedClock::at_ms(at_risk[0] - AT_RISK_AFTER_MS));
        let mut store = Store::open_with(&store_path, StoreOptions::with_clock(clock.clone()))?;
        let me = store.ensure_local_session()?.agent.id;
        for (i, t) in at_risk.iter().enumerate() {
            clock.set(
                chrono::DateTime::from_timestamp_millis(t - AT_RISK_AFTER_MS).context("time")?,
            );
            store.create_ticket(NewTicket {
                title: format!("Latency probe {i:02}"),
                description: String::new(),
                priority: Priority::Urgent,
                category_id: None,
                assignee_id: Some(me),
                requester: "bench@example.com".into(),
                conversation_id: None,
            })?;
        }
        let first = store
            .next_notification_check()?
            .map(|t| t.timestamp_millis());
        ensure!(
            first == Some(at_risk[0]),
            "the store's first alert is at {first:?}, expected {}",
            at_risk[0]
        );
    }
    // `dbus-monitor` prints each Notify call with its bus timestamp, then its
    // arguments (app name, id, icon, summary, body, ...).
    let mut monitor = Command::new("dbus-monitor")
        .args([
            "--address",
            &session.bus,
            "interface='org.freedesktop.Notifications',member='Notify'",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .context("dbus-monitor must be installed")?;
    let out = monitor.stdout.take().context("dbus-monitor stdout")?;
    let _monitor = Guard(monitor);
    let arrivals: Arc<Mutex<Vec<(usize, i64)>>> = Arc::default();
    let seen = arrivals.clone();
    std::thread::spawn(move || {
        let mut at: Option<i64> = None;
        for line in BufReader::new(out).lines().map_while(Result::ok) {
            if line.starts_with("method call") && line.contains("member=Notify") {
                at = line
                    .split_whitespace()
                    .find_map(|w| w.strip_prefix("time="))
                    .and_then(|t| t.parse::<f64>().ok())
                    .map(|s| (s * 1000.0).round() as i64);
            } else if let (Some(t), Some(i)) = (at, line.find("Latency probe ")) {
                let n = line[i + "Latency probe ".len()..]
                    .get(..2)
                    .and_then(|d| d.parse::<usize>().ok());
                if let Some(n) = n {
                    seen.lock().unwrap().push((n, t));
                }
            }
        }
    });
    std::thread::sleep(Duration::from_millis(300));
    let _app = session.launch(app, &store_path)?;
    let deadline = Instant::now()
        + Duration::from_millis((at_risk[TICKETS - 1] - now_ms()).max(0) as u64)
        + Duration::from_secs(15);
    loop {
        let got: std::collections::BTreeSet<usize> =
            arrivals.lock().unwrap().iter().map(|a| a.0).collect();
        if got.len() == TICKETS {
            break;
        }
        if Instant::now() > deadline {
            bail!(
                "only {} of {TICKETS} probe notifications reached the bus",
                got.len()
            );
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    let arrivals = arrivals.lock().unwrap().clone();
    let mut ms: Vec<f64> = (0..TICKETS)
        .map(|i| {
            let t = arrivals.iter().find(|a| a.0 == i).map_or(0, |a| a.1);
            (t - at_risk[i]) as f64
        })
        .collect();
    for (i, m) in ms.iter().enumerate() {
        ensure!(
            *m >= 0.0,
            "probe {i} notified {m} ms before its at-risk instant"
        );
    }
    let displayed: usize = session
        .dunstctl(&["count", "displayed"])
        .trim()
        .parse()
        .unwrap_or(0);
    let history: usize = session
        .dunstctl(&["count", "history"])
        .trim()
        .parse()
        .unwrap_or(0);
    ensure!(
        displayed + history >= TICKETS,
        "dunst holds {} notifications, expected {TICKETS}",
        displayed + history
    );
    ms.sort_by(f64::total_cmp);
    let pct = |p: f64| ms[((ms.len() as f64 - 1.0) * p).round() as usize];
    b.record(Figure::Timing {
        name: "notify_latency".into(),
        n: TICKETS,
        p50_ms: pct(0.5),
        p95_ms: pct(0.95),
    });
    Ok(())
}

/// utime + stime of `pid` and its descendants, in clock ticks.
fn cpu_ticks(root: u32) -> u64 {
    let mut total = 0;
    let mut family = vec![root];
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return 0;
    };
    let stats: Vec<(u32, u32, u64)> = entries
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .filter_map(|pid| {
            let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
            // Fields after the parenthesised command name.
            let rest = &stat[stat.rfind(')')? + 2..];
            let f: Vec<&str> = rest.split_whitespace().collect();
            let ppid = f.get(1)?.parse().ok()?;
            let ticks = f.get(11)?.parse::<u64>().ok()? + f.get(12)?.parse::<u64>().ok()?;
            Some((pid, ppid, ticks))
        })
        .collect();
    while let Some(p) = family.pop() {
        for (pid, ppid, ticks) in &stats {
            if *pid == p {
                total += ticks;
            }
            if *ppid == p {
                family.push(*pid);
            }
        }
    }
    total
}

/// `idle_app_cpu_60s` (see the module docs).
fn idle_cpu(b: &mut Bench, app: &Path, session: &Session) -> Result<()> {
    let copy = b.store_path.with_file_name("notify-idle.db");
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", copy.display()));
    }
    std::fs::copy(&b.store_path, &copy)?;
    // The working store may hold committed pages only in its write-ahead log.
    let wal = PathBuf::from(format!("{}-wal", b.store_path.display()));
    if wal.exists() {
        std::fs::copy(&wal, format!("{}-wal", copy.display()))?;
    }
    let app = session.launch(app, &copy)?;
    let pid = app.0.id();
    // Start-up: the first pass re-evaluates every ticket whose next SLA
    // change passed since the store's fixed seeding time.
    std::thread::sleep(Duration::from_secs(30));
    let ticks_per_s = 100.0; // USER_HZ on Linux
    let before = cpu_ticks(pid);
    std::thread::sleep(Duration::from_secs(60));
    let after = cpu_ticks(pid);
    ensure!(
        std::fs::metadata(format!("/proc/{pid}")).is_ok(),
        "the app exited during the idle measurement"
    );
    let ms = after.saturating_sub(before) as f64 / ticks_per_s * 1000.0;
    b.record(Figure::Timing {
        name: "idle_app_cpu_60s".into(),
        n: b.n,
        p50_ms: ms,
        p95_ms: ms,
    });
    drop(app);
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", copy.display()));
    }
    Ok(())
}
