//! The shell's state: the open local store behind a mutex (a SQLite
//! connection is used from one thread at a time), a change signal that wakes
//! background tasks after writes, and the error mapping to `{code, message}`.

use outpost_client::{Store, StoreError};
use outpost_core::ErrorDto;
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

/// Everything the commands share.
pub struct AppState {
    store: Arc<Mutex<Store>>,
    /// Bumped on every write, so background tasks wake up at once.
    generation: Mutex<u64>,
    changed: Condvar,
}

impl AppState {
    /// Wraps an open store.
    pub fn new(store: Store) -> Self {
        Self {
            store: Arc::new(Mutex::new(store)),
            generation: Mutex::new(0),
            changed: Condvar::new(),
        }
    }

    /// The shared store, for background tasks that lock it themselves.
    pub fn store(&self) -> Arc<Mutex<Store>> {
        Arc::clone(&self.store)
    }

    /// Runs `f` with the store, mapping its error for the UI. Failures of the
    /// store itself (not bad input) are logged.
    pub fn with<T>(
        &self,
        f: impl FnOnce(&mut Store) -> Result<T, StoreError>,
    ) -> Result<T, ErrorDto> {
        let mut guard = self
            .store
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        f(&mut guard).map_err(|e| {
            if !e.is_bad_input() {
                tracing::error!("store error: {e}");
            }
            ErrorDto::from(&e)
        })
    }

    /// Tells waiting background tasks that the store changed.
    pub fn notify_changed(&self) {
        let mut g = self.generation.lock().unwrap_or_else(|p| p.into_inner());
        *g += 1;
        self.changed.notify_all();
    }

    /// Sleeps until the store changes or `timeout` passes.
    pub fn wait_for_change(&self, timeout: Duration) {
        let g = self.generation.lock().unwrap_or_else(|p| p.into_inner());
        let start = *g;
        let _woken = self.changed.wait_timeout_while(g, timeout, |g| *g == start);
    }
}
