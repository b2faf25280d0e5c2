//! The framed plaintext a share key encrypts:
//!
//! ```text
//! plaintext = u32_be(len(meta)) || meta || body
//! body      = content                                      without a passphrase
//!           = ASCII(sealWithPassword(content, passphrase)) with one
//! ```

use super::limits::{check_file_size, check_text, MAX_CIPHERTEXT_CHARS, MAX_META_BYTES};
use super::meta::ShareMeta;
use super::{context, Result, ShareError};
use crate::attachment::{AttachmentKey, Decryptor};
use crate::encoding::b64u_decode;
use crate::password_envelope::{open_with_password, seal_with_password};
use zeroize::Zeroizing;

/// `u32_be(len(meta)) || meta`: what a writer that streams the body (a file
/// without a passphrase) encrypts first.
pub fn encode_prefix(meta: &ShareMeta) -> Result<Vec<u8>> {
    frame(&meta.to_json()?, &[])
}

pub(crate) fn frame(meta_json: &[u8], body: &[u8]) -> Result<Vec<u8>> {
    let len = u32::try_from(meta_json.len())
        .ok()
        .filter(|l| *l as usize <= MAX_META_BYTES)
        .ok_or(ShareError::MetaTooLong {
            len: meta_json.len(),
        })?;
    let mut out = Vec::with_capacity(4 + meta_json.len() + body.len());
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(meta_json);
    out.extend_from_slice(body);
    Ok(out)
}

/// Splits `plaintext` into the metadata JSON and the body.
pub(crate) fn split(plain: &[u8]) -> Result<(&[u8], &[u8])> {
    let (len, rest) = plain.split_first_chunk::<4>().ok_or(ShareError::Malformed(
        "payload shorter than its length prefix",
    ))?;
    let len = u32::from_be_bytes(*len) as usize;
    if len > MAX_META_BYTES {
        return Err(ShareError::MetaTooLong { len });
    }
    if len > rest.len() {
        return Err(ShareError::Malformed(
            "metadata length past the end of the payload",
        ));
    }
    Ok(rest.split_at(len))
}

/// The whole plaintext of a share whose content is in memory: checks the
/// content against `meta` (text: 1 to 65 536 bytes of UTF-8; file: exactly
/// `size` bytes) and adds the passphrase layer when `meta` says so.
pub fn encode_payload(
    meta: &ShareMeta,
    content: &[u8],
    passphrase: Option<&str>,
) -> Result<Zeroizing<Vec<u8>>> {
    check_content(meta, content)?;
    let json = meta.to_json()?;
    match (meta.passphrase(), passphrase) {
        (false, None) => Ok(Zeroizing::new(frame(&json, content)?)),
        (true, Some(p)) => {
            let sealed = Zeroizing::new(seal_with_password(content, p)?);
            Ok(Zeroizing::new(frame(&json, sealed.as_bytes())?))
        }
        (true, None) => Err(ShareError::PassphraseRequired),
        (false, Some(_)) => Err(ShareError::NoPassphrase),
    }
}

fn check_content(meta: &ShareMeta, content: &[u8]) -> Result<()> {
    match meta.size() {
        None => check_text(content),
        Some(expected) => {
            let actual = content.len() as u64;
            check_file_size(actual)?;
            if actual == expected {
                Ok(())
            } else {
                Err(ShareError::SizeMismatch { expected, actual })
            }
        }
    }
}

/// Reads a decrypted payload: the framing, the metadata (strictly, see
/// [`ShareMeta`]) and the body. Without a passphrase the body is the
/// content and must fit the metadata as [`encode_payload`] checks it; with
/// one it must be an ASCII password envelope (its content is checked by
/// [`SharePayload::unlock`]).
pub fn decode_payload(plain: &[u8]) -> Result<(ShareMeta, &[u8])> {
    let (json, body) = split(plain)?;
    let meta = ShareMeta::from_json(json)?;
    if meta.passphrase() {
        if !body.is_ascii() || body.is_empty() {
            return Err(ShareError::Malformed(
                "the passphrase layer is not a password envelope",
            ));
        }
    } else {
        check_content(&meta, body)?;
    }
    Ok((meta, body))
}

/// A decrypted, parsed share: its metadata, and the body held until the
/// caller asks for the content.
pub struct SharePayload {
    meta: ShareMeta,
    body: Zeroizing<Vec<u8>>,
}

impl SharePayload {
    /// [`decode_payload`] on a plaintext the caller hands over.
    pub fn decode(mut plain: Zeroizing<Vec<u8>>) -> Result<Self> {
        let (meta, body) = decode_payload(&plain)?;
        let start = plain.len() - body.len();
        plain.drain(..start);
        Ok(Self { meta, body: plain })
    }

    pub fn meta(&self) -> &ShareMeta {
        &self.meta
    }

    /// The content of a share without a passphrase.
    pub fn content(&self) -> Result<&[u8]> {
        if self.meta.passphrase() {
            return Err(ShareError::PassphraseRequired);
        }
        Ok(&self.body)
    }

    /// Opens the passphrase layer, locally (a wrong passphrase can be tried
    /// again: the payload is already here, no further view is used). The
    /// content must fit the metadata as [`encode_payload`] wrote it.
    pub fn unlock(&self, passphrase: &str) -> Result<Zeroizing<Vec<u8>>> {
        if !self.meta.passphrase() {
            return Err(ShareError::NoPassphrase);
        }
        let jwe = core::str::from_utf8(&self.body)
            .map_err(|_| ShareError::Malformed("the passphrase layer is not ASCII"))?;
        let content = open_with_password(jwe, passphrase).map_err(|e| match e {
            crate::Error::WrongPasswordOrTampered => ShareError::WrongPassphrase,
            other => ShareError::Core(other),
        })?;
        let content = Zeroizing::new(content.expose_secret().to_vec());
        check_content(&self.meta, &content)?;
        Ok(content)
    }
}

impl core::fmt::Debug for SharePayload {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(
            f,
            "SharePayload({:?}, [REDACTED; {}])",
            self.meta,
            self.body.len()
        )
    }
}

/// What a reader does with the server's `ciphertext`: base64url-decode it,
/// decrypt and authenticate it under the link's key (truncation,
/// reordering and trailing data are refused), then [`SharePayload::decode`].
pub fn open_payload(key: &AttachmentKey, ciphertext: &str) -> Result<SharePayload> {
    if ciphertext.len() > MAX_CIPHERTEXT_CHARS {
        return Err(ShareError::Malformed("ciphertext larger than any share"));
    }
    let ct = b64u_decode(ciphertext, "share ciphertext")?;
    let mut dec = Decryptor::new(key, &context()?);
    let head = Zeroizing::new(dec.push(&ct)?);
    let tail = Zeroizing::new(dec.finish()?);
    // One allocation, so no reallocated copy of the plaintext is left behind.
    let mut plain = Zeroizing::new(Vec::with_capacity(head.len() + tail.len()));
    plain.extend_from_slice(&head);
    plain.extend_from_slice(&tail);
    SharePayload::decode(plain)
}
