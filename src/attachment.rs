//! Attachments: c2sp.org/chunked-encryption instantiated with HKDF-SHA-512
//! and AES-256-GCM ("Cobblestone-256"), the attachment's [`Context`] as the
//! scheme's context. docs/SPEC.md §Attachments is the normative text.
//!
//! ```text
//! ciphertext = salt (24) || commitment (32) || chunk 0 || chunk 1 || ... || chunk n
//! chunk i    = AES-256-GCM(key, base nonce XOR i, 16 KiB of plaintext) (16 400 bytes)
//! chunk n    = the same over the last 0..=16 383 bytes: always shorter, which marks the end
//! ```
//!
//! * Streaming, bounded memory: [`Encryptor`] / [`Decryptor`] hold at most
//!   one chunk whatever the file size.
//! * Random access: [`RangeDecryptor`] maps a plaintext range to the
//!   ciphertext bytes to fetch and authenticates every chunk it opens at its
//!   position (and the final chunk when the range reaches the end).
//! * One-shot: [`encrypt`] / [`decrypt`] for small files and tests.
//!
//! The `*_with_context_bytes` constructors take the context as raw bytes, for
//! interoperability with other c2sp implementations and their test vectors;
//! Blindvault itself always passes `Context::attachment(vault, item, att)`.

mod chunk_cipher;
mod decryptor;
mod encryptor;
mod key;
mod meta;
mod range;

/// The chunk cipher as the browser build's WebCrypto path sees it.
#[cfg(all(target_arch = "wasm32", not(feature = "strength")))]
pub(crate) use chunk_cipher::ChunkCipher as ChunkCipherRef;
pub use decryptor::Decryptor;
pub use encryptor::Encryptor;
pub use key::AttachmentKey;
pub use meta::{AttachmentMeta, ATTACHMENT_META_VERSION, MAX_ATTACHMENT_SIZE};
pub use range::{ciphertext_len, ciphertext_range_for, plaintext_len, RangeDecryptor};

use crate::context::Context;
use crate::Result;

/// Plaintext bytes per chunk: 16 KiB, the TLS 1.3 record size (c2sp §"Message chunking").
pub const CHUNK_SIZE: usize = 16 * 1024;
/// AES-GCM tag length (NIST SP 800-38D, 128-bit tags).
pub const TAG_LEN: usize = 16;
/// An encrypted non-final chunk: plaintext plus tag.
pub const ENCRYPTED_CHUNK_SIZE: usize = CHUNK_SIZE + TAG_LEN;
/// Random per-attachment salt (c2sp: 24 bytes, 192 bits).
pub const SALT_LEN: usize = 24;
/// Key commitment (c2sp: 32 bytes, 128-bit commitment security).
pub const COMMITMENT_LEN: usize = 32;
/// `salt || commitment`, in front of the first chunk.
pub const HEADER_LEN: usize = SALT_LEN + COMMITMENT_LEN;
/// AES-GCM nonce length (96 bits).
pub(crate) const NONCE_LEN: usize = 12;
/// c2sp: the chunk counter MUST stay below 2^38 (4 PiB of plaintext).
pub const MAX_CHUNKS: u64 = 1 << 38;

/// Encrypts a whole attachment in memory: `header || chunks`.
pub fn encrypt(key: &AttachmentKey, context: &Context, plaintext: &[u8]) -> Result<Vec<u8>> {
    let (mut enc, mut out) = Encryptor::new(key, context)?;
    out.reserve(usize::try_from(ciphertext_len(plaintext.len() as u64)?).unwrap_or(0));
    out.extend_from_slice(&enc.push(plaintext)?);
    out.extend_from_slice(&enc.finish()?);
    Ok(out)
}

/// Decrypts a whole attachment in memory; fails unless every chunk
/// authenticates and the last one is a valid final chunk.
pub fn decrypt(key: &AttachmentKey, context: &Context, ciphertext: &[u8]) -> Result<Vec<u8>> {
    let mut dec = Decryptor::new(key, context);
    let mut out = dec.push(ciphertext)?;
    out.extend_from_slice(&dec.finish()?);
    Ok(out)
}
