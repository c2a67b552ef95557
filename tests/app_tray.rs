//! The real app's tray icon, read and used over the session bus the way a
//! tray host (GNOME Shell's AppIndicator extension, KDE, waybar...) does: the
//! StatusNotifierItem that libayatana-appindicator exports, its label (the
//! at-risk / overdue count) and its dbusmenu (the most urgent tickets, then
//! "Show Outpost" and "Quit"); clicking a ticket there (the dbusmenu `Event`
//! a host sends) opens it in the window. Then "keep in tray": with the
//! setting on, closing the window (WM_DELETE_WINDOW, what a window manager's
//! close button sends) only hides it, the process and the tray icon stay,
//! and "Show Outpost" brings it back; with the setting off, closing quits.
//!
//! Needs dbus-daemon, dbus-send, Xvfb, xdotool, xwininfo, ImageMagick's
//! import and tauri-driver (`cargo xtask test`).

mod common;

use chrono::{Duration as Dur, Utc};
use common::{
    app_window, click_fresh, eventually, launch_on, own_display, request_close, session_bus,
    store_with_my_ticket, viewable,
};
use fantoccini::{Client, Locator};
use outpost_client::{FixedClock, NotificationPrefs, Store, StoreOptions};
use outpost_core::{NewTicket, Priority};
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The object path libayatana-appindicator gives the tray icon "main".
const ITEM_PATH: &str = "/org/ayatana/NotificationItem/tray_icon_tray_app_main";

/// One app at a time (two WebKits starting at once on two cores is slow).
static SERIAL: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

fn dbus_send(bus: &str, args: &[&str]) -> String {
    let out = Command::new("dbus-send")
        .arg(format!("--bus={bus}"))
        .arg("--print-reply")
        // WebKit's helper processes do not answer: do not wait 25 s on each.
        .arg("--reply-timeout=2000")
        .args(args)
        .output()
        .expect("dbus-send must be installed");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Every unique connection name on the bus.
fn connections(bus: &str) -> Vec<String> {
    dbus_send(
        bus,
        &[
            "--dest=org.freedesktop.DBus",
            "/org/freedesktop/DBus",
            "org.freedesktop.DBus.ListNames",
        ],
    )
    .lines()
    .filter_map(|l| l.trim().strip_prefix("string \"")?.strip_suffix('"'))
    .filter(|n| n.starts_with(':'))
    .map(str::to_owned)
    .collect()
}

/// A property of the tray item on connection `dest`.
fn item_property(bus: &str, dest: &str, name: &str) -> String {
    dbus_send(
        bus,
        &[
            &format!("--dest={dest}"),
            ITEM_PATH,
            "org.freedesktop.DBus.Properties.Get",
            "string:org.kde.StatusNotifierItem",
            &format!("string:{name}"),
        ],
    )
}

/// The quoted string of the first `string "..."` in dbus-send output.
fn first_string(out: &str) -> Option<String> {
    out.lines().find_map(|l| {
        let i = l.find("string \"")?;
        l[i + 8..].strip_suffix('"').map(str::to_owned)
    })
}

/// The tray item on the bus: the connection exporting it and its label,
/// once the label is `want` (any label when `None`).
async fn tray_item(bus: &str, want: Option<&str>) -> (String, String) {
    let deadline = Instant::now() + Duration::from_secs(40);
    loop {
        let found = connections(bus).into_iter().find_map(|d| {
            let label = first_string(&item_property(bus, &d, "XAyatanaLabel"))?;
            Some((d, label))
        });
        match found {
            Some((d, l)) if want.is_none_or(|w| w == l) => return (d, l),
            other => {
                assert!(
                    Instant::now() < deadline,
                    "no tray item labelled {want:?} on the bus: {other:?}"
                );
                tokio::time::sleep(Duration::from_millis(250)).await;
            }
        }
    }
}

/// The object path of the item's dbusmenu.
fn menu_path(bus: &str, dest: &str) -> String {
    let out = item_property(bus, dest, "Menu");
    out.lines()
        .find_map(|l| {
            let i = l.find("object path \"")?;
            l[i + 13..].strip_suffix('"').map(str::to_owned)
        })
        .unwrap_or_else(|| panic!("the item has a menu: {out}"))
}

/// The menu as (item id, label) pairs, from the dbusmenu layout.
fn menu_items(bus: &str, dest: &str, menu_path: &str) -> Vec<(i32, String)> {
    let out = dbus_send(
        bus,
        &[
            &format!("--dest={dest}"),
            menu_path,
            "com.canonical.dbusmenu.GetLayout",
            "int32:0",
            "int32:-1",
            "array:string:",
        ],
    );
    let mut items = Vec::new();
    let mut last_id: Option<i32> = None;
    let mut after_label = false;
    for line in out.lines().map(str::trim) {
        if let Some(id) = line.strip_prefix("int32 ") {
            last_id = id.parse().ok();
        } else if line == "string \"label\"" {
            after_label = true;
        } else if after_label && let Some(i) = line.find("string \"") {
            after_label = false;
            if let (Some(id), Some(label)) = (last_id, line[i + 8..].strip_suffix('"')) {
                items.push((id, label.to_owned()));
            }
        }
    }
    items
}

/// Clicks the menu entry labelled `label`, as a tray host does: the
/// dbusmenu `Event(id, "clicked", data, timestamp)` call; the error when
/// it did not answer.
fn click_menu(bus: &str, dest: &str, label: &str) -> Result<(), String> {
    let path = menu_path(bus, dest);
    let items = menu_items(bus, dest, &path);
    let id = items
        .iter()
        .find(|(_, l)| l == label)
        .unwrap_or_else(|| panic!("no menu entry {label:?} in {items:?}"))
        .0;
    let out = Command::new("dbus-send")
        .arg(format!("--bus={bus}"))
        .arg("--print-reply")
        .arg("--reply-timeout=5000")
        .arg(format!("--dest={dest}"))
        .arg(&path)
        .arg("com.canonical.dbusmenu.Event")
        .arg(format!("int32:{id}"))
        .arg("string:clicked")
        .arg("variant:int32:0")
        .arg("uint32:0")
        .output()
        .expect("dbus-send must be installed");
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "dbusmenu Event on {label:?} (id {id}): {}",
            String::from_utf8_lossy(&out.stderr)
        ))
    }
}

/// The process id behind bus connection `dest`.
fn connection_pid(bus: &str, dest: &str) -> u32 {
    let out = dbus_send(
        bus,
        &[
            "--dest=org.freedesktop.DBus",
            "/org/freedesktop/DBus",
            "org.freedesktop.DBus.GetConnectionUnixProcessID",
            &format!("string:{dest}"),
        ],
    );
    out.lines()
        .find_map(|l| l.trim().strip_prefix("uint32 ")?.parse().ok())
        .unwrap_or_else(|| panic!("pid of {dest}: {out}"))
}

/// Whether process `pid` runs (exists and is not a zombie).
fn running(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|s| {
        // "pid (comm) S ...": the state follows the last ')'.
        s.rsplit_once(')')
            .and_then(|(_, rest)| rest.split_whitespace().next())
            .is_some_and(|state| state != "Z" && state != "X")
    })
}

/// Clicks the element at `xpath`.
async fn click(c: &Client, xpath: &str) {
    c.find(Locator::XPath(xpath))
        .await
        .unwrap_or_else(|e| panic!("{xpath}: {e}"))
        .click()
        .await
        .unwrap_or_else(|e| panic!("clicking {xpath}: {e}"));
}

/// Opens Settings > Notifications, sets "keep in tray" to `on`, saves.
async fn set_keep_in_tray(c: &Client, on: bool) {
    click(c, "//nav//button[normalize-space()='Settings']").await;
    click(
        c,
        "//nav[@aria-label='Settings sections']//button[normalize-space()='Notifications']",
    )
    .await;
    eventually(c, 10, "the notification settings", || async {
        c.find(Locator::Css("#pref-keepInTray")).await.is_ok()
    })
    .await;
    let checkbox = c.find(Locator::Css("#pref-keepInTray")).await.unwrap();
    if checkbox.is_selected().await.unwrap() != on {
        checkbox.click().await.unwrap();
    }
    click(c, "//button[normalize-space()='Save']").await;
    eventually(c, 10, "the settings are saved", || async {
        match c.find(Locator::Css(".saved-note")).await {
            Ok(n) => n
                .text()
                .await
                .is_ok_and(|t| t == "Notification settings saved."),
            Err(_) => false,
        }
    })
    .await;
}

/// The detail panel's text, or "" when no ticket is open.
async fn detail_text(c: &Client) -> String {
    match c.find(Locator::Css("[data-testid=detail-panel]")).await {
        Ok(panel) => panel.text().await.unwrap_or_default(),
        Err(_) => String::new(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_tray_lists_urgent_tickets_and_opens_them() {
    let _one = SERIAL.lock().await;
    let tmp = tempfile::tempdir().unwrap();
    let store_path = tmp.path().join("outpost.db");
    {
        // An Urgent ticket of mine at risk (20 of its 30 minutes gone) and
        // one overdue; a Low unassigned one that is not listed.
        let clock = Arc::new(FixedClock::new(Utc::now() - Dur::minutes(40)));
        let mut store =
            Store::open_with(&store_path, StoreOptions::with_clock(clock.clone())).unwrap();
        let me = store.ensure_local_session().unwrap().agent.id;
        let mut create = |title: &str, priority, assignee| {
            store
                .create_ticket(NewTicket {
                    title: title.into(),
                    description: String::new(),
                    priority,
                    category_id: None,
                    assignee_id: assignee,
                    requester: "it@example.com".into(),
                    conversation_id: None,
                })
                .unwrap();
        };
        create("Server room flooded", Priority::Urgent, Some(me));
        create("Unassigned and low", Priority::Low, None);
        clock.set(Utc::now() - Dur::minutes(20));
        create("Printer offline in Lyon", Priority::Urgent, Some(me));
    }
    let (display, _xvfb) = own_display();
    let (bus, _bus) = session_bus();
    let (app, _processes) =
        launch_on(&display, &store_path, &[("DBUS_SESSION_BUS_ADDRESS", &bus)]).await;
    let c = &app.client;

    let (dest, label) = tray_item(&bus, Some("1 overdue, 1 at risk")).await;
    assert_eq!(label, "1 overdue, 1 at risk");
    let items = menu_items(&bus, &dest, &menu_path(&bus, &dest));
    let labels: Vec<&str> = items.iter().map(|(_, l)| l.as_str()).collect();
    assert_eq!(
        labels,
        vec![
            "1 overdue, 1 at risk",
            "TKT-001 · overdue · Server room flooded",
            "TKT-003 · at risk · Printer offline in Lyon",
            "Show Outpost",
            "Quit"
        ],
        "{items:?}"
    );

    // Clicking a ticket in the menu opens it in the window.
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
    click_menu(&bus, &dest, "TKT-003 · at risk · Printer offline in Lyon").unwrap();
    eventually(c, 15, "the detail panel shows TKT-003", || async {
        let t = detail_text(c).await;
        t.contains("TKT-003") && t.contains("Printer offline in Lyon")
    })
    .await;
    click_menu(&bus, &dest, "TKT-001 · overdue · Server room flooded").unwrap();
    eventually(c, 15, "the detail panel shows TKT-001", || async {
        let t = detail_text(c).await;
        t.contains("TKT-001") && t.contains("Server room flooded")
    })
    .await;
    common::screen_shot(&display, "tray-opened-ticket");

    // Settings > Notifications in the real window: keep in tray, saved.
    set_keep_in_tray(c, true).await;
    common::screen_shot(&display, "settings-notifications-window");
    let saved = Store::open(&store_path)
        .unwrap()
        .notification_prefs()
        .unwrap();
    assert!(saved.keep_in_tray, "the setting is in the store");
    assert!(saved.my_tickets, "the others kept their values");

    // "Quit" in the tray menu ends the app.
    let pid = connection_pid(&bus, &dest);
    assert!(running(pid));
    // The app may be gone before its answer is on the bus.
    if let Err(e) = click_menu(&bus, &dest, "Quit") {
        assert!(e.contains("NoReply"), "{e}");
    }
    let deadline = Instant::now() + Duration::from_secs(15);
    while running(pid) {
        assert!(Instant::now() < deadline, "the app still runs after Quit");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // The app is gone: do not wait long on a session whose window is gone.
    let _ = tokio::time::timeout(Duration::from_secs(10), app.client.close()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn closing_the_window_keeps_the_app_in_the_tray_only_when_set() {
    let _one = SERIAL.lock().await;
    let tmp = tempfile::tempdir().unwrap();
    let (store_path, store) = store_with_my_ticket(tmp.path(), "Badge reader at the door");
    {
        let mut store = store;
        store
            .set_notification_prefs(&NotificationPrefs {
                keep_in_tray: true,
                ..NotificationPrefs::default()
            })
            .unwrap();
    }
    let (display, _xvfb) = own_display();
    let (bus, _bus) = session_bus();
    let (app, _processes) =
        launch_on(&display, &store_path, &[("DBUS_SESSION_BUS_ADDRESS", &bus)]).await;
    let c = &app.client;
    let (dest, label) = tray_item(&bus, None).await;
    assert_eq!(label, "No tickets at risk");
    let pid = connection_pid(&bus, &dest);
    eventually(c, 30, "the board", || async {
        c.find(Locator::Css("[data-testid=ticket-card]"))
            .await
            .is_ok()
    })
    .await;
    let win = app_window(&display);

    // Setting on: closing hides the window; the process and the icon stay.
    request_close(&display, win);
    let deadline = Instant::now() + Duration::from_secs(10);
    while viewable(&display, win) {
        assert!(Instant::now() < deadline, "the window is still shown");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert!(running(pid), "the app keeps running in the tray");
    assert!(!viewable(&display, win), "the window stays hidden");
    assert_eq!(
        first_string(&item_property(&bus, &dest, "XAyatanaLabel")).as_deref(),
        Some("No tickets at risk"),
        "the tray icon stays"
    );
    common::screen_shot(&display, "tray-window-hidden");

    // "Show Outpost" brings the same window back, still working.
    click_menu(&bus, &dest, "Show Outpost").unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    while !viewable(&display, win) {
        assert!(Instant::now() < deadline, "Show Outpost did not show it");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    click_fresh(c, "[data-testid=ticket-card]").await;
    eventually(c, 10, "the detail panel", || async {
        detail_text(c).await.contains("Badge reader at the door")
    })
    .await;
    common::screen_shot(&display, "tray-window-shown-again");

    // Setting off: closing the window quits the app.
    set_keep_in_tray(c, false).await;
    request_close(&display, win);
    let deadline = Instant::now() + Duration::from_secs(15);
    while running(pid) {
        assert!(
            Instant::now() < deadline,
            "the app still runs after its window was closed"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        !connections(&bus).contains(&dest),
        "the tray icon left the bus with the app"
    );
    // The app is gone: do not wait long on a session whose window is gone.
    let _ = tokio::time::timeout(Duration::from_secs(10), app.client.close()).await;
}
