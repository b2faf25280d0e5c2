//! Replaying a member log into a roster, the rules each entry must meet,
//! and what a client builds and opens with a verified roster.

use super::entry::{is_hash, Body, Entry, Op, Role, GENESIS_PREV};
use super::key_commitment;
use crate::account::UnlockedAccount;
use crate::identity::{self, Identity, SigningKey};
use crate::keys::SymmetricKey;
use crate::sharing;
use crate::{Error, Result};
use std::collections::BTreeMap;

/// A member of the verified roster.
#[derive(Clone, Debug)]
pub struct Member {
    pub identity: Identity,
    pub role: Role,
    /// Index and hash of the entry that added this member (or created the vault).
    pub added_at: u64,
    pub added_in: String,
    /// Who signed that entry.
    pub added_by: Identity,
}

/// What a client needs to know later about one entry.
#[derive(Clone, Debug)]
pub struct EntryInfo {
    pub n: u64,
    pub op: Op,
    pub member: Option<String>,
    /// The signer's identity as the roster recorded it then.
    pub by: Identity,
}

/// What a device remembers of a log it verified: its length and last hash.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Anchor {
    pub len: u64,
    pub head: String,
}

/// A change an owner or admin signs.
pub enum Proposal<'a> {
    Add {
        identity: &'a Identity,
        role: Role,
    },
    Role {
        member: &'a str,
        role: Role,
    },
    Remove {
        member: &'a str,
        new_key: &'a SymmetricKey,
    },
    Rotate {
        new_key: &'a SymmetricKey,
    },
}

/// The verified state of a vault's member log.
#[derive(Clone, Debug)]
pub struct Roster {
    vault: String,
    len: u64,
    head: String,
    members: BTreeMap<String, Member>,
    key: String,
    key_entry: String,
    entries: BTreeMap<String, EntryInfo>,
}

fn refuse(index: u64, reason: &'static str) -> Error {
    Error::LogEntryRefused { index, reason }
}

/// Entry 0 of a new vault, signed by its creator (`me`, whose own identity
/// and signing key these are), committing to `vault_key`.
pub fn genesis(
    vault_id: &str,
    me: &Identity,
    signer: &SigningKey,
    vault_key: &SymmetricKey,
    time: u64,
) -> Result<String> {
    let body = Body {
        vault: vault_id.to_owned(),
        n: 0,
        prev: GENESIS_PREV.to_owned(),
        op: Op::Create,
        by: me.account_id().to_owned(),
        member: Some(me.account_id().to_owned()),
        role: Some(Role::Owner),
        identity: Some(me.as_str().to_owned()),
        key: Some(key_commitment(vault_key)),
        time,
    };
    let text = sign_body(&body, signer)?;
    // What we write must pass what everyone reads.
    Roster::verify(vault_id, &[text.as_str()], None)?;
    Ok(text)
}

fn sign_body(body: &Body, signer: &SigningKey) -> Result<String> {
    let bytes = body.canonical()?;
    let sig = signer.sign(super::entry::ENTRY_LABEL, &bytes);
    Ok(identity::compact(super::ENTRY_PREFIX, &bytes, &sig))
}

impl Roster {
    /// The roster before entry 0: what [`Roster::apply`] of a `create` starts from.
    pub fn new(vault: &str) -> Result<Self> {
        crate::context::validate_id(vault)?;
        Ok(Self::empty(vault))
    }

    fn empty(vault: &str) -> Self {
        Roster {
            vault: vault.to_owned(),
            len: 0,
            head: GENESIS_PREV.to_owned(),
            members: BTreeMap::new(),
            key: String::new(),
            key_entry: String::new(),
            entries: BTreeMap::new(),
        }
    }

    /// Verifies a whole log of vault `vault`. With `anchor` (what this device
    /// verified before), the log must extend it — its first `anchor.len`
    /// entries end in `anchor.head` — and their signatures (the entries' and
    /// their identity statements') are not checked again; everything else is. Refused: an empty log, any entry that breaks
    /// a rule ([`Error::LogEntryRefused`], the first one), or a log that does
    /// not extend the anchor ([`Error::LogRollback`]).
    pub fn verify(vault: &str, entries: &[&str], anchor: Option<&Anchor>) -> Result<Roster> {
        crate::context::validate_id(vault)?;
        let trusted = anchor.map_or(0, |a| a.len);
        if let Some(a) = anchor {
            if (entries.len() as u64) < a.len || !is_hash(&a.head) {
                return Err(Error::LogRollback);
            }
        }
        if entries.is_empty() {
            return Err(refuse(0, "the log is empty"));
        }
        let mut r = Roster::empty(vault);
        for (i, text) in entries.iter().enumerate() {
            let i = i as u64;
            let e = Entry::parse(text, i, i < trusted)?;
            r.apply_parsed(e, i >= trusted)?;
            if let Some(a) = anchor {
                if i + 1 == a.len && r.head != a.head {
                    return Err(Error::LogRollback);
                }
            }
        }
        Ok(r)
    }

    /// [`Roster::verify`] from the longer of two anchors: this device's and
    /// the one the account's sealed vault list keeps (SPEC § Vault list),
    /// both heads some device of ours verified. The log must extend both, or
    /// it is refused ([`Error::LogRollback`]); signatures are checked only
    /// after the longer one.
    pub fn verify_anchored(
        vault: &str,
        entries: &[&str],
        device: Option<&Anchor>,
        account: Option<&Anchor>,
    ) -> Result<Roster> {
        let (longer, shorter) = match (device, account) {
            (Some(d), Some(a)) if a.len > d.len => (Some(a), Some(d)),
            (d, a) if d.is_some() => (d, a),
            (_, a) => (a, None),
        };
        let roster = Self::verify(vault, entries, longer)?;
        match shorter {
            Some(s) if !roster.extends(s) => Err(Error::LogRollback),
            _ => Ok(roster),
        }
    }

    /// Whether the first `a.len` entries of this log end in `a.head`.
    pub fn extends(&self, a: &Anchor) -> bool {
        if a.len == 0 {
            return true;
        }
        self.entries
            .get(&a.head)
            .is_some_and(|e| e.n.checked_add(1) == Some(a.len))
    }

    /// Verifies one more entry (signature included) and applies it: what the
    /// server runs before it stores an entry.
    pub fn apply(&mut self, text: &str) -> Result<EntryInfo> {
        let e = Entry::parse(text, self.len, false)?;
        let hash = e.hash.clone();
        self.apply_parsed(e, true)?;
        self.entries
            .get(&hash)
            .cloned()
            .ok_or(refuse(self.len, "internal: entry not recorded"))
    }

    fn apply_parsed(&mut self, e: Entry, check_sig: bool) -> Result<()> {
        let b = &e.body;
        let n = self.len;
        if b.n != n {
            return Err(refuse(n, "n is not the entry's position"));
        }
        if b.vault != self.vault {
            return Err(refuse(n, "the entry belongs to another vault"));
        }
        if b.prev != self.head {
            return Err(refuse(n, "prev is not the hash of the previous entry"));
        }
        if (n == 0) != (b.op == Op::Create) {
            return Err(refuse(n, "create must be entry 0, and only entry 0"));
        }
        if b.op.sets_key() != b.key.is_some() {
            return Err(refuse(
                n,
                "key must be present exactly on create, remove and rotate",
            ));
        }
        let needs_identity = matches!(b.op, Op::Create | Op::Add);
        if needs_identity != e.identity.is_some() {
            return Err(refuse(
                n,
                "identity must be present exactly on create and add",
            ));
        }
        let needs_role = matches!(b.op, Op::Create | Op::Add | Op::Role);
        if needs_role != b.role.is_some() {
            return Err(refuse(
                n,
                "role must be present exactly on create, add and role",
            ));
        }
        if (b.op == Op::Rotate) != b.member.is_none() {
            return Err(refuse(n, "member must be present except on rotate"));
        }
        let signer: Identity = if b.op == Op::Create {
            let id = e.identity.clone().ok_or(refuse(n, "missing identity"))?;
            if b.member.as_deref() != Some(b.by.as_str())
                || id.account_id() != b.by
                || b.role != Some(Role::Owner)
            {
                return Err(refuse(
                    n,
                    "create must add its signer as owner with its own identity",
                ));
            }
            id
        } else {
            let s = self
                .members
                .get(&b.by)
                .ok_or(refuse(n, "the signer is not a member of the vault"))?;
            if s.role < Role::Admin {
                return Err(refuse(
                    n,
                    "the signer is not an owner or admin of the vault",
                ));
            }
            s.identity.clone()
        };
        let by_owner = b.op == Op::Create
            || self
                .members
                .get(&b.by)
                .is_some_and(|m| m.role == Role::Owner);
        let member = b.member.clone().unwrap_or_default();
        match b.op {
            Op::Create | Op::Rotate => {}
            Op::Add => {
                if self.members.contains_key(&member) {
                    return Err(refuse(n, "the member is already in the vault"));
                }
                if e.identity.as_ref().map(Identity::account_id) != Some(member.as_str()) {
                    return Err(refuse(n, "the identity is not the added member's"));
                }
                if b.role == Some(Role::Owner) && !by_owner {
                    return Err(refuse(n, "only an owner can add an owner"));
                }
            }
            Op::Role => {
                let cur = self
                    .members
                    .get(&member)
                    .ok_or(refuse(n, "the member is not in the vault"))?
                    .role;
                let new = b.role.unwrap_or(cur);
                if new == cur {
                    return Err(refuse(n, "the role does not change"));
                }
                if (cur == Role::Owner || new == Role::Owner) && !by_owner {
                    return Err(refuse(
                        n,
                        "only an owner can grant or change the owner role",
                    ));
                }
                if cur == Role::Owner && self.owners() <= 1 {
                    return Err(refuse(n, "a vault needs at least one owner"));
                }
            }
            Op::Remove => {
                let cur = self
                    .members
                    .get(&member)
                    .ok_or(refuse(n, "the member is not in the vault"))?
                    .role;
                if member == b.by {
                    return Err(refuse(n, "a member cannot remove itself"));
                }
                if cur == Role::Owner && !by_owner {
                    return Err(refuse(n, "only an owner can remove an owner"));
                }
            }
        }
        if check_sig {
            e.verify_signature(signer.ed25519())?;
        }
        // Apply.
        match b.op {
            Op::Create | Op::Add => {
                let identity = e.identity.clone().ok_or(refuse(n, "missing identity"))?;
                self.members.insert(
                    member.clone(),
                    Member {
                        identity,
                        role: b.role.unwrap_or(Role::Read),
                        added_at: n,
                        added_in: e.hash.clone(),
                        added_by: signer.clone(),
                    },
                );
            }
            Op::Role => {
                if let (Some(m), Some(r)) = (self.members.get_mut(&member), b.role) {
                    m.role = r;
                }
            }
            Op::Remove => {
                self.members.remove(&member);
            }
            Op::Rotate => {}
        }
        if let Some(k) = &b.key {
            self.key = k.clone();
            self.key_entry = e.hash.clone();
        }
        self.entries.insert(
            e.hash.clone(),
            EntryInfo {
                n,
                op: b.op,
                member: b.member.clone(),
                by: signer,
            },
        );
        self.head = e.hash;
        self.len += 1;
        Ok(())
    }

    fn owners(&self) -> usize {
        self.members
            .values()
            .filter(|m| m.role == Role::Owner)
            .count()
    }

    pub fn vault_id(&self) -> &str {
        &self.vault
    }
    pub fn len(&self) -> u64 {
        self.len
    }
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
    pub fn head(&self) -> &str {
        &self.head
    }
    pub fn anchor(&self) -> Anchor {
        Anchor {
            len: self.len,
            head: self.head.clone(),
        }
    }
    /// The commitment of the vault key now in force.
    pub fn key_commitment(&self) -> &str {
        &self.key
    }
    /// Hash of the entry that set the key now in force.
    pub fn key_entry(&self) -> &str {
        &self.key_entry
    }
    pub fn member(&self, account_id: &str) -> Option<&Member> {
        self.members.get(account_id)
    }
    pub fn members(&self) -> impl Iterator<Item = (&String, &Member)> {
        self.members.iter()
    }
    pub fn entry(&self, hash: &str) -> Option<&EntryInfo> {
        self.entries.get(hash)
    }

    /// Refuses a server's member list (account id, role) that is not exactly
    /// the roster: a row the server added, dropped or changed.
    pub fn check_server_list<'a>(
        &self,
        listed: impl IntoIterator<Item = (&'a str, Role)>,
    ) -> Result<()> {
        let mut listed: Vec<(&str, Role)> = listed.into_iter().collect();
        listed.sort_unstable();
        let roster: Vec<(&str, Role)> = self
            .members
            .iter()
            .map(|(id, m)| (id.as_str(), m.role))
            .collect();
        if listed == roster {
            Ok(())
        } else {
            Err(Error::ServerRosterMismatch)
        }
    }

    /// Signs `proposal` as `signer_id` (who must hold `signer` and be an owner
    /// or admin); the entry is checked against this roster before it is returned.
    pub fn sign(
        &self,
        signer_id: &str,
        signer: &SigningKey,
        proposal: Proposal<'_>,
        time: u64,
    ) -> Result<String> {
        let mut body = Body {
            vault: self.vault.clone(),
            n: self.len,
            prev: self.head.clone(),
            op: Op::Rotate,
            by: signer_id.to_owned(),
            member: None,
            role: None,
            identity: None,
            key: None,
            time,
        };
        match proposal {
            Proposal::Add { identity, role } => {
                body.op = Op::Add;
                body.member = Some(identity.account_id().to_owned());
                body.role = Some(role);
                body.identity = Some(identity.as_str().to_owned());
            }
            Proposal::Role { member, role } => {
                body.op = Op::Role;
                body.member = Some(member.to_owned());
                body.role = Some(role);
            }
            Proposal::Remove { member, new_key } => {
                body.op = Op::Remove;
                body.member = Some(member.to_owned());
                body.key = Some(key_commitment(new_key));
            }
            Proposal::Rotate { new_key } => body.key = Some(key_commitment(new_key)),
        }
        let text = sign_body(&body, signer)?;
        self.clone().apply(&text)?;
        Ok(text)
    }

    /// The copies of `vault_key` for every member of this roster: our own
    /// wrapped under our account key, every other one sealed in HPKE auth
    /// mode to the X25519 key of that member's signed identity, bound to
    /// `entry_hash` (the entry that adds them or sets the key). Call it on
    /// the roster *after* that entry.
    pub fn seal_copies(
        &self,
        me: &UnlockedAccount,
        vault_key: &SymmetricKey,
        entry_hash: &str,
    ) -> Result<BTreeMap<String, String>> {
        if key_commitment(vault_key) != self.key {
            return Err(Error::KeyCommitmentMismatch);
        }
        let mut out = BTreeMap::new();
        for (id, m) in &self.members {
            let copy = if id == me.account_id() {
                me.wrap_vault_key(vault_key, &self.vault)?
            } else {
                self.seal_copy(me, vault_key, m, entry_hash)?
            };
            out.insert(id.clone(), copy);
        }
        Ok(out)
    }

    /// One member's copy (see [`Roster::seal_copies`]).
    pub fn seal_copy(
        &self,
        me: &UnlockedAccount,
        vault_key: &SymmetricKey,
        member: &Member,
        entry_hash: &str,
    ) -> Result<String> {
        if !self.entries.contains_key(entry_hash) {
            return Err(Error::MalformedEnvelope(
                "the copy's entry is not in the log",
            ));
        }
        sharing::seal_vault_key_auth(
            me.key_pair(),
            member.identity.x25519(),
            vault_key,
            &self.vault,
            member.identity.account_id(),
            entry_hash,
        )
    }

    /// Opens our copy of the vault key and checks it against the log:
    /// we must be in the roster; an auth-mode copy must name an entry of the
    /// log that added us or set a key, and be sealed by that entry's signer;
    /// our own wrap must open under our account key; either way the key must
    /// match the current commitment. A base-mode HPKE copy is refused.
    pub fn open_copy(&self, me: &UnlockedAccount, wrapped: &str) -> Result<OpenedCopy> {
        let Some(mine) = self.members.get(me.account_id()) else {
            return Err(Error::NotInRoster);
        };
        let (key, own) = if let Some(h) = sharing::vault_key_copy_entry(wrapped) {
            let info = self.entries.get(h).ok_or(Error::KeyCommitmentMismatch)?;
            let for_me = info.member.as_deref() == Some(me.account_id()) && info.op == Op::Add;
            if !(for_me || info.op.sets_key()) || info.n < mine.added_at {
                return Err(Error::KeyCommitmentMismatch);
            }
            let key = sharing::open_vault_key_auth(
                me.key_pair(),
                wrapped,
                &self.vault,
                me.account_id(),
                info.by.x25519(),
            )?;
            (key, false)
        } else if wrapped.starts_with(sharing::HPKE_PREFIX) {
            return Err(Error::UnsupportedVersion);
        } else {
            (me.unwrap_vault_key(wrapped, &self.vault)?, true)
        };
        if key_commitment(&key) != self.key {
            return Err(Error::KeyCommitmentMismatch);
        }
        Ok(OpenedCopy {
            key,
            own_wrap: own,
            added_by: mine.added_by.clone(),
        })
    }
}

/// A vault key that matched the log. Debug shows the key's kid only.
#[derive(Debug)]
pub struct OpenedCopy {
    pub key: SymmetricKey,
    /// Wrapped under our own account key (made by us, so already accepted).
    pub own_wrap: bool,
    /// Who added us (ourselves for a vault we created).
    pub added_by: Identity,
}
