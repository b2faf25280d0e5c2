//! The share payload and link formats of docs/SPEC.md § Sharing pages, the
//! same bytes www/share/format.js reads and writes.

use blindvault::encoding::b64u_decode;
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use crate::exit::{CliError, CliResult};

/// 5 minutes to 30 days (the server's maximum, routes/shares.rs).
pub const EXPIRY_MIN_SECS: i64 = 5 * 60;
pub const EXPIRY_MAX_SECS: i64 = 30 * 24 * 3600;
pub const VIEWS_MAX: i64 = 100;
/// The server's share field holds 16 MiB of base64url (validate.rs
/// MAX_SHARE_CIPHERTEXT); an 8 MiB file with a passphrase is about
/// 8 MiB · (4/3)² ≈ 14.2 MiB of it (the password envelope's base64url, then
/// the share's), which leaves room for tags and metadata.
pub const MAX_FILE_BYTES: u64 = 8 * 1024 * 1024;
/// The server's answer to `open`: that field plus the JSON around it.
pub const MAX_OPEN_ANSWER_BYTES: u64 = 16 * 1024 * 1024 + 4096;
pub const MAX_TEXT_BYTES: u64 = 64 * 1024;
const MAX_META_BYTES: usize = 4096;
/// Allowed difference between the sender's clock and the server's.
pub const CLOCK_SKEW_SECS: i64 = 10 * 60;
/// The chunked-encryption context id: `Context::share("v1")`.
pub const CONTEXT_ID: &str = "v1";

/// What the sender chose, bound inside the encrypted payload.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct Meta {
    pub v: u32,
    pub kind: String,
    pub max_views: i64,
    pub expires_at: i64,
    pub passphrase: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size: Option<u64>,
}

/// `u32be(len(meta)) || UTF-8(JSON meta)`: the body follows it.
pub fn plain_prefix(meta: &Meta) -> CliResult<Vec<u8>> {
    let m =
        serde_json::to_vec(meta).map_err(|_| CliError::other("cannot encode share metadata"))?;
    let len = u32::try_from(m.len()).map_err(|_| CliError::other("share metadata too long"))?;
    let mut out = Vec::with_capacity(4 + m.len());
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(&m);
    Ok(out)
}

/// Splits a decrypted payload into its metadata and body. `None` for
/// anything www/share/format.js or [`plain_prefix`] would not have made.
pub fn decode_plain(bytes: &[u8]) -> Option<(Meta, &[u8])> {
    let len_bytes: [u8; 4] = bytes.get(..4)?.try_into().ok()?;
    let len = usize::try_from(u32::from_be_bytes(len_bytes)).ok()?;
    if len > MAX_META_BYTES {
        return None;
    }
    let meta: Meta = serde_json::from_slice(bytes.get(4..4 + len)?).ok()?;
    if meta.v != 1 || !(meta.kind == "text" || meta.kind == "file") {
        return None;
    }
    Some((meta, bytes.get(4 + len..)?))
}

/// Whether the server's view budget and expiry are within what the sender chose.
pub fn limits_match(meta: &Meta, views_left: i64, expires_at: i64) -> bool {
    views_left < meta.max_views && expires_at <= meta.expires_at + CLOCK_SKEW_SECS
}

/// A parsed link: the server it came from and its fragment.
pub struct Link {
    pub server: String,
    pub id: String,
    /// The share key or delete token; never printed.
    pub secret: Zeroizing<String>,
}

fn valid_id(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 64
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// `https://host[:port]/s/#<id>.<key>` (share) or `…#d.<id>.<token>` (delete).
pub fn parse_link(url: &str, delete: bool) -> CliResult<Link> {
    let bad = || {
        CliError::usage(if delete {
            "not a delete link: expected https://HOST/s/#d.<id>.<token>"
        } else {
            "not a share link: expected https://HOST/s/#<id>.<key> (quote it for the shell)"
        })
    };
    let (base, fragment) = url.trim().split_once('#').ok_or_else(bad)?;
    let scheme_end = base.find("://").ok_or_else(bad)? + 3;
    let host_end = base[scheme_end..]
        .find('/')
        .map_or(base.len(), |i| scheme_end + i);
    let server = base[..host_end].to_string();
    if !(server.starts_with("http://") || server.starts_with("https://")) || host_end == scheme_end
    {
        return Err(bad());
    }
    let parts: Vec<&str> = fragment.split('.').collect();
    let (id, secret) = match (delete, parts.as_slice()) {
        (false, [id, key]) => (*id, *key),
        (true, ["d", id, token]) => (*id, *token),
        _ => return Err(bad()),
    };
    if !valid_id(id) || secret.is_empty() {
        return Err(bad());
    }
    if !delete
        && !matches!(
            b64u_decode(secret, "share key").map(|k| Zeroizing::new(k).len()),
            Ok(32)
        )
    {
        return Err(bad());
    }
    Ok(Link {
        server,
        id: id.to_string(),
        secret: Zeroizing::new(secret.to_string()),
    })
}

/// `90s`, `15m`, `1h`, `7d`, `2w`, or plain seconds.
pub fn parse_duration(s: &str) -> Result<i64, String> {
    let s = s.trim();
    let (num, unit) = match s.find(|c: char| !c.is_ascii_digit()) {
        Some(i) => s.split_at(i),
        None => (s, "s"),
    };
    let n: i64 = num
        .parse()
        .map_err(|_| format!("`{s}` is not a duration like 30m, 1h or 7d"))?;
    let mult = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        "w" => 604_800,
        _ => return Err(format!("unknown unit in `{s}`: use s, m, h, d or w")),
    };
    let secs = n.checked_mul(mult).ok_or("duration too long")?;
    if !(EXPIRY_MIN_SECS..=EXPIRY_MAX_SECS).contains(&secs) {
        return Err("the expiry must be between 5m and 30d".into());
    }
    Ok(secs)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("1h"), Ok(3600));
        assert_eq!(parse_duration("5m"), Ok(300));
        assert_eq!(parse_duration("30d"), Ok(30 * 86_400));
        assert!(parse_duration("4m").is_err());
        assert!(parse_duration("31d").is_err());
        assert!(parse_duration("1y").is_err());
        assert!(parse_duration("99999999999999999w").is_err());
    }

    #[test]
    fn payload_round_trip_and_refusals() {
        let meta = Meta {
            v: 1,
            kind: "text".into(),
            max_views: 1,
            expires_at: 10,
            passphrase: false,
            name: None,
            size: None,
        };
        let mut p = plain_prefix(&meta).unwrap();
        p.extend_from_slice(b"hi");
        let (m, body) = decode_plain(&p).unwrap();
        assert_eq!((m, body), (meta, &b"hi"[..]));
        assert!(decode_plain(&[0, 0, 0]).is_none());
        assert!(decode_plain(&[0, 0, 0xff, 0xff, b'{']).is_none());
        assert!(
            decode_plain(b"\0\0\0\x02{}").is_none(),
            "no version or kind"
        );
    }

    #[test]
    fn links() {
        let key = "A".repeat(43);
        let l = parse_link(&format!("http://127.0.0.1:8080/s/#abc_-1.{key}"), false).unwrap();
        assert_eq!(
            (l.server.as_str(), l.id.as_str()),
            ("http://127.0.0.1:8080", "abc_-1")
        );
        assert!(parse_link("http://h/s/#abc", false).is_err());
        assert!(parse_link(&format!("ftp://h/s/#abc.{key}"), false).is_err());
        assert!(parse_link("http://h/s/#abc.short", false).is_err());
        assert!(parse_link("http://h/s/#d.abc.tok", true).is_ok());
        assert!(parse_link(&format!("http://h/s/#a/b.{key}"), false).is_err());
    }
}
