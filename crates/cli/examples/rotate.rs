//! The Rust SDK in one program: log in, open a vault, give one item a new
//! generated password, and write it back revision-checked, the way `bv`
//! does it. Everything secret stays in this process; the server sees the
//! auth key and ciphertext only.
//!
//! ```text
//! BV_SERVER=http://127.0.0.1:8080 BV_EMAIL=me@example.com BV_PASSWORD=… \
//!   cargo run -p blindvault-cli --example rotate -- VAULT ITEM
//! ```
//!
//! For a database item use `bv rotate`, which also changes the password on
//! the database server and survives a crash at any point; this example
//! shows the API for any other system (change it there, then here).

use blindvault::account::{self, UnlockedAccount};
use blindvault::context::Context;
use blindvault::encoding::{b64u_decode, b64u_encode};
use blindvault::generator::{generate_password, PasswordOptions};
use blindvault::item;
use blindvault::kdf::{KdfParams, MasterKey};
use blindvault::secret::SecretString;
use blindvault_cli::client::Client;
use blindvault_cli::exit::{CliError, CliResult};
use serde::Deserialize;
use serde_json::{json, Map, Value};
use std::process::ExitCode;

#[derive(Deserialize)]
struct Prelogin {
    account_id: String,
    kdf: Value,
}

#[derive(Deserialize)]
struct AccountKeys {
    account_id: String,
    wrapped_account_key: String,
    wrapped_private_key: String,
}

#[derive(Deserialize)]
struct Login {
    token: String,
    account: AccountKeys,
}

#[derive(Deserialize)]
struct Sync {
    vaults: Vec<VaultRow>,
    items: Vec<ItemRow>,
}

#[derive(Deserialize)]
struct VaultRow {
    id: String,
    name: String,
    wrapped_vault_key: String,
}

#[derive(Deserialize)]
struct ItemRow {
    vault_id: String,
    id: String,
    envelope: String,
    revision: i64,
    trashed_at: Option<i64>,
}

fn env(name: &str) -> CliResult<String> {
    std::env::var(name).map_err(|_| CliError::usage(format!("set {name}")))
}

/// prelogin → check the KDF parameters → PBKDF2 → login → unlock.
fn log_in(
    server: &str,
    email: &str,
    password: &SecretString,
) -> CliResult<(Client, UnlockedAccount)> {
    let anonymous = Client::new(server, None)?;
    let pre: Prelogin = anonymous.post("/accounts/prelogin", &json!({ "email": email }))?;
    let params: KdfParams = serde_json::from_value(pre.kdf)
        .map_err(|_| CliError::integrity("malformed KDF parameters"))?;
    // Refuse a downgrade before deriving anything (SPEC § Key derivation).
    params
        .validate()
        .map_err(|e| CliError::integrity(e.to_string()))?;
    let master =
        MasterKey::derive(password, &params).map_err(|e| CliError::other(e.to_string()))?;
    let body =
        json!({"account_id": pre.account_id, "auth_key": master.auth_key().encode_for_server()});
    let login: Login = anonymous.post("/accounts/login", &body)?;
    let a = &login.account;
    let unlocked = account::unlock_with_master_key(
        &master,
        &a.wrapped_account_key,
        &a.wrapped_private_key,
        &a.account_id,
    )
    .map_err(|e| CliError::auth(e.to_string()))?;
    Ok((Client::new(server, Some(login.token))?, unlocked))
}

fn run() -> CliResult<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [vault_name, item_name] = args.as_slice() else {
        return Err(CliError::usage("usage: rotate VAULT ITEM"));
    };
    let password = SecretString::new(env("BV_PASSWORD")?);
    let (client, me) = log_in(&env("BV_SERVER")?, &env("BV_EMAIL")?, &password)?;

    let sync: Sync = client.get("/sync")?;
    fn integrity(what: &'static str) -> impl Fn(blindvault::Error) -> CliError {
        move |e| CliError::from_server_data(what, &e)
    }
    // Vault names are sealed: open each to find ours.
    let (vault_id, vault_key) = sync
        .vaults
        .iter()
        .find_map(|v| {
            let key = me.unwrap_vault_key(&v.wrapped_vault_key, &v.id).ok()?;
            let meta = key.open(&v.name, &Context::vault_meta(&v.id).ok()?).ok()?;
            let meta: Value = serde_json::from_slice(meta.expose_secret()).ok()?;
            (meta["name"] == vault_name.as_str()).then(|| (v.id.clone(), key))
        })
        .ok_or_else(|| CliError::other(format!("no vault named {vault_name:?}")))?;

    for row in sync
        .items
        .iter()
        .filter(|i| i.vault_id == vault_id && i.trashed_at.is_none())
    {
        // Transport form: BASE64URL(UTF-8(item blob JSON)) (SPEC § Web vault).
        let bytes = b64u_decode(&row.envelope, "item").map_err(integrity("item"))?;
        let blob = String::from_utf8(bytes).map_err(|_| CliError::integrity("item not UTF-8"))?;
        let overview = item::open_overview(&vault_key, &vault_id, &row.id, &blob)
            .map_err(integrity("overview"))?;
        let overview: Map<String, Value> = serde_json::from_slice(overview.expose_secret())
            .map_err(|_| CliError::integrity("overview is not JSON"))?;
        if overview.get("name").and_then(Value::as_str) != Some(item_name.as_str()) {
            continue;
        }
        let details = item::open_details(&vault_key, &vault_id, &row.id, &blob)
            .map_err(integrity("details"))?;
        let mut details: Map<String, Value> = serde_json::from_slice(details.expose_secret())
            .map_err(|_| CliError::integrity("details are not JSON"))?;
        let new = generate_password(&PasswordOptions::default())
            .map_err(|e| CliError::other(e.to_string()))?;
        details.insert("password".into(), new.secret.expose_secret().into());
        // Same item key, new details envelope; the overview stays byte for byte.
        let blob = item::update(
            &vault_key,
            &vault_id,
            &row.id,
            &blob,
            None,
            Some(Value::Object(details).to_string().as_bytes()),
        )
        .map_err(|e| CliError::other(e.to_string()))?;
        // base_revision: a concurrent edit is a 409 (exit 5), never overwritten.
        let body = json!({"base_revision": row.revision, "envelope": b64u_encode(blob.as_bytes())});
        let written: Value = client.put(&format!("/vaults/{vault_id}/items/{}", row.id), &body)?;
        println!(
            "{vault_name}/{item_name}: new password stored (revision {}); the old one is in the item's history",
            written["revision"]
        );
        return Ok(());
    }
    Err(CliError::other(format!(
        "no item named {item_name:?} in {vault_name:?}"
    )))
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("rotate: {e}");
            e.exit_code()
        }
    }
}
