//! `cargo xtask bundle`: release installers for this platform.
//!
//! On Linux: the desktop app as `.deb` and `.rpm` (the Tauri bundler makes both
//! without any download; AppImage needs tools from the internet and is not
//! built), and `outpost-server` as a release binary. `--check` then installs
//! nothing on the machine: it reads the `.deb`'s declared dependencies, unpacks
//! it into a fresh folder and starts the unpacked app on a seeded store under
//! Xvfb over WebDriver until its board shows (see [`check_deb`], tests/deb.rs).
//!
//! Windows (.msi and NSIS) and macOS (.dmg, .app) are built the same way on
//! their own machines; see `docs/release.md` and `.github/workflows/release.yml`.

use crate::root;
use crate::setup::{self, cmd, run, target_dir};
use anyhow::{Context, Result, bail};
use std::path::{Path, PathBuf};
use std::process::Command;

/// What a bundle run produced.
pub struct Bundles {
    /// The release app binary.
    pub app: PathBuf,
    /// The release server binary.
    pub server: PathBuf,
    /// The `.deb` installer.
    pub deb: PathBuf,
    /// The `.rpm` installer.
    pub rpm: PathBuf,
}

/// `cargo xtask bundle [--check]`.
pub fn bundle(args: &[String]) -> Result<()> {
    let check = args.iter().any(|a| a == "--check");
    if let Some(bad) = args.iter().find(|a| *a != "--check") {
        bail!("unknown argument {bad:?}; usage: cargo xtask bundle [--check]");
    }
    let b = build()?;
    for (what, path) in [
        ("app binary", &b.app),
        ("server binary", &b.server),
        (".deb", &b.deb),
        (".rpm", &b.rpm),
    ] {
        println!("{what:>14}: {} ({:.1} MB)", path.display(), mb(path)?);
    }
    if check {
        check_deb(&b.deb)?;
    }
    Ok(())
}

/// Size of a file in MB (10^6 bytes, as installers are usually quoted).
pub fn mb(path: &Path) -> Result<f64> {
    Ok(std::fs::metadata(path)
        .with_context(|| format!("reading {}", path.display()))?
        .len() as f64
        / 1e6)
}

/// Builds the UI, the release app with its installers, and the release server.
pub fn build() -> Result<Bundles> {
    setup::ensure_packages(setup::APP_PACKAGES)?;
    setup::ensure_npm()?;
    setup::build_ui()?;
    let r = root();
    let tauri = r.join("ui/node_modules/.bin/tauri");
    if !tauri.exists() {
        bail!(
            "{} is missing: the UI's npm install brings @tauri-apps/cli",
            tauri.display()
        );
    }
    println!("==> tauri build --bundles deb,rpm");
    run(cmd(
        tauri.to_str().context("utf-8 path")?,
        &["build", "--bundles", "deb,rpm", "--ci"],
        &r,
    ))?;
    println!("==> cargo build --release -p outpost-server");
    run(cmd(
        "cargo",
        &["build", "--release", "-p", "outpost-server"],
        &r,
    ))?;
    let release = target_dir().join("release");
    let bundle = release.join("bundle");
    Ok(Bundles {
        app: release.join("outpost"),
        server: release.join("outpost-server"),
        deb: newest(&bundle.join("deb"), "deb")?,
        rpm: newest(&bundle.join("rpm"), "rpm")?,
    })
}

/// The most recently written file with extension `ext` in `dir`.
fn newest(dir: &Path, ext: &str) -> Result<PathBuf> {
    let mut best: Option<(std::time::SystemTime, PathBuf)> = None;
    for entry in std::fs::read_dir(dir).with_context(|| format!("reading {}", dir.display()))? {
        let path = entry?.path();
        if path.extension().and_then(|e| e.to_str()) != Some(ext) {
            continue;
        }
        let at = std::fs::metadata(&path)?.modified()?;
        if best.as_ref().is_none_or(|(t, _)| at > *t) {
            best = Some((at, path));
        }
    }
    best.map(|(_, p)| p)
        .with_context(|| format!("no .{ext} in {}", dir.display()))
}

/// The runtime libraries the `.deb` must declare: without them the app does not
/// start on a clean Debian.
const REQUIRED_DEPENDS: &[&str] = &["libwebkit2gtk-4.1-0", "libgtk-3-0"];

/// Checks the `.deb`: declared dependencies, the files it installs, and that
/// the unpacked app starts on a seeded store and shows its board.
pub fn check_deb(deb: &Path) -> Result<()> {
    println!("==> checking {}", deb.display());
    let field = |name: &str| -> Result<String> {
        let out = Command::new("dpkg-deb")
            .args(["--field", deb.to_str().context("utf-8 path")?, name])
            .output()
            .context("running dpkg-deb")?;
        if !out.status.success() {
            bail!("dpkg-deb --field {name} failed");
        }
        Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
    };
    let depends = field("Depends")?;
    println!(
        "    Package: {}  Version: {}",
        field("Package")?,
        field("Version")?
    );
    println!("    Depends: {depends}");
    for lib in REQUIRED_DEPENDS {
        if !depends.split(',').any(|d| d.trim().starts_with(lib)) {
            bail!("the .deb does not declare {lib} (Depends: {depends})");
        }
    }
    let dir = tempfile::tempdir()?;
    let root_fs = dir.path().join("root");
    run({
        let mut c = Command::new("dpkg-deb");
        c.arg("-x").arg(deb).arg(&root_fs);
        c
    })?;
    let app = root_fs.join("usr/bin/outpost");
    for needed in [
        app.clone(),
        root_fs.join("usr/share/applications/Outpost.desktop"),
    ] {
        if !needed.exists() {
            bail!("the .deb does not install {}", needed.display());
        }
    }
    // The unpacked binary must open a store and paint its board: the real-app
    // harness drives it over WebDriver (tests/deb.rs).
    setup::ensure_packages(setup::TEST_PACKAGES)?;
    setup::ensure_cargo_tool("tauri-driver", "tauri-driver", "^2")?;
    let mut c = cmd(
        "cargo",
        &[
            "test",
            "-p",
            "outpost",
            "--test",
            "deb",
            "--",
            "--ignored",
            "--nocapture",
        ],
        &root(),
    );
    c.env("OUTPOST_APP_BINARY", &app);
    run(c)?;
    println!("    the unpacked app opened a store and showed its board (artifacts/deb-board.png)");
    Ok(())
}
