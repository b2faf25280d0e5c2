//! Input checks for everything a client sends. The server cannot look inside
//! envelopes, but it bounds their size and alphabet so no input can bloat the
//! database or smuggle markup into logs.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;

use crate::error::ApiError;

/// Envelope size caps. An item is two JWEs (overview + details); 256 KiB
/// leaves room for long notes while bounding a sync of 10 000 items.
pub const MAX_ITEM_ENVELOPE: usize = 256 * 1024;
pub const MAX_SMALL_ENVELOPE: usize = 16 * 1024;
/// A share's ciphertext (docs/SPEC.md § Sharing pages): an 8 MiB file with a
/// passphrase layer is BASE64URL(chunked(ASCII(password JWE))), about
/// 8 MiB · (4/3)² ≈ 14.2 MiB; 16 MiB leaves room for tags and metadata.
/// Only POST /shares takes it (routes/shares.rs raises that route's body limit).
pub const MAX_SHARE_CIPHERTEXT: usize = 16 * 1024 * 1024;
/// An answer to a secret request: typed text sealed with HPKE.
pub const MAX_REQUEST_ANSWER: usize = 256 * 1024;
/// One JWE holding every item overview of a vault (the web vault's fast
/// open); 10 000 overviews of ~1 KiB fit with room to spare.
pub const MAX_OVERVIEW_SNAPSHOT: usize = 16 * 1024 * 1024;
pub const MAX_EMAIL: usize = 254; // RFC 5321 §4.5.3.1.3 path limit minus brackets

/// Client-chosen ids: `[A-Za-z0-9_-]{1,64}`.
pub fn id(field: &'static str, v: &str) -> Result<(), ApiError> {
    let ok = !v.is_empty()
        && v.len() <= 64
        && v.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    if ok {
        Ok(())
    } else {
        Err(ApiError::bad_request(
            "invalid_id",
            format!("{field} must match [A-Za-z0-9_-]{{1,64}}"),
        ))
    }
}

/// Strict unpadded base64url decoding to exactly `len` bytes.
pub fn b64u_exact(field: &'static str, v: &str, len: usize) -> Result<Vec<u8>, ApiError> {
    let bytes = URL_SAFE_NO_PAD.decode(v).map_err(|_| {
        ApiError::bad_request(
            "invalid_base64",
            format!("{field} is not unpadded base64url"),
        )
    })?;
    if bytes.len() != len {
        return Err(ApiError::bad_request(
            "invalid_length",
            format!("{field} must decode to {len} bytes"),
        ));
    }
    Ok(bytes)
}

/// An opaque envelope (JWE compact serialisation or similar): base64url
/// segments separated by dots, bounded in size.
pub fn envelope(field: &'static str, v: &str, max: usize) -> Result<(), ApiError> {
    if v.is_empty() {
        return Err(ApiError::bad_request(
            "invalid_envelope",
            format!("{field} is empty"),
        ));
    }
    if v.len() > max {
        return Err(ApiError::bad_request(
            "field_too_large",
            format!("{field} exceeds {max} bytes"),
        ));
    }
    if !v
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-' || b == b'.')
    {
        return Err(ApiError::bad_request(
            "invalid_envelope",
            format!("{field} must be base64url segments separated by '.'"),
        ));
    }
    Ok(())
}

/// Emails are compared case-insensitively (lower-cased ASCII) and bounded.
pub fn email(v: &str) -> Result<String, ApiError> {
    let e = v.trim().to_ascii_lowercase();
    let at = e.find('@');
    let ok = e.len() <= MAX_EMAIL
        && matches!(at, Some(i) if i > 0 && i + 1 < e.len())
        && !e.chars().any(|c| c.is_whitespace() || c.is_control());
    if ok {
        Ok(e)
    } else {
        Err(ApiError::bad_request(
            "invalid_email",
            "email is not a valid address",
        ))
    }
}

pub fn b64u(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

pub fn random_bytes<const N: usize>() -> Result<[u8; N], ApiError> {
    let mut b = [0u8; N];
    getrandom::fill(&mut b).map_err(|_| {
        tracing::error!("operating system random number generator failed");
        ApiError::internal()
    })?;
    Ok(b)
}

/// SHA-256 as lower-case hex: how tokens and auth keys are stored.
pub fn sha256_hex(data: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    hex::encode(Sha256::digest(data))
}
