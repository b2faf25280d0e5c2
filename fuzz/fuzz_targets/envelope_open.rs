//! Any string handed to `open` (and `inspect`) must give an error or the
//! plaintext, never a panic, whatever a hostile server sends. The key and
//! context match the seeds (tests/vectors/envelope_vectors.json), so
//! mutations start from envelopes that authenticate.
#![no_main]
use blindvault::context::Context;
use blindvault::keys::SymmetricKey;
use blindvault::secret::SecretKey32;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(jwe) = std::str::from_utf8(data) else { return };
    let key = SymmetricKey::from_secret(SecretKey32::from_bytes(core::array::from_fn(|i| i as u8)));
    let Ok(ctx) = Context::item_overview("vault-1", "item-1") else { return };
    let _ = blindvault::envelope::inspect(jwe);
    let _ = key.open(jwe, &ctx);
});
