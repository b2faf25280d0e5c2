//! The protected header of an envelope, parsed strictly.
//!
//! Read with [`crate::strict_json`] into what it said, member by member, so
//! that `envelope::check_header` can map each problem to its own error, in
//! the order SPEC.md fixes, instead of one opaque "bad JSON". Duplicate
//! members are refused here: two parsers that disagree on which duplicate
//! wins would see two different headers under one tag.

use crate::strict_json::{self, Value};
use crate::{Error, Result};
use std::borrow::Cow;

/// What the header said. Unknown or repeated members are recorded, not
/// silently dropped.
#[derive(Default)]
pub(super) struct Header<'a> {
    pub alg: Option<Cow<'a, str>>,
    pub enc: Option<Cow<'a, str>>,
    pub kid: Option<Cow<'a, str>>,
    pub ctx: Option<Cow<'a, str>>,
    /// `bv` if it was a non-negative integer; any other JSON value reads as
    /// "unknown version".
    pub bv: Option<u64>,
    pub crit: bool,
    /// Any member other than alg, enc, kid, bv, ctx, crit (`zip` included).
    pub unknown_member: bool,
}

impl<'a> Header<'a> {
    /// Parses the decoded header bytes: one JSON object, nothing after it.
    pub fn parse(json: &'a [u8]) -> Result<Self> {
        let not_object = || Error::MalformedEnvelope("protected header is not a JSON object");
        let doc = strict_json::parse_bytes(json).map_err(|_| not_object())?;
        let mut h = Header::default();
        // alg, enc, kid and ctx must be strings; anything else makes the
        // header unreadable rather than "unsupported".
        let string = |v: &Value<'a>| v.to_cow().ok_or_else(not_object);
        let mut duplicate = false;
        let mut bv_seen = false;
        for (key, value) in doc.members().ok_or_else(not_object)? {
            let slot = match key.as_ref() {
                "alg" => &mut h.alg,
                "enc" => &mut h.enc,
                "kid" => &mut h.kid,
                "ctx" => &mut h.ctx,
                "bv" => {
                    duplicate |= bv_seen;
                    bv_seen = true;
                    h.bv = value.as_u64();
                    continue;
                }
                "crit" => {
                    duplicate |= h.crit;
                    h.crit = true;
                    continue;
                }
                _ => {
                    h.unknown_member = true;
                    continue;
                }
            };
            duplicate |= slot.replace(string(value)?).is_some();
        }
        if duplicate {
            return Err(Error::MalformedEnvelope(
                "duplicate protected header member",
            ));
        }
        Ok(h)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn refuses_duplicates_and_trailing_data() {
        let dup = br#"{"alg":"dir","alg":"none"}"#;
        assert_eq!(
            Header::parse(dup).err(),
            Some(Error::MalformedEnvelope(
                "duplicate protected header member"
            ))
        );
        // A duplicate spelled with an escape is still the same member name.
        let dup2 = br#"{"alg":"dir","\u0061lg":"dir"}"#;
        assert!(Header::parse(dup2).is_err());
        assert!(Header::parse(br#"{"alg":"dir"} x"#).is_err());
        assert!(Header::parse(br#"["alg"]"#).is_err());
        assert!(Header::parse(br#"{"alg":1}"#).is_err());
    }

    #[test]
    fn records_unknown_members_crit_and_version() {
        let h = Header::parse(br#"{"zip":"DEF","bv":1,"crit":[]}"#).unwrap();
        assert!(h.unknown_member && h.crit);
        assert_eq!(h.bv, Some(1));
        assert_eq!(Header::parse(br#"{"bv":"1"}"#).unwrap().bv, None);
        assert_eq!(Header::parse(br#"{"bv":1.0}"#).unwrap().bv, None);
    }
}
