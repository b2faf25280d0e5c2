//! PostgreSQL: log in (tokio-postgres), check a password, `ALTER ROLE`.
//!
//! `ALTER ROLE … PASSWORD` is sent a SCRAM-SHA-256 verifier made here
//! (RFC 7677, as psql's `\password` does), so the plaintext never reaches
//! the server's statement log.

use super::engine::{AlterError, Probe, Target};
use super::{quote, scram};
use blindvault::secret::SecretString;
use std::time::Duration;
use tokio_postgres::error::SqlState;
use tokio_postgres::{Client, Config, NoTls};
use zeroize::Zeroizing;

pub struct PgConn {
    client: Client,
}

enum Login {
    Ok(Client),
    Rejected,
    Failed(String),
}

async fn login(target: &Target, password: &str) -> Login {
    let mut cfg = Config::new();
    cfg.host(&target.host)
        .port(target.port)
        .user(&target.username)
        .password(password)
        .dbname(target.database.as_deref().unwrap_or("postgres"))
        .application_name("bv rotate")
        .connect_timeout(Duration::from_secs(10));
    match cfg.connect(NoTls).await {
        Ok((client, connection)) => {
            // Drives the socket; ends when `client` is dropped.
            tokio::spawn(async move {
                let _ = connection.await;
            });
            Login::Ok(client)
        }
        Err(e) => match e.code() {
            // 28P01 invalid_password; 28000 covers an unknown role and a
            // pg_hba.conf reject: either way this password does not log in.
            Some(c)
                if *c == SqlState::INVALID_PASSWORD
                    || *c == SqlState::INVALID_AUTHORIZATION_SPECIFICATION =>
            {
                Login::Rejected
            }
            _ => Login::Failed(format!(
                "cannot connect to PostgreSQL at {}:{}: {e}",
                target.host, target.port
            )),
        },
    }
}

/// Logs in with `password`; then makes sure it is the password really set.
///
/// A login alone proves nothing when pg_hba.conf says `trust`: then the
/// stored SCRAM verifier is checked if this role may read `pg_authid`
/// (superusers), else a random wrong password is tried, and if that logs in
/// too the answer is `Unverifiable`.
pub async fn probe(target: &Target, password: &SecretString) -> Probe {
    let client = match login(target, password.expose_secret()).await {
        Login::Ok(c) => c,
        Login::Rejected => return Probe::Rejected,
        Login::Failed(e) => return Probe::Unreachable(e),
    };
    let verifier = client
        .query_one(
            "SELECT CASE WHEN has_table_privilege('pg_catalog.pg_authid', 'SELECT') \
             THEN (SELECT rolpassword FROM pg_catalog.pg_authid WHERE rolname = current_user) END",
            &[],
        )
        .await
        .ok()
        .and_then(|row| row.try_get::<_, Option<String>>(0).ok().flatten())
        .map(Zeroizing::new);
    if let Some(v) = verifier {
        match scram::matches(&v, password.expose_secret()) {
            Some(true) => return Probe::Works(super::engine::Conn::Postgres(PgConn { client })),
            Some(false) => return Probe::Rejected,
            None => {} // not a SCRAM verifier (md5, none): fall back below
        }
    }
    let decoy = match crate::rotate::new_password() {
        Ok(d) => d,
        Err(e) => return Probe::Unreachable(e.message),
    };
    match login(target, decoy.expose_secret()).await {
        Login::Rejected => Probe::Works(super::engine::Conn::Postgres(PgConn { client })),
        Login::Ok(_) => Probe::Unverifiable(format!(
            "PostgreSQL at {}:{} logs {} in with any password (pg_hba.conf `trust`?), so no password can be verified",
            target.host, target.port, target.username
        )),
        Login::Failed(e) => Probe::Unreachable(e),
    }
}

impl PgConn {
    pub async fn set_password(&mut self, role: &str, new: &SecretString) -> Result<(), AlterError> {
        let verifier = Zeroizing::new(postgres_protocol::password::scram_sha_256(
            new.expose_secret().as_bytes(),
        ));
        let sql = Zeroizing::new(format!(
            "ALTER ROLE {} PASSWORD {}",
            quote::pg_ident(role).map_err(|message| AlterError {
                message,
                maybe_applied: false,
            })?,
            quote::pg_literal(&verifier)
        ));
        self.client
            .batch_execute(&sql)
            .await
            .map_err(|e| match e.code() {
                // The server answered with an error: nothing was changed.
                Some(code) => AlterError {
                    message: format!("ALTER ROLE failed (SQLSTATE {})", code.code()),
                    maybe_applied: false,
                },
                None => AlterError {
                    message: "the connection broke during ALTER ROLE".to_owned(),
                    maybe_applied: true,
                },
            })
    }
}
