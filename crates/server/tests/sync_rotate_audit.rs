//! Sync (full and delta), member removal + key rotation (all or nothing),
//! and the audit chain's verification.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::collections::BTreeMap;

use axum::http::{Method, StatusCode};
use common::{envelope, rand_b64, TestServer};
use serde_json::{json, Value};

fn ids(v: &Value, key: &str) -> Vec<String> {
    let mut out: Vec<String> = v[key]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["id"].as_str().unwrap().to_string())
        .collect();
    out.sort();
    out
}

async fn sync_full_and_delta(s: &TestServer) {
    let a = s.user("a").await;
    let b = s.user("b").await;
    s.vault(&a, "va").await;
    s.vault(&b, "vb").await;
    s.item(&a, "va", "i1").await;
    s.item(&a, "va", "i2").await;
    s.item(&b, "vb", "secret").await;
    let (st, v) = s
        .post(
            "/api/v1/vaults/va/folders",
            Some(&a.token),
            json!({"id": "f1", "envelope": envelope("f")}),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{v}");

    let (st, full) = s.get("/api/v1/sync", &a.token).await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(full["full"], true);
    assert_eq!(ids(&full, "vaults"), ["va"]);
    assert_eq!(
        ids(&full, "items"),
        ["i1", "i2"],
        "b's items are invisible to a"
    );
    assert_eq!(ids(&full, "folders"), ["f1"]);
    assert!(full["vaults"][0]["wrapped_vault_key"].as_str().is_some());
    let cursor = full["cursor"].as_i64().unwrap();

    let (_, d) = s
        .get(&format!("/api/v1/sync?since={cursor}"), &a.token)
        .await;
    assert!(
        d["items"].as_array().unwrap().is_empty() && d["vaults"].as_array().unwrap().is_empty()
    );

    s.put(
        "/api/v1/vaults/va/items/i2",
        &a.token,
        json!({"base_revision": 1, "envelope": envelope("new")}),
    )
    .await;
    s.post(
        "/api/v1/vaults/va/items/i1/trash",
        Some(&a.token),
        json!({"base_revision": 1}),
    )
    .await;
    s.delete("/api/v1/vaults/va/items/i1?base_revision=2", &a.token)
        .await;
    let (_, d) = s
        .get(&format!("/api/v1/sync?since={cursor}"), &a.token)
        .await;
    assert_eq!(d["full"], false);
    assert_eq!(ids(&d, "items"), ["i2"]);
    assert_eq!(
        d["removed"],
        json!([{"kind": "item", "vault_id": "va", "id": "i1"}])
    );
    let cursor = d["cursor"].as_i64().unwrap();

    // b joins va: b's next delta carries the whole vault, beside the delta
    // of b's own vault in the same answer (on PostgreSQL one transaction
    // reads a full vault with a forced plan and a delta with the planner's).
    let (_, db0) = s.get("/api/v1/sync", &b.token).await;
    let bcur = db0["cursor"].as_i64().unwrap();
    s.add_member(&a, "va", &b, "read").await;
    s.item(&b, "vb", "later").await;
    let (_, db1) = s.get(&format!("/api/v1/sync?since={bcur}"), &b.token).await;
    assert_eq!(ids(&db1, "vaults"), ["va"]);
    assert_eq!(ids(&db1, "items"), ["i2", "later"]);
    assert_eq!(ids(&db1, "folders"), ["f1"]);
    let bcur = db1["cursor"].as_i64().unwrap();
    // b is removed: b's delta says to forget va.
    let rev = s.vault_revision(&a, "va").await;
    assert_eq!(
        s.delete(
            &format!("/api/v1/vaults/va/members/b?base_revision={rev}"),
            &a.token
        )
        .await
        .0,
        StatusCode::OK
    );
    let (_, db2) = s.get(&format!("/api/v1/sync?since={bcur}"), &b.token).await;
    assert_eq!(
        db2["removed"],
        json!([{"kind": "vault", "vault_id": "va", "id": "va"}])
    );
    assert!(db2["items"].as_array().unwrap().is_empty());
    let (_, da) = s
        .get(&format!("/api/v1/sync?since={cursor}"), &a.token)
        .await;
    assert!(da["removed"].as_array().unwrap().is_empty(), "a keeps va");
}

/// `v` with its items in (vault_id, id) order: the order of a sync's items is
/// unspecified (docs/API.md).
fn items_sorted(mut v: Value) -> Value {
    v["items"]
        .as_array_mut()
        .unwrap()
        .sort_by_key(|i| (i["vault_id"].to_string(), i["id"].to_string()));
    v
}

/// `v` with the `envelope` member removed from every item (folders keep theirs).
fn without_item_envelopes(mut v: Value) -> Value {
    for item in v["items"].as_array_mut().unwrap() {
        assert!(item.as_object_mut().unwrap().remove("envelope").is_some());
    }
    v
}

/// `GET /sync?envelopes=false` (SPEC § Change sequence and sync): the same
/// answer as without it except that no item has an `envelope`, for a full
/// sync and with `since`; `true` is the full answer; any other value is 400.
async fn sync_without_envelopes(s: &TestServer) {
    let a = s.user("a").await;
    s.vault(&a, "va").await;
    s.vault(&a, "vb").await;
    s.item(&a, "va", "i1").await;
    s.item(&a, "va", "i2").await;
    s.item(&a, "va", "i3").await;
    // Enough ~1.6 KB envelopes that the streamed body spans several chunks.
    for n in 0..90 {
        let (st, v) = s
            .post(
                "/api/v1/vaults/vb/items",
                Some(&a.token),
                json!({"id": format!("big{n:02}"), "envelope": format!(
                    "eyJhbGciOiJkaXIifQ..{}.{}.{}", rand_b64(12), rand_b64(1200), rand_b64(16))}),
            )
            .await;
        assert_eq!(st, StatusCode::CREATED, "{v}");
    }
    let (st, v) = s
        .post(
            "/api/v1/vaults/va/folders",
            Some(&a.token),
            json!({"id": "f1", "envelope": envelope("f")}),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{v}");
    let (st, v) = s
        .post(
            "/api/v1/vaults/va/items/i3/trash",
            Some(&a.token),
            json!({"base_revision": 1}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{v}");

    let (st, full) = s.get("/api/v1/sync", &a.token).await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(full["items"].as_array().unwrap().len(), 93);
    let (st, lean) = s.get("/api/v1/sync?envelopes=false", &a.token).await;
    assert_eq!(st, StatusCode::OK, "{lean}");
    assert!(lean["items"]
        .as_array()
        .unwrap()
        .iter()
        .all(|i| i.get("envelope").is_none() && i["revision"].as_i64().is_some()));
    assert!(
        lean["folders"][0]["envelope"].as_str().is_some(),
        "folders keep theirs"
    );
    assert!(lean["items"]
        .as_array()
        .unwrap()
        .iter()
        .any(|i| i["id"] == "i3" && i["trashed_at"].as_i64().is_some()));
    assert_eq!(
        items_sorted(lean),
        items_sorted(without_item_envelopes(full.clone()))
    );
    let (_, explicit) = s.get("/api/v1/sync?envelopes=true", &a.token).await;
    assert_eq!(items_sorted(explicit), items_sorted(full.clone()));
    // Every envelope is the one stored, across the body's chunk boundaries,
    // and each item is the very bytes `GET` of that item answers (serde_json
    // of the same view), whichever way the rows were read.
    let (st, full_bytes) = s
        .call_bytes(Method::GET, "/api/v1/sync", Some(&a.token), None)
        .await;
    assert_eq!(st, StatusCode::OK);
    let full_text = String::from_utf8(full_bytes).unwrap();
    for item in full["items"].as_array().unwrap() {
        let path = format!(
            "/api/v1/vaults/{}/items/{}",
            item["vault_id"].as_str().unwrap(),
            item["id"].as_str().unwrap()
        );
        let (st, one_bytes) = s.call_bytes(Method::GET, &path, Some(&a.token), None).await;
        assert_eq!(st, StatusCode::OK);
        let one_text = String::from_utf8(one_bytes).unwrap();
        assert!(full_text.contains(&one_text), "{one_text}");
        let one: Value = serde_json::from_str(&one_text).unwrap();
        assert_eq!(one["envelope"], item["envelope"]);
    }

    let cursor = full["cursor"].as_i64().unwrap();
    s.put(
        "/api/v1/vaults/va/items/i2",
        &a.token,
        json!({"base_revision": 1, "envelope": envelope("new")}),
    )
    .await;
    s.item(&a, "vb", "new").await;
    let (_, d) = s
        .get(&format!("/api/v1/sync?since={cursor}"), &a.token)
        .await;
    assert_eq!(ids(&d, "items"), ["i2", "new"]);
    for q in [
        format!("since={cursor}&envelopes=false"),
        format!("envelopes=false&since={cursor}"),
    ] {
        let (st, dl) = s.get(&format!("/api/v1/sync?{q}"), &a.token).await;
        assert_eq!(st, StatusCode::OK, "{q}: {dl}");
        assert_eq!(dl["full"], false);
        assert_eq!(dl, without_item_envelopes(d.clone()), "{q}");
    }

    for bad in ["False", "TRUE", "0", "1", "no", ""] {
        let (st, e) = s
            .get(&format!("/api/v1/sync?envelopes={bad}"), &a.token)
            .await;
        assert_eq!(st, StatusCode::BAD_REQUEST, "envelopes={bad}: {e}");
        assert_eq!(e["error"], "invalid_query", "{e}");
        assert!(
            e["message"].as_str().unwrap().contains("envelopes"),
            "names the parameter: {e}"
        );
    }
}

async fn rotation_is_all_or_nothing(s: &TestServer) {
    let a = s.user("a").await;
    let b = s.user("b").await;
    let c = s.user("c").await;
    s.vault(&a, "v").await;
    s.add_member(&a, "v", &b, "write").await;
    s.add_member(&a, "v", &c, "read").await;
    for i in 0..5 {
        s.item(&a, "v", &format!("i{i}")).await;
    }
    s.post(
        "/api/v1/vaults/v/folders",
        Some(&a.token),
        json!({"id": "f", "envelope": envelope("f")}),
    )
    .await;
    let rev = s.vault_revision(&a, "v").await;
    let (st, _) = s
        .delete(
            &format!("/api/v1/vaults/v/members/c?base_revision={rev}"),
            &a.token,
        )
        .await;
    assert_eq!(st, StatusCode::OK);
    let (_, before) = s.get("/api/v1/sync", &a.token).await;
    let before = items_sorted(before);
    let rev = s.vault_revision(&a, "v").await;

    let members: BTreeMap<&str, String> = [("a", envelope("ka")), ("b", envelope("kb"))]
        .into_iter()
        .collect();
    let items: BTreeMap<String, Value> = (0..5)
        .map(|i| {
            (
                format!("i{i}"),
                json!({"base_revision": 1, "envelope": envelope(&format!("r{i}"))}),
            )
        })
        .collect();
    let folders = json!({"f": {"base_revision": 1, "envelope": envelope("rf")}});
    let good = json!({"base_revision": rev, "members": members, "items": items, "folders": folders, "name": envelope("n")});

    // Missing an item: refused, nothing changed.
    let mut missing = good.clone();
    missing["items"].as_object_mut().unwrap().remove("i3");
    let (st, v) = s
        .post("/api/v1/vaults/v/rotate", Some(&a.token), missing)
        .await;
    assert_eq!(st, StatusCode::CONFLICT);
    assert_eq!(v["error"], "rotation_incomplete");
    // Still listing the removed member: refused.
    let mut extra = good.clone();
    extra["members"]["c"] = json!(envelope("kc"));
    assert_eq!(
        s.post("/api/v1/vaults/v/rotate", Some(&a.token), extra)
            .await
            .0,
        StatusCode::CONFLICT
    );
    // One stale item (revision 2 by a concurrent edit): whole rotation refused.
    s.put(
        "/api/v1/vaults/v/items/i4",
        &b.token,
        json!({"base_revision": 1, "envelope": envelope("edit")}),
    )
    .await;
    let (st, v) = s
        .post("/api/v1/vaults/v/rotate", Some(&a.token), good.clone())
        .await;
    assert_eq!(st, StatusCode::CONFLICT, "{v}");
    assert_eq!(v["current"]["id"], "i4");
    let (_, after) = s.get("/api/v1/sync", &a.token).await;
    let after = items_sorted(after);
    for i in 0..4 {
        assert_eq!(
            after["items"][i]["envelope"], before["items"][i]["envelope"],
            "item i{i} untouched"
        );
    }
    assert_eq!(
        after["vaults"][0]["wrapped_vault_key"],
        before["vaults"][0]["wrapped_vault_key"]
    );
    assert_eq!(
        after["vaults"][0]["revision"], rev,
        "vault revision untouched"
    );
    // b (write) may not rotate.
    assert_eq!(
        s.post("/api/v1/vaults/v/rotate", Some(&b.token), good.clone())
            .await
            .0,
        StatusCode::FORBIDDEN
    );

    let mut fixed = good.clone();
    fixed["items"]["i4"]["base_revision"] = json!(2);
    let (st, v) = s
        .post("/api/v1/vaults/v/rotate", Some(&a.token), fixed.clone())
        .await;
    assert_eq!(st, StatusCode::OK, "{v}");
    let (_, done) = s.get("/api/v1/sync", &b.token).await;
    let done = items_sorted(done);
    assert_eq!(done["vaults"][0]["wrapped_vault_key"], good["members"]["b"]);
    for i in 0..5 {
        assert_eq!(
            done["items"][i]["envelope"],
            fixed["items"][format!("i{i}")]["envelope"]
        );
    }
    assert_eq!(
        done["folders"][0]["envelope"],
        good["folders"]["f"]["envelope"]
    );
    // Replaying the same rotation is stale now.
    assert_eq!(
        s.post("/api/v1/vaults/v/rotate", Some(&a.token), fixed)
            .await
            .0,
        StatusCode::CONFLICT
    );
}

async fn audit_chain_verifies_and_names_tampering(s: &TestServer) {
    let a = s.user("a").await;
    let r = s.user("r").await;
    s.vault(&a, "v").await;
    s.add_member(&a, "v", &r, "read").await;
    s.item(&a, "v", "i").await;
    s.put(
        "/api/v1/vaults/v/items/i",
        &r.token,
        json!({"base_revision": 1, "envelope": envelope("no")}),
    )
    .await;
    s.put(
        "/api/v1/vaults/v/items/i",
        &a.token,
        json!({"base_revision": 1, "envelope": envelope("yes")}),
    )
    .await;

    let (st, v) = s.get("/api/v1/vaults/v/audit/verify", &a.token).await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(v["ok"], true, "{v}");
    let (_, log) = s.get("/api/v1/vaults/v/audit", &a.token).await;
    let entries = log["entries"].as_array().unwrap();
    let actions: Vec<&str> = entries
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        [
            "vault.create",
            "member.put.read",
            "item.create",
            "item.update",
            "item.update"
        ]
    );
    assert_eq!(entries[3]["outcome"], "denied");
    assert_eq!(entries[3]["actor"], "account:r");
    assert_eq!(entries[0]["prev_hash"], "0".repeat(64));
    for w in entries.windows(2) {
        assert_eq!(w[1]["prev_hash"], w[0]["hash"]);
    }
    // Rewrite history behind the server's back: verify names the entry.
    let victim = entries[2]["seq"].as_i64().unwrap();
    sqlx::query("UPDATE audit SET actor = 'account:r' WHERE seq = $1")
        .bind(victim)
        .execute(&s.state.db.pool)
        .await
        .unwrap();
    let (_, v) = s.get("/api/v1/vaults/v/audit/verify", &a.token).await;
    assert_eq!(v["ok"], false);
    assert_eq!(v["first_broken_seq"], victim);
    // Deleting an entry breaks the link of the next one.
    sqlx::query("UPDATE audit SET actor = 'account:a' WHERE seq = $1")
        .bind(victim)
        .execute(&s.state.db.pool)
        .await
        .unwrap();
    sqlx::query("DELETE FROM audit WHERE seq = $1")
        .bind(victim)
        .execute(&s.state.db.pool)
        .await
        .unwrap();
    let (_, v) = s.get("/api/v1/vaults/v/audit/verify", &a.token).await;
    assert_eq!(v["first_broken_seq"], entries[3]["seq"]);
    assert_eq!(
        s.get("/api/v1/vaults/v/audit/verify", &r.token).await.0,
        StatusCode::FORBIDDEN
    );
}

both_backends!(
    sync_full_and_delta,
    sync_without_envelopes,
    rotation_is_all_or_nothing,
    audit_chain_verifies_and_names_tampering
);
