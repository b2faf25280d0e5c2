//! The re-keyed part of a rotation request for JavaScript, over
//! `crate::rotation`: JSON text of `{name, items, folders}` (ciphertext and
//! ids only) for the caller to complete and send.

use crate::rotation::{rekey, Row};
use wasm_bindgen::prelude::*;

use super::keys::VaultKey;

fn rows<'a>(
    ids: &'a [String],
    revisions: &[f64],
    envelopes: &'a [String],
) -> Result<Vec<Row<'a>>, JsError> {
    if ids.len() != revisions.len() || ids.len() != envelopes.len() {
        return Err(JsError::new(
            "ids, revisions and envelopes differ in length",
        ));
    }
    ids.iter()
        .zip(revisions)
        .zip(envelopes)
        .map(|((id, &r), envelope)| {
            // Revisions are integers the server counts up from 1 (< 2^53).
            if !(r >= 0.0 && r.fract() == 0.0 && r < 9_007_199_254_740_992.0) {
                return Err(JsError::new(
                    "a revision is not an integer from 0 to 2^53 - 1",
                ));
            }
            Ok(Row {
                id,
                revision: r as i64,
                envelope,
            })
        })
        .collect()
}

/// `name` re-sealed, every item key re-wrapped (items in their transport
/// form) and every folder re-sealed from `oldKey` to `newKey`
/// (docs/SPEC.md § Key rotation).
#[wasm_bindgen(js_name = rotationParts)]
#[allow(clippy::too_many_arguments)] // flat arrays cross the boundary cheaper than objects
pub fn rotation_parts(
    old_key: &VaultKey,
    new_key: &VaultKey,
    vault_id: &str,
    name: &str,
    item_ids: Vec<String>,
    item_revisions: Vec<f64>,
    item_envelopes: Vec<String>,
    folder_ids: Vec<String>,
    folder_revisions: Vec<f64>,
    folder_envelopes: Vec<String>,
) -> Result<String, JsError> {
    let items = rows(&item_ids, &item_revisions, &item_envelopes)?;
    let folders = rows(&folder_ids, &folder_revisions, &folder_envelopes)?;
    rekey(vault_id, name, &old_key.0, &new_key.0, &items, &folders)
        .map_err(|r| JsError::new(&r.to_string()))
}
