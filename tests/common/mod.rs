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
    /// Dropped before the display: the app's processes go first.
    _group: Option<GroupGuard>,
    _xvfb: Option<Guard>,
}

/// Launches the real app binary on the store at `store` and connects.
pub async fn launch(store: &Path) -> App {
    launch_with_env(store, &[]).await
}

/// [`launch`] with extra environment for the app (e.g. a D-Bus session):
/// on `DISPLAY` when set, else on a private Xvfb; everything started (the
/// driver, WebKitWebDriver, the app and its WebKit processes) is killed with
/// the returned [`App`].
pub async fn launch_with_env(store: &Path, env: &[(&str, &str)]) -> App {
    let (display, xvfb) = match std::env::var("DISPLAY") {
        Ok(d) if !d.is_empty() => (d, None),
        _ => {
            let (d, guard) = own_display();
            (d, Some(guard))
        }
    };
    let (mut app, group) = launch_on(&display, store, env).await;
    app._group = Some(group);
    app._xvfb = xvfb;
    app
}

/// The app binary under test: `OUTPOST_APP_BINARY` when set (an installed or
/// unpacked release build, see `cargo xtask bundle --check`), else the debug
/// build of this package.
pub fn app_binary() -> PathBuf {
    std::env::var_os("OUTPOST_APP_BINARY")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_BIN_EXE_outpost")))
}

/// Makes the page paint a new frame soon: a near-invisible 1 px mark in the
/// corner for a second. WebKitGTK's WebDriver screenshot waits for the next
/// painted frame, and with the shared-memory renderer (no GPU, as under
/// Xvfb) a page with nothing changing paints none: the capture would wait
/// until something on screen changes (a "3 min ago" ticking over).
pub const PAINT_NUDGE: &str = "const d = document.createElement('div');
     d.style.cssText = 'position:fixed;left:0;top:0;width:1px;height:1px;background:rgba(0,0,0,0.02);pointer-events:none;z-index:2147483647';
     document.body.appendChild(d);
     setTimeout(() => d.remove(), 1000);";

/// A screenshot of the app window (see [`PAINT_NUDGE`]).
pub async fn capture(c: &Client) -> Result<Vec<u8>, fantoccini::error::CmdError> {
    let _ = c.execute(PAINT_NUDGE, vec![]).await;
    c.screenshot().await
}

/// Saves a screenshot of the app window to `artifacts/<name>.png`.
pub async fn screenshot(c: &Client, name: &str) {
    match capture(c).await {
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

/// Clicks the first element matching `css`, finding it again while the page
/// re-renders under a found one (a stale handle), for up to 10 s.
pub async fn click_fresh(c: &Client, css: &str) {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let err = match c.find(fantoccini::Locator::Css(css)).await {
            Ok(el) => match el.click().await {
                Ok(()) => return,
                Err(e) => e,
            },
            Err(e) => e,
        };
        assert!(Instant::now() < deadline, "clicking {css}: {err}");
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

/// Starts a private Xvfb on a display number it picks itself (`-displayfd`):
/// no race with other tests or test binaries starting displays at the same
/// time (checking for a free number first, then starting, can hand two tests
/// the same display, and the first to finish takes it away from the other).
pub fn own_display() -> (String, Guard) {
    use std::io::{BufRead, BufReader};
    let mut child = Command::new("Xvfb")
        .args([
            "-displayfd",
            "1",
            "-screen",
            "0",
            "1440x900x24",
            "-nolisten",
            "tcp",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("Xvfb must be installed (cargo xtask test installs it)");
    let stdout = child.stdout.take().expect("Xvfb's stdout");
    let guard = Guard(child);
    let mut line = String::new();
    BufReader::new(stdout)
        .read_line(&mut line)
        .expect("Xvfb prints its display number");
    let n: u32 = line
        .trim()
        .parse()
        .unwrap_or_else(|_| panic!("Xvfb did not start: {line:?}"));
    (format!(":{n}"), guard)
}

/// Starts a private D-Bus session bus (as `dbus-run-session` does); returns
/// its address and the daemon.
pub fn session_bus() -> (String, Guard) {
    use std::io::{BufRead, BufReader};
    let mut child = Command::new("dbus-daemon")
        .args(["--session", "--nofork", "--print-address=1"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("dbus-daemon must be installed");
    let stdout = child.stdout.take().expect("dbus-daemon's stdout");
    let guard = Guard(child);
    let mut line = String::new();
    BufReader::new(stdout)
        .read_line(&mut line)
        .expect("dbus-daemon prints its address");
    assert!(!line.trim().is_empty(), "dbus-daemon did not start");
    (line.trim().to_owned(), guard)
}

/// Kills a whole process group when dropped: tauri-driver started in its own
/// group, with the WebKitWebDriver it starts, the app and WebKit's helper
/// processes. Killing tauri-driver alone leaves WebKitWebDriver (and, after
/// a failed test, the app) running, holding the test's stdout and stderr
/// open, so `cargo test | tee log` never ends.
pub struct GroupGuard(pub u32);
impl Drop for GroupGuard {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-KILL", "--", &format!("-{}", self.0)])
            .stderr(Stdio::null())
            .status();
    }
}

/// [`launch_with_env`] on a display the caller started (see [`own_display`]),
/// without starting another one, with everything it starts in one process
/// group that the returned guard kills. `DISPLAY` is set to `display` for
/// tauri-driver and the app; `NO_AT_BRIDGE` keeps GTK from looking for an
/// accessibility bus on a private session bus. (Without a GPU, as under
/// Xvfb, the app itself turns WebKit's DMA-BUF renderer off, which otherwise
/// leaves the X window showing its first frame.)
pub async fn launch_on(display: &str, store: &Path, env: &[(&str, &str)]) -> (App, GroupGuard) {
    use std::os::unix::process::CommandExt;
    let profile = store.parent().expect("store in a folder").join("profile");
    let port = free_port();
    let native_port = free_port();
    let driver = Command::new("tauri-driver")
        .process_group(0)
        .args([
            "--port",
            &port.to_string(),
            "--native-port",
            &native_port.to_string(),
        ])
        .env("OUTPOST_STORE", store)
        .env("XDG_DATA_HOME", profile.join("data"))
        .env("XDG_CONFIG_HOME", profile.join("config"))
        .env("XDG_CACHE_HOME", profile.join("cache"))
        .env("NO_AT_BRIDGE", "1")
        .envs(env.iter().copied())
        .env("DISPLAY", display)
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("tauri-driver must be installed (cargo xtask test installs it)");
    let group = GroupGuard(driver.id());
    let driver = Guard(driver);
    wait_port(port);
    let mut caps = serde_json::Map::new();
    caps.insert(
        "tauri:options".into(),
        serde_json::json!({ "application": app_binary() }),
    );
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
    let app = App {
        client,
        display: display.to_owned(),
        _driver: driver,
        _group: None,
        _xvfb: None,
    };
    (app, group)
}

/// Saves a picture of the whole virtual screen `display` (what a person
/// would see, window decorations and all) to `artifacts/<name>.png`.
pub fn screen_shot(display: &str, name: &str) {
    let shot = artifacts().join(format!("{name}.png"));
    let status = Command::new("import")
        .args(["-display", display, "-window", "root"])
        .arg(&shot)
        .status()
        .expect("ImageMagick import must be installed");
    assert!(status.success(), "import -window root failed");
}

/// The app's top-level X window (titled "Outpost").
pub fn app_window(display: &str) -> u32 {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let out = Command::new("xdotool")
            .args(["search", "--name", "^Outpost$"])
            .env("DISPLAY", display)
            .output()
            .expect("xdotool must be installed");
        let ids: Vec<u32> = String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter_map(|l| l.trim().parse().ok())
            .collect();
        // GTK also names its hidden client-leader window; the top level is
        // the one that is mapped.
        if let Some(id) = ids.iter().copied().find(|&w| viewable(display, w)) {
            return id;
        }
        assert!(
            Instant::now() < deadline,
            "no visible window titled Outpost: {ids:?}"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// Whether X window `win` is mapped and viewable.
pub fn viewable(display: &str, win: u32) -> bool {
    let out = Command::new("xwininfo")
        .args(["-id", &win.to_string()])
        .env("DISPLAY", display)
        .output()
        .expect("xwininfo must be installed");
    String::from_utf8_lossy(&out.stdout).contains("Map State: IsViewable")
}

/// Asks window `win` to close the way a window manager's close button does:
/// a `WM_PROTOCOLS` / `WM_DELETE_WINDOW` client message (xdotool can only
/// destroy or kill). Spoken in the X11 wire protocol over the display's
/// socket, so no unsafe bindings are needed.
pub fn request_close(display: &str, win: u32) {
    let n = display.trim_start_matches(':');
    let n = n.split('.').next().unwrap_or(n);
    use std::io::{Read, Write};
    let mut x = std::os::unix::net::UnixStream::connect(format!("/tmp/.X11-unix/X{n}"))
        .expect("the X display's socket");
    // Connection setup, little endian, no authorization (Xvfb's default).
    x.write_all(&[b'l', 0, 11, 0, 0, 0, 0, 0, 0, 0, 0, 0])
        .unwrap();
    let mut head = [0u8; 8];
    x.read_exact(&mut head).unwrap();
    assert_eq!(head[0], 1, "the X server refused the connection");
    let mut rest = vec![0u8; usize::from(u16::from_le_bytes([head[6], head[7]])) * 4];
    x.read_exact(&mut rest).unwrap();
    let mut intern = |name: &str| -> u32 {
        let pad = (4 - name.len() % 4) % 4;
        let words = u16::try_from(2 + (name.len() + pad) / 4).unwrap();
        let mut req = vec![16u8, 0];
        req.extend_from_slice(&words.to_le_bytes());
        req.extend_from_slice(&u16::try_from(name.len()).unwrap().to_le_bytes());
        req.extend_from_slice(&[0, 0]);
        req.extend_from_slice(name.as_bytes());
        req.extend(std::iter::repeat_n(0u8, pad));
        x.write_all(&req).unwrap();
        let mut reply = [0u8; 32];
        x.read_exact(&mut reply).unwrap();
        assert_eq!(reply[0], 1, "InternAtom {name} failed: {reply:?}");
        u32::from_le_bytes(reply[8..12].try_into().unwrap())
    };
    let protocols = intern("WM_PROTOCOLS");
    let delete = intern("WM_DELETE_WINDOW");
    // SendEvent(propagate false, destination win, no mask) of a
    // ClientMessage(format 32, win, WM_PROTOCOLS, [WM_DELETE_WINDOW, CurrentTime]).
    let mut req = vec![25u8, 0, 11, 0];
    req.extend_from_slice(&win.to_le_bytes());
    req.extend_from_slice(&0u32.to_le_bytes());
    let mut event = vec![33u8, 32, 0, 0];
    event.extend_from_slice(&win.to_le_bytes());
    event.extend_from_slice(&protocols.to_le_bytes());
    event.extend_from_slice(&delete.to_le_bytes());
    event.resize(32, 0);
    req.extend_from_slice(&event);
    x.write_all(&req).unwrap();
    // A round trip (GetInputFocus) so the event was handled, or its error seen.
    x.write_all(&[43, 0, 1, 0]).unwrap();
    let mut reply = [0u8; 32];
    x.read_exact(&mut reply).unwrap();
    assert_eq!(reply[0], 1, "SendEvent failed: {reply:?}");
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
    let _ = capture(c).await;
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

/// A demo store of `tickets` tickets (deterministic from `seed`) at
/// `outpost.db` in `dir`; returns its path.
pub fn seeded_store(dir: &Path, tickets: usize, seed: u64) -> PathBuf {
    let path = dir.join("outpost.db");
    let mut store = outpost_client::Store::open(&path).unwrap();
    outpost_client::demo::seed(&mut store, outpost_client::demo::DemoSize { tickets, seed })
        .unwrap();
    path
}

/// A store at `outpost.db` in `dir`, signed in locally, with one High ticket
/// `title` assigned to the signed-in agent; returns its path and the store.
pub fn store_with_my_ticket(dir: &Path, title: &str) -> (PathBuf, outpost_client::Store) {
    let path = dir.join("outpost.db");
    let mut store = outpost_client::Store::open(&path).unwrap();
    let me = store.ensure_local_session().unwrap().agent.id;
    store
        .create_ticket(outpost_core::NewTicket {
            title: title.into(),
            description: String::new(),
            priority: outpost_core::Priority::High,
            category_id: None,
            assignee_id: Some(me),
            requester: "desk@example.com".into(),
            conversation_id: None,
        })
        .unwrap();
    (path, store)
}
