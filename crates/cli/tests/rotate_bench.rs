//! Benchmark, not a test (ignored by default): rotating 100 PostgreSQL roles
//! and 100 MariaDB users with `bv rotate`, next to a bare peer measured in
//! the same run (log in, ALTER, log in again with the driver alone, no
//! vault). Release build; prints the figures for docs/BENCHMARKS.md:
//!
//! ```text
//! cargo build --release -p blindvault-cli --bin bv
//! BV_BENCH_BIN=target/release/bv cargo test -p blindvault-cli --test rotate_bench -- --ignored --nocapture
//! ```
//!
//! `BV_BENCH_BIN=path/to/bv` times that binary instead of this build's.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
mod rotate_support;

use blindvault::encoding::b64u_encode;
use blindvault::kdf::{KdfParams, MasterKey};
use blindvault::secret::SecretString;
use blindvault_cli::client::Client;
use common::{Server, PASSWORD};
use rotate_support::{unique, My, Pg};
use serde_json::{json, Value};
use std::time::Instant;

const N: usize = 100;

/// Adds N database items through the API (one KDF, not N `bv item add`).
fn seed(
    s: &Server,
    email: &str,
    vault: &str,
    items: &[(String, String)],
    host: &str,
    port: u16,
    db: &str,
) {
    let anon = Client::new(&s.url, None).unwrap();
    let pre: Value = anon
        .post("/accounts/prelogin", &json!({ "email": email }))
        .unwrap();
    let params: KdfParams = serde_json::from_value(pre["kdf"].clone()).unwrap();
    let master = MasterKey::derive(&SecretString::new(PASSWORD.into()), &params).unwrap();
    let login: Value = anon
        .post(
            "/accounts/login",
            &json!({"account_id": pre["account_id"], "auth_key": master.auth_key().encode_for_server()}),
        )
        .unwrap();
    let a = &login["account"];
    let me = blindvault::account::unlock_with_master_key(
        &master,
        a["wrapped_account_key"].as_str().unwrap(),
        a["wrapped_private_key"].as_str().unwrap(),
        a["account_id"].as_str().unwrap(),
    )
    .unwrap();
    let client = Client::new(&s.url, Some(login["token"].as_str().unwrap().into())).unwrap();
    let sync: Value = client.get("/sync").unwrap();
    let v = sync["vaults"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| {
            let key = me
                .unwrap_vault_key(
                    v["wrapped_vault_key"].as_str().unwrap(),
                    v["id"].as_str().unwrap(),
                )
                .unwrap();
            let ctx = blindvault::context::Context::vault_meta(v["id"].as_str().unwrap()).unwrap();
            let meta = key.open(v["name"].as_str().unwrap(), &ctx).unwrap();
            serde_json::from_slice::<Value>(meta.expose_secret()).unwrap()["name"] == vault
        })
        .unwrap();
    let vid = v["id"].as_str().unwrap();
    let key = me
        .unwrap_vault_key(v["wrapped_vault_key"].as_str().unwrap(), vid)
        .unwrap();
    for (i, (user, pw)) in items.iter().enumerate() {
        let id = format!("bench-{i}");
        let ov = json!({"kind": "database", "name": format!("db{i:03}"), "host": host,
                        "port": port.to_string(), "database": db, "username": user});
        let det = json!({ "password": pw });
        let blob = blindvault::item::seal_new(
            &key,
            vid,
            &id,
            ov.to_string().as_bytes(),
            det.to_string().as_bytes(),
        )
        .unwrap();
        let _: Value = client
            .post(
                &format!("/vaults/{vid}/items"),
                &json!({"id": id, "envelope": b64u_encode(blob.as_bytes())}),
            )
            .unwrap();
    }
}

fn time_rotate(s: &Server, engine: &str) -> f64 {
    let t = Instant::now();
    // BV_BENCH_BIN: time another build of bv (e.g. target/release/bv)
    // while this harness seeds and measures the peer.
    let mut cmd = s.bv();
    let out = match std::env::var_os("BV_BENCH_BIN") {
        Some(bin) => std::process::Command::new(bin)
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("BV_SERVER", &s.url)
            .env("BV_CONFIG_DIR", s.config.path())
            .env("BV_PASSWORD", PASSWORD)
            .args(["--json", "rotate", engine, "Work"])
            .output()
            .unwrap(),
        None => cmd
            .args(["--json", "rotate", engine, "Work"])
            .output()
            .unwrap(),
    };
    let secs = t.elapsed().as_secs_f64();
    let sum: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(sum["rotated"].as_u64(), Some(N as u64), "{sum}");
    secs
}

/// The peer: per role, log in with the old password, set `new(i)`, log in
/// with it: the database work of a rotation, with no vault.
async fn bare_pg(pg: &Pg, roles: &[(String, String)], new: impl Fn(usize) -> String) {
    for (i, (r, old)) in roles.iter().enumerate() {
        let connect = |pw: String| {
            let mut c = tokio_postgres::Config::new();
            c.host(&pg.url.host)
                .port(pg.url.port)
                .user(r)
                .password(pw)
                .dbname(&pg.url.db);
            async move {
                let (client, conn) = c.connect(tokio_postgres::NoTls).await.unwrap();
                tokio::spawn(conn);
                client
            }
        };
        let client = connect(old.clone()).await;
        let v = postgres_protocol::password::scram_sha_256(new(i).as_bytes());
        client
            .batch_execute(&format!("ALTER ROLE \"{r}\" PASSWORD '{v}'"))
            .await
            .unwrap();
        drop(connect(new(i)).await);
    }
}

async fn bare_my(my: &My, users: &[(String, String)], new: impl Fn(usize) -> String) {
    use sqlx::{ConnectOptions, Connection};
    for (i, (u, old)) in users.iter().enumerate() {
        let opts = |pw: String| {
            sqlx::mysql::MySqlConnectOptions::new()
                .host(&my.url.host)
                .port(my.url.port)
                .username(u)
                .password(&pw)
        };
        let mut c = opts(old.clone()).connect().await.unwrap();
        sqlx::raw_sql(&format!("SET PASSWORD = PASSWORD('{}')", new(i)))
            .execute(&mut c)
            .await
            .unwrap();
        c.close().await.unwrap();
        opts(new(i)).connect().await.unwrap().close().await.unwrap();
    }
}

#[test]
#[ignore = "benchmark: cargo test --release -p blindvault-cli --test rotate_bench -- --ignored --nocapture"]
fn rotate_100_roles() {
    let pg = Pg::connect();
    let my = My::connect();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();

    let roles: Vec<(String, String)> = (0..N).map(|i| (unique("bvb"), format!("old{i}"))).collect();
    for (r, pw) in &roles {
        pg.create_role(r, pw);
    }
    let t = Instant::now();
    rt.block_on(bare_pg(&pg, &roles, |i| format!("peer{i}")));
    let bare_pg_s = t.elapsed().as_secs_f64();
    let s = Server::with_account("bench@example.com");
    let held: Vec<(String, String)> = roles
        .iter()
        .enumerate()
        .map(|(i, (r, _))| (r.clone(), format!("peer{i}")))
        .collect();
    seed(
        &s,
        "bench@example.com",
        "Work",
        &held,
        &pg.url.host,
        pg.url.port,
        &pg.url.db,
    );
    let bv_pg = time_rotate(&s, "postgres");

    let users: Vec<(String, String)> = (0..N).map(|i| (unique("bvb"), format!("old{i}"))).collect();
    for (u, pw) in &users {
        my.create_user(u, pw);
    }
    let t = Instant::now();
    rt.block_on(bare_my(&my, &users, |i| format!("peer{i}")));
    let bare_my_s = t.elapsed().as_secs_f64();
    let s2 = Server::with_account("bench2@example.com");
    let held: Vec<(String, String)> = users
        .iter()
        .enumerate()
        .map(|(i, (u, _))| (u.clone(), format!("peer{i}")))
        .collect();
    seed(
        &s2,
        "bench2@example.com",
        "Work",
        &held,
        &my.url.host,
        my.url.port,
        &my.url.db,
    );
    let bv_my = time_rotate(&s2, "mysql");

    println!(
        "postgres, {N} roles: bv rotate {bv_pg:.2} s (target < 10 s); bare login+ALTER+login {bare_pg_s:.2} s; ratio {:.1}x",
        bv_pg / bare_pg_s
    );
    println!(
        "mysql, {N} users: bv rotate {bv_my:.2} s (target < 10 s); bare login+SET PASSWORD+login {bare_my_s:.2} s; ratio {:.1}x",
        bv_my / bare_my_s
    );
}
