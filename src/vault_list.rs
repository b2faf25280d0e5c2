//! The account's own list of its vaults (docs/SPEC.md § Vault list).
//!
//! ```text
//! envelope under account_key, ctx bv1/vault-list/<account>
//! plaintext {"v":1,"version":N,"default":"<vault id>","vaults":["<id>",...]}   (default optional)
//! ```
//!
//! Only the account's own client can write it, so it says which vaults the
//! person made or accepted: a vault the server lists that is not here is
//! *pending* until the person accepts it, and the default vault comes from
//! here, never from the server's order. `version` grows by one per change;
//! a device refuses a version lower than one it has seen.

use crate::account::UnlockedAccount;
use crate::context::{validate_id, Context};
use crate::strict_json::{self, Unknown, Value};
use crate::{Error, Result};

#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct VaultList {
    pub version: u64,
    pub default: Option<String>,
    pub vaults: Vec<String>,
}

#[derive(serde::Serialize)]
struct Plain<'a> {
    v: u8,
    version: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    default: Option<&'a str>,
    vaults: &'a [String],
}

impl VaultList {
    pub fn contains(&self, vault_id: &str) -> bool {
        self.vaults.iter().any(|v| v == vault_id)
    }

    /// The next version with `vault_id` added (and made the default if there
    /// was none). Unchanged content still bumps nothing: returns `None`.
    pub fn with(&self, vault_id: &str) -> Result<Option<VaultList>> {
        validate_id(vault_id)?;
        if self.contains(vault_id) && self.default.is_some() {
            return Ok(None);
        }
        let mut next = self.clone();
        next.version += 1;
        if !next.contains(vault_id) {
            next.vaults.push(vault_id.to_owned());
        }
        if next.default.is_none() {
            next.default = Some(vault_id.to_owned());
        }
        Ok(Some(next))
    }

    /// The next version without `vault_id` (a vault that was deleted or that
    /// removed us), or `None` if it was not listed.
    pub fn without(&self, vault_id: &str) -> Option<VaultList> {
        if !self.contains(vault_id) {
            return None;
        }
        let mut next = self.clone();
        next.version += 1;
        next.vaults.retain(|v| v != vault_id);
        if next.default.as_deref() == Some(vault_id) {
            next.default = next.vaults.first().cloned();
        }
        Some(next)
    }

    pub fn seal(&self, me: &UnlockedAccount) -> Result<String> {
        let text = serde_json::to_vec(&Plain {
            v: 1,
            version: self.version,
            default: self.default.as_deref(),
            vaults: &self.vaults,
        })
        .map_err(|_| Error::InvalidPayload("cannot encode the vault list"))?;
        me.account_key()
            .seal(&text, &Context::vault_list(me.account_id())?)
    }

    /// Opens the list and refuses one older than `seen` (the highest version
    /// this device has seen, 0 for none).
    pub fn open(me: &UnlockedAccount, envelope: &str, seen: u64) -> Result<VaultList> {
        let pt = me
            .account_key()
            .open(envelope, &Context::vault_list(me.account_id())?)?;
        let bad = || Error::InvalidPayload("the vault list is not {v, version, default?, vaults}");
        let doc = strict_json::parse_bytes(pt.expose_secret()).map_err(|_| bad())?;
        let [v, version, default, vaults] = doc
            .fields(["v", "version", "default", "vaults"], Unknown::Refuse)
            .ok_or_else(bad)?;
        if v.and_then(Value::as_u64) != Some(1) {
            return Err(Error::UnsupportedVersion);
        }
        let version = version.and_then(Value::as_u64).ok_or_else(bad)?;
        let default = match default {
            None => None,
            Some(d) => Some(d.as_str().ok_or_else(bad)?.to_owned()),
        };
        let mut ids = Vec::new();
        for id in vaults.and_then(Value::as_array).ok_or_else(bad)? {
            let id = id.as_str().ok_or_else(bad)?;
            validate_id(id).map_err(|_| bad())?;
            ids.push(id.to_owned());
        }
        if version < seen {
            return Err(Error::VaultListRollback { seen, got: version });
        }
        Ok(VaultList {
            version,
            default,
            vaults: ids,
        })
    }
}
