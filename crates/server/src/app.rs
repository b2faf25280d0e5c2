//! The router and its shared state, apart from `main` so tests drive it with
//! `tower::ServiceExt::oneshot`.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderName, HeaderValue, Request};
use axum::Router;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::{DefaultOnResponse, TraceLayer};

use crate::db::Db;
use crate::rate_limit::{FailureLimiter, WindowLimiter};
use crate::routes;
use crate::static_files;

/// Limits and paths; `Settings::for_tests` and `config.rs` build it.
#[derive(Clone, Debug)]
pub struct Settings {
    pub data_dir: PathBuf,
    pub www_dir: PathBuf,
    pub pkg_dir: PathBuf,
    pub session_ttl_secs: i64,
    pub max_attachment_bytes: u64,
    pub account_quota_bytes: u64,
    /// Share ciphertext one account may keep live at once (`--share-quota-bytes`):
    /// creating a share needs an account, and this keeps the open sign-up from
    /// becoming unbounded anonymous storage.
    pub share_quota_bytes: u64,
    /// JSON bodies; rotation of a big vault sends every item, hence larger.
    pub max_json_body: usize,
    /// Failed logins per (account, client network) before the backoff
    /// starts (rate_limit.rs): then `login_backoff_base`, doubling up to
    /// `login_backoff_max`, between attempts from that network.
    pub login_failures_before_backoff: u32,
    pub login_backoff_base: Duration,
    pub login_backoff_max: Duration,
    /// Failed logins per client address per 15 minutes (flood guard).
    pub login_failures_per_client: u32,
    /// `POST /accounts/lookup` calls per caller account per 15 minutes.
    pub lookups_per_account: u32,
    /// Reverse proxies whose X-Forwarded-For is believed (`--trusted-proxy`);
    /// empty: the TCP peer is the client.
    pub trusted_proxies: Vec<ipnet::IpNet>,
}

impl Settings {
    pub fn with_data_dir(data_dir: PathBuf) -> Self {
        Settings {
            data_dir,
            www_dir: PathBuf::from("www"),
            pkg_dir: PathBuf::from("pkg"),
            session_ttl_secs: 12 * 3600,
            max_attachment_bytes: 100 * 1024 * 1024,
            account_quota_bytes: 1024 * 1024 * 1024,
            share_quota_bytes: 64 * 1024 * 1024,
            max_json_body: 64 * 1024 * 1024,
            login_failures_before_backoff: 5,
            login_backoff_base: Duration::from_secs(1),
            login_backoff_max: Duration::from_secs(15 * 60),
            login_failures_per_client: 100,
            lookups_per_account: 30,
            trusted_proxies: Vec::new(),
        }
    }
}

#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub settings: Arc<Settings>,
    pub limiter: Arc<FailureLimiter>,
    /// Account lookups per caller (`lookups_per_account`).
    pub lookup_limiter: Arc<WindowLimiter>,
    /// HMAC key for made-up prelogin answers; kept in the database so the
    /// answer for an unknown email is stable across restarts.
    pub prelogin_secret: Arc<[u8; 32]>,
}

impl AppState {
    pub async fn new(db: Db, settings: Settings) -> Result<AppState, sqlx::Error> {
        let secret = crate::routes::accounts::load_or_create_prelogin_secret(&db).await?;
        std::fs::create_dir_all(settings.data_dir.join("attachments")).map_err(sqlx::Error::Io)?;
        let window = Duration::from_secs(15 * 60);
        let limiter = FailureLimiter::new(
            settings.login_failures_before_backoff,
            settings.login_failures_per_client,
            window,
        )
        .with_backoff(settings.login_backoff_base, settings.login_backoff_max);
        let lookup_limiter = WindowLimiter::new(settings.lookups_per_account, window);
        Ok(AppState {
            db,
            settings: Arc::new(settings),
            limiter: Arc::new(limiter),
            lookup_limiter: Arc::new(lookup_limiter),
            prelogin_secret: Arc::new(secret),
        })
    }
}

/// Content-Security-Policy from the issue: only our own scripts and WASM, no
/// plugins, no framing, no <base> tricks.
pub const CSP: &str =
    "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; connect-src 'self'; \
object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

pub fn app(state: AppState) -> Router {
    let api = routes::api_router()
        .layer(DefaultBodyLimit::max(state.settings.max_json_body))
        .with_state(state.clone());
    let headers: [(&'static str, &'static str); 7] = [
        ("content-security-policy", CSP),
        ("x-content-type-options", "nosniff"),
        ("x-frame-options", "DENY"),
        ("referrer-policy", "no-referrer"),
        ("cross-origin-opener-policy", "same-origin"),
        ("cross-origin-resource-policy", "same-origin"),
        (
            "permissions-policy",
            "camera=(), microphone=(), geolocation=(), payment=()",
        ),
    ];
    let mut router = Router::new()
        .nest("/api/v1", api)
        .merge(static_files::router(&state.settings));
    for (name, value) in headers {
        router = router.layer(SetResponseHeaderLayer::overriding(
            HeaderName::from_static(name),
            HeaderValue::from_static(value),
        ));
    }
    // API responses are per-user secrets-at-rest; never cache them.
    router
        .layer(SetResponseHeaderLayer::if_not_present(
            axum::http::header::CACHE_CONTROL,
            HeaderValue::from_static("no-store"),
        ))
        .layer(
            // Only method, path and status are logged: never bodies, headers
            // (Authorization) or query strings. Share-link keys live in the URL
            // fragment, which browsers never send.
            TraceLayer::new_for_http()
                .make_span_with(|req: &Request<_>| {
                    tracing::info_span!("request", method = %req.method(), path = %req.uri().path())
                })
                .on_request(())
                .on_response(DefaultOnResponse::new().level(tracing::Level::INFO)),
        )
}
