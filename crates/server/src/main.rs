//! `blindvault-server`: parse, open the store, serve.

use std::net::SocketAddr;
use std::process::ExitCode;

use axum::serve::{Listener, ListenerExt};
use axum_server::accept::NoDelayAcceptor;
use axum_server::tls_rustls::RustlsAcceptor;
use clap::Parser;

use blindvault_server::app::{app, AppState, Settings};
use blindvault_server::config::Config;
use blindvault_server::db::Db;

fn main() -> ExitCode {
    let cfg = Config::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn")),
        )
        .init();
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("blindvault-server: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match rt.block_on(run(cfg)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("blindvault-server: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cfg: Config) -> Result<(), Box<dyn std::error::Error>> {
    let db = match &cfg.database_url {
        Some(url) => Db::connect_with(url, cfg.sqlite_sync.into()).await?,
        None => Db::open_sqlite_dir_with(&cfg.data_dir, cfg.sqlite_sync.into()).await?,
    };
    let mut settings = Settings::with_data_dir(cfg.data_dir.clone());
    settings.www_dir = cfg.www_dir.clone();
    settings.pkg_dir = cfg.pkg_dir.clone();
    settings.session_ttl_secs = cfg.session_ttl;
    settings.max_attachment_bytes = cfg.max_attachment_bytes;
    settings.account_quota_bytes = cfg.account_quota_bytes;
    settings.share_quota_bytes = cfg.share_quota_bytes;
    settings.trusted_proxies = cfg.trusted_proxies.clone();
    blindvault_server::routes::attachments::sweep_temp_files(&settings.data_dir);
    let state = AppState::new(db, settings).await?;
    let router = app(state).into_make_service_with_connect_info::<SocketAddr>();
    match (&cfg.tls_cert, &cfg.tls_key) {
        (Some(cert), Some(key)) => {
            let tls = axum_server::tls_rustls::RustlsConfig::from_pem_file(cert, key).await?;
            tracing::info!(listen = %cfg.listen, "serving HTTPS");
            // A plain line a person can click, apart from the structured log.
            println!("Blindvault is running at https://{}/", cfg.listen);
            // TCP_NODELAY: see the HTTP branch below.
            let acceptor = RustlsAcceptor::new(tls).acceptor(NoDelayAcceptor::new());
            axum_server::bind(cfg.listen)
                .acceptor(acceptor)
                .serve(router)
                .await?;
        }
        _ => {
            // TCP_NODELAY (tcp(7)): a streamed body (GET /sync) ends with a
            // small chunk, which Nagle's algorithm holds until the client
            // ACKs the previous segment, and Linux delays that ACK by up to
            // 40 ms (TCP_QUICKACK in the same page): a full sync of 10 000
            // items took 85 ms instead of 37 ms over loopback
            // (docs/BENCHMARKS.md § Server, 2026-12-03).
            let listener = tokio::net::TcpListener::bind(cfg.listen)
                .await?
                .tap_io(|tcp| {
                    if let Err(e) = tcp.set_nodelay(true) {
                        tracing::debug!(error = %e, "TCP_NODELAY not set");
                    }
                });
            tracing::info!(listen = %cfg.listen, "serving HTTP");
            println!(
                "Blindvault is running at http://{}/",
                listener.local_addr()?
            );
            axum::serve(listener, router)
                .with_graceful_shutdown(shutdown())
                .await?;
        }
    }
    Ok(())
}

async fn shutdown() {
    let _ = tokio::signal::ctrl_c().await;
}
