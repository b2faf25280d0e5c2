//! What rotation needs from a database server, for PostgreSQL and MySQL:
//! log in with a password, check that a password is really the one set,
//! and set a new one over an open connection.
//!
//! Error texts from the drivers are passed on only for connection failures
//! (they name host and port, never a password). A failed `ALTER` is
//! reported by its error code alone: a syntax error would echo the
//! statement, which holds the new password or its verifier.

use super::{mysql, postgres};
use blindvault::secret::SecretString;
use tokio::runtime::Runtime;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Engine {
    Postgres,
    Mysql,
}

impl Engine {
    pub fn name(self) -> &'static str {
        match self {
            Engine::Postgres => "postgres",
            Engine::Mysql => "mysql",
        }
    }

    pub fn default_port(self) -> u16 {
        match self {
            Engine::Postgres => 5432,
            Engine::Mysql => 3306,
        }
    }

    /// The other engine's well-known port: an item on it is not ours.
    pub fn foreign_port(self) -> u16 {
        match self {
            Engine::Postgres => 3306,
            Engine::Mysql => 5432,
        }
    }
}

/// Where and as whom to log in (from the item's overview).
#[derive(Clone, Debug)]
pub struct Target {
    pub engine: Engine,
    pub host: String,
    pub port: u16,
    pub database: Option<String>,
    pub username: String,
}

impl Target {
    /// `user@host:port`, for the summary (no secret in it).
    pub fn label(&self) -> String {
        format!("{}@{}:{}", self.username, self.host, self.port)
    }
}

/// What trying a password told us.
pub enum Probe {
    /// It logs in (and, where the server lets us see it, it is the stored one).
    Works(Conn),
    /// The server refused it, or the stored verifier does not match it.
    Rejected,
    /// The server could not be reached or failed otherwise; nothing is known.
    Unreachable(String),
    /// The server logs this role in whatever the password (e.g. PostgreSQL
    /// `trust` in pg_hba.conf) and does not let it read its verifier.
    Unverifiable(String),
}

/// A failed ALTER: a printable reason (an error code, no SQL text), and
/// whether the change may have happened anyway (the connection broke
/// before an answer came).
pub struct AlterError {
    pub message: String,
    pub maybe_applied: bool,
}

/// An open connection, logged in as the target role.
pub enum Conn {
    Postgres(postgres::PgConn),
    Mysql(mysql::MyConn),
}

/// Tries `password` for `target`.
pub fn probe(rt: &Runtime, target: &Target, password: &SecretString) -> Probe {
    match target.engine {
        Engine::Postgres => rt.block_on(postgres::probe(target, password)),
        Engine::Mysql => rt.block_on(mysql::probe(target, password)),
    }
}

impl Conn {
    /// Sets the password of the role this connection is logged in as.
    pub fn set_password(
        &mut self,
        rt: &Runtime,
        target: &Target,
        new: &SecretString,
    ) -> Result<(), AlterError> {
        match self {
            Conn::Postgres(c) => rt.block_on(c.set_password(&target.username, new)),
            Conn::Mysql(c) => rt.block_on(c.set_password(new)),
        }
    }

    pub fn close(self, rt: &Runtime) {
        match self {
            Conn::Postgres(c) => drop(c),
            Conn::Mysql(c) => rt.block_on(c.close()),
        }
    }
}
