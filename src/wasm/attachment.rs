//! Attachment streams (c2sp.org/chunked-encryption, Cobblestone-256) as
//! push/finish objects, so a `ReadableStream` can be piped through a
//! `TransformStream` with bounded memory whatever the file size.
//!
//! `push`/`finish` run AES-GCM in WASM (RustCrypto) and return at once;
//! `pushAsync`/`finishAsync` return promises and run each chunk's AES-GCM in
//! WebCrypto (src/wasm/attachment_webcrypto.rs), 5-10x faster in browsers.
//! Both give the same bytes: `push` as one array, `pushAsync` as a list of
//! pieces whose concatenation is that array (WebCrypto's output buffers,
//! uncopied; a `Blob` or a stream takes them as they are). The calls of one
//! object may be mixed as long as each promise is awaited before the next
//! call.

use crate::attachment::{
    self, ChunkCipherRef, Decryptor, Encryptor, CHUNK_SIZE, ENCRYPTED_CHUNK_SIZE,
};
use crate::context::Context;
use crate::Error;
use wasm_bindgen::prelude::*;
use zeroize::Zeroizing;

use super::attachment_webcrypto::{Jobs, StreamCrypto};
use super::js_err;
use super::keys::ItemKey;
use js_sys::{Array, Promise, Uint8Array};

fn rejected(e: JsError) -> Promise {
    Promise::reject(&JsValue::from(e))
}

fn check(wc: &Option<StreamCrypto>) -> Result<(), JsError> {
    wc.as_ref().map_or(Ok(()), StreamCrypto::check)
}

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
    wc: Option<StreamCrypto>,
}

/// Constructors for other contexts (secret shares, src/wasm/share.rs).
#[cfg(feature = "js-extras")]
impl AttachmentEncryptor {
    pub(crate) fn with_context(
        key: &attachment::AttachmentKey,
        ctx: &Context,
    ) -> Result<AttachmentEncryptor, JsError> {
        let (inner, header) = Encryptor::new(key, ctx).map_err(js_err)?;
        Ok(Self {
            inner: Some(inner),
            header: Some(header),
            wc: StreamCrypto::new(true),
        })
    }
}

#[cfg(feature = "js-extras")]
impl AttachmentDecryptor {
    pub(crate) fn with_context(key: &attachment::AttachmentKey, ctx: &Context) -> Self {
        Self {
            inner: Some(Decryptor::new(key, ctx)),
            wc: StreamCrypto::new(false),
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
            wc: StreamCrypto::new(true),
        })
    }

    /// Encrypts `plaintext`; returns the ciphertext of every chunk it completed
    /// (possibly empty). The input is wiped from WASM memory afterwards.
    pub fn push(&mut self, plaintext: Vec<u8>) -> Result<Vec<u8>, JsError> {
        let plaintext = Zeroizing::new(plaintext);
        check(&self.wc)?;
        let enc = self
            .inner
            .as_mut()
            .ok_or_else(|| js_err(Error::AttachmentStreamClosed))?;
        let chunks = enc.push(&plaintext).map_err(js_err)?;
        Ok(self.prepend_header(chunks))
    }

    /// Emits the final chunk; the object cannot be used afterwards.
    pub fn finish(&mut self) -> Result<Vec<u8>, JsError> {
        check(&self.wc)?;
        let enc = self
            .inner
            .take()
            .ok_or_else(|| js_err(Error::AttachmentStreamClosed))?;
        let last = enc.finish().map_err(js_err)?;
        Ok(self.prepend_header(last))
    }

    /// As `push`, with each chunk's AES-GCM in WebCrypto (in WASM where the
    /// scope has no `crypto.subtle`); resolves to the output in pieces, in
    /// order. Await it before the next call.
    #[wasm_bindgen(js_name = pushAsync, unchecked_return_type = "Promise<Uint8Array[]>")]
    pub fn push_async(
        &mut self,
        #[wasm_bindgen(unchecked_param_type = "Uint8Array")] plaintext: JsValue,
    ) -> Promise {
        bytes_of(plaintext)
            .and_then(|p| self.start(Some(&p)))
            .unwrap_or_else(rejected)
    }

    /// As `finish`, through WebCrypto.
    #[wasm_bindgen(js_name = finishAsync, unchecked_return_type = "Promise<Uint8Array[]>")]
    pub fn finish_async(&mut self) -> Promise {
        self.start(None).unwrap_or_else(rejected)
    }

    fn start(&mut self, plaintext: Option<&Uint8Array>) -> Result<Promise, JsError> {
        if self.wc.is_none() {
            let out = match plaintext {
                Some(p) => self.push(p.to_vec())?,
                None => self.finish()?,
            };
            return Ok(Promise::resolve(&JsValue::from(Array::of1(
                &Uint8Array::from(&out[..]),
            ))));
        }
        check(&self.wc)?;
        let wc = self
            .wc
            .as_mut()
            .ok_or_else(|| js_err(Error::AttachmentStreamClosed))?;
        let mut jobs = Jobs::new(plaintext.cloned());
        match plaintext {
            Some(p) => {
                let enc = self
                    .inner
                    .as_mut()
                    .ok_or_else(|| js_err(Error::AttachmentStreamClosed))?;
                queue_push(enc, wc, &mut jobs, p, CHUNK_SIZE)
            }
            None => self
                .inner
                .take()
                .ok_or_else(|| js_err(Error::AttachmentStreamClosed))?
                .finish_with(&mut |c: &ChunkCipherRef, i: u64, chunk: &[u8]| {
                    wc.job(&mut jobs, c.aead_key(), c.nonce_bytes(i)?, chunk)
                }),
        }
        .map_err(js_err)?;
        let prefix = self.header.take().unwrap_or_default();
        Ok(wc.run(jobs, prefix))
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
    wc: Option<StreamCrypto>,
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
            wc: StreamCrypto::new(false),
        })
    }

    /// Feeds ciphertext; returns the plaintext of every chunk that verified.
    /// After an error the stream stays failed.
    pub fn push(&mut self, ciphertext: &[u8]) -> Result<js_sys::Uint8Array, JsError> {
        check(&self.wc)?;
        let dec = self
            .inner
            .as_mut()
            .ok_or_else(|| js_err(Error::AttachmentStreamClosed))?;
        let plain = Zeroizing::new(dec.push(ciphertext).map_err(js_err)?);
        Ok(js_sys::Uint8Array::from(&plain[..]))
    }

    /// Verifies and returns the final chunk; the object cannot be used afterwards.
    pub fn finish(&mut self) -> Result<js_sys::Uint8Array, JsError> {
        check(&self.wc)?;
        let dec = self
            .inner
            .take()
            .ok_or_else(|| js_err(Error::AttachmentStreamClosed))?;
        let plain = Zeroizing::new(dec.finish().map_err(js_err)?);
        Ok(js_sys::Uint8Array::from(&plain[..]))
    }

    /// As `push`, with each chunk's AES-GCM in WebCrypto (in WASM where the
    /// scope has no `crypto.subtle`); resolves only to authenticated
    /// plaintext, in pieces, in order. Await it before the next call: after a rejection every
    /// later call fails.
    #[wasm_bindgen(js_name = pushAsync, unchecked_return_type = "Promise<Uint8Array[]>")]
    pub fn push_async(
        &mut self,
        #[wasm_bindgen(unchecked_param_type = "Uint8Array")] ciphertext: JsValue,
    ) -> Promise {
        bytes_of(ciphertext)
            .and_then(|c| self.start(Some(&c)))
            .unwrap_or_else(rejected)
    }

    /// As `finish`, through WebCrypto.
    #[wasm_bindgen(js_name = finishAsync, unchecked_return_type = "Promise<Uint8Array[]>")]
    pub fn finish_async(&mut self) -> Promise {
        self.start(None).unwrap_or_else(rejected)
    }

    fn start(&mut self, ciphertext: Option<&Uint8Array>) -> Result<Promise, JsError> {
        if self.wc.is_none() {
            let out = match ciphertext {
                Some(c) => self.push(&c.to_vec())?,
                None => self.finish()?,
            };
            return Ok(Promise::resolve(&JsValue::from(Array::of1(&out))));
        }
        check(&self.wc)?;
        let wc = self
            .wc
            .as_mut()
            .ok_or_else(|| js_err(Error::AttachmentStreamClosed))?;
        let mut jobs = Jobs::new(ciphertext.cloned());
        match ciphertext {
            Some(c) => {
                let dec = self
                    .inner
                    .as_mut()
                    .ok_or_else(|| js_err(Error::AttachmentStreamClosed))?;
                queue_push(dec, wc, &mut jobs, c, ENCRYPTED_CHUNK_SIZE)
            }
            None => self
                .inner
                .take()
                .ok_or_else(|| js_err(Error::AttachmentStreamClosed))?
                .finish_with(&mut |c: &ChunkCipherRef, i: u64, chunk: &[u8]| {
                    wc.job(&mut jobs, c.aead_key(), c.nonce_bytes(i)?, chunk)
                }),
        }
        .map_err(js_err)?;
        Ok(wc.run(jobs, Vec::new()))
    }
}

/// A push's input as a `Uint8Array`: the array itself, or what
/// `new Uint8Array(x)` makes of an ArrayBuffer or array (as the `Vec<u8>`
/// parameter this replaced accepted). Anything that is not an object (a
/// number would make an array of that many zeros) is refused.
fn bytes_of(v: JsValue) -> Result<Uint8Array, JsError> {
    if !v.is_object() {
        return Err(JsError::new("pushAsync: expected a Uint8Array"));
    }
    Ok(v.dyn_into::<Uint8Array>()
        .unwrap_or_else(|v| Uint8Array::new(&v)))
}

/// What the core's framing does with a chunk whose bytes are in WASM.
type ChunkOp<'a> = dyn FnMut(&ChunkCipherRef, u64, &[u8]) -> crate::Result<()> + 'a;
/// What it does with a whole chunk that stays in the caller's array.
type WholeOp<'a> = dyn FnMut(&ChunkCipherRef, u64) -> crate::Result<()> + 'a;

/// The stream framing of the core, seen from the WebCrypto path.
trait Framing {
    fn to_boundary(&self) -> usize;
    fn push_with(&mut self, data: &[u8], op: &mut ChunkOp<'_>) -> crate::Result<()>;
    fn push_whole_chunks(&mut self, count: usize, op: &mut WholeOp<'_>) -> crate::Result<()>;
}

macro_rules! framing {
    ($t:ty) => {
        impl Framing for $t {
            fn to_boundary(&self) -> usize {
                <$t>::to_boundary(self)
            }
            fn push_with(&mut self, data: &[u8], op: &mut ChunkOp<'_>) -> crate::Result<()> {
                <$t>::push_with(self, data, op)
            }
            fn push_whole_chunks(
                &mut self,
                count: usize,
                op: &mut WholeOp<'_>,
            ) -> crate::Result<()> {
                <$t>::push_whole_chunks(self, count, op)
            }
        }
    };
}
framing!(Encryptor);
framing!(Decryptor);

/// Queues one push for WebCrypto without bringing the whole input into
/// WASM: the bytes up to the next chunk boundary and the bytes after the
/// last whole chunk (less than a chunk each) go through the core's framing
/// as usual; the whole chunks in between stay in the caller's array and are
/// handed to WebCrypto as views of it. Same chunks, indices and rules as
/// `push`, which sees every byte.
fn queue_push(
    framing: &mut impl Framing,
    wc: &mut StreamCrypto,
    jobs: &mut Jobs,
    input: &Uint8Array,
    whole: usize,
) -> crate::Result<()> {
    let len = input.length() as usize;
    let head = framing.to_boundary().min(len);
    let bytes = Zeroizing::new(input.subarray(0, head as u32).to_vec());
    framing.push_with(&bytes, &mut |c, i, chunk| {
        wc.job(jobs, c.aead_key(), c.nonce_bytes(i)?, chunk)
    })?;
    let count = if framing.to_boundary() == 0 {
        (len - head) / whole
    } else {
        0
    };
    let mut at = head;
    framing.push_whole_chunks(count, &mut |c, i| {
        let r = wc.job_in_input(jobs, c.aead_key(), c.nonce_bytes(i)?, at, whole);
        at += whole;
        r
    })?;
    let tail_start = head + count * whole;
    let tail = Zeroizing::new(input.subarray(tail_start as u32, len as u32).to_vec());
    framing.push_with(&tail, &mut |c, i, chunk| {
        wc.job(jobs, c.aead_key(), c.nonce_bytes(i)?, chunk)
    })
}

/// An opened attachment metadata envelope: the file's name, size and media
/// type, and a handle to its attachment key (the bytes stay in WASM memory).
#[wasm_bindgen(js_name = AttachmentMeta)]
pub struct OpenedAttachmentMeta(attachment::AttachmentMeta);

#[wasm_bindgen(js_class = AttachmentMeta)]
impl OpenedAttachmentMeta {
    #[wasm_bindgen(getter)]
    pub fn name(&self) -> String {
        self.0.name.clone()
    }
    /// Plaintext size in bytes (an integer below 2^53).
    #[wasm_bindgen(getter)]
    pub fn size(&self) -> f64 {
        self.0.size as f64
    }
    #[wasm_bindgen(getter)]
    pub fn mime(&self) -> String {
        self.0.mime.clone()
    }
    /// A new handle to the attachment key, for `AttachmentDecryptor`.
    #[wasm_bindgen(getter)]
    pub fn key(&self) -> AttachmentKey {
        AttachmentKey(self.0.key.clone())
    }
}

/// Seals an attachment's name, size, type and key under the item key, for
/// `bv1/attachment-meta/<homeVaultId>/<itemId>/<attachmentId>` (the home vault
/// is `itemHomeVault(blob)`, the item key `unwrapItemKey(...)`).
#[allow(clippy::too_many_arguments)]
#[wasm_bindgen(js_name = sealAttachmentMeta)]
pub fn seal_attachment_meta(
    item_key: &ItemKey,
    home_vault_id: &str,
    item_id: &str,
    attachment_id: &str,
    attachment_key: &AttachmentKey,
    name: &str,
    size: f64,
    mime: &str,
) -> Result<String, JsError> {
    // A JS number: refuse fractions, negatives, NaN and anything beyond 2^53 - 1.
    if !(size >= 0.0 && size.fract() == 0.0 && size <= attachment::MAX_ATTACHMENT_SIZE as f64) {
        return Err(JsError::new(
            "sealAttachmentMeta: size must be an integer from 0 to 2^53 - 1",
        ));
    }
    attachment::AttachmentMeta {
        name: name.to_owned(),
        size: size as u64,
        mime: mime.to_owned(),
        key: attachment_key.0.clone(),
    }
    .seal(&item_key.0, home_vault_id, item_id, attachment_id)
    .map_err(js_err)
}

/// Opens an attachment metadata envelope sealed by `sealAttachmentMeta`.
#[wasm_bindgen(js_name = openAttachmentMeta)]
pub fn open_attachment_meta(
    item_key: &ItemKey,
    home_vault_id: &str,
    item_id: &str,
    attachment_id: &str,
    jwe: &str,
) -> Result<OpenedAttachmentMeta, JsError> {
    attachment::AttachmentMeta::open(&item_key.0, home_vault_id, item_id, attachment_id, jwe)
        .map(OpenedAttachmentMeta)
        .map_err(js_err)
}
