//! Items: one JSON blob per item (wrapped item key, overview, details).
//! Unlock opens every overview of a vault in one crossing (`openOverviews`).

use crate::item;
use js_sys::{Array, Uint8Array};
use wasm_bindgen::prelude::*;
use zeroize::Zeroizing;

use super::js_err;
use super::keys::{ItemKey, VaultKey};

/// Seals a new item under a fresh item key; returns the blob JSON to store.
#[wasm_bindgen(js_name = sealItem)]
pub fn seal_item(
    vault_key: &VaultKey,
    vault_id: &str,
    item_id: &str,
    overview: Vec<u8>,
    details: Vec<u8>,
) -> Result<String, JsError> {
    let (overview, details) = (Zeroizing::new(overview), Zeroizing::new(details));
    item::seal_new(&vault_key.0, vault_id, item_id, &overview, &details).map_err(js_err)
}

/// Replaces the overview and/or the details (`undefined` keeps that part).
#[wasm_bindgen(js_name = updateItem)]
pub fn update_item(
    vault_key: &VaultKey,
    vault_id: &str,
    item_id: &str,
    blob: &str,
    overview: Option<Vec<u8>>,
    details: Option<Vec<u8>>,
) -> Result<String, JsError> {
    let (overview, details) = (overview.map(Zeroizing::new), details.map(Zeroizing::new));
    item::update(
        &vault_key.0,
        vault_id,
        item_id,
        blob,
        overview.as_deref().map(Vec::as_slice),
        details.as_deref().map(Vec::as_slice),
    )
    .map_err(js_err)
}

#[wasm_bindgen(js_name = openOverview)]
pub fn open_overview(
    vault_key: &VaultKey,
    vault_id: &str,
    item_id: &str,
    blob: &str,
) -> Result<Uint8Array, JsError> {
    let pt = item::open_overview(&vault_key.0, vault_id, item_id, blob).map_err(js_err)?;
    Ok(Uint8Array::from(pt.expose_secret()))
}

/// Opens one item's details, on demand.
#[wasm_bindgen(js_name = openDetails)]
pub fn open_details(
    vault_key: &VaultKey,
    vault_id: &str,
    item_id: &str,
    blob: &str,
) -> Result<Uint8Array, JsError> {
    let pt = item::open_details(&vault_key.0, vault_id, item_id, blob).map_err(js_err)?;
    Ok(Uint8Array::from(pt.expose_secret()))
}

/// Opens the overviews of many items of one vault in one call. `itemIds[i]`
/// belongs to `blobs[i]`; entry `i` of the result is the overview's bytes, or
/// an `Error` for that item alone (one bad item does not hide the others).
#[wasm_bindgen(js_name = openOverviews, unchecked_return_type = "Array<Uint8Array | Error>")]
pub fn open_overviews(
    vault_key: &VaultKey,
    vault_id: &str,
    #[wasm_bindgen(unchecked_param_type = "string[]")] item_ids: Array,
    #[wasm_bindgen(unchecked_param_type = "string[]")] blobs: Array,
) -> Result<Array, JsError> {
    if item_ids.length() != blobs.length() {
        return Err(JsError::new(
            "openOverviews: itemIds and blobs differ in length",
        ));
    }
    let (ids, blobs) = (strings(&item_ids), strings(&blobs));
    let pairs: Vec<(&str, &str)> = ids.iter().zip(blobs.iter()).collect();
    let out = Array::new_with_length(pairs.len() as u32);
    for (i, r) in item::open_overviews(&vault_key.0, vault_id, &pairs)
        .into_iter()
        .enumerate()
    {
        let v: JsValue = match r {
            Ok(pt) => Uint8Array::from(pt.expose_secret()).into(),
            Err(e) => js_sys::Error::new(&e.to_string()).into(),
        };
        out.set(i as u32, v);
    }
    Ok(out)
}

/// The strings of a JS array, brought into WASM with one crossing.
///
/// Converting 10 000 strings one by one costs more than the JSON parsing of
/// the whole batch (about a fifth of `openOverviews` in Node), so the array is
/// joined with "\n" in JS and split here. Ids cannot contain "\n" and our
/// blobs never do (compact JSON), but a hostile server could put one in a
/// blob: then the parts no longer line up with the array and this falls
/// back to one conversion per element, so items can never be shifted.
fn strings(array: &Array) -> Strings {
    let n = array.length() as usize;
    let joined: String = array.join("\n").into();
    if n > 0 && joined.bytes().filter(|&b| b == b'\n').count() == n - 1 {
        return Strings::Joined(joined);
    }
    Strings::Each(
        array
            .iter()
            .map(|v| v.as_string().unwrap_or_default())
            .collect(),
    )
}

enum Strings {
    Joined(String),
    Each(Vec<String>),
}

impl Strings {
    fn iter(&self) -> Box<dyn Iterator<Item = &str> + '_> {
        match self {
            Strings::Joined(s) => Box::new(s.split('\n')),
            Strings::Each(v) => Box::new(v.iter().map(String::as_str)),
        }
    }
}

/// Re-wraps the item key from one vault key to another (a move, or a vault
/// key rotation); overview and details are copied unchanged.
#[wasm_bindgen(js_name = rewrapItem)]
pub fn rewrap_item(
    blob: &str,
    item_id: &str,
    from_key: &VaultKey,
    from_vault_id: &str,
    to_key: &VaultKey,
    to_vault_id: &str,
) -> Result<String, JsError> {
    item::rewrap(
        blob,
        item_id,
        (&from_key.0, from_vault_id),
        (&to_key.0, to_vault_id),
    )
    .map_err(js_err)
}

/// The item key, for the item's attachments (whose contexts name `itemHomeVault`).
#[wasm_bindgen(js_name = unwrapItemKey)]
pub fn unwrap_item_key(
    vault_key: &VaultKey,
    vault_id: &str,
    item_id: &str,
    blob: &str,
) -> Result<ItemKey, JsError> {
    item::unwrap_item_key(&vault_key.0, vault_id, item_id, blob)
        .map(ItemKey)
        .map_err(js_err)
}

/// The vault id the item's parts and attachments name in their contexts.
#[wasm_bindgen(js_name = itemHomeVault)]
pub fn item_home_vault(blob: &str) -> Result<String, JsError> {
    item::home_vault(blob).map_err(js_err)
}
