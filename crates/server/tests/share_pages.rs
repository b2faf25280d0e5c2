//! "Request a secret" slots behind the sharing pages: one answer per slot,
//! collected once by its owner only, and the same 404 for every refusal an
//! answerer can see.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use axum::http::StatusCode;
use common::{envelope, TestServer};
use serde_json::json;

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

both_backends!(request_slot_answers_once, request_slot_limits_and_cancel);
