//! The three links of the sharing pages; everything secret is in the
//! fragment, which browsers never send:
//!
//! ```text
//! share link   = ORIGIN "/s/#" id "." BASE64URL(K)            (K: 32 bytes)
//! delete link  = ORIGIN "/s/#d." id "." delete_token
//! request link = ORIGIN "/s/#r." request_id "." BASE64URL(pk)  (pk: 32 bytes)
//! ```
//!
//! Ids are the server's, `[A-Za-z0-9_-]{1,64}`. A fragment of two parts is
//! a share (even one whose id is `d` or `r`); three parts starting with `d`
//! or `r` are a delete link or a request.

use super::{Result, ShareError};
use crate::attachment::AttachmentKey;
use crate::context::validate_id;
use crate::encoding::{b64u_decode, b64u_encode};
use zeroize::Zeroizing;

/// Longest delete token accepted. The server makes BASE64URL of 32 random
/// bytes (43 characters, routes/shares.rs); the token is its opaque value.
pub const MAX_DELETE_TOKEN_CHARS: usize = 128;

/// A parsed fragment.
pub enum Fragment {
    /// Open share `id` with `key`.
    Share { id: String, key: AttachmentKey },
    /// Answer request `id` by sealing to `public_key` (X25519).
    Request { id: String, public_key: [u8; 32] },
    /// Delete share `id` early with `token` (sent as `X-Delete-Token`).
    Delete {
        id: String,
        token: Zeroizing<String>,
    },
}

impl Fragment {
    /// The share's or request's id.
    pub fn id(&self) -> &str {
        match self {
            Self::Share { id, .. } | Self::Request { id, .. } | Self::Delete { id, .. } => id,
        }
    }
}

impl core::fmt::Debug for Fragment {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Self::Share { id, .. } => write!(f, "Share({id}, [REDACTED])"),
            Self::Request { id, .. } => write!(f, "Request({id})"),
            Self::Delete { id, .. } => write!(f, "Delete({id}, [REDACTED])"),
        }
    }
}

fn id(s: &str) -> Result<String> {
    validate_id(s)
        .map(str::to_owned)
        .map_err(|_| ShareError::BadLink("the id must be 1 to 64 of A-Z a-z 0-9 - _"))
}

fn key32(s: &str, what: &'static str) -> Result<Zeroizing<[u8; 32]>> {
    let bytes = Zeroizing::new(b64u_decode(s, "link key").map_err(|_| ShareError::BadLink(what))?);
    let arr: [u8; 32] = bytes
        .as_slice()
        .try_into()
        .map_err(|_| ShareError::BadLink(what))?;
    Ok(Zeroizing::new(arr))
}

fn is_b64u(s: &str) -> bool {
    s.bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// Reads a fragment (without its `#`). Refused: any other shape, a bad id,
/// a key or public key that is not canonical BASE64URL of exactly 32 bytes,
/// a delete token outside the base64url alphabet or longer than
/// [`MAX_DELETE_TOKEN_CHARS`].
pub fn parse_fragment(fragment: &str) -> Result<Fragment> {
    let mut parts = fragment.split('.');
    match (parts.next(), parts.next(), parts.next(), parts.next()) {
        (Some(share), Some(key), None, None) => {
            let key = key32(key, "the share key must be 32 bytes of base64url")?;
            Ok(Fragment::Share {
                id: id(share)?,
                key: AttachmentKey::from_bytes(*key),
            })
        }
        (Some("r"), Some(request), Some(pk), None) => {
            let pk = key32(pk, "the public key must be 32 bytes of base64url")?;
            Ok(Fragment::Request {
                id: id(request)?,
                public_key: *pk,
            })
        }
        (Some("d"), Some(share), Some(token), None) => {
            if token.is_empty() || token.len() > MAX_DELETE_TOKEN_CHARS || !is_b64u(token) {
                return Err(ShareError::BadLink("the delete token is not base64url"));
            }
            Ok(Fragment::Delete {
                id: id(share)?,
                token: Zeroizing::new(token.to_owned()),
            })
        }
        (None | Some(_), ..) => Err(ShareError::BadLink(
            "expected <id>.<key>, d.<id>.<token> or r.<id>.<public key>",
        )),
    }
}

/// A whole link: the server it names (`scheme://host[:port]`, http or
/// https) and its fragment.
#[derive(Debug)]
pub struct Link {
    pub origin: String,
    pub fragment: Fragment,
}

/// Reads `https://host[:port]/…#<fragment>` (what `bv share open` and
/// `delete` are given). The path is not checked; the origin is where the
/// API is called.
pub fn parse_link(url: &str) -> Result<Link> {
    let (base, fragment) = url
        .trim()
        .split_once('#')
        .ok_or(ShareError::BadLink("no # fragment"))?;
    let scheme_end = ["https://", "http://"]
        .iter()
        .find(|s| base.starts_with(*s))
        .map(|s| s.len())
        .ok_or(ShareError::BadLink("not an http or https URL"))?;
    let host_end = base
        .get(scheme_end..)
        .and_then(|rest| rest.find('/'))
        .map_or(base.len(), |i| scheme_end + i);
    if host_end == scheme_end {
        return Err(ShareError::BadLink("no host"));
    }
    let origin = base
        .get(..host_end)
        .ok_or(ShareError::BadLink("no host"))?
        .to_owned();
    Ok(Link {
        origin,
        fragment: parse_fragment(fragment)?,
    })
}

fn base(origin: &str) -> &str {
    origin.trim_end_matches('/')
}

/// `ORIGIN/s/#<id>.<BASE64URL(key)>`. The one place a share key is
/// rendered: the link is the capability.
pub fn share_link(origin: &str, share_id: &str, key: &AttachmentKey) -> Result<Zeroizing<String>> {
    let id = id(share_id)?;
    let key = Zeroizing::new(b64u_encode(key.expose_secret()));
    Ok(Zeroizing::new(format!(
        "{}/s/#{id}.{}",
        base(origin),
        key.as_str()
    )))
}

/// `ORIGIN/s/#d.<id>.<token>`, refusing an id or token [`parse_fragment`]
/// would not read back.
pub fn delete_link(origin: &str, share_id: &str, token: &str) -> Result<Zeroizing<String>> {
    let id = id(share_id)?;
    if token.is_empty() || token.len() > MAX_DELETE_TOKEN_CHARS || !is_b64u(token) {
        return Err(ShareError::BadLink("the delete token is not base64url"));
    }
    Ok(Zeroizing::new(format!(
        "{}/s/#d.{id}.{token}",
        base(origin)
    )))
}

/// `ORIGIN/s/#r.<id>.<BASE64URL(public key)>`.
pub fn request_link(origin: &str, request_id: &str, public_key: &[u8; 32]) -> Result<String> {
    let id = id(request_id)?;
    Ok(format!(
        "{}/s/#r.{id}.{}",
        base(origin),
        b64u_encode(public_key)
    ))
}
