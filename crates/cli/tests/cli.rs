//! `bv` against a real `blindvault-server`: every command, the exit codes
//! (1 error, 2 usage, 3 authentication, 4 integrity, 5 conflict), and the
//! refusal of tampered or downgraded server data.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use blindvault::encoding::b64u_decode;
use common::{Server, PASSWORD};
use predicates::prelude::*;
use serde_json::Value;

fn json_of(out: &[u8]) -> Value {
    serde_json::from_slice(out).expect("bv --json printed JSON")
}

#[test]
fn generate_passwords_and_passphrases() {
    let s = Server::start();
    let out = s
        .bv()
        .arg("generate")
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let pw = String::from_utf8(out).unwrap();
    assert_eq!(pw.strip_suffix('\n').unwrap().chars().count(), 20);

    let out = s
        .bv()
        .args(["generate", "--length", "32", "--no-symbols"])
        .assert()
        .success();
    let pw = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    let pw = pw.trim_end_matches('\n');
    assert_eq!(pw.len(), 32);
    assert!(
        pw.chars().all(|c| c.is_ascii_alphanumeric()),
        "{pw:?} has symbols"
    );

    let out = s.bv().args(["generate", "--words", "5"]).assert().success();
    let phrase = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    // Four EFF words carry a hyphen themselves (t-shirt, yo-yo, ...), so each
    // of the five words adds one or two pieces.
    let pieces = phrase.trim_end().split('-').count();
    assert!((5..=10).contains(&pieces), "{pieces} pieces");

    let out = s
        .bv()
        .args(["--json", "generate", "--words", "6"])
        .assert()
        .success();
    let v = json_of(&out.get_output().stdout);
    let bits = v["entropy_bits"].as_f64().unwrap();
    assert!(
        (bits - 77.5).abs() < 0.1,
        "six EFF words are ~77.5 bits, got {bits}"
    );

    // Out of range: the core refuses, a usage error.
    s.bv()
        .args(["generate", "--length", "4"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("length must be between 8 and 128"));
    // Not a number: clap's own usage error.
    s.bv().args(["generate", "--length", "x"]).assert().code(2);
}

#[test]
fn register_login_status_logout() {
    let s = Server::start();
    s.bv()
        .arg("status")
        .assert()
        .code(3)
        .stderr(predicate::str::contains("not logged in"));
    s.bv()
        .args(["account", "register", "--email", "ann@example.com"])
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "Registered and logged in as ann@example.com",
        ));
    s.bv()
        .arg("status")
        .assert()
        .success()
        .stdout(predicate::str::contains("Logged in as ann@example.com"));

    // The session file: mode 0600, and nothing in it but ids and the token.
    let path = s.config.path().join("session.json");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(!text.contains(PASSWORD));
    let v: Value = serde_json::from_str(&text).unwrap();
    let mut members: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
    members.sort_unstable();
    assert_eq!(
        members,
        ["account_id", "email", "expires_at", "server", "token"]
    );

    s.bv()
        .arg("logout")
        .assert()
        .success()
        .stdout("Logged out.\n");
    assert!(!path.exists());
    s.bv().arg("status").assert().code(3);

    let out = s
        .bv()
        .args(["--json", "login", "--email", "ann@example.com"])
        .assert()
        .success();
    assert_eq!(
        json_of(&out.get_output().stdout)["email"],
        "ann@example.com"
    );
    // The old token died with logout; the new one works.
    s.bv().args(["--json", "status"]).assert().success();

    // Registering the same email again is a conflict.
    s.bv()
        .args(["account", "register", "--email", "ann@example.com"])
        .assert()
        .code(5)
        .stderr(predicate::str::contains("already has an account"));
}

#[test]
fn wrong_master_password_is_an_authentication_error() {
    let s = Server::with_account("bob@example.com");
    s.bv()
        .args(["vault", "list"])
        .env("BV_PASSWORD", "not the password")
        .assert()
        .code(3)
        .stderr(predicate::str::contains("wrong master password"));
    s.bv().arg("logout").assert().success();
    s.bv()
        .args(["login", "--email", "bob@example.com"])
        .env("BV_PASSWORD", "not the password")
        .assert()
        .code(3)
        .stderr(predicate::str::contains("wrong email or master password"));
    // --password-stdin: the first line of stdin, without its newline.
    s.bv()
        .args(["--password-stdin", "login", "--email", "bob@example.com"])
        .env_remove("BV_PASSWORD")
        .write_stdin(format!("{PASSWORD}\n"))
        .assert()
        .success();
}

#[test]
fn vaults_and_every_item_kind() {
    let s = Server::with_account("cy@example.com");
    s.bv().args(["vault", "create", "Home"]).assert().success();
    s.bv()
        .args(["vault", "list"])
        .assert()
        .success()
        .stdout(predicate::str::is_match("^Work\towner\t[A-Za-z0-9_-]+\nHome\towner\t").unwrap());

    s.bv()
        .args([
            "item",
            "add",
            "Work/github",
            "--username",
            "alice",
            "--password",
            "hunter2 x",
            "--url",
            "https://github.com",
            "--field",
            "region=eu",
        ])
        .assert()
        .success();
    s.bv()
        .args([
            "item",
            "add",
            "Work/pg",
            "--type",
            "database",
            "--host",
            "db.local",
            "--port",
            "5432",
            "--database",
            "app",
            "--username",
            "app",
            "--generate",
        ])
        .assert()
        .success();
    s.bv()
        .args([
            "item",
            "add",
            "Work/memo",
            "--type",
            "note",
            "--note",
            "line one",
        ])
        .assert()
        .success();
    s.bv()
        .args([
            "item",
            "add",
            "Home/box",
            "--type",
            "ssh",
            "--host",
            "h.example",
            "--username",
            "root",
            "--password",
            "keypass",
        ])
        .assert()
        .success();

    s.bv()
        .args(["item", "list"])
        .assert()
        .success()
        .stdout("Work/github\tlogin\talice\nWork/memo\tnote\t\nWork/pg\tdatabase\tapp@db.local\nHome/box\tssh\troot@h.example\n");

    // Exactly the value and one newline: $(bv item get … --field password) is the value.
    s.bv()
        .args(["item", "get", "Work/github", "--field", "password"])
        .assert()
        .success()
        .stdout("hunter2 x\n");
    s.bv()
        .args(["item", "get", "Work/github", "--field", "region"])
        .assert()
        .success()
        .stdout("eu\n");
    let out = s
        .bv()
        .args(["item", "get", "Work/pg", "--field", "password"])
        .assert()
        .success();
    assert_eq!(
        out.get_output().stdout.len(),
        21,
        "a generated 20-character password"
    );

    // Secrets are masked unless asked for.
    s.bv()
        .args(["item", "get", "Work/github"])
        .assert()
        .success()
        .stdout(predicate::str::contains("username: alice"))
        .stdout(predicate::str::contains("hunter2").not());
    let out = s
        .bv()
        .args(["--json", "item", "get", "Home/box", "--reveal"])
        .assert()
        .success();
    let v = json_of(&out.get_output().stdout);
    assert_eq!(v["fields"]["passphrase"], "keypass");
    assert_eq!(v["fields"]["host"], "h.example");
    s.bv()
        .args(["item", "get", "Work/memo", "--field", "nope"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("no field"));

    // The wire format is the web vault's: BASE64URL(UTF-8(item blob JSON)),
    // with the SPEC § Web vault payload members inside.
    let envelope = s.sql("SELECT envelope FROM items ORDER BY seq LIMIT 1");
    let blob: Value = serde_json::from_slice(&b64u_decode(&envelope, "test").unwrap()).unwrap();
    let mut members: Vec<&str> = blob
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    members.sort_unstable();
    assert_eq!(members, ["details", "home", "key", "overview", "v"]);
    let out = s
        .bv()
        .args(["--json", "item", "list", "Work"])
        .assert()
        .success();
    let rows = json_of(&out.get_output().stdout);
    let pg = rows
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["overview"]["name"] == "pg")
        .unwrap();
    assert_eq!(
        pg["overview"],
        serde_json::json!({"kind": "database", "name": "pg", "host": "db.local",
                           "port": "5432", "database": "app", "username": "app"})
    );

    s.bv().args(["item", "rm", "Work/memo"]).assert().success();
    s.bv()
        .args(["item", "list", "Work"])
        .assert()
        .success()
        .stdout(predicate::str::contains("memo").not());
    s.bv().args(["item", "get", "Work/memo"]).assert().code(1);
}

#[test]
fn usage_errors_exit_2() {
    let s = Server::with_account("dee@example.com");
    s.bv()
        .args(["item", "add", "Work//x", "--type", "note"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no empty segments"));
    s.bv()
        .args([
            "item",
            "add",
            "Work/x",
            "--type",
            "note",
            "--url",
            "https://a",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "--url does not apply to a note item",
        ));
    s.bv()
        .args(["item", "add", "Work/x", "--password", "a", "--generate"])
        .assert()
        .code(2);
    s.bv().args(["item", "frobnicate"]).assert().code(2);
}

#[test]
fn conflicts_exit_5() {
    let s = Server::with_account("eve@example.com");
    s.bv()
        .args([
            "item",
            "add",
            "Work/one",
            "--type",
            "note",
            "--id",
            "fixed-id-1",
        ])
        .assert()
        .success();
    // Same id, other name: the server answers 409.
    s.bv()
        .args([
            "item",
            "add",
            "Work/two",
            "--type",
            "note",
            "--id",
            "fixed-id-1",
        ])
        .assert()
        .code(5)
        .stderr(predicate::str::contains("conflict"));
    // Same name: refused before sending.
    s.bv()
        .args(["item", "add", "Work/one", "--type", "note"])
        .assert()
        .code(5)
        .stderr(predicate::str::contains("already exists"));
}

#[test]
fn swapped_item_envelopes_fail_integrity() {
    let s = Server::with_account("fay@example.com");
    s.bv()
        .args(["item", "add", "Work/a", "--password", "pa"])
        .assert()
        .success();
    s.bv()
        .args(["item", "add", "Work/b", "--password", "pb"])
        .assert()
        .success();
    s.bv()
        .args(["item", "add", "Work/c", "--password", "pc"])
        .assert()
        .success();
    // The server swaps the ciphertexts of a and b.
    let ids = s.sql("SELECT id FROM items ORDER BY seq");
    let ids: Vec<&str> = ids.lines().collect();
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
    s.bv()
        .args(["item", "get", "Work/a", "--field", "password"])
        .assert()
        .code(4)
        .stdout("")
        .stderr(predicate::str::contains("failed its integrity check"));
    // The list shows what still opens, and says what did not.
    s.bv()
        .args(["item", "list", "Work"])
        .assert()
        .code(4)
        .stdout("Work/c\tlogin\t\n")
        .stderr(predicate::str::contains("2 object(s) were not shown"))
        .stderr(predicate::str::contains("context mismatch"));
    s.bv()
        .args(["item", "get", "Work/c", "--field", "password"])
        .assert()
        .success()
        .stdout("pc\n");
}

#[test]
fn downgraded_kdf_is_refused_before_anything_is_sent() {
    let s = Server::with_account("gus@example.com");
    s.bv().arg("logout").assert().success();
    let logins = || s.sql("SELECT count(*) FROM audit WHERE action = 'account.login'");
    let before = logins();
    // The server lowers the account's iterations below the 600 000 floor.
    s.sql("UPDATE accounts SET kdf_iterations = 100000");
    s.bv()
        .args(["login", "--email", "gus@example.com"])
        .assert()
        .code(4)
        .stderr(predicate::str::contains("KDF iterations 100000 are below"))
        .stderr(predicate::str::contains(
            "nothing derived from the password was sent",
        ));
    // No login attempt (ok or denied) reached the server: no auth key was sent.
    assert_eq!(logins(), before);
    assert_eq!(s.sql("SELECT count(*) FROM sessions"), "0");
}

#[test]
fn downgraded_kdf_is_refused_in_a_session() {
    let s = Server::with_account("hal@example.com");
    s.sql("UPDATE accounts SET kdf_iterations = 599999");
    s.bv()
        .args(["vault", "list"])
        .assert()
        .code(4)
        .stderr(predicate::str::contains(
            "refusing the server's KDF parameters",
        ));
}

#[test]
fn tampered_vault_name_fails_integrity() {
    let s = Server::with_account("ida@example.com");
    s.bv().args(["vault", "create", "Home"]).assert().success();
    // Give Work the sealed name of Home: its context names the other vault.
    s.sql(
        "UPDATE vaults SET name = (SELECT name FROM vaults ORDER BY seq DESC LIMIT 1) \
           WHERE seq = (SELECT min(seq) FROM vaults)",
    );
    s.bv()
        .args(["vault", "list"])
        .assert()
        .code(4)
        .stdout(predicate::str::contains("Home"))
        .stdout(predicate::str::contains("Work").not())
        .stderr(predicate::str::contains("failed its integrity check"));
}

#[test]
fn expired_session_is_an_authentication_error() {
    let s = Server::with_account("jo@example.com");
    s.sql("DELETE FROM sessions");
    s.bv()
        .arg("status")
        .assert()
        .code(3)
        .stderr(predicate::str::contains("run `bv login`"));
}
