//! An attachment's metadata envelope: the file's name, size and media type,
//! and the attachment key itself, sealed under the item key for
//! `bv1/attachment-meta/<home vault>/<item>/<attachment>` (SPEC.md
//! §Attachments, "Metadata envelope").
//!
//! ```text
//! plaintext = {"v":1,"name":"<file name>","size":<bytes>,"mime":"<type>","key":"<BASE64URL(attachment key)>"}
//! envelope  = item_key.seal(plaintext, ctx = bv1/attachment-meta/<home>/<item>/<attachment>)
//! ```
//!
//! Keeping the key inside the metadata envelope means one envelope per
//! attachment, and the content's context (`bv1/attachment/...`, the same
//! ids) plus the key commitment of the chunked format bind the two together.

use super::key::AttachmentKey;
use crate::context::Context;
use crate::encoding::{b64u_decode, b64u_encode};
use crate::keys::SymmetricKey;
use crate::strict_json::{self, Unknown, Value};
use crate::{Error, Result};
use core::fmt;
use serde::Serialize;
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

/// The only metadata version this client writes and reads.
pub const ATTACHMENT_META_VERSION: u32 = 1;
/// Largest size written or accepted: 2^53 - 1, the largest integer a
/// JavaScript number holds exactly.
pub const MAX_ATTACHMENT_SIZE: u64 = (1 << 53) - 1;

/// What the metadata envelope holds. Nothing here prints (the file name is
/// confidential, the key secret); the key is zeroized on drop.
#[derive(Clone)]
pub struct AttachmentMeta {
    pub name: String,
    /// Plaintext size in bytes.
    pub size: u64,
    /// Media type as the uploader saw it (e.g. `application/pdf`); may be empty.
    pub mime: String,
    pub key: AttachmentKey,
}

/// The JSON as written; `key` is base64url. Unknown members are ignored on
/// read (a newer writer may add some; attachments are never rewritten).
#[derive(Serialize, Zeroize, ZeroizeOnDrop)]
struct Wire {
    v: u32,
    name: String,
    size: u64,
    mime: String,
    key: String,
}

impl AttachmentMeta {
    /// Seals the metadata (and key) of attachment `attachment` of item `item`,
    /// whose parts name `home_vault` (see [`crate::item::home_vault`]).
    pub fn seal(
        &self,
        item_key: &SymmetricKey,
        home_vault: &str,
        item: &str,
        attachment: &str,
    ) -> Result<String> {
        let ctx = Context::attachment_meta(home_vault, item, attachment)?;
        if self.size > MAX_ATTACHMENT_SIZE {
            return Err(Error::AttachmentTooLarge);
        }
        let wire = Wire {
            v: ATTACHMENT_META_VERSION,
            name: self.name.clone(),
            size: self.size,
            mime: self.mime.clone(),
            key: b64u_encode(self.key.expose_secret()),
        };
        let json = Zeroizing::new(
            serde_json::to_vec(&wire).map_err(|_| Error::InvalidPayload("attachment metadata"))?,
        );
        item_key.seal(&json, &ctx)
    }

    /// Opens a metadata envelope; any envelope error, then `InvalidPayload`
    /// if the plaintext is not the JSON above with `v` 1, a size within
    /// [`MAX_ATTACHMENT_SIZE`] and a 32-byte key.
    pub fn open(
        item_key: &SymmetricKey,
        home_vault: &str,
        item: &str,
        attachment: &str,
        jwe: &str,
    ) -> Result<Self> {
        let ctx = Context::attachment_meta(home_vault, item, attachment)?;
        let pt = item_key.open(jwe, &ctx)?;
        let bad = || Error::InvalidPayload("attachment metadata is not the expected JSON");
        let doc = strict_json::parse_bytes(pt.expose_secret()).map_err(|_| bad())?;
        let [v, name, size, mime, key] = doc
            .fields(["v", "name", "size", "mime", "key"], Unknown::Ignore)
            .ok_or_else(bad)?;
        let string =
            |m: Option<&Value<'_>>| m.and_then(Value::as_str).map(str::to_owned).ok_or_else(bad);
        let mut wire = Wire {
            v: v.and_then(Value::as_u32).ok_or_else(bad)?,
            name: string(name)?,
            size: size.and_then(Value::as_u64).ok_or_else(bad)?,
            mime: string(mime)?,
            key: string(key)?,
        };
        if wire.v != ATTACHMENT_META_VERSION {
            return Err(Error::UnsupportedVersion);
        }
        if wire.size > MAX_ATTACHMENT_SIZE {
            return Err(Error::InvalidPayload("attachment size out of range"));
        }
        let raw = Zeroizing::new(
            b64u_decode(&wire.key, "attachment key base64url")
                .map_err(|_| Error::InvalidPayload("attachment key"))?,
        );
        let key = AttachmentKey::from_slice(&raw)
            .map_err(|_| Error::InvalidPayload("attachment key must be 32 bytes"))?;
        Ok(Self {
            name: core::mem::take(&mut wire.name),
            size: wire.size,
            mime: core::mem::take(&mut wire.mime),
            key,
        })
    }
}

impl fmt::Debug for AttachmentMeta {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AttachmentMeta([REDACTED])")
    }
}
