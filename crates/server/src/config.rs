//! Command line and environment.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Parser, ValueEnum};

use crate::db::SqliteSync;

/// `--sqlite-sync`; see [`SqliteSync`] for what each level survives.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum SqliteSyncArg {
    Normal,
    Full,
}

impl From<SqliteSyncArg> for SqliteSync {
    fn from(a: SqliteSyncArg) -> Self {
        match a {
            SqliteSyncArg::Normal => SqliteSync::Normal,
            SqliteSyncArg::Full => SqliteSync::Full,
        }
    }
}

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
    /// SQLite durability: `normal` survives a killed process, `full` also
    /// survives power loss at roughly a seventh of the write rate.
    #[arg(long, env = "BLINDVAULT_SQLITE_SYNC", value_enum, default_value_t = SqliteSyncArg::Full)]
    pub sqlite_sync: SqliteSyncArg,
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
    /// A reverse proxy (CIDR, e.g. 127.0.0.1/32) whose X-Forwarded-For names
    /// the client for rate limits and the audit log; repeat the flag or
    /// comma-separate in the variable. Without it X-Forwarded-For is ignored.
    #[arg(
        long = "trusted-proxy",
        env = "BLINDVAULT_TRUSTED_PROXIES",
        value_delimiter = ','
    )]
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// Attachment bytes per account.
    #[arg(long, default_value_t = 1024 * 1024 * 1024)]
    pub account_quota_bytes: u64,
    /// Bytes of share ciphertext an account may keep live at once.
    #[arg(long, env = "BLINDVAULT_SHARE_QUOTA_BYTES", default_value_t = 64 * 1024 * 1024)]
    pub share_quota_bytes: u64,
}
