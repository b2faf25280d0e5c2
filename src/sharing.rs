//! Sharing: the account's X25519 key pair, vault keys sealed to a member's
//! public key with HPKE, and public-key fingerprints.
//!
//! HPKE is RFC 9180 base mode with the suite DHKEM(X25519, HKDF-SHA256)
//! (kem 0x0020), HKDF-SHA256 (kdf 0x0001), AES-256-GCM (aead 0x0002), via the
//! `hpke` crate. A sealed value is the compact string
//!
//! ```text
//! bv1-hpke.<base64url(enc), 32 bytes>.<base64url(ciphertext || tag)>
//! ```
//!
//! For a vault key, `info = UTF8("bv1/vault-key/<vault>/<member>")` (the
//! [`Context`] of that member's copy) and `aad = pkR` (the recipient's 32-byte
//! public key), so a copy cannot be replayed to another vault, another
//! member, or another key of the same member. The generic [`hpke_seal`] puts
//! `"bv1/hpke-app/"` before the caller's `info`; no [`Context`] starts that
//! way, so an application ciphertext can never open as a vault key.
//!
//! Low-order points: X25519 with a low-order public key yields the all-zero
//! shared secret. RFC 9180 §7.1.4 requires DHKEM(X25519) to refuse it, and the
//! `hpke` crate does, on both encapsulation and decapsulation; we report it as
//! [`Error::InvalidPublicKey`]. Every other input follows RFC 7748: public keys
//! on the twist and non-canonical encodings (top bit set, or u ≥ p) are
//! accepted and computed exactly as §5 defines. In Wycheproof terms: every
//! `acceptable` vector with the `ZeroSharedSecret` flag is rejected, every
//! other `acceptable` vector is accepted with the expected result.

use crate::context::Context;
use crate::encoding::{b64u_decode, b64u_encode};
use crate::keys::{key_from_plaintext, SymmetricKey};
use crate::secret::SecretBytes;
use crate::{Error, Result};
use core::convert::Infallible;
use core::fmt;
use hpke::aead::AesGcm256;
use hpke::kdf::HkdfSha256;
use hpke::kem::X25519HkdfSha256;
use hpke::rand_core::{TryCryptoRng, TryRng};
use hpke::{Deserializable, OpModeR, OpModeS, Serializable};
use sha2::{Digest, Sha256};
use x25519_dalek::{PublicKey, StaticSecret};
use zeroize::Zeroizing;

type Kem = X25519HkdfSha256;

/// The first part of every sealed value; names the format and its version.
pub const HPKE_PREFIX: &str = "bv1-hpke";
/// Prefix of the HPKE `info` of [`hpke_seal`] / [`hpke_open`].
pub const APP_INFO_PREFIX: &[u8] = b"bv1/hpke-app/";
/// Caller `info` limit. RFC 9180 §7.2.1 lets implementations bound it; the
/// `hpke` crate panics at 2^16, so we refuse far below that.
pub const MAX_INFO_LEN: usize = 1024;
/// Largest sealed value [`hpke_open`] parses (a request-a-secret payload).
pub const MAX_SEALED_LEN: usize = 1024 * 1024;
/// Domain label of [`fingerprint`].
pub const FINGERPRINT_LABEL: &[u8] = b"bv1/fingerprint/x25519\0";

const ENC_LEN: usize = 32; // RFC 9180 §7.1: Nenc for DHKEM(X25519).
const TAG_LEN: usize = 16; // RFC 9180 §7.3: Nt for AES-256-GCM.

/// An account's X25519 key pair. The private half is zeroized on drop
/// (x25519-dalek's `zeroize` feature) and never printed.
pub struct KeyPair {
    secret: StaticSecret,
    public: PublicKey,
}

impl KeyPair {
    /// A fresh key pair from the OS CSPRNG (X25519 clamps the scalar when used).
    pub fn generate() -> Result<Self> {
        let mut bytes = Zeroizing::new([0u8; 32]);
        crate::random::fill(&mut bytes[..])?;
        Ok(Self::from_secret_bytes(*bytes))
    }

    fn from_secret_bytes(bytes: [u8; 32]) -> Self {
        let secret = StaticSecret::from(bytes);
        let public = PublicKey::from(&secret);
        Self { secret, public }
    }

    /// Builds a key pair from raw private-key bytes. Only for known-answer
    /// tests: real key pairs come from [`KeyPair::generate`] or [`KeyPair::unwrap`].
    #[doc(hidden)]
    pub fn dangerous_from_secret_bytes(bytes: [u8; 32]) -> Self {
        Self::from_secret_bytes(bytes)
    }

    /// The public key, as published to the server and fingerprinted.
    pub fn public_key_bytes(&self) -> [u8; 32] {
        self.public.to_bytes()
    }

    /// The fingerprint of this key pair's public key (see [`fingerprint`]).
    pub fn fingerprint(&self) -> String {
        fingerprint(&self.public_key_bytes())
    }

    /// Wraps the private key under the account key, bound to
    /// `bv1/private-key/<account>`.
    pub fn wrap(&self, account_key: &SymmetricKey, account_id: &str) -> Result<String> {
        let bytes = Zeroizing::new(self.secret.to_bytes());
        account_key.seal(&bytes[..], &Context::private_key(account_id)?)
    }

    /// Unwraps a private key made by [`KeyPair::wrap`] for this account.
    /// The caller should compare [`KeyPair::public_key_bytes`] with the
    /// public key it has on record.
    pub fn unwrap(account_key: &SymmetricKey, jwe: &str, account_id: &str) -> Result<KeyPair> {
        let pt = account_key.open(jwe, &Context::private_key(account_id)?)?;
        let bytes: [u8; 32] = pt
            .expose_secret()
            .try_into()
            .map_err(|_| Error::InvalidPayload("a private key must be 32 bytes"))?;
        let bytes = Zeroizing::new(bytes);
        Ok(Self::from_secret_bytes(*bytes))
    }

    fn hpke_private(&self) -> Result<<Kem as hpke::Kem>::PrivateKey> {
        let bytes = Zeroizing::new(self.secret.to_bytes());
        <Kem as hpke::Kem>::PrivateKey::from_bytes(&bytes[..]).map_err(|_| {
            Error::InvalidKeyLength {
                expected: 32,
                actual: bytes.len(),
            }
        })
    }
}

impl KeyPair {
    fn hpke_public(&self) -> Result<<Kem as hpke::Kem>::PublicKey> {
        <Kem as hpke::Kem>::PublicKey::from_bytes(&self.public_key_bytes())
            .map_err(|_| Error::InvalidPublicKey)
    }
}

impl fmt::Debug for KeyPair {
    // The public key is public; the fingerprint is how people compare it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeyPair")
            .field("fingerprint", &self.fingerprint())
            .finish_non_exhaustive()
    }
}

/// A human-comparable fingerprint of an X25519 public key:
/// `h = SHA-256("bv1/fingerprint/x25519" || 0x00 || pk)`, then for i in 0..8
/// the big-endian u32 `h[4i..4i+4] mod 10000` as four digits, groups joined
/// by spaces ("0421 9930 ..."). 8 × log2(10^4) ≈ 106 bits: forging a key with
/// the same fingerprint costs about 2^106 hashes. The modulo bias is below
/// 10^4 / 2^32 ≈ 2.3·10^-6 per group.
pub fn fingerprint(public_key: &[u8; 32]) -> String {
    let mut h = Sha256::new();
    h.update(FINGERPRINT_LABEL);
    h.update(public_key);
    digit_groups(&h.finalize())
}

/// The 8 groups of 4 digits of a SHA-256 digest: `BE32(h[4i..4i+4]) mod 10000`.
pub(crate) fn digit_groups(digest: &[u8]) -> String {
    let mut out = String::with_capacity(8 * 5);
    for (i, chunk) in digest.chunks_exact(4).take(8).enumerate() {
        if i > 0 {
            out.push(' ');
        }
        let mut word = [0u8; 4];
        word.copy_from_slice(chunk);
        out.push_str(&format!("{:04}", u32::from_be_bytes(word) % 10_000));
    }
    out
}

/// Seals a vault key to a member's public key (SPEC.md §Sharing).
pub fn seal_vault_key_to(
    recipient_pk: &[u8; 32],
    vault_key: &SymmetricKey,
    vault_id: &str,
    recipient_account_id: &str,
) -> Result<String> {
    let ikm = fresh_ikm()?;
    seal_vault_key_with_ikm(recipient_pk, vault_key, vault_id, recipient_account_id, ikm)
}

/// [`seal_vault_key_to`] with caller-chosen ephemeral key material. Only for
/// known-answer tests: reusing `ikm_e` reuses the ephemeral key.
#[doc(hidden)]
pub fn dangerous_seal_vault_key_with_ikm(
    recipient_pk: &[u8; 32],
    vault_key: &SymmetricKey,
    vault_id: &str,
    recipient_account_id: &str,
    ikm_e: [u8; 32],
) -> Result<String> {
    seal_vault_key_with_ikm(
        recipient_pk,
        vault_key,
        vault_id,
        recipient_account_id,
        Zeroizing::new(ikm_e),
    )
}

fn seal_vault_key_with_ikm(
    recipient_pk: &[u8; 32],
    vault_key: &SymmetricKey,
    vault_id: &str,
    recipient_account_id: &str,
    ikm: Zeroizing<[u8; 32]>,
) -> Result<String> {
    let info = Context::vault_key(vault_id, recipient_account_id)?;
    seal_raw(
        recipient_pk,
        info.as_bytes(),
        recipient_pk,
        vault_key.secret().expose_secret(),
        ikm,
    )
}

/// Opens a vault key sealed to `key_pair` for `vault_id` and `my_account_id`.
/// Any other vault, member or key pair, or any changed byte, fails.
pub fn open_vault_key(
    key_pair: &KeyPair,
    sealed: &str,
    vault_id: &str,
    my_account_id: &str,
) -> Result<SymmetricKey> {
    let info = Context::vault_key(vault_id, my_account_id)?;
    let pt = open_raw(
        key_pair,
        sealed,
        info.as_bytes(),
        &key_pair.public_key_bytes(),
    )?;
    key_from_plaintext(&pt)
}

/// Prefix of a vault key copy sealed in HPKE auth mode (SPEC § Vault key copies).
pub const HPKE_AUTH_PREFIX: &str = "bv1-hpke-auth";

fn share_info(vault_id: &str, member: &str, entry_hash: &str) -> Result<Vec<u8>> {
    crate::context::validate_id(vault_id)?;
    crate::context::validate_id(member)?;
    if !is_hash_hex(entry_hash) {
        return Err(Error::MalformedEnvelope("entry hash"));
    }
    Ok(format!("bv1/vault-share/{vault_id}/{member}/{entry_hash}").into_bytes())
}

fn is_hash_hex(h: &str) -> bool {
    h.len() == 64 && h.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// Seals a vault key to member `recipient_account_id` in HPKE auth mode from
/// `sender`, bound to the member-log entry `entry_hash` (the entry that added
/// the member, or the one that set the key):
/// `bv1-hpke-auth.<entry hash>.<enc>.<ct>`, `info = "bv1/vault-share/V/M/H"`,
/// `aad = pkR || pkS`.
pub fn seal_vault_key_auth(
    sender: &KeyPair,
    recipient_pk: &[u8; 32],
    vault_key: &SymmetricKey,
    vault_id: &str,
    recipient_account_id: &str,
    entry_hash: &str,
) -> Result<String> {
    let info = share_info(vault_id, recipient_account_id, entry_hash)?;
    let mut aad = recipient_pk.to_vec();
    aad.extend_from_slice(&sender.public_key_bytes());
    seal_mode(
        &format!("{HPKE_AUTH_PREFIX}.{entry_hash}"),
        Some(sender),
        recipient_pk,
        &info,
        &aad,
        vault_key.secret().expose_secret(),
        fresh_ikm()?,
    )
}

/// The member-log entry hash an auth-mode copy names, after its syntax checks.
pub fn vault_key_copy_entry(sealed: &str) -> Option<&str> {
    let mut parts = sealed.split('.');
    match (
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
    ) {
        (Some(HPKE_AUTH_PREFIX), Some(h), Some(_), Some(_), None) if is_hash_hex(h) => Some(h),
        _ => None,
    }
}

/// Opens a copy made by [`seal_vault_key_auth`]; `sender_pk` is the X25519 key
/// of the entry's signer as the verified member log records it.
pub fn open_vault_key_auth(
    key_pair: &KeyPair,
    sealed: &str,
    vault_id: &str,
    my_account_id: &str,
    sender_pk: &[u8; 32],
) -> Result<SymmetricKey> {
    if sealed.len() > MAX_SEALED_LEN {
        return Err(Error::EnvelopeTooLarge {
            actual: sealed.len(),
            maximum: MAX_SEALED_LEN,
        });
    }
    let mut parts = sealed.split('.');
    let (Some(prefix), Some(h), Some(enc), Some(ct), None) = (
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
    ) else {
        return Err(Error::MalformedEnvelope(
            "expected bv1-hpke-auth.<entry>.<enc>.<ciphertext>",
        ));
    };
    if prefix != HPKE_AUTH_PREFIX {
        return Err(Error::UnsupportedVersion);
    }
    let info = share_info(vault_id, my_account_id, h)?;
    let mut aad = key_pair.public_key_bytes().to_vec();
    aad.extend_from_slice(sender_pk);
    let pt = open_parts(key_pair, Some(sender_pk), enc, ct, &info, &aad)?;
    key_from_plaintext(&pt)
}

/// Generic HPKE seal to a public key, e.g. for "request a secret": the HPKE
/// `info` is `"bv1/hpke-app/" || info`, `aad` is authenticated as given.
pub fn hpke_seal(
    recipient_pk: &[u8; 32],
    info: &[u8],
    aad: &[u8],
    plaintext: &[u8],
) -> Result<String> {
    let full_info = app_info(info)?;
    seal_raw(recipient_pk, &full_info, aad, plaintext, fresh_ikm()?)
}

/// Opens a value made by [`hpke_seal`] with the same `info` and `aad`.
pub fn hpke_open(key_pair: &KeyPair, sealed: &str, info: &[u8], aad: &[u8]) -> Result<SecretBytes> {
    let full_info = app_info(info)?;
    open_raw(key_pair, sealed, &full_info, aad)
}

fn app_info(info: &[u8]) -> Result<Vec<u8>> {
    if info.len() > MAX_INFO_LEN {
        return Err(Error::HpkeInfoTooLong {
            actual: info.len(),
            maximum: MAX_INFO_LEN,
        });
    }
    let mut v = Vec::with_capacity(APP_INFO_PREFIX.len() + info.len());
    v.extend_from_slice(APP_INFO_PREFIX);
    v.extend_from_slice(info);
    Ok(v)
}

fn fresh_ikm() -> Result<Zeroizing<[u8; 32]>> {
    let mut ikm = Zeroizing::new([0u8; 32]);
    crate::random::fill(&mut ikm[..])?;
    Ok(ikm)
}

/// Hands the `hpke` crate exactly the 32 bytes of ephemeral key material we
/// drew ourselves (hpke's DeriveKeyPair(ikm), RFC 9180 §7.1.3), so that a
/// failing OS RNG is an `Err` from us rather than a panic inside the crate,
/// and so known-answer tests can use the same path. If the crate ever asked
/// for anything else, the seal is refused instead of using made-up bytes.
struct OneShotIkm {
    ikm: Zeroizing<[u8; 32]>,
    used: bool,
    misused: bool,
}

impl TryRng for OneShotIkm {
    type Error = Infallible;
    fn try_next_u32(&mut self) -> core::result::Result<u32, Infallible> {
        self.misused = true;
        Ok(0)
    }
    fn try_next_u64(&mut self) -> core::result::Result<u64, Infallible> {
        self.misused = true;
        Ok(0)
    }
    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> core::result::Result<(), Infallible> {
        if !self.used && dst.len() == self.ikm.len() {
            dst.copy_from_slice(&self.ikm[..]);
            self.used = true;
        } else {
            self.misused = true;
            dst.fill(0);
        }
        Ok(())
    }
}

impl TryCryptoRng for OneShotIkm {}

fn seal_raw(
    recipient_pk: &[u8; 32],
    info: &[u8],
    aad: &[u8],
    plaintext: &[u8],
    ikm: Zeroizing<[u8; 32]>,
) -> Result<String> {
    seal_mode(HPKE_PREFIX, None, recipient_pk, info, aad, plaintext, ikm)
}

/// HPKE seal in base mode (`sender: None`) or auth mode (RFC 9180 §5.1.3,
/// the sender's static X25519 key authenticates it), written as
/// `prefix "." BASE64URL(enc) "." BASE64URL(ct)`.
fn seal_mode(
    prefix: &str,
    sender: Option<&KeyPair>,
    recipient_pk: &[u8; 32],
    info: &[u8],
    aad: &[u8],
    plaintext: &[u8],
    ikm: Zeroizing<[u8; 32]>,
) -> Result<String> {
    let pk = <Kem as hpke::Kem>::PublicKey::from_bytes(recipient_pk)
        .map_err(|_| Error::InvalidPublicKey)?;
    let mut rng = OneShotIkm {
        ikm,
        used: false,
        misused: false,
    };
    // EncapError is the only way setup fails: the DH output was all zero,
    // i.e. a low-order public key (RFC 9180 §7.1.4).
    let mode = match sender {
        None => OpModeS::Base,
        Some(kp) => OpModeS::Auth((kp.hpke_private()?, kp.hpke_public()?)),
    };
    let (enc, mut ctx) =
        hpke::setup_sender_with_rng::<AesGcm256, HkdfSha256, Kem>(&mode, &pk, info, &mut rng)
            .map_err(|_| Error::InvalidPublicKey)?;
    if rng.misused || !rng.used {
        return Err(Error::Random);
    }
    let ct = ctx
        .seal(plaintext, aad)
        .map_err(|_| Error::EnvelopeTooLarge {
            actual: plaintext.len(),
            maximum: MAX_SEALED_LEN,
        })?;
    let mut out = String::with_capacity(prefix.len() + 2 + 43 + ct.len() * 4 / 3 + 4);
    out.push_str(prefix);
    out.push('.');
    out.push_str(&b64u_encode(&enc.to_bytes()));
    out.push('.');
    out.push_str(&b64u_encode(&ct));
    // Never write what no reader would open.
    if out.len() > MAX_SEALED_LEN {
        return Err(Error::EnvelopeTooLarge {
            actual: out.len(),
            maximum: MAX_SEALED_LEN,
        });
    }
    Ok(out)
}

fn open_raw(key_pair: &KeyPair, sealed: &str, info: &[u8], aad: &[u8]) -> Result<SecretBytes> {
    if sealed.len() > MAX_SEALED_LEN {
        return Err(Error::EnvelopeTooLarge {
            actual: sealed.len(),
            maximum: MAX_SEALED_LEN,
        });
    }
    let mut parts = sealed.split('.');
    let (Some(prefix), Some(enc), Some(ct), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(Error::MalformedEnvelope(
            "expected bv1-hpke.<enc>.<ciphertext>",
        ));
    };
    if prefix != HPKE_PREFIX {
        return Err(Error::UnsupportedVersion);
    }
    open_parts(key_pair, None, enc, ct, info, aad)
}

/// Opens `enc` and `ct` (base64url) in base mode, or in auth mode from `sender`.
fn open_parts(
    key_pair: &KeyPair,
    sender: Option<&[u8; 32]>,
    enc: &str,
    ct: &str,
    info: &[u8],
    aad: &[u8],
) -> Result<SecretBytes> {
    let enc = b64u_decode(enc, "hpke enc")?;
    if enc.len() != ENC_LEN {
        return Err(Error::MalformedEnvelope("hpke enc length"));
    }
    let ct = b64u_decode(ct, "hpke ciphertext")?;
    if ct.len() < TAG_LEN {
        return Err(Error::MalformedEnvelope("hpke ciphertext length"));
    }
    let enc = <Kem as hpke::Kem>::EncappedKey::from_bytes(&enc)
        .map_err(|_| Error::MalformedEnvelope("hpke enc"))?;
    let sk = key_pair.hpke_private()?;
    // DecapError: the DH with `enc` was all zero (a low-order point).
    let mode = match sender {
        None => OpModeR::Base,
        Some(pk) => OpModeR::Auth(
            <Kem as hpke::Kem>::PublicKey::from_bytes(pk).map_err(|_| Error::InvalidPublicKey)?,
        ),
    };
    let mut ctx = hpke::setup_receiver::<AesGcm256, HkdfSha256, Kem>(&mode, &sk, &enc, info)
        .map_err(|_| Error::InvalidPublicKey)?;
    let pt = ctx.open(&ct, aad).map_err(|_| Error::DecryptionFailed)?;
    Ok(SecretBytes::new(pt))
}
