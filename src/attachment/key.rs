//! The attachment's input key: 32 random bytes per attachment.

use crate::secret::SecretKey32;
use core::fmt;

/// The *input key* of c2sp.org/chunked-encryption for one attachment.
///
/// Made fresh for every attachment ([`AttachmentKey::generate`]) and stored
/// sealed under the item key; it never encrypts a second file. The bytes are
/// zeroized on drop and never printed.
#[derive(Clone)]
pub struct AttachmentKey(SecretKey32);

impl AttachmentKey {
    /// The AES-256-GCM key size: the scheme's input key is `len(key)` bytes.
    pub const LEN: usize = 32;

    /// 32 fresh bytes from the operating system's CSPRNG.
    pub fn generate() -> crate::Result<Self> {
        SecretKey32::random().map(Self)
    }

    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        Self(SecretKey32::from_bytes(bytes))
    }

    /// Copies from a slice, refusing any length but 32 with
    /// [`crate::Error::InvalidKeyLength`] (c2sp: the input key is exactly the
    /// AEAD's key size).
    pub fn from_slice(bytes: &[u8]) -> crate::Result<Self> {
        SecretKey32::from_slice(bytes).map(Self)
    }

    /// The raw bytes, for sealing the key under the item key. Every use is a
    /// place where key material leaves this type: keep them few.
    pub fn expose_secret(&self) -> &[u8; 32] {
        self.0.expose_secret()
    }
}

impl fmt::Debug for AttachmentKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AttachmentKey([REDACTED])")
    }
}
