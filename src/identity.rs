//! Signed identities (docs/SPEC.md § Identities).
//!
//! Every account has an Ed25519 signing key (RFC 8032) beside its X25519
//! sharing key. Its *identity statement* binds, under that signing key, the
//! account id, the email and both public keys:
//!
//! ```text
//! identity = "bv1-id." BASE64URL(body) "." BASE64URL(Ed25519(sk, "bv1/identity" || 0x00 || body))
//! body     = {"v":1,"account":"<id>","email":"<email>","x25519":"<b64u>","ed25519":"<b64u>"}
//! ```
//!
//! The body must be exactly the canonical form this module writes, so one
//! statement has one spelling. The fingerprint people compare covers all four
//! fields; pins store the whole statement. The signing key's private half is
//! wrapped under the account key (`bv1/signing-key/<account>`) like the X25519
//! private key.

use crate::context::{validate_id, Context};
use crate::encoding::{b64u_decode, b64u_encode};
use crate::keys::SymmetricKey;
use crate::strict_json::{self, Unknown, Value};
use crate::{Error, Result};
use core::fmt;
use ed25519_dalek::{Signature, Signer, SigningKey as EdSigningKey, VerifyingKey};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

/// Prefix of an identity statement's compact form.
pub const IDENTITY_PREFIX: &str = "bv1-id";
/// Signature label of identity statements.
pub(crate) const IDENTITY_LABEL: &[u8] = b"bv1/identity";
/// Largest identity statement accepted (an email is at most 254 bytes).
pub const MAX_IDENTITY_LEN: usize = 2048;
/// RFC 5321 §4.5.3.1.3 path limit minus the angle brackets.
pub const MAX_EMAIL_LEN: usize = 254;
const FINGERPRINT_LABEL: &str = "bv1/fingerprint/identity";
const DECOY_X25519_INFO: &[u8] = b"blindvault/v1/lookup-decoy/x25519";
const DECOY_ED25519_INFO: &[u8] = b"blindvault/v1/lookup-decoy/ed25519";

/// Trims and ASCII-lower-cases an email and checks its shape, exactly as the
/// server stores emails (one `@` with text on both sides, no whitespace or
/// control characters, at most 254 bytes).
pub fn normalize_email(email: &str) -> Result<String> {
    let e = email.trim().to_ascii_lowercase();
    let at = e.find('@');
    let ok = e.len() <= MAX_EMAIL_LEN
        && matches!(at, Some(i) if i > 0 && i + 1 < e.len())
        && !e.chars().any(|c| c.is_whitespace() || c.is_control());
    if ok {
        Ok(e)
    } else {
        Err(Error::InvalidEmail)
    }
}

/// An account's Ed25519 signing key. ed25519-dalek zeroizes it on drop; it
/// never prints.
pub struct SigningKey {
    key: EdSigningKey,
}

impl SigningKey {
    /// A fresh key from the OS CSPRNG (the 32-byte RFC 8032 secret seed).
    pub fn generate() -> Result<Self> {
        let mut seed = Zeroizing::new([0u8; 32]);
        crate::random::fill(&mut seed[..])?;
        Ok(Self::from_seed(&seed))
    }

    fn from_seed(seed: &[u8; 32]) -> Self {
        Self {
            key: EdSigningKey::from_bytes(seed),
        }
    }

    /// A key from a fixed seed: known-answer vectors only.
    #[doc(hidden)]
    pub fn dangerous_from_seed(seed: [u8; 32]) -> Self {
        Self::from_seed(&seed)
    }

    pub fn public_key_bytes(&self) -> [u8; 32] {
        self.key.verifying_key().to_bytes()
    }

    /// Wraps the secret seed under the account key, `bv1/signing-key/<account>`.
    pub fn wrap(&self, account_key: &SymmetricKey, account_id: &str) -> Result<String> {
        let seed = Zeroizing::new(self.key.to_bytes());
        account_key.seal(&seed[..], &Context::signing_key(account_id)?)
    }

    /// Opens a key made by [`SigningKey::wrap`] for this account.
    pub fn unwrap(account_key: &SymmetricKey, jwe: &str, account_id: &str) -> Result<Self> {
        let pt = account_key.open(jwe, &Context::signing_key(account_id)?)?;
        let seed: [u8; 32] = pt
            .expose_secret()
            .try_into()
            .map_err(|_| Error::InvalidPayload("a signing key must be 32 bytes"))?;
        let seed = Zeroizing::new(seed);
        Ok(Self::from_seed(&seed))
    }

    /// `Ed25519(sk, label || 0x00 || body)`: every signed format has its own label.
    pub(crate) fn sign(&self, label: &[u8], body: &[u8]) -> [u8; 64] {
        self.key.sign(&signed_message(label, body)).to_bytes()
    }
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigningKey")
            .field("public", &b64u_encode(&self.public_key_bytes()))
            .finish_non_exhaustive()
    }
}

fn signed_message(label: &[u8], body: &[u8]) -> Vec<u8> {
    let mut m = Vec::with_capacity(label.len() + 1 + body.len());
    m.extend_from_slice(label);
    m.push(0);
    m.extend_from_slice(body);
    m
}

/// Verifies `sig` over `label || 0x00 || body` with RFC 8032 strict rules
/// (canonical S, no small-order key or R), so a signature has one spelling.
pub(crate) fn verify(public: &[u8; 32], label: &[u8], body: &[u8], sig: &[u8; 64]) -> Result<()> {
    let vk = VerifyingKey::from_bytes(public).map_err(|_| Error::InvalidSignature)?;
    vk.verify_strict(&signed_message(label, body), &Signature::from_bytes(sig))
        .map_err(|_| Error::InvalidSignature)
}

/// `prefix "." BASE64URL(body) "." BASE64URL(sig)`.
pub(crate) fn compact(prefix: &str, body: &[u8], sig: &[u8; 64]) -> String {
    format!("{prefix}.{}.{}", b64u_encode(body), b64u_encode(sig))
}

/// The body bytes and signature of a compact signed value; `None` when it is
/// not `prefix.body.sig` with base64url parts and a 64-byte signature.
pub(crate) fn split_compact(prefix: &str, text: &str) -> Option<(Vec<u8>, [u8; 64])> {
    let mut parts = text.split('.');
    let (Some(p), Some(body), Some(sig), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return None;
    };
    if p != prefix {
        return None;
    }
    let body = b64u_decode(body, "body").ok()?;
    let sig: [u8; 64] = b64u_decode(sig, "signature").ok()?.try_into().ok()?;
    Some((body, sig))
}

/// A verified identity statement.
#[derive(Clone, PartialEq, Eq)]
pub struct Identity {
    text: String,
    account: String,
    email: String,
    x25519: [u8; 32],
    ed25519: [u8; 32],
}

#[derive(serde::Serialize)]
struct Body<'a> {
    v: u8,
    account: &'a str,
    email: &'a str,
    x25519: String,
    ed25519: String,
}

fn body_bytes(
    account: &str,
    email: &str,
    x25519: &[u8; 32],
    ed25519: &[u8; 32],
) -> Result<Vec<u8>> {
    serde_json::to_vec(&Body {
        v: 1,
        account,
        email,
        x25519: b64u_encode(x25519),
        ed25519: b64u_encode(ed25519),
    })
    .map_err(|_| Error::MalformedIdentity("cannot encode"))
}

fn key32(v: Option<&Value<'_>>) -> Option<[u8; 32]> {
    b64u_decode(v?.as_str()?, "key").ok()?.try_into().ok()
}

impl Identity {
    /// Makes and signs the statement of an account.
    pub fn issue(
        account_id: &str,
        email: &str,
        x25519_public: &[u8; 32],
        signing: &SigningKey,
    ) -> Result<Self> {
        validate_id(account_id)?;
        let email = normalize_email(email)?;
        let ed25519 = signing.public_key_bytes();
        let body = body_bytes(account_id, &email, x25519_public, &ed25519)?;
        let sig = signing.sign(IDENTITY_LABEL, &body);
        Ok(Self {
            text: compact(IDENTITY_PREFIX, &body, &sig),
            account: account_id.to_owned(),
            email,
            x25519: *x25519_public,
            ed25519,
        })
    }

    /// Parses a statement and verifies its self-signature. Refused, in this
    /// order: too long; not `bv1-id.<body>.<sig>`; body not exactly the
    /// members `v` (1), `account` (an id), `email` (normalized), `x25519`,
    /// `ed25519` (32 bytes each) in canonical form; a bad signature.
    pub fn parse(text: &str) -> Result<Self> {
        Self::parse_checked(text, true)
    }

    /// [`Identity::parse`] without the self-signature check, for a statement
    /// inside a member-log entry before an anchor this account verified
    /// (docs/SPEC.md § Vault list): the anchor's hash chain covers its bytes,
    /// and the device that set the anchor checked the signature.
    pub(crate) fn parse_vouched(text: &str) -> Result<Self> {
        Self::parse_checked(text, false)
    }

    fn parse_checked(text: &str, check_signature: bool) -> Result<Self> {
        if text.len() > MAX_IDENTITY_LEN {
            return Err(Error::MalformedIdentity("too long"));
        }
        let (body, sig) = split_compact(IDENTITY_PREFIX, text).ok_or(Error::MalformedIdentity(
            "expected bv1-id.<body>.<signature>",
        ))?;
        let bad = Error::MalformedIdentity("the body is not the canonical identity object");
        let doc = strict_json::parse_bytes(&body).map_err(|_| bad.clone())?;
        let [v, account, email, x25519, ed25519] = doc
            .fields(
                ["v", "account", "email", "x25519", "ed25519"],
                Unknown::Refuse,
            )
            .ok_or_else(|| bad.clone())?;
        if v.and_then(Value::as_u64) != Some(1) {
            return Err(Error::MalformedIdentity("unknown version"));
        }
        let account = account.and_then(Value::as_str).ok_or_else(|| bad.clone())?;
        validate_id(account).map_err(|_| Error::MalformedIdentity("account id"))?;
        let email = email.and_then(Value::as_str).ok_or_else(|| bad.clone())?;
        if normalize_email(email).ok().as_deref() != Some(email) {
            return Err(Error::MalformedIdentity("email is not normalized"));
        }
        let (Some(x25519), Some(ed25519)) = (key32(x25519), key32(ed25519)) else {
            return Err(Error::MalformedIdentity("a public key is not 32 bytes"));
        };
        if body_bytes(account, email, &x25519, &ed25519)? != body {
            return Err(bad);
        }
        if check_signature {
            verify(&ed25519, IDENTITY_LABEL, &body, &sig)?;
        }
        Ok(Self {
            text: text.to_owned(),
            account: account.to_owned(),
            email: email.to_owned(),
            x25519,
            ed25519,
        })
    }

    pub fn as_str(&self) -> &str {
        &self.text
    }
    pub fn account_id(&self) -> &str {
        &self.account
    }
    pub fn email(&self) -> &str {
        &self.email
    }
    pub fn x25519(&self) -> &[u8; 32] {
        &self.x25519
    }
    pub fn ed25519(&self) -> &[u8; 32] {
        &self.ed25519
    }

    /// What people compare: 8 groups of 4 digits over
    /// `SHA-256(enc("bv1/fingerprint/identity") || enc(account) || enc(email) || enc(x25519) || enc(ed25519))`,
    /// `enc(x) = u32_be(len(x)) || x` (§ Fingerprints' digit groups).
    pub fn fingerprint(&self) -> String {
        let mut h = Sha256::new();
        for part in [
            FINGERPRINT_LABEL.as_bytes(),
            self.account.as_bytes(),
            self.email.as_bytes(),
            &self.x25519,
            &self.ed25519,
        ] {
            h.update(u32::try_from(part.len()).unwrap_or(u32::MAX).to_be_bytes());
            h.update(part);
        }
        crate::sharing::digit_groups(&h.finalize())
    }

    /// How this identity compares with what a device pinned for its account
    /// (`None`: nothing pinned): docs/SPEC.md § Fingerprints. A pin is the
    /// whole statement; one made before identities is the bare base64url
    /// X25519 key and matches a statement with that key, to be replaced by
    /// the statement. Pins and statements are public: plain comparison.
    pub fn pin_state(&self, pin: Option<&str>) -> PinState {
        match pin {
            None => PinState::New,
            Some(p) if p == self.text => PinState::Matches,
            Some(p) if !p.starts_with(IDENTITY_PREFIX) && p == b64u_encode(&self.x25519) => {
                PinState::MatchesOldPin
            }
            Some(_) => PinState::Changed,
        }
    }
}

/// An identity against a device's pin for its account ([`Identity::pin_state`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PinState {
    /// Nothing pinned: a person must compare the fingerprint first.
    New,
    Matches,
    /// Matches a pin made before identities (the bare X25519 key): the
    /// device should pin the whole statement now.
    MatchesOldPin,
    /// Another identity than the pinned one: nothing may be sealed to it.
    Changed,
}

/// The identity a server answers for an email it has no account for
/// (docs/SPEC.md § Account lookup): well-formed, validly self-signed and the
/// same on every call, so the answer does not tell the person asking whether
/// the email has an account. `seed` is the server's secret HMAC of the email;
/// both key pairs come from it by HKDF-SHA-256 (RFC 5869), so only the server
/// could open a copy sealed to one, and it refuses to store such a share
/// because the account does not exist.
pub fn decoy(seed: &[u8; 32], account_id: &str, email: &str) -> Result<Identity> {
    let mut x = Zeroizing::new([0u8; 32]);
    let mut ed = Zeroizing::new([0u8; 32]);
    // 32-byte outputs are far below HKDF's limit, so neither call can fail.
    let _ = crate::kdf::hkdf_sha256(seed, b"", DECOY_X25519_INFO, &mut x[..]);
    let _ = crate::kdf::hkdf_sha256(seed, b"", DECOY_ED25519_INFO, &mut ed[..]);
    let x25519 = crate::sharing::KeyPair::dangerous_from_secret_bytes(*x).public_key_bytes();
    Identity::issue(account_id, email, &x25519, &SigningKey::from_seed(&ed))
}

impl fmt::Debug for Identity {
    // Public data: the statement is what the server publishes.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Identity")
            .field("account", &self.account)
            .field("email", &self.email)
            .field("fingerprint", &self.fingerprint())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn issue_parse_round_trip_and_tamper() {
        let sk = SigningKey::dangerous_from_seed([7; 32]);
        let id = Identity::issue("acct-1", " Alice@Example.COM ", &[9; 32], &sk).unwrap();
        assert_eq!(id.email(), "alice@example.com");
        let back = Identity::parse(id.as_str()).unwrap();
        assert_eq!(back, id);
        assert_eq!(back.fingerprint().len(), 39);
        // Another key's signature over the same body fails.
        let other = SigningKey::dangerous_from_seed([8; 32]);
        let (body, _) = split_compact(IDENTITY_PREFIX, id.as_str()).unwrap();
        let forged = compact(IDENTITY_PREFIX, &body, &other.sign(IDENTITY_LABEL, &body));
        assert_eq!(
            Identity::parse(&forged).unwrap_err(),
            Error::InvalidSignature
        );
    }

    #[test]
    fn refuses_non_canonical_bodies() {
        let sk = SigningKey::dangerous_from_seed([7; 32]);
        let pk = b64u_encode(&sk.public_key_bytes());
        let x = b64u_encode(&[9; 32]);
        for body in [
            format!(r#"{{"v":1,"email":"a@b","account":"a","x25519":"{x}","ed25519":"{pk}"}}"#),
            format!(r#"{{"v":1, "account":"a","email":"a@b","x25519":"{x}","ed25519":"{pk}"}}"#),
            format!(r#"{{"v":1,"account":"a","email":"A@b","x25519":"{x}","ed25519":"{pk}"}}"#),
            format!(r#"{{"v":2,"account":"a","email":"a@b","x25519":"{x}","ed25519":"{pk}"}}"#),
        ] {
            let sig = sk.sign(IDENTITY_LABEL, body.as_bytes());
            let text = compact(IDENTITY_PREFIX, body.as_bytes(), &sig);
            assert!(
                matches!(Identity::parse(&text), Err(Error::MalformedIdentity(_))),
                "{body}"
            );
        }
    }

    #[test]
    fn signing_key_wrap_round_trip() {
        let ak = SymmetricKey::generate().unwrap();
        let sk = SigningKey::generate().unwrap();
        let w = sk.wrap(&ak, "me").unwrap();
        let back = SigningKey::unwrap(&ak, &w, "me").unwrap();
        assert_eq!(back.public_key_bytes(), sk.public_key_bytes());
        assert!(SigningKey::unwrap(&ak, &w, "other").is_err());
        assert!(!format!("{sk:?}").contains(&format!("{:?}", sk.key.to_bytes())));
    }

    #[test]
    fn decoys_are_valid_stable_and_per_email() {
        let a = decoy(&[1; 32], "acct-a", "a@example.test").unwrap();
        let again = decoy(&[1; 32], "acct-a", "a@example.test").unwrap();
        let other = decoy(&[2; 32], "acct-a", "a@example.test").unwrap();
        assert_eq!(a.as_str(), again.as_str());
        assert_ne!(a.x25519(), other.x25519());
        assert_ne!(a.ed25519(), other.ed25519());
        let parsed = Identity::parse(a.as_str()).unwrap();
        assert_eq!(parsed.email(), "a@example.test");
        assert_eq!(parsed.account_id(), "acct-a");
    }
}
