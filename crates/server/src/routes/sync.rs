//! Sync: everything the caller can see, or the changes since a cursor.
//!
//! The cursor is the global change sequence (db.rs). It is read *before* the
//! rows, so a change racing with the sync is returned now or next time, never
//! skipped; a client may see a row twice, never miss one.

use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;
use serde::{Deserialize, Serialize};
use sqlx::Row;
use utoipa::ToSchema;

use crate::app::AppState;
use crate::auth::Principal;
use crate::db::{current_seq, Backend, Db};
use crate::error::{ApiError, ApiResult};
use crate::extract::ApiQuery;
use crate::routes::folders::{folder_from_row, FolderView};
use crate::routes::items::ItemView;
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

/// Items per query of a sync. Each query returns ONE row holding the JSON of
/// up to this many items, built by the database (json_object and
/// group_concat; json_build_object and string_agg on PostgreSQL). Sending
/// 10 000 rows one by one through the driver (SQLite's worker thread hands
/// each row over a channel, and `Any` converts every value) cost more than
/// all the JSON; 20 rows cost nothing. Chunks also bound what the server
/// holds at once (RSS after a sync).
const ITEM_CHUNK: i64 = 500;

/// The JSON members and their order are those of [`ItemView`]. SQLite's
/// `group_concat(... ORDER BY ...)` needs SQLite 3.44 (sqlx bundles 3.4x).
/// Items are read in keyset pages (`id > $after`) along the primary key.
fn item_chunk_sql(backend: Backend, delta: bool) -> String {
    let seq = if delta { " AND seq > $4" } else { "" };
    match backend {
        Backend::Sqlite => format!(
            "SELECT group_concat(j, ',' ORDER BY id) AS body, max(id) AS last, count(*) AS n FROM (\
             SELECT id, json_object('vault_id', vault_id, 'id', id, 'envelope', envelope, \
             'revision', revision, 'created_at', created_at, 'updated_at', updated_at, \
             'trashed_at', trashed_at, 'seq', seq) AS j \
             FROM items WHERE vault_id = $1 AND id > $2{seq} ORDER BY id LIMIT $3) AS page"
        ),
        Backend::Postgres => format!(
            "SELECT string_agg(j, ',' ORDER BY id) AS body, max(id) AS last, count(*) AS n FROM (\
             SELECT id, json_build_object('vault_id', vault_id, 'id', id, 'envelope', envelope, \
             'revision', revision, 'created_at', created_at, 'updated_at', updated_at, \
             'trashed_at', trashed_at, 'seq', seq)::text AS j \
             FROM items WHERE vault_id = $1 AND id > $2{seq} ORDER BY id LIMIT $3) AS page"
        ),
    }
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

    let mut head: Vec<u8> = Vec::with_capacity(4096);
    head.push(b'{');
    field(&mut head, "cursor", &cursor, true)?;
    field(&mut head, "full", &(since == 0), false)?;
    let changed: Vec<&VaultView> = all.iter().filter(|v| v.seq > since).collect();
    field(&mut head, "vaults", &changed, false)?;
    field(&mut head, "folders", &folders, false)?;
    head.extend_from_slice(b",\"items\":[");
    let mut tail: Vec<u8> = Vec::with_capacity(256);
    tail.push(b']');
    field(&mut tail, "attachments", &attachments, false)?;
    field(&mut tail, "removed", &removed, false)?;
    tail.push(b'}');

    // The body streams: head, item chunks as the database produces them,
    // tail. A bounded channel keeps at most a few chunks in memory; a client
    // that goes away ends the producer at its next send. A database error
    // after the head has gone out can only cut the body short, which the
    // client sees as invalid JSON and retries; it is logged here.
    let pages: Vec<(String, i64)> = all.iter().map(|v| (v.id.clone(), from(v))).collect();
    let (out, rx) = tokio::sync::mpsc::channel::<Result<Bytes, std::io::Error>>(4);
    let db = st.db.clone();
    tokio::spawn(async move {
        if out.send(Ok(Bytes::from(head))).await.is_err() {
            return;
        }
        if let Err(e) = send_items(&db, &pages, &out).await {
            tracing::error!(error = %e, "sync stopped part-way");
            let _ = out.send(Err(std::io::Error::other("sync failed"))).await;
            return;
        }
        let _ = out.send(Ok(Bytes::from(tail))).await;
    });
    let body = Body::from_stream(futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|chunk| (chunk, rx))
    }));
    Ok(([(header::CONTENT_TYPE, "application/json")], body))
}

/// Sends every item of `pages` (vault id, seq floor; 0 = all) as JSON
/// array elements, `ITEM_CHUNK` at a time. Stops quietly if the client left.
async fn send_items(
    db: &Db,
    pages: &[(String, i64)],
    out: &tokio::sync::mpsc::Sender<Result<Bytes, std::io::Error>>,
) -> Result<(), sqlx::Error> {
    let full_sql = item_chunk_sql(db.backend, false);
    let delta_sql = item_chunk_sql(db.backend, true);
    let mut first = true;
    for (vault, from) in pages {
        let mut after = String::new();
        loop {
            let q = if *from == 0 {
                sqlx::query(&full_sql)
            } else {
                sqlx::query(&delta_sql)
            };
            let mut q = q.bind(vault).bind(&after).bind(ITEM_CHUNK);
            if *from != 0 {
                q = q.bind(*from);
            }
            let row = q.fetch_one(&db.pool).await?;
            let n: i64 = row.try_get("n")?;
            if n == 0 {
                break;
            }
            let body: String = row.try_get("body")?;
            after = row.try_get("last")?;
            let mut chunk = body.into_bytes();
            if !first {
                chunk.insert(0, b',');
            }
            first = false;
            if out.send(Ok(Bytes::from(chunk))).await.is_err() {
                return Ok(());
            }
            if n < ITEM_CHUNK {
                break;
            }
        }
    }
    Ok(())
}
