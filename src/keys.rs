//! Symmetric keys of the hierarchy: account, vault and item keys
//! (docs/SPEC.md §Key hierarchy).
//!
//! ```text
//!  password ──PBKDF2──▶ master_key ──HKDF──┬──▶ auth_key   (sent at login)
//!                                          └──▶ wrap_key   (never leaves the client)
//!                                                  │ wraps
//!                                                  ▼
//!                                             account_key ──wraps──▶ X25519 private key
//!                                                  │ wraps
//!                                                  ▼
//!                     (HPKE to a member) ──▶  vault_key ──wraps──▶ folder / vault names
//!                                                  │ wraps
//!                                                  ▼
//!                                              item_key ──seals──▶ overview, details,
//!                                                                  attachments
//! ```
//!
//! Every key is a [`SymmetricKey`]: 32 random bytes that never print, are
//! zeroized on drop, and carry a public `kid` so that a client can tell
//! "wrong key" from "tampered" without revealing anything about the key.

use crate::context::Context;
use crate::envelope;
use crate::secret::{SecretBytes, SecretKey32};
use crate::{Error, Result};
use blindvault_hot_crypto::Gcm;
use core::fmt;

/// HKDF `info` for a key's public identifier (SPEC.md §Key hierarchy).
const KID_INFO: &[u8] = b"blindvault/v1/kid";
/// 9 bytes = 72 bits: 12 base64url characters, no padding. Collisions only
/// make the kid check useless for that pair (the GCM tag still decides); the
/// kid is a hint, never a security boundary.
const KID_LEN: usize = 9;

/// A 256-bit AES-GCM key with its kid and a ready cipher instance.
///
/// The cipher (expanded key schedule and GHASH key) is built once, so sealing
/// or opening many envelopes under one key (the unlock hot path) pays for it
/// once. aes-gcm's `zeroize` feature clears it on drop.
#[derive(Clone)]
pub struct SymmetricKey {
    key: SecretKey32,
    cipher: Gcm,
    kid: String,
}

/// `kid = BASE64URL(HKDF-SHA-256(ikm = key, salt = "", info = "blindvault/v1/kid", L = 9))`.
pub(crate) fn kid_of(key: &[u8; 32]) -> String {
    let mut out = [0u8; KID_LEN];
    // Only fails for L > 255 * 32; L is the constant 9.
    let _ = crate::kdf::hkdf_sha256(key, b"", KID_INFO, &mut out);
    crate::encoding::b64u_encode(&out)
}

/// The cipher alone, without computing a kid (batch unlock path).
pub(crate) fn cipher_of(key: &[u8; 32]) -> Gcm {
    Gcm::new(key)
}

impl SymmetricKey {
    /// Key length in bytes (AES-256).
    pub const LEN: usize = 32;

    /// A fresh key from the operating system's CSPRNG.
    pub fn generate() -> Result<Self> {
        Ok(Self::from_secret(SecretKey32::random()?))
    }

    /// Wraps existing key material (an unwrapped key, a derived key, a key
    /// carried by a service-account token).
    pub fn from_secret(key: SecretKey32) -> Self {
        let cipher = cipher_of(key.expose_secret());
        let kid = kid_of(key.expose_secret());
        Self { key, cipher, kid }
    }

    /// The public key identifier written into every envelope's `kid`.
    pub fn kid(&self) -> &str {
        &self.kid
    }

    /// Encrypts `plaintext` into an envelope bound to `ctx`.
    pub fn seal(&self, plaintext: &[u8], ctx: &Context) -> Result<String> {
        envelope::seal(&self.cipher, &self.kid, ctx, plaintext)
    }

    /// Decrypts an envelope, refusing it unless it was made for `ctx` with this key.
    pub fn open(&self, jwe: &str, ctx: &Context) -> Result<SecretBytes> {
        envelope::open(&self.cipher, Some(&self.kid), ctx, jwe)
    }

    /// Encrypts another key's 32 bytes into an envelope bound to `ctx`.
    pub fn wrap(&self, other: &SymmetricKey, ctx: &Context) -> Result<String> {
        self.seal(other.key.expose_secret(), ctx)
    }

    /// Opens a wrapped key; the plaintext must be exactly 32 bytes.
    pub fn unwrap(&self, jwe: &str, ctx: &Context) -> Result<SymmetricKey> {
        let bytes = self.open(jwe, ctx)?;
        key_from_plaintext(&bytes)
    }

    /// The raw key bytes, for code inside the core that derives from or hands
    /// the key to another primitive (HKDF for attachments, HPKE wrapping).
    #[allow(dead_code)] // for attachment.rs and sharing.rs
    pub(crate) fn secret(&self) -> &SecretKey32 {
        &self.key
    }

    /// The ready cipher, for the batch paths that open many envelopes.
    pub(crate) fn cipher(&self) -> &Gcm {
        &self.cipher
    }

    /// Seals with a caller-chosen nonce, for known-answer vectors only.
    ///
    /// Reusing a nonce under one key destroys GCM's confidentiality and
    /// authenticity; nothing but the vector tests may call this.
    #[doc(hidden)]
    pub fn dangerous_seal_with_fixed_nonce(
        &self,
        plaintext: &[u8],
        ctx: &Context,
        iv: &[u8; envelope::IV_LEN],
    ) -> Result<String> {
        envelope::seal_with_nonce(
            &self.cipher,
            &self.kid,
            ctx,
            iv,
            plaintext,
            envelope::MAX_ENVELOPE_LEN,
        )
    }
}

/// A decrypted wrapped key: exactly 32 bytes, or the payload is invalid.
pub(crate) fn key_from_plaintext(bytes: &SecretBytes) -> Result<SymmetricKey> {
    let key = SecretKey32::from_slice(bytes.expose_secret())
        .map_err(|_| Error::InvalidPayload("a wrapped key must be 32 bytes"))?;
    Ok(SymmetricKey::from_secret(key))
}

impl fmt::Debug for SymmetricKey {
    // The kid is public (it is in every envelope header); the key is not.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SymmetricKey")
            .field("kid", &self.kid)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn seal_open_wrap_unwrap_round_trip() {
        let k = SymmetricKey::generate().unwrap();
        let other = SymmetricKey::generate().unwrap();
        let ctx = Context::vault_meta("v").unwrap();
        let jwe = k.seal(b"hello", &ctx).unwrap();
        assert_eq!(k.open(&jwe, &ctx).unwrap().expose_secret(), b"hello");
        let w = k
            .wrap(&other, &Context::item_key("v", "i").unwrap())
            .unwrap();
        let back = k.unwrap(&w, &Context::item_key("v", "i").unwrap()).unwrap();
        assert_eq!(back.kid(), other.kid());
        assert_eq!(
            back.secret().expose_secret(),
            other.secret().expose_secret()
        );
    }

    #[test]
    fn unwrap_refuses_payload_of_wrong_length() {
        let k = SymmetricKey::generate().unwrap();
        let ctx = Context::item_key("v", "i").unwrap();
        let jwe = k.seal(&[7u8; 31], &ctx).unwrap();
        assert_eq!(
            k.unwrap(&jwe, &ctx).unwrap_err(),
            Error::InvalidPayload("a wrapped key must be 32 bytes")
        );
    }
}
