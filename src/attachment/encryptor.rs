//! Streaming encryption: whole chunks out as soon as 16 KiB are in.

use super::chunk_cipher::{ChunkCipher, ChunkOp};
use super::key::AttachmentKey;
use super::{CHUNK_SIZE, ENCRYPTED_CHUNK_SIZE, HEADER_LEN, SALT_LEN};
use crate::context::Context;
use crate::{Error, Result};
use zeroize::Zeroizing;

/// Encrypts one attachment as a stream, holding at most one chunk
/// (16 KiB) of plaintext.
///
/// A full chunk is never the final one (the final chunk is always shorter),
/// so each chunk is encrypted and emitted the moment it fills up; `finish`
/// emits the short final chunk, which may be empty.
pub struct Encryptor {
    cipher: ChunkCipher,
    /// Plaintext of the chunk being filled: always shorter than `CHUNK_SIZE`
    /// between calls.
    pending: Zeroizing<Vec<u8>>,
    next_index: u64,
    failed: Option<Error>,
}

impl Encryptor {
    /// Starts an attachment under a fresh random salt; returns the encryptor
    /// and the 56-byte header (`salt || commitment`) to write first.
    pub fn new(key: &AttachmentKey, context: &Context) -> Result<(Self, Vec<u8>)> {
        Self::new_with_context_bytes(key, context.as_bytes())
    }

    /// As [`Encryptor::new`] with the context as raw bytes (interoperability).
    pub fn new_with_context_bytes(key: &AttachmentKey, context: &[u8]) -> Result<(Self, Vec<u8>)> {
        let mut salt = [0u8; SALT_LEN];
        crate::random::fill(&mut salt)?;
        Self::dangerous_with_salt(key, context, salt)
    }

    /// Encrypts under a caller-chosen salt, for known-answer tests only.
    ///
    /// Dangerous: a salt repeated under one key repeats the AES-GCM key and
    /// nonces, which reveals the XOR of plaintexts and lets anyone forge
    /// chunks. c2sp: the salt MUST NOT repeat for an input key.
    pub fn dangerous_with_salt(
        key: &AttachmentKey,
        context: &[u8],
        salt: [u8; SALT_LEN],
    ) -> Result<(Self, Vec<u8>)> {
        let (cipher, commitment) = ChunkCipher::derive(key, &salt, context)?;
        let mut header = Vec::with_capacity(HEADER_LEN);
        header.extend_from_slice(&salt);
        header.extend_from_slice(&commitment);
        let enc = Self {
            cipher,
            pending: Zeroizing::new(Vec::with_capacity(CHUNK_SIZE)),
            next_index: 0,
            failed: None,
        };
        Ok((enc, header))
    }

    /// Takes any amount of plaintext; returns the encrypted chunks it
    /// completed (possibly none).
    pub fn push(&mut self, data: &[u8]) -> Result<Vec<u8>> {
        let completed = (self.pending.len() + data.len()) / CHUNK_SIZE;
        let mut out = Vec::with_capacity(completed.saturating_mul(ENCRYPTED_CHUNK_SIZE));
        self.push_with(data, &mut |c, i, chunk| c.seal_into(i, chunk, &mut out))?;
        Ok(out)
    }

    /// The chunking of [`Encryptor::push`], with the sealing of each completed
    /// chunk (cipher, index, plaintext) left to `seal`: RustCrypto here,
    /// WebCrypto in the browser build (src/wasm/attachment.rs).
    pub(crate) fn push_with(&mut self, mut data: &[u8], seal: &mut ChunkOp<'_>) -> Result<()> {
        if let Some(e) = &self.failed {
            return Err(e.clone());
        }
        while !data.is_empty() {
            let room = CHUNK_SIZE - self.pending.len();
            if self.pending.is_empty() && data.len() >= CHUNK_SIZE {
                // Whole chunk straight from the input: no copy through `pending`.
                let (chunk, rest) = data.split_at(CHUNK_SIZE);
                let sealed = seal(&self.cipher, self.next_index, chunk);
                self.record(sealed)?;
                data = rest;
                continue;
            }
            let (head, rest) = data.split_at(room.min(data.len()));
            self.pending.extend_from_slice(head);
            data = rest;
            if self.pending.len() == CHUNK_SIZE {
                let sealed = seal(&self.cipher, self.next_index, &self.pending);
                // Zeroize keeps the capacity, so the next chunk reuses it.
                zeroize::Zeroize::zeroize(&mut *self.pending);
                self.record(sealed)?;
            }
        }
        Ok(())
    }

    /// Bytes a push must supply before the stream is at a chunk boundary
    /// again (0 when it is). The browser build feeds them through
    /// [`Self::push_with`], then whole chunks through [`Self::push_whole_chunks`].
    // Only the browser build (src/wasm/) uses it; the strength module has no stream API.
    #[cfg(all(target_arch = "wasm32", not(feature = "strength")))]
    pub(crate) fn to_boundary(&self) -> usize {
        if self.pending.is_empty() {
            0
        } else {
            CHUNK_SIZE - self.pending.len()
        }
    }

    /// `count` whole chunks whose bytes the caller holds elsewhere (the
    /// browser build seals them from a JavaScript array in WebCrypto): `seal`
    /// gets each one's cipher and index, in order. Only at a chunk boundary.
    // Only the browser build (src/wasm/) uses it; the strength module has no stream API.
    #[cfg(all(target_arch = "wasm32", not(feature = "strength")))]
    pub(crate) fn push_whole_chunks(
        &mut self,
        count: usize,
        seal: &mut dyn FnMut(&ChunkCipher, u64) -> Result<()>,
    ) -> Result<()> {
        if let Some(e) = &self.failed {
            return Err(e.clone());
        }
        if count > 0 && !self.pending.is_empty() {
            return Err(Error::AttachmentStreamClosed);
        }
        for _ in 0..count {
            let sealed = seal(&self.cipher, self.next_index);
            self.record(sealed)?;
        }
        Ok(())
    }

    /// Encrypts the short final chunk (possibly empty), which marks the end.
    pub fn finish(self) -> Result<Vec<u8>> {
        let mut out = Vec::with_capacity(self.pending.len() + super::TAG_LEN);
        self.finish_with(&mut |c, i, chunk| c.seal_into(i, chunk, &mut out))?;
        Ok(out)
    }

    /// [`Encryptor::finish`] with the sealing left to `seal`.
    pub(crate) fn finish_with(mut self, seal: &mut ChunkOp<'_>) -> Result<()> {
        if let Some(e) = self.failed.take() {
            return Err(e);
        }
        let sealed = seal(&self.cipher, self.next_index, &self.pending);
        self.record(sealed)
    }

    /// Plaintext bytes held back, waiting for their chunk to fill (always
    /// below one chunk between calls).
    pub fn buffered_len(&self) -> usize {
        self.pending.len()
    }

    /// Counts a sealed chunk, or remembers the failure so every later call fails.
    fn record(&mut self, r: Result<()>) -> Result<()> {
        match &r {
            Ok(()) => self.next_index += 1,
            Err(e) => self.failed = Some(e.clone()),
        }
        r
    }
}

impl core::fmt::Debug for Encryptor {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Encryptor")
            .field("next_index", &self.next_index)
            .field("buffered_len", &self.pending.len())
            .finish_non_exhaustive()
    }
}
