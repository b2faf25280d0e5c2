//! Test harness: the same tests run against SQLite (temp dir) and PostgreSQL
//! (a fresh `bv_test_<random>` database per test, dropped afterwards). If
//! PostgreSQL is unreachable the PostgreSQL tests fail: they never skip.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use axum::Router;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use http_body_util::BodyExt;
use serde_json::{json, Value};
use sqlx::Connection;
use tower::ServiceExt;

use blindvault_server::app::{app, AppState, Settings};
use blindvault_server::db::Db;

#[derive(Clone, Copy, Debug)]
pub enum Kind {
    Sqlite,
    Postgres,
}

pub struct TestServer {
    pub app: Router,
    pub state: AppState,
    pub dir: tempfile::TempDir,
    pg: Option<PgDrop>,
}

pub struct PgDrop {
    admin_url: String,
    name: String,
}

impl Drop for PgDrop {
    /// Drops the test database even when the test panicked.
    fn drop(&mut self) {
        let admin = self.admin_url.clone();
        let name = self.name.clone();
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async {
                if let Ok(mut c) = sqlx::AnyConnection::connect(&admin).await {
                    let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                        .execute(&mut c)
                        .await;
                }
            });
        })
        .join();
    }
}

pub fn pg_admin_url() -> String {
    std::env::var("BLINDVAULT_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_string())
}

pub fn rand_hex(n: usize) -> String {
    let mut b = vec![0u8; n];
    getrandom::fill(&mut b).unwrap();
    hex::encode(b)
}

pub fn rand_b64(n: usize) -> String {
    let mut b = vec![0u8; n];
    getrandom::fill(&mut b).unwrap();
    URL_SAFE_NO_PAD.encode(b)
}

/// A syntactically plausible JWE compact serialisation (five b64u segments).
pub fn envelope(tag: &str) -> String {
    format!(
        "eyJhbGciOiJkaXIifQ..{}.{}.{}",
        rand_b64(12),
        URL_SAFE_NO_PAD.encode(tag),
        rand_b64(16)
    )
}

/// A fresh, migrated-on-first-connect PostgreSQL database; dropped with the guard.
pub async fn fresh_pg_url() -> (String, PgDrop) {
    let admin_url = pg_admin_url();
    sqlx::any::install_default_drivers();
    let mut c = sqlx::AnyConnection::connect(&admin_url)
        .await
        .unwrap_or_else(|e| {
            panic!(
                "PostgreSQL at {admin_url} is unreachable ({e}); the PostgreSQL suite cannot run"
            )
        });
    let name = format!("bv_test_{}", rand_hex(8));
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&mut c)
        .await
        .unwrap();
    c.close().await.unwrap();
    let base = admin_url
        .rsplit_once('/')
        .map(|(b, _)| b.to_string())
        .unwrap();
    (format!("{base}/{name}"), PgDrop { admin_url, name })
}

impl TestServer {
    pub async fn new(kind: Kind) -> TestServer {
        TestServer::new_with(kind, |_| ()).await
    }

    /// [`TestServer::new`] with `tune` applied to the settings last.
    pub async fn new_with(kind: Kind, tune: impl FnOnce(&mut Settings)) -> TestServer {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("www")).unwrap();
        std::fs::create_dir_all(dir.path().join("pkg")).unwrap();
        std::fs::write(
            dir.path().join("www/index.html"),
            "<!doctype html><title>bv</title>",
        )
        .unwrap();
        std::fs::write(dir.path().join("pkg/core_bg.wasm"), b"\0asm\x01\0\0\0").unwrap();
        let (db, pg) = match kind {
            Kind::Sqlite => (
                Db::open_sqlite_dir(&dir.path().join("data")).await.unwrap(),
                None,
            ),
            Kind::Postgres => {
                let (url, guard) = fresh_pg_url().await;
                (Db::connect(&url).await.unwrap(), Some(guard))
            }
        };
        let mut settings = Settings::with_data_dir(dir.path().join("data"));
        settings.www_dir = dir.path().join("www");
        settings.pkg_dir = dir.path().join("pkg");
        settings.max_json_body = 4 * 1024 * 1024;
        settings.max_attachment_bytes = 1024 * 1024;
        settings.account_quota_bytes = 3 * 1024 * 1024 / 2;
        tune(&mut settings);
        let state = AppState::new(db, settings).await.unwrap();
        TestServer {
            app: app(state.clone()),
            state,
            dir,
            pg,
        }
    }

    pub async fn finish(self) {
        self.state.db.pool.close().await;
        drop(self.pg);
    }

    pub async fn raw(&self, req: Request<Body>) -> (StatusCode, axum::http::HeaderMap, Vec<u8>) {
        let resp = self.app.clone().oneshot(req).await.unwrap();
        let status = resp.status();
        let headers = resp.headers().clone();
        let body = resp
            .into_body()
            .collect()
            .await
            .unwrap()
            .to_bytes()
            .to_vec();
        (status, headers, body)
    }

    pub async fn call(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let (status, bytes) = self.call_bytes(method, path, token, body).await;
        let v = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes).unwrap_or(Value::Null)
        };
        (status, v)
    }

    /// [`TestServer::call`] with the body's bytes as sent, unparsed.
    pub async fn call_bytes(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> (StatusCode, Vec<u8>) {
        let mut b = Request::builder().method(method).uri(path);
        if let Some(t) = token {
            b = b.header(header::AUTHORIZATION, format!("Bearer {t}"));
        }
        let req = match body {
            Some(v) => b
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(v.to_string()))
                .unwrap(),
            None => b.body(Body::empty()).unwrap(),
        };
        let (status, _, bytes) = self.raw(req).await;
        (status, bytes)
    }

    pub async fn get(&self, path: &str, token: &str) -> (StatusCode, Value) {
        self.call(Method::GET, path, Some(token), None).await
    }
    pub async fn post(&self, path: &str, token: Option<&str>, body: Value) -> (StatusCode, Value) {
        self.call(Method::POST, path, token, Some(body)).await
    }
    pub async fn put(&self, path: &str, token: &str, body: Value) -> (StatusCode, Value) {
        self.call(Method::PUT, path, Some(token), Some(body)).await
    }
    pub async fn delete(&self, path: &str, token: &str) -> (StatusCode, Value) {
        self.call(Method::DELETE, path, Some(token), None).await
    }

    /// Registers and logs in a user; returns (account_id, auth_key, token).
    pub async fn user(&self, name: &str) -> User {
        let auth_key = rand_b64(32);
        let body = register_body(name, &auth_key);
        let (s, v) = self.post("/api/v1/accounts", None, body).await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        let (s, v) = self
            .post(
                "/api/v1/accounts/login",
                None,
                json!({"account_id": name, "auth_key": auth_key}),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        User {
            id: name.to_string(),
            auth_key,
            token: v["token"].as_str().unwrap().to_string(),
        }
    }

    /// Creates a vault owned by `owner`; returns its revision.
    pub async fn vault(&self, owner: &User, id: &str) -> i64 {
        let (s, v) = self
            .post(
                "/api/v1/vaults",
                Some(&owner.token),
                json!({"id": id, "name": envelope("name"), "wrapped_vault_key": envelope("vk")}),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        v["revision"].as_i64().unwrap()
    }

    /// Adds `member` with `role`; returns the vault's new revision.
    pub async fn add_member(&self, admin: &User, vault: &str, member: &User, role: &str) -> i64 {
        let rev = self.vault_revision(admin, vault).await;
        let (s, v) = self
            .put(
                &format!("/api/v1/vaults/{vault}/members/{}", member.id),
                &admin.token,
                json!({"base_revision": rev, "role": role, "wrapped_vault_key": envelope("vk")}),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        v["revision"].as_i64().unwrap()
    }

    pub async fn vault_revision(&self, user: &User, vault: &str) -> i64 {
        let (_, v) = self.get("/api/v1/vaults", &user.token).await;
        v["vaults"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["id"] == vault)
            .unwrap()["revision"]
            .as_i64()
            .unwrap()
    }

    pub async fn item(&self, user: &User, vault: &str, id: &str) -> Value {
        let (s, v) = self
            .post(
                &format!("/api/v1/vaults/{vault}/items"),
                Some(&user.token),
                json!({"id": id, "envelope": envelope(id)}),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        v
    }

    /// Audit entries of a vault as the database holds them (bypassing roles).
    pub async fn audit_actions(&self, vault: &str) -> Vec<(String, String, String)> {
        use sqlx::Row;
        sqlx::query("SELECT actor, action, outcome FROM audit WHERE chain = $1 ORDER BY seq")
            .bind(format!("vault:{vault}"))
            .fetch_all(&self.state.db.pool)
            .await
            .unwrap()
            .iter()
            .map(|r| (r.get("actor"), r.get("action"), r.get("outcome")))
            .collect()
    }
}

pub struct User {
    pub id: String,
    pub auth_key: String,
    pub token: String,
}

pub fn register_body(name: &str, auth_key: &str) -> Value {
    json!({
        "account_id": name,
        "email": format!("{name}@example.org"),
        "kdf": {"alg": "pbkdf2-sha256", "iterations": 600000, "salt": rand_b64(16)},
        "wrapped_account_key": envelope("ak"),
        "public_key": rand_b64(32),
        "wrapped_private_key": envelope("pk"),
        "auth_key": auth_key,
    })
}

/// Instantiates each `async fn name(s: &TestServer)` for both backends.
#[macro_export]
macro_rules! both_backends {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let s = $crate::common::TestServer::new($crate::common::Kind::Sqlite).await;
                    super::$name(&s).await;
                    s.finish().await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let s = $crate::common::TestServer::new($crate::common::Kind::Postgres).await;
                    super::$name(&s).await;
                    s.finish().await;
                }
            )*
        }
    };
}
