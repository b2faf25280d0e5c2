//! The overview snapshot: one opaque envelope per vault in which the client
//! keeps every item's overview, so opening a big vault costs one decryption.
//! The server stores it like any envelope (revisioned, 409 when stale) and
//! deletes it when the vault key rotates or the vault goes away.

use axum::extract::{DefaultBodyLimit, Path, State};
use axum::routing::get;
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use serde_json::json;
use sqlx::Row;
use utoipa::ToSchema;

use crate::app::AppState;
use crate::auth::{authorize, Principal};
use crate::db::write_conn::{Arg, WriteConn};
use crate::db::{now, Tx};
use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiJson, ClientAddr};
use crate::roles::Role;
use crate::routes::vault_write::{vault_write, Target};
use crate::validate::{self, MAX_OVERVIEW_SNAPSHOT};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/vaults/{vault}/overview-snapshot", get(read).put(write))
        // The only JSON route that takes a 16 MiB field; the JSON wrapper
        // around it (`{"base_revision":…,"envelope":"…"}`) needs a few bytes.
        .layer(DefaultBodyLimit::max(MAX_OVERVIEW_SNAPSHOT + 4096))
}

#[derive(Serialize, Deserialize, Debug, ToSchema)]
pub struct OverviewSnapshot {
    pub revision: i64,
    /// Opaque JWE compact serialisation, encrypted under the vault key.
    pub envelope: String,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PutOverviewSnapshot {
    /// The revision this snapshot replaces; 0 when there is none yet.
    pub base_revision: i64,
    pub envelope: String,
}

#[derive(Serialize, ToSchema)]
pub struct SnapshotRevision {
    pub revision: i64,
}

fn object(vault: &str) -> String {
    format!("overview-snapshot:{vault}")
}

async fn read(
    State(st): State<AppState>,
    ClientAddr(client): ClientAddr,
    who: Principal,
    Path(vault): Path<String>,
) -> ApiResult<Json<OverviewSnapshot>> {
    validate::id("vault", &vault)?;
    let obj = object(&vault);
    authorize(
        &st,
        &who,
        &vault,
        Role::Read,
        "overview_snapshot.read",
        &obj,
        &client,
    )
    .await?;
    let row = sqlx::query("SELECT revision, envelope FROM overview_snapshots WHERE vault_id = $1")
        .bind(&vault)
        .fetch_optional(&st.db.pool)
        .await?
        .ok_or_else(|| ApiError::not_found("overview snapshot"))?;
    Ok(Json(OverviewSnapshot {
        revision: row.try_get("revision")?,
        envelope: row.try_get("envelope")?,
    }))
}

/// The stored revision, 0 when the vault has no snapshot.
async fn current_revision(w: &mut WriteConn<'_>, vault: &str) -> Result<i64, sqlx::Error> {
    Ok(w.fetch_optional(
        "SELECT revision FROM overview_snapshots WHERE vault_id = $1",
        &[Arg::Text(vault)],
        |r| r.int(0),
    )
    .await?
    .unwrap_or(0))
}

async fn write(
    State(st): State<AppState>,
    ClientAddr(client): ClientAddr,
    who: Principal,
    Path(vault): Path<String>,
    ApiJson(req): ApiJson<PutOverviewSnapshot>,
) -> ApiResult<Json<SnapshotRevision>> {
    validate::id("vault", &vault)?;
    validate::envelope("envelope", &req.envelope, MAX_OVERVIEW_SNAPSHOT)?;
    if req.base_revision < 0 {
        return Err(ApiError::bad_request(
            "invalid_revision",
            "base_revision must be 0 (no snapshot yet) or a stored revision",
        ));
    }
    let t = Target {
        vault: vault.clone(),
        object: object(&vault),
        action: "overview_snapshot.put",
        min: Role::Write,
    };
    let revision = vault_write(&st, &who, client, t, move |mut w, seq| {
        Box::pin(async move {
            // Writers are serialised (one write transaction at a time), so
            // the read and the write below cannot interleave with another's.
            let cur = current_revision(&mut w, &vault).await?;
            if cur != req.base_revision {
                return Err(ApiError::stale(json!({ "revision": cur })));
            }
            let sql = if cur == 0 {
                "INSERT INTO overview_snapshots (envelope, revision, seq, updated_at, vault_id) \
                 VALUES ($1, $2, $3, $4, $5)"
            } else {
                "UPDATE overview_snapshots SET envelope = $1, revision = $2, seq = $3, updated_at = $4 \
                 WHERE vault_id = $5"
            };
            w.execute(
                sql,
                &[
                    Arg::Text(&req.envelope),
                    Arg::Int(cur + 1),
                    Arg::Int(seq),
                    Arg::Int(now()),
                    Arg::Text(&vault),
                ],
            )
            .await?;
            Ok(cur + 1)
        })
    })
    .await?;
    Ok(Json(SnapshotRevision { revision }))
}

/// Called inside the rotation and vault-deletion transactions: a snapshot
/// sealed under the old vault key must not outlive it.
pub async fn delete_snapshot(tx: &mut Tx, vault: &str) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM overview_snapshots WHERE vault_id = $1")
        .bind(vault)
        .execute(&mut **tx)
        .await?;
    Ok(())
}
