//! `www/` at `/` and `pkg/` at `/pkg/`, with `.wasm` served as
//! `application/wasm` (needed for `WebAssembly.instantiateStreaming`).

use axum::Router;
use tower_http::services::ServeDir;

use crate::app::Settings;

pub fn router<S: Clone + Send + Sync + 'static>(settings: &Settings) -> Router<S> {
    // ServeDir guesses types with mime_guess, which maps .wasm to application/wasm
    // and rejects `..` path components.
    Router::new()
        .nest_service("/pkg", ServeDir::new(&settings.pkg_dir))
        .fallback_service(ServeDir::new(&settings.www_dir).append_index_html_on_directories(true))
}
