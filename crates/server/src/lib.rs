//! Blindvault's zero-knowledge server. It stores envelopes as opaque strings,
//! the access-rights structure and a hash-chained audit log; it never holds a
//! key and never links the crypto core. See docs/SPEC.md "Server".

#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

pub mod app;
pub mod audit;
pub mod auth;
pub mod config;
pub mod db;
pub mod error;
pub mod extract;
pub mod member_log;
pub mod openapi;
pub mod rate_limit;
pub mod roles;
pub mod routes;
pub mod static_files;
pub mod validate;
