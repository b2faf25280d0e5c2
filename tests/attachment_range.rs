//! Random access: decrypting any plaintext range from the ciphertext bytes
//! `ciphertext_range_for` names equals slicing the plaintext.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use blindvault::attachment::{
    ciphertext_range_for, encrypt, plaintext_len, AttachmentKey, RangeDecryptor, CHUNK_SIZE,
    HEADER_LEN,
};
use blindvault::context::Context;
use blindvault::Error;
use proptest::prelude::*;
use std::sync::OnceLock;

const LENGTHS: [usize; 5] = [0, 100, CHUNK_SIZE, 3 * CHUNK_SIZE + 777, 4 * CHUNK_SIZE];

fn ctx() -> Context {
    Context::attachment("vault-1", "item-1", "att-1").unwrap()
}

fn key() -> AttachmentKey {
    AttachmentKey::from_bytes([5; 32])
}

/// (plaintext, ciphertext) for each of `LENGTHS`, made once.
fn fixtures() -> &'static Vec<(Vec<u8>, Vec<u8>)> {
    static F: OnceLock<Vec<(Vec<u8>, Vec<u8>)>> = OnceLock::new();
    F.get_or_init(|| {
        LENGTHS
            .iter()
            .map(|&n| {
                let pt: Vec<u8> = (0..n).map(|i| (i * 7 % 253) as u8).collect();
                let ct = encrypt(&key(), &ctx(), &pt).unwrap();
                (pt, ct)
            })
            .collect()
    })
}

fn read(ct: &[u8], start: u64, end: u64) -> Result<Vec<u8>, Error> {
    let rd = RangeDecryptor::new(&key(), &ctx(), &ct[..HEADER_LEN], ct.len() as u64)?;
    let r = ciphertext_range_for(start, end, ct.len() as u64)?;
    assert_eq!(r, rd.ciphertext_range(start..end)?);
    rd.decrypt_range(start..end, &ct[r.start as usize..r.end as usize])
}

#[test]
fn boundary_ranges_equal_slices() {
    for (pt, ct) in fixtures() {
        let len = pt.len();
        assert_eq!(plaintext_len(ct.len() as u64).unwrap(), len as u64);
        let c = CHUNK_SIZE;
        let mut points = vec![0, 1, len / 2, len.saturating_sub(1), len];
        for k in 1..=4 {
            points.extend([k * c - 1, k * c, k * c + 1]);
        }
        points.retain(|&p| p <= len);
        for &s in &points {
            for &e in &points {
                if s <= e {
                    assert_eq!(
                        read(ct, s as u64, e as u64).unwrap(),
                        &pt[s..e],
                        "{len}: {s}..{e}"
                    );
                }
            }
        }
        assert_eq!(
            read(ct, 0, len as u64 + 1).unwrap_err(),
            Error::RangeOutOfBounds
        );
    }
}

#[test]
fn a_range_reaching_the_end_fetches_and_checks_the_final_chunk() {
    let (pt, ct) = &fixtures()[4]; // four full chunks and an empty final chunk
    let len = pt.len() as u64;
    let r = ciphertext_range_for(len - 1, len, ct.len() as u64).unwrap();
    assert_eq!(r.end, ct.len() as u64, "final chunk included");
    // Cutting the final chunk off the fetched bytes is refused.
    let rd = RangeDecryptor::new(&key(), &ctx(), &ct[..HEADER_LEN], ct.len() as u64).unwrap();
    let fetched = &ct[r.start as usize..r.end as usize - 16];
    assert_eq!(
        rd.decrypt_range(len - 1..len, fetched).unwrap_err(),
        Error::AttachmentTruncated
    );
    // A range ending earlier does not need it.
    let r = ciphertext_range_for(0, len - 1, ct.len() as u64).unwrap();
    assert_eq!(r.end, ct.len() as u64 - 16);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn any_range_equals_the_slice(which in 0usize..LENGTHS.len(), a in any::<u64>(), b in any::<u64>()) {
        let (pt, ct) = &fixtures()[which];
        let len = pt.len() as u64;
        let (s, e) = (a % (len + 1), b % (len + 1));
        let (s, e) = (s.min(e), s.max(e));
        prop_assert_eq!(read(ct, s, e).unwrap(), pt[s as usize..e as usize].to_vec());
    }
}
