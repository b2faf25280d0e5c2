//! Vault and item keys as opaque handles, and the HPKE sealing of a vault key
//! to another member. Their bytes never cross into JavaScript.

use crate::context::Context;
use crate::keys::SymmetricKey;
use crate::sharing;
use js_sys::Uint8Array;
use wasm_bindgen::prelude::*;
use zeroize::Zeroizing;

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

    /// Seals the vault's metadata (its name) for `bv1/vault-meta/<vault>`.
    #[wasm_bindgen(js_name = sealVaultMeta)]
    pub fn seal_vault_meta(&self, plaintext: Vec<u8>, vault_id: &str) -> Result<String, JsError> {
        let plaintext = Zeroizing::new(plaintext);
        let ctx = Context::vault_meta(vault_id).map_err(js_err)?;
        self.0.seal(&plaintext, &ctx).map_err(js_err)
    }

    #[wasm_bindgen(js_name = openVaultMeta)]
    pub fn open_vault_meta(&self, jwe: &str, vault_id: &str) -> Result<Uint8Array, JsError> {
        let ctx = Context::vault_meta(vault_id).map_err(js_err)?;
        let pt = self.0.open(jwe, &ctx).map_err(js_err)?;
        Ok(Uint8Array::from(pt.expose_secret()))
    }

    /// Seals a folder's name for `bv1/folder/<vault>/<folder>`.
    #[wasm_bindgen(js_name = sealFolder)]
    pub fn seal_folder(
        &self,
        plaintext: Vec<u8>,
        vault_id: &str,
        folder_id: &str,
    ) -> Result<String, JsError> {
        let plaintext = Zeroizing::new(plaintext);
        let ctx = Context::folder(vault_id, folder_id).map_err(js_err)?;
        self.0.seal(&plaintext, &ctx).map_err(js_err)
    }

    #[wasm_bindgen(js_name = openFolder)]
    pub fn open_folder(
        &self,
        jwe: &str,
        vault_id: &str,
        folder_id: &str,
    ) -> Result<Uint8Array, JsError> {
        let ctx = Context::folder(vault_id, folder_id).map_err(js_err)?;
        let pt = self.0.open(jwe, &ctx).map_err(js_err)?;
        Ok(Uint8Array::from(pt.expose_secret()))
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
    let plaintext = Zeroizing::new(plaintext);
    sharing::hpke_seal(&public_key(recipient_public_key)?, info, aad, &plaintext).map_err(js_err)
}
