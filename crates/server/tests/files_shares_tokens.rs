//! Attachments (streamed, size/quota limits, nothing left by a failed upload),
//! secret shares (atomic view budget), service tokens, static files, OpenAPI.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use common::{envelope, rand_b64, TestServer};
use serde_json::json;
use tower::ServiceExt;

fn files_in(s: &TestServer) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(s.dir.path().join("data/attachments"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

fn upload(path: &str, token: &str, body: Body) -> Request<Body> {
    Request::builder()
        .method(Method::PUT)
        .uri(path)
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .body(body)
        .unwrap()
}

async fn attachments_stream_and_limit(s: &TestServer) {
    let u = s.user("u").await;
    let r = s.user("r").await;
    s.vault(&u, "v").await;
    s.add_member(&u, "v", &r, "read").await;
    s.item(&u, "v", "i").await;
    let data: Vec<u8> = (0..700_000u32).map(|n| (n % 251) as u8).collect();
    // Sent as a stream of chunks, as a browser upload would be.
    let chunks: Vec<Result<Vec<u8>, std::io::Error>> =
        data.chunks(16 * 1024).map(|c| Ok(c.to_vec())).collect();
    let body = Body::from_stream(futures_util::stream::iter(chunks));
    let (st, _, b) = s
        .raw(upload(
            "/api/v1/vaults/v/items/i/attachments/a1",
            &u.token,
            body,
        ))
        .await;
    assert_eq!(st, StatusCode::CREATED, "{}", String::from_utf8_lossy(&b));
    let req = Request::builder()
        .uri("/api/v1/vaults/v/items/i/attachments/a1")
        .header(header::AUTHORIZATION, format!("Bearer {}", r.token))
        .body(Body::empty())
        .unwrap();
    let (st, headers, got) = s.raw(req).await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(
        headers[header::CONTENT_LENGTH],
        data.len().to_string().as_str()
    );
    assert_eq!(got, data);
    assert_eq!(files_in(s).len(), 1);

    // Readers cannot upload; a second upload to the same id is refused.
    let (st, _, _) = s
        .raw(upload(
            "/api/v1/vaults/v/items/i/attachments/a2",
            &r.token,
            Body::from("x"),
        ))
        .await;
    assert_eq!(st, StatusCode::FORBIDDEN);
    let (st, _, _) = s
        .raw(upload(
            "/api/v1/vaults/v/items/i/attachments/a1",
            &u.token,
            Body::from("x"),
        ))
        .await;
    assert_eq!(st, StatusCode::CONFLICT);
    // Over the 1 MiB limit: 413 and no file, no row.
    let (st, _, _) = s
        .raw(upload(
            "/api/v1/vaults/v/items/i/attachments/big",
            &u.token,
            Body::from(vec![0u8; 1024 * 1024 + 1]),
        ))
        .await;
    assert_eq!(st, StatusCode::PAYLOAD_TOO_LARGE);
    // Quota is 1.5 MiB: 700 000 + 900 000 bytes is over it.
    let (st, _, _) = s
        .raw(upload(
            "/api/v1/vaults/v/items/i/attachments/q",
            &u.token,
            Body::from(vec![0u8; 900_000]),
        ))
        .await;
    assert_eq!(st, StatusCode::PAYLOAD_TOO_LARGE);
    // An upload that breaks mid-stream leaves nothing visible.
    let broken: Vec<Result<Vec<u8>, std::io::Error>> =
        vec![Ok(vec![1u8; 1000]), Err(std::io::Error::other("cut"))];
    let (st, _, _) = s
        .raw(upload(
            "/api/v1/vaults/v/items/i/attachments/cut",
            &u.token,
            Body::from_stream(futures_util::stream::iter(broken)),
        ))
        .await;
    assert_eq!(st, StatusCode::BAD_REQUEST);
    assert_eq!(
        files_in(s).len(),
        1,
        "failed uploads leave no file: {:?}",
        files_in(s)
    );
    let (_, sync) = s.get("/api/v1/sync", &u.token).await;
    assert_eq!(sync["attachments"].as_array().unwrap().len(), 1);
    // Upload to a missing item: 404 and no file.
    let (st, _, _) = s
        .raw(upload(
            "/api/v1/vaults/v/items/nope/attachments/x",
            &u.token,
            Body::from("abc"),
        ))
        .await;
    assert_eq!(st, StatusCode::NOT_FOUND);
    assert_eq!(files_in(s).len(), 1);

    assert_eq!(
        s.delete("/api/v1/vaults/v/items/i/attachments/a1", &r.token)
            .await
            .0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        s.delete("/api/v1/vaults/v/items/i/attachments/a1", &u.token)
            .await
            .0,
        StatusCode::NO_CONTENT
    );
    assert!(files_in(s).is_empty());
}

async fn shares_consume_views_atomically(s: &TestServer) {
    let u = s.user("u").await;
    let ct = envelope("share");
    let (st, _) = s
        .post(
            "/api/v1/shares",
            None,
            json!({"ciphertext": ct, "expires_in_secs": 60, "max_views": 1}),
        )
        .await;
    assert_eq!(st, StatusCode::UNAUTHORIZED);
    let (st, v) = s
        .post(
            "/api/v1/shares",
            Some(&u.token),
            json!({"ciphertext": ct, "expires_in_secs": 0, "max_views": 1}),
        )
        .await;
    assert_eq!(
        (st, v["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_expiry"))
    );
    let (st, v) = s
        .post(
            "/api/v1/shares",
            Some(&u.token),
            json!({"ciphertext": ct, "expires_in_secs": 60, "max_views": 0}),
        )
        .await;
    assert_eq!(
        (st, v["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_max_views"))
    );

    // 20 concurrent readers of a one-view share: exactly one gets it.
    let (st, share) = s
        .post(
            "/api/v1/shares",
            Some(&u.token),
            json!({"ciphertext": ct, "expires_in_secs": 60, "max_views": 1}),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED);
    let id = share["id"].as_str().unwrap().to_string();
    let mut handles = Vec::new();
    for _ in 0..20 {
        let app = s.app.clone();
        let path = format!("/api/v1/shares/{id}/open");
        handles.push(tokio::spawn(async move {
            let req = Request::builder()
                .method(Method::POST)
                .uri(path)
                .body(Body::empty())
                .unwrap();
            app.oneshot(req).await.unwrap().status()
        }));
    }
    let mut ok = 0;
    for h in handles {
        match h.await.unwrap() {
            StatusCode::OK => ok += 1,
            StatusCode::NOT_FOUND => {}
            other => panic!("unexpected {other}"),
        }
    }
    assert_eq!(ok, 1);
    use sqlx::Row;
    let n: i64 = sqlx::query("SELECT COUNT(*) AS n FROM shares")
        .fetch_one(&s.state.db.pool)
        .await
        .unwrap()
        .get("n");
    assert_eq!(n, 0, "a used-up share is deleted");

    // Two views, then gone; delete needs the token.
    let (_, share) = s
        .post(
            "/api/v1/shares",
            Some(&u.token),
            json!({"ciphertext": ct, "expires_in_secs": 60, "max_views": 2}),
        )
        .await;
    let id = share["id"].as_str().unwrap();
    let (st, v) = s
        .post(&format!("/api/v1/shares/{id}/open"), None, json!({}))
        .await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(v["ciphertext"], ct.as_str());
    assert_eq!(v["views_left"], 1);
    let del = |tok: &str| {
        Request::builder()
            .method(Method::DELETE)
            .uri(format!("/api/v1/shares/{id}"))
            .header("x-delete-token", tok)
            .body(Body::empty())
            .unwrap()
    };
    assert_eq!(s.raw(del(&rand_b64(32))).await.0, StatusCode::FORBIDDEN);
    assert_eq!(
        s.raw(del(share["delete_token"].as_str().unwrap())).await.0,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        s.post(&format!("/api/v1/shares/{id}/open"), None, json!({}))
            .await
            .0,
        StatusCode::NOT_FOUND
    );

    // Expired shares are deleted when touched.
    let (_, share) = s
        .post(
            "/api/v1/shares",
            Some(&u.token),
            json!({"ciphertext": ct, "expires_in_secs": 60, "max_views": 5}),
        )
        .await;
    let id = share["id"].as_str().unwrap();
    sqlx::query("UPDATE shares SET expires_at = 1 WHERE id = $1")
        .bind(id)
        .execute(&s.state.db.pool)
        .await
        .unwrap();
    assert_eq!(
        s.post(&format!("/api/v1/shares/{id}/open"), None, json!({}))
            .await
            .0,
        StatusCode::NOT_FOUND
    );
    let n: i64 = sqlx::query("SELECT COUNT(*) AS n FROM shares")
        .fetch_one(&s.state.db.pool)
        .await
        .unwrap()
        .get("n");
    assert_eq!(n, 0);
}

async fn service_tokens(s: &TestServer) {
    let a = s.user("a").await;
    let w = s.user("w").await;
    s.vault(&a, "v").await;
    s.vault(&a, "other").await;
    s.add_member(&a, "v", &w, "write").await;
    s.item(&a, "v", "i").await;
    s.item(&a, "other", "o").await;
    let tk = envelope("tk");
    let body = json!({"id": "ci", "name": envelope("ci"), "expires_in_secs": 3600,
                      "grants": [{"vault_id": "v", "role": "read", "wrapped_vault_key": tk}]});
    assert_eq!(
        s.post("/api/v1/tokens", Some(&w.token), body.clone())
            .await
            .0,
        StatusCode::FORBIDDEN,
        "writers cannot mint tokens"
    );
    let mut admin_grant = body.clone();
    admin_grant["grants"][0]["role"] = json!("admin");
    assert_eq!(
        s.post("/api/v1/tokens", Some(&a.token), admin_grant)
            .await
            .0,
        StatusCode::BAD_REQUEST
    );
    let (st, t) = s.post("/api/v1/tokens", Some(&a.token), body).await;
    assert_eq!(st, StatusCode::CREATED, "{t}");
    let bearer = format!("bvst.ci.{}", t["secret"].as_str().unwrap());
    use sqlx::Row;
    let stored: String = sqlx::query("SELECT auth_hash FROM service_tokens")
        .fetch_one(&s.state.db.pool)
        .await
        .unwrap()
        .get("auth_hash");
    assert_ne!(
        stored,
        t["secret"].as_str().unwrap(),
        "only a hash is stored"
    );

    let (st, sync) = s.get("/api/v1/sync", &bearer).await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(
        sync["items"].as_array().unwrap().len(),
        1,
        "only the granted vault"
    );
    assert_eq!(
        sync["vaults"][0]["wrapped_vault_key"],
        tk.as_str(),
        "the token's own wrapped vault key"
    );
    assert_eq!(
        s.get("/api/v1/vaults/v/items/i", &bearer).await.0,
        StatusCode::OK
    );
    assert_eq!(
        s.get("/api/v1/vaults/other/items/o", &bearer).await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        s.put(
            "/api/v1/vaults/v/items/i",
            &bearer,
            json!({"base_revision": 1, "envelope": envelope("x")})
        )
        .await
        .0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        s.get("/api/v1/accounts/me", &bearer).await.0,
        StatusCode::FORBIDDEN,
        "tokens are not accounts"
    );
    assert_eq!(
        s.get("/api/v1/sync", "bvst.ci.wrong").await.0,
        StatusCode::UNAUTHORIZED
    );
    let (_, list) = s.get("/api/v1/tokens", &a.token).await;
    assert_eq!(list["tokens"][0]["id"], "ci");
    assert_eq!(
        s.delete("/api/v1/tokens/ci", &w.token).await.0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        s.delete("/api/v1/tokens/ci", &a.token).await.0,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        s.get("/api/v1/sync", &bearer).await.0,
        StatusCode::UNAUTHORIZED
    );
    let log = s.audit_actions("v").await;
    assert!(log
        .iter()
        .any(|(a, act, o)| a == "token:ci" && act == "item.update" && o == "denied"));
    assert!(log.iter().any(|(_, act, _)| act == "token.revoke"));
}

async fn static_files_and_headers(s: &TestServer) {
    let (st, h, body) = s
        .raw(Request::builder().uri("/").body(Body::empty()).unwrap())
        .await;
    assert_eq!(st, StatusCode::OK);
    assert!(String::from_utf8_lossy(&body).contains("<title>bv</title>"));
    assert_eq!(
        h["content-security-policy"],
        "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
    );
    assert_eq!(h["x-content-type-options"], "nosniff");
    assert_eq!(h["x-frame-options"], "DENY");
    assert_eq!(h["referrer-policy"], "no-referrer");
    let (st, h, _) = s
        .raw(
            Request::builder()
                .uri("/pkg/core_bg.wasm")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(h[header::CONTENT_TYPE], "application/wasm");
    let (st, _, _) = s
        .raw(
            Request::builder()
                .uri("/../Cargo.toml")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_ne!(st, StatusCode::OK);
    let (st, h, _) = s
        .raw(
            Request::builder()
                .uri("/api/v1/sync")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(st, StatusCode::UNAUTHORIZED);
    assert_eq!(h[header::CACHE_CONTROL], "no-store");
    assert!(h.contains_key("content-security-policy"));
}

async fn openapi_lists_the_api(s: &TestServer) {
    let (st, _, body) = s
        .raw(
            Request::builder()
                .uri("/api/v1/openapi.json")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(st, StatusCode::OK);
    let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert!(v["openapi"].as_str().unwrap().starts_with("3."));
    for p in [
        "/api/v1/accounts/login",
        "/api/v1/vaults/{vault}/items/{item}",
        "/api/v1/sync",
        "/api/v1/vaults/{vault}/rotate",
    ] {
        assert!(v["paths"].get(p).is_some(), "missing {p}");
    }
    assert!(v["components"]["schemas"].get("RegisterRequest").is_some());
    // Every documented operation exists on the router (no "no_such_endpoint").
    for (method, path, ..) in blindvault_server::openapi::OPERATIONS {
        let uri = format!("/api/v1{path}").replace('{', "x").replace('}', "");
        let m = Method::from_bytes(method.as_bytes()).unwrap();
        let (_, _, body) = s
            .raw(
                Request::builder()
                    .method(m)
                    .uri(&uri)
                    .body(Body::empty())
                    .unwrap(),
            )
            .await;
        let text = String::from_utf8_lossy(&body);
        assert!(
            !text.contains("no_such_endpoint") && !text.contains("method_not_allowed"),
            "{method} {path}: {text}"
        );
    }
}

both_backends!(
    attachments_stream_and_limit,
    shares_consume_views_atomically,
    service_tokens,
    static_files_and_headers,
    openapi_lists_the_api
);
