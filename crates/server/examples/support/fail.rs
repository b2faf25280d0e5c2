//! The error of the benchmark examples (`load`, `bench_sync`): a message
//! saying what failed, so that a bad reply or argument ends the run with
//! `Error: …` and status 1 instead of a panic. Included with `#[path]`.

use std::fmt;

/// What failed, in words. `main` returning it prints `Error: <message>` and
/// exits with status 1. Messages never hold the auth key or a token.
pub struct Fail(pub String);

impl fmt::Debug for Fail {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Display for Fail {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Fail {}

/// `context("what failed")`: a `Result` error becomes "what failed: <error>:
/// <its sources>", a `None` becomes "what failed".
pub trait Context<T> {
    fn context(self, what: &str) -> Result<T, Fail>;
}

impl<T, E: std::error::Error> Context<T> for Result<T, E> {
    fn context(self, what: &str) -> Result<T, Fail> {
        self.map_err(|e| {
            let mut msg = format!("{what}: {e}");
            let mut source = e.source();
            while let Some(s) = source {
                msg.push_str(&format!(": {s}"));
                source = s.source();
            }
            Fail(msg)
        })
    }
}

impl<T> Context<T> for Option<T> {
    fn context(self, what: &str) -> Result<T, Fail> {
        self.ok_or_else(|| Fail(what.to_string()))
    }
}
