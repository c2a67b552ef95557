//! Machine set-up and the `run`, `test` and `bench` pipelines.
//!
//! Set-up installs only what is missing (Debian packages, npm dependencies,
//! cargo tools), so the README's two commands are safe to repeat. Child cargo
//! processes share one persistent target folder (`$CARGO_TARGET_DIR`, default
//! `$HOME/.cache/outpost-target`) so a fresh clone does not rebuild Tauri.

use crate::root;
use anyhow::{Context, Result, bail};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

/// Debian packages the desktop app needs to build and run.
pub const APP_PACKAGES: &[&str] = &[
    "build-essential",
    "pkg-config",
    "libssl-dev",
    "libwebkit2gtk-4.1-dev",
    "libsoup-3.0-dev",
    "libayatana-appindicator3-dev",
    "librsvg2-dev",
    "libxdo-dev",
    "libdbus-1-dev",
];

/// Extra Debian packages the test suite needs (display, notifications, browsers).
pub const TEST_PACKAGES: &[&str] = &[
    "xvfb",
    "xauth",
    "dunst",
    "dbus-x11",
    "dbus-daemon",
    "xdotool",
    "webkit2gtk-driver",
    "chromium",
    "imagemagick",
    "x11-utils",
];

/// The persistent cargo target folder shared by every script.
pub fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            let home = std::env::var_os("HOME")
                .map(PathBuf::from)
                .unwrap_or_else(|| PathBuf::from("/tmp"));
            home.join(".cache/outpost-target")
        })
}

/// A command rooted at `dir` with the shared target folder.
pub fn cmd(program: &str, args: &[&str], dir: &Path) -> Command {
    let mut c = Command::new(program);
    c.args(args)
        .current_dir(dir)
        .env("CARGO_TARGET_DIR", target_dir());
    c
}

/// Runs a command, failing with its description if it does not succeed.
pub fn run(mut c: Command) -> Result<()> {
    let desc = format!("{c:?}");
    let status = c.status().with_context(|| format!("starting {desc}"))?;
    if !status.success() {
        bail!("{desc} failed with {status}");
    }
    Ok(())
}

fn missing_packages(pkgs: &[&str]) -> Vec<String> {
    pkgs.iter()
        .filter(|p| {
            let out = Command::new("dpkg-query").args(["-W", "-f=${Status}", p]).output();
            !matches!(out, Ok(o) if String::from_utf8_lossy(&o.stdout).contains("install ok installed"))
        })
        .map(|p| p.to_string())
        .collect()
}

/// Installs the Debian packages that are not installed yet.
pub fn ensure_packages(pkgs: &[&str]) -> Result<()> {
    let missing = missing_packages(pkgs);
    if missing.is_empty() {
        return Ok(());
    }
    println!("==> installing system packages: {}", missing.join(" "));
    let is_root = Command::new("id")
        .arg("-u")
        .output()
        .map(|o| o.stdout.starts_with(b"0"))
        .unwrap_or(false);
    let prefix: Vec<&str> = if is_root { vec![] } else { vec!["sudo"] };
    let apt = |args: &[&str]| {
        let mut all = prefix.clone();
        all.push("apt-get");
        all.extend_from_slice(args);
        let mut c = Command::new(all[0]);
        c.args(&all[1..]).env("DEBIAN_FRONTEND", "noninteractive");
        run(c)
    };
    apt(&["update", "-qq"])?;
    let mut args = vec!["install", "-y", "-qq", "--no-install-recommends"];
    args.extend(missing.iter().map(String::as_str));
    apt(&args)
}

/// Installs the UI's npm dependencies when `package-lock.json` changed.
pub fn ensure_npm() -> Result<()> {
    let ui = root().join("ui");
    let lock = ui.join("package-lock.json");
    let stamp = ui.join("node_modules/.package-lock.json");
    let fresh = match (std::fs::metadata(&lock), std::fs::metadata(&stamp)) {
        (Ok(l), Ok(s)) => s.modified()? >= l.modified()?,
        _ => false,
    };
    if !fresh {
        println!("==> npm ci (ui)");
        run(cmd("npm", &["ci", "--no-audit", "--no-fund"], &ui))?;
    }
    Ok(())
}

/// Builds the UI into `ui/dist` (Tauri embeds it at compile time).
pub fn build_ui() -> Result<()> {
    println!("==> building the UI");
    run(cmd("npm", &["run", "build"], &root().join("ui")))
}

/// Installs a cargo tool if its binary is not on PATH.
pub fn ensure_cargo_tool(bin: &str, krate: &str, version: &str) -> Result<()> {
    if Command::new(bin).arg("--help").output().is_ok() {
        return Ok(());
    }
    println!("==> cargo install {krate}");
    let mut c = Command::new("cargo");
    c.args(["install", krate, "--version", version, "--locked"]);
    run(c)
}

/// Writes a demo store of `tickets` tickets at `path` unless one exists.
pub fn seed_store(path: &Path, tickets: usize) -> Result<()> {
    if path.exists() {
        println!("==> demo store already at {}", path.display());
        return Ok(());
    }
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let t = Instant::now();
    let mut store = outpost_client::Store::open(path)?;
    outpost_client::demo::seed(
        &mut store,
        outpost_client::demo::DemoSize { tickets, seed: 42 },
    )?;
    println!(
        "==> seeded {tickets} demo tickets at {} in {:.1}s",
        path.display(),
        t.elapsed().as_secs_f64()
    );
    Ok(())
}

/// `cargo xtask run`.
///
/// Starts the demo server and launches the app signed in to it (its own
/// store, see [`crate::demo_signin`]). `--local`: the seeded local-only store
/// instead, no server.
pub fn run_app(args: &[String]) -> Result<()> {
    ensure_packages(APP_PACKAGES)?;
    ensure_npm()?;
    build_ui()?;
    let local = args.iter().any(|a| a == "--local");
    let mut app = cmd("cargo", &["run", "-p", "outpost"], &root());
    let _server = if local {
        let store = outpost_client::Store::default_path()?;
        seed_store(&store, 1_000)?;
        println!(
            "==> starting Outpost, local-only (store: {})",
            store.display()
        );
        None
    } else {
        let server = start_demo_server()?;
        let store = crate::demo_signin::demo_store_path()?;
        crate::demo_signin::sign_in(&store, &format!("http://{DEMO_SERVER}"))?;
        println!(
            "==> starting Outpost signed in to the demo server as {} (store: {})",
            crate::demo_signin::DEMO_EMAIL,
            store.display()
        );
        app.env("OUTPOST_STORE", &store);
        Some(server)
    };
    run(app)
}

/// Address of the demo server `cargo xtask run` starts.
pub const DEMO_SERVER: &str = "127.0.0.1:7878";

/// Kills the demo server when `cargo xtask run` ends.
pub struct ServerGuard(Option<std::process::Child>);
impl Drop for ServerGuard {
    fn drop(&mut self) {
        if let Some(c) = self.0.as_mut() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

/// Builds the server, creates its demo workspace (idempotent) and serves it on
/// its embedded SQLite default, unless something already listens there.
pub fn start_demo_server() -> Result<ServerGuard> {
    if std::net::TcpStream::connect(DEMO_SERVER).is_ok() {
        println!("==> a server already listens on {DEMO_SERVER}");
        return Ok(ServerGuard(None));
    }
    run(cmd("cargo", &["build", "-p", "outpost-server"], &root()))?;
    let bin = target_dir().join("debug/outpost-server");
    run(cmd(
        bin.to_str().context("utf-8 path")?,
        &["demo-setup"],
        &root(),
    ))?;
    let child = cmd(
        bin.to_str().context("utf-8 path")?,
        &["--listen", DEMO_SERVER],
        &root(),
    )
    .spawn()
    .context("starting outpost-server")?;
    let guard = ServerGuard(Some(child));
    // Wait until it accepts connections (the app signs in right after).
    let start = Instant::now();
    while std::net::TcpStream::connect(DEMO_SERVER).is_err() {
        if start.elapsed() > std::time::Duration::from_secs(30) {
            bail!("outpost-server did not start listening on {DEMO_SERVER}");
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    println!(
        "==> server on http://{DEMO_SERVER} (workspace Demo; admin@demo.outpost / outpost-demo)"
    );
    Ok(guard)
}

/// `cargo xtask test`: runs every check, reports each, fails if any failed.
pub fn test_all(_args: &[String]) -> Result<()> {
    ensure_packages(APP_PACKAGES)?;
    ensure_packages(TEST_PACKAGES)?;
    ensure_cargo_tool("tauri-driver", "tauri-driver", "^2")?;
    ensure_npm()?;
    build_ui()?;
    let r = root();
    let ui = r.join("ui");
    let pg = std::env::var("OUTPOST_TEST_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into());
    let mut steps: Vec<(&str, Command)> = vec![
        (
            "cargo fmt --check",
            cmd("cargo", &["fmt", "--all", "--check"], &r),
        ),
        (
            "cargo clippy",
            cmd(
                "cargo",
                &[
                    "clippy",
                    "--workspace",
                    "--all-targets",
                    "--",
                    "-D",
                    "warnings",
                ],
                &r,
            ),
        ),
        ("cargo test", {
            let mut c = cmd("cargo", &["test", "--workspace"], &r);
            c.env("OUTPOST_TEST_DATABASE_URL", &pg)
                .env("OUTPOST_TEST_PG", &pg);
            c
        }),
        ("ui typecheck", cmd("npm", &["run", "typecheck"], &ui)),
        ("ui lint", cmd("npm", &["run", "lint"], &ui)),
        ("ui unit tests", cmd("npm", &["test"], &ui)),
        ("ui browser tests", cmd("npm", &["run", "e2e"], &ui)),
    ];
    let mut failed = Vec::new();
    for (name, c) in steps.iter_mut() {
        println!("==> {name}");
        let t = Instant::now();
        let ok = c.status().map(|s| s.success()).unwrap_or(false);
        println!(
            "<== {name}: {} in {:.0}s",
            if ok { "ok" } else { "FAILED" },
            t.elapsed().as_secs_f64()
        );
        if !ok {
            failed.push(*name);
        }
    }
    if !failed.is_empty() {
        bail!("failed: {}", failed.join(", "));
    }
    println!("all checks passed");
    Ok(())
}

/// `cargo xtask bench`: runs the benchmark body in a release build.
pub fn bench(_args: &[String]) -> Result<()> {
    run(cmd(
        "cargo",
        &["run", "--release", "-p", "xtask", "--", "bench-run"],
        &root(),
    ))
}
