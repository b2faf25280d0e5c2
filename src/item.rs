//! Items: one wrapped item key and two envelopes (docs/SPEC.md §Items).
//!
//! ```text
//! ItemBlob (JSON, the one opaque value the server stores per item)
//! { "v": 1,
//!   "key":      vault_key.wrap(item_key,  ctx = bv1/item-key/<vault>/<item>),
//!   "home":     "<vault the parts were sealed in>",
//!   "overview": item_key.seal(overview,   ctx = bv1/item-overview/<home>/<item>),
//!   "details":  item_key.seal(details,    ctx = bv1/item-details/<home>/<item>) }
//! ```
//!
//! Unlock opens overviews only ([`open_overviews`], one call for the whole
//! vault); details are opened on demand. Moving an item to another vault or
//! rotating a vault key re-wraps `key` alone ([`rewrap`]): the parts keep the
//! context of their `home` vault, which is safe because each item key is
//! fresh and used by one item only, and the wrap of that key names the
//! item's current vault.

mod payload;

pub use payload::{CustomField, Details, ItemKind, Overview};

use crate::context::{validate_id, Context};
use crate::envelope::{self, MAX_ENVELOPE_LEN};
use crate::keys::{self, SymmetricKey};
use crate::secret::{SecretBytes, SecretKey32};
use crate::strict_json::{self, Unknown, Value};
use crate::{Error, Result};
use serde::{Deserialize, Serialize};
use std::borrow::Cow;

/// The only item blob version this client knows.
pub const ITEM_BLOB_VERSION: u32 = 1;
/// Three envelopes plus the JSON around them; checked before parsing.
pub const MAX_ITEM_BLOB_LEN: usize = 3 * MAX_ENVELOPE_LEN + 1024;

/// The stored form of an item. Serialized as JSON, it is the one opaque
/// envelope the server keeps per item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ItemBlob {
    pub v: u32,
    /// The item key, wrapped by the vault key for `bv1/item-key/<vault>/<item>`.
    pub key: String,
    /// The vault whose id the overview and details contexts name.
    pub home: String,
    pub overview: String,
    pub details: String,
}

/// The same blob, borrowed from the input: the unlock path parses each blob
/// once without copying its envelopes.
struct BlobView<'a> {
    v: u32,
    key: Cow<'a, str>,
    home: Cow<'a, str>,
    overview: Cow<'a, str>,
    details: Cow<'a, str>,
}

impl<'a> BlobView<'a> {
    /// Size, JSON shape (all five members, each once, nothing else), version.
    fn parse(json: &'a str) -> Result<Self> {
        if json.len() > MAX_ITEM_BLOB_LEN {
            return Err(Error::EnvelopeTooLarge {
                actual: json.len(),
                maximum: MAX_ITEM_BLOB_LEN,
            });
        }
        let bad = || Error::MalformedEnvelope("item blob is not the expected JSON object");
        let doc = strict_json::parse(json).map_err(|_| bad())?;
        let [v, key, home, overview, details] = doc
            .fields(["v", "key", "home", "overview", "details"], Unknown::Refuse)
            .ok_or_else(bad)?;
        let string = |m: Option<&Value<'a>>| m.and_then(Value::to_cow).ok_or_else(bad);
        let view = Self {
            v: v.and_then(Value::as_u32).ok_or_else(bad)?,
            key: string(key)?,
            home: string(home)?,
            overview: string(overview)?,
            details: string(details)?,
        };
        if view.v != ITEM_BLOB_VERSION {
            return Err(Error::UnsupportedVersion);
        }
        validate_id(&view.home).map_err(|_| Error::MalformedEnvelope("item blob home"))?;
        Ok(view)
    }
}

/// Seals a new item: a fresh item key wrapped by the vault key, and both parts.
/// Returns the blob JSON.
pub fn seal_new(
    vault_key: &SymmetricKey,
    vault_id: &str,
    item_id: &str,
    overview: &[u8],
    details: &[u8],
) -> Result<String> {
    let item_key = SymmetricKey::generate()?;
    let blob = ItemBlob {
        v: ITEM_BLOB_VERSION,
        key: vault_key.wrap(&item_key, &Context::item_key(vault_id, item_id)?)?,
        home: vault_id.to_owned(),
        overview: item_key.seal(overview, &Context::item_overview(vault_id, item_id)?)?,
        details: item_key.seal(details, &Context::item_details(vault_id, item_id)?)?,
    };
    to_json(&blob)
}

/// Replaces the overview and/or details of an existing item under its
/// existing item key; `None` keeps that part byte for byte.
pub fn update(
    vault_key: &SymmetricKey,
    vault_id: &str,
    item_id: &str,
    blob_json: &str,
    overview: Option<&[u8]>,
    details: Option<&[u8]>,
) -> Result<String> {
    let view = BlobView::parse(blob_json)?;
    let item_key = vault_key.unwrap(&view.key, &Context::item_key(vault_id, item_id)?)?;
    let seal_or_keep = |new: Option<&[u8]>, old: &str, ctx: Result<Context>| -> Result<String> {
        match new {
            Some(pt) => item_key.seal(pt, &ctx?),
            None => Ok(old.to_owned()),
        }
    };
    let blob = ItemBlob {
        v: ITEM_BLOB_VERSION,
        key: view.key.clone().into_owned(),
        home: view.home.clone().into_owned(),
        overview: seal_or_keep(
            overview,
            &view.overview,
            Context::item_overview(&view.home, item_id),
        )?,
        details: seal_or_keep(
            details,
            &view.details,
            Context::item_details(&view.home, item_id),
        )?,
    };
    to_json(&blob)
}

/// Unwraps the item key (for attachments, which are sealed under it with the
/// `home` vault's id in their context: see [`home_vault`]).
pub fn unwrap_item_key(
    vault_key: &SymmetricKey,
    vault_id: &str,
    item_id: &str,
    blob_json: &str,
) -> Result<SymmetricKey> {
    let view = BlobView::parse(blob_json)?;
    vault_key.unwrap(&view.key, &Context::item_key(vault_id, item_id)?)
}

/// The vault id the item's parts (and attachments) name in their contexts.
pub fn home_vault(blob_json: &str) -> Result<String> {
    Ok(BlobView::parse(blob_json)?.home.into_owned())
}

/// Opens one item's overview (JSON bytes).
pub fn open_overview(
    vault_key: &SymmetricKey,
    vault_id: &str,
    item_id: &str,
    blob_json: &str,
) -> Result<SecretBytes> {
    let view = BlobView::parse(blob_json)?;
    let item_key = vault_key.unwrap(&view.key, &Context::item_key(vault_id, item_id)?)?;
    item_key.open(
        &view.overview,
        &Context::item_overview(&view.home, item_id)?,
    )
}

/// Opens one item's details (JSON bytes), on demand.
pub fn open_details(
    vault_key: &SymmetricKey,
    vault_id: &str,
    item_id: &str,
    blob_json: &str,
) -> Result<SecretBytes> {
    let view = BlobView::parse(blob_json)?;
    let item_key = vault_key.unwrap(&view.key, &Context::item_key(vault_id, item_id)?)?;
    item_key.open(&view.details, &Context::item_details(&view.home, item_id)?)
}

/// Opens the overviews of many items of one vault in one call: the unlock hot
/// path. Each result stands alone; one bad item does not hide the others.
///
/// Cost per item: one JSON parse of the blob (borrowing, no envelope copies),
/// two envelope opens, one AES key schedule. The vault key's cipher is built
/// once. The item key's kid is not derived here (it would cost an HKDF per
/// item): an overview sealed under another key fails its GCM tag with
/// [`Error::DecryptionFailed`] instead of [`Error::KeyMismatch`].
pub fn open_overviews<I: AsRef<str>, B: AsRef<str>>(
    vault_key: &SymmetricKey,
    vault_id: &str,
    items: &[(I, B)],
) -> Vec<Result<SecretBytes>> {
    if let Err(e) = validate_id(vault_id) {
        return items.iter().map(|_| Err(e.clone())).collect();
    }
    items
        .iter()
        .map(|(item_id, blob)| {
            open_overview_fast(vault_key, vault_id, item_id.as_ref(), blob.as_ref())
        })
        .collect()
}

fn open_overview_fast(
    vault_key: &SymmetricKey,
    vault_id: &str,
    item_id: &str,
    blob_json: &str,
) -> Result<SecretBytes> {
    let view = BlobView::parse(blob_json)?;
    let raw = envelope::open(
        vault_key.cipher(),
        Some(vault_key.kid()),
        &Context::item_key(vault_id, item_id)?,
        &view.key,
    )?;
    let item_key = SecretKey32::from_slice(raw.expose_secret())
        .map_err(|_| Error::InvalidPayload("a wrapped key must be 32 bytes"))?;
    let cipher = keys::cipher_of(item_key.expose_secret());
    envelope::open(
        &cipher,
        None,
        &Context::item_overview(&view.home, item_id)?,
        &view.overview,
    )
}

/// Re-wraps the item key from one vault key to another: a move to another
/// vault, or a rotated key of the same vault. Overview and details are
/// copied unchanged.
pub fn rewrap(
    blob_json: &str,
    item_id: &str,
    from: (&SymmetricKey, &str),
    to: (&SymmetricKey, &str),
) -> Result<String> {
    let view = BlobView::parse(blob_json)?;
    let item_key = from
        .0
        .unwrap(&view.key, &Context::item_key(from.1, item_id)?)?;
    let blob = ItemBlob {
        v: ITEM_BLOB_VERSION,
        key: to.0.wrap(&item_key, &Context::item_key(to.1, item_id)?)?,
        home: view.home.into_owned(),
        overview: view.overview.into_owned(),
        details: view.details.into_owned(),
    };
    to_json(&blob)
}

fn to_json(blob: &ItemBlob) -> Result<String> {
    // Only strings and a number: serialization cannot fail, but no panic path.
    serde_json::to_string(blob).map_err(|_| Error::InvalidPayload("item blob"))
}
