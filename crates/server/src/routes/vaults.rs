//! Vaults: create, list, rename, delete.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, put};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use serde_json::json;
use sqlx::Row;
use utoipa::ToSchema;

use crate::app::AppState;
use crate::audit::{self, vault_chain, Event};
use crate::auth::{authorize, role_in, AccountAuth, Principal};
use crate::db::{next_seq, now, Tx};
use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiJson, ClientAddr};
use crate::roles::Role;
use crate::validate::{self, MAX_SMALL_ENVELOPE};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/vaults", get(list).post(create))
        .route("/vaults/{vault}", put(rename).delete(remove))
}

#[derive(Serialize, Clone, Debug, ToSchema)]
pub struct VaultView {
    pub id: String,
    /// Opaque envelope: the vault's name encrypted under its vault key.
    pub name: String,
    pub revision: i64,
    pub role: Role,
    /// The caller's own wrapped copy of the vault key.
    pub wrapped_vault_key: String,
    pub seq: i64,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateVault {
    pub id: String,
    pub name: String,
    pub wrapped_vault_key: String,
    /// Entry 0 of the vault's member log (`op: create`), signed by the caller
    /// with its published identity. Without it the vault has no member log
    /// (clients made before member logs).
    #[serde(default)]
    pub log_entry: Option<String>,
}

async fn create(
    State(st): State<AppState>,
    ClientAddr(client): ClientAddr,
    who: AccountAuth,
    ApiJson(req): ApiJson<CreateVault>,
) -> ApiResult<(StatusCode, Json<VaultView>)> {
    validate::id("id", &req.id)?;
    validate::envelope("name", &req.name, MAX_SMALL_ENVELOPE)?;
    validate::envelope(
        "wrapped_vault_key",
        &req.wrapped_vault_key,
        MAX_SMALL_ENVELOPE,
    )?;
    let (mut tx, seq) = st.db.write_tx().await?;
    let exists = sqlx::query("SELECT 1 AS one FROM vaults WHERE id = $1")
        .bind(&req.id)
        .fetch_optional(&mut *tx)
        .await?;
    if exists.is_some() {
        return Err(ApiError::conflict(
            "vault_exists",
            "a vault with this id already exists",
        ));
    }
    if let Some(entry) = &req.log_entry {
        let mut roster =
            blindvault::member_log::Roster::new(&req.id).map_err(crate::member_log::refused)?;
        let info = crate::member_log::append(&mut tx, &mut roster, entry).await?;
        if info.by.account_id() != who.id {
            return Err(ApiError::bad_request(
                "invalid_log_entry",
                "entry 0 must be signed by the vault's creator",
            ));
        }
        let published = crate::member_log::stored_identity(&mut tx, &who.id).await?;
        crate::member_log::require_published(published.as_deref(), &info.by)?;
    }
    let t = now();
    sqlx::query("INSERT INTO vaults (id, name, revision, seq, created_at, updated_at) VALUES ($1, $2, 1, $3, $4, $4)")
        .bind(&req.id)
        .bind(&req.name)
        .bind(seq)
        .bind(t)
        .execute(&mut *tx)
        .await?;
    sqlx::query("INSERT INTO members (vault_id, account_id, role, wrapped_vault_key, seq) VALUES ($1, $2, 'owner', $3, $4)")
        .bind(&req.id)
        .bind(&who.id)
        .bind(&req.wrapped_vault_key)
        .bind(seq)
        .execute(&mut *tx)
        .await?;
    let actor = format!("account:{}", who.id);
    let object = format!("vault:{}", req.id);
    audit::append(
        &mut tx,
        Event {
            chain: vault_chain(&req.id),
            actor: &actor,
            action: "vault.create",
            object: &object,
            client: &client,
            outcome: "ok",
        },
    )
    .await?;
    tx.commit().await?;
    Ok((
        StatusCode::CREATED,
        Json(VaultView {
            id: req.id,
            name: req.name,
            revision: 1,
            role: Role::Owner,
            wrapped_vault_key: req.wrapped_vault_key,
            seq,
        }),
    ))
}

/// Vaults the caller can see, with its role and wrapped key.
pub async fn visible_vaults<'e, E>(exec: E, who: &Principal) -> Result<Vec<VaultView>, sqlx::Error>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let rows = match who {
        Principal::Account { id, .. } => {
            sqlx::query(
                "SELECT v.id, v.name, v.revision, v.seq AS vseq, m.role, m.wrapped_vault_key, m.seq AS mseq \
                 FROM vaults v JOIN members m ON m.vault_id = v.id WHERE m.account_id = $1 ORDER BY v.id",
            )
            .bind(id)
            .fetch_all(exec)
            .await?
        }
        Principal::Token { id } => {
            sqlx::query(
                "SELECT v.id, v.name, v.revision, v.seq AS vseq, g.role, g.wrapped_vault_key, 0 AS mseq \
                 FROM vaults v JOIN token_grants g ON g.vault_id = v.id WHERE g.token_id = $1 ORDER BY v.id",
            )
            .bind(id)
            .fetch_all(exec)
            .await?
        }
    };
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        let role: String = r.try_get("role")?;
        let vseq: i64 = r.try_get("vseq")?;
        let mseq: i64 = r.try_get("mseq")?;
        out.push(VaultView {
            id: r.try_get("id")?,
            name: r.try_get("name")?,
            revision: r.try_get("revision")?,
            role: Role::parse(&role).unwrap_or(Role::Read),
            wrapped_vault_key: r.try_get("wrapped_vault_key")?,
            seq: vseq.max(mseq),
        });
    }
    Ok(out)
}

async fn list(State(st): State<AppState>, who: Principal) -> ApiResult<Json<serde_json::Value>> {
    let vaults = visible_vaults(&st.db.pool, &who).await?;
    Ok(Json(json!({ "vaults": vaults })))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RenameVault {
    pub base_revision: i64,
    pub name: String,
}

pub async fn vault_current(tx: &mut Tx, vault_id: &str) -> Result<serde_json::Value, sqlx::Error> {
    let r = sqlx::query("SELECT id, name, revision FROM vaults WHERE id = $1")
        .bind(vault_id)
        .fetch_optional(&mut **tx)
        .await?;
    Ok(match r {
        Some(r) => json!({
            "id": r.try_get::<String, _>("id")?,
            "name": r.try_get::<String, _>("name")?,
            "revision": r.try_get::<i64, _>("revision")?,
        }),
        None => serde_json::Value::Null,
    })
}

/// Bumps the vault's revision if it is still `base`; 409 with the current one otherwise.
pub async fn bump_vault(tx: &mut Tx, vault_id: &str, base: i64, seq: i64) -> ApiResult<i64> {
    let n = sqlx::query("UPDATE vaults SET revision = revision + 1, seq = $1, updated_at = $2 WHERE id = $3 AND revision = $4")
        .bind(seq)
        .bind(now())
        .bind(vault_id)
        .bind(base)
        .execute(&mut **tx)
        .await?
        .rows_affected();
    if n != 1 {
        return Err(ApiError::stale(vault_current(tx, vault_id).await?));
    }
    Ok(base + 1)
}

/// Re-checks the caller's role inside a write transaction (it may have been
/// removed since `authorize` ran outside it).
pub async fn recheck(tx: &mut Tx, who: &Principal, vault_id: &str, min: Role) -> ApiResult<Role> {
    match role_in(&mut **tx, who, vault_id).await? {
        Some(r) if r >= min => Ok(r),
        _ => Err(ApiError::forbidden("your role in this vault changed")),
    }
}

async fn rename(
    State(st): State<AppState>,
    ClientAddr(client): ClientAddr,
    who: Principal,
    Path(vault): Path<String>,
    ApiJson(req): ApiJson<RenameVault>,
) -> ApiResult<Json<serde_json::Value>> {
    validate::id("vault", &vault)?;
    validate::envelope("name", &req.name, MAX_SMALL_ENVELOPE)?;
    let object = format!("vault:{vault}");
    authorize(
        &st,
        &who,
        &vault,
        Role::Admin,
        "vault.rename",
        &object,
        &client,
    )
    .await?;
    let (mut tx, seq) = st.db.write_tx().await?;
    recheck(&mut tx, &who, &vault, Role::Admin).await?;
    let revision = bump_vault(&mut tx, &vault, req.base_revision, seq).await?;
    sqlx::query("UPDATE vaults SET name = $1 WHERE id = $2")
        .bind(&req.name)
        .bind(&vault)
        .execute(&mut *tx)
        .await?;
    let actor = who.actor();
    audit::append(
        &mut tx,
        Event {
            chain: vault_chain(&vault),
            actor: &actor,
            action: "vault.rename",
            object: &object,
            client: &client,
            outcome: "ok",
        },
    )
    .await?;
    tx.commit().await?;
    Ok(Json(
        json!({ "id": vault, "name": req.name, "revision": revision }),
    ))
}

/// Deletes every row of a vault; returns the attachment files to unlink after commit.
pub async fn delete_vault_rows(tx: &mut Tx, vault_id: &str) -> Result<Vec<String>, sqlx::Error> {
    let files: Vec<String> = sqlx::query("SELECT file FROM attachments WHERE vault_id = $1")
        .bind(vault_id)
        .fetch_all(&mut **tx)
        .await?
        .iter()
        .map(|r| r.try_get("file"))
        .collect::<Result<_, _>>()?;
    let members: Vec<String> = sqlx::query("SELECT account_id FROM members WHERE vault_id = $1")
        .bind(vault_id)
        .fetch_all(&mut **tx)
        .await?
        .iter()
        .map(|r| r.try_get("account_id"))
        .collect::<Result<_, _>>()?;
    for sql in [
        "DELETE FROM attachments WHERE vault_id = $1",
        "DELETE FROM item_history WHERE vault_id = $1",
        "DELETE FROM items WHERE vault_id = $1",
        "DELETE FROM folders WHERE vault_id = $1",
        "DELETE FROM members WHERE vault_id = $1",
        "DELETE FROM member_log WHERE vault_id = $1",
        "DELETE FROM token_grants WHERE vault_id = $1",
        "DELETE FROM tombstones WHERE vault_id = $1",
        "DELETE FROM vaults WHERE id = $1",
    ] {
        sqlx::query(sql).bind(vault_id).execute(&mut **tx).await?;
    }
    crate::routes::overview_snapshot::delete_snapshot(tx, vault_id).await?;
    // Each former member's next delta sync learns the vault is gone.
    for m in members {
        let seq = next_seq(tx).await?;
        sqlx::query("INSERT INTO tombstones (seq, kind, vault_id, object_id, account_id) VALUES ($1, 'vault', $2, $2, $3)")
            .bind(seq)
            .bind(vault_id)
            .bind(m)
            .execute(&mut **tx)
            .await?;
    }
    Ok(files)
}

async fn remove(
    State(st): State<AppState>,
    ClientAddr(client): ClientAddr,
    who: Principal,
    Path(vault): Path<String>,
) -> ApiResult<StatusCode> {
    validate::id("vault", &vault)?;
    let object = format!("vault:{vault}");
    authorize(
        &st,
        &who,
        &vault,
        Role::Owner,
        "vault.delete",
        &object,
        &client,
    )
    .await?;
    let (mut tx, _) = st.db.write_tx().await?;
    recheck(&mut tx, &who, &vault, Role::Owner).await?;
    let files = delete_vault_rows(&mut tx, &vault).await?;
    let actor = who.actor();
    audit::append(
        &mut tx,
        Event {
            chain: vault_chain(&vault),
            actor: &actor,
            action: "vault.delete",
            object: &object,
            client: &client,
            outcome: "ok",
        },
    )
    .await?;
    tx.commit().await?;
    crate::routes::attachments::remove_files(&st.settings.data_dir, files).await;
    Ok(StatusCode::NO_CONTENT)
}
