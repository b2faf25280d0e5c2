//! `item edit` / `item history`, folders and recursive listing, and service
//! tokens (`token create/list/revoke`, `BV_TOKEN`), against a real server.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::Server;
use predicates::prelude::*;
use serde_json::Value;

fn json_of(out: &[u8]) -> Value {
    serde_json::from_slice(out).expect("bv --json printed JSON")
}

#[test]
fn edit_history_folders_and_recursive_list() {
    let s = Server::with_account("ed@example.com");
    s.bv()
        .args([
            "item",
            "add",
            "Work/prod/db/orders",
            "--type",
            "database",
            "--username",
            "app",
            "--password",
            "p1",
            "--host",
            "db1",
            "--port",
            "5432",
            "--database",
            "orders",
        ])
        .assert()
        .success();
    s.bv()
        .args([
            "item",
            "add",
            "Work/prod/web",
            "--username",
            "w",
            "--password",
            "w1",
        ])
        .assert()
        .success();
    s.bv()
        .args(["item", "add", "Work/top", "--password", "t"])
        .assert()
        .success();
    // Folders were made on demand: "prod/db" and "prod" (flat, by full path).
    assert_eq!(s.sql("SELECT count(*) FROM folders"), "2");
    assert_eq!(
        s.out(&["item", "list", "Work/prod"]),
        "Work/prod/db/orders\tdatabase\tapp@db1\nWork/prod/web\tlogin\tw\n"
    );
    assert_eq!(
        s.out(&["item", "list", "Work/prod/db"]),
        "Work/prod/db/orders\tdatabase\tapp@db1\n"
    );
    assert_eq!(s.out(&["item", "list", "Work"]).lines().count(), 3);
    // The same name in another folder is another item.
    s.bv()
        .args(["item", "add", "Work/prod/top", "--password", "t2"])
        .assert()
        .success();
    assert_eq!(
        s.out(&["item", "get", "Work/top", "--field", "password"]),
        "t\n"
    );
    assert_eq!(
        s.out(&["item", "get", "Work/prod/top", "--field", "password"]),
        "t2\n"
    );

    // Edit: revision-based; unchanged fields stay.
    s.bv()
        .args(["item", "edit", "Work/prod/db/orders", "--password", "p2"])
        .assert()
        .success()
        .stdout(predicate::str::contains("revision 2"));
    let got = s
        .bv()
        .args(["--json", "item", "get", "Work/prod/db/orders"])
        .assert()
        .success();
    let v = json_of(&got.get_output().stdout);
    assert_eq!(v["revision"], 2);
    assert_eq!(v["fields"]["host"], "db1");
    assert_eq!(
        s.out(&["item", "get", "Work/prod/db/orders", "--field", "password"]),
        "p2\n"
    );

    // A write based on an old revision is refused (exit 5), nothing overwritten.
    s.bv()
        .args([
            "item",
            "edit",
            "Work/prod/db/orders",
            "--password",
            "p3",
            "--if-revision",
            "1",
        ])
        .assert()
        .code(5)
        .stderr(predicate::str::contains("stale write refused"));
    assert_eq!(
        s.out(&["item", "get", "Work/prod/db/orders", "--field", "password"]),
        "p2\n"
    );

    // Kind cannot change; an edit needs something to change.
    s.bv()
        .args(["item", "edit", "Work/prod/db/orders", "--type", "login"])
        .assert()
        .code(2);
    s.bv()
        .args(["item", "edit", "Work/prod/db/orders"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("nothing to change"));
    s.bv()
        .args(["item", "edit", "Work/prod/db/orders", "--field", "env=prod"])
        .assert()
        .success();
    assert_eq!(
        s.out(&["item", "get", "Work/prod/db/orders", "--field", "env"]),
        "prod\n"
    );

    // History: newest first, old passwords kept.
    assert_eq!(
        s.out(&[
            "item",
            "history",
            "Work/prod/db/orders",
            "--field",
            "password"
        ]),
        "2\tp2\n1\tp1\n"
    );
    let h = s
        .bv()
        .args(["--json", "item", "history", "Work/prod/db/orders"])
        .assert()
        .success();
    let h = json_of(&h.get_output().stdout);
    assert_eq!(h.as_array().unwrap().len(), 2);
    assert!(
        h[0]["fields"].get("password").is_none(),
        "secrets hidden without --reveal"
    );
}

#[test]
fn token_reads_without_master_password_and_server_sees_only_auth_half() {
    let s = Server::with_account("tom@example.com");
    s.bv()
        .args([
            "item",
            "add",
            "Work/db",
            "--type",
            "database",
            "--password",
            "s3cret",
        ])
        .assert()
        .success();
    let token = s.out(&[
        "token", "create", "cron", "--vault", "Work", "--role", "read",
    ]);
    let token = token.trim_end().to_owned();
    let parts: Vec<&str> = token.split('.').collect();
    assert_eq!(parts.len(), 4, "bvst.<id>.<secret>.<key>");
    assert_eq!(parts[0], "bvst");
    // The key half is nowhere on the server.
    let dump = std::process::Command::new("sqlite3")
        .arg(s.db())
        .arg(".dump")
        .output()
        .unwrap();
    let dump = String::from_utf8_lossy(&dump.stdout);
    assert!(!dump.contains(parts[3]), "the token key reached the server");
    assert!(
        !dump.contains(parts[2]),
        "the token secret is stored in clear"
    );

    // Unattended: no session, no master password.
    let empty = tempfile::tempdir().unwrap();
    let with_token = || {
        let mut c = s.bv_in(empty.path());
        c.env_remove("BV_PASSWORD").env("BV_TOKEN", &token);
        c
    };
    with_token()
        .args(["item", "get", "Work/db", "--field", "password"])
        .assert()
        .success()
        .stdout("s3cret\n");
    // A read token cannot write; minting tokens needs an account.
    with_token()
        .args(["item", "add", "Work/x", "--password", "y"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("permission denied"));
    with_token()
        .args(["token", "create", "t2", "--vault", "Work", "--role", "read"])
        .assert()
        .code(2);
    // A damaged token is a usage error that does not echo it.
    with_token()
        .env("BV_TOKEN", "bvst.x.y")
        .args(["item", "list"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("bvst.x.y").not());

    assert!(s.out(&["token", "list"]).starts_with("cron\t"));
    s.bv().args(["token", "revoke", "cron"]).assert().success();
    with_token()
        .args(["item", "get", "Work/db", "--field", "password"])
        .assert()
        .code(3);
    s.bv().args(["token", "revoke", "cron"]).assert().code(1);
}
