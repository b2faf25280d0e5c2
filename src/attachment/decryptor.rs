//! Streaming decryption: plaintext is released only chunk by authenticated chunk.

use super::chunk_cipher::{ChunkCipher, ChunkOp};
use super::key::AttachmentKey;
use super::{CHUNK_SIZE, ENCRYPTED_CHUNK_SIZE, HEADER_LEN, SALT_LEN, TAG_LEN};
use crate::context::Context;
use crate::{Error, Result};
use zeroize::Zeroizing;

enum State {
    /// Collecting the 56-byte header; the key and context wait for it.
    Header {
        key: AttachmentKey,
        context: Vec<u8>,
    },
    /// Commitment verified; decrypting chunk `next_index` next.
    Body {
        // Boxed: the AES key schedule is ~600 bytes, the other states are small.
        cipher: Box<ChunkCipher>,
        next_index: u64,
    },
    /// Any failure: every later call returns the same error.
    Failed(Error),
}

/// Decrypts one attachment as a stream (header first), holding at most one
/// encrypted chunk.
///
/// A buffered chunk is opened as soon as it reaches the full 16 400 bytes:
/// a full-length chunk can never be the final one. Anything shorter is held
/// back until either more data arrives or [`Decryptor::finish`] says it is
/// the end, and only then decrypted as the final chunk. So the released
/// plaintext is always an authenticated prefix of the message, and only
/// `finish` succeeding proves the message is whole.
pub struct Decryptor {
    state: State,
    /// Header bytes, then the ciphertext of the chunk not yet complete:
    /// below `ENCRYPTED_CHUNK_SIZE` between calls.
    pending: Vec<u8>,
}

impl Decryptor {
    pub fn new(key: &AttachmentKey, context: &Context) -> Self {
        Self::new_with_context_bytes(key, context.as_bytes())
    }

    /// As [`Decryptor::new`] with the context as raw bytes (interoperability).
    pub fn new_with_context_bytes(key: &AttachmentKey, context: &[u8]) -> Self {
        Self {
            state: State::Header {
                key: key.clone(),
                context: context.to_vec(),
            },
            pending: Vec::with_capacity(HEADER_LEN),
        }
    }

    /// Takes any amount of ciphertext; returns the plaintext of the chunks it
    /// authenticated (possibly none). After an error every call fails.
    pub fn push(&mut self, data: &[u8]) -> Result<Vec<u8>> {
        let whole = (self.pending.len() + data.len()) / ENCRYPTED_CHUNK_SIZE;
        // Zeroizing: if a later chunk fails, the earlier plaintext is wiped.
        let mut out = Zeroizing::new(Vec::with_capacity(whole.saturating_mul(CHUNK_SIZE)));
        self.push_with(data, &mut |c, i, chunk| c.open_into(i, chunk, &mut out))?;
        Ok(core::mem::take(&mut *out))
    }

    /// The framing of [`Decryptor::push`] (header, commitment, whole chunks),
    /// with the opening of each complete non-final chunk (cipher, index,
    /// chunk) left to `open`: RustCrypto here, WebCrypto in the browser build.
    /// An error from `open` fails the stream like a failed tag.
    pub(crate) fn push_with(&mut self, data: &[u8], open: &mut ChunkOp<'_>) -> Result<()> {
        let r = self.push_inner(data, open);
        if let Err(e) = &r {
            self.fail(e.clone());
        }
        r
    }

    /// Declares the end of the ciphertext: decrypts the held-back final
    /// chunk and returns its plaintext. Fails with `AttachmentTruncated` if
    /// the header or the final short chunk is missing (or cut inside its
    /// tag), `AttachmentChunkFailed` if the last chunk does not authenticate
    /// as the final one (tampered, reordered, cut mid-chunk or followed by
    /// extra bytes: c2sp's implicit end marker makes these indistinguishable).
    pub fn finish(self) -> Result<Vec<u8>> {
        let mut out = Zeroizing::new(Vec::new());
        self.finish_with(&mut |c, i, chunk| {
            out.reserve(chunk.len());
            c.open_into(i, chunk, &mut out)
        })?;
        Ok(core::mem::take(&mut *out))
    }

    /// [`Decryptor::finish`] with the opening of the final chunk left to `open`.
    pub(crate) fn finish_with(mut self, open: &mut ChunkOp<'_>) -> Result<()> {
        match core::mem::replace(
            &mut self.state,
            State::Failed(Error::AttachmentStreamClosed),
        ) {
            State::Failed(e) => Err(e),
            State::Header { .. } => Err(Error::AttachmentTruncated),
            State::Body { cipher, next_index } => {
                // A final chunk is tag-only (empty) up to one byte short of a
                // full chunk. Zero bytes means the final chunk is missing; 1..15
                // means it was cut inside its tag.
                if self.pending.len() < TAG_LEN {
                    return Err(Error::AttachmentTruncated);
                }
                open(&cipher, next_index, &self.pending)
            }
        }
    }

    /// Bytes a push must supply before the stream is at a chunk boundary
    /// again (the rest of the header, or of a partly received chunk; 0 at a
    /// boundary or after a failure). See [`Self::push_whole_chunks`].
    // Only the browser build (src/wasm/) uses it; the strength module has no stream API.
    #[cfg(all(target_arch = "wasm32", not(feature = "strength")))]
    pub(crate) fn to_boundary(&self) -> usize {
        match &self.state {
            State::Header { .. } => HEADER_LEN.saturating_sub(self.pending.len()),
            State::Body { .. } if !self.pending.is_empty() => {
                ENCRYPTED_CHUNK_SIZE.saturating_sub(self.pending.len())
            }
            State::Body { .. } | State::Failed(_) => 0,
        }
    }

    /// `count` whole encrypted chunks (16 400 bytes each, so none is the
    /// final chunk) whose bytes the caller holds elsewhere (the browser build
    /// opens them from a JavaScript array in WebCrypto): `open` gets each
    /// one's cipher and index, in order. Only in the body, at a chunk
    /// boundary; a failure fails the stream, as in [`Self::push_with`].
    // Only the browser build (src/wasm/) uses it; the strength module has no stream API.
    #[cfg(all(target_arch = "wasm32", not(feature = "strength")))]
    pub(crate) fn push_whole_chunks(
        &mut self,
        count: usize,
        open: &mut dyn FnMut(&ChunkCipher, u64) -> Result<()>,
    ) -> Result<()> {
        let r = match &mut self.state {
            State::Failed(e) => Err(e.clone()),
            State::Body { cipher, next_index } if self.pending.is_empty() => {
                let mut r = Ok(());
                for _ in 0..count {
                    r = open(cipher, *next_index);
                    if r.is_err() {
                        break;
                    }
                    *next_index += 1;
                }
                r
            }
            _ if count == 0 => Ok(()),
            _ => Err(Error::AttachmentStreamClosed),
        };
        if let Err(e) = &r {
            self.fail(e.clone());
        }
        r
    }

    /// Ciphertext bytes held back (below one encrypted chunk, 16 400 bytes,
    /// between calls).
    pub fn buffered_len(&self) -> usize {
        self.pending.len()
    }

    fn fail(&mut self, e: Error) {
        self.state = State::Failed(e);
        self.pending = Vec::new();
    }

    fn push_inner(&mut self, mut data: &[u8], open: &mut ChunkOp<'_>) -> Result<()> {
        if let State::Failed(e) = &self.state {
            return Err(e.clone());
        }
        if let State::Header { key, context } = &self.state {
            let take = (HEADER_LEN - self.pending.len()).min(data.len());
            let (head, rest) = data.split_at(take);
            self.pending.extend_from_slice(head);
            data = rest;
            if self.pending.len() < HEADER_LEN {
                return Ok(());
            }
            let (salt, commitment) = self.pending.split_at(SALT_LEN);
            let salt: &[u8; SALT_LEN] = salt
                .try_into()
                .map_err(|_| Error::MalformedAttachmentHeader)?;
            // c2sp: check the commitment before decrypting any chunk.
            let cipher = ChunkCipher::open_header(key, salt, commitment, context)?;
            self.state = State::Body {
                cipher: Box::new(cipher),
                next_index: 0,
            };
            self.pending.clear();
            self.pending.reserve(ENCRYPTED_CHUNK_SIZE);
        }
        let State::Body { cipher, next_index } = &mut self.state else {
            return Err(Error::AttachmentStreamClosed);
        };

        while self.pending.len() + data.len() >= ENCRYPTED_CHUNK_SIZE {
            if self.pending.is_empty() {
                // A whole chunk straight from the input, no copy.
                let (chunk, rest) = data.split_at(ENCRYPTED_CHUNK_SIZE);
                open(cipher, *next_index, chunk)?;
                data = rest;
            } else {
                let (head, rest) = data.split_at(ENCRYPTED_CHUNK_SIZE - self.pending.len());
                self.pending.extend_from_slice(head);
                data = rest;
                open(cipher, *next_index, &self.pending)?;
                self.pending.clear();
            }
            *next_index += 1;
        }
        self.pending.extend_from_slice(data);
        Ok(())
    }
}

impl core::fmt::Debug for Decryptor {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let state = match &self.state {
            State::Header { .. } => "header",
            State::Body { .. } => "body",
            State::Failed(_) => "failed",
        };
        f.debug_struct("Decryptor")
            .field("state", &state)
            .field("buffered_len", &self.pending.len())
            .finish_non_exhaustive()
    }
}
