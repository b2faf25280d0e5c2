//! The per-chunk AES-256-GCM of attachment streams in WebCrypto: the async
//! `pushAsync` / `finishAsync` of `AttachmentEncryptor` and
//! `AttachmentDecryptor`.
//!
//! WASM keeps everything of the format: key derivation and the commitment
//! check (HKDF-SHA-512), chunk framing, nonces (base nonce XOR counter) and
//! the final-chunk rule. Only the AES-GCM of each 16 KiB chunk runs in the
//! browser's native code, under the derived chunk key that WASM imports
//! itself, non-extractable and for one usage, so no application JavaScript
//! holds its bytes. All chunks of one push are in flight together, and a
//! push resolves only when every one of its chunks has authenticated (so
//! released plaintext is always an authenticated prefix, as in the WASM
//! path).
//!
//! A push resolves to its pieces, in order: WebCrypto's own output buffers,
//! not a copy of them in one array. Copying them out was what kept this path
//! below WebCrypto's throughput: each push's fresh 1 MiB output array is
//! zero-filled and page-faulted in before the copy, on the critical path
//! between the encrypt and decrypt batches (1.4x the time of the same calls
//! without it, docs/BENCHMARKS.md § Browser, History). The pieces are also the only
//! copy of the plaintext, so there are no decrypted intermediates to wipe.

use crate::attachment::TAG_LEN;
use crate::Error;
use js_sys::{Array, ArrayBuffer, Object, Promise, Reflect, Uint8Array};
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::{future_to_promise, JsFuture};
use web_sys::{CryptoKey, SubtleCrypto};

use super::webcrypto;

/// Where one chunk's input is: in the push's staging buffer (chunks that
/// were completed from bytes held in WASM) or in the caller's array.
#[derive(Clone, Copy)]
enum Source {
    Staged,
    Input,
}

/// One chunk waiting for WebCrypto: its nonce and where its input lies.
struct Job {
    nonce: [u8; 12],
    source: Source,
    start: usize,
    len: usize,
    out_len: usize,
}

/// A large buffer of secret bytes, wiped on drop with one bulk fill.
///
/// `Zeroizing` writes a volatile zero per byte: for the 1 MiB of a push that
/// is a million separate stores in WASM, which cost more than WebCrypto's
/// AES-GCM of the same bytes. `fill` compiles to one `memory.fill`, and
/// `black_box` makes the compiler treat the zeros as read, so the fill is not
/// removed as a dead store before the free.
pub(crate) struct Wiped(pub(crate) Vec<u8>);

impl Drop for Wiped {
    fn drop(&mut self) {
        self.0.fill(0);
        core::hint::black_box(self.0.as_slice());
    }
}

/// The chunks of one push. Whole chunks inside the caller's array are
/// handed to WebCrypto as views of it (no copy into WASM and back); only the
/// bytes around a chunk boundary pass through WASM, into `staged`.
pub(crate) struct Jobs {
    staged: Wiped,
    input: Option<Uint8Array>,
    jobs: Vec<Job>,
}

impl Jobs {
    pub(crate) fn new(input: Option<Uint8Array>) -> Self {
        Self {
            // Two chunks at most (the one completing the previous push's
            // bytes, and the final one): never reallocated, so no unwiped copy.
            staged: Wiped(Vec::with_capacity(
                2 * crate::attachment::ENCRYPTED_CHUNK_SIZE,
            )),
            input,
            jobs: Vec::new(),
        }
    }
}

/// The WebCrypto side of one stream.
pub(crate) struct StreamCrypto {
    subtle: SubtleCrypto,
    encrypt: bool,
    /// `importKey`'s promise, started at the first chunk.
    key: Option<Promise>,
    /// The imported key, once that promise has resolved: later pushes start
    /// their chunks during the call itself.
    ready: Rc<RefCell<Option<CryptoKey>>>,
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
            ready: Rc::new(RefCell::new(None)),
            failed: Rc::new(RefCell::new(None)),
        })
    }

    pub(crate) fn check(&self) -> Result<(), JsError> {
        match self.failed.borrow().as_ref() {
            Some(m) => Err(JsError::new(m)),
            None => Ok(()),
        }
    }

    fn import(&mut self, key: &[u8; 32]) -> crate::Result<()> {
        if self.key.is_none() {
            let usage = if self.encrypt { "encrypt" } else { "decrypt" };
            let import = webcrypto::import_aes_gcm_key(&self.subtle, key, usage)
                .map_err(|_| Error::AttachmentStreamClosed)?;
            self.key = Some(import);
        }
        Ok(())
    }

    fn out_len(&self, len: usize) -> usize {
        if self.encrypt {
            len + TAG_LEN
        } else {
            len.saturating_sub(TAG_LEN)
        }
    }

    /// Queues one chunk whose bytes are in WASM (called from the core's
    /// framing), importing the chunk key on first use.
    pub(crate) fn job(
        &mut self,
        jobs: &mut Jobs,
        key: &[u8; 32],
        nonce: [u8; 12],
        chunk: &[u8],
    ) -> crate::Result<()> {
        self.import(key)?;
        jobs.jobs.push(Job {
            nonce,
            source: Source::Staged,
            start: jobs.staged.0.len(),
            len: chunk.len(),
            out_len: self.out_len(chunk.len()),
        });
        jobs.staged.0.extend_from_slice(chunk);
        Ok(())
    }

    /// Queues one whole chunk that lies in the caller's array at `start`.
    pub(crate) fn job_in_input(
        &mut self,
        jobs: &mut Jobs,
        key: &[u8; 32],
        nonce: [u8; 12],
        start: usize,
        len: usize,
    ) -> crate::Result<()> {
        self.import(key)?;
        jobs.jobs.push(Job {
            nonce,
            source: Source::Input,
            start,
            len,
            out_len: self.out_len(len),
        });
        Ok(())
    }

    /// Runs `jobs` and resolves to `[prefix (when not empty), output of every
    /// job…]`, in order.
    pub(crate) fn run(&self, jobs: Jobs, prefix: Vec<u8>) -> Promise {
        let subtle = self.subtle.clone();
        let encrypt = self.encrypt;
        let failed = self.failed.clone();
        let ready = self.ready.clone();
        let import = self.key.clone();
        let Jobs {
            staged,
            input,
            jobs,
        } = jobs;
        // One JS copy of the bytes staged in WASM; the WASM copy is wiped now.
        let staged_js = Uint8Array::from(&staged.0[..]);
        drop(staged);
        let key_now = ready.borrow().clone();
        let (early, input) = match key_now {
            // The key is there: every chunk starts now, during this call, so
            // WebCrypto reads the caller's array before pushAsync returns
            // (as the WASM path does) and the caller may reuse it at once.
            Some(key) if !jobs.is_empty() => (
                Some(issue(
                    &subtle,
                    &key,
                    encrypt,
                    &staged_js,
                    input.as_ref(),
                    &jobs,
                )),
                None,
            ),
            // The first push waits for importKey: keep a copy of the
            // caller's bytes until the chunks start.
            _ => (None, input.map(|i| i.slice(0, i.length()))),
        };
        if early.is_some() {
            // WebCrypto copied its inputs when each call started.
            staged_js.fill(0, 0, staged_js.length());
        }
        future_to_promise(async move {
            let all = match early {
                Some(started) => started.map(Some),
                None => {
                    start_later(
                        &subtle,
                        import,
                        &ready,
                        encrypt,
                        &staged_js,
                        input.as_ref(),
                        &jobs,
                    )
                    .await
                }
            };
            staged_js.fill(0, 0, staged_js.length());
            if let Some(i) = &input {
                i.fill(0, 0, i.length());
            }
            let r = match all {
                Ok(all) => collect(all, encrypt, &jobs, &prefix).await,
                Err(e) => Err(e),
            };
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

/// The first push of a stream: waits for `importKey`, keeps the key for
/// later pushes, then starts every chunk.
async fn start_later(
    subtle: &SubtleCrypto,
    import: Option<Promise>,
    ready: &RefCell<Option<CryptoKey>>,
    encrypt: bool,
    staged: &Uint8Array,
    input: Option<&Uint8Array>,
    jobs: &[Job],
) -> Result<Option<Promise>, JsValue> {
    let Some(import) = import.filter(|_| !jobs.is_empty()) else {
        return Ok(None);
    };
    let key: CryptoKey = JsFuture::from(import).await?.dyn_into()?;
    *ready.borrow_mut() = Some(key.clone());
    issue(subtle, &key, encrypt, staged, input, jobs).map(Some)
}

/// Awaits every chunk; resolves to the pieces `[prefix, outputs…]` (the
/// prefix only when it is not empty).
async fn collect(
    all: Option<Promise>,
    encrypt: bool,
    jobs: &[Job],
    prefix: &[u8],
) -> Result<Array, JsValue> {
    let pieces = Array::new();
    if !prefix.is_empty() {
        pieces.push(&Uint8Array::from(prefix));
    }
    let Some(all) = all else {
        return Ok(pieces);
    };
    // Nothing of a failed push is released.
    let results: Array = JsFuture::from(all).await?.dyn_into()?;
    let mut bad = results.length() as usize != jobs.len();
    for (i, j) in jobs.iter().enumerate() {
        let Ok(buf) = results.get(i as u32).dyn_into::<ArrayBuffer>() else {
            bad = true;
            continue;
        };
        let v = Uint8Array::new(&buf);
        bad |= v.length() as usize != j.out_len;
        pieces.push(&v);
    }
    if bad {
        if !encrypt {
            for p in pieces.iter() {
                if let Ok(v) = p.dyn_into::<Uint8Array>() {
                    v.fill(0, 0, v.length());
                }
            }
        }
        return Err(JsError::new("WebCrypto returned an unexpected length").into());
    }
    Ok(pieces)
}

/// Starts every chunk's AES-GCM (all in flight together, WebCrypto runs them
/// off the main thread) and returns `Promise.all` of them.
fn issue(
    subtle: &SubtleCrypto,
    key: &CryptoKey,
    encrypt: bool,
    staged: &Uint8Array,
    input: Option<&Uint8Array>,
    jobs: &[Job],
) -> Result<Promise, JsValue> {
    // One parameter object and one IV array for every call: WebCrypto reads
    // and copies the algorithm parameters when the call starts (WebCrypto
    // "normalize an algorithm"), so the next chunk may overwrite them.
    let iv = Uint8Array::new_with_length(12);
    let params = Object::new();
    Reflect::set(&params, &"name".into(), &"AES-GCM".into())?;
    Reflect::set(&params, &"iv".into(), &iv)?;
    let pending = Array::new_with_length(jobs.len() as u32);
    for (i, j) in jobs.iter().enumerate() {
        iv.copy_from(&j.nonce);
        let from = match j.source {
            Source::Staged => staged,
            Source::Input => input.ok_or_else(|| JsError::new("no input array"))?,
        };
        let data = from.subarray(j.start as u32, (j.start + j.len) as u32);
        if data.length() as usize != j.len {
            return Err(JsError::new("the input array changed size").into());
        }
        let p = if encrypt {
            subtle.encrypt_with_object_and_js_u8_array(&params, key, &data)?
        } else {
            subtle.decrypt_with_object_and_js_u8_array(&params, key, &data)?
        };
        pending.set(i as u32, p.into());
    }
    Ok(Promise::all(&pending))
}
