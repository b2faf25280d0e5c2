//! The small JSON files `bv` keeps in its config directory (pins, anchors,
//! audit heads): public data the server must not be able to rewrite, written
//! like the session file (0600 in a 0700 directory, temporary name, fsync,
//! rename), so a crash leaves the old file or the new one, never half.

use crate::exit::{CliError, CliResult};
use crate::paths;
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::io::Write;

/// Reads `name`, or the default when it does not exist yet.
pub fn load<T: DeserializeOwned + Default>(name: &str) -> CliResult<T> {
    let path = paths::config_dir()?.join(name);
    match std::fs::read_to_string(&path) {
        Ok(t) => serde_json::from_str(&t)
            .map_err(|_| CliError::other(format!("{} is not a bv {name} file", path.display()))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(T::default()),
        Err(e) => Err(CliError::other(format!(
            "cannot read {}: {e}",
            path.display()
        ))),
    }
}

pub fn save<T: Serialize>(name: &str, value: &T) -> CliResult<()> {
    let dir = paths::config_dir()?;
    let path = dir.join(name);
    let io = |e: std::io::Error| CliError::other(format!("cannot write {}: {e}", path.display()));
    crate::session::create_private_dir(&dir).map_err(io)?;
    let tmp = dir.join(format!(".{name}.tmp"));
    let _ = std::fs::remove_file(&tmp);
    let mut file = crate::session::private_file(&tmp).map_err(io)?;
    let json = serde_json::to_vec_pretty(value)
        .map_err(|_| CliError::other(format!("cannot encode {name}")))?;
    file.write_all(&json).map_err(io)?;
    file.sync_all().map_err(io)?;
    std::fs::rename(&tmp, &path).map_err(io)
}
