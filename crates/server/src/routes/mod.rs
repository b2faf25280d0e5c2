//! The JSON API under `/api/v1`, one file per resource.

use axum::http::StatusCode;
use axum::Router;

use crate::app::AppState;
use crate::error::ApiError;

pub mod accounts;
pub mod attachments;
pub mod audit;
pub mod folders;
pub mod items;
pub mod members;
pub mod shares;
pub mod sync;
pub mod tokens;
pub mod vaults;

pub fn api_router() -> Router<AppState> {
    Router::new()
        .merge(accounts::router())
        .merge(vaults::router())
        .merge(members::router())
        .merge(folders::router())
        .merge(items::router())
        .merge(attachments::router())
        .merge(sync::router())
        .merge(shares::router())
        .merge(tokens::router())
        .merge(audit::router())
        .merge(crate::openapi::router())
        .fallback(|| async {
            ApiError::new(
                StatusCode::NOT_FOUND,
                "no_such_endpoint",
                "no such endpoint",
            )
        })
        .method_not_allowed_fallback(|| async {
            ApiError::new(
                StatusCode::METHOD_NOT_ALLOWED,
                "method_not_allowed",
                "method not allowed on this endpoint",
            )
        })
}
