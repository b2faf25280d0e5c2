//! `audit [--vault V] [--verify]` (SPEC § Server, Audit log).
//!
//! `--verify` runs the core's verifier (`blindvault::audit_chain`) here
//! rather than trusting the server's own verdict. A chain that verifies only
//! proves it is self-consistent: a server can rewrite history and recompute
//! every hash. So the last verified entry of each vault (seq and hash) is
//! remembered in `audit-heads.json` under the config directory, and the
//! verifier refuses a later chain in which that entry changed or vanished
//! (exit 4).

use super::{vaults, Ctx};
use crate::exit::{CliError, CliResult};
use blindvault::audit_chain::{self, Entry, Head};
use serde::Deserialize;
use serde_json::json;
use std::collections::BTreeMap;

#[derive(Deserialize)]
struct Page {
    entries: Vec<Entry>,
}

const PAGE: usize = 10_000;

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
            // A full page that does not move forward would loop for ever;
            // the verifier names the entry that is out of order.
            if n < PAGE || entries.last().map_or(0, |e| e.seq) <= after {
                break;
            }
        }
        let mut verdict = json!(null);
        if verify {
            let chain = audit_chain::vault_chain(&v.id);
            match audit_chain::verify(&chain, &entries, heads.get(&v.id)) {
                Err(b) => {
                    let why = b.problem.reason();
                    broken.push(format!(
                        "{} at seq {} (entry {}): {why}",
                        v.name, b.seq, b.position
                    ));
                    verdict = json!({"ok": false, "first_broken_seq": b.seq,
                        "position": b.position, "problem": b.problem.code(), "reason": why});
                }
                Ok(head) => {
                    if let Some(head) = head {
                        heads.insert(v.id.clone(), head);
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
                            "CHAIN BROKEN at seq {} (entry {}): {}",
                            verdict["first_broken_seq"],
                            verdict["position"],
                            verdict["reason"].as_str().unwrap_or_default()
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
