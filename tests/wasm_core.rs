//! The core compiled to wasm32, run by wasm-bindgen-test in Node and (with
//! WASM_BINDGEN_USE_BROWSER=1) in headless Chromium.
#![cfg(target_arch = "wasm32")]

use wasm_bindgen_test::*;

#[wasm_bindgen_test]
fn random_bytes_come_from_the_platform() {
    let mut a = [0u8; 32];
    let mut b = [0u8; 32];
    blindvault::random::fill(&mut a).unwrap();
    blindvault::random::fill(&mut b).unwrap();
    assert_ne!(a, b);
}
