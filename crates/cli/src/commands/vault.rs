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
    let core = |e: blindvault::Error| crate::exit::core(&e);
    let key = SymmetricKey::generate().map_err(core)?;
    let (signer, me) = account.signer().map_err(core)?;
    // Entry 0 of the vault's member log: we are its owner, with this key.
    let entry =
        blindvault::member_log::genesis(&id, me, signer, &key, keys::now()).map_err(core)?;
    let body = json!({
        "id": id,
        "name": seal_vault_name(&key, &id, name)?,
        "wrapped_vault_key": account.wrap_vault_key(&key, &id).map_err(core)?,
        "log_entry": entry,
    });
    // The list first names the vault only once it exists; if this process
    // dies in between, the next sync finds our own wrap and lists it.
    let mut anchors = crate::anchors::Anchors::load()?;
    let state = vaults::load_list(&client, account, anchors.list_version(&keyring.owner()))?;
    let created: Created = client.post("/vaults", &body)?;
    let anchor = blindvault::member_log::Anchor {
        len: 1,
        head: blindvault::member_log::hash_of(&entry),
    };
    anchors.set_log(&keyring.owner(), &id, anchor.clone());
    anchors.save()?;
    if let Some(next) = state.list.with(&id, Some(&anchor)).map_err(core)? {
        vaults::save_list(&client, account, &state, &next)?;
    }
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
                .chain(synced.pending.iter().map(|p| {
                    format!(
                        "{}\t{}\t{}\tPENDING: shared by {}, run `bv vault pending`",
                        p.vault.name,
                        p.vault.role,
                        p.vault.id,
                        p.added_by.email()
                    )
                }))
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
