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
use js_sys::{Array, JsString, Object, Promise, Reflect, Uint8Array, JSON};
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
pub fn open_overview_snapshot(
    vault_key: &VaultKey,
    vault_id: &str,
    #[wasm_bindgen(unchecked_param_type = "string")] jwe: JsString,
) -> Promise {
    open_start(vault_key, vault_id, &jwe).unwrap_or_else(rejected)
}

fn open_start(vault_key: &VaultKey, vault_id: &str, jwe: &JsString) -> Result<Promise, JsError> {
    if !jwe.is_string() {
        return Err(JsError::new(
            "openOverviewSnapshot: the envelope must be a string",
        ));
    }
    let ctx = Context::vault_overviews(vault_id).map_err(js_err)?;
    let key = snapshot::snapshot_key(&vault_key.0);
    let vault_id = vault_id.to_owned();
    let subtle = webcrypto::subtle();

    let fast = subtle
        .as_ref()
        .and_then(|_| split_in_js(key.kid(), &ctx, jwe));
    let (data, iv, aad) = match fast {
        Some(parts) => parts,
        None => {
            // Every check in Rust on the whole string: where the engine has
            // no `setFromBase64`, or to give a malformed envelope its error.
            let text = utf8_of(jwe)?;
            let parsed = envelope::parse_checked(Some(key.kid()), &ctx, &text, MAX_SNAPSHOT_LEN)
                .map_err(js_err)?;
            if subtle.is_none() {
                let pt = envelope::decrypt(key.cipher(), parsed).map_err(js_err)?;
                return Ok(Promise::resolve(&entries_of(
                    &vault_id,
                    pt.expose_secret(),
                )?));
            }
            let n = parsed.ciphertext.len();
            let data = Uint8Array::new_with_length((n + TAG_LEN) as u32);
            data.subarray(0, n as u32).copy_from(&parsed.ciphertext);
            data.subarray(n as u32, (n + TAG_LEN) as u32)
                .copy_from(&parsed.tag);
            (data, parsed.iv, parsed.header_b64.as_bytes().to_vec())
        }
    };
    let Some(subtle) = subtle else {
        return Err(js_err(Error::DecryptionFailed));
    };
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

/// The base64url alphabet, in value order (RFC 4648 §5).
const B64URL: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// The envelope's parts without bringing the ~3 MB string into WASM: the
/// small parts (header, encrypted key, iv, tag) get every check of
/// `parse_checked` in Rust, on the envelope with its ciphertext left out,
/// and the ciphertext is decoded by the engine's `Uint8Array#setFromBase64`
/// straight into the array WebCrypto decrypts, as strictly as Rust decodes
/// (the base64url alphabet only, no padding or whitespace, zero unused
/// trailing bits: SPEC § Envelopes rule 4). `None` when the engine lacks `setFromBase64` or anything does not
/// check out: the caller then runs the full checks in Rust, which give the
/// verdict and the exact error (so both paths accept and refuse the same
/// envelopes).
fn split_in_js(
    kid: &str,
    ctx: &Context,
    jwe: &JsString,
) -> Option<(Uint8Array, [u8; 12], Vec<u8>)> {
    let len = jwe.length();
    if len as usize > MAX_SNAPSHOT_LEN {
        return None;
    }
    let dot = |from: u32| u32::try_from(jwe.index_of(".", from as i32)).ok();
    let d1 = dot(0)?;
    let d2 = dot(d1 + 1)?;
    let d3 = dot(d2 + 1)?;
    let d4 = dot(d3 + 1)?;
    if dot(d4 + 1).is_some() {
        return None;
    }
    let piece = |a: u32, b: u32| String::from(jwe.slice(a, b));
    let ct = jwe.slice(d3 + 1, d4);
    let skeleton = format!(
        "{}.{}.{}..{}",
        piece(0, d1),
        piece(d1 + 1, d2),
        piece(d2 + 1, d3),
        piece(d4 + 1, len)
    );
    let parsed = envelope::parse_checked(Some(kid), ctx, &skeleton, MAX_SNAPSHOT_LEN).ok()?;

    // Base64url without padding: 4 characters per 3 bytes, a last group of
    // 2 or 3 characters for 1 or 2 bytes, whose unused low bits must be zero
    // (checked here on the last character: "loose" decoding ignores them).
    let chars = ct.length();
    let (n, unused_bits) = match chars % 4 {
        0 => (chars / 4 * 3, 0),
        2 => (chars / 4 * 3 + 1, 0x0f),
        3 => (chars / 4 * 3 + 2, 0x03),
        _ => return None,
    };
    if unused_bits != 0 {
        let last = String::from(ct.slice(chars - 1, chars));
        let v = B64URL.iter().position(|&c| last.as_bytes() == [c])?;
        if v & unused_bits != 0 {
            return None;
        }
    }
    let data = Uint8Array::new_with_length(n + TAG_LEN as u32);
    let body = data.subarray(0, n);
    let set = Reflect::get(&body, &"setFromBase64".into())
        .ok()?
        .dyn_into::<js_sys::Function>()
        .ok()?;
    let opts = Object::new();
    Reflect::set(&opts, &"alphabet".into(), &"base64url".into()).ok()?;
    let done = set.call2(&body, &ct, &opts).ok()?;
    let count = |k: &str| Reflect::get(&done, &k.into()).ok()?.as_f64();
    // setFromBase64 skips whitespace and stops at padding: both show as
    // fewer bytes written than the length implies.
    if count("written")? != f64::from(n) || count("read")? != f64::from(chars) {
        return None;
    }
    data.subarray(n, n + TAG_LEN as u32).copy_from(&parsed.tag);
    Some((data, parsed.iv, parsed.header_b64.as_bytes().to_vec()))
}

#[wasm_bindgen]
extern "C" {
    type TextEncoder;
    #[wasm_bindgen(constructor, catch)]
    fn new() -> Result<TextEncoder, JsValue>;
    #[wasm_bindgen(method)]
    fn encode(this: &TextEncoder, s: &JsString) -> Uint8Array;
}

/// The envelope's bytes in WASM memory. A `&str` parameter would copy the
/// ~3 MB string in a JavaScript loop, one UTF-16 unit at a time; the
/// engine's `TextEncoder` does it natively.
fn utf8_of(jwe: &JsString) -> Result<String, JsError> {
    let actual = jwe.length() as usize;
    if actual > MAX_SNAPSHOT_LEN {
        return Err(js_err(Error::EnvelopeTooLarge {
            actual,
            maximum: MAX_SNAPSHOT_LEN,
        }));
    }
    let bytes = match TextEncoder::new() {
        Ok(enc) => enc.encode(jwe).to_vec(),
        Err(_) => String::from(jwe).into_bytes(),
    };
    // TextEncoder writes UTF-8 (lone surrogates as U+FFFD, as `&str` would).
    String::from_utf8(bytes).map_err(|_| js_err(Error::MalformedEnvelope("not UTF-8")))
}

/// Checks the plaintext in Rust, then builds the JS objects with one
/// `JSON.parse` of the same bytes.
///
/// The JSON is parsed once, by the engine: a plaintext spelled as writers
/// write it passes `is_canonical_plaintext` (skeleton, ids, revisions,
/// overview spans, without re-parsing the ~3 MB of overviews in WASM) and
/// `JSON.parse` then rejects any overview that is not valid JSON; any other
/// spelling gets the full serde check first, as before.
fn entries_of(vault_id: &str, pt: &[u8]) -> Result<JsValue, JsError> {
    if !snapshot::is_canonical_plaintext(vault_id, pt) {
        snapshot::check_plaintext(vault_id, pt).map_err(js_err)?;
    }
    let text = core::str::from_utf8(pt)
        .map_err(|_| js_err(Error::InvalidPayload("overview snapshot is not UTF-8")))?;
    let all = JSON::parse(text)
        .map_err(|_| js_err(Error::InvalidPayload("overview snapshot is not JSON")))?;
    Reflect::get(&all, &"items".into())
        .map_err(|_| js_err(Error::InvalidPayload("overview snapshot has no items")))
}
