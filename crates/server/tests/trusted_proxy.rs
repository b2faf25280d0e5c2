//! `--trusted-proxy`: X-Forwarded-For names the client (rate limit, audit)
//! only when the TCP peer is a trusted proxy.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::net::SocketAddr;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{header, Method, Request, StatusCode};
use common::{rand_b64, Kind, TestServer};
use serde_json::json;

/// A failed login for `account` arriving from TCP peer `peer` with `xff`.
async fn failed_login(s: &TestServer, account: &str, peer: &str, xff: Option<&str>) -> StatusCode {
    let mut b = Request::builder()
        .method(Method::POST)
        .uri("/api/v1/accounts/login")
        .header(header::CONTENT_TYPE, "application/json");
    if let Some(x) = xff {
        b = b.header("x-forwarded-for", x);
    }
    let mut req = b
        .body(Body::from(
            json!({"account_id": account, "auth_key": rand_b64(32)}).to_string(),
        ))
        .unwrap();
    let addr: SocketAddr = format!("{peer}:40000").parse().unwrap();
    req.extensions_mut().insert(ConnectInfo(addr));
    s.raw(req).await.0
}

async fn clients(s: &TestServer) -> Vec<String> {
    use sqlx::Row;
    sqlx::query("SELECT client FROM audit WHERE action = 'account.login' AND outcome = 'denied' ORDER BY seq")
        .fetch_all(&s.state.db.pool)
        .await
        .unwrap()
        .iter()
        .map(|r| r.get("client"))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forwarded_for_from_a_trusted_proxy_names_the_client() {
    let s = TestServer::new_with(Kind::Sqlite, |st| {
        st.trusted_proxies = vec!["127.0.0.1/32".parse().unwrap()];
        st.login_failures_per_client = 3;
    })
    .await;
    // Three failures for three accounts from one client behind the proxy.
    for a in ["a1", "a2", "a3"] {
        let st = failed_login(&s, a, "127.0.0.1", Some("6.6.6.6, 203.0.113.5")).await;
        assert_eq!(st, StatusCode::UNAUTHORIZED);
    }
    // That client is now limited, whatever it puts to the left of the header.
    let st = failed_login(&s, "a4", "127.0.0.1", Some("1.1.1.1, 203.0.113.5")).await;
    assert_eq!(st, StatusCode::TOO_MANY_REQUESTS);
    // Another client behind the same proxy is not.
    let st = failed_login(&s, "a5", "127.0.0.1", Some("203.0.113.6")).await;
    assert_eq!(st, StatusCode::UNAUTHORIZED);
    // An untrusted peer's header is ignored: it counts as itself.
    let st = failed_login(&s, "a6", "198.51.100.7", Some("203.0.113.5")).await;
    assert_eq!(st, StatusCode::UNAUTHORIZED);
    let logged = clients(&s).await;
    assert!(logged.iter().any(|c| c == "203.0.113.5"), "{logged:?}");
    assert!(logged.iter().any(|c| c == "198.51.100.7"), "{logged:?}");
    assert!(
        !logged.iter().any(|c| c == "6.6.6.6" || c == "127.0.0.1"),
        "{logged:?}"
    );
    s.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_trusted_proxies_the_header_is_ignored() {
    let s = TestServer::new_with(Kind::Sqlite, |st| {
        st.login_failures_per_client = 3;
    })
    .await;
    // Rotating the header does not escape the per-address limit.
    for (i, a) in ["b1", "b2", "b3"].iter().enumerate() {
        let xff = format!("203.0.113.{i}");
        assert_eq!(
            failed_login(&s, a, "127.0.0.1", Some(&xff)).await,
            StatusCode::UNAUTHORIZED
        );
    }
    assert_eq!(
        failed_login(&s, "b4", "127.0.0.1", Some("203.0.113.99")).await,
        StatusCode::TOO_MANY_REQUESTS
    );
    assert!(clients(&s).await.iter().all(|c| c == "127.0.0.1"));
    s.finish().await;
}
