//! `cargo bench --bench core`: our hot paths next to the bare RustCrypto
//! primitive doing the same cryptographic work, so the ratio is the cost of
//! our format (headers, contexts, base64url, JSON) and nothing else.
//! Figures and ratios go to docs/BENCHMARKS.md.

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use blindvault::attachment::{AttachmentKey, Decryptor, Encryptor};
use blindvault::context::Context;
use blindvault::kdf::{KdfParams, MasterKey};
use blindvault::keys::SymmetricKey;
use blindvault::secret::SecretString;
use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use std::hint::black_box;

const ITEMS: usize = 10_000;
const OVERVIEW_LEN: usize = 200;

fn kdf(c: &mut Criterion) {
    let mut g = c.benchmark_group("pbkdf2_600k");
    g.sample_size(10);
    let params = KdfParams::generate().unwrap();
    let password = SecretString::new("correct horse battery staple".into());
    g.bench_function("blindvault MasterKey::derive", |b| {
        b.iter(|| MasterKey::derive(black_box(&password), &params).unwrap())
    });
    let salt = [7u8; 16];
    g.bench_function("peer pbkdf2::pbkdf2_hmac", |b| {
        b.iter(|| {
            let mut out = [0u8; 32];
            pbkdf2::pbkdf2_hmac::<sha2::Sha256>(
                black_box(b"correct horse battery staple"),
                &salt,
                600_000,
                &mut out,
            );
            out
        })
    });
    g.finish();
}

fn overviews(c: &mut Criterion) {
    let mut g = c.benchmark_group("open_10k_overviews");
    g.sample_size(20);
    let vault_key = SymmetricKey::generate().unwrap();
    let blobs: Vec<(String, String)> = (0..ITEMS)
        .map(|i| {
            let id = format!("item-{i}");
            let blob = blindvault::item::seal_new(
                &vault_key,
                "vault-1",
                &id,
                &[b'o'; OVERVIEW_LEN],
                b"{}",
            )
            .unwrap();
            (id, blob)
        })
        .collect();
    g.bench_function("blindvault item::open_overviews", |b| {
        b.iter(|| blindvault::item::open_overviews(&vault_key, "vault-1", black_box(&blobs)))
    });
    // Peer: the same AES-GCM work (unwrap a 32-byte key, then open 200 bytes)
    // with no format around it.
    let cipher = Aes256Gcm::new(&[1u8; 32].into());
    let nonce = Nonce::from([2u8; 12]);
    let wrapped = cipher
        .encrypt(
            &nonce,
            Payload {
                msg: &[3u8; 32],
                aad: b"aad",
            },
        )
        .unwrap();
    let item_cipher = Aes256Gcm::new(&[3u8; 32].into());
    let ct = item_cipher
        .encrypt(
            &nonce,
            Payload {
                msg: &[b'o'; OVERVIEW_LEN],
                aad: b"aad",
            },
        )
        .unwrap();
    g.bench_function("peer aes-gcm unwrap + decrypt", |b| {
        b.iter(|| {
            for _ in 0..ITEMS {
                let k = cipher
                    .decrypt(
                        &nonce,
                        Payload {
                            msg: black_box(&wrapped),
                            aad: b"aad",
                        },
                    )
                    .unwrap();
                let ic = Aes256Gcm::new_from_slice(&k).unwrap();
                black_box(
                    ic.decrypt(
                        &nonce,
                        Payload {
                            msg: &ct,
                            aad: b"aad",
                        },
                    )
                    .unwrap(),
                );
            }
        })
    });
    g.finish();
}

fn attachments(c: &mut Criterion) {
    const LEN: usize = 64 << 20;
    const PIECE: usize = 1 << 20;
    let mut g = c.benchmark_group("attachment_64MiB_encrypt_decrypt");
    g.sample_size(10);
    g.throughput(Throughput::Bytes(2 * LEN as u64));
    let data = vec![0x5a; LEN];
    let key = AttachmentKey::generate().unwrap();
    let ctx = Context::attachment("vault-1", "item-1", "att-1").unwrap();
    g.bench_function("blindvault Encryptor/Decryptor (1 MiB pushes)", |b| {
        b.iter_batched(
            || (),
            |()| {
                let (mut enc, mut ct) = Encryptor::new(&key, &ctx).unwrap();
                for piece in data.chunks(PIECE) {
                    ct.extend_from_slice(&enc.push(piece).unwrap());
                }
                ct.extend_from_slice(&enc.finish().unwrap());
                let mut dec = Decryptor::new(&key, &ctx);
                let mut n = 0;
                for piece in ct.chunks(PIECE) {
                    n += dec.push(piece).unwrap().len();
                }
                n + dec.finish().unwrap().len()
            },
            BatchSize::PerIteration,
        )
    });
    let cipher = Aes256Gcm::new(&[1u8; 32].into());
    g.bench_function("peer aes-gcm, 16 KiB chunks", |b| {
        b.iter(|| {
            let mut n = 0;
            for (i, chunk) in data.chunks(16 * 1024).enumerate() {
                let mut nonce = [0u8; 12];
                nonce[4..].copy_from_slice(&(i as u64).to_be_bytes());
                let ct = cipher.encrypt(&Nonce::from(nonce), chunk).unwrap();
                n += cipher
                    .decrypt(&Nonce::from(nonce), ct.as_slice())
                    .unwrap()
                    .len();
            }
            n
        })
    });
    g.finish();
}

fn envelope(c: &mut Criterion) {
    let mut g = c.benchmark_group("envelope_200B_seal_open");
    let key = SymmetricKey::generate().unwrap();
    let ctx = Context::item_overview("vault-1", "item-1").unwrap();
    g.bench_function("blindvault seal + open", |b| {
        b.iter(|| {
            key.open(
                &key.seal(black_box(&[1u8; OVERVIEW_LEN]), &ctx).unwrap(),
                &ctx,
            )
            .unwrap()
        })
    });
    let cipher = Aes256Gcm::new(&[1u8; 32].into());
    g.bench_function("peer aes-gcm encrypt + decrypt", |b| {
        b.iter(|| {
            let mut nonce = [0u8; 12];
            getrandom::fill(&mut nonce).unwrap();
            let n = Nonce::from(nonce);
            let ct = cipher
                .encrypt(
                    &n,
                    Payload {
                        msg: black_box(&[1u8; OVERVIEW_LEN]),
                        aad: b"header",
                    },
                )
                .unwrap();
            cipher
                .decrypt(
                    &n,
                    Payload {
                        msg: &ct,
                        aad: b"header",
                    },
                )
                .unwrap()
        })
    });
    g.finish();
}

/// The overview snapshot of 10 000 items against the same AES-GCM over the
/// same plaintext bytes in one call: what the snapshot format costs.
fn overview_snapshot(c: &mut Criterion) {
    use blindvault::overview_snapshot::{self as snapshot, SnapshotEntry};
    let mut g = c.benchmark_group("overview_snapshot_10k");
    g.sample_size(20);
    let vault_key = SymmetricKey::generate().unwrap();
    let entries: Vec<SnapshotEntry> = (0..ITEMS)
        .map(|i| SnapshotEntry {
            id: format!("item-{i}"),
            revision: i as u64,
            overview: blindvault::secret::SecretBytes::new(
                format!(
                    r#"{{"kind":"login","name":"Site {i}","url":"https://site{i}.example.com/login","username":"user{i}@example.com","x":"{}"}}"#,
                    "o".repeat(60)
                )
                .into_bytes(),
            ),
        })
        .collect();
    let jwe = snapshot::seal(&vault_key, "vault-1", &entries).unwrap();
    g.bench_function("blindvault overview_snapshot::open", |b| {
        b.iter(|| snapshot::open(&vault_key, "vault-1", black_box(&jwe)).unwrap())
    });
    let pt_len = snapshot::open(&vault_key, "vault-1", &jwe)
        .unwrap()
        .iter()
        .map(|e| e.overview.len() + 40)
        .sum::<usize>();
    let cipher = Aes256Gcm::new(&[1u8; 32].into());
    let nonce = Nonce::from([2u8; 12]);
    let ct = cipher
        .encrypt(
            &nonce,
            Payload {
                msg: &vec![b'o'; pt_len],
                aad: b"aad",
            },
        )
        .unwrap();
    g.bench_function("peer aes-gcm decrypt, same length", |b| {
        b.iter(|| {
            cipher
                .decrypt(
                    &nonce,
                    Payload {
                        msg: black_box(&ct),
                        aad: b"aad",
                    },
                )
                .unwrap()
        })
    });
    g.finish();
}

/// A member log of `MEMBER_LOG` entries (a create, then adds and role
/// changes: half carry an identity, so ~1.5 signatures per entry), verified
/// from the start as a new device does. Peer: ed25519-dalek's own
/// `verify_strict` over the same number of signatures, with no log rules.
const MEMBER_LOG: usize = 1000;

fn member_log_log() -> (Vec<String>, usize) {
    use blindvault::account::register_with_master_key;
    use blindvault::member_log::{genesis, Proposal, Role, Roster};
    let kdf = KdfParams {
        alg: "pbkdf2-sha256".into(),
        iterations: 600_000,
        salt: "AAAAAAAAAAAAAAAAAAAAAA".into(),
    };
    let person = |i: usize| {
        let master = MasterKey::from_pbkdf2_output(&[(i % 251) as u8; 32], &kdf).unwrap();
        let id = format!("acct{i}");
        let (_, mut a) = register_with_master_key(&master, kdf.clone(), &id).unwrap();
        a.issue_identity(&format!("{id}@example.com")).unwrap();
        a
    };
    let owner = person(0);
    let (sk, id) = owner.signer().unwrap();
    let key = SymmetricKey::generate().unwrap();
    let mut entries = vec![genesis("v1", id, sk, &key, 1).unwrap()];
    let mut roster = Roster::verify("v1", &[entries[0].as_str()], None).unwrap();
    let mut signatures = 2; // the create entry and the creator's identity
    let mut people = Vec::new();
    for n in 1..MEMBER_LOG {
        let e = if n % 2 == 1 {
            people.push(person(n));
            let p = Proposal::Add {
                identity: people.last().unwrap().identity().unwrap(),
                role: Role::Write,
            };
            signatures += 2;
            roster.sign(owner.account_id(), sk, p, 1).unwrap()
        } else {
            let member = people.last().unwrap().account_id().to_owned();
            let p = Proposal::Role {
                member: &member,
                role: Role::Read,
            };
            signatures += 1;
            roster.sign(owner.account_id(), sk, p, 1).unwrap()
        };
        roster.apply(&e).unwrap();
        entries.push(e);
    }
    (entries, signatures)
}

fn member_log(c: &mut Criterion) {
    use ed25519_dalek::{Signer, SigningKey, Verifier};
    let (entries, signatures) = member_log_log();
    let refs: Vec<&str> = entries.iter().map(String::as_str).collect();
    let mut g = c.benchmark_group("member_log_1000");
    g.sample_size(10);
    g.bench_function("blindvault Roster::verify", |b| {
        b.iter(|| blindvault::member_log::Roster::verify("v1", black_box(&refs), None).unwrap())
    });
    // A new device of an account whose vault list keeps an anchor
    // ANCHOR_LAG entries back (SPEC § Vault list).
    let back = refs.len() - blindvault::vault_list::ANCHOR_LAG as usize;
    let anchor = blindvault::member_log::Roster::verify("v1", &refs[..back], None)
        .unwrap()
        .anchor();
    g.bench_function(
        "blindvault Roster::verify_anchored, account anchor 100 back",
        |b| {
            b.iter(|| {
                blindvault::member_log::Roster::verify_anchored(
                    "v1",
                    black_box(&refs),
                    None,
                    Some(&anchor),
                )
                .unwrap()
            })
        },
    );
    let sk = SigningKey::from_bytes(&[5; 32]);
    let vk = sk.verifying_key();
    let msg = [7u8; 200];
    let sig = sk.sign(&msg);
    g.bench_function(format!("peer ed25519-dalek verify x{signatures}"), |b| {
        b.iter(|| {
            for _ in 0..signatures {
                vk.verify(black_box(&msg), &sig).unwrap();
            }
        })
    });
    g.finish();
}

criterion_group!(
    benches,
    member_log,
    envelope,
    overviews,
    overview_snapshot,
    attachments,
    kdf
);
criterion_main!(benches);
