//! Secret shares for the sharing pages: ciphertext with an expiry and a view
//! budget. The key travels in the share link's URL fragment, which browsers
//! never send, so the server holds only ciphertext.
//!
//! Opening consumes a view with one conditional UPDATE, so two concurrent
//! readers of a one-view share cannot both get it. Expired or used-up shares
//! are deleted, not hidden.

use axum::body::Body;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{delete, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use sqlx::Row;
use subtle::ConstantTimeEq;
use utoipa::ToSchema;

use crate::app::AppState;
use crate::auth::AccountAuth;
use crate::db::{now, Tx};
use crate::error::{ApiError, ApiResult};
use crate::extract::ApiJson;
use crate::validate::{self, b64u, random_bytes, sha256_hex, MAX_SHARE_CIPHERTEXT};

/// 30 days: long enough for a hand-over, short enough that forgotten shares go.
pub const MAX_SHARE_SECS: i64 = 30 * 24 * 3600;
pub const MAX_VIEWS: i64 = 100;

pub fn router() -> Router<AppState> {
    Router::new()
        // A shared file of up to 8 MiB: the only share route that takes a
        // large body (the JSON around the ciphertext needs a few bytes). The
        // route's own limit is innermost, so it wins over the router's 1 MiB.
        .route(
            "/shares",
            post(create).layer(DefaultBodyLimit::max(MAX_SHARE_CIPHERTEXT + 4096)),
        )
        .route("/shares/{id}/open", post(open))
        .route("/shares/{id}", delete(remove))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateShare {
    pub ciphertext: String,
    pub expires_in_secs: i64,
    pub max_views: i64,
}

#[derive(Serialize, ToSchema)]
pub struct CreatedShare {
    pub id: String,
    /// Shown once; only its SHA-256 is stored. Send it as `X-Delete-Token`.
    pub delete_token: String,
    pub expires_at: i64,
}

async fn purge_expired(tx: &mut Tx) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM shares WHERE expires_at <= $1 OR views_left <= 0")
        .bind(now())
        .execute(&mut **tx)
        .await?;
    Ok(())
}

async fn create(
    State(st): State<AppState>,
    who: AccountAuth,
    ApiJson(req): ApiJson<CreateShare>,
) -> ApiResult<(StatusCode, Json<CreatedShare>)> {
    validate::envelope("ciphertext", &req.ciphertext, MAX_SHARE_CIPHERTEXT)?;
    if !(1..=MAX_SHARE_SECS).contains(&req.expires_in_secs) {
        return Err(ApiError::bad_request(
            "invalid_expiry",
            format!("expires_in_secs must be 1..={MAX_SHARE_SECS}"),
        ));
    }
    if !(1..=MAX_VIEWS).contains(&req.max_views) {
        return Err(ApiError::bad_request(
            "invalid_max_views",
            format!("max_views must be 1..={MAX_VIEWS}"),
        ));
    }
    let id = b64u(&random_bytes::<16>()?);
    let delete_token = b64u(&random_bytes::<32>()?);
    let expires_at = now() + req.expires_in_secs;
    let (mut tx, _) = st.db.write_tx().await?;
    purge_expired(&mut tx).await?;
    // Counted inside the write transaction, so two concurrent creates cannot
    // both slip under the quota.
    let live: i64 = sqlx::query(
        "SELECT COALESCE(SUM(LENGTH(ciphertext)), 0) AS live FROM shares WHERE owner = $1",
    )
    .bind(&who.id)
    .fetch_one(&mut *tx)
    .await?
    .try_get("live")?;
    let quota = i64::try_from(st.settings.share_quota_bytes).unwrap_or(i64::MAX);
    if live.saturating_add(req.ciphertext.len() as i64) > quota {
        return Err(ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "share_quota_exceeded",
            "this account's live shares would exceed its share quota; delete some or wait until they expire",
        ));
    }
    sqlx::query(
        "INSERT INTO shares (id, owner, ciphertext, views_left, expires_at, delete_hash, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(&id)
    .bind(&who.id)
    .bind(&req.ciphertext)
    .bind(req.max_views)
    .bind(expires_at)
    .bind(sha256_hex(delete_token.as_bytes()))
    .bind(now())
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok((
        StatusCode::CREATED,
        Json(CreatedShare {
            id,
            delete_token,
            expires_at,
        }),
    ))
}

#[derive(Serialize, ToSchema)]
pub struct OpenedShare {
    pub ciphertext: String,
    pub views_left: i64,
    pub expires_at: i64,
}

/// POST, not GET: link previewers and prefetchers must not burn a view.
async fn open(
    State(st): State<AppState>,
    Path(id): Path<String>,
    body: Body,
) -> ApiResult<Json<OpenedShare>> {
    crate::extract::drain_unused_body(body).await?;
    validate::id("id", &id)?;
    let (mut tx, _) = st.db.write_tx().await?;
    let row = sqlx::query(
        "UPDATE shares SET views_left = views_left - 1 WHERE id = $1 AND views_left > 0 AND expires_at > $2 \
         RETURNING ciphertext, views_left, expires_at",
    )
    .bind(&id)
    .bind(now())
    .fetch_optional(&mut *tx)
    .await?;
    let out = match row {
        Some(r) => Some(OpenedShare {
            ciphertext: r.try_get("ciphertext")?,
            views_left: r.try_get("views_left")?,
            expires_at: r.try_get("expires_at")?,
        }),
        None => None,
    };
    purge_expired(&mut tx).await?;
    tx.commit().await?;
    out.map(Json).ok_or_else(|| ApiError::not_found("share"))
}

async fn remove(
    State(st): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    validate::id("id", &id)?;
    let token = headers
        .get("x-delete-token")
        .and_then(|v| v.to_str().ok())
        .ok_or_else(|| {
            ApiError::bad_request(
                "missing_delete_token",
                "send the delete token in X-Delete-Token",
            )
        })?;
    let (mut tx, _) = st.db.write_tx().await?;
    let stored: Option<String> = sqlx::query("SELECT delete_hash FROM shares WHERE id = $1")
        .bind(&id)
        .fetch_optional(&mut *tx)
        .await?
        .map(|r| r.try_get("delete_hash"))
        .transpose()?;
    let Some(stored) = stored else {
        return Err(ApiError::not_found("share"));
    };
    if !bool::from(
        sha256_hex(token.as_bytes())
            .as_bytes()
            .ct_eq(stored.as_bytes()),
    ) {
        return Err(ApiError::forbidden("wrong delete token"));
    }
    sqlx::query("DELETE FROM shares WHERE id = $1")
        .bind(&id)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}
