//! Wycheproof AES-GCM through the exact aes-gcm API the envelopes use
//! (`Aes256Gcm` with a 96-bit nonce, `encrypt_inout_detached` /
//! `decrypt_inout_detached`). Every case of every 256-bit-key group runs: the
//! 96-bit-IV groups must match (valid) or fail (invalid); for every other IV
//! size, both the 12-byte nonce type and the envelope parser must refuse the IV.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use aes_gcm::aead::AeadInOut;
use aes_gcm::{Aes256Gcm, KeyInit};
use blindvault::context::Context;
use blindvault::encoding::b64u_encode;
use blindvault::keys::SymmetricKey;
use blindvault::Error;
use serde_json::Value;

fn hx(v: &Value, field: &str) -> Vec<u8> {
    hex::decode(v[field].as_str().unwrap()).unwrap()
}

#[test]
fn wycheproof_aes_256_gcm_all_cases() {
    let text = std::fs::read_to_string("tests/vectors/wycheproof/aes_gcm_test.json").unwrap();
    let doc: Value = serde_json::from_str(&text).unwrap();
    let (mut valid, mut invalid, mut other_iv) = (0, 0, 0);
    let key = SymmetricKey::generate().unwrap();
    let ctx = Context::vault_meta("v").unwrap();
    let good = key.seal(b"x", &ctx).unwrap();
    let good_parts: Vec<&str> = good.split('.').collect();

    for g in doc["testGroups"].as_array().unwrap() {
        if g["keySize"] != 256 {
            continue;
        }
        assert_eq!(g["tagSize"], 128);
        for t in g["tests"].as_array().unwrap() {
            let id = &t["tcId"];
            let (k, iv, aad, msg, ct, tag) = (
                hx(t, "key"),
                hx(t, "iv"),
                hx(t, "aad"),
                hx(t, "msg"),
                hx(t, "ct"),
                hx(t, "tag"),
            );
            let cipher = Aes256Gcm::new_from_slice(&k).unwrap();
            if g["ivSize"] != 96 {
                // A 12-byte nonce API cannot even express this IV ...
                assert_ne!(iv.len(), 12, "tcId {id}");
                assert!(<&aes_gcm::aead::Nonce<Aes256Gcm>>::try_from(iv.as_slice()).is_err());
                // ... and an envelope carrying it is refused before decryption.
                let jwe = format!(
                    "{}..{}.{}.{}",
                    good_parts[0],
                    b64u_encode(&iv),
                    b64u_encode(&ct),
                    b64u_encode(&tag)
                );
                assert_eq!(
                    key.open(&jwe, &ctx).unwrap_err(),
                    Error::MalformedEnvelope("iv must be 12 bytes of base64url"),
                    "tcId {id}"
                );
                other_iv += 1;
                continue;
            }
            let nonce = <&aes_gcm::aead::Nonce<Aes256Gcm>>::try_from(iv.as_slice()).unwrap();
            let tag_arr = <&aes_gcm::Tag>::try_from(tag.as_slice()).unwrap();
            let mut buf = ct.clone();
            let opened =
                cipher.decrypt_inout_detached(nonce, &aad, buf.as_mut_slice().into(), tag_arr);
            match t["result"].as_str().unwrap() {
                "valid" => {
                    assert!(opened.is_ok(), "tcId {id}");
                    assert_eq!(buf, msg, "tcId {id}");
                    let mut enc = msg.clone();
                    let got_tag = cipher
                        .encrypt_inout_detached(nonce, &aad, enc.as_mut_slice().into())
                        .unwrap();
                    assert_eq!(enc, ct, "tcId {id}");
                    assert_eq!(got_tag.as_slice(), tag.as_slice(), "tcId {id}");
                    valid += 1;
                }
                _ => {
                    assert!(opened.is_err(), "tcId {id} must fail");
                    invalid += 1;
                }
            }
        }
    }
    // Counts of the 256-bit groups in the copied file, so that a truncated
    // vector file cannot pass silently.
    assert_eq!((valid, invalid, other_iv), (39, 27, 39));
}
