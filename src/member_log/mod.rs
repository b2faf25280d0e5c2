//! The member log of a vault: who holds its key, decided by its members'
//! signatures, not by the server (docs/SPEC.md § Member log).
//!
//! ```text
//!  entry 0  create  by creator (owner), key commitment K0, identity of creator
//!  entry 1  add     by an owner/admin at that point: member M, role, M's identity
//!  entry 2  role    by an owner/admin: member M, new role
//!  entry 3  remove  by an owner/admin: member M, commitment K1 of the new key
//!  …        rotate  by an owner/admin: commitment of a new key
//!  each entry: prev = hash(previous entry), n = its index, vault = V
//! ```
//!
//! [`Roster::verify`] replays a log from entry 0 (or resumes from a head this
//! device verified before) and derives the roster from it alone. A client
//! seals a vault key only to that roster, under the keys of the members'
//! signed identities, and accepts a vault key only if it matches the log's
//! current key commitment. The server runs the same check before storing an
//! entry. Builders ([`genesis`], [`Roster::sign`]) check what they make with
//! the verifier, so a client never writes an entry the verifier refuses.

mod entry;
mod roster;

pub(crate) use entry::is_hash;
pub use entry::{hash_of, Body, Entry, Op, Role, ENTRY_PREFIX, GENESIS_PREV, MAX_ENTRY_LEN};
pub use roster::{Anchor, EntryInfo, Member, OpenedCopy, Proposal, Roster};

use crate::encoding::b64u_encode;
use crate::keys::SymmetricKey;

/// HKDF `info` of a vault key's commitment.
const COMMITMENT_INFO: &[u8] = b"blindvault/v1/vault-key-commitment";

/// `BASE64URL(HKDF-SHA-256(ikm = vault_key, salt = "", info = "blindvault/v1/vault-key-commitment", L = 32))`:
/// public, binds the log to one vault key (a 256-bit PRF output says nothing
/// about the key or the other keys derived from it).
pub fn key_commitment(vault_key: &SymmetricKey) -> String {
    let mut out = [0u8; 32];
    // Only fails for L > 255 * 32.
    let _ = crate::kdf::hkdf_sha256(
        vault_key.secret().expose_secret(),
        b"",
        COMMITMENT_INFO,
        &mut out,
    );
    b64u_encode(&out)
}

pub use roster::genesis;

/// Signs raw body bytes as an entry, without any check: tests of forgeries only.
#[doc(hidden)]
pub fn dangerous_sign_body_for_tests(body: &[u8], signer: &crate::identity::SigningKey) -> String {
    let sig = signer.sign(entry::ENTRY_LABEL, body);
    crate::identity::compact(ENTRY_PREFIX, body, &sig)
}

/// How this account may use a vault the server lists, by the rules of
/// docs/SPEC.md § Shares a person accepts, decided from the verified roster,
/// our copy of the key and our own vault list.
#[derive(Debug)]
pub struct VaultAccess {
    pub key: crate::keys::SymmetricKey,
    /// Not in our list and not our own wrap: shared with us, not accepted
    /// yet. Its items are not shown until the person accepts it.
    pub pending: bool,
    /// Accepted but our copy is sealed (a share we accepted elsewhere, or a
    /// rotation): the client should re-wrap it under the account key.
    pub rewrap: bool,
    /// Our own wrap of a vault missing from our list (we made it, and the
    /// list update did not happen): the client should add it.
    pub add_to_list: bool,
    /// Who added us (ourselves for a vault we created), from the log.
    pub added_by: crate::identity::Identity,
}

/// Opens our copy against the roster (see [`Roster::open_copy`]) and decides
/// whether the vault is accepted or pending.
pub fn access(
    me: &crate::account::UnlockedAccount,
    roster: &Roster,
    wrapped: &str,
    list: &crate::vault_list::VaultList,
) -> crate::Result<VaultAccess> {
    let copy = roster.open_copy(me, wrapped)?;
    let listed = list.contains(roster.vault_id());
    Ok(VaultAccess {
        pending: !listed && !copy.own_wrap,
        rewrap: listed && !copy.own_wrap,
        add_to_list: !listed && copy.own_wrap,
        key: copy.key,
        added_by: copy.added_by,
    })
}
