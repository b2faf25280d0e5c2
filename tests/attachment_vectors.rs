//! Blindvault's own attachment vectors (tests/vectors/attachment_vectors.json),
//! made by an independent Python implementation of the same c2sp text:
//! exact ciphertexts under a fixed salt, and `fail_*` cases with the error
//! each MUST produce.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use blindvault::attachment::{
    decrypt, AttachmentKey, Decryptor, Encryptor, RangeDecryptor, ENCRYPTED_CHUNK_SIZE, HEADER_LEN,
};
use blindvault::context::Context;
use blindvault::Error;
use serde_json::Value;
use sha2::{Digest, Sha512};
use std::collections::HashMap;

fn doc() -> Value {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/vectors/attachment_vectors.json"
    ))
    .unwrap();
    serde_json::from_str(&text).unwrap()
}

fn hex_of(v: &Value, k: &str) -> Vec<u8> {
    hex::decode(v[k].as_str().unwrap()).unwrap()
}

fn plaintext_of(v: &Value) -> Vec<u8> {
    match v.get("plaintext") {
        Some(p) => hex::decode(p.as_str().unwrap()).unwrap(),
        None => (0..v["plaintext_len"].as_u64().unwrap())
            .map(|i| (i % 251) as u8)
            .collect(),
    }
}

fn context_of(v: &Value) -> Context {
    Context::parse(v["context"].as_str().unwrap()).unwrap()
}

fn key_of(v: &Value) -> AttachmentKey {
    AttachmentKey::from_slice(&hex_of(v, "key")).unwrap()
}

/// Encrypts under the vector's salt and checks the ciphertext is exactly the
/// published one; returns it.
fn exact_ciphertext(v: &Value) -> Vec<u8> {
    let salt = hex_of(v, "salt").try_into().unwrap();
    let ctx = context_of(v);
    let (mut enc, mut ct) =
        Encryptor::dangerous_with_salt(&key_of(v), ctx.as_bytes(), salt).unwrap();
    ct.extend(enc.push(&plaintext_of(v)).unwrap());
    ct.extend(enc.finish().unwrap());
    assert_eq!(ct.len() as u64, v["ciphertext_len"].as_u64().unwrap());
    assert_eq!(
        hex::encode(Sha512::digest(&ct)),
        v["ciphertext_sha512"].as_str().unwrap(),
        "{}",
        v["name"]
    );
    if v.get("ciphertext").is_some() {
        assert!(ct == hex_of(v, "ciphertext"), "{}", v["name"]);
    }
    ct
}

#[test]
fn valid_vectors_encrypt_exactly_and_decrypt_back() {
    let doc = doc();
    let vectors = doc["vectors"].as_array().unwrap();
    assert_eq!(vectors.len(), 6);
    for v in vectors {
        let ct = exact_ciphertext(v);
        let (key, ctx) = (key_of(v), context_of(v));
        let pt = decrypt(&key, &ctx, &ct).unwrap();
        assert!(pt == plaintext_of(v), "{}", v["name"]);
        // The random-access path agrees on the whole message.
        let rd = RangeDecryptor::new(&key, &ctx, &ct[..HEADER_LEN], ct.len() as u64).unwrap();
        let len = rd.plaintext_len();
        let r = rd.ciphertext_range(0..len).unwrap();
        assert_eq!(
            rd.decrypt_range(0..len, &ct[r.start as usize..r.end as usize])
                .unwrap(),
            pt
        );
    }
}

fn mutate(mut ct: Vec<u8>, m: &Value) -> Vec<u8> {
    if let Some(n) = m.get("truncate") {
        ct.truncate(n.as_u64().unwrap() as usize);
    }
    if let Some(i) = m.get("flip") {
        ct[i.as_u64().unwrap() as usize] ^= 0x01;
    }
    if let Some(pair) = m.get("swap_chunks") {
        let (a, b) = (
            pair[0].as_u64().unwrap() as usize,
            pair[1].as_u64().unwrap() as usize,
        );
        let at = |k: usize| HEADER_LEN + k * ENCRYPTED_CHUNK_SIZE;
        let chunk_a = ct[at(a)..at(a + 1)].to_vec();
        let chunk_b = ct[at(b)..at(b + 1)].to_vec();
        ct[at(a)..at(a + 1)].copy_from_slice(&chunk_b);
        ct[at(b)..at(b + 1)].copy_from_slice(&chunk_a);
    }
    if let Some(h) = m.get("append") {
        ct.extend(hex::decode(h.as_str().unwrap()).unwrap());
    }
    if let Some(n) = m.get("duplicate_tail") {
        let tail = ct[ct.len() - n.as_u64().unwrap() as usize..].to_vec();
        ct.extend(tail);
    }
    ct
}

#[test]
fn failure_vectors_fail_with_their_error() {
    let doc = doc();
    let bases: HashMap<&str, &Value> = doc["vectors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| (v["name"].as_str().unwrap(), v))
        .collect();
    let failures = doc["failures"].as_array().unwrap();
    assert_eq!(failures.len(), 15);
    for f in failures {
        let name = f["name"].as_str().unwrap();
        assert!(name.starts_with("fail_"));
        let base = bases[f["base"].as_str().unwrap()];
        let ct = mutate(exact_ciphertext(base), &f["mutation"]);
        let key = if f.get("key").is_some() {
            key_of(f)
        } else {
            key_of(base)
        };
        let ctx = if f.get("context").is_some() {
            context_of(f)
        } else {
            context_of(base)
        };
        let want = match f["error"].as_str().unwrap() {
            "AttachmentKeyCommitment" => Error::AttachmentKeyCommitment,
            "AttachmentChunkFailed" => Error::AttachmentChunkFailed,
            "AttachmentTruncated" => Error::AttachmentTruncated,
            other => panic!("{name}: unknown error {other}"),
        };
        assert_eq!(decrypt(&key, &ctx, &ct).unwrap_err(), want, "{name}");
        // Streamed byte by byte for the small ones: the same error, and nothing
        // but an authenticated prefix released.
        if ct.len() < 2000 {
            let mut dec = Decryptor::new(&key, &ctx);
            let mut released = 0;
            let mut err = None;
            for b in ct.chunks(1) {
                match dec.push(b) {
                    Ok(pt) => released += pt.len(),
                    Err(e) => {
                        err = Some(e);
                        break;
                    }
                }
            }
            let err = match err {
                Some(e) => e,
                None => dec.finish().unwrap_err(),
            };
            assert_eq!(err, want, "{name} (streamed)");
            assert_eq!(released, 0, "{name}");
        }
    }
}
