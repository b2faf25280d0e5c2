//! What this machine verified before (SPEC § Member log, § Vault list):
//! per account (or service token), the highest vault-list version seen and,
//! per vault, the length and head of the member log last verified. A server
//! that later serves a shorter or rewritten log, drops a vault's log, or an
//! older vault list, is refused (exit 4). Kept in `anchors.json`.

use crate::exit::CliResult;
use crate::state_file;
use blindvault::member_log::Anchor;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

const FILE: &str = "anchors.json";

#[derive(Serialize, Deserialize, Default)]
pub struct Anchors {
    #[serde(default)]
    accounts: BTreeMap<String, Seen>,
}

#[derive(Serialize, Deserialize, Default)]
struct Seen {
    #[serde(default)]
    vault_list: u64,
    #[serde(default)]
    logs: BTreeMap<String, Anchor>,
}

impl Anchors {
    pub fn load() -> CliResult<Self> {
        state_file::load(FILE)
    }
    pub fn save(&self) -> CliResult<()> {
        state_file::save(FILE, self)
    }
    pub fn log(&self, owner: &str, vault: &str) -> Option<&Anchor> {
        self.accounts.get(owner)?.logs.get(vault)
    }
    pub fn set_log(&mut self, owner: &str, vault: &str, anchor: Anchor) {
        let seen = self.accounts.entry(owner.to_owned()).or_default();
        seen.logs.insert(vault.to_owned(), anchor);
    }
    pub fn list_version(&self, owner: &str) -> u64 {
        self.accounts.get(owner).map_or(0, |s| s.vault_list)
    }
    pub fn set_list_version(&mut self, owner: &str, version: u64) {
        let seen = self.accounts.entry(owner.to_owned()).or_default();
        seen.vault_list = seen.vault_list.max(version);
    }
}
