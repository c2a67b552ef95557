//! Keeps SLA states current as time passes, without polling: a background
//! thread re-evaluates the tickets whose next SLA change has come, then sleeps
//! until the store's next notification check (the next SLA change or snoozed
//! notification; or until any write wakes it), tells the UI when a ticket
//! moved between on track, at risk and breached, shows the notifications the
//! store says are due (each only once) and updates the tray.

use crate::commands::TICKETS_CHANGED;
use crate::state::AppState;
use chrono::Utc;
use std::time::Duration;
use tauri::{AppHandle, Emitter, Manager};

/// Longest sleep between checks; a safety net for clock jumps (suspend/resume).
const MAX_SLEEP: Duration = Duration::from_secs(60);

/// Starts the re-evaluation thread.
pub fn spawn(app: AppHandle) {
    std::thread::Builder::new()
        .name("sla-timer".into())
        .spawn(move || {
            crate::notify::probe(&app);
            let state = app.state::<AppState>();
            loop {
                let step = state.with(|s| {
                    // Fold recent writes into the file here, off the path
                    // of any command (cheap when there is nothing to do).
                    s.checkpoint_passive()?;
                    let prefs = s.notification_prefs()?;
                    // One re-evaluation serves both the UI and the notifications.
                    let (transitions, notes) = s.notification_pass(&prefs)?;
                    Ok((transitions, notes, s.next_notification_check()?))
                });
                let next = match step {
                    Ok((transitions, notes, next)) => {
                        for n in &notes {
                            crate::notify::deliver(&app, n);
                        }
                        if !notes.is_empty() {
                            // Marks go to the agent's other devices.
                            app.state::<crate::sync::SyncState>().kick();
                        }
                        if !transitions.is_empty() {
                            tracing::info!("{} ticket(s) changed SLA state", transitions.len());
                            if let Err(e) = app.emit(TICKETS_CHANGED, ()) {
                                tracing::warn!("could not emit {TICKETS_CHANGED}: {e}");
                            }
                        }
                        crate::tray::refresh(&app);
                        next
                    }
                    Err(e) => {
                        tracing::error!("SLA re-evaluation failed: {}", e.message);
                        None
                    }
                };
                // Nothing due by itself: sleep until a write (or the safety net).
                let sleep = match next {
                    Some(at) => (at - Utc::now()).to_std().unwrap_or(Duration::ZERO),
                    None => MAX_SLEEP,
                }
                .min(MAX_SLEEP);
                // A little past the instant, so the state has really changed.
                state.wait_for_change(
                    sleep.max(Duration::from_millis(20)) + Duration::from_millis(20),
                );
            }
        })
        .expect("start the SLA timer thread");
}
