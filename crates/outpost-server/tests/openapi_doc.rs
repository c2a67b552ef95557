//! `docs/server/openapi.json` is the OpenAPI document the server serves, so the
//! docs never drift from the code. `OUTPOST_UPDATE_OPENAPI=1` (what
//! `cargo xtask openapi` sets) rewrites the file instead of failing.

use outpost_server::{AppState, Config, Store};
use std::path::Path;

#[tokio::test]
async fn the_published_openapi_document_is_current() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("doc.db").display());
    let store = Store::open(&url).await.unwrap();
    let state = AppState::new(store, Config::default());
    let doc = outpost_server::api::openapi(&state);
    let fresh = serde_json::to_string_pretty(&doc).unwrap() + "\n";
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/server/openapi.json");
    if std::env::var_os("OUTPOST_UPDATE_OPENAPI").is_some() {
        std::fs::write(&path, &fresh).unwrap();
        return;
    }
    let published = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        published == fresh,
        "{} is stale: run `cargo xtask openapi`",
        path.display()
    );
}
