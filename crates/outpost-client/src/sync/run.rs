//! The background sync loop the desktop shell spawns: sync when the outbox
//! has changes, when the server pokes (SSE), when kicked, and every
//! `idle_sync`; back off with jitter while offline; resume by itself.

use super::{
    Connectivity, SyncClient, SyncError, SyncReport, SyncStatus, set_net, status, sync_once,
};
use crate::store::Store;
use rand::Rng;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::Notify;

/// What the loop tells the shell.
#[derive(Debug, Clone)]
pub enum SyncEvent {
    /// Remote changes were applied (or numbers assigned): refresh the board
    /// (the shell emits `tickets-changed`).
    Changed(SyncReport),
    /// The status changed (after every sync attempt).
    Status(SyncStatus),
    /// The server refused the token or the protocol: the loop stopped; sign
    /// in again or update the app.
    Stopped(String),
}

/// Loop settings.
#[derive(Debug, Clone)]
pub struct LoopOptions {
    /// Notify this after local edits to push at once.
    pub kick: Arc<Notify>,
    /// How often the outbox is checked when nothing else wakes the loop.
    pub outbox_poll: Duration,
    /// A full sync at least this often even without pokes.
    pub idle_sync: Duration,
    /// First retry delay while offline; doubles per failure.
    pub min_backoff: Duration,
    /// Longest retry delay.
    pub max_backoff: Duration,
}

impl Default for LoopOptions {
    fn default() -> Self {
        LoopOptions {
            kick: Arc::new(Notify::new()),
            outbox_poll: Duration::from_secs(1),
            idle_sync: Duration::from_secs(60),
            min_backoff: Duration::from_millis(500),
            max_backoff: Duration::from_secs(30),
        }
    }
}

/// The delay before retry number `attempt` (0-based): exponential from
/// `min`, capped at `max`, with "equal jitter" (half fixed, half random) so
/// many clients coming back at once spread out. `unit` in [0, 1) is the
/// random draw (injected for tests).
pub fn backoff_delay(attempt: u32, min: Duration, max: Duration, unit: f64) -> Duration {
    let exp = min.saturating_mul(1u32 << attempt.min(16)).min(max);
    let half = exp / 2;
    half + half.mul_f64(unit.clamp(0.0, 1.0))
}

/// Runs until the token is refused or the protocol is unsupported (then
/// returns that error after emitting [`SyncEvent::Stopped`]). Abort the task
/// to stop it (sign-out). The store mutex is held only for local steps,
/// never across network waits.
pub async fn run_sync_loop(
    store: Arc<Mutex<Store>>,
    client: SyncClient,
    events: impl Fn(SyncEvent) + Send + Sync + 'static,
    options: LoopOptions,
) -> SyncError {
    let poke = Arc::new(Notify::new());
    let listener = tokio::spawn(listen(client.clone(), poke.clone(), options.clone()));
    let mut failures: u32 = 0;
    let mut due = true;
    let mut next_idle = tokio::time::Instant::now() + options.idle_sync;
    let error = loop {
        if tokio::time::Instant::now() >= next_idle {
            due = true;
        }
        if !due {
            let pending = store
                .lock()
                .map(|s| s.outbox_len().unwrap_or(0))
                .unwrap_or_else(|p| p.into_inner().outbox_len().unwrap_or(0));
            due = pending > 0;
        }
        if due {
            match sync_once(&store, &client).await {
                Ok(report) => {
                    failures = 0;
                    due = false;
                    next_idle = tokio::time::Instant::now() + options.idle_sync;
                    if report.pulled > 0
                        || !report.numbers.is_empty()
                        || !report.rejected.is_empty()
                    {
                        events(SyncEvent::Changed(report));
                    }
                }
                Err(e @ (SyncError::Unauthorized(_) | SyncError::UnsupportedSchema(_))) => {
                    break e;
                }
                Err(e) => {
                    tracing::debug!("sync failed: {e}");
                    let delay = backoff_delay(
                        failures,
                        options.min_backoff,
                        options.max_backoff,
                        rand::rng().random::<f64>(),
                    );
                    failures = failures.saturating_add(1);
                    emit_status(&store, &client, &events);
                    tokio::select! {
                        _ = tokio::time::sleep(delay) => {}
                        _ = options.kick.notified() => {}
                    }
                    continue;
                }
            }
            emit_status(&store, &client, &events);
        }
        tokio::select! {
            _ = poke.notified() => due = true,
            _ = options.kick.notified() => due = true,
            _ = tokio::time::sleep(options.outbox_poll) => {}
        }
    };
    listener.abort();
    set_net(&client, Connectivity::Online, Some(error.to_string()));
    emit_status(&store, &client, &events);
    events(SyncEvent::Stopped(error.to_string()));
    error
}

fn emit_status(store: &Mutex<Store>, client: &SyncClient, events: &impl Fn(SyncEvent)) {
    let s = store.lock().unwrap_or_else(|p| p.into_inner());
    match status(&s, client) {
        Ok(st) => {
            drop(s);
            events(SyncEvent::Status(st));
        }
        Err(e) => tracing::warn!("cannot read the sync status: {e}"),
    }
}

/// Keeps an SSE connection open, notifying `poke` on every `changed`
/// event; reconnects with backoff.
async fn listen(client: SyncClient, poke: Arc<Notify>, options: LoopOptions) {
    let mut failures: u32 = 0;
    loop {
        let result = client
            .listen(|_| {
                failures = 0;
                poke.notify_one();
            })
            .await;
        if let Err(e) = result {
            tracing::debug!("sync events stream: {e}");
        }
        let delay = backoff_delay(
            failures,
            options.min_backoff,
            options.max_backoff,
            rand::rng().random::<f64>(),
        );
        failures = failures.saturating_add(1);
        tokio::time::sleep(delay).await;
        // After a reconnect, pull: pokes may have been missed meanwhile.
        poke.notify_one();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_with_jitter_and_caps() {
        let (min, max) = (Duration::from_millis(500), Duration::from_secs(30));
        assert_eq!(backoff_delay(0, min, max, 0.0), Duration::from_millis(250));
        assert_eq!(backoff_delay(0, min, max, 1.0), Duration::from_millis(500));
        assert_eq!(backoff_delay(3, min, max, 1.0), Duration::from_secs(4));
        for attempt in [10, 20, 100, u32::MAX] {
            let d = backoff_delay(attempt, min, max, 0.999);
            assert!(d <= max && d >= max / 2, "capped at {max:?}: {d:?}");
        }
    }
}
