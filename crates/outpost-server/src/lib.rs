//! Outpost central server (filled in by the sync issue).
