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
use blindvault::kdf::{KdfParams, MasterKey};
use blindvault::keys::SymmetricKey;
use blindvault::member_log::Roster;
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
    /// The identity statement and wrapped signing key (null for an account
    /// made before identities: [`ensure_identity`] publishes one).
    #[serde(default)]
    pub identity: Option<String>,
    #[serde(default)]
    pub wrapped_signing_key: Option<String>,
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
    let mut unlocked = unlocked;
    if let (Some(id), Some(w)) = (&keys.identity, &keys.wrapped_signing_key) {
        // Not ours (another account's statement, or keys that are not our
        // wrapped signing key's): the server swapped it.
        unlocked
            .open_identity(id, w)
            .map_err(|e| CliError::from_server_data("identity", &e))?;
    }
    Ok(unlocked)
}

/// An account made before identities gets one now: a fresh signing key and
/// the signed statement, published once (SPEC § Identities).
pub fn ensure_identity(
    client: &Client,
    account: &mut UnlockedAccount,
    keys: &AccountKeys,
) -> CliResult<()> {
    if account.identity().is_some() {
        return Ok(());
    }
    let upload = account
        .issue_identity(&keys.email)
        .map_err(|e| crate::exit::core(&e))?;
    client.request_unit(
        "PUT",
        "/accounts/me/identity",
        &serde_json::to_value(&upload)
            .map_err(|_| CliError::other("cannot encode the identity"))?,
    )
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
    let mut account = unlock(&master, &keys)?;
    ensure_identity(client, &mut account, &keys)?;
    Ok(account)
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
    /// Whose copy this is (filled in by the caller: the answer does not say).
    #[serde(skip)]
    pub member: Option<String>,
}

impl VaultView {
    fn member_id(&self) -> Option<&str> {
        self.member.as_deref()
    }
}

pub struct OpenVault {
    pub id: String,
    pub name: String,
    pub role: String,
    pub revision: i64,
    pub seq: i64,
    pub key: SymmetricKey,
    /// The verified member log's roster; `None` for a vault made before
    /// member logs (SPEC § Member log, legacy vaults).
    pub roster: Option<Roster>,
}

/// What opens vault keys: an account unlocked with the master password, or
/// a service token's own key (`BV_TOKEN`, SPEC § Command-line client).
pub enum Keyring {
    Account(Box<UnlockedAccount>),
    Token(Box<crate::token::Token>),
}

impl Keyring {
    /// A legacy vault's key (no member log): the account's own wrap, an
    /// HPKE base-mode copy, or a token's wrap.
    pub fn unwrap_legacy_key(
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

    /// Whose anchors these are on this machine (anchors.json).
    pub fn owner(&self) -> String {
        match self {
            Keyring::Account(a) => format!("account:{}", a.account_id()),
            Keyring::Token(t) => format!("token:{}", t.id),
        }
    }
}

/// Opens a vault's name (`bv1/vault-meta/<vault>`) with its key: the core's
/// rule, as the web vault opens it.
pub fn open_name(key: &SymmetricKey, v: &VaultView) -> Result<String, CoreError> {
    blindvault::names::open_vault_name(key, &v.id, &v.name)
}

/// A vault with its key and name, as opened.
pub fn open_vault(
    v: &VaultView,
    key: SymmetricKey,
    roster: Option<Roster>,
) -> Result<OpenVault, CoreError> {
    Ok(OpenVault {
        name: open_name(&key, v)?,
        id: v.id.clone(),
        role: roster
            .as_ref()
            .and_then(|r| r.member(v.member_id()?)) // the log decides our role
            .map_or_else(|| v.role.clone(), |m| m.role.as_str().to_owned()),
        revision: v.revision,
        seq: v.seq,
        key,
        roster,
    })
}

/// Seals a vault name (the core's rule, as the web vault seals it).
pub fn seal_vault_name(key: &SymmetricKey, vault_id: &str, name: &str) -> CliResult<String> {
    blindvault::names::seal_vault_name(key, vault_id, name).map_err(|e| crate::exit::core(&e))
}

/// 128 random bits as an id, the same shape the web vault makes.
pub fn random_id() -> CliResult<String> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).map_err(|_| crate::exit::core(&CoreError::Random))?;
    Ok(blindvault::encoding::b64u_encode(&bytes))
}

/// Seconds since the Unix epoch, for member-log entries (informative only).
pub fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}
