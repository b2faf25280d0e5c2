//! The member-log anchors an account keeps in its sealed vault list
//! (docs/SPEC.md § Vault list): a new device of ours starts verifying from
//! there, the log must still extend every anchor we hold, and the list only
//! takes a newer anchor once the old one trails by `ANCHOR_LAG` entries.

mod common;

use blindvault::account::UnlockedAccount;
use blindvault::keys::SymmetricKey;
use blindvault::member_log::{self, genesis, Anchor, Proposal, Role, Roster};
use blindvault::vault_list::{VaultList, ANCHOR_LAG};
use blindvault::Error;
use common::person;

fn strs(v: &[String]) -> Vec<&str> {
    v.iter().map(String::as_str).collect()
}

/// alice's vault with bob added, then `roles` role changes of bob.
fn log(alice: &UnlockedAccount, bob: &UnlockedAccount, roles: usize) -> Vec<String> {
    let (sk, id) = alice.signer().unwrap();
    let mut entries = vec![genesis("v1", id, sk, &SymmetricKey::generate().unwrap(), 1).unwrap()];
    let mut roster = Roster::verify("v1", &strs(&entries), None).unwrap();
    for i in 0..=roles {
        let p = if i == 0 {
            Proposal::Add {
                identity: bob.identity().unwrap(),
                role: Role::Read,
            }
        } else {
            Proposal::Role {
                member: bob.account_id(),
                role: if i % 2 == 1 { Role::Write } else { Role::Read },
            }
        };
        let e = roster.sign(alice.account_id(), sk, p, 1).unwrap();
        roster.apply(&e).unwrap();
        entries.push(e);
    }
    entries
}

fn anchor_at(entries: &[String], len: usize) -> Anchor {
    Roster::verify("v1", &strs(&entries[..len]), None)
        .unwrap()
        .anchor()
}

#[test]
fn a_new_device_checks_signatures_only_after_the_accounts_anchor() {
    let (alice, bob) = (person("alice"), person("bob"));
    let mut entries = log(&alice, &bob, 3);
    // Entry 5: a role change in alice's name with a signature that does not
    // verify (signed by bob). No device of ours would have anchored past it;
    // here it shows which signatures a device with an anchor checks.
    let r = Roster::verify("v1", &strs(&entries), None).unwrap();
    let body = format!(
        r#"{{"v":1,"vault":"v1","n":{},"prev":"{}","op":"role","by":"{}","member":"{}","role":"read","time":1}}"#,
        r.len(),
        r.head(),
        alice.account_id(),
        bob.account_id(),
    );
    let bad = member_log::dangerous_sign_body_for_tests(body.as_bytes(), bob.signer().unwrap().0);
    entries.push(bad);
    assert_eq!(
        Roster::verify("v1", &strs(&entries), None).unwrap_err(),
        Error::LogEntryRefused {
            index: 5,
            reason: "the signature does not verify"
        }
    );
    // The anchor a device would hold after entry 5.
    let past_bad = Anchor {
        len: 6,
        head: member_log::hash_of(&entries[5]),
    };
    // From the account's anchor past it: accepted, with or without a
    // (shorter) device anchor that the log also extends.
    let device = anchor_at(&entries, 2);
    for d in [None, Some(&device)] {
        let r = Roster::verify_anchored("v1", &strs(&entries), d, Some(&past_bad)).unwrap();
        assert_eq!(r.len(), 6);
    }
    // From an anchor before it: its signature is checked, and refused.
    let before = anchor_at(&entries, 5);
    assert!(Roster::verify_anchored("v1", &strs(&entries), None, Some(&before)).is_err());
    assert!(Roster::verify_anchored("v1", &strs(&entries), Some(&before), None).is_err());
}

#[test]
fn identity_statements_before_the_anchor_are_not_verified_again() {
    // An `add` whose identity statement's self-signature does not verify.
    let (alice, bob) = (person("alice"), person("bob"));
    let (sk, id) = alice.signer().unwrap();
    let g = genesis("v1", id, sk, &SymmetricKey::generate().unwrap(), 1).unwrap();
    let r = Roster::verify("v1", &[g.as_str()], None).unwrap();
    // One character of the signature changed, away from the last (whose low
    // bits are padding in base64url).
    let mut bad_identity = bob.identity().unwrap().as_str().as_bytes().to_vec();
    let i = bad_identity.len() - 10;
    bad_identity[i] = if bad_identity[i] == b'A' { b'B' } else { b'A' };
    let bad_identity = String::from_utf8(bad_identity).unwrap();
    let body = format!(
        r#"{{"v":1,"vault":"v1","n":1,"prev":"{}","op":"add","by":"{}","member":"{}","role":"read","identity":"{bad_identity}","time":1}}"#,
        r.head(),
        alice.account_id(),
        bob.account_id(),
    );
    let add = member_log::dangerous_sign_body_for_tests(body.as_bytes(), sk);
    let entries = [g.as_str(), add.as_str()];
    assert_eq!(
        Roster::verify("v1", &entries, None).unwrap_err(),
        Error::LogEntryRefused {
            index: 1,
            reason: "the identity statement does not verify"
        }
    );
    // Before an anchor of ours: the hash chain vouches for its bytes.
    let anchor = Anchor {
        len: 2,
        head: member_log::hash_of(&add),
    };
    let r = Roster::verify_anchored("v1", &entries, None, Some(&anchor)).unwrap();
    assert!(r.member(bob.account_id()).is_some());
}

#[test]
fn the_log_must_extend_the_device_and_the_account_anchor() {
    let (alice, bob) = (person("alice"), person("bob"));
    let entries = log(&alice, &bob, 6);
    let refs = strs(&entries);
    let (short, long) = (anchor_at(&entries, 3), anchor_at(&entries, 6));
    let forged = Anchor {
        len: 4,
        head: "ab".repeat(32),
    };
    // Either one longer: fine when the log extends both.
    for (d, a) in [(&short, &long), (&long, &short)] {
        assert_eq!(
            Roster::verify_anchored("v1", &refs, Some(d), Some(a))
                .unwrap()
                .len(),
            entries.len() as u64
        );
    }
    // The server serves less than the account's anchor (a new device has
    // no anchor of its own): a rollback.
    assert_eq!(
        Roster::verify_anchored("v1", &refs[..5], None, Some(&long)).unwrap_err(),
        Error::LogRollback
    );
    // Truncated below the device's anchor, with the account's shorter.
    assert_eq!(
        Roster::verify_anchored("v1", &refs[..5], Some(&long), Some(&short)).unwrap_err(),
        Error::LogRollback
    );
    // An anchor the log does not contain, as the shorter or the longer one.
    for (d, a) in [
        (Some(&long), Some(&forged)),
        (Some(&forged), Some(&short)),
        (None, Some(&forged)),
    ] {
        assert_eq!(
            Roster::verify_anchored("v1", &refs, d, a).unwrap_err(),
            Error::LogRollback,
            "{d:?} {a:?}"
        );
    }
}

#[test]
fn the_list_takes_a_newer_anchor_only_when_the_old_one_trails_by_the_lag() {
    let me = person("carol");
    let list = VaultList::default().with("v1", None).unwrap().unwrap();
    let at = |len: u64| Anchor {
        len,
        head: format!("{len:064x}"),
    };
    // A vault not in the list never gets one; a listed one without an
    // anchor gets its first at once.
    assert!(list.with_anchors([("v2", &at(5000))]).is_none());
    let first = at(ANCHOR_LAG);
    let next = list.with_anchors([("v1", &first)]).unwrap();
    assert_eq!(next.version, list.version + 1);
    assert_eq!(next.anchor("v1"), Some(&first));
    // Trailing by less than the lag: no write; by the lag: a new version.
    assert!(next.with_anchors([("v1", &at(ANCHOR_LAG))]).is_none());
    assert!(next
        .with_anchors([("v1", &at(2 * ANCHOR_LAG - 1))])
        .is_none());
    let newer = next.with_anchors([("v1", &at(2 * ANCHOR_LAG))]).unwrap();
    assert_eq!(newer.anchor("v1").map(|a| a.len), Some(2 * ANCHOR_LAG));

    // Sealed and opened unchanged; dropped with the vault.
    let opened = VaultList::open(&me, &newer.seal(&me).unwrap(), 0).unwrap();
    assert_eq!(opened, newer);
    let gone = opened.without("v1").unwrap();
    assert_eq!(gone.anchor("v1"), None);
    assert_eq!(
        VaultList::open(&me, &gone.seal(&me).unwrap(), 0).unwrap(),
        gone
    );
    // A list without anchors (as written before them) still opens.
    let old = VaultList::default().with("v1", None).unwrap().unwrap();
    assert!(VaultList::open(&me, &old.seal(&me).unwrap(), 0)
        .unwrap()
        .anchors
        .is_empty());
}

#[test]
fn a_vault_enters_the_list_with_its_anchor_and_keeps_the_first() {
    let a = |len: u64| Anchor {
        len,
        head: format!("{len:064x}"),
    };
    let list = VaultList::default()
        .with("v1", Some(&a(1)))
        .unwrap()
        .unwrap();
    assert_eq!((list.version, list.anchor("v1")), (1, Some(&a(1))));
    assert_eq!(list.default.as_deref(), Some("v1"));
    // Listed with an anchor already: nothing to write; a later head moves
    // the anchor only through with_anchors (after the lag).
    assert!(list.with("v1", Some(&a(7))).unwrap().is_none());
    // Listed without one (before anchors): it gets this one.
    let bare = VaultList::default().with("v1", None).unwrap().unwrap();
    let next = bare.with("v1", Some(&a(3))).unwrap().unwrap();
    assert_eq!((next.version, next.anchor("v1")), (2, Some(&a(3))));
    // A malformed anchor is refused before anything is written.
    for bad in [
        a(0),
        Anchor {
            len: 2,
            head: "zz".repeat(32),
        },
    ] {
        assert!(matches!(
            bare.with("v2", Some(&bad)),
            Err(Error::InvalidPayload(_))
        ));
    }
}

#[test]
fn a_list_with_a_malformed_anchor_is_refused() {
    let me = person("carol");
    let good = Anchor {
        len: 1,
        head: "0a".repeat(32),
    };
    let bad = [
        ("v2", good.clone()), // a vault the list does not hold
        (
            "v1",
            Anchor {
                len: 1,
                head: "0A".repeat(32),
            },
        ), // not lower-case hex
        (
            "v1",
            Anchor {
                len: 1,
                head: "0a".repeat(31),
            },
        ), // not 32 bytes
    ];
    for (id, a) in bad {
        let list = VaultList {
            version: 1,
            default: Some("v1".into()),
            vaults: vec!["v1".into()],
            anchors: vec![(id.to_owned(), a)],
        };
        let sealed = list.seal(&me).unwrap();
        assert!(
            matches!(
                VaultList::open(&me, &sealed, 0),
                Err(Error::InvalidPayload(_))
            ),
            "{id}"
        );
    }
}
