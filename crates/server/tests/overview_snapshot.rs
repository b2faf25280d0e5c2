//! The per-vault overview snapshot: roles, 409 on a stale base, the 16 MiB
//! body limit of this route only, and deletion by rotation and vault delete.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use axum::http::StatusCode;
use common::{envelope, TestServer};
use serde_json::json;

const PATH: &str = "/api/v1/vaults/v1/overview-snapshot";

async fn roles_and_denials_are_audited(s: &TestServer) {
    let owner = s.user("owner").await;
    let admin = s.user("admin").await;
    let writer = s.user("writer").await;
    let reader = s.user("reader").await;
    let stranger = s.user("stranger").await;
    s.vault(&owner, "v1").await;
    s.add_member(&owner, "v1", &admin, "admin").await;
    s.add_member(&admin, "v1", &writer, "write").await;
    s.add_member(&admin, "v1", &reader, "read").await;

    // None yet: 404 not_found for every member.
    let (st, v) = s.get(PATH, &reader.token).await;
    assert_eq!(st, StatusCode::NOT_FOUND, "{v}");
    assert_eq!(v["error"], "not_found");

    let snap = envelope("snapshot");
    let body = json!({"base_revision": 0, "envelope": snap});
    let (st, _) = s.put(PATH, &reader.token, body.clone()).await;
    assert_eq!(st, StatusCode::FORBIDDEN, "read may not write the snapshot");
    let (st, v) = s.put(PATH, &stranger.token, body.clone()).await;
    assert_eq!(st, StatusCode::NOT_FOUND);
    assert_eq!(v["error"], "not_found");
    let (st, v) = s.put(PATH, &writer.token, body).await;
    assert_eq!(st, StatusCode::OK, "{v}");
    assert_eq!(v, json!({"revision": 1}));

    for u in [&owner, &admin, &writer, &reader] {
        let (st, v) = s.get(PATH, &u.token).await;
        assert_eq!(st, StatusCode::OK, "{}", u.id);
        assert_eq!(v, json!({"revision": 1, "envelope": snap}));
    }
    // A stranger gets the same answer as for a vault that does not exist.
    let (st, v) = s.get(PATH, &stranger.token).await;
    assert_eq!(st, StatusCode::NOT_FOUND);
    let (st2, v2) = s
        .get("/api/v1/vaults/nope/overview-snapshot", &stranger.token)
        .await;
    assert_eq!((st, &v), (st2, &v2));

    let log = s.audit_actions("v1").await;
    for expected in [
        ("account:reader", "overview_snapshot.put", "denied"),
        ("account:stranger", "overview_snapshot.put", "denied"),
        ("account:stranger", "overview_snapshot.read", "denied"),
        ("account:writer", "overview_snapshot.put", "ok"),
    ] {
        assert!(
            log.iter()
                .any(|(a, act, o)| (a.as_str(), act.as_str(), o.as_str()) == expected),
            "missing audit entry {expected:?} in {log:?}"
        );
    }
}

async fn stale_base_gets_409_with_current_revision(s: &TestServer) {
    let a = s.user("a").await;
    s.vault(&a, "v1").await;
    let first = envelope("one");
    let (st, _) = s
        .put(
            PATH,
            &a.token,
            json!({"base_revision": 0, "envelope": first}),
        )
        .await;
    assert_eq!(st, StatusCode::OK);
    // A second "first" upload is stale: there is one now.
    let (st, v) = s
        .put(
            PATH,
            &a.token,
            json!({"base_revision": 0, "envelope": envelope("two")}),
        )
        .await;
    assert_eq!(st, StatusCode::CONFLICT, "{v}");
    assert_eq!(v["error"], "stale_revision");
    assert_eq!(v["current"]["revision"], 1);
    // A base from the future is stale too.
    let (st, v) = s
        .put(
            PATH,
            &a.token,
            json!({"base_revision": 7, "envelope": envelope("two")}),
        )
        .await;
    assert_eq!(st, StatusCode::CONFLICT);
    assert_eq!(v["current"]["revision"], 1);
    // Nothing was overwritten.
    assert_eq!(s.get(PATH, &a.token).await.1["envelope"], first);
    let second = envelope("two");
    let (st, v) = s
        .put(
            PATH,
            &a.token,
            json!({"base_revision": 1, "envelope": second}),
        )
        .await;
    assert_eq!((st, v), (StatusCode::OK, json!({"revision": 2})));
    assert_eq!(
        s.get(PATH, &a.token).await.1,
        json!({"revision": 2, "envelope": second})
    );
    // Bad input: a negative base and a non-envelope are 400.
    let (st, v) = s
        .put(
            PATH,
            &a.token,
            json!({"base_revision": -1, "envelope": envelope("x")}),
        )
        .await;
    assert_eq!(
        (st, v["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_revision"))
    );
    let (st, v) = s
        .put(
            PATH,
            &a.token,
            json!({"base_revision": 2, "envelope": "<b>x</b>"}),
        )
        .await;
    assert_eq!(
        (st, v["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_envelope"))
    );
}

async fn large_snapshot_fits_and_oversize_is_refused(s: &TestServer) {
    let a = s.user("a").await;
    s.vault(&a, "v1").await;
    // 6 MiB: above the 1 MiB limit of ordinary writes and the test app's
    // 4 MiB app-wide limit, below this route's 16 MiB.
    let big = format!("eyJhbGciOiJkaXIifQ..{}.x.y", "A".repeat(6 * 1024 * 1024));
    let (st, v) = s
        .put(PATH, &a.token, json!({"base_revision": 0, "envelope": big}))
        .await;
    assert_eq!(st, StatusCode::OK, "{v}");
    let (st, v) = s.get(PATH, &a.token).await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(v["envelope"].as_str().map(str::len), Some(big.len()));
    let huge = "A".repeat(16 * 1024 * 1024 + 1);
    let (st, v) = s
        .put(
            PATH,
            &a.token,
            json!({"base_revision": 1, "envelope": huge}),
        )
        .await;
    assert!(
        st == StatusCode::BAD_REQUEST || st == StatusCode::PAYLOAD_TOO_LARGE,
        "{st} {v}"
    );
    assert_eq!(s.get(PATH, &a.token).await.1["revision"], 1);
}

async fn rotation_and_vault_deletion_delete_it(s: &TestServer) {
    let a = s.user("a").await;
    s.vault(&a, "v1").await;
    let (st, _) = s
        .put(
            PATH,
            &a.token,
            json!({"base_revision": 0, "envelope": envelope("s")}),
        )
        .await;
    assert_eq!(st, StatusCode::OK);
    let rev = s.vault_revision(&a, "v1").await;
    let rotate = json!({
        "base_revision": rev,
        "members": {"a": envelope("k2")},
        "name": envelope("n2"),
    });
    let (st, v) = s
        .post("/api/v1/vaults/v1/rotate", Some(&a.token), rotate)
        .await;
    assert_eq!(st, StatusCode::OK, "{v}");
    assert_eq!(s.get(PATH, &a.token).await.0, StatusCode::NOT_FOUND);
    // The client then uploads a fresh one from scratch.
    let (st, v) = s
        .put(
            PATH,
            &a.token,
            json!({"base_revision": 0, "envelope": envelope("s2")}),
        )
        .await;
    assert_eq!((st, v), (StatusCode::OK, json!({"revision": 1})));

    assert_eq!(
        s.delete("/api/v1/vaults/v1", &a.token).await.0,
        StatusCode::NO_CONTENT
    );
    use sqlx::Row;
    let n: i64 = sqlx::query("SELECT COUNT(*) AS n FROM overview_snapshots")
        .fetch_one(&s.state.db.pool)
        .await
        .unwrap()
        .get("n");
    assert_eq!(n, 0, "deleting the vault deletes its snapshot");
}

both_backends!(
    roles_and_denials_are_audited,
    stale_base_gets_409_with_current_revision,
    large_snapshot_fits_and_oversize_is_refused,
    rotation_and_vault_deletion_delete_it
);
