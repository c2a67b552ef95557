//! Integration tests of the real server: each test boots the router on
//! 127.0.0.1:0 and talks to it over HTTP with reqwest, once on SQLite (a
//! temporary file) and once on PostgreSQL (a fresh database per test).

mod common;

mod ai;
mod auth;
mod crash;
mod inbox;
mod isolation;
mod kb;
mod sla;
mod sync;
mod tickets;
