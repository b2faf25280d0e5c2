//! Request extractors with specific 400 messages and the client address.

use std::net::{IpAddr, SocketAddr};

use axum::extract::rejection::JsonRejection;
use axum::extract::{ConnectInfo, FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode};
use ipnet::IpNet;
use serde::de::DeserializeOwned;

use crate::app::AppState;
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

/// The client address (for rate limits and the audit log): the TCP peer, or,
/// when the peer is a trusted reverse proxy (`--trusted-proxy`), the address
/// that proxy reports in `X-Forwarded-For`. "unknown" when the server runs
/// without connect info (tests through `oneshot`).
#[derive(Clone, Debug)]
pub struct ClientAddr(pub String);

impl FromRequestParts<AppState> for ClientAddr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, st: &AppState) -> Result<Self, Self::Rejection> {
        let Some(peer) = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|ci| ci.0.ip())
        else {
            return Ok(ClientAddr("unknown".to_string()));
        };
        let proxies = &st.settings.trusted_proxies;
        Ok(ClientAddr(
            forwarded_client(peer, &parts.headers, proxies).to_string(),
        ))
    }
}

/// The client a chain of trusted proxies forwarded for. X-Forwarded-For is
/// "client, proxy1, proxy2", each proxy appending the address it received
/// from; only the entries our own proxies appended can be trusted, so it is
/// read from the right, skipping trusted proxies, and the first address that
/// is not one of them is the client. Anything else a client wrote to the left
/// is ignored, so a client cannot pick its own address to dodge the login
/// rate limit. An untrusted peer's header is ignored altogether, as is a
/// malformed entry (the walk stops at the last address that parsed).
pub fn forwarded_client(peer: IpAddr, headers: &HeaderMap, trusted: &[IpNet]) -> IpAddr {
    let is_trusted = |ip: &IpAddr| trusted.iter().any(|n| n.contains(ip));
    if !is_trusted(&peer) {
        return peer;
    }
    let entries: Vec<&str> = headers
        .get_all("x-forwarded-for")
        .iter()
        .flat_map(|v| v.to_str().unwrap_or("").split(','))
        .map(str::trim)
        .collect();
    let mut client = peer;
    for e in entries.iter().rev() {
        match e.parse::<IpAddr>() {
            Ok(ip) => {
                client = ip;
                if !is_trusted(&ip) {
                    break;
                }
            }
            Err(_) => break,
        }
    }
    client
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

/// Reads and drops a body the route does not use (at most 4 KiB). Clients
/// may send one anyway (bv sends `{}` after the headers); hyper closes a
/// connection whose request body is left unread, and a close with unread
/// bytes in the socket is a TCP RST, which cut the tail off multi-MiB
/// answers in the reader's buffers (seen with an 8 MiB file share). Call it
/// before any state changes, so a bad body costs nothing.
pub async fn drain_unused_body(body: axum::body::Body) -> Result<(), ApiError> {
    axum::body::to_bytes(body, 4096)
        .await
        .map(drop)
        .map_err(|_| {
            ApiError::bad_request(
                "bad_body",
                "the request body could not be read (at most 4096 bytes)",
            )
        })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::{forwarded_client, redact_quoted};
    use axum::http::{HeaderMap, HeaderValue};
    use std::net::IpAddr;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn forwarded_for_is_read_only_from_trusted_proxies() {
        let trusted = ["10.0.0.0/8".parse().unwrap(), "::1/128".parse().unwrap()];
        let mut h = HeaderMap::new();
        h.insert(
            "x-forwarded-for",
            HeaderValue::from_static("6.6.6.6, 203.0.113.9, 10.1.2.3"),
        );
        // Untrusted peer: its header is ignored.
        assert_eq!(
            forwarded_client(ip("198.51.100.1"), &h, &trusted),
            ip("198.51.100.1")
        );
        // Trusted peer: rightmost untrusted entry; the spoofed 6.6.6.6 on the left is ignored.
        assert_eq!(
            forwarded_client(ip("10.0.0.1"), &h, &trusted),
            ip("203.0.113.9")
        );
        assert_eq!(forwarded_client(ip("::1"), &h, &trusted), ip("203.0.113.9"));
        // No header: the proxy itself.
        assert_eq!(
            forwarded_client(ip("10.0.0.1"), &HeaderMap::new(), &trusted),
            ip("10.0.0.1")
        );
        // Garbage stops the walk at the last address that parsed.
        let mut bad = HeaderMap::new();
        bad.insert(
            "x-forwarded-for",
            HeaderValue::from_static("1.2.3.4, nonsense"),
        );
        assert_eq!(
            forwarded_client(ip("10.0.0.1"), &bad, &trusted),
            ip("10.0.0.1")
        );
        // Two header lines are one list, in order.
        let mut two = HeaderMap::new();
        two.append("x-forwarded-for", HeaderValue::from_static("203.0.113.7"));
        two.append("x-forwarded-for", HeaderValue::from_static("10.9.9.9"));
        assert_eq!(
            forwarded_client(ip("10.0.0.1"), &two, &trusted),
            ip("203.0.113.7")
        );
        // Nothing trusted: never read.
        assert_eq!(forwarded_client(ip("10.0.0.1"), &h, &[]), ip("10.0.0.1"));
    }

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
