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

/// Without a GPU render node, WebKitGTK's DMA-BUF renderer has nothing to
/// accelerate and its fallback is slow: under Xvfb, on VMs and remote
/// desktops the first cards took ~1.3 s longer to appear, and the window
/// could keep showing its first frame. There, the app re-executes itself
/// once with `WEBKIT_DISABLE_DMABUF_RENDERER=1` (the variable must be set
/// before WebKit starts; setting it in-process needs `unsafe`). A value the
/// user set is kept either way.
#[cfg(target_os = "linux")]
fn use_shared_memory_renderer_without_gpu() {
    use std::os::unix::process::CommandExt;
    const VAR: &str = "WEBKIT_DISABLE_DMABUF_RENDERER";
    if std::env::var_os(VAR).is_some() {
        return;
    }
    let has_render_node = std::fs::read_dir("/dev/dri").is_ok_and(|dir| {
        dir.flatten()
            .any(|e| e.file_name().to_string_lossy().starts_with("renderD"))
    });
    if has_render_node {
        return;
    }
    let Ok(exe) = std::env::current_exe() else {
        return;
    };
    let err = std::process::Command::new(exe)
        .args(std::env::args_os().skip(1))
        .env(VAR, "1")
        .exec();
    // Only reached when the exec failed: carry on with the default renderer.
    eprintln!("Outpost: could not restart with {VAR}=1: {err}");
}

/// Starts the desktop app.
pub fn run() {
    #[cfg(target_os = "linux")]
    use_shared_memory_renderer_without_gpu();
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
