//! The real app signs in to a real server (in-process on 127.0.0.1:0, SQLite
//! file) from the UI, shows itself online, and a ticket another agent creates
//! through the server's API appears on the board within seconds (SSE poke,
//! pull, SLA computed on the device), then the app's own edit reaches the
//! server.
//!
//! Needs `tauri-driver`, `WebKitWebDriver` and `Xvfb` (`cargo xtask test`).

mod common;

use common::{click_fresh, eventually, launch, screenshot};
use fantoccini::Locator;
use outpost_core::Role;
use outpost_server::auth::HashCost;
use outpost_server::{AppState, Config, setup};
use serde_json::json;
use std::time::Duration;

const PASSWORD: &str = "correct horse battery";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_in_sync_and_live_updates_in_the_real_app() {
    let tmp = tempfile::tempdir().unwrap();
    let db_url = format!("sqlite://{}", tmp.path().join("server.db").display());
    let server_store = outpost_server::Store::open(&db_url)
        .await
        .expect("server database");
    setup::create_workspace(
        &server_store,
        "Acme",
        "UTC",
        "admin@acme.test",
        PASSWORD,
        HashCost::Fast,
    )
    .await
    .expect("workspace");
    setup::add_agent(
        &server_store,
        "Acme",
        "ana@acme.test",
        "Ana",
        PASSWORD,
        Role::Agent,
        HashCost::Fast,
    )
    .await
    .expect("agent");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let config = Config {
        hash_cost: HashCost::Fast,
        ..Config::default()
    };
    tokio::spawn(outpost_server::serve(
        listener,
        AppState::new(server_store, config),
        std::future::pending::<()>(),
    ));

    let app = launch(&tmp.path().join("device.db")).await;
    let c = app.client.clone();
    let wait = || c.wait().at_most(Duration::from_secs(30));

    let result = async {
        wait()
            .for_element(Locator::Css("button.sync-connect"))
            .await?
            .click()
            .await?;
        let form = "form[aria-label='Sign in to a server']";
        wait()
            .for_element(Locator::Css(&format!("{form} input[type=url]")))
            .await?
            .send_keys(&url)
            .await?;
        c.find(Locator::Css(&format!("{form} input[type=email]")))
            .await?
            .send_keys("admin@acme.test")
            .await?;
        c.find(Locator::Css(&format!("{form} input[type=password]")))
            .await?
            .send_keys(PASSWORD)
            .await?;
        c.find(Locator::Css(&format!("{form} button[type=submit]")))
            .await?
            .click()
            .await?;
        eventually(&c, 20, "the sync indicator says Online", || async {
            match c.find(Locator::Css("[data-testid=sync-indicator]")).await {
                Ok(e) => e
                    .text()
                    .await
                    .map(|t| t.contains("Online"))
                    .unwrap_or(false),
                Err(_) => false,
            }
        })
        .await;

        // Another agent creates a ticket through the server's API.
        let http = reqwest::Client::new();
        let login: serde_json::Value = http
            .post(format!("{url}/api/v1/auth/login"))
            .json(&json!({ "email": "ana@acme.test", "password": PASSWORD }))
            .send()
            .await?
            .json()
            .await?;
        let token = login["token"]
            .as_str()
            .expect("login returns a token")
            .to_owned();
        let created = http
            .post(format!("{url}/api/v1/tickets"))
            .bearer_auth(&token)
            .json(&json!({ "title": "Projector flickers in room Orion", "priority": "high" }))
            .send()
            .await?;
        let status_code = created.status();
        let created: serde_json::Value = created.json().await?;
        let card_css = format!(
            "[data-testid=ticket-card][data-ticket-id='{}']",
            created["id"].as_str().unwrap_or_default()
        );
        assert!(
            status_code.is_success(),
            "the server accepts the ticket: {}",
            status_code
        );

        // Back to the board (sign-in leaves the app on Settings).
        c.find(Locator::XPath(
            "//nav[@aria-label='Main']//button[contains(., 'Tickets')]",
        ))
        .await?
        .click()
        .await?;
        eventually(
            &c,
            15,
            "the server's new ticket shows on the board",
            || async { c.find(Locator::Css(&card_css)).await.is_ok() },
        )
        .await;
        screenshot(&c, "app-synced").await;

        // The app's own edit reaches the server.
        click_fresh(&c, &card_css).await;
        let status = wait()
            .for_element(Locator::Css("[data-testid=detail-panel] #f-status"))
            .await?;
        status.select_by_value("in_progress").await?;
        let http2 = http.clone();
        let (url2, token2) = (url.clone(), token.clone());
        eventually(
            &c,
            15,
            "the server sees the app's status change",
            move || {
                let (http, url, token) = (http2.clone(), url2.clone(), token2.clone());
                async move {
                    let Ok(res) = http
                        .get(format!("{url}/api/v1/tickets?q=Projector"))
                        .bearer_auth(&token)
                        .send()
                        .await
                    else {
                        return false;
                    };
                    res.text()
                        .await
                        .map(|t| t.contains("in_progress"))
                        .unwrap_or(false)
                }
            },
        )
        .await;
        Ok::<_, Box<dyn std::error::Error>>(())
    }
    .await;
    if result.is_err() {
        screenshot(&c, "app-sync-failure").await;
    }
    let _ = c.close().await;
    result.expect("the sign-in and sync flow should succeed");
}
