//! Durability: run the real binary, write items from 8 concurrent clients,
//! `kill -9` it mid-stream, restart on the same store, and check that every
//! write the server acknowledged (201) is there.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::{envelope, rand_b64, register_body};
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn start(port: u16, dir: &std::path::Path, db_url: Option<&str>) -> Child {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_blindvault-server"));
    cmd.arg("--listen")
        .arg(format!("127.0.0.1:{port}"))
        .arg("--data-dir")
        .arg(dir.join("data"))
        .arg("--www-dir")
        .arg(dir.join("www"))
        .env_remove("DATABASE_URL")
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    if let Some(u) = db_url {
        cmd.env("DATABASE_URL", u);
    }
    cmd.spawn().unwrap()
}

/// One HTTP/1.1 request on a fresh connection; Err if the server died.
async fn http(
    port: u16,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<&Value>,
) -> std::io::Result<(u16, Value)> {
    let mut s = TcpStream::connect(("127.0.0.1", port)).await?;
    let body = body.map(|b| b.to_string()).unwrap_or_default();
    let auth = token
        .map(|t| format!("Authorization: Bearer {t}\r\n"))
        .unwrap_or_default();
    let req = format!(
        "{method} {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n{auth}Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    s.write_all(req.as_bytes()).await?;
    let mut buf = Vec::new();
    s.read_to_end(&mut buf).await?;
    let text = String::from_utf8_lossy(&buf).into_owned();
    let status: u16 = text
        .get(9..12)
        .and_then(|c| c.parse().ok())
        .ok_or_else(|| std::io::Error::other("no status line"))?;
    let json = text
        .split_once("\r\n\r\n")
        .map(|(head, b)| {
            let chunked = head
                .to_ascii_lowercase()
                .contains("transfer-encoding: chunked");
            let body = if chunked { dechunk(b) } else { b.to_string() };
            serde_json::from_str(&body).unwrap_or(Value::Null)
        })
        .unwrap_or(Value::Null);
    Ok((status, json))
}

/// Decodes an HTTP/1.1 chunked body (RFC 9112 §7.1; sync streams its body).
fn dechunk(mut b: &str) -> String {
    let mut out = String::new();
    while let Some((size, rest)) = b.split_once("\r\n") {
        let n = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
        if n == 0 || rest.len() < n {
            break;
        }
        out.push_str(&rest[..n]);
        b = rest[n..].trim_start_matches("\r\n");
    }
    out
}

async fn wait_up(port: u16) {
    for _ in 0..200 {
        if TcpStream::connect(("127.0.0.1", port)).await.is_ok() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("server did not start");
}

async fn crash_keeps_acknowledged_writes(db_url: Option<&str>) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("www")).unwrap();
    let port = free_port();
    let mut child = start(port, dir.path(), db_url);
    wait_up(port).await;
    let auth_key = rand_b64(32);
    assert_eq!(
        http(
            port,
            "POST",
            "/api/v1/accounts",
            None,
            Some(&register_body("c", &auth_key))
        )
        .await
        .unwrap()
        .0,
        201
    );
    let login = json!({"account_id": "c", "auth_key": auth_key});
    let (_, v) = http(port, "POST", "/api/v1/accounts/login", None, Some(&login))
        .await
        .unwrap();
    let token = v["token"].as_str().unwrap().to_string();
    let vault = json!({"id": "v", "name": envelope("n"), "wrapped_vault_key": envelope("k")});
    assert_eq!(
        http(port, "POST", "/api/v1/vaults", Some(&token), Some(&vault))
            .await
            .unwrap()
            .0,
        201
    );

    let acked = Arc::new(Mutex::new(Vec::<String>::new()));
    let mut writers = Vec::new();
    for t in 0..8 {
        let acked = acked.clone();
        let token = token.clone();
        writers.push(tokio::spawn(async move {
            for n in 0.. {
                let id = format!("w{t}-{n}");
                let body = json!({"id": id, "envelope": envelope(&id)});
                match http(
                    port,
                    "POST",
                    "/api/v1/vaults/v/items",
                    Some(&token),
                    Some(&body),
                )
                .await
                {
                    Ok((201, _)) => acked.lock().unwrap().push(id),
                    Ok((status, v)) => panic!("unexpected {status} {v}"),
                    Err(_) => break, // the server is gone
                }
            }
        }));
    }
    tokio::time::sleep(Duration::from_millis(1500)).await;
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    for w in writers {
        w.await.unwrap();
    }
    let acked = acked.lock().unwrap().clone();
    assert!(
        acked.len() > 10,
        "too few writes before the crash to mean anything: {}",
        acked.len()
    );

    let mut child = start(port, dir.path(), db_url);
    wait_up(port).await;
    let (_, v) = http(port, "POST", "/api/v1/accounts/login", None, Some(&login))
        .await
        .unwrap();
    let token = v["token"].as_str().unwrap().to_string();
    let (st, sync) = http(port, "GET", "/api/v1/sync", Some(&token), None)
        .await
        .unwrap();
    assert_eq!(st, 200);
    let have: std::collections::HashSet<&str> = sync["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_str().unwrap())
        .collect();
    let lost: Vec<&String> = acked
        .iter()
        .filter(|id| !have.contains(id.as_str()))
        .collect();
    eprintln!(
        "{} acknowledged writes before kill -9, {} rows after restart",
        acked.len(),
        have.len()
    );
    assert!(
        lost.is_empty(),
        "{} acknowledged writes lost after kill -9: {lost:?}",
        lost.len()
    );
    child.kill().unwrap();
    child.wait().unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_crash_keeps_acknowledged_writes() {
    crash_keeps_acknowledged_writes(None).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_crash_keeps_acknowledged_writes() {
    let (url, _guard) = common::fresh_pg_url().await;
    crash_keeps_acknowledged_writes(Some(&url)).await;
}
