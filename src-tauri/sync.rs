//! Connects the app to a server: sign-in, the background sync loop, and the
//! `sync-status` / `tickets-changed` events. The sync rules live in
//! `outpost_client::sync`; this module only starts, stops and reports it.
//!
//! Words used here: *local-only mode* is the app with no server (status
//! `null` in the UI); *signed in* means a token for the store's server is in
//! the keychain (or the 0600 fallback file) and the loop runs.

use crate::commands::{CmdResult, TICKETS_CHANGED};
use crate::state::AppState;
use outpost_client::sync::{
    self, LoopOptions, SyncClient, SyncError, SyncEvent, SyncStatus, token::TokenStore,
};
use outpost_core::{ErrorDto, Session};
use std::sync::{Arc, Mutex};
use tauri::{AppHandle, Emitter, Manager, State};

/// The event carrying a [`SyncStatus`] after every sync attempt.
pub const SYNC_STATUS: &str = "sync-status";

/// The running sync loop, if signed in.
#[derive(Default)]
pub struct SyncState {
    running: Mutex<Option<Running>>,
}

struct Running {
    client: SyncClient,
    email: String,
    options: LoopOptions,
    task: tauri::async_runtime::JoinHandle<()>,
}

fn dto(e: SyncError) -> ErrorDto {
    ErrorDto::new(e.code(), e.to_string())
}

/// Tokens live in the OS keychain, or in a 0600 file beside the store.
fn tokens() -> TokenStore {
    let dir = crate::store_path()
        .parent()
        .map(|p| p.to_path_buf())
        .unwrap_or_default();
    TokenStore::new(dir)
}

impl SyncState {
    fn lock(&self) -> std::sync::MutexGuard<'_, Option<Running>> {
        self.running.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The signed-in server connection, if any.
    pub(crate) fn client(&self) -> Option<SyncClient> {
        self.lock().as_ref().map(|r| r.client.clone())
    }

    /// Asks the loop to push now (after a local edit).
    pub fn kick(&self) {
        if let Some(r) = self.lock().as_ref() {
            r.options.kick.notify_one();
        }
    }

    fn stop(&self) -> Option<Running> {
        let r = self.lock().take();
        if let Some(r) = &r {
            r.task.abort();
        }
        r
    }
}

/// Starts the loop for `client`, replacing any running one.
fn start(app: &AppHandle, client: SyncClient, email: String) {
    let sync_state = app.state::<SyncState>();
    sync_state.stop();
    let store = app.state::<AppState>().store();
    let options = LoopOptions::default();
    let emitter = app.clone();
    let on_event = move |event| match event {
        SyncEvent::Changed(_) => {
            emitter.state::<AppState>().notify_changed();
            let _ = emitter.emit(TICKETS_CHANGED, ());
        }
        SyncEvent::Status(status) => {
            let _ = emitter.emit(SYNC_STATUS, status);
        }
        SyncEvent::Stopped(reason) => tracing::warn!("sync stopped: {reason}"),
    };
    let loop_options = options.clone();
    let loop_client = client.clone();
    // One task, so that `stop` (sign-out) aborts the loop itself.
    let task = tauri::async_runtime::spawn(async move {
        let err = sync::run_sync_loop(store, loop_client, on_event, loop_options).await;
        tracing::info!("sync loop ended: {err}");
    });
    *sync_state.lock() = Some(Running {
        client,
        email,
        options,
        task,
    });
}

/// At launch: resumes syncing when this store was signed in to a server and
/// its token is still saved.
pub fn resume(app: &AppHandle) {
    let found = app.state::<AppState>().with(|s| {
        let server = s.sync_server()?;
        let email = s.session().ok().map(|x| x.agent.email);
        Ok(server.zip(email))
    });
    let Ok(Some((server, email))) = found else {
        return;
    };
    match tokens().load_token(&server, &email) {
        Ok(Some(token)) => match SyncClient::with_token(&server, token) {
            Ok(client) => start(app, client, email),
            Err(e) => tracing::warn!("cannot resume sync with {server}: {e}"),
        },
        Ok(None) => tracing::info!("no saved token for {server}; local-only until sign-in"),
        Err(e) => tracing::warn!("cannot read the saved token: {e}"),
    }
}

#[tauri::command]
pub(crate) fn get_sync_status(
    app: AppHandle,
    sync_state: State<'_, SyncState>,
) -> CmdResult<Option<SyncStatus>> {
    let guard = sync_state.lock();
    let Some(r) = guard.as_ref() else {
        return Ok(None);
    };
    let store = app.state::<AppState>().store();
    let store = store.lock().unwrap_or_else(|p| p.into_inner());
    sync::status(&store, &r.client).map(Some).map_err(dto)
}

#[tauri::command]
pub(crate) async fn sign_in(
    app: AppHandle,
    server_url: String,
    email: String,
    password: String,
) -> CmdResult<Session> {
    let store = app.state::<AppState>().store();
    let (client, res) = sync::login(&store, server_url.trim(), email.trim(), &password)
        .await
        .map_err(dto)?;
    if let Err(e) = tokens().save_token(
        client.server_url(),
        &res.agent.email,
        client.token().unwrap_or_default(),
    ) {
        tracing::warn!("could not save the token; you will sign in again next launch: {e}");
    }
    if let Err(e) = sync::sync_once(&store, &client).await {
        tracing::warn!("first sync after sign-in failed (the loop retries): {e}");
    }
    start(&app, client, res.agent.email.clone());
    let state = app.state::<AppState>();
    state.notify_changed();
    let _ = app.emit(TICKETS_CHANGED, ());
    state.with(|s| s.session())
}

#[tauri::command]
pub(crate) fn sign_out(sync_state: State<'_, SyncState>) -> CmdResult<()> {
    if let Some(r) = sync_state.stop() {
        tokens()
            .clear_token(r.client.server_url(), &r.email)
            .map_err(|e| ErrorDto::from(&e))?;
    }
    Ok(())
}

#[tauri::command]
pub(crate) async fn sync_now(app: AppHandle) -> CmdResult<Option<SyncStatus>> {
    let client = app
        .state::<SyncState>()
        .lock()
        .as_ref()
        .map(|r| r.client.clone());
    let Some(client) = client else {
        return Ok(None);
    };
    let store: Arc<Mutex<outpost_client::Store>> = app.state::<AppState>().store();
    match sync::sync_once(&store, &client).await {
        Ok(report) => {
            tracing::info!("sync: {report:?}");
            app.state::<AppState>().notify_changed();
            let _ = app.emit(TICKETS_CHANGED, ());
        }
        Err(e) => tracing::warn!("sync failed: {e}"),
    }
    let store = store.lock().unwrap_or_else(|p| p.into_inner());
    let status = sync::status(&store, &client).map_err(dto)?;
    let _ = app.emit(SYNC_STATUS, &status);
    Ok(Some(status))
}
