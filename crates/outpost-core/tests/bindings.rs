//! The committed TypeScript bindings must match the Rust types.
#![cfg(feature = "ts")]

#[test]
fn committed_typescript_bindings_are_fresh() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../ui/src/bindings.ts");
    let committed = std::fs::read_to_string(path).unwrap_or_default();
    assert!(
        committed == outpost_core::typescript::bindings(),
        "ui/src/bindings.ts is stale: run `cargo xtask bindings` and commit the result"
    );
}
