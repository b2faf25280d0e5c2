//! base64url without padding (RFC 4648 §5), as JOSE uses it (RFC 7515 §2).

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;

pub fn b64u_encode(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Decodes strict base64url: no padding, no other alphabet, canonical trailing bits.
pub fn b64u_decode(s: &str, what: &'static str) -> crate::Result<Vec<u8>> {
    URL_SAFE_NO_PAD
        .decode(s)
        .map_err(|_| crate::Error::MalformedEnvelope(what))
}

/// Splits a JWE Compact Serialization (RFC 7516 §7.1) into its five parts
/// (header, encrypted key, iv, ciphertext, tag), refusing input over `max`
/// bytes before looking at it.
pub(crate) fn split_compact_jwe(jwe: &str, max: usize) -> crate::Result<[&str; 5]> {
    if jwe.len() > max {
        return Err(crate::Error::EnvelopeTooLarge {
            actual: jwe.len(),
            maximum: max,
        });
    }
    let mut parts = jwe.split('.');
    match (
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
    ) {
        (Some(h), Some(ek), Some(iv), Some(ct), Some(tag), None) => Ok([h, ek, iv, ct, tag]),
        _ => Err(crate::Error::MalformedEnvelope(
            "expected 5 dot-separated parts",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_padding_and_standard_alphabet() {
        assert_eq!(b64u_decode("AQID", "x").unwrap(), vec![1, 2, 3]);
        assert!(b64u_decode("AQ==", "x").is_err());
        assert!(b64u_decode("+/8", "x").is_err());
        // Non-canonical trailing bits would let one ciphertext have two spellings.
        assert!(b64u_decode("AR", "x").is_err());
    }
}
