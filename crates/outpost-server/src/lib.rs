//! Outpost's central server as a library: the axum [`router`] (testable
//! without a socket), its state, and [`serve`]. The `outpost-server` binary
//! is a thin CLI over this crate.
//!
//! Words used here:
//! - *store*: the database behind the server, SQLite (embedded default) or
//!   PostgreSQL (several server processes on one database), see [`db`].
//! - *session*: the signed-in agent of a request, from its bearer token.

pub mod api;
pub mod auth;
pub mod db;
pub mod error;
pub mod setup;
pub mod sla;
pub mod store;

use std::net::SocketAddr;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

pub use api::router;
pub use db::Store;
pub use error::AppError;
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};

/// Server settings that are not the listen address or the database.
#[derive(Debug, Clone)]
pub struct Config {
    /// Password hashing cost (tests use [`auth::HashCost::Fast`]).
    pub hash_cost: auth::HashCost,
    /// Failed logins allowed per (email, IP) per window.
    pub login_max_failures: usize,
    /// The login limiter's window.
    pub login_window: Duration,
    /// Largest request body, except sync pushes.
    pub body_limit: usize,
    /// Largest sync push body (a long offline outbox).
    pub push_body_limit: usize,
    /// How often conversations waiting for an agent are checked against the
    /// `no_agent_reply` rules.
    pub rules_sweep: Duration,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            hash_cost: auth::HashCost::Standard,
            login_max_failures: 10,
            login_window: Duration::from_secs(300),
            body_limit: 1024 * 1024,
            push_body_limit: 32 * 1024 * 1024,
            rules_sweep: Duration::from_secs(60),
        }
    }
}

/// What every handler shares.
#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    pub config: Arc<Config>,
    pub limiter: Arc<auth::LoginLimiter>,
    pub metrics: PrometheusHandle,
    /// This process's node id in HLC stamps of edits made over REST.
    pub node: uuid::Uuid,
}

impl AppState {
    /// State over `store` with `config`.
    pub fn new(store: Store, config: Config) -> AppState {
        AppState {
            store,
            limiter: Arc::new(auth::LoginLimiter::new(
                config.login_max_failures,
                config.login_window,
            )),
            config: Arc::new(config),
            metrics: metrics_handle(),
            node: uuid::Uuid::now_v7(),
        }
    }
}

/// The process-wide Prometheus recorder (installed on first use).
pub fn metrics_handle() -> PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE
        .get_or_init(|| {
            let recorder = PrometheusBuilder::new().build_recorder();
            let handle = recorder.handle();
            // Another recorder may already be installed (embedding); then
            // this handle just renders nothing.
            let _ = metrics::set_global_recorder(recorder);
            handle
        })
        .clone()
}

/// Serves `state` on `listener` until the future `shutdown` completes.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let sweeper = tokio::spawn(sweep_waiting_rules(state.clone()));
    let served = axum::serve(
        listener,
        router(state).into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await;
    sweeper.abort();
    served
}

/// Fires the `no_agent_reply` rules on waiting conversations every
/// `config.rules_sweep`, as the workspace's first admin.
async fn sweep_waiting_rules(state: AppState) {
    let mut tick = tokio::time::interval(state.config.rules_sweep);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        let node = state.node;
        let result = state
            .store
            .write(move |tx| {
                let now = store::time(chrono::Utc::now().timestamp_millis());
                let mut n = 0;
                for (ws, admin) in store::rules::workspaces_with_waiting_rules(tx)? {
                    let mut scope = store::WriteScope::begin(tx, ws)?;
                    let ctx = store::rules::RunCtx {
                        actor: admin,
                        node,
                        now,
                    };
                    n += store::rules::sweep_waiting(tx, &mut scope, &ctx)?;
                }
                Ok::<_, AppError>(n)
            })
            .await;
        if let Err(e) = result {
            tracing::warn!("waiting-conversation rules failed: {e}");
        }
    }
}
