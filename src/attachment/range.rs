//! Random access: the plaintext↔ciphertext index mapping of
//! c2sp.org/chunked-encryption §"Implementation notes", and decryption of a
//! run of chunks fetched by byte range.
//!
//! Plaintext byte `i` is byte `i % 16384` of chunk `i / 16384`; chunk `k`
//! starts at ciphertext offset `56 + k * 16400`.

use super::chunk_cipher::ChunkCipher;
use super::key::AttachmentKey;
use super::{CHUNK_SIZE, ENCRYPTED_CHUNK_SIZE, HEADER_LEN, MAX_CHUNKS, SALT_LEN, TAG_LEN};
use crate::context::Context;
use crate::{Error, Result};
use core::ops::Range;
use zeroize::Zeroizing;

const CHUNK: u64 = CHUNK_SIZE as u64;
const ENC_CHUNK: u64 = ENCRYPTED_CHUNK_SIZE as u64;
const HEADER: u64 = HEADER_LEN as u64;
const TAG: u64 = TAG_LEN as u64;

/// The shape implied by a ciphertext length: `full` chunks of 16 400 bytes,
/// then a final chunk of `final_len` bytes (`TAG_LEN..ENCRYPTED_CHUNK_SIZE`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Layout {
    full: u64,
    final_len: u64,
}

impl Layout {
    /// Refuses every length no honest encryption produces: shorter than
    /// header plus tag, a body that ends exactly on a chunk boundary (the
    /// final short chunk is missing) or inside a tag.
    fn of(ct_len: u64) -> Result<Self> {
        let body = ct_len
            .checked_sub(HEADER)
            .ok_or(Error::AttachmentTruncated)?;
        let full = body / ENC_CHUNK;
        let final_len = body % ENC_CHUNK;
        if final_len < TAG {
            return Err(Error::AttachmentTruncated);
        }
        // The final chunk's index is `full`; it must stay below 2^38.
        if full >= MAX_CHUNKS {
            return Err(Error::AttachmentTooLarge);
        }
        Ok(Self { full, final_len })
    }

    fn plaintext_len(&self) -> u64 {
        self.full * CHUNK + (self.final_len - TAG)
    }

    fn chunk_offset(k: u64) -> u64 {
        HEADER + k * ENC_CHUNK
    }

    /// Ciphertext length of chunk `k` (`k <= full`).
    fn chunk_len(&self, k: u64) -> u64 {
        if k < self.full {
            ENC_CHUNK
        } else {
            self.final_len
        }
    }

    /// Chunks `first..end_chunk` hold plaintext `[start, end)`. A range that
    /// reaches the end of the message always includes the final chunk, so
    /// the length is authenticated; an empty range elsewhere needs no chunk.
    fn chunks_for(&self, start: u64, end: u64) -> Result<Range<u64>> {
        let len = self.plaintext_len();
        if start > end || end > len {
            return Err(Error::RangeOutOfBounds);
        }
        let first = start / CHUNK;
        let end_chunk = if end == len {
            self.full + 1
        } else if start == end {
            first
        } else {
            (end - 1) / CHUNK + 1
        };
        Ok(first..end_chunk)
    }

    fn ciphertext_for(&self, chunks: &Range<u64>) -> Range<u64> {
        if chunks.is_empty() {
            let at = Self::chunk_offset(chunks.start);
            return at..at;
        }
        let last = chunks.end - 1;
        Self::chunk_offset(chunks.start)..Self::chunk_offset(last) + self.chunk_len(last)
    }
}

/// The plaintext length implied by a ciphertext length, or
/// `AttachmentTruncated` if no honest encryption has that length. This is
/// not authenticated until the final chunk has been decrypted.
pub fn plaintext_len(ct_len: u64) -> Result<u64> {
    Layout::of(ct_len).map(|l| l.plaintext_len())
}

/// The ciphertext length of a plaintext of `plaintext_len` bytes.
pub fn ciphertext_len(plaintext_len: u64) -> Result<u64> {
    let full = plaintext_len / CHUNK;
    if full >= MAX_CHUNKS {
        return Err(Error::AttachmentTooLarge);
    }
    Ok(HEADER + full * ENC_CHUNK + (plaintext_len % CHUNK) + TAG)
}

/// The ciphertext byte range to fetch to decrypt plaintext `[start, end)`
/// of an attachment whose ciphertext is `ct_len` bytes long: whole chunks,
/// including the final chunk whenever `end` is the end of the message.
pub fn ciphertext_range_for(start: u64, end: u64, ct_len: u64) -> Result<Range<u64>> {
    let layout = Layout::of(ct_len)?;
    let chunks = layout.chunks_for(start, end)?;
    Ok(layout.ciphertext_for(&chunks))
}

/// Decrypts byte ranges of one attachment stored elsewhere (e.g. fetched
/// with HTTP range requests), after checking its header's commitment.
pub struct RangeDecryptor {
    cipher: ChunkCipher,
    layout: Layout,
}

impl RangeDecryptor {
    /// `header` is the first 56 ciphertext bytes, `ct_len` the whole
    /// ciphertext's length.
    pub fn new(key: &AttachmentKey, context: &Context, header: &[u8], ct_len: u64) -> Result<Self> {
        Self::new_with_context_bytes(key, context.as_bytes(), header, ct_len)
    }

    /// As [`RangeDecryptor::new`] with the context as raw bytes (interoperability).
    pub fn new_with_context_bytes(
        key: &AttachmentKey,
        context: &[u8],
        header: &[u8],
        ct_len: u64,
    ) -> Result<Self> {
        if header.len() != HEADER_LEN {
            return Err(Error::MalformedAttachmentHeader);
        }
        let layout = Layout::of(ct_len)?;
        let (salt, commitment) = header.split_at(SALT_LEN);
        let salt: &[u8; SALT_LEN] = salt
            .try_into()
            .map_err(|_| Error::MalformedAttachmentHeader)?;
        let cipher = ChunkCipher::open_header(key, salt, commitment, context)?;
        Ok(Self { cipher, layout })
    }

    /// The plaintext length claimed by the ciphertext length; authenticated
    /// only once a range reaching the end has been decrypted.
    pub fn plaintext_len(&self) -> u64 {
        self.layout.plaintext_len()
    }

    /// The ciphertext bytes to fetch for plaintext `range`.
    pub fn ciphertext_range(&self, range: Range<u64>) -> Result<Range<u64>> {
        let chunks = self.layout.chunks_for(range.start, range.end)?;
        Ok(self.layout.ciphertext_for(&chunks))
    }

    /// Decrypts plaintext `range` from `ciphertext`, the bytes at
    /// [`RangeDecryptor::ciphertext_range`]`(range)`. Every chunk is
    /// authenticated at its own index, the final one as final; nothing is
    /// returned unless all of them are.
    pub fn decrypt_range(&self, range: Range<u64>, ciphertext: &[u8]) -> Result<Vec<u8>> {
        let chunks = self.layout.chunks_for(range.start, range.end)?;
        let expected = self.layout.ciphertext_for(&chunks);
        if ciphertext.len() as u64 != expected.end - expected.start {
            return Err(
                if (ciphertext.len() as u64) < expected.end - expected.start {
                    Error::AttachmentTruncated
                } else {
                    Error::AttachmentTrailingData
                },
            );
        }
        let mut out = Zeroizing::new(Vec::with_capacity(ciphertext.len()));
        let mut rest = ciphertext;
        for k in chunks.clone() {
            let n =
                usize::try_from(self.layout.chunk_len(k)).map_err(|_| Error::AttachmentTooLarge)?;
            let (chunk, tail) = rest.split_at(n.min(rest.len()));
            self.cipher.open_into(k, chunk, &mut out)?;
            rest = tail;
        }
        // Drop the bytes of the first chunk before `start` and after `end`.
        let skip = usize::try_from(range.start - chunks.start * CHUNK)
            .map_err(|_| Error::AttachmentTooLarge)?;
        let take =
            usize::try_from(range.end - range.start).map_err(|_| Error::AttachmentTooLarge)?;
        if take == 0 {
            return Ok(Vec::new());
        }
        let wanted = out
            .get(skip..skip + take)
            .ok_or(Error::RangeOutOfBounds)?
            .to_vec();
        Ok(wanted)
    }
}

impl core::fmt::Debug for RangeDecryptor {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("RangeDecryptor")
            .field("plaintext_len", &self.plaintext_len())
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn lengths_follow_the_c2sp_implementation_notes() {
        // 56-byte header, 16-byte tag: empty message = 72 bytes.
        assert_eq!(ciphertext_len(0).unwrap(), 72);
        assert_eq!(ciphertext_len(16384).unwrap(), 56 + 16400 + 16);
        assert_eq!(ciphertext_len(16385).unwrap(), 56 + 16400 + 17);
        for pt in [0u64, 1, 16383, 16384, 16385, 32768, 100_000] {
            assert_eq!(plaintext_len(ciphertext_len(pt).unwrap()).unwrap(), pt);
        }
        // Truncated shapes: below header+tag, on a chunk boundary, inside a tag.
        for bad in [0u64, 55, 56, 71, 56 + 16400, 56 + 16400 + 15] {
            assert_eq!(plaintext_len(bad), Err(Error::AttachmentTruncated), "{bad}");
        }
    }

    #[test]
    fn ranges_reaching_the_end_include_the_final_chunk() {
        let ct_len = ciphertext_len(32768).unwrap(); // two full chunks + empty final
        assert_eq!(ciphertext_range_for(0, 10, ct_len).unwrap(), 56..56 + 16400);
        assert_eq!(
            ciphertext_range_for(16384, 32768, ct_len).unwrap(),
            56 + 16400..ct_len
        );
        assert_eq!(
            ciphertext_range_for(32768, 32768, ct_len).unwrap(),
            56 + 2 * 16400..ct_len
        );
        assert_eq!(ciphertext_range_for(5, 5, ct_len).unwrap(), 56..56);
        assert_eq!(
            ciphertext_range_for(0, 32769, ct_len),
            Err(Error::RangeOutOfBounds)
        );
        assert_eq!(
            ciphertext_range_for(3, 2, ct_len),
            Err(Error::RangeOutOfBounds)
        );
    }

    #[test]
    fn refuses_more_than_2_pow_38_chunks() {
        assert_eq!(
            ciphertext_len(MAX_CHUNKS * CHUNK),
            Err(Error::AttachmentTooLarge)
        );
        let ct = HEADER + MAX_CHUNKS * ENC_CHUNK + TAG;
        assert_eq!(plaintext_len(ct), Err(Error::AttachmentTooLarge));
        assert_eq!(
            plaintext_len(ct - ENC_CHUNK).unwrap(),
            (MAX_CHUNKS - 1) * CHUNK
        );
    }
}
