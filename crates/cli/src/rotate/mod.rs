//! `bv rotate postgres|mysql PATH`: zero-knowledge rotation of database
//! passwords. The server has no keys, so this client generates the new
//! password, keeps it in the item as pending, changes it on the database
//! server, checks it, and commits it (see `item.rs` for the steps and the
//! invariant; SPEC § Command-line client, Rotation).

pub mod engine;
pub mod faults;
pub mod item;
mod mysql;
pub mod pending;
mod postgres;
mod quote;
mod scram;
pub mod summary;

use crate::exit::CliResult;
use blindvault::generator::{generate_password, PasswordOptions};
use blindvault::secret::SecretString;
use item::{Job, Selected};
use std::io::IsTerminal;
use summary::Outcome;

/// A new database password: 32 letters and digits (≈ 190 bits). No
/// punctuation, so it can go into a connection URL or a shell variable
/// without escaping.
pub fn new_password() -> CliResult<SecretString> {
    let opts = PasswordOptions {
        length: 32,
        symbols: false,
        ..PasswordOptions::default()
    };
    generate_password(&opts)
        .map(|g| g.secret)
        .map_err(|e| crate::exit::core(&e))
}

/// Rotates each selected item in turn, with a progress bar when stderr is
/// a terminal (silent otherwise, e.g. under cron).
pub fn run_all(job: &Job, selected: Vec<Selected>) -> Vec<Outcome> {
    let bar = std::io::stderr().is_terminal().then(|| {
        let bar = indicatif::ProgressBar::new(selected.len() as u64);
        bar.set_message(format!("rotating {} passwords", job.engine.name()));
        bar
    });
    let mut out = Vec::with_capacity(selected.len());
    for sel in selected {
        if let Some(b) = &bar {
            b.set_message(sel.path.clone());
        }
        out.push(item::rotate(job, sel));
        if let Some(b) = &bar {
            b.inc(1);
        }
    }
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    out
}
