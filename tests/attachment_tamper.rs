//! A hostile server may flip, cut, reorder, append or move attachment bytes
//! (DESIGN.md threat model 2): every such change must be refused.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use blindvault::attachment::{
    decrypt, encrypt, AttachmentKey, Decryptor, RangeDecryptor, ENCRYPTED_CHUNK_SIZE, HEADER_LEN,
};
use blindvault::context::Context;
use blindvault::Error;

fn ctx() -> Context {
    Context::attachment("vault-1", "item-1", "att-1").unwrap()
}

fn key() -> AttachmentKey {
    AttachmentKey::from_bytes([7; 32])
}

fn pattern(n: usize) -> Vec<u8> {
    (0..n).map(|i| (i * 31 % 256) as u8).collect()
}

/// Two full chunks and a short final one.
fn three_chunks() -> (Vec<u8>, Vec<u8>) {
    let pt = pattern(2 * 16384 + 100);
    let ct = encrypt(&key(), &ctx(), &pt).unwrap();
    assert_eq!(ct.len(), HEADER_LEN + 2 * ENCRYPTED_CHUNK_SIZE + 116);
    (pt, ct)
}

fn chunk(k: usize) -> std::ops::Range<usize> {
    HEADER_LEN + k * ENCRYPTED_CHUNK_SIZE..HEADER_LEN + (k + 1) * ENCRYPTED_CHUNK_SIZE
}

#[test]
fn round_trip_baseline() {
    let (pt, ct) = three_chunks();
    assert_eq!(decrypt(&key(), &ctx(), &ct).unwrap(), pt);
}

/// Every one of the 32 872 bytes of a two-full-chunks-plus-empty-final
/// ciphertext, flipped alone, must be refused. A flip in the header fails the
/// commitment; a flip in chunk k fails chunk k's tag. Each chunk flip is
/// checked by opening that chunk at its index (the very code path the stream
/// uses); the full streaming decrypt of every flip would take minutes in a
/// debug build, so it runs for every 61st byte and every tag byte.
#[test]
fn every_single_byte_flip_fails() {
    let pt = pattern(2 * 16384);
    let ct = encrypt(&key(), &ctx(), &pt).unwrap();
    assert_eq!(ct.len(), HEADER_LEN + 2 * ENCRYPTED_CHUNK_SIZE + 16);
    let rd = RangeDecryptor::new(&key(), &ctx(), &ct[..HEADER_LEN], ct.len() as u64).unwrap();
    let check = |range: std::ops::Range<usize>| {
        let mut bad = ct.clone();
        for i in range {
            bad[i] ^= 0x80;
            if i < HEADER_LEN {
                assert_eq!(
                    RangeDecryptor::new(&key(), &ctx(), &bad[..HEADER_LEN], ct.len() as u64)
                        .unwrap_err(),
                    Error::AttachmentKeyCommitment,
                    "byte {i}"
                );
            } else {
                let k = ((i - HEADER_LEN) / ENCRYPTED_CHUNK_SIZE) as u64;
                // The plaintext range of chunk k alone (the final chunk is empty).
                let range = (k * 16384).min(32768)..((k + 1) * 16384).min(32768);
                let r = rd.ciphertext_range(range.clone()).unwrap();
                assert!(r.contains(&(i as u64)), "byte {i} in {r:?}");
                let fetched = &bad[r.start as usize..r.end as usize];
                assert_eq!(
                    rd.decrypt_range(range, fetched).unwrap_err(),
                    Error::AttachmentChunkFailed,
                    "byte {i}"
                );
            }
            let in_tag = i >= HEADER_LEN
                && (i - HEADER_LEN) % ENCRYPTED_CHUNK_SIZE >= ENCRYPTED_CHUNK_SIZE - 16;
            if i % 61 == 0 || in_tag || i == ct.len() - 1 {
                assert!(decrypt(&key(), &ctx(), &bad).is_err(), "byte {i} (stream)");
            }
            bad[i] = ct[i];
        }
    };
    // Two halves on the two cores.
    let mid = ct.len() / 2;
    std::thread::scope(|s| {
        s.spawn(|| check(0..mid));
        check(mid..ct.len());
    });
}

#[test]
fn truncation_at_every_chunk_boundary_and_mid_chunk_fails() {
    let (_, ct) = three_chunks();
    // On a boundary the final short chunk is missing: a length no honest
    // encryption produces.
    for cut in [0, HEADER_LEN, chunk(0).end, chunk(1).end] {
        assert_eq!(
            decrypt(&key(), &ctx(), &ct[..cut]).unwrap_err(),
            Error::AttachmentTruncated,
            "cut at {cut}"
        );
    }
    // Inside the header or inside a tag-sized tail: also a length error.
    for cut in [1, 30, HEADER_LEN - 1, chunk(0).end + 1, chunk(1).end + 15] {
        assert_eq!(
            decrypt(&key(), &ctx(), &ct[..cut]).unwrap_err(),
            Error::AttachmentTruncated,
            "cut at {cut}"
        );
    }
    // Mid-chunk, or one byte short of the end: the remainder cannot
    // authenticate as a final chunk at that index.
    for cut in [
        HEADER_LEN + 16,
        HEADER_LEN + 5000,
        chunk(0).end - 1,
        chunk(1).start + 16,
        chunk(1).start + 9000,
        chunk(1).end - 1,
        chunk(1).end + 16,
        ct.len() - 1,
    ] {
        assert_eq!(
            decrypt(&key(), &ctx(), &ct[..cut]).unwrap_err(),
            Error::AttachmentChunkFailed,
            "cut at {cut}"
        );
    }
}

#[test]
fn swapped_or_duplicated_chunks_fail() {
    let (_, ct) = three_chunks();
    let mut swapped = ct.clone();
    swapped[chunk(0)].copy_from_slice(&ct[chunk(1)]);
    swapped[chunk(1)].copy_from_slice(&ct[chunk(0)]);
    assert_eq!(
        decrypt(&key(), &ctx(), &swapped).unwrap_err(),
        Error::AttachmentChunkFailed
    );
    let mut duplicated = ct.clone();
    duplicated[chunk(1)].copy_from_slice(&ct[chunk(0)]);
    assert_eq!(
        decrypt(&key(), &ctx(), &duplicated).unwrap_err(),
        Error::AttachmentChunkFailed
    );
    // Dropping a middle chunk moves the final chunk to the wrong index.
    let mut dropped = ct[..chunk(1).start].to_vec();
    dropped.extend_from_slice(&ct[chunk(1).end..]);
    assert_eq!(
        decrypt(&key(), &ctx(), &dropped).unwrap_err(),
        Error::AttachmentChunkFailed
    );
}

#[test]
fn appended_data_fails() {
    let (_, ct) = three_chunks();
    for extra in [
        &b"\0"[..],
        &[0u8; 16][..],
        &ct[ct.len() - 116..],
        &vec![0u8; 20000][..],
    ] {
        let mut long = ct.clone();
        long.extend_from_slice(extra);
        assert!(
            decrypt(&key(), &ctx(), &long).is_err(),
            "{} extra",
            extra.len()
        );
    }
    // A whole second message's chunks after ours.
    let mut two = ct.clone();
    two.extend_from_slice(&ct[HEADER_LEN..]);
    assert_eq!(
        decrypt(&key(), &ctx(), &two).unwrap_err(),
        Error::AttachmentChunkFailed
    );
}

#[test]
fn another_place_or_key_fails_at_the_commitment() {
    let (_, ct) = three_chunks();
    for other in [
        Context::attachment("vault-1", "item-1", "att-2").unwrap(),
        Context::attachment("vault-1", "item-2", "att-1").unwrap(),
        Context::attachment("vault-2", "item-1", "att-1").unwrap(),
        Context::attachment_meta("vault-1", "item-1", "att-1").unwrap(),
    ] {
        assert_eq!(
            decrypt(&key(), &other, &ct).unwrap_err(),
            Error::AttachmentKeyCommitment,
            "{other}"
        );
        assert_eq!(
            RangeDecryptor::new(&key(), &other, &ct[..HEADER_LEN], ct.len() as u64).unwrap_err(),
            Error::AttachmentKeyCommitment
        );
    }
    let wrong = AttachmentKey::from_bytes([8; 32]);
    assert_eq!(
        decrypt(&wrong, &ctx(), &ct).unwrap_err(),
        Error::AttachmentKeyCommitment
    );
}

#[test]
fn a_failed_stream_stays_failed() {
    let (_, ct) = three_chunks();
    let mut bad = ct.clone();
    bad[chunk(1).start + 3] ^= 1;
    let mut dec = Decryptor::new(&key(), &ctx());
    let first = dec.push(&bad[..chunk(1).start]).unwrap();
    assert_eq!(first.len(), 16384, "chunk 0 is authentic and released");
    let e = dec.push(&bad[chunk(1).start..]).unwrap_err();
    assert_eq!(e, Error::AttachmentChunkFailed);
    // Even the genuine bytes are refused now, and finish reports the failure.
    assert_eq!(dec.push(&ct[chunk(1).start..]).unwrap_err(), e);
    assert_eq!(dec.buffered_len(), 0);
    assert_eq!(dec.finish().unwrap_err(), e);
}

#[test]
fn range_decryption_refuses_tampered_or_misplaced_chunks() {
    let (pt, ct) = three_chunks();
    let rd = RangeDecryptor::new(&key(), &ctx(), &ct[..HEADER_LEN], ct.len() as u64).unwrap();
    let r = rd.ciphertext_range(100..200).unwrap();
    assert_eq!(r, chunk(0).start as u64..chunk(0).end as u64);
    let fetched = &ct[r.start as usize..r.end as usize];
    assert_eq!(rd.decrypt_range(100..200, fetched).unwrap(), &pt[100..200]);
    // Chunk 1's bytes served for chunk 0's range.
    assert_eq!(
        rd.decrypt_range(100..200, &ct[chunk(1)]).unwrap_err(),
        Error::AttachmentChunkFailed
    );
    let mut flipped = fetched.to_vec();
    flipped[500] ^= 1;
    assert_eq!(
        rd.decrypt_range(100..200, &flipped).unwrap_err(),
        Error::AttachmentChunkFailed
    );
    // Wrong amount of bytes for the range.
    assert_eq!(
        rd.decrypt_range(100..200, &fetched[1..]).unwrap_err(),
        Error::AttachmentTruncated
    );
    let mut longer = fetched.to_vec();
    longer.push(0);
    assert_eq!(
        rd.decrypt_range(100..200, &longer).unwrap_err(),
        Error::AttachmentTrailingData
    );
    // A server lying about the length: the final chunk is looked for at the
    // wrong index or with the wrong size, so a range reaching the claimed
    // end fails.
    let shorter_len = (ct.len() - ENCRYPTED_CHUNK_SIZE) as u64;
    let liar = RangeDecryptor::new(&key(), &ctx(), &ct[..HEADER_LEN], shorter_len).unwrap();
    let end = liar.plaintext_len();
    let r = liar.ciphertext_range(end - 10..end).unwrap();
    assert!(liar
        .decrypt_range(end - 10..end, &ct[r.start as usize..r.end as usize])
        .is_err());
    // A header of the wrong size is malformed.
    assert_eq!(
        RangeDecryptor::new(&key(), &ctx(), &ct[..HEADER_LEN - 1], ct.len() as u64).unwrap_err(),
        Error::MalformedAttachmentHeader
    );
}

mod fuzz {
    use super::*;
    use blindvault::attachment::{ciphertext_range_for, plaintext_len};
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]

        /// Arbitrary bytes after a genuine header never panic and never
        /// decrypt (the fuzz target for the stream parser).
        #[test]
        fn garbage_after_a_genuine_header_is_refused(
            body in prop::collection::vec(any::<u8>(), 0..40000),
            piece in 1usize..20000,
        ) {
            let ct = encrypt(&key(), &ctx(), b"x").unwrap();
            let mut bad = ct[..HEADER_LEN].to_vec();
            bad.extend_from_slice(&body);
            let mut dec = Decryptor::new(&key(), &ctx());
            let mut failed = false;
            for p in bad.chunks(piece) {
                match dec.push(p) {
                    Ok(pt) => prop_assert!(pt.is_empty()),
                    Err(_) => { failed = true; break; }
                }
            }
            prop_assert!(failed || dec.finish().is_err());
        }

        /// The length arithmetic never panics or overflows, whatever the
        /// claimed lengths (the fuzz target for the random-access parser).
        #[test]
        fn any_lengths_and_ranges_are_answered_without_panicking(
            ct_len in any::<u64>(), a in any::<u64>(), b in any::<u64>(),
        ) {
            if let Ok(len) = plaintext_len(ct_len) {
                let r = ciphertext_range_for(a % (len + 1), len, ct_len).unwrap();
                prop_assert_eq!(r.end, ct_len);
                prop_assert!(r.start >= HEADER_LEN as u64);
            }
            let _ = ciphertext_range_for(a, b, ct_len);
        }
    }
}
