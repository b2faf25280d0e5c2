//! Accounts, sessions, prelogin, rate limits and input validation.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::net::SocketAddr;
use std::time::Duration;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{header, Method, Request, StatusCode};
use common::{envelope, rand_b64, register_body, Kind, TestServer};
use serde_json::json;

async fn register_login_logout(s: &TestServer) {
    let alice = s.user("alice").await;
    let (st, me) = s.get("/api/v1/accounts/me", &alice.token).await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(me["account_id"], "alice");
    assert_eq!(me["kdf"]["iterations"], 600000);
    // Wrong auth key.
    let (st, v) = s
        .post(
            "/api/v1/accounts/login",
            None,
            json!({"account_id": "alice", "auth_key": rand_b64(32)}),
        )
        .await;
    assert_eq!(st, StatusCode::UNAUTHORIZED, "{v}");
    // Unknown account looks the same.
    let (st2, v2) = s
        .post(
            "/api/v1/accounts/login",
            None,
            json!({"account_id": "nobody", "auth_key": rand_b64(32)}),
        )
        .await;
    assert_eq!(st2, StatusCode::UNAUTHORIZED);
    assert_eq!(v, v2);
    let (st, _) = s
        .post("/api/v1/accounts/logout", Some(&alice.token), json!({}))
        .await;
    assert_eq!(st, StatusCode::NO_CONTENT);
    let (st, _) = s.get("/api/v1/accounts/me", &alice.token).await;
    assert_eq!(st, StatusCode::UNAUTHORIZED);
    // A garbage token is refused too.
    let (st, _) = s.get("/api/v1/accounts/me", "not-a-token").await;
    assert_eq!(st, StatusCode::UNAUTHORIZED);
}

async fn prelogin_hides_existence(s: &TestServer) {
    s.user("bob").await;
    let (st, known) = s
        .post(
            "/api/v1/accounts/prelogin",
            None,
            json!({"email": "BOB@example.org"}),
        )
        .await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(known["account_id"], "bob");
    let (_, u1) = s
        .post(
            "/api/v1/accounts/prelogin",
            None,
            json!({"email": "ghost@example.org"}),
        )
        .await;
    let (_, u2) = s
        .post(
            "/api/v1/accounts/prelogin",
            None,
            json!({"email": "ghost@example.org"}),
        )
        .await;
    let (_, u3) = s
        .post(
            "/api/v1/accounts/prelogin",
            None,
            json!({"email": "other@example.org"}),
        )
        .await;
    assert_eq!(u1, u2, "made-up answers must be stable");
    assert_ne!(u1["kdf"]["salt"], u3["kdf"]["salt"]);
    assert_ne!(u1["account_id"], u3["account_id"]);
    // Identical shape: same keys at each level, same types.
    let keys = |v: &serde_json::Value| v.as_object().unwrap().keys().cloned().collect::<Vec<_>>();
    assert_eq!(keys(&known), keys(&u1));
    assert_eq!(keys(&known["kdf"]), keys(&u1["kdf"]));
    assert_eq!(u1["kdf"]["alg"], "pbkdf2-sha256");
    assert_eq!(u1["kdf"]["salt"].as_str().unwrap().len(), 22);
}

async fn register_rejects_bad_input(s: &TestServer) {
    let ok = register_body("carol", &rand_b64(32));
    let cases: Vec<(serde_json::Value, &str)> = vec![
        (
            {
                let mut b = ok.clone();
                b["kdf"]["iterations"] = json!(599_999);
                b
            },
            "kdf_too_weak",
        ),
        (
            {
                let mut b = ok.clone();
                b["kdf"]["iterations"] = json!(10_000_001);
                b
            },
            "kdf_too_expensive",
        ),
        (
            {
                let mut b = ok.clone();
                b["kdf"]["alg"] = json!("argon2id");
                b
            },
            "unsupported_kdf",
        ),
        (
            {
                let mut b = ok.clone();
                b["kdf"]["salt"] = json!(rand_b64(15));
                b
            },
            "invalid_length",
        ),
        (
            {
                let mut b = ok.clone();
                b["auth_key"] = json!("!!notbase64!!");
                b
            },
            "invalid_base64",
        ),
        (
            {
                let mut b = ok.clone();
                b["auth_key"] = json!(format!("{}=", rand_b64(32)));
                b
            },
            "invalid_base64",
        ),
        (
            {
                let mut b = ok.clone();
                b["public_key"] = json!(rand_b64(31));
                b
            },
            "invalid_length",
        ),
        (
            {
                let mut b = ok.clone();
                b["account_id"] = json!("a/b");
                b
            },
            "invalid_id",
        ),
        (
            {
                let mut b = ok.clone();
                b["account_id"] = json!("x".repeat(65));
                b
            },
            "invalid_id",
        ),
        (
            {
                let mut b = ok.clone();
                b["email"] = json!("no-at-sign");
                b
            },
            "invalid_email",
        ),
        (
            {
                let mut b = ok.clone();
                b["wrapped_account_key"] = json!("a".repeat(20_000));
                b
            },
            "field_too_large",
        ),
        (
            {
                let mut b = ok.clone();
                b["wrapped_account_key"] = json!("<script>");
                b
            },
            "invalid_envelope",
        ),
        (
            {
                let mut b = ok.clone();
                b["kdf"]["iterations"] = json!("600000");
                b
            },
            "invalid_json_data",
        ),
        (
            {
                let mut b = ok.clone();
                b["extra"] = json!(1);
                b
            },
            "invalid_json_data",
        ),
        (
            {
                let mut b = ok.clone();
                b.as_object_mut().unwrap().remove("auth_key");
                b
            },
            "invalid_json_data",
        ),
    ];
    for (body, code) in cases {
        let (st, v) = s.post("/api/v1/accounts", None, body).await;
        assert_eq!(st, StatusCode::BAD_REQUEST, "{v}");
        assert_eq!(v["error"], code, "{v}");
        assert!(v["message"].as_str().is_some_and(|m| !m.is_empty()));
    }
    // A secret sent with the wrong type is not echoed back.
    let secret = rand_b64(32);
    let mut b = ok.clone();
    b["kdf"]["salt"] = json!(42);
    b["account_id"] = json!(12);
    b["auth_key"] = json!(secret.clone());
    let (st, v) = s.post("/api/v1/accounts", None, b).await;
    assert_eq!(st, StatusCode::BAD_REQUEST);
    assert!(!v.to_string().contains(&secret));
    // Malformed JSON.
    let req = Request::builder()
        .method(Method::POST)
        .uri("/api/v1/accounts")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from("{\"account_id\": \"x\", "))
        .unwrap();
    let (st, _, body) = s.raw(req).await;
    assert_eq!(st, StatusCode::BAD_REQUEST);
    let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(v["error"], "malformed_json");
    // Oversized body.
    let big = json!({"email": "a".repeat(5 * 1024 * 1024)});
    let (st, v) = s.post("/api/v1/accounts/prelogin", None, big).await;
    assert_eq!(st, StatusCode::PAYLOAD_TOO_LARGE, "{v}");
    // The same account id again: 409, whatever the email.
    let (st, _) = s.post("/api/v1/accounts", None, ok.clone()).await;
    assert_eq!(st, StatusCode::CREATED);
    let (st, v) = s.post("/api/v1/accounts", None, ok).await;
    assert_eq!(st, StatusCode::CONFLICT);
    assert_eq!(v["error"], "account_id_taken");
    let mut other_email = register_body("carol", &rand_b64(32));
    other_email["email"] = json!("someone-new@example.org");
    assert_eq!(
        s.post("/api/v1/accounts", None, other_email).await.0,
        StatusCode::CONFLICT
    );
}

/// Registering a taken email answers exactly like a new registration, so it
/// does not reveal which emails have accounts; the real owner is untouched,
/// and the registrant finds out at login, which fails like a wrong password.
async fn registering_a_taken_email_reveals_nothing(s: &TestServer) {
    let owner_key = rand_b64(32);
    let owner = register_body("owner1", &owner_key);
    let (st, first) = s.post("/api/v1/accounts", None, owner.clone()).await;
    assert_eq!(st, StatusCode::CREATED);
    let (_, pre_before) = s
        .post(
            "/api/v1/accounts/prelogin",
            None,
            json!({"email": "owner1@example.org"}),
        )
        .await;

    let intruder_key = rand_b64(32);
    let mut dup = register_body("intruder1", &intruder_key);
    dup["email"] = json!("Owner1@Example.org");
    let (st, v) = s.post("/api/v1/accounts", None, dup).await;
    assert_eq!(st, StatusCode::CREATED, "{v}");
    assert_eq!(v, json!({"account_id": "intruder1"}));
    // Same shape as a fresh registration.
    let keys = |v: &serde_json::Value| v.as_object().unwrap().keys().cloned().collect::<Vec<_>>();
    assert_eq!(keys(&v), keys(&first));

    // The real owner is unaffected: same prelogin answer, login works.
    let (_, pre_after) = s
        .post(
            "/api/v1/accounts/prelogin",
            None,
            json!({"email": "owner1@example.org"}),
        )
        .await;
    assert_eq!(pre_before, pre_after);
    assert_eq!(pre_after["account_id"], "owner1");
    let (st, _) = s
        .post(
            "/api/v1/accounts/login",
            None,
            json!({"account_id": "owner1", "auth_key": owner_key}),
        )
        .await;
    assert_eq!(st, StatusCode::OK);
    // The registrant's login fails as an unknown account / wrong password.
    let (st, v) = s
        .post(
            "/api/v1/accounts/login",
            None,
            json!({"account_id": "intruder1", "auth_key": intruder_key}),
        )
        .await;
    assert_eq!(st, StatusCode::UNAUTHORIZED, "{v}");
    let (st, _) = s
        .post(
            "/api/v1/accounts/login",
            None,
            json!({"account_id": "owner1", "auth_key": intruder_key}),
        )
        .await;
    assert_eq!(st, StatusCode::UNAUTHORIZED);
    // The attempt is on the record.
    use sqlx::Row;
    let n: i64 = sqlx::query(
        "SELECT COUNT(*) AS n FROM audit WHERE chain = 'global' AND action = 'account.register' AND outcome = 'email_taken'",
    )
    .fetch_one(&s.state.db.pool)
    .await
    .unwrap()
    .get("n");
    assert_eq!(n, 1);
}

/// A login for `account` with `key` from TCP peer `peer`: status and Retry-After.
async fn login_from(s: &TestServer, account: &str, key: &str, peer: &str) -> (StatusCode, u64) {
    let mut req = Request::builder()
        .method(Method::POST)
        .uri("/api/v1/accounts/login")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(
            json!({"account_id": account, "auth_key": key}).to_string(),
        ))
        .unwrap();
    let addr = SocketAddr::new(peer.parse().unwrap(), 40000);
    req.extensions_mut().insert(ConnectInfo(addr));
    let (st, headers, _) = s.raw(req).await;
    let retry = headers
        .get(header::RETRY_AFTER)
        .map_or(0, |v| v.to_str().unwrap().parse().unwrap());
    (st, retry)
}

async fn denied_logins(s: &TestServer) -> i64 {
    use sqlx::Row;
    sqlx::query(
        "SELECT COUNT(*) AS n FROM audit WHERE action = 'account.login' AND outcome = 'denied'",
    )
    .fetch_one(&s.state.db.pool)
    .await
    .unwrap()
    .get("n")
}

/// Failed logins back off per (account, client network): an attacker's
/// failures, from one network or many, never lock the owner out of theirs.
/// The backoff is 60 s here so a slow machine cannot outlast it.
async fn login_failures_back_off_per_network(kind: Kind) {
    let s = TestServer::new_with(kind, |st| {
        st.login_backoff_base = Duration::from_secs(60);
    })
    .await;
    let dave = s.user("dave").await;
    // Twelve wrong logins from 203.0.113.0/24: five are evaluated, then the
    // network waits, whichever address of it asks, even with the right key.
    for i in 0..12 {
        let (st, retry) = login_from(&s, "dave", &rand_b64(32), &format!("203.0.113.{i}")).await;
        if i < 5 {
            assert_eq!(st, StatusCode::UNAUTHORIZED, "attempt {i}");
        } else {
            assert_eq!(st, StatusCode::TOO_MANY_REQUESTS, "attempt {i}");
            assert!(retry > 0 && retry <= 60, "{retry}");
        }
    }
    let (st, _) = login_from(&s, "dave", &dave.auth_key, "203.0.113.200").await;
    assert_eq!(
        st,
        StatusCode::TOO_MANY_REQUESTS,
        "the attacker's network waits"
    );
    // Five more failures from each of ten other networks.
    for n in 0..10 {
        for _ in 0..5 {
            let (st, _) = login_from(&s, "dave", &rand_b64(32), &format!("198.18.{n}.1")).await;
            assert_eq!(st, StatusCode::UNAUTHORIZED);
        }
    }
    // The owner, on a network of their own (IPv4 and IPv6), gets in.
    let (st, _) = login_from(&s, "dave", &dave.auth_key, "192.0.2.44").await;
    assert_eq!(st, StatusCode::OK);
    let (st, _) = login_from(&s, "dave", &dave.auth_key, "2001:db8:7::1").await;
    assert_eq!(st, StatusCode::OK);
    // Every evaluated failure is in the audit log; the 429s were not evaluated.
    assert_eq!(denied_logins(&s).await, 55);
    s.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_failures_back_off_per_network_sqlite() {
    login_failures_back_off_per_network(Kind::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_failures_back_off_per_network_postgres() {
    login_failures_back_off_per_network(Kind::Postgres).await;
}

/// Once the backoff has passed, the right key from the same network gets in,
/// and that success clears the network's count.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_the_backoff_the_right_key_gets_in() {
    let s = TestServer::new_with(Kind::Sqlite, |st| {
        st.login_backoff_base = Duration::from_millis(300);
        st.login_backoff_max = Duration::from_millis(600);
    })
    .await;
    let erin = s.user("erin").await;
    let net = "192.0.2.10";
    for _ in 0..5 {
        let (st, _) = login_from(&s, "erin", &rand_b64(32), net).await;
        assert_eq!(st, StatusCode::UNAUTHORIZED);
    }
    let (st, retry) = login_from(&s, "erin", &erin.auth_key, net).await;
    assert_eq!((st, retry), (StatusCode::TOO_MANY_REQUESTS, 1));
    tokio::time::sleep(Duration::from_millis(350)).await;
    // Evaluated again: a sixth failure doubles the backoff.
    let (st, _) = login_from(&s, "erin", &rand_b64(32), net).await;
    assert_eq!(st, StatusCode::UNAUTHORIZED);
    let (st, _) = login_from(&s, "erin", &erin.auth_key, net).await;
    assert_eq!(st, StatusCode::TOO_MANY_REQUESTS);
    tokio::time::sleep(Duration::from_millis(650)).await;
    let (st, _) = login_from(&s, "erin", &erin.auth_key, net).await;
    assert_eq!(
        st,
        StatusCode::OK,
        "after the backoff the right key gets in"
    );
    // The success cleared the count: five free failures again.
    for _ in 0..5 {
        let (st, _) = login_from(&s, "erin", &rand_b64(32), net).await;
        assert_eq!(st, StatusCode::UNAUTHORIZED);
    }
    let (st, _) = login_from(&s, "erin", &rand_b64(32), net).await;
    assert_eq!(st, StatusCode::TOO_MANY_REQUESTS);
    s.finish().await;
}

/// An unknown email's lookup answer is a stable, validly self-signed decoy
/// whose account id is prelogin's made-up one (SPEC § Account lookup).
async fn lookup_hides_existence(s: &TestServer) {
    let cal = s.user("cal").await;
    let lookup = |email: &'static str| {
        s.post(
            "/api/v1/accounts/lookup",
            Some(&cal.token),
            json!({ "email": email }),
        )
    };
    let (st, d1) = lookup("ghost@example.org").await;
    assert_eq!(st, StatusCode::OK, "{d1}");
    let (_, d2) = lookup("GHOST@example.org").await;
    let (_, other) = lookup("wraith@example.org").await;
    assert_eq!(d1, d2, "a decoy must be stable per email");
    assert_ne!(d1["public_key"], other["public_key"]);
    let id = blindvault::identity::Identity::parse(d1["identity"].as_str().unwrap())
        .expect("a decoy identity verifies like a real one");
    assert_eq!(id.email(), "ghost@example.org");
    assert_eq!(id.account_id(), d1["account_id"].as_str().unwrap());
    assert_eq!(
        blindvault::encoding::b64u_encode(id.x25519()),
        d1["public_key"].as_str().unwrap()
    );
    let (_, pre) = s
        .post(
            "/api/v1/accounts/prelogin",
            None,
            json!({"email": "ghost@example.org"}),
        )
        .await;
    assert_eq!(pre["account_id"], d1["account_id"]);
    // Sharing with the decoy is where the server refuses: only an admin of a
    // vault gets there, and it is audited.
    s.vault(&cal, "calvault").await;
    let rev = s.vault_revision(&cal, "calvault").await;
    let decoy_id = d1["account_id"].as_str().unwrap();
    let (st, v) = s
        .put(
            &format!("/api/v1/vaults/calvault/members/{decoy_id}"),
            &cal.token,
            json!({"base_revision": rev, "role": "read", "wrapped_vault_key": envelope("vk")}),
        )
        .await;
    assert_eq!(st, StatusCode::NOT_FOUND, "{v}");
    assert_eq!(v["error"], "unknown_account");
    let (_, real) = lookup("cal@example.org").await;
    assert_eq!(real["account_id"], "cal");
    let keys = |v: &serde_json::Value| v.as_object().unwrap().keys().cloned().collect::<Vec<_>>();
    assert_eq!(keys(&real), keys(&d1));
    assert_eq!(
        real["public_key"].as_str().unwrap().len(),
        d1["public_key"].as_str().unwrap().len()
    );
}

/// Lookups: 30 per caller per 15 minutes, each an audit entry without the email.
async fn lookups_are_limited_and_audited(s: &TestServer) {
    let _ida = s.user("ida").await;
    let hal = s.user("hal").await;
    let jo = s.user("jo").await;
    for i in 0..30 {
        let email = if i % 10 == 9 {
            format!("nobody{i}@example.org")
        } else {
            "ida@example.org".to_string()
        };
        let (st, v) = s
            .post(
                "/api/v1/accounts/lookup",
                Some(&hal.token),
                json!({"email": email}),
            )
            .await;
        // Unknown emails get a decoy of the same shape (SPEC § Account lookup).
        assert_eq!(st, StatusCode::OK, "lookup {i}: {v}");
        let mut keys: Vec<_> = v.as_object().unwrap().keys().cloned().collect();
        keys.sort();
        assert_eq!(keys, ["account_id", "identity", "public_key"], "{v}");
    }
    let req = Request::builder()
        .method(Method::POST)
        .uri("/api/v1/accounts/lookup")
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::AUTHORIZATION, format!("Bearer {}", hal.token))
        .body(Body::from(json!({"email": "ida@example.org"}).to_string()))
        .unwrap();
    let (st, headers, body) = s.raw(req).await;
    assert_eq!(st, StatusCode::TOO_MANY_REQUESTS);
    let retry: u64 = headers[header::RETRY_AFTER]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(retry > 0 && retry <= 900, "{retry}");
    let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(v["error"], "rate_limited");
    // Another caller is not limited.
    let (st, _) = s
        .post(
            "/api/v1/accounts/lookup",
            Some(&jo.token),
            json!({"email": "ida@example.org"}),
        )
        .await;
    assert_eq!(st, StatusCode::OK);
    use sqlx::Row;
    let rows: Vec<(String, String, String)> = sqlx::query(
        "SELECT object, outcome, client FROM audit WHERE chain = 'global' AND action = 'account.lookup' \
         AND actor = 'account:hal' ORDER BY seq",
    )
    .fetch_all(&s.state.db.pool)
    .await
    .unwrap()
    .iter()
    .map(|r| (r.get("object"), r.get("outcome"), r.get("client")))
    .collect();
    assert_eq!(rows.len(), 30, "one entry per lookup, none for the 429");
    let found = rows
        .iter()
        .filter(|(o, out, _)| o == "account:ida" && out == "ok");
    assert_eq!(found.count(), 27);
    let missed = rows
        .iter()
        .filter(|(o, out, _)| o == "lookup" && out == "not_found");
    assert_eq!(missed.count(), 3);
    let all: Vec<String> = sqlx::query("SELECT object FROM audit")
        .fetch_all(&s.state.db.pool)
        .await
        .unwrap()
        .iter()
        .map(|r| r.get("object"))
        .collect();
    assert!(
        all.iter().all(|o| !o.contains('@')),
        "no email in the audit log"
    );
}

async fn change_password_swaps_and_revokes(s: &TestServer) {
    let erin = s.user("erin").await;
    let (_, second) = s
        .post(
            "/api/v1/accounts/login",
            None,
            json!({"account_id": "erin", "auth_key": erin.auth_key}),
        )
        .await;
    let second = second["token"].as_str().unwrap().to_string();
    let new_key = rand_b64(32);
    let new_salt = rand_b64(16);
    let body = json!({
        "auth_key": erin.auth_key,
        "new_kdf": {"alg": "pbkdf2-sha256", "iterations": 700000, "salt": new_salt},
        "new_wrapped_account_key": envelope("ak2"),
        "new_auth_key": new_key,
    });
    let mut wrong = body.clone();
    wrong["auth_key"] = json!(rand_b64(32));
    let (st, _) = s
        .post("/api/v1/accounts/me/password", Some(&erin.token), wrong)
        .await;
    assert_eq!(st, StatusCode::FORBIDDEN);
    let (st, v) = s
        .post("/api/v1/accounts/me/password", Some(&erin.token), body)
        .await;
    assert_eq!(st, StatusCode::NO_CONTENT, "{v}");
    assert_eq!(
        s.get("/api/v1/accounts/me", &second).await.0,
        StatusCode::UNAUTHORIZED,
        "other sessions revoked"
    );
    let (st, me) = s.get("/api/v1/accounts/me", &erin.token).await;
    assert_eq!(st, StatusCode::OK, "the changing session stays");
    assert_eq!(me["kdf"]["iterations"], 700000);
    assert_eq!(me["kdf"]["salt"], new_salt);
    let (st, _) = s
        .post(
            "/api/v1/accounts/login",
            None,
            json!({"account_id": "erin", "auth_key": erin.auth_key}),
        )
        .await;
    assert_eq!(st, StatusCode::UNAUTHORIZED);
    let (st, _) = s
        .post(
            "/api/v1/accounts/login",
            None,
            json!({"account_id": "erin", "auth_key": new_key}),
        )
        .await;
    assert_eq!(st, StatusCode::OK);
}

async fn delete_account_and_lookup(s: &TestServer) {
    let fay = s.user("fay").await;
    let gus = s.user("gus").await;
    let (st, v) = s
        .post(
            "/api/v1/accounts/lookup",
            Some(&gus.token),
            json!({"email": "fay@example.org"}),
        )
        .await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(v["account_id"], "fay");
    assert_eq!(v["public_key"].as_str().unwrap().len(), 43);
    let (st, _) = s
        .post(
            "/api/v1/accounts/lookup",
            None,
            json!({"email": "fay@example.org"}),
        )
        .await;
    assert_eq!(st, StatusCode::UNAUTHORIZED);
    s.vault(&fay, "fayvault").await;
    s.vault(&gus, "gusvault").await;
    s.add_member(&gus, "gusvault", &fay, "write").await;
    let rev = s.vault_revision(&gus, "gusvault").await;
    let (st, _) = s
        .call(
            Method::DELETE,
            "/api/v1/accounts/me",
            Some(&fay.token),
            Some(json!({"auth_key": rand_b64(32)})),
        )
        .await;
    assert_eq!(st, StatusCode::FORBIDDEN);
    let (st, _) = s
        .call(
            Method::DELETE,
            "/api/v1/accounts/me",
            Some(&fay.token),
            Some(json!({"auth_key": fay.auth_key})),
        )
        .await;
    assert_eq!(st, StatusCode::NO_CONTENT);
    assert_eq!(
        s.get("/api/v1/accounts/me", &fay.token).await.0,
        StatusCode::UNAUTHORIZED
    );
    // A deleted account's email answers like any unknown one: a decoy.
    let (st, v) = s
        .post(
            "/api/v1/accounts/lookup",
            Some(&gus.token),
            json!({"email": "fay@example.org"}),
        )
        .await;
    assert_eq!(st, StatusCode::OK);
    assert_ne!(v["account_id"], "fay");
    use sqlx::Row;
    let n: i64 = sqlx::query("SELECT COUNT(*) AS n FROM vaults WHERE id = 'fayvault'")
        .fetch_one(&s.state.db.pool)
        .await
        .unwrap()
        .get("n");
    assert_eq!(n, 0, "the sole member's vault went with the account");
    assert_eq!(
        s.vault_revision(&gus, "gusvault").await,
        rev + 1,
        "shared vault sees the removal"
    );
    let (_, m) = s.get("/api/v1/vaults/gusvault/members", &gus.token).await;
    assert_eq!(m["members"].as_array().unwrap().len(), 1);
    assert!(s
        .audit_actions("gusvault")
        .await
        .iter()
        .any(|(a, act, _)| a == "account:fay" && act == "member.remove.account_deleted"));
}

both_backends!(
    register_login_logout,
    prelogin_hides_existence,
    register_rejects_bad_input,
    lookups_are_limited_and_audited,
    lookup_hides_existence,
    change_password_swaps_and_revokes,
    delete_account_and_lookup,
    registering_a_taken_email_reveals_nothing,
);

/// Unauthenticated endpoints refuse bodies far below the app-wide limit.
#[tokio::test]
async fn small_body_limit_on_account_endpoints() {
    let s = TestServer::new(common::Kind::Sqlite).await;
    let (st, _) = s
        .post(
            "/api/v1/accounts/login",
            None,
            json!({"account_id": "a".repeat(70 * 1024), "auth_key": "x"}),
        )
        .await;
    assert_eq!(st, StatusCode::PAYLOAD_TOO_LARGE);
    let (st, _) = s
        .post(
            "/api/v1/accounts/login",
            None,
            json!({"account_id": "a".repeat(60 * 1024), "auth_key": "x"}),
        )
        .await;
    assert_eq!(
        st,
        StatusCode::BAD_REQUEST,
        "under the limit, the id check answers"
    );
    s.finish().await;
}
