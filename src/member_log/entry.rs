//! One member-log entry: its canonical body, signature and hash
//! (docs/SPEC.md § Member log).
//!
//! ```text
//! entry = "bv1-log." BASE64URL(body) "." BASE64URL(Ed25519(sk_by, "bv1/member-log" || 0x00 || body))
//! body  = {"v":1,"vault":V,"n":N,"prev":"<hex>","op":OP,"by":A,
//!          ["member":M,] ["role":R,] ["identity":"<bv1-id…>",] ["key":"<b64u>",] "time":T}
//! hash  = hex(SHA-256(ASCII(entry)))
//! ```

use crate::encoding::b64u_decode;
use crate::identity::{self, Identity};
use crate::strict_json::{self, Unknown, Value};
use crate::{Error, Result};
use sha2::{Digest, Sha256};

pub const ENTRY_PREFIX: &str = "bv1-log";
pub(crate) const ENTRY_LABEL: &[u8] = b"bv1/member-log";
/// Largest entry accepted (an identity statement is at most 2 KiB).
pub const MAX_ENTRY_LEN: usize = 8 * 1024;
/// `prev` of entry 0.
pub const GENESIS_PREV: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// A member's role (§ Roles): `read` < `write` < `admin` < `owner`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Role {
    Read,
    Write,
    Admin,
    Owner,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Read => "read",
            Role::Write => "write",
            Role::Admin => "admin",
            Role::Owner => "owner",
        }
    }
    pub fn parse(s: &str) -> Option<Role> {
        Some(match s {
            "read" => Role::Read,
            "write" => Role::Write,
            "admin" => Role::Admin,
            "owner" => Role::Owner,
            _ => return None,
        })
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    Create,
    Add,
    Role,
    Remove,
    Rotate,
}

impl Op {
    pub fn as_str(self) -> &'static str {
        match self {
            Op::Create => "create",
            Op::Add => "add",
            Op::Role => "role",
            Op::Remove => "remove",
            Op::Rotate => "rotate",
        }
    }
    fn parse(s: &str) -> Option<Op> {
        Some(match s {
            "create" => Op::Create,
            "add" => Op::Add,
            "role" => Op::Role,
            "remove" => Op::Remove,
            "rotate" => Op::Rotate,
            _ => return None,
        })
    }
    /// Entries that set a new vault key (and so carry `key`).
    pub fn sets_key(self) -> bool {
        matches!(self, Op::Create | Op::Remove | Op::Rotate)
    }
}

/// What an entry says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Body {
    pub vault: String,
    pub n: u64,
    pub prev: String,
    pub op: Op,
    pub by: String,
    pub member: Option<String>,
    pub role: Option<Role>,
    pub identity: Option<String>,
    /// The new vault key's commitment (§ Member log, key commitments).
    pub key: Option<String>,
    pub time: u64,
}

#[derive(serde::Serialize)]
struct Canonical<'a> {
    v: u8,
    vault: &'a str,
    n: u64,
    prev: &'a str,
    op: &'static str,
    by: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    member: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    role: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    identity: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    key: Option<&'a str>,
    time: u64,
}

impl Body {
    pub(crate) fn canonical(&self) -> Result<Vec<u8>> {
        serde_json::to_vec(&Canonical {
            v: 1,
            vault: &self.vault,
            n: self.n,
            prev: &self.prev,
            op: self.op.as_str(),
            by: &self.by,
            member: self.member.as_deref(),
            role: self.role.map(Role::as_str),
            identity: self.identity.as_deref(),
            key: self.key.as_deref(),
            time: self.time,
        })
        .map_err(|_| Error::InvalidPayload("cannot encode a log entry"))
    }
}

/// A parsed entry whose signature has not been checked yet.
#[derive(Clone, Debug)]
pub struct Entry {
    pub text: String,
    pub body: Body,
    pub(crate) body_bytes: Vec<u8>,
    pub(crate) sig: [u8; 64],
    pub hash: String,
    /// The parsed (self-signature verified) `identity`, when present.
    pub identity: Option<Identity>,
}

pub fn hash_of(entry: &str) -> String {
    hex_lower(&Sha256::digest(entry.as_bytes()))
}

pub(crate) fn hex_lower(bytes: &[u8]) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(HEX[usize::from(b >> 4)] as char);
        s.push(HEX[usize::from(b & 15)] as char);
    }
    s
}

pub(crate) fn is_hash(h: &str) -> bool {
    h.len() == 64 && h.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

pub(crate) fn is_commitment(k: &str) -> bool {
    k.len() == 43 && b64u_decode(k, "key").is_ok_and(|b| b.len() == 32)
}

impl Entry {
    /// Syntax only: shape, canonical body, embedded identity (its
    /// self-signature too unless `vouched`: the entry lies before an anchor
    /// this account verified). `index` names the entry in errors.
    pub fn parse(text: &str, index: u64, vouched: bool) -> Result<Entry> {
        let refuse = |reason| Error::LogEntryRefused { index, reason };
        if text.len() > MAX_ENTRY_LEN {
            return Err(refuse("too long"));
        }
        let (body_bytes, sig) = identity::split_compact(ENTRY_PREFIX, text)
            .ok_or(refuse("not bv1-log.<body>.<signature>"))?;
        let malformed = refuse("the body is not a canonical entry");
        let body = Self::read_body(&body_bytes, index)?;
        for id in [Some(&body.vault), Some(&body.by), body.member.as_ref()]
            .into_iter()
            .flatten()
        {
            crate::context::validate_id(id).map_err(|_| refuse("an id is invalid"))?;
        }
        if !is_hash(&body.prev) {
            return Err(refuse("prev is not a hex SHA-256"));
        }
        if body.key.as_deref().is_some_and(|k| !is_commitment(k)) {
            return Err(refuse("key is not a 32-byte commitment"));
        }
        if body.canonical()? != body_bytes {
            return Err(malformed);
        }
        let identity = match &body.identity {
            None => None,
            Some(t) => Some(
                if vouched {
                    Identity::parse_vouched(t)
                } else {
                    Identity::parse(t)
                }
                .map_err(|_| refuse("the identity statement does not verify"))?,
            ),
        };
        Ok(Entry {
            hash: hash_of(text),
            text: text.to_owned(),
            body,
            body_bytes,
            sig,
            identity,
        })
    }

    fn read_body(body_bytes: &[u8], index: u64) -> Result<Body> {
        let refuse = |reason| Error::LogEntryRefused { index, reason };
        let malformed = refuse("the body is not a canonical entry");
        let doc = strict_json::parse_bytes(body_bytes).map_err(|_| malformed.clone())?;
        let [v, vault, n, prev, op, by, member, role, ident, key, time] = doc
            .fields(
                [
                    "v", "vault", "n", "prev", "op", "by", "member", "role", "identity", "key",
                    "time",
                ],
                Unknown::Refuse,
            )
            .ok_or_else(|| malformed.clone())?;
        if v.and_then(Value::as_u64) != Some(1) {
            return Err(refuse("unknown version"));
        }
        let s = |x: Option<&Value<'_>>| x.and_then(Value::as_str).map(str::to_owned);
        let opt_s = |x: Option<&Value<'_>>| -> Result<Option<String>> {
            match x {
                None => Ok(None),
                Some(v) => v
                    .as_str()
                    .map(|s| Some(s.to_owned()))
                    .ok_or_else(|| malformed.clone()),
            }
        };
        Ok(Body {
            vault: s(vault).ok_or_else(|| malformed.clone())?,
            n: n.and_then(Value::as_u64).ok_or_else(|| malformed.clone())?,
            prev: s(prev).ok_or_else(|| malformed.clone())?,
            op: s(op)
                .as_deref()
                .and_then(Op::parse)
                .ok_or(refuse("unknown op"))?,
            by: s(by).ok_or_else(|| malformed.clone())?,
            member: opt_s(member)?,
            role: match opt_s(role)? {
                None => None,
                Some(r) => Some(Role::parse(&r).ok_or(refuse("unknown role"))?),
            },
            identity: opt_s(ident)?,
            key: opt_s(key)?,
            time: time
                .and_then(Value::as_u64)
                .ok_or_else(|| malformed.clone())?,
        })
    }

    /// Checks the signature with the signer's Ed25519 key.
    pub(crate) fn verify_signature(&self, signer: &[u8; 32]) -> Result<()> {
        identity::verify(signer, ENTRY_LABEL, &self.body_bytes, &self.sig).map_err(|_| {
            Error::LogEntryRefused {
                index: self.body.n,
                reason: "the signature does not verify",
            }
        })
    }
}
