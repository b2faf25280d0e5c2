//! The error every command returns, and the exit code it maps to.
//!
//! 0 ok, 1 error, 2 usage (clap's own code for bad arguments), 3
//! authentication, 4 integrity (the server's data failed verification), 5
//! conflict (HTTP 409). Messages never hold secrets or vault contents.

use blindvault::Error as CoreError;
use std::fmt;
use std::process::ExitCode;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Other = 1,
    Usage = 2,
    Auth = 3,
    Integrity = 4,
    Conflict = 5,
}

#[derive(Debug)]
pub struct CliError {
    pub kind: Kind,
    pub message: String,
}

pub type CliResult<T> = Result<T, CliError>;

impl CliError {
    pub fn new(kind: Kind, message: impl Into<String>) -> Self {
        Self {
            kind,
            message: message.into(),
        }
    }
    pub fn other(message: impl Into<String>) -> Self {
        Self::new(Kind::Other, message)
    }
    pub fn usage(message: impl Into<String>) -> Self {
        Self::new(Kind::Usage, message)
    }
    pub fn auth(message: impl Into<String>) -> Self {
        Self::new(Kind::Auth, message)
    }
    pub fn integrity(message: impl Into<String>) -> Self {
        Self::new(Kind::Integrity, message)
    }

    /// A core error on data the server sent: by the time it reaches us it
    /// can only mean tampered, swapped or downgraded data (SPEC § Web vault,
    /// client rules), so it is an integrity failure naming what failed.
    pub fn from_server_data(what: &str, err: &CoreError) -> Self {
        Self::integrity(format!(
            "the server sent data that failed its integrity check ({what}: {err})"
        ))
    }

    pub fn exit_code(&self) -> ExitCode {
        ExitCode::from(self.kind as u8)
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

/// KDF parameters refused before any derivation (SPEC § Key derivation): a
/// server that lowers them is trying a downgrade.
pub fn kdf_refused(err: &CoreError) -> CliError {
    CliError::integrity(format!(
        "refusing the server's KDF parameters ({err}); nothing derived from the password was sent"
    ))
}

/// Core errors outside the server's data (random source, generator options).
pub fn core(err: &CoreError) -> CliError {
    CliError::other(err.to_string())
}
