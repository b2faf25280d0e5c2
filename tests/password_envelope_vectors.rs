//! Password envelopes against vectors made by an independent implementation
//! (tests/vectors/pbes2_hs512_a256kw_gen.py: hashlib + pyca/cryptography).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use blindvault::password_envelope::{
    dangerous_derive_kek, dangerous_seal_with_password_fixed, open_with_password,
};
use blindvault::secret::SecretKey32;
use serde_json::Value;

fn cases() -> Vec<Value> {
    let text = include_str!("vectors/pbes2_hs512_a256kw.json");
    let v: Value = serde_json::from_str(text).unwrap();
    v["cases"].as_array().unwrap().clone()
}

fn hex_field(c: &Value, k: &str) -> Vec<u8> {
    hex::decode(c[k].as_str().unwrap()).unwrap()
}

fn case(name: &str) -> Value {
    cases().into_iter().find(|c| c["name"] == name).unwrap()
}

#[test]
fn kek_matches_independent_pbkdf2_sha512() {
    for c in cases() {
        let kek = dangerous_derive_kek(
            c["password"].as_str().unwrap(),
            &hex_field(&c, "p2s_hex"),
            c["p2c"].as_u64().unwrap() as u32,
        )
        .unwrap();
        assert_eq!(
            kek.expose_secret().as_slice(),
            hex_field(&c, "kek_hex"),
            "{}",
            c["name"]
        );
    }
}

#[test]
fn fixed_inputs_reproduce_the_independent_envelope_exactly() {
    let c = case("blindvault-header");
    let iv: [u8; 12] = hex_field(&c, "iv_hex").try_into().unwrap();
    let jwe = dangerous_seal_with_password_fixed(
        &hex_field(&c, "plaintext_hex"),
        c["password"].as_str().unwrap(),
        &hex_field(&c, "p2s_hex"),
        c["p2c"].as_u64().unwrap() as u32,
        &SecretKey32::from_slice(&hex_field(&c, "cek_hex")).unwrap(),
        &iv,
    )
    .unwrap();
    assert_eq!(jwe, c["jwe"].as_str().unwrap());
}

#[test]
fn opens_every_independent_envelope() {
    for c in cases() {
        let pt = open_with_password(c["jwe"].as_str().unwrap(), c["password"].as_str().unwrap())
            .unwrap();
        assert_eq!(
            pt.expose_secret(),
            hex_field(&c, "plaintext_hex"),
            "{}",
            c["name"]
        );
    }
}
