//! `blindvault_cli` as a library: the small blocking client for the HTTP API
//! (docs/API.md) that `bv` itself uses, and its error type with the exit
//! codes. All cryptography is the core crate `blindvault`'s public API; see
//! `examples/rotate.rs` for both together. The `bv` binary (src/main.rs)
//! compiles these modules itself.
#![forbid(unsafe_code)]
#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

pub mod client;
pub mod exit;
