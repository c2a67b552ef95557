//! Outpost desktop shell: opens the local store, registers the commands and
//! the window. Everything with rules lives in `outpost-client`; this crate
//! only wires it to Tauri.
//!
//! Environment: `OUTPOST_STORE` overrides the store file (tests use it).

mod commands;
mod inbox;
mod kb;
mod notify;
mod sla_timer;
mod state;
mod sync;
mod tray;

use outpost_client::Store;
use std::path::PathBuf;
use tauri::Manager;

/// The store file this run uses.
pub fn store_path() -> PathBuf {
    match std::env::var_os("OUTPOST_STORE") {
        Some(p) => PathBuf::from(p),
        None => Store::default_path().unwrap_or_else(|_| PathBuf::from("outpost.db")),
    }
}

/// Starts the desktop app.
pub fn run() {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("OUTPOST_LOG")
                .unwrap_or_else(|_| "info".into()),
        )
        .try_init();
    let path = store_path();
    if let Some(dir) = path.parent()
        && let Err(e) = std::fs::create_dir_all(dir)
    {
        tracing::error!("cannot create {}: {e}", dir.display());
    }
    let store = match Store::open(&path).and_then(|mut s| s.ensure_local_session().map(|_| s)) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("Outpost cannot open its store at {}: {e}", path.display());
            std::process::exit(1);
        }
    };
    tracing::info!("store: {}", path.display());
    tauri::Builder::default()
        .plugin(tauri_plugin_dialog::init())
        .manage(state::AppState::new(store))
        .manage(sync::SyncState::default())
        .invoke_handler(commands::handler())
        .on_window_event(|window, event| {
            // Keep in tray: closing only hides the window.
            if let tauri::WindowEvent::CloseRequested { api, .. } = event
                && tray::keep_in_tray(window.app_handle())
            {
                api.prevent_close();
                let _ = window.hide();
            }
        })
        .setup(|app| {
            tray::create(app.handle());
            sla_timer::spawn(app.handle().clone());
            inbox::spawn_waiting_rules(app.handle().clone());
            sync::resume(app.handle());
            Ok(())
        })
        .run(tauri::generate_context!())
        .expect("error while running Outpost");
}
