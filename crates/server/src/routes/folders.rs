//! Folders: opaque envelopes (names encrypted under the vault key), revisioned.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{post, put};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use serde_json::json;
use sqlx::Row;
use utoipa::ToSchema;

use crate::app::AppState;
use crate::auth::Principal;
use crate::db::{now, Tx};
use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiJson, ApiQuery, ClientAddr};
use crate::roles::Role;
use crate::routes::items::BaseRevision;
use crate::routes::vault_write::{vault_write, Target};
use crate::validate::{self, MAX_SMALL_ENVELOPE};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/vaults/{vault}/folders", post(create))
        .route(
            "/vaults/{vault}/folders/{folder}",
            put(update).delete(remove),
        )
}

#[derive(Serialize, Clone, Debug, ToSchema)]
pub struct FolderView {
    pub vault_id: String,
    pub id: String,
    pub envelope: String,
    pub revision: i64,
    pub updated_at: i64,
    pub seq: i64,
}

pub fn folder_from_row(r: &sqlx::any::AnyRow) -> Result<FolderView, sqlx::Error> {
    Ok(FolderView {
        vault_id: r.try_get("vault_id")?,
        id: r.try_get("id")?,
        envelope: r.try_get("envelope")?,
        revision: r.try_get("revision")?,
        updated_at: r.try_get("updated_at")?,
        seq: r.try_get("seq")?,
    })
}

async fn load(tx: &mut Tx, vault: &str, id: &str) -> Result<Option<FolderView>, sqlx::Error> {
    sqlx::query("SELECT vault_id, id, envelope, revision, updated_at, seq FROM folders WHERE vault_id = $1 AND id = $2")
        .bind(vault)
        .bind(id)
        .fetch_optional(&mut **tx)
        .await?
        .as_ref()
        .map(folder_from_row)
        .transpose()
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateFolder {
    pub id: String,
    pub envelope: String,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateFolder {
    pub base_revision: i64,
    pub envelope: String,
}

fn target(vault: &str, action: &'static str, folder: &str) -> Target {
    Target {
        vault: vault.to_string(),
        object: format!("folder:{vault}/{folder}"),
        action,
        min: Role::Write,
    }
}

async fn create(
    State(st): State<AppState>,
    ClientAddr(client): ClientAddr,
    who: Principal,
    Path(vault): Path<String>,
    ApiJson(req): ApiJson<CreateFolder>,
) -> ApiResult<(StatusCode, Json<FolderView>)> {
    validate::id("vault", &vault)?;
    validate::id("id", &req.id)?;
    validate::envelope("envelope", &req.envelope, MAX_SMALL_ENVELOPE)?;
    let t = target(&vault, "folder.create", &req.id);
    let view = vault_write(&st, &who, client, t, move |tx, seq| {
        Box::pin(async move {
            if let Some(cur) = load(tx, &vault, &req.id).await? {
                return Err(ApiError::stale(json!(cur)));
            }
            let t = now();
            sqlx::query("INSERT INTO folders (vault_id, id, envelope, revision, seq, updated_at) VALUES ($1, $2, $3, 1, $4, $5)")
                .bind(&vault)
                .bind(&req.id)
                .bind(&req.envelope)
                .bind(seq)
                .bind(t)
                .execute(&mut **tx)
                .await?;
            Ok(FolderView {
                vault_id: vault,
                id: req.id,
                envelope: req.envelope,
                revision: 1,
                updated_at: t,
                seq,
            })
        })
    })
    .await?;
    Ok((StatusCode::CREATED, Json(view)))
}

async fn update(
    State(st): State<AppState>,
    ClientAddr(client): ClientAddr,
    who: Principal,
    Path((vault, folder)): Path<(String, String)>,
    ApiJson(req): ApiJson<UpdateFolder>,
) -> ApiResult<Json<FolderView>> {
    validate::id("vault", &vault)?;
    validate::id("folder", &folder)?;
    validate::envelope("envelope", &req.envelope, MAX_SMALL_ENVELOPE)?;
    let t = target(&vault, "folder.update", &folder);
    let view = vault_write(&st, &who, client, t, move |tx, seq| {
        Box::pin(async move {
            write_folder(tx, &vault, &folder, req.base_revision, &req.envelope, seq).await
        })
    })
    .await?;
    Ok(Json(view))
}

pub async fn write_folder(
    tx: &mut Tx,
    vault: &str,
    folder: &str,
    base: i64,
    envelope: &str,
    seq: i64,
) -> ApiResult<FolderView> {
    let t = now();
    let n = sqlx::query(
        "UPDATE folders SET envelope = $1, revision = revision + 1, seq = $2, updated_at = $3 \
         WHERE vault_id = $4 AND id = $5 AND revision = $6",
    )
    .bind(envelope)
    .bind(seq)
    .bind(t)
    .bind(vault)
    .bind(folder)
    .bind(base)
    .execute(&mut **tx)
    .await?
    .rows_affected();
    match load(tx, vault, folder).await? {
        Some(cur) if n == 1 => Ok(cur),
        Some(cur) => Err(ApiError::stale(json!(cur))),
        None => Err(ApiError::not_found("folder")),
    }
}

async fn remove(
    State(st): State<AppState>,
    ClientAddr(client): ClientAddr,
    who: Principal,
    Path((vault, folder)): Path<(String, String)>,
    ApiQuery(q): ApiQuery<BaseRevision>,
) -> ApiResult<StatusCode> {
    validate::id("vault", &vault)?;
    validate::id("folder", &folder)?;
    let t = target(&vault, "folder.delete", &folder);
    vault_write(&st, &who, client, t, move |tx, seq| {
        Box::pin(async move {
            let n = sqlx::query(
                "DELETE FROM folders WHERE vault_id = $1 AND id = $2 AND revision = $3",
            )
            .bind(&vault)
            .bind(&folder)
            .bind(q.base_revision)
            .execute(&mut **tx)
            .await?
            .rows_affected();
            if n != 1 {
                return Err(match load(tx, &vault, &folder).await? {
                    Some(cur) => ApiError::stale(json!(cur)),
                    None => ApiError::not_found("folder"),
                });
            }
            sqlx::query("INSERT INTO tombstones (seq, kind, vault_id, object_id, account_id) VALUES ($1, 'folder', $2, $3, NULL)")
                .bind(seq)
                .bind(&vault)
                .bind(&folder)
                .execute(&mut **tx)
                .await?;
            Ok(())
        })
    })
    .await?;
    Ok(StatusCode::NO_CONTENT)
}
