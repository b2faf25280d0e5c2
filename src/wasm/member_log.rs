//! Identities, the member log, vault access and the vault list for
//! JavaScript: a few lines each over `crate::member_log`, `crate::identity`
//! and `crate::vault_list`. Rosters are handles; what crosses is public data
//! (ids, roles, statements, fingerprints) and opaque envelopes.

use crate::identity::Identity;
use crate::member_log::{self, Anchor, Proposal, Role};
use crate::vault_list::VaultList as CoreVaultList;
use js_sys::{Array, Object, Reflect};
use wasm_bindgen::prelude::*;

use super::account::Account;
use super::js_err;
use super::keys::VaultKey;

#[wasm_bindgen(typescript_custom_section)]
const TS_TYPES: &'static str = r#"
/** What a device remembers of a member log it verified. */
export interface LogAnchor { len: number; head: string }
/** A verified identity: public data. */
export interface IdentityInfo { accountId: string; email: string; fingerprint: string; identity: string; x25519: string }
export interface RosterMember extends IdentityInfo { role: "read" | "write" | "admin" | "owner"; addedBy: IdentityInfo }
export interface VaultListData { version: number; default?: string; vaults: string[] }
"#;

fn set(o: &Object, k: &str, v: impl Into<JsValue>) {
    let _ = Reflect::set(o, &JsValue::from_str(k), &v.into());
}

fn identity_info(i: &Identity) -> Object {
    let o = Object::new();
    set(&o, "accountId", i.account_id());
    set(&o, "email", i.email());
    set(&o, "fingerprint", i.fingerprint());
    set(&o, "identity", i.as_str());
    // What lookups and pins made before identities compare against.
    set(&o, "x25519", crate::encoding::b64u_encode(i.x25519()));
    o
}

fn anchor_from(v: &JsValue) -> Result<Option<Anchor>, JsError> {
    if v.is_undefined() || v.is_null() {
        return Ok(None);
    }
    let len = Reflect::get(v, &"len".into()).ok().and_then(|v| v.as_f64());
    let head = Reflect::get(v, &"head".into())
        .ok()
        .and_then(|v| v.as_string());
    match (len, head) {
        (Some(len), Some(head)) if len >= 0.0 && len.fract() == 0.0 => Ok(Some(Anchor {
            len: len as u64,
            head,
        })),
        _ => Err(JsError::new("invalid anchor: expected {len, head}")),
    }
}

fn anchor_js(a: &Anchor) -> JsValue {
    let o = Object::new();
    set(&o, "len", a.len as f64);
    set(&o, "head", a.head.as_str());
    o.into()
}

fn role(s: &str) -> Result<Role, JsError> {
    Role::parse(s).ok_or_else(|| JsError::new("role must be read, write, admin or owner"))
}

fn signer(a: &Account) -> Result<(&crate::identity::SigningKey, &Identity), JsError> {
    a.0.signer().map_err(js_err)
}

/// Verifies an identity statement (self-signature, canonical form).
#[wasm_bindgen(js_name = parseIdentity, unchecked_return_type = "IdentityInfo")]
pub fn parse_identity(text: &str) -> Result<JsValue, JsError> {
    Ok(identity_info(&Identity::parse(text).map_err(js_err)?).into())
}

/// How a verified identity statement compares with a device's pin for its
/// account (undefined: none): "new", "match", "match-old-pin" (a bare X25519
/// pin from before identities: pin the statement now) or "changed".
#[wasm_bindgen(js_name = pinState)]
pub fn pin_state(identity: &str, pin: Option<String>) -> Result<String, JsError> {
    use crate::identity::PinState;
    let state = Identity::parse(identity)
        .map_err(js_err)?
        .pin_state(pin.as_deref());
    Ok(match state {
        PinState::New => "new",
        PinState::Matches => "match",
        PinState::MatchesOldPin => "match-old-pin",
        PinState::Changed => "changed",
    }
    .into())
}

/// `hex(SHA-256(entry))`.
#[wasm_bindgen(js_name = logEntryHash)]
pub fn log_entry_hash(entry: &str) -> String {
    member_log::hash_of(entry)
}

/// Entry 0 of a new vault, signed by `account`, committing to `key`.
#[wasm_bindgen(js_name = logGenesis)]
pub fn log_genesis(
    account: &Account,
    vault_id: &str,
    key: &VaultKey,
    time: f64,
) -> Result<String, JsError> {
    let (sk, id) = signer(account)?;
    member_log::genesis(vault_id, id, sk, &key.0, time as u64).map_err(js_err)
}

/// A verified member log.
#[wasm_bindgen]
pub struct Roster(member_log::Roster);

#[wasm_bindgen]
impl Roster {
    /// Verifies `entries` (oldest first) of `vaultId`; the log must extend
    /// `anchor` (what this device verified before) and the anchor our vault
    /// `list` keeps for it, and signatures are checked after the longer one.
    pub fn verify(
        vault_id: &str,
        entries: Vec<String>,
        #[wasm_bindgen(unchecked_param_type = "LogAnchor | undefined")] anchor: JsValue,
        list: &VaultList,
    ) -> Result<Roster, JsError> {
        let anchor = anchor_from(&anchor)?;
        let refs: Vec<&str> = entries.iter().map(String::as_str).collect();
        let account = list.0.anchor(vault_id);
        member_log::Roster::verify_anchored(vault_id, &refs, anchor.as_ref(), account)
            .map(Roster)
            .map_err(js_err)
    }

    #[wasm_bindgen(unchecked_return_type = "LogAnchor")]
    pub fn anchor(&self) -> JsValue {
        anchor_js(&self.0.anchor())
    }

    /// Every member of the verified roster.
    #[wasm_bindgen(unchecked_return_type = "RosterMember[]")]
    pub fn members(&self) -> Array {
        self.0
            .members()
            .map(|(_, m)| {
                let o = identity_info(&m.identity);
                set(&o, "role", m.role.as_str());
                set(&o, "addedBy", identity_info(&m.added_by));
                JsValue::from(o)
            })
            .collect()
    }

    /// Refuses a server member list (`[{account_id, role}]`) that differs from the roster.
    #[wasm_bindgen(js_name = checkServerList)]
    pub fn check_server_list(
        &self,
        account_ids: Vec<String>,
        roles: Vec<String>,
    ) -> Result<(), JsError> {
        let mut listed = Vec::new();
        for (a, r) in account_ids.iter().zip(&roles) {
            listed.push((a.as_str(), role(r)?));
        }
        if account_ids.len() != roles.len() {
            return Err(JsError::new("account ids and roles differ in length"));
        }
        self.0.check_server_list(listed).map_err(js_err)
    }

    /// Signs an `add` of the member whose (verified) identity statement is given.
    #[wasm_bindgen(js_name = signAdd)]
    pub fn sign_add(
        &self,
        account: &Account,
        identity: &str,
        role_name: &str,
        time: f64,
    ) -> Result<String, JsError> {
        let (sk, me) = signer(account)?;
        let id = Identity::parse(identity).map_err(js_err)?;
        self.0
            .sign(
                me.account_id(),
                sk,
                Proposal::Add {
                    identity: &id,
                    role: role(role_name)?,
                },
                time as u64,
            )
            .map_err(js_err)
    }

    #[wasm_bindgen(js_name = signRole)]
    pub fn sign_role(
        &self,
        account: &Account,
        member: &str,
        role_name: &str,
        time: f64,
    ) -> Result<String, JsError> {
        let (sk, me) = signer(account)?;
        self.0
            .sign(
                me.account_id(),
                sk,
                Proposal::Role {
                    member,
                    role: role(role_name)?,
                },
                time as u64,
            )
            .map_err(js_err)
    }

    /// Signs the removal of `member`, committing to `newKey`.
    #[wasm_bindgen(js_name = signRemove)]
    pub fn sign_remove(
        &self,
        account: &Account,
        member: &str,
        new_key: &VaultKey,
        time: f64,
    ) -> Result<String, JsError> {
        let (sk, me) = signer(account)?;
        self.0
            .sign(
                me.account_id(),
                sk,
                Proposal::Remove {
                    member,
                    new_key: &new_key.0,
                },
                time as u64,
            )
            .map_err(js_err)
    }

    /// This roster with one more entry (checked as the server checks it).
    pub fn with(&self, entry: &str) -> Result<Roster, JsError> {
        let mut next = self.0.clone();
        next.apply(entry).map_err(js_err)?;
        Ok(Roster(next))
    }

    /// `{accountId: copy}` of `key` for every member, bound to `entryHash`.
    #[wasm_bindgen(js_name = sealCopies)]
    pub fn seal_copies(
        &self,
        account: &Account,
        key: &VaultKey,
        entry_hash: &str,
    ) -> Result<Object, JsError> {
        let copies = self
            .0
            .seal_copies(&account.0, &key.0, entry_hash)
            .map_err(js_err)?;
        let o = Object::new();
        for (id, c) in copies {
            set(&o, &id, c);
        }
        Ok(o)
    }

    /// One member's copy, bound to `entryHash` (the entry that adds them).
    #[wasm_bindgen(js_name = sealCopy)]
    pub fn seal_copy(
        &self,
        account: &Account,
        key: &VaultKey,
        member: &str,
        entry_hash: &str,
    ) -> Result<String, JsError> {
        let m = self
            .0
            .member(member)
            .ok_or_else(|| js_err(crate::Error::NotInRoster))?;
        self.0
            .seal_copy(&account.0, &key.0, m, entry_hash)
            .map_err(js_err)
    }

    /// Opens our copy against the roster and our vault list:
    /// `{key, pending, rewrap, addToList, addedBy}`.
    pub fn access(
        &self,
        account: &Account,
        wrapped: &str,
        list: &VaultList,
    ) -> Result<VaultAccess, JsError> {
        member_log::access(&account.0, &self.0, wrapped, &list.0)
            .map(VaultAccess)
            .map_err(js_err)
    }
}

/// The outcome of [`Roster::access`].
#[wasm_bindgen]
pub struct VaultAccess(member_log::VaultAccess);

#[wasm_bindgen]
impl VaultAccess {
    /// The vault key (moves out: call once).
    #[wasm_bindgen(js_name = takeKey)]
    pub fn take_key(self) -> VaultKey {
        VaultKey(self.0.key)
    }
    #[wasm_bindgen(getter)]
    pub fn pending(&self) -> bool {
        self.0.pending
    }
    #[wasm_bindgen(getter)]
    pub fn rewrap(&self) -> bool {
        self.0.rewrap
    }
    #[wasm_bindgen(getter, js_name = addToList)]
    pub fn add_to_list(&self) -> bool {
        self.0.add_to_list
    }
    #[wasm_bindgen(getter, js_name = addedBy, unchecked_return_type = "IdentityInfo")]
    pub fn added_by(&self) -> JsValue {
        identity_info(&self.0.added_by).into()
    }
}

/// The account's vault list (an empty one for an account that has none yet).
#[wasm_bindgen]
pub struct VaultList(CoreVaultList);

#[wasm_bindgen]
impl VaultList {
    #[wasm_bindgen(constructor)]
    pub fn empty() -> VaultList {
        VaultList(CoreVaultList::default())
    }
    /// Opens the sealed list, refusing a version below `seen`.
    pub fn open(account: &Account, envelope: &str, seen: f64) -> Result<VaultList, JsError> {
        CoreVaultList::open(&account.0, envelope, seen as u64)
            .map(VaultList)
            .map_err(js_err)
    }
    pub fn seal(&self, account: &Account) -> Result<String, JsError> {
        self.0.seal(&account.0).map_err(js_err)
    }
    /// The next version with `vaultId` added (with `anchor`, the head of its
    /// log we verified, unless it has one), or undefined when nothing changes.
    pub fn with(
        &self,
        vault_id: &str,
        #[wasm_bindgen(unchecked_param_type = "LogAnchor | undefined")] anchor: JsValue,
    ) -> Result<Option<VaultList>, JsError> {
        let anchor = anchor_from(&anchor)?;
        Ok(self
            .0
            .with(vault_id, anchor.as_ref())
            .map_err(js_err)?
            .map(VaultList))
    }
    pub fn without(&self, vault_id: &str) -> Option<VaultList> {
        self.0.without(vault_id).map(VaultList)
    }
    pub fn contains(&self, vault_id: &str) -> bool {
        self.0.contains(vault_id)
    }
    /// The member-log anchor the list keeps for `vaultId` (SPEC § Vault list).
    #[wasm_bindgen(unchecked_return_type = "LogAnchor | undefined")]
    pub fn anchor(&self, vault_id: &str) -> JsValue {
        self.0
            .anchor(vault_id)
            .map_or(JsValue::UNDEFINED, anchor_js)
    }
    /// The next version holding the anchors just verified (`vaultIds[i]`
    /// -> `anchors[i]`) where ours are missing or trail by 100 entries or more, or
    /// undefined when none does (SPEC § Vault list).
    #[wasm_bindgen(js_name = withAnchors)]
    pub fn with_anchors(
        &self,
        vault_ids: Vec<String>,
        #[wasm_bindgen(unchecked_param_type = "LogAnchor[]")] anchors: Array,
    ) -> Result<Option<VaultList>, JsError> {
        if vault_ids.len() != anchors.length() as usize {
            return Err(JsError::new("vault ids and anchors differ in length"));
        }
        let mut got = Vec::with_capacity(vault_ids.len());
        for (id, a) in vault_ids.iter().zip(anchors.iter()) {
            let a = anchor_from(&a)?
                .ok_or_else(|| JsError::new("invalid anchor: expected {len, head}"))?;
            got.push((id.as_str(), a));
        }
        Ok(self
            .0
            .with_anchors(got.iter().map(|(id, a)| (*id, a)))
            .map(VaultList))
    }
    #[wasm_bindgen(getter)]
    pub fn version(&self) -> f64 {
        self.0.version as f64
    }
    #[wasm_bindgen(getter, js_name = defaultVault)]
    pub fn default_vault(&self) -> Option<String> {
        self.0.default.clone()
    }
}
