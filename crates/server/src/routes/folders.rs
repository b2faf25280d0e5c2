//! Folders: opaque envelopes (names encrypted under the vault key), revisioned.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{post, put};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

use crate::app::AppState;
use crate::auth::Principal;
use crate::db::now;
use crate::db::write_conn::{Arg, WRow, WriteConn};
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

/// A row of `vault_id, id, envelope, revision, updated_at, seq`, by position.
pub fn folder_from_row(r: &WRow<'_, '_>) -> Result<FolderView, sqlx::Error> {
    Ok(FolderView {
        vault_id: r.text(0)?,
        id: r.text(1)?,
        envelope: r.text(2)?,
        revision: r.int(3)?,
        updated_at: r.int(4)?,
        seq: r.int(5)?,
    })
}

async fn load(
    w: &mut WriteConn<'_>,
    vault: &str,
    id: &str,
) -> Result<Option<FolderView>, sqlx::Error> {
    w.fetch_optional(
        "SELECT vault_id, id, envelope, revision, updated_at, seq FROM folders WHERE vault_id = $1 AND id = $2",
        &[Arg::Text(vault), Arg::Text(id)],
        folder_from_row,
    )
    .await
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
    let view = vault_write(&st, &who, client, t, move |mut w, seq| {
        Box::pin(async move {
            if let Some(cur) = load(&mut w, &vault, &req.id).await? {
                return Err(ApiError::stale(json!(cur)));
            }
            let t = now();
            w.execute(
                "INSERT INTO folders (vault_id, id, envelope, revision, seq, updated_at) VALUES ($1, $2, $3, 1, $4, $5)",
                &[
                    Arg::Text(&vault),
                    Arg::Text(&req.id),
                    Arg::Text(&req.envelope),
                    Arg::Int(seq),
                    Arg::Int(t),
                ],
            )
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
    let view = vault_write(&st, &who, client, t, move |mut w, seq| {
        Box::pin(async move {
            write_folder(
                &mut w,
                &vault,
                &folder,
                req.base_revision,
                &req.envelope,
                seq,
            )
            .await
        })
    })
    .await?;
    Ok(Json(view))
}

pub async fn write_folder(
    w: &mut WriteConn<'_>,
    vault: &str,
    folder: &str,
    base: i64,
    envelope: &str,
    seq: i64,
) -> ApiResult<FolderView> {
    let t = now();
    let n = w
        .execute(
            "UPDATE folders SET envelope = $1, revision = revision + 1, seq = $2, updated_at = $3 \
             WHERE vault_id = $4 AND id = $5 AND revision = $6",
            &[
                Arg::Text(envelope),
                Arg::Int(seq),
                Arg::Int(t),
                Arg::Text(vault),
                Arg::Text(folder),
                Arg::Int(base),
            ],
        )
        .await?;
    match load(w, vault, folder).await? {
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
    vault_write(&st, &who, client, t, move |mut w, seq| {
        Box::pin(async move {
            let n = w
                .execute(
                    "DELETE FROM folders WHERE vault_id = $1 AND id = $2 AND revision = $3",
                    &[Arg::Text(&vault), Arg::Text(&folder), Arg::Int(q.base_revision)],
                )
                .await?;
            if n != 1 {
                return Err(match load(&mut w, &vault, &folder).await? {
                    Some(cur) => ApiError::stale(json!(cur)),
                    None => ApiError::not_found("folder"),
                });
            }
            w.execute(
                "INSERT INTO tombstones (seq, kind, vault_id, object_id, account_id) VALUES ($1, 'folder', $2, $3, NULL)",
                &[Arg::Int(seq), Arg::Text(&vault), Arg::Text(&folder)],
            )
            .await?;
            Ok(())
        })
    })
    .await?;
    Ok(StatusCode::NO_CONTENT)
}
