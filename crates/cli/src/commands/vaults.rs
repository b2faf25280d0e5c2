//! Sync, open vaults, folders and overviews, and resolve
//! `VAULT/FOLDER/.../ITEM` paths.
//!
//! Per SPEC § Web vault (client rules): whatever fails to open is never
//! shown, the others are, and the person is told that the server sent data
//! that failed its integrity check (`failures`, exit 4 at the end).

use crate::client::Client;
use crate::exit::{CliError, CliResult};
use crate::keys::{open_vault, Keyring, OpenVault, VaultView};
use blindvault::encoding::b64u_decode;
use blindvault::item;
use serde::Deserialize;
use serde_json::{Map, Value};

#[derive(Deserialize, Clone)]
pub struct ItemView {
    pub vault_id: String,
    pub id: String,
    pub envelope: String,
    pub revision: i64,
    pub trashed_at: Option<i64>,
}

#[derive(Deserialize, Clone)]
pub struct FolderView {
    pub vault_id: String,
    pub id: String,
    pub envelope: String,
    pub revision: i64,
}

#[derive(Deserialize)]
struct SyncAnswer {
    vaults: Vec<VaultView>,
    #[serde(default)]
    folders: Vec<FolderView>,
    items: Vec<ItemView>,
}

pub struct Synced {
    pub vaults: Vec<OpenVault>,
    pub folders: Vec<FolderView>,
    pub items: Vec<ItemView>,
    /// One line per vault or item that failed verification (ids only).
    pub failures: Vec<String>,
}

pub struct OpenedItem {
    pub view: ItemView,
    pub overview: Map<String, Value>,
}

/// `GET /sync`, every vault key unwrapped and every vault name opened.
pub fn sync(client: &Client, keyring: &Keyring) -> CliResult<Synced> {
    let answer: SyncAnswer = client.get("/sync")?;
    let mut vaults = Vec::new();
    let mut failures = Vec::new();
    for v in &answer.vaults {
        match open_vault(keyring, v) {
            Ok(open) => vaults.push(open),
            Err(e) => failures.push(format!("vault {}: {e}", v.id)),
        }
    }
    // Oldest first, as the web vault lists them.
    vaults.sort_by_key(|v| v.seq);
    // The server lists items in no particular order (docs/API.md); sorted,
    // so lists and exports come out the same way from either database.
    let mut items = answer.items;
    items.sort_by(|a, b| (&a.vault_id, &a.id).cmp(&(&b.vault_id, &b.id)));
    Ok(Synced {
        vaults,
        folders: answer.folders,
        items,
        failures,
    })
}

/// The item blob JSON from its transport form, BASE64URL(UTF-8(JSON)).
pub fn blob_of(view: &ItemView) -> Result<String, String> {
    let bytes = b64u_decode(&view.envelope, "item envelope")
        .map_err(|_| "the item envelope is not base64url".to_owned())?;
    String::from_utf8(bytes).map_err(|_| "the item envelope is not UTF-8".to_owned())
}

impl Synced {
    /// The index in `vaults` of the vault named `name` (or with that id).
    pub fn vault(&self, name: &str) -> CliResult<usize> {
        let hits: Vec<usize> = (0..self.vaults.len())
            .filter(|&i| self.vaults[i].name == name || self.vaults[i].id == name)
            .collect();
        match hits.as_slice() {
            [one] => Ok(*one),
            [] if !self.failures.is_empty() => {
                Err(self
                    .integrity_error(&format!("no vault named {name:?} among those that opened")))
            }
            [] => Err(CliError::other(format!("no vault named {name:?}"))),
            _ => Err(CliError::usage(format!(
                "{} vaults are named {name:?}: use the vault id instead",
                hits.len()
            ))),
        }
    }

    /// Opens the overviews of the live (not trashed) items of a vault; the
    /// ones that fail are added to `failures`.
    pub fn open_items(&mut self, vault_idx: usize) -> Vec<OpenedItem> {
        let Some(vault) = self.vaults.get(vault_idx) else {
            return Vec::new();
        };
        let mut ids = Vec::new();
        let mut blobs = Vec::new();
        let mut views = Vec::new();
        for view in self
            .items
            .iter()
            .filter(|i| i.vault_id == vault.id && i.trashed_at.is_none())
        {
            match blob_of(view) {
                Ok(blob) => {
                    ids.push(view.id.clone());
                    blobs.push(blob);
                    views.push(view.clone());
                }
                Err(e) => self.failures.push(format!("item {}: {e}", view.id)),
            }
        }
        let pairs: Vec<(&str, &str)> = ids
            .iter()
            .map(String::as_str)
            .zip(blobs.iter().map(String::as_str))
            .collect();
        let results = item::open_overviews(&vault.key, &vault.id, &pairs);
        let mut out = Vec::new();
        for (view, result) in views.into_iter().zip(results) {
            let parsed = result.map_err(|e| e.to_string()).and_then(|pt| {
                serde_json::from_slice::<Map<String, Value>>(pt.expose_secret())
                    .map_err(|_| "the overview is not a JSON object".to_owned())
            });
            match parsed {
                Ok(overview) => out.push(OpenedItem { view, overview }),
                Err(e) => self.failures.push(format!("item {}: {e}", view.id)),
            }
        }
        out
    }

    pub fn integrity_error(&self, context: &str) -> CliError {
        CliError::integrity(format!(
            "{context}; the server sent data that failed its integrity check (tampered, swapped or replaced): {}",
            self.failures.join("; ")
        ))
    }

    /// Tells the person about anything that failed to open (on stderr), and
    /// turns it into exit code 4 once the rest has been shown.
    pub fn finish(&self) -> CliResult<()> {
        if self.failures.is_empty() {
            Ok(())
        } else {
            Err(self.integrity_error(&format!("{} object(s) were not shown", self.failures.len())))
        }
    }
}

/// `VAULT/FOLDER/.../ITEM`: the vault, the folder names, the item name.
pub fn split_path(path: &str) -> CliResult<(&str, Vec<&str>, &str)> {
    let parts: Vec<&str> = path.split('/').collect();
    if parts.len() < 2 || parts.iter().any(|p| p.is_empty()) {
        return Err(CliError::usage(
            "PATH must be VAULT/ITEM or VAULT/FOLDER/.../ITEM (no empty segments)",
        ));
    }
    let (vault, rest) = (parts[0], &parts[1..]);
    let (item, folders) = rest.split_last().map_or(("", &[][..]), |(i, f)| (*i, f));
    Ok((vault, folders.to_vec(), item))
}

/// `VAULT[/FOLDER/...]` for listings: the vault and the folder names.
pub fn split_prefix(path: &str) -> CliResult<(&str, Vec<&str>)> {
    let parts: Vec<&str> = path.trim_end_matches('/').split('/').collect();
    if parts.iter().any(|p| p.is_empty()) {
        return Err(CliError::usage("PATH must be VAULT or VAULT/FOLDER/..."));
    }
    Ok((parts[0], parts[1..].to_vec()))
}
