//! Shared harness for the real-app tests: a virtual display, tauri-driver
//! with WebKitWebDriver, and a WebDriver session on the app binary.
#![allow(dead_code)]

use fantoccini::{Client, ClientBuilder};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Kills a child process when dropped, so a failing test leaves nothing behind.
pub struct Guard(pub Child);
impl Drop for Guard {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

pub fn artifacts() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("artifacts");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Starts Xvfb on a free display unless one is already set; returns the display.
pub fn display() -> (String, Option<Guard>) {
    if let Ok(d) = std::env::var("DISPLAY")
        && !d.is_empty()
    {
        return (d, None);
    }
    for n in 90..140 {
        if Path::new(&format!("/tmp/.X11-unix/X{n}")).exists()
            || Path::new(&format!("/tmp/.X{n}-lock")).exists()
        {
            continue;
        }
        let child = Command::new("Xvfb")
            .args([
                format!(":{n}").as_str(),
                "-screen",
                "0",
                "1440x900x24",
                "-nolisten",
                "tcp",
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("Xvfb must be installed (cargo xtask test installs it)");
        let guard = Guard(child);
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if Path::new(&format!("/tmp/.X11-unix/X{n}")).exists() {
                return (format!(":{n}"), Some(guard));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
    panic!("could not start Xvfb");
}

pub fn wait_port(port: u16) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            Instant::now() < deadline,
            "tauri-driver did not listen on {port}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// The app, started by tauri-driver on `store` under a virtual display.
pub struct App {
    pub client: Client,
    /// The X display the app window is on.
    pub display: String,
    _driver: Guard,
    _xvfb: Option<Guard>,
}

/// Launches the real app binary on the store at `store` and connects.
pub async fn launch(store: &Path) -> App {
    launch_with_env(store, &[]).await
}

/// [`launch`] with extra environment for the app (e.g. a D-Bus session).
pub async fn launch_with_env(store: &Path, env: &[(&str, &str)]) -> App {
    let (display, xvfb) = display();
    let profile = store.parent().expect("store in a folder").join("profile");
    let port = free_port();
    let native_port = free_port();
    let driver = Command::new("tauri-driver")
        .args([
            "--port",
            &port.to_string(),
            "--native-port",
            &native_port.to_string(),
        ])
        .env("DISPLAY", &display)
        .env("OUTPOST_STORE", store)
        // A fresh profile per test: the webview's local storage (saved board
        // filters) and caches live under these.
        .env("XDG_DATA_HOME", profile.join("data"))
        .env("XDG_CONFIG_HOME", profile.join("config"))
        .env("XDG_CACHE_HOME", profile.join("cache"))
        .envs(env.iter().copied())
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("tauri-driver must be installed (cargo xtask test installs it)");
    let driver = Guard(driver);
    wait_port(port);
    let mut caps = serde_json::Map::new();
    caps.insert(
        "tauri:options".into(),
        serde_json::json!({ "application": app_binary() }),
    );
    // tauri-driver listens before WebKitWebDriver behind it does: a session
    // request in that window gets its connection closed. Retry those.
    let mut attempt = 0;
    let client = loop {
        match ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(caps.clone())
            .connect(&format!("http://127.0.0.1:{port}"))
            .await
        {
            Ok(c) => break c,
            Err(e) if attempt < 20 => {
                attempt += 1;
                eprintln!("WebDriver session, attempt {attempt}: {e}");
                tokio::time::sleep(Duration::from_millis(500)).await;
            }
            Err(e) => panic!("WebDriver session with the app: {e}"),
        }
    };
    App {
        client,
        display,
        _driver: driver,
        _xvfb: xvfb,
    }
}

/// The app binary under test: `OUTPOST_APP_BINARY` when set (an installed or
/// unpacked release build, see `cargo xtask bundle --check`), else the debug
/// build of this package.
pub fn app_binary() -> PathBuf {
    std::env::var_os("OUTPOST_APP_BINARY")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_BIN_EXE_outpost")))
}

/// Saves a screenshot of the app window to `artifacts/<name>.png`.
pub async fn screenshot(c: &Client, name: &str) {
    match c.screenshot().await {
        Ok(png) => {
            let _ = std::fs::write(artifacts().join(format!("{name}.png")), png);
        }
        Err(e) => eprintln!("screenshot {name} failed: {e}"),
    }
}

/// Polls `check` every 100 ms until it returns true or `secs` pass; on a
/// timeout, saves `artifacts/timeout.png`, prints the page text and fails.
pub async fn eventually<F, Fut>(c: &Client, secs: u64, what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = Instant::now() + Duration::from_secs(secs);
    while !check().await {
        if Instant::now() >= deadline {
            screenshot(c, "timeout").await;
            if let Ok(body) = c.find(fantoccini::Locator::Css("body")).await {
                eprintln!(
                    "page text at timeout:\n{}",
                    body.text().await.unwrap_or_default()
                );
            }
            panic!("timed out after {secs} s waiting for: {what}");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Signs the app in to `url` from the sync indicator's "Connect" form and
/// waits until the indicator says Online.
pub async fn sign_in(c: &Client, url: &str, email: &str, password: &str) {
    let wait = || c.wait().at_most(Duration::from_secs(30));
    let form = "form[aria-label='Sign in to a server']";
    let result = async {
        wait()
            .for_element(fantoccini::Locator::Css("button.sync-connect"))
            .await?
            .click()
            .await?;
        wait()
            .for_element(fantoccini::Locator::Css(&format!("{form} input[type=url]")))
            .await?
            .send_keys(url)
            .await?;
        c.find(fantoccini::Locator::Css(&format!(
            "{form} input[type=email]"
        )))
        .await?
        .send_keys(email)
        .await?;
        c.find(fantoccini::Locator::Css(&format!(
            "{form} input[type=password]"
        )))
        .await?
        .send_keys(password)
        .await?;
        c.find(fantoccini::Locator::Css(&format!(
            "{form} button[type=submit]"
        )))
        .await?
        .click()
        .await?;
        Ok::<_, fantoccini::error::CmdError>(())
    }
    .await;
    result.expect("the sign-in form");
    eventually(c, 30, "the sync indicator says Online", || async {
        sync_text(c).await.contains("Online")
    })
    .await;
}

/// The sync indicator's text ("Online · synced…", "Offline · 2 pending…").
pub async fn sync_text(c: &Client) -> String {
    match c
        .find(fantoccini::Locator::Css("[data-testid=sync-indicator]"))
        .await
    {
        Ok(e) => e.text().await.unwrap_or_default(),
        Err(_) => String::new(),
    }
}

/// Clicks the sidebar entry `label` (Inbox, Tickets, Knowledge base, ...).
pub async fn go_to(c: &Client, label: &str) {
    c.find(fantoccini::Locator::XPath(&format!(
        "//nav[@aria-label='Main']//button[contains(., '{label}')]"
    )))
    .await
    .unwrap_or_else(|e| panic!("sidebar entry {label}: {e}"))
    .click()
    .await
    .unwrap_or_else(|e| panic!("clicking {label}: {e}"));
}

/// The DOM text of `e` (`textContent`). WebDriver's element text leaves out
/// what it judges hidden, e.g. a card title clipped with `overflow: hidden`.
pub async fn dom_text(e: &fantoccini::elements::Element) -> String {
    e.prop("textContent")
        .await
        .ok()
        .flatten()
        .unwrap_or_default()
}

/// [`screenshot`] after the page has painted its latest state: WebKitGTK
/// under Xvfb hands WebDriver the last composited frame, which lags a DOM
/// change by a frame or two.
pub async fn screenshot_settled(c: &Client, name: &str) {
    let _ = c
        .execute_async(
            "const done = arguments[arguments.length - 1];
             requestAnimationFrame(() => requestAnimationFrame(() => done(true)));",
            vec![],
        )
        .await;
    tokio::time::sleep(Duration::from_millis(400)).await;
    // The first capture can still be the previous frame; the second is not.
    let _ = c.screenshot().await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    screenshot(c, name).await;
}

/// Dismisses the "Desktop notifications are unavailable" notice if it shows
/// (no notification service in this session), so it does not cover the
/// sidebar in screenshots.
pub async fn dismiss_notifications_notice(c: &Client) {
    if let Ok(b) = c
        .find(fantoccini::Locator::XPath(
            "//button[.='Dismiss'][ancestor::*[contains(., 'Desktop notifications')]]",
        ))
        .await
    {
        let _ = b.click().await;
    }
}
