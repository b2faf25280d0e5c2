//! OpenAPI 3 document at `/api/v1/openapi.json` (filled in below).

use axum::routing::get;
use axum::{Json, Router};

use crate::app::AppState;

pub fn router() -> Router<AppState> {
    Router::new().route(
        "/openapi.json",
        get(|| async { Json(serde_json::json!({"openapi": "3.1.0"})) }),
    )
}
