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
use crate::strict_json::{self, Unknown, Value};
use crate::{Error, Result};
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
    match strict_json::parse_bytes(overview) {
        Ok(v) if v.is_object() => Ok(()),
        _ => Err(Error::InvalidPayload("an overview must be a JSON object")),
    }
}

/// An entry borrowed from a decrypted plaintext.
pub struct EntryView<'a> {
    pub id: &'a str,
    pub revision: u64,
    /// The overview's JSON text, as written.
    pub overview: &'a str,
}

/// Checks a decrypted plaintext (SPEC.md §Overview snapshots, rules 3-6) and
/// returns its entries, borrowed.
pub fn check_plaintext<'a>(vault_id: &str, pt: &'a [u8]) -> Result<Vec<EntryView<'a>>> {
    let bad = || Error::InvalidPayload("overview snapshot is not the expected JSON");
    let doc = strict_json::parse_bytes(pt).map_err(|_| bad())?;
    // Exactly these members, each once; ids and the vault id unescaped (as
    // every writer spells them), so that they can be returned borrowed.
    let [v, vault, items] = doc
        .fields(["v", "vault", "items"], Unknown::Refuse)
        .ok_or_else(bad)?;
    let items = items.and_then(Value::as_array).ok_or_else(bad)?;
    let mut entries = Vec::with_capacity(items.len());
    for item in items {
        let [id, revision, overview] = item
            .fields(["id", "revision", "overview"], Unknown::Refuse)
            .ok_or_else(bad)?;
        entries.push(EntryView {
            id: id.and_then(Value::as_unescaped_str).ok_or_else(bad)?,
            revision: revision.and_then(Value::as_u64).ok_or_else(bad)?,
            overview: overview.ok_or_else(bad)?.raw,
        });
    }
    if v.and_then(Value::as_u32).ok_or_else(bad)? != SNAPSHOT_VERSION {
        return Err(Error::UnsupportedVersion);
    }
    if vault.and_then(Value::as_unescaped_str).ok_or_else(bad)? != vault_id {
        return Err(Error::ContextMismatch);
    }
    let mut seen = HashSet::with_capacity(entries.len());
    for e in &entries {
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
        if !e.overview.starts_with('{') {
            return Err(Error::InvalidPayload("an overview must be a JSON object"));
        }
    }
    Ok(entries)
}

/// The cheap check for a plaintext spelled exactly as writers produce it
/// (SPEC: no whitespace outside the overviews, members in order, ids
/// unescaped; an overview keeps any whitespace around it), for callers that parse the whole plaintext as JSON anyway
/// (the browser build's `JSON.parse`).
///
/// `true` means: the skeleton is `{"v":1,"vault":"<vault_id>","items":[...]}`
/// with entries `{"id":"<id>","revision":<n>,"overview":{...}}`, every id is
/// valid and unique, every revision is a canonical integer up to 2^53 - 1,
/// and every overview is a `{...}` span (strings and nesting followed) that
/// ends where the skeleton continues. The overviews' *contents* are not
/// validated: a caller that gets `true` MUST still parse all of `pt` as JSON
/// and reject the snapshot if that fails. A text that is valid JSON and
/// matches this skeleton has exactly this structure, so together the two
/// enforce rules 2-5 of SPEC § Overview snapshots without parsing twice.
///
/// `false` means "not the canonical spelling, or a rule fails": the caller
/// runs [`check_plaintext`] for the verdict and its exact error.
pub fn is_canonical_plaintext(vault_id: &str, pt: &[u8]) -> bool {
    canonical_entries(vault_id, pt).is_some()
}

fn canonical_entries(vault_id: &str, pt: &[u8]) -> Option<usize> {
    validate_id(vault_id).ok()?;
    let mut s = Scan { b: pt, i: 0 };
    s.lit(br#"{"v":1,"vault":""#)?;
    s.lit(vault_id.as_bytes())?;
    s.lit(br#"","items":["#)?;
    let mut seen: HashSet<&str> = HashSet::with_capacity(pt.len() / 128);
    let mut n = 0usize;
    if s.peek() != Some(b']') {
        loop {
            s.lit(br#"{"id":""#)?;
            let id = s.until(b'"')?;
            // `validate_id` allows no quote, backslash or control byte, so
            // the id is exactly the JSON string's value.
            let id = validate_id(core::str::from_utf8(id).ok()?).ok()?;
            if !seen.insert(id) {
                return None;
            }
            s.lit(br#","revision":"#)?;
            s.revision()?;
            s.lit(br#","overview":"#)?;
            // Overviews are copied byte for byte, with any JSON whitespace
            // around them (`plaintext` allows it).
            s.whitespace();
            s.object()?;
            s.whitespace();
            s.lit(b"}")?;
            n += 1;
            match s.peek()? {
                b',' => s.i += 1,
                b']' => break,
                _ => return None,
            }
        }
    }
    s.lit(b"]}")?;
    (s.i == pt.len()).then_some(n)
}

/// The first `"` or `\\` in `s`, eight bytes per step (SWAR: a byte equal
/// to the one searched for becomes zero after the XOR, and the lowest zero
/// byte of a word is flagged exactly by `(x - 0x01..) & !x & 0x80..`).
fn find_quote_or_backslash(s: &[u8]) -> Option<usize> {
    const LO: u64 = u64::from_le_bytes([0x01; 8]);
    const HI: u64 = u64::from_le_bytes([0x80; 8]);
    const QUOTES: u64 = u64::from_le_bytes([b'"'; 8]);
    const BACKSLASHES: u64 = u64::from_le_bytes([b'\\'; 8]);
    let mut chunks = s.chunks_exact(8);
    let mut at = 0;
    for chunk in &mut chunks {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        let w = u64::from_le_bytes(word);
        let (q, b) = (w ^ QUOTES, w ^ BACKSLASHES);
        let hits = ((q.wrapping_sub(LO) & !q) | (b.wrapping_sub(LO) & !b)) & HI;
        if hits != 0 {
            return Some(at + (hits.trailing_zeros() / 8) as usize);
        }
        at += 8;
    }
    let tail = chunks.remainder();
    tail.iter()
        .position(|&c| c == b'"' || c == b'\\')
        .map(|k| at + k)
}

/// A byte cursor for [`canonical_entries`]; every step returns `None` when
/// the text is not what it expects.
struct Scan<'a> {
    b: &'a [u8],
    i: usize,
}

impl<'a> Scan<'a> {
    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    fn lit(&mut self, want: &[u8]) -> Option<()> {
        let end = self.i.checked_add(want.len())?;
        (self.b.get(self.i..end)? == want).then(|| self.i = end)
    }

    /// The bytes up to (not including) the next `stop`, which is consumed.
    fn until(&mut self, stop: u8) -> Option<&'a [u8]> {
        let rest = self.b.get(self.i..)?;
        let len = rest.iter().position(|&c| c == stop)?;
        self.i += len + 1;
        rest.get(..len)
    }

    fn whitespace(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.peek() {
            self.i += 1;
        }
    }

    /// A revision as writers spell it: digits, no leading zero, <= 2^53 - 1.
    fn revision(&mut self) -> Option<u64> {
        let start = self.i;
        let mut v: u64 = 0;
        while let Some(c @ b'0'..=b'9') = self.peek() {
            v = v.checked_mul(10)?.checked_add(u64::from(c - b'0'))?;
            self.i += 1;
        }
        let digits = self.i - start;
        let leading_zero = digits > 1 && self.b.get(start) == Some(&b'0');
        (digits > 0 && !leading_zero && v <= MAX_REVISION).then_some(v)
    }

    /// Skips one `{...}` span, following strings (and their escapes) and
    /// nesting, without validating what is inside.
    fn object(&mut self) -> Option<()> {
        let b = self.b;
        let mut i = self.i;
        if b.get(i) != Some(&b'{') {
            return None;
        }
        let mut depth = 0usize;
        while let Some(&c) = b.get(i) {
            i += 1;
            match c {
                b'"' => loop {
                    // The string ends at the next quote that no backslash escapes.
                    let rest = b.get(i..)?;
                    let k = find_quote_or_backslash(rest)?;
                    let quote = rest.get(k) == Some(&b'"');
                    i += k + if quote { 1 } else { 2 };
                    if quote {
                        break;
                    }
                },
                b'{' | b'[' => depth += 1,
                b'}' | b']' => {
                    depth = depth.checked_sub(1)?;
                    if depth == 0 {
                        self.i = i;
                        return Some(());
                    }
                }
                _ => {}
            }
        }
        None
    }
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
            overview: SecretBytes::new(e.overview.as_bytes().to_vec()),
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

    #[test]
    fn canonical_scan_accepts_what_writers_write() {
        let pt = plaintext(
            "v",
            [
                ("a", 0, &br#"{"k":"}{][\\\"","n":[{"x":[]}]}"#[..]),
                ("b-_9", MAX_REVISION, b"{}"),
                ("c", 3, b" \t{ }\r\n "),
            ],
        )
        .unwrap();
        assert!(is_canonical_plaintext("v", &pt));
        assert_eq!(canonical_entries("v", &pt), Some(3));
        assert!(is_canonical_plaintext("v", &plaintext("v", []).unwrap()));
        assert!(!is_canonical_plaintext("w", &pt));
        for bad in [
            &br#"{"v":2,"vault":"v","items":[]}"#[..],
            br#"{"v":1,"vault":"v","items":[]} "#,
            br#"{"v":1,"vault":"v","items":[{"id":"a","revision":1,"overview":{}},{"id":"a","revision":2,"overview":{}}]}"#,
            br#"{"v":1,"vault":"v","items":[{"id":"a/b","revision":1,"overview":{}}]}"#,
            br#"{"v":1,"vault":"v","items":[{"id":"a","revision":01,"overview":{}}]}"#,
            br#"{"v":1,"vault":"v","items":[{"id":"a","revision":9007199254740992,"overview":{}}]}"#,
            br#"{"v":1,"vault":"v","items":[{"id":"a","revision":1,"overview":[]}]}"#,
            br#"{"v":1,"vault":"v","items":[{"id":"a","revision":1,"overview":{},"x":1}]}"#,
            br#"{"v":1,"vault":"v","items":[{"id":"a","revision":1,"overview":{"s":"}"}]}"#,
            br#"{"v":1,"vault":"v","items":[{"id":"a","revision":1,"overview":{}},]}"#,
        ] {
            assert!(!is_canonical_plaintext("v", bad), "{}", String::from_utf8_lossy(bad));
        }
    }

    #[test]
    fn swar_search_finds_the_first_quote_or_backslash() {
        for len in 0..40 {
            for at in 0..=len {
                for (c, other) in [(b'"', b'\\'), (b'\\', b'"')] {
                    let mut s: Vec<u8> = (0..len)
                        .map(|k| [b'a', 0x21, 0x23, 0x5b, 0xdc, 0x00][k % 6])
                        .collect();
                    if at < len {
                        s[at] = c;
                        if at + 1 < len {
                            s[at + 1] = other;
                        }
                    }
                    let want = s.iter().position(|&b| b == b'"' || b == b'\\');
                    assert_eq!(find_quote_or_backslash(&s), want, "len {len} at {at}");
                }
            }
        }
    }

    /// The promise `is_canonical_plaintext` makes: whenever it says yes and
    /// the whole text is valid JSON, the full serde check agrees. Checked on
    /// every single-byte change of a canonical plaintext.
    #[test]
    fn canonical_scan_plus_a_json_parse_implies_the_full_check() {
        let pt = plaintext(
            "v",
            [
                ("a", 7, &br#"{"k":"x\"}","l":[1,{"m":null}]}"#[..]),
                ("b", 10, br#"{"s":"\\"}"#),
            ],
        )
        .unwrap();
        let mut agreed = 0;
        for i in 0..pt.len() {
            for c in [
                b'{', b'}', b'[', b']', b'"', b'\\', b',', b':', b'0', b'1', b'a', b' ', 0x80,
            ] {
                let mut t = pt.to_vec();
                t[i] = c;
                let canonical = canonical_entries("v", &t);
                let json = serde_json::from_slice::<serde_json::Value>(&t).is_ok();
                if let (Some(n), true) = (canonical, json) {
                    let full = check_plaintext("v", &t);
                    assert!(
                        full.is_ok(),
                        "byte {i} = {c}: {}",
                        String::from_utf8_lossy(&t)
                    );
                    assert_eq!(full.map(|e| e.len()).ok(), Some(n));
                    agreed += 1;
                }
            }
        }
        assert!(agreed > 0);
    }
}
