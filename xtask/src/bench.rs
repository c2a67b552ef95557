//! `cargo xtask bench` (filled in by the store work).
