//! Vault and item keys as opaque handles, and the HPKE sealing of a vault key
//! to another member. Their bytes never cross into JavaScript.

use crate::keys::SymmetricKey;
use crate::sharing;
use wasm_bindgen::prelude::*;

use super::js_err;

fn public_key(bytes: &[u8]) -> Result<[u8; 32], JsError> {
    bytes
        .try_into()
        .map_err(|_| js_err(crate::Error::InvalidPublicKey))
}

/// A vault's key: wraps item keys and the vault's and folders' names.
#[wasm_bindgen]
pub struct VaultKey(pub(crate) SymmetricKey);

#[wasm_bindgen]
impl VaultKey {
    /// A fresh vault key (a new vault, or a rotation after removing a member).
    pub fn generate() -> Result<VaultKey, JsError> {
        SymmetricKey::generate().map(VaultKey).map_err(js_err)
    }

    /// The public key id written into every envelope this key makes.
    #[wasm_bindgen(getter)]
    pub fn kid(&self) -> String {
        self.0.kid().to_owned()
    }

    /// Seals this vault key to a member's X25519 public key (HPKE, RFC 9180),
    /// bound to the vault and the member. Compare the member's fingerprint first.
    #[wasm_bindgen(js_name = sealTo)]
    pub fn seal_to(
        &self,
        recipient_public_key: &[u8],
        vault_id: &str,
        recipient_account_id: &str,
    ) -> Result<String, JsError> {
        sharing::seal_vault_key_to(
            &public_key(recipient_public_key)?,
            &self.0,
            vault_id,
            recipient_account_id,
        )
        .map_err(js_err)
    }

    /// Seals a vault's name for `bv1/vault-meta/<vault>` (docs/SPEC.md,
    /// `{"name": …}`; an empty name is refused).
    #[wasm_bindgen(js_name = sealVaultName)]
    pub fn seal_vault_name(&self, name: &str, vault_id: &str) -> Result<String, JsError> {
        crate::names::seal_vault_name(&self.0, vault_id, name).map_err(js_err)
    }

    #[wasm_bindgen(js_name = openVaultName)]
    pub fn open_vault_name(&self, jwe: &str, vault_id: &str) -> Result<String, JsError> {
        crate::names::open_vault_name(&self.0, vault_id, jwe).map_err(js_err)
    }

    /// Seals a folder's name for `bv1/folder/<vault>/<folder>`.
    #[wasm_bindgen(js_name = sealFolderName)]
    pub fn seal_folder_name(
        &self,
        name: &str,
        vault_id: &str,
        folder_id: &str,
    ) -> Result<String, JsError> {
        crate::names::seal_folder_name(&self.0, vault_id, folder_id, name).map_err(js_err)
    }

    #[wasm_bindgen(js_name = openFolderName)]
    pub fn open_folder_name(
        &self,
        jwe: &str,
        vault_id: &str,
        folder_id: &str,
    ) -> Result<String, JsError> {
        crate::names::open_folder_name(&self.0, vault_id, folder_id, jwe).map_err(js_err)
    }
}

/// One item's key (from `unwrapItemKey`), for its attachments.
#[wasm_bindgen]
pub struct ItemKey(pub(crate) SymmetricKey);

#[wasm_bindgen]
impl ItemKey {
    #[wasm_bindgen(getter)]
    pub fn kid(&self) -> String {
        self.0.kid().to_owned()
    }
}

/// The fingerprint of an X25519 public key, as `Account.fingerprint` shows it.
#[wasm_bindgen]
pub fn fingerprint(public_key_bytes: &[u8]) -> Result<String, JsError> {
    Ok(sharing::fingerprint(&public_key(public_key_bytes)?))
}

/// Seals `plaintext` to a public key (HPKE) with application `info` and `aad`,
/// e.g. to answer a "request a secret" page; opened by `Account.hpkeOpen`.
#[cfg(feature = "js-extras")]
#[wasm_bindgen(js_name = hpkeSeal)]
pub fn hpke_seal(
    recipient_public_key: &[u8],
    info: &[u8],
    aad: &[u8],
    plaintext: Vec<u8>,
) -> Result<String, JsError> {
    let plaintext = zeroize::Zeroizing::new(plaintext);
    sharing::hpke_seal(&public_key(recipient_public_key)?, info, aad, &plaintext).map_err(js_err)
}
