//! Where a ciphertext belongs.
//!
//! Every envelope names its place in the protected header (`ctx`), and every
//! attachment uses the same string as the chunked-encryption context. Decryption
//! takes the *expected* context and refuses any other, so a hostile server
//! cannot move a ciphertext to another account, vault, item or part
//! (DESIGN.md, threat model 2). The textual form is fixed by docs/SPEC.md §Contexts.

use crate::{Error, Result};
use core::fmt;

/// Longest id accepted in a context (ids are client-made UUIDs or similar).
pub const MAX_ID_LEN: usize = 64;

/// A validated context string such as `bv1/item-overview/<vault>/<item>`.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Context(String);

/// Ids are `[A-Za-z0-9_-]{1,64}`: no `/`, so the rendered form parses one way only.
pub fn validate_id(id: &str) -> Result<&str> {
    let ok = !id.is_empty()
        && id.len() <= MAX_ID_LEN
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if ok {
        Ok(id)
    } else {
        Err(Error::InvalidId)
    }
}

impl Context {
    fn build(kind: &str, ids: &[&str]) -> Result<Self> {
        let mut s = String::with_capacity(4 + kind.len() + ids.len() * 40);
        s.push_str("bv1/");
        s.push_str(kind);
        for id in ids {
            s.push('/');
            s.push_str(validate_id(id)?);
        }
        Ok(Self(s))
    }

    /// The account key, wrapped by the password-derived wrap key.
    pub fn account_key(account: &str) -> Result<Self> {
        Self::build("account-key", &[account])
    }
    /// The X25519 private key, wrapped by the account key.
    pub fn private_key(account: &str) -> Result<Self> {
        Self::build("private-key", &[account])
    }
    /// The Ed25519 signing key of the account's identity, wrapped by the account key.
    pub fn signing_key(account: &str) -> Result<Self> {
        Self::build("signing-key", &[account])
    }
    /// The account's list of its vaults (made or accepted), under the account key.
    pub fn vault_list(account: &str) -> Result<Self> {
        Self::build("vault-list", &[account])
    }
    /// A vault key wrapped for one member (by their account key, or by HPKE to their public key).
    pub fn vault_key(vault: &str, member: &str) -> Result<Self> {
        Self::build("vault-key", &[vault, member])
    }
    /// A vault's own metadata (its name), under the vault key.
    pub fn vault_meta(vault: &str) -> Result<Self> {
        Self::build("vault-meta", &[vault])
    }
    /// The overview snapshot of a whole vault, under the vault's snapshot subkey.
    pub fn vault_overviews(vault: &str) -> Result<Self> {
        Self::build("vault-overviews", &[vault])
    }
    /// A folder's name, under the vault key.
    pub fn folder(vault: &str, folder: &str) -> Result<Self> {
        Self::build("folder", &[vault, folder])
    }
    /// An item key, wrapped by its vault key.
    pub fn item_key(vault: &str, item: &str) -> Result<Self> {
        Self::build("item-key", &[vault, item])
    }
    /// An item's overview (name, URL, username, tags), under the item key.
    pub fn item_overview(vault: &str, item: &str) -> Result<Self> {
        Self::build("item-overview", &[vault, item])
    }
    /// An item's details (password, notes, custom fields, TOTP), under the item key.
    pub fn item_details(vault: &str, item: &str) -> Result<Self> {
        Self::build("item-details", &[vault, item])
    }
    /// An attachment's metadata (file name, type, size), under the item key.
    pub fn attachment_meta(vault: &str, item: &str, attachment: &str) -> Result<Self> {
        Self::build("attachment-meta", &[vault, item, attachment])
    }
    /// An attachment's content: the chunked-encryption context.
    pub fn attachment(vault: &str, item: &str, attachment: &str) -> Result<Self> {
        Self::build("attachment", &[vault, item, attachment])
    }
    /// A secret share (sharing pages), under the share's own random key.
    pub fn share(share: &str) -> Result<Self> {
        Self::build("share", &[share])
    }
    /// A whole-account export.
    pub fn export(account: &str) -> Result<Self> {
        Self::build("export", &[account])
    }

    /// Parses a rendered context (as found in a header) and checks its shape.
    pub fn parse(s: &str) -> Result<Self> {
        let mut parts = s.split('/');
        let (Some("bv1"), Some(kind)) = (parts.next(), parts.next()) else {
            return Err(Error::MalformedEnvelope("context"));
        };
        let ids: Vec<&str> = parts.collect();
        let arity = match kind {
            "account-key" | "private-key" | "signing-key" | "vault-list" | "vault-meta"
            | "vault-overviews" | "share" | "export" => 1,
            "vault-key" | "folder" | "item-key" | "item-overview" | "item-details" => 2,
            "attachment-meta" | "attachment" => 3,
            _ => return Err(Error::MalformedEnvelope("context")),
        };
        if ids.len() != arity {
            return Err(Error::MalformedEnvelope("context"));
        }
        Self::build(kind, &ids).map_err(|_| Error::MalformedEnvelope("context"))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
    pub fn as_bytes(&self) -> &[u8] {
        self.0.as_bytes()
    }
}

impl fmt::Debug for Context {
    // Contexts hold ids only, never secrets, so they may be printed.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Context({})", self.0)
    }
}

impl fmt::Display for Context {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_fixed_labels() {
        assert_eq!(
            Context::item_overview("v1", "i-2").unwrap().as_str(),
            "bv1/item-overview/v1/i-2"
        );
        assert_eq!(
            Context::attachment("v", "i", "a").unwrap().as_str(),
            "bv1/attachment/v/i/a"
        );
    }

    #[test]
    fn refuses_ids_that_could_alias_another_place() {
        for bad in ["", "a/b", "a b", "é", &"x".repeat(65)] {
            assert_eq!(
                Context::item_key("v", bad).unwrap_err(),
                Error::InvalidId,
                "{bad:?}"
            );
        }
    }

    #[test]
    fn parse_round_trips_and_refuses_wrong_arity() {
        let c = Context::folder("v", "f").unwrap();
        assert_eq!(Context::parse(c.as_str()).unwrap(), c);
        assert!(Context::parse("bv1/folder/v").is_err());
        assert!(Context::parse("bv1/folder/v/f/x").is_err());
        assert!(Context::parse("bv2/folder/v/f").is_err());
        assert!(Context::parse("bv1/nope/v").is_err());
    }
}
