//! Sync: everything the caller can see, or the changes since a cursor.
//!
//! The cursor is the global change sequence (db.rs). It is read *before* the
//! rows, so a change racing with the sync is returned now or next time, never
//! skipped; a client may see a row twice, never miss one.

use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;
use futures_util::TryStreamExt;
use serde::{Deserialize, Serialize};
use sqlx::any::AnyRow;
use sqlx::Row;
use utoipa::ToSchema;

use crate::app::AppState;
use crate::auth::Principal;
use crate::db::current_seq;
use crate::error::{ApiError, ApiResult};
use crate::extract::ApiQuery;
use crate::routes::folders::{folder_from_row, FolderView};
use crate::routes::items::{ItemView, ITEM_COLUMNS};
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

/// One item row serialised straight from the database row: the strings are
/// borrowed, so a 10 000-item sync copies each envelope once (into the body)
/// instead of three times (row, ItemView, body). Same JSON as [`ItemView`].
#[derive(Serialize)]
struct ItemRef<'a> {
    vault_id: &'a str,
    id: &'a str,
    envelope: &'a str,
    revision: i64,
    created_at: i64,
    updated_at: i64,
    trashed_at: Option<i64>,
    seq: i64,
}

/// Column order of `ITEM_COLUMNS`; positional access skips the by-name lookup.
fn item_ref(r: &AnyRow) -> Result<ItemRef<'_>, sqlx::Error> {
    Ok(ItemRef {
        vault_id: r.try_get(0)?,
        id: r.try_get(1)?,
        envelope: r.try_get(2)?,
        revision: r.try_get(3)?,
        created_at: r.try_get(4)?,
        updated_at: r.try_get(5)?,
        trashed_at: r.try_get(6)?,
        seq: r.try_get(7)?,
    })
}

/// Appends `,"name":<json of v>` (or without the comma when first).
fn field<T: Serialize + ?Sized>(
    buf: &mut Vec<u8>,
    name: &str,
    v: &T,
    first: bool,
) -> Result<(), ApiError> {
    if !first {
        buf.push(b',');
    }
    buf.push(b'"');
    buf.extend_from_slice(name.as_bytes());
    buf.extend_from_slice(b"\":");
    serde_json::to_writer(&mut *buf, v).map_err(|_| ApiError::internal())
}

/// The body is a [`SyncResponse`] (same members, same order), written by hand
/// so that item rows stream from the database into the body one at a time:
/// neither all rows nor all items are held at once (docs/BENCHMARKS.md § Server).
async fn sync(
    State(st): State<AppState>,
    who: Principal,
    ApiQuery(q): ApiQuery<SyncQuery>,
) -> ApiResult<impl IntoResponse> {
    let since = q.since.unwrap_or(0).max(0);
    let cursor = current_seq(&st.db).await?;
    let all = visible_vaults(&st.db.pool, &who).await?;
    // A vault that became visible (or re-keyed) after the cursor is sent whole.
    let from = |v: &VaultView| if v.seq > since { 0 } else { since };

    let mut folders: Vec<FolderView> = Vec::new();
    let mut attachments: Vec<AttachmentView> = Vec::new();
    let mut removed: Vec<Removed> = Vec::new();
    for v in &all {
        for r in sqlx::query(
            "SELECT vault_id, id, envelope, revision, updated_at, seq FROM folders WHERE vault_id = $1 AND seq > $2 ORDER BY id",
        )
        .bind(&v.id)
        .bind(from(v))
        .fetch_all(&st.db.pool)
        .await?
        {
            folders.push(folder_from_row(&r)?);
        }
        for r in sqlx::query(
            "SELECT vault_id, item_id, id, size FROM attachments WHERE vault_id = $1 AND seq > $2",
        )
        .bind(&v.id)
        .bind(from(v))
        .fetch_all(&st.db.pool)
        .await?
        {
            attachments.push(AttachmentView {
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
                removed.push(Removed { kind: r.try_get("kind")?, vault_id: r.try_get("vault_id")?, id: r.try_get("object_id")? });
            }
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
                removed.push(Removed { kind: r.try_get("kind")?, vault_id: r.try_get("vault_id")?, id: r.try_get("object_id")? });
            }
        }
    }

    let mut buf: Vec<u8> = Vec::with_capacity(4096);
    buf.push(b'{');
    field(&mut buf, "cursor", &cursor, true)?;
    field(&mut buf, "full", &(since == 0), false)?;
    let changed: Vec<&VaultView> = all.iter().filter(|v| v.seq > since).collect();
    field(&mut buf, "vaults", &changed, false)?;
    field(&mut buf, "folders", &folders, false)?;
    buf.extend_from_slice(b",\"items\":[");
    // Everything of a vault: no seq filter, so SQLite walks the primary key
    // (vault_id, id) already in id order; with `seq > 0` it picks items_seq
    // and sorts all envelopes in a temp B-tree first (EXPLAIN QUERY PLAN).
    let all_sql = format!("SELECT {ITEM_COLUMNS} FROM items WHERE vault_id = $1 ORDER BY id");
    let delta_sql =
        format!("SELECT {ITEM_COLUMNS} FROM items WHERE vault_id = $1 AND seq > $2 ORDER BY id");
    let mut first = true;
    for v in &all {
        let mut rows = match from(v) {
            0 => sqlx::query(&all_sql).bind(&v.id),
            from => sqlx::query(&delta_sql).bind(&v.id).bind(from),
        }
        .fetch(&st.db.pool);
        while let Some(r) = rows.try_next().await? {
            if !first {
                buf.push(b',');
            }
            first = false;
            serde_json::to_writer(&mut buf, &item_ref(&r)?).map_err(|_| ApiError::internal())?;
        }
    }
    buf.push(b']');
    field(&mut buf, "attachments", &attachments, false)?;
    field(&mut buf, "removed", &removed, false)?;
    buf.push(b'}');
    Ok(([(header::CONTENT_TYPE, "application/json")], buf))
}
