//! The installer's app: `cargo xtask bundle --check` unpacks the `.deb` into a
//! fresh folder and runs this test with `OUTPOST_APP_BINARY` pointing at the
//! unpacked `usr/bin/outpost`, so the binary users install is the one that must
//! open a store and show its board. Ignored in the normal suite (it needs the
//! release bundle); the bundle check runs it with `--ignored`.

mod common;

use common::{app_binary, launch, screenshot_settled, seeded_store};
use fantoccini::Locator;

use std::time::Duration;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs the unpacked .deb; run by `cargo xtask bundle --check`"]
async fn the_installed_app_opens_a_store_and_shows_the_board() {
    let app_path = app_binary();
    assert!(
        std::env::var_os("OUTPOST_APP_BINARY").is_some(),
        "set OUTPOST_APP_BINARY to the unpacked .deb's usr/bin/outpost"
    );
    assert!(app_path.exists(), "{} is missing", app_path.display());
    let tmp = tempfile::tempdir().unwrap();
    let store_path = seeded_store(tmp.path(), 200, 11);
    let app = launch(&store_path).await;
    let c = app.client.clone();
    let result = async {
        c.wait()
            .at_most(Duration::from_secs(30))
            .for_element(Locator::Css("[data-testid=ticket-card]"))
            .await?;
        let stats = c.find(Locator::Css("body")).await?.text().await?;
        assert!(stats.contains("TKT-"), "the board lists tickets: {stats}");
        screenshot_settled(&c, "deb-board").await;
        Ok::<_, fantoccini::error::CmdError>(())
    }
    .await;
    let _ = c.close().await;
    result.unwrap();
}
