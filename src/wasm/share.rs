//! Secret-sharing pages (www/share, www/s): the share key that travels in the
//! link's URL fragment, the payload stream under it, and the throw-away key
//! pair of a "request a secret" page. docs/SPEC.md § Sharing pages.

use crate::attachment::AttachmentKey;
use crate::context::Context;
use crate::encoding::{b64u_decode, b64u_encode};
use crate::sharing::{self, KeyPair};
use wasm_bindgen::prelude::*;

use super::attachment::{AttachmentDecryptor, AttachmentEncryptor};
use super::js_err;

/// The chunked-encryption context of every share payload. Each share key is
/// fresh and encrypts one payload, so the context only names the format.
pub(crate) const SHARE_CONTEXT_ID: &str = "v1";

fn share_context() -> Result<Context, JsError> {
    Context::share(SHARE_CONTEXT_ID).map_err(js_err)
}

/// A share's key: 32 random bytes, one per share, held in WASM memory.
#[wasm_bindgen]
pub struct ShareKey(AttachmentKey);

#[wasm_bindgen]
impl ShareKey {
    /// A fresh key from the platform CSPRNG.
    pub fn generate() -> Result<ShareKey, JsError> {
        AttachmentKey::generate().map(ShareKey).map_err(js_err)
    }

    /// The key as read from a link fragment (BASE64URL of exactly 32 bytes).
    #[wasm_bindgen(js_name = fromFragment)]
    pub fn from_fragment(b64u: &str) -> Result<ShareKey, JsError> {
        let bytes = zeroize::Zeroizing::new(b64u_decode(b64u, "share key").map_err(js_err)?);
        AttachmentKey::from_slice(&bytes)
            .map(ShareKey)
            .map_err(js_err)
    }

    /// The key for the link fragment. The one place a share key leaves WASM:
    /// the link *is* the capability, and the fragment never reaches a server.
    #[wasm_bindgen(js_name = dangerousToFragment)]
    pub fn dangerous_to_fragment(&self) -> String {
        b64u_encode(self.0.expose_secret())
    }

    /// A push/finish stream that encrypts the payload under this key.
    pub fn encryptor(&self) -> Result<AttachmentEncryptor, JsError> {
        AttachmentEncryptor::with_context(&self.0, &share_context()?)
    }

    /// A push/finish stream that decrypts and authenticates the payload.
    pub fn decryptor(&self) -> Result<AttachmentDecryptor, JsError> {
        Ok(AttachmentDecryptor::with_context(
            &self.0,
            &share_context()?,
        ))
    }
}

/// The key pair of one "request a secret" page: made in the requester's
/// browser, kept only in this page's WASM memory, gone when the page closes.
#[wasm_bindgen]
pub struct RequestKeyPair(KeyPair);

#[wasm_bindgen]
impl RequestKeyPair {
    pub fn generate() -> Result<RequestKeyPair, JsError> {
        KeyPair::generate().map(RequestKeyPair).map_err(js_err)
    }

    #[wasm_bindgen(getter, js_name = publicKey)]
    pub fn public_key(&self) -> Vec<u8> {
        self.0.public_key_bytes().to_vec()
    }

    #[wasm_bindgen(getter)]
    pub fn fingerprint(&self) -> String {
        self.0.fingerprint()
    }

    /// Opens an answer sealed with `hpkeSeal` to this public key, same `info`/`aad`.
    #[wasm_bindgen(js_name = hpkeOpen)]
    pub fn hpke_open(
        &self,
        sealed: &str,
        info: &[u8],
        aad: &[u8],
    ) -> Result<js_sys::Uint8Array, JsError> {
        let pt = sharing::hpke_open(&self.0, sealed, info, aad).map_err(js_err)?;
        Ok(js_sys::Uint8Array::from(pt.expose_secret()))
    }
}
