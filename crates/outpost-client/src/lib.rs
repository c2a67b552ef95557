//! Outpost local store.
