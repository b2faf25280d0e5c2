//! Attachments: ciphertext streamed to disk and back, never buffered whole.
//!
//! Upload: body → `attachments/tmp-<random>` (size and quota checked while
//! streaming) → fsync → rename to `attachments/<random>` → fsync the directory
//! → insert the row. A dropped connection or a failed check deletes the temp
//! file; until the row commits nothing is visible, and a crash in between
//! leaves at most an unreferenced file (removed by `sweep_temp_files`).

use std::path::{Path as FsPath, PathBuf};

use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::put;
use axum::{Json, Router};
use futures_util::StreamExt;
use serde_json::{json, Value};
use sqlx::Row;
use tokio::io::AsyncWriteExt;

use crate::app::AppState;
use crate::audit::{self, vault_chain, Event};
use crate::auth::{authorize, Principal};
use crate::db::now;
use crate::error::{ApiError, ApiResult};
use crate::extract::ClientAddr;
use crate::roles::Role;
use crate::routes::vaults::recheck;
use crate::validate::{self, random_bytes};

pub fn router() -> Router<AppState> {
    Router::new().route(
        "/vaults/{vault}/items/{item}/attachments/{att}",
        put(upload).get(download).delete(remove),
    )
}

fn dir(data_dir: &FsPath) -> PathBuf {
    data_dir.join("attachments")
}

/// Unlinks files of rows already deleted (after their transaction committed).
pub async fn remove_files(data_dir: &FsPath, files: Vec<String>) {
    for f in files {
        if let Err(e) = tokio::fs::remove_file(dir(data_dir).join(&f)).await {
            tracing::warn!(error = %e, "could not remove an attachment file");
        }
    }
}

/// Removes temp files left by a crash mid-upload; called at start.
pub fn sweep_temp_files(data_dir: &FsPath) {
    if let Ok(rd) = std::fs::read_dir(dir(data_dir)) {
        for e in rd.flatten() {
            if e.file_name().to_string_lossy().starts_with("tmp-") {
                let _ = std::fs::remove_file(e.path());
            }
        }
    }
}

struct TempFile(Option<PathBuf>);
impl Drop for TempFile {
    fn drop(&mut self) {
        if let Some(p) = self.0.take() {
            let _ = std::fs::remove_file(p);
        }
    }
}

async fn used_bytes(st: &AppState, who: &Principal) -> ApiResult<i64> {
    let actor = who.actor();
    let n: i64 = sqlx::query(
        "SELECT CAST(COALESCE(SUM(size), 0) AS BIGINT) AS n FROM attachments WHERE uploader = $1",
    )
    .bind(&actor)
    .fetch_one(&st.db.pool)
    .await?
    .try_get("n")?;
    Ok(n)
}

async fn upload(
    State(st): State<AppState>,
    ClientAddr(client): ClientAddr,
    who: Principal,
    Path((vault, item, att)): Path<(String, String, String)>,
    body: Body,
) -> ApiResult<(StatusCode, Json<Value>)> {
    validate::id("vault", &vault)?;
    validate::id("item", &item)?;
    validate::id("attachment", &att)?;
    let object = format!("attachment:{vault}/{item}/{att}");
    authorize(
        &st,
        &who,
        &vault,
        Role::Write,
        "attachment.upload",
        &object,
        &client,
    )
    .await?;
    let quota_left = i64::try_from(st.settings.account_quota_bytes).unwrap_or(i64::MAX)
        - used_bytes(&st, &who).await?;
    let limit = u64::try_from(quota_left.max(0))
        .unwrap_or(0)
        .min(st.settings.max_attachment_bytes);
    let too_big = || {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "attachment_too_large",
            "the attachment exceeds the size limit or the account's remaining quota",
        )
    };

    let name = hex::encode(random_bytes::<16>()?);
    let tmp_path = dir(&st.settings.data_dir).join(format!("tmp-{name}"));
    let mut guard = TempFile(Some(tmp_path.clone()));
    let mut file = tokio::fs::File::create(&tmp_path).await?;
    let mut size: u64 = 0;
    let mut stream = body.into_data_stream();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk
            .map_err(|_| ApiError::bad_request("upload_interrupted", "the upload stream failed"))?;
        size = size.saturating_add(chunk.len() as u64);
        if size > limit {
            return Err(too_big());
        }
        file.write_all(&chunk).await?;
    }
    file.sync_all().await?;
    drop(file);
    let final_path = dir(&st.settings.data_dir).join(&name);
    tokio::fs::rename(&tmp_path, &final_path).await?;
    guard.0 = Some(final_path);
    // The rename is durable only once the directory entry is synced.
    tokio::fs::File::open(dir(&st.settings.data_dir))
        .await?
        .sync_all()
        .await?;

    let (mut tx, seq) = st.db.write_tx().await?;
    recheck(&mut tx, &who, &vault, Role::Write).await?;
    let item_exists = sqlx::query("SELECT 1 AS one FROM items WHERE vault_id = $1 AND id = $2")
        .bind(&vault)
        .bind(&item)
        .fetch_optional(&mut *tx)
        .await?
        .is_some();
    if !item_exists {
        return Err(ApiError::not_found("item"));
    }
    let dup = sqlx::query(
        "SELECT 1 AS one FROM attachments WHERE vault_id = $1 AND item_id = $2 AND id = $3",
    )
    .bind(&vault)
    .bind(&item)
    .bind(&att)
    .fetch_optional(&mut *tx)
    .await?
    .is_some();
    if dup {
        return Err(ApiError::conflict(
            "attachment_exists",
            "attachments are immutable; delete this one first",
        ));
    }
    sqlx::query(
        "INSERT INTO attachments (vault_id, item_id, id, size, uploader, file, seq, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(&vault)
    .bind(&item)
    .bind(&att)
    .bind(i64::try_from(size).unwrap_or(i64::MAX))
    .bind(who.actor())
    .bind(&name)
    .bind(seq)
    .bind(now())
    .execute(&mut *tx)
    .await?;
    audit::append(
        &mut tx,
        Event {
            chain: vault_chain(&vault),
            actor: &who.actor(),
            action: "attachment.upload",
            object: &object,
            client: &client,
            outcome: "ok",
        },
    )
    .await?;
    tx.commit().await?;
    guard.0 = None; // committed: keep the file
    Ok((
        StatusCode::CREATED,
        Json(json!({ "vault_id": vault, "item_id": item, "id": att, "size": size })),
    ))
}

async fn download(
    State(st): State<AppState>,
    ClientAddr(client): ClientAddr,
    who: Principal,
    Path((vault, item, att)): Path<(String, String, String)>,
) -> ApiResult<Response> {
    validate::id("vault", &vault)?;
    validate::id("item", &item)?;
    validate::id("attachment", &att)?;
    let object = format!("attachment:{vault}/{item}/{att}");
    authorize(
        &st,
        &who,
        &vault,
        Role::Read,
        "attachment.download",
        &object,
        &client,
    )
    .await?;
    let row = sqlx::query(
        "SELECT file, size FROM attachments WHERE vault_id = $1 AND item_id = $2 AND id = $3",
    )
    .bind(&vault)
    .bind(&item)
    .bind(&att)
    .fetch_optional(&st.db.pool)
    .await?
    .ok_or_else(|| ApiError::not_found("attachment"))?;
    let file: String = row.try_get("file")?;
    let size: i64 = row.try_get("size")?;
    let f = tokio::fs::File::open(dir(&st.settings.data_dir).join(file)).await?;
    let body = Body::from_stream(tokio_util::io::ReaderStream::new(f));
    Ok((
        [
            (header::CONTENT_TYPE, "application/octet-stream".to_string()),
            (header::CONTENT_LENGTH, size.to_string()),
        ],
        body,
    )
        .into_response())
}

async fn remove(
    State(st): State<AppState>,
    ClientAddr(client): ClientAddr,
    who: Principal,
    Path((vault, item, att)): Path<(String, String, String)>,
) -> ApiResult<StatusCode> {
    validate::id("vault", &vault)?;
    validate::id("item", &item)?;
    validate::id("attachment", &att)?;
    let object = format!("attachment:{vault}/{item}/{att}");
    authorize(
        &st,
        &who,
        &vault,
        Role::Write,
        "attachment.delete",
        &object,
        &client,
    )
    .await?;
    let (mut tx, seq) = st.db.write_tx().await?;
    recheck(&mut tx, &who, &vault, Role::Write).await?;
    let row = sqlx::query(
        "SELECT file FROM attachments WHERE vault_id = $1 AND item_id = $2 AND id = $3",
    )
    .bind(&vault)
    .bind(&item)
    .bind(&att)
    .fetch_optional(&mut *tx)
    .await?
    .ok_or_else(|| ApiError::not_found("attachment"))?;
    let file: String = row.try_get("file")?;
    sqlx::query("DELETE FROM attachments WHERE vault_id = $1 AND item_id = $2 AND id = $3")
        .bind(&vault)
        .bind(&item)
        .bind(&att)
        .execute(&mut *tx)
        .await?;
    sqlx::query("INSERT INTO tombstones (seq, kind, vault_id, object_id, account_id) VALUES ($1, 'attachment', $2, $3, NULL)")
        .bind(seq)
        .bind(&vault)
        .bind(format!("{item}/{att}"))
        .execute(&mut *tx)
        .await?;
    audit::append(
        &mut tx,
        Event {
            chain: vault_chain(&vault),
            actor: &who.actor(),
            action: "attachment.delete",
            object: &object,
            client: &client,
            outcome: "ok",
        },
    )
    .await?;
    tx.commit().await?;
    remove_files(&st.settings.data_dir, vec![file]).await;
    Ok(StatusCode::NO_CONTENT)
}
