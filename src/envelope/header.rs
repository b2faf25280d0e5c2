//! The protected header of an envelope, parsed strictly.
//!
//! serde_json keeps the last of duplicate object members and `#[derive]`d
//! structs would turn every problem into one opaque error, so the header is
//! read by a small visitor that records what it saw; `envelope::check_header`
//! then maps each problem to its own error, in the order SPEC.md fixes.
//! Duplicate members are refused here: two parsers that disagree on which
//! duplicate wins would see two different headers under one tag.

use crate::{Error, Result};
use core::fmt;
use serde::de::{self, Deserialize, Deserializer, IgnoredAny, MapAccess, Visitor};
use std::borrow::Cow;

/// A JSON string, borrowed from the input unless it contained escapes.
struct CowStr<'a>(Cow<'a, str>);

impl<'de> Deserialize<'de> for CowStr<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> core::result::Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = CowStr<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(CowStr(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(CowStr(Cow::Owned(v.to_owned())))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
                Ok(CowStr(Cow::Owned(v)))
            }
        }
        d.deserialize_str(V)
    }
}

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
    duplicate: bool,
    bv_seen: bool,
}

impl<'a> Header<'a> {
    /// Parses the decoded header bytes: one JSON object, nothing after it.
    pub fn parse(json: &'a [u8]) -> Result<Self> {
        let mut de = serde_json::Deserializer::from_slice(json);
        let h = de
            .deserialize_map(HeaderVisitor)
            .and_then(|h| de.end().map(|()| h))
            .map_err(|_| Error::MalformedEnvelope("protected header is not a JSON object"))?;
        if h.duplicate {
            return Err(Error::MalformedEnvelope(
                "duplicate protected header member",
            ));
        }
        Ok(h)
    }
}

struct HeaderVisitor;

fn set<'a, E: de::Error>(
    slot: &mut Option<Cow<'a, str>>,
    dup: &mut bool,
    v: CowStr<'a>,
) -> core::result::Result<(), E> {
    if slot.is_some() {
        *dup = true;
    }
    *slot = Some(v.0);
    Ok(())
}

impl<'de> Visitor<'de> for HeaderVisitor {
    type Value = Header<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JWE protected header object")
    }

    fn visit_map<A: MapAccess<'de>>(
        self,
        mut map: A,
    ) -> core::result::Result<Header<'de>, A::Error> {
        let mut h = Header::default();
        while let Some(key) = map.next_key::<CowStr<'de>>()? {
            match key.0.as_ref() {
                "alg" => set(&mut h.alg, &mut h.duplicate, map.next_value()?)?,
                "enc" => set(&mut h.enc, &mut h.duplicate, map.next_value()?)?,
                "kid" => set(&mut h.kid, &mut h.duplicate, map.next_value()?)?,
                "ctx" => set(&mut h.ctx, &mut h.duplicate, map.next_value()?)?,
                "bv" => {
                    h.duplicate |= h.bv_seen;
                    h.bv_seen = true;
                    h.bv = map.next_value::<serde_json::Value>()?.as_u64();
                }
                "crit" => {
                    h.duplicate |= h.crit;
                    h.crit = true;
                    map.next_value::<IgnoredAny>()?;
                }
                _ => {
                    h.unknown_member = true;
                    map.next_value::<IgnoredAny>()?;
                }
            }
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
