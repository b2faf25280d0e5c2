//! The numbers of docs/SPEC.md § Sharing pages, and the checks of what a
//! sender chose. Where a number mirrors the server, the server's constant is
//! named; the core cannot import it (the server depends on the core, not the
//! reverse), so crates/cli/tests and crates/server/tests exercise both sides.

use super::{Result, ShareError};

/// Shortest lifetime a writer offers: 5 minutes. A client rule, not the
/// server's (it takes 1 s up): below the allowed clock skew
/// ([`CLOCK_SKEW_SECS`]) an expiry could not be checked meaningfully.
pub const EXPIRY_MIN_SECS: u64 = 5 * 60;
/// Longest lifetime: 30 days, the server's maximum
/// (crates/server/src/routes/shares.rs `MAX_SHARE_SECS`).
pub const EXPIRY_MAX_SECS: u64 = 30 * 24 * 3600;
/// Largest view budget: the server's (routes/shares.rs `MAX_VIEWS`).
pub const VIEWS_MAX: u32 = 100;
/// Largest ciphertext the server keeps for a share, in base64url characters
/// (crates/server/src/validate.rs `MAX_SHARE_CIPHERTEXT`, § Secret shares).
pub const MAX_CIPHERTEXT_CHARS: usize = 16 * 1024 * 1024;
/// Largest file: with a passphrase an 8 MiB file becomes about
/// 8 MiB · (4/3)² ≈ 14.2 MiB of [`MAX_CIPHERTEXT_CHARS`] (the password
/// envelope's base64url, then the share's), which leaves room for the chunk
/// tags and the metadata.
pub const MAX_FILE_BYTES: u64 = 8 * 1024 * 1024;
/// Largest text, in UTF-8 bytes, of a share or of a request's answer. Sealed
/// with HPKE it stays well inside the server's 262 144-character answer field
/// (validate.rs `MAX_REQUEST_ANSWER`).
pub const MAX_TEXT_BYTES: usize = 64 * 1024;
/// Largest metadata JSON: it is a few hundred bytes (a file name of 255
/// bytes included), so anything larger is refused unparsed (SPEC: a reader
/// MUST refuse meta longer than 4096 bytes).
pub const MAX_META_BYTES: usize = 4096;
/// Allowed difference between the sender's clock (which set
/// `meta.expires_at`) and the server's (which reports its own expiry).
pub const CLOCK_SKEW_SECS: u64 = 10 * 60;
/// Largest `expires_at` accepted: 2^53 - 1, the largest integer a JavaScript
/// number holds exactly (the pages compare it as a number).
pub const MAX_TIMESTAMP: u64 = (1 << 53) - 1;

/// A lifetime from [`EXPIRY_MIN_SECS`] to [`EXPIRY_MAX_SECS`] seconds.
pub fn check_lifetime(secs: u64) -> Result<()> {
    if (EXPIRY_MIN_SECS..=EXPIRY_MAX_SECS).contains(&secs) {
        Ok(())
    } else {
        Err(ShareError::Lifetime)
    }
}

/// A view budget from 1 to [`VIEWS_MAX`].
pub fn check_views(views: u32) -> Result<()> {
    if (1..=VIEWS_MAX).contains(&views) {
        Ok(())
    } else {
        Err(ShareError::Views)
    }
}

/// A share's text: not empty, at most [`MAX_TEXT_BYTES`], UTF-8.
pub fn check_text(text: &[u8]) -> Result<()> {
    if text.is_empty() {
        return Err(ShareError::EmptyText);
    }
    check_answer_text(text)
}

/// A request's answer: at most [`MAX_TEXT_BYTES`] of UTF-8 (empty is allowed:
/// the answer page requires input, the format does not).
pub(crate) fn check_answer_text(text: &[u8]) -> Result<()> {
    if text.len() > MAX_TEXT_BYTES {
        return Err(ShareError::TextTooLong { len: text.len() });
    }
    core::str::from_utf8(text).map_err(|_| ShareError::TextNotUtf8)?;
    Ok(())
}

/// A file of at most [`MAX_FILE_BYTES`]: writers check the size before
/// reading or sending anything.
pub fn check_file_size(size: u64) -> Result<()> {
    if size > MAX_FILE_BYTES {
        Err(ShareError::FileTooLarge { size })
    } else {
        Ok(())
    }
}
