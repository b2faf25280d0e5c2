//! `estimateStrength` for the browser: zxcvbn and its ~0.9 MB of dictionaries
//! in a module of their own (`pkg-strength/`), so that the unlock page's
//! module stays small and pages that choose a password load this one lazily.
#![forbid(unsafe_code)]
#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

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
"#;

/// Estimates how hard `password` is to guess; `userInputs` (email, name, site)
/// are tried first by an attacker, so a password built from them scores lower.
#[wasm_bindgen(js_name = estimateStrength, unchecked_return_type = "Strength")]
pub fn estimate_strength(password: String, user_inputs: Vec<String>) -> Result<JsValue, JsError> {
    // Taken by value so the WASM copy of the password is wiped afterwards.
    let password = Zeroizing::new(password);
    let inputs: Vec<&str> = user_inputs.iter().map(String::as_str).collect();
    let strength = blindvault::strength::estimate(&password, &inputs);
    serde::Serialize::serialize(
        &strength,
        &serde_wasm_bindgen::Serializer::json_compatible(),
    )
    .map_err(|e| JsError::new(&format!("cannot convert the estimate: {e}")))
}
