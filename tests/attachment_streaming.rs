//! Streaming round trips with arbitrary push sizes, bounded memory on a
//! large file, one-shot helpers and key hygiene.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use blindvault::attachment::{
    ciphertext_len, decrypt, encrypt, AttachmentKey, Decryptor, Encryptor, CHUNK_SIZE,
    ENCRYPTED_CHUNK_SIZE, HEADER_LEN,
};
use blindvault::context::Context;
use proptest::prelude::*;

fn ctx() -> Context {
    Context::attachment("vault-1", "item-1", "att-1").unwrap()
}

fn pattern(n: usize, seed: u8) -> Vec<u8> {
    (0..n)
        .map(|i| (i as u8).wrapping_mul(13).wrapping_add(seed))
        .collect()
}

/// Pushes `data` in pieces whose sizes cycle through `sizes` (0 allowed).
fn pieces<'a>(data: &'a [u8], sizes: &[usize]) -> Vec<&'a [u8]> {
    let mut out = Vec::new();
    let mut rest = data;
    let mut i = 0;
    while !rest.is_empty() {
        let n = sizes[i % sizes.len()].min(rest.len());
        let (a, b) = rest.split_at(n);
        out.push(a);
        rest = b;
        i += 1;
        if i > 4 * data.len() + 8 {
            // All-zero sizes: push the rest at once.
            out.push(rest);
            break;
        }
    }
    out
}

fn stream_encrypt(key: &AttachmentKey, pt: &[u8], sizes: &[usize]) -> Vec<u8> {
    let (mut enc, mut ct) = Encryptor::new(key, &ctx()).unwrap();
    assert_eq!(ct.len(), HEADER_LEN);
    for p in pieces(pt, sizes) {
        let out = enc.push(p).unwrap();
        // Only whole chunks come out of push.
        assert_eq!(out.len() % ENCRYPTED_CHUNK_SIZE, 0);
        assert!(enc.buffered_len() < CHUNK_SIZE);
        ct.extend(out);
    }
    ct.extend(enc.finish().unwrap());
    ct
}

fn stream_decrypt(key: &AttachmentKey, ct: &[u8], sizes: &[usize]) -> Vec<u8> {
    let mut dec = Decryptor::new(key, &ctx());
    let mut pt = Vec::new();
    for p in pieces(ct, sizes) {
        pt.extend(dec.push(p).unwrap());
        assert!(dec.buffered_len() < ENCRYPTED_CHUNK_SIZE);
    }
    pt.extend(dec.finish().unwrap());
    pt
}

#[test]
fn edge_lengths_round_trip_in_various_pieces() {
    let key = AttachmentKey::generate().unwrap();
    for len in [
        0,
        1,
        15,
        16,
        17,
        CHUNK_SIZE - 1,
        CHUNK_SIZE,
        CHUNK_SIZE + 1,
        2 * CHUNK_SIZE,
        3 * CHUNK_SIZE + 5,
    ] {
        let pt = pattern(len, len as u8);
        for sizes in [
            &[usize::MAX][..],
            &[1000],
            &[CHUNK_SIZE],
            &[CHUNK_SIZE + 1],
            &[0, 7, 16400, 3],
        ] {
            let ct = stream_encrypt(&key, &pt, sizes);
            assert_eq!(
                ct.len() as u64,
                ciphertext_len(len as u64).unwrap(),
                "{len}"
            );
            assert_eq!(stream_decrypt(&key, &ct, sizes), pt, "{len} {sizes:?}");
            assert_eq!(stream_decrypt(&key, &ct, &[ENCRYPTED_CHUNK_SIZE]), pt);
            assert_eq!(decrypt(&key, &ctx(), &ct).unwrap(), pt);
        }
    }
}

#[test]
fn one_byte_pushes_round_trip() {
    let key = AttachmentKey::generate().unwrap();
    let pt = pattern(CHUNK_SIZE + 3, 9);
    let ct = stream_encrypt(&key, &pt, &[1]);
    assert_eq!(stream_decrypt(&key, &ct, &[1]), pt);
}

#[test]
fn each_encryption_uses_a_fresh_salt() {
    let key = AttachmentKey::from_bytes([3; 32]);
    let a = encrypt(&key, &ctx(), b"same").unwrap();
    let b = encrypt(&key, &ctx(), b"same").unwrap();
    assert_ne!(a[..24], b[..24], "salt repeated");
    assert_ne!(a, b);
}

#[test]
fn the_decryptor_releases_nothing_before_a_chunk_authenticates() {
    let key = AttachmentKey::generate().unwrap();
    let pt = pattern(CHUNK_SIZE + 10, 1);
    let ct = encrypt(&key, &ctx(), &pt).unwrap();
    let mut dec = Decryptor::new(&key, &ctx());
    // Header plus all but the last byte of chunk 0: nothing yet.
    assert!(dec
        .push(&ct[..HEADER_LEN + ENCRYPTED_CHUNK_SIZE - 1])
        .unwrap()
        .is_empty());
    // Chunk 0 completes: its 16 KiB come out at once.
    assert_eq!(
        dec.push(&ct[HEADER_LEN + ENCRYPTED_CHUNK_SIZE - 1..HEADER_LEN + ENCRYPTED_CHUNK_SIZE])
            .unwrap(),
        &pt[..CHUNK_SIZE]
    );
    // The short final chunk is held back until finish.
    assert!(dec
        .push(&ct[HEADER_LEN + ENCRYPTED_CHUNK_SIZE..])
        .unwrap()
        .is_empty());
    assert_eq!(dec.buffered_len(), 26);
    assert_eq!(dec.finish().unwrap(), &pt[CHUNK_SIZE..]);
}

/// 64 MiB through both directions in 1 MiB pieces, never holding more than
/// one chunk inside the encryptor or decryptor. (Slow in a debug build:
/// AES-GCM's generic code is compiled unoptimised in this crate.)
#[test]
fn sixty_four_mib_streams_through_one_chunk_of_buffer() {
    const TOTAL: usize = 64 << 20;
    const PIECE: usize = (1 << 20) + 3; // not chunk-aligned
    let key = AttachmentKey::generate().unwrap();
    let (mut enc, header) = Encryptor::new(&key, &ctx()).unwrap();
    let mut dec = Decryptor::new(&key, &ctx());
    assert!(dec.push(&header).unwrap().is_empty());
    let mut piece = vec![0u8; PIECE];
    let (mut fed, mut got) = (0usize, 0usize);
    let mut max_enc_buf = 0;
    let mut max_dec_buf = 0;
    // Plaintext byte i is (i % 251): checkable without keeping it.
    let byte = |i: usize| (i % 251) as u8;
    let check = |pt: &[u8], got: &mut usize| {
        for (j, b) in pt.iter().enumerate() {
            assert_eq!(*b, byte(*got + j), "plaintext byte {}", *got + j);
        }
        *got += pt.len();
    };
    while fed < TOTAL {
        let n = PIECE.min(TOTAL - fed);
        for (j, b) in piece[..n].iter_mut().enumerate() {
            *b = byte(fed + j);
        }
        fed += n;
        let ct = enc.push(&piece[..n]).unwrap();
        max_enc_buf = max_enc_buf.max(enc.buffered_len());
        let pt = dec.push(&ct).unwrap();
        max_dec_buf = max_dec_buf.max(dec.buffered_len());
        check(&pt, &mut got);
    }
    let last = enc.finish().unwrap();
    let pt = dec.push(&last).unwrap();
    check(&pt, &mut got);
    max_dec_buf = max_dec_buf.max(dec.buffered_len());
    check(&dec.finish().unwrap(), &mut got);
    assert_eq!(got, TOTAL);
    assert!(max_enc_buf < CHUNK_SIZE, "{max_enc_buf}");
    assert!(max_dec_buf < ENCRYPTED_CHUNK_SIZE, "{max_dec_buf}");
}

#[test]
fn keys_never_print() {
    let key = AttachmentKey::from_bytes([0xAB; 32]);
    let (enc, _) = Encryptor::new(&key, &ctx()).unwrap();
    let dec = Decryptor::new(&key, &ctx());
    let s = format!("{key:?} {enc:?} {dec:?} {key:#?}");
    assert!(s.contains("REDACTED"), "{s}");
    assert!(!s.to_lowercase().contains("ab"), "{s}");
    assert!(!s.contains("171"), "{s}");
}

#[test]
fn key_bytes_round_trip_and_wrong_lengths_are_refused() {
    let key = AttachmentKey::generate().unwrap();
    let again = AttachmentKey::from_slice(key.expose_secret()).unwrap();
    assert_eq!(key.expose_secret(), again.expose_secret());
    assert_ne!(
        key.expose_secret(),
        AttachmentKey::generate().unwrap().expose_secret()
    );
    for n in [0, 16, 31, 33, 64] {
        assert_eq!(
            AttachmentKey::from_slice(&vec![1; n]).unwrap_err(),
            blindvault::Error::InvalidKeyLength {
                expected: 32,
                actual: n
            }
        );
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn any_length_any_push_sizes_round_trip(
        len in prop_oneof![0usize..100, 16300usize..16500, 32700usize..32900, 0usize..70000],
        enc_sizes in prop::collection::vec(0usize..20000, 1..6),
        dec_sizes in prop::collection::vec(0usize..20000, 1..6),
        seed in any::<u8>(),
    ) {
        let key = AttachmentKey::from_bytes([seed; 32]);
        let pt = pattern(len, seed);
        let ct = stream_encrypt(&key, &pt, &enc_sizes);
        prop_assert_eq!(ct.len() as u64, ciphertext_len(len as u64).unwrap());
        prop_assert_eq!(stream_decrypt(&key, &ct, &dec_sizes), pt);
    }
}
