//! Secret containers: zeroized on drop, never printed.
//!
//! The one way to reach the bytes is `expose_secret()`, so that every use is
//! easy to find with grep (cf. age-core `FileKey` / `ExposeSecret`).

use core::fmt;
use zeroize::{Zeroize, ZeroizeOnDrop};

/// Fixed-size secret key material (32 bytes: every symmetric key in the hierarchy).
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct SecretKey32([u8; 32]);

impl SecretKey32 {
    pub const LEN: usize = 32;

    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        Self(bytes)
    }

    /// Copies from a slice, refusing any other length.
    pub fn from_slice(bytes: &[u8]) -> crate::Result<Self> {
        let arr: [u8; 32] = bytes
            .try_into()
            .map_err(|_| crate::Error::InvalidKeyLength {
                expected: 32,
                actual: bytes.len(),
            })?;
        Ok(Self(arr))
    }

    /// 32 fresh bytes from the operating system's CSPRNG.
    pub fn random() -> crate::Result<Self> {
        let mut k = [0u8; 32];
        crate::random::fill(&mut k)?;
        Ok(Self(k))
    }

    pub fn expose_secret(&self) -> &[u8; 32] {
        &self.0
    }
}

impl fmt::Debug for SecretKey32 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretKey32([REDACTED])")
    }
}

/// Variable-length secret bytes (plaintexts, passwords as bytes).
#[derive(Clone, Default, Zeroize, ZeroizeOnDrop)]
pub struct SecretBytes(Vec<u8>);

impl SecretBytes {
    pub fn new(bytes: Vec<u8>) -> Self {
        Self(bytes)
    }
    pub fn expose_secret(&self) -> &[u8] {
        &self.0
    }
    pub fn len(&self) -> usize {
        self.0.len()
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl From<Vec<u8>> for SecretBytes {
    fn from(v: Vec<u8>) -> Self {
        Self(v)
    }
}

impl fmt::Debug for SecretBytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SecretBytes([REDACTED; {}])", self.0.len())
    }
}

/// A secret string (passwords, generated passphrases).
#[derive(Clone, Default, Zeroize, ZeroizeOnDrop)]
pub struct SecretString(String);

impl SecretString {
    pub fn new(s: String) -> Self {
        Self(s)
    }
    pub fn expose_secret(&self) -> &str {
        &self.0
    }
}

impl From<String> for SecretString {
    fn from(s: String) -> Self {
        Self(s)
    }
}

impl fmt::Debug for SecretString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretString([REDACTED])")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_prints_the_bytes() {
        let k = SecretKey32::from_bytes([0xAB; 32]);
        let s = format!(
            "{k:?} {:?} {:?}",
            SecretBytes::new(vec![0xCD; 5]),
            SecretString::new("hunter2".into())
        );
        assert!(
            !s.contains("171") && !s.to_lowercase().contains("ab"),
            "{s}"
        );
        assert!(!s.contains("205") && !s.contains("hunter2"), "{s}");
        assert!(s.contains("REDACTED"));
    }

    #[test]
    fn from_slice_refuses_wrong_length() {
        assert_eq!(
            SecretKey32::from_slice(&[0; 31]).unwrap_err(),
            crate::Error::InvalidKeyLength {
                expected: 32,
                actual: 31
            }
        );
    }
}
