//! wasm-bindgen surface (to be written)
