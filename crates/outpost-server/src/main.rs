//! `outpost-server` binary.
fn main() {}
