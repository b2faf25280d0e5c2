//! `bv import FILE [--format blindvault|bitwarden-json|csv] [--vault V]`.
//!
//! Every format is first turned into the same list of (vault, folder,
//! overview, details, trashed) records, then written with new ids. A bv
//! export keeps its vault names (vaults are created when missing); the
//! other formats go to `--vault` (default "Imported", created if missing).

use super::item::{create_item, Payload};
use super::{folders, vaults, Ctx};
use crate::cli::ImportFormat;
use crate::exit::{CliError, CliResult};
use crate::keys::{self, seal_vault_name};
use crate::password::read_export_password;
use blindvault::keys::SymmetricKey;
use blindvault::password_envelope::open_with_password;
use serde_json::{json, Map, Value};
use std::path::Path;

/// One item to create.
pub struct Record {
    pub vault: String,
    pub folder: String,
    pub overview: Payload,
    pub details: Payload,
    pub trashed: bool,
}

pub fn run(ctx: &Ctx, file: &Path, format: ImportFormat, vault: Option<&str>) -> CliResult<()> {
    let text = std::fs::read_to_string(file)
        .map_err(|e| CliError::other(format!("cannot read {}: {e}", file.display())))?;
    let target = vault.unwrap_or("Imported");
    let (records, skipped) = match format {
        ImportFormat::Blindvault => {
            let password = read_export_password(false)?;
            let plain = open_with_password(text.trim(), password.expose_secret()).map_err(|e| {
                CliError::new(
                    crate::exit::Kind::Auth,
                    format!("cannot open the export ({e}): wrong export password, or the file was changed"),
                )
            })?;
            (from_blindvault(plain.expose_secret())?, Vec::new())
        }
        ImportFormat::BitwardenJson => super::import_formats::bitwarden_json(&text, target)?,
        ImportFormat::Csv => super::import_formats::csv(&text, target)?,
    };
    let (client, keyring) = ctx.open()?;
    let account = keyring.account()?;
    let mut synced = vaults::sync(&client, &keyring)?;
    let mut imported = 0usize;
    let mut by_vault: Vec<(String, Vec<&Record>)> = Vec::new();
    for r in &records {
        match by_vault.iter_mut().find(|(v, _)| *v == r.vault) {
            Some((_, list)) => list.push(r),
            None => by_vault.push((r.vault.clone(), vec![r])),
        }
    }
    for (vault_name, list) in by_vault {
        let vi = match synced.vault(&vault_name) {
            Ok(i) => i,
            Err(_) => {
                create_vault(&client, account, &vault_name)?;
                synced = vaults::sync(&client, &keyring)?;
                synced.vault(&vault_name)?
            }
        };
        let mut fs = folders::open_all(&mut synced, vi);
        let vault = &synced.vaults[vi];
        for r in list {
            let mut overview = r.overview.clone();
            overview.remove("folder");
            if !r.folder.is_empty() {
                let id = folders::ensure(&client, vault, &mut fs, &r.folder)?;
                overview.insert("folder".into(), Value::String(id));
            }
            let id = keys::random_id()?;
            let view = create_item(&client, vault, &id, &overview, &r.details)?;
            if r.trashed {
                client.post_unit(
                    &format!("/vaults/{}/items/{id}/trash", vault.id),
                    Some(&json!({"base_revision": view.revision})),
                )?;
            }
            imported += 1;
        }
    }
    ctx.out.show(
        || {
            let mut s = format!("Imported {imported} items.");
            if !skipped.is_empty() {
                s.push_str(&format!(
                    " Skipped {}: {}.",
                    skipped.len(),
                    skipped.join("; ")
                ));
            }
            s
        },
        || json!({"imported": imported, "skipped": skipped}),
    );
    Ok(())
}

fn create_vault(
    client: &crate::client::Client,
    account: &blindvault::account::UnlockedAccount,
    name: &str,
) -> CliResult<()> {
    let id = keys::random_id()?;
    let key = SymmetricKey::generate().map_err(|e| crate::exit::core(&e))?;
    let body = json!({
        "id": id,
        "name": seal_vault_name(&key, &id, name)?,
        "wrapped_vault_key": account.wrap_vault_key(&key, &id).map_err(|e| crate::exit::core(&e))?,
    });
    client.post_unit("/vaults", Some(&body))
}

/// The export JSON of SPEC § Web vault, Export file.
fn from_blindvault(plain: &[u8]) -> CliResult<Vec<Record>> {
    let bad = |what: &str| CliError::other(format!("the export file is not valid: {what}"));
    let doc: Map<String, Value> =
        serde_json::from_slice(plain).map_err(|_| bad("not a JSON object"))?;
    if doc.get("format").and_then(Value::as_str) != Some(super::export::FORMAT) {
        return Err(bad("unknown format"));
    }
    if doc.get("version").and_then(Value::as_u64) != Some(super::export::VERSION) {
        return Err(bad("unknown version"));
    }
    let mut out = Vec::new();
    for v in doc
        .get("vaults")
        .and_then(Value::as_array)
        .ok_or_else(|| bad("no vaults"))?
    {
        let name = v
            .get("name")
            .and_then(Value::as_str)
            .ok_or_else(|| bad("vault name"))?;
        let folder_names: Map<String, Value> = v
            .get("folders")
            .and_then(Value::as_array)
            .map(|fs| {
                fs.iter()
                    .filter_map(|f| {
                        Some((
                            f.get("id")?.as_str()?.to_owned(),
                            Value::String(f.get("name")?.as_str()?.to_owned()),
                        ))
                    })
                    .collect()
            })
            .unwrap_or_default();
        for i in v
            .get("items")
            .and_then(Value::as_array)
            .ok_or_else(|| bad("items"))?
        {
            let overview = i
                .get("overview")
                .and_then(Value::as_object)
                .ok_or_else(|| bad("item overview"))?
                .clone();
            let details = i
                .get("details")
                .and_then(Value::as_object)
                .cloned()
                .unwrap_or_default();
            let folder = overview
                .get("folder")
                .and_then(Value::as_str)
                .and_then(|id| folder_names.get(id))
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_owned();
            out.push(Record {
                vault: name.to_owned(),
                folder,
                overview,
                details,
                trashed: i.get("trashed").and_then(Value::as_bool).unwrap_or(false),
            });
        }
    }
    Ok(out)
}
