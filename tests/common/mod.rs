//! What several test files of the core share.

use blindvault::account::{self, UnlockedAccount};
use blindvault::kdf::{KdfParams, MasterKey};

/// A registered, unlocked account `id` with an identity for `<id>@example.com`.
pub fn person(id: &str) -> UnlockedAccount {
    // The KDF is irrelevant here; a fixed master key keeps the test fast.
    let kdf = KdfParams {
        alg: "pbkdf2-sha256".into(),
        iterations: 600_000,
        salt: "AAAAAAAAAAAAAAAAAAAAAA".into(),
    };
    let master = MasterKey::from_pbkdf2_output(&[id.len() as u8; 32], &kdf).unwrap();
    let (_, mut acct) = account::register_with_master_key(&master, kdf, id).unwrap();
    acct.issue_identity(&format!("{id}@example.com")).unwrap();
    acct
}
