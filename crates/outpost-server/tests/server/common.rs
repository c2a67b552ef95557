//! Test harness: a real server per test on either backend, sign-in helpers,
//! and the `both!` macro that runs a test on SQLite and on PostgreSQL.

use anyhow::{Context, Result, bail};
use outpost_core::sync::{Hlc, Mutation, MutationOp, PROTOCOL_VERSION, PushRequest, PushResponse};
use outpost_core::{Agent, AgentId, Role, Workspace};
use outpost_server::auth::HashCost;
use outpost_server::{AppState, Config, Store, setup};
use reqwest::{Method, RequestBuilder, Response, StatusCode};
use serde_json::{Value, json};
use std::time::Duration;
use uuid::Uuid;

/// Which database a test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Runs `async fn $name(Backend) -> Result<()>` on both backends.
#[macro_export]
macro_rules! both {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() -> anyhow::Result<()> {
                super::$name($crate::common::Backend::Sqlite).await
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() -> anyhow::Result<()> {
                super::$name($crate::common::Backend::Postgres).await
            }
        }
    )*};
}

fn pg_admin_url() -> String {
    std::env::var("OUTPOST_TEST_PG")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into())
}

/// A throw-away PostgreSQL database, dropped with the guard.
pub struct PgDatabase {
    name: String,
    pub url: String,
}

impl PgDatabase {
    pub async fn create() -> Result<PgDatabase> {
        let name = format!("outpost_test_{}", Uuid::now_v7().simple());
        let admin = pg_admin_url();
        let n = name.clone();
        tokio::task::spawn_blocking(move || -> Result<()> {
            let mut c = postgres::Client::connect(&admin, postgres::NoTls)
                .context("connect to test PostgreSQL")?;
            c.batch_execute(&format!("CREATE DATABASE {n}"))?;
            Ok(())
        })
        .await??;
        let base = pg_admin_url();
        let root = base.rsplit_once('/').map_or(base.as_str(), |(r, _)| r);
        Ok(PgDatabase {
            url: format!("{root}/{name}"),
            name,
        })
    }
}

impl Drop for PgDatabase {
    fn drop(&mut self) {
        let (admin, name) = (pg_admin_url(), self.name.clone());
        // A plain thread: the sync client must not run on a runtime thread.
        let _ = std::thread::spawn(move || {
            if let Ok(mut c) = postgres::Client::connect(&admin, postgres::NoTls) {
                let _ = c.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
            }
        })
        .join();
    }
}

/// A running server and what it needs to stay alive.
pub struct TestServer {
    pub base: String,
    pub http: reqwest::Client,
    pub store: Store,
    pub database_url: String,
    pub backend: Backend,
    _tmp: Option<tempfile::TempDir>,
    _pg: Option<std::sync::Arc<PgDatabase>>,
}

/// A workspace with a signed-in admin and agent.
pub struct Ws {
    pub workspace: Workspace,
    pub admin: Agent,
    pub admin_token: String,
    pub agent: Agent,
    pub token: String,
}

pub const PASSWORD: &str = "correct horse battery";

pub fn test_config() -> Config {
    Config {
        hash_cost: HashCost::Fast,
        login_max_failures: 5,
        ..Config::default()
    }
}

impl TestServer {
    /// Boots a server on a fresh database of `backend`.
    pub async fn start(backend: Backend) -> Result<TestServer> {
        match backend {
            Backend::Sqlite => {
                let tmp = tempfile::tempdir()?;
                let url = format!("sqlite://{}", tmp.path().join("outpost.db").display());
                let mut s = Self::start_on(&url, backend).await?;
                s._tmp = Some(tmp);
                Ok(s)
            }
            Backend::Postgres => {
                let db = std::sync::Arc::new(PgDatabase::create().await?);
                let mut s = Self::start_on(&db.url, backend).await?;
                s._pg = Some(db);
                Ok(s)
            }
        }
    }

    /// Another server process (same database): PostgreSQL scale-out.
    pub async fn sibling(&self) -> Result<TestServer> {
        let mut s = Self::start_on(&self.database_url, self.backend).await?;
        s._pg = self._pg.clone();
        Ok(s)
    }

    async fn start_on(url: &str, backend: Backend) -> Result<TestServer> {
        let store = Store::open(url).await?;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let state = AppState::new(store.clone(), test_config());
        tokio::spawn(outpost_server::serve(
            listener,
            state,
            std::future::pending(),
        ));
        Ok(TestServer {
            base: format!("http://{addr}"),
            // No idle connections kept: the server closes a connection after
            // refusing an oversized body (413) without reading it, and a
            // pooled connection reused in that instant fails with
            // "connection closed before message completed".
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(30))
                .pool_max_idle_per_host(0)
                .build()?,
            store,
            database_url: url.to_owned(),
            backend,
            _tmp: None,
            _pg: None,
        })
    }

    /// A request to `path` with `token`.
    pub fn req(&self, method: Method, path: &str, token: &str) -> RequestBuilder {
        self.http
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(token)
    }

    /// Signs in; returns the token.
    pub async fn login(&self, email: &str, password: &str) -> Result<String> {
        let res = self
            .http
            .post(format!("{}/api/v1/auth/login", self.base))
            .json(&json!({ "email": email, "password": password }))
            .send()
            .await?;
        let status = res.status();
        let body: Value = res.json().await?;
        if status != StatusCode::OK {
            bail!("login failed: {status} {body}");
        }
        Ok(body["token"].as_str().context("token")?.to_owned())
    }

    /// Creates workspace `name` with an admin and an agent, both signed in.
    pub async fn workspace(&self, name: &str) -> Result<Ws> {
        let slug = name.to_lowercase();
        let admin_email = format!("admin@{slug}.test");
        let (workspace, admin) = setup::create_workspace(
            &self.store,
            name,
            "Europe/Paris",
            &admin_email,
            PASSWORD,
            HashCost::Fast,
        )
        .await
        .map_err(anyhow::Error::msg)?;
        let agent_email = format!("agent@{slug}.test");
        let agent = setup::add_agent(
            &self.store,
            name,
            &agent_email,
            "Ana Agent",
            PASSWORD,
            Role::Agent,
            HashCost::Fast,
        )
        .await
        .map_err(anyhow::Error::msg)?;
        Ok(Ws {
            admin_token: self.login(&admin_email, PASSWORD).await?,
            token: self.login(&agent_email, PASSWORD).await?,
            workspace,
            admin,
            agent,
        })
    }

    /// POSTs a new ticket; returns it.
    pub async fn create_ticket(&self, token: &str, title: &str) -> Result<Value> {
        let res = self
            .req(Method::POST, "/api/v1/tickets", token)
            .json(&json!({ "title": title }))
            .send()
            .await?;
        expect(res, StatusCode::CREATED).await
    }

    /// Registers `client` and pushes `mutations`.
    pub async fn push(
        &self,
        token: &str,
        client: Uuid,
        mutations: Vec<Mutation>,
    ) -> Result<PushResponse> {
        let res = self.push_raw(token, client, mutations).await?;
        Ok(serde_json::from_value(expect(res, StatusCode::OK).await?)?)
    }

    /// Pushes without checking the answer.
    pub async fn push_raw(
        &self,
        token: &str,
        client: Uuid,
        mutations: Vec<Mutation>,
    ) -> Result<Response> {
        let req = PushRequest {
            client_id: client,
            schema_version: PROTOCOL_VERSION,
            mutations,
        };
        Ok(self
            .req(Method::POST, "/api/v1/sync/push", token)
            .json(&req)
            .send()
            .await?)
    }

    /// `GET path` as `token`, which must answer 200; its JSON body.
    pub async fn get(&self, path: &str, token: &str) -> Result<Value> {
        expect(
            self.req(Method::GET, path, token).send().await?,
            StatusCode::OK,
        )
        .await
    }

    /// A new device of `actor`, registered with `token`.
    pub async fn device(&self, token: &str, actor: AgentId) -> Result<Device> {
        let dev = Device::new(actor);
        self.register(token, dev.id).await?;
        Ok(dev)
    }

    /// Registers a device.
    pub async fn register(&self, token: &str, client: Uuid) -> Result<()> {
        let res = self
            .req(Method::POST, "/api/v1/sync/register", token)
            .json(&json!({ "clientId": client }))
            .send()
            .await?;
        expect(res, StatusCode::OK).await.map(|_| ())
    }
}

/// Asserts the status; returns the JSON body (or `null` if empty).
pub async fn expect(res: Response, status: StatusCode) -> Result<Value> {
    let got = res.status();
    let text = res.text().await?;
    if got != status {
        bail!("expected {status}, got {got}: {text}");
    }
    Ok(if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).unwrap_or(Value::String(text))
    })
}

/// Asserts an error status with a JSON `{code, message}` body; returns the code.
pub async fn expect_error(res: Response, status: StatusCode) -> Result<String> {
    let body = expect(res, status).await?;
    let code = body["code"]
        .as_str()
        .with_context(|| format!("error body has a code: {body}"))?;
    anyhow::ensure!(
        body["message"].is_string(),
        "error body has a message: {body}"
    );
    Ok(code.to_owned())
}

/// A mutation builder for one device.
pub struct Device {
    pub id: Uuid,
    pub actor: AgentId,
    seq: i64,
}

impl Device {
    pub fn new(actor: AgentId) -> Device {
        Device {
            id: Uuid::now_v7(),
            actor,
            seq: 0,
        }
    }

    /// The next outbox entry, stamped at `wall_ms`.
    pub fn op(&mut self, wall_ms: i64, op: MutationOp) -> Mutation {
        self.seq += 1;
        Mutation {
            client_id: self.id,
            seq: self.seq,
            op_id: Uuid::now_v7(),
            hlc: Hlc {
                wall_ms,
                counter: 0,
                node: self.id,
            },
            actor_id: self.actor,
            op,
        }
    }
}

/// Now in Unix milliseconds.
pub fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}
