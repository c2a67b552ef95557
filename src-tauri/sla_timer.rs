//! Keeps SLA states current as time passes, without polling: a background
//! thread re-evaluates the tickets whose next SLA change has come, then sleeps
//! until the store's next SLA change (or until any write wakes it), and
//! tells the UI when a ticket moved between on track, at risk and breached,
//! and shows the notifications the store says are due (each only once).

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
            let state = app.state::<AppState>();
            loop {
                let step = state.with(|s| {
                    // Fold recent writes into the file here, off the path
                    // of any command (cheap when there is nothing to do).
                    s.checkpoint_passive()?;
                    let transitions = s.reevaluate_sla()?;
                    let prefs = s.notification_prefs()?;
                    let notes = s.pending_notifications(&prefs)?;
                    Ok((transitions, notes, s.next_sla_change()?))
                });
                let next = match step {
                    Ok((transitions, notes, next)) => {
                        notes.iter().for_each(crate::notify::deliver);
                        if !transitions.is_empty() {
                            tracing::info!("{} ticket(s) changed SLA state", transitions.len());
                            if let Err(e) = app.emit(TICKETS_CHANGED, ()) {
                                tracing::warn!("could not emit {TICKETS_CHANGED}: {e}");
                            }
                        }
                        next
                    }
                    Err(e) => {
                        tracing::error!("SLA re-evaluation failed: {}", e.message);
                        None
                    }
                };
                let sleep = next
                    .and_then(|at| (at - Utc::now()).to_std().ok())
                    .unwrap_or(Duration::ZERO)
                    .min(MAX_SLEEP);
                // A little past the instant, so the state has really changed.
                state.wait_for_change(
                    sleep.max(Duration::from_millis(20)) + Duration::from_millis(20),
                );
            }
        })
        .expect("start the SLA timer thread");
}
