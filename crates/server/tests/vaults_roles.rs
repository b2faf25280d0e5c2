//! Access control, role by role, with audit entries for denied requests.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use axum::http::{Method, StatusCode};
use common::{envelope, TestServer};
use serde_json::json;

async fn every_role_is_checked(s: &TestServer) {
    let owner = s.user("owner").await;
    let admin = s.user("admin").await;
    let writer = s.user("writer").await;
    let reader = s.user("reader").await;
    let stranger = s.user("stranger").await;
    s.vault(&owner, "v1").await;
    s.add_member(&owner, "v1", &admin, "admin").await;
    s.add_member(&admin, "v1", &writer, "write").await;
    s.add_member(&admin, "v1", &reader, "read").await;
    let item = s.item(&writer, "v1", "i1").await;
    let rev = item["revision"].as_i64().unwrap();

    // Read access.
    for u in [&owner, &admin, &writer, &reader] {
        assert_eq!(
            s.get("/api/v1/vaults/v1/items/i1", &u.token).await.0,
            StatusCode::OK,
            "{}",
            u.id
        );
    }
    let (st, v) = s.get("/api/v1/vaults/v1/items/i1", &stranger.token).await;
    assert_eq!(st, StatusCode::NOT_FOUND, "strangers learn nothing");
    assert_eq!(v["error"], "not_found");
    // The same answer as for a vault that does not exist.
    let (st2, v2) = s.get("/api/v1/vaults/nope/items/i1", &stranger.token).await;
    assert_eq!((st, &v), (st2, &v2));

    // Write access.
    let upd = json!({"base_revision": rev, "envelope": envelope("x")});
    assert_eq!(
        s.put("/api/v1/vaults/v1/items/i1", &reader.token, upd.clone())
            .await
            .0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        s.put("/api/v1/vaults/v1/items/i1", &stranger.token, upd.clone())
            .await
            .0,
        StatusCode::NOT_FOUND
    );
    let (st, v) = s
        .put("/api/v1/vaults/v1/items/i1", &writer.token, upd)
        .await;
    assert_eq!(st, StatusCode::OK, "{v}");
    let (st, _) = s
        .post(
            "/api/v1/vaults/v1/items",
            Some(&reader.token),
            json!({"id": "i2", "envelope": envelope("y")}),
        )
        .await;
    assert_eq!(st, StatusCode::FORBIDDEN);

    // Admin actions.
    let vrev = s.vault_revision(&owner, "v1").await;
    let rename = json!({"base_revision": vrev, "name": envelope("n2")});
    assert_eq!(
        s.put("/api/v1/vaults/v1", &writer.token, rename.clone())
            .await
            .0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        s.put("/api/v1/vaults/v1", &admin.token, rename).await.0,
        StatusCode::OK
    );
    assert_eq!(
        s.get("/api/v1/vaults/v1/audit", &writer.token).await.0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        s.get("/api/v1/vaults/v1/audit", &admin.token).await.0,
        StatusCode::OK
    );
    let vrev = s.vault_revision(&owner, "v1").await;
    let grant_owner =
        json!({"base_revision": vrev, "role": "owner", "wrapped_vault_key": envelope("k")});
    let (st, _) = s
        .put(
            "/api/v1/vaults/v1/members/writer",
            &admin.token,
            grant_owner.clone(),
        )
        .await;
    assert_eq!(st, StatusCode::FORBIDDEN, "admins cannot make owners");
    let (st, _) = s
        .delete(
            &format!("/api/v1/vaults/v1/members/owner?base_revision={vrev}"),
            &admin.token,
        )
        .await;
    assert_eq!(st, StatusCode::FORBIDDEN, "admins cannot remove owners");
    let (st, _) = s
        .delete(
            &format!("/api/v1/vaults/v1/members/reader?base_revision={vrev}"),
            &writer.token,
        )
        .await;
    assert_eq!(st, StatusCode::FORBIDDEN);
    assert_eq!(
        s.get("/api/v1/vaults/v1/members", &stranger.token).await.0,
        StatusCode::NOT_FOUND
    );
    let (st, m) = s.get("/api/v1/vaults/v1/members", &reader.token).await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(m["members"].as_array().unwrap().len(), 4);

    // Owner-only.
    assert_eq!(
        s.delete("/api/v1/vaults/v1", &admin.token).await.0,
        StatusCode::FORBIDDEN
    );
    let (st, _) = s
        .delete(
            &format!("/api/v1/vaults/v1/members/owner?base_revision={vrev}"),
            &owner.token,
        )
        .await;
    assert_eq!(st, StatusCode::CONFLICT, "the last owner cannot leave");

    // Every denial is in the vault's audit chain.
    let log = s.audit_actions("v1").await;
    let denied: Vec<_> = log
        .iter()
        .filter(|(_, _, o)| o == "denied")
        .map(|(a, act, _)| (a.as_str(), act.as_str()))
        .collect();
    for expected in [
        ("account:stranger", "item.read"),
        ("account:reader", "item.update"),
        ("account:stranger", "item.update"),
        ("account:reader", "item.create"),
        ("account:writer", "vault.rename"),
        ("account:writer", "audit.read"),
        ("account:admin", "member.put"),
        ("account:writer", "member.remove"),
        ("account:stranger", "member.list"),
        ("account:admin", "vault.delete"),
    ] {
        assert!(
            denied.contains(&expected),
            "missing denied entry {expected:?} in {denied:?}"
        );
    }
    // A denial on a vault that does not exist goes to the global chain.
    use sqlx::Row;
    let n: i64 = sqlx::query("SELECT COUNT(*) AS n FROM audit WHERE chain = 'global' AND outcome = 'denied' AND object LIKE 'item:nope/%'")
        .fetch_one(&s.state.db.pool)
        .await
        .unwrap()
        .get("n");
    assert_eq!(n, 1);

    // Owner deletes; members lose it.
    assert_eq!(
        s.delete("/api/v1/vaults/v1", &owner.token).await.0,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        s.get("/api/v1/vaults/v1/items/i1", &writer.token).await.0,
        StatusCode::NOT_FOUND
    );
}

async fn unauthenticated_and_unknown(s: &TestServer) {
    let (st, v) = s.call(Method::GET, "/api/v1/vaults", None, None).await;
    assert_eq!(st, StatusCode::UNAUTHORIZED);
    assert_eq!(v["error"], "unauthorized");
    let u = s.user("u").await;
    let (st, v) = s.get("/api/v1/nothing/here", &u.token).await;
    assert_eq!(st, StatusCode::NOT_FOUND);
    assert_eq!(v["error"], "no_such_endpoint");
    let (st, v) = s.get("/api/v1/vaults/bad%20id/items/x", &u.token).await;
    assert_eq!(st, StatusCode::BAD_REQUEST);
    assert_eq!(v["error"], "invalid_id");
    let (st, _) = s
        .post(
            "/api/v1/vaults",
            Some(&u.token),
            json!({"id": "v", "name": envelope("n"), "wrapped_vault_key": envelope("k")}),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED);
    let (st, v) = s
        .post(
            "/api/v1/vaults",
            Some(&u.token),
            json!({"id": "v", "name": envelope("n"), "wrapped_vault_key": envelope("k")}),
        )
        .await;
    assert_eq!(st, StatusCode::CONFLICT);
    assert_eq!(v["error"], "vault_exists");
}

both_backends!(every_role_is_checked, unauthenticated_and_unknown);
