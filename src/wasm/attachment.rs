//! Attachment streams (c2sp.org/chunked-encryption, Cobblestone-256) as
//! push/finish objects, so a `ReadableStream` can be piped through a
//! `TransformStream` with bounded memory whatever the file size.

use crate::attachment::{self, Decryptor, Encryptor};
use crate::context::Context;
use crate::Error;
use wasm_bindgen::prelude::*;
use zeroize::Zeroizing;

use super::js_err;

/// One attachment's input key (32 random bytes), held in WASM memory.
#[wasm_bindgen]
pub struct AttachmentKey(pub(crate) attachment::AttachmentKey);

#[wasm_bindgen]
impl AttachmentKey {
    /// A fresh key from the platform CSPRNG: one per attachment, never reused.
    pub fn generate() -> Result<AttachmentKey, JsError> {
        attachment::AttachmentKey::generate()
            .map(AttachmentKey)
            .map_err(js_err)
    }
}

fn attachment_context(vault: &str, item: &str, attachment: &str) -> Result<Context, JsError> {
    Context::attachment(vault, item, attachment).map_err(js_err)
}

/// Encrypts an attachment chunk by chunk. The first `push` output starts with
/// the 56-byte header; `finish` emits the final (short) chunk.
#[wasm_bindgen]
pub struct AttachmentEncryptor {
    inner: Option<Encryptor>,
    header: Option<Vec<u8>>,
}

/// Constructors for other contexts (secret shares, src/wasm/share.rs).
impl AttachmentEncryptor {
    pub(crate) fn with_context(
        key: &attachment::AttachmentKey,
        ctx: &Context,
    ) -> Result<AttachmentEncryptor, JsError> {
        let (inner, header) = Encryptor::new(key, ctx).map_err(js_err)?;
        Ok(Self {
            inner: Some(inner),
            header: Some(header),
        })
    }
}

impl AttachmentDecryptor {
    pub(crate) fn with_context(key: &attachment::AttachmentKey, ctx: &Context) -> Self {
        Self {
            inner: Some(Decryptor::new(key, ctx)),
        }
    }
}

#[wasm_bindgen]
impl AttachmentEncryptor {
    #[wasm_bindgen(constructor)]
    pub fn new(
        key: &AttachmentKey,
        vault: &str,
        item: &str,
        attachment: &str,
    ) -> Result<AttachmentEncryptor, JsError> {
        let (inner, header) = Encryptor::new(&key.0, &attachment_context(vault, item, attachment)?)
            .map_err(js_err)?;
        Ok(Self {
            inner: Some(inner),
            header: Some(header),
        })
    }

    /// Encrypts `plaintext`; returns the ciphertext of every chunk it completed
    /// (possibly empty). The input is wiped from WASM memory afterwards.
    pub fn push(&mut self, plaintext: Vec<u8>) -> Result<Vec<u8>, JsError> {
        let plaintext = Zeroizing::new(plaintext);
        let enc = self
            .inner
            .as_mut()
            .ok_or_else(|| js_err(Error::AttachmentStreamClosed))?;
        let chunks = enc.push(&plaintext).map_err(js_err)?;
        Ok(self.prepend_header(chunks))
    }

    /// Emits the final chunk; the object cannot be used afterwards.
    pub fn finish(&mut self) -> Result<Vec<u8>, JsError> {
        let enc = self
            .inner
            .take()
            .ok_or_else(|| js_err(Error::AttachmentStreamClosed))?;
        let last = enc.finish().map_err(js_err)?;
        Ok(self.prepend_header(last))
    }

    fn prepend_header(&mut self, chunks: Vec<u8>) -> Vec<u8> {
        match self.header.take() {
            Some(mut out) => {
                out.extend_from_slice(&chunks);
                out
            }
            None => chunks,
        }
    }
}

/// Decrypts an attachment chunk by chunk. `push` returns only plaintext that
/// has been authenticated; `finish` fails unless the stream ended with a valid
/// final chunk (truncation, reordering and trailing data are refused).
#[wasm_bindgen]
pub struct AttachmentDecryptor {
    inner: Option<Decryptor>,
}

#[wasm_bindgen]
impl AttachmentDecryptor {
    #[wasm_bindgen(constructor)]
    pub fn new(
        key: &AttachmentKey,
        vault: &str,
        item: &str,
        attachment: &str,
    ) -> Result<AttachmentDecryptor, JsError> {
        let ctx = attachment_context(vault, item, attachment)?;
        Ok(Self {
            inner: Some(Decryptor::new(&key.0, &ctx)),
        })
    }

    /// Feeds ciphertext; returns the plaintext of every chunk that verified.
    /// After an error the stream stays failed.
    pub fn push(&mut self, ciphertext: &[u8]) -> Result<js_sys::Uint8Array, JsError> {
        let dec = self
            .inner
            .as_mut()
            .ok_or_else(|| js_err(Error::AttachmentStreamClosed))?;
        let plain = Zeroizing::new(dec.push(ciphertext).map_err(js_err)?);
        Ok(js_sys::Uint8Array::from(&plain[..]))
    }

    /// Verifies and returns the final chunk; the object cannot be used afterwards.
    pub fn finish(&mut self) -> Result<js_sys::Uint8Array, JsError> {
        let dec = self
            .inner
            .take()
            .ok_or_else(|| js_err(Error::AttachmentStreamClosed))?;
        let plain = Zeroizing::new(dec.finish().map_err(js_err)?);
        Ok(js_sys::Uint8Array::from(&plain[..]))
    }
}
