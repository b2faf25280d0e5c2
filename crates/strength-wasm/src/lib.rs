//! The password-choosing tools for the browser, in a module of their own
//! (`pkg-strength/`): `estimateStrength` (zxcvbn and its ~0.9 MB of
//! dictionaries) and `generatePassphrase` (the EFF wordlist, 43 KB gzipped),
//! so that the unlock page's module stays small and pages that choose a
//! password load this one lazily.
#![forbid(unsafe_code)]
#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use blindvault::generator::{self, PassphraseOptions};
use wasm_bindgen::prelude::*;
use zeroize::Zeroizing;

#[wasm_bindgen(typescript_custom_section)]
const TS_TYPES: &'static str = r#"
/** zxcvbn's estimate; it never contains the password. */
export interface Strength {
  /** 0 (guessable in < 10^3 tries) to 4 (needs >= 10^10). */
  score: 0 | 1 | 2 | 3 | 4;
  guessesLog10: number;
  /** Seconds at 10^4 guesses per second (offline attack on the 600k-iteration KDF). */
  crackTimeSeconds: number;
  crackTimeDisplay: string;
  feedback: { warning: string | null; suggestions: string[] };
}
export interface PassphraseOptions {
  words?: number; separator?: string; capitalize?: boolean; includeDigit?: boolean;
}
export interface Generated { secret: string; entropyBits: number }
"#;

fn to_js<T: serde::Serialize>(value: &T) -> Result<JsValue, JsError> {
    value
        .serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .map_err(|e| JsError::new(&format!("cannot convert the result to JavaScript: {e}")))
}

/// Estimates how hard `password` is to guess; `userInputs` (email, name, site)
/// are tried first by an attacker, so a password built from them scores lower.
#[wasm_bindgen(js_name = estimateStrength, unchecked_return_type = "Strength")]
pub fn estimate_strength(password: String, user_inputs: Vec<String>) -> Result<JsValue, JsError> {
    // Taken by value so the WASM copy of the password is wiped afterwards.
    let password = Zeroizing::new(password);
    let inputs: Vec<&str> = user_inputs.iter().map(String::as_str).collect();
    let strength = blindvault::strength::estimate(&password, &inputs);
    to_js(&strength)
}

/// A passphrase from the EFF large wordlist; defaults: six words joined by "-".
#[wasm_bindgen(js_name = generatePassphrase, unchecked_return_type = "Generated")]
pub fn generate_passphrase(
    #[wasm_bindgen(unchecked_param_type = "PassphraseOptions | undefined")] opts: JsValue,
) -> Result<JsValue, JsError> {
    let opts: PassphraseOptions = if opts.is_undefined() || opts.is_null() {
        PassphraseOptions::default()
    } else {
        serde_wasm_bindgen::from_value(opts)
            .map_err(|e| JsError::new(&format!("invalid passphrase options: {e}")))?
    };
    let g = generator::generate_passphrase(&opts).map_err(|e| JsError::new(&e.to_string()))?;
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
