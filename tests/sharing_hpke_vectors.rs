//! HPKE known answers: RFC 9180 A.1.1 (our KEM and KDF with AES-128-GCM), and
//! our exact suite (AES-256-GCM) from an independent implementation
//! (tests/vectors/hpke_gen.py), including Blindvault's sealed vault-key format.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use blindvault::keys::SymmetricKey;
use blindvault::secret::SecretKey32;
use blindvault::sharing::{dangerous_seal_vault_key_with_ikm, open_vault_key, KeyPair};
use core::convert::Infallible;
use hpke::aead::{Aead, AesGcm128, AesGcm256};
use hpke::kdf::HkdfSha256;
use hpke::kem::X25519HkdfSha256;
use hpke::rand_core::{TryCryptoRng, TryRng};
use hpke::{Deserializable, Kem, OpModeR, OpModeS, Serializable};
use serde_json::Value;

/// Returns the vector's ikmE when hpke draws the ephemeral key material.
struct Fixed(Vec<u8>);
impl TryRng for Fixed {
    type Error = Infallible;
    fn try_next_u32(&mut self) -> Result<u32, Infallible> {
        panic!("hpke asked for a u32")
    }
    fn try_next_u64(&mut self) -> Result<u64, Infallible> {
        panic!("hpke asked for a u64")
    }
    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Infallible> {
        assert_eq!(
            dst.len(),
            self.0.len(),
            "hpke asked for other than Nsk bytes"
        );
        dst.copy_from_slice(&self.0);
        Ok(())
    }
}
impl TryCryptoRng for Fixed {}

fn h(v: &Value, k: &str) -> Vec<u8> {
    hex::decode(v[k].as_str().unwrap_or_else(|| panic!("{k}"))).unwrap()
}

fn load(name: &str) -> Value {
    let path = format!("{}/tests/vectors/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// Sender and receiver with the vector's inputs must reproduce every output.
fn check_vector<A: Aead>(v: &Value) {
    type K = X25519HkdfSha256;
    let (sk_r, pk_r) = K::derive_keypair(&h(v, "ikmR"));
    // The crate stores the private key clamped (RFC 7748 §5); the RFC prints it unclamped.
    let mut sk_clamped = h(v, "skRm");
    sk_clamped[0] &= 248;
    sk_clamped[31] &= 127;
    sk_clamped[31] |= 64;
    assert_eq!(sk_r.to_bytes().to_vec(), sk_clamped);
    assert_eq!(pk_r.to_bytes().to_vec(), h(v, "pkRm"));
    let info = h(v, "info");

    let (enc, mut sender) = hpke::setup_sender_with_rng::<A, HkdfSha256, K>(
        &OpModeS::Base,
        &pk_r,
        &info,
        &mut Fixed(h(v, "ikmE")),
    )
    .unwrap();
    assert_eq!(enc.to_bytes().to_vec(), h(v, "enc"));
    let enc_r = <K as Kem>::EncappedKey::from_bytes(&h(v, "enc")).unwrap();
    let mut receiver =
        hpke::setup_receiver::<A, HkdfSha256, K>(&OpModeR::Base, &sk_r, &enc_r, &info).unwrap();

    let encs = v["encryptions"].as_array().unwrap();
    assert!(!encs.is_empty());
    for e in encs {
        let ct = sender.seal(&h(e, "pt"), &h(e, "aad")).unwrap();
        assert_eq!(ct, h(e, "ct"), "seq {}", e["seq"]);
        assert_eq!(receiver.open(&ct, &h(e, "aad")).unwrap(), h(e, "pt"));
    }
    for x in v["exports"].as_array().unwrap() {
        let mut out = [0u8; 32];
        receiver
            .export(&h(x, "exporter_context"), &mut out)
            .unwrap();
        assert_eq!(out.to_vec(), h(x, "exported_value"));
    }
}

#[test]
fn rfc9180_a1_1_same_kem_and_kdf() {
    check_vector::<AesGcm128>(&load("hpke_rfc9180_a1_1_x25519_sha256_aes128gcm.json")["vector"]);
}

#[test]
fn our_suite_x25519_sha256_aes256gcm() {
    let v = load("hpke_rfc9180_base_x25519_sha256_aes256gcm.json");
    let s = &v["rfc_inputs_aes256gcm"];
    assert_eq!(
        (
            s["kem_id"].as_u64(),
            s["kdf_id"].as_u64(),
            s["aead_id"].as_u64()
        ),
        (Some(32), Some(1), Some(2))
    );
    check_vector::<AesGcm256>(s);
}

#[test]
fn sealed_vault_key_format_matches_the_independent_implementation() {
    let v = &load("hpke_rfc9180_base_x25519_sha256_aes256gcm.json")["vault_key"];
    let kp = KeyPair::dangerous_from_secret_bytes(h(v, "skRm").try_into().unwrap());
    let pk: [u8; 32] = h(v, "pkRm").try_into().unwrap();
    assert_eq!(kp.public_key_bytes(), pk);
    let vault_key = SymmetricKey::from_secret(SecretKey32::from_slice(&h(v, "vault_key")).unwrap());
    let (vault, member) = (
        v["vault_id"].as_str().unwrap(),
        v["member_id"].as_str().unwrap(),
    );

    let sealed = dangerous_seal_vault_key_with_ikm(
        &pk,
        &vault_key,
        vault,
        member,
        h(v, "ikmE").try_into().unwrap(),
    )
    .unwrap();
    assert_eq!(sealed, v["sealed"].as_str().unwrap());

    let opened = open_vault_key(&kp, v["sealed"].as_str().unwrap(), vault, member).unwrap();
    assert_eq!(opened.kid(), vault_key.kid());
}
