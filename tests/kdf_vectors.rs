//! Key derivation against outside answers: Wycheproof (every PBKDF2-HMAC-SHA256
//! and HKDF-SHA256 case), RFC 7914 §11, RFC 5869 Appendix A.1-A.3, and our own
//! derivations computed by Python's hashlib (tests/vectors/kdf_vectors_gen.py).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use blindvault::kdf::{
    dangerous_pbkdf2_sha256_unbounded, hkdf_sha256, KdfParams, MasterKey, ALG_PBKDF2_SHA256,
    MAX_ITERATIONS, MIN_ITERATIONS,
};
use blindvault::keys::SymmetricKey;
use blindvault::secret::{SecretKey32, SecretString};
use blindvault::Error;
use serde_json::Value;

fn load(path: &str) -> Value {
    let text = std::fs::read_to_string(path).unwrap();
    serde_json::from_str(&text).unwrap()
}

fn hx(v: &Value, field: &str) -> Vec<u8> {
    hex::decode(v[field].as_str().unwrap()).unwrap()
}

#[test]
fn wycheproof_pbkdf2_hmacsha256_all_cases() {
    let doc = load("tests/vectors/wycheproof/pbkdf2_hmacsha256_test.json");
    let mut n = 0;
    for g in doc["testGroups"].as_array().unwrap() {
        for t in g["tests"].as_array().unwrap() {
            let id = &t["tcId"];
            let dk_len = t["dkLen"].as_u64().unwrap() as usize;
            let mut out = vec![0u8; dk_len];
            dangerous_pbkdf2_sha256_unbounded(
                &hx(t, "password"),
                &hx(t, "salt"),
                t["iterationCount"].as_u64().unwrap() as u32,
                &mut out,
            );
            match t["result"].as_str().unwrap() {
                "valid" => assert_eq!(out, hx(t, "dk"), "tcId {id}"),
                other => assert_ne!(out, hx(t, "dk"), "tcId {id} ({other}) must not match"),
            }
            n += 1;
        }
    }
    assert_eq!(n, doc["numberOfTests"].as_u64().unwrap());
}

#[test]
fn rfc7914_pbkdf2_sha256() {
    // RFC 7914 §11, the two PBKDF2-HMAC-SHA256 test vectors.
    let mut out = [0u8; 64];
    dangerous_pbkdf2_sha256_unbounded(b"passwd", b"salt", 1, &mut out);
    assert_eq!(
        hex::encode(out),
        "55ac046e56e3089fec1691c22544b605f94185216dde0465e68b9d57c20dacbc\
         49ca9cccf179b645991664b39d77ef317c71b845b1e30bd509112041d3a19783"
    );
    dangerous_pbkdf2_sha256_unbounded(b"Password", b"NaCl", 80_000, &mut out);
    assert_eq!(
        hex::encode(out),
        "4ddcd8f60b98be21830cee5ef22701f9641a4418d04c0414aeff08876b34ab56\
         a1d425a1225833549adb841b51c9b3176a272bdebba1d078478f62b397f33c8d"
    );
}

#[test]
fn wycheproof_hkdf_sha256_all_cases() {
    let doc = load("tests/vectors/wycheproof/hkdf_sha256_test.json");
    let (mut valid, mut invalid) = (0, 0);
    for g in doc["testGroups"].as_array().unwrap() {
        for t in g["tests"].as_array().unwrap() {
            let id = &t["tcId"];
            let mut okm = vec![0u8; t["size"].as_u64().unwrap() as usize];
            let ok = hkdf_sha256(&hx(t, "ikm"), &hx(t, "salt"), &hx(t, "info"), &mut okm);
            match t["result"].as_str().unwrap() {
                "valid" => {
                    assert!(ok, "tcId {id}");
                    assert_eq!(okm, hx(t, "okm"), "tcId {id}");
                    valid += 1;
                }
                _ => {
                    assert!(!ok, "tcId {id} must be refused");
                    invalid += 1;
                }
            }
        }
    }
    assert_eq!((valid, invalid), (83, 3));
}

#[test]
fn rfc5869_test_cases_1_to_3() {
    // RFC 5869 Appendix A.1, A.2, A.3 (A.3: salt and info empty).
    let cases: [(&str, &str, &str, &str); 3] = [
        (
            "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b",
            "000102030405060708090a0b0c",
            "f0f1f2f3f4f5f6f7f8f9",
            "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf\
             34007208d5b887185865",
        ),
        (
            "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\
             202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f\
             404142434445464748494a4b4c4d4e4f",
            "606162636465666768696a6b6c6d6e6f707172737475767778797a7b7c7d7e7f\
             808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f\
             a0a1a2a3a4a5a6a7a8a9aaabacadaeaf",
            "b0b1b2b3b4b5b6b7b8b9babbbcbdbebfc0c1c2c3c4c5c6c7c8c9cacbcccdcecf\
             d0d1d2d3d4d5d6d7d8d9dadbdcdddedfe0e1e2e3e4e5e6e7e8e9eaebecedeeef\
             f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff",
            "b11e398dc80327a1c8e7f78c596a49344f012eda2d4efad8a050cc4c19afa97c\
             59045a99cac7827271cb41c65e590e09da3275600c2f09b8367793a9aca3db71\
             cc30c58179ec3e87c14c01d5c1f3434f1d87",
        ),
        (
            "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b",
            "",
            "",
            "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d\
             9d201395faa4b61a96c8",
        ),
    ];
    for (i, (ikm, salt, info, okm)) in cases.iter().enumerate() {
        let want = hex::decode(okm).unwrap();
        let mut got = vec![0u8; want.len()];
        assert!(hkdf_sha256(
            &hex::decode(ikm).unwrap(),
            &hex::decode(salt).unwrap(),
            &hex::decode(info).unwrap(),
            &mut got
        ));
        assert_eq!(got, want, "RFC 5869 case {}", i + 1);
    }
}

#[test]
fn our_derivations_match_an_independent_implementation() {
    let doc = load("tests/vectors/kdf_vectors.json");
    for d in doc["derivations"].as_array().unwrap() {
        let params: KdfParams = serde_json::from_value(d["kdf"].clone()).unwrap();
        let pw = SecretString::new(d["password"].as_str().unwrap().to_owned());
        let mk = MasterKey::derive(&pw, &params).unwrap();
        assert_eq!(
            mk.auth_key().encode_for_server(),
            d["auth_key_b64u"].as_str().unwrap()
        );
        assert_eq!(mk.wrap_key().kid(), d["wrap_key_kid"].as_str().unwrap());
        // The browser path: WebCrypto's PBKDF2 output handed in as bytes.
        let mk2 = MasterKey::from_pbkdf2_output(&hx(d, "master_key"), &params).unwrap();
        assert_eq!(
            mk2.auth_key().encode_for_server(),
            d["auth_key_b64u"].as_str().unwrap()
        );
        let wrap_as_plain =
            SymmetricKey::from_secret(SecretKey32::from_slice(&hx(d, "wrap_key")).unwrap());
        assert_eq!(wrap_as_plain.kid(), mk2.wrap_key().kid());
    }
    for k in doc["kids"].as_array().unwrap() {
        let key = SymmetricKey::from_secret(SecretKey32::from_slice(&hx(k, "key")).unwrap());
        assert_eq!(key.kid(), k["kid"].as_str().unwrap());
    }
}

fn params(alg: &str, iterations: u32, salt: &str) -> KdfParams {
    KdfParams {
        alg: alg.into(),
        iterations,
        salt: salt.into(),
    }
}

const SALT16: &str = "AAECAwQFBgcICQoLDA0ODw";

#[test]
fn refuses_parameters_before_deriving() {
    let pw = SecretString::new("pw".into());
    // 2 000 000 000 iterations would run for minutes; the ceiling refuses it first.
    let cases = [
        (
            params(ALG_PBKDF2_SHA256, 2_000_000_000, SALT16),
            Error::KdfIterationsTooHigh {
                iterations: 2_000_000_000,
                maximum: 10_000_000,
            },
        ),
        (
            params(ALG_PBKDF2_SHA256, MAX_ITERATIONS + 1, SALT16),
            Error::KdfIterationsTooHigh {
                iterations: MAX_ITERATIONS + 1,
                maximum: MAX_ITERATIONS,
            },
        ),
        (
            params(ALG_PBKDF2_SHA256, MIN_ITERATIONS - 1, SALT16),
            Error::KdfIterationsTooLow {
                iterations: 599_999,
                minimum: 600_000,
            },
        ),
        (
            params(ALG_PBKDF2_SHA256, 1, SALT16),
            Error::KdfIterationsTooLow {
                iterations: 1,
                minimum: 600_000,
            },
        ),
        (params("argon2id", 600_000, SALT16), Error::UnsupportedKdf),
        (
            params("PBKDF2-SHA256", 600_000, SALT16),
            Error::UnsupportedKdf,
        ),
        (
            params(ALG_PBKDF2_SHA256, 600_000, "AAECAwQFBgcICQoLDA0O"),
            Error::InvalidSaltLength {
                expected: 16,
                actual: 15,
            },
        ),
        (
            params(ALG_PBKDF2_SHA256, 600_000, "AAECAwQFBgcICQoLDA0ODxA"),
            Error::InvalidSaltLength {
                expected: 16,
                actual: 17,
            },
        ),
        (
            params(ALG_PBKDF2_SHA256, 600_000, "AAECAwQFBgcICQoLDA0ODw=="),
            Error::InvalidSaltLength {
                expected: 16,
                actual: 0,
            },
        ),
    ];
    for (p, want) in cases {
        assert_eq!(MasterKey::derive(&pw, &p).unwrap_err(), want, "{p:?}");
        assert_eq!(
            MasterKey::from_pbkdf2_output(&[0u8; 32], &p).unwrap_err(),
            want,
            "{p:?}"
        );
        assert_eq!(p.validate().unwrap_err(), want);
    }
    // The bounds themselves are accepted.
    assert!(params(ALG_PBKDF2_SHA256, MIN_ITERATIONS, SALT16)
        .validate()
        .is_ok());
    assert!(params(ALG_PBKDF2_SHA256, MAX_ITERATIONS, SALT16)
        .validate()
        .is_ok());
}

#[test]
fn externally_derived_bytes_must_be_32() {
    let p = params(ALG_PBKDF2_SHA256, MIN_ITERATIONS, SALT16);
    assert_eq!(
        MasterKey::from_pbkdf2_output(&[0u8; 31], &p).unwrap_err(),
        Error::InvalidKeyLength {
            expected: 32,
            actual: 31
        }
    );
}

#[test]
fn generated_params_are_fresh_and_valid() {
    let a = KdfParams::generate().unwrap();
    let b = KdfParams::generate().unwrap();
    assert_eq!(a.iterations, 600_000);
    assert_eq!(a.alg, "pbkdf2-sha256");
    assert_ne!(a.salt, b.salt);
    assert!(a.validate().is_ok());
}

#[test]
fn debug_of_derived_keys_hides_bytes() {
    let p = params(ALG_PBKDF2_SHA256, MIN_ITERATIONS, SALT16);
    let mk = MasterKey::from_pbkdf2_output(&[0xAB; 32], &p).unwrap();
    let auth = mk.auth_key();
    let s = format!("{mk:?} {:?} {auth:?}", mk.wrap_key());
    assert!(s.contains("REDACTED"));
    assert!(
        !s.to_lowercase().contains("abab") && !s.contains("171"),
        "{s}"
    );
    assert!(!s.contains(&auth.encode_for_server()), "{s}");
    assert!(!s.contains(&auth.encode_for_server()[..8]), "{s}");
}
