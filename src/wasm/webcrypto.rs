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

/// Starts importing a raw AES-256-GCM key into WebCrypto, non-extractable and
/// limited to `usage` ("encrypt" or "decrypt"). The key is imported here, by
/// WASM, so no application JavaScript ever holds its bytes; the temporary
/// JS copy is wiped as soon as `importKey` has copied it (synchronously).
pub(crate) fn import_aes_gcm_key(
    subtle: &SubtleCrypto,
    key: &[u8; 32],
    usage: &str,
) -> Result<js_sys::Promise, JsValue> {
    let raw = Uint8Array::from(&key[..]);
    let import =
        subtle.import_key_with_str("raw", &raw, "AES-GCM", false, &Array::of1(&usage.into()));
    raw.fill(0, 0, raw.length());
    import
}

/// AES-256-GCM (128-bit tag) in WebCrypto: `encrypt` returns `ct || tag`,
/// `decrypt` takes `ct || tag` and rejects with an `OperationError` when the
/// tag does not verify.
pub(crate) async fn aes_gcm(
    subtle: &SubtleCrypto,
    key: js_sys::Promise,
    encrypt: bool,
    iv: &[u8],
    aad: &[u8],
    data: &Uint8Array,
) -> Result<Uint8Array, JsValue> {
    let key: CryptoKey = JsFuture::from(key).await?.dyn_into()?;
    let params = Object::new();
    set(&params, "name", &"AES-GCM".into())?;
    set(&params, "iv", &Uint8Array::from(iv))?;
    set(&params, "additionalData", &Uint8Array::from(aad))?;
    set(&params, "tagLength", &128.into())?;
    let op = if encrypt {
        subtle.encrypt_with_object_and_js_u8_array(&params, &key, data)?
    } else {
        subtle.decrypt_with_object_and_js_u8_array(&params, &key, data)?
    };
    let out = JsFuture::from(op).await?;
    Ok(Uint8Array::new(&out.dyn_into::<ArrayBuffer>()?.into()))
}
