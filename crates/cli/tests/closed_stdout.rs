//! `bv … | head -1`: when the reader of stdout is gone, bv must end with a
//! failure code and no panic message (println! would panic on EPIPE, since
//! Rust ignores SIGPIPE).

use std::process::{Command, Stdio};

#[test]
fn a_closed_stdout_ends_quietly_without_a_panic() {
    let (reader, writer) = std::io::pipe().expect("pipe");
    drop(reader); // every write to `writer` now fails with EPIPE
    let out = Command::new(env!("CARGO_BIN_EXE_bv"))
        .args(["generate", "--length", "24"])
        .stdout(Stdio::from(writer))
        .stderr(Stdio::piped())
        .output()
        .expect("run bv");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "stderr: {stderr}");
    assert!(!stderr.contains("panicked"), "stderr: {stderr}");
}
