//! tests/vectors/member_log_vectors.json, made by member_log_gen.py with
//! Python's cryptography (independent of this crate): every valid identity,
//! fingerprint, commitment and log verifies to the published values, and every
//! `fail_*` case is refused with the published error.
#![allow(clippy::unwrap_used)]

use blindvault::identity::{Identity, SigningKey};
use blindvault::keys::SymmetricKey;
use blindvault::member_log::{self, Role, Roster};
use blindvault::secret::SecretKey32;
use blindvault::Error;
use serde_json::Value;

fn vectors() -> Value {
    serde_json::from_str(include_str!("vectors/member_log_vectors.json")).unwrap()
}

fn strs(v: &Value) -> Vec<&str> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|e| e.as_str().unwrap())
        .collect()
}

#[test]
fn identities_and_fingerprints() {
    let v = vectors();
    for c in v["identities"].as_array().unwrap() {
        let id = Identity::parse(c["identity"].as_str().unwrap()).unwrap();
        assert_eq!(id.account_id(), c["account"]);
        assert_eq!(id.email(), c["email"]);
        assert_eq!(id.fingerprint(), c["fingerprint"]);
        // The same statement from our own signer (Ed25519 is deterministic).
        let seed: [u8; 32] = hex::decode(c["seed"].as_str().unwrap())
            .unwrap()
            .try_into()
            .unwrap();
        let x: [u8; 32] = blindvault::encoding::b64u_decode(c["x25519"].as_str().unwrap(), "x")
            .unwrap()
            .try_into()
            .unwrap();
        let ours = Identity::issue(
            id.account_id(),
            id.email(),
            &x,
            &SigningKey::dangerous_from_seed(seed),
        )
        .unwrap();
        assert_eq!(ours.as_str(), c["identity"]);
    }
    for c in v["fail_identities"].as_array().unwrap() {
        let err = Identity::parse(c["identity"].as_str().unwrap()).unwrap_err();
        let name = match err {
            Error::InvalidSignature => "InvalidSignature",
            Error::MalformedIdentity(_) => "MalformedIdentity",
            other => panic!("{}: {other:?}", c["name"]),
        };
        assert_eq!(name, c["error"], "{}", c["name"]);
    }
}

#[test]
fn commitments() {
    for c in vectors()["commitments"].as_array().unwrap() {
        let key = SecretKey32::from_slice(&hex::decode(c["vault_key"].as_str().unwrap()).unwrap())
            .unwrap();
        assert_eq!(
            member_log::key_commitment(&SymmetricKey::from_secret(key)),
            c["commitment"]
        );
    }
}

#[test]
fn the_valid_log_and_its_roster() {
    let v = vectors();
    let log = &v["log"];
    let entries = strs(&log["entries"]);
    let r = Roster::verify(log["vault"].as_str().unwrap(), &entries, None).unwrap();
    assert_eq!(r.head(), log["hashes"].as_array().unwrap().last().unwrap());
    for (e, h) in entries.iter().zip(log["hashes"].as_array().unwrap()) {
        assert_eq!(member_log::hash_of(e), *h);
    }
    let roster: Vec<(String, &str)> = r
        .members()
        .map(|(id, m)| (id.clone(), m.role.as_str()))
        .collect();
    let want: Vec<(String, &str)> = log["roster"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["account"].as_str().unwrap().to_owned(),
                m["role"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(roster, want);
    assert_eq!(r.key_commitment(), log["key"]);
    assert_eq!(r.member("bob").unwrap().role, Role::Admin);
}

#[test]
fn every_fail_log_is_refused_where_and_why_published() {
    let v = vectors();
    let vault = v["log"]["vault"].as_str().unwrap();
    for c in v["fail_logs"].as_array().unwrap() {
        let got = Roster::verify(vault, &strs(&c["entries"]), None).unwrap_err();
        assert_eq!(
            got,
            Error::LogEntryRefused {
                index: c["index"].as_u64().unwrap(),
                // The error's reason is &'static str; the published one is read at run time.
                reason: Box::leak(c["reason"].as_str().unwrap().to_owned().into_boxed_str()),
            },
            "{}",
            c["name"]
        );
    }
}
