//! Sync, open vaults, folders and overviews, and resolve
//! `VAULT/FOLDER/.../ITEM` paths.
//!
//! Per SPEC § Web vault (client rules): whatever fails to open is never
//! shown, the others are, and the person is told that the server sent data
//! that failed its integrity check (`failures`, exit 4 at the end).

use crate::anchors::Anchors;
use crate::client::Client;
use crate::exit::{CliError, CliResult};
use crate::keys::{open_vault, Keyring, OpenVault, VaultView};
use blindvault::account::UnlockedAccount;
use blindvault::encoding::b64u_decode;
use blindvault::identity::Identity;
use blindvault::item;
use blindvault::member_log::{self, Roster};
use blindvault::vault_list::VaultList;
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

/// A vault shared with us that we have not accepted (SPEC § Shares a person
/// accepts): its key opened and checked against its log, but nothing of it
/// is listed or used until `bv vault accept`.
pub struct PendingVault {
    pub vault: OpenVault,
    pub added_by: Identity,
}

/// The account's vault list as the server holds it, and its revision.
pub struct ListState {
    pub list: VaultList,
    pub revision: i64,
}

pub struct Synced {
    pub vaults: Vec<OpenVault>,
    pub pending: Vec<PendingVault>,
    /// `None` for a service token (it has no list).
    pub list: Option<ListState>,
    pub folders: Vec<FolderView>,
    pub items: Vec<ItemView>,
    /// One line per vault or item that failed verification (ids only).
    pub failures: Vec<String>,
}

pub struct OpenedItem {
    pub view: ItemView,
    pub overview: Map<String, Value>,
}

#[derive(Deserialize)]
struct LogAnswer {
    entries: Vec<String>,
}

#[derive(Deserialize)]
struct ListAnswer {
    revision: i64,
    envelope: String,
}

/// The account's sealed vault list (empty when it has none yet), refused if
/// older than one this machine has seen.
pub fn load_list(client: &Client, me: &UnlockedAccount, seen: u64) -> CliResult<ListState> {
    match client.get::<ListAnswer>("/accounts/me/vault-list") {
        Ok(a) => Ok(ListState {
            list: VaultList::open(me, &a.envelope, seen)
                .map_err(|e| CliError::from_server_data("vault list", &e))?,
            revision: a.revision,
        }),
        Err(e) if e.message.starts_with("not found") && seen == 0 => Ok(ListState {
            list: VaultList::default(),
            revision: 0,
        }),
        Err(e) if e.message.starts_with("not found") => Err(CliError::integrity(
            "the server no longer has this account's vault list, which this machine saw before",
        )),
        Err(e) => Err(e),
    }
}

/// Writes `next` as the account's vault list (revision-checked).
pub fn save_list(
    client: &Client,
    me: &UnlockedAccount,
    state: &ListState,
    next: &VaultList,
) -> CliResult<()> {
    let envelope = next.seal(me).map_err(|e| crate::exit::core(&e))?;
    client.request_unit(
        "PUT",
        "/accounts/me/vault-list",
        &serde_json::json!({"base_revision": state.revision, "envelope": envelope}),
    )?;
    let mut anchors = Anchors::load()?;
    anchors.set_list_version(&format!("account:{}", me.account_id()), next.version);
    anchors.save()
}

/// The verified roster of one vault, or `None` for a vault without a log
/// (refused when this machine, or the account's vault `list`, has an anchor
/// for it: some device of ours verified a log for it before).
pub fn verify_log(
    client: &Client,
    anchors: &Anchors,
    owner: &str,
    vault_id: &str,
    list: Option<&VaultList>,
) -> Result<Option<Roster>, String> {
    let log: LogAnswer = client
        .get(&format!("/vaults/{vault_id}/log"))
        .map_err(|e| format!("member log: {e}"))?;
    let anchor = anchors.log(owner, vault_id);
    let account = list.and_then(|l| l.anchor(vault_id));
    if log.entries.is_empty() {
        return match anchor.or(account) {
            Some(_) => Err(
                "the server dropped the vault's member log, which this account verified before"
                    .into(),
            ),
            None => Ok(None),
        };
    }
    let refs: Vec<&str> = log.entries.iter().map(String::as_str).collect();
    Roster::verify_anchored(vault_id, &refs, anchor, account)
        .map(Some)
        .map_err(|e| format!("member log: {e}"))
}

enum Opened {
    Ready(OpenVault),
    Pending(PendingVault),
}

/// One vault: its log verified, our copy opened against it and our list.
fn open_one(
    client: &Client,
    keyring: &Keyring,
    anchors: &mut Anchors,
    list: Option<&ListState>,
    repairs: &mut Vec<String>,
    v: &VaultView,
) -> Result<Opened, String> {
    let owner = keyring.owner();
    let roster = verify_log(client, anchors, &owner, &v.id, list.map(|l| &l.list))?;
    let mut view = v.clone();
    let Some(roster) = roster else {
        let key = keyring
            .unwrap_legacy_key(&v.wrapped_vault_key, &v.id)
            .map_err(|e| e.to_string())?;
        return open_vault(&view, key, None)
            .map(Opened::Ready)
            .map_err(|e| e.to_string());
    };
    anchors.set_log(&owner, &v.id, roster.anchor());
    match keyring {
        Keyring::Token(t) => {
            let key = t
                .unwrap_vault_key(&v.wrapped_vault_key, &v.id)
                .map_err(|e| e.to_string())?;
            if member_log::key_commitment(&key) != roster.key_commitment() {
                return Err(blindvault::Error::KeyCommitmentMismatch.to_string());
            }
            open_vault(&view, key, Some(roster))
                .map(Opened::Ready)
                .map_err(|e| e.to_string())
        }
        Keyring::Account(me) => {
            view.member = Some(me.account_id().to_owned());
            let empty = VaultList::default();
            let listed = list.map_or(&empty, |l| &l.list);
            let access = member_log::access(me, &roster, &v.wrapped_vault_key, listed)
                .map_err(|e| e.to_string())?;
            if access.rewrap {
                // A share accepted before, or a rotation: keep our own wrap.
                if let Ok(own) = me.wrap_vault_key(&access.key, &v.id) {
                    let _ = client.request_unit(
                        "PUT",
                        &format!("/vaults/{}/key", v.id),
                        &serde_json::json!({"wrapped_vault_key": own}),
                    );
                }
            }
            if access.add_to_list {
                repairs.push(v.id.clone());
            }
            let pending = access.pending;
            let added_by = access.added_by;
            let open = open_vault(&view, access.key, Some(roster)).map_err(|e| e.to_string())?;
            Ok(if pending {
                Opened::Pending(PendingVault {
                    vault: open,
                    added_by,
                })
            } else {
                Opened::Ready(open)
            })
        }
    }
}

/// `GET /sync`; every vault's member log verified (from this machine's
/// anchor), its key opened and checked against the log, its name opened.
pub fn sync(client: &Client, keyring: &Keyring) -> CliResult<Synced> {
    let answer: SyncAnswer = client.get("/sync")?;
    let mut anchors = Anchors::load()?;
    let owner = keyring.owner();
    let list = match keyring {
        Keyring::Account(me) => Some(load_list(client, me, anchors.list_version(&owner))?),
        Keyring::Token(_) => None,
    };
    if let Some(l) = &list {
        anchors.set_list_version(&owner, l.list.version);
    }
    let mut vaults = Vec::new();
    let mut pending = Vec::new();
    let mut failures = Vec::new();
    let mut repairs = Vec::new();
    for v in &answer.vaults {
        match open_one(
            client,
            keyring,
            &mut anchors,
            list.as_ref(),
            &mut repairs,
            v,
        ) {
            Ok(Opened::Ready(open)) => vaults.push(open),
            Ok(Opened::Pending(p)) => pending.push(p),
            Err(e) => failures.push(format!("vault {}: {e}", v.id)),
        }
    }
    anchors.save()?;
    let mut list = list;
    // Vaults we made whose list update never happened are ours: list them.
    // And keep the list's log anchors near what we verified, so a new
    // device of ours does not check every signature again (SPEC § Vault list).
    if let (Keyring::Account(me), Some(state)) = (keyring, list.as_mut()) {
        let mut next = state.list.clone();
        let verified: Vec<(String, blindvault::member_log::Anchor)> = vaults
            .iter()
            .filter_map(|v| v.roster.as_ref().map(|r| (v.id.clone(), r.anchor())))
            .collect();
        for id in &repairs {
            let anchor = verified.iter().find(|(v, _)| v == id).map(|(_, a)| a);
            if let Ok(Some(n)) = next.with(id, anchor) {
                next = n;
            }
        }
        if let Some(n) = next.with_anchors(verified.iter().map(|(id, a)| (id.as_str(), a))) {
            next = n;
        }
        if next != state.list && save_list(client, me, state, &next).is_ok() {
            state.list = next;
            state.revision += 1;
        }
    }
    // The default vault first, then oldest first, as the web vault lists them.
    let default = list.as_ref().and_then(|l| l.list.default.clone());
    vaults.sort_by_key(|v| (Some(&v.id) != default.as_ref(), v.seq));
    // The server lists items in no particular order (docs/API.md); sorted,
    // so lists and exports come out the same way from either database.
    let mut items = answer.items;
    items.sort_by(|a, b| (&a.vault_id, &a.id).cmp(&(&b.vault_id, &b.id)));
    Ok(Synced {
        vaults,
        pending,
        list,
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
            [] if self.pending.iter().any(|p| p.vault.name == name || p.vault.id == name) => {
                Err(CliError::usage(format!(
                    "vault {name:?} was shared with you and is not accepted yet: check who shared it with `bv vault pending`, then `bv vault accept {name}`"
                )))
            }
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
