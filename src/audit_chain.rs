//! The audit log's hash chain (docs/SPEC.md § Audit log): the entry, its
//! hash, and the one verifier every client runs (`bv audit --verify`, the
//! web vault through wasm) and the server reuses for its own check.
//!
//! ```text
//! enc(s)  = u32_be(len(s)) || s                      (UTF-8; integers in decimal)
//! hash_n  = hex(SHA-256(enc("blindvault/v1/audit") || enc(seq) || enc(chain) ||
//!               enc(time) || enc(actor) || enc(action) || enc(object) ||
//!               enc(client) || enc(outcome) || enc(prev_hash)))
//! ```
//!
//! Length prefixes make the encoding injective: moving bytes between fields
//! changes the hash.
//!
//! A chain that verifies only proves it is self-consistent: a server can
//! rewrite an entry and recompute every later hash. So [`verify`] also takes
//! the [`Head`] this device verified before (its `seq` and `hash`) and
//! refuses a chain in which that entry changed or vanished. The caller
//! stores the head [`verify`] returns, where the server cannot write.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// `prev_hash` of a chain's first entry: 64 `"0"`s.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// The first field of every hashed entry.
pub const HASH_LABEL: &str = "blindvault/v1/audit";

/// The chain of a vault's entries: `"vault:" || id` (everything else is `"global"`).
pub fn vault_chain(vault_id: &str) -> String {
    format!("vault:{vault_id}")
}

/// One audit entry, as the server stores and serves it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    pub seq: i64,
    pub chain: String,
    pub time: i64,
    pub actor: String,
    pub action: String,
    pub object: String,
    pub client: String,
    pub outcome: String,
    pub prev_hash: String,
    pub hash: String,
}

/// What a device remembers of a chain it verified: its last entry.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Head {
    pub seq: i64,
    pub hash: String,
}

impl Entry {
    /// This entry as a [`Head`].
    pub fn head(&self) -> Head {
        Head {
            seq: self.seq,
            hash: self.hash.clone(),
        }
    }
}

/// The entry's hash as SPEC § Audit log defines it (the `hash` field itself
/// is not hashed).
pub fn entry_hash(e: &Entry) -> String {
    let seq = e.seq.to_string();
    let time = e.time.to_string();
    let mut h = Sha256::new();
    for part in [
        HASH_LABEL,
        &seq,
        &e.chain,
        &time,
        &e.actor,
        &e.action,
        &e.object,
        &e.client,
        &e.outcome,
        &e.prev_hash,
    ] {
        // A field of 4 GiB or more cannot be encoded; it hashes as u32::MAX,
        // which no honest entry of that length matches.
        let len = u32::try_from(part.len()).unwrap_or(u32::MAX);
        h.update(len.to_be_bytes());
        h.update(part.as_bytes());
    }
    hex_lower(&h.finalize())
}

fn hex_lower(bytes: &[u8]) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(char::from(HEX[usize::from(b >> 4)]));
        s.push(char::from(HEX[usize::from(b & 15)]));
    }
    s
}

/// Why an entry breaks the chain.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Problem {
    /// The entry belongs to another chain (another vault's log).
    OtherChain,
    /// Its `seq` is not greater than the previous entry's.
    OutOfOrder,
    /// Its `prev_hash` is not the previous entry's `hash` (or the genesis):
    /// an entry before it was removed, inserted, moved or rewritten.
    PrevHashMismatch,
    /// Its `hash` does not match its contents.
    HashMismatch,
    /// The entry this device verified before has a different hash now: the
    /// history up to it was rewritten (and every hash recomputed).
    HeadChanged,
    /// The entry this device verified before is gone: the chain was
    /// truncated or rewritten.
    HeadMissing,
}

impl Problem {
    /// A stable code (`other_chain`, `out_of_order`, `prev_hash_mismatch`,
    /// `hash_mismatch`, `head_changed`, `head_missing`).
    pub fn code(self) -> &'static str {
        match self {
            Problem::OtherChain => "other_chain",
            Problem::OutOfOrder => "out_of_order",
            Problem::PrevHashMismatch => "prev_hash_mismatch",
            Problem::HashMismatch => "hash_mismatch",
            Problem::HeadChanged => "head_changed",
            Problem::HeadMissing => "head_missing",
        }
    }

    /// What it means, in words.
    pub fn reason(self) -> &'static str {
        match self {
            Problem::OtherChain => "entry of another chain",
            Problem::OutOfOrder => "out of order: seq is not greater than the previous entry's",
            Problem::PrevHashMismatch => "prev_hash does not match the previous entry",
            Problem::HashMismatch => "hash does not match the entry's contents",
            Problem::HeadChanged => {
                "the entry verified before changed (history rewritten and rehashed)"
            }
            Problem::HeadMissing => {
                "the entry verified before is gone (history truncated or rewritten)"
            }
        }
    }
}

/// The first entry that breaks a chain.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("audit entry {position} (seq {seq}): {}", problem.reason())]
pub struct Broken {
    /// 1-based position in the entries given; for [`Problem::HeadMissing`]
    /// where the remembered entry should be (the first entry after its
    /// `seq`, or one past the end).
    pub position: usize,
    /// The entry's `seq`; for [`Problem::HeadMissing`], the remembered one.
    pub seq: i64,
    pub problem: Problem,
}

/// Verifies `entries` (one whole chain, oldest first, from its genesis) as
/// the chain `chain`. With `remembered`, the head this device verified
/// before, the chain must still hold that entry unchanged.
///
/// Returns the chain's new head (`None` for an empty chain), to be
/// remembered in place of the old one, or the first entry that breaks it.
pub fn verify(
    chain: &str,
    entries: &[Entry],
    remembered: Option<&Head>,
) -> Result<Option<Head>, Broken> {
    let mut prev = GENESIS;
    let mut last_seq: Option<i64> = None;
    let mut head_seen = false;
    for (i, e) in entries.iter().enumerate() {
        let broken = |problem| Broken {
            position: i + 1,
            seq: e.seq,
            problem,
        };
        if e.chain != chain {
            return Err(broken(Problem::OtherChain));
        }
        if last_seq.is_some_and(|s| e.seq <= s) {
            return Err(broken(Problem::OutOfOrder));
        }
        if e.prev_hash != prev {
            return Err(broken(Problem::PrevHashMismatch));
        }
        if entry_hash(e) != e.hash {
            return Err(broken(Problem::HashMismatch));
        }
        if let Some(h) = remembered.filter(|_| !head_seen) {
            if e.seq == h.seq {
                if e.hash != h.hash {
                    return Err(broken(Problem::HeadChanged));
                }
                head_seen = true;
            } else if e.seq > h.seq {
                // Seqs increase, so the remembered one can no longer come.
                return Err(Broken {
                    position: i + 1,
                    seq: h.seq,
                    problem: Problem::HeadMissing,
                });
            }
        }
        prev = &e.hash;
        last_seq = Some(e.seq);
    }
    if let Some(h) = remembered.filter(|_| !head_seen) {
        return Err(Broken {
            position: entries.len() + 1,
            seq: h.seq,
            problem: Problem::HeadMissing,
        });
    }
    Ok(entries.last().map(Entry::head))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry() -> Entry {
        Entry {
            seq: 7,
            chain: "vault:v".into(),
            time: 1_700_000_000,
            actor: "account:a".into(),
            action: "item.update".into(),
            object: "item:v/i".into(),
            client: "127.0.0.1".into(),
            outcome: "ok".into(),
            prev_hash: GENESIS.into(),
            hash: String::new(),
        }
    }

    /// Computed independently with Python's hashlib and struct.pack(">I", len).
    #[test]
    fn hash_matches_the_spec_encoding() {
        assert_eq!(
            entry_hash(&entry()),
            "61702c46a93adf081c065919f4cdeae2911f82e0ec5c16e2010bc6a818c7807f"
        );
    }

    /// Length prefixes: moving a byte between adjacent fields changes the hash.
    #[test]
    fn encoding_is_injective_across_field_boundaries() {
        let a = entry();
        let mut b = entry();
        b.actor = "account:ai".into();
        b.action = "tem.update".into();
        assert_ne!(entry_hash(&a), entry_hash(&b));
    }
}
