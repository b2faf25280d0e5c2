//! `vault share / members / remove-member` (with the key rotation), and the
//! hostile-server cases of the issue: a member's public key replaced, item
//! envelopes swapped, the audit chain rewritten. Each exits 4 with a clear
//! message, and the server's own audit log shows nothing was sent first.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{Backend, Server};
use predicates::prelude::*;

fn count(s: &Server, action: &str) -> String {
    s.sql(&format!(
        "SELECT count(*) FROM audit WHERE action LIKE '{action}'"
    ))
}

/// The identity fingerprint a person reads out from `bv status`.
fn fingerprint(s: &Server, dir: &std::path::Path) -> String {
    let out = s.bv_in(dir).args(["--json", "status"]).assert().success();
    let v: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    v["fingerprint"].as_str().unwrap().to_owned()
}

/// The owner (default config dir) shares `vault` with `email` after
/// comparing fingerprints, and the person accepts it.
fn share_and_accept(s: &Server, vault: &str, dir: &std::path::Path, email: &str, role: &str) {
    let theirs = fingerprint(s, dir);
    s.bv()
        .args([
            "vault",
            "share",
            vault,
            "--email",
            email,
            "--role",
            role,
            "--fingerprint",
            &theirs,
        ])
        .assert()
        .success();
    let mine = fingerprint(s, s.config.path());
    s.bv_in(dir)
        .args(["vault", "accept", vault, "--fingerprint", &mine])
        .assert()
        .success();
}

fn share_accept_members_and_remove_member_rotates_the_vault_key(b: Backend) {
    let s = Server::with_account_on("ann@example.com", b);
    s.bv()
        .args(["item", "add", "Work/ops/db", "--password", "pw1"])
        .assert()
        .success();
    let bob = s.person("bob@example.com");
    let carl = s.person("carl@example.com");
    // First contact without a terminal needs the fingerprint: nothing is sent.
    let puts = count(&s, "member.put.%");
    s.bv()
        .args([
            "vault",
            "share",
            "Work",
            "--email",
            "bob@example.com",
            "--role",
            "write",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--fingerprint"));
    s.bv()
        .args([
            "vault",
            "share",
            "Work",
            "--email",
            "bob@example.com",
            "--role",
            "write",
            "--fingerprint",
            "0000 0000 0000 0000 0000 0000 0000 0000",
        ])
        .assert()
        .code(4);
    assert_eq!(count(&s, "member.put.%"), puts);
    // Shared, but pending for Bob until he accepts it.
    let theirs = fingerprint(&s, bob.path());
    s.bv()
        .args([
            "vault",
            "share",
            "Work",
            "--email",
            "bob@example.com",
            "--role",
            "write",
            "--fingerprint",
            &theirs,
        ])
        .assert()
        .success();
    s.bv_in(bob.path())
        .args(["item", "get", "Work/ops/db", "--field", "password"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("not accepted yet"));
    s.bv_in(bob.path())
        .args(["vault", "pending"])
        .assert()
        .success()
        .stdout(predicate::str::contains("shared by ann@example.com"))
        .stdout(predicate::str::contains("new: compare the fingerprint"));
    let ann_fp = fingerprint(&s, s.config.path());
    s.bv_in(bob.path())
        .args(["vault", "accept", "Work", "--fingerprint", &ann_fp])
        .assert()
        .success();
    share_and_accept(&s, "Work", carl.path(), "carl@example.com", "read");
    s.bv_in(bob.path())
        .args(["item", "get", "Work/ops/db", "--field", "password"])
        .assert()
        .success()
        .stdout("pw1\n");
    // Accepting re-wrapped Bob's copy under his own account key.
    assert!(!s.sql("SELECT wrapped_vault_key FROM members WHERE account_id = (SELECT id FROM accounts WHERE email = 'bob@example.com')").starts_with("bv1-hpke"));
    s.bv_in(bob.path())
        .args(["item", "add", "Work/bobs", "--password", "b"])
        .assert()
        .success();
    let members = s.out(&["vault", "members", "Work"]);
    assert_eq!(members.lines().count(), 3, "{members}");
    assert!(members.contains("carl@example.com\tread\t"));
    // A role change is a signed entry; nothing is re-sealed.
    s.bv()
        .args([
            "vault",
            "share",
            "Work",
            "--email",
            "carl@example.com",
            "--role",
            "write",
        ])
        .assert()
        .success()
        .stdout(predicate::str::contains("now write"));

    let key_before = s.sql("SELECT wrapped_vault_key FROM members WHERE role = 'owner'");
    let items_before = s.sql("SELECT envelope FROM items ORDER BY id");
    s.bv()
        .args([
            "vault",
            "remove-member",
            "Work",
            "--email",
            "bob@example.com",
        ])
        .assert()
        .success()
        .stdout(predicate::str::contains("rotated its key"));
    // Bob is gone; the owner's and Carl's copies are of a new key; every item
    // was re-wrapped (the server applied the rotation as one change).
    s.bv_in(bob.path())
        .args(["item", "list", "Work"])
        .assert()
        .code(1);
    assert_ne!(
        s.sql("SELECT wrapped_vault_key FROM members WHERE role = 'owner'"),
        key_before
    );
    assert_ne!(
        s.sql("SELECT envelope FROM items ORDER BY id"),
        items_before
    );
    assert_eq!(count(&s, "vault.rotate"), "1");
    s.bv_in(carl.path())
        .args(["item", "get", "Work/ops/db", "--field", "password"])
        .assert()
        .success()
        .stdout("pw1\n");
    s.bv()
        .args(["item", "get", "Work/bobs", "--field", "password"])
        .assert()
        .success()
        .stdout("b\n");
    // Folders were re-sealed too.
    assert_eq!(
        s.out(&["item", "list", "Work/ops"]),
        "Work/ops/db\tlogin\t\n"
    );
}

/// The issue's first attack: the server adds a membership row for an account
/// it controls, then the admin removes a member (which rotates the key). The
/// injected account must not get the new key: the removal is refused.
fn a_membership_row_the_server_adds_is_refused_and_never_sealed_to(b: Backend) {
    let s = Server::with_account_on("amy@example.com", b);
    s.bv()
        .args(["item", "add", "Work/db", "--password", "secret1"])
        .assert()
        .success();
    let cy = s.person("cy@example.com");
    let mal = s.person("mal@example.com");
    share_and_accept(&s, "Work", cy.path(), "cy@example.com", "read");
    let cy_row = s.sql("SELECT wrapped_vault_key FROM members WHERE role = 'read'");
    s.sql(&format!(
        "INSERT INTO members (vault_id, account_id, role, wrapped_vault_key, seq) \
         SELECT vault_id, (SELECT id FROM accounts WHERE email = 'mal@example.com'), 'admin', '{cy_row}', 0 \
         FROM members WHERE role = 'owner'"
    ));
    s.bv()
        .args([
            "vault",
            "remove-member",
            "Work",
            "--email",
            "cy@example.com",
        ])
        .assert()
        .code(4)
        .stderr(predicate::str::contains(
            "differs from its signed member log",
        ));
    s.bv().args(["vault", "members", "Work"]).assert().code(4);
    assert_eq!(count(&s, "vault.rotate"), "0");
    // The injected account holds a copy, but it is not in the log: refused.
    s.bv_in(mal.path())
        .args(["item", "get", "Work/db", "--field", "password"])
        .assert()
        .code(4)
        .stdout(predicate::str::contains("secret1").not());
    // Without the injected row, the removal goes through and Mal gets nothing.
    s.sql("DELETE FROM members WHERE role = 'admin'");
    s.bv()
        .args([
            "vault",
            "remove-member",
            "Work",
            "--email",
            "cy@example.com",
        ])
        .assert()
        .success();
    assert_eq!(s.sql("SELECT count(*) FROM members"), "1");
}

/// A removal the server does not carry out: it keeps (or restores) the
/// removed member's row and serves it the old or the new copy. The removed
/// member's client refuses the vault; the admin sees the list differ.
fn a_removal_the_server_does_not_carry_out_is_detected(b: Backend) {
    let s = Server::with_account_on("eve-admin@example.com", b);
    s.bv()
        .args(["item", "add", "Work/db", "--password", "before"])
        .assert()
        .success();
    let dan = s.person("dan@example.com");
    share_and_accept(&s, "Work", dan.path(), "dan@example.com", "write");
    let dan_row = s.sql("SELECT vault_id || '|' || account_id || '|' || wrapped_vault_key FROM members WHERE role = 'write'");
    let owner_old = s.sql("SELECT wrapped_vault_key FROM members WHERE role = 'owner'");
    s.bv()
        .args([
            "vault",
            "remove-member",
            "Work",
            "--email",
            "dan@example.com",
        ])
        .assert()
        .success();
    s.bv()
        .args(["item", "add", "Work/after", "--password", "after-removal"])
        .assert()
        .success();
    let parts: Vec<&str> = dan_row.splitn(3, '|').collect();
    s.sql(&format!(
        "INSERT INTO members (vault_id, account_id, role, wrapped_vault_key, seq) VALUES ('{}', '{}', 'write', '{}', 999999)",
        parts[0], parts[1], parts[2]
    ));
    let out = s
        .bv_in(dan.path())
        .args(["item", "get", "Work/after", "--field", "password"])
        .assert()
        .failure();
    assert!(!String::from_utf8_lossy(&out.get_output().stdout).contains("after-removal"));
    s.bv().args(["vault", "members", "Work"]).assert().code(4);
    // Replaying the owner's pre-rotation copy: the old key no longer matches the log.
    s.sql("DELETE FROM members WHERE role = 'write'");
    s.sql(&format!(
        "UPDATE members SET wrapped_vault_key = '{owner_old}' WHERE role = 'owner'"
    ));
    s.bv()
        .args(["item", "list", "Work"])
        .assert()
        .code(4)
        .stderr(predicate::str::contains("member log commits to"));
}

fn forged_rewritten_or_truncated_logs_are_refused(b: Backend) {
    let s = Server::with_account_on("fay@example.com", b);
    s.bv()
        .args(["item", "add", "Work/db", "--password", "pw"])
        .assert()
        .success();
    let gus = s.person("gus@example.com");
    share_and_accept(&s, "Work", gus.path(), "gus@example.com", "read");
    s.bv().args(["vault", "list"]).assert().success();
    let entries = s.sql("SELECT entry FROM member_log ORDER BY n");
    let last = entries.lines().last().unwrap().to_owned();
    // Truncated after this machine verified two entries.
    s.sql("DELETE FROM member_log WHERE n = 1");
    s.bv()
        .args(["item", "get", "Work/db", "--field", "password"])
        .assert()
        .failure()
        .stdout(predicate::str::contains("pw").not());
    s.bv()
        .args(["vault", "list"])
        .assert()
        .code(4)
        .stderr(predicate::str::contains("does not extend"));
    // A forged entry (one byte of the signature changed).
    let mut forged = last.clone().into_bytes();
    let i = forged.len() - 5;
    forged[i] = if forged[i] == b'A' { b'B' } else { b'A' };
    s.sql(&format!(
        "INSERT INTO member_log (vault_id, n, entry, hash) SELECT id, 1, '{}', 'x' FROM vaults",
        String::from_utf8(forged).unwrap()
    ));
    s.bv()
        .args(["vault", "list"])
        .assert()
        .code(4)
        .stderr(predicate::str::contains("member log"));
    // A whole log dropped for a vault this machine verified before.
    s.sql("DELETE FROM member_log");
    s.bv()
        .args(["vault", "list"])
        .assert()
        .code(4)
        .stderr(predicate::str::contains("dropped"));
}

fn identities_swapped_at_first_contact_or_later_are_refused(b: Backend) {
    let s = Server::with_account_on("hal@example.com", b);
    s.bv().args(["vault", "create", "Two"]).assert().success();
    let ida = s.person("ida@example.com");
    let _joe = s.person("joe@example.com");
    share_and_accept(&s, "Work", ida.path(), "ida@example.com", "read");
    let puts = count(&s, "member.put.%");
    // Later: the server gives Ida's account Joe's identity statement.
    s.sql("UPDATE accounts SET identity = (SELECT identity FROM accounts WHERE email = 'joe@example.com') WHERE email = 'ida@example.com'");
    s.bv()
        .args([
            "vault",
            "share",
            "Two",
            "--email",
            "ida@example.com",
            "--role",
            "read",
            "--fingerprint",
            "1",
        ])
        .assert()
        .code(4)
        .stderr(predicate::str::contains("another account's identity"));
    // Or a fresh identity of its own making for Ida's account and email.
    let ida_id = s.sql("SELECT id FROM accounts WHERE email = 'ida@example.com'");
    let sk = blindvault::identity::SigningKey::generate().unwrap();
    let fake =
        blindvault::identity::Identity::issue(&ida_id, "ida@example.com", &[9; 32], &sk).unwrap();
    s.sql(&format!(
        "UPDATE accounts SET identity = '{}' WHERE email = 'ida@example.com'",
        fake.as_str()
    ));
    s.bv()
        .args([
            "vault",
            "share",
            "Two",
            "--email",
            "ida@example.com",
            "--role",
            "read",
            "--fingerprint",
            &fake.fingerprint(),
        ])
        .assert()
        .code(4)
        .stderr(predicate::str::contains("pinned on this machine"));
    assert_eq!(count(&s, "member.put.%"), puts);
    // Ida's own client refuses the swapped statement at unlock.
    s.bv_in(ida.path())
        .args(["vault", "list"])
        .assert()
        .code(4)
        .stderr(predicate::str::contains("identity"));
}

/// A vault shared unasked by another user (or planted by the server) is only
/// pending: not listed, not used, even under the same name as one's own.
fn a_vault_shared_unasked_stays_pending(b: Backend) {
    let s = Server::with_account_on("kim@example.com", b);
    s.bv()
        .args(["item", "add", "Work/mine", "--password", "own"])
        .assert()
        .success();
    let lou = s.person("lou@example.com");
    s.bv_in(lou.path())
        .args(["vault", "create", "Work"])
        .assert()
        .success();
    s.bv_in(lou.path())
        .args(["item", "add", "Work/mine", "--password", "lure"])
        .assert()
        .success();
    let kim_fp = fingerprint(&s, s.config.path());
    s.bv_in(lou.path())
        .args([
            "vault",
            "share",
            "Work",
            "--email",
            "kim@example.com",
            "--role",
            "write",
            "--fingerprint",
            &kim_fp,
        ])
        .assert()
        .success();
    s.bv()
        .args(["item", "get", "Work/mine", "--field", "password"])
        .assert()
        .success()
        .stdout("own\n");
    s.bv()
        .args(["vault", "list"])
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "PENDING: shared by lou@example.com",
        ));
    s.bv()
        .args(["vault", "pending"])
        .assert()
        .success()
        .stdout(predicate::str::contains("lou@example.com"));
}

fn swapped_envelopes_refuse_edit_and_history_without_writing(b: Backend) {
    let s = Server::with_account_on("sw@example.com", b);
    s.bv()
        .args(["item", "add", "Work/a", "--password", "pa"])
        .assert()
        .success();
    s.bv()
        .args(["item", "add", "Work/b", "--password", "pb"])
        .assert()
        .success();
    s.bv()
        .args(["item", "edit", "Work/a", "--password", "pa2"])
        .assert()
        .success();
    // ids[0] is a, ids[1] is b (by path, from the listing).
    let list: serde_json::Value =
        serde_json::from_str(&s.out(&["--json", "item", "list", "Work"])).unwrap();
    let id_of = |p: &str| {
        list.as_array()
            .unwrap()
            .iter()
            .find(|i| i["path"] == p)
            .unwrap()["id"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let (ida, idb) = (id_of("Work/a"), id_of("Work/b"));
    let ids = [ida.as_str(), idb.as_str()];
    let env = |id: &str| s.sql(&format!("SELECT envelope FROM items WHERE id = '{id}'"));
    let (ea, eb) = (env(ids[0]), env(ids[1]));
    s.sql(&format!(
        "UPDATE items SET envelope = '{eb}' WHERE id = '{}'",
        ids[0]
    ));
    s.sql(&format!(
        "UPDATE items SET envelope = '{ea}' WHERE id = '{}'",
        ids[1]
    ));
    let writes = count(&s, "item.update");
    s.bv()
        .args(["item", "edit", ids[1], "--password", "x"])
        .assert()
        .code(2); // an id alone is not a path
    s.bv()
        .args([
            "item",
            "edit",
            &format!("Work/{}", ids[1]),
            "--password",
            "x",
        ])
        .assert()
        .code(4)
        .stderr(predicate::str::contains("failed its integrity check"));
    assert_eq!(count(&s, "item.update"), writes);
    // A history row swapped in from another item fails its context.
    s.sql(&format!(
        "UPDATE items SET envelope = '{ea}' WHERE id = '{}'",
        ids[0]
    ));
    s.sql(&format!(
        "UPDATE item_history SET envelope = '{eb}' WHERE item_id = '{}'",
        ids[0]
    ));
    s.bv()
        .args(["item", "history", "Work/a"])
        .assert()
        .code(4)
        .stderr(predicate::str::contains("revision 1"));
}

fn audit_log_verifies_here_and_a_rewrite_is_caught(b: Backend) {
    let s = Server::with_account_on("au@example.com", b);
    s.bv()
        .args(["item", "add", "Work/a", "--password", "pa"])
        .assert()
        .success();
    s.bv()
        .args(["audit", "--vault", "Work", "--verify"])
        .assert()
        .success()
        .stdout(predicate::str::contains("item.create"))
        .stdout(predicate::str::contains("chain verified"));
    // An edited entry breaks its hash.
    s.sql("UPDATE audit SET actor = 'someone-else' WHERE action = 'item.create'");
    s.bv()
        .args(["audit", "--vault", "Work", "--verify"])
        .assert()
        .code(4)
        .stdout(predicate::str::contains("CHAIN BROKEN"))
        .stderr(predicate::str::contains("hash does not match"));
    // Without --verify the entries are only listed.
    s.bv().args(["audit", "--vault", "Work"]).assert().success();
}

/// The hostile server rewrites an entry this client verified before and
/// recomputes every later hash and back-link, so the chain is
/// self-consistent again: the head remembered in audit-heads.json shows the
/// rewrite, and a refused chain is not remembered.
fn an_audit_chain_rewritten_and_rehashed_is_caught_by_the_remembered_head(b: Backend) {
    use blindvault::audit_chain::{entry_hash, Entry, GENESIS};
    let s = Server::with_account_on("ah@example.com", b);
    s.bv()
        .args(["item", "add", "Work/a", "--password", "pa"])
        .assert()
        .success();
    s.bv()
        .args(["audit", "--vault", "Work", "--verify"])
        .assert()
        .success();
    let heads = std::fs::read_to_string(s.config.path().join("audit-heads.json")).unwrap();
    let chain = s.sql("SELECT chain FROM audit WHERE action = 'item.create'");
    let (array, object) = match s.backend() {
        Backend::Sqlite => ("json_group_array", "json_object"),
        Backend::Postgres => ("json_agg", "json_build_object"),
    };
    let rows = s.sql(&format!(
        "SELECT {array}({object}('seq', seq, 'chain', chain, 'time', time, \
         'actor', actor, 'action', action, 'object', object, 'client', client, \
         'outcome', outcome, 'prev_hash', prev_hash, 'hash', hash)) \
         FROM (SELECT * FROM audit WHERE chain = '{chain}' ORDER BY seq) AS chain_rows"
    ));
    let mut entries: Vec<Entry> = serde_json::from_str(&rows).unwrap();
    assert!(entries.len() >= 2, "{rows}");
    assert!(heads.contains(&entries.last().unwrap().hash), "{heads}");
    // Entry 1 (vault.create) now names another actor; everything after is relinked.
    entries[0].actor = "account:someone-else".into();
    let mut prev = GENESIS.to_owned();
    for e in &mut entries {
        e.prev_hash = prev;
        e.hash = entry_hash(e);
        prev = e.hash.clone();
        s.sql(&format!(
            "UPDATE audit SET actor = '{}', prev_hash = '{}', hash = '{}' WHERE seq = {}",
            e.actor, e.prev_hash, e.hash, e.seq
        ));
    }
    s.bv()
        .args(["audit", "--vault", "Work", "--verify"])
        .assert()
        .code(4)
        .stdout(predicate::str::contains("CHAIN BROKEN"))
        .stderr(predicate::str::contains(
            "the entry verified before changed",
        ));
    assert_eq!(
        std::fs::read_to_string(s.config.path().join("audit-heads.json")).unwrap(),
        heads,
        "a refused chain is not remembered"
    );
}

fn a_new_machine_is_held_to_the_log_the_accounts_vault_list_anchors(b: Backend) {
    // `vault create` put the new vault's log head into the account's sealed
    // vault list along with the vault (SPEC § Vault list).
    let s = Server::with_account_on("ivy@example.com", b);
    s.bv()
        .args(["item", "add", "Work/db", "--password", "pw"])
        .assert()
        .success();
    let jon = s.person("jon@example.com");
    share_and_accept(&s, "Work", jon.path(), "jon@example.com", "read");
    let login = |dir: &std::path::Path| {
        s.bv_in(dir)
            .args(["login", "--email", "ivy@example.com"])
            .assert()
            .success();
    };
    // A machine of ivy's that never saw the vault opens it.
    let fresh = tempfile::tempdir().unwrap();
    login(fresh.path());
    s.bv_in(fresh.path())
        .args(["item", "get", "Work/db", "--field", "password"])
        .assert()
        .success()
        .stdout(predicate::str::contains("pw"));

    // The server drops the vault's log, so that it looks like a vault made
    // before member logs (whose copies nothing checks). A second new machine
    // has no anchor of its own and still refuses: the account's list has one.
    s.sql("DELETE FROM member_log");
    let other = tempfile::tempdir().unwrap();
    login(other.path());
    s.bv_in(other.path())
        .args(["item", "get", "Work/db", "--field", "password"])
        .assert()
        .failure()
        .stdout(predicate::str::contains("pw").not());
    s.bv_in(other.path())
        .args(["vault", "list"])
        .assert()
        .code(4)
        .stderr(predicate::str::contains("dropped"));
}

/// Every attack above against the server on SQLite and on PostgreSQL.
macro_rules! both_backends {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(#[test]
            fn $name() {
                super::$name(super::Backend::Sqlite)
            })*
        }
        mod postgres {
            $(#[test]
            fn $name() {
                super::$name(super::Backend::Postgres)
            })*
        }
    };
}

both_backends!(
    share_accept_members_and_remove_member_rotates_the_vault_key,
    a_membership_row_the_server_adds_is_refused_and_never_sealed_to,
    a_removal_the_server_does_not_carry_out_is_detected,
    forged_rewritten_or_truncated_logs_are_refused,
    identities_swapped_at_first_contact_or_later_are_refused,
    a_vault_shared_unasked_stays_pending,
    swapped_envelopes_refuse_edit_and_history_without_writing,
    audit_log_verifies_here_and_a_rewrite_is_caught,
    an_audit_chain_rewritten_and_rehashed_is_caught_by_the_remembered_head,
    a_new_machine_is_held_to_the_log_the_accounts_vault_list_anchors,
);
