//! A strict, borrowing JSON reader (RFC 8259) for the documents the core
//! reads from untrusted input in every build: envelope protected headers,
//! item blobs, attachment metadata, overview snapshots and KDF parameters.
//!
//! Why not serde_json here: its typed deserialization reaches serde's
//! `Unexpected` error formatting, which links `<f64 as Display>`, `char`
//! escaping and their tables into the WebAssembly module, ~20 KB gzipped of
//! the unlock page's 120 KiB budget (docs/BENCHMARKS.md § Browser). None of
//! these documents holds a float and each is small, so a tree is cheap.
//! serde_json still writes them, and is the oracle this reader is tested
//! against (the differential property tests below).
//!
//! Accepted: RFC 8259 §2-7 exactly (no comments, trailing commas, NaN or
//! leading `+`), UTF-8 text, containers nested at most [`MAX_DEPTH`] deep
//! (serde_json's limit). Numbers are checked against the grammar and kept as
//! text; only plain non-negative integers convert. A `\u` escape of a lone
//! surrogate is refused (RFC 8259 §8.2 leaves it undefined). Duplicate object
//! members are kept in the tree; [`Value::fields`] refuses them among the
//! names its caller asks for, so no two readers can disagree on which wins.

use std::borrow::Cow;
use zeroize::Zeroize;

/// Deepest nesting of arrays and objects accepted (serde_json refuses the
/// 128th level, so both readers accept exactly the same documents).
pub(crate) const MAX_DEPTH: usize = 127;

/// The text is not one JSON value (or nests too deeply). Deliberately
/// carries nothing: callers map it to their own specific error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Syntax;

/// One parsed value and the exact text it was read from.
pub(crate) struct Value<'a> {
    /// The value's own text, without surrounding whitespace.
    pub(crate) raw: &'a str,
    kind: Kind<'a>,
}

enum Kind<'a> {
    Null,
    Bool,
    /// Grammar-checked; the digits are in `raw`.
    Number,
    /// Borrowed from the input unless it contained escapes.
    Str(Cow<'a, str>),
    Array(Vec<Value<'a>>),
    Object(Vec<(Cow<'a, str>, Value<'a>)>),
}

/// What [`Value::fields`] does with a member it was not asked for.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Unknown {
    Refuse,
    Ignore,
}

impl Drop for Value<'_> {
    // An unescaped copy may hold confidential text (a file name, a key in a
    // hostile writer's spelling); borrowed text belongs to the caller.
    fn drop(&mut self) {
        if let Kind::Str(Cow::Owned(s)) = &mut self.kind {
            s.zeroize();
        }
    }
}

/// Parses UTF-8 `bytes` as exactly one JSON value with optional whitespace
/// around it.
pub(crate) fn parse_bytes(bytes: &[u8]) -> Result<Value<'_>, Syntax> {
    parse(core::str::from_utf8(bytes).map_err(|_| Syntax)?)
}

/// Parses `text` as exactly one JSON value with optional whitespace around it.
pub(crate) fn parse(text: &str) -> Result<Value<'_>, Syntax> {
    let mut p = Parser { s: text, i: 0 };
    p.ws();
    let v = p.value(0)?;
    p.ws();
    if p.i == text.len() {
        Ok(v)
    } else {
        Err(Syntax)
    }
}

impl<'a> Value<'a> {
    /// The string, if this is one.
    pub(crate) fn as_str(&self) -> Option<&str> {
        match &self.kind {
            Kind::Str(s) => Some(s),
            _ => None,
        }
    }

    /// The string with the input's lifetime (copied only if it had escapes).
    pub(crate) fn to_cow(&self) -> Option<Cow<'a, str>> {
        match &self.kind {
            Kind::Str(Cow::Borrowed(s)) => Some(Cow::Borrowed(s)),
            Kind::Str(Cow::Owned(s)) => Some(Cow::Owned(s.clone())),
            _ => None,
        }
    }

    /// The string if it is spelled without escapes (ids, which writers never
    /// escape and which are returned borrowed).
    pub(crate) fn as_unescaped_str(&self) -> Option<&'a str> {
        match &self.kind {
            Kind::Str(Cow::Borrowed(s)) => Some(s),
            _ => None,
        }
    }

    /// A non-negative integer written without fraction or exponent that fits
    /// in a `u64` (`1.0`, `1e0` and `-0` are not integers here).
    pub(crate) fn as_u64(&self) -> Option<u64> {
        match self.kind {
            Kind::Number if self.raw.bytes().all(|b| b.is_ascii_digit()) => self.raw.parse().ok(),
            _ => None,
        }
    }

    /// [`Self::as_u64`] within `u32`.
    pub(crate) fn as_u32(&self) -> Option<u32> {
        self.as_u64().and_then(|n| u32::try_from(n).ok())
    }

    pub(crate) fn as_array(&self) -> Option<&[Value<'a>]> {
        match &self.kind {
            Kind::Array(items) => Some(items),
            _ => None,
        }
    }

    /// An object's members in document order, duplicates included.
    pub(crate) fn members(&self) -> Option<&[(Cow<'a, str>, Value<'a>)]> {
        match &self.kind {
            Kind::Object(members) => Some(members),
            _ => None,
        }
    }

    pub(crate) fn is_object(&self) -> bool {
        matches!(self.kind, Kind::Object(_))
    }

    /// The members called `names`, in that order (`None` where absent).
    /// Refused (`None` overall): not an object, one of `names` twice, or,
    /// with [`Unknown::Refuse`], any other member.
    pub(crate) fn fields<const N: usize>(
        &self,
        names: [&str; N],
        unknown: Unknown,
    ) -> Option<[Option<&Value<'a>>; N]> {
        let mut out = [None; N];
        for (key, value) in self.members()? {
            match names.iter().position(|n| *n == key.as_ref()) {
                Some(i) => {
                    let slot = out.get_mut(i)?;
                    if slot.replace(value).is_some() {
                        return None;
                    }
                }
                None if unknown == Unknown::Refuse => return None,
                None => {}
            }
        }
        Some(out)
    }
}

struct Parser<'a> {
    s: &'a str,
    i: usize,
}

impl<'a> Parser<'a> {
    fn peek(&self) -> Option<u8> {
        self.s.as_bytes().get(self.i).copied()
    }

    fn eat(&mut self, b: u8) -> bool {
        let hit = self.peek() == Some(b);
        self.i += usize::from(hit);
        hit
    }

    fn consume(&mut self, b: u8) -> Result<(), Syntax> {
        if self.eat(b) {
            Ok(())
        } else {
            Err(Syntax)
        }
    }

    /// RFC 8259 §2: whitespace is space, tab, line feed and carriage return.
    fn ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.i += 1;
        }
    }

    fn literal(&mut self, word: &str) -> Result<(), Syntax> {
        if self.s.as_bytes().get(self.i..self.i + word.len()) == Some(word.as_bytes()) {
            self.i += word.len();
            Ok(())
        } else {
            Err(Syntax)
        }
    }

    /// `depth` containers enclose this value.
    fn value(&mut self, depth: usize) -> Result<Value<'a>, Syntax> {
        let start = self.i;
        let kind = match self.peek().ok_or(Syntax)? {
            b'{' => Kind::Object(self.object(depth)?),
            b'[' => Kind::Array(self.array(depth)?),
            b'"' => Kind::Str(self.string()?),
            b't' => self.literal("true").map(|()| Kind::Bool)?,
            b'f' => self.literal("false").map(|()| Kind::Bool)?,
            b'n' => self.literal("null").map(|()| Kind::Null)?,
            b'-' | b'0'..=b'9' => self.number().map(|()| Kind::Number)?,
            _ => return Err(Syntax),
        };
        let raw = self.s.get(start..self.i).ok_or(Syntax)?;
        Ok(Value { raw, kind })
    }

    fn object(&mut self, depth: usize) -> Result<Vec<(Cow<'a, str>, Value<'a>)>, Syntax> {
        if depth >= MAX_DEPTH {
            return Err(Syntax);
        }
        self.consume(b'{')?;
        let mut members = Vec::new();
        self.ws();
        if self.eat(b'}') {
            return Ok(members);
        }
        loop {
            self.ws();
            if self.peek() != Some(b'"') {
                return Err(Syntax);
            }
            let key = self.string()?;
            self.ws();
            self.consume(b':')?;
            self.ws();
            let value = self.value(depth + 1)?;
            members.push((key, value));
            self.ws();
            if !self.eat(b',') {
                self.consume(b'}')?;
                return Ok(members);
            }
        }
    }

    fn array(&mut self, depth: usize) -> Result<Vec<Value<'a>>, Syntax> {
        if depth >= MAX_DEPTH {
            return Err(Syntax);
        }
        self.consume(b'[')?;
        let mut items = Vec::new();
        self.ws();
        if self.eat(b']') {
            return Ok(items);
        }
        loop {
            self.ws();
            items.push(self.value(depth + 1)?);
            self.ws();
            if !self.eat(b',') {
                self.consume(b']')?;
                return Ok(items);
            }
        }
    }

    /// RFC 8259 §6: `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`.
    fn number(&mut self) -> Result<(), Syntax> {
        self.eat(b'-');
        if !self.eat(b'0') {
            if !matches!(self.peek(), Some(b'1'..=b'9')) {
                return Err(Syntax);
            }
            self.digits();
        }
        if self.eat(b'.') && self.digits() == 0 {
            return Err(Syntax);
        }
        if self.eat(b'e') || self.eat(b'E') {
            if !self.eat(b'+') {
                self.eat(b'-');
            }
            if self.digits() == 0 {
                return Err(Syntax);
            }
        }
        Ok(())
    }

    fn digits(&mut self) -> usize {
        let start = self.i;
        while matches!(self.peek(), Some(b'0'..=b'9')) {
            self.i += 1;
        }
        self.i - start
    }

    /// RFC 8259 §7. Borrowed when there is no escape (the common case).
    fn string(&mut self) -> Result<Cow<'a, str>, Syntax> {
        self.consume(b'"')?;
        let start = self.i;
        loop {
            match self.peek().ok_or(Syntax)? {
                b'"' => {
                    let s = self.s.get(start..self.i).ok_or(Syntax)?;
                    self.i += 1;
                    return Ok(Cow::Borrowed(s));
                }
                b'\\' => break,
                0x00..=0x1f => return Err(Syntax),
                _ => self.i += 1,
            }
        }
        let mut out = String::from(self.s.get(start..self.i).ok_or(Syntax)?);
        loop {
            let run = self.i;
            while !matches!(self.peek().ok_or(Syntax)?, b'"' | b'\\' | 0x00..=0x1f) {
                self.i += 1;
            }
            out.push_str(self.s.get(run..self.i).ok_or(Syntax)?);
            match self.peek().ok_or(Syntax)? {
                b'"' => {
                    self.i += 1;
                    return Ok(Cow::Owned(out));
                }
                b'\\' => {
                    self.i += 1;
                    let c = self.escape()?;
                    out.push(c);
                }
                _ => return Err(Syntax),
            }
        }
    }

    /// The character after a backslash.
    fn escape(&mut self) -> Result<char, Syntax> {
        let b = self.peek().ok_or(Syntax)?;
        self.i += 1;
        Ok(match b {
            b'"' => '"',
            b'\\' => '\\',
            b'/' => '/',
            b'b' => '\u{8}',
            b'f' => '\u{c}',
            b'n' => '\n',
            b'r' => '\r',
            b't' => '\t',
            b'u' => {
                let hi = self.hex4()?;
                let code = match hi {
                    0xD800..=0xDBFF => {
                        self.literal("\\u")?;
                        let lo = self.hex4()?;
                        if !(0xDC00..=0xDFFF).contains(&lo) {
                            return Err(Syntax);
                        }
                        0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00)
                    }
                    0xDC00..=0xDFFF => return Err(Syntax),
                    _ => hi,
                };
                char::from_u32(code).ok_or(Syntax)?
            }
            _ => return Err(Syntax),
        })
    }

    fn hex4(&mut self) -> Result<u32, Syntax> {
        let digits = self.s.get(self.i..self.i + 4).ok_or(Syntax)?;
        if !digits.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(Syntax);
        }
        self.i += 4;
        u32::from_str_radix(digits, 16).map_err(|_| Syntax)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn ok(s: &str) -> bool {
        parse(s).is_ok()
    }

    #[test]
    fn grammar_edges_match_rfc_8259() {
        for good in [
            "0",
            "-0",
            "1.5e-3",
            "1E+2",
            "[]",
            "{}",
            " [ 1 , 2 ] ",
            r#"{"a":[{"b":null}]}"#,
            r#""\u00e9\ud83d\ude00\/""#,
            "true",
            "false",
            "null",
            "\"\"",
        ] {
            assert!(ok(good), "{good}");
        }
        for bad in [
            "",
            " ",
            "01",
            "1.",
            ".5",
            "+1",
            "1e",
            "-",
            "NaN",
            "[1,]",
            "{\"a\":1,}",
            "{a:1}",
            "[1] x",
            "\"\t\"",
            r#""\ud800""#,
            r#""\udc00x""#,
            r#""\ud800\u0041""#,
            r#""\x""#,
            "tru",
            "nul",
            "[",
            "{\"a\"}",
            "\"abc",
            "'a'",
            "[1 2]",
            "// c\n1",
        ] {
            assert!(!ok(bad), "{bad}");
        }
    }

    #[test]
    fn strings_borrow_unless_escaped_and_unescape_exactly() {
        let v = parse(r#"["plain", "a\"b\\c\nd\u00e9\ud83d\ude00"]"#).unwrap();
        let items = v.as_array().unwrap();
        assert_eq!(items[0].as_unescaped_str(), Some("plain"));
        assert_eq!(items[1].as_unescaped_str(), None);
        assert_eq!(items[1].as_str(), Some("a\"b\\c\nd\u{e9}\u{1f600}"));
        assert_eq!(items[1].raw, r#""a\"b\\c\nd\u00e9\ud83d\ude00""#);
    }

    #[test]
    fn integers_only_in_plain_spelling() {
        let n = |s: &str| parse(s).unwrap().as_u64();
        assert_eq!(n("0"), Some(0));
        assert_eq!(n("18446744073709551615"), Some(u64::MAX));
        assert_eq!(n("18446744073709551616"), None);
        for s in ["-0", "1.0", "1e0", "-1", "\"1\""] {
            assert_eq!(n(s), None, "{s}");
        }
        assert_eq!(parse("4294967296").unwrap().as_u32(), None);
    }

    #[test]
    fn depth_limit_is_serde_jsons() {
        let nested = |n: usize| "[".repeat(n) + &"]".repeat(n);
        for n in [MAX_DEPTH, MAX_DEPTH + 1] {
            let ours = ok(&nested(n));
            let theirs = serde_json::from_str::<serde_json::Value>(&nested(n)).is_ok();
            assert_eq!(ours, theirs, "depth {n}");
        }
        assert!(ok(&nested(MAX_DEPTH)));
        assert!(!ok(&nested(MAX_DEPTH + 1)));
    }

    #[test]
    fn fields_refuse_duplicates_and_unknown_members_on_request() {
        let v = parse(r#"{"a":1,"b":"x","c":null}"#).unwrap();
        let [a, b, z] = v.fields(["a", "b", "z"], Unknown::Ignore).unwrap();
        assert_eq!(a.and_then(Value::as_u64), Some(1));
        assert_eq!(b.and_then(Value::as_str), Some("x"));
        assert!(z.is_none());
        assert!(v.fields(["a", "b"], Unknown::Refuse).is_none());
        let dup = parse(r#"{"a":1,"a":2}"#).unwrap();
        assert!(dup.fields(["a"], Unknown::Ignore).is_none());
        // A duplicate of a member nobody asked for is not this caller's business.
        assert!(dup.fields(["b"], Unknown::Ignore).is_some());
        assert!(parse("[1]")
            .unwrap()
            .fields(["a"], Unknown::Ignore)
            .is_none());
    }

    /// Differential test against serde_json on random JSON-ish text and on
    /// mutations of valid documents: both accept exactly the same texts.
    /// serde_json's `RawValue` is the oracle (it checks the grammar without
    /// converting numbers, as this reader does); it does not pair `\u`
    /// surrogates, so texts with `\u` are left to the unit tests above.
    #[cfg(not(target_arch = "wasm32"))]
    mod differential {
        use super::*;
        use proptest::prelude::*;
        use serde_json::value::RawValue;

        fn serde_accepts(s: &str) -> bool {
            serde_json::from_str::<Box<RawValue>>(s).is_ok()
        }

        fn json_value() -> impl Strategy<Value = serde_json::Value> {
            let leaf = prop_oneof![
                Just(serde_json::Value::Null),
                any::<bool>().prop_map(serde_json::Value::from),
                any::<u64>().prop_map(serde_json::Value::from),
                any::<i64>().prop_map(serde_json::Value::from),
                (-1e300f64..1e300).prop_map(serde_json::Value::from),
                ".{0,12}".prop_map(serde_json::Value::from),
            ];
            leaf.prop_recursive(4, 32, 6, |inner| {
                prop_oneof![
                    prop::collection::vec(inner.clone(), 0..6).prop_map(serde_json::Value::from),
                    prop::collection::btree_map(".{0,6}", inner, 0..6)
                        .prop_map(|m| serde_json::Value::Object(m.into_iter().collect())),
                ]
            })
        }

        proptest! {
            #[test]
            fn same_verdict_on_json_ish_text(s in r#"[\[\]{}",:0-9.eE+\- \ttrufalsn\\/bx]{0,40}"#) {
                prop_assume!(!s.contains("\\u"));
                prop_assert_eq!(parse(&s).is_ok(), serde_accepts(&s), "{:?}", s);
            }

            #[test]
            fn reads_what_serde_json_writes(v in json_value()) {
                let text = serde_json::to_string(&v).unwrap();
                let ours = parse(&text).unwrap();
                prop_assert_eq!(ours.raw, text.as_str());
                if let serde_json::Value::String(s) = &v {
                    prop_assert_eq!(ours.as_str(), Some(s.as_str()));
                }
                if let Some(n) = v.as_u64() {
                    prop_assert_eq!(ours.as_u64(), Some(n));
                }
            }

            #[test]
            fn same_verdict_on_mutated_documents(v in json_value(), at in any::<prop::sample::Index>(), b in 0x20u8..0x7f) {
                let mut text = serde_json::to_string_pretty(&v).unwrap().into_bytes();
                let i = at.index(text.len());
                text[i] = b;
                if let Ok(s) = String::from_utf8(text) {
                    prop_assume!(!s.contains("\\u"));
                    prop_assert_eq!(parse(&s).is_ok(), serde_accepts(&s), "{:?}", s);
                }
            }
        }
    }

    #[test]
    fn invalid_utf8_is_refused() {
        assert_eq!(parse_bytes(b"\"\xff\"").err(), Some(Syntax));
        assert!(parse_bytes("\"é\"".as_bytes()).is_ok());
    }
}
