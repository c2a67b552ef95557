//! The real app window, driven over WebDriver (tauri-driver 2.x +
//! WebKitWebDriver) under a virtual display: open the board on a real store,
//! search a ticket by number, change its status, see the history entry and
//! the SLA the engine computed, and find the change (history + outbox) in
//! the SQLite file.
//!
//! Needs `tauri-driver`, `WebKitWebDriver` and `Xvfb` (installed by
//! `cargo xtask test`). Screenshots go to `artifacts/`.

mod common;

use common::{artifacts, launch, seeded_store};
use fantoccini::Locator;
use outpost_client::Store;
use std::time::{Duration, Instant};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn board_search_edit_and_history_in_the_real_app() {
    let tmp = tempfile::tempdir().unwrap();
    let store_path = seeded_store(tmp.path(), 300, 7);

    let app = launch(&store_path).await;
    let c = app.client.clone();

    let result = async {
        let wait = || c.wait().at_most(Duration::from_secs(30));
        wait()
            .for_element(Locator::Css("[data-testid=ticket-card]"))
            .await?;
        common::capture(&c)
            .await
            .map(|png| std::fs::write(artifacts().join("app-board.png"), png))??;

        let search = c
            .find(Locator::Css("input[aria-label='Search tickets']"))
            .await?;
        search.send_keys("TKT-042").await?;
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            // A card found during a re-render goes stale: look again.
            let cards = c
                .find_all(Locator::Css("[data-testid=ticket-card]"))
                .await
                .unwrap_or_default();
            if cards.len() == 1
                && cards[0].text().await.is_ok_and(|t| t.contains("TKT-042"))
                && cards[0].click().await.is_ok()
            {
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
        common::capture(&c)
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
        common::capture(&c)
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
