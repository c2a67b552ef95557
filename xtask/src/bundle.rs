//! `cargo xtask bundle`: release installers for this platform.
//!
//! On Linux: the desktop app as `.deb` and `.rpm` (the Tauri bundler makes both
//! without any download; AppImage needs tools from the internet and is not
//! built), and `outpost-server` as a release binary. `--check` then installs
//! nothing on the machine: it reads the `.deb`'s declared dependencies, unpacks
//! it into a fresh folder and starts the unpacked app on a seeded store under
//! Xvfb over WebDriver until its board shows (see [`check_deb`], tests/deb.rs).
//! It also checks that every shared library the app loads comes from a
//! package the `.deb`'s `Depends` pull in (so a clean system gets them all).
//! `--install` goes further on a Debian/Ubuntu machine where it runs as root:
//! `apt-get install ./<the .deb>`, the same real-app test against the installed
//! `/usr/bin/outpost`, then `apt-get remove` (see [`install_deb`]).
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

/// `cargo xtask bundle [--check] [--install] [--deb FILE]`.
///
/// `--deb FILE` checks or installs that `.deb` (one built earlier, or by CI)
/// instead of building.
pub fn bundle(args: &[String]) -> Result<()> {
    const USAGE: &str = "usage: cargo xtask bundle [--check] [--install] [--deb FILE]";
    let (mut check, mut install, mut given) = (false, false, None);
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--check" => check = true,
            "--install" => install = true,
            "--deb" => given = Some(PathBuf::from(it.next().context(USAGE)?)),
            other => bail!("unknown argument {other:?}; {USAGE}"),
        }
    }
    let deb = match given {
        Some(deb) => {
            if !check && !install {
                bail!("--deb goes with --check or --install; {USAGE}");
            }
            deb
        }
        None => {
            let b = build()?;
            for (what, path) in [
                ("app binary", &b.app),
                ("server binary", &b.server),
                (".deb", &b.deb),
                (".rpm", &b.rpm),
            ] {
                println!("{what:>14}: {} ({:.1} MB)", path.display(), mb(path)?);
            }
            b.deb
        }
    };
    if check {
        check_deb(&deb)?;
    }
    if install {
        install_deb(&deb)?;
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
    // A rebuilt ui/dist makes cargo recompile the app: only when stale.
    crate::bench_app::build_ui_if_stale()?;
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
    let declared = dependency_closure(&depends)?;
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
    check_libraries(&app, &declared)?;
    // The unpacked binary must open a store and paint its board: the real-app
    // harness drives it over WebDriver (tests/deb.rs).
    run_deb_test(&app)?;
    println!("    the unpacked app opened a store and showed its board (artifacts/deb-board.png)");
    Ok(())
}

/// Runs tests/deb.rs (the real-app WebDriver test) against the app at `app`.
fn run_deb_test(app: &Path) -> Result<()> {
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
    c.env("OUTPOST_APP_BINARY", app);
    run(c)
}

/// The package names in a `Depends` field (every alternative of each entry,
/// version constraints dropped).
fn depends_names(depends: &str) -> Vec<String> {
    depends
        .split([',', '|'])
        .filter_map(|d| d.split_whitespace().next())
        .map(|n| n.split(':').next().unwrap_or(n).to_string())
        .filter(|n| !n.is_empty())
        .collect()
}

/// Every package `depends` pulls in on this system's package lists
/// (recursively, without recommends or suggests), the named ones included.
fn dependency_closure(depends: &str) -> Result<std::collections::HashSet<String>> {
    let names = depends_names(depends);
    let out = Command::new("apt-cache")
        .args([
            "depends",
            "--recurse",
            "--no-recommends",
            "--no-suggests",
            "--no-conflicts",
            "--no-breaks",
            "--no-replaces",
            "--no-enhances",
        ])
        .args(&names)
        .output()
        .context("running apt-cache depends")?;
    if !out.status.success() {
        bail!(
            "apt-cache depends {} failed: {}",
            names.join(" "),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let mut all: std::collections::HashSet<String> = names.into_iter().collect();
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        let name = line.trim().trim_start_matches('|');
        let name = name
            .split_once(": ")
            .map_or(name, |(_, n)| n)
            .trim_matches(['<', '>']);
        let name = name.split(':').next().unwrap_or(name);
        if !name.is_empty() {
            all.insert(name.to_string());
        }
    }
    Ok(all)
}

/// The installed package that owns `path` (`dpkg -S`), trying the merged-/usr
/// spellings of the path too.
fn owner_of(path: &Path) -> Option<String> {
    let p = path.to_string_lossy().into_owned();
    let mut tries = vec![p.clone()];
    if let Some(rest) = p.strip_prefix("/usr") {
        tries.push(rest.to_string());
    } else {
        tries.push(format!("/usr{p}"));
    }
    if let Ok(real) = std::fs::canonicalize(path) {
        tries.push(real.to_string_lossy().into_owned());
    }
    for t in tries {
        let out = Command::new("dpkg").args(["-S", &t]).output().ok()?;
        if out.status.success() {
            let text = String::from_utf8_lossy(&out.stdout);
            let pkg = text.lines().next()?.split(':').next()?.trim().to_string();
            return Some(pkg);
        }
    }
    None
}

/// Every shared library the app loads (`ldd`, transitively) must belong to a
/// package in the closure of the `.deb`'s `Depends`: otherwise a clean system
/// installs the package and the app fails to start.
fn check_libraries(app: &Path, declared: &std::collections::HashSet<String>) -> Result<()> {
    let out = Command::new("ldd")
        .arg(app)
        .output()
        .context("running ldd")?;
    let text = String::from_utf8_lossy(&out.stdout);
    if !out.status.success() || text.contains("not found") {
        bail!("ldd {}:\n{text}", app.display());
    }
    let mut owners = std::collections::BTreeSet::new();
    let mut missing = Vec::new();
    for line in text.lines() {
        // "libfoo.so.1 => /lib/x86_64-linux-gnu/libfoo.so.1 (0x...)" or
        // "/lib64/ld-linux-x86-64.so.2 (0x...)"; linux-vdso has no file.
        let path = line
            .split("=>")
            .nth(1)
            .unwrap_or(line)
            .split_whitespace()
            .next()
            .unwrap_or("");
        if !path.starts_with('/') {
            continue;
        }
        match owner_of(Path::new(path)) {
            Some(pkg) if declared.contains(&pkg) => {
                owners.insert(pkg);
            }
            Some(pkg) => missing.push(format!("{path} (from {pkg})")),
            None => missing.push(format!("{path} (no package owns it)")),
        }
    }
    if !missing.is_empty() {
        bail!(
            "the app loads libraries its .deb does not pull in:\n  {}",
            missing.join("\n  ")
        );
    }
    println!(
        "    all {} packages the app's libraries come from are pulled in by Depends",
        owners.len()
    );
    Ok(())
}

/// Installs the `.deb` with apt (as root), runs the real-app test against the
/// installed `/usr/bin/outpost`, checks the installed files, and removes the
/// package again (also when the test fails).
pub fn install_deb(deb: &Path) -> Result<()> {
    let is_root = Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false);
    if !is_root {
        bail!("--install runs apt-get install and needs root");
    }
    let deb = std::fs::canonicalize(deb)?;
    println!("==> apt-get install {}", deb.display());
    let apt = |args: &[&str]| {
        let mut c = Command::new("apt-get");
        c.args(args).env("DEBIAN_FRONTEND", "noninteractive");
        run(c)
    };
    apt(&[
        "install",
        "-y",
        "--no-install-recommends",
        deb.to_str().context("utf-8 path")?,
    ])?;
    let result = (|| {
        let listed = Command::new("dpkg").args(["-L", "outpost"]).output()?;
        let files = String::from_utf8_lossy(&listed.stdout);
        for needed in [
            "/usr/bin/outpost",
            "/usr/share/applications/Outpost.desktop",
        ] {
            if !files.lines().any(|l| l == needed) {
                bail!("the installed package has no {needed}:\n{files}");
            }
        }
        run_deb_test(Path::new("/usr/bin/outpost"))
    })();
    println!("==> apt-get remove outpost");
    let removed = apt(&["remove", "-y", "outpost"]);
    result?;
    removed?;
    println!("    installed with apt, the installed app showed its board, removed again");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn depends_names_drop_versions_and_keep_alternatives() {
        assert_eq!(
            depends_names("libwebkit2gtk-4.1-0 (>= 2.40), libgtk-3-0, libc6:any | libc6.1"),
            vec!["libwebkit2gtk-4.1-0", "libgtk-3-0", "libc6", "libc6.1"]
        );
    }
}
