//! The server checks every member-log entry with the core's verifier before
//! it stores it, and applies membership only through entries (docs/SPEC.md
//! § Member log): forged, misplaced or unpublished entries are refused with
//! nothing stored, and a removal is one transaction with its rotation.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use axum::http::StatusCode;
use blindvault::account::{self, UnlockedAccount};
use blindvault::encoding::b64u_encode;
use blindvault::kdf::{KdfParams, MasterKey};
use blindvault::keys::SymmetricKey;
use blindvault::member_log::{genesis, hash_of, Proposal, Role, Roster};
use common::{envelope, rand_b64, TestServer, User};
use serde_json::{json, Value};
use sqlx::Row;

struct Person {
    acct: UnlockedAccount,
    user: User,
}

/// A real account with keys and a published identity (fixed master key: the KDF is not under test).
async fn person(s: &TestServer, name: &str) -> Person {
    let kdf = KdfParams {
        alg: "pbkdf2-sha256".into(),
        iterations: 600_000,
        salt: rand_b64(16),
    };
    let master = MasterKey::from_pbkdf2_output(&[name.len() as u8; 32], &kdf).unwrap();
    let (reg, mut acct) = account::register_with_master_key(&master, kdf, name).unwrap();
    let up = acct.issue_identity(&format!("{name}@example.org")).unwrap();
    let auth_key = rand_b64(32);
    let body = json!({
        "account_id": name, "email": format!("{name}@example.org"), "kdf": reg.kdf,
        "wrapped_account_key": reg.wrapped_account_key, "public_key": reg.public_key,
        "wrapped_private_key": reg.wrapped_private_key, "auth_key": auth_key,
        "identity": up.identity, "wrapped_signing_key": up.wrapped_signing_key,
    });
    let (st, v) = s.post("/api/v1/accounts", None, body).await;
    assert_eq!(st, StatusCode::CREATED, "{v}");
    let (st, v) = s
        .post(
            "/api/v1/accounts/login",
            None,
            json!({"account_id": name, "auth_key": auth_key}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{v}");
    assert_eq!(v["account"]["identity"], up.identity);
    let user = User {
        id: name.into(),
        auth_key,
        token: v["token"].as_str().unwrap().into(),
    };
    Person { acct, user }
}

async fn log(s: &TestServer, p: &Person, vault: &str) -> Vec<String> {
    let (st, v) = s
        .get(&format!("/api/v1/vaults/{vault}/log"), &p.user.token)
        .await;
    assert_eq!(st, StatusCode::OK, "{v}");
    v["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e.as_str().unwrap().to_owned())
        .collect()
}

async fn roster(s: &TestServer, p: &Person, vault: &str) -> Roster {
    let entries = log(s, p, vault).await;
    Roster::verify(
        vault,
        &entries.iter().map(String::as_str).collect::<Vec<_>>(),
        None,
    )
    .unwrap()
}

async fn create(s: &TestServer, owner: &Person, vault: &str, key: &SymmetricKey) {
    let (sk, id) = owner.acct.signer().unwrap();
    let entry = genesis(vault, id, sk, key, 1).unwrap();
    let (st, v) = s
        .post(
            "/api/v1/vaults",
            Some(&owner.user.token),
            json!({"id": vault, "name": envelope("n"),
                   "wrapped_vault_key": owner.acct.wrap_vault_key(key, vault).unwrap(), "log_entry": entry}),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{v}");
}

async fn put_member(
    s: &TestServer,
    by: &Person,
    vault: &str,
    member: &str,
    role: &str,
    entry: &str,
    copy: Option<String>,
) -> (StatusCode, Value) {
    let rev = s.vault_revision(&by.user, vault).await;
    let mut body = json!({"base_revision": rev, "role": role, "log_entry": entry});
    if let Some(c) = copy {
        body["wrapped_vault_key"] = json!(c);
    }
    s.put(
        &format!("/api/v1/vaults/{vault}/members/{member}"),
        &by.user.token,
        body,
    )
    .await
}

async fn add(
    s: &TestServer,
    by: &Person,
    vault: &str,
    who: &Person,
    role: Role,
    key: &SymmetricKey,
) {
    let r = roster(s, by, vault).await;
    let (sk, _) = by.acct.signer().unwrap();
    let entry = r
        .sign(
            &by.user.id,
            sk,
            Proposal::Add {
                identity: who.acct.identity().unwrap(),
                role,
            },
            1,
        )
        .unwrap();
    let mut after = r.clone();
    after.apply(&entry).unwrap();
    let copy = after
        .seal_copy(
            &by.acct,
            key,
            after.member(&who.user.id).unwrap(),
            &hash_of(&entry),
        )
        .unwrap();
    let (st, v) = put_member(
        s,
        by,
        vault,
        &who.user.id,
        role.as_str(),
        &entry,
        Some(copy),
    )
    .await;
    assert_eq!(st, StatusCode::OK, "{v}");
}

async fn members(s: &TestServer, vault: &str) -> Vec<(String, String)> {
    sqlx::query("SELECT account_id, role FROM members WHERE vault_id = $1 ORDER BY account_id")
        .bind(vault)
        .fetch_all(&s.state.db.pool)
        .await
        .unwrap()
        .iter()
        .map(|r| (r.get("account_id"), r.get("role")))
        .collect()
}

async fn log_len(s: &TestServer, vault: &str) -> i64 {
    sqlx::query("SELECT COUNT(*) AS n FROM member_log WHERE vault_id = $1")
        .bind(vault)
        .fetch_one(&s.state.db.pool)
        .await
        .unwrap()
        .get("n")
}

fn pairs(v: &[(&str, &str)]) -> Vec<(String, String)> {
    v.iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect()
}

async fn membership_follows_the_log(s: &TestServer) {
    let (alice, bob, carl) = (
        person(s, "alice").await,
        person(s, "bob").await,
        person(s, "carl").await,
    );
    let k0 = SymmetricKey::generate().unwrap();
    create(s, &alice, "v1", &k0).await;
    add(s, &alice, "v1", &bob, Role::Admin, &k0).await;
    add(s, &bob, "v1", &carl, Role::Read, &k0).await;
    assert_eq!(
        members(s, "v1").await,
        pairs(&[("alice", "owner"), ("bob", "admin"), ("carl", "read")])
    );
    // Carl (read) reads the log and opens his copy against it.
    let r = roster(s, &carl, "v1").await;
    let (_, v) = s.get("/api/v1/vaults", &carl.user.token).await;
    let copy = v["vaults"][0]["wrapped_vault_key"].as_str().unwrap();
    assert_eq!(
        r.open_copy(&carl.acct, copy).unwrap().added_by.account_id(),
        "bob"
    );

    // A role change: signed entry, the copy stays.
    let (sk, _) = alice.acct.signer().unwrap();
    let e = r
        .sign(
            "alice",
            sk,
            Proposal::Role {
                member: "carl",
                role: Role::Write,
            },
            1,
        )
        .unwrap();
    let (st, v) = put_member(s, &alice, "v1", "carl", "write", &e, None).await;
    assert_eq!(st, StatusCode::OK, "{v}");
    assert_eq!(members(s, "v1").await[2], ("carl".into(), "write".into()));

    // Removal: the entry, the member leaving and the rotation in one request.
    let k1 = SymmetricKey::generate().unwrap();
    let r = roster(s, &alice, "v1").await;
    let rm = r
        .sign(
            "alice",
            sk,
            Proposal::Remove {
                member: "carl",
                new_key: &k1,
            },
            1,
        )
        .unwrap();
    let mut after = r.clone();
    after.apply(&rm).unwrap();
    let copies = after.seal_copies(&alice.acct, &k1, &hash_of(&rm)).unwrap();
    let rev = s.vault_revision(&alice.user, "v1").await;
    let (st, v) = s
        .post(
            "/api/v1/vaults/v1/rotate",
            Some(&alice.user.token),
            json!({"base_revision": rev, "name": envelope("n"), "members": copies, "log_entry": rm}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{v}");
    assert_eq!(v["removed"], "carl");
    assert_eq!(
        members(s, "v1").await,
        pairs(&[("alice", "owner"), ("bob", "admin")])
    );
    let r = roster(s, &bob, "v1").await;
    let (_, v) = s.get("/api/v1/vaults", &bob.user.token).await;
    let copy = v["vaults"][0]["wrapped_vault_key"].as_str().unwrap();
    assert_eq!(r.open_copy(&bob.acct, copy).unwrap().key.kid(), k1.kid());
    // Bob accepts: his own wrap replaces the sealed copy.
    let own = bob.acct.wrap_vault_key(&k1, "v1").unwrap();
    let (st, v) = s
        .put(
            "/api/v1/vaults/v1/key",
            &bob.user.token,
            json!({"wrapped_vault_key": own}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{v}");
    let (_, v) = s.get("/api/v1/vaults", &bob.user.token).await;
    assert!(
        r.open_copy(
            &bob.acct,
            v["vaults"][0]["wrapped_vault_key"].as_str().unwrap()
        )
        .unwrap()
        .own_wrap
    );
    // Carl no longer reads the log.
    let (st, _) = s.get("/api/v1/vaults/v1/log", &carl.user.token).await;
    assert_eq!(st, StatusCode::NOT_FOUND);
}

async fn forged_or_misplaced_entries_are_refused(s: &TestServer) {
    let (alice, bob, mallory) = (
        person(s, "alice").await,
        person(s, "bob").await,
        person(s, "mallory").await,
    );
    let k = SymmetricKey::generate().unwrap();
    create(s, &alice, "v1", &k).await;
    add(s, &alice, "v1", &bob, Role::Read, &k).await;
    create(s, &mallory, "v2", &SymmetricKey::generate().unwrap()).await;
    let before = (members(s, "v1").await, log_len(s, "v1").await);
    let r = roster(s, &alice, "v1").await;

    // A read-only member's entry: the verifier refuses (the server also
    // refuses the role, but even an entry signed by an admin of the wrong
    // vault never lands).
    let bob_add = blindvault::member_log::dangerous_sign_body_for_tests(
        format!(
            r#"{{"v":1,"vault":"v1","n":{},"prev":"{}","op":"add","by":"bob","member":"mallory","role":"read","identity":"{}","time":1}}"#,
            r.len(), r.head(), mallory.acct.identity().unwrap().as_str()
        ).as_bytes(),
        bob.acct.signer().unwrap().0,
    );
    // Sent by Alice (an admin), so the HTTP role check passes and the log rule decides.
    let (st, v) = put_member(
        s,
        &alice,
        "v1",
        "mallory",
        "read",
        &bob_add,
        Some(envelope("c")),
    )
    .await;
    assert_eq!(
        (st, v["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_log_entry")),
        "{v}"
    );

    // Mallory, owner of v2, signs an add for v1 with her v2 roster: wrong vault.
    let r2 = roster(s, &mallory, "v2").await;
    let (msk, _) = mallory.acct.signer().unwrap();
    let cross = r2
        .sign(
            "mallory",
            msk,
            Proposal::Add {
                identity: bob.acct.identity().unwrap(),
                role: Role::Admin,
            },
            1,
        )
        .unwrap();
    let (st, v) = put_member(s, &alice, "v1", "bob", "admin", &cross, None).await;
    assert_eq!(st, StatusCode::BAD_REQUEST, "{v}");

    // A valid entry by Alice replayed by Bob (read-only): 403 before the
    // entry is read; and the entry must be the caller's own anyway.
    let (ask, _) = alice.acct.signer().unwrap();
    let e = r
        .sign(
            "alice",
            ask,
            Proposal::Role {
                member: "bob",
                role: Role::Write,
            },
            1,
        )
        .unwrap();
    let (st, _) = put_member(s, &bob, "v1", "bob", "write", &e, None).await;
    assert_eq!(st, StatusCode::FORBIDDEN);

    // An add naming an identity the account never published (the server's own key).
    let fake = {
        let sk = blindvault::identity::SigningKey::generate().unwrap();
        blindvault::identity::Identity::issue("mallory", "mallory@example.org", &[7; 32], &sk)
            .unwrap()
    };
    let e = r
        .sign(
            "alice",
            ask,
            Proposal::Add {
                identity: &fake,
                role: Role::Read,
            },
            1,
        )
        .unwrap();
    let (st, v) = put_member(s, &alice, "v1", "mallory", "read", &e, Some(envelope("c"))).await;
    assert_eq!(
        (st, v["error"].as_str()),
        (StatusCode::CONFLICT, Some("identity_mismatch")),
        "{v}"
    );

    // The entry does not match the request (another member or role).
    let e = r
        .sign(
            "alice",
            ask,
            Proposal::Role {
                member: "bob",
                role: Role::Write,
            },
            1,
        )
        .unwrap();
    let (st, _) = put_member(s, &alice, "v1", "bob", "admin", &e, None).await;
    assert_eq!(st, StatusCode::BAD_REQUEST);

    // Legacy calls on a logged vault.
    let rev = s.vault_revision(&alice.user, "v1").await;
    let (st, v) = s
        .put(
            "/api/v1/vaults/v1/members/mallory",
            &alice.user.token,
            json!({"base_revision": rev, "role": "read", "wrapped_vault_key": envelope("c")}),
        )
        .await;
    assert_eq!(
        (st, v["error"].as_str()),
        (StatusCode::CONFLICT, Some("log_entry_required")),
        "{v}"
    );
    let (st, v) = s
        .delete(
            &format!("/api/v1/vaults/v1/members/bob?base_revision={rev}"),
            &alice.user.token,
        )
        .await;
    assert_eq!(
        (st, v["error"].as_str()),
        (StatusCode::CONFLICT, Some("log_entry_required")),
        "{v}"
    );

    // Nothing of the refused requests was stored.
    assert_eq!((members(s, "v1").await, log_len(s, "v1").await), before);
}

async fn removal_revokes_tokens_in_the_same_transaction(s: &TestServer) {
    let (alice, bob) = (person(s, "alice").await, person(s, "bob").await);
    let k = SymmetricKey::generate().unwrap();
    create(s, &alice, "v1", &k).await;
    add(s, &alice, "v1", &bob, Role::Admin, &k).await;
    for (who, id) in [(&alice, "t-alice"), (&bob, "t-bob")] {
        let (st, v) = s
            .post("/api/v1/tokens", Some(&who.user.token),
                  json!({"id": id, "name": b64u_encode(id.as_bytes()), "expires_in_secs": 3600,
                         "grants": [{"vault_id": "v1", "role": "read", "wrapped_vault_key": envelope("t")}]}))
            .await;
        assert_eq!(st, StatusCode::CREATED, "{v}");
    }
    let r = roster(s, &alice, "v1").await;
    let (sk, _) = alice.acct.signer().unwrap();
    let k1 = SymmetricKey::generate().unwrap();
    let rm = r
        .sign(
            "alice",
            sk,
            Proposal::Remove {
                member: "bob",
                new_key: &k1,
            },
            1,
        )
        .unwrap();
    let mut after = r.clone();
    after.apply(&rm).unwrap();
    let copies = after.seal_copies(&alice.acct, &k1, &hash_of(&rm)).unwrap();
    let rev = s.vault_revision(&alice.user, "v1").await;
    // Keeping the removed member's token is refused whole.
    let (st, _) = s
        .post("/api/v1/vaults/v1/rotate", Some(&alice.user.token),
              json!({"base_revision": rev, "name": envelope("n"), "members": copies.clone(), "log_entry": rm,
                     "tokens": {"t-alice": envelope("t2"), "t-bob": envelope("t2")}}))
        .await;
    assert_eq!(st, StatusCode::CONFLICT);
    assert_eq!(members(s, "v1").await.len(), 2, "nothing applied");
    // Re-granting her own token keeps it; Bob's is revoked with him.
    let (st, v) = s
        .post(
            "/api/v1/vaults/v1/rotate",
            Some(&alice.user.token),
            json!({"base_revision": rev, "name": envelope("n"), "members": copies, "log_entry": rm,
                     "tokens": {"t-alice": envelope("t2")}}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{v}");
    assert_eq!(v["revoked_tokens"], json!(["t-bob"]));
    let grants: Vec<String> =
        sqlx::query("SELECT token_id FROM token_grants WHERE vault_id = 'v1'")
            .fetch_all(&s.state.db.pool)
            .await
            .unwrap()
            .iter()
            .map(|r| r.get("token_id"))
            .collect();
    assert_eq!(grants, ["t-alice"]);
}

async fn identities_are_checked_and_published_once(s: &TestServer) {
    let alice = person(s, "alice").await;
    // Lookup and the member list carry the identity.
    let (st, v) = s
        .post(
            "/api/v1/accounts/lookup",
            Some(&alice.user.token),
            json!({"email": "alice@example.org"}),
        )
        .await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(v["identity"], alice.acct.identity().unwrap().as_str());
    // A second identity is refused; so is an identity naming another email.
    let mut acct2 = alice.acct;
    let up = acct2.issue_identity("alice@example.org").unwrap();
    let (st, _) = s
        .put("/api/v1/accounts/me/identity", &alice.user.token, json!(up))
        .await;
    assert_eq!(st, StatusCode::CONFLICT);
    let legacy = s.user("legacy").await;
    let (st, v) = s
        .put("/api/v1/accounts/me/identity", &legacy.token, json!(up))
        .await;
    assert_eq!(
        (st, v["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_identity")),
        "{v}"
    );
}

both_backends!(
    membership_follows_the_log,
    forged_or_misplaced_entries_are_refused,
    removal_revokes_tokens_in_the_same_transaction,
    identities_are_checked_and_published_once,
);
