//! `cargo xtask run` signs the app in to the demo server before launching it,
//! so a newcomer sees live sync with no manual step: a store of its own
//! (`outpost-demo-server.db` beside the default store, passed to the app as
//! `OUTPOST_STORE`) is signed in as `admin@demo.outpost`, its token saved
//! where the app looks for it (keychain, or the 0600 file beside the store),
//! and synced once. When the demo workspace has no tickets yet, a few sample
//! tickets are written through the store (outbox and all) and pushed, so the
//! board is not empty and every device signed in to the demo sees them.
//!
//! The app's own seeded local-only store stays where it was (`--local`).

use anyhow::{Context, Result};
use outpost_client::Store;
use outpost_client::sync::{self, token::TokenStore};
use outpost_core::{NewTicket, Priority, TicketQuery};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// The demo admin the app signs in as.
pub const DEMO_EMAIL: &str = "admin@demo.outpost";
/// The demo agents' password (`outpost-server demo-setup`).
pub const DEMO_PASSWORD: &str = "outpost-demo";

const SAMPLES: &[(&str, Priority, &str)] = &[
    (
        "VPN drops every 10 minutes",
        Priority::High,
        "Since this morning the VPN disconnects every ten minutes for the whole Lyon office.",
    ),
    (
        "Printer on 3rd floor shows paper jam",
        Priority::Normal,
        "No paper is visibly jammed; power cycling did not help.",
    ),
    (
        "Cannot open invoices in the billing portal",
        Priority::Urgent,
        "Customers report a blank page when opening any invoice PDF.",
    ),
    (
        "New laptop for Ana",
        Priority::Low,
        "Ana starts on Monday; she needs a laptop with the standard image.",
    ),
    (
        "Outlook crashes at start-up",
        Priority::Normal,
        "Started after the latest update; safe mode works.",
    ),
];

/// The store the app uses while signed in to the demo server.
pub fn demo_store_path() -> Result<PathBuf> {
    let default = Store::default_path()?;
    Ok(default.with_file_name("outpost-demo-server.db"))
}

/// Signs the store at `path` in to `server` (idempotent: a store already
/// signed in there with a saved token is only synced), seeds the empty demo
/// workspace, and syncs. The token goes where the app looks for it: the
/// keychain, or the 0600 file beside the store.
pub fn sign_in(path: &Path, server: &str) -> Result<()> {
    let tokens = TokenStore::new(path.parent().context("store folder")?);
    sign_in_with(path, server, &tokens)
}

fn sign_in_with(path: &Path, server: &str, tokens: &TokenStore) -> Result<()> {
    let store = Mutex::new(Store::open(path)?);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    rt.block_on(async {
        let signed_in = {
            let s = store.lock().unwrap_or_else(|p| p.into_inner());
            s.sync_server()?.as_deref() == Some(server)
                && s.session().is_ok_and(|x| x.agent.email == DEMO_EMAIL)
        };
        let saved = tokens.load_token(server, DEMO_EMAIL)?;
        let client = match (signed_in, saved) {
            (true, Some(token)) => sync::SyncClient::with_token(server, token)?,
            _ => {
                let (client, res) = sync::login(&store, server, DEMO_EMAIL, DEMO_PASSWORD)
                    .await
                    .context("signing in to the demo server")?;
                let backend = tokens.save_token(server, DEMO_EMAIL, &res.token)?;
                println!("==> signed in to {server} as {DEMO_EMAIL} (token in {backend:?})");
                client
            }
        };
        let report = match sync::sync_once(&store, &client).await {
            Err(sync::SyncError::Unauthorized(_)) => {
                // The saved token was revoked (or the server's database was
                // reset): sign in again.
                let (client, res) = sync::login(&store, server, DEMO_EMAIL, DEMO_PASSWORD).await?;
                tokens.save_token(server, DEMO_EMAIL, &res.token)?;
                sync::sync_once(&store, &client).await?
            }
            other => other?,
        };
        let empty = {
            let s = store.lock().unwrap_or_else(|p| p.into_inner());
            s.board_page(&TicketQuery::default(), None, 1)?
                .cards
                .is_empty()
        };
        if empty {
            {
                let mut s = store.lock().unwrap_or_else(|p| p.into_inner());
                for (title, priority, description) in SAMPLES {
                    s.create_ticket(NewTicket {
                        title: (*title).into(),
                        description: (*description).into(),
                        priority: *priority,
                        category_id: None,
                        assignee_id: None,
                        requester: "it-requests@demo.outpost".into(),
                        conversation_id: None,
                    })?;
                }
            }
            let seeded = sync::sync_once(&store, &client).await?;
            println!(
                "==> wrote {} sample tickets to the demo workspace",
                seeded.pushed
            );
        }
        println!(
            "==> demo store {} synced ({} rows pulled)",
            path.display(),
            report.pulled
        );
        Ok::<(), anyhow::Error>(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use outpost_server::auth::HashCost;

    /// Against the real server on port 0 with the demo workspace: the store
    /// ends up signed in with the token saved, holding the sample tickets; a
    /// second run reuses the token and adds nothing.
    #[test]
    fn signs_a_store_in_to_the_demo_server_once() -> Result<()> {
        let dir = tempfile::tempdir()?;
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()?;
        let db = format!("sqlite://{}", dir.path().join("server.db").display());
        let url = rt.block_on(async {
            let store = outpost_server::Store::open(&db).await?;
            outpost_server::setup::demo_setup(&store, HashCost::Fast)
                .await
                .map_err(anyhow::Error::msg)?;
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
            let addr = listener.local_addr()?;
            let state = outpost_server::AppState::new(store, outpost_server::Config::default());
            tokio::spawn(outpost_server::serve(
                listener,
                state,
                std::future::pending(),
            ));
            Ok::<_, anyhow::Error>(format!("http://{addr}"))
        })?;
        let path = dir.path().join("app").join("outpost-demo-server.db");
        std::fs::create_dir_all(path.parent().unwrap())?;
        let tokens = TokenStore::file_only(path.parent().unwrap());
        // The server runs on `rt`; sign in from another thread, as xtask does.
        let (p, u, t) = (path.clone(), url.clone(), tokens.clone());
        std::thread::spawn(move || sign_in_with(&p, &u, &t))
            .join()
            .unwrap()?;
        let token = tokens
            .load_token(&url, DEMO_EMAIL)?
            .context("token saved")?;
        assert!(!token.is_empty());
        let count = |p: &Path| -> Result<u64> {
            let s = Store::open(p)?;
            let c = s.board_stats(&TicketQuery::default())?;
            Ok(c.open + c.in_progress + c.waiting + c.resolved + c.closed)
        };
        {
            let s = Store::open(&path)?;
            assert_eq!(s.sync_server()?.as_deref(), Some(url.as_str()));
            assert_eq!(
                s.session()?.agent.email,
                DEMO_EMAIL,
                "signed in as the demo admin"
            );
            assert_eq!(s.outbox_len()?, 0, "the samples reached the server");
        }
        assert_eq!(count(&path)?, SAMPLES.len() as u64);
        let (p, u, t) = (path.clone(), url.clone(), tokens.clone());
        std::thread::spawn(move || sign_in_with(&p, &u, &t))
            .join()
            .unwrap()?;
        assert_eq!(
            tokens.load_token(&url, DEMO_EMAIL)?.as_deref(),
            Some(token.as_str()),
            "the saved token is reused"
        );
        assert_eq!(
            count(&path)?,
            SAMPLES.len() as u64,
            "no second set of samples"
        );
        // Another device signed in to the same server sees the samples.
        let other = dir.path().join("other.db");
        let (p, u, t) = (
            other.clone(),
            url.clone(),
            TokenStore::file_only(dir.path()),
        );
        std::thread::spawn(move || sign_in_with(&p, &u, &t))
            .join()
            .unwrap()?;
        assert_eq!(count(&other)?, SAMPLES.len() as u64);
        Ok(())
    }
}
