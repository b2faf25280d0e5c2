//! The JSON API under `/api/v1`, one file per resource.

use axum::extract::DefaultBodyLimit;
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
pub mod overview_snapshot;
pub mod share_requests;
pub mod shares;
pub mod sync;
pub mod tokens;
pub mod vault_write;
pub mod vaults;

pub fn api_router() -> Router<AppState> {
    // Unauthenticated account endpoints take tiny bodies; ordinary writes
    // stay under 1 MiB; only rotation (members router), which carries every
    // item of a vault, gets the large app-wide limit from Settings.
    let small = DefaultBodyLimit::max(64 * 1024);
    let normal = DefaultBodyLimit::max(1024 * 1024);
    Router::new()
        .merge(accounts::router().layer(small))
        .merge(vaults::router().layer(normal))
        .merge(members::router())
        .merge(folders::router().layer(normal))
        .merge(items::router().layer(normal))
        .merge(overview_snapshot::router())
        .merge(attachments::router())
        .merge(sync::router())
        .merge(shares::router().layer(normal))
        .merge(share_requests::router().layer(normal))
        .merge(tokens::router().layer(normal))
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
