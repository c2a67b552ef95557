//! The HTTP side of sync: one method per server endpoint, errors mapped to
//! [`SyncError`] (connection failures are [`SyncError::Offline`]; `{code,
//! message}` bodies keep their code).

use super::SyncError;
use futures_util::StreamExt;
use outpost_core::sync::{
    PROTOCOL_VERSION, PullRequest, PullResponse, PushRequest, PushResponse, RegisterRequest,
    RegisterResponse,
};
use outpost_core::{Agent, Workspace};
use reqwest::{RequestBuilder, Response};
use serde::{Deserialize, Serialize};
use std::time::Duration;
use uuid::Uuid;

/// The answer to a sign-in.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LoginResponse {
    pub token: String,
    pub agent: Agent,
    pub workspace: Workspace,
}

/// A connection to one Outpost server with one bearer token. Cheap to clone.
#[derive(Debug, Clone)]
pub struct SyncClient {
    http: reqwest::Client,
    base: String,
    token: Option<String>,
    /// Connectivity as last observed, shared by clones (see [`super::status`]).
    pub(crate) net: std::sync::Arc<std::sync::Mutex<super::NetState>>,
}

impl SyncClient {
    /// A client for `server_url` (e.g. `http://127.0.0.1:7878`), not signed in.
    pub fn new(server_url: &str) -> Result<Self, SyncError> {
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(5))
            .timeout(Duration::from_secs(60))
            .build()
            .map_err(|e| SyncError::Protocol(format!("cannot build the HTTP client: {e}")))?;
        Ok(SyncClient {
            http,
            base: server_url.trim_end_matches('/').to_owned(),
            token: None,
            net: Default::default(),
        })
    }

    /// A client for `server_url` with a saved token.
    pub fn with_token(server_url: &str, token: impl Into<String>) -> Result<Self, SyncError> {
        let mut c = Self::new(server_url)?;
        c.token = Some(token.into());
        Ok(c)
    }

    /// The server URL (no trailing slash).
    pub fn server_url(&self) -> &str {
        &self.base
    }

    /// The bearer token, once signed in.
    pub fn token(&self) -> Option<&str> {
        self.token.as_deref()
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    fn authed(&self, rb: RequestBuilder) -> RequestBuilder {
        match &self.token {
            Some(t) => rb.bearer_auth(t),
            None => rb,
        }
    }

    /// `POST /api/v1/auth/login`; keeps the token in this client.
    pub async fn login(&mut self, email: &str, password: &str) -> Result<LoginResponse, SyncError> {
        let body = serde_json::json!({ "email": email, "password": password });
        let res = send(self.http.post(self.url("/api/v1/auth/login")).json(&body)).await?;
        let login: LoginResponse = json(res).await?;
        self.token = Some(login.token.clone());
        Ok(login)
    }

    /// `POST /api/v1/sync/register` (idempotent).
    pub async fn register(&self, client_id: Uuid) -> Result<RegisterResponse, SyncError> {
        let req = RegisterRequest {
            client_id,
            schema_version: PROTOCOL_VERSION,
        };
        let rb = self.http.post(self.url("/api/v1/sync/register")).json(&req);
        json(send(self.authed(rb)).await?).await
    }

    /// `PUT /api/v1/rules` (admin): replaces the workspace's workflow rules.
    pub async fn put_rules(
        &self,
        set: &outpost_core::rules::RuleSet,
    ) -> Result<outpost_core::rules::RuleSet, SyncError> {
        let rb = self.http.put(self.url("/api/v1/rules")).json(set);
        json(send(self.authed(rb)).await?).await
    }

    /// `PUT /api/v1/settings/sla` (admin): replaces the workspace's SLA
    /// settings; every device receives them through the sync feed.
    pub async fn put_sla_settings(
        &self,
        settings: &outpost_core::sla::SlaSettings,
    ) -> Result<outpost_core::sla::SlaSettings, SyncError> {
        let rb = self
            .http
            .put(self.url("/api/v1/settings/sla"))
            .json(settings);
        json(send(self.authed(rb)).await?).await
    }

    /// `POST /api/v1/sync/push`.
    pub async fn push(&self, req: &PushRequest) -> Result<PushResponse, SyncError> {
        let rb = self.http.post(self.url("/api/v1/sync/push")).json(req);
        json(send(self.authed(rb)).await?).await
    }

    /// `POST /api/v1/sync/pull`: one page after `cursor`.
    pub async fn pull(&self, cursor: Option<&str>) -> Result<PullResponse, SyncError> {
        let req = PullRequest {
            cursor: cursor.map(str::to_owned),
            schema_version: Some(PROTOCOL_VERSION),
            limit: None,
        };
        let rb = self.http.post(self.url("/api/v1/sync/pull")).json(&req);
        json(send(self.authed(rb)).await?).await
    }

    /// `GET /api/v1/sync/bootstrap`: one snapshot page (`page` = the previous
    /// page's `nextCursor`).
    pub async fn bootstrap(&self, page: Option<&str>) -> Result<PullResponse, SyncError> {
        let mut rb = self.http.get(self.url("/api/v1/sync/bootstrap"));
        if let Some(p) = page {
            rb = rb.query(&[("page", p)]);
        }
        json(send(self.authed(rb)).await?).await
    }

    /// `POST /api/v1/tickets/{number}/insights/summary`: a summary and draft
    /// resolution generated by the workspace's configured model (on the
    /// server; its key never comes here).
    pub async fn ticket_summary(
        &self,
        number: u64,
    ) -> Result<outpost_core::GeneratedSummary, SyncError> {
        let path = format!("/api/v1/tickets/{number}/insights/summary");
        let rb = self.http.post(self.url(&path));
        json(send(self.authed(rb)).await?).await
    }

    /// `GET /api/v1/sync/events`: calls `on_poke` with the version of every
    /// `changed` event until the stream ends (`Ok`) or fails (`Err`).
    pub async fn listen(&self, mut on_poke: impl FnMut(i64)) -> Result<(), SyncError> {
        let rb = self
            .http
            .get(self.url("/api/v1/sync/events"))
            .timeout(Duration::from_secs(24 * 3600));
        let res = send(self.authed(rb)).await?;
        let res = check(res).await?;
        let mut stream = res.bytes_stream();
        let mut buf = String::new();
        let mut event = String::new();
        while let Some(chunk) = stream.next().await {
            let chunk = chunk.map_err(|e| SyncError::Offline(e.to_string()))?;
            buf.push_str(&String::from_utf8_lossy(&chunk));
            while let Some(nl) = buf.find('\n') {
                let line = buf[..nl].trim_end_matches('\r').to_owned();
                buf.drain(..=nl);
                if let Some(e) = line.strip_prefix("event:") {
                    event = e.trim().to_owned();
                } else if let Some(d) = line.strip_prefix("data:") {
                    if event == "changed" {
                        on_poke(d.trim().parse().unwrap_or(-1));
                    }
                } else if line.is_empty() {
                    event.clear();
                }
            }
        }
        Ok(())
    }
}

async fn send(rb: RequestBuilder) -> Result<Response, SyncError> {
    rb.send().await.map_err(|e| {
        if e.is_connect() || e.is_timeout() || e.is_request() {
            SyncError::Offline(e.to_string())
        } else {
            SyncError::Protocol(e.to_string())
        }
    })
}

#[derive(Deserialize)]
struct ErrorBody {
    code: String,
    message: String,
}

async fn check(res: Response) -> Result<Response, SyncError> {
    let status = res.status();
    if status.is_success() {
        return Ok(res);
    }
    let text = res.text().await.unwrap_or_default();
    let (code, message) = match serde_json::from_str::<ErrorBody>(&text) {
        Ok(b) => (b.code, b.message),
        Err(_) => (format!("http_{}", status.as_u16()), text),
    };
    Err(SyncError::from_server(status.as_u16(), code, message))
}

async fn json<T: serde::de::DeserializeOwned>(res: Response) -> Result<T, SyncError> {
    let res = check(res).await?;
    let bytes = res
        .bytes()
        .await
        .map_err(|e| SyncError::Offline(e.to_string()))?;
    serde_json::from_slice(&bytes)
        .map_err(|e| SyncError::Protocol(format!("unexpected answer from the server: {e}")))
}
