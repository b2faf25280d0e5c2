//! Tampering with a sealed envelope anywhere, or opening it in any other place
//! or with any other key, must fail.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use blindvault::context::Context;
use blindvault::keys::SymmetricKey;
use blindvault::Error;

fn all_contexts(a: &str, b: &str, c: &str) -> Vec<Context> {
    vec![
        Context::account_key(a).unwrap(),
        Context::private_key(a).unwrap(),
        Context::vault_key(a, b).unwrap(),
        Context::vault_meta(a).unwrap(),
        Context::folder(a, b).unwrap(),
        Context::item_key(a, b).unwrap(),
        Context::item_overview(a, b).unwrap(),
        Context::item_details(a, b).unwrap(),
        Context::attachment_meta(a, b, c).unwrap(),
        Context::attachment(a, b, c).unwrap(),
        Context::share(a).unwrap(),
        Context::export(a).unwrap(),
    ]
}

#[test]
fn every_single_byte_change_fails() {
    let k = SymmetricKey::generate().unwrap();
    let ctx = Context::item_details("vault-1", "item-1").unwrap();
    let jwe = k.seal(b"{\"password\":\"hunter2\"}", &ctx).unwrap();
    assert!(k.open(&jwe, &ctx).is_ok());
    let bytes = jwe.as_bytes();
    let mut tried = 0;
    for pos in 0..bytes.len() {
        // Every bit of every position; flips that leave ASCII keep the input a
        // valid &str, the others cannot reach `open` at all.
        for bit in 0..8 {
            let mut t = bytes.to_vec();
            t[pos] ^= 1 << bit;
            let Ok(s) = String::from_utf8(t) else {
                continue;
            };
            assert!(
                k.open(&s, &ctx).is_err(),
                "flipping bit {bit} of byte {pos} ({:?}) was accepted",
                bytes[pos] as char
            );
            tried += 1;
        }
    }
    // 7 ASCII-preserving flips per position.
    assert_eq!(tried, bytes.len() * 7);
}

#[test]
fn every_truncation_and_extension_fails() {
    let k = SymmetricKey::generate().unwrap();
    let ctx = Context::vault_meta("v").unwrap();
    let jwe = k.seal(b"Team vault", &ctx).unwrap();
    for end in 0..jwe.len() {
        assert!(k.open(&jwe[..end], &ctx).is_err(), "prefix of {end}");
        assert!(
            k.open(&jwe[end + 1..], &ctx).is_err(),
            "suffix from {}",
            end + 1
        );
    }
    for extra in ["A", ".", "=", " ", "\n", "AA"] {
        assert!(k.open(&format!("{jwe}{extra}"), &ctx).is_err(), "{extra:?}");
        assert!(k.open(&format!("{extra}{jwe}"), &ctx).is_err(), "{extra:?}");
    }
}

#[test]
fn every_other_context_is_a_context_mismatch() {
    let k = SymmetricKey::generate().unwrap();
    let places = [
        all_contexts("a", "b", "c"),
        all_contexts("a", "b", "d"),
        all_contexts("a", "d", "c"),
        all_contexts("d", "b", "c"),
        all_contexts("b", "a", "c"),
        all_contexts("a-", "b", "c"),
    ]
    .concat();
    for (i, sealed_for) in places.iter().enumerate() {
        let jwe = k.seal(b"x", sealed_for).unwrap();
        for (j, expected) in places.iter().enumerate() {
            let got = k.open(&jwe, expected);
            if sealed_for == expected {
                assert_eq!(got.unwrap().expose_secret(), b"x");
            } else {
                assert_eq!(
                    got.unwrap_err(),
                    Error::ContextMismatch,
                    "{i} {sealed_for:?} opened as {j} {expected:?}"
                );
            }
        }
    }
}

#[test]
fn wrong_key_is_a_key_mismatch_and_wrapped_keys_too() {
    let k = SymmetricKey::generate().unwrap();
    let other = SymmetricKey::generate().unwrap();
    assert_ne!(k.kid(), other.kid());
    let ctx = Context::item_key("v", "i").unwrap();
    let jwe = k.seal(b"x", &ctx).unwrap();
    assert_eq!(other.open(&jwe, &ctx).unwrap_err(), Error::KeyMismatch);
    let wrapped = k.wrap(&other, &ctx).unwrap();
    assert_eq!(
        other.unwrap(&wrapped, &ctx).unwrap_err(),
        Error::KeyMismatch
    );
    assert_eq!(
        k.unwrap(&wrapped, &Context::item_key("v", "j").unwrap())
            .unwrap_err(),
        Error::ContextMismatch
    );
}

#[test]
fn nonces_are_fresh_per_message() {
    let k = SymmetricKey::generate().unwrap();
    let ctx = Context::vault_meta("v").unwrap();
    let ivs: std::collections::HashSet<String> = (0..200)
        .map(|_| {
            k.seal(b"same", &ctx)
                .unwrap()
                .split('.')
                .nth(2)
                .unwrap()
                .to_owned()
        })
        .collect();
    assert_eq!(ivs.len(), 200);
}
