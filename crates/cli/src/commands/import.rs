//! `bv import FILE [--format blindvault|bitwarden-json|csv] [--vault V]`.
//!
//! Every format is read by the core (`blindvault::transfer`, the same code
//! the web vault runs) into (folder, overview, details, trashed) records,
//! then written here with new ids. A bv export keeps its vault names
//! (vaults are created when missing); the other formats go to `--vault`
//! (default "Imported", created if missing). What the core converted or left
//! out (a Bitwarden card kept as a note, a passkey, ...) is printed after
//! the count.

use super::item::{create_item, Payload};
use super::{folders, vaults, Ctx};
use crate::cli::ImportFormat;
use crate::exit::{CliError, CliResult};
use crate::keys::{self, seal_vault_name};
use crate::password::read_export_password;
use blindvault::keys::SymmetricKey;
use blindvault::transfer::{self, ExportDocument, ImportRecord, TransferError};
use serde_json::{json, Value};
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
    let (records, notes) = match format {
        ImportFormat::Blindvault => {
            let password = read_export_password(false)?;
            let doc = ExportDocument::open(&text, password.expose_secret()).map_err(|e| match e {
                TransferError::Envelope(e) => CliError::new(
                    crate::exit::Kind::Auth,
                    format!("cannot open the export ({e}): wrong export password, or the file was changed"),
                ),
                e => CliError::other(format!("the export file is not valid: {e}")),
            })?;
            let records = doc
                .into_records()
                .into_iter()
                .flat_map(|v| {
                    let name = v.name;
                    v.records.into_iter().map(move |r| record(&name, r))
                })
                .collect();
            (records, Vec::new())
        }
        ImportFormat::BitwardenJson => parsed(transfer::bitwarden::parse(&text), target)?,
        ImportFormat::Csv => parsed(transfer::csv::parse(&text), target)?,
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
            for n in &notes {
                s.push_str("\n  ");
                s.push_str(n);
            }
            s
        },
        || json!({"imported": imported, "notes": notes}),
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

/// A core record, into `vault`.
fn record(vault: &str, r: ImportRecord) -> Record {
    Record {
        vault: vault.to_owned(),
        folder: r.folder.unwrap_or_default(),
        overview: r.overview,
        details: r.details,
        trashed: r.trashed,
    }
}

/// Another manager's file, read by the core, into the `--vault` target.
fn parsed(
    p: Result<transfer::Parsed, TransferError>,
    target: &str,
) -> CliResult<(Vec<Record>, Vec<String>)> {
    let p = p.map_err(|e| match e {
        // Re-exporting is the fix, so it is a usage error, as before.
        TransferError::EncryptedBitwarden => CliError::usage(e.to_string()),
        e => CliError::other(e.to_string()),
    })?;
    Ok((
        p.records.into_iter().map(|r| record(target, r)).collect(),
        p.notes,
    ))
}
