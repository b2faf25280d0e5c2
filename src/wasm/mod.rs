//! The wasm-bindgen surface: a few lines per export over the core.
//!
//! Keys cross into JavaScript only as opaque handle classes whose bytes stay in
//! WASM memory (zeroized on drop, or on `free()` from JS); the only raw key
//! bytes ever returned are public keys. Every error is a JS `Error` carrying
//! the core's message, which by construction holds no secret (src/error.rs).
//!
//! Compiled out when the `strength` feature is on: that feature is only used
//! on wasm32 by `crates/strength-wasm`, and a cdylib exports every
//! `#[wasm_bindgen]` item of the crates it links, so without this the lazily
//! loaded strength module would carry the whole vault API as well.
#![cfg(not(feature = "strength"))]

mod account;
mod attachment;
mod attachment_webcrypto;
#[cfg(feature = "js-extras")]
mod audit;
mod convert;
#[cfg(feature = "js-extras")]
mod generator;
mod items;
mod keys;
mod member_log;
#[cfg(feature = "js-extras")]
mod password;
mod rotation;
#[cfg(feature = "js-extras")]
mod share;
mod snapshot;
#[cfg(feature = "js-extras")]
mod transfer;
mod webcrypto;

use wasm_bindgen::prelude::*;

/// The core's error as a JavaScript `Error` with the same message.
pub(crate) fn js_err(e: crate::Error) -> JsError {
    JsError::new(&e.to_string())
}

/// The version of the core this module was built from.
#[wasm_bindgen(js_name = coreVersion)]
pub fn core_version() -> String {
    env!("CARGO_PKG_VERSION").to_string()
}
