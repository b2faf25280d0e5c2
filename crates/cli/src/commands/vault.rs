//! `vault create`, `vault list`.

use super::{vaults, Ctx};
use crate::keys::{self, seal_vault_name};
use blindvault::keys::SymmetricKey;
use serde::Deserialize;
use serde_json::json;

#[derive(Deserialize)]
struct Created {
    id: String,
    revision: i64,
}

pub fn create(ctx: &Ctx, name: &str) -> crate::exit::CliResult<()> {
    let (client, keyring) = ctx.open()?;
    let account = keyring.account()?;
    let id = keys::random_id()?;
    let key = SymmetricKey::generate().map_err(|e| crate::exit::core(&e))?;
    let body = json!({
        "id": id,
        "name": seal_vault_name(&key, &id, name)?,
        "wrapped_vault_key": account.wrap_vault_key(&key, &id).map_err(|e| crate::exit::core(&e))?,
    });
    let created: Created = client.post("/vaults", &body)?;
    ctx.out.show(
        || format!("Created vault {name:?} ({}).", created.id),
        || json!({"id": created.id, "name": name, "revision": created.revision}),
    );
    Ok(())
}

pub fn list(ctx: &Ctx) -> crate::exit::CliResult<()> {
    let (client, keyring) = ctx.open()?;
    let synced = vaults::sync(&client, &keyring)?;
    ctx.out.show(
        || {
            synced
                .vaults
                .iter()
                .map(|v| format!("{}\t{}\t{}", v.name, v.role, v.id))
                .collect::<Vec<_>>()
                .join("\n")
        },
        || {
            json!(synced
                .vaults
                .iter()
                .map(
                    |v| json!({"id": v.id, "name": v.name, "role": v.role, "revision": v.revision})
                )
                .collect::<Vec<_>>())
        },
    );
    synced.finish()
}
