//! Sync: everything the caller can see, or the changes since a cursor.
//!
//! The cursor is the global change sequence (db.rs). It is read *before* the
//! rows, so a change racing with the sync is returned now or next time, never
//! skipped; a client may see a row twice, never miss one.

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use sqlx::Row;
use utoipa::ToSchema;

use crate::app::AppState;
use crate::auth::Principal;
use crate::db::current_seq;
use crate::error::ApiResult;
use crate::extract::ApiQuery;
use crate::routes::folders::{folder_from_row, FolderView};
use crate::routes::items::{item_from_row, ItemView, ITEM_COLUMNS};
use crate::routes::vaults::{visible_vaults, VaultView};

pub fn router() -> Router<AppState> {
    Router::new().route("/sync", get(sync))
}

#[derive(Deserialize)]
pub struct SyncQuery {
    /// Cursor from a previous sync; absent or 0 for everything.
    pub since: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct Removed {
    /// "vault" (the caller lost access or it was deleted), "item" or "folder".
    pub kind: String,
    pub vault_id: String,
    pub id: String,
}

#[derive(Serialize, ToSchema)]
pub struct AttachmentView {
    pub vault_id: String,
    pub item_id: String,
    pub id: String,
    pub size: i64,
}

#[derive(Serialize, ToSchema)]
pub struct SyncResponse {
    pub cursor: i64,
    pub full: bool,
    pub vaults: Vec<VaultView>,
    pub folders: Vec<FolderView>,
    pub items: Vec<ItemView>,
    pub attachments: Vec<AttachmentView>,
    pub removed: Vec<Removed>,
}

async fn sync(
    State(st): State<AppState>,
    who: Principal,
    ApiQuery(q): ApiQuery<SyncQuery>,
) -> ApiResult<Json<SyncResponse>> {
    let since = q.since.unwrap_or(0).max(0);
    let cursor = current_seq(&st.db).await?;
    let all = visible_vaults(&st.db.pool, &who).await?;
    let mut out = SyncResponse {
        cursor,
        full: since == 0,
        vaults: Vec::new(),
        folders: Vec::new(),
        items: Vec::new(),
        attachments: Vec::new(),
        removed: Vec::new(),
    };
    let item_sql =
        format!("SELECT {ITEM_COLUMNS} FROM items WHERE vault_id = $1 AND seq > $2 ORDER BY id");
    for v in all {
        // A vault that became visible (or re-keyed) after the cursor is sent whole.
        let from = if v.seq > since { 0 } else { since };
        for r in sqlx::query(&item_sql)
            .bind(&v.id)
            .bind(from)
            .fetch_all(&st.db.pool)
            .await?
        {
            out.items.push(item_from_row(&r)?);
        }
        for r in sqlx::query(
            "SELECT vault_id, id, envelope, revision, updated_at, seq FROM folders WHERE vault_id = $1 AND seq > $2 ORDER BY id",
        )
        .bind(&v.id)
        .bind(from)
        .fetch_all(&st.db.pool)
        .await?
        {
            out.folders.push(folder_from_row(&r)?);
        }
        for r in sqlx::query(
            "SELECT vault_id, item_id, id, size FROM attachments WHERE vault_id = $1 AND seq > $2",
        )
        .bind(&v.id)
        .bind(from)
        .fetch_all(&st.db.pool)
        .await?
        {
            out.attachments.push(AttachmentView {
                vault_id: r.try_get("vault_id")?,
                item_id: r.try_get("item_id")?,
                id: r.try_get("id")?,
                size: r.try_get("size")?,
            });
        }
        if since > 0 {
            for r in sqlx::query(
                "SELECT kind, vault_id, object_id FROM tombstones WHERE vault_id = $1 AND account_id IS NULL AND seq > $2",
            )
            .bind(&v.id)
            .bind(since)
            .fetch_all(&st.db.pool)
            .await?
            {
                out.removed.push(Removed { kind: r.try_get("kind")?, vault_id: r.try_get("vault_id")?, id: r.try_get("object_id")? });
            }
        }
        if v.seq > since {
            out.vaults.push(v);
        }
    }
    if since > 0 {
        if let Principal::Account { id, .. } = &who {
            for r in sqlx::query("SELECT kind, vault_id, object_id FROM tombstones WHERE account_id = $1 AND seq > $2")
                .bind(id)
                .bind(since)
                .fetch_all(&st.db.pool)
                .await?
            {
                out.removed.push(Removed { kind: r.try_get("kind")?, vault_id: r.try_get("vault_id")?, id: r.try_get("object_id")? });
            }
        }
    }
    Ok(Json(out))
}
