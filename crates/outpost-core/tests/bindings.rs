//! The committed TypeScript bindings must match the Rust types.
//! `OUTPOST_UPDATE_BINDINGS=1` rewrites the file instead (what
//! `cargo xtask bindings` does).
#![cfg(feature = "ts")]

#[test]
fn committed_typescript_bindings_are_fresh() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../ui/src/bindings.ts");
    let fresh = outpost_core::typescript::bindings();
    if std::env::var_os("OUTPOST_UPDATE_BINDINGS").is_some() {
        std::fs::write(path, &fresh).expect("write ui/src/bindings.ts");
    }
    let committed = std::fs::read_to_string(path).unwrap_or_default();
    assert!(
        committed == fresh,
        "ui/src/bindings.ts is stale: run `cargo xtask bindings` and commit the result"
    );
}
