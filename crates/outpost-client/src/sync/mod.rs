//! Client side of sync (DESIGN §4): push the outbox, pull the change feed,
//! bootstrap an empty device, recover from the server's explicit errors, and
//! a background loop for the desktop shell.
//!
//! What the shell calls:
//! - [`login`] once (then [`token::TokenStore::save_token`]); on later starts
//!   [`SyncClient::with_token`] with the saved token;
//! - `tokio::spawn(`[`run_sync_loop`]`(store, client, emit, LoopOptions::default()))`,
//!   emitting `tickets-changed` on [`SyncEvent::Changed`] and the status on
//!   [`SyncEvent::Status`]; [`LoopOptions::kick`] after local edits pushes at once;
//! - [`status`] for the status bar (online/offline/syncing, pending count,
//!   last sync, conflicts).
//!
//! Words used here: *acknowledged* = the server answered `applied` or
//! `duplicate` for a mutation (it is in and will never be lost); *poke* = an
//! SSE `changed` event telling the client to pull.

pub mod http;
mod run;
pub mod token;

pub use http::{LoginResponse, SyncClient};
pub use run::{LoopOptions, SyncEvent, backoff_delay, run_sync_loop};

use crate::error::StoreError;
use crate::store::{Rejection, Store, SyncConflict};
use chrono::{DateTime, Utc};
use outpost_core::sync::{
    AssignedNumber, MutationStatus, PROTOCOL_VERSION, PullResponse, PushRequest, codes,
};
use serde::Serialize;
use std::sync::{Mutex, MutexGuard};
use thiserror::Error;

/// Mutations per push request.
pub const PUSH_BATCH: usize = 500;

/// Why a sync step failed.
#[derive(Debug, Error)]
pub enum SyncError {
    /// The server could not be reached (no network, refused, timed out).
    /// Retried by the loop with backoff.
    #[error("offline: {0}")]
    Offline(String),
    /// The token is invalid or revoked (401): sign in again.
    #[error("signed out by the server: {0}")]
    Unauthorized(String),
    /// The server speaks another sync protocol version: update the app.
    #[error("this version of Outpost cannot sync with the server: {0}")]
    UnsupportedSchema(String),
    /// The server answered `{code, message}` with an error status.
    #[error("server error {status} {code}: {message}")]
    Server {
        status: u16,
        code: String,
        message: String,
    },
    /// The server's answer did not parse.
    #[error("protocol error: {0}")]
    Protocol(String),
    /// The local store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl SyncError {
    pub(crate) fn from_server(status: u16, code: String, message: String) -> SyncError {
        match (status, code.as_str()) {
            (401, _) => SyncError::Unauthorized(message),
            (_, codes::UNSUPPORTED_SCHEMA) => SyncError::UnsupportedSchema(message),
            // Overloaded or restarting: like being offline, try again later.
            (502..=504, _) => SyncError::Offline(format!("{code}: {message}")),
            _ => SyncError::Server {
                status,
                code,
                message,
            },
        }
    }

    /// The stable code (`offline`, `unauthorized`, `unsupported_schema`,
    /// the server's code, `protocol_error`, or the store's).
    pub fn code(&self) -> &str {
        match self {
            SyncError::Offline(_) => "offline",
            SyncError::Unauthorized(_) => "unauthorized",
            SyncError::UnsupportedSchema(_) => codes::UNSUPPORTED_SCHEMA,
            SyncError::Server { code, .. } => code,
            SyncError::Protocol(_) => "protocol_error",
            SyncError::Store(e) => e.code(),
        }
    }

    fn is_code(&self, c: &str) -> bool {
        matches!(self, SyncError::Server { code, .. } if code == c)
    }
}

/// What one [`sync_once`] did.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SyncReport {
    /// Mutations the server acknowledged (applied or duplicate).
    pub pushed: usize,
    /// Rows pulled and applied.
    pub pulled: usize,
    /// Conflict history events among the pulled rows (edits that lost).
    pub conflicts: usize,
    /// Mutations the server refused (now in the rejection list).
    pub rejected: Vec<Rejection>,
    /// Ticket numbers assigned to tickets created on this device.
    pub numbers: Vec<AssignedNumber>,
    /// Whether the device bootstrapped (first sync, or the server was replaced).
    pub bootstrapped: bool,
}

/// Connectivity as the status bar shows it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Connectivity {
    Online,
    #[default]
    Offline,
    Syncing,
}

/// In-memory connectivity state (shared by clones of a [`SyncClient`]).
#[derive(Debug, Clone, Default)]
pub struct NetState {
    pub connectivity: Connectivity,
    pub last_error: Option<String>,
}

/// The status bar: connectivity, pending change count, last sync, conflicts.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SyncStatus {
    pub state: Connectivity,
    /// Local changes not yet acknowledged by the server.
    pub pending: u64,
    pub last_sync_at: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
    /// Lost edits and refused changes, newest first, each with its ticket.
    pub conflicts: Vec<SyncConflict>,
}

/// How many conflicts [`status`] lists.
pub const STATUS_CONFLICTS: usize = 50;

/// The current status, for the UI.
pub fn status(store: &Store, client: &SyncClient) -> Result<SyncStatus, SyncError> {
    let net = lock_net(client).clone();
    Ok(SyncStatus {
        state: net.connectivity,
        pending: store.outbox_len()?,
        last_sync_at: store.last_sync_at()?,
        last_error: net.last_error,
        conflicts: store.sync_conflicts(STATUS_CONFLICTS)?,
    })
}

fn lock_net(client: &SyncClient) -> MutexGuard<'_, NetState> {
    client.net.lock().unwrap_or_else(|p| p.into_inner())
}

pub(crate) fn set_net(client: &SyncClient, c: Connectivity, error: Option<String>) {
    let mut n = lock_net(client);
    n.connectivity = c;
    n.last_error = error;
}

fn lock(store: &Mutex<Store>) -> MutexGuard<'_, Store> {
    store.lock().unwrap_or_else(|p| p.into_inner())
}

/// Signs in to `server_url`, stores the workspace and agent, signs the agent
/// in on this device, switches to server numbering and registers the device.
/// Returns the client (holding the token) and the login answer; the caller
/// saves the token ([`token::TokenStore`]) and runs a first [`sync_once`].
pub async fn login(
    store: &Mutex<Store>,
    server_url: &str,
    email: &str,
    password: &str,
) -> Result<(SyncClient, LoginResponse), SyncError> {
    let mut client = SyncClient::new(server_url)?;
    let res = client.login(email, password).await?;
    lock(store).apply_login(client.server_url(), &res.workspace, &res.agent)?;
    register(store, &client).await?;
    set_net(&client, Connectivity::Online, None);
    Ok((client, res))
}

/// Registers this device with the server (idempotent).
pub async fn register(store: &Mutex<Store>, client: &SyncClient) -> Result<(), SyncError> {
    let id = lock(store).client_id();
    client.register(id).await?;
    lock(store).set_sync_registered(true)?;
    Ok(())
}

/// Pushes the whole outbox in order, in batches of [`PUSH_BATCH`].
/// `unknown_client` re-registers and replays (the outbox is intact).
pub async fn push(
    store: &Mutex<Store>,
    client: &SyncClient,
    report: &mut SyncReport,
) -> Result<(), SyncError> {
    let mut reregistered = false;
    loop {
        let (batch, client_id, registered) = {
            let s = lock(store);
            (
                s.pending_mutations(PUSH_BATCH)?,
                s.client_id(),
                s.sync_registered()?,
            )
        };
        if batch.is_empty() {
            return Ok(());
        }
        if !registered {
            register(store, client).await?;
        }
        let req = PushRequest {
            client_id,
            schema_version: PROTOCOL_VERSION,
            mutations: batch,
        };
        let res = match client.push(&req).await {
            Err(e) if e.is_code(codes::UNKNOWN_CLIENT) && !reregistered => {
                tracing::info!("server does not know this device: registering again");
                reregistered = true;
                lock(store).set_sync_registered(false)?;
                continue;
            }
            other => other?,
        };
        let rejected = lock(store).acknowledge_push(&res.results, &res.numbers)?;
        report.pushed += res
            .results
            .iter()
            .filter(|r| r.status != MutationStatus::Rejected)
            .count();
        report.numbers.extend(res.numbers.iter().copied());
        report.rejected.extend(rejected);
        if res.results.is_empty() {
            return Err(SyncError::Protocol(
                "the server acknowledged nothing".into(),
            ));
        }
    }
}

/// A page of the change feed being fetched in the background while the
/// previous one is applied; aborted if nobody reads it.
struct Prefetch(tokio::task::JoinHandle<Result<PullResponse, SyncError>>);

impl Prefetch {
    /// Starts fetching the page after `cursor` (a bootstrap page when
    /// `bootstrapping`).
    fn start(client: &SyncClient, bootstrapping: bool, cursor: Option<String>) -> Prefetch {
        let client = client.clone();
        Prefetch(tokio::spawn(async move {
            if bootstrapping {
                client.bootstrap(cursor.as_deref()).await
            } else {
                client.pull(cursor.as_deref()).await
            }
        }))
    }

    async fn page(mut self) -> Result<PullResponse, SyncError> {
        (&mut self.0)
            .await
            .map_err(|e| SyncError::Protocol(format!("the page fetch stopped: {e}")))?
    }
}

impl Drop for Prefetch {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Pulls the change feed to its end (bootstrapping when there is no
/// cursor). `cursor_too_old` forgets the cursor and bootstraps again,
/// keeping the outbox and local rows.
///
/// The next page is fetched while this one is applied: the server builds
/// and sends it, and this device decodes it, during the store's write.
///
/// A bootstrap into a store with no tickets (a new device) goes to the
/// store's bulk loader instead: every page in one transaction, committed
/// after the last, the board indexes built once (`store::bootstrap`).
pub async fn pull(
    store: &Mutex<Store>,
    client: &SyncClient,
    report: &mut SyncReport,
) -> Result<(), SyncError> {
    let cursor = lock(store).sync_cursor()?;
    let mut bootstrapping = cursor.is_none();
    let mut restarted = false;
    // Only the first page of a bootstrap decides whether it loads in bulk.
    let mut try_bulk = bootstrapping;
    // The bulk loader when it took this bootstrap, and the cursor of the
    // last page it was given (stored at its commit).
    let mut bulk: Option<(crate::store::BulkBootstrap, String)> = None;
    let mut next = Prefetch::start(client, bootstrapping, cursor);
    loop {
        let page = match next.page().await {
            Err(e) if e.is_code(codes::CURSOR_TOO_OLD) && !restarted => {
                tracing::info!("sync cursor not valid on this server: bootstrapping again");
                restarted = true;
                // A bulk load in progress rolls back as it is dropped.
                bulk = None;
                lock(store).reset_sync_cursor()?;
                bootstrapping = true;
                try_bulk = true;
                next = Prefetch::start(client, true, None);
                continue;
            }
            other => other?,
        };
        let following = page
            .has_more
            .then(|| Prefetch::start(client, bootstrapping, Some(page.next_cursor.clone())));
        report.bootstrapped |= bootstrapping;
        count_page(report, &page);
        if std::mem::take(&mut try_bulk) {
            bulk = lock(store)
                .bulk_bootstrap()?
                .map(|loader| (loader, String::new()));
        }
        match &mut bulk {
            // Handed over without waiting for it to be applied: the worker
            // applies this page while the next one downloads.
            Some((loader, cursor)) => {
                *cursor = page.next_cursor;
                loader.apply(page.changes).await?;
            }
            None => lock(store).apply_remote(&page.changes, &page.next_cursor)?,
        }
        match following {
            Some(f) => next = f,
            None => break,
        }
    }
    if let Some((loader, cursor)) = bulk {
        // The last pages are applied, and everything committed, here.
        loader.finish(&cursor).await?;
        lock(store).reload_sla_settings()?;
    }
    lock(store).finish_pull()?;
    Ok(())
}

fn count_page(report: &mut SyncReport, page: &PullResponse) {
    report.pulled += page.changes.len();
    report.conflicts += page
        .changes
        .history
        .iter()
        .filter(|h| h.field == outpost_core::HistoryField::Conflict)
        .count();
}

/// Push, then pull; records the sync time. Connectivity follows the outcome.
pub async fn sync_once(store: &Mutex<Store>, client: &SyncClient) -> Result<SyncReport, SyncError> {
    set_net(client, Connectivity::Syncing, None);
    let mut report = SyncReport::default();
    let result = async {
        push(store, client, &mut report).await?;
        pull(store, client, &mut report).await?;
        lock(store).mark_synced()?;
        Ok::<_, SyncError>(())
    }
    .await;
    match result {
        Ok(()) => {
            set_net(client, Connectivity::Online, None);
            Ok(report)
        }
        Err(e) => {
            let state = match e {
                SyncError::Offline(_) => Connectivity::Offline,
                _ => Connectivity::Online,
            };
            set_net(client, state, Some(e.to_string()));
            Err(e)
        }
    }
}
