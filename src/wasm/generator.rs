//! Random-character password generation (uniform, CSPRNG, exact entropy).
//!
//! Passphrases live in the lazily loaded strength module (`pkg-strength/`,
//! `generatePassphrase`): the EFF wordlist is 43 KB gzipped, a third of this
//! module's size budget, and is only needed where a password is chosen.

use crate::generator::{self, PasswordOptions};
use wasm_bindgen::prelude::*;

use super::convert::{from_js, to_js};
use super::js_err;

#[wasm_bindgen(typescript_custom_section)]
const TS_TYPES: &'static str = r#"
export interface PasswordOptions {
  length?: number; lowercase?: boolean; uppercase?: boolean;
  digits?: boolean; symbols?: boolean; avoidAmbiguous?: boolean;
}
export interface Generated { secret: string; entropyBits: number }
"#;

fn options<T: serde::de::DeserializeOwned + Default>(v: JsValue, what: &str) -> Result<T, JsError> {
    if v.is_undefined() || v.is_null() {
        Ok(T::default())
    } else {
        from_js(v, what)
    }
}

fn generated(g: generator::Generated) -> Result<JsValue, JsError> {
    #[derive(serde::Serialize)]
    #[serde(rename_all = "camelCase")]
    struct Out<'a> {
        secret: &'a str,
        entropy_bits: f64,
    }
    to_js(&Out {
        secret: g.secret.expose_secret(),
        entropy_bits: g.entropy_bits,
    })
}

/// A random password; missing options take the defaults (20 characters, all classes).
#[wasm_bindgen(js_name = generatePassword, unchecked_return_type = "Generated")]
pub fn generate_password(
    #[wasm_bindgen(unchecked_param_type = "PasswordOptions | undefined")] opts: JsValue,
) -> Result<JsValue, JsError> {
    let opts: PasswordOptions = options(opts, "password options")?;
    generated(generator::generate_password(&opts).map_err(js_err)?)
}
