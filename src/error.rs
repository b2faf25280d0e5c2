//! One error type for the whole core.
//!
//! Every variant is specific enough for a caller to act on, and none carries
//! secret bytes: the only payloads are limits, lengths and the names of header
//! values that an attacker chose anyway. A failed authentication tag says
//! nothing about *why* it failed (cf. RustCrypto `aead::Error`).

/// The result type of every fallible core call.
pub type Result<T, E = Error> = core::result::Result<T, E>;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    // --- key derivation -------------------------------------------------
    #[error("KDF iterations {iterations} are below the client's floor of {minimum}")]
    KdfIterationsTooLow { iterations: u32, minimum: u32 },
    #[error("KDF iterations {iterations} exceed the client's ceiling of {maximum}")]
    KdfIterationsTooHigh { iterations: u32, maximum: u32 },
    #[error("the KDF salt must be exactly {expected} bytes, got {actual}")]
    InvalidSaltLength { expected: usize, actual: usize },
    #[error("unknown KDF algorithm")]
    UnsupportedKdf,

    // --- envelopes (JWE) --------------------------------------------------
    #[error("the envelope is {actual} bytes, more than the limit of {maximum}")]
    EnvelopeTooLarge { actual: usize, maximum: usize },
    #[error("malformed envelope: {0}")]
    MalformedEnvelope(&'static str),
    #[error("unsupported envelope algorithm (alg)")]
    UnsupportedAlgorithm,
    #[error("unsupported content encryption (enc)")]
    UnsupportedEncryption,
    #[error("unsupported envelope version")]
    UnsupportedVersion,
    #[error("the envelope has a 'crit' header, which this client does not accept")]
    CriticalHeader,
    #[error("the envelope belongs to a different place (context mismatch)")]
    ContextMismatch,
    #[error("the envelope was made with a different key (kid mismatch)")]
    KeyMismatch,
    /// The authentication tag did not verify: wrong key, or tampered data.
    #[error("decryption failed: wrong key or tampered data")]
    DecryptionFailed,

    // --- password envelopes (PBES2) --------------------------------------
    #[error("PBES2 iteration count {p2c} is below the floor of {minimum}")]
    Pbes2IterationsTooLow { p2c: u32, minimum: u32 },
    #[error("PBES2 iteration count {p2c} exceeds the ceiling of {maximum}")]
    Pbes2IterationsTooHigh { p2c: u32, maximum: u32 },
    #[error("wrong password, or the envelope was tampered with")]
    WrongPasswordOrTampered,

    // --- keys ------------------------------------------------------------
    #[error("a key must be {expected} bytes, got {actual}")]
    InvalidKeyLength { expected: usize, actual: usize },
    #[error("invalid public key")]
    InvalidPublicKey,

    // --- sharing (HPKE) --------------------------------------------------
    #[error("the HPKE info is {actual} bytes, more than the limit of {maximum}")]
    HpkeInfoTooLong { actual: usize, maximum: usize },

    // --- attachments (chunked encryption) --------------------------------
    #[error("attachment header is malformed or uses an unknown version")]
    MalformedAttachmentHeader,
    #[error("the attachment key commitment does not match: wrong key or context")]
    AttachmentKeyCommitment,
    #[error("the attachment is truncated")]
    AttachmentTruncated,
    #[error("the attachment has data after its final chunk")]
    AttachmentTrailingData,
    #[error("an attachment chunk failed authentication (tampered or reordered)")]
    AttachmentChunkFailed,
    #[error("the attachment stream was already finished or failed")]
    AttachmentStreamClosed,
    #[error("the requested range lies outside the attachment")]
    RangeOutOfBounds,
    #[error("the attachment is too large for this format")]
    AttachmentTooLarge,

    // --- generator and strength ------------------------------------------
    #[error("invalid generator options: {0}")]
    InvalidGeneratorOptions(&'static str),

    // --- items and plaintext payloads -------------------------------------
    #[error("the decrypted payload is not valid: {0}")]
    InvalidPayload(&'static str),

    #[error("an id must be 1 to 64 characters of A-Z, a-z, 0-9, '-' or '_'")]
    InvalidId,

    // --- identities and member logs (SPEC § Identities, § Member log) -----
    #[error("not a valid email address")]
    InvalidEmail,
    #[error("malformed identity statement: {0}")]
    MalformedIdentity(&'static str),
    #[error("a signature does not verify")]
    InvalidSignature,
    #[error("member log entry {index} is refused: {reason}")]
    LogEntryRefused { index: u64, reason: &'static str },
    #[error("the member log does not extend the one this device verified before (rolled back, truncated or rewritten)")]
    LogRollback,
    #[error("the vault key is not the one the vault's member log commits to")]
    KeyCommitmentMismatch,
    #[error("the server's member list differs from the vault's verified member log")]
    ServerRosterMismatch,
    #[error("this account is not a member of the vault according to its member log")]
    NotInRoster,
    #[error("the vault list is older than one this device has seen (version {seen} > {got})")]
    VaultListRollback { seen: u64, got: u64 },

    // --- platform ---------------------------------------------------------
    #[error("the system random number generator failed")]
    Random,
}
