//! Our own envelope vectors (tests/vectors/envelope_vectors.json, made by
//! envelope_vectors_gen.py with pyca/cryptography): exact JWE output for a
//! fixed key, nonce and context, and `fail_*` cases refused with one exact error.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use blindvault::context::Context;
use blindvault::envelope::{inspect, MAX_ENVELOPE_LEN};
use blindvault::keys::SymmetricKey;
use blindvault::secret::SecretKey32;
use blindvault::Error;
use serde_json::Value;

fn key(v: &Value) -> SymmetricKey {
    let bytes = hex::decode(v["key"].as_str().unwrap()).unwrap();
    SymmetricKey::from_secret(SecretKey32::from_slice(&bytes).unwrap())
}

/// The variant name of an error: `MalformedEnvelope("...")` -> `MalformedEnvelope`.
fn kind(e: &Error) -> String {
    format!("{e:?}")
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric())
        .collect()
}

fn vectors() -> Value {
    let text = std::fs::read_to_string("tests/vectors/envelope_vectors.json").unwrap();
    serde_json::from_str(&text).unwrap()
}

#[test]
fn valid_vectors_seal_exactly_and_open() {
    let doc = vectors();
    let valid = doc["valid"].as_array().unwrap();
    assert_eq!(valid.len(), 7);
    for v in valid {
        let name = v["name"].as_str().unwrap();
        let k = key(v);
        assert_eq!(k.kid(), v["kid"].as_str().unwrap(), "{name}");
        let ctx = Context::parse(v["ctx"].as_str().unwrap()).unwrap();
        let pt = hex::decode(v["plaintext"].as_str().unwrap()).unwrap();
        let jwe = v["jwe"].as_str().unwrap();
        if v["ours"].as_bool().unwrap() {
            let iv: [u8; 12] = hex::decode(v["iv"].as_str().unwrap())
                .unwrap()
                .try_into()
                .unwrap();
            let sealed = k.dangerous_seal_with_fixed_nonce(&pt, &ctx, &iv).unwrap();
            assert_eq!(sealed, jwe, "{name}");
        }
        assert_eq!(
            k.open(jwe, &ctx).unwrap().expose_secret(),
            &pt[..],
            "{name}"
        );
        let info = inspect(jwe).unwrap();
        assert_eq!(
            (info.kid.as_str(), info.ctx.as_str()),
            (k.kid(), ctx.as_str())
        );
    }
}

#[test]
fn fail_vectors_are_refused_with_their_error() {
    let doc = vectors();
    let fail = doc["fail"].as_array().unwrap();
    assert_eq!(fail.len(), 47);
    for v in fail {
        let name = v["name"].as_str().unwrap();
        assert!(name.starts_with("fail_"));
        let ctx = Context::parse(v["ctx"].as_str().unwrap()).unwrap();
        let err = key(v)
            .open(v["jwe"].as_str().unwrap(), &ctx)
            .expect_err(name);
        assert_eq!(kind(&err), v["error"].as_str().unwrap(), "{name}: {err:?}");
    }
}

#[test]
fn size_limit_is_checked_before_parsing() {
    let k = SymmetricKey::generate().unwrap();
    let ctx = Context::vault_meta("v").unwrap();
    // Not even a JWE: only the length can be what refuses it.
    let huge = "A".repeat(MAX_ENVELOPE_LEN + 1);
    assert_eq!(
        k.open(&huge, &ctx).unwrap_err(),
        Error::EnvelopeTooLarge {
            actual: MAX_ENVELOPE_LEN + 1,
            maximum: MAX_ENVELOPE_LEN
        }
    );
    // Sealing refuses what opening would refuse, and the largest accepted
    // plaintext round-trips.
    assert!(matches!(
        k.seal(&vec![0u8; MAX_ENVELOPE_LEN], &ctx),
        Err(Error::EnvelopeTooLarge { .. })
    ));
    let mut n = MAX_ENVELOPE_LEN / 4 * 3;
    let jwe = loop {
        match k.seal(&vec![7u8; n], &ctx) {
            Ok(j) => break j,
            Err(Error::EnvelopeTooLarge { .. }) => n -= 1,
            Err(e) => panic!("{e:?}"),
        }
    };
    assert!(jwe.len() <= MAX_ENVELOPE_LEN && jwe.len() > MAX_ENVELOPE_LEN - 4);
    assert_eq!(k.open(&jwe, &ctx).unwrap().len(), n);
}
