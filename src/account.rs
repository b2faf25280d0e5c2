//! Registration, unlock and password change, composed from the KDF, the key
//! hierarchy and the sharing key pair (docs/SPEC.md §Key hierarchy).
//!
//! ```text
//! register:        kdf = fresh params; master_key = PBKDF2(password, kdf)
//!                  account_key = random 32 B;  key_pair = X25519 random
//!                  → server: kdf, auth_key, wrap_key.wrap(account_key, bv1/account-key/<acct>),
//!                            public_key, account_key.wrap(private_key, bv1/private-key/<acct>)
//! unlock:          master_key → wrap_key → account_key → key_pair
//! change password: new kdf (new salt) → new master_key; re-wrap account_key only
//! ```
//!
//! Each step also has a `*_with_master_key` form for the browser, which runs
//! PBKDF2 in WebCrypto and hands the 32 bytes in through
//! [`MasterKey::from_pbkdf2_output`].

use crate::context::{validate_id, Context};
use crate::encoding::b64u_encode;
use crate::identity::{Identity, SigningKey};
use crate::kdf::{KdfParams, MasterKey};
use crate::keys::SymmetricKey;
use crate::secret::SecretString;
use crate::sharing::KeyPair;
use crate::{Error, Result};
use core::fmt;
use serde::{Deserialize, Serialize};

/// What the client sends to the server at registration. Nothing here lets
/// the server test a password guess more cheaply than the full KDF.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Registration {
    pub account_id: String,
    pub kdf: KdfParams,
    /// `AuthKey::encode_for_server`: the server stores a hash of it.
    pub auth_key: String,
    /// The account key wrapped by the wrap key, `bv1/account-key/<account>`.
    pub wrapped_account_key: String,
    /// X25519 public key, base64url (32 bytes).
    pub public_key: String,
    /// The X25519 private key wrapped by the account key, `bv1/private-key/<account>`.
    pub wrapped_private_key: String,
}

/// What the client sends after a password change. The key pair and every
/// vault and item key stay as they are: only the account key is re-wrapped.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PasswordChange {
    pub kdf: KdfParams,
    pub auth_key: String,
    pub wrapped_account_key: String,
}

/// An unlocked account: the account key and the key pair, in memory only.
pub struct UnlockedAccount {
    account_id: String,
    account_key: SymmetricKey,
    key_pair: KeyPair,
    /// The identity's signing key and statement, once opened or issued
    /// ([`UnlockedAccount::open_identity`], [`UnlockedAccount::issue_identity`]).
    identity: Option<(SigningKey, Identity)>,
}

/// A new identity for the server: the statement and the wrapped signing key.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdentityUpload {
    pub identity: String,
    pub wrapped_signing_key: String,
}

/// Registers with the password: runs the full KDF once (native clients).
pub fn register(
    password: &SecretString,
    account_id: &str,
) -> Result<(Registration, UnlockedAccount)> {
    let kdf = KdfParams::generate()?;
    let master = MasterKey::derive(password, &kdf)?;
    register_with_master_key(&master, kdf, account_id)
}

/// Registers with a master key derived elsewhere for `kdf` (the browser).
pub fn register_with_master_key(
    master: &MasterKey,
    kdf: KdfParams,
    account_id: &str,
) -> Result<(Registration, UnlockedAccount)> {
    validate_id(account_id)?;
    let account_key = SymmetricKey::generate()?;
    let key_pair = KeyPair::generate()?;
    let registration = Registration {
        account_id: account_id.to_owned(),
        auth_key: master.auth_key().encode_for_server(),
        wrapped_account_key: master
            .wrap_key()
            .wrap(&account_key, &Context::account_key(account_id)?)?,
        public_key: b64u_encode(&key_pair.public_key_bytes()),
        wrapped_private_key: key_pair.wrap(&account_key, account_id)?,
        kdf,
    };
    let unlocked = UnlockedAccount {
        account_id: account_id.to_owned(),
        account_key,
        key_pair,
        identity: None,
    };
    Ok((registration, unlocked))
}

/// Unlocks with the password (native clients). A wrong password shows as
/// [`Error::KeyMismatch`]: the wrap key's kid differs.
pub fn unlock(
    password: &SecretString,
    kdf: &KdfParams,
    wrapped_account_key: &str,
    wrapped_private_key: &str,
    account_id: &str,
) -> Result<UnlockedAccount> {
    let master = MasterKey::derive(password, kdf)?;
    unlock_with_master_key(
        &master,
        wrapped_account_key,
        wrapped_private_key,
        account_id,
    )
}

/// Unlocks with a master key already derived (the browser, or a native
/// client that derived it once to log in with its auth key).
pub fn unlock_with_master_key(
    master: &MasterKey,
    wrapped_account_key: &str,
    wrapped_private_key: &str,
    account_id: &str,
) -> Result<UnlockedAccount> {
    let account_key = master
        .wrap_key()
        .unwrap(wrapped_account_key, &Context::account_key(account_id)?)?;
    let key_pair = KeyPair::unwrap(&account_key, wrapped_private_key, account_id)?;
    Ok(UnlockedAccount {
        account_id: account_id.to_owned(),
        account_key,
        key_pair,
        identity: None,
    })
}

/// Changes the master password: fresh salt and default iterations, a new
/// auth key, and the same account key under the new wrap key.
pub fn change_password(
    unlocked: &UnlockedAccount,
    new_password: &SecretString,
) -> Result<PasswordChange> {
    let kdf = KdfParams::generate()?;
    let master = MasterKey::derive(new_password, &kdf)?;
    change_password_with_master_key(unlocked, &master, kdf)
}

/// [`change_password`] with a master key derived elsewhere for `kdf`.
pub fn change_password_with_master_key(
    unlocked: &UnlockedAccount,
    new_master: &MasterKey,
    kdf: KdfParams,
) -> Result<PasswordChange> {
    // `new_master` was checked against *some* params; make sure they are these.
    kdf.validate()?;
    Ok(PasswordChange {
        auth_key: new_master.auth_key().encode_for_server(),
        wrapped_account_key: new_master.wrap_key().wrap(
            &unlocked.account_key,
            &Context::account_key(&unlocked.account_id)?,
        )?,
        kdf,
    })
}

impl UnlockedAccount {
    pub fn account_id(&self) -> &str {
        &self.account_id
    }

    /// The account key: wraps the private key and the owner's vault keys.
    pub fn account_key(&self) -> &SymmetricKey {
        &self.account_key
    }

    /// The X25519 key pair that vault keys are shared to (HPKE).
    pub fn key_pair(&self) -> &KeyPair {
        &self.key_pair
    }

    /// Checks the public key the server has on record against the one that
    /// belongs to our private key (a server could swap the published key).
    pub fn check_public_key(&self, public_key_b64u: &str) -> Result<()> {
        let published = crate::encoding::b64u_decode(public_key_b64u, "public key base64url")
            .map_err(|_| Error::InvalidPublicKey)?;
        if published.as_slice() == self.key_pair.public_key_bytes() {
            Ok(())
        } else {
            Err(Error::InvalidPublicKey)
        }
    }

    /// Makes this account's identity: a fresh Ed25519 signing key and the
    /// statement binding account id, `email` and both public keys. For a new
    /// account, and for one made before identities existed.
    pub fn issue_identity(&mut self, email: &str) -> Result<IdentityUpload> {
        let signing = SigningKey::generate()?;
        let identity = Identity::issue(
            &self.account_id,
            email,
            &self.key_pair.public_key_bytes(),
            &signing,
        )?;
        let upload = IdentityUpload {
            identity: identity.as_str().to_owned(),
            wrapped_signing_key: signing.wrap(&self.account_key, &self.account_id)?,
        };
        self.identity = Some((signing, identity));
        Ok(upload)
    }

    /// Opens the identity the server keeps for this account, refusing one that
    /// is not ours: another account id, another X25519 key than our key pair's,
    /// or an Ed25519 key that is not our wrapped signing key's.
    pub fn open_identity(
        &mut self,
        identity: &str,
        wrapped_signing_key: &str,
    ) -> Result<&Identity> {
        let identity = Identity::parse(identity)?;
        let signing = SigningKey::unwrap(&self.account_key, wrapped_signing_key, &self.account_id)?;
        if identity.account_id() != self.account_id
            || identity.x25519() != &self.key_pair.public_key_bytes()
            || identity.ed25519() != &signing.public_key_bytes()
        {
            return Err(Error::MalformedIdentity("not this account's identity"));
        }
        self.identity = Some((signing, identity));
        Ok(&self
            .identity
            .as_ref()
            .ok_or(Error::MalformedIdentity("missing"))?
            .1)
    }

    /// Our identity statement, once opened or issued.
    pub fn identity(&self) -> Option<&Identity> {
        self.identity.as_ref().map(|(_, i)| i)
    }

    /// Our signing key, once opened or issued.
    pub fn signing_key(&self) -> Option<&SigningKey> {
        self.identity.as_ref().map(|(k, _)| k)
    }

    /// Both, or the error a caller that must sign reports.
    pub fn signer(&self) -> Result<(&SigningKey, &Identity)> {
        self.identity
            .as_ref()
            .map(|(k, i)| (k, i))
            .ok_or(Error::MalformedIdentity(
                "this account's identity is not open",
            ))
    }

    /// Wraps a vault key for this account itself, `bv1/vault-key/<vault>/<account>`.
    pub fn wrap_vault_key(&self, vault_key: &SymmetricKey, vault_id: &str) -> Result<String> {
        self.account_key
            .wrap(vault_key, &Context::vault_key(vault_id, &self.account_id)?)
    }

    /// Unwraps a vault key made by [`UnlockedAccount::wrap_vault_key`].
    pub fn unwrap_vault_key(&self, jwe: &str, vault_id: &str) -> Result<SymmetricKey> {
        self.account_key
            .unwrap(jwe, &Context::vault_key(vault_id, &self.account_id)?)
    }
}

// The auth key is a login credential: it never prints. Wrapped keys and
// public keys are ciphertext and public data.
impl fmt::Debug for Registration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Registration")
            .field("account_id", &self.account_id)
            .field("kdf", &self.kdf)
            .field("auth_key", &"[REDACTED]")
            .field("wrapped_account_key", &self.wrapped_account_key)
            .field("public_key", &self.public_key)
            .field("wrapped_private_key", &self.wrapped_private_key)
            .finish()
    }
}

impl fmt::Debug for PasswordChange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PasswordChange")
            .field("kdf", &self.kdf)
            .field("auth_key", &"[REDACTED]")
            .field("wrapped_account_key", &self.wrapped_account_key)
            .finish()
    }
}

impl fmt::Debug for UnlockedAccount {
    // Ids and public fingerprints only.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UnlockedAccount")
            .field("account_id", &self.account_id)
            .field("account_key", &self.account_key)
            .field("key_pair", &self.key_pair)
            .field("identity", &self.identity())
            .finish()
    }
}
