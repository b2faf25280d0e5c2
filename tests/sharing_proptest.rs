//! Property tests for the two parsers of this area: opening a sealed HPKE
//! value or a password envelope never panics on arbitrary input, and HPKE
//! round-trips arbitrary plaintexts, infos and aads.
#![cfg(not(target_arch = "wasm32"))]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use blindvault::encoding::b64u_encode;
use blindvault::password_envelope::open_with_password;
use blindvault::sharing::{hpke_open, hpke_seal, open_vault_key, KeyPair};
use proptest::prelude::*;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn hpke_round_trip(pt in proptest::collection::vec(any::<u8>(), 0..512),
                       info in proptest::collection::vec(any::<u8>(), 0..64),
                       aad in proptest::collection::vec(any::<u8>(), 0..64)) {
        let kp = KeyPair::generate().unwrap();
        let s = hpke_seal(&kp.public_key_bytes(), &info, &aad, &pt).unwrap();
        let back = hpke_open(&kp, &s, &info, &aad).unwrap();
        prop_assert_eq!(back.expose_secret(), &pt[..]);
    }

    #[test]
    fn opening_arbitrary_text_never_panics(s in "\\PC{0,300}") {
        let kp = KeyPair::dangerous_from_secret_bytes([7u8; 32]);
        let _ = hpke_open(&kp, &s, b"", b"");
        let _ = open_vault_key(&kp, &s, "v", "m");
        // Arbitrary text never gets as far as the KDF (it needs a valid
        // header), so this stays fast.
        let _ = open_with_password(&s, "pw");
    }

    #[test]
    fn opening_well_shaped_garbage_never_panics(enc in proptest::collection::vec(any::<u8>(), 0..40),
                                                ct in proptest::collection::vec(any::<u8>(), 0..80)) {
        let kp = KeyPair::dangerous_from_secret_bytes([9u8; 32]);
        let s = format!("bv1-hpke.{}.{}", b64u_encode(&enc), b64u_encode(&ct));
        prop_assert!(hpke_open(&kp, &s, b"", b"").is_err());
    }

    #[test]
    fn password_header_fields_of_any_type_never_panic(
        alg in prop_oneof![Just("\"PBES2-HS512+A256KW\"".to_owned()), "\\PC{0,12}"],
        p2c in prop_oneof![Just("1".to_owned()), Just("99999999999".to_owned()), Just("-5".to_owned()),
                           Just("1e6".to_owned()), Just("null".to_owned()), Just("[600000]".to_owned())],
        p2s in prop_oneof![Just("\"\"".to_owned()), Just("\"AAAA\"".to_owned()), Just("7".to_owned())],
    ) {
        // Every p2c here is out of bounds or malformed, so no KDF runs.
        let h = format!(r#"{{"alg":{alg},"enc":"A256GCM","p2s":{p2s},"p2c":{p2c}}}"#);
        let jwe = format!("{}.{}.{}.{}.{}", b64u_encode(h.as_bytes()), b64u_encode(&[0; 40]),
                          b64u_encode(&[0; 12]), b64u_encode(b"x"), b64u_encode(&[0; 16]));
        prop_assert!(open_with_password(&jwe, "pw").is_err());
    }
}
