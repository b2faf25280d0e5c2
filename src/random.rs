//! The one place randomness comes from: the OS CSPRNG via `getrandom`
//! (crypto.getRandomValues in browsers and Node).

pub fn fill(buf: &mut [u8]) -> crate::Result<()> {
    getrandom::fill(buf).map_err(|_| crate::Error::Random)
}

/// A uniformly random integer in `0..bound` without modulo bias (rejection sampling).
pub fn below(bound: u32) -> crate::Result<u32> {
    debug_assert!(bound > 0);
    let bound = bound.max(1);
    // Largest multiple of `bound` that fits; values at or above it are rejected.
    let zone = u32::MAX - (u32::MAX % bound);
    loop {
        let mut b = [0u8; 4];
        fill(&mut b)?;
        let v = u32::from_le_bytes(b);
        if v < zone {
            return Ok(v % bound);
        }
    }
}
