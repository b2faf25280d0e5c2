//! Overview snapshots: known-answer vectors from an independent Python
//! implementation (tests/vectors/overview_snapshot_vectors_gen.py) with their
//! fail_* cases, round trips, every-byte tampering, other vaults and keys.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use blindvault::context::Context;
use blindvault::keys::SymmetricKey;
use blindvault::overview_snapshot::{self as snapshot, SnapshotEntry, MAX_SNAPSHOT_LEN};
use blindvault::secret::{SecretBytes, SecretKey32};
use blindvault::Error;
use serde_json::Value;

fn vectors() -> Value {
    serde_json::from_str(include_str!("vectors/overview_snapshot_vectors.json")).unwrap()
}

fn key_of(v: &Value, k: &str) -> SymmetricKey {
    let b = hex::decode(v[k].as_str().unwrap()).unwrap();
    SymmetricKey::from_secret(SecretKey32::from_slice(&b).unwrap())
}

fn entry(id: &str, revision: u64, overview: &str) -> SnapshotEntry {
    SnapshotEntry {
        id: id.into(),
        revision,
        overview: SecretBytes::new(overview.as_bytes().to_vec()),
    }
}

/// The Error variant's name, as the vector files spell it.
fn variant(e: &Error) -> String {
    format!("{e:?}")
        .split(['(', ' ', '{'])
        .next()
        .unwrap()
        .to_owned()
}

#[test]
fn valid_vectors_reproduce_and_open() {
    for v in vectors()["valid"].as_array().unwrap() {
        let vk = key_of(v, "vault_key");
        let vault = v["vault"].as_str().unwrap();
        let sk = snapshot::snapshot_key(&vk);
        assert_eq!(
            sk.kid(),
            key_of(v, "snapshot_key").kid(),
            "{}: subkey",
            v["name"]
        );
        let iv: [u8; 12] = hex::decode(v["iv"].as_str().unwrap())
            .unwrap()
            .try_into()
            .unwrap();
        let pt = hex::decode(v["plaintext"].as_str().unwrap()).unwrap();
        // The core writes exactly the plaintext and envelope Python wrote.
        let want: Vec<SnapshotEntry> = v["entries"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| {
                entry(
                    e["id"].as_str().unwrap(),
                    e["revision"].as_u64().unwrap(),
                    e["overview"].as_str().unwrap(),
                )
            })
            .collect();
        let ours = snapshot::plaintext(
            vault,
            want.iter()
                .map(|e| (e.id.as_str(), e.revision, e.overview.expose_secret())),
        )
        .unwrap();
        assert_eq!(*ours, pt, "{}", v["name"]);
        // An independent writer's plaintext takes the browser's fast check.
        assert!(
            snapshot::is_canonical_plaintext(vault, &pt),
            "{}",
            v["name"]
        );
        let ctx = Context::vault_overviews(vault).unwrap();
        assert_eq!(
            sk.dangerous_seal_with_fixed_nonce(&pt, &ctx, &iv).unwrap(),
            v["jwe"].as_str().unwrap()
        );
        let got = snapshot::open(&vk, vault, v["jwe"].as_str().unwrap()).unwrap();
        assert_eq!(got.len(), want.len());
        for (g, w) in got.iter().zip(&want) {
            assert_eq!((&g.id, g.revision), (&w.id, w.revision));
            assert_eq!(g.overview.expose_secret(), w.overview.expose_secret());
        }
    }
}

#[test]
fn fail_vectors_are_refused_with_their_error() {
    let all = vectors();
    let fails = all["fail"].as_array().unwrap();
    assert!(fails.len() >= 10);
    for v in fails {
        let err = snapshot::open(
            &key_of(v, "vault_key"),
            v["vault"].as_str().unwrap(),
            v["jwe"].as_str().unwrap(),
        )
        .unwrap_err();
        assert_eq!(variant(&err), v["error"].as_str().unwrap(), "{}", v["name"]);
    }
}

#[test]
fn round_trip_tampering_other_vaults_and_keys() {
    let vk = SymmetricKey::generate().unwrap();
    let entries = [
        entry("a", 1, r#"{"kind":"login","name":"A"}"#),
        entry("b", 7, r#"{"kind":"note","name":"B"}"#),
    ];
    let jwe = snapshot::seal(&vk, "v1", &entries).unwrap();
    let info = blindvault::envelope::inspect(&jwe).unwrap();
    assert_eq!(info.ctx, "bv1/vault-overviews/v1");
    // The subkey, not the vault key, seals it.
    assert_ne!(info.kid, vk.kid());
    assert!(!jwe.contains("login"));
    let got = snapshot::open(&vk, "v1", &jwe).unwrap();
    assert_eq!(got[1].id, "b");
    assert_eq!(got[1].revision, 7);

    let bytes = jwe.as_bytes();
    for pos in 0..bytes.len() {
        for bit in 0..7 {
            let mut t = bytes.to_vec();
            t[pos] ^= 1 << bit;
            let s = String::from_utf8(t).unwrap();
            assert!(
                snapshot::open(&vk, "v1", &s).is_err(),
                "bit {bit} of byte {pos}"
            );
        }
    }
    assert_eq!(
        snapshot::open(&vk, "v2", &jwe).unwrap_err(),
        Error::ContextMismatch
    );
    let other = SymmetricKey::generate().unwrap();
    assert_eq!(
        snapshot::open(&other, "v1", &jwe).unwrap_err(),
        Error::KeyMismatch
    );
    // A vault-meta envelope under the vault key is not a snapshot.
    let meta = vk.seal(b"{}", &Context::vault_meta("v1").unwrap()).unwrap();
    assert_eq!(
        snapshot::open(&vk, "v1", &meta).unwrap_err(),
        Error::ContextMismatch
    );
    assert_eq!(
        snapshot::open(&vk, "a/b", &jwe).unwrap_err(),
        Error::InvalidId
    );
}

#[test]
fn ten_thousand_overviews_fit_and_the_limit_holds() {
    let vk = SymmetricKey::generate().unwrap();
    let entries: Vec<SnapshotEntry> = (0..10_000)
        .map(|n| {
            entry(
                &format!("item-{n:05}"),
                n,
                &format!(r#"{{"kind":"login","name":"Site {n}","url":"https://s{n}.example","username":"u{n}@example.com"}}"#),
            )
        })
        .collect();
    let jwe = snapshot::seal(&vk, "v", &entries).unwrap();
    assert!(jwe.len() > blindvault::envelope::MAX_ENVELOPE_LEN);
    let got = snapshot::open(&vk, "v", &jwe).unwrap();
    assert_eq!(got.len(), 10_000);
    assert_eq!(got[9_999].id, "item-09999");
    // One byte over the limit is refused before any parsing.
    let huge = "A".repeat(MAX_SNAPSHOT_LEN + 1);
    assert!(matches!(
        snapshot::open(&vk, "v", &huge).unwrap_err(),
        Error::EnvelopeTooLarge { .. }
    ));
    let big = [entry(
        "a",
        1,
        &format!(r#"{{"n":"{}"}}"#, "x".repeat(MAX_SNAPSHOT_LEN)),
    )];
    assert!(matches!(
        snapshot::seal(&vk, "v", &big).unwrap_err(),
        Error::EnvelopeTooLarge { .. }
    ));
}
