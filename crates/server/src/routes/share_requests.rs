//! "Request a secret" slots for the sharing pages (docs/SPEC.md § Sharing
//! pages). A signed-in requester opens a slot; anyone holding the request
//! link may write one answer, which the requester's browser sealed to a
//! public key the server never sees; only the requester collects it, once.
//!
//! Every refusal to an answerer is the same 404, so a request link does not
//! tell whether the slot never existed, expired, or was already answered.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::post;
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use sqlx::Row;
use utoipa::ToSchema;

use crate::app::AppState;
use crate::auth::AccountAuth;
use crate::db::{now, Tx};
use crate::error::{ApiError, ApiResult};
use crate::extract::ApiJson;
use crate::routes::shares::MAX_SHARE_SECS;
use crate::validate::{self, b64u, random_bytes, MAX_REQUEST_ANSWER};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/share-requests", post(create))
        .route("/share-requests/{id}/answer", post(answer))
        .route("/share-requests/{id}/collect", post(collect))
        .route("/share-requests/{id}", axum::routing::delete(remove))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateShareRequest {
    pub expires_in_secs: i64,
}

#[derive(Serialize, ToSchema)]
pub struct CreatedShareRequest {
    pub id: String,
    pub expires_at: i64,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ShareRequestAnswer {
    pub ciphertext: String,
}

#[derive(Serialize, ToSchema)]
pub struct CollectedAnswer {
    /// `null` while nobody has answered; the slot is deleted once collected.
    pub ciphertext: Option<String>,
    pub expires_at: i64,
}

async fn purge_expired(tx: &mut Tx) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM share_requests WHERE expires_at <= $1")
        .bind(now())
        .execute(&mut **tx)
        .await?;
    Ok(())
}

async fn create(
    State(st): State<AppState>,
    who: AccountAuth,
    ApiJson(req): ApiJson<CreateShareRequest>,
) -> ApiResult<(StatusCode, Json<CreatedShareRequest>)> {
    if !(1..=MAX_SHARE_SECS).contains(&req.expires_in_secs) {
        return Err(ApiError::bad_request(
            "invalid_expiry",
            format!("expires_in_secs must be 1..={MAX_SHARE_SECS}"),
        ));
    }
    let id = b64u(&random_bytes::<16>()?);
    let expires_at = now() + req.expires_in_secs;
    let (mut tx, _) = st.db.write_tx().await?;
    purge_expired(&mut tx).await?;
    sqlx::query(
        "INSERT INTO share_requests (id, owner, answer, expires_at, created_at) VALUES ($1, $2, NULL, $3, $4)",
    )
    .bind(&id)
    .bind(&who.id)
    .bind(expires_at)
    .bind(now())
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok((
        StatusCode::CREATED,
        Json(CreatedShareRequest { id, expires_at }),
    ))
}

/// One conditional UPDATE: of two concurrent answerers exactly one wins.
async fn answer(
    State(st): State<AppState>,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<ShareRequestAnswer>,
) -> ApiResult<StatusCode> {
    validate::id("id", &id)?;
    validate::envelope("ciphertext", &req.ciphertext, MAX_REQUEST_ANSWER)?;
    let (mut tx, _) = st.db.write_tx().await?;
    let done = sqlx::query(
        "UPDATE share_requests SET answer = $1 WHERE id = $2 AND answer IS NULL AND expires_at > $3",
    )
    .bind(&req.ciphertext)
    .bind(&id)
    .bind(now())
    .execute(&mut *tx)
    .await?
    .rows_affected();
    tx.commit().await?;
    if done == 1 {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::not_found("share request"))
    }
}

/// The requester's poll: the answer once (then the slot is gone), or `null`.
async fn collect(
    State(st): State<AppState>,
    who: AccountAuth,
    Path(id): Path<String>,
    body: axum::body::Body,
) -> ApiResult<Json<CollectedAnswer>> {
    crate::extract::drain_unused_body(body).await?;
    validate::id("id", &id)?;
    let (mut tx, _) = st.db.write_tx().await?;
    purge_expired(&mut tx).await?;
    let row =
        sqlx::query("SELECT answer, expires_at FROM share_requests WHERE id = $1 AND owner = $2")
            .bind(&id)
            .bind(&who.id)
            .fetch_optional(&mut *tx)
            .await?;
    let Some(row) = row else {
        return Err(ApiError::not_found("share request"));
    };
    let answer: Option<String> = row.try_get("answer")?;
    let expires_at: i64 = row.try_get("expires_at")?;
    if answer.is_some() {
        sqlx::query("DELETE FROM share_requests WHERE id = $1")
            .bind(&id)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    Ok(Json(CollectedAnswer {
        ciphertext: answer,
        expires_at,
    }))
}

async fn remove(
    State(st): State<AppState>,
    who: AccountAuth,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    validate::id("id", &id)?;
    let (mut tx, _) = st.db.write_tx().await?;
    let n = sqlx::query("DELETE FROM share_requests WHERE id = $1 AND owner = $2")
        .bind(&id)
        .bind(&who.id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    tx.commit().await?;
    if n == 1 {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::not_found("share request"))
    }
}
