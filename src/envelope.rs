//! Context-bound JWE envelopes (docs/SPEC.md §Envelopes).
//!
//! Every small ciphertext in Blindvault (wrapped keys, item overviews and
//! details, names) is a JWE in Compact Serialization (RFC 7516 §7.1) with
//! `alg: "dir"` (RFC 7518 §4.5) and `enc: "A256GCM"` (RFC 7518 §5.3), so any
//! JOSE library can open it given the key:
//!
//! ```text
//! BASE64URL(header) . "" . BASE64URL(iv, 12 B) . BASE64URL(ct) . BASE64URL(tag, 16 B)
//! header = {"alg":"dir","enc":"A256GCM","kid":"<kid>","bv":1,"ctx":"<context>"}
//! AAD    = ASCII(BASE64URL(header))            (RFC 7516 §5.1 step 14)
//! ```
//!
//! The context in the protected header is authenticated by GCM, and
//! [`open`] takes the context the caller *expects*, so a ciphertext cannot be
//! moved to another place. Callers use [`crate::keys::SymmetricKey`]; this
//! module holds the format only.

mod header;

use crate::context::Context;
use crate::encoding::{b64u_encode, split_compact_jwe};
use crate::secret::SecretBytes;
use crate::{Error, Result};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use blindvault_hot_crypto::Gcm;
use zeroize::Zeroizing;

/// Largest compact serialization accepted or produced, in bytes (1 MiB).
///
/// Envelopes hold keys, item overviews and details; files go through the
/// chunked attachment format instead. The bound is checked before any parsing
/// so a hostile server cannot make the client decode huge inputs.
pub const MAX_ENVELOPE_LEN: usize = 1 << 20;

/// GCM nonce length: 96 bits, the only length RFC 7518 §5.3 allows for A256GCM.
pub const IV_LEN: usize = 12;
/// GCM tag length: 128 bits (RFC 7518 §5.3).
pub const TAG_LEN: usize = 16;
/// The only envelope version this client knows (`bv` header member).
pub const VERSION: u64 = 1;

/// base64url length of the 12-byte IV and the 16-byte tag (RFC 4648 §5, no padding).
const IV_B64_LEN: usize = 16;
const TAG_B64_LEN: usize = 22;

/// Seals `plaintext` under `cipher` with a fresh random 96-bit nonce.
pub(crate) fn seal(cipher: &Gcm, kid: &str, ctx: &Context, plaintext: &[u8]) -> Result<String> {
    let mut iv = [0u8; IV_LEN];
    crate::random::fill(&mut iv)?;
    seal_with_nonce(cipher, kid, ctx, &iv, plaintext, MAX_ENVELOPE_LEN)
}

/// BASE64URL of the protected header exactly as this core writes it.
pub(crate) fn header_b64(kid: &str, ctx: &Context) -> String {
    // kid (base64url) and ctx ([A-Za-z0-9_/-], see context.rs) never need JSON
    // escaping, so this is exactly the bytes serde_json would write, and the
    // header spelling is fixed by SPEC.md.
    let header =
        format!(r#"{{"alg":"dir","enc":"A256GCM","kid":"{kid}","bv":{VERSION},"ctx":"{ctx}"}}"#);
    b64u_encode(header.as_bytes())
}

/// `{"alg":"dir","enc":"A256GCM","kid":"` is 36 bytes and a kid 12, both
/// multiples of 3, so the kid occupies base64url characters 48..64 of the
/// encoded header on its own and the other characters do not depend on it.
const HEADER_PREFIX: &str = r#"{"alg":"dir","enc":"A256GCM","kid":""#;
const KID_B64_START: usize = HEADER_PREFIX.len() / 3 * 4;
const KID_B64_END: usize = KID_B64_START + 16;
const _: () = assert!(HEADER_PREFIX.len().is_multiple_of(3));

/// Is `h` the encoded header this core would write for `ctx` (and `kid`, if
/// known)? Such a header passes every header check. With `kid: None` any
/// 12-character base64url kid is accepted (the GCM tag decides).
fn is_canonical_header(h: &str, kid: Option<&str>, ctx: &Context) -> bool {
    if let Some(k) = kid {
        return h == header_b64(k, ctx);
    }
    let canon = header_b64("AAAAAAAAAAAA", ctx);
    let (h, c) = (h.as_bytes(), canon.as_bytes());
    if h.len() != c.len()
        || h[..KID_B64_START] != c[..KID_B64_START]
        || h[KID_B64_END..] != c[KID_B64_END..]
    {
        return false;
    }
    let mut kid = [0u8; 12];
    matches!(
        URL_SAFE_NO_PAD.decode_slice(&h[KID_B64_START..KID_B64_END], &mut kid),
        Ok(12)
    ) && kid
        .iter()
        .all(|b| b.is_ascii_alphanumeric() || *b == b'-' || *b == b'_')
}

/// The length of the compact serialization of `plaintext_len` bytes under
/// `header_b64`, refused with `EnvelopeTooLarge` above `max_len`.
pub(crate) fn sealed_len(header_b64: &str, plaintext_len: usize, max_len: usize) -> Result<usize> {
    // Saturating: a plaintext near usize::MAX must be refused, not overflow.
    let total = base64::encoded_len(plaintext_len, false)
        .unwrap_or(usize::MAX)
        .saturating_add(header_b64.len() + 4 + IV_B64_LEN + TAG_B64_LEN);
    if total > max_len {
        return Err(Error::EnvelopeTooLarge {
            actual: total,
            maximum: max_len,
        });
    }
    Ok(total)
}

/// `header . "" . iv . ct . tag`, every part base64url.
pub(crate) fn assemble(header_b64: &str, iv: &[u8], ct: &[u8], tag: &[u8]) -> String {
    let mut out = String::with_capacity(
        header_b64.len()
            + 4
            + IV_B64_LEN
            + TAG_B64_LEN
            + base64::encoded_len(ct.len(), false).unwrap_or(0),
    );
    out.push_str(header_b64);
    out.push_str("..");
    URL_SAFE_NO_PAD.encode_string(iv, &mut out);
    out.push('.');
    URL_SAFE_NO_PAD.encode_string(ct, &mut out);
    out.push('.');
    URL_SAFE_NO_PAD.encode_string(tag, &mut out);
    out
}

/// Seals with a caller-chosen nonce. Only for known-answer vectors (and
/// [`seal`]): reusing a nonce under one key breaks GCM's confidentiality and
/// authenticity. `max_len` is [`MAX_ENVELOPE_LEN`] except for the overview
/// snapshot, which has its own limit.
pub(crate) fn seal_with_nonce(
    cipher: &Gcm,
    kid: &str,
    ctx: &Context,
    iv: &[u8; IV_LEN],
    plaintext: &[u8],
    max_len: usize,
) -> Result<String> {
    let header_b64 = header_b64(kid, ctx);
    let total = sealed_len(&header_b64, plaintext.len(), max_len)?;

    // The plaintext is copied once into a buffer that becomes the ciphertext in
    // place; it is zeroized if encryption fails half-way.
    let mut buf = Zeroizing::new(plaintext.to_vec());
    let tag = cipher
        .seal_in_place(iv, header_b64.as_bytes(), buf.as_mut_slice())
        .map_err(|_| Error::EnvelopeTooLarge {
            actual: total,
            maximum: max_len,
        })?;
    Ok(assemble(&header_b64, iv, &buf, &tag))
}

/// The parts of a compact JWE after every syntactic check passed.
pub(crate) struct Parsed<'a> {
    pub(crate) header_b64: &'a str,
    pub(crate) iv: [u8; IV_LEN],
    pub(crate) ciphertext: Vec<u8>,
    pub(crate) tag: [u8; TAG_LEN],
}

/// Opens an envelope; `kid` is the opening key's id, or `None` to skip the
/// kid check (the batch unlock path, where a wrong key still fails the tag).
///
/// Checks run in the order SPEC.md §Envelopes lists them.
pub(crate) fn open(
    cipher: &Gcm,
    kid: Option<&str>,
    expected: &Context,
    jwe: &str,
) -> Result<SecretBytes> {
    decrypt(cipher, parse_checked(kid, expected, jwe, MAX_ENVELOPE_LEN)?)
}

/// Every check of [`open`] but the tag (rules 1-12 of SPEC.md §Envelopes),
/// with `max_len` as the size limit; the caller decrypts.
pub(crate) fn parse_checked<'a>(
    kid: Option<&str>,
    expected: &Context,
    jwe: &'a str,
    max_len: usize,
) -> Result<Parsed<'a>> {
    let p = parse(jwe, max_len)?;
    // Fast path: the exact header this core writes passes every header check,
    // so comparing the encoded bytes replaces base64 decoding and JSON parsing
    // (most envelopes a client opens are its own). Anything else, such as
    // another JOSE library's member order, takes the full checks.
    if !is_canonical_header(p.header_b64, kid, expected) {
        let json = crate::encoding::b64u_decode(p.header_b64, "protected header base64url")?;
        check_header(&header::Header::parse(&json)?, Some(expected), kid)?;
    }
    Ok(p)
}

fn parse(jwe: &str, max_len: usize) -> Result<Parsed<'_>> {
    let [h, ek, iv, ct, tag] = split_compact_jwe(jwe, max_len)?;
    // RFC 7518 §4.5: with "dir" the JWE Encrypted Key MUST be empty.
    if !ek.is_empty() {
        return Err(Error::MalformedEnvelope(
            "the encrypted key must be empty for alg dir",
        ));
    }
    Ok(Parsed {
        header_b64: h,
        iv: decode_fixed::<IV_LEN>(iv, IV_B64_LEN, "iv must be 12 bytes of base64url")?,
        ciphertext: crate::encoding::b64u_decode(ct, "ciphertext base64url")?,
        tag: decode_fixed::<TAG_LEN>(tag, TAG_B64_LEN, "tag must be 16 bytes of base64url")?,
    })
}

fn decode_fixed<const N: usize>(s: &str, b64_len: usize, what: &'static str) -> Result<[u8; N]> {
    let mut out = [0u8; N];
    if s.len() != b64_len {
        return Err(Error::MalformedEnvelope(what));
    }
    match URL_SAFE_NO_PAD.decode_slice(s, &mut out) {
        Ok(n) if n == N => Ok(out),
        _ => Err(Error::MalformedEnvelope(what)),
    }
}

/// `expected: None` skips the context comparison ([`inspect`] only).
fn check_header(
    h: &header::Header<'_>,
    expected: Option<&Context>,
    kid: Option<&str>,
) -> Result<()> {
    if h.crit {
        return Err(Error::CriticalHeader);
    }
    if h.unknown_member {
        return Err(Error::MalformedEnvelope("unknown protected header member"));
    }
    if h.alg.as_deref() != Some("dir") {
        return Err(Error::UnsupportedAlgorithm);
    }
    if h.enc.as_deref() != Some("A256GCM") {
        return Err(Error::UnsupportedEncryption);
    }
    if h.bv != Some(VERSION) {
        return Err(Error::UnsupportedVersion);
    }
    // Contexts and kids are public (ids and a key fingerprint), so plain
    // comparison is fine here; the secret check is GCM's tag.
    match h.ctx.as_deref() {
        None => return Err(Error::MalformedEnvelope("missing ctx")),
        Some(c) if expected.is_some_and(|e| c != e.as_str()) => return Err(Error::ContextMismatch),
        Some(_) => {}
    }
    match (h.kid.as_deref(), kid) {
        (None, _) => Err(Error::MalformedEnvelope("missing kid")),
        (Some(got), Some(want)) if got != want => Err(Error::KeyMismatch),
        _ => Ok(()),
    }
}

pub(crate) fn decrypt(cipher: &Gcm, p: Parsed<'_>) -> Result<SecretBytes> {
    // GCM verifies the tag before it decrypts, but the buffer is zeroized on
    // every path anyway: after success it holds the plaintext.
    let mut buf = Zeroizing::new(p.ciphertext);
    cipher
        .open_in_place(&p.iv, p.header_b64.as_bytes(), buf.as_mut_slice(), &p.tag)
        .map_err(|_| Error::DecryptionFailed)?;
    Ok(SecretBytes::new(core::mem::take(&mut *buf)))
}

/// The public, unauthenticated `ctx` and `kid` of an envelope, for diagnostics
/// and for routing (which key should open this?). Nothing here is trusted
/// until [`crate::keys::SymmetricKey::open`] verifies the tag.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnvelopeInfo {
    pub kid: String,
    pub ctx: String,
}

/// Reads the `kid` and `ctx` of an envelope after the same syntactic and header
/// checks `open` makes (all but the context, key and tag).
pub fn inspect(jwe: &str) -> Result<EnvelopeInfo> {
    let p = parse(jwe, MAX_ENVELOPE_LEN)?;
    let json = crate::encoding::b64u_decode(p.header_b64, "protected header base64url")?;
    let h = header::Header::parse(&json)?;
    check_header(&h, None, None)?;
    let (Some(kid), Some(ctx)) = (h.kid, h.ctx) else {
        return Err(Error::MalformedEnvelope("missing kid or ctx"));
    };
    Ok(EnvelopeInfo {
        kid: kid.into_owned(),
        ctx: ctx.into_owned(),
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn canonical_header_check_without_kid_isolates_the_kid() {
        let ctx = Context::item_overview("v", "i").unwrap();
        let kid = crate::keys::kid_of(&[3u8; 32]);
        assert_eq!(kid.len(), 12);
        let h = header_b64(&kid, &ctx);
        assert_eq!(&h[KID_B64_START..KID_B64_END], b64u_encode(kid.as_bytes()));
        assert!(is_canonical_header(&h, None, &ctx));
        assert!(is_canonical_header(&h, Some(&kid), &ctx));
        assert!(!is_canonical_header(&h, Some("AAAAAAAAAAAA"), &ctx));
        let other = Context::item_details("v", "i").unwrap();
        assert!(!is_canonical_header(&h, None, &other));
        // A 12-byte "kid" that smuggles JSON is not canonical.
        let smuggled = b64u_encode(br#"{"alg":"dir","enc":"A256GCM","kid":"","zip":"x","bv":1,"ctx":"bv1/item-overview/v/i"}"#);
        assert!(!is_canonical_header(&smuggled, None, &ctx));
        let quote = header_b64(r#"AAAAAAAAAA"}"#, &ctx);
        assert!(!is_canonical_header(&quote, None, &ctx));
        assert!(!is_canonical_header("é", None, &ctx));
    }
}
