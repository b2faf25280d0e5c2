//! `bv rotate postgres|mysql` against a real vault server, the real
//! PostgreSQL and the real MariaDB (see rotate_support for the URLs): a
//! rotated role logs in with the new password and not the old one; a crash
//! between any two steps, or the vault server going away right after the
//! ALTER, is resolved by the next run; summaries reach a local webhook and
//! a local SMTP sink without any password in them.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
mod rotate_support;

use common::Server;
use rotate_support::{receivers, unique, My, Pg, Proxy};
use serde_json::Value;

const STEPS: [&str; 5] = [
    "generated",
    "pending-stored",
    "altered",
    "verified",
    "committed",
];

struct Db<'a> {
    engine: &'a str,
    host: String,
    port: u16,
    database: String,
}

impl Db<'_> {
    fn pg(pg: &Pg) -> Db<'static> {
        Db {
            engine: "postgres",
            host: pg.url.host.clone(),
            port: pg.url.port,
            database: pg.url.db.clone(),
        }
    }
    fn my(my: &My) -> Db<'static> {
        Db {
            engine: "mysql",
            host: my.url.host.clone(),
            port: my.url.port,
            database: my.url.db.clone(),
        }
    }
}

fn bv(s: &Server, server_url: &str) -> assert_cmd::Command {
    let mut cmd = s.bv();
    cmd.env("BV_SERVER", server_url);
    cmd
}

fn add_item(s: &Server, url: &str, path: &str, db: &Db, user: &str, password: &str) {
    bv(s, url)
        .args([
            "item",
            "add",
            path,
            "--type",
            "database",
            "--username",
            user,
        ])
        .args(["--password", password, "--host", &db.host])
        .args(["--port", &db.port.to_string(), "--database", &db.database])
        .assert()
        .success();
}

fn vault_password(s: &Server, url: &str, path: &str) -> String {
    let out = bv(s, url)
        .args(["item", "get", path, "--field", "password"])
        .assert()
        .success();
    let text = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    text.strip_suffix('\n').unwrap().to_owned()
}

/// `bv --json rotate ENGINE PATH ARGS…`: exit code and the summary.
fn rotate(
    s: &Server,
    url: &str,
    engine: &str,
    path: &str,
    args: &[&str],
) -> (Option<i32>, Value, String) {
    let out = bv(s, url)
        .args(["--json", "rotate", engine, path])
        .args(args)
        .output()
        .unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    let summary = serde_json::from_str(&stdout).unwrap_or(Value::Null);
    (out.status.code(), summary, stdout)
}

/// `bv --json rotate ENGINE FOLDER` stopped right after `step`: returns once
/// it is waiting there; deleting the returned file lets it go on.
fn spawn_paused(
    s: &Server,
    url: &str,
    engine: &str,
    folder: &str,
    step: &str,
) -> (std::process::Child, std::path::PathBuf) {
    let pause_path = s.config.path().join(format!("pause-{}", unique("p")));
    let child = std::process::Command::new(assert_cmd::cargo::cargo_bin("bv"))
        .env_clear()
        .env("BV_SERVER", url)
        .env("BV_CONFIG_DIR", s.config.path())
        .env("BV_PASSWORD", common::PASSWORD)
        .env("BV_TEST_PAUSE_AFTER", step)
        .env("BV_TEST_PAUSE_FILE", &pause_path)
        .args(["--json", "rotate", engine, folder])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while !pause_path.exists() {
        assert!(
            std::time::Instant::now() < deadline,
            "bv never reached {step}"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    (child, pause_path)
}

fn world(email: &str) -> (Server, String) {
    let s = Server::with_account(email);
    let url = s.url.clone();
    (s, url)
}

#[test]
fn postgres_roles_rotate_and_the_old_password_stops_working() {
    let pg = Pg::connect();
    let db = Db::pg(&pg);
    let (s, url) = world("pg@example.com");
    // Role names come from the vault: one of them is built to break out of
    // a badly quoted identifier.
    let plain = unique("bvr");
    let hostile = format!("{}\"; DROP ROLE x; --'", unique("bvr"));
    let outside = unique("bvr");
    for (r, pw) in [
        (&plain, "old plain 1"),
        (&hostile, "old 'hostile' 2"),
        (&outside, "old outside 3"),
    ] {
        pg.create_role(r, pw);
    }
    add_item(
        &s,
        &url,
        "Work/prod/databases/orders",
        &db,
        &plain,
        "old plain 1",
    );
    add_item(
        &s,
        &url,
        "Work/prod/databases/legacy",
        &db,
        &hostile,
        "old 'hostile' 2",
    );
    add_item(
        &s,
        &url,
        "Work/staging/other",
        &db,
        &outside,
        "old outside 3",
    );
    bv(&s, &url)
        .args([
            "item",
            "add",
            "Work/prod/databases/nohost",
            "--type",
            "database",
        ])
        .args(["--username", "x", "--password", "y"])
        .assert()
        .success();

    let (code, dry, _) = rotate(&s, &url, "postgres", "Work/prod", &["--dry-run"]);
    assert_eq!(code, Some(0), "{dry}");
    assert_eq!(
        (dry["checked"].as_u64(), dry["skipped"].as_u64()),
        (Some(2), Some(1)),
        "{dry}"
    );
    assert!(
        pg.password_is(&plain, "old plain 1"),
        "--dry-run changed a password"
    );

    let (code, sum, stdout) = rotate(&s, &url, "postgres", "Work/prod", &[]);
    assert_eq!(code, Some(0), "{sum}");
    assert_eq!(
        (
            sum["rotated"].as_u64(),
            sum["skipped"].as_u64(),
            sum["failed"].as_u64()
        ),
        (Some(2), Some(1), Some(0)),
        "{sum}"
    );
    for (role, path, old) in [
        (&plain, "Work/prod/databases/orders", "old plain 1"),
        (&hostile, "Work/prod/databases/legacy", "old 'hostile' 2"),
    ] {
        let new = vault_password(&s, &url, path);
        assert_ne!(new, old);
        assert!(
            pg.password_is(role, &new),
            "{role}: the vault's new password is not set"
        );
        assert!(
            !pg.password_is(role, old),
            "{role}: the old password still works"
        );
        assert!(
            !stdout.contains(&new) && !stdout.contains(old),
            "a password in the summary"
        );
    }
    // The old password is kept in the item's history (server-side envelopes).
    let history = bv(&s, &url)
        .args(["item", "history", "Work/prod/databases/orders", "--reveal"])
        .assert()
        .success();
    let history = String::from_utf8(history.get_output().stdout.clone()).unwrap();
    assert!(history.contains("old plain 1"), "{history}");
    assert!(
        pg.password_is(&outside, "old outside 3"),
        "an item outside PATH was rotated"
    );
    assert_eq!(
        vault_password(&s, &url, "Work/staging/other"),
        "old outside 3"
    );
}

#[test]
fn mysql_users_rotate_and_the_summary_reaches_a_webhook_and_a_mailbox() {
    let my = My::connect();
    let db = Db::my(&my);
    let (s, url) = world("my@example.com");
    let user = unique("bvr");
    // Quote and backslash: the ALTER USER literal must survive both.
    let old = r"old'my\pass 1";
    my.create_user(&user, old);
    add_item(&s, &url, "Work/db/app", &db, &user, old);

    let hook = receivers::webhook();
    let (code, sum, _) = rotate(
        &s,
        &url,
        "mysql",
        "Work/db",
        &["--notify", &format!("http://127.0.0.1:{}/hook", hook.port)],
    );
    assert_eq!(code, Some(0), "{sum}");
    assert_eq!(sum["rotated"].as_u64(), Some(1), "{sum}");
    let new = vault_password(&s, &url, "Work/db/app");
    assert!(my.logs_in(&user, &new), "the new password does not log in");
    assert!(!my.logs_in(&user, old), "the old password still logs in");

    let posted = hook.take();
    assert!(posted.starts_with("POST /hook "), "{posted}");
    let body: Value = serde_json::from_str(posted.split_once('\n').unwrap().1).unwrap();
    let text = body["text"].as_str().unwrap();
    assert!(
        text.contains("1 rotated") && text.contains("Work/db/app"),
        "{text}"
    );
    assert!(
        !posted.contains(&new) && !posted.contains(old),
        "a password in the webhook"
    );

    let sink = receivers::smtp_sink();
    let out = bv(&s, &url)
        .args([
            "rotate",
            "mysql",
            "Work/db",
            "--notify",
            "mailto:ops@example.com",
        ])
        .env("BV_SMTP_URL", format!("smtp://127.0.0.1:{}", sink.port))
        .assert()
        .success();
    let newer = vault_password(&s, &url, "Work/db/app");
    assert!(my.logs_in(&user, &newer) && !my.logs_in(&user, &new));
    let mail = sink.take();
    assert!(mail.contains("RCPT TO:<ops@example.com>"), "{mail}");
    assert!(mail.contains("1 rotated"), "{mail}");
    for pw in [old, &new, &newer] {
        assert!(!mail.contains(pw), "a password in the mail");
    }
    assert!(!String::from_utf8_lossy(&out.get_output().stdout).contains(&newer));

    // A typo in --notify or a missing BV_SMTP_URL stops before any change.
    bv(&s, &url)
        .args(["rotate", "mysql", "Work/db", "--notify", "ops@example.com"])
        .assert()
        .code(2);
    bv(&s, &url)
        .args([
            "rotate",
            "mysql",
            "Work/db",
            "--notify",
            "mailto:ops@example.com",
        ])
        .assert()
        .code(2);
    assert!(my.logs_in(&user, &newer));
}

/// Kills `bv` (abort, as `kill -9`) right after each step in turn; the
/// next run must leave the vault holding the password the database has.
#[test]
fn a_crash_between_any_two_steps_is_resolved_by_the_next_run() {
    let pg = Pg::connect();
    let my = My::connect();
    let (s, url) = world("crash@example.com");
    for db in [Db::pg(&pg), Db::my(&my)] {
        for step in STEPS {
            let role = unique("bvr");
            let old = format!("old {step}");
            match db.engine {
                "postgres" => pg.create_role(&role, &old),
                _ => my.create_user(&role, &old),
            }
            let folder = format!("Work/{}-{step}", db.engine);
            let path = format!("{folder}/db");
            add_item(&s, &url, &path, &db, &role, &old);
            let crashed = bv(&s, &url)
                .args(["rotate", db.engine, &folder])
                .env("BV_TEST_CRASH_AFTER", step)
                .output()
                .unwrap();
            assert!(
                crashed.status.code().is_none(),
                "{} {step}: bv did not abort: {}{}",
                db.engine,
                String::from_utf8_lossy(&crashed.stdout),
                String::from_utf8_lossy(&crashed.stderr)
            );

            let (code, sum, _) = rotate(&s, &url, db.engine, &folder, &[]);
            assert_eq!(code, Some(0), "{} {step}: {sum}", db.engine);
            assert_eq!(
                sum["rotated"].as_u64(),
                Some(1),
                "{} {step}: {sum}",
                db.engine
            );
            let reason = sum["items"][0]["reason"].as_str().unwrap_or("");
            if matches!(step, "altered" | "verified") {
                assert!(reason.contains("interrupted"), "{step}: {reason}");
            }
            let held = vault_password(&s, &url, &path);
            assert_ne!(held, old);
            let (works, old_works) = match db.engine {
                "postgres" => (pg.password_is(&role, &held), pg.password_is(&role, &old)),
                _ => (my.logs_in(&role, &held), my.logs_in(&role, &old)),
            };
            assert!(
                works,
                "{} {step}: the vault's password is not the database's",
                db.engine
            );
            assert!(
                !old_works,
                "{} {step}: the old password still works",
                db.engine
            );
        }
    }
}

/// The vault server becomes unreachable right after ALTER: the database
/// password is put back (the vault's `password` keeps working), and the
/// next run clears the stale pending one and rotates.
#[test]
fn the_vault_going_away_after_alter_is_recovered() {
    let pg = Pg::connect();
    let my = My::connect();
    let s = Server::start();
    let proxy = Proxy::start(&s.url);
    let url = proxy.url.clone();
    bv(&s, &url)
        .args(["account", "register", "--email", "down@example.com"])
        .assert()
        .success();
    bv(&s, &url)
        .args(["vault", "create", "Work"])
        .assert()
        .success();
    for db in [Db::pg(&pg), Db::my(&my)] {
        let role = unique("bvr");
        let old = "old before the outage";
        match db.engine {
            "postgres" => pg.create_role(&role, old),
            _ => my.create_user(&role, old),
        }
        let folder = format!("Work/{}", db.engine);
        let path = format!("{folder}/db");
        add_item(&s, &url, &path, &db, &role, old);
        let (child, pause_path) = spawn_paused(&s, &url, db.engine, &folder, "altered");
        proxy.cut();
        std::fs::remove_file(&pause_path).unwrap();
        let out = child.wait_with_output().unwrap();
        let sum: Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(out.status.code(), Some(1), "{sum}");
        let reason = sum["items"][0]["reason"].as_str().unwrap();
        assert!(reason.contains("put back"), "{reason}");
        let old_works = match db.engine {
            "postgres" => pg.password_is(&role, old),
            _ => my.logs_in(&role, old),
        };
        assert!(
            old_works,
            "{}: the database password was not put back",
            db.engine
        );

        proxy.restore();
        let (code, sum, _) = rotate(&s, &url, db.engine, &folder, &[]);
        assert_eq!(code, Some(0), "{sum}");
        assert_eq!(sum["rotated"].as_u64(), Some(1), "{sum}");
        // The outage left the unused new password pending: found and cleared.
        assert!(
            sum["items"][0]["reason"]
                .as_str()
                .unwrap()
                .contains("stale pending"),
            "{sum}"
        );
        let held = vault_password(&s, &url, &path);
        let (works, old_works) = match db.engine {
            "postgres" => (pg.password_is(&role, &held), pg.password_is(&role, old)),
            _ => (my.logs_in(&role, &held), my.logs_in(&role, old)),
        };
        assert!(works && !old_works, "{}: after the rerun", db.engine);
    }
}

/// Unattended, as cron runs it: a write token in BV_TOKEN, no master
/// password. Then an edit from another client between the ALTER and the
/// commit: the commit's 409 is not retried, the old password is put back
/// (it is what the vault's `password` says) and `bv` exits 5.
#[test]
fn a_service_token_rotates_and_a_concurrent_edit_is_a_conflict() {
    let my = My::connect();
    let db = Db::my(&my);
    let (s, url) = world("token@example.com");
    let user = unique("bvr");
    let old = "old before the token";
    my.create_user(&user, old);
    add_item(&s, &url, "Work/db/app", &db, &user, old);
    let out = bv(&s, &url)
        .args([
            "token", "create", "cron", "--vault", "Work", "--role", "write",
        ])
        .assert()
        .success();
    let token = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    let out = bv(&s, &url)
        .env_remove("BV_PASSWORD")
        .env("BV_TOKEN", token.trim())
        .args(["--json", "rotate", "mysql", "Work/db"])
        .output()
        .unwrap();
    let sum: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(out.status.code(), Some(0), "{sum}");
    assert_eq!(sum["rotated"].as_u64(), Some(1), "{sum}");
    let new = vault_password(&s, &url, "Work/db/app");
    assert!(my.logs_in(&user, &new) && !my.logs_in(&user, old));

    let (child, pause) = spawn_paused(&s, &url, "mysql", "Work/db", "verified");
    bv(&s, &url)
        .args(["item", "edit", "Work/db/app", "--note", "edited meanwhile"])
        .assert()
        .success();
    std::fs::remove_file(&pause).unwrap();
    let out = child.wait_with_output().unwrap();
    let sum: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(out.status.code(), Some(5), "{sum}");
    assert_eq!(sum["items"][0]["conflict"], Value::Bool(true), "{sum}");
    assert!(
        sum["items"][0]["reason"]
            .as_str()
            .unwrap()
            .contains("put back"),
        "{sum}"
    );
    assert_eq!(vault_password(&s, &url, "Work/db/app"), new);
    assert!(
        my.logs_in(&user, &new),
        "the password the vault holds does not log in"
    );

    let (code, sum, _) = rotate(&s, &url, "mysql", "Work/db", &[]);
    assert_eq!(code, Some(0), "{sum}");
    let newest = vault_password(&s, &url, "Work/db/app");
    assert!(my.logs_in(&user, &newest) && !my.logs_in(&user, &new));
}
