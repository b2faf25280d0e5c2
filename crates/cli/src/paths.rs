//! Where `bv` keeps its session file.

use crate::exit::{CliError, CliResult};
use std::path::PathBuf;

/// `$BV_CONFIG_DIR`, else `$XDG_CONFIG_HOME/blindvault`, else
/// `$HOME/.config/blindvault` (XDG Base Directory Specification defaults).
pub fn config_dir() -> CliResult<PathBuf> {
    let nonempty = |k: &str| std::env::var_os(k).filter(|v| !v.is_empty());
    if let Some(dir) = nonempty("BV_CONFIG_DIR") {
        return Ok(PathBuf::from(dir));
    }
    if let Some(xdg) = nonempty("XDG_CONFIG_HOME") {
        return Ok(PathBuf::from(xdg).join("blindvault"));
    }
    match nonempty("HOME") {
        Some(home) => Ok(PathBuf::from(home).join(".config").join("blindvault")),
        None => Err(CliError::other(
            "cannot find a config directory: set BV_CONFIG_DIR or HOME",
        )),
    }
}

pub fn session_file() -> CliResult<PathBuf> {
    Ok(config_dir()?.join("session.json"))
}
