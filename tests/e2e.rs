//! End to end on the real parts: two real app windows (tauri-driver +
//! WebKitWebDriver under Xvfb), each on its own SQLite store, and a real
//! server (SQLite file) that is stopped and restarted in the middle.
//!
//! A customer's conversation arrives through the server's API; agent 1
//! (admin) signs in, creates a ticket from it in the Inbox (prefilled from the
//! thread, linked on the server), edits a ticket, comments with an @mention, makes
//! a bulk change and exports CSV through the native save dialog (typed into
//! the GTK dialog with xdotool, the file is checked). Then the server goes
//! down: agent 1 keeps working offline, the server comes back, everything
//! syncs. Agent 2 signs in on a second app instance and sees all of it; the
//! server holds each comment exactly once.
//!
//! Needs `tauri-driver`, `WebKitWebDriver`, `Xvfb` and `xdotool`
//! (`cargo xtask test` installs them). Screenshots of the board, the detail
//! tabs, the Inbox, Settings, the offline state and the second device go to
//! `artifacts/e2e-*.png` (kept by CI as the `screenshots` artifact).

mod common;

use common::{
    dismiss_notifications_notice, dom_text, eventually, go_to, launch,
    screenshot_settled as screenshot, sign_in, sync_text,
};
use fantoccini::{Client, Locator};
use outpost_core::Role;
use outpost_server::auth::HashCost;
use outpost_server::{AppState, Config, setup};
use serde_json::{Value, json};
use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;

const PASSWORD: &str = "correct horse battery";

/// The real server on its own runtime: stopping it drops the runtime, which
/// closes every connection (SSE included), as a crash or a network loss would.
struct Server {
    addr: SocketAddr,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Server {
    fn start(db_url: &str, addr: SocketAddr) -> Server {
        let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
        let (addr_tx, addr_rx) = std::sync::mpsc::channel();
        let url = db_url.to_owned();
        let thread = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(1)
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async move {
                let store = outpost_server::Store::open(&url).await.unwrap();
                // The port of a stopped server may take a moment to free up.
                let mut tries = 0;
                let listener = loop {
                    match tokio::net::TcpListener::bind(addr).await {
                        Ok(l) => break l,
                        Err(e) if tries < 50 => {
                            tries += 1;
                            eprintln!("rebinding {addr}: {e}");
                            tokio::time::sleep(Duration::from_millis(100)).await;
                        }
                        Err(e) => panic!("binding {addr}: {e}"),
                    }
                };
                addr_tx.send(listener.local_addr().unwrap()).unwrap();
                let config = Config {
                    hash_cost: HashCost::Fast,
                    ..Config::default()
                };
                tokio::select! {
                    r = outpost_server::serve(listener, AppState::new(store, config), std::future::pending::<()>()) => {
                        r.unwrap();
                    }
                    _ = stop_rx => {}
                }
            });
            rt.shutdown_background();
        });
        let addr = addr_rx
            .recv_timeout(Duration::from_secs(30))
            .expect("the server starts");
        Server {
            addr,
            stop: Some(stop_tx),
            thread: Some(thread),
        }
    }

    fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    fn stop(&mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        if let Some(t) = self.thread.take() {
            t.join().unwrap();
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop();
    }
}

async fn login(http: &reqwest::Client, url: &str, email: &str) -> String {
    let v: Value = http
        .post(format!("{url}/api/v1/auth/login"))
        .json(&json!({ "email": email, "password": PASSWORD }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    v["token"].as_str().expect("a token").to_owned()
}

/// Waits until the board shows exactly the cards whose titles contain `text`
/// (searching for it) and returns how many there are.
async fn search(c: &Client, text: &str, expect: usize) {
    let field = c
        .wait()
        .at_most(Duration::from_secs(30))
        .for_element(Locator::Css("input[aria-label='Search tickets']"))
        .await
        .unwrap();
    // Focus can move while typing (closing the detail panel hands it back
    // to the card): type until the field holds exactly `text`.
    let mut typed = false;
    for _ in 0..5 {
        field.click().await.unwrap();
        field.clear().await.unwrap();
        field.send_keys(text).await.unwrap();
        tokio::time::sleep(Duration::from_millis(100)).await;
        if field.prop("value").await.ok().flatten().as_deref() == Some(text) {
            typed = true;
            break;
        }
    }
    assert!(typed, "could not type {text:?} into the search field");
    eventually(
        c,
        20,
        &format!("{expect} cards matching {text:?}"),
        || async {
            let cards = c
                .find_all(Locator::Css("[data-testid=ticket-card]"))
                .await
                .unwrap_or_default();
            if cards.len() != expect {
                return false;
            }
            for card in cards {
                if !dom_text(&card).await.contains(text) {
                    return false;
                }
            }
            true
        },
    )
    .await;
}

/// Closes the detail panel with Escape and waits until it is gone and focus
/// has gone back to the board.
async fn close_panel(c: &Client) {
    c.find(Locator::Css("body"))
        .await
        .unwrap()
        .send_keys("\u{e00c}")
        .await
        .unwrap();
    eventually(c, 10, "the detail panel closes", || async {
        c.find(Locator::Css("[data-testid=detail-panel]"))
            .await
            .is_err()
    })
    .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
}

/// Opens the single card the current search shows.
async fn open_only_card(c: &Client) {
    c.find(Locator::Css("[data-testid=ticket-card]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    c.wait()
        .at_most(Duration::from_secs(20))
        .for_element(Locator::Css("[data-testid=detail-panel] #f-status"))
        .await
        .unwrap();
}

async fn set_status(c: &Client, status: &str) {
    c.find(Locator::Css("[data-testid=detail-panel] #f-status"))
        .await
        .unwrap()
        .select_by_value(status)
        .await
        .unwrap();
    eventually(c, 10, &format!("status {status} saved"), || async {
        match c
            .find(Locator::Css("[data-testid=detail-panel] #f-status"))
            .await
        {
            Ok(e) => e.prop("value").await.ok().flatten().as_deref() == Some(status),
            Err(_) => false,
        }
    })
    .await;
}

/// Writes `body` in the Comments tab; `mention` picks that teammate from the
/// @-autocomplete after the text.
async fn comment(c: &Client, body: &str, mention: Option<&str>) {
    c.find(Locator::Css("#tab-comments"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let area = c
        .wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::Css("#comment-body"))
        .await
        .unwrap();
    area.send_keys(body).await.unwrap();
    if let Some(name) = mention {
        area.send_keys(&format!(" @{}", &name[..2])).await.unwrap();
        let option = c
            .wait()
            .at_most(Duration::from_secs(10))
            .for_element(Locator::XPath(&format!(
                "//ul[@aria-label='Mention a teammate']/li[@role='option'][contains(., '{name}')]"
            )))
            .await
            .unwrap();
        option.click().await.unwrap();
        area.send_keys("please check").await.unwrap();
    }
    c.find(Locator::XPath(
        "//form[contains(@class,'composer')]//button[@type='submit']",
    ))
    .await
    .unwrap()
    .click()
    .await
    .unwrap();
    eventually(
        c,
        10,
        &format!("the comment {body:?} is listed"),
        || async {
            match c.find(Locator::Css("ol.comment-list")).await {
                Ok(l) => dom_text(&l).await.contains(body),
                Err(_) => false,
            }
        },
    )
    .await;
}

/// Types `path` into the native GTK save dialog and confirms it.
fn answer_save_dialog(display: &str, path: &Path) {
    let xdotool = |args: &[&str]| {
        std::process::Command::new("xdotool")
            .args(args)
            .env("DISPLAY", display)
            .output()
            .expect("xdotool must be installed (cargo xtask test installs it)")
    };
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    let window = loop {
        let out = xdotool(&["search", "--name", "Save"]);
        let found = String::from_utf8_lossy(&out.stdout)
            .lines()
            .last()
            .map(str::to_owned);
        if let Some(w) = found {
            break w;
        }
        if std::time::Instant::now() >= deadline {
            let ids = xdotool(&["search", "--name", "."]);
            let names: Vec<String> = String::from_utf8_lossy(&ids.stdout)
                .lines()
                .map(|id| {
                    let n = xdotool(&["getwindowname", id]);
                    format!("{id}: {}", String::from_utf8_lossy(&n.stdout).trim())
                })
                .collect();
            panic!("no save dialog appeared; windows: {names:?}");
        }
        std::thread::sleep(Duration::from_millis(200));
    };
    std::thread::sleep(Duration::from_millis(500));
    xdotool(&["windowfocus", "--sync", &window]);
    // The file name field has focus with the proposed name selected; an
    // absolute path replaces it.
    xdotool(&["key", "--clearmodifiers", "ctrl+a"]);
    xdotool(&["type", "--delay", "20", path.to_str().unwrap()]);
    xdotool(&["key", "Return"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_agents_offline_and_back_through_the_real_server() {
    let tmp = tempfile::tempdir().unwrap();
    let db_url = format!("sqlite://{}", tmp.path().join("server.db").display());
    {
        let store = outpost_server::Store::open(&db_url).await.unwrap();
        setup::create_workspace(
            &store,
            "Acme",
            "UTC",
            "admin@acme.test",
            PASSWORD,
            HashCost::Fast,
        )
        .await
        .unwrap();
        setup::add_agent(
            &store,
            "Acme",
            "ana@acme.test",
            "Ana Lima",
            PASSWORD,
            Role::Agent,
            HashCost::Fast,
        )
        .await
        .unwrap();
    }
    let mut server = Server::start(&db_url, "127.0.0.1:0".parse().unwrap());
    let url = server.url();
    let http = reqwest::Client::new();

    // Tickets arriving from another agent through the API.
    let ana = login(&http, &url, "ana@acme.test").await;
    let mut numbers = Vec::new();
    for i in 1..=5 {
        let t: Value = http
            .post(format!("{url}/api/v1/tickets"))
            .bearer_auth(&ana)
            .json(&json!({ "title": format!("E2E printer {i} jams"), "priority": "normal" }))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        numbers.push(t["number"].as_u64().expect("numbered by the server"));
    }

    // A customer writes in through the email gateway (the server's API).
    let thread: Value = http
        .post(format!("{url}/api/v1/conversations"))
        .bearer_auth(&ana)
        .json(&json!({
            "channel": "email",
            "customerName": "Dana Cruz",
            "customerContact": "dana@customer.test",
            "subject": "E2E scanner offline on floor 3",
            "body": "The scanner on floor 3 shows offline since this morning.",
        }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let conversation_id = thread["conversation"]["id"]
        .as_str()
        .expect("the server opens the conversation")
        .to_owned();

    // Agent 1 on their own device.
    std::fs::create_dir_all(tmp.path().join("one")).unwrap();
    let one = launch(&tmp.path().join("one/device.db")).await;
    let c = one.client.clone();
    let display_one = one.display.clone();
    sign_in(&c, &url, "admin@acme.test", PASSWORD).await;
    dismiss_notifications_notice(&c).await;
    screenshot(&c, "e2e-settings").await;

    // Create a ticket from the conversation in the Inbox.
    go_to(&c, "Inbox").await;
    let row = c
        .wait()
        .at_most(Duration::from_secs(30))
        .for_element(Locator::XPath(
            "//button[@data-testid='conv-row'][contains(., 'E2E scanner offline')]",
        ))
        .await
        .expect("the conversation synced to the Inbox");
    row.click().await.unwrap();
    let create = c
        .wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::XPath(
            "//div[@class='thread-actions']/button[.='Create ticket']",
        ))
        .await
        .unwrap();
    eventually(
        &c,
        10,
        "the thread shows the customer's message",
        || async {
            match c.find(Locator::Css("ol.messages")).await {
                Ok(l) => dom_text(&l)
                    .await
                    .contains("shows offline since this morning"),
                Err(_) => false,
            }
        },
    )
    .await;
    screenshot(&c, "e2e-inbox").await;
    create.click().await.unwrap();
    let title = c
        .wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::Css(
            "[role=dialog][aria-labelledby=escalate-title] form input",
        ))
        .await
        .unwrap();
    eventually(
        &c,
        10,
        "the ticket is prefilled from the thread",
        || async {
            title.prop("value").await.ok().flatten().as_deref()
                == Some("E2E scanner offline on floor 3")
        },
    )
    .await;
    c.find(Locator::Css(
        "[role=dialog][aria-labelledby=escalate-title] button[type=submit]",
    ))
    .await
    .unwrap()
    .click()
    .await
    .unwrap();
    eventually(&c, 20, "the new ticket opens on the board", || async {
        match c.find(Locator::Css("#panel-title")).await {
            Ok(h) => h
                .prop("textContent")
                .await
                .ok()
                .flatten()
                .is_some_and(|t| t.contains("E2E scanner offline on floor 3")),
            Err(_) => false,
        }
    })
    .await;
    close_panel(&c).await;

    go_to(&c, "Tickets").await;
    search(&c, "E2E printer", 5).await;
    screenshot(&c, "e2e-board").await;

    // Edit, then comment with an @mention.
    search(&c, "E2E printer 1 ", 1).await;
    open_only_card(&c).await;
    set_status(&c, "in_progress").await;
    comment(&c, "Replaced the fuser.", Some("Ana Lima")).await;
    screenshot(&c, "e2e-detail-comments").await;
    for tab in ["details", "history", "ai"] {
        c.find(Locator::Css(&format!("#tab-{tab}")))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        c.wait()
            .at_most(Duration::from_secs(10))
            .for_element(Locator::Css(&format!("#tabpanel-{tab}:not([hidden])")))
            .await
            .unwrap_or_else(|e| panic!("the {tab} tab shows: {e}"));
        if tab == "history" {
            eventually(&c, 10, "the history quotes the comment", || async {
                match c.find(Locator::Css(".history-quote")).await {
                    Ok(q) => dom_text(&q).await.contains("Replaced the fuser."),
                    Err(_) => false,
                }
            })
            .await;
        }
        // Let the tab's data arrive before the picture.
        tokio::time::sleep(Duration::from_millis(700)).await;
        screenshot(&c, &format!("e2e-detail-{tab}")).await;
    }
    close_panel(&c).await;

    // Bulk change: all five to Urgent.
    search(&c, "E2E printer", 5).await;
    c.find(Locator::XPath("//button[contains(., 'Select')]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    c.wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::XPath(
            "//button[contains(., 'Select all') and contains(., 'matching')]",
        ))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    c.find(Locator::Css("select[aria-label='Change priority']"))
        .await
        .unwrap()
        .select_by_value("urgent")
        .await
        .unwrap();
    eventually(&c, 15, "five Urgent cards", || async {
        let cards = c
            .find_all(Locator::Css("[data-testid=ticket-card]"))
            .await
            .unwrap_or_default();
        let mut urgent = 0;
        for card in &cards {
            if dom_text(card).await.contains("Urgent") {
                urgent += 1;
            }
        }
        urgent == 5
    })
    .await;

    // Export the selection as CSV through the native save dialog (a bulk
    // change clears the selection: select the five again).
    c.find(Locator::XPath(
        "//button[contains(., 'Select all') and contains(., 'matching')]",
    ))
    .await
    .unwrap()
    .click()
    .await
    .unwrap();
    eventually(&c, 10, "all five selected", || async {
        match c.find(Locator::Css(".bulk-count")).await {
            Ok(e) => dom_text(&e).await.contains("All 5 matching selected"),
            Err(_) => false,
        }
    })
    .await;
    let csv_path = tmp.path().join("export/e2e.csv");
    std::fs::create_dir_all(csv_path.parent().unwrap()).unwrap();
    c.find(Locator::XPath("//button[contains(., 'Export CSV')]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    {
        let display = display_one.clone();
        let path = csv_path.clone();
        let answered =
            tokio::task::spawn_blocking(move || answer_save_dialog(&display, &path)).await;
        if let Err(e) = answered {
            common::screenshot(&c, "e2e-export-failure").await;
            let body = c.find(Locator::Css("body")).await.unwrap();
            panic!("the save dialog: {e}; page: {}", dom_text(&body).await);
        }
    }
    eventually(&c, 20, "the CSV file is written", || async {
        std::fs::read_to_string(&csv_path)
            .map(|s| s.lines().count() == 6)
            .unwrap_or(false)
    })
    .await;
    let csv = std::fs::read_to_string(&csv_path).unwrap();
    for n in &numbers {
        let label = format!("TKT-{n:03}");
        assert!(csv.contains(&label), "the CSV lists {label}: {csv}");
    }
    assert_eq!(
        csv.matches("urgent").count() + csv.matches("Urgent").count(),
        5,
        "{csv}"
    );
    c.find(Locator::XPath("//button[contains(., 'Done selecting')]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();

    eventually(&c, 20, "everything pushed", || async {
        let t = sync_text(&c).await;
        t.contains("Online") && !t.contains("pending")
    })
    .await;

    // The server goes away; agent 1 keeps working.
    server.stop();
    search(&c, "E2E printer 2 ", 1).await;
    open_only_card(&c).await;
    set_status(&c, "waiting").await;
    comment(
        &c,
        "Waiting for the toner delivery (written offline).",
        None,
    )
    .await;
    eventually(
        &c,
        30,
        "the app says it is offline with pending changes",
        || async {
            let t = sync_text(&c).await;
            t.contains("Offline") && t.contains("pending")
        },
    )
    .await;
    screenshot(&c, "e2e-offline").await;

    // The server comes back on the same address and database.
    let restarted = Server::start(&db_url, server.addr);
    assert_eq!(
        restarted.url(),
        url,
        "the server is back on the same address"
    );
    eventually(&c, 60, "back online with nothing pending", || async {
        let t = sync_text(&c).await;
        t.contains("Online") && !t.contains("pending")
    })
    .await;

    // Agent 2 on a second device sees all of it.
    std::fs::create_dir_all(tmp.path().join("two")).unwrap();
    let two = launch(&tmp.path().join("two/device.db")).await;
    let c2 = two.client.clone();
    sign_in(&c2, &url, "ana@acme.test", PASSWORD).await;
    dismiss_notifications_notice(&c2).await;
    go_to(&c2, "Tickets").await;
    search(&c2, "E2E printer 2 ", 1).await;
    open_only_card(&c2).await;
    let status = c2
        .find(Locator::Css("[data-testid=detail-panel] #f-status"))
        .await
        .unwrap()
        .prop("value")
        .await
        .unwrap();
    assert_eq!(
        status.as_deref(),
        Some("waiting"),
        "the offline edit synced"
    );
    c2.find(Locator::Css("#tab-comments"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    eventually(
        &c2,
        15,
        "the offline comment on the second device",
        || async {
            match c2.find(Locator::Css("ol.comment-list")).await {
                Ok(l) => dom_text(&l).await.contains("toner delivery"),
                Err(_) => false,
            }
        },
    )
    .await;
    screenshot(&c2, "e2e-second-device").await;
    close_panel(&c2).await;
    // The ticket agent 1 made from the conversation is there too.
    search(&c2, "E2E scanner offline", 1).await;
    let _ = c2.close().await;
    let _ = c.close().await;

    // The server holds every comment exactly once and the bulk change.
    let token = login(&http, &url, "admin@acme.test").await;
    let comments_of = |n: u64| {
        let http = http.clone();
        let token = token.clone();
        let url = url.clone();
        async move {
            let v: Value = http
                .get(format!("{url}/api/v1/tickets/{n}/comments"))
                .bearer_auth(&token)
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            v
        }
    };
    let first = comments_of(numbers[0]).await.to_string();
    assert_eq!(first.matches("Replaced the fuser.").count(), 1, "{first}");
    let second = comments_of(numbers[1]).await.to_string();
    assert_eq!(second.matches("toner delivery").count(), 1, "{second}");
    // The conversation is linked to the ticket made from it, on the server.
    let thread: Value = http
        .get(format!("{url}/api/v1/conversations/{conversation_id}"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let ticket_id = thread["conversation"]["ticketId"]
        .as_str()
        .unwrap_or_else(|| panic!("the conversation has its ticket: {thread}"))
        .to_owned();
    let escalated: Value = http
        .get(format!("{url}/api/v1/tickets?q=scanner"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(
        escalated.to_string().contains(&ticket_id)
            && escalated
                .to_string()
                .contains("E2E scanner offline on floor 3"),
        "the server has the ticket made from the conversation: {escalated}"
    );
    for n in &numbers {
        let t: Value = http
            .get(format!("{url}/api/v1/tickets/{n}"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(t["priority"], "urgent", "{n} after the bulk change: {t}");
    }
}
