//! Sealing vault keys to members, key-pair wrapping, fingerprints, generic HPKE.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use blindvault::context::Context;
use blindvault::keys::SymmetricKey;
use blindvault::sharing::*;
use blindvault::Error;

#[test]
fn vault_key_round_trip_and_binding() {
    let alice = KeyPair::generate().unwrap();
    let bob = KeyPair::generate().unwrap();
    let vk = SymmetricKey::generate().unwrap();
    let sealed = seal_vault_key_to(&bob.public_key_bytes(), &vk, "vault-1", "bob").unwrap();
    assert!(sealed.starts_with("bv1-hpke."));
    assert_eq!(sealed.split('.').count(), 3);

    let back = open_vault_key(&bob, &sealed, "vault-1", "bob").unwrap();
    assert_eq!(back.kid(), vk.kid());
    // The recovered key really is the same key: it opens what the original sealed.
    let ctx = Context::vault_meta("vault-1").unwrap();
    let jwe = vk.seal(b"name", &ctx).unwrap();
    assert_eq!(back.open(&jwe, &ctx).unwrap().expose_secret(), b"name");

    // Wrong vault, wrong member id, wrong key pair: all refused.
    for (kp, vault, member) in [
        (&bob, "vault-2", "bob"),
        (&bob, "vault-1", "alice"),
        (&alice, "vault-1", "bob"),
    ] {
        assert_eq!(
            open_vault_key(kp, &sealed, vault, member).unwrap_err(),
            Error::DecryptionFailed,
            "{vault}/{member}"
        );
    }
    // Ids are validated like every context.
    assert_eq!(
        open_vault_key(&bob, &sealed, "vault/1", "bob").unwrap_err(),
        Error::InvalidId
    );
}

#[test]
fn two_seals_differ_fresh_ephemeral_key_each_time() {
    let bob = KeyPair::generate().unwrap();
    let vk = SymmetricKey::generate().unwrap();
    let a = seal_vault_key_to(&bob.public_key_bytes(), &vk, "v", "b").unwrap();
    let b = seal_vault_key_to(&bob.public_key_bytes(), &vk, "v", "b").unwrap();
    assert_ne!(a.split('.').nth(1), b.split('.').nth(1));
    assert_ne!(a.split('.').nth(2), b.split('.').nth(2));
}

#[test]
fn every_single_character_change_of_a_sealed_vault_key_fails() {
    let bob = KeyPair::generate().unwrap();
    let vk = SymmetricKey::generate().unwrap();
    let sealed = seal_vault_key_to(&bob.public_key_bytes(), &vk, "v", "bob").unwrap();
    const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let bytes = sealed.as_bytes();
    for i in 0..bytes.len() {
        let next = match A.iter().position(|&c| c == bytes[i]) {
            Some(p) => A[(p + 1) % A.len()],
            None => b'A',
        };
        for repl in [next, b'.'] {
            if repl == bytes[i] {
                continue;
            }
            let mut t = bytes.to_vec();
            t[i] = repl;
            let t = String::from_utf8(t).unwrap();
            assert!(
                open_vault_key(&bob, &t, "v", "bob").is_err(),
                "change at {i} accepted"
            );
        }
    }
    // Byte level: flip the low and the high bit of every decoded byte. The
    // high bit of enc[31] is the one X25519 itself ignores (RFC 7748 §5); it
    // must still fail because HPKE hashes enc as sent (kem_context = enc || pkR).
    let parts: Vec<&str> = sealed.split('.').collect();
    let (b64d, b64e) = (
        |s: &str| blindvault::encoding::b64u_decode(s, "t").unwrap(),
        blindvault::encoding::b64u_encode,
    );
    for part in [1, 2] {
        let raw = b64d(parts[part]);
        for i in 0..raw.len() {
            for bit in [0x01u8, 0x80] {
                let mut r = raw.clone();
                r[i] ^= bit;
                let mut p: Vec<String> = parts.iter().map(|s| (*s).to_owned()).collect();
                p[part] = b64e(&r);
                assert!(
                    open_vault_key(&bob, &p.join("."), "v", "bob").is_err(),
                    "part {part} byte {i} bit {bit:#x} accepted"
                );
            }
        }
    }
    // Truncation and extension too.
    assert!(open_vault_key(&bob, &sealed[..sealed.len() - 1], "v", "bob").is_err());
    assert!(open_vault_key(&bob, &format!("{sealed}A"), "v", "bob").is_err());
}

#[test]
fn malformed_sealed_values_are_refused() {
    let bob = KeyPair::generate().unwrap();
    let enc = blindvault::encoding::b64u_encode(&bob.public_key_bytes());
    let ct = blindvault::encoding::b64u_encode(&[0u8; 48]);
    let cases = [
        (String::new(), "parts"),
        (format!("bv1-hpke.{enc}"), "parts"),
        (format!("bv1-hpke.{enc}.{ct}.x"), "parts"),
        (format!("bv2-hpke.{enc}.{ct}"), "version"),
        (format!("bv1-hpke.{}.{ct}", &enc[..40]), "enc"),
        (format!("bv1-hpke.{enc}.AAAA"), "ct"),
        (format!("bv1-hpke.{enc}=.{ct}"), "b64"),
    ];
    for (s, what) in cases {
        let e = open_vault_key(&bob, &s, "v", "bob").unwrap_err();
        assert!(
            matches!(e, Error::MalformedEnvelope(_) | Error::UnsupportedVersion),
            "{what}: {e:?}"
        );
    }
    // Sealing refuses what opening would refuse.
    assert!(matches!(
        hpke_seal(&bob.public_key_bytes(), b"", b"", &vec![0u8; 800 * 1024]),
        Err(Error::EnvelopeTooLarge { .. })
    ));
    let big = hpke_seal(&bob.public_key_bytes(), b"", b"", &vec![0u8; 700 * 1024]).unwrap();
    assert_eq!(hpke_open(&bob, &big, b"", b"").unwrap().len(), 700 * 1024);
    let huge = "A".repeat(MAX_SEALED_LEN + 1);
    assert!(matches!(
        hpke_open(&bob, &huge, b"", b""),
        Err(Error::EnvelopeTooLarge { .. })
    ));
}

#[test]
fn sealing_to_a_low_order_key_is_refused() {
    // The all-zero u-coordinate and u = 1 are low-order points on Curve25519.
    let vk = SymmetricKey::generate().unwrap();
    let mut one = [0u8; 32];
    one[0] = 1;
    for pk in [[0u8; 32], one] {
        assert_eq!(
            seal_vault_key_to(&pk, &vk, "v", "m").unwrap_err(),
            Error::InvalidPublicKey
        );
        assert_eq!(
            hpke_seal(&pk, b"i", b"a", b"p").unwrap_err(),
            Error::InvalidPublicKey
        );
    }
}

#[test]
fn key_pair_wrap_unwrap_is_bound_to_account_and_key() {
    let account_key = SymmetricKey::generate().unwrap();
    let other_key = SymmetricKey::generate().unwrap();
    let kp = KeyPair::generate().unwrap();
    let wrapped = kp.wrap(&account_key, "acct-1").unwrap();
    let back = KeyPair::unwrap(&account_key, &wrapped, "acct-1").unwrap();
    assert_eq!(back.public_key_bytes(), kp.public_key_bytes());
    // The unwrapped pair can open what was sealed to the original.
    let vk = SymmetricKey::generate().unwrap();
    let sealed = seal_vault_key_to(&kp.public_key_bytes(), &vk, "v", "acct-1").unwrap();
    assert_eq!(
        open_vault_key(&back, &sealed, "v", "acct-1").unwrap().kid(),
        vk.kid()
    );

    assert!(KeyPair::unwrap(&account_key, &wrapped, "acct-2").is_err());
    assert!(KeyPair::unwrap(&other_key, &wrapped, "acct-1").is_err());
    // A 31-byte payload under the right context is not a private key.
    let short = account_key
        .seal(&[1u8; 31], &Context::private_key("acct-1").unwrap())
        .unwrap();
    assert_eq!(
        KeyPair::unwrap(&account_key, &short, "acct-1").unwrap_err(),
        Error::InvalidPayload("a private key must be 32 bytes")
    );
}

#[test]
fn fingerprint_is_stable_and_documented() {
    // RFC 7748 §6.1 Alice's public key; expected value computed with Python's
    // hashlib from the SPEC.md formula, independently of this crate.
    let pk: [u8; 32] =
        hex::decode("8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a")
            .unwrap()
            .try_into()
            .unwrap();
    assert_eq!(fingerprint(&pk), "0805 8343 1213 3155 7454 6987 2979 6465");
    assert_eq!(
        fingerprint(&[0u8; 32]),
        "8134 2470 6552 0903 7168 7343 0320 7767"
    );
    // Alice's private key gives that public key, and the pair's fingerprint agrees.
    let sk: [u8; 32] =
        hex::decode("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a")
            .unwrap()
            .try_into()
            .unwrap();
    let kp = KeyPair::dangerous_from_secret_bytes(sk);
    assert_eq!(kp.public_key_bytes(), pk);
    assert_eq!(kp.fingerprint(), fingerprint(&pk));
}

#[test]
fn debug_shows_the_fingerprint_not_the_private_key() {
    let sk = [0x42u8; 32];
    let kp = KeyPair::dangerous_from_secret_bytes(sk);
    let s = format!("{kp:?}");
    assert!(s.contains(&kp.fingerprint()), "{s}");
    assert!(!s.contains("66, 66") && !s.contains("4242"), "{s}");
}

#[test]
fn generic_hpke_binds_info_and_aad() {
    let kp = KeyPair::generate().unwrap();
    let s = hpke_seal(
        &kp.public_key_bytes(),
        b"request/42",
        b"requester=alice",
        b"the secret",
    )
    .unwrap();
    assert_eq!(
        hpke_open(&kp, &s, b"request/42", b"requester=alice")
            .unwrap()
            .expose_secret(),
        b"the secret"
    );
    assert_eq!(
        hpke_open(&kp, &s, b"request/43", b"requester=alice").unwrap_err(),
        Error::DecryptionFailed
    );
    assert_eq!(
        hpke_open(&kp, &s, b"request/42", b"requester=mallory").unwrap_err(),
        Error::DecryptionFailed
    );
    // An application ciphertext never opens as a vault key, even with the
    // vault-key context as its info and the public key as its aad.
    let ctx = Context::vault_key("v", "m").unwrap();
    let vk = SymmetricKey::generate().unwrap();
    let app = hpke_seal(
        &kp.public_key_bytes(),
        ctx.as_bytes(),
        &kp.public_key_bytes(),
        vk.kid().as_bytes(),
    )
    .unwrap();
    assert_eq!(
        open_vault_key(&kp, &app, "v", "m").unwrap_err(),
        Error::DecryptionFailed
    );

    let long = vec![0u8; MAX_INFO_LEN + 1];
    assert_eq!(
        hpke_seal(&kp.public_key_bytes(), &long, b"", b"").unwrap_err(),
        Error::HpkeInfoTooLong {
            actual: MAX_INFO_LEN + 1,
            maximum: MAX_INFO_LEN
        }
    );
    assert!(matches!(
        hpke_open(&kp, &s, &long, b""),
        Err(Error::HpkeInfoTooLong { .. })
    ));
}
