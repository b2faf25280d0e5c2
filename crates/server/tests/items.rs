//! Items: revisions, 409 with the current version, trash, history, and 50
//! concurrent writers on one revision.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::sync::Arc;

use axum::http::StatusCode;
use common::{envelope, TestServer};
use serde_json::json;

async fn revisions_conflicts_trash_history(s: &TestServer) {
    let u = s.user("u").await;
    s.vault(&u, "v").await;
    let it = s.item(&u, "v", "i").await;
    assert_eq!(it["revision"], 1);
    let (st, v) = s
        .post(
            "/api/v1/vaults/v/items",
            Some(&u.token),
            json!({"id": "i", "envelope": envelope("dup")}),
        )
        .await;
    assert_eq!(st, StatusCode::CONFLICT);
    assert_eq!(
        v["current"]["envelope"], it["envelope"],
        "create over an existing item returns it"
    );

    let e2 = envelope("two");
    let (st, v) = s
        .put(
            "/api/v1/vaults/v/items/i",
            &u.token,
            json!({"base_revision": 1, "envelope": e2}),
        )
        .await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(v["revision"], 2);
    let (st, v) = s
        .put(
            "/api/v1/vaults/v/items/i",
            &u.token,
            json!({"base_revision": 1, "envelope": envelope("stale")}),
        )
        .await;
    assert_eq!(st, StatusCode::CONFLICT);
    assert_eq!(v["error"], "stale_revision");
    assert_eq!(v["current"]["revision"], 2);
    assert_eq!(v["current"]["envelope"], e2.as_str());
    let (_, now) = s.get("/api/v1/vaults/v/items/i", &u.token).await;
    assert_eq!(
        now["envelope"],
        e2.as_str(),
        "the stale write changed nothing"
    );

    // Purge needs the trash first.
    let (st, v) = s
        .delete("/api/v1/vaults/v/items/i?base_revision=2", &u.token)
        .await;
    assert_eq!(st, StatusCode::CONFLICT);
    assert_eq!(v["error"], "not_trashed");
    let (st, v) = s
        .post(
            "/api/v1/vaults/v/items/i/trash",
            Some(&u.token),
            json!({"base_revision": 2}),
        )
        .await;
    assert_eq!(st, StatusCode::OK);
    assert!(v["trashed_at"].as_i64().is_some());
    assert_eq!(v["revision"], 3);
    let (st, v) = s
        .post(
            "/api/v1/vaults/v/items/i/restore",
            Some(&u.token),
            json!({"base_revision": 3}),
        )
        .await;
    assert_eq!(st, StatusCode::OK);
    assert!(v["trashed_at"].is_null());
    let (st, _) = s
        .post(
            "/api/v1/vaults/v/items/i/restore",
            Some(&u.token),
            json!({"base_revision": 3}),
        )
        .await;
    assert_eq!(st, StatusCode::CONFLICT);

    // History keeps the last 20 older envelopes, newest first.
    let mut rev = 4;
    let mut sent = Vec::new();
    for n in 0..25 {
        let e = envelope(&format!("h{n}"));
        let (st, v) = s
            .put(
                "/api/v1/vaults/v/items/i",
                &u.token,
                json!({"base_revision": rev, "envelope": e}),
            )
            .await;
        assert_eq!(st, StatusCode::OK, "{v}");
        rev = v["revision"].as_i64().unwrap();
        sent.push(e);
    }
    let (_, h) = s.get("/api/v1/vaults/v/items/i/history", &u.token).await;
    let h = h["history"].as_array().unwrap();
    assert_eq!(h.len(), 20);
    assert_eq!(h[0]["revision"], rev - 1);
    assert_eq!(h[0]["envelope"], sent[23].as_str());
    assert_eq!(h[19]["revision"], rev - 20);

    let (_, v) = s
        .post(
            "/api/v1/vaults/v/items/i/trash",
            Some(&u.token),
            json!({"base_revision": rev}),
        )
        .await;
    let rev = v["revision"].as_i64().unwrap();
    assert_eq!(
        s.delete(
            &format!("/api/v1/vaults/v/items/i?base_revision={rev}"),
            &u.token
        )
        .await
        .0,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        s.get("/api/v1/vaults/v/items/i", &u.token).await.0,
        StatusCode::NOT_FOUND
    );
    let (_, h) = s.get("/api/v1/vaults/v/items/i/history", &u.token).await;
    assert!(h["history"].as_array().unwrap().is_empty());
    let (st, _) = s
        .put(
            "/api/v1/vaults/v/items/gone",
            &u.token,
            json!({"base_revision": 1, "envelope": envelope("x")}),
        )
        .await;
    assert_eq!(st, StatusCode::NOT_FOUND);
}

/// 50 writers all based on revision 1: exactly one wins, 49 get 409, and the
/// stored envelope is the winner's (no lost update). Then again on revision 2.
async fn fifty_concurrent_writers(s: &TestServer) {
    let u = s.user("u").await;
    s.vault(&u, "v").await;
    s.item(&u, "v", "i").await;
    let token = Arc::new(u.token.clone());
    for base in [1i64, 2] {
        let mut handles = Vec::new();
        for n in 0..50 {
            let app = s.app.clone();
            let token = token.clone();
            let e = envelope(&format!("w{base}-{n}"));
            handles.push(tokio::spawn(async move {
                use tower::ServiceExt;
                let req = axum::http::Request::builder()
                    .method("PUT")
                    .uri("/api/v1/vaults/v/items/i")
                    .header("authorization", format!("Bearer {token}"))
                    .header("content-type", "application/json")
                    .body(axum::body::Body::from(
                        json!({"base_revision": base, "envelope": e}).to_string(),
                    ))
                    .unwrap();
                let resp = app.oneshot(req).await.unwrap();
                (resp.status(), e)
            }));
        }
        let mut winners = Vec::new();
        let mut conflicts = 0;
        for h in handles {
            let (st, e) = h.await.unwrap();
            match st {
                StatusCode::OK => winners.push(e),
                StatusCode::CONFLICT => conflicts += 1,
                other => panic!("unexpected status {other}"),
            }
        }
        assert_eq!(winners.len(), 1, "exactly one writer wins revision {base}");
        assert_eq!(conflicts, 49);
        let (_, cur) = s.get("/api/v1/vaults/v/items/i", &u.token).await;
        assert_eq!(cur["revision"], base + 1);
        assert_eq!(cur["envelope"], winners[0].as_str());
    }
}

both_backends!(revisions_conflicts_trash_history, fifty_concurrent_writers);
