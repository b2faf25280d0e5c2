//! Attachment ciphertext (header, chunks, final marker) fed in arbitrary
//! pieces: the streaming decrypter must fail cleanly, never panic, and the
//! range reader must agree about lengths. The key and context match the
//! seeds (tests/vectors/attachment_vectors.json), so mutations start from
//! ciphertexts that authenticate.
#![no_main]
use blindvault::attachment::{plaintext_len, AttachmentKey, Decryptor};
use blindvault::context::Context;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&split, ct)) = data.split_first() else { return };
    let key = AttachmentKey::from_bytes(core::array::from_fn(|i| i as u8));
    let Ok(ctx) = Context::attachment("vault-1", "item-1", "att-1") else { return };
    let mut dec = Decryptor::new(&key, &ctx);
    let cut = (split as usize).min(ct.len());
    let _ = dec.push(&ct[..cut]).and_then(|_| dec.push(&ct[cut..]));
    let _ = dec.finish();
    let _ = plaintext_len(ct.len() as u64);
});
