//! PBKDF2-HMAC-SHA-256 in the platform's WebCrypto (`crypto.subtle.deriveBits`),
//! 2-3× faster than SHA-256 in WASM (TOOLCHAIN.md), reached through whatever
//! global scope we run in: Window, a (Shared/Service) Worker, or Node ≥ 19.

use js_sys::{Array, ArrayBuffer, Object, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{CryptoKey, SubtleCrypto};
use zeroize::Zeroizing;

/// `globalThis.crypto.subtle`, if this scope has one (it does not on plain
/// http:// pages other than localhost, where browsers hide it).
pub(crate) fn subtle() -> Option<SubtleCrypto> {
    let crypto = Reflect::get(&js_sys::global(), &"crypto".into()).ok()?;
    let subtle = Reflect::get(&crypto, &"subtle".into()).ok()?;
    subtle.dyn_into::<SubtleCrypto>().ok()
}

fn set(obj: &Object, key: &str, value: &JsValue) -> Result<(), JsValue> {
    Reflect::set(obj, &key.into(), value).map(|_| ())
}

/// `PBKDF2-HMAC-SHA-256(password, salt, iterations, dkLen = 32)` (RFC 8018 §5.2).
///
/// The JS-side copies of the password and of the result are overwritten with
/// zeros as soon as they have been handed over; the `CryptoKey` is
/// non-extractable and only referenced until this returns.
pub(crate) async fn pbkdf2_sha256(
    subtle: &SubtleCrypto,
    password: &[u8],
    salt: &[u8],
    iterations: u32,
) -> Result<Zeroizing<[u8; 32]>, JsValue> {
    let pw = Uint8Array::from(password);
    let import = subtle.import_key_with_str(
        "raw",
        &pw,
        "PBKDF2",
        false,
        &Array::of1(&"deriveBits".into()),
    );
    // importKey copies its input synchronously; wipe ours whatever happens next.
    pw.fill(0, 0, pw.length());
    let key: CryptoKey = JsFuture::from(import?).await?.dyn_into()?;

    let params = Object::new();
    set(&params, "name", &"PBKDF2".into())?;
    set(&params, "hash", &"SHA-256".into())?;
    set(&params, "salt", &Uint8Array::from(salt))?;
    set(&params, "iterations", &iterations.into())?;
    let bits = JsFuture::from(subtle.derive_bits_with_object(&params, &key, 256)?).await?;
    let view = Uint8Array::new(&bits.dyn_into::<ArrayBuffer>()?.into());
    let mut out = Zeroizing::new([0u8; 32]);
    if view.length() != 32 {
        return Err(JsError::new("WebCrypto deriveBits returned an unexpected length").into());
    }
    view.copy_to(&mut out[..]);
    view.fill(0, 0, view.length());
    Ok(out)
}
