//! `vault share / members / remove-member` (with the key rotation), and the
//! hostile-server cases of the issue: a member's public key replaced, item
//! envelopes swapped, the audit chain rewritten. Each exits 4 with a clear
//! message, and the server's own audit log shows nothing was sent first.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::Server;
use predicates::prelude::*;

fn count(s: &Server, action: &str) -> String {
    s.sql(&format!(
        "SELECT count(*) FROM audit WHERE action LIKE '{action}'"
    ))
}

#[test]
fn share_members_and_remove_member_rotates_the_vault_key() {
    let s = Server::with_account("ann@example.com");
    s.bv()
        .args(["item", "add", "Work/ops/db", "--password", "pw1"])
        .assert()
        .success();
    let bob = s.person("bob@example.com");
    let carl = s.person("carl@example.com");
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
        .success()
        .stderr(
            predicate::str::is_match(
                "bob@example.com's key fingerprint: (\\d{4} ){7}\\d{4} \\(pinned now\\)",
            )
            .unwrap(),
        );
    s.bv()
        .args([
            "vault",
            "share",
            "Work",
            "--email",
            "carl@example.com",
            "--role",
            "read",
        ])
        .assert()
        .success();
    // Bob opens the HPKE-wrapped key and writes; Carl reads.
    s.bv_in(bob.path())
        .args(["item", "get", "Work/ops/db", "--field", "password"])
        .assert()
        .success()
        .stdout("pw1\n");
    s.bv_in(bob.path())
        .args(["item", "add", "Work/bobs", "--password", "b"])
        .assert()
        .success();
    let members = s.out(&["vault", "members", "Work"]);
    assert_eq!(members.lines().count(), 3, "{members}");
    assert!(members.contains("carl@example.com\tread\t"));

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

#[test]
fn replaced_member_public_key_is_refused_before_anything_is_sent() {
    let s = Server::with_account("amy@example.com");
    let _bea = s.person("bea@example.com");
    let _cy = s.person("cy@example.com");
    s.bv()
        .args([
            "vault",
            "share",
            "Work",
            "--email",
            "bea@example.com",
            "--role",
            "read",
        ])
        .assert()
        .success();
    s.bv()
        .args([
            "vault",
            "share",
            "Work",
            "--email",
            "cy@example.com",
            "--role",
            "read",
        ])
        .assert()
        .success();
    // The server gives Bea's account Cy's public key (whose private key the
    // attacker might hold).
    s.sql(
        "UPDATE accounts SET public_key = (SELECT public_key FROM accounts WHERE email = 'cy@example.com') \
         WHERE email = 'bea@example.com'",
    );
    let upserts = count(&s, "member.put.%");
    let removes = count(&s, "member.remove");
    s.bv()
        .args([
            "vault",
            "share",
            "Work",
            "--email",
            "bea@example.com",
            "--role",
            "write",
        ])
        .assert()
        .code(4)
        .stderr(predicate::str::contains(
            "different public key for bea@example.com",
        ));
    s.bv()
        .args(["vault", "members", "Work"])
        .assert()
        .code(4)
        .stdout(predicate::str::contains("KEY CHANGED"));
    // Removing Cy would re-wrap the new key for Bea: refused before the removal.
    s.bv()
        .args([
            "vault",
            "remove-member",
            "Work",
            "--email",
            "cy@example.com",
        ])
        .assert()
        .code(4);
    assert_eq!(count(&s, "member.put.%"), upserts);
    assert_eq!(count(&s, "member.remove"), removes);
    assert_eq!(count(&s, "vault.rotate"), "0");
}

#[test]
fn swapped_envelopes_refuse_edit_and_history_without_writing() {
    let s = Server::with_account("sw@example.com");
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

#[test]
fn audit_log_verifies_here_and_a_rewrite_is_caught() {
    let s = Server::with_account("au@example.com");
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
