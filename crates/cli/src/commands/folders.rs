//! Folders: `VAULT/FOLDER/.../ITEM` paths (SPEC § Web vault, Folders; §
//! Command-line client).
//!
//! A folder is `{"name": string}` sealed under the vault key with context
//! `bv1/folder/<vault>/<id>`; an item names its folder by id in its
//! overview's `folder` member. Folders are flat, as the web vault draws them,
//! so a nested path is one folder whose name is the whole path below the
//! vault ("production/databases"): the web vault shows that name as is, and
//! `bv` lists `VAULT/production` recursively by name prefix. Folders are
//! created on demand when an item is added under a path.

use super::vaults::Synced;
use crate::client::Client;
use crate::exit::{CliError, CliResult};
use crate::keys::{self, OpenVault};
use serde_json::{json, Map, Value};

pub struct OpenFolder {
    pub id: String,
    pub name: String,
}

/// The folders of one vault that open; the others go to `failures`.
pub fn open_all(synced: &mut Synced, vi: usize) -> Vec<OpenFolder> {
    let Some(vault) = synced.vaults.get(vi) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for f in synced.folders.iter().filter(|f| f.vault_id == vault.id) {
        match open_one(vault, &f.id, &f.envelope) {
            Ok(folder) => out.push(folder),
            Err(e) => synced.failures.push(format!("folder {}: {e}", f.id)),
        }
    }
    out
}

fn open_one(vault: &OpenVault, id: &str, envelope: &str) -> Result<OpenFolder, String> {
    let name = blindvault::names::open_folder_name(&vault.key, &vault.id, id, envelope)
        .map_err(|e| e.to_string())?;
    Ok(OpenFolder {
        id: id.to_owned(),
        name,
    })
}

/// The folder name of an item ("" at the vault's top level, also for a
/// folder id that does not exist, as the web vault shows it).
pub fn of_item<'a>(overview: &Map<String, Value>, folders: &'a [OpenFolder]) -> &'a str {
    overview
        .get("folder")
        .and_then(Value::as_str)
        .and_then(|id| folders.iter().find(|f| f.id == id))
        .map_or("", |f| f.name.as_str())
}

/// Whether folder `name` is `prefix` or below it ("" is the whole vault).
pub fn is_under(name: &str, prefix: &str) -> bool {
    prefix.is_empty()
        || name == prefix
        || (name.starts_with(prefix) && name.as_bytes().get(prefix.len()) == Some(&b'/'))
}

/// The id of the folder named `name`, if there is exactly one.
pub fn find(folders: &[OpenFolder], name: &str) -> CliResult<Option<String>> {
    let hits: Vec<&OpenFolder> = folders.iter().filter(|f| f.name == name).collect();
    match hits.as_slice() {
        [] => Ok(None),
        [one] => Ok(Some(one.id.clone())),
        _ => Err(CliError::usage(format!(
            "{} folders are named {name:?}",
            hits.len()
        ))),
    }
}

/// The id of the folder named `name`, created if missing.
pub fn ensure(
    client: &Client,
    vault: &OpenVault,
    folders: &mut Vec<OpenFolder>,
    name: &str,
) -> CliResult<String> {
    if let Some(id) = find(folders, name)? {
        return Ok(id);
    }
    let id = keys::random_id()?;
    let envelope = blindvault::names::seal_folder_name(&vault.key, &vault.id, &id, name)
        .map_err(|e| crate::exit::core(&e))?;
    client.post_unit(
        &format!("/vaults/{}/folders", vault.id),
        Some(&json!({ "id": id, "envelope": envelope })),
    )?;
    folders.push(OpenFolder {
        id: id.clone(),
        name: name.to_owned(),
    });
    Ok(id)
}
