//! Key derivation and the per-chunk AEAD (c2sp.org/chunked-encryption
//! §"Key derivation" and §"AEAD usage").
//!
//! ```text
//! key || base nonce || commitment = HKDF-Expand-SHA-512(prk = input key,
//!     info = "c2sp.org/chunked-encryption@v1+" || "AEAD_AES_256_GCM" || 0x00 || salt || context)
//! nonce(i) = base nonce XOR (i as a 96-bit big-endian integer)
//! chunk(i) = AES-256-GCM(key, nonce(i), plaintext chunk, aad = "")
//! ```

use super::key::AttachmentKey;
use super::{COMMITMENT_LEN, MAX_CHUNKS, NONCE_LEN, SALT_LEN, TAG_LEN};
use crate::{Error, Result};
use blindvault_hot_crypto::Gcm;
use hkdf::Hkdf;
use sha2::Sha512;
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

/// Fixed prefix of the HKDF-Expand `info` (c2sp.org/chunked-encryption v1).
const INFO_PREFIX: &[u8] = b"c2sp.org/chunked-encryption@v1+";
/// The AEAD's name in the IANA "AEAD Algorithms" registry (RFC 5116 §6).
const AEAD_NAME: &[u8] = b"AEAD_AES_256_GCM";
/// SHA-512's output size, the HKDF "HashLen" (RFC 5869 §2.3).
const HASH_LEN: usize = 64;
const KEY_LEN: usize = AttachmentKey::LEN;
const OKM_LEN: usize = KEY_LEN + NONCE_LEN + COMMITMENT_LEN;

/// What the stream framing does with one complete chunk (cipher, chunk
/// index, chunk bytes): AES-GCM in RustCrypto, or queued for WebCrypto in
/// the browser build.
pub(crate) type ChunkOp<'a> = dyn FnMut(&ChunkCipher, u64, &[u8]) -> Result<()> + 'a;

/// The derived AEAD key and base nonce of one attachment.
pub(crate) struct ChunkCipher {
    aead: Gcm, // zeroized on drop (aes-gcm `zeroize` feature)
    /// The derived AEAD key, kept for the browser build, which imports it into
    /// WebCrypto (non-extractable) to run the per-chunk AES-GCM there.
    #[cfg_attr(
        any(not(target_arch = "wasm32"), feature = "strength"),
        allow(dead_code)
    )]
    key: Zeroizing<[u8; KEY_LEN]>,
    base_nonce: Zeroizing<[u8; NONCE_LEN]>,
}

impl ChunkCipher {
    /// Derives the cipher and the expected commitment from the input key,
    /// the salt and the context.
    pub(crate) fn derive(
        key: &AttachmentKey,
        salt: &[u8; SALT_LEN],
        context: &[u8],
    ) -> Result<(Self, [u8; COMMITMENT_LEN])> {
        // c2sp uses the 32-byte input key directly as HKDF-Expand's PRK. The
        // `hkdf` crate insists on a PRK of at least HashLen (64) bytes, as
        // RFC 5869 §2.3 recommends. HMAC zero-pads any key shorter than its
        // block size (128 bytes for SHA-512, RFC 2104 §2), so the key followed
        // by 32 zero bytes is the very same HMAC key: the output is identical
        // (the Wycheproof vectors' aeadKey/baseNonce confirm it).
        let mut prk = Zeroizing::new([0u8; HASH_LEN]);
        prk[..KEY_LEN].copy_from_slice(key.expose_secret());
        let hkdf = Hkdf::<Sha512>::from_prk(&prk[..]).map_err(|_| Error::InvalidKeyLength {
            expected: KEY_LEN,
            actual: prk.len(),
        })?;
        let mut okm = Zeroizing::new([0u8; OKM_LEN]);
        hkdf.expand_multi_info(
            &[INFO_PREFIX, AEAD_NAME, &[0x00], salt, context],
            &mut okm[..],
        )
        // 76 bytes is far below HKDF's 255 * HashLen limit.
        .map_err(|_| Error::MalformedAttachmentHeader)?;

        let mut aead_key = Zeroizing::new([0u8; KEY_LEN]);
        aead_key.copy_from_slice(&okm[..KEY_LEN]);
        let aead = Gcm::new(&aead_key);
        let mut base_nonce = Zeroizing::new([0u8; NONCE_LEN]);
        base_nonce.copy_from_slice(&okm[KEY_LEN..KEY_LEN + NONCE_LEN]);
        let mut commitment = [0u8; COMMITMENT_LEN];
        commitment.copy_from_slice(&okm[KEY_LEN + NONCE_LEN..]);
        Ok((
            Self {
                aead,
                key: aead_key,
                base_nonce,
            },
            commitment,
        ))
    }

    /// Derives the cipher for a received header and checks its commitment in
    /// constant time, before any chunk is decrypted.
    pub(crate) fn open_header(
        key: &AttachmentKey,
        salt: &[u8; SALT_LEN],
        commitment: &[u8],
        context: &[u8],
    ) -> Result<Self> {
        let (cipher, expected) = Self::derive(key, salt, context)?;
        if bool::from(expected.ct_eq(commitment)) {
            Ok(cipher)
        } else {
            Err(Error::AttachmentKeyCommitment)
        }
    }

    /// nonce(i): the base nonce XOR the chunk number as a big-endian integer
    /// as wide as the nonce. Refuses i >= 2^38 (c2sp: MUST abort).
    pub(crate) fn nonce_bytes(&self, index: u64) -> Result<[u8; NONCE_LEN]> {
        if index >= MAX_CHUNKS {
            return Err(Error::AttachmentTooLarge);
        }
        let mut n = *self.base_nonce;
        for (b, c) in n[NONCE_LEN - 8..].iter_mut().zip(index.to_be_bytes()) {
            *b ^= c;
        }
        Ok(n)
    }

    /// The derived AEAD key, for importing into WebCrypto (browser build).
    #[cfg_attr(
        any(not(target_arch = "wasm32"), feature = "strength"),
        allow(dead_code)
    )]
    pub(crate) fn aead_key(&self) -> &[u8; KEY_LEN] {
        &self.key
    }

    /// Appends `AES-256-GCM(plaintext) || tag` for chunk `index` to `out`.
    pub(crate) fn seal_into(&self, index: u64, plaintext: &[u8], out: &mut Vec<u8>) -> Result<()> {
        let nonce = self.nonce_bytes(index)?;
        let start = out.len();
        out.extend_from_slice(plaintext);
        let body = out.get_mut(start..).ok_or(Error::AttachmentTooLarge)?;
        // AES-GCM refuses only plaintexts over 2^36 - 32 bytes; a chunk is 16 KiB.
        let tag = self
            .aead
            .seal_in_place(&nonce, b"", body)
            .map_err(|_| Error::AttachmentTooLarge)?;
        out.extend_from_slice(&tag);
        Ok(())
    }

    /// Authenticates encrypted chunk `index` (body and tag) and appends its
    /// plaintext to `out`. On failure `out` is left as it was.
    pub(crate) fn open_into(&self, index: u64, chunk: &[u8], out: &mut Vec<u8>) -> Result<()> {
        let nonce = self.nonce_bytes(index)?;
        let body_len = chunk
            .len()
            .checked_sub(TAG_LEN)
            .ok_or(Error::AttachmentTruncated)?;
        let (body, tag) = chunk.split_at(body_len);
        let tag: &[u8; TAG_LEN] = tag.try_into().map_err(|_| Error::AttachmentChunkFailed)?;
        let start = out.len();
        out.extend_from_slice(body);
        let result = match out.get_mut(start..) {
            Some(dst) => self
                .aead
                .open_in_place(&nonce, b"", dst, tag)
                .map_err(|_| Error::AttachmentChunkFailed),
            None => Err(Error::AttachmentChunkFailed),
        };
        if result.is_err() {
            // Nothing unauthenticated may stay behind.
            if let Some(tail) = out.get_mut(start..) {
                zeroize::Zeroize::zeroize(tail);
            }
            out.truncate(start);
        }
        result
    }
}
