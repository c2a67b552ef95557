//! Selection mode, a bulk status change and its undo in the real app window
//! (tauri-driver + WebKitWebDriver under Xvfb) on a real store: shift-click a
//! range of three Open tickets, set them to Waiting from the bulk bar, check
//! the SQLite file, undo from the toast, check the file again.

mod common;

use common::{eventually, launch, screenshot, seeded_store};
use fantoccini::{Client, Locator};
use outpost_client::Store;
use outpost_core::{HistoryField, Status, TicketNumber};
use std::path::Path;

/// The ticket number a card shows (`TKT-042` -> 42).
fn card_number(text: &str) -> Option<u64> {
    let rest = &text[text.find("TKT-")? + 4..];
    let digits: String = rest.chars().take_while(|c| c.is_ascii_digit()).collect();
    digits.parse().ok()
}

fn status_of(store_path: &Path, n: u64) -> Status {
    let store = Store::open(store_path).unwrap();
    let id = store.ticket_id_by_number(TicketNumber(n)).unwrap();
    store.ticket_detail(id).unwrap().card.ticket.status
}

/// The card of ticket `n` (its number as the card shows it).
fn card_xpath(n: u64) -> String {
    format!("//*[@data-testid='ticket-card'][contains(., 'TKT-{n:03}')]")
}

/// The numbers of the first three cards, or an error when the board
/// re-rendered while they were read.
async fn first_card_numbers(c: &Client) -> Result<Vec<u64>, fantoccini::error::CmdError> {
    let cards = c
        .find_all(Locator::Css("[data-testid=ticket-card]"))
        .await?;
    let mut numbers = Vec::new();
    for card in cards.iter().take(3) {
        let text = card.text().await?;
        numbers.push(card_number(&text).unwrap_or_else(|| panic!("a number in {text:?}")));
    }
    Ok(numbers)
}

async fn page_has(c: &Client, text: &str) -> bool {
    match c.find(Locator::Css("body")).await {
        Ok(b) => b.text().await.unwrap_or_default().contains(text),
        Err(_) => false,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bulk_status_change_and_undo_in_the_real_app() {
    let tmp = tempfile::tempdir().unwrap();
    let store_path = seeded_store(tmp.path(), 300, 11);

    let app = launch(&store_path).await;
    let c = app.client.clone();
    let result = async {
        let wait = || c.wait().at_most(std::time::Duration::from_secs(30));
        wait()
            .for_element(Locator::Css("[data-testid=ticket-card]"))
            .await?;
        // Only Open tickets on the board, so the change to Waiting is real.
        c.find(Locator::Css("select[aria-label=Status]"))
            .await?
            .select_by_value("open")
            .await?;
        eventually(&c, 15, "only Open cards", || async {
            let Ok(cards) = c.find_all(Locator::Css("[data-testid=ticket-card]")).await else {
                return false;
            };
            let mut all_open = !cards.is_empty();
            for card in &cards {
                all_open &= card.text().await.unwrap_or_default().contains("Open");
            }
            all_open
        })
        .await;

        c.find(Locator::XPath("//button[contains(., 'Select')]"))
            .await?
            .click()
            .await?;
        eventually(&c, 10, "the bulk bar", || page_has(&c, "0 selected")).await;
        // The board may re-render under a found element (a list refresh after
        // the filter, the bulk bar's layout change), which makes a WebDriver
        // handle stale. So each step looks its cards up again, and reading
        // the numbers is retried until one render answers for all three.
        let mut tries = 0;
        let numbers = loop {
            match first_card_numbers(&c).await {
                Ok(numbers) if numbers.len() == 3 => break numbers,
                Ok(numbers) => panic!("at least three Open cards, got {numbers:?}"),
                Err(e) if tries < 50 => {
                    eprintln!("reading the cards again after: {e}");
                    tries += 1;
                    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                }
                Err(e) => return Err(e.into()),
            }
        };
        let first = card_xpath(numbers[0]);
        // Clicked again only while nothing is selected, so a retry after a
        // stale handle cannot toggle the card back off.
        eventually(&c, 10, "1 selected", || async {
            if page_has(&c, "1 selected").await {
                return true;
            }
            if page_has(&c, "0 selected").await {
                if let Ok(card) = c.find(Locator::XPath(&first)).await {
                    let _ = card.click().await;
                }
                tokio::time::sleep(std::time::Duration::from_millis(500)).await;
            }
            false
        })
        .await;
        // A shift-click on the third card, looked up in the same script that
        // clicks it, so no handle can go stale in between.
        c.execute(
            "const n = arguments[0];
             const card = [...document.querySelectorAll('[data-testid=ticket-card]')]
               .find((el) => el.innerText.includes(n));
             card.dispatchEvent(new MouseEvent('click', {bubbles: true, shiftKey: true}));",
            vec![serde_json::to_value(format!("TKT-{:03}", numbers[2]))?],
        )
        .await?;
        eventually(&c, 10, "3 selected", || page_has(&c, "3 selected")).await;

        c.find(Locator::Css("select[aria-label='Change status']"))
            .await?
            .select_by_value("waiting")
            .await?;
        eventually(&c, 20, "the bulk toast", || {
            page_has(&c, "Changed status of 3 tickets")
        })
        .await;
        screenshot(&c, "app-bulk-toast").await;
        Ok::<_, Box<dyn std::error::Error>>(numbers)
    }
    .await;
    let numbers = match result {
        Ok(n) => n,
        Err(e) => {
            let _ = c.close().await;
            panic!("the bulk change in the app: {e}");
        }
    };
    for &n in &numbers {
        assert_eq!(
            status_of(&store_path, n),
            Status::Waiting,
            "TKT-{n:03} is Waiting in the SQLite file after the bulk change"
        );
    }

    let undone = async {
        c.find(Locator::XPath(
            "//button[@class='toast-action' and .='Undo']",
        ))
        .await?
        .click()
        .await?;
        eventually(&c, 20, "the undo toast", || {
            page_has(&c, "Undid the change to 3 tickets")
        })
        .await;
        screenshot(&c, "app-bulk-undone").await;
        Ok::<_, fantoccini::error::CmdError>(())
    }
    .await;
    let _ = c.close().await;
    undone.expect("undo from the toast");
    let store = Store::open(&store_path).unwrap();
    for &n in &numbers {
        let id = store.ticket_id_by_number(TicketNumber(n)).unwrap();
        assert_eq!(
            store.ticket_detail(id).unwrap().card.ticket.status,
            Status::Open,
            "TKT-{n:03} is Open again after the undo"
        );
        // Status events only: the SLA may also record a state change
        // (`sla` events), depending on the time of day and business hours.
        let status: Vec<_> = store
            .history(id)
            .unwrap()
            .into_iter()
            .filter(|h| h.field == HistoryField::Status)
            .collect();
        assert_eq!(
            status[0].new_value.as_deref(),
            Some("open"),
            "the undo is in TKT-{n:03}'s history, newest first"
        );
        assert_eq!(status[1].new_value.as_deref(), Some("waiting"));
    }
}
