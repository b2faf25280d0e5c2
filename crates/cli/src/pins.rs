//! Identities pinned on first use (SPEC § Fingerprints; DESIGN: "pinned by
//! the client on first use").
//!
//! `pins.json` under the config directory maps account id → the identity
//! statement first used for it (older files hold a bare X25519 public key,
//! which still matches the identity with that key, and is upgraded). Public
//! data; the point is that the server cannot write it. A server that later
//! serves another identity for a pinned account is lying about who would
//! receive a vault key: the command stops with exit 4 before sending anything.

use crate::exit::{CliError, CliResult};
use crate::state_file;
use blindvault::identity::{self, Identity};
use std::collections::BTreeMap;

const FILE: &str = "pins.json";

pub struct Pins {
    map: BTreeMap<String, String>,
}

/// How an identity compares with this machine's pin.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum PinState {
    /// Never seen here: a person must compare the fingerprint.
    New,
    Matches,
    Changed,
}

impl PinState {
    pub fn label(self) -> &'static str {
        match self {
            PinState::New => "new: compare the fingerprint",
            PinState::Matches => "matches the pin",
            PinState::Changed => "KEY CHANGED",
        }
    }
}

impl Pins {
    pub fn load() -> CliResult<Self> {
        Ok(Self {
            map: state_file::load(FILE)?,
        })
    }

    pub fn state(&self, id: &Identity) -> PinState {
        match id.pin_state(self.map.get(id.account_id()).map(String::as_str)) {
            identity::PinState::New => PinState::New,
            identity::PinState::Matches | identity::PinState::MatchesOldPin => PinState::Matches,
            identity::PinState::Changed => PinState::Changed,
        }
    }

    /// Pins `id` (also upgrading an old X25519 pin); refuses a changed one.
    pub fn pin(&mut self, id: &Identity) -> CliResult<()> {
        if self.state(id) == PinState::Changed {
            return Err(changed(id));
        }
        self.map
            .insert(id.account_id().to_owned(), id.as_str().to_owned());
        Ok(())
    }

    pub fn save(&self) -> CliResult<()> {
        state_file::save(FILE, &self.map)
    }
}

pub fn changed(id: &Identity) -> CliError {
    CliError::integrity(format!(
        "the server sent a different identity for {} (account {}) than the one pinned on this machine: refusing to seal a vault key for it; nothing was sent",
        id.email(),
        id.account_id()
    ))
}
