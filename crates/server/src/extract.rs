//! Request extractors with specific 400 messages and the client address.

use std::net::SocketAddr;

use axum::extract::rejection::JsonRejection;
use axum::extract::{ConnectInfo, FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::StatusCode;
use serde::de::DeserializeOwned;

use crate::error::ApiError;

/// `Json<T>` whose rejections become our JSON errors. serde's messages can
/// quote the offending value ("invalid type: string \"...\""), which may be a
/// secret sent in the wrong field, so quoted text is redacted.
pub struct ApiJson<T>(pub T);

impl<S, T> FromRequest<S> for ApiJson<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(v)) => Ok(ApiJson(v)),
            Err(rej) => Err(json_rejection(rej)),
        }
    }
}

fn json_rejection(rej: JsonRejection) -> ApiError {
    match rej {
        JsonRejection::JsonDataError(e) => {
            ApiError::bad_request("invalid_json_data", redact_quoted(&e.body_text()))
        }
        JsonRejection::JsonSyntaxError(e) => {
            ApiError::bad_request("malformed_json", redact_quoted(&e.body_text()))
        }
        JsonRejection::MissingJsonContentType(_) => ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "content_type",
            "expected Content-Type: application/json",
        ),
        JsonRejection::BytesRejection(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
            ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "body_too_large",
                "request body exceeds the limit",
            )
        }
        other => ApiError::bad_request("bad_body", redact_quoted(&other.body_text())),
    }
}

/// Replaces the contents of every `"..."` with `…`.
pub fn redact_quoted(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut inside = false;
    for c in s.chars() {
        if c == '"' {
            if !inside {
                out.push_str("\"…");
            }
            inside = !inside;
            if !inside {
                out.push('"');
            }
        } else if !inside {
            out.push(c);
        }
    }
    out
}

/// The peer address (for rate limits and the audit log); "unknown" when the
/// server runs without connect info (tests through `oneshot`).
#[derive(Clone, Debug)]
pub struct ClientAddr(pub String);

impl<S: Send + Sync> FromRequestParts<S> for ClientAddr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let ip = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|ci| ci.0.ip().to_string())
            .unwrap_or_else(|| "unknown".to_string());
        Ok(ClientAddr(ip))
    }
}

/// `Query<T>` whose rejection is our JSON 400.
pub struct ApiQuery<T>(pub T);

impl<S, T> FromRequestParts<S> for ApiQuery<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(v)) => Ok(ApiQuery(v)),
            Err(rej) => Err(ApiError::bad_request(
                "invalid_query",
                redact_quoted(&rej.body_text()),
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::redact_quoted;

    #[test]
    fn quoted_values_are_redacted() {
        let msg = r#"invalid type: string "hunter2-secret", expected u64 at line 1 column 30"#;
        let out = redact_quoted(msg);
        assert!(!out.contains("hunter2"));
        assert_eq!(
            out,
            r#"invalid type: string "…", expected u64 at line 1 column 30"#
        );
        assert_eq!(redact_quoted("unknown field `x`"), "unknown field `x`");
    }
}
