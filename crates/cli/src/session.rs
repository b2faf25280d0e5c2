//! The session file: server, email, account id and session token.
//!
//! It holds NO key: every command that opens the vault asks for the master
//! password again and derives the keys in memory. The token is a bearer
//! credential, so the file is created with mode 0600 in a 0700 directory,
//! written to a temporary name and renamed (never half-written).

use crate::exit::{CliError, CliResult, Kind};
use crate::paths;
use serde::{Deserialize, Serialize};
use std::fs;
use std::io::Write;

#[derive(Serialize, Deserialize)]
pub struct Session {
    pub server: String,
    pub email: String,
    pub account_id: String,
    pub token: String,
    pub expires_at: i64,
}

impl Session {
    pub fn load() -> CliResult<Option<Self>> {
        let path = paths::session_file()?;
        let text = match fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => {
                return Err(CliError::other(format!(
                    "cannot read {}: {e}",
                    path.display()
                )))
            }
        };
        serde_json::from_str(&text).map(Some).map_err(|_| {
            CliError::other(format!(
                "{} is not a bv session file; run `bv logout` or delete it",
                path.display()
            ))
        })
    }

    /// The current session, or an authentication error telling what to do.
    pub fn require() -> CliResult<Self> {
        Self::load()?.ok_or_else(|| CliError::new(Kind::Auth, "not logged in: run `bv login`"))
    }

    pub fn save(&self) -> CliResult<()> {
        let path = paths::session_file()?;
        let dir = paths::config_dir()?;
        let io =
            |e: std::io::Error| CliError::other(format!("cannot write {}: {e}", path.display()));
        create_private_dir(&dir).map_err(io)?;
        let json = serde_json::to_vec_pretty(self)
            .map_err(|_| CliError::other("cannot encode the session"))?;
        let tmp = dir.join(".session.json.tmp");
        let _ = fs::remove_file(&tmp);
        let mut file = private_file(&tmp).map_err(io)?;
        file.write_all(&json).map_err(io)?;
        file.sync_all().map_err(io)?;
        fs::rename(&tmp, &path).map_err(io)
    }

    pub fn delete() -> CliResult<bool> {
        let path = paths::session_file()?;
        match fs::remove_file(&path) {
            Ok(()) => Ok(true),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
            Err(e) => Err(CliError::other(format!(
                "cannot delete {}: {e}",
                path.display()
            ))),
        }
    }
}

#[cfg(unix)]
pub fn create_private_dir(dir: &std::path::Path) -> std::io::Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
}

#[cfg(not(unix))]
pub fn create_private_dir(dir: &std::path::Path) -> std::io::Result<()> {
    fs::create_dir_all(dir)
}

#[cfg(unix)]
pub fn private_file(path: &std::path::Path) -> std::io::Result<fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
}

#[cfg(not(unix))]
pub fn private_file(path: &std::path::Path) -> std::io::Result<fs::File> {
    fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
}
