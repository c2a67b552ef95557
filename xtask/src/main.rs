//! Project commands, run as `cargo xtask <command>`:
//!
//! - `run [--local]`: install what is missing, build the UI, start the demo
//!   server and the app signed in to it (`--local`: a seeded local-only store).
//! - `test`: every check CI runs (fmt, clippy, Rust tests, UI checks, browser
//!   and app tests).
//! - `bench`: release benchmarks over a seeded 100k-ticket store, written to
//!   `BENCHMARKS.md`.
//! - `seed [--tickets N] [--path FILE]`: write a demo store.
//! - `bindings`: regenerate `ui/src/bindings.ts` from the Rust types.
//! - `openapi`: regenerate `docs/server/openapi.json` from the server's routes.
//! - `bundle [--check]`: release installers (.deb, .rpm) and the release
//!   server; `--check` verifies the .deb's dependencies and runs its app.
//!
//! Every step is idempotent: a second run skips what is already in place.

mod bench;
mod bench_app;
mod bench_insights;
mod bench_notify;
mod bench_release;
mod bench_reports;
mod bench_sync;
mod bundle;
mod demo_signin;
mod setup;

use anyhow::{Context, Result, bail};
use std::path::PathBuf;

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (cmd, rest) = args
        .split_first()
        .map(|(c, r)| (c.as_str(), r))
        .unwrap_or(("help", &[]));
    match cmd {
        "run" => setup::run_app(rest),
        "test" => setup::test_all(rest),
        "bench" => setup::bench(rest),
        // Internal: the release-mode benchmark body that `bench` spawns.
        "bench-run" => bench::run(true),
        // Internal: the same body without the release check, for figures that
        // only time and measure other processes (`OUTPOST_BENCH_ONLY=release`
        // builds and drives the release app itself) from a debug xtask.
        "bench-run-any-build" => bench::run(false),
        "seed" => seed(rest),
        "bindings" => bindings(),
        "bundle" => bundle::bundle(rest),
        "openapi" => openapi(),
        _ => {
            eprintln!("usage: cargo xtask <run|test|bench|seed|bindings|openapi|bundle [--check]>");
            if cmd == "help" {
                Ok(())
            } else {
                bail!("unknown command {cmd:?}")
            }
        }
    }
}

/// The repository root (the parent of `xtask/`).
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives in the repo")
        .to_path_buf()
}

/// Regenerates the bindings through outpost-core's freshness test, so the
/// generator never waits on other crates compiling.
fn bindings() -> Result<()> {
    let mut c = setup::cmd(
        "cargo",
        &[
            "test",
            "-p",
            "outpost-core",
            "--features",
            "ts",
            "--test",
            "bindings",
        ],
        &root(),
    );
    c.env("OUTPOST_UPDATE_BINDINGS", "1");
    setup::run(c)?;
    println!("wrote {}", root().join("ui/src/bindings.ts").display());
    Ok(())
}

/// Regenerates `docs/server/openapi.json` through the server's freshness test.
fn openapi() -> Result<()> {
    let mut c = setup::cmd(
        "cargo",
        &["test", "-p", "outpost-server", "--test", "openapi_doc"],
        &root(),
    );
    c.env("OUTPOST_UPDATE_OPENAPI", "1");
    setup::run(c)?;
    println!(
        "wrote {}",
        root().join("docs/server/openapi.json").display()
    );
    Ok(())
}

fn seed(args: &[String]) -> Result<()> {
    let mut tickets = 1_000usize;
    let mut path: Option<PathBuf> = None;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--tickets" => tickets = it.next().context("--tickets needs a number")?.parse()?,
            "--path" => path = Some(it.next().context("--path needs a file")?.into()),
            other => bail!("unknown seed option {other:?}"),
        }
    }
    let path = match path {
        Some(p) => p,
        None => outpost_client::Store::default_path()?,
    };
    setup::seed_store(&path, tickets)
}
