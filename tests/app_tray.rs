//! The real app's tray icon, read from the session bus the way a tray host
//! (GNOME Shell's AppIndicator extension, KDE, waybar...) reads it: the
//! StatusNotifierItem that libayatana-appindicator exports, its label (the
//! at-risk / overdue count) and its dbusmenu (the most urgent tickets, then
//! "Show Outpost" and "Quit"), then the Notifications settings in the real
//! window (keep in tray saved to the store).
//!
//! Needs dbus-daemon, dbus-send, Xvfb and tauri-driver (`cargo xtask test`).

mod common;

use chrono::{Duration as Dur, Utc};
use common::{Guard, display, eventually, launch_with_env};
use fantoccini::Locator;
use outpost_client::{FixedClock, Store, StoreOptions};
use outpost_core::{NewTicket, Priority};
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The object path libayatana-appindicator gives the tray icon "main".
const ITEM_PATH: &str = "/org/ayatana/NotificationItem/tray_icon_tray_app_main";

fn session_bus() -> (String, Guard) {
    let mut child = Command::new("dbus-daemon")
        .args(["--session", "--nofork", "--print-address=1"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("dbus-daemon must be installed");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    (line.trim().to_owned(), Guard(child))
}

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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "not yet run green in the merged tree (session 2); rerun before un-ignoring"]
async fn the_tray_lists_urgent_tickets_and_opens_them() {
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
    let (display, _xvfb) = display();
    let (bus, _bus) = session_bus();
    let app = launch_with_env(
        &store_path,
        &[("DBUS_SESSION_BUS_ADDRESS", &bus), ("DISPLAY", &display)],
    )
    .await;
    let c = &app.client;

    // Find the connection exporting the tray item, and its label.
    let deadline = Instant::now() + Duration::from_secs(30);
    let (dest, label) = loop {
        let found = connections(&bus).into_iter().find_map(|d| {
            let label = first_string(&item_property(&bus, &d, "XAyatanaLabel"))?;
            Some((d, label))
        });
        match found {
            Some((d, l)) if l == "1 overdue, 1 at risk" => break (d, l),
            other => {
                assert!(
                    Instant::now() < deadline,
                    "no tray item with the expected label on the bus: {other:?}"
                );
                tokio::time::sleep(Duration::from_millis(250)).await;
            }
        }
    };
    assert_eq!(label, "1 overdue, 1 at risk");
    let menu_out = item_property(&bus, &dest, "Menu");
    let menu_path = menu_out
        .lines()
        .find_map(|l| {
            let i = l.find("object path \"")?;
            l[i + 13..].strip_suffix('"').map(str::to_owned)
        })
        .unwrap_or_else(|| panic!("the item has a menu: {menu_out}"));
    let items = menu_items(&bus, &dest, &menu_path);
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

    // Not asserted yet: a dbusmenu "clicked" Event sent with dbus-send to a
    // ticket item did not open the ticket in this harness (issue 6 note), so
    // opening from the tray menu is still unverified here.

    // Settings > Notifications in the real window: keep in tray, saved.
    let click = |xpath: &'static str| async move {
        c.find(Locator::XPath(xpath))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
    };
    click("//nav//button[normalize-space()='Settings']").await;
    click("//nav[@aria-label='Settings sections']//button[normalize-space()='Notifications']")
        .await;
    eventually(c, 10, "the notification settings", || async {
        c.find(Locator::Css("#pref-keepInTray")).await.is_ok()
    })
    .await;
    click("//*[@id='pref-keepInTray']").await;
    click("//button[normalize-space()='Save']").await;
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
    // The whole virtual screen, as a person would see it.
    let shot = common::artifacts().join("settings-notifications-window.png");
    let status = Command::new("import")
        .args(["-display", &display, "-window", "root"])
        .arg(&shot)
        .status()
        .expect("ImageMagick import must be installed");
    assert!(status.success(), "import -window root failed");
    let _ = app.client.close().await;
    let saved = Store::open(&store_path)
        .unwrap()
        .notification_prefs()
        .unwrap();
    assert!(saved.keep_in_tray, "the setting is in the store");
    assert!(saved.my_tickets, "the others kept their values");
}
