//! Load benchmark: full and delta sync of a vault with 10 000 items, and the
//! rate of item updates, against SQLite (temp dir) or PostgreSQL
//! (`DATABASE_URL`). Results go to docs/BENCHMARKS.md "Server"; timings are
//! never asserted in tests.
//!
//! `cargo run --release -p blindvault-server --example bench_sync`
//!
//! Replies are checked: anything unexpected stops the run with a message
//! saying what failed (exit status 1), never a panic.
#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::Instant;

use axum::body::Body;
use axum::http::Request;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use blindvault_server::app::{app, AppState, Settings};
use blindvault_server::db::Db;
use http_body_util::BodyExt;
use serde_json::{json, Value};
use tower::ServiceExt;

const ITEMS: usize = 10_000;

#[path = "support/fail.rs"]
mod fail;
use fail::{Context, Fail};

/// Fails unless `st == expect`. The body is quoted (shortened) only for an
/// error status: a success reply could hold a token.
fn check(what: &str, expect: u16, (st, body): (u16, Vec<u8>)) -> Result<Vec<u8>, Fail> {
    if st == expect {
        return Ok(body);
    }
    let mut msg = format!("{what}: expected HTTP {expect}, got {st}");
    if st >= 400 {
        let text: String = String::from_utf8_lossy(&body).chars().take(300).collect();
        msg.push_str(&format!(": {text}"));
    }
    Err(Fail(msg))
}

fn rand_b64(n: usize) -> Result<String, Fail> {
    let mut b = vec![0u8; n];
    getrandom::fill(&mut b).context("random bytes")?;
    Ok(URL_SAFE_NO_PAD.encode(b))
}

async fn call(
    router: &axum::Router,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<Value>,
) -> Result<(u16, Vec<u8>), Fail> {
    let what = format!("{method} {path}");
    let mut b = Request::builder().method(method).uri(path);
    if let Some(t) = token {
        b = b.header("authorization", format!("Bearer {t}"));
    }
    let req = match body {
        Some(v) => b
            .header("content-type", "application/json")
            .body(Body::from(v.to_string())),
        None => b.body(Body::empty()),
    }
    .context(&what)?;
    let resp = router.clone().oneshot(req).await.context(&what)?;
    let st = resp.status().as_u16();
    let body = resp.into_body().collect().await.context(&what)?;
    Ok((st, body.to_bytes().to_vec()))
}

#[tokio::main]
async fn main() -> Result<(), Fail> {
    let dir = tempfile::tempdir().context("temporary directory")?;
    let db = match std::env::var("DATABASE_URL") {
        // The URL may hold a password: it is not quoted.
        Ok(url) => Db::connect(&url).await.context("connect to DATABASE_URL")?,
        Err(_) => Db::open_sqlite_dir(&dir.path().join("data"))
            .await
            .context("open SQLite")?,
    };
    let backend = format!("{:?}", db.backend);
    let state = AppState::new(db, Settings::with_data_dir(dir.path().join("data")))
        .await
        .context("server state")?;
    let router = app(state.clone());
    let id = format!("bench{}", &rand_b64(6)?.replace(['-', '_'], "x"));
    let auth = rand_b64(32)?;
    let reg = json!({"account_id": id, "email": format!("{id}@example.org"),
        "kdf": {"alg": "pbkdf2-sha256", "iterations": 600000, "salt": rand_b64(16)?},
        "wrapped_account_key": rand_b64(60)?, "public_key": rand_b64(32)?, "wrapped_private_key": rand_b64(60)?, "auth_key": auth});
    let reply = call(&router, "POST", "/api/v1/accounts", None, Some(reg)).await?;
    check("register account", 201, reply)?;
    let reply = call(
        &router,
        "POST",
        "/api/v1/accounts/login",
        None,
        Some(json!({"account_id": id, "auth_key": auth})),
    )
    .await?;
    let b = check("login", 200, reply)?;
    let token = serde_json::from_slice::<Value>(&b).context("login reply is not JSON")?["token"]
        .as_str()
        .context("login reply has no token")?
        .to_string();
    let vault = format!("v{id}");
    let body = json!({"id": vault, "name": rand_b64(40)?, "wrapped_vault_key": rand_b64(60)?});
    let reply = call(&router, "POST", "/api/v1/vaults", Some(&token), Some(body)).await?;
    check("create vault", 201, reply)?;

    // A realistic item: overview + details JWEs, ~1.2 KB together.
    let envelope = format!(
        "{}.{}.{}.{}.{}",
        rand_b64(90)?,
        "",
        rand_b64(12)?,
        rand_b64(800)?,
        rand_b64(16)?
    );
    let t = Instant::now();
    for n in 0..ITEMS {
        let body = json!({"id": format!("i{n}"), "envelope": envelope});
        let path = format!("/api/v1/vaults/{vault}/items");
        let reply = call(&router, "POST", &path, Some(&token), Some(body)).await?;
        check(&format!("create item i{n}"), 201, reply)?;
    }
    let create = t.elapsed();

    let mut full_ms = Vec::new();
    let mut size = 0;
    for _ in 0..5 {
        let t = Instant::now();
        let reply = call(&router, "GET", "/api/v1/sync", Some(&token), None).await?;
        full_ms.push(t.elapsed().as_secs_f64() * 1000.0);
        size = check("full sync", 200, reply)?.len();
    }
    let reply = call(&router, "GET", "/api/v1/sync", Some(&token), None).await?;
    let b = check("full sync", 200, reply)?;
    let cursor = serde_json::from_slice::<Value>(&b).context("sync reply is not JSON")?["cursor"]
        .as_i64()
        .context("sync reply has no cursor")?;
    for n in 0..10 {
        let body = json!({"base_revision": 1, "envelope": envelope});
        let path = format!("/api/v1/vaults/{vault}/items/i{n}");
        let reply = call(&router, "PUT", &path, Some(&token), Some(body)).await?;
        check(&format!("update item i{n}"), 200, reply)?;
    }
    let mut delta_ms = Vec::new();
    for _ in 0..5 {
        let t = Instant::now();
        let path = format!("/api/v1/sync?since={cursor}");
        let reply = call(&router, "GET", &path, Some(&token), None).await?;
        delta_ms.push(t.elapsed().as_secs_f64() * 1000.0);
        check("delta sync", 200, reply)?;
    }
    full_ms.sort_by(f64::total_cmp);
    delta_ms.sort_by(f64::total_cmp);
    println!("backend: {backend}");
    println!(
        "create {ITEMS} items one request each: {:.1} s ({:.0} writes/s)",
        create.as_secs_f64(),
        ITEMS as f64 / create.as_secs_f64()
    );
    println!(
        "full sync, {ITEMS} items, {:.1} MB JSON: median {:.0} ms",
        size as f64 / 1e6,
        full_ms[2]
    );
    println!("delta sync, 10 changed: median {:.1} ms", delta_ms[2]);
    state.db.pool.close().await;
    Ok(())
}
