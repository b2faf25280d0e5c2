//! Deriving keys from the master password and opening the vault keys.
//!
//! ```text
//! GET /accounts/me ─▶ kdf (checked first) ─PBKDF2─▶ master_key ─▶ wrap_key
//!        └─ wrapped_account_key, wrapped_private_key ─▶ UnlockedAccount
//! GET /sync ─▶ each vault: unwrap_vault_key ─▶ vault_key ─▶ name (vault-meta)
//! ```
//! Nothing here is written to disk; keys live for one command.

use crate::client::Client;
use crate::exit::{kdf_refused, CliError, CliResult};
use blindvault::account::{self, UnlockedAccount};
use blindvault::context::Context;
use blindvault::kdf::{KdfParams, MasterKey};
use blindvault::keys::SymmetricKey;
use blindvault::secret::SecretString;
use blindvault::Error as CoreError;
use serde::Deserialize;
use serde_json::Value;
use std::io::IsTerminal;

/// `GET /accounts/me` and the `account` member of the login answer.
#[derive(Deserialize)]
pub struct AccountKeys {
    pub account_id: String,
    pub email: String,
    pub kdf: Value,
    pub wrapped_account_key: String,
    pub public_key: String,
    pub wrapped_private_key: String,
}

/// Parses and bounds-checks KDF parameters from the server before any work
/// (SPEC § Key derivation: alg, floor 600 000, ceiling, salt length).
pub fn checked_kdf(kdf: &Value) -> CliResult<KdfParams> {
    let params: KdfParams = serde_json::from_value(kdf.clone()).map_err(|_| {
        CliError::integrity(
            "the server sent malformed KDF parameters; nothing derived from the password was sent",
        )
    })?;
    params.validate().map_err(|e| kdf_refused(&e))?;
    Ok(params)
}

/// PBKDF2 with a spinner on an interactive stderr (silent otherwise).
pub fn derive(password: &SecretString, params: &KdfParams) -> CliResult<MasterKey> {
    let spinner = std::io::stderr().is_terminal().then(|| {
        let bar = indicatif::ProgressBar::new_spinner();
        bar.set_message("deriving keys from the master password…");
        bar.enable_steady_tick(std::time::Duration::from_millis(100));
        bar
    });
    let out = MasterKey::derive(password, params);
    if let Some(bar) = spinner {
        bar.finish_and_clear();
    }
    out.map_err(|e| match e {
        CoreError::KdfIterationsTooLow { .. }
        | CoreError::KdfIterationsTooHigh { .. }
        | CoreError::InvalidSaltLength { .. }
        | CoreError::UnsupportedKdf => kdf_refused(&e),
        other => crate::exit::core(&other),
    })
}

/// Opens the account's keys with a master key. The wrap key's kid tells a
/// wrong password (`KeyMismatch`) from a changed envelope.
pub fn unlock(master: &MasterKey, keys: &AccountKeys) -> CliResult<UnlockedAccount> {
    let unlocked = account::unlock_with_master_key(
        master,
        &keys.wrapped_account_key,
        &keys.wrapped_private_key,
        &keys.account_id,
    )
    .map_err(|e| match e {
        CoreError::KeyMismatch => {
            CliError::auth("wrong master password (the account key does not open with it)")
        }
        other => CliError::from_server_data("account keys", &other),
    })?;
    // A server could publish someone else's public key for us.
    unlocked
        .check_public_key(&keys.public_key)
        .map_err(|e| CliError::from_server_data("public key", &e))?;
    Ok(unlocked)
}

/// For commands run with a session: fetch the keys, ask for the password,
/// derive, unlock.
pub fn unlock_session(
    client: &Client,
    source: &crate::password::Source,
) -> CliResult<UnlockedAccount> {
    let keys: AccountKeys = client.get("/accounts/me")?;
    let params = checked_kdf(&keys.kdf)?;
    let password = source.read("Master password: ")?;
    let master = derive(&password, &params)?;
    unlock(&master, &keys)
}

/// One vault as `/sync` lists it.
#[derive(Deserialize, Clone)]
pub struct VaultView {
    pub id: String,
    pub name: String,
    pub revision: i64,
    pub role: String,
    pub wrapped_vault_key: String,
    pub seq: i64,
}

pub struct OpenVault {
    pub id: String,
    pub name: String,
    pub role: String,
    pub revision: i64,
    pub seq: i64,
    pub key: SymmetricKey,
}

#[derive(Deserialize)]
struct VaultMeta {
    name: String,
}

/// What opens vault keys: an account unlocked with the master password, or
/// a service token's own key (`BV_TOKEN`, SPEC § Command-line client).
pub enum Keyring {
    Account(Box<UnlockedAccount>),
    Token(Box<crate::token::Token>),
}

impl Keyring {
    /// A vault key as this keyring's copy wraps it: the account's own wrap
    /// (`bv1/vault-key/<vault>/<me>`), an HPKE copy a sharer sealed to our
    /// public key (`bv1-hpke.…`, SPEC § Sharing), or a token's wrap.
    pub fn unwrap_vault_key(
        &self,
        wrapped: &str,
        vault_id: &str,
    ) -> Result<SymmetricKey, CoreError> {
        match self {
            Keyring::Account(a) if wrapped.starts_with("bv1-hpke.") => {
                blindvault::sharing::open_vault_key(a.key_pair(), wrapped, vault_id, a.account_id())
            }
            Keyring::Account(a) => a.unwrap_vault_key(wrapped, vault_id),
            Keyring::Token(t) => t.unwrap_vault_key(wrapped, vault_id),
        }
    }

    /// The account, for what a token may not do (sharing, token minting).
    pub fn account(&self) -> Result<&UnlockedAccount, CliError> {
        match self {
            Keyring::Account(a) => Ok(a),
            Keyring::Token(_) => Err(CliError::usage(
                "this command needs a logged-in account, not a service token (unset BV_TOKEN)",
            )),
        }
    }
}

/// Unwraps a vault's key and opens its name (`bv1/vault-meta/<vault>`,
/// `{"name": …}` as the web vault writes it).
pub fn open_vault(keyring: &Keyring, v: &VaultView) -> Result<OpenVault, CoreError> {
    let key = keyring.unwrap_vault_key(&v.wrapped_vault_key, &v.id)?;
    let meta = key.open(&v.name, &Context::vault_meta(&v.id)?)?;
    let meta: VaultMeta = serde_json::from_slice(meta.expose_secret())
        .map_err(|_| CoreError::InvalidPayload("vault metadata is not {\"name\": string}"))?;
    Ok(OpenVault {
        id: v.id.clone(),
        name: meta.name,
        role: v.role.clone(),
        revision: v.revision,
        seq: v.seq,
        key,
    })
}

/// Seals a vault name the way the web vault does.
pub fn seal_vault_name(key: &SymmetricKey, vault_id: &str, name: &str) -> CliResult<String> {
    let plaintext = serde_json::json!({ "name": name }).to_string();
    let ctx = Context::vault_meta(vault_id).map_err(|e| crate::exit::core(&e))?;
    key.seal(plaintext.as_bytes(), &ctx)
        .map_err(|e| crate::exit::core(&e))
}

/// 128 random bits as an id, the same shape the web vault makes.
pub fn random_id() -> CliResult<String> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).map_err(|_| crate::exit::core(&CoreError::Random))?;
    Ok(blindvault::encoding::b64u_encode(&bytes))
}
