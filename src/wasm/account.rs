//! Key derivation, registration, unlock and password change.
//!
//! `deriveMasterKey` runs PBKDF2 in WebCrypto when the global scope has
//! `crypto.subtle` and in WASM otherwise; either way the result is a
//! `MasterKey` handle, and the core checks the KDF parameters (floor 600 000,
//! ceiling 10 000 000, 16-byte salt) before any work.

use crate::account::{self, UnlockedAccount};
use crate::kdf::{self, KdfParams};
use crate::secret::SecretString;
use crate::sharing;
use js_sys::{Object, Reflect};
use wasm_bindgen::prelude::*;

use super::convert::{kdf_params_from_js, to_js};
use super::keys::VaultKey;
use super::{js_err, webcrypto};

#[wasm_bindgen(typescript_custom_section)]
const TS_TYPES: &'static str = r#"
/** Per-account KDF parameters, stored by the server; nothing in them is secret. */
export interface KdfParams { alg: "pbkdf2-sha256"; iterations: number; salt: string }
/** What the client sends to the server at registration. */
export interface Registration {
  account_id: string; kdf: KdfParams; auth_key: string;
  wrapped_account_key: string; public_key: string; wrapped_private_key: string;
}
/** What the client sends after a password change. */
export interface PasswordChange { kdf: KdfParams; auth_key: string; wrapped_account_key: string }
"#;

/// The PBKDF2 output, held in WASM memory. Only derives the wrap and auth keys.
#[wasm_bindgen]
pub struct MasterKey(pub(crate) kdf::MasterKey);

#[wasm_bindgen]
impl MasterKey {
    /// The login credential (base64url), the one value derived from the
    /// password that goes to the server, in a request body.
    #[wasm_bindgen(js_name = authKey)]
    pub fn auth_key(&self) -> String {
        self.0.auth_key().encode_for_server()
    }
}

/// Fresh KDF parameters (random 16-byte salt, 600 000 iterations).
#[wasm_bindgen(js_name = newKdfParams, unchecked_return_type = "KdfParams")]
pub fn new_kdf_params() -> Result<JsValue, JsError> {
    to_js(&KdfParams::generate().map_err(js_err)?)
}

/// PBKDF2-HMAC-SHA-256 in WebCrypto if available, else in WASM. Refuses
/// parameters outside the client's bounds before doing any work.
#[wasm_bindgen(js_name = deriveMasterKey)]
pub async fn derive_master_key(
    password: String,
    #[wasm_bindgen(unchecked_param_type = "KdfParams")] params: JsValue,
) -> Result<MasterKey, JsError> {
    let password = SecretString::new(password);
    let params: KdfParams = kdf_params_from_js(params)?;
    let salt = params.validate().map_err(js_err)?;
    let Some(subtle) = webcrypto::subtle() else {
        return kdf::MasterKey::derive(&password, &params)
            .map(MasterKey)
            .map_err(js_err);
    };
    let out = webcrypto::pbkdf2_sha256(
        &subtle,
        password.expose_secret().as_bytes(),
        &salt,
        params.iterations,
    )
    .await
    .map_err(|e| {
        JsError::new(&format!(
            "WebCrypto PBKDF2 failed: {}",
            e.as_string().unwrap_or_else(|| "unknown error".into())
        ))
    })?;
    kdf::MasterKey::from_pbkdf2_output(&out[..], &params)
        .map(MasterKey)
        .map_err(js_err)
}

/// The same derivation in WASM only (no WebCrypto): for platforms without
/// `crypto.subtle`, and to measure the fallback (www/bench/).
#[cfg(feature = "js-extras")]
#[wasm_bindgen(js_name = deriveMasterKeyInWasm)]
pub fn derive_master_key_in_wasm(
    password: String,
    #[wasm_bindgen(unchecked_param_type = "KdfParams")] params: JsValue,
) -> Result<MasterKey, JsError> {
    let password = SecretString::new(password);
    let params: KdfParams = kdf_params_from_js(params)?;
    kdf::MasterKey::derive(&password, &params)
        .map(MasterKey)
        .map_err(js_err)
}

/// An unlocked account: its account key and X25519 key pair, in WASM memory.
#[wasm_bindgen]
pub struct Account(pub(crate) UnlockedAccount);

/// Registers a new account under `master` (derived for `params`); returns the
/// data for the server and the unlocked account.
#[wasm_bindgen(unchecked_return_type = "{ registration: Registration; account: Account }")]
pub fn register(
    master: &MasterKey,
    #[wasm_bindgen(unchecked_param_type = "KdfParams")] params: JsValue,
    account_id: &str,
) -> Result<JsValue, JsError> {
    let params: KdfParams = kdf_params_from_js(params)?;
    let (registration, unlocked) =
        account::register_with_master_key(&master.0, params, account_id).map_err(js_err)?;
    let out = Object::new();
    Reflect::set(&out, &"registration".into(), &to_js(&registration)?)
        .and_then(|_| Reflect::set(&out, &"account".into(), &Account(unlocked).into()))
        .map_err(|_| JsError::new("cannot build the registration result"))?;
    Ok(out.into())
}

/// Unlocks an account. A wrong password throws "... kid mismatch".
#[wasm_bindgen]
pub fn unlock(
    master: &MasterKey,
    wrapped_account_key: &str,
    wrapped_private_key: &str,
    account_id: &str,
) -> Result<Account, JsError> {
    account::unlock_with_master_key(
        &master.0,
        wrapped_account_key,
        wrapped_private_key,
        account_id,
    )
    .map(Account)
    .map_err(js_err)
}

#[wasm_bindgen]
impl Account {
    #[wasm_bindgen(getter, js_name = accountId)]
    pub fn account_id(&self) -> String {
        self.0.account_id().to_owned()
    }

    /// The X25519 public key (32 bytes): public, published to the server.
    #[wasm_bindgen(getter, js_name = publicKey)]
    pub fn public_key(&self) -> Vec<u8> {
        self.0.key_pair().public_key_bytes().to_vec()
    }

    /// The public key's fingerprint ("0421 9930 ..."), for people to compare.
    #[wasm_bindgen(getter)]
    pub fn fingerprint(&self) -> String {
        self.0.key_pair().fingerprint()
    }

    /// Re-wraps the account key under a new master key (derived for the new,
    /// fresh `params`); every other key stays as it is.
    /// Makes this account's identity (a new Ed25519 key and the signed
    /// statement): `{identity, wrapped_signing_key}` for the server.
    #[wasm_bindgen(js_name = issueIdentity)]
    pub fn issue_identity(&mut self, email: &str) -> Result<JsValue, JsError> {
        to_js(&self.0.issue_identity(email).map_err(js_err)?)
    }

    /// Opens the identity the server holds for us; refuses one that is not ours.
    #[wasm_bindgen(js_name = openIdentity)]
    pub fn open_identity(
        &mut self,
        identity: &str,
        wrapped_signing_key: &str,
    ) -> Result<(), JsError> {
        self.0
            .open_identity(identity, wrapped_signing_key)
            .map(|_| ())
            .map_err(js_err)
    }

    /// Our identity statement, once opened or issued.
    #[wasm_bindgen(getter)]
    pub fn identity(&self) -> Option<String> {
        self.0.identity().map(|i| i.as_str().to_owned())
    }

    /// The fingerprint of our identity (what others compare), once opened.
    #[wasm_bindgen(getter, js_name = identityFingerprint)]
    pub fn identity_fingerprint(&self) -> Option<String> {
        self.0.identity().map(|i| i.fingerprint())
    }

    #[wasm_bindgen(js_name = changePassword, unchecked_return_type = "PasswordChange")]
    pub fn change_password(
        &self,
        new_master: &MasterKey,
        #[wasm_bindgen(unchecked_param_type = "KdfParams")] params: JsValue,
    ) -> Result<JsValue, JsError> {
        let params: KdfParams = kdf_params_from_js(params)?;
        let change = account::change_password_with_master_key(&self.0, &new_master.0, params)
            .map_err(js_err)?;
        to_js(&change)
    }

    /// Checks a public key the server returned against ours.
    #[wasm_bindgen(js_name = checkPublicKey)]
    pub fn check_public_key(&self, public_key_b64u: &str) -> Result<(), JsError> {
        self.0.check_public_key(public_key_b64u).map_err(js_err)
    }

    /// Wraps a vault key for this account (`bv1/vault-key/<vault>/<me>`).
    #[wasm_bindgen(js_name = wrapVaultKey)]
    pub fn wrap_vault_key(&self, vault_key: &VaultKey, vault_id: &str) -> Result<String, JsError> {
        self.0
            .wrap_vault_key(&vault_key.0, vault_id)
            .map_err(js_err)
    }

    /// Unwraps one of this account's own vault keys.
    #[wasm_bindgen(js_name = unwrapVaultKey)]
    pub fn unwrap_vault_key(&self, jwe: &str, vault_id: &str) -> Result<VaultKey, JsError> {
        self.0
            .unwrap_vault_key(jwe, vault_id)
            .map(VaultKey)
            .map_err(js_err)
    }

    /// Opens a vault key another member sealed to this account's public key (HPKE).
    #[wasm_bindgen(js_name = openSharedVaultKey)]
    pub fn open_shared_vault_key(&self, sealed: &str, vault_id: &str) -> Result<VaultKey, JsError> {
        sharing::open_vault_key(self.0.key_pair(), sealed, vault_id, self.0.account_id())
            .map(VaultKey)
            .map_err(js_err)
    }
}

/// The extension's session token is sealed to the account (not needed by the
/// web vault, hence `js-extras`).
#[cfg(feature = "js-extras")]
#[wasm_bindgen]
impl Account {
    /// Opens a value sealed to this account with `hpkeSeal` and the same `info`/`aad`.
    #[wasm_bindgen(js_name = hpkeOpen)]
    pub fn hpke_open(
        &self,
        sealed: &str,
        info: &[u8],
        aad: &[u8],
    ) -> Result<js_sys::Uint8Array, JsError> {
        let pt = sharing::hpke_open(self.0.key_pair(), sealed, info, aad).map_err(js_err)?;
        Ok(js_sys::Uint8Array::from(pt.expose_secret()))
    }
}
