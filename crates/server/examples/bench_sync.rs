//! Load benchmark: full and delta sync of a vault with 10 000 items, and the
//! rate of item updates, against SQLite (temp dir) or PostgreSQL
//! (`DATABASE_URL`). Results go to docs/BENCHMARKS.md "Server"; timings are
//! never asserted in tests.
//!
//! `cargo run --release -p blindvault-server --example bench_sync`
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

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

fn rand_b64(n: usize) -> String {
    let mut b = vec![0u8; n];
    getrandom::fill(&mut b).unwrap();
    URL_SAFE_NO_PAD.encode(b)
}

async fn call(
    router: &axum::Router,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<Value>,
) -> (u16, Vec<u8>) {
    let mut b = Request::builder().method(method).uri(path);
    if let Some(t) = token {
        b = b.header("authorization", format!("Bearer {t}"));
    }
    let req = match body {
        Some(v) => b
            .header("content-type", "application/json")
            .body(Body::from(v.to_string()))
            .unwrap(),
        None => b.body(Body::empty()).unwrap(),
    };
    let resp = router.clone().oneshot(req).await.unwrap();
    let st = resp.status().as_u16();
    (
        st,
        resp.into_body()
            .collect()
            .await
            .unwrap()
            .to_bytes()
            .to_vec(),
    )
}

#[tokio::main]
async fn main() {
    let dir = tempfile::tempdir().unwrap();
    let db = match std::env::var("DATABASE_URL") {
        Ok(url) => Db::connect(&url).await.unwrap(),
        Err(_) => Db::open_sqlite_dir(&dir.path().join("data")).await.unwrap(),
    };
    let backend = format!("{:?}", db.backend);
    let state = AppState::new(db, Settings::with_data_dir(dir.path().join("data")))
        .await
        .unwrap();
    let router = app(state.clone());
    let id = format!("bench{}", &rand_b64(6).replace(['-', '_'], "x"));
    let auth = rand_b64(32);
    let reg = json!({"account_id": id, "email": format!("{id}@example.org"),
        "kdf": {"alg": "pbkdf2-sha256", "iterations": 600000, "salt": rand_b64(16)},
        "wrapped_account_key": rand_b64(60), "public_key": rand_b64(32), "wrapped_private_key": rand_b64(60), "auth_key": auth});
    assert_eq!(
        call(&router, "POST", "/api/v1/accounts", None, Some(reg))
            .await
            .0,
        201
    );
    let (_, b) = call(
        &router,
        "POST",
        "/api/v1/accounts/login",
        None,
        Some(json!({"account_id": id, "auth_key": auth})),
    )
    .await;
    let token = serde_json::from_slice::<Value>(&b).unwrap()["token"]
        .as_str()
        .unwrap()
        .to_string();
    let vault = format!("v{id}");
    let body = json!({"id": vault, "name": rand_b64(40), "wrapped_vault_key": rand_b64(60)});
    assert_eq!(
        call(&router, "POST", "/api/v1/vaults", Some(&token), Some(body))
            .await
            .0,
        201
    );

    // A realistic item: overview + details JWEs, ~1.2 KB together.
    let envelope = format!(
        "{}.{}.{}.{}.{}",
        rand_b64(90),
        "",
        rand_b64(12),
        rand_b64(800),
        rand_b64(16)
    );
    let t = Instant::now();
    for n in 0..ITEMS {
        let body = json!({"id": format!("i{n}"), "envelope": envelope});
        let (st, _) = call(
            &router,
            "POST",
            &format!("/api/v1/vaults/{vault}/items"),
            Some(&token),
            Some(body),
        )
        .await;
        assert_eq!(st, 201);
    }
    let create = t.elapsed();

    let mut full_ms = Vec::new();
    let mut size = 0;
    for _ in 0..5 {
        let t = Instant::now();
        let (st, b) = call(&router, "GET", "/api/v1/sync", Some(&token), None).await;
        full_ms.push(t.elapsed().as_secs_f64() * 1000.0);
        assert_eq!(st, 200);
        size = b.len();
    }
    let (_, b) = call(&router, "GET", "/api/v1/sync", Some(&token), None).await;
    let cursor = serde_json::from_slice::<Value>(&b).unwrap()["cursor"]
        .as_i64()
        .unwrap();
    for n in 0..10 {
        let body = json!({"base_revision": 1, "envelope": envelope});
        call(
            &router,
            "PUT",
            &format!("/api/v1/vaults/{vault}/items/i{n}"),
            Some(&token),
            Some(body),
        )
        .await;
    }
    let mut delta_ms = Vec::new();
    for _ in 0..5 {
        let t = Instant::now();
        let (st, _) = call(
            &router,
            "GET",
            &format!("/api/v1/sync?since={cursor}"),
            Some(&token),
            None,
        )
        .await;
        delta_ms.push(t.elapsed().as_secs_f64() * 1000.0);
        assert_eq!(st, 200);
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
}
