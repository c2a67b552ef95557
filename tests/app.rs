//! The real app window, driven over WebDriver (tauri-driver 2.x +
//! WebKitWebDriver) under a virtual display: open the board on a real store,
//! search a ticket by number, change its status, see the history entry, and
//! find the change (history + outbox) in the SQLite file.
//!
//! Needs `tauri-driver`, `WebKitWebDriver` and `Xvfb` (installed by
//! `cargo xtask test`). Screenshots go to `artifacts/`.

use fantoccini::{ClientBuilder, Locator};
use outpost_client::{Store, demo};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Kills a child process when dropped, so a failing test leaves nothing behind.
struct Guard(Child);
impl Drop for Guard {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn artifacts() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("artifacts");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Starts Xvfb on a free display unless one is already set; returns the display.
fn display() -> (String, Option<Guard>) {
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

fn wait_port(port: u16) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            Instant::now() < deadline,
            "tauri-driver did not listen on {port}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn board_search_edit_and_history_in_the_real_app() {
    let tmp = tempfile::tempdir().unwrap();
    let store_path = tmp.path().join("outpost.db");
    {
        let mut store = Store::open(&store_path).unwrap();
        demo::seed(
            &mut store,
            demo::DemoSize {
                tickets: 300,
                seed: 7,
            },
        )
        .unwrap();
    }

    let (display, _xvfb) = display();
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
        .env("OUTPOST_STORE", &store_path)
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("tauri-driver must be installed (cargo xtask test installs it)");
    let _driver = Guard(driver);
    wait_port(port);

    let mut caps = serde_json::Map::new();
    caps.insert(
        "tauri:options".into(),
        serde_json::json!({ "application": env!("CARGO_BIN_EXE_outpost") }),
    );
    let c = ClientBuilder::native()
        .capabilities(caps)
        .connect(&format!("http://127.0.0.1:{port}"))
        .await
        .expect("WebDriver session with the app");

    let result = async {
        let wait = || c.wait().at_most(Duration::from_secs(30));
        wait()
            .for_element(Locator::Css("[data-testid=ticket-card]"))
            .await?;
        c.screenshot()
            .await
            .map(|png| std::fs::write(artifacts().join("app-board.png"), png))??;

        let search = c
            .find(Locator::Css("input[aria-label='Search tickets']"))
            .await?;
        search.send_keys("TKT-042").await?;
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            let cards = c
                .find_all(Locator::Css("[data-testid=ticket-card]"))
                .await?;
            if cards.len() == 1 && cards[0].text().await?.contains("TKT-042") {
                cards[0].click().await?;
                break;
            }
            assert!(
                Instant::now() < deadline,
                "searching TKT-042 should leave exactly that card"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }

        let status = wait()
            .for_element(Locator::Css("[data-testid=detail-panel] #f-status"))
            .await?;
        let before = status.prop("value").await?.unwrap_or_default();
        let target = if before == "waiting" {
            "in_progress"
        } else {
            "waiting"
        };
        status.select_by_value(target).await?;
        c.find(Locator::Css("#tab-history")).await?.click().await?;
        let entry = wait()
            .for_element(Locator::Css(".history-item[data-field=status]"))
            .await?;
        let text = entry.text().await?;
        let label = if target == "waiting" {
            "Waiting"
        } else {
            "In Progress"
        };
        assert!(
            text.contains(label),
            "the newest history entry shows the new status {label}: {text:?}"
        );
        c.screenshot()
            .await
            .map(|png| std::fs::write(artifacts().join("app-history.png"), png))??;

        // The Details tab shows the SLA the store computed (get_ticket_sla).
        c.find(Locator::Css("#tab-details")).await?.click().await?;
        let resolution = wait()
            .for_element(Locator::Css(
                "[data-testid=sla-section] [data-testid=sla-target-resolution]",
            ))
            .await?;
        let shown_state = resolution.attr("data-state").await?.unwrap_or_default();
        c.screenshot()
            .await
            .map(|png| std::fs::write(artifacts().join("app-details.png"), png))??;
        Ok::<_, Box<dyn std::error::Error>>((target, shown_state))
    }
    .await;
    let _ = c.close().await;
    let (target, shown_state) = result.expect("the app flow should succeed");

    let store = Store::open(&store_path).unwrap();
    let id = store
        .ticket_id_by_number(outpost_core::TicketNumber(42))
        .unwrap();
    let detail = store.ticket_detail(id).unwrap();
    assert_eq!(
        detail.card.ticket.status.code(),
        target,
        "the status change reached the SQLite file"
    );
    let history = store.history(id).unwrap();
    assert_eq!(
        history[0].field,
        outpost_core::HistoryField::Status,
        "newest history entry is the status change"
    );
    assert_eq!(history[0].new_value.as_deref(), Some(target));
    let sla = store
        .ticket_sla(id)
        .unwrap()
        .expect("demo tickets have an SLA policy");
    let resolution = sla.resolution.expect("a resolution target");
    assert_eq!(
        serde_json::to_value(resolution.state).unwrap(),
        serde_json::Value::String(shown_state.clone()),
        "the Details tab shows the resolution state the engine computes ({shown_state})"
    );
}
