//! Service tokens for machines (CI jobs, rotation scripts). A token is
//! `bvst.<id>.<secret>.<key>` on the client: the server generates `secret`
//! and keeps only SHA-256(secret); `key` is made by the client and never sent.
//! The client wraps each granted vault key for the token (opaque here).
//! Tokens get read or write, never admin/owner: a machine cannot manage members.

use std::collections::BTreeSet;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{delete, get};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use sqlx::Row;
use utoipa::ToSchema;

use crate::app::AppState;
use crate::audit::{self, vault_chain, Event};
use crate::auth::{authorize, AccountAuth, Principal};
use crate::db::now;
use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiJson, ClientAddr};
use crate::roles::Role;
use crate::routes::vaults::recheck;
use crate::validate::{self, b64u, random_bytes, sha256_hex, MAX_SMALL_ENVELOPE};

/// One year at most; rotation scripts should re-issue.
pub const MAX_TOKEN_SECS: i64 = 366 * 24 * 3600;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/tokens", get(list).post(create))
        .route("/tokens/{id}", delete(revoke))
}

#[derive(Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Grant {
    pub vault_id: String,
    pub role: Role,
    #[serde(skip_serializing_if = "String::is_empty", default)]
    pub wrapped_vault_key: String,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateToken {
    pub id: String,
    /// Opaque (encrypted by the client) label.
    pub name: String,
    pub expires_in_secs: i64,
    pub grants: Vec<Grant>,
}

#[derive(Serialize, ToSchema)]
pub struct CreatedToken {
    pub id: String,
    /// The authentication half, shown once.
    pub secret: String,
    pub expires_at: i64,
}

async fn create(
    State(st): State<AppState>,
    ClientAddr(client): ClientAddr,
    who: AccountAuth,
    ApiJson(req): ApiJson<CreateToken>,
) -> ApiResult<(StatusCode, Json<CreatedToken>)> {
    validate::id("id", &req.id)?;
    validate::envelope("name", &req.name, MAX_SMALL_ENVELOPE)?;
    if !(1..=MAX_TOKEN_SECS).contains(&req.expires_in_secs) {
        return Err(ApiError::bad_request(
            "invalid_expiry",
            format!("expires_in_secs must be 1..={MAX_TOKEN_SECS}"),
        ));
    }
    if req.grants.is_empty() || req.grants.len() > 100 {
        return Err(ApiError::bad_request(
            "invalid_grants",
            "grants must list 1 to 100 vaults",
        ));
    }
    let mut seen = BTreeSet::new();
    for g in &req.grants {
        validate::id("grants.vault_id", &g.vault_id)?;
        validate::envelope(
            "grants.wrapped_vault_key",
            &g.wrapped_vault_key,
            MAX_SMALL_ENVELOPE,
        )?;
        if g.role > Role::Write {
            return Err(ApiError::bad_request(
                "invalid_role",
                "service tokens get read or write",
            ));
        }
        if !seen.insert(g.vault_id.clone()) {
            return Err(ApiError::bad_request(
                "invalid_grants",
                "a vault appears twice in grants",
            ));
        }
    }
    let principal = Principal::Account {
        id: who.id.clone(),
        token_hash: who.token_hash.clone(),
    };
    let object = format!("token:{}", req.id);
    for g in &req.grants {
        authorize(
            &st,
            &principal,
            &g.vault_id,
            Role::Admin,
            "token.create",
            &object,
            &client,
        )
        .await?;
    }
    let secret = b64u(&random_bytes::<32>()?);
    let expires_at = now() + req.expires_in_secs;
    let (mut tx, _) = st.db.write_tx().await?;
    if sqlx::query("SELECT 1 AS one FROM service_tokens WHERE id = $1")
        .bind(&req.id)
        .fetch_optional(&mut *tx)
        .await?
        .is_some()
    {
        return Err(ApiError::conflict(
            "token_exists",
            "a token with this id already exists",
        ));
    }
    sqlx::query("INSERT INTO service_tokens (id, created_by, name, auth_hash, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6)")
        .bind(&req.id)
        .bind(&who.id)
        .bind(&req.name)
        .bind(sha256_hex(secret.as_bytes()))
        .bind(now())
        .bind(expires_at)
        .execute(&mut *tx)
        .await?;
    for g in &req.grants {
        recheck(&mut tx, &principal, &g.vault_id, Role::Admin).await?;
        sqlx::query("INSERT INTO token_grants (token_id, vault_id, role, wrapped_vault_key) VALUES ($1, $2, $3, $4)")
            .bind(&req.id)
            .bind(&g.vault_id)
            .bind(g.role.as_str())
            .bind(&g.wrapped_vault_key)
            .execute(&mut *tx)
            .await?;
        audit::append(
            &mut tx,
            Event {
                chain: vault_chain(&g.vault_id),
                actor: &principal.actor(),
                action: "token.create",
                object: &object,
                client: &client,
                outcome: "ok",
            },
        )
        .await?;
    }
    tx.commit().await?;
    Ok((
        StatusCode::CREATED,
        Json(CreatedToken {
            id: req.id,
            secret,
            expires_at,
        }),
    ))
}

/// Tokens with a grant in any vault the caller administers.
async fn list(State(st): State<AppState>, who: AccountAuth) -> ApiResult<Json<Value>> {
    let rows = sqlx::query(
        "SELECT t.id, t.name, t.created_by, t.expires_at, g.vault_id, g.role FROM service_tokens t \
         JOIN token_grants g ON g.token_id = t.id \
         JOIN members m ON m.vault_id = g.vault_id AND m.account_id = $1 AND m.role IN ('admin', 'owner') \
         ORDER BY t.id, g.vault_id",
    )
    .bind(&who.id)
    .fetch_all(&st.db.pool)
    .await?;
    let mut out: Vec<Value> = Vec::new();
    for r in rows {
        let id: String = r.try_get("id")?;
        let grant = json!({ "vault_id": r.try_get::<String, _>("vault_id")?, "role": r.try_get::<String, _>("role")? });
        match out.last_mut() {
            Some(last) if last["id"] == id => {
                if let Some(g) = last["grants"].as_array_mut() {
                    g.push(grant);
                }
            }
            _ => out.push(json!({
                "id": id,
                "name": r.try_get::<String, _>("name")?,
                "created_by": r.try_get::<String, _>("created_by")?,
                "expires_at": r.try_get::<i64, _>("expires_at")?,
                "grants": [grant],
            })),
        }
    }
    Ok(Json(json!({ "tokens": out })))
}

/// Revocation needs admin in every vault the token reaches.
async fn revoke(
    State(st): State<AppState>,
    ClientAddr(client): ClientAddr,
    who: AccountAuth,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    validate::id("id", &id)?;
    let vaults: Vec<String> = sqlx::query("SELECT vault_id FROM token_grants WHERE token_id = $1")
        .bind(&id)
        .fetch_all(&st.db.pool)
        .await?
        .iter()
        .map(|r| r.try_get("vault_id"))
        .collect::<Result<_, _>>()?;
    let principal = Principal::Account {
        id: who.id.clone(),
        token_hash: who.token_hash.clone(),
    };
    let object = format!("token:{id}");
    if vaults.is_empty() {
        return Err(ApiError::not_found("token"));
    }
    for v in &vaults {
        authorize(
            &st,
            &principal,
            v,
            Role::Admin,
            "token.revoke",
            &object,
            &client,
        )
        .await?;
    }
    let (mut tx, _) = st.db.write_tx().await?;
    sqlx::query("DELETE FROM token_grants WHERE token_id = $1")
        .bind(&id)
        .execute(&mut *tx)
        .await?;
    sqlx::query("DELETE FROM service_tokens WHERE id = $1")
        .bind(&id)
        .execute(&mut *tx)
        .await?;
    for v in &vaults {
        audit::append(
            &mut tx,
            Event {
                chain: vault_chain(v),
                actor: &principal.actor(),
                action: "token.revoke",
                object: &object,
                client: &client,
                outcome: "ok",
            },
        )
        .await?;
    }
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}
