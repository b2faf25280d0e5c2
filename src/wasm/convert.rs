//! Plain-data conversions between JS values and the core's serde types.
//!
//! Through JSON text (`JSON.stringify`/`JSON.parse` on the JS side,
//! serde_json on ours) rather than serde-wasm-bindgen: serde_json is in the
//! module anyway, and a second serde format cost ~3 KB gzipped of the unlock
//! page's size budget (docs/BENCHMARKS.md § Browser). The values are small
//! (KDF parameters, registration data, options), so the extra text pass is
//! not measurable.

use crate::kdf::KdfParams;
use serde::Serialize;
use wasm_bindgen::prelude::*;
use zeroize::Zeroizing;

/// Room for the JSON text of every value passed to [`to_js`] (registration
/// data, the largest, is well under 2 KiB), so the buffer never grows: a
/// reallocation would leave an unwiped copy behind.
const TO_JS_CAPACITY: usize = 8 * 1024;

/// A serde value as a plain JS object (no `Map`s, 64-bit ints as numbers).
/// The JSON text may hold an auth key or a generated password: it is wiped
/// once JS has parsed it.
pub(crate) fn to_js<T: Serialize>(value: &T) -> Result<JsValue, JsError> {
    let fail = || JsError::new("cannot convert the result to JavaScript");
    let mut json = Zeroizing::new(Vec::with_capacity(TO_JS_CAPACITY));
    serde_json::to_writer(&mut *json, value).map_err(|_| fail())?;
    let text = core::str::from_utf8(&json).map_err(|_| fail())?;
    js_sys::JSON::parse(text).map_err(|_| fail())
}

/// A JS value as JSON text; `what` names the argument in the error.
fn json_of(value: &JsValue, what: &str) -> Result<String, JsError> {
    // `JSON.stringify` throws on cycles and BigInts and gives `undefined` for
    // functions and `undefined` itself: all "not a plain object" here.
    js_sys::JSON::stringify(value)
        .ok()
        .and_then(|s| s.as_string())
        .ok_or_else(|| JsError::new(&format!("invalid {what}: not a plain JSON value")))
}

/// KDF parameters from JS, read by the core's strict reader (no serde_json
/// deserialization in the unlock page's module, see src/strict_json.rs).
pub(crate) fn kdf_params_from_js(value: JsValue) -> Result<KdfParams, JsError> {
    KdfParams::from_json(&json_of(&value, "KDF parameters")?).ok_or_else(|| {
        JsError::new(
            "invalid KDF parameters: expected exactly {alg: string, iterations: integer, salt: string}",
        )
    })
}

/// A JS object as a serde value; `what` names the argument in the error.
#[cfg(feature = "js-extras")]
pub(crate) fn from_js<T: serde::de::DeserializeOwned>(
    value: JsValue,
    what: &str,
) -> Result<T, JsError> {
    serde_json::from_str(&json_of(&value, what)?)
        .map_err(|e| JsError::new(&format!("invalid {what}: {e}")))
}
