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
use std::sync::Mutex;
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

/// How many database servers are talked to at once. Each item's steps are
/// mostly round trips (vault server, database server), so a few workers
/// overlap the waiting; more would only queue on the vault server's single
/// write connection.
const WORKERS: usize = 8;

/// Rotates the selected items, several at once, with a progress bar when
/// stderr is a terminal (silent otherwise, e.g. under cron). Items that log
/// in as the same user on the same server stay in one queue, in order:
/// two concurrent `ALTER`s of one role would leave one item holding a
/// password the role no longer has. Outcomes come back in input order.
pub fn run_all(job: &Job, selected: Vec<Selected>) -> Vec<Outcome> {
    let bar = std::io::stderr().is_terminal().then(|| {
        let bar = indicatif::ProgressBar::new(selected.len() as u64);
        bar.set_message(format!("rotating {} passwords", job.engine.name()));
        bar
    });
    let n = selected.len();
    let mut groups: Vec<(String, Vec<(usize, Selected)>)> = Vec::new();
    for (i, sel) in selected.into_iter().enumerate() {
        let key = login_key(&sel);
        match groups.iter_mut().find(|(k, _)| *k == key) {
            Some((_, g)) => g.push((i, sel)),
            None => groups.push((key, vec![(i, sel)])),
        }
    }
    let queue = Mutex::new(groups.into_iter().map(|(_, g)| g));
    let results: Mutex<Vec<Option<Outcome>>> = Mutex::new((0..n).map(|_| None).collect());
    std::thread::scope(|s| {
        for _ in 0..WORKERS.min(n) {
            s.spawn(|| loop {
                let next = match queue.lock() {
                    Ok(mut q) => q.next(),
                    Err(_) => None, // another worker panicked; scope re-raises it
                };
                let Some(group) = next else { break };
                for (i, sel) in group {
                    if let Some(b) = &bar {
                        b.set_message(sel.path.clone());
                    }
                    let outcome = item::rotate(job, sel);
                    if let Ok(mut r) = results.lock() {
                        r[i] = Some(outcome);
                    }
                    if let Some(b) = &bar {
                        b.inc(1);
                    }
                }
            });
        }
    });
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    results
        .into_inner()
        .unwrap_or_default()
        .into_iter()
        .flatten()
        .collect()
}

/// `user@host:port` as the item's overview states it: items sharing it
/// change the same database login.
fn login_key(sel: &Selected) -> String {
    let get = |k: &str| match sel.overview.get(k) {
        Some(serde_json::Value::String(s)) => s.clone(),
        Some(v) => v.to_string(),
        None => String::new(),
    };
    format!("{}@{}:{}", get("username"), get("host"), get("port"))
}
