//! Master password → master key → wrap key and auth key
//! (docs/SPEC.md §Key derivation).
//!
//! ```text
//! master_key = PBKDF2-HMAC-SHA-256(P = password, S = salt (16 B), c = iterations, dkLen = 32)
//! wrap_key   = HKDF-SHA-256(ikm = master_key, salt = "", info = "blindvault/v1/wrap-key", L = 32)
//! auth_key   = HKDF-SHA-256(ikm = master_key, salt = "", info = "blindvault/v1/auth-key", L = 32)
//! ```
//!
//! The iteration count is bounded both ways and checked before any work: the
//! floor stops a hostile server from downgrading the KDF (threat model 4),
//! the ceiling stops it from making the client spin forever.

use crate::encoding::{b64u_decode, b64u_encode};
use crate::keys::SymmetricKey;
use crate::secret::{SecretKey32, SecretString};
use crate::{Error, Result};
use core::fmt;
use hkdf::Hkdf;
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use zeroize::Zeroizing;

/// The only KDF algorithm name this client knows.
pub const ALG_PBKDF2_SHA256: &str = "pbkdf2-sha256";
/// OWASP Password Storage Cheat Sheet (2023): PBKDF2-HMAC-SHA256 with 600 000 iterations.
pub const DEFAULT_ITERATIONS: u32 = 600_000;
/// The client refuses less than the OWASP 2023 figure, whatever the server says.
pub const MIN_ITERATIONS: u32 = 600_000;
/// ~17× the default: a few seconds in WebCrypto (115 ms per 600 000 measured
/// here, TOOLCHAIN.md), tens of seconds in WASM; anything above is a denial of service.
pub const MAX_ITERATIONS: u32 = 10_000_000;
/// Salt length: 128 bits (NIST SP 800-132 §5.1 asks for at least 128).
pub const SALT_LEN: usize = 16;

/// RFC 5869 §2.3: L <= 255 * HashLen.
const HKDF_SHA256_MAX_LEN: usize = 255 * 32;

const WRAP_KEY_INFO: &[u8] = b"blindvault/v1/wrap-key";
const AUTH_KEY_INFO: &[u8] = b"blindvault/v1/auth-key";

/// The per-account KDF parameters, stored by the server and returned at
/// prelogin. Nothing in them is secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KdfParams {
    /// Always `"pbkdf2-sha256"` for now.
    pub alg: String,
    pub iterations: u32,
    /// 16 bytes, base64url without padding.
    pub salt: String,
}

impl KdfParams {
    /// Fresh parameters for a new account or a password change: a random
    /// salt and the default iteration count.
    pub fn generate() -> Result<Self> {
        let mut salt = [0u8; SALT_LEN];
        crate::random::fill(&mut salt)?;
        Ok(Self {
            alg: ALG_PBKDF2_SHA256.to_owned(),
            iterations: DEFAULT_ITERATIONS,
            salt: b64u_encode(&salt),
        })
    }

    /// Reads the JSON form (what prelogin returns, and what the browser build
    /// receives from JavaScript): exactly `alg`, `iterations` and `salt`,
    /// each once, as `#[serde(deny_unknown_fields)]` reads it. `None` for
    /// anything else; the values themselves are [`Self::validate`]'s job.
    pub fn from_json(text: &str) -> Option<Self> {
        use crate::strict_json::{self, Unknown, Value};
        let doc = strict_json::parse(text).ok()?;
        let [alg, iterations, salt] = doc.fields(["alg", "iterations", "salt"], Unknown::Refuse)?;
        Some(Self {
            alg: alg.and_then(Value::as_str)?.to_owned(),
            iterations: iterations.and_then(Value::as_u32)?,
            salt: salt.and_then(Value::as_str)?.to_owned(),
        })
    }

    /// Checks the parameters a server sent, without deriving anything, and
    /// returns the decoded salt. Order: alg, iterations floor, ceiling, salt.
    pub fn validate(&self) -> Result<[u8; SALT_LEN]> {
        if self.alg != ALG_PBKDF2_SHA256 {
            return Err(Error::UnsupportedKdf);
        }
        if self.iterations < MIN_ITERATIONS {
            return Err(Error::KdfIterationsTooLow {
                iterations: self.iterations,
                minimum: MIN_ITERATIONS,
            });
        }
        if self.iterations > MAX_ITERATIONS {
            return Err(Error::KdfIterationsTooHigh {
                iterations: self.iterations,
                maximum: MAX_ITERATIONS,
            });
        }
        // A salt that is not base64url has no length; report it as 0 bytes.
        let salt = b64u_decode(&self.salt, "kdf salt").unwrap_or_default();
        salt.as_slice()
            .try_into()
            .map_err(|_| Error::InvalidSaltLength {
                expected: SALT_LEN,
                actual: salt.len(),
            })
    }
}

/// PBKDF2-HMAC-SHA-256 (RFC 8018 §5.2) exactly as [`MasterKey::derive`] runs
/// it, but without the iteration bounds. Exposed for the Wycheproof and
/// RFC 7914 vectors (which use 1 to 80 000 iterations); never for passwords.
#[doc(hidden)]
pub fn dangerous_pbkdf2_sha256_unbounded(
    password: &[u8],
    salt: &[u8],
    iterations: u32,
    out: &mut [u8],
) {
    blindvault_hot_crypto::pbkdf2_hmac_sha256(password, salt, iterations, out);
}

/// HKDF-SHA-256 (RFC 5869 §2) as every subkey and kid in the core derives it.
/// Returns `false`, leaving `okm` unspecified, if `okm` is longer than
/// 255 × 32 bytes (RFC 5869 §2.3).
#[doc(hidden)]
#[must_use]
pub fn hkdf_sha256(ikm: &[u8], salt: &[u8], info: &[u8], okm: &mut [u8]) -> bool {
    okm.len() <= HKDF_SHA256_MAX_LEN
        && Hkdf::<Sha256>::new(Some(salt), ikm)
            .expand(info, okm)
            .is_ok()
}

/// The PBKDF2 output. Only ever used to derive the wrap and auth keys.
pub struct MasterKey(SecretKey32);

impl MasterKey {
    /// Runs PBKDF2-HMAC-SHA-256 over the password's UTF-8 bytes, after
    /// checking `params` (so a refused parameter set costs nothing).
    pub fn derive(password: &SecretString, params: &KdfParams) -> Result<Self> {
        let salt = params.validate()?;
        let mut out = Zeroizing::new([0u8; 32]);
        dangerous_pbkdf2_sha256_unbounded(
            password.expose_secret().as_bytes(),
            &salt,
            params.iterations,
            out.as_mut_slice(),
        );
        Ok(Self(SecretKey32::from_bytes(*out)))
    }

    /// Accepts a master key computed elsewhere with exactly these parameters
    /// (the browser runs PBKDF2 in WebCrypto, 2-3× faster than WASM). The
    /// parameters are checked as in [`MasterKey::derive`], so a downgraded
    /// parameter set is refused here too.
    pub fn from_pbkdf2_output(bytes: &[u8], params: &KdfParams) -> Result<Self> {
        params.validate()?;
        Ok(Self(SecretKey32::from_slice(bytes)?))
    }

    fn expand(&self, info: &[u8]) -> SecretKey32 {
        let mut out = Zeroizing::new([0u8; 32]);
        // Only fails for L > 255 * 32; L is 32.
        let _ = hkdf_sha256(self.0.expose_secret(), b"", info, out.as_mut_slice());
        SecretKey32::from_bytes(*out)
    }

    /// The key that wraps the account key. It never leaves the client.
    pub fn wrap_key(&self) -> WrapKey {
        WrapKey(SymmetricKey::from_secret(self.expand(WRAP_KEY_INFO)))
    }

    /// The login credential: the only value derived from the password that is
    /// ever sent to the server.
    pub fn auth_key(&self) -> AuthKey {
        AuthKey(self.expand(AUTH_KEY_INFO))
    }
}

impl fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("MasterKey([REDACTED])")
    }
}

/// Wraps and unwraps the account key (`Context::account_key`).
///
/// A thin shell over [`SymmetricKey`] so that the type says where it came
/// from and no code can send it anywhere: it has no export.
pub struct WrapKey(SymmetricKey);

impl WrapKey {
    /// Wraps the account key (or any key) bound to `ctx`.
    pub fn wrap(&self, key: &SymmetricKey, ctx: &crate::context::Context) -> Result<String> {
        self.0.wrap(key, ctx)
    }

    /// Unwraps a key wrapped by [`WrapKey::wrap`] for `ctx`. A wrong password
    /// shows as [`Error::KeyMismatch`] (different kid) before any decryption.
    pub fn unwrap(&self, jwe: &str, ctx: &crate::context::Context) -> Result<SymmetricKey> {
        self.0.unwrap(jwe, ctx)
    }

    pub fn kid(&self) -> &str {
        self.0.kid()
    }
}

impl fmt::Debug for WrapKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("WrapKey([REDACTED])")
    }
}

/// The login credential. The server stores only a hash of it and compares
/// in constant time; it cannot unwrap anything with it.
pub struct AuthKey(SecretKey32);

impl AuthKey {
    /// The one way out of the client: base64url (no padding) of the 32 bytes,
    /// for the login and registration requests' body (never a URL).
    pub fn encode_for_server(&self) -> String {
        b64u_encode(self.0.expose_secret())
    }
}

impl fmt::Debug for AuthKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AuthKey([REDACTED])")
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn params(iterations: u32) -> KdfParams {
        KdfParams {
            alg: ALG_PBKDF2_SHA256.into(),
            iterations,
            salt: b64u_encode(&[1u8; 16]),
        }
    }

    #[test]
    fn wrap_and_auth_keys_differ_and_are_deterministic() {
        let mk = MasterKey::from_pbkdf2_output(&[9u8; 32], &params(600_000)).unwrap();
        let mk2 = MasterKey::from_pbkdf2_output(&[9u8; 32], &params(600_000)).unwrap();
        assert_eq!(
            mk.auth_key().encode_for_server(),
            mk2.auth_key().encode_for_server()
        );
        assert_eq!(mk.wrap_key().kid(), mk2.wrap_key().kid());
        assert_ne!(
            mk.auth_key().encode_for_server(),
            b64u_encode(mk.expand(WRAP_KEY_INFO).expose_secret())
        );
    }

    #[test]
    fn params_round_trip_as_json_and_refuse_extra_fields() {
        let p = KdfParams::generate().unwrap();
        let json = serde_json::to_string(&p).unwrap();
        assert_eq!(serde_json::from_str::<KdfParams>(&json).unwrap(), p);
        assert!(serde_json::from_str::<KdfParams>(
            r#"{"alg":"pbkdf2-sha256","iterations":600000,"salt":"AAAAAAAAAAAAAAAAAAAAAA","m":1}"#
        )
        .is_err());
        assert_eq!(p.validate().unwrap().len(), SALT_LEN);
    }

    /// `from_json` (the browser build's reader) and serde's derive agree.
    #[test]
    fn from_json_reads_what_serde_reads() {
        let cases = [
            r#"{"alg":"pbkdf2-sha256","iterations":600000,"salt":"AAAAAAAAAAAAAAAAAAAAAA"}"#,
            r#" {"salt":"x\u0041","iterations":1,"alg":"a"} "#,
            r#"{"alg":"pbkdf2-sha256","iterations":600000,"salt":"A","m":1}"#,
            r#"{"alg":"pbkdf2-sha256","iterations":600000}"#,
            r#"{"alg":"pbkdf2-sha256","iterations":600000.0,"salt":"A"}"#,
            r#"{"alg":"pbkdf2-sha256","iterations":-1,"salt":"A"}"#,
            r#"{"alg":"pbkdf2-sha256","iterations":4294967296,"salt":"A"}"#,
            r#"{"alg":"pbkdf2-sha256","iterations":"600000","salt":"A"}"#,
            r#"{"alg":"a","alg":"a","iterations":1,"salt":"A"}"#,
            r#"{"alg":null,"iterations":1,"salt":"A"}"#,
            r#"[]"#,
        ];
        for c in cases {
            assert_eq!(
                KdfParams::from_json(c),
                serde_json::from_str::<KdfParams>(c).ok(),
                "{c}"
            );
        }
        assert!(KdfParams::from_json(cases[0]).is_some());
    }
}
