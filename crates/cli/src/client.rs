//! The HTTP API client (docs/API.md): JSON in and out under `/api/v1`,
//! the session token as `Authorization: Bearer`. Every answer is untrusted
//! input: it is parsed into typed structs, and the caller verifies content.

use crate::exit::{CliError, CliResult, Kind};
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::Value;
use std::time::Duration;

pub struct Client {
    base: String,
    token: Option<String>,
    agent: ureq::Agent,
    /// The largest JSON answer read; ureq's default of 10 MiB unless a
    /// command expects more (`with_answer_limit`).
    answer_limit: u64,
}

/// An error answer: `{"error": code, "message": text}` (+ `current` on 409).
#[derive(Deserialize, Default)]
struct ApiError {
    #[serde(default)]
    error: String,
    #[serde(default)]
    message: String,
}

impl Client {
    pub fn new(server: &str, token: Option<String>) -> CliResult<Self> {
        let server = server.trim_end_matches('/');
        if !(server.starts_with("http://") || server.starts_with("https://")) {
            return Err(CliError::usage(
                "the server URL must start with http:// or https://",
            ));
        }
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(60)))
            .build()
            .into();
        Ok(Self {
            base: format!("{server}/api/v1"),
            token,
            agent,
            answer_limit: 10 * 1024 * 1024,
        })
    }

    /// Reads answers of up to `bytes` (an opened file share is up to 16 MiB).
    pub fn with_answer_limit(mut self, bytes: u64) -> Self {
        self.answer_limit = bytes;
        self
    }

    pub fn get<T: DeserializeOwned>(&self, path: &str) -> CliResult<T> {
        self.request("GET", path, None)
    }

    pub fn post<T: DeserializeOwned>(&self, path: &str, body: &Value) -> CliResult<T> {
        self.request("POST", path, Some(body))
    }

    /// A revision-checked replace (`{base_revision, …}`; 409 when stale).
    pub fn put<T: DeserializeOwned>(&self, path: &str, body: &Value) -> CliResult<T> {
        self.request("PUT", path, Some(body))
    }

    /// `DELETE` (query carries `base_revision` where the API wants one).
    pub fn delete_unit(&self, path: &str) -> CliResult<()> {
        self.request::<Value>("DELETE", path, None).map(|_| ())
    }

    /// Streams a request body of `len` bytes from `body` (attachments): the
    /// whole file is never in memory.
    pub fn put_stream(&self, path: &str, body: &mut dyn std::io::Read) -> CliResult<()> {
        let url = format!("{}{path}", self.base);
        let mut req = self.agent.put(&url);
        if let Some(t) = &self.token {
            req = req.header("Authorization", &format!("Bearer {t}"));
        }
        let mut resp = req
            .header("Content-Type", "application/octet-stream")
            .send(ureq::SendBody::from_reader(body))
            .map_err(|e| self.unreachable(e))?;
        let status = resp.status().as_u16();
        if (200..300).contains(&status) {
            return Ok(());
        }
        let text = resp.body_mut().read_to_string().unwrap_or_default();
        Err(status_error(status, &text))
    }

    /// A response body as a stream (attachments).
    pub fn get_stream(&self, path: &str) -> CliResult<Box<dyn std::io::Read + Send + Sync>> {
        let url = format!("{}{path}", self.base);
        let mut req = self.agent.get(&url);
        if let Some(t) = &self.token {
            req = req.header("Authorization", &format!("Bearer {t}"));
        }
        let mut resp = req.call().map_err(|e| self.unreachable(e))?;
        let status = resp.status().as_u16();
        if (200..300).contains(&status) {
            return Ok(Box::new(resp.into_body().into_reader()));
        }
        let text = resp.body_mut().read_to_string().unwrap_or_default();
        Err(status_error(status, &text))
    }

    fn unreachable(&self, e: ureq::Error) -> CliError {
        CliError::other(format!("cannot reach the server at {}: {e}", self.base))
    }

    /// A `PUT` whose answer body is ignored.
    pub fn request_unit(&self, method: &str, path: &str, body: &Value) -> CliResult<()> {
        self.request::<Value>(method, path, Some(body)).map(|_| ())
    }

    /// A call whose answer body (204, or one we do not need) is ignored.
    pub fn post_unit(&self, path: &str, body: Option<&Value>) -> CliResult<()> {
        self.request::<Value>("POST", path, body).map(|_| ())
    }

    fn request<T: DeserializeOwned>(
        &self,
        method: &str,
        path: &str,
        body: Option<&Value>,
    ) -> CliResult<T> {
        let url = format!("{}{path}", self.base);
        let auth = self.token.as_ref().map(|t| format!("Bearer {t}"));
        let sent = match method {
            "GET" => {
                let mut req = self.agent.get(&url);
                if let Some(a) = &auth {
                    req = req.header("Authorization", a);
                }
                req.call()
            }
            "DELETE" => {
                let mut req = self.agent.delete(&url);
                if let Some(a) = &auth {
                    req = req.header("Authorization", a);
                }
                req.call()
            }
            _ => {
                let mut req = if method == "PUT" {
                    self.agent.put(&url)
                } else {
                    self.agent.post(&url)
                };
                if let Some(a) = &auth {
                    req = req.header("Authorization", a);
                }
                match body {
                    Some(b) => req
                        .header("Content-Type", "application/json")
                        .send(b.to_string()),
                    None => req.send_empty(),
                }
            }
        };
        // ureq's error may name the URL; ours is the base only (no secrets in URLs anyway).
        let mut resp = sent.map_err(|e| {
            CliError::other(format!("cannot reach the server at {}: {e}", self.base))
        })?;
        let status = resp.status().as_u16();
        let text = resp
            .body_mut()
            .with_config()
            .limit(self.answer_limit)
            .lossy_utf8(true)
            .read_to_string()
            .map_err(|e| CliError::other(format!("cannot read the server's answer: {e}")))?;
        if (200..300).contains(&status) {
            let text = if text.trim().is_empty() {
                "null"
            } else {
                &text
            };
            return serde_json::from_str(text).map_err(|_| {
                CliError::other(format!(
                    "the server's answer to {method} {} is not what this client expects",
                    route_name(path)
                ))
            });
        }
        Err(status_error(status, &text))
    }
}

/// The path without ids or query, for messages.
fn route_name(path: &str) -> &str {
    path.split('?').next().unwrap_or(path)
}

fn status_error(status: u16, body: &str) -> CliError {
    let e: ApiError = serde_json::from_str(body).unwrap_or_default();
    // The server's messages never echo request values (SPEC § Server, Errors).
    let detail = if e.message.is_empty() {
        format!("HTTP {status}")
    } else {
        format!("{} ({})", e.message, e.error)
    };
    match status {
        401 => CliError::new(
            Kind::Auth,
            format!("not authenticated: {detail}; run `bv login`"),
        ),
        429 => CliError::new(
            Kind::Auth,
            format!("too many failed logins, try again later: {detail}"),
        ),
        409 => CliError::new(Kind::Conflict, format!("conflict: {detail}")),
        404 => CliError::other(format!("not found: {detail}")),
        403 => CliError::other(format!("permission denied: {detail}")),
        _ => CliError::other(format!("server error: {detail}")),
    }
}
