//! The core's hot loops as concrete, non-generic functions.
//!
//! Why a crate of its own: RustCrypto's AES-GCM and PBKDF2 are generic, so
//! their loops are compiled in whichever crate names the concrete types, at
//! that crate's `opt-level`. The WebAssembly build (`[profile.wasm]` in the
//! root Cargo.toml) optimises the core for size (`opt-level = "z"`), which
//! made these loops 1.4-1.9x slower when they lived in the core
//! (docs/BENCHMARKS.md § Browser, "Size"). Instantiated here, they keep
//! `opt-level = 3` while the rest of the module shrinks.
//!
//! No format knowledge lives here: nonces, AAD and tags are the caller's.
#![no_std]
#![forbid(unsafe_code)]
#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use aes_gcm::aead::{AeadInOut, KeyInit};
use aes_gcm::Aes256Gcm;

/// AES-256-GCM (NIST SP 800-38D) with a 96-bit nonce and a 128-bit tag.
///
/// Holds the expanded key schedule and GHASH key, built once per key; the
/// aes-gcm `zeroize` feature clears them on drop.
#[derive(Clone)]
pub struct Gcm(Aes256Gcm);

/// The tag did not verify (or the input exceeds GCM's 2^36 - 32 byte limit).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GcmError;

impl Gcm {
    pub fn new(key: &[u8; 32]) -> Self {
        Self(Aes256Gcm::new(key.into()))
    }

    /// Encrypts `buf` in place and returns the tag.
    #[inline(never)]
    pub fn seal_in_place(
        &self,
        nonce: &[u8; 12],
        aad: &[u8],
        buf: &mut [u8],
    ) -> Result<[u8; 16], GcmError> {
        self.0
            .encrypt_inout_detached(nonce.into(), aad, buf.into())
            .map(Into::into)
            .map_err(|_| GcmError)
    }

    /// Verifies `tag`, then decrypts `buf` in place. On failure `buf` is left
    /// unspecified (callers discard or zeroize it).
    #[inline(never)]
    pub fn open_in_place(
        &self,
        nonce: &[u8; 12],
        aad: &[u8],
        buf: &mut [u8],
        tag: &[u8; 16],
    ) -> Result<(), GcmError> {
        self.0
            .decrypt_inout_detached(nonce.into(), aad, buf.into(), tag.into())
            .map_err(|_| GcmError)
    }
}

/// PBKDF2-HMAC-SHA-256 (RFC 8018 §5.2). No bounds here: the core checks the
/// iteration count before calling.
#[inline(never)]
pub fn pbkdf2_hmac_sha256(password: &[u8], salt: &[u8], iterations: u32, out: &mut [u8]) {
    pbkdf2::pbkdf2_hmac::<sha2::Sha256>(password, salt, iterations, out);
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    // The core's Wycheproof and RFC vectors test these through the envelope
    // and attachment code; this only pins the wrapper's own plumbing.
    #[test]
    fn gcm_round_trip_and_tamper() {
        let g = Gcm::new(&[7u8; 32]);
        let mut buf = *b"sixteen byte msg and some more";
        let tag = g.seal_in_place(&[1; 12], b"aad", &mut buf).unwrap();
        assert_ne!(&buf, b"sixteen byte msg and some more");
        let ct = buf;
        g.open_in_place(&[1; 12], b"aad", &mut buf, &tag).unwrap();
        assert_eq!(&buf, b"sixteen byte msg and some more");
        let mut b2 = ct;
        assert_eq!(
            g.open_in_place(&[1; 12], b"aae", &mut b2, &tag),
            Err(GcmError)
        );
        let mut b3 = ct;
        let mut bad = tag;
        bad[15] ^= 1;
        assert_eq!(
            g.open_in_place(&[1; 12], b"aad", &mut b3, &bad),
            Err(GcmError)
        );
    }

    // RFC 7914 §11: PBKDF2-HMAC-SHA256, P = "passwd", S = "salt", c = 1, dkLen = 64 (first 32 bytes).
    #[test]
    fn pbkdf2_rfc7914_vector() {
        let mut out = [0u8; 32];
        pbkdf2_hmac_sha256(b"passwd", b"salt", 1, &mut out);
        assert_eq!(
            out,
            [
                0x55, 0xac, 0x04, 0x6e, 0x56, 0xe3, 0x08, 0x9f, 0xec, 0x16, 0x91, 0xc2, 0x25, 0x44,
                0xb6, 0x05, 0xf9, 0x41, 0x85, 0x21, 0x6d, 0xde, 0x04, 0x65, 0xe6, 0x8b, 0x9d, 0x57,
                0xc2, 0x0d, 0xac, 0xbc
            ]
        );
    }
}
