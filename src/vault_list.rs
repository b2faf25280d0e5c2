//! The account's own list of its vaults (docs/SPEC.md § Vault list).
//!
//! ```text
//! envelope under account_key, ctx bv1/vault-list/<account>
//! plaintext {"v":1,"version":N,"default":"<vault id>","vaults":["<id>",...],
//!            "anchors":{"<id>":{"len":L,"head":"<hex>"},...}}   (default, anchors optional)
//! ```
//!
//! Only the account's own client can write it, so it says which vaults the
//! person made or accepted: a vault the server lists that is not here is
//! *pending* until the person accepts it, and the default vault comes from
//! here, never from the server's order. `version` grows by one per change;
//! a device refuses a version lower than one it has seen.
//!
//! `anchors` carry, per listed vault, a member-log head that one of this
//! account's devices verified. A new device starts verifying from there
//! instead of entry 0 (only our own client can write the list, so the
//! anchor is our own word), which keeps a device's first unlock of a vault
//! with a long log to the entries since then (docs/BENCHMARKS.md, member log).

use crate::member_log::Anchor;

use crate::account::UnlockedAccount;
use crate::context::{validate_id, Context};
use crate::strict_json::{self, Unknown, Value};
use crate::{Error, Result};

#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct VaultList {
    pub version: u64,
    pub default: Option<String>,
    pub vaults: Vec<String>,
    /// (vault id, the member-log head an account device verified), one per
    /// vault. A list, not a map: the unlock page's module pays ~6 KB gzipped
    /// for a BTreeMap of another type (docs/BENCHMARKS.md, module sizes).
    pub anchors: Vec<(String, Anchor)>,
}

/// How far the list's anchor of a vault may trail what a device verified
/// before [`VaultList::with_anchors`] writes a newer one: a new device then
/// checks at most about this many signatures per vault (about 10 ms in
/// Chromium at ~100 us each, docs/BENCHMARKS.md), for one list write per
/// this many log entries.
pub const ANCHOR_LAG: u64 = 100;

#[derive(serde::Serialize)]
struct Plain<'a> {
    v: u8,
    version: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    default: Option<&'a str>,
    vaults: &'a [String],
    #[serde(skip_serializing_if = "AnchorsPlain::is_empty")]
    anchors: AnchorsPlain<'a>,
}

/// `{"<vault id>": {"len": L, "head": "<hex>"}, ...}`.
struct AnchorsPlain<'a>(&'a [(String, Anchor)]);

impl AnchorsPlain<'_> {
    fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl serde::Serialize for AnchorsPlain<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> core::result::Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut m = s.serialize_map(Some(self.0.len()))?;
        for (id, a) in self.0 {
            m.serialize_entry(id, a)?;
        }
        m.end()
    }
}

impl VaultList {
    fn set_anchor(&mut self, vault_id: &str, a: &Anchor) {
        match self.anchors.iter_mut().find(|(id, _)| id == vault_id) {
            Some((_, cur)) => *cur = a.clone(),
            None => self.anchors.push((vault_id.to_owned(), a.clone())),
        }
    }

    pub fn contains(&self, vault_id: &str) -> bool {
        self.vaults.iter().any(|v| v == vault_id)
    }

    /// The member-log anchor this account keeps for a listed vault.
    pub fn anchor(&self, vault_id: &str) -> Option<&Anchor> {
        self.anchors
            .iter()
            .find(|(id, _)| id == vault_id)
            .map(|(_, a)| a)
    }

    /// The next version with newer anchors for the listed vaults among
    /// `verified` (vault id, head a device just verified) whose anchor here
    /// is missing or trails by at least [`ANCHOR_LAG`] entries; `None` when
    /// none does, so a sync writes the list once when a vault first has a
    /// log here and then about once per that many entries. The caller verified each head against the list's own anchor
    /// (see [`crate::member_log::Roster::verify_anchored`]), so a newer
    /// anchor always extends the older one.
    pub fn with_anchors<'a>(
        &self,
        verified: impl IntoIterator<Item = (&'a str, &'a Anchor)>,
    ) -> Option<VaultList> {
        let mut next = self.clone();
        let mut changed = false;
        for (id, a) in verified {
            let due = match self.anchor(id) {
                None => a.len > 0,
                Some(cur) => a.len >= cur.len.saturating_add(ANCHOR_LAG),
            };
            if self.contains(id) && due {
                next.set_anchor(id, a);
                changed = true;
            }
        }
        changed.then(|| {
            next.version += 1;
            next
        })
    }

    /// The next version with `vault_id` added (and made the default if there
    /// was none), with `anchor` (the head of its member log we verified, if
    /// it has one) as its anchor unless it has one already: a vault enters
    /// the list with its anchor, so no second write is needed for it.
    /// Unchanged content still bumps nothing: returns `None`.
    pub fn with(&self, vault_id: &str, anchor: Option<&Anchor>) -> Result<Option<VaultList>> {
        validate_id(vault_id)?;
        let anchor = match anchor {
            Some(a) if a.len == 0 || !crate::member_log::is_hash(&a.head) => {
                return Err(Error::InvalidPayload(
                    "an anchor is not {len > 0, hex head}",
                ))
            }
            Some(a) if self.anchor(vault_id).is_none() => Some(a),
            _ => None,
        };
        if self.contains(vault_id) && self.default.is_some() && anchor.is_none() {
            return Ok(None);
        }
        let mut next = self.clone();
        next.version += 1;
        if !next.contains(vault_id) {
            next.vaults.push(vault_id.to_owned());
        }
        if let Some(a) = anchor {
            next.set_anchor(vault_id, a);
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
        next.anchors.retain(|(id, _)| id != vault_id);
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
            anchors: AnchorsPlain(&self.anchors),
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
        let bad = || {
            Error::InvalidPayload("the vault list is not {v, version, default?, vaults, anchors?}")
        };
        let doc = strict_json::parse_bytes(pt.expose_secret()).map_err(|_| bad())?;
        let [v, version, default, vaults, anchors] = doc
            .fields(
                ["v", "version", "default", "vaults", "anchors"],
                Unknown::Refuse,
            )
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
        let mut anchor_list: Vec<(String, Anchor)> = Vec::new();
        if let Some(anchors) = anchors {
            for (id, a) in anchors.members().ok_or_else(bad)? {
                let [len, head] = a.fields(["len", "head"], Unknown::Refuse).ok_or_else(bad)?;
                let len = len.and_then(Value::as_u64).ok_or_else(bad)?;
                let head = head.and_then(Value::as_str).ok_or_else(bad)?;
                validate_id(id).map_err(|_| bad())?;
                if !ids.iter().any(|v| v == id) || !crate::member_log::is_hash(head) {
                    return Err(bad());
                }
                let anchor = Anchor {
                    len,
                    head: head.to_owned(),
                };
                if anchor_list.iter().any(|(v, _)| v == id) {
                    return Err(bad());
                }
                anchor_list.push((id.to_string(), anchor));
            }
        }
        if version < seen {
            return Err(Error::VaultListRollback { seen, got: version });
        }
        Ok(VaultList {
            version,
            default,
            vaults: ids,
            anchors: anchor_list,
        })
    }
}
