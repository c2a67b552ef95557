//! Authentication: argon2id password hashes, random bearer tokens stored as
//! SHA-256 digests, the login rate limiter, and the [`Session`] extractor
//! that every protected handler takes.
//!
//! The rate limiter is in memory, per process: with several server processes
//! behind a load balancer an attacker gets `max_failures` tries per process
//! per window. Put a shared limiter (or sticky routing) in front when that
//! matters.

use crate::AppState;
use crate::error::AppError;
use crate::store::accounts;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Argon2, Params};
use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::StatusCode;
use axum::http::request::Parts;
use outpost_core::{Agent, Role, Workspace};
use rand::RngCore;
use sha2::{Digest, Sha256};
use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How expensive password hashing is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum HashCost {
    /// argon2id defaults (19 MiB, 2 passes): production.
    #[default]
    Standard,
    /// Minimal cost, for tests only.
    Fast,
}

fn argon2(cost: HashCost) -> Argon2<'static> {
    match cost {
        HashCost::Standard => Argon2::default(),
        HashCost::Fast => Argon2::new(
            argon2::Algorithm::Argon2id,
            argon2::Version::V0x13,
            Params::new(256, 1, 1, None).unwrap_or_default(),
        ),
    }
}

/// Hashes a password (PHC string with its salt and parameters).
pub fn hash_password(password: &str, cost: HashCost) -> Result<String, AppError> {
    let mut salt = [0u8; 16];
    rand::rng().fill_bytes(&mut salt);
    let salt = SaltString::encode_b64(&salt).map_err(|e| AppError::Internal(e.to_string()))?;
    argon2(cost)
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| AppError::Internal(e.to_string()))
}

/// Whether `password` matches the PHC string `hash`.
pub fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash)
        .map(|h| {
            Argon2::default()
                .verify_password(password.as_bytes(), &h)
                .is_ok()
        })
        .unwrap_or(false)
}

/// Checks a new password's length.
pub fn check_password(password: &str) -> Result<(), AppError> {
    let n = password.chars().count();
    if !(8..=256).contains(&n) {
        return Err(AppError::bad_request(
            "weak_password",
            "password must be 8 to 256 characters",
        ));
    }
    Ok(())
}

/// A new random bearer token (64 hex chars) and its stored digest.
pub fn new_token() -> (String, String) {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    let token = hex::encode(bytes);
    let digest = token_digest(&token);
    (token, digest)
}

/// The SHA-256 digest a token is stored under.
pub fn token_digest(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Counts failed logins per key in a sliding window.
pub struct LoginLimiter {
    max_failures: usize,
    window: Duration,
    failures: Mutex<HashMap<String, VecDeque<Instant>>>,
}

impl LoginLimiter {
    /// Allows `max_failures` failures per key per `window`.
    pub fn new(max_failures: usize, window: Duration) -> Self {
        LoginLimiter {
            max_failures,
            window,
            failures: Mutex::new(HashMap::new()),
        }
    }

    fn with<T>(&self, f: impl FnOnce(&mut HashMap<String, VecDeque<Instant>>) -> T) -> T {
        let mut map = self
            .failures
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        f(&mut map)
    }

    /// Fails with 429 when `key` has used up its failures.
    pub fn check(&self, key: &str, now: Instant) -> Result<(), AppError> {
        let window = self.window;
        let blocked = self.with(|m| {
            let q = m.entry(key.to_owned()).or_default();
            while q.front().is_some_and(|t| now.duration_since(*t) > window) {
                q.pop_front();
            }
            q.len() >= self.max_failures
        });
        if blocked {
            metrics::counter!("outpost_logins_total", "result" => "rate_limited").increment(1);
            return Err(AppError::client(
                StatusCode::TOO_MANY_REQUESTS,
                "rate_limited",
                format!(
                    "too many failed sign-ins; try again in {} seconds",
                    window.as_secs()
                ),
            ));
        }
        Ok(())
    }

    /// Records a failed attempt.
    pub fn fail(&self, key: &str, now: Instant) {
        self.with(|m| {
            if m.len() > 100_000 {
                // Bound memory under a spray of distinct keys.
                m.retain(|_, q| {
                    q.back()
                        .is_some_and(|t| now.duration_since(*t) <= self.window)
                });
            }
            m.entry(key.to_owned()).or_default().push_back(now);
        });
    }

    /// Forgets a key's failures after a successful login.
    pub fn clear(&self, key: &str) {
        self.with(|m| m.remove(key));
    }
}

/// The peer address as the limiter keys it. `X-Forwarded-For` is not trusted.
pub fn peer_ip(parts: &Parts) -> String {
    parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map_or_else(|| "unknown".to_owned(), |c| c.0.ip().to_string())
}

/// The signed-in agent of a request (from its bearer token).
#[derive(Debug, Clone)]
pub struct Session {
    pub agent: Agent,
    pub workspace: Workspace,
    /// The token's digest (for logout).
    pub digest: String,
}

impl Session {
    /// Fails with 403 unless the agent is an admin.
    pub fn require_admin(&self) -> Result<(), AppError> {
        if self.agent.role == Role::Admin {
            Ok(())
        } else {
            Err(AppError::forbidden("this needs the admin role"))
        }
    }
}

impl FromRequestParts<AppState> for Session {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let header = parts
            .headers
            .get(axum::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .ok_or_else(|| AppError::unauthorized("sign in first: missing bearer token"))?;
        let token = header
            .strip_prefix("Bearer ")
            .or_else(|| header.strip_prefix("bearer "))
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .ok_or_else(|| AppError::unauthorized("expected `Authorization: Bearer <token>`"))?;
        let digest = token_digest(token);
        let d = digest.clone();
        let owner = state
            .store
            .read(move |tx| accounts::token_owner(tx, &d).map_err(AppError::from))
            .await?;
        let (agent, workspace) =
            owner.ok_or_else(|| AppError::unauthorized("the token is invalid or was revoked"))?;
        Ok(Session {
            agent,
            workspace,
            digest,
        })
    }
}
