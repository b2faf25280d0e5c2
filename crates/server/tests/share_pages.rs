//! "Request a secret" slots behind the sharing pages: one answer per slot,
//! collected once by its owner only, and the same 404 for every refusal an
//! answerer can see.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use common::{envelope, TestServer};
use serde_json::{json, Value};
use sqlx::Row;

async fn request_slot_answers_once(s: &TestServer) {
    let amy = s.user("amy").await;
    let bob = s.user("bob").await;
    let (st, v) = s
        .post(
            "/api/v1/share-requests",
            Some(&amy.token),
            json!({"expires_in_secs": 600}),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{v}");
    let id = v["id"].as_str().unwrap().to_string();
    let collect = format!("/api/v1/share-requests/{id}/collect");
    let answer = format!("/api/v1/share-requests/{id}/answer");

    let (st, v) = s.post(&collect, Some(&amy.token), json!({})).await;
    assert_eq!(st, StatusCode::OK);
    assert!(v["ciphertext"].is_null(), "nobody answered yet: {v}");

    // Anyone with the link answers, without an account; only once.
    let first = envelope("first");
    let (st, _) = s.post(&answer, None, json!({"ciphertext": first})).await;
    assert_eq!(st, StatusCode::NO_CONTENT);
    let (st, second) = s
        .post(&answer, None, json!({"ciphertext": envelope("second")}))
        .await;
    assert_eq!(st, StatusCode::NOT_FOUND);
    let (st, unknown) = s
        .post(
            "/api/v1/share-requests/AAAAAAAAAAAAAAAAAAAAAA/answer",
            None,
            json!({"ciphertext": envelope("x")}),
        )
        .await;
    assert_eq!(st, StatusCode::NOT_FOUND);
    assert_eq!(second, unknown, "answered and unknown look the same");
    let (st, _) = s
        .post(&answer, None, json!({"ciphertext": "not opaque!"}))
        .await;
    assert_eq!(st, StatusCode::BAD_REQUEST);

    // Somebody else's session cannot collect it, nor learn that it exists.
    let (st, _) = s.post(&collect, Some(&bob.token), json!({})).await;
    assert_eq!(st, StatusCode::NOT_FOUND);
    let (st, _) = s.post(&collect, None, json!({})).await;
    assert_eq!(st, StatusCode::UNAUTHORIZED);

    let (st, v) = s.post(&collect, Some(&amy.token), json!({})).await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(v["ciphertext"], json!(first));
    let (st, _) = s.post(&collect, Some(&amy.token), json!({})).await;
    assert_eq!(st, StatusCode::NOT_FOUND, "collected answers are deleted");
}

async fn request_slot_limits_and_cancel(s: &TestServer) {
    let cy = s.user("cy").await;
    for secs in [0, 30 * 24 * 3600 + 1] {
        let (st, v) = s
            .post(
                "/api/v1/share-requests",
                Some(&cy.token),
                json!({"expires_in_secs": secs}),
            )
            .await;
        assert_eq!(st, StatusCode::BAD_REQUEST, "{v}");
        assert_eq!(v["error"], "invalid_expiry");
    }
    let (st, _) = s
        .post(
            "/api/v1/share-requests",
            None,
            json!({"expires_in_secs": 60}),
        )
        .await;
    assert_eq!(
        st,
        StatusCode::UNAUTHORIZED,
        "opening a slot needs an account"
    );
    let (_, v) = s
        .post(
            "/api/v1/share-requests",
            Some(&cy.token),
            json!({"expires_in_secs": 60}),
        )
        .await;
    let id = v["id"].as_str().unwrap();
    let (st, _) = s
        .delete(&format!("/api/v1/share-requests/{id}"), &cy.token)
        .await;
    assert_eq!(st, StatusCode::NO_CONTENT);
    let (st, _) = s
        .post(
            &format!("/api/v1/share-requests/{id}/answer"),
            None,
            json!({"ciphertext": envelope("late")}),
        )
        .await;
    assert_eq!(
        st,
        StatusCode::NOT_FOUND,
        "a cancelled slot takes no answer"
    );
}

/// A shared file of up to 8 MiB is 16 MiB of base64url at most (with the
/// passphrase layer): POST /shares stores a share past the API's ordinary
/// 1 MiB body limit, reads a body of one character more than the cap and
/// refuses it with a specific 400 (not 413: the route's body limit leaves room
/// for the JSON around it), and answers 413 past that, storing nothing.
/// Request answers keep their 256 KiB cap. (bv's tests store a 14 MiB share.)
async fn share_ciphertext_cap(s: &TestServer) {
    const CAP: usize = 16 * 1024 * 1024;
    let dee = s.user("dee").await;
    // Bodies written by hand: serialising 16 MiB through serde_json::Value
    // in a debug build would cost more than the server's own work.
    let bearer = format!("Bearer {}", dee.token);
    let create = |len: usize| {
        let bearer = bearer.clone();
        async move {
            let body = format!(
                r#"{{"ciphertext":"{}","expires_in_secs":60,"max_views":1}}"#,
                "A".repeat(len)
            );
            let req = Request::builder()
                .method(Method::POST)
                .uri("/api/v1/shares")
                .header(header::AUTHORIZATION, bearer)
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(body))
                .unwrap();
            let (st, _, bytes) = s.raw(req).await;
            (st, serde_json::from_slice::<Value>(&bytes).unwrap())
        }
    };
    let (st, v) = create(2 * 1024 * 1024).await;
    assert_eq!(st, StatusCode::CREATED, "{v}");
    let id = v["id"].as_str().unwrap();
    // `open` reads whatever body came before it uses the view (an unread
    // body made hyper reset the connection mid-answer); a silly one is 400.
    let (st, v) = s
        .post(
            &format!("/api/v1/shares/{id}/open"),
            None,
            json!({"pad": "x".repeat(5000)}),
        )
        .await;
    assert_eq!(
        (st, v["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("bad_body"))
    );
    let (st, v) = s
        .post(&format!("/api/v1/shares/{id}/open"), None, json!({}))
        .await;
    assert_eq!(st, StatusCode::OK);
    let back = v["ciphertext"].as_str().unwrap();
    assert!(
        back.len() == 2 * 1024 * 1024 && back.bytes().all(|b| b == b'A'),
        "a 2 MiB share comes back whole"
    );

    let (st, v) = create(CAP + 1).await;
    assert_eq!(st, StatusCode::BAD_REQUEST);
    assert_eq!(v["error"], "field_too_large");
    assert_eq!(v["message"], format!("ciphertext exceeds {CAP} bytes"));
    let (st, v) = create(CAP + 8192).await;
    assert_eq!(st, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(v["error"], "body_too_large");
    let n: i64 = sqlx::query("SELECT COUNT(*) AS n FROM shares")
        .fetch_one(&s.state.db.pool)
        .await
        .unwrap()
        .get("n");
    assert_eq!(
        n, 0,
        "refused shares store nothing (the opened one is used up)"
    );

    let (_, v) = s
        .post(
            "/api/v1/share-requests",
            Some(&dee.token),
            json!({"expires_in_secs": 60}),
        )
        .await;
    let answer = format!(
        "/api/v1/share-requests/{}/answer",
        v["id"].as_str().unwrap()
    );
    let (st, v) = s
        .post(
            &answer,
            None,
            json!({"ciphertext": "A".repeat(256 * 1024 + 1)}),
        )
        .await;
    assert_eq!(st, StatusCode::BAD_REQUEST);
    assert_eq!(v["error"], "field_too_large");
}

both_backends!(
    request_slot_answers_once,
    request_slot_limits_and_cancel,
    share_ciphertext_cap
);

/// An account's live shares are capped (`share_quota_bytes`): one more share
/// past the quota is 413 `share_quota_exceeded` and stores nothing; deleting
/// a share frees its room. Another account is not affected.
async fn share_quota(kind: common::Kind) {
    let s = TestServer::new_with(kind, |st| st.share_quota_bytes = 1000).await;
    let eve = s.user("eve").await;
    let share =
        |n: usize| json!({"ciphertext": "A".repeat(n), "expires_in_secs": 60, "max_views": 1});
    let (st, first) = s.post("/api/v1/shares", Some(&eve.token), share(600)).await;
    assert_eq!(st, StatusCode::CREATED);
    let (st, v) = s.post("/api/v1/shares", Some(&eve.token), share(600)).await;
    assert_eq!(st, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(v["error"], "share_quota_exceeded");
    let n: i64 = sqlx::query("SELECT COUNT(*) AS n FROM shares")
        .fetch_one(&s.state.db.pool)
        .await
        .unwrap()
        .get("n");
    assert_eq!(n, 1, "the refused share stored nothing");

    let fay = s.user("fay").await;
    let (st, _) = s.post("/api/v1/shares", Some(&fay.token), share(600)).await;
    assert_eq!(st, StatusCode::CREATED, "the quota is per account");

    let req = Request::builder()
        .method(Method::DELETE)
        .uri(format!("/api/v1/shares/{}", first["id"].as_str().unwrap()))
        .header("x-delete-token", first["delete_token"].as_str().unwrap())
        .body(Body::empty())
        .unwrap();
    let (st, _, _) = s.raw(req).await;
    assert!(st.is_success(), "delete: {st}");
    let (st, _) = s.post("/api/v1/shares", Some(&eve.token), share(600)).await;
    assert_eq!(st, StatusCode::CREATED, "deleting frees the room");
    s.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn share_quota_sqlite() {
    share_quota(common::Kind::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn share_quota_postgres() {
    share_quota(common::Kind::Postgres).await;
}
