//! Reading and verifying a vault's audit chain (admins and owners).

use axum::extract::{Path, State};
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Value};

use crate::app::AppState;
use crate::audit::{read_chain, vault_chain, verify_chain, Verification};
use crate::auth::{authorize, Principal};
use crate::error::ApiResult;
use crate::extract::{ApiQuery, ClientAddr};
use crate::roles::Role;
use crate::validate;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/vaults/{vault}/audit", get(read))
        .route("/vaults/{vault}/audit/verify", get(verify))
}

#[derive(Deserialize)]
pub struct Page {
    pub after: Option<i64>,
    pub limit: Option<i64>,
}

async fn read(
    State(st): State<AppState>,
    ClientAddr(client): ClientAddr,
    who: Principal,
    Path(vault): Path<String>,
    ApiQuery(p): ApiQuery<Page>,
) -> ApiResult<Json<Value>> {
    validate::id("vault", &vault)?;
    authorize(
        &st,
        &who,
        &vault,
        Role::Admin,
        "audit.read",
        &format!("vault:{vault}"),
        &client,
    )
    .await?;
    let limit = p.limit.unwrap_or(1000).clamp(1, 10_000);
    let entries = read_chain(&st.db, &vault_chain(&vault), p.after.unwrap_or(0), limit).await?;
    Ok(Json(json!({ "entries": entries })))
}

async fn verify(
    State(st): State<AppState>,
    ClientAddr(client): ClientAddr,
    who: Principal,
    Path(vault): Path<String>,
) -> ApiResult<Json<Verification>> {
    validate::id("vault", &vault)?;
    authorize(
        &st,
        &who,
        &vault,
        Role::Admin,
        "audit.verify",
        &format!("vault:{vault}"),
        &client,
    )
    .await?;
    Ok(Json(verify_chain(&st.db, &vault_chain(&vault)).await?))
}
