//! `bv`: the Blindvault command-line client.
//!
//! Every key is derived, wrapped and opened by the core crate `blindvault`
//! (the same calls the web vault makes through WASM); this crate only talks
//! HTTP, keeps a session file and prints. See `crates/cli/README.md`.
#![forbid(unsafe_code)]
#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod anchors;
mod cli;
mod client;
mod commands;
mod exit;
mod keys;
mod notify;
mod output;
mod password;
mod paths;
mod payload;
mod pins;
mod rotate;
mod session;
mod state_file;
mod token;

use std::process::ExitCode;

fn main() -> ExitCode {
    match commands::run(cli::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            // One line, ripgrep style; never a value from the vault.
            eprintln!("bv: {err}");
            err.exit_code()
        }
    }
}
