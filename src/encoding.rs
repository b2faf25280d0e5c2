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
