//! Sync: everything the caller can see, or the changes since a cursor.
//!
//! The cursor is the global change sequence (db.rs). It is read *before* the
//! rows, so a change racing with the sync is returned now or next time, never
//! skipped; a client may see a row twice, never miss one.

use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use futures_util::TryStreamExt;
use serde::{Deserialize, Serialize};
use sqlx::pool::PoolConnection;
use sqlx::postgres::{PgConnection, PgRow};
use sqlx::{Postgres, Row};
use tokio::runtime::{Handle, RuntimeFlavor};
use tokio::sync::mpsc;
use utoipa::{IntoParams, ToSchema};

use crate::app::AppState;
use crate::auth::Principal;
use crate::db::write_conn::WRow;
use crate::db::{current_seq, pg_copy, sqlite_rows, SyncReader};
use crate::error::{ApiError, ApiResult};
use crate::extract::ApiQuery;
use crate::routes::folders::{folder_from_row, FolderView};
use crate::routes::items::ITEM_COLUMNS;
use crate::routes::vaults::{visible_vaults, VaultView};

pub fn router() -> Router<AppState> {
    Router::new().route("/sync", get(sync))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SyncQuery {
    /// Cursor from a previous sync; absent or 0 for everything.
    pub since: Option<i64>,
    /// `false`: item objects without their `envelope` member (everything
    /// else unchanged; folders keep theirs), for clients that list items from
    /// the overview snapshot and fetch an envelope with
    /// `GET /vaults/{vault}/items/{item}` when it is opened. `true` or absent:
    /// with envelopes. Any other value is 400 `invalid_query`.
    pub envelopes: Option<bool>,
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
    pub items: Vec<SyncItem>,
    pub attachments: Vec<AttachmentView>,
    pub removed: Vec<Removed>,
}

/// An item as `GET /sync` lists it: the members of an item in the same
/// order, without `envelope` when the sync was asked with `envelopes=false`.
// Documentation only: the body is written by `write_item`.
#[derive(Serialize, ToSchema)]
pub struct SyncItem {
    pub vault_id: String,
    pub id: String,
    /// Absent when the sync was asked with `envelopes=false`; never null.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = String, required = false)]
    pub envelope: Option<String>,
    pub revision: i64,
    pub created_at: i64,
    pub updated_at: i64,
    pub trashed_at: Option<i64>,
    pub seq: i64,
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

/// Whether serde_json would escape a byte of `s`: `"`, `\` and control
/// characters below 0x20 (RFC 8259 § 7; serde_json escapes exactly these).
/// Checked 32 bytes at a time without an early exit inside the block, which
/// the compiler vectorises: ~1 ms for 10 MB here, where serde_json's
/// byte-by-byte escaper was the hottest function of a full sync (perf,
/// docs/BENCHMARKS.md § Server, 2026-12-03).
fn needs_escape(s: &[u8]) -> bool {
    let bad = |b: u8| (b < 0x20) | (b == b'"') | (b == b'\\');
    let mut blocks = s.chunks_exact(32);
    for block in &mut blocks {
        if block.iter().fold(false, |acc, &b| acc | bad(b)) {
            return true;
        }
    }
    blocks.remainder().iter().any(|&b| bad(b))
}

/// A JSON string, byte for byte what serde_json writes.
fn json_str(buf: &mut Vec<u8>, s: &str) -> Result<(), sqlx::Error> {
    if needs_escape(s.as_bytes()) {
        return serde_json::to_writer(&mut *buf, s).map_err(|e| sqlx::Error::Decode(e.into()));
    }
    buf.push(b'"');
    buf.extend_from_slice(s.as_bytes());
    buf.push(b'"');
    Ok(())
}

fn json_i64(buf: &mut Vec<u8>, n: i64) -> Result<(), sqlx::Error> {
    serde_json::to_writer(&mut *buf, &n).map_err(|e| sqlx::Error::Decode(e.into()))
}

/// The columns [`write_item`] reads, by position.
fn item_columns(envelopes: bool) -> &'static str {
    if envelopes {
        ITEM_COLUMNS
    } else {
        "vault_id, id, revision, created_at, updated_at, trashed_at, seq"
    }
}

/// [`item_columns`] without the leading `vault_id` (see [`CopiedItem`]).
fn copied_columns(envelopes: bool) -> &'static str {
    let cols = item_columns(envelopes);
    cols.strip_prefix("vault_id, ").unwrap_or(cols)
}

/// The columns of one item row, by position (see [`item_columns`]).
trait ItemCols {
    fn text(&self, i: usize) -> Result<&str, sqlx::Error>;
    fn int(&self, i: usize) -> Result<i64, sqlx::Error>;
    fn opt_int(&self, i: usize) -> Result<Option<i64>, sqlx::Error>;
}

impl ItemCols for PgRow {
    fn text(&self, i: usize) -> Result<&str, sqlx::Error> {
        self.try_get(i)
    }
    fn int(&self, i: usize) -> Result<i64, sqlx::Error> {
        self.try_get(i)
    }
    fn opt_int(&self, i: usize) -> Result<Option<i64>, sqlx::Error> {
        self.try_get(i)
    }
}

/// A row of a full vault's COPY: the columns of [`item_columns`] without the
/// leading `vault_id`, which is the vault being copied (not sent again by
/// PostgreSQL for every row).
struct CopiedItem<'r, 'a> {
    vault: &'r str,
    row: &'r pg_copy::Row<'a>,
}

impl ItemCols for CopiedItem<'_, '_> {
    fn text(&self, i: usize) -> Result<&str, sqlx::Error> {
        match i.checked_sub(1) {
            None => Ok(self.vault),
            Some(i) => self.row.text(i),
        }
    }
    fn int(&self, i: usize) -> Result<i64, sqlx::Error> {
        self.row.int(i.wrapping_sub(1))
    }
    fn opt_int(&self, i: usize) -> Result<Option<i64>, sqlx::Error> {
        self.row.opt_int(i.wrapping_sub(1))
    }
}

impl ItemCols for sqlite_rows::Row<'_, '_> {
    fn text(&self, i: usize) -> Result<&str, sqlx::Error> {
        sqlite_rows::Row::text(self, i)
    }
    fn int(&self, i: usize) -> Result<i64, sqlx::Error> {
        sqlite_rows::Row::int(self, i)
    }
    fn opt_int(&self, i: usize) -> Result<Option<i64>, sqlx::Error> {
        sqlite_rows::Row::opt_int(self, i)
    }
}

/// Appends one item object, the same bytes as serde_json of [`ItemView`](crate::routes::items::ItemView)
/// (without `envelope` when `envelopes` is false), borrowing the strings
/// from the row: each envelope is copied once, into the body.
fn write_item(buf: &mut Vec<u8>, r: &impl ItemCols, envelopes: bool) -> Result<(), sqlx::Error> {
    let k = usize::from(envelopes);
    buf.extend_from_slice(b"{\"vault_id\":");
    json_str(buf, r.text(0)?)?;
    buf.extend_from_slice(b",\"id\":");
    json_str(buf, r.text(1)?)?;
    if envelopes {
        buf.extend_from_slice(b",\"envelope\":");
        json_str(buf, r.text(2)?)?;
    }
    buf.extend_from_slice(b",\"revision\":");
    json_i64(buf, r.int(2 + k)?)?;
    buf.extend_from_slice(b",\"created_at\":");
    json_i64(buf, r.int(3 + k)?)?;
    buf.extend_from_slice(b",\"updated_at\":");
    json_i64(buf, r.int(4 + k)?)?;
    buf.extend_from_slice(b",\"trashed_at\":");
    match r.opt_int(5 + k)? {
        Some(t) => json_i64(buf, t)?,
        None => buf.extend_from_slice(b"null"),
    }
    buf.extend_from_slice(b",\"seq\":");
    json_i64(buf, r.int(6 + k)?)?;
    buf.push(b'}');
    Ok(())
}

/// Body bytes handed to hyper at a time. Small enough that the client reads
/// the first items while later ones are still being read from the database,
/// and that a chunk (CHUNK + one item) stays under glibc's 128 KiB mmap
/// threshold (mallopt(3) M_MMAP_THRESHOLD) instead of being mapped and
/// page-faulted afresh each time; large enough that the per-chunk cost (a
/// channel send, a write(2)) is noise next to the copying.
const CHUNK: usize = 64 * 1024;

/// Sends `buf` as one body chunk once it holds `CHUNK` bytes (always when
/// `flush`). Err when the client is gone, to stop reading rows for nobody.
fn send_chunk(tx: &BodyTx, buf: &mut Vec<u8>, flush: bool) -> Result<(), ()> {
    if buf.len() < CHUNK && !flush {
        return Ok(());
    }
    let chunk = std::mem::replace(buf, Vec::with_capacity(CHUNK + 2048));
    tx.send(Ok(Bytes::from(chunk))).map_err(drop)
}

type BodyTx = mpsc::UnboundedSender<Result<Bytes, std::io::Error>>;

/// Writes the items of the vaults in `from` (vault id, `seq` to start after)
/// into the body, chunk by chunk, then `tail`.
async fn stream_items(
    reader: SyncReader,
    from: Vec<(String, i64)>,
    envelopes: bool,
    mut buf: Vec<u8>,
    tail: Vec<u8>,
    tx: BodyTx,
) {
    let res = write_items(&reader, &from, envelopes, &mut buf, &tx).await;
    match res {
        Ok(Ok(())) => {
            buf.extend_from_slice(&tail);
            let _ = send_chunk(&tx, &mut buf, true);
        }
        // The client went away: nothing to tell anyone.
        Ok(Err(())) => {}
        Err(e) => {
            // The status line (200) is gone already: end the body with an
            // error, which hyper turns into an aborted response (no final
            // chunk), so the client sees a failed request and never a
            // truncated document that happens to parse.
            tracing::error!(error = %e, "sync: reading items failed");
            let _ = tx.send(Err(std::io::Error::other("sync: reading items failed")));
        }
    }
}

/// The PostgreSQL connection of one sync, inside `BEGIN`.
struct PgSync {
    conn: PoolConnection<Postgres>,
    /// The plan of a full vault's read is forced (see [`pg_set_vault`]).
    forced: bool,
    /// `COMMIT` went through: the connection may go back to the pool.
    committed: bool,
}

impl Drop for PgSync {
    fn drop(&mut self) {
        // An error, or a client that went away, mid-transaction or mid-COPY:
        // close the connection instead of handing it to the next request.
        if !self.committed {
            self.conn.close_on_drop();
        }
    }
}

async fn pg_exec(c: &mut PgConnection, sql: &'static str) -> Result<(), sqlx::Error> {
    sqlx::query(sql).execute(c).await.map(drop)
}

/// The vault of the next COPY, and its plan, until the transaction ends: a
/// bitmap heap scan, which reads the vault's heap pages in physical order,
/// each once. Left to itself the planner picked a sequential scan of the
/// whole table, evaluating the filter on every other vault's rows too, when
/// a few vaults share it (16.1 ms against 8.1 ms for 10 000 of 50 000 rows,
/// EXPLAIN ANALYZE, docs/BENCHMARKS.md § Server, "in heap order"), and an
/// index scan in id order fetches each row where its random id put it.
async fn pg_set_vault(c: &mut PgConnection, vault: &str) -> Result<(), sqlx::Error> {
    sqlx::query(
        "SELECT set_config('blindvault.sync_vault', $1, true), \
         set_config('enable_seqscan', 'off', true), set_config('enable_indexscan', 'off', true)",
    )
    .bind(vault)
    .execute(c)
    .await
    .map(drop)
}

/// Runs the binary `COPY … TO STDOUT` of a full vault and appends every
/// row; false when the client went away (the COPY is then left unfinished).
async fn pg_copy_items(
    c: &mut PgConnection,
    sql: &str,
    vault: &str,
    envelopes: bool,
    buf: &mut Vec<u8>,
    first: &mut bool,
    tx: &BodyTx,
) -> Result<bool, sqlx::Error> {
    let width = copied_columns(envelopes).split(',').count();
    let mut rows = pg_copy::Rows::new(width);
    let mut chunks = c.copy_out_raw(sql).await?;
    while let Some(chunk) = chunks.try_next().await? {
        let more = rows.feed(&chunk, |row| {
            let r = CopiedItem { vault, row };
            add_row(buf, first, tx, |b| write_item(b, &r, envelopes))
        })?;
        if !more {
            return Ok(false);
        }
    }
    rows.finish()?;
    Ok(true)
}

/// Appends one row (after a comma unless `first`); false when the client
/// went away.
fn add_row(
    buf: &mut Vec<u8>,
    first: &mut bool,
    tx: &BodyTx,
    write: impl FnOnce(&mut Vec<u8>) -> Result<(), sqlx::Error>,
) -> Result<bool, sqlx::Error> {
    if !*first {
        buf.push(b',');
    }
    *first = false;
    write(buf)?;
    Ok(send_chunk(tx, buf, false).is_ok())
}

/// Ok(Err(())) when the client went away.
async fn write_items(
    reader: &SyncReader,
    from: &[(String, i64)],
    envelopes: bool,
    buf: &mut Vec<u8>,
    tx: &BodyTx,
) -> Result<Result<(), ()>, sqlx::Error> {
    let cols = item_columns(envelopes);
    // Everything of a vault: no seq filter, so SQLite walks the primary key
    // (vault_id, id) already in id order; with `seq > 0` it picks items_seq
    // and sorts all envelopes in a temp B-tree first (EXPLAIN QUERY PLAN).
    let all_sql = format!("SELECT {cols} FROM items WHERE vault_id = $1 ORDER BY id");
    let delta_sql =
        format!("SELECT {cols} FROM items WHERE vault_id = $1 AND seq > $2 ORDER BY id");
    let mut first = true;
    // Full vaults on PostgreSQL: the rows as binary COPY (db/pg_copy.rs),
    // without `vault_id` (CopiedItem) and in heap order (pg_set_vault), not
    // id order: docs/API.md leaves the order of `items` unspecified.
    let copy_cols = copied_columns(envelopes);
    let copy_sql = format!(
        "COPY (SELECT {copy_cols} FROM items WHERE vault_id = current_setting('blindvault.sync_vault')) TO STDOUT (FORMAT binary)"
    );
    let mut pg: Option<PgSync> = None;
    for (vault, since) in from {
        let since = *since;
        let sql = if since == 0 { &all_sql } else { &delta_sql };
        match reader {
            SyncReader::Sqlite(pool) => {
                let mut conn = pool.acquire().await?;
                let mut handle = conn.lock_handle().await?;
                let mut gone = false;
                let mut read = || {
                    sqlite_rows::query_each(
                        &mut handle,
                        sql,
                        vault,
                        (since != 0).then_some(since),
                        |r| {
                            let more =
                                add_row(buf, &mut first, tx, |b| write_item(b, r, envelopes))?;
                            gone = !more;
                            Ok(more)
                        },
                    )
                };
                // The rows are read synchronously (no await between two);
                // tell tokio, so this worker's other tasks move elsewhere.
                match Handle::current().runtime_flavor() {
                    RuntimeFlavor::CurrentThread => read()?,
                    _ => tokio::task::block_in_place(read)?,
                }
                if gone {
                    return Ok(Err(()));
                }
            }
            SyncReader::Postgres(pool) => {
                // One transaction for the whole sync, on a connection that is
                // closed rather than pooled unless it ends with COMMIT
                // (an abandoned COPY leaves it mid-protocol).
                if pg.is_none() {
                    let mut conn = pool.acquire().await?;
                    pg_exec(&mut conn, "BEGIN").await?;
                    pg = Some(PgSync {
                        conn,
                        forced: false,
                        committed: false,
                    });
                }
                let Some(p) = pg.as_mut() else {
                    continue;
                };
                let c: &mut PgConnection = &mut p.conn;
                if since == 0 {
                    // Full vault, unordered, by a bitmap heap scan
                    // (pg_set_vault): nothing to sort, so no plan can spill
                    // a sort of every envelope to disk (an ordered read once
                    // did, right after a bulk import: EXPLAIN ANALYZE 57 ms
                    // against 12.5 ms, docs/BENCHMARKS.md § Server,
                    // 2026-12-03). COPY takes no parameters: the
                    // vault id is a transaction-local setting the query
                    // reads back, so no value is ever spliced into SQL.
                    pg_set_vault(c, vault).await?;
                    p.forced = true;
                    if !pg_copy_items(c, &copy_sql, vault, envelopes, buf, &mut first, tx).await? {
                        return Ok(Err(()));
                    }
                } else {
                    // Deltas: the planner's choice (items_seq, then a sort
                    // of few rows).
                    if p.forced {
                        p.forced = false;
                        pg_exec(
                            c,
                            "SELECT set_config('enable_seqscan', 'on', true), \
                             set_config('enable_indexscan', 'on', true)",
                        )
                        .await?;
                    }
                    let mut rows = sqlx::query(sql).bind(vault).bind(since).fetch(&mut *c);
                    while let Some(r) = rows.try_next().await? {
                        if !add_row(buf, &mut first, tx, |b| write_item(b, &r, envelopes))? {
                            return Ok(Err(()));
                        }
                    }
                }
            }
        }
    }
    if let Some(p) = pg.as_mut() {
        // Read only; committing just ends it.
        pg_exec(&mut p.conn, "COMMIT").await?;
        p.committed = true;
    }
    Ok(Ok(()))
}

/// The body is a [`SyncResponse`] (same members, same order), written by hand
/// and streamed: the members before `items` first, then the item rows in
/// chunks as they come from the database, so the client reads while the
/// server still reads rows, and neither all rows nor the whole 11 MB body of
/// a 10 000-item vault is held at once (docs/BENCHMARKS.md § Server). The
/// rows are read by a task of their own; a client that disconnects stops it.
async fn sync(
    State(st): State<AppState>,
    who: Principal,
    ApiQuery(q): ApiQuery<SyncQuery>,
) -> ApiResult<Response> {
    let since = q.since.unwrap_or(0).max(0);
    let envelopes = q.envelopes.unwrap_or(true);
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
            folders.push(folder_from_row(&WRow::Any(&r))?);
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

    let mut head: Vec<u8> = Vec::with_capacity(CHUNK + 2048);
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

    let from: Vec<(String, i64)> = all.iter().map(|v| (v.id.clone(), from(v))).collect();
    let (tx, rx) = mpsc::unbounded_channel();
    // Unbounded on purpose: the rows are read at full speed whatever the
    // client's pace, so a slow client holds memory (at most the body, as
    // before) but never a read connection or SQLite's WAL snapshot.
    tokio::spawn(stream_items(
        st.db.sync_reader.clone(),
        from,
        envelopes,
        head,
        tail,
        tx,
    ));
    let body = futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|chunk| (chunk, rx))
    });
    Ok((
        [(header::CONTENT_TYPE, "application/json")],
        Body::from_stream(body),
    )
        .into_response())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::{copied_columns, item_columns, json_str, needs_escape};

    #[test]
    fn copied_columns_are_item_columns_after_vault_id() {
        for envelopes in [true, false] {
            assert_eq!(
                format!("vault_id, {}", copied_columns(envelopes)),
                item_columns(envelopes)
            );
        }
    }

    #[test]
    fn copied_row_widths() {
        let width = |e: bool| copied_columns(e).split(',').count();
        assert_eq!((width(true), width(false)), (7, 6));
    }

    #[test]
    fn strings_are_written_as_serde_json_writes_them() {
        let long_plain = "eyJhbGciOiJkaXIifQ..abc_-".repeat(9);
        for s in [
            "",
            "plain",
            long_plain.as_str(),
            "quote\"inside",
            "back\\slash",
            "tab\tand\u{1}control",
            "ünïcödé \u{7f} and more than thirty-two bytes before the \"quote",
        ] {
            let mut ours = Vec::new();
            json_str(&mut ours, s).unwrap();
            assert_eq!(ours, serde_json::to_vec(s).unwrap(), "{s:?}");
        }
        assert!(!needs_escape(long_plain.as_bytes()));
        assert!(needs_escape(format!("{long_plain}\n").as_bytes()));
    }
}
