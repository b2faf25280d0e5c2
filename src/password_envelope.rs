//! Password envelopes: exports and passphrase-protected shares.
//!
//! A password envelope is a standard JWE in Compact Serialization (RFC 7516
//! §7.1) with `alg: "PBES2-HS512+A256KW"` (RFC 7518 §4.8) and `enc: "A256GCM"`
//! (RFC 7518 §5.3), so any JOSE library can open it with the password alone:
//!
//! ```text
//! KEK  = PBKDF2-HMAC-SHA-512(password, UTF8(alg) || 0x00 || p2s, p2c, 32)
//! CEK  = 32 random bytes
//! ek   = AES-256-KW(KEK, CEK)                       (RFC 3394, 40 bytes)
//! ct, tag = AES-256-GCM(CEK, iv, plaintext, aad = ASCII(b64u(header)))
//! JWE  = b64u(header) . b64u(ek) . b64u(iv) . b64u(ct) . b64u(tag)
//! ```
//!
//! The iteration count travels in the header, so the opener checks it
//! against a floor and a ceiling *before* doing any work: a hostile sender (or
//! server) can neither downgrade the work factor nor make us burn minutes of
//! CPU (cf. rage's `ExcessiveWork`). docs/SPEC.md §Password envelopes is the
//! normative description.

use crate::encoding::{b64u_decode, b64u_encode, split_compact_jwe};
use crate::secret::{SecretBytes, SecretKey32};
use crate::{Error, Result};
use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::Aes256Gcm;
use aes_kw::KwAes256;
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

/// The only key-management algorithm of a password envelope.
pub const ALG: &str = "PBES2-HS512+A256KW";
/// The only content encryption of a password envelope.
pub const ENC: &str = "A256GCM";

/// The iteration count we write. OWASP's Password Storage Cheat Sheet (2023)
/// recommends 210 000 for PBKDF2-HMAC-SHA512; we use the account KDF's floor
/// of 600 000 (DESIGN.md) so an export is never cheaper to attack than the
/// master password it protects.
pub const DEFAULT_P2C: u32 = 600_000;
/// Refused below this: an export must cost an attacker at least as much as
/// the account KDF (DESIGN.md, threat model 3 and 4).
pub const MIN_P2C: u32 = 600_000;
/// Refused above this: ~16× the default, still seconds in a browser; anything
/// higher is a denial of service, not protection.
pub const MAX_P2C: u32 = 10_000_000;

/// Salt input we write: 16 random bytes (NIST SP 800-132 §5.1 asks for ≥ 128 bits).
pub const P2S_LEN: usize = 16;
/// RFC 7518 §4.8.1.1: "A Salt Input value containing 8 or more octets MUST be used".
pub const MIN_P2S_LEN: usize = 8;
/// Bound on the salt we accept, so a header cannot make the KDF hash megabytes.
pub const MAX_P2S_LEN: usize = 64;

/// Largest compact envelope we parse (an export of a large account fits well
/// below this; attachments travel separately).
pub const MAX_ENVELOPE_LEN: usize = 64 * 1024 * 1024;

const KEK_LEN: usize = 32; // RFC 7518 §4.8.1: HS512+A256KW uses a 256-bit key.
const CEK_LEN: usize = 32; // A256GCM, RFC 7518 §5.3.
const WRAPPED_CEK_LEN: usize = CEK_LEN + aes_kw::IV_LEN; // RFC 3394 §2.2.1: n+1 semiblocks.
const IV_LEN: usize = 12; // RFC 7518 §5.3: 96-bit IV.
const TAG_LEN: usize = 16; // RFC 7518 §5.3: 128-bit tag.

/// The protected header as we write it. Field order is the serialisation order.
#[derive(Serialize)]
struct HeaderOut<'a> {
    alg: &'a str,
    enc: &'a str,
    p2s: String,
    p2c: u32,
}

/// The protected header as we read it. Members registered by RFC 7515/7516
/// that do not change processing (`cty`, `typ`, `kid`) are accepted, as are
/// unknown members (RFC 7515 §4: ignored unless listed in `crit`). `crit` and
/// `zip` are captured only so they can be refused.
#[derive(Deserialize)]
struct HeaderIn {
    alg: String,
    enc: String,
    p2s: String,
    p2c: serde_json::Number,
    #[serde(default)]
    cty: Option<String>,
    #[serde(default)]
    typ: Option<String>,
    #[serde(default)]
    kid: Option<String>,
    #[serde(default)]
    crit: Option<serde_json::Value>,
    #[serde(default)]
    zip: Option<serde_json::Value>,
}

/// Encrypts `plaintext` under `password` with a fresh salt, CEK and IV.
pub fn seal_with_password(plaintext: &[u8], password: &str) -> Result<String> {
    let mut p2s = [0u8; P2S_LEN];
    crate::random::fill(&mut p2s)?;
    let cek = SecretKey32::random()?;
    let mut iv = [0u8; IV_LEN];
    crate::random::fill(&mut iv)?;
    seal_inner(plaintext, password, &p2s, DEFAULT_P2C, &cek, &iv)
}

/// Seals with caller-chosen salt, iteration count, CEK and IV.
///
/// Only for known-answer tests: reusing a CEK/IV pair breaks AES-GCM
/// completely. The iteration count is still bounded as on opening.
#[doc(hidden)]
pub fn dangerous_seal_with_password_fixed(
    plaintext: &[u8],
    password: &str,
    p2s: &[u8],
    p2c: u32,
    cek: &SecretKey32,
    iv: &[u8; 12],
) -> Result<String> {
    check_p2c(p2c)?;
    check_p2s_len(p2s.len())?;
    seal_inner(plaintext, password, p2s, p2c, cek, iv)
}

/// The PBES2 key-encryption key (RFC 7518 §4.8.1.1), exposed so tests can
/// cross-check it against an independent PBKDF2 implementation.
#[doc(hidden)]
pub fn dangerous_derive_kek(password: &str, p2s: &[u8], p2c: u32) -> Result<SecretKey32> {
    check_p2c(p2c)?;
    check_p2s_len(p2s.len())?;
    let kek = derive_kek(password, p2s, p2c);
    Ok(SecretKey32::from_bytes(*kek))
}

fn seal_inner(
    plaintext: &[u8],
    password: &str,
    p2s: &[u8],
    p2c: u32,
    cek: &SecretKey32,
    iv: &[u8; IV_LEN],
) -> Result<String> {
    let header = HeaderOut {
        alg: ALG,
        enc: ENC,
        p2s: b64u_encode(p2s),
        p2c,
    };
    let header_json =
        serde_json::to_vec(&header).map_err(|_| Error::MalformedEnvelope("header"))?;
    let header_b64 = b64u_encode(&header_json);

    let kek = derive_kek(password, p2s, p2c);
    let wrapped = wrap_cek(&kek, cek)?;

    let gcm =
        Aes256Gcm::new_from_slice(cek.expose_secret()).map_err(|_| Error::InvalidKeyLength {
            expected: CEK_LEN,
            actual: CEK_LEN,
        })?;
    let nonce = aes_gcm::Nonce::from(*iv);
    let mut sealed = gcm
        .encrypt(
            &nonce,
            Payload {
                msg: plaintext,
                aad: header_b64.as_bytes(),
            },
        )
        .map_err(|_| Error::EnvelopeTooLarge {
            actual: plaintext.len(),
            maximum: MAX_ENVELOPE_LEN,
        })?;
    // aes-gcm appends the tag; JWE carries it as its own part (RFC 7516 §7.1).
    let tag = sealed.split_off(sealed.len().saturating_sub(TAG_LEN));

    let mut out = String::with_capacity(header_b64.len() + sealed.len() * 4 / 3 + 128);
    out.push_str(&header_b64);
    for part in [&wrapped[..], &iv[..], &sealed[..], &tag[..]] {
        out.push('.');
        out.push_str(&b64u_encode(part));
    }
    if out.len() > MAX_ENVELOPE_LEN {
        return Err(Error::EnvelopeTooLarge {
            actual: out.len(),
            maximum: MAX_ENVELOPE_LEN,
        });
    }
    Ok(out)
}

/// Opens a password envelope made by us or by any JOSE library.
///
/// A wrong password and a tampered envelope are indistinguishable
/// ([`Error::WrongPasswordOrTampered`]); the iteration count is checked before
/// any key derivation.
pub fn open_with_password(jwe: &str, password: &str) -> Result<SecretBytes> {
    open_with_kdf(jwe, password, &mut |pw, salt, p2c| {
        Ok(derive_kek(pw, salt, p2c))
    })
}

/// The parts of a compact password envelope after every check that costs no KDF.
struct Parsed<'a> {
    header_b64: &'a str,
    p2s: Vec<u8>,
    p2c: u32,
    wrapped: Vec<u8>,
    iv: [u8; IV_LEN],
    ciphertext: Vec<u8>,
    tag: Vec<u8>,
}

fn parse(jwe: &str) -> Result<Parsed<'_>> {
    let [h, ek, iv, ct, tag] = split_compact_jwe(jwe, MAX_ENVELOPE_LEN)?;

    let header_json = b64u_decode(h, "header")?;
    let header: HeaderIn =
        serde_json::from_slice(&header_json).map_err(|_| Error::MalformedEnvelope("header"))?;
    // `crit` first: RFC 7515 §4.1.11 says a recipient that does not understand
    // a listed extension MUST reject, and we understand none.
    if header.crit.is_some() {
        return Err(Error::CriticalHeader);
    }
    if header.alg != ALG {
        return Err(Error::UnsupportedAlgorithm);
    }
    if header.enc != ENC {
        return Err(Error::UnsupportedEncryption);
    }
    // RFC 7516 §4.1.3: compression before encryption; we never compress, and
    // refusing it avoids a decompression bomb and compression side channels.
    if header.zip.is_some() {
        return Err(Error::MalformedEnvelope("zip is not supported"));
    }
    // Accepted and ignored: they describe the payload or the key, not processing.
    let _ = (&header.cty, &header.typ, &header.kid);

    let p2c = parse_p2c(&header.p2c)?;
    check_p2c(p2c)?;
    let p2s = b64u_decode(&header.p2s, "p2s")?;
    check_p2s_len(p2s.len())?;

    let wrapped = b64u_decode(ek, "encrypted key")?;
    if wrapped.len() != WRAPPED_CEK_LEN {
        return Err(Error::MalformedEnvelope("encrypted key length"));
    }
    let iv: [u8; IV_LEN] = b64u_decode(iv, "iv")?
        .try_into()
        .map_err(|_| Error::MalformedEnvelope("iv length"))?;
    let ciphertext = b64u_decode(ct, "ciphertext")?;
    let tag = b64u_decode(tag, "tag")?;
    if tag.len() != TAG_LEN {
        return Err(Error::MalformedEnvelope("tag length"));
    }
    Ok(Parsed {
        header_b64: h,
        p2s,
        p2c,
        wrapped,
        iv,
        ciphertext,
        tag,
    })
}

type KdfFn<'f> = dyn FnMut(&str, &[u8], u32) -> Result<Zeroizing<[u8; KEK_LEN]>> + 'f;

/// Every check and step of [`open_with_password`] except that the 600 000+
/// iteration KDF is replaced by a single PBKDF2 iteration, so a fuzzer reaches the key unwrap
/// and GCM paths thousands of times a second. Never for real envelopes.
#[doc(hidden)]
pub fn dangerous_open_with_cheap_kdf_for_fuzzing(jwe: &str, password: &str) -> Result<SecretBytes> {
    open_with_kdf(jwe, password, &mut |pw, salt, p2c| {
        Ok(derive_kek(pw, salt, p2c.min(1)))
    })
}

/// `open_with_password` with the KDF injected, so unit tests can memoise the
/// 600 000-iteration derivation while flipping every byte of an envelope.
fn open_with_kdf(jwe: &str, password: &str, kdf: &mut KdfFn<'_>) -> Result<SecretBytes> {
    let p = parse(jwe)?;
    let kek = kdf(password, &p.p2s, p.p2c)?;
    let kw = KwAes256::new_from_slice(&kek[..]).map_err(|_| Error::InvalidKeyLength {
        expected: KEK_LEN,
        actual: kek.len(),
    })?;
    let mut cek = Zeroizing::new([0u8; CEK_LEN]);
    // RFC 3394 §2.2.3: the integrity check fails for a wrong KEK or a tampered ek.
    kw.unwrap_key(&p.wrapped, &mut cek[..])
        .map_err(|_| Error::WrongPasswordOrTampered)?;

    let gcm = Aes256Gcm::new_from_slice(&cek[..]).map_err(|_| Error::InvalidKeyLength {
        expected: CEK_LEN,
        actual: CEK_LEN,
    })?;
    let mut ct_and_tag = Vec::with_capacity(p.ciphertext.len() + TAG_LEN);
    ct_and_tag.extend_from_slice(&p.ciphertext);
    ct_and_tag.extend_from_slice(&p.tag);
    let nonce = aes_gcm::Nonce::from(p.iv);
    let plaintext = gcm
        .decrypt(
            &nonce,
            Payload {
                msg: &ct_and_tag,
                aad: p.header_b64.as_bytes(),
            },
        )
        .map_err(|_| Error::WrongPasswordOrTampered)?;
    Ok(SecretBytes::new(plaintext))
}

/// `p2c` is a JSON number; only a non-negative integer is an iteration count.
fn parse_p2c(n: &serde_json::Number) -> Result<u32> {
    let v = n.as_u64().ok_or(Error::MalformedEnvelope("p2c"))?;
    // Anything past u32 is certainly above the ceiling; report it as such.
    Ok(u32::try_from(v).unwrap_or(u32::MAX))
}

fn check_p2c(p2c: u32) -> Result<()> {
    if p2c < MIN_P2C {
        return Err(Error::Pbes2IterationsTooLow {
            p2c,
            minimum: MIN_P2C,
        });
    }
    if p2c > MAX_P2C {
        return Err(Error::Pbes2IterationsTooHigh {
            p2c,
            maximum: MAX_P2C,
        });
    }
    Ok(())
}

fn check_p2s_len(len: usize) -> Result<()> {
    if (MIN_P2S_LEN..=MAX_P2S_LEN).contains(&len) {
        Ok(())
    } else {
        Err(Error::MalformedEnvelope("p2s length"))
    }
}

/// RFC 7518 §4.8.1.1: salt = UTF8(alg) || 0x00 || p2s; dkLen 32 for A256KW.
fn derive_kek(password: &str, p2s: &[u8], p2c: u32) -> Zeroizing<[u8; KEK_LEN]> {
    let mut salt = Vec::with_capacity(ALG.len() + 1 + p2s.len());
    salt.extend_from_slice(ALG.as_bytes());
    salt.push(0);
    salt.extend_from_slice(p2s);
    let mut kek = Zeroizing::new([0u8; KEK_LEN]);
    pbkdf2::pbkdf2_hmac::<sha2::Sha512>(password.as_bytes(), &salt, p2c, &mut kek[..]);
    kek
}

fn wrap_cek(kek: &[u8; KEK_LEN], cek: &SecretKey32) -> Result<[u8; WRAPPED_CEK_LEN]> {
    let kw = KwAes256::new_from_slice(kek).map_err(|_| Error::InvalidKeyLength {
        expected: KEK_LEN,
        actual: kek.len(),
    })?;
    let mut out = [0u8; WRAPPED_CEK_LEN];
    kw.wrap_key(cek.expose_secret(), &mut out)
        .map_err(|_| Error::InvalidKeyLength {
            expected: CEK_LEN,
            actual: CEK_LEN,
        })?;
    Ok(out)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    /// Changes every character of the compact string. The real KDF runs once,
    /// for the envelope's own (salt, p2c); any other pair gets PBKDF2 with one
    /// iteration. That is sound because the only property used is "another
    /// salt or count gives another KEK", which the independent vectors in
    /// tests/password_envelope_vectors.rs pin down, and it keeps this
    /// exhaustive test at one 600 000-iteration derivation.
    #[test]
    fn every_single_character_change_fails() {
        let jwe = seal_with_password(b"x", "correct horse").unwrap();
        let p = parse(&jwe).unwrap();
        let (own_salt, own_p2c) = (p.p2s.clone(), p.p2c);
        let own_kek = *derive_kek("correct horse", &own_salt, own_p2c);
        let mut kdf = |pw: &str, salt: &[u8], p2c: u32| {
            if salt == own_salt.as_slice() && p2c == own_p2c {
                Ok(Zeroizing::new(own_kek))
            } else {
                Ok(derive_kek(pw, salt, 1))
            }
        };
        assert_eq!(
            open_with_kdf(&jwe, "correct horse", &mut kdf)
                .unwrap()
                .expose_secret(),
            b"x"
        );
        let bytes = jwe.as_bytes();
        for i in 0..bytes.len() {
            // Two replacements per position: a neighbour in the alphabet and '.'.
            for repl in [next_b64u_char(bytes[i]), b'.'] {
                if repl == bytes[i] {
                    continue;
                }
                let mut t = bytes.to_vec();
                t[i] = repl;
                let t = String::from_utf8(t).unwrap();
                assert!(
                    open_with_kdf(&t, "correct horse", &mut kdf).is_err(),
                    "flip at {i} to {:?} was accepted",
                    repl as char
                );
            }
        }
    }

    fn next_b64u_char(c: u8) -> u8 {
        const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        match A.iter().position(|&x| x == c) {
            Some(p) => A[(p + 1) % A.len()],
            None => b'A',
        }
    }
}
