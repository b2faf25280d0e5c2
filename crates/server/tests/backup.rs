//! Backup and restore: the documented procedures (SQLite `VACUUM INTO`,
//! PostgreSQL `pg_dump | psql`, plus a copy of `attachments/`) give a server
//! that serves the same data, the same logins and an intact audit chain.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use blindvault_server::app::{app, AppState, Settings};
use blindvault_server::db::Db;
use common::{envelope, rand_b64, register_body};
use serde_json::{json, Value};
use tower::ServiceExt;

struct Client {
    router: axum::Router,
}

impl Client {
    async fn call(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Body>,
    ) -> (StatusCode, Vec<u8>) {
        let mut b = Request::builder()
            .method(method)
            .uri(path)
            .header(header::CONTENT_TYPE, "application/json");
        if let Some(t) = token {
            b = b.header(header::AUTHORIZATION, format!("Bearer {t}"));
        }
        let resp = self
            .router
            .clone()
            .oneshot(b.body(body.unwrap_or_default()).unwrap())
            .await
            .unwrap();
        let st = resp.status();
        (
            st,
            http_body_util::BodyExt::collect(resp.into_body())
                .await
                .unwrap()
                .to_bytes()
                .to_vec(),
        )
    }
    async fn json(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Value,
    ) -> (StatusCode, Value) {
        let (st, b) = self
            .call(method, path, token, Some(Body::from(body.to_string())))
            .await;
        (st, serde_json::from_slice(&b).unwrap_or(Value::Null))
    }
}

async fn state(db: Db, data: &std::path::Path) -> AppState {
    AppState::new(db, Settings::with_data_dir(data.to_path_buf()))
        .await
        .unwrap()
}

/// Fills a server, returns (auth_key, full sync JSON, attachment bytes).
async fn fill(c: &Client) -> (String, Value, Vec<u8>) {
    let key = rand_b64(32);
    assert_eq!(
        c.json(
            Method::POST,
            "/api/v1/accounts",
            None,
            register_body("b", &key)
        )
        .await
        .0,
        StatusCode::CREATED
    );
    let (_, v) = c
        .json(
            Method::POST,
            "/api/v1/accounts/login",
            None,
            json!({"account_id": "b", "auth_key": key}),
        )
        .await;
    let t = v["token"].as_str().unwrap().to_string();
    let vault = json!({"id": "v", "name": envelope("n"), "wrapped_vault_key": envelope("k")});
    assert_eq!(
        c.json(Method::POST, "/api/v1/vaults", Some(&t), vault)
            .await
            .0,
        StatusCode::CREATED
    );
    for i in 0..30 {
        let item = json!({"id": format!("i{i}"), "envelope": envelope("e")});
        assert_eq!(
            c.json(Method::POST, "/api/v1/vaults/v/items", Some(&t), item)
                .await
                .0,
            StatusCode::CREATED
        );
    }
    let data: Vec<u8> = (0..50_000u32).map(|n| (n % 253) as u8).collect();
    let (st, _) = c
        .call(
            Method::PUT,
            "/api/v1/vaults/v/items/i0/attachments/a",
            Some(&t),
            Some(Body::from(data.clone())),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED);
    let (_, v) = c
        .json(Method::GET, "/api/v1/sync", Some(&t), json!({}))
        .await;
    (key, v, data)
}

fn items_by_id(sync: &Value) -> Vec<Value> {
    let mut items = sync["items"].as_array().unwrap().clone();
    items.sort_by(|a, b| a["id"].as_str().cmp(&b["id"].as_str()));
    items
}

async fn check_restored(c: &Client, key: &str, before: &Value, data: &[u8]) {
    let (st, v) = c
        .json(
            Method::POST,
            "/api/v1/accounts/login",
            None,
            json!({"account_id": "b", "auth_key": key}),
        )
        .await;
    assert_eq!(
        st,
        StatusCode::OK,
        "the restored server accepts the same login"
    );
    let t = v["token"].as_str().unwrap().to_string();
    let (_, after) = c
        .json(Method::GET, "/api/v1/sync", Some(&t), json!({}))
        .await;
    // The order of a sync's items is unspecified (docs/API.md).
    assert_eq!(items_by_id(&after), items_by_id(before));
    assert_eq!(after["vaults"], before["vaults"]);
    assert_eq!(after["items"].as_array().unwrap().len(), 30);
    let (st, got) = c
        .call(
            Method::GET,
            "/api/v1/vaults/v/items/i0/attachments/a",
            Some(&t),
            None,
        )
        .await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(got, data);
    let (_, ver) = c
        .json(
            Method::GET,
            "/api/v1/vaults/v/audit/verify",
            Some(&t),
            json!({}),
        )
        .await;
    assert_eq!(ver["ok"], true, "{ver}");
    // The restored server keeps working: a new write succeeds.
    let item = json!({"id": "new", "envelope": envelope("e")});
    assert_eq!(
        c.json(Method::POST, "/api/v1/vaults/v/items", Some(&t), item)
            .await
            .0,
        StatusCode::CREATED
    );
}

fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_backup_and_restore() {
    let dir = tempfile::tempdir().unwrap();
    let live = dir.path().join("live");
    let db = Db::open_sqlite_dir(&live).await.unwrap();
    let st = state(db.clone(), &live).await;
    let c = Client { router: app(st) };
    let (key, before, data) = fill(&c).await;
    // Online backup while the pool is open.
    let restored = dir.path().join("restored");
    std::fs::create_dir_all(&restored).unwrap();
    let target = restored.join("blindvault.sqlite3");
    sqlx::query(&format!("VACUUM INTO '{}'", target.display()))
        .execute(&db.pool)
        .await
        .unwrap();
    copy_dir(&live.join("attachments"), &restored.join("attachments"));
    db.pool.close().await;
    std::fs::remove_dir_all(&live).unwrap();

    let db2 = Db::open_sqlite_dir(&restored).await.unwrap();
    let c2 = Client {
        router: app(state(db2, &restored).await),
    };
    check_restored(&c2, &key, &before, &data).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_backup_and_restore() {
    let dir = tempfile::tempdir().unwrap();
    let (url, _g1) = common::fresh_pg_url().await;
    let (url2, _g2) = common::fresh_pg_url().await;
    let live = dir.path().join("live");
    let db = Db::connect(&url).await.unwrap();
    let c = Client {
        router: app(state(db.clone(), &live).await),
    };
    let (key, before, data) = fill(&c).await;
    let dump = std::process::Command::new("pg_dump")
        .arg("--no-owner")
        .arg(&url)
        .output()
        .unwrap();
    assert!(
        dump.status.success(),
        "{}",
        String::from_utf8_lossy(&dump.stderr)
    );
    let mut psql = std::process::Command::new("psql")
        .args(["-q", "-v", "ON_ERROR_STOP=1", &url2])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    std::io::Write::write_all(psql.stdin.as_mut().unwrap(), &dump.stdout).unwrap();
    drop(psql.stdin.take());
    assert!(psql.wait().unwrap().success());
    let restored = dir.path().join("restored");
    copy_dir(&live.join("attachments"), &restored.join("attachments"));
    db.pool.close().await;

    let db2 = Db::connect(&url2).await.unwrap();
    let c2 = Client {
        router: app(state(db2.clone(), &restored).await),
    };
    check_restored(&c2, &key, &before, &data).await;
    db2.pool.close().await;
}
