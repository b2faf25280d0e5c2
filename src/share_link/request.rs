//! "Request a secret": the answer is sealed with HPKE to the requester's
//! public key (which travels in the request link), bound to the request id.
//!
//! ```text
//! plaintext = u32_be(len(meta)) || meta || UTF-8(text)     meta = {"v":1,"kind":"text"}
//! sealed    = hpkeSeal(pk, info = "share-request/v1/" id, aad = pk, plaintext)
//! ```

use super::limits::check_answer_text;
use super::meta::{check_answer_meta, ANSWER_META};
use super::payload::{frame, split};
use super::{Result, ShareError};
use crate::context::validate_id;
use crate::secret::SecretString;
use crate::sharing::{hpke_open, hpke_seal, KeyPair};
use zeroize::Zeroizing;

/// The HPKE `info` of an answer to request `id` (the core's HPKE prefixes
/// `bv1/hpke-app/`), so an answer cannot be replayed into another request.
pub fn request_info(request_id: &str) -> Result<Vec<u8>> {
    let id = validate_id(request_id)
        .map_err(|_| ShareError::BadLink("the id must be 1 to 64 of A-Z a-z 0-9 - _"))?;
    Ok(format!("share-request/v1/{id}").into_bytes())
}

/// Seals `text` (at most 65 536 bytes) as the answer to request `id`.
pub fn seal_answer(public_key: &[u8; 32], request_id: &str, text: &str) -> Result<String> {
    check_answer_text(text.as_bytes())?;
    let plain = Zeroizing::new(frame(ANSWER_META, text.as_bytes())?);
    Ok(hpke_seal(
        public_key,
        &request_info(request_id)?,
        public_key,
        &plain,
    )?)
}

/// Opens an answer to request `id` with the page's key pair; refuses one
/// sealed for another request or key, and any plaintext other than the
/// framing above with UTF-8 text within the limit.
pub fn open_answer(key_pair: &KeyPair, request_id: &str, sealed: &str) -> Result<SecretString> {
    let pk = key_pair.public_key_bytes();
    let plain = hpke_open(key_pair, sealed, &request_info(request_id)?, &pk)?;
    let (meta, body) = split(plain.expose_secret())?;
    check_answer_meta(meta)?;
    check_answer_text(body)?;
    let text = core::str::from_utf8(body).map_err(|_| ShareError::TextNotUtf8)?;
    Ok(SecretString::new(text.to_owned()))
}
