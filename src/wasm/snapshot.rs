//! Overview snapshots (`sealOverviewSnapshot` / `openOverviewSnapshot`): a
//! whole vault's overviews in one envelope, opened with ONE AES-256-GCM call
//! in WebCrypto (docs/SPEC.md §Overview snapshots).
//!
//! WASM derives the snapshot subkey from the vault key and imports it into
//! WebCrypto itself, non-extractable and for this one operation, so no
//! application JavaScript sees key bytes. The envelope checks, the
//! plaintext checks (version, vault, ids, revisions) and the subkey stay in
//! Rust; only the bulk AES-GCM runs in the browser's native code. Without
//! `crypto.subtle` (plain http:// pages) the RustCrypto path does the same.
//! The plaintext is then handed to the engine's `JSON.parse` once, which
//! builds every `{id, revision, overview}` object far faster than one
//! crossing per item.

use crate::context::Context;
use crate::envelope::{self, TAG_LEN};
use crate::overview_snapshot::{self as snapshot, MAX_REVISION, MAX_SNAPSHOT_LEN};
use crate::Error;
use js_sys::{Array, Promise, Reflect, Uint8Array, JSON};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::future_to_promise;
use zeroize::Zeroizing;

use super::keys::VaultKey;
use super::{js_err, webcrypto};

#[wasm_bindgen(typescript_custom_section)]
const TS_TYPES: &'static str = r#"
/** One item of an overview snapshot, as `openOverviewSnapshot` returns it. */
export interface SnapshotEntry { id: string; revision: number; overview: Record<string, unknown> }
/** One item to put in a snapshot: the overview as its JSON bytes (what
 *  `openOverviews` returns) or as the parsed object. */
export interface SnapshotEntryInput { id: string; revision: number; overview: Uint8Array | Record<string, unknown> }
"#;

fn rejected(e: JsError) -> Promise {
    Promise::reject(&JsValue::from(e))
}

fn field(obj: &JsValue, name: &str) -> JsValue {
    Reflect::get(obj, &name.into()).unwrap_or(JsValue::UNDEFINED)
}

/// Reads one `SnapshotEntryInput`; the overview as JSON bytes.
fn entry_of(e: &JsValue) -> Result<(String, u64, Zeroizing<Vec<u8>>), JsError> {
    let bad = |what: &str| JsError::new(&format!("sealOverviewSnapshot: every entry needs {what}"));
    let id = field(e, "id")
        .as_string()
        .ok_or_else(|| bad("a string id"))?;
    let rev = field(e, "revision")
        .as_f64()
        .filter(|r| *r >= 0.0 && r.fract() == 0.0 && *r <= MAX_REVISION as f64)
        .ok_or_else(|| bad("an integer revision from 0 to 2^53 - 1"))?;
    let ov = field(e, "overview");
    let bytes = if let Some(u) = ov.dyn_ref::<Uint8Array>() {
        Zeroizing::new(u.to_vec())
    } else if ov.is_object() {
        let s = JSON::stringify(&ov)
            .ok()
            .and_then(|s| s.as_string())
            .ok_or_else(|| bad("an overview that is JSON"))?;
        Zeroizing::new(s.into_bytes())
    } else {
        return Err(bad("an overview (Uint8Array or object)"));
    };
    Ok((id, rev as u64, bytes))
}

/// Seals a vault's overview snapshot; resolves to the envelope to store with
/// `PUT /api/v1/vaults/{vaultId}/overview-snapshot`.
#[wasm_bindgen(js_name = sealOverviewSnapshot, unchecked_return_type = "Promise<string>")]
pub fn seal_overview_snapshot(
    vault_key: &VaultKey,
    vault_id: &str,
    #[wasm_bindgen(unchecked_param_type = "Array<SnapshotEntryInput>")] entries: Array,
) -> Promise {
    seal_start(vault_key, vault_id, &entries).unwrap_or_else(rejected)
}

fn seal_start(vault_key: &VaultKey, vault_id: &str, entries: &Array) -> Result<Promise, JsError> {
    let entries = entries
        .iter()
        .map(|e| entry_of(&e))
        .collect::<Result<Vec<_>, _>>()?;
    let pt = snapshot::plaintext(
        vault_id,
        entries
            .iter()
            .map(|(id, r, o)| (id.as_str(), *r, o.as_slice())),
    )
    .map_err(js_err)?;
    let ctx = Context::vault_overviews(vault_id).map_err(js_err)?;
    let key = snapshot::snapshot_key(&vault_key.0);
    let mut iv = [0u8; envelope::IV_LEN];
    crate::random::fill(&mut iv).map_err(js_err)?;

    let Some(subtle) = webcrypto::subtle() else {
        let jwe =
            envelope::seal_with_nonce(key.cipher(), key.kid(), &ctx, &iv, &pt, MAX_SNAPSHOT_LEN)
                .map_err(js_err)?;
        return Ok(Promise::resolve(&JsValue::from(jwe)));
    };
    let header = envelope::header_b64(key.kid(), &ctx);
    envelope::sealed_len(&header, pt.len(), MAX_SNAPSHOT_LEN).map_err(js_err)?;
    let import = webcrypto::import_aes_gcm_key(&subtle, key.secret().expose_secret(), "encrypt")
        .map_err(|_| JsError::new("WebCrypto importKey failed"))?;
    let data = Uint8Array::from(&pt[..]);
    Ok(future_to_promise(async move {
        let sealed = webcrypto::aes_gcm(&subtle, import, true, &iv, header.as_bytes(), &data).await;
        // WebCrypto copied the plaintext when the call started.
        data.fill(0, 0, data.length());
        let sealed = sealed.map_err(|_| JsError::new("WebCrypto AES-GCM encryption failed"))?;
        let sealed = sealed.to_vec();
        let (ct, tag) = sealed.split_at(sealed.len().saturating_sub(TAG_LEN));
        Ok(envelope::assemble(&header, &iv, ct, tag).into())
    }))
}

/// Opens a vault's overview snapshot; resolves to every entry, or rejects
/// (as a whole) on any envelope or plaintext error.
#[wasm_bindgen(js_name = openOverviewSnapshot, unchecked_return_type = "Promise<Array<SnapshotEntry>>")]
pub fn open_overview_snapshot(vault_key: &VaultKey, vault_id: &str, jwe: &str) -> Promise {
    open_start(vault_key, vault_id, jwe).unwrap_or_else(rejected)
}

fn open_start(vault_key: &VaultKey, vault_id: &str, jwe: &str) -> Result<Promise, JsError> {
    let ctx = Context::vault_overviews(vault_id).map_err(js_err)?;
    let key = snapshot::snapshot_key(&vault_key.0);
    let parsed =
        envelope::parse_checked(Some(key.kid()), &ctx, jwe, MAX_SNAPSHOT_LEN).map_err(js_err)?;
    let vault_id = vault_id.to_owned();

    let Some(subtle) = webcrypto::subtle() else {
        let pt = envelope::decrypt(key.cipher(), parsed).map_err(js_err)?;
        return Ok(Promise::resolve(&entries_of(
            &vault_id,
            pt.expose_secret(),
        )?));
    };
    let n = parsed.ciphertext.len();
    let data = Uint8Array::new_with_length((n + TAG_LEN) as u32);
    data.subarray(0, n as u32).copy_from(&parsed.ciphertext);
    data.subarray(n as u32, (n + TAG_LEN) as u32)
        .copy_from(&parsed.tag);
    let (iv, aad) = (parsed.iv, parsed.header_b64.as_bytes().to_vec());
    let import = webcrypto::import_aes_gcm_key(&subtle, key.secret().expose_secret(), "decrypt")
        .map_err(|_| JsError::new("WebCrypto importKey failed"))?;
    Ok(future_to_promise(async move {
        let out = webcrypto::aes_gcm(&subtle, import, false, &iv, &aad, &data)
            .await
            .map_err(|_| js_err(Error::DecryptionFailed))?;
        let pt = Zeroizing::new(out.to_vec());
        out.fill(0, 0, out.length());
        Ok(entries_of(&vault_id, &pt)?)
    }))
}

/// Checks the plaintext in Rust, then builds the JS objects with one
/// `JSON.parse` of the same bytes.
fn entries_of(vault_id: &str, pt: &[u8]) -> Result<JsValue, JsError> {
    snapshot::check_plaintext(vault_id, pt).map_err(js_err)?;
    let text = core::str::from_utf8(pt)
        .map_err(|_| js_err(Error::InvalidPayload("overview snapshot is not UTF-8")))?;
    let all = JSON::parse(text)
        .map_err(|_| js_err(Error::InvalidPayload("overview snapshot is not JSON")))?;
    Reflect::get(&all, &"items".into())
        .map_err(|_| js_err(Error::InvalidPayload("overview snapshot has no items")))
}
