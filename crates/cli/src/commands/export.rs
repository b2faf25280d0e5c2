//! `bv export --out FILE` (SPEC § Web vault, Export file).
//!
//! Every vault the account opens, with folders and items (trashed ones
//! flagged), as the export JSON sealed in one password envelope
//! (PBES2-HS512+A256KW / A256GCM, any JOSE library opens it). The export
//! password comes from `BV_EXPORT_PASSWORD` or a prompt (typed twice), and
//! must differ from the master password. Attachments are not exported: their
//! keys live under item keys that an import does not keep.

use super::{folders, vaults, Ctx};
use crate::exit::{CliError, CliResult};
use crate::password::read_export_password;
use blindvault::password_envelope::seal_with_password;
use serde_json::{json, Map, Value};
use std::io::Write;
use std::path::Path;

pub const FORMAT: &str = "blindvault-export";
pub const VERSION: u64 = 1;

pub fn run(ctx: &Ctx, out: &Path) -> CliResult<()> {
    let (client, keyring) = ctx.open()?;
    keyring.account()?;
    let mut synced = vaults::sync(&client, &keyring)?;
    let mut vaults_json = Vec::new();
    let mut count = 0usize;
    let mut dropped_attachments = 0usize;
    for vi in 0..synced.vaults.len() {
        let fs = folders::open_all(&mut synced, vi);
        let vault = &synced.vaults[vi];
        let mut items = Vec::new();
        for view in synced.items.iter().filter(|i| i.vault_id == vault.id) {
            let blob = match vaults::blob_of(view) {
                Ok(b) => b,
                Err(e) => {
                    synced.failures.push(format!("item {}: {e}", view.id));
                    continue;
                }
            };
            let open = |r: blindvault::Result<blindvault::secret::SecretBytes>| {
                r.map_err(|e| e.to_string()).and_then(|pt| {
                    serde_json::from_slice::<Map<String, Value>>(pt.expose_secret())
                        .map_err(|_| "not a JSON object".to_owned())
                })
            };
            let ov = open(blindvault::item::open_overview(
                &vault.key, &vault.id, &view.id, &blob,
            ));
            let det = open(blindvault::item::open_details(
                &vault.key, &vault.id, &view.id, &blob,
            ));
            match (ov, det) {
                (Ok(ov), Ok(mut det)) => {
                    if det.remove("attachments").is_some() {
                        dropped_attachments += 1;
                    }
                    items.push(json!({"overview": ov, "details": det,
                                      "trashed": view.trashed_at.is_some()}));
                    count += 1;
                }
                (Err(e), _) | (_, Err(e)) => synced.failures.push(format!("item {}: {e}", view.id)),
            }
        }
        vaults_json.push(json!({
            "name": vault.name,
            "folders": fs.iter().map(|f| json!({"id": f.id, "name": f.name})).collect::<Vec<_>>(),
            "items": items,
        }));
    }
    // An export that silently lacks items would be a bad backup.
    if !synced.failures.is_empty() {
        return Err(synced.integrity_error("nothing was exported"));
    }
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let plain = zeroize::Zeroizing::new(
        json!({"format": FORMAT, "version": VERSION, "exported_at": now, "vaults": vaults_json})
            .to_string(),
    );
    let password = read_export_password(true)?;
    let jwe = seal_with_password(plain.as_bytes(), password.expose_secret())
        .map_err(|e| crate::exit::core(&e))?;
    write_new(out, jwe.as_bytes())?;
    ctx.out.show(
        || {
            let mut s = format!("Exported {count} items to {}.", out.display());
            if dropped_attachments > 0 {
                s.push_str(&format!(
                    " Attachments of {dropped_attachments} item(s) are not in the export."
                ));
            }
            s
        },
        || json!({"items": count, "out": out.display().to_string(), "items_with_attachments_left_out": dropped_attachments}),
    );
    Ok(())
}

/// Writes the file with mode 0600, never over an existing one.
fn write_new(path: &Path, bytes: &[u8]) -> CliResult<()> {
    let io = |e: std::io::Error| CliError::other(format!("cannot write {}: {e}", path.display()));
    let mut f = crate::session::private_file(path).map_err(io)?;
    f.write_all(bytes).map_err(io)?;
    f.sync_all().map_err(io)
}
