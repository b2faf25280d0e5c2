//! # blindvault — the crypto core
//!
//! Everything secret in Blindvault is derived, encrypted and decrypted here, on
//! the client (natively for the `bv` CLI, as WebAssembly in the browser). The
//! core does no I/O. `docs/SPEC.md` is the normative description of every
//! format produced by this crate; `ARCHITECTURE.md` draws the key hierarchy.
#![forbid(unsafe_code)]
// Untrusted input must never reach a panic; unit tests may unwrap.
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

pub mod account;
pub mod attachment;
pub mod audit_chain;
pub mod context;
pub mod encoding;
pub mod envelope;
pub mod error;
pub mod generator;
pub mod identity;
pub mod item;
pub mod kdf;
pub mod keys;
pub mod member_log;
pub mod names;
pub mod overview_snapshot;
pub mod password_envelope;
pub mod random;
pub mod rotation;
pub mod secret;
pub mod share_link;
pub mod sharing;
#[cfg(feature = "strength")]
pub mod strength;
mod strict_json;
#[cfg(feature = "transfer")]
pub mod transfer;
pub mod vault_list;

#[cfg(target_arch = "wasm32")]
mod wasm;

pub use error::{Error, Result};
