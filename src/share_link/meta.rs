//! The metadata bound inside a share's encrypted payload:
//!
//! ```text
//! {"v":1,"kind":"text"|"file","max_views":n,"expires_at":unix seconds,
//!  "passphrase":bool,"name":"file name" (file only),"size":bytes (file only)}
//! ```
//!
//! Written in this member order (as the pages' `JSON.stringify` did) and
//! read strictly: exactly these members, each once, of these types.

use super::limits::{check_file_size, check_lifetime, check_views, MAX_META_BYTES, MAX_TIMESTAMP};
use super::{Result, ShareError, CLOCK_SKEW_SECS};
use crate::strict_json::{self, Unknown, Value};
use core::fmt;
use serde::Serialize;

/// The only payload version written and read.
pub const META_VERSION: u32 = 1;

/// How the content is shown: text in the page, or a file to save.
#[derive(Clone, PartialEq, Eq)]
pub enum ShareKind {
    Text,
    /// `name` is the sender's file name (absent if it had none); `size` the
    /// content's length in bytes.
    File {
        name: Option<String>,
        size: u64,
    },
}

/// What the sender chose, inside the ciphertext so the server can neither
/// read nor change it.
#[derive(Clone, PartialEq, Eq)]
pub struct ShareMeta {
    kind: ShareKind,
    max_views: u32,
    expires_at: u64,
    passphrase: bool,
}

#[derive(Serialize)]
struct Wire<'a> {
    v: u32,
    kind: &'static str,
    max_views: u32,
    expires_at: u64,
    passphrase: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    size: Option<u64>,
}

impl ShareMeta {
    /// A text share: `max_views` views until `now + lifetime_secs` (the
    /// sender's clock), optionally behind a passphrase.
    pub fn text(max_views: u32, lifetime_secs: u64, now: u64, passphrase: bool) -> Result<Self> {
        Self::new(ShareKind::Text, max_views, lifetime_secs, now, passphrase)
    }

    /// A file share of `size` bytes (at most `MAX_FILE_BYTES`).
    pub fn file(
        name: Option<String>,
        size: u64,
        max_views: u32,
        lifetime_secs: u64,
        now: u64,
        passphrase: bool,
    ) -> Result<Self> {
        let kind = ShareKind::File { name, size };
        Self::new(kind, max_views, lifetime_secs, now, passphrase)
    }

    fn new(
        kind: ShareKind,
        max_views: u32,
        lifetime_secs: u64,
        now: u64,
        passphrase: bool,
    ) -> Result<Self> {
        check_lifetime(lifetime_secs)?;
        check_views(max_views)?;
        if let ShareKind::File { size, .. } = &kind {
            check_file_size(*size)?;
        }
        let expires_at = now
            .checked_add(lifetime_secs)
            .filter(|t| *t <= MAX_TIMESTAMP)
            .ok_or(ShareError::Malformed("expiry out of range"))?;
        let meta = Self {
            kind,
            max_views,
            expires_at,
            passphrase,
        };
        meta.to_json()?; // a file name too long for the metadata fails here, not later
        Ok(meta)
    }

    pub fn kind(&self) -> &ShareKind {
        &self.kind
    }

    pub fn is_text(&self) -> bool {
        self.kind == ShareKind::Text
    }

    /// The file name, for a file share that has one.
    pub fn name(&self) -> Option<&str> {
        match &self.kind {
            ShareKind::File { name, .. } => name.as_deref(),
            ShareKind::Text => None,
        }
    }

    /// The file size, for a file share.
    pub fn size(&self) -> Option<u64> {
        match &self.kind {
            ShareKind::File { size, .. } => Some(*size),
            ShareKind::Text => None,
        }
    }

    pub fn max_views(&self) -> u32 {
        self.max_views
    }

    /// Unix seconds, by the sender's clock.
    pub fn expires_at(&self) -> u64 {
        self.expires_at
    }

    pub fn passphrase(&self) -> bool {
        self.passphrase
    }

    /// Whether the server's answer to `open` kept the limits the sender
    /// bound: fewer views left than the sender allowed (this open used one),
    /// and an expiry at most [`CLOCK_SKEW_SECS`] past the sender's. If not,
    /// readers warn (the content is authentic, so it is still shown).
    pub fn limits_match(&self, views_left: i64, expires_at: i64) -> bool {
        let latest = i128::from(self.expires_at) + i128::from(CLOCK_SKEW_SECS);
        views_left < i64::from(self.max_views) && i128::from(expires_at) <= latest
    }

    /// The metadata JSON, at most [`MAX_META_BYTES`].
    pub(crate) fn to_json(&self) -> Result<Vec<u8>> {
        let (kind, name, size) = match &self.kind {
            ShareKind::Text => ("text", None, None),
            ShareKind::File { name, size } => ("file", name.as_deref(), Some(*size)),
        };
        let wire = Wire {
            v: META_VERSION,
            kind,
            max_views: self.max_views,
            expires_at: self.expires_at,
            passphrase: self.passphrase,
            name,
            size,
        };
        let json = serde_json::to_vec(&wire)
            .map_err(|_| ShareError::Malformed("metadata not encodable"))?;
        if json.len() > MAX_META_BYTES {
            return Err(ShareError::MetaTooLong { len: json.len() });
        }
        Ok(json)
    }

    /// Reads the metadata JSON strictly: `v` 1 and a known `kind` first (so
    /// a newer format is named as such), then exactly the members above.
    pub(crate) fn from_json(json: &[u8]) -> Result<Self> {
        let doc = strict_json::parse_bytes(json)
            .map_err(|_| ShareError::Malformed("metadata is not JSON"))?;
        let kind = version_and_kind(&doc)?;
        let bad = ShareError::Malformed;
        let [_, _, max_views, expires_at, passphrase, name, size] = doc
            .fields(
                [
                    "v",
                    "kind",
                    "max_views",
                    "expires_at",
                    "passphrase",
                    "name",
                    "size",
                ],
                Unknown::Refuse,
            )
            .ok_or(bad("metadata has an unknown or repeated member"))?;
        let max_views = max_views
            .and_then(Value::as_u32)
            .ok_or(bad("max_views must be a whole number"))?;
        check_views(max_views)?;
        let expires_at = expires_at
            .and_then(Value::as_u64)
            .filter(|t| *t <= MAX_TIMESTAMP)
            .ok_or(bad("expires_at must be unix seconds"))?;
        let passphrase = match passphrase.map(|p| p.raw) {
            Some("true") => true,
            Some("false") => false,
            _ => return Err(bad("passphrase must be true or false")),
        };
        let kind = match kind {
            Kind::Text if name.is_none() && size.is_none() => ShareKind::Text,
            Kind::Text => return Err(bad("a text share has no name or size")),
            Kind::File => {
                let name = match name {
                    None => None,
                    Some(n) => Some(n.as_str().ok_or(bad("name must be a string"))?.to_owned()),
                };
                let size = size
                    .and_then(Value::as_u64)
                    .ok_or(bad("a file share needs its size"))?;
                check_file_size(size)?;
                ShareKind::File { name, size }
            }
        };
        Ok(Self {
            kind,
            max_views,
            expires_at,
            passphrase,
        })
    }
}

#[derive(Clone, Copy)]
enum Kind {
    Text,
    File,
}

fn version_and_kind(doc: &Value<'_>) -> Result<Kind> {
    let [v, kind] = doc
        .fields(["v", "kind"], Unknown::Ignore)
        .ok_or(ShareError::Malformed(
            "metadata must be an object, each member once",
        ))?;
    if v.and_then(Value::as_u32) != Some(META_VERSION) {
        return Err(ShareError::UnsupportedVersion);
    }
    match kind.and_then(Value::as_str) {
        Some("text") => Ok(Kind::Text),
        Some("file") => Ok(Kind::File),
        _ => Err(ShareError::UnknownKind),
    }
}

/// The metadata of a request's answer: exactly `{"v":1,"kind":"text"}`.
pub(crate) const ANSWER_META: &[u8] = br#"{"v":1,"kind":"text"}"#;

/// Checks an answer's metadata: `v` 1, `kind` text, nothing else.
pub(crate) fn check_answer_meta(json: &[u8]) -> Result<()> {
    let doc = strict_json::parse_bytes(json)
        .map_err(|_| ShareError::Malformed("metadata is not JSON"))?;
    match version_and_kind(&doc)? {
        Kind::Text => {}
        Kind::File => return Err(ShareError::Malformed("an answer is text")),
    }
    doc.fields(["v", "kind"], Unknown::Refuse)
        .map(|_| ())
        .ok_or(ShareError::Malformed(
            "an answer's metadata has only v and kind",
        ))
}

impl fmt::Debug for ShareMeta {
    // The file name is as confidential as the content.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ShareMeta")
            .field("text", &self.is_text())
            .field("size", &self.size())
            .field("max_views", &self.max_views)
            .field("expires_at", &self.expires_at)
            .field("passphrase", &self.passphrase)
            .finish_non_exhaustive()
    }
}

impl fmt::Debug for ShareKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Text => f.write_str("Text"),
            Self::File { size, .. } => write!(f, "File {{ size: {size}, .. }}"),
        }
    }
}
