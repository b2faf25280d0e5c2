//! The attachment metadata envelope (name, size, type and the attachment key
//! under the item key): round trip, tampering, other places, other keys and
//! malformed plaintexts.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use blindvault::attachment::{self, AttachmentKey, AttachmentMeta, MAX_ATTACHMENT_SIZE};
use blindvault::context::Context;
use blindvault::keys::SymmetricKey;
use blindvault::Error;

fn meta() -> AttachmentMeta {
    AttachmentMeta {
        name: "passport scan.pdf".into(),
        size: 123_456,
        mime: "application/pdf".into(),
        key: AttachmentKey::generate().unwrap(),
    }
}

#[test]
fn round_trip_and_the_key_opens_the_content() {
    let ik = SymmetricKey::generate().unwrap();
    let m = meta();
    let jwe = m.seal(&ik, "v1", "i1", "a1").unwrap();
    assert_eq!(
        blindvault::envelope::inspect(&jwe).unwrap().ctx,
        "bv1/attachment-meta/v1/i1/a1"
    );
    let got = AttachmentMeta::open(&ik, "v1", "i1", "a1", &jwe).unwrap();
    assert_eq!(
        (got.name.as_str(), got.size, got.mime.as_str()),
        ("passport scan.pdf", 123_456, "application/pdf")
    );
    assert_eq!(got.key.expose_secret(), m.key.expose_secret());
    let ctx = Context::attachment("v1", "i1", "a1").unwrap();
    let ct = attachment::encrypt(&m.key, &ctx, b"file").unwrap();
    assert_eq!(attachment::decrypt(&got.key, &ctx, &ct).unwrap(), b"file");
    // Nothing of the name or key is readable in the envelope, nor in Debug.
    assert!(!jwe.contains("passport"));
    assert_eq!(format!("{got:?}"), "AttachmentMeta([REDACTED])");
}

#[test]
fn every_byte_change_other_place_and_other_key_fail() {
    let ik = SymmetricKey::generate().unwrap();
    let jwe = meta().seal(&ik, "v1", "i1", "a1").unwrap();
    let bytes = jwe.as_bytes();
    for pos in 0..bytes.len() {
        for bit in 0..7 {
            let mut t = bytes.to_vec();
            t[pos] ^= 1 << bit;
            let s = String::from_utf8(t).unwrap();
            assert!(
                AttachmentMeta::open(&ik, "v1", "i1", "a1", &s).is_err(),
                "bit {bit} of byte {pos}"
            );
        }
    }
    for (v, i, a) in [("v2", "i1", "a1"), ("v1", "i2", "a1"), ("v1", "i1", "a2")] {
        assert_eq!(
            AttachmentMeta::open(&ik, v, i, a, &jwe).unwrap_err(),
            Error::ContextMismatch
        );
    }
    let other = SymmetricKey::generate().unwrap();
    assert_eq!(
        AttachmentMeta::open(&other, "v1", "i1", "a1", &jwe).unwrap_err(),
        Error::KeyMismatch
    );
    // The content envelope of another attachment kind is not metadata.
    let details = ik
        .seal(b"{}", &Context::item_details("v1", "i1").unwrap())
        .unwrap();
    assert_eq!(
        AttachmentMeta::open(&ik, "v1", "i1", "a1", &details).unwrap_err(),
        Error::ContextMismatch
    );
}

#[test]
fn malformed_plaintexts_are_refused() {
    let ik = SymmetricKey::generate().unwrap();
    let ctx = Context::attachment_meta("v", "i", "a").unwrap();
    let key = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"; // 32 zero bytes
    let cases: [(String, Error); 6] = [
        (
            format!(r#"{{"v":2,"name":"n","size":1,"mime":"","key":"{key}"}}"#),
            Error::UnsupportedVersion,
        ),
        (
            format!(r#"{{"v":1,"name":"n","size":9007199254740992,"mime":"","key":"{key}"}}"#),
            Error::InvalidPayload("attachment size out of range"),
        ),
        (
            r#"{"v":1,"name":"n","size":1,"mime":"","key":"AAAA"}"#.into(),
            Error::InvalidPayload("attachment key must be 32 bytes"),
        ),
        (
            r#"{"v":1,"name":"n","size":1,"mime":"","key":"A+=="}"#.into(),
            Error::InvalidPayload("attachment key"),
        ),
        (
            format!(r#"{{"v":1,"name":"n","size":-1,"mime":"","key":"{key}"}}"#),
            Error::InvalidPayload("attachment metadata is not the expected JSON"),
        ),
        (
            format!(r#"{{"v":1,"size":1,"mime":"","key":"{key}"}}"#),
            Error::InvalidPayload("attachment metadata is not the expected JSON"),
        ),
    ];
    for (pt, want) in cases {
        let jwe = ik.seal(pt.as_bytes(), &ctx).unwrap();
        assert_eq!(
            AttachmentMeta::open(&ik, "v", "i", "a", &jwe).unwrap_err(),
            want,
            "{pt}"
        );
    }
    // Unknown members are ignored; the writer's size bound holds too.
    let ok = format!(r#"{{"v":1,"name":"n","size":1,"mime":"","key":"{key}","later":true}}"#);
    let jwe = ik.seal(ok.as_bytes(), &ctx).unwrap();
    assert!(AttachmentMeta::open(&ik, "v", "i", "a", &jwe).is_ok());
    let mut big = meta();
    big.size = MAX_ATTACHMENT_SIZE + 1;
    assert_eq!(
        big.seal(&ik, "v", "i", "a").unwrap_err(),
        Error::AttachmentTooLarge
    );
}
