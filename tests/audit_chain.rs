//! The audit chain verifier (src/audit_chain.rs, SPEC § Audit log) against
//! tests/vectors/audit_chain.json, made by audit_chain_gen.py with Python's
//! hashlib (independent of this crate), and against tampering done here:
//! every field changed, entries reordered, dropped, moved to another chain,
//! and a whole chain rewritten under a head remembered from an earlier read.
#![allow(clippy::unwrap_used)]

use blindvault::audit_chain::{self, entry_hash, verify, Broken, Entry, Head, Problem, GENESIS};
use serde::Deserialize;

#[derive(Deserialize)]
struct Pass {
    name: String,
    entries: Vec<Entry>,
    remembered: Option<Head>,
    head: Option<Head>,
}

#[derive(Deserialize)]
struct Fail {
    name: String,
    position: usize,
    first_broken_seq: i64,
    problem: String,
    entries: Vec<Entry>,
    remembered: Option<Head>,
}

#[derive(Deserialize)]
struct Vectors {
    genesis: String,
    chain: String,
    entries: Vec<Entry>,
    pass_cases: Vec<Pass>,
    fail_cases: Vec<Fail>,
}

fn vectors() -> Vectors {
    serde_json::from_str(include_str!("vectors/audit_chain.json")).unwrap()
}

#[test]
fn vector_hashes() {
    let v = vectors();
    assert_eq!(v.genesis, GENESIS);
    assert_eq!(v.entries.len(), 3);
    for e in &v.entries {
        assert_eq!(entry_hash(e), e.hash, "seq {}", e.seq);
    }
}

#[test]
fn vector_pass_cases() {
    let v = vectors();
    assert!(v.pass_cases.len() >= 4);
    for p in &v.pass_cases {
        assert_eq!(
            verify(&v.chain, &p.entries, p.remembered.as_ref()),
            Ok(p.head.clone()),
            "{}",
            p.name
        );
    }
}

#[test]
fn vector_fail_cases() {
    let v = vectors();
    let problems: Vec<&str> = v.fail_cases.iter().map(|f| f.problem.as_str()).collect();
    // Every kind of break has a vector.
    for p in [
        "other_chain",
        "out_of_order",
        "prev_hash_mismatch",
        "hash_mismatch",
        "head_changed",
        "head_missing",
    ] {
        assert!(problems.contains(&p), "no vector for {p}");
    }
    for f in &v.fail_cases {
        let got = verify(&v.chain, &f.entries, f.remembered.as_ref()).unwrap_err();
        assert_eq!(got.position, f.position, "{}", f.name);
        assert_eq!(got.seq, f.first_broken_seq, "{}", f.name);
        assert_eq!(got.problem.code(), f.problem, "{}", f.name);
    }
}

/// A well-formed chain of `n` entries on `chain`, seqs 10, 20, …
fn chain_of(chain: &str, n: usize) -> Vec<Entry> {
    let mut out: Vec<Entry> = Vec::new();
    for i in 0..n {
        let mut e = Entry {
            seq: 10 * (i as i64 + 1),
            chain: chain.into(),
            time: 1_764_000_000 + i as i64,
            actor: format!("account:a{i}"),
            action: "item.update".into(),
            object: format!("item:v/i{i}"),
            client: "127.0.0.1".into(),
            outcome: if i % 2 == 0 { "ok" } else { "denied" }.into(),
            prev_hash: out.last().map_or(GENESIS.into(), |p| p.hash.clone()),
            hash: String::new(),
        };
        e.hash = entry_hash(&e);
        out.push(e);
    }
    out
}

/// What a hostile server does to hide a change: recompute every hash and
/// back-link from `from` on.
fn rehash_from(entries: &mut [Entry], from: usize) {
    for i in from..entries.len() {
        entries[i].prev_hash = if i == 0 {
            GENESIS.into()
        } else {
            entries[i - 1].hash.clone()
        };
        entries[i].hash = entry_hash(&entries[i]);
    }
}

fn err(chain: &str, entries: &[Entry], head: Option<&Head>) -> Broken {
    verify(chain, entries, head).unwrap_err()
}

const C: &str = "vault:dmF1bHQ";

#[test]
fn a_good_chain_verifies_to_its_last_entry() {
    let es = chain_of(C, 5);
    assert_eq!(verify(C, &es, None), Ok(Some(es[4].head())));
    assert_eq!(verify(C, &[], None), Ok(None));
    assert_eq!(audit_chain::vault_chain("dmF1bHQ"), C);
}

#[test]
fn every_field_is_covered_by_the_hash() {
    let base = chain_of(C, 4);
    type Tamper = fn(&mut Entry);
    let fields: [(&str, Tamper); 9] = [
        ("seq", |e| e.seq += 1),
        ("time", |e| e.time += 1),
        ("actor", |e| e.actor.push('x')),
        ("action", |e| e.action = "item.read".into()),
        ("object", |e| e.object.push('x')),
        ("client", |e| e.client = "10.0.0.1".into()),
        ("outcome", |e| e.outcome = "ok!".into()),
        ("hash", |e| e.hash = "f".repeat(64)),
        ("prev_hash", |e| e.prev_hash = "1".repeat(64)),
    ];
    for (name, tamper) in fields {
        for at in 0..base.len() {
            let mut es = base.clone();
            tamper(&mut es[at]);
            let b = err(C, &es, None);
            assert_eq!(b.position, at + 1, "{name} at {at}");
            assert_eq!(b.seq, es[at].seq, "{name} at {at}");
            let want = if name == "prev_hash" {
                Problem::PrevHashMismatch
            } else {
                Problem::HashMismatch
            };
            assert_eq!(b.problem, want, "{name} at {at}");
        }
    }
    // The chain name is hashed too, but an entry of another chain is refused
    // before its hash is looked at.
    let mut es = base.clone();
    es[2].chain = "vault:b3RoZXI".into();
    let b = err(C, &es, None);
    assert_eq!((b.position, b.problem), (3, Problem::OtherChain));
    let mut es = base;
    es[1].chain = "vault:b3RoZXI".into();
    es[1].hash = entry_hash(&es[1]);
    assert_eq!(err("vault:b3RoZXI", &es, None).problem, Problem::OtherChain);
}

#[test]
fn a_change_rehashed_alone_breaks_the_next_link() {
    let mut es = chain_of(C, 4);
    es[1].action = "item.read".into();
    es[1].hash = entry_hash(&es[1]);
    let b = err(C, &es, None);
    assert_eq!(
        (b.position, b.seq, b.problem),
        (3, 30, Problem::PrevHashMismatch)
    );
}

#[test]
fn reordered_and_out_of_order_entries() {
    let base = chain_of(C, 4);
    let mut es = base.clone();
    es.swap(1, 2);
    let b = err(C, &es, None);
    assert_eq!(
        (b.position, b.seq, b.problem),
        (2, 30, Problem::PrevHashMismatch)
    );
    // Relinked so every hash is right, seqs no longer increase.
    let mut es = base.clone();
    es[2].seq = 20;
    rehash_from(&mut es, 2);
    let b = err(C, &es, None);
    assert_eq!((b.position, b.seq, b.problem), (3, 20, Problem::OutOfOrder));
    let mut es = base;
    es[3].seq = 5;
    rehash_from(&mut es, 3);
    assert_eq!(err(C, &es, None).problem, Problem::OutOfOrder);
}

#[test]
fn dropped_entries() {
    let base = chain_of(C, 4);
    for at in 0..3 {
        let mut es = base.clone();
        es.remove(at);
        let b = err(C, &es, None);
        assert_eq!(
            (b.position, b.problem),
            (at + 1, Problem::PrevHashMismatch),
            "{at}"
        );
        assert_eq!(b.seq, base[at + 1].seq);
    }
    // Dropping the newest entries leaves a valid chain: only a remembered
    // head can tell.
    assert_eq!(verify(C, &base[..2], None), Ok(Some(base[1].head())));
    let b = err(C, &base[..2], Some(&base[3].head()));
    assert_eq!(
        (b.position, b.seq, b.problem),
        (3, 40, Problem::HeadMissing)
    );
    let b = err(C, &[], Some(&base[0].head()));
    assert_eq!(
        (b.position, b.seq, b.problem),
        (1, 10, Problem::HeadMissing)
    );
}

#[test]
fn a_rewrite_with_every_hash_recomputed_is_caught_by_the_remembered_head() {
    let base = chain_of(C, 5);
    let head = base[3].head();
    assert_eq!(verify(C, &base[..4], None), Ok(Some(head.clone())));
    // The chain grew honestly: it extends the head.
    assert_eq!(verify(C, &base, Some(&head)), Ok(Some(base[4].head())));
    for at in 0..=3 {
        let mut es = base.clone();
        es[at].actor = "account:mallory".into();
        rehash_from(&mut es, at);
        // Self-consistent: without the head it verifies.
        assert!(verify(C, &es, None).is_ok(), "{at}");
        let b = err(C, &es, Some(&head));
        assert_eq!(
            (b.position, b.seq, b.problem),
            (4, 40, Problem::HeadChanged),
            "{at}"
        );
    }
    // A change after the head is not the device's to judge: it verifies.
    let mut es = base.clone();
    es[4].actor = "account:mallory".into();
    rehash_from(&mut es, 4);
    assert!(verify(C, &es, Some(&head)).is_ok());
    // The head's entry removed and the chain relinked around it.
    let mut es = base.clone();
    es.remove(3);
    rehash_from(&mut es, 3);
    let b = err(C, &es, Some(&head));
    assert_eq!(
        (b.position, b.seq, b.problem),
        (4, 40, Problem::HeadMissing)
    );
    // A whole new chain of the same length.
    let mut es = base;
    for e in &mut es {
        e.time += 1;
    }
    rehash_from(&mut es, 0);
    assert_eq!(err(C, &es, Some(&head)).problem, Problem::HeadChanged);
}

#[test]
fn the_message_names_position_seq_and_reason() {
    let mut es = chain_of(C, 3);
    es[1].outcome = "ok".into();
    let b = err(C, &es, None);
    assert_eq!(
        b.to_string(),
        "audit entry 2 (seq 20): hash does not match the entry's contents"
    );
}

#[test]
fn hostile_values_do_not_panic() {
    let mut es = chain_of(C, 3);
    es[0].seq = i64::MIN;
    es[1].seq = i64::MAX;
    es[2].time = i64::MIN;
    es[2].actor = "\u{0}\u{ffff}".repeat(1000);
    rehash_from(&mut es, 0);
    // seq i64::MAX then anything: out of order, never an overflow.
    assert_eq!(err(C, &es, None).problem, Problem::OutOfOrder);
    let head = Head {
        seq: i64::MAX,
        hash: String::new(),
    };
    assert!(verify(C, &es[..1], Some(&head)).is_err());
}
