//! Vault and folder names (docs/SPEC.md § Contexts, `vault-meta` and
//! `folder`): the plaintext `{"name":"<name>"}` sealed under the vault key.
//! bv, the web vault and the extension all seal and open names here.
//!
//! Opening ignores members other than `name` (a later client may add some);
//! sealing refuses a name that is empty or only white space, which no list
//! could show.

use crate::context::Context;
use crate::keys::SymmetricKey;
use crate::strict_json::{self, Unknown};
use crate::{Error, Result};

#[derive(serde::Serialize)]
struct Plain<'a> {
    name: &'a str,
}

fn seal(key: &SymmetricKey, ctx: &Context, name: &str) -> Result<String> {
    if name.trim().is_empty() {
        return Err(Error::InvalidPayload("a name must not be empty"));
    }
    let text = serde_json::to_vec(&Plain { name })
        .map_err(|_| Error::InvalidPayload("cannot encode the name"))?;
    key.seal(&text, ctx)
}

fn open(key: &SymmetricKey, ctx: &Context, envelope: &str) -> Result<String> {
    let pt = key.open(envelope, ctx)?;
    let bad = || Error::InvalidPayload("the name is not {\"name\": string}");
    let doc = strict_json::parse_bytes(pt.expose_secret()).map_err(|_| bad())?;
    let [name] = doc.fields(["name"], Unknown::Ignore).ok_or_else(bad)?;
    name.and_then(|n| n.to_cow())
        .map(|n| n.into_owned())
        .ok_or_else(bad)
}

/// A vault's name, sealed for `bv1/vault-meta/<vault>`.
pub fn seal_vault_name(key: &SymmetricKey, vault_id: &str, name: &str) -> Result<String> {
    seal(key, &Context::vault_meta(vault_id)?, name)
}

pub fn open_vault_name(key: &SymmetricKey, vault_id: &str, envelope: &str) -> Result<String> {
    open(key, &Context::vault_meta(vault_id)?, envelope)
}

/// A folder's name, sealed for `bv1/folder/<vault>/<folder>`.
pub fn seal_folder_name(
    key: &SymmetricKey,
    vault_id: &str,
    folder_id: &str,
    name: &str,
) -> Result<String> {
    seal(key, &Context::folder(vault_id, folder_id)?, name)
}

pub fn open_folder_name(
    key: &SymmetricKey,
    vault_id: &str,
    folder_id: &str,
    envelope: &str,
) -> Result<String> {
    open(key, &Context::folder(vault_id, folder_id)?, envelope)
}
