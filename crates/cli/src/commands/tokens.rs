//! `token create`, `token list`, `token revoke` (SPEC § Service tokens).
//!
//! The token's key half is made here and never sent: the server gets the
//! vault key wrapped under it (`bv1/vault-key/<vault>/<token id>`) and
//! answers with the authentication half (`secret`). The token's name is a
//! label the server stores (base64url of its UTF-8): it is visible to the
//! server, so it should say what the token is for, nothing secret.

use super::{vaults, Ctx};
use crate::cli::TokenRole;
use crate::exit::{CliError, CliResult};
use crate::token::{self, NewKey, Token};
use blindvault::encoding::{b64u_decode, b64u_encode};
use serde::Deserialize;
use serde_json::{json, Value};

#[derive(Deserialize)]
struct Created {
    id: String,
    secret: String,
    expires_at: i64,
}

#[derive(Deserialize)]
struct Grant {
    vault_id: String,
    role: String,
}

#[derive(Deserialize)]
struct Row {
    id: String,
    name: String,
    expires_at: i64,
    grants: Vec<Grant>,
}

#[derive(Deserialize)]
struct Rows {
    tokens: Vec<Row>,
}

fn label_of(name: &str) -> String {
    b64u_decode(name, "token name")
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .unwrap_or_else(|| "(unreadable name)".into())
}

pub fn create(ctx: &Ctx, name: &str, vault: &str, role: TokenRole, days: i64) -> CliResult<()> {
    if name.is_empty() || name.len() > 200 {
        return Err(CliError::usage("the token name must be 1 to 200 bytes"));
    }
    if !(1..=366).contains(&days) {
        return Err(CliError::usage("--days must be 1 to 366"));
    }
    let (client, keyring) = ctx.open()?;
    keyring.account()?;
    let synced = vaults::sync(&client, &keyring)?;
    let v = &synced.vaults[synced.vault(vault)?];
    let id = crate::keys::random_id()?;
    let key = NewKey::generate()?;
    let wrapped =
        token::wrap_for(&key.key, &v.key, &v.id, &id).map_err(|e| crate::exit::core(&e))?;
    let role = match role {
        TokenRole::Read => "read",
        TokenRole::Write => "write",
    };
    let created: Created = client.post(
        "/tokens",
        &json!({
            "id": id,
            "name": b64u_encode(name.as_bytes()),
            "expires_in_secs": days * 86_400,
            "grants": [{"vault_id": v.id, "role": role, "wrapped_vault_key": wrapped}],
        }),
    )?;
    let text = Token::assemble(&created.id, &created.secret, &key);
    // The token is the one output a script captures; the advice goes to stderr.
    if ctx.out.json {
        crate::output::line(format_args!(
            "{}",
            json!({"id": created.id, "name": name, "vault_id": v.id, "role": role,
                   "expires_at": created.expires_at, "token": text})
        ));
    } else {
        crate::output::line(format_args!("{text}"));
        eprintln!(
            "Token {name:?} ({role} on {vault:?}) created; it is shown only now. Use it as BV_TOKEN."
        );
    }
    Ok(())
}

fn rows(ctx: &Ctx) -> CliResult<(crate::client::Client, Vec<Row>)> {
    let (_session, client) = ctx.session_client()?;
    let rows: Rows = client.get("/tokens")?;
    Ok((client, rows.tokens))
}

pub fn list(ctx: &Ctx) -> CliResult<()> {
    let (_client, rows) = rows(ctx)?;
    ctx.out.show(
        || {
            rows.iter()
                .map(|r| {
                    let grants: Vec<String> = r
                        .grants
                        .iter()
                        .map(|g| format!("{}:{}", g.vault_id, g.role))
                        .collect();
                    format!(
                        "{}\t{}\t{}\texpires {}",
                        label_of(&r.name),
                        r.id,
                        grants.join(","),
                        r.expires_at
                    )
                })
                .collect::<Vec<_>>()
                .join("\n")
        },
        || {
            json!(rows
                .iter()
                .map(|r| json!({"id": r.id, "name": label_of(&r.name), "expires_at": r.expires_at,
                    "grants": r.grants.iter().map(|g| json!({"vault_id": g.vault_id, "role": g.role})).collect::<Vec<Value>>()}))
                .collect::<Vec<_>>())
        },
    );
    Ok(())
}

pub fn revoke(ctx: &Ctx, name: &str) -> CliResult<()> {
    let (client, rows) = rows(ctx)?;
    let hits: Vec<&Row> = rows
        .iter()
        .filter(|r| label_of(&r.name) == name || r.id == name)
        .collect();
    let id = match hits.as_slice() {
        [one] => one.id.clone(),
        [] => return Err(CliError::other(format!("no token named {name:?}"))),
        _ => {
            return Err(CliError::usage(format!(
                "{} tokens are named {name:?}: revoke by id (bv token list)",
                hits.len()
            )))
        }
    };
    client.delete_unit(&format!("/tokens/{id}"))?;
    ctx.out.show(
        || format!("Revoked token {name:?} ({id})."),
        || json!({"id": id, "revoked": true}),
    );
    Ok(())
}
