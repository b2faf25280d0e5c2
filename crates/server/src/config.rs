//! Command line and environment.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::Parser;

#[derive(Parser, Debug)]
#[command(
    name = "blindvault-server",
    version,
    about = "Blindvault's zero-knowledge server"
)]
pub struct Config {
    /// Address to listen on.
    #[arg(long, env = "BLINDVAULT_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    /// postgres://… for PostgreSQL; unset: SQLite file in --data-dir.
    #[arg(long, env = "DATABASE_URL", hide_env_values = true)]
    pub database_url: Option<String>,
    /// Holds the SQLite file and attachment ciphertext.
    #[arg(long, env = "BLINDVAULT_DATA_DIR", default_value = "data")]
    pub data_dir: PathBuf,
    /// Static web front end served at /.
    #[arg(long, env = "BLINDVAULT_WWW_DIR", default_value = "www")]
    pub www_dir: PathBuf,
    /// wasm-pack output served at /pkg/.
    #[arg(long, env = "BLINDVAULT_PKG_DIR", default_value = "pkg")]
    pub pkg_dir: PathBuf,
    /// PEM certificate chain; with --tls-key, serve HTTPS (rustls).
    #[arg(long, env = "BLINDVAULT_TLS_CERT", requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,
    /// PEM private key for --tls-cert.
    #[arg(long, env = "BLINDVAULT_TLS_KEY", requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,
    /// Session lifetime in seconds.
    #[arg(long, default_value_t = 12 * 3600)]
    pub session_ttl: i64,
    /// Largest attachment in bytes.
    #[arg(long, default_value_t = 100 * 1024 * 1024)]
    pub max_attachment_bytes: u64,
    /// Attachment bytes per account.
    #[arg(long, default_value_t = 1024 * 1024 * 1024)]
    pub account_quota_bytes: u64,
}
