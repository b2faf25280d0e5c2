//! `bv export --out FILE` (SPEC § Web vault, Export file).
//!
//! Every vault the account opens, with folders and items (trashed ones
//! flagged), as the export JSON sealed in one password envelope
//! (PBES2-HS512+A256KW / A256GCM, any JOSE library opens it). The export
//! password comes from `BV_EXPORT_PASSWORD` or a prompt (typed twice), and
//! must differ from the master password. Attachments are not exported: their
//! keys live under item keys that an import does not keep. The document is
//! built and sealed by the core (`blindvault::transfer::export_file`), the
//! same code the web vault's export runs.

use super::{folders, vaults, Ctx};
use crate::exit::{CliError, CliResult};
use crate::password::read_export_password;
use blindvault::transfer::{ExportDocument, ExportFolder, ExportItem, ExportVault};
use serde_json::{json, Map, Value};
use std::io::Write;
use std::path::Path;

pub fn run(ctx: &Ctx, out: &Path) -> CliResult<()> {
    let (client, keyring) = ctx.open()?;
    keyring.account()?;
    let mut synced = vaults::sync(&client, &keyring)?;
    let mut export_vaults = Vec::new();
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
                (Ok(overview), Ok(details)) => items.push(ExportItem {
                    overview,
                    details,
                    trashed: view.trashed_at.is_some(),
                }),
                (Err(e), _) | (_, Err(e)) => synced.failures.push(format!("item {}: {e}", view.id)),
            }
        }
        export_vaults.push(ExportVault {
            name: vault.name.clone(),
            folders: fs
                .iter()
                .map(|f| ExportFolder {
                    id: f.id.clone(),
                    name: f.name.clone(),
                })
                .collect(),
            items,
        });
    }
    // An export that silently lacks items would be a bad backup.
    if !synced.failures.is_empty() {
        return Err(synced.integrity_error("nothing was exported"));
    }
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let (doc, dropped_attachments) = ExportDocument::new(now, export_vaults);
    let count = doc.item_count();
    let password = read_export_password(true)?;
    let jwe = doc
        .seal(password.expose_secret())
        .map_err(|e| CliError::other(e.to_string()))?;
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
