//! `bv share` against a real server: text and file round trips, burn after
//! reading, passphrases, early deletion, and a tampered stored ciphertext.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::Server;

fn create(s: &Server, args: &[&str], stdin: &str) -> (String, String) {
    let out = s
        .bv()
        .args(["share", "create"])
        .args(args)
        .write_stdin(stdin)
        .assert()
        .success();
    let text = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    let mut lines = text.lines();
    let link = lines.next().unwrap().to_string();
    let delete = lines
        .next()
        .unwrap()
        .rsplit(' ')
        .next()
        .unwrap()
        .to_string();
    assert!(link.starts_with(&format!("{}/s/#", s.url)), "{link}");
    // The core's parser (what the pages and `bv share open` use) reads both back.
    use blindvault::share_link::{parse_link, Fragment};
    let parsed = parse_link(&link).unwrap();
    assert_eq!(parsed.origin, s.url);
    assert!(matches!(parsed.fragment, Fragment::Share { .. }), "{link}");
    let parsed = parse_link(&delete).unwrap();
    assert!(matches!(parsed.fragment, Fragment::Delete { .. }));
    (link, delete)
}

#[test]
fn text_share_burns_after_reading() {
    let s = Server::with_account("share-a@example.test");
    let (link, _) = create(&s, &["--text", "-"], "Lantern-Quartz-8812");
    assert!(
        !s.sql("SELECT ciphertext FROM shares").contains("Lantern"),
        "the server stores ciphertext only"
    );
    s.bv()
        .args(["share", "open", &link])
        .env_remove("BV_PASSWORD")
        .assert()
        .success()
        .stdout("Lantern-Quartz-8812");
    s.bv()
        .args(["share", "open", &link])
        .assert()
        .code(1)
        .stderr(predicates::str::contains("already viewed"));
    // A secret as an argument is refused before anything is sent.
    s.bv()
        .args(["share", "create", "--text", "hunter2"])
        .assert()
        .code(2);
    s.bv()
        .args(["share", "create", "--expires", "1m"])
        .write_stdin("x")
        .assert()
        .code(2);
}

#[test]
fn passphrase_file_delete_and_tamper() {
    let s = Server::with_account("share-b@example.test");
    let (link, _) = create(
        &s,
        &["--views", "2", "--passphrase-stdin"],
        "open sesame 99\nthe text",
    );
    s.bv()
        .args(["share", "open", &link, "--passphrase-stdin"])
        .write_stdin("wrong\n")
        .assert()
        .code(3)
        .stderr(predicates::str::contains("wrong passphrase"));
    s.bv()
        .args(["share", "open", &link, "--passphrase-stdin"])
        .write_stdin("open sesame 99\n")
        .assert()
        .success()
        .stdout("the text");

    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("blob.bin");
    let bytes: Vec<u8> = (0..70_000u32).map(|i| (i * 7 % 251) as u8).collect();
    std::fs::write(&src, &bytes).unwrap();
    let (file_link, delete_link) =
        create(&s, &["--file", src.to_str().unwrap(), "--views", "3"], "");
    let out = dir.path().join("out.bin");
    s.bv()
        .args(["share", "open", &file_link, "--out", out.to_str().unwrap()])
        .assert()
        .success();
    assert_eq!(std::fs::read(&out).unwrap(), bytes);
    s.bv()
        .args(["share", "open", &file_link, "--out", out.to_str().unwrap()])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("never overwrites"));
    s.bv()
        .args(["share", "delete", &delete_link])
        .assert()
        .success();
    s.bv().args(["share", "open", &file_link]).assert().code(1);

    // A server that changes one character of the ciphertext is caught.
    let (link, _) = create(&s, &[], "tamper me");
    let id = link.split('#').nth(1).unwrap().split('.').next().unwrap();
    s.sql(&format!(
        "UPDATE shares SET ciphertext = substr(ciphertext, 1, 100) || \
             (CASE substr(ciphertext, 101, 1) WHEN 'A' THEN 'B' ELSE 'A' END) || \
             substr(ciphertext, 102) WHERE id = '{id}'"
    ));
    s.bv()
        .args(["share", "open", &link])
        .assert()
        .code(4)
        .stdout("");
}

/// The largest share: an 8 MiB file with a passphrase is about 14.2 MiB of
/// base64url on the server (past ureq's 10 MiB default answer size), and it
/// comes back byte for byte. One byte more is refused before anything is sent.
#[test]
fn eight_mib_file_with_passphrase_round_trips() {
    const LIMIT: u64 = 8 * 1024 * 1024;
    let s = Server::with_account("share-c@example.test");
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("disk.img");
    let bytes: Vec<u8> = (0..LIMIT as u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8)
        .collect();
    std::fs::write(&src, &bytes).unwrap();
    let (link, _) = create(
        &s,
        &["--file", src.to_str().unwrap(), "--passphrase-stdin"],
        "large file pass 31\n",
    );
    let stored: usize = s
        .sql("SELECT length(ciphertext) FROM shares")
        .trim()
        .parse()
        .unwrap();
    assert!(
        stored > 14 * 1024 * 1024 && stored <= 16 * 1024 * 1024,
        "an 8 MiB file with a passphrase is {stored} characters on the server"
    );
    let out = dir.path().join("out.img");
    s.bv()
        .args(["share", "open", &link, "--passphrase-stdin"])
        .args(["--out", out.to_str().unwrap()])
        .write_stdin("large file pass 31\n")
        .assert()
        .success()
        .stderr(predicates::str::contains(format!("({LIMIT} bytes)")));
    assert!(std::fs::read(&out).unwrap() == bytes, "byte-identical");

    // A sparse file: its size alone is refused, nothing is read or sent.
    let big = dir.path().join("big.img");
    std::fs::File::create(&big)
        .unwrap()
        .set_len(LIMIT + 1)
        .unwrap();
    s.bv()
        .args(["share", "create", "--file", big.to_str().unwrap()])
        .assert()
        .code(2)
        .stderr(predicates::str::contains(format!(
            "{} bytes; the share limit is {LIMIT} bytes (8 MiB)",
            LIMIT + 1
        )));
    assert_eq!(s.sql("SELECT COUNT(*) FROM shares").trim(), "0");
}
