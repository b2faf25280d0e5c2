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
use crate::audit::{self, vault_chain, Event};
use crate::auth::{authorize, Principal};
use crate::db::{now, Tx};
use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiJson, ApiQuery, ClientAddr};
use crate::roles::Role;
use crate::routes::items::BaseRevision;
use crate::routes::vaults::recheck;
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

async fn audit_ok(
    tx: &mut Tx,
    who: &Principal,
    vault: &str,
    folder: &str,
    action: &str,
    client: &str,
) -> ApiResult<()> {
    let actor = who.actor();
    let object = format!("folder:{vault}/{folder}");
    audit::append(
        tx,
        Event {
            chain: vault_chain(vault),
            actor: &actor,
            action,
            object: &object,
            client,
            outcome: "ok",
        },
    )
    .await?;
    Ok(())
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
    authorize(
        &st,
        &who,
        &vault,
        Role::Write,
        "folder.create",
        &format!("folder:{vault}/{}", req.id),
        &client,
    )
    .await?;
    let (mut tx, seq) = st.db.write_tx().await?;
    recheck(&mut tx, &who, &vault, Role::Write).await?;
    if let Some(cur) = load(&mut tx, &vault, &req.id).await? {
        return Err(ApiError::stale(json!(cur)));
    }
    let t = now();
    sqlx::query("INSERT INTO folders (vault_id, id, envelope, revision, seq, updated_at) VALUES ($1, $2, $3, 1, $4, $5)")
        .bind(&vault)
        .bind(&req.id)
        .bind(&req.envelope)
        .bind(seq)
        .bind(t)
        .execute(&mut *tx)
        .await?;
    audit_ok(&mut tx, &who, &vault, &req.id, "folder.create", &client).await?;
    tx.commit().await?;
    Ok((
        StatusCode::CREATED,
        Json(FolderView {
            vault_id: vault,
            id: req.id,
            envelope: req.envelope,
            revision: 1,
            updated_at: t,
            seq,
        }),
    ))
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
    authorize(
        &st,
        &who,
        &vault,
        Role::Write,
        "folder.update",
        &format!("folder:{vault}/{folder}"),
        &client,
    )
    .await?;
    let (mut tx, seq) = st.db.write_tx().await?;
    recheck(&mut tx, &who, &vault, Role::Write).await?;
    let view = write_folder(
        &mut tx,
        &vault,
        &folder,
        req.base_revision,
        &req.envelope,
        seq,
    )
    .await?;
    audit_ok(&mut tx, &who, &vault, &folder, "folder.update", &client).await?;
    tx.commit().await?;
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
    authorize(
        &st,
        &who,
        &vault,
        Role::Write,
        "folder.delete",
        &format!("folder:{vault}/{folder}"),
        &client,
    )
    .await?;
    let (mut tx, seq) = st.db.write_tx().await?;
    recheck(&mut tx, &who, &vault, Role::Write).await?;
    let n = sqlx::query("DELETE FROM folders WHERE vault_id = $1 AND id = $2 AND revision = $3")
        .bind(&vault)
        .bind(&folder)
        .bind(q.base_revision)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    if n != 1 {
        return Err(match load(&mut tx, &vault, &folder).await? {
            Some(cur) => ApiError::stale(json!(cur)),
            None => ApiError::not_found("folder"),
        });
    }
    sqlx::query("INSERT INTO tombstones (seq, kind, vault_id, object_id, account_id) VALUES ($1, 'folder', $2, $3, NULL)")
        .bind(seq)
        .bind(&vault)
        .bind(&folder)
        .execute(&mut *tx)
        .await?;
    audit_ok(&mut tx, &who, &vault, &folder, "folder.delete", &client).await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}
