//! A real notification from the real app: a private D-Bus session with the
//! dunst notification daemon under its own Xvfb, a store with an Urgent
//! ticket assigned to the signed-in agent that becomes at risk a few seconds
//! after launch; dunst must receive exactly one notification, not early and
//! at most a few seconds late, with the expected text; invoking its default
//! action (`dunstctl action 0`, as a click does) while the window is closed
//! to the tray brings the window back with that ticket open in the detail
//! panel. Without any D-Bus session the app still runs and says once that
//! notifications are unavailable.
//!
//! Needs `dbus-daemon`, `dunst`/`dunstctl`, `Xvfb`, `tauri-driver` and
//! ImageMagick's `import` (all installed by `cargo xtask test`).

mod common;

use chrono::{Duration as Dur, Utc};
use common::{
    Guard, app_window, click_fresh, eventually, launch_on, own_display, request_close, session_bus,
    store_with_my_ticket, viewable,
};
use fantoccini::{Client, Locator};
use outpost_client::{FixedClock, NotificationPrefs, Store, StoreOptions};
use outpost_core::{NewTicket, Priority};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// One app at a time: the timing check below should not share the two
/// cores with a second WebKit starting up.
static SERIAL: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

fn dunstctl(bus: &str, display: &str, args: &[&str]) -> String {
    let out = Command::new("dunstctl")
        .args(args)
        .env("DBUS_SESSION_BUS_ADDRESS", bus)
        .env("DISPLAY", display)
        .output()
        .expect("dunstctl must be installed");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// (appname, summary, body) of every notification in dunst's history.
fn history(bus: &str, display: &str) -> Vec<(String, String, String)> {
    let out = dunstctl(bus, display, &["history"]);
    let v: serde_json::Value =
        serde_json::from_str(&out).unwrap_or_else(|e| panic!("dunstctl history: {e}: {out}"));
    let field = |n: &serde_json::Value, k: &str| n[k]["data"].as_str().unwrap_or("").to_owned();
    v["data"][0]
        .as_array()
        .unwrap_or_else(|| panic!("dunstctl history: {out}"))
        .iter()
        .map(|n| (field(n, "appname"), field(n, "summary"), field(n, "body")))
        .collect()
}

/// The detail panel's text, or "" when no ticket is open.
async fn detail_text(c: &Client) -> String {
    match c.find(Locator::Css("[data-testid=detail-panel]")).await {
        Ok(panel) => panel.text().await.unwrap_or_default(),
        Err(_) => String::new(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn at_risk_notification_reaches_the_notification_daemon_once() {
    let _one = SERIAL.lock().await;
    let tmp = tempfile::tempdir().unwrap();
    let store_path = tmp.path().join("outpost.db");
    // The Urgent policy gives 30 min to a first response on 24/7 and warns
    // at 15 min left: create the ticket 14 min 40 s ago, so it becomes at
    // risk 20 s from now (time for the app to start on a loaded machine).
    let created = Utc::now() - Dur::minutes(15) + Dur::seconds(20);
    let at_risk_at = created + Dur::minutes(15);
    {
        let clock = Arc::new(FixedClock::new(created));
        let mut store = Store::open_with(&store_path, StoreOptions::with_clock(clock)).unwrap();
        let me = store.ensure_local_session().unwrap().agent.id;
        store
            .create_ticket(NewTicket {
                title: "Printer offline in Lyon".into(),
                description: String::new(),
                priority: Priority::Urgent,
                category_id: None,
                assignee_id: Some(me),
                requester: "lyon@example.com".into(),
                conversation_id: None,
            })
            .unwrap();
        // Closing the window keeps the app in the tray (checked below: the
        // click brings the window back).
        store
            .set_notification_prefs(&NotificationPrefs {
                keep_in_tray: true,
                ..NotificationPrefs::default()
            })
            .unwrap();
        // Another ticket of mine, on track for hours: never notified.
        store
            .create_ticket(NewTicket {
                title: "New laptop for Ana".into(),
                description: String::new(),
                priority: Priority::Low,
                category_id: None,
                assignee_id: Some(me),
                requester: "ana@example.com".into(),
                conversation_id: None,
            })
            .unwrap();
    }

    let (display, _xvfb) = own_display();
    let (bus, _bus) = session_bus();
    let _dunst = Guard(
        Command::new("dunst")
            .env("DBUS_SESSION_BUS_ADDRESS", &bus)
            .env("DISPLAY", &display)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("dunst must be installed"),
    );
    let deadline = Instant::now() + Duration::from_secs(10);
    while dunstctl(&bus, &display, &["count", "displayed"])
        .trim()
        .is_empty()
    {
        assert!(
            Instant::now() < deadline,
            "dunst did not come up on the session bus"
        );
        std::thread::sleep(Duration::from_millis(100));
    }

    let (app, _processes) =
        launch_on(&display, &store_path, &[("DBUS_SESSION_BUS_ADDRESS", &bus)]).await;
    let c = &app.client;
    let count = |what: &str| {
        dunstctl(&bus, &display, &["count", what])
            .trim()
            .parse::<u32>()
            .unwrap_or(0)
    };
    let deadline = Instant::now() + Duration::from_secs(60);
    while count("displayed") + count("history") + count("waiting") == 0 {
        assert!(
            Instant::now() < deadline,
            "no notification reached dunst within 60 s"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let arrived = Utc::now();
    assert!(
        arrived >= at_risk_at,
        "notified {} before the at-risk instant",
        at_risk_at - arrived
    );
    let late = arrived - at_risk_at;
    eprintln!(
        "notification reached dunst {} ms after the at-risk instant",
        late.num_milliseconds()
    );
    // Let a duplicate (if any) arrive before counting.
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(
        (count("displayed"), count("waiting"), count("history")),
        (1, 0, 0),
        "exactly one notification, on screen (Urgent ones stay)"
    );
    common::screen_shot(&display, "notification-on-screen");

    // Clicking it (its default action) opens the ticket in the app.
    eventually(c, 30, "the board", || async {
        c.find(Locator::Css("[data-testid=ticket-card]"))
            .await
            .is_ok()
    })
    .await;
    assert_eq!(
        detail_text(c).await,
        "",
        "no ticket is open before the click"
    );
    // The agent closed the window; the app waits in the tray.
    let win = app_window(&display);
    request_close(&display, win);
    let deadline = Instant::now() + Duration::from_secs(10);
    while viewable(&display, win) {
        assert!(Instant::now() < deadline, "the window is still shown");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    dunstctl(&bus, &display, &["action", "0"]);
    let deadline = Instant::now() + Duration::from_secs(15);
    while !viewable(&display, win) {
        assert!(
            Instant::now() < deadline,
            "the click did not bring the window back"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    eventually(
        c,
        15,
        "the detail panel shows the notified ticket",
        || async { detail_text(c).await.contains("Printer offline in Lyon") },
    )
    .await;
    let panel = detail_text(c).await;
    assert!(
        panel.contains("TKT-001"),
        "the panel shows TKT-001: {panel}"
    );
    // The window as painted (the DOM can be ahead of the screen).
    tokio::time::sleep(Duration::from_secs(1)).await;
    common::screen_shot(&display, "notification-opened-ticket");
    let _ = app.client.close().await;
    // Urgent notifications stay on screen (`dunstctl action` does not close
    // them, a mouse click does); closing moves them to history, to read.
    dunstctl(&bus, &display, &["close-all"]);
    assert_eq!(
        history(&bus, &display),
        vec![(
            "Outpost".to_owned(),
            "Ticket at risk".to_owned(),
            "TKT-001 at risk: first response due in 15 min — Printer offline in Lyon".to_owned()
        )],
        "exactly the expected notification"
    );
    assert!(
        late < Dur::seconds(5),
        "the notification came {late} after the at-risk instant"
    );
}

/// No D-Bus session at all (its address points nowhere, so nothing can
/// start one either): the app starts, shows the board, and shows once that
/// desktop notifications are unavailable, with the reason.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_notification_service_is_shown_once_and_is_not_fatal() {
    let _one = SERIAL.lock().await;
    let tmp = tempfile::tempdir().unwrap();
    let (store_path, store) = store_with_my_ticket(tmp.path(), "Badge reader at the door");
    drop(store);
    let (display, _xvfb) = own_display();
    let (app, _processes) = launch_on(
        &display,
        &store_path,
        &[(
            "DBUS_SESSION_BUS_ADDRESS",
            "unix:path=/nonexistent/outpost-test-bus",
        )],
    )
    .await;
    let c = &app.client;
    let notice = "[data-testid=notifications-unavailable]";
    eventually(
        c,
        30,
        "the notice about unavailable notifications",
        || async {
            match c.find(Locator::Css(notice)).await {
                Ok(n) => n
                    .text()
                    .await
                    .map(|t| t.starts_with("Desktop notifications are unavailable:"))
                    .unwrap_or(false),
                Err(_) => false,
            }
        },
    )
    .await;
    // The board works beside it.
    eventually(c, 30, "the board with the ticket", || async {
        match c.find(Locator::Css("[data-testid=ticket-card]")).await {
            // The title's clamped box is left out of WebKit's rendered
            // text: read the text content.
            Ok(card) => card
                .prop("textContent")
                .await
                .is_ok_and(|t| t.is_some_and(|t| t.contains("Badge reader at the door"))),
            Err(_) => false,
        }
    })
    .await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    common::screen_shot(&display, "notifications-unavailable-app");
    let text = c
        .find(Locator::Css(notice))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        text.contains("SLA alerts still show on the board."),
        "the notice says what still works: {text}"
    );
    assert_eq!(
        c.find_all(Locator::Css(notice)).await.unwrap().len(),
        1,
        "shown once"
    );
    c.find(Locator::XPath(
        "//*[@data-testid='notifications-unavailable']//button[normalize-space()='Dismiss']",
    ))
    .await
    .unwrap()
    .click()
    .await
    .unwrap();
    eventually(c, 5, "the notice is dismissed", || async {
        c.find(Locator::Css(notice)).await.is_err()
    })
    .await;
    // Opening the ticket still works, and the notice stays away.
    click_fresh(c, "[data-testid=ticket-card]").await;
    eventually(c, 10, "the detail panel", || async {
        detail_text(c).await.contains("Badge reader at the door")
    })
    .await;
    assert!(
        c.find(Locator::Css(notice)).await.is_err(),
        "the notice does not come back"
    );
    let _ = app.client.close().await;
}
