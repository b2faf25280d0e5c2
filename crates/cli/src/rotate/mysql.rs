//! MySQL and MariaDB: log in (sqlx-mysql, TLS when the server offers it),
//! `ALTER USER CURRENT_USER() IDENTIFIED BY …`.
//!
//! `CURRENT_USER()` names exactly the account this connection logged in as
//! (user *and* host part), so the untrusted user name from the vault is
//! never put into SQL; only the literal is, quoted for the session's
//! sql_mode. ALTER USER cannot be prepared, so it goes as text.

use super::engine::{AlterError, Conn, Probe, Target};
use super::quote;
use blindvault::secret::SecretString;
use sqlx::mysql::{MySqlConnectOptions, MySqlConnection, MySqlSslMode};
use sqlx::{ConnectOptions, Connection};
use std::time::Duration;
use zeroize::Zeroizing;

pub struct MyConn {
    conn: MySqlConnection,
}

/// MariaDB refuses ALTER USER to an account without CREATE USER even for
/// itself (1227 ER_SPECIFIC_ACCESS_DENIED_ERROR); SET PASSWORD is the
/// statement it allows for one's own password.
const ER_SPECIFIC_ACCESS_DENIED: &str = "42000";

pub async fn probe(target: &Target, password: &SecretString) -> Probe {
    let mut opts = MySqlConnectOptions::new()
        .host(&target.host)
        .port(target.port)
        .username(&target.username)
        .password(password.expose_secret())
        .ssl_mode(MySqlSslMode::Preferred);
    if let Some(db) = &target.database {
        opts = opts.database(db);
    }
    let where_ = format!("MySQL at {}:{}", target.host, target.port);
    match tokio::time::timeout(Duration::from_secs(10), opts.connect()).await {
        Err(_) => Probe::Unreachable(format!("cannot connect to {where_}: timed out")),
        Ok(Ok(conn)) => Probe::Works(Conn::Mysql(MyConn { conn })),
        // SQLSTATE 28000: access denied (1045, 1698), whatever the reason.
        Ok(Err(sqlx::Error::Database(e))) if e.code().as_deref() == Some("28000") => {
            Probe::Rejected
        }
        Ok(Err(sqlx::Error::Database(e))) => Probe::Unreachable(format!(
            "{where_} refused the login (SQLSTATE {})",
            e.code().as_deref().unwrap_or("?")
        )),
        Ok(Err(e)) => Probe::Unreachable(format!("cannot connect to {where_}: {e}")),
    }
}

impl MyConn {
    pub async fn set_password(&mut self, new: &SecretString) -> Result<(), AlterError> {
        let not_applied = |message: String| AlterError {
            message,
            maybe_applied: false,
        };
        let mode: String = sqlx::query_scalar("SELECT @@SESSION.sql_mode")
            .fetch_one(&mut self.conn)
            .await
            .map_err(|_| not_applied("cannot read the session's sql_mode".to_owned()))?;
        let literal = Zeroizing::new(
            quote::mysql_literal(new.expose_secret(), mode.contains("NO_BACKSLASH_ESCAPES"))
                .map_err(not_applied)?,
        );
        let alter = Zeroizing::new(format!(
            "ALTER USER CURRENT_USER() IDENTIFIED BY {}",
            literal.as_str()
        ));
        let err = match self.run(&alter).await {
            Ok(()) => return Ok(()),
            Err(code) => code,
        };
        if err.as_deref() == Some(ER_SPECIFIC_ACCESS_DENIED) {
            let set = Zeroizing::new(format!("SET PASSWORD = PASSWORD({})", literal.as_str()));
            if self.run(&set).await.is_ok() {
                return Ok(());
            }
        }
        Err(match err {
            // The server answered with an error: nothing was changed.
            Some(code) => not_applied(format!("ALTER USER failed (SQLSTATE {code})")),
            None => AlterError {
                message: "the connection broke during ALTER USER".to_owned(),
                maybe_applied: true,
            },
        })
    }

    /// Runs one statement as text; the error is its SQLSTATE only.
    async fn run(&mut self, sql: &str) -> Result<(), Option<String>> {
        sqlx::raw_sql(sql)
            .execute(&mut self.conn)
            .await
            .map(|_| ())
            .map_err(|e| match e {
                sqlx::Error::Database(d) => d.code().map(|c| c.into_owned()),
                _ => None,
            })
    }

    pub async fn close(self) {
        let _ = self.conn.close().await;
    }
}
