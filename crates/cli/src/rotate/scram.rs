//! Does a password match a PostgreSQL SCRAM-SHA-256 verifier?
//!
//! Verifier: `SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>`
//! (base64). RFC 5802 §3: SaltedPassword = Hi(password, salt, i) (PBKDF2
//! with HMAC-SHA-256, RFC 7677), ClientKey = HMAC(SaltedPassword, "Client
//! Key"), StoredKey = H(ClientKey). Used only when a login cannot tell
//! (pg_hba.conf `trust`). Passwords are compared as bytes: PostgreSQL's
//! SASLprep leaves the ASCII passwords bv generates unchanged.

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use hmac::{Hmac, KeyInit, Mac};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

/// More than PostgreSQL's default 4096 by far; a larger count is not
/// worth burning CPU on (the caller falls back to another check).
const MAX_ITERATIONS: u32 = 1_000_000;

/// `Some(matches)`, or `None` when `verifier` is not a SCRAM-SHA-256 one.
pub fn matches(verifier: &str, password: &str) -> Option<bool> {
    let rest = verifier.strip_prefix("SCRAM-SHA-256$")?;
    let (params, keys) = rest.split_once('$')?;
    let (iterations, salt) = params.split_once(':')?;
    let (stored_key, _server_key) = keys.split_once(':')?;
    let iterations: u32 = iterations.parse().ok()?;
    if iterations == 0 || iterations > MAX_ITERATIONS {
        return None;
    }
    let salt = STANDARD.decode(salt).ok()?;
    let stored_key = STANDARD.decode(stored_key).ok()?;
    let mut salted = Zeroizing::new([0u8; 32]);
    pbkdf2::pbkdf2_hmac::<Sha256>(password.as_bytes(), &salt, iterations, &mut *salted);
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(&*salted).ok()?;
    mac.update(b"Client Key");
    let mut client_key = Zeroizing::new([0u8; 32]);
    client_key.copy_from_slice(&mac.finalize().into_bytes());
    let ours = Sha256::digest(*client_key);
    Some(ours.as_slice().ct_eq(&stored_key).into())
}

#[cfg(test)]
mod tests {
    use super::matches;

    #[test]
    fn a_verifier_made_by_postgres_protocol_matches_only_its_password() {
        let v = postgres_protocol::password::scram_sha_256(b"s3cret pass");
        assert_eq!(matches(&v, "s3cret pass"), Some(true));
        assert_eq!(matches(&v, "s3cret pasS"), Some(false));
        assert_eq!(matches("md5abcdef", "x"), None);
        assert_eq!(matches("SCRAM-SHA-256$99999999:AA==$AA==:AA==", "x"), None);
    }
}
