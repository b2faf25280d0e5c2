//! Password envelopes (exports, passphrase shares): `PBES2-HS512+A256KW` /
//! `A256GCM` JWEs that any JOSE library opens with the password alone.

use crate::password_envelope;
use wasm_bindgen::prelude::*;
use zeroize::Zeroizing;

use super::js_err;

/// Seals `plaintext` under `password` (p2c = 600 000, fresh salt, CEK and IV).
///
/// Both arguments are taken by value so that their copies in WASM memory are
/// wiped when the call returns, instead of lingering in freed heap.
#[wasm_bindgen(js_name = sealWithPassword)]
pub fn seal_with_password(plaintext: Vec<u8>, password: String) -> Result<String, JsError> {
    let plaintext = Zeroizing::new(plaintext);
    let password = Zeroizing::new(password);
    password_envelope::seal_with_password(&plaintext, &password).map_err(js_err)
}

/// Opens a password envelope made by us or by any JOSE library. Throws on a
/// wrong password or tampering (one message for both), and on an iteration
/// count outside [600 000, 10 000 000] before doing any work.
#[wasm_bindgen(js_name = openWithPassword)]
pub fn open_with_password(jwe: &str, password: String) -> Result<js_sys::Uint8Array, JsError> {
    let password = Zeroizing::new(password);
    let plaintext = password_envelope::open_with_password(jwe, &password).map_err(js_err)?;
    // Copied straight into a JS-owned array; the WASM copy is zeroized on drop.
    Ok(js_sys::Uint8Array::from(plaintext.expose_secret()))
}
