//! `vault share`, `vault members`, `vault remove-member` and the vault-key
//! rotation that follows a removal (SPEC § Sharing, § Key rotation).
//!
//! ```text
//! share:  lookup(email) ─▶ public key ─pin check─▶ fingerprint shown
//!         ─▶ HPKE(pk, bv1/vault-key/<vault>/<member>) ─▶ PUT member
//! remove: DELETE member ─▶ new vault_key ─▶ re-wrap for every remaining
//!         member (pins checked), re-wrap every item key, re-seal name and
//!         folders ─▶ POST /rotate, applied all or nothing by the server
//! ```

use super::vaults::{self, Synced};
use super::Ctx;
use crate::cli::Role;
use crate::client::Client;
use crate::exit::{CliError, CliResult};
use crate::keys::seal_vault_name;
use crate::pins::Pins;
use blindvault::account::UnlockedAccount;
use blindvault::context::Context;
use blindvault::encoding::{b64u_decode, b64u_encode};
use blindvault::keys::SymmetricKey;
use blindvault::sharing;
use serde::Deserialize;
use serde_json::{json, Map, Value};

#[derive(Deserialize)]
struct Lookup {
    account_id: String,
    public_key: String,
}

#[derive(Deserialize)]
pub struct Member {
    pub account_id: String,
    pub email: String,
    pub role: String,
    pub public_key: String,
}

#[derive(Deserialize)]
struct Members {
    members: Vec<Member>,
}

fn public_key_bytes(pk: &str, email: &str) -> CliResult<[u8; 32]> {
    let raw = b64u_decode(pk, "public key").map_err(|_| {
        CliError::integrity(format!(
            "the server sent a malformed public key for {email}"
        ))
    })?;
    raw.try_into().map_err(|_| {
        CliError::integrity(format!(
            "the server sent a malformed public key for {email}"
        ))
    })
}

/// Checks a member's key against our own (for ourselves) or the pins.
fn check_key(account: &UnlockedAccount, pins: &mut Pins, m: &Member) -> CliResult<bool> {
    if m.account_id == account.account_id() {
        account.check_public_key(&m.public_key).map_err(|_| {
            CliError::integrity(
                "the server lists a different public key for this account than its own key pair",
            )
        })?;
        return Ok(false);
    }
    pins.check_or_pin(&m.account_id, &m.email, &m.public_key)
}

pub fn share(ctx: &Ctx, name: &str, email: &str, role: Role) -> CliResult<()> {
    let (client, keyring) = ctx.open()?;
    let account = keyring.account()?;
    let synced = vaults::sync(&client, &keyring)?;
    let vi = synced.vault(name)?;
    let vault = &synced.vaults[vi];
    let found: Lookup = client.post("/accounts/lookup", &json!({ "email": email }))?;
    let mut pins = Pins::load()?;
    let m = Member {
        account_id: found.account_id,
        email: email.to_owned(),
        role: role.as_str().to_owned(),
        public_key: found.public_key,
    };
    let new_pin = check_key(account, &mut pins, &m)?;
    let pk = public_key_bytes(&m.public_key, email)?;
    let fingerprint = sharing::fingerprint(&pk);
    // Shown before anything is sent, so a person can compare it with the
    // fingerprint the invitee reads out (`bv status` shows one's own).
    eprintln!(
        "{email}'s key fingerprint: {fingerprint}{}",
        if new_pin {
            " (pinned now)"
        } else {
            " (matches the pin)"
        }
    );
    let wrapped = sharing::seal_vault_key_to(&pk, &vault.key, &vault.id, &m.account_id)
        .map_err(|e| crate::exit::core(&e))?;
    let answer: Value = client.put(
        &format!("/vaults/{}/members/{}", vault.id, m.account_id),
        &json!({"base_revision": vault.revision, "role": role.as_str(), "wrapped_vault_key": wrapped}),
    )?;
    pins.save()?;
    ctx.out.show(
        || format!("Shared {name:?} with {email} as {}.", role.as_str()),
        || {
            json!({"vault_id": vault.id, "account_id": m.account_id, "role": role.as_str(),
                  "fingerprint": fingerprint, "revision": answer.get("revision")})
        },
    );
    Ok(())
}

fn list_members(client: &Client, vault_id: &str) -> CliResult<Vec<Member>> {
    let m: Members = client.get(&format!("/vaults/{vault_id}/members"))?;
    Ok(m.members)
}

pub fn members(ctx: &Ctx, name: &str) -> CliResult<()> {
    let (client, keyring) = ctx.open()?;
    let account = keyring.account()?;
    let synced = vaults::sync(&client, &keyring)?;
    let vault = &synced.vaults[synced.vault(name)?];
    let members = list_members(&client, &vault.id)?;
    let mut pins = Pins::load()?;
    let mut rows = Vec::new();
    let mut bad = Vec::new();
    for m in &members {
        let state = match check_key(account, &mut pins, m) {
            Ok(true) => "pinned now",
            Ok(false) => "ok",
            Err(_) => {
                bad.push(m.email.clone());
                "KEY CHANGED"
            }
        };
        let fp = public_key_bytes(&m.public_key, &m.email)
            .map(|pk| sharing::fingerprint(&pk))
            .unwrap_or_else(|_| "(malformed)".into());
        rows.push((m, fp, state));
    }
    ctx.out.show(
        || {
            rows.iter()
                .map(|(m, fp, st)| format!("{}\t{}\t{fp}\t{st}", m.email, m.role))
                .collect::<Vec<_>>()
                .join("\n")
        },
        || {
            json!(rows
                .iter()
                .map(
                    |(m, fp, st)| json!({"account_id": m.account_id, "email": m.email,
                    "role": m.role, "fingerprint": fp, "key": st})
                )
                .collect::<Vec<_>>())
        },
    );
    if !bad.is_empty() {
        return Err(CliError::integrity(format!(
            "the server sent a public key that differs from the pinned one for: {}",
            bad.join(", ")
        )));
    }
    pins.save()?;
    synced.finish()
}

#[derive(Deserialize)]
struct TokenRow {
    id: String,
    grants: Vec<Map<String, Value>>,
}

#[derive(Deserialize)]
struct Tokens {
    tokens: Vec<TokenRow>,
}

pub fn remove_member(ctx: &Ctx, name: &str, email: &str) -> CliResult<()> {
    let (client, keyring) = ctx.open()?;
    let account = keyring.account()?;
    let synced = vaults::sync(&client, &keyring)?;
    let vault = &synced.vaults[synced.vault(name)?];
    let vault_id = vault.id.clone();
    let members = list_members(&client, &vault_id)?;
    let email_lc = email.trim().to_ascii_lowercase();
    let Some(gone) = members.iter().find(|m| m.email == email_lc) else {
        return Err(CliError::other(format!(
            "{email} is not a member of {name:?}"
        )));
    };
    // Every remaining member's key is checked before anything changes.
    let mut pins = Pins::load()?;
    for m in members.iter().filter(|m| m.account_id != gone.account_id) {
        check_key(account, &mut pins, m)?;
    }
    client.delete_unit(&format!(
        "/vaults/{vault_id}/members/{}?base_revision={}",
        gone.account_id, vault.revision
    ))?;
    // Tokens hold their own key, which no member has: a token granted this
    // vault cannot get the new key, so it is revoked (and reported).
    let tokens: Tokens = client.get("/tokens")?;
    let mut revoked = Vec::new();
    for t in tokens.tokens.iter().filter(|t| {
        t.grants
            .iter()
            .any(|g| g.get("vault_id").and_then(Value::as_str) == Some(vault_id.as_str()))
    }) {
        client.delete_unit(&format!("/tokens/{}", t.id))?;
        revoked.push(t.id.clone());
    }
    let synced = vaults::sync(&client, &keyring)?;
    let vi = synced.vault(&vault_id)?;
    let remaining: Vec<Member> = list_members(&client, &vault_id)?;
    let revision = rotate(&client, account, &mut pins, &synced, vi, &remaining)?;
    pins.save()?;
    ctx.out.show(
        || {
            let mut s = format!(
                "Removed {email} from {name:?} and rotated its key (revision {revision})."
            );
            if !revoked.is_empty() {
                s.push_str(&format!(
                    " Revoked {} service token(s) that held the old key: {}.",
                    revoked.len(),
                    revoked.join(", ")
                ));
            }
            s
        },
        || json!({"vault_id": vault_id, "removed": gone.account_id, "revision": revision, "revoked_tokens": revoked}),
    );
    Ok(())
}

/// Builds and sends one rotation: every member, item (trashed too) and
/// folder of the vault, re-wrapped or re-sealed under a fresh vault key.
fn rotate(
    client: &Client,
    account: &UnlockedAccount,
    pins: &mut Pins,
    synced: &Synced,
    vi: usize,
    members: &[Member],
) -> CliResult<i64> {
    let old = &synced.vaults[vi];
    let new_key = SymmetricKey::generate().map_err(|e| crate::exit::core(&e))?;
    let core = |e: blindvault::Error| crate::exit::core(&e);
    let mut wrapped = Map::new();
    for m in members {
        check_key(account, pins, m)?;
        let w = if m.account_id == account.account_id() {
            account.wrap_vault_key(&new_key, &old.id).map_err(core)?
        } else {
            let pk = public_key_bytes(&m.public_key, &m.email)?;
            sharing::seal_vault_key_to(&pk, &new_key, &old.id, &m.account_id).map_err(core)?
        };
        wrapped.insert(m.account_id.clone(), Value::String(w));
    }
    let mut items = Map::new();
    for view in synced.items.iter().filter(|i| i.vault_id == old.id) {
        let blob = vaults::blob_of(view).map_err(CliError::integrity)?;
        let re =
            blindvault::item::rewrap(&blob, &view.id, (&old.key, &old.id), (&new_key, &old.id))
                .map_err(|e| CliError::from_server_data(&format!("item {}", view.id), &e))?;
        items.insert(
            view.id.clone(),
            json!({"base_revision": view.revision, "envelope": b64u_encode(re.as_bytes())}),
        );
    }
    let mut folders = Map::new();
    for f in synced.folders.iter().filter(|f| f.vault_id == old.id) {
        let ctx = Context::folder(&old.id, &f.id).map_err(core)?;
        let pt = old
            .key
            .open(&f.envelope, &ctx)
            .map_err(|e| CliError::from_server_data(&format!("folder {}", f.id), &e))?;
        let env = new_key.seal(pt.expose_secret(), &ctx).map_err(core)?;
        folders.insert(
            f.id.clone(),
            json!({"base_revision": f.revision, "envelope": env}),
        );
    }
    let body = json!({
        "base_revision": old.revision,
        "name": seal_vault_name(&new_key, &old.id, &old.name)?,
        "members": wrapped,
        "tokens": {},
        "items": items,
        "folders": folders,
    });
    let answer: Value = client.post(&format!("/vaults/{}/rotate", old.id), &body)?;
    Ok(answer.get("revision").and_then(Value::as_i64).unwrap_or(0))
}
