//! Service tokens for unattended use (SPEC § Service tokens, § Command-line
//! client): `bvst.<id>.<secret>.<key>`.
//!
//! ```text
//! bvst.<id>.<secret>  ── Authorization: Bearer … ──▶ server (keeps SHA-256(secret))
//! <key>  32 random bytes, never sent ──wraps──▶ vault_key  (bv1/vault-key/<vault>/<id>)
//! ```
//! The server therefore holds only the authentication half; the key half
//! opens the vault keys granted to the token, so a cron job needs no master
//! password and no PBKDF2.

use crate::exit::{CliError, CliResult};
use blindvault::context::{validate_id, Context};
use blindvault::encoding::{b64u_decode, b64u_encode};
use blindvault::keys::SymmetricKey;
use blindvault::secret::{SecretKey32, SecretString};
use blindvault::Error as CoreError;

pub const PREFIX: &str = "bvst";

/// A parsed token. Neither half ever prints (no Debug, no Display).
pub struct Token {
    pub id: String,
    secret: SecretString,
    key: SymmetricKey,
}

impl Token {
    /// Parses `BV_TOKEN`. Errors never echo the value.
    pub fn parse(text: &str) -> CliResult<Self> {
        let bad = || CliError::usage("BV_TOKEN is not a service token (bvst.<id>.<secret>.<key>)");
        let mut parts = text.trim().split('.');
        let (Some(PREFIX), Some(id), Some(secret), Some(key), None) = (
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
        ) else {
            return Err(bad());
        };
        validate_id(id).map_err(|_| bad())?;
        if secret.is_empty() || !secret.bytes().all(is_b64u) {
            return Err(bad());
        }
        let raw = zeroize::Zeroizing::new(b64u_decode(key, "token key").map_err(|_| bad())?);
        let key = SecretKey32::from_slice(&raw).map_err(|_| bad())?;
        Ok(Self {
            id: id.to_owned(),
            secret: SecretString::new(secret.to_owned()),
            key: SymmetricKey::from_secret(key),
        })
    }

    /// The full token text, once the server has answered with the secret.
    pub fn assemble(id: &str, secret: &str, key: &NewKey) -> String {
        format!("{PREFIX}.{id}.{secret}.{}", b64u_encode(&key.raw[..]))
    }

    /// What the server sees: `bvst.<id>.<secret>`, never the key.
    pub fn bearer(&self) -> String {
        format!("{PREFIX}.{}.{}", self.id, self.secret.expose_secret())
    }

    pub fn unwrap_vault_key(
        &self,
        wrapped: &str,
        vault_id: &str,
    ) -> Result<SymmetricKey, CoreError> {
        self.key
            .unwrap(wrapped, &Context::vault_key(vault_id, &self.id)?)
    }
}

/// A new token's key half: the raw bytes (to print once) and the key.
pub struct NewKey {
    raw: zeroize::Zeroizing<[u8; 32]>,
    pub key: SymmetricKey,
}

impl NewKey {
    pub fn generate() -> CliResult<Self> {
        let mut raw = zeroize::Zeroizing::new([0u8; 32]);
        getrandom::fill(&mut raw[..]).map_err(|_| crate::exit::core(&CoreError::Random))?;
        let key = SymmetricKey::from_secret(SecretKey32::from_bytes(*raw));
        Ok(Self { raw, key })
    }
}

/// Wraps a vault key for a token (`bv1/vault-key/<vault>/<token id>`).
pub fn wrap_for(
    token_key: &SymmetricKey,
    vault_key: &SymmetricKey,
    vault_id: &str,
    token_id: &str,
) -> Result<String, CoreError> {
    token_key.wrap(vault_key, &Context::vault_key(vault_id, token_id)?)
}

fn is_b64u(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'-' || b == b'_'
}
