//! The shell's state: the open local store behind a mutex (a SQLite
//! connection is used from one thread at a time) and the error mapping to
//! `{code, message}`.

use outpost_client::{Store, StoreError};
use outpost_core::ErrorDto;
use std::sync::Mutex;

/// Everything the commands share.
pub struct AppState {
    store: Mutex<Store>,
}

impl AppState {
    /// Wraps an open store.
    pub fn new(store: Store) -> Self {
        Self {
            store: Mutex::new(store),
        }
    }

    /// Runs `f` with the store, mapping its error for the UI.
    pub fn with<T>(
        &self,
        f: impl FnOnce(&mut Store) -> Result<T, StoreError>,
    ) -> Result<T, ErrorDto> {
        let mut guard = self
            .store
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        f(&mut guard).map_err(|e| {
            let dto = ErrorDto::from(&e);
            if dto.code == "internal" {
                tracing::error!("store error: {e}");
            }
            dto
        })
    }
}
