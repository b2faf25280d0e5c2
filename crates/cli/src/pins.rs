//! Public keys pinned on first use (SPEC § Sharing, Fingerprints; DESIGN:
//! "pinned by the client on first use").
//!
//! `pins.json` under the config directory maps account id → public key
//! (base64url). Public keys are not secret; the file is written like the
//! session file (0600, temporary name, rename). A server that later serves
//! another key for a pinned account is lying about who would receive a
//! vault key: the command stops with exit 4 before sending anything.

use crate::exit::{CliError, CliResult};
use crate::paths;
use std::collections::BTreeMap;
use std::fs;
use std::io::Write;

pub struct Pins {
    map: BTreeMap<String, String>,
}

impl Pins {
    pub fn load() -> CliResult<Self> {
        let path = paths::config_dir()?.join("pins.json");
        let map = match fs::read_to_string(&path) {
            Ok(t) => serde_json::from_str(&t)
                .map_err(|_| CliError::other(format!("{} is not a bv pin file", path.display())))?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => BTreeMap::new(),
            Err(e) => {
                return Err(CliError::other(format!(
                    "cannot read {}: {e}",
                    path.display()
                )))
            }
        };
        Ok(Self { map })
    }

    /// Checks `public_key` against the pin for `account_id`, pinning it if
    /// there is none yet. Returns true when it was newly pinned.
    pub fn check_or_pin(
        &mut self,
        account_id: &str,
        email: &str,
        public_key: &str,
    ) -> CliResult<bool> {
        match self.map.get(account_id) {
            // Public values: a plain comparison leaks nothing secret.
            Some(pinned) if pinned == public_key => Ok(false),
            Some(_) => Err(CliError::integrity(format!(
                "the server sent a different public key for {email} (account {account_id}) than the one pinned when it was first used: refusing to wrap a vault key for it; nothing was sent"
            ))),
            None => {
                self.map.insert(account_id.to_owned(), public_key.to_owned());
                Ok(true)
            }
        }
    }

    pub fn save(&self) -> CliResult<()> {
        let dir = paths::config_dir()?;
        let path = dir.join("pins.json");
        let io =
            |e: std::io::Error| CliError::other(format!("cannot write {}: {e}", path.display()));
        crate::session::create_private_dir(&dir).map_err(io)?;
        let tmp = dir.join(".pins.json.tmp");
        let _ = fs::remove_file(&tmp);
        let mut file = crate::session::private_file(&tmp).map_err(io)?;
        let json = serde_json::to_vec_pretty(&self.map)
            .map_err(|_| CliError::other("cannot encode the pins"))?;
        file.write_all(&json).map_err(io)?;
        file.sync_all().map_err(io)?;
        fs::rename(&tmp, &path).map_err(io)
    }
}
