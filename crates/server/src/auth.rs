//! Who is calling, and what may they do in a vault.
//!
//! Sessions: `Authorization: Bearer <43 chars b64u>` (32 random bytes); the
//! server keeps only SHA-256 of the token, so a database leak yields no usable
//! session. Service tokens: `Authorization: Bearer bvst.<id>.<secret>`, the
//! authentication half of a token whose key half never reaches the server.

use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use sqlx::Row;
use subtle::ConstantTimeEq;

use crate::app::AppState;
use crate::audit::{self, vault_chain, Event};
use crate::db::now;
use crate::db::write_conn::{Arg, WriteConn};
use crate::error::{ApiError, ApiResult};
use crate::roles::Role;
use crate::validate::sha256_hex;

#[derive(Clone)]
pub enum Principal {
    Account { id: String, token_hash: String },
    Token { id: String },
}

/// Ids only: the session token's hash is what the sessions table is looked up
/// by, so it is kept out of anything a log or a panic message could print.
impl core::fmt::Debug for Principal {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Principal::Account { id, .. } => f
                .debug_struct("Account")
                .field("id", id)
                .finish_non_exhaustive(),
            Principal::Token { id } => f.debug_struct("Token").field("id", id).finish(),
        }
    }
}

impl Principal {
    pub fn actor(&self) -> String {
        match self {
            Principal::Account { id, .. } => format!("account:{id}"),
            Principal::Token { id } => format!("token:{id}"),
        }
    }
}

/// A caller that must be a logged-in account (not a service token).
pub struct AccountAuth {
    pub id: String,
    pub token_hash: String,
}

fn bearer(parts: &Parts) -> Option<&str> {
    let v = parts.headers.get(AUTHORIZATION)?.to_str().ok()?;
    v.strip_prefix("Bearer ").map(str::trim)
}

impl FromRequestParts<AppState> for Principal {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let token = bearer(parts).ok_or_else(ApiError::unauthorized)?;
        if let Some(rest) = token.strip_prefix("bvst.") {
            let (id, secret) = rest.split_once('.').ok_or_else(ApiError::unauthorized)?;
            let row = sqlx::query("SELECT auth_hash, expires_at FROM service_tokens WHERE id = $1")
                .bind(id)
                .fetch_optional(&state.db.pool)
                .await?
                .ok_or_else(ApiError::unauthorized)?;
            let stored: String = row.try_get("auth_hash")?;
            let expires: i64 = row.try_get("expires_at")?;
            let given = sha256_hex(secret.as_bytes());
            // Constant-time: the hash comparison must not leak a prefix match.
            if !bool::from(given.as_bytes().ct_eq(stored.as_bytes())) || expires <= now() {
                return Err(ApiError::unauthorized());
            }
            return Ok(Principal::Token { id: id.to_string() });
        }
        let token_hash = sha256_hex(token.as_bytes());
        let row = sqlx::query(
            "SELECT account_id FROM sessions WHERE token_hash = $1 AND expires_at > $2",
        )
        .bind(&token_hash)
        .bind(now())
        .fetch_optional(&state.db.pool)
        .await?
        .ok_or_else(ApiError::unauthorized)?;
        Ok(Principal::Account {
            id: row.try_get("account_id")?,
            token_hash,
        })
    }
}

impl FromRequestParts<AppState> for AccountAuth {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        match Principal::from_request_parts(parts, state).await? {
            Principal::Account { id, token_hash } => Ok(AccountAuth { id, token_hash }),
            Principal::Token { .. } => Err(ApiError::forbidden(
                "service tokens cannot use this endpoint",
            )),
        }
    }
}

const MEMBER_ROLE: &str = "SELECT role FROM members WHERE vault_id = $1 AND account_id = $2";
const TOKEN_ROLE: &str = "SELECT role FROM token_grants WHERE vault_id = $1 AND token_id = $2";

/// [`role_in`] inside a write (group commit's connection included).
pub async fn role_in_tx(
    w: &mut WriteConn<'_>,
    who: &Principal,
    vault_id: &str,
) -> Result<Option<Role>, sqlx::Error> {
    let (sql, id) = match who {
        Principal::Account { id, .. } => (MEMBER_ROLE, id),
        Principal::Token { id } => (TOKEN_ROLE, id),
    };
    Ok(
        w.fetch_optional(sql, &[Arg::Text(vault_id), Arg::Text(id)], |r| r.text(0))
            .await?
            .and_then(|r| Role::parse(&r)),
    )
}

/// The caller's role in a vault, if any.
pub async fn role_in<'e, E>(
    exec: E,
    who: &Principal,
    vault_id: &str,
) -> Result<Option<Role>, sqlx::Error>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let row = match who {
        Principal::Account { id, .. } => {
            sqlx::query(MEMBER_ROLE)
                .bind(vault_id)
                .bind(id)
                .fetch_optional(exec)
                .await?
        }
        Principal::Token { id } => {
            sqlx::query(TOKEN_ROLE)
                .bind(vault_id)
                .bind(id)
                .fetch_optional(exec)
                .await?
        }
    };
    Ok(match row {
        Some(r) => Role::parse(&r.try_get::<String, _>("role")?),
        None => None,
    })
}

/// Checks that `who` holds at least `min` in the vault. A non-member gets 404
/// (the vault's existence is not revealed), a member with too small a role
/// 403; both denials are written to the audit log.
pub async fn authorize(
    state: &AppState,
    who: &Principal,
    vault_id: &str,
    min: Role,
    action: &str,
    object: &str,
    client: &str,
) -> ApiResult<Role> {
    let role = role_in(&state.db.pool, who, vault_id).await?;
    match role {
        Some(r) if r >= min => Ok(r),
        _ => {
            let exists = sqlx::query("SELECT 1 AS one FROM vaults WHERE id = $1")
                .bind(vault_id)
                .fetch_optional(&state.db.pool)
                .await?
                .is_some();
            let chain = if exists {
                vault_chain(vault_id)
            } else {
                "global".to_string()
            };
            let actor = who.actor();
            audit::append_alone(
                &state.db,
                Event {
                    chain,
                    actor: &actor,
                    action,
                    object,
                    client,
                    outcome: "denied",
                },
            )
            .await?;
            match role {
                Some(_) => Err(ApiError::forbidden(format!(
                    "this needs the {} role or higher",
                    min.as_str()
                ))),
                None => Err(ApiError::not_found("vault")),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Principal;

    #[test]
    fn debug_names_the_account_but_not_its_token_hash() {
        let p = Principal::Account {
            id: "acct-1".into(),
            token_hash: "5e884898da28047151d0e56f8dc6292773603d0d".into(),
        };
        let shown = format!("{p:?}");
        assert!(shown.contains("acct-1"), "{shown}");
        assert!(!shown.contains("5e8848"), "{shown}");
    }
}
