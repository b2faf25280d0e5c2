//! The overview snapshot of a vault: every item's overview in one envelope,
//! so that unlocking a large vault costs one AES-GCM call instead of two per
//! item (docs/SPEC.md §Overview snapshots).
//!
//! ```text
//! snapshot_key = HKDF-SHA-256(ikm = vault_key, salt = "", info = "blindvault/v1/vault-overviews", L = 32)
//! plaintext    = {"v":1,"vault":"<vault>","items":[{"id":"<item>","revision":<n>,"overview":<overview JSON object>},...]}
//! envelope     = §Envelopes under snapshot_key, ctx = bv1/vault-overviews/<vault>, at most 64 MiB
//! ```
//!
//! The snapshot is a cache made by a client that holds the vault key; the
//! item envelopes stay the source of truth. Each entry names its item id and
//! revision inside the authenticated plaintext, so the server cannot move an
//! overview to another item, and a client shows an entry only when id and
//! revision match the item list the server sends (SPEC). The subkey exists
//! so that the key handed to WebCrypto (in the browser build) is not the
//! vault key itself, and it has its own kid.

use crate::context::{validate_id, Context};
use crate::envelope;
use crate::keys::SymmetricKey;
use crate::secret::{SecretBytes, SecretKey32};
use crate::{Error, Result};
use serde::Deserialize;
use serde_json::value::RawValue;
use std::collections::HashSet;
use zeroize::Zeroizing;

/// The only snapshot plaintext version this client knows.
pub const SNAPSHOT_VERSION: u32 = 1;
/// Largest snapshot envelope accepted or produced (compact serialization):
/// 64 MiB, about 200 000 overviews of 200 bytes.
pub const MAX_SNAPSHOT_LEN: usize = 64 << 20;
/// Largest revision: 2^53 - 1, so that JavaScript reads it exactly.
pub const MAX_REVISION: u64 = (1 << 53) - 1;
/// HKDF `info` of the snapshot subkey.
const SNAPSHOT_KEY_INFO: &[u8] = b"blindvault/v1/vault-overviews";

/// One item's entry: its id, the revision its overview was read at, and the
/// overview's JSON bytes (a JSON object, as §Web vault / Payloads).
#[derive(Debug, Clone)]
pub struct SnapshotEntry {
    pub id: String,
    pub revision: u64,
    pub overview: SecretBytes,
}

/// The snapshot subkey of a vault key (never the vault key itself).
pub fn snapshot_key(vault_key: &SymmetricKey) -> SymmetricKey {
    let mut okm = Zeroizing::new([0u8; 32]);
    // Only fails for L > 255 * 32; L is 32.
    let _ = crate::kdf::hkdf_sha256(
        vault_key.secret().expose_secret(),
        b"",
        SNAPSHOT_KEY_INFO,
        &mut okm[..],
    );
    SymmetricKey::from_secret(SecretKey32::from_bytes(*okm))
}

/// Writes the plaintext. Ids are checked (and need no JSON escaping), each
/// overview must be one JSON object and is copied byte for byte.
pub fn plaintext<'a>(
    vault_id: &str,
    entries: impl IntoIterator<Item = (&'a str, u64, &'a [u8])>,
) -> Result<Zeroizing<Vec<u8>>> {
    validate_id(vault_id)?;
    let mut out = Zeroizing::new(Vec::with_capacity(4096));
    out.extend_from_slice(br#"{"v":1,"vault":""#);
    out.extend_from_slice(vault_id.as_bytes());
    out.extend_from_slice(br#"","items":["#);
    let mut seen = HashSet::new();
    for (n, (id, revision, overview)) in entries.into_iter().enumerate() {
        validate_id(id)?;
        if !seen.insert(id) {
            return Err(Error::InvalidPayload(
                "duplicate item id in overview snapshot",
            ));
        }
        if revision > MAX_REVISION {
            return Err(Error::InvalidPayload("item revision above 2^53 - 1"));
        }
        check_object(overview)?;
        if n > 0 {
            out.push(b',');
        }
        out.extend_from_slice(br#"{"id":""#);
        out.extend_from_slice(id.as_bytes());
        out.extend_from_slice(br#"","revision":"#);
        out.extend_from_slice(revision.to_string().as_bytes());
        out.extend_from_slice(br#","overview":"#);
        out.extend_from_slice(overview);
        out.push(b'}');
    }
    out.extend_from_slice(b"]}");
    Ok(out)
}

/// An overview must be exactly one JSON object (whitespace around it allowed).
fn check_object(overview: &[u8]) -> Result<()> {
    let bad = || Error::InvalidPayload("an overview must be a JSON object");
    let raw: &RawValue = serde_json::from_slice(overview).map_err(|_| bad())?;
    if raw.get().starts_with('{') {
        Ok(())
    } else {
        Err(bad())
    }
}

/// An entry borrowed from a decrypted plaintext.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EntryView<'a> {
    #[serde(borrow)]
    pub id: &'a str,
    pub revision: u64,
    #[serde(borrow)]
    pub overview: &'a RawValue,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PlaintextView<'a> {
    v: u32,
    #[serde(borrow)]
    vault: &'a str,
    #[serde(borrow)]
    items: Vec<EntryView<'a>>,
}

/// Checks a decrypted plaintext (SPEC.md §Overview snapshots, rules 3-6) and
/// returns its entries, borrowed.
pub fn check_plaintext<'a>(vault_id: &str, pt: &'a [u8]) -> Result<Vec<EntryView<'a>>> {
    let view: PlaintextView<'a> = serde_json::from_slice(pt)
        .map_err(|_| Error::InvalidPayload("overview snapshot is not the expected JSON"))?;
    if view.v != SNAPSHOT_VERSION {
        return Err(Error::UnsupportedVersion);
    }
    if view.vault != vault_id {
        return Err(Error::ContextMismatch);
    }
    let mut seen = HashSet::with_capacity(view.items.len());
    for e in &view.items {
        if validate_id(e.id).is_err() {
            return Err(Error::InvalidPayload(
                "invalid item id in overview snapshot",
            ));
        }
        if !seen.insert(e.id) {
            return Err(Error::InvalidPayload(
                "duplicate item id in overview snapshot",
            ));
        }
        if e.revision > MAX_REVISION {
            return Err(Error::InvalidPayload("item revision above 2^53 - 1"));
        }
        if !e.overview.get().starts_with('{') {
            return Err(Error::InvalidPayload("an overview must be a JSON object"));
        }
    }
    Ok(view.items)
}

/// Seals a vault's overview snapshot under its snapshot subkey.
pub fn seal(vault_key: &SymmetricKey, vault_id: &str, entries: &[SnapshotEntry]) -> Result<String> {
    let pt = plaintext(
        vault_id,
        entries
            .iter()
            .map(|e| (e.id.as_str(), e.revision, e.overview.expose_secret())),
    )?;
    let key = snapshot_key(vault_key);
    let mut iv = [0u8; envelope::IV_LEN];
    crate::random::fill(&mut iv)?;
    envelope::seal_with_nonce(
        key.cipher(),
        key.kid(),
        &Context::vault_overviews(vault_id)?,
        &iv,
        &pt,
        MAX_SNAPSHOT_LEN,
    )
}

/// Opens a vault's overview snapshot. Fails as a whole: a snapshot that does
/// not open is ignored, and every item is opened on its own instead.
pub fn open(vault_key: &SymmetricKey, vault_id: &str, jwe: &str) -> Result<Vec<SnapshotEntry>> {
    let ctx = Context::vault_overviews(vault_id)?;
    let key = snapshot_key(vault_key);
    let parsed = envelope::parse_checked(Some(key.kid()), &ctx, jwe, MAX_SNAPSHOT_LEN)?;
    let pt = envelope::decrypt(key.cipher(), parsed)?;
    Ok(check_plaintext(vault_id, pt.expose_secret())?
        .into_iter()
        .map(|e| SnapshotEntry {
            id: e.id.to_owned(),
            revision: e.revision,
            overview: SecretBytes::new(e.overview.get().as_bytes().to_vec()),
        })
        .collect())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn plaintext_is_compact_and_checks_overviews() {
        let pt = plaintext(
            "v",
            [
                ("a", 1, &br#"{"kind":"note","name":"x"}"#[..]),
                ("b", 2, b" {} "),
            ],
        )
        .unwrap();
        assert_eq!(
            std::str::from_utf8(&pt).unwrap(),
            r#"{"v":1,"vault":"v","items":[{"id":"a","revision":1,"overview":{"kind":"note","name":"x"}},{"id":"b","revision":2,"overview": {} }]}"#
        );
        assert_eq!(check_plaintext("v", &pt).unwrap().len(), 2);
        for bad in [&b"[]"[..], b"1", b"{", b"{} {}", b"\"s\""] {
            assert!(plaintext("v", [("a", 1, bad)]).is_err());
        }
        assert!(plaintext("v", [("a", 1, &b"{}"[..]), ("a", 2, b"{}")]).is_err());
        assert!(plaintext("v", [("a/b", 1, &b"{}"[..])]).is_err());
        assert!(plaintext("v", [("a", MAX_REVISION + 1, &b"{}"[..])]).is_err());
    }
}
