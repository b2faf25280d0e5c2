//! `audit [--vault V] [--verify]` (SPEC § Server, Audit log).
//!
//! `--verify` recomputes the hash chain here rather than trusting the
//! server's own verdict. A chain that verifies only proves it is
//! self-consistent: a server can rewrite history and recompute every hash.
//! So the last verified entry of each vault (seq and hash) is remembered in
//! `audit-heads.json` under the config directory, and a later run refuses
//! a chain in which that entry changed or vanished (exit 4).

use super::{vaults, Ctx};
use crate::exit::{CliError, CliResult};
use serde::{Deserialize, Serialize};
use serde_json::json;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

#[derive(Deserialize, Serialize, Clone)]
struct Entry {
    seq: i64,
    chain: String,
    time: i64,
    actor: String,
    action: String,
    object: String,
    client: String,
    outcome: String,
    prev_hash: String,
    hash: String,
}

#[derive(Deserialize)]
struct Page {
    entries: Vec<Entry>,
}

#[derive(Deserialize, Serialize, Clone, PartialEq)]
struct Head {
    seq: i64,
    hash: String,
}

const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";
const PAGE: usize = 10_000;

/// `hex(SHA-256(enc("blindvault/v1/audit") || enc(seq) || … || enc(prev_hash)))`,
/// `enc(s) = u32_be(len(s)) || s`.
fn entry_hash(e: &Entry) -> String {
    let mut h = Sha256::new();
    let seq = e.seq.to_string();
    let time = e.time.to_string();
    for part in [
        "blindvault/v1/audit",
        &seq,
        &e.chain,
        &time,
        &e.actor,
        &e.action,
        &e.object,
        &e.client,
        &e.outcome,
        &e.prev_hash,
    ] {
        h.update((part.len() as u32).to_be_bytes());
        h.update(part.as_bytes());
    }
    hex::encode(h.finalize())
}

/// The first entry that breaks the chain, and why.
fn verify_chain(entries: &[Entry], chain: &str) -> Option<(i64, &'static str)> {
    let mut prev = GENESIS.to_owned();
    let mut last_seq = i64::MIN;
    for e in entries {
        if e.chain != chain {
            return Some((e.seq, "entry of another chain"));
        }
        if e.seq <= last_seq {
            return Some((e.seq, "out of order"));
        }
        if e.prev_hash != prev {
            return Some((e.seq, "prev_hash does not match the previous entry"));
        }
        if entry_hash(e) != e.hash {
            return Some((e.seq, "hash does not match the entry"));
        }
        prev = e.hash.clone();
        last_seq = e.seq;
    }
    None
}

fn load_heads() -> CliResult<BTreeMap<String, Head>> {
    crate::state_file::load("audit-heads.json")
}

fn save_heads(heads: &BTreeMap<String, Head>) -> CliResult<()> {
    crate::state_file::save("audit-heads.json", heads)
}

pub fn run(ctx: &Ctx, vault: Option<&str>, verify: bool) -> CliResult<()> {
    let (client, keyring) = ctx.open()?;
    let synced = vaults::sync(&client, &keyring)?;
    let targets: Vec<usize> = match vault {
        Some(v) => vec![synced.vault(v)?],
        None => (0..synced.vaults.len())
            .filter(|&i| matches!(synced.vaults[i].role.as_str(), "admin" | "owner"))
            .collect(),
    };
    let mut heads = load_heads()?;
    let mut report = Vec::new();
    let mut broken = Vec::new();
    for vi in targets {
        let v = &synced.vaults[vi];
        let mut entries: Vec<Entry> = Vec::new();
        loop {
            let after = entries.last().map_or(0, |e| e.seq);
            let page: Page = client.get(&format!(
                "/vaults/{}/audit?after={after}&limit={PAGE}",
                v.id
            ))?;
            let n = page.entries.len();
            entries.extend(page.entries);
            if n < PAGE {
                break;
            }
        }
        let mut verdict = json!(null);
        if verify {
            let chain = format!("vault:{}", v.id);
            let mut problem =
                verify_chain(&entries, &chain).map(|(seq, why)| (seq, why.to_owned()));
            if problem.is_none() {
                if let Some(head) = heads.get(&v.id) {
                    let still = entries
                        .iter()
                        .any(|e| e.seq == head.seq && e.hash == head.hash);
                    if !still {
                        problem = Some((
                            head.seq,
                            "the entry verified on an earlier run changed or vanished (history rewritten)"
                                .into(),
                        ));
                    }
                }
            }
            match &problem {
                Some((seq, why)) => {
                    broken.push(format!("{} at seq {seq}: {why}", v.name));
                    verdict = json!({"ok": false, "first_broken_seq": seq, "reason": why});
                }
                None => {
                    if let Some(last) = entries.last() {
                        heads.insert(
                            v.id.clone(),
                            Head {
                                seq: last.seq,
                                hash: last.hash.clone(),
                            },
                        );
                    }
                    verdict = json!({"ok": true, "entries": entries.len()});
                }
            }
        }
        report.push((v.name.clone(), v.id.clone(), entries, verdict));
    }
    if verify && broken.is_empty() {
        save_heads(&heads)?;
    }
    ctx.out.show(
        || {
            let mut lines = Vec::new();
            for (name, _, entries, verdict) in &report {
                lines.push(format!("== {name}"));
                for e in entries {
                    lines.push(format!(
                        "{}\t{}\t{}\t{}\t{}\t{}",
                        e.seq, e.time, e.actor, e.action, e.object, e.outcome
                    ));
                }
                if verify {
                    lines.push(if verdict["ok"] == json!(true) {
                        format!("chain verified: {} entries", entries.len())
                    } else {
                        format!(
                            "CHAIN BROKEN at seq {}: {}",
                            verdict["first_broken_seq"], verdict["reason"]
                        )
                    });
                }
            }
            lines.join("\n")
        },
        || {
            json!(report
                .iter()
                .map(
                    |(name, id, entries, verdict)| json!({"vault": name, "vault_id": id,
                    "entries": entries, "verify": verdict})
                )
                .collect::<Vec<_>>())
        },
    );
    if !broken.is_empty() {
        return Err(CliError::integrity(format!(
            "the audit log failed verification: {}",
            broken.join("; ")
        )));
    }
    synced.finish()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[derive(Deserialize)]
    struct Fail {
        name: String,
        first_broken_seq: i64,
        entries: Vec<Entry>,
    }
    #[derive(Deserialize)]
    struct Vectors {
        chain: String,
        entries: Vec<Entry>,
        fail_cases: Vec<Fail>,
    }

    /// The vectors the server's copy of the formula is tested against too
    /// (tests/vectors/audit_chain.json, made with Python's hashlib), so the
    /// two cannot drift apart.
    #[test]
    fn chain_vectors() {
        let v: Vectors =
            serde_json::from_str(include_str!("../../../../tests/vectors/audit_chain.json"))
                .unwrap();
        for e in &v.entries {
            assert_eq!(entry_hash(e), e.hash, "seq {}", e.seq);
        }
        assert_eq!(verify_chain(&v.entries, &v.chain), None);
        assert_eq!(v.fail_cases.len(), 5);
        for f in &v.fail_cases {
            let broken = verify_chain(&f.entries, &v.chain).map(|(seq, _)| seq);
            assert_eq!(broken, Some(f.first_broken_seq), "{}", f.name);
        }
        // An entry of another vault's chain is refused even when its hash is right.
        assert_eq!(
            verify_chain(&v.entries, "vault:other").map(|(s, _)| s),
            Some(3)
        );
    }
}
