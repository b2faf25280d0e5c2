//! One-time share links and secret requests (docs/SPEC.md § Sharing pages):
//! every rule the sharing pages (www/share, www/s) and `bv share` follow, so
//! a link made by one opens in the other.
//!
//! - [`limits`]: the numbers (lifetime, views, sizes, clock skew) and the
//!   checks of a sender's choices;
//! - [`ShareMeta`] and [`SharePayload`]: the metadata bound inside the
//!   encrypted payload, its strict validation, and the framing
//!   `u32_be(len(meta)) || meta || body`;
//! - [`link`]: building and parsing the share, delete and request links;
//! - [`request`]: the HPKE `info` of a secret request and its sealed answer.
//!
//! Nothing here does I/O; the share key's stream cipher is
//! [`crate::attachment`] under [`context`].

pub mod limits;
pub mod link;
mod meta;
mod payload;
pub mod request;

pub use limits::*;
pub use link::{parse_fragment, parse_link, Fragment, Link};
pub use meta::{ShareKind, ShareMeta};
pub use payload::{decode_payload, encode_payload, encode_prefix, open_payload, SharePayload};

use crate::context::Context;

/// The chunked-encryption context id of every share payload:
/// `Context::share("v1")` renders `bv1/share/v1`. Each share key is fresh
/// and encrypts one payload, so the context only names the format.
pub const CONTEXT_ID: &str = "v1";

/// The context a share payload is encrypted under (`bv1/share/v1`).
pub fn context() -> crate::Result<Context> {
    Context::share(CONTEXT_ID)
}

/// Why a share, its payload or a link was refused. Each variant says what
/// to fix; none carries secret bytes (only lengths and limits).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ShareError {
    #[error("a share's lifetime must be {min} to {max} seconds (5 minutes to 30 days)", min = EXPIRY_MIN_SECS, max = EXPIRY_MAX_SECS)]
    Lifetime,
    #[error("a share's view limit must be a whole number from 1 to {max}", max = VIEWS_MAX)]
    Views,
    #[error("the text is empty")]
    EmptyText,
    #[error("the text is {len} bytes, more than the limit of {max}", max = MAX_TEXT_BYTES)]
    TextTooLong { len: usize },
    #[error("the text is not UTF-8")]
    TextNotUtf8,
    #[error("the file is {size} bytes, more than the limit of {max}", max = MAX_FILE_BYTES)]
    FileTooLarge { size: u64 },
    #[error("the content is {actual} bytes, but the metadata says {expected}")]
    SizeMismatch { expected: u64, actual: u64 },
    #[error("the share metadata is {len} bytes, more than the limit of {max}", max = MAX_META_BYTES)]
    MetaTooLong { len: usize },
    #[error("the share payload is malformed: {0}")]
    Malformed(&'static str),
    #[error("unsupported share payload version (only v 1 is read)")]
    UnsupportedVersion,
    #[error("unknown share payload kind (text or file)")]
    UnknownKind,
    #[error("this share needs its passphrase")]
    PassphraseRequired,
    #[error("this share has no passphrase")]
    NoPassphrase,
    #[error("wrong passphrase, or the payload was tampered with")]
    WrongPassphrase,
    #[error("not a share, delete or request link: {0}")]
    BadLink(&'static str),
    #[error(transparent)]
    Core(#[from] crate::Error),
}

impl ShareError {
    /// A stable short name for callers that pick their own message (the
    /// pages get it as the JS error's `code`).
    pub fn code(&self) -> &'static str {
        match self {
            Self::Lifetime => "lifetime",
            Self::Views => "views",
            Self::EmptyText => "empty_text",
            Self::TextTooLong { .. } => "text_too_long",
            Self::TextNotUtf8 => "text_not_utf8",
            Self::FileTooLarge { .. } => "file_too_large",
            Self::SizeMismatch { .. } => "size_mismatch",
            Self::MetaTooLong { .. } => "meta_too_long",
            Self::Malformed(_) | Self::UnsupportedVersion | Self::UnknownKind => "malformed",
            Self::PassphraseRequired => "passphrase_required",
            Self::NoPassphrase => "no_passphrase",
            Self::WrongPassphrase => "wrong_passphrase",
            Self::BadLink(_) => "bad_link",
            Self::Core(_) => "core",
        }
    }
}

/// The result type of this module.
pub type Result<T, E = ShareError> = core::result::Result<T, E>;
