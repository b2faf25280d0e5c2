//! The per-chunk AES-256-GCM of attachment streams in WebCrypto: the async
//! `pushAsync` / `finishAsync` of `AttachmentEncryptor` and
//! `AttachmentDecryptor`.
//!
//! WASM keeps everything of the format: key derivation and the commitment
//! check (HKDF-SHA-512), chunk framing, nonces (base nonce XOR counter) and
//! the final-chunk rule. Only the AES-GCM of each 16 KiB chunk runs in the
//! browser's native code, under the derived chunk key that WASM imports
//! itself, non-extractable and for one usage, so no application JavaScript
//! holds its bytes. All chunks of one push are in flight together; their
//! results are written into one output array in order, and a push resolves
//! only when every one of its chunks has authenticated (so released
//! plaintext is always an authenticated prefix, as in the WASM path).

use crate::attachment::TAG_LEN;
use crate::Error;
use js_sys::{Object, Promise, Reflect, Uint8Array};
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::{future_to_promise, JsFuture};
use web_sys::{CryptoKey, SubtleCrypto};

use super::webcrypto;

/// One chunk waiting for WebCrypto: its nonce, a JS copy of its input, and
/// the length of its output.
pub(crate) struct Job {
    nonce: [u8; 12],
    data: Uint8Array,
    out_len: usize,
}

/// The WebCrypto side of one stream.
pub(crate) struct StreamCrypto {
    subtle: SubtleCrypto,
    encrypt: bool,
    /// `importKey`'s promise, started at the first chunk.
    key: Option<Promise>,
    /// The first failure seen by a finished push: every later call fails.
    pub(crate) failed: Rc<RefCell<Option<String>>>,
}

impl StreamCrypto {
    /// `None` where the scope has no `crypto.subtle`: callers use WASM then.
    pub(crate) fn new(encrypt: bool) -> Option<Self> {
        Some(Self {
            subtle: webcrypto::subtle()?,
            encrypt,
            key: None,
            failed: Rc::new(RefCell::new(None)),
        })
    }

    pub(crate) fn check(&self) -> Result<(), JsError> {
        match self.failed.borrow().as_ref() {
            Some(m) => Err(JsError::new(m)),
            None => Ok(()),
        }
    }

    /// Queues one chunk (called from the core's framing), importing the
    /// chunk key on first use.
    pub(crate) fn job(
        &mut self,
        jobs: &mut Vec<Job>,
        key: &[u8; 32],
        nonce: [u8; 12],
        chunk: &[u8],
    ) -> crate::Result<()> {
        if self.key.is_none() {
            let usage = if self.encrypt { "encrypt" } else { "decrypt" };
            let import = webcrypto::import_aes_gcm_key(&self.subtle, key, usage)
                .map_err(|_| Error::AttachmentStreamClosed)?;
            self.key = Some(import);
        }
        let out_len = if self.encrypt {
            chunk.len() + TAG_LEN
        } else {
            chunk.len().saturating_sub(TAG_LEN)
        };
        jobs.push(Job {
            nonce,
            data: Uint8Array::from(chunk),
            out_len,
        });
        Ok(())
    }

    /// Runs `jobs` and resolves to `prefix || output of every job`, in order.
    pub(crate) fn run(&self, jobs: Vec<Job>, prefix: Vec<u8>) -> Promise {
        let subtle = self.subtle.clone();
        let key = self.key.clone();
        let encrypt = self.encrypt;
        let failed = self.failed.clone();
        future_to_promise(async move {
            let r = run_jobs(&subtle, key, encrypt, &jobs, &prefix).await;
            if encrypt {
                // WebCrypto copied its input when each call started.
                for j in &jobs {
                    j.data.fill(0, 0, j.data.length());
                }
            }
            match r {
                Ok(out) => Ok(out.into()),
                Err(_) => {
                    let e = if encrypt {
                        "WebCrypto AES-GCM encryption failed".to_owned()
                    } else {
                        Error::AttachmentChunkFailed.to_string()
                    };
                    *failed.borrow_mut() = Some(e.clone());
                    Err(JsError::new(&e).into())
                }
            }
        })
    }
}

async fn run_jobs(
    subtle: &SubtleCrypto,
    key: Option<Promise>,
    encrypt: bool,
    jobs: &[Job],
    prefix: &[u8],
) -> Result<Uint8Array, JsValue> {
    let total = prefix.len() + jobs.iter().map(|j| j.out_len).sum::<usize>();
    let out = Uint8Array::new_with_length(total as u32);
    out.subarray(0, prefix.len() as u32).copy_from(prefix);
    let Some(key) = key.filter(|_| !jobs.is_empty()) else {
        return Ok(out);
    };
    let key: CryptoKey = JsFuture::from(key).await?.dyn_into()?;
    // Start every chunk before awaiting any: WebCrypto runs them off the
    // main thread while this waits.
    let mut pending = Vec::with_capacity(jobs.len());
    for j in jobs {
        let params = Object::new();
        Reflect::set(&params, &"name".into(), &"AES-GCM".into())?;
        Reflect::set(&params, &"iv".into(), &Uint8Array::from(&j.nonce[..]))?;
        pending.push(if encrypt {
            subtle.encrypt_with_object_and_js_u8_array(&params, &key, &j.data)?
        } else {
            subtle.decrypt_with_object_and_js_u8_array(&params, &key, &j.data)?
        });
    }
    let mut offset = prefix.len() as u32;
    for (p, j) in pending.into_iter().zip(jobs) {
        let buf = match JsFuture::from(p).await {
            Ok(b) => b,
            Err(e) => {
                // Nothing of a failed push is released.
                out.fill(0, 0, out.length());
                return Err(e);
            }
        };
        let v = Uint8Array::new(&buf);
        if v.length() as usize != j.out_len {
            out.fill(0, 0, out.length());
            return Err(JsError::new("WebCrypto returned an unexpected length").into());
        }
        out.set(&v, offset);
        offset += v.length();
        if !encrypt {
            v.fill(0, 0, v.length());
        }
    }
    Ok(out)
}
