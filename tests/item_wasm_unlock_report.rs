//! Not a test of speed (no timings are asserted): prints how long the batch
//! unlock call takes for 10 000 items of ~200-byte overviews in wasm, and the
//! raw AES-GCM share of it. Run on purpose, in Node or Chromium:
//!
//! ```text
//! CARGO_TARGET_DIR=target-wasm RUSTFLAGS="-C target-feature=+simd128" \
//! CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner \
//! cargo test --release --target wasm32-unknown-unknown --no-default-features \
//!   --test item_wasm_unlock_report -- --include-ignored --nocapture
//! ```
#![cfg(target_arch = "wasm32")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use aes_gcm::aead::AeadInOut;
use aes_gcm::{Aes256Gcm, KeyInit};
use blindvault::item;
use blindvault::keys::SymmetricKey;
use wasm_bindgen_test::*;

fn now() -> f64 {
    js_sys::Date::now()
}

#[wasm_bindgen_test]
#[ignore]
fn report_open_overviews_10k() {
    let vk = SymmetricKey::generate().unwrap();
    let overview = vec![b'x'; 200];
    let items: Vec<(String, String)> = (0..10_000)
        .map(|n| {
            let id = format!("item-{n:05}");
            (
                id.clone(),
                item::seal_new(&vk, "vault", &id, &overview, b"{}").unwrap(),
            )
        })
        .collect();
    for _ in 0..3 {
        let t = now();
        let out = item::open_overviews(&vk, "vault", &items);
        console_log!("open_overviews, 10 000 items: {} ms", now() - t);
        assert!(out.iter().all(|r| r.is_ok()));
    }
    // The AES-GCM floor of the same work: per item one key schedule, one
    // 32-byte and one 200-byte decryption, each with a ~130-byte header as AAD.
    let aad = [b'h'; 130];
    let iv = [0u8; 12];
    let t = now();
    for n in 0..10_000u32 {
        let mut k = [7u8; 32];
        k[..4].copy_from_slice(&n.to_le_bytes());
        let c = Aes256Gcm::new((&k).into());
        let mut a = [0u8; 32];
        let mut b = [0u8; 200];
        let _ = core::hint::black_box(vk_cipher_work(&c, &iv, &aad, &mut a));
        let _ = core::hint::black_box(vk_cipher_work(&c, &iv, &aad, &mut b));
    }
    console_log!("raw AES-GCM floor of the same work: {} ms", now() - t);
}

fn vk_cipher_work(c: &Aes256Gcm, iv: &[u8; 12], aad: &[u8], buf: &mut [u8]) -> bool {
    c.encrypt_inout_detached(iv.into(), aad, buf.into()).is_ok()
}
