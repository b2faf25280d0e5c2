//! The sharing pages' rules in the core (src/share_link, docs/SPEC.md
//! § Sharing pages): framing, limits at and past their bounds, strict
//! metadata, the three link forms, request answers, and byte compatibility
//! with what the pages and `bv share` wrote before the rules moved here.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use blindvault::attachment::{AttachmentKey, Encryptor};
use blindvault::encoding::b64u_encode;
use blindvault::share_link::{
    self as sl, decode_payload, encode_payload, encode_prefix, link, open_payload, parse_fragment,
    parse_link, request, Fragment, ShareError, ShareKind, ShareMeta, SharePayload,
};
use blindvault::sharing::KeyPair;

const NOW: u64 = 1_700_000_000;

fn framed(meta: &str, body: &[u8]) -> Vec<u8> {
    let mut out = (meta.len() as u32).to_be_bytes().to_vec();
    out.extend_from_slice(meta.as_bytes());
    out.extend_from_slice(body);
    out
}

fn err(plain: &[u8]) -> ShareError {
    decode_payload(plain).map(|_| ()).unwrap_err()
}

#[test]
fn text_payload_bytes_are_what_the_pages_wrote() {
    let meta = ShareMeta::text(3, 3600, NOW, false).unwrap();
    let plain = encode_payload(&meta, b"hunter2", None).unwrap();
    // JSON.stringify({v, kind, max_views, expires_at, passphrase}) in this order.
    let expected = framed(
        r#"{"v":1,"kind":"text","max_views":3,"expires_at":1700003600,"passphrase":false}"#,
        b"hunter2",
    );
    assert_eq!(plain.as_slice(), expected.as_slice());
    let (back, body) = decode_payload(&plain).unwrap();
    assert_eq!((back, body), (meta, &b"hunter2"[..]));
}

#[test]
fn file_payload_round_trip_and_prefix() {
    let content = vec![7u8; 1000];
    let meta = ShareMeta::file(Some("cert \"1\".pem".into()), 1000, 1, 300, NOW, false).unwrap();
    let prefix = encode_prefix(&meta).unwrap();
    let json = br#"{"v":1,"kind":"file","max_views":1,"expires_at":1700000300,"passphrase":false,"name":"cert \"1\".pem","size":1000}"#;
    assert_eq!(&prefix[..4], (json.len() as u32).to_be_bytes());
    assert_eq!(&prefix[4..], json);
    let plain = encode_payload(&meta, &content, None).unwrap();
    assert_eq!(&plain[..prefix.len()], prefix.as_slice());
    let p = SharePayload::decode(plain).unwrap();
    assert_eq!(p.meta().name(), Some("cert \"1\".pem"));
    assert_eq!(
        p.meta().kind(),
        &ShareKind::File {
            name: Some("cert \"1\".pem".into()),
            size: 1000
        }
    );
    assert_eq!(p.content().unwrap(), content.as_slice());
    assert_eq!(p.unlock("x").unwrap_err(), ShareError::NoPassphrase);
    // A file without a name (what bv wrote for a path without one) reads.
    let nameless = framed(
        r#"{"v":1,"kind":"file","max_views":1,"expires_at":5,"passphrase":false,"size":2}"#,
        b"ab",
    );
    assert_eq!(decode_payload(&nameless).unwrap().0.name(), None);
}

#[test]
fn passphrase_layer_round_trip() {
    let meta = ShareMeta::text(2, 600, NOW, true).unwrap();
    assert_eq!(
        encode_payload(&meta, b"s3cret", None).unwrap_err(),
        ShareError::PassphraseRequired
    );
    let plain = encode_payload(&meta, b"s3cret", Some("open sesame")).unwrap();
    let p = SharePayload::decode(plain).unwrap();
    assert_eq!(p.content().unwrap_err(), ShareError::PassphraseRequired);
    assert_eq!(p.unlock("wrong").unwrap_err(), ShareError::WrongPassphrase);
    assert_eq!(p.unlock("open sesame").unwrap().as_slice(), b"s3cret");
    let plain_meta = ShareMeta::text(2, 600, NOW, false).unwrap();
    assert_eq!(
        encode_payload(&plain_meta, b"x", Some("p")).unwrap_err(),
        ShareError::NoPassphrase
    );
}

#[test]
fn sender_limits_at_and_past_their_bounds() {
    use sl::{EXPIRY_MAX_SECS, EXPIRY_MIN_SECS, MAX_FILE_BYTES, MAX_TEXT_BYTES, VIEWS_MAX};
    assert_eq!((EXPIRY_MIN_SECS, EXPIRY_MAX_SECS), (300, 2_592_000));
    assert_eq!(
        (VIEWS_MAX, MAX_TEXT_BYTES, MAX_FILE_BYTES),
        (100, 65_536, 8_388_608)
    );
    assert!(ShareMeta::text(1, EXPIRY_MIN_SECS, NOW, false).is_ok());
    assert!(ShareMeta::text(1, EXPIRY_MAX_SECS, NOW, false).is_ok());
    for secs in [0, EXPIRY_MIN_SECS - 1, EXPIRY_MAX_SECS + 1, u64::MAX] {
        assert_eq!(
            ShareMeta::text(1, secs, NOW, false).unwrap_err(),
            ShareError::Lifetime
        );
    }
    assert!(ShareMeta::text(VIEWS_MAX, 300, NOW, false).is_ok());
    for views in [0, VIEWS_MAX + 1] {
        assert_eq!(
            ShareMeta::text(views, 300, NOW, false).unwrap_err(),
            ShareError::Views
        );
    }
    assert!(sl::check_text(&vec![b'a'; MAX_TEXT_BYTES]).is_ok());
    assert_eq!(
        sl::check_text(&vec![b'a'; MAX_TEXT_BYTES + 1]).unwrap_err(),
        ShareError::TextTooLong {
            len: MAX_TEXT_BYTES + 1
        }
    );
    assert_eq!(sl::check_text(b"").unwrap_err(), ShareError::EmptyText);
    assert_eq!(
        sl::check_text(b"\xff").unwrap_err(),
        ShareError::TextNotUtf8
    );
    assert!(ShareMeta::file(None, MAX_FILE_BYTES, 1, 300, NOW, false).is_ok());
    assert_eq!(
        ShareMeta::file(None, MAX_FILE_BYTES + 1, 1, 300, NOW, false).unwrap_err(),
        ShareError::FileTooLarge {
            size: MAX_FILE_BYTES + 1
        }
    );
    // The content must be what the metadata announced.
    let meta = ShareMeta::file(None, 3, 1, 300, NOW, false).unwrap();
    assert_eq!(
        encode_payload(&meta, b"abcd", None).unwrap_err(),
        ShareError::SizeMismatch {
            expected: 3,
            actual: 4
        }
    );
    let text = ShareMeta::text(1, 300, NOW, false).unwrap();
    assert!(encode_payload(&text, &vec![b'a'; MAX_TEXT_BYTES], None).is_ok());
    assert!(encode_payload(&text, &vec![b'a'; MAX_TEXT_BYTES + 1], None).is_err());
}

#[test]
fn metadata_length_limit() {
    // A name that makes the JSON exactly 4096 bytes is written; one more is not.
    let base = r#"{"v":1,"kind":"file","max_views":1,"expires_at":1700000300,"passphrase":false,"name":"","size":0}"#.len();
    let fits = "n".repeat(sl::MAX_META_BYTES - base);
    let meta = ShareMeta::file(Some(fits.clone()), 0, 1, 300, NOW, false).unwrap();
    let prefix = encode_prefix(&meta).unwrap();
    assert_eq!(prefix.len(), 4 + sl::MAX_META_BYTES);
    assert!(decode_payload(&prefix).is_ok());
    assert_eq!(
        ShareMeta::file(Some(format!("{fits}n")), 0, 1, 300, NOW, false).unwrap_err(),
        ShareError::MetaTooLong {
            len: sl::MAX_META_BYTES + 1
        }
    );
    // A reader refuses a longer length field before looking at the JSON.
    let mut long = prefix.clone();
    long[..4].copy_from_slice(&(sl::MAX_META_BYTES as u32 + 1).to_be_bytes());
    long.push(b' ');
    assert_eq!(
        err(&long),
        ShareError::MetaTooLong {
            len: sl::MAX_META_BYTES + 1
        }
    );
}

#[test]
fn malformed_payloads_are_refused_with_specific_errors() {
    let ok = r#"{"v":1,"kind":"text","max_views":1,"expires_at":5,"passphrase":false}"#;
    assert!(decode_payload(&framed(ok, b"x")).is_ok());
    assert!(matches!(err(b""), ShareError::Malformed(_)));
    assert!(matches!(err(&[0, 0, 0]), ShareError::Malformed(_)));
    assert!(matches!(err(&[0, 0, 0, 9, b'{']), ShareError::Malformed(_)));
    assert_eq!(
        err(&framed(r#"{"v":2,"kind":"text"}"#, b"x")),
        ShareError::UnsupportedVersion
    );
    assert_eq!(
        err(&framed(r#"{"kind":"text"}"#, b"x")),
        ShareError::UnsupportedVersion
    );
    assert_eq!(
        err(&framed(r#"{"v":1,"kind":"html"}"#, b"x")),
        ShareError::UnknownKind
    );
    let cases = [
        "not json",
        "[1]",
        r#"{"v":1,"kind":"text","max_views":1,"expires_at":5,"passphrase":false,"extra":1}"#,
        r#"{"v":1,"kind":"text","max_views":1,"max_views":1,"expires_at":5,"passphrase":false}"#,
        r#"{"v":1,"kind":"text","max_views":"1","expires_at":5,"passphrase":false}"#,
        r#"{"v":1,"kind":"text","max_views":1.0,"expires_at":5,"passphrase":false}"#,
        r#"{"v":1,"kind":"text","max_views":1,"expires_at":-5,"passphrase":false}"#,
        r#"{"v":1,"kind":"text","max_views":1,"expires_at":9007199254740992,"passphrase":false}"#,
        r#"{"v":1,"kind":"text","max_views":1,"expires_at":5,"passphrase":0}"#,
        r#"{"v":1,"kind":"text","max_views":1,"expires_at":5}"#,
        r#"{"v":1,"kind":"text","max_views":1,"expires_at":5,"passphrase":false,"name":"a"}"#,
        r#"{"v":1,"kind":"file","max_views":1,"expires_at":5,"passphrase":false}"#,
        r#"{"v":1,"kind":"file","max_views":1,"expires_at":5,"passphrase":false,"name":7,"size":1}"#,
    ];
    for meta in cases {
        assert!(
            matches!(err(&framed(meta, b"x")), ShareError::Malformed(_)),
            "{meta}"
        );
    }
    for views in ["0", "101"] {
        let meta = format!(
            r#"{{"v":1,"kind":"text","max_views":{views},"expires_at":5,"passphrase":false}}"#
        );
        assert_eq!(err(&framed(&meta, b"x")), ShareError::Views);
    }
    let file = |size: u64| {
        format!(
            r#"{{"v":1,"kind":"file","max_views":1,"expires_at":5,"passphrase":false,"size":{size}}}"#
        )
    };
    assert_eq!(
        err(&framed(&file(sl::MAX_FILE_BYTES + 1), b"")),
        ShareError::FileTooLarge {
            size: sl::MAX_FILE_BYTES + 1
        }
    );
    assert_eq!(
        err(&framed(&file(3), b"ab")),
        ShareError::SizeMismatch {
            expected: 3,
            actual: 2
        }
    );
    // The body of a text share is UTF-8 within the limit; a passphrase body is ASCII.
    assert_eq!(err(&framed(ok, b"\xff")), ShareError::TextNotUtf8);
    assert!(matches!(
        err(&framed(ok, &vec![b'a'; 65_537])),
        ShareError::TextTooLong { .. }
    ));
    let pass = r#"{"v":1,"kind":"text","max_views":1,"expires_at":5,"passphrase":true}"#;
    assert!(matches!(
        err(&framed(pass, "é".as_bytes())),
        ShareError::Malformed(_)
    ));
}

#[test]
fn limits_match_as_the_pages_checked() {
    let meta = ShareMeta::text(3, 3600, NOW, false).unwrap();
    let exp = (NOW + 3600) as i64;
    assert!(meta.limits_match(2, exp));
    assert!(meta.limits_match(0, exp + 600), "clock skew allowed");
    assert!(!meta.limits_match(3, exp), "this open used a view");
    assert!(!meta.limits_match(2, exp + 601));
    assert!(!meta.limits_match(i64::MAX, i64::MIN));
    assert!(meta.limits_match(-1, i64::MIN));
}

fn key_text(key: &AttachmentKey) -> String {
    b64u_encode(key.expose_secret())
}

#[test]
fn fragments_valid_and_invalid() {
    let key = AttachmentKey::from_bytes([9; 32]);
    let k = key_text(&key);
    match parse_fragment(&format!("abc_-1.{k}")).unwrap() {
        Fragment::Share { id, key: got } => {
            assert_eq!(id, "abc_-1");
            assert_eq!(got.expose_secret(), key.expose_secret());
        }
        other => panic!("{other:?}"),
    }
    // Two parts are a share even when the id is `d` or `r`.
    assert!(matches!(
        parse_fragment(&format!("d.{k}")).unwrap(),
        Fragment::Share { .. }
    ));
    match parse_fragment(&format!("r.req-1.{k}")).unwrap() {
        Fragment::Request { id, public_key } => {
            assert_eq!((id.as_str(), public_key), ("req-1", [9; 32]))
        }
        other => panic!("{other:?}"),
    }
    match parse_fragment("d.share1.tok_EN-123").unwrap() {
        Fragment::Delete { id, token } => {
            assert_eq!((id.as_str(), token.as_str()), ("share1", "tok_EN-123"))
        }
        other => panic!("{other:?}"),
    }
    let id65 = "a".repeat(65);
    let bad = [
        String::new(),
        "only-an-id".into(),
        format!("abc.{}", &k[..42]),
        format!("abc.{k}A"),
        format!("abc.{}B", &k[..42]), // 43 characters, non-canonical trailing bits
        format!("a/b.{k}"),
        format!("{id65}.{k}"),
        format!(".{k}"),
        format!("abc.{k}.x"),
        format!("x.abc.{k}"),
        format!("r.abc.{}", &k[..40]),
        format!("r..{k}"),
        "d.abc.".into(),
        "d.abc.to+ken".into(),
        format!("d.abc.{}", "t".repeat(link::MAX_DELETE_TOKEN_CHARS + 1)),
        format!("d.a b.{k}"),
        format!("r.abc.{k}.more"),
    ];
    for f in bad {
        assert!(
            matches!(parse_fragment(&f), Err(ShareError::BadLink(_))),
            "{f}"
        );
    }
    assert!(parse_fragment(&format!(
        "d.abc.{}",
        "t".repeat(link::MAX_DELETE_TOKEN_CHARS)
    ))
    .is_ok());
}

#[test]
fn links_build_and_parse_back() {
    let key = AttachmentKey::from_bytes([3; 32]);
    let share = link::share_link("https://vault.example.com/", "s1", &key).unwrap();
    assert_eq!(
        share.as_str(),
        format!("https://vault.example.com/s/#s1.{}", key_text(&key))
    );
    let parsed = parse_link(&share).unwrap();
    assert_eq!(parsed.origin, "https://vault.example.com");
    assert!(matches!(parsed.fragment, Fragment::Share { ref id, .. } if id == "s1"));
    let del = link::delete_link("http://127.0.0.1:8080", "s1", "tok").unwrap();
    assert_eq!(del.as_str(), "http://127.0.0.1:8080/s/#d.s1.tok");
    assert!(matches!(
        parse_link(&del).unwrap().fragment,
        Fragment::Delete { .. }
    ));
    let req = link::request_link("http://h:1", "r1", &[5; 32]).unwrap();
    assert_eq!(parse_link(&req).unwrap().origin, "http://h:1");
    assert!(link::share_link("http://h", "a.b", &key).is_err());
    assert!(link::delete_link("http://h", "s1", "a.b").is_err());
    assert!(link::request_link("http://h", "", &[5; 32]).is_err());
    for url in [
        "http://h/s/",
        "ftp://h/s/#abc.x",
        "http:///s/#abc.x",
        "h/s/#abc.x",
    ] {
        assert!(
            matches!(parse_link(url), Err(ShareError::BadLink(_))),
            "{url}"
        );
    }
    // Whitespace around a pasted link is ignored.
    assert!(parse_link(&format!("  {}\n", share.as_str())).is_ok());
}

#[test]
fn request_answers_are_bound_to_request_and_key() {
    assert_eq!(
        request::request_info("abc").unwrap(),
        b"share-request/v1/abc"
    );
    assert!(request::request_info("a/b").is_err());
    let pair = KeyPair::generate().unwrap();
    let pk = pair.public_key_bytes();
    let sealed = request::seal_answer(&pk, "req1", "the answer").unwrap();
    assert_eq!(
        request::open_answer(&pair, "req1", &sealed)
            .unwrap()
            .expose_secret(),
        "the answer"
    );
    assert!(
        request::open_answer(&pair, "req2", &sealed).is_err(),
        "another request"
    );
    let other = KeyPair::generate().unwrap();
    assert!(
        request::open_answer(&other, "req1", &sealed).is_err(),
        "another key"
    );
    assert!(request::seal_answer(&pk, "req1", &"a".repeat(sl::MAX_TEXT_BYTES)).is_ok());
    assert!(matches!(
        request::seal_answer(&pk, "req1", &"a".repeat(sl::MAX_TEXT_BYTES + 1)),
        Err(ShareError::TextTooLong { .. })
    ));
    // What the old answer page sealed (its own framing, through the generic HPKE) opens.
    let plain = framed(r#"{"v":1,"kind":"text"}"#, b"old page");
    let sealed =
        blindvault::sharing::hpke_seal(&pk, b"share-request/v1/req1", &pk, &plain).unwrap();
    assert_eq!(
        request::open_answer(&pair, "req1", &sealed)
            .unwrap()
            .expose_secret(),
        "old page"
    );
    // Anything else inside is refused.
    for meta in [
        r#"{"v":1,"kind":"file"}"#,
        r#"{"v":1,"kind":"text","x":1}"#,
        r#"{"v":2,"kind":"text"}"#,
    ] {
        let sealed =
            blindvault::sharing::hpke_seal(&pk, b"share-request/v1/req1", &pk, &framed(meta, b"x"))
                .unwrap();
        assert!(
            request::open_answer(&pair, "req1", &sealed).is_err(),
            "{meta}"
        );
    }
}

/// Encrypts a plaintext the way every writer does: chunked under the share
/// key with `bv1/share/v1`, then base64url.
fn seal(key: &AttachmentKey, plain: &[u8]) -> String {
    let (mut enc, mut ct) = Encryptor::new(key, &sl::context().unwrap()).unwrap();
    ct.extend(enc.push(plain).unwrap());
    ct.extend(enc.finish().unwrap());
    b64u_encode(&ct)
}

#[test]
fn open_payload_decrypts_parses_and_refuses_tampering() {
    assert_eq!(sl::context().unwrap().as_str(), "bv1/share/v1");
    let key = AttachmentKey::generate().unwrap();
    let meta = ShareMeta::text(1, 300, NOW, false).unwrap();
    let ct = seal(&key, &encode_payload(&meta, b"hello", None).unwrap());
    let p = open_payload(&key, &ct).unwrap();
    assert_eq!(p.content().unwrap(), b"hello");
    let other = AttachmentKey::generate().unwrap();
    assert!(matches!(
        open_payload(&other, &ct),
        Err(ShareError::Core(_))
    ));
    assert!(
        open_payload(&key, &ct[..ct.len() - 4]).is_err(),
        "truncated"
    );
    assert!(open_payload(&key, "not base64!").is_err());
    // Authentic but not a payload: refused as malformed, not shown.
    let junk = seal(&key, b"\0\0\0\x02{}");
    assert!(matches!(
        open_payload(&key, &junk),
        Err(ShareError::UnsupportedVersion)
    ));
}

/// `bv share create` prints `<server>/s/#<id>.<key>`; the core's parser
/// reads it back and the key opens what was sent. The CLI is run against a
/// real server in crates/cli/tests/share.rs; here its link format is built
/// the way its pre-core code did (`format!("{server}/s/#{id}.{key}")`).
#[test]
fn a_cli_made_link_opens_with_the_core() {
    let key = AttachmentKey::generate().unwrap();
    let cli_link = format!("http://127.0.0.1:8080/s/#AbC_12-x.{}", key_text(&key));
    let parsed = parse_link(&cli_link).unwrap();
    assert_eq!(parsed.origin, "http://127.0.0.1:8080");
    let Fragment::Share { id, key: got } = parsed.fragment else {
        panic!("not a share")
    };
    assert_eq!(id, "AbC_12-x");
    // The CLI's old framing (serde_json of its Meta struct), bytes as it wrote them.
    let plain = framed(
        r#"{"v":1,"kind":"text","max_views":2,"expires_at":1700000600,"passphrase":false}"#,
        b"from bv",
    );
    let p = open_payload(&got, &seal(&key, &plain)).unwrap();
    assert_eq!(p.meta().max_views(), 2);
    assert_eq!(p.content().unwrap(), b"from bv");
    let delete = parse_link(
        "http://127.0.0.1:8080/s/#d.AbC_12-x.0123456789abcdefghijABCDEFGHIJ_-0123456789a",
    )
    .unwrap();
    assert!(matches!(delete.fragment, Fragment::Delete { .. }));
}
