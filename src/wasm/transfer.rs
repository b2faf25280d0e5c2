//! Import files and the export document (src/transfer/): the web vault's
//! Export and Import run these, as `bv` does natively.
//!
//! Plain data both ways, as JSON text through `JSON.parse`/`JSON.stringify`
//! (src/wasm/convert.rs says why); the text we write is wiped once JS has
//! parsed it. Records are `{folder?, overview, details, trashed}`.

use crate::transfer::{self, ExportDocument, TransferError};
use serde::Serialize;
use wasm_bindgen::prelude::*;
use zeroize::Zeroizing;

#[wasm_bindgen(typescript_custom_section)]
const TS_TYPES: &'static str = r#"
export interface ImportRecord { folder?: string; overview: object; details: object; trashed: boolean }
export interface ParsedImport { records: ImportRecord[]; notes: string[] }
export interface ExportVaultIn {
  name: string; folders: { id: string; name: string }[];
  items: { overview: object; details: object; trashed: boolean }[];
}
export interface SealedExport { envelope: string; items: number; itemsWithAttachmentsLeftOut: number }
export interface ExportedVault { name: string; records: ImportRecord[] }
"#;

fn err(e: TransferError) -> JsError {
    JsError::new(&e.to_string())
}

/// `value` as a JS value; `room` is the expected size of its JSON, so the
/// buffer holding secrets rarely grows (a reallocation leaves a copy).
fn to_js<T: Serialize>(value: &T, room: usize) -> Result<JsValue, JsError> {
    let fail = || JsError::new("cannot convert the result to JavaScript");
    let mut json = Zeroizing::new(Vec::with_capacity(room));
    serde_json::to_writer(&mut *json, value).map_err(|_| fail())?;
    let text = core::str::from_utf8(&json).map_err(|_| fail())?;
    js_sys::JSON::parse(text).map_err(|_| fail())
}

/// Bitwarden's unencrypted JSON export, as records and notes. Throws, with
/// a message that quotes no value, on anything else (an encrypted export
/// included).
#[wasm_bindgen(js_name = parseBitwardenJson, unchecked_return_type = "ParsedImport")]
pub fn parse_bitwarden_json(text: &str) -> Result<JsValue, JsError> {
    to_js(
        &transfer::bitwarden::parse(text).map_err(err)?,
        2 * text.len(),
    )
}

/// A CSV file with a header row (Bitwarden, Chrome, Firefox, ...), as
/// records and notes.
#[wasm_bindgen(js_name = parseCsvImport, unchecked_return_type = "ParsedImport")]
pub fn parse_csv_import(text: &str) -> Result<JsValue, JsError> {
    to_js(&transfer::csv::parse(text).map_err(err)?, 4 * text.len())
}

/// The export document of these vaults, dated now, sealed under
/// `password`; attachment references are left out (and counted).
#[wasm_bindgen(js_name = sealExport, unchecked_return_type = "SealedExport")]
pub fn seal_export(
    #[wasm_bindgen(unchecked_param_type = "ExportVaultIn[]")] vaults: JsValue,
    password: String,
) -> Result<JsValue, JsError> {
    let password = Zeroizing::new(password);
    let json = Zeroizing::new(
        js_sys::JSON::stringify(&vaults)
            .ok()
            .and_then(|s| s.as_string())
            .ok_or_else(|| JsError::new("invalid vaults: not a plain JSON value"))?,
    );
    let vaults = ExportDocument::vaults_from_json(json.as_bytes()).map_err(err)?;
    let now = (js_sys::Date::now() / 1000.0).floor();
    // Date.now() is a non-negative integer of milliseconds; `as` saturates.
    let (doc, left_out) = ExportDocument::new(now as u64, vaults);
    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    struct Out {
        envelope: String,
        items: usize,
        items_with_attachments_left_out: usize,
    }
    let out = Out {
        envelope: doc.seal(&password).map_err(err)?,
        items: doc.item_count(),
        items_with_attachments_left_out: left_out,
    };
    to_js(&out, out.envelope.len() + 128)
}

/// Reads an opened export (the plaintext of `openWithPassword`): its
/// records per vault, folders by name, attachment references dropped.
/// Throws on a document that is not a valid version 1 export.
#[wasm_bindgen(js_name = readExport, unchecked_return_type = "ExportedVault[]")]
pub fn read_export(plaintext: Vec<u8>) -> Result<JsValue, JsError> {
    let plaintext = Zeroizing::new(plaintext);
    let doc = ExportDocument::from_json(&plaintext).map_err(err)?;
    to_js(&doc.into_records(), plaintext.len() + 1024)
}
