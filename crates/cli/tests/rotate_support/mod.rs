//! For the rotation tests: admin connections to the real PostgreSQL and
//! MariaDB (`BLINDVAULT_TEST_POSTGRES_URL`, default postgresql://postgres@127.0.0.1:5432/test;
//! `BLINDVAULT_TEST_MYSQL_URL`, default mysql://root@127.0.0.1:3306/test), uniquely
//! named roles dropped at the end, a TCP proxy that can cut the vault
//! server away, and local webhook and SMTP receivers.
//!
//! A missing database server fails the test (never a skip).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, dead_code)]

pub mod receivers;

use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};
use tokio::runtime::Runtime;

/// `scheme://user[:password]@host:port/db`, enough for the two defaults.
pub struct Url {
    pub user: String,
    pub password: String,
    pub host: String,
    pub port: u16,
    pub db: String,
}

fn parse_url(text: &str) -> Url {
    let rest = text.split_once("://").expect("URL with scheme").1;
    let (auth, rest) = rest.rsplit_once('@').expect("URL with user@");
    let (user, password) = auth.split_once(':').unwrap_or((auth, ""));
    let (hostport, db) = rest.split_once('/').unwrap_or((rest, ""));
    let (host, port) = hostport.rsplit_once(':').expect("URL with :port");
    Url {
        user: user.into(),
        password: password.into(),
        host: host.into(),
        port: port.parse().expect("numeric port"),
        db: db.into(),
    }
}

pub fn pg_url() -> Url {
    parse_url(
        &std::env::var("BLINDVAULT_TEST_POSTGRES_URL")
            .unwrap_or_else(|_| "postgresql://postgres@127.0.0.1:5432/test".into()),
    )
}

pub fn mysql_url() -> Url {
    parse_url(
        &std::env::var("BLINDVAULT_TEST_MYSQL_URL")
            .unwrap_or_else(|_| "mysql://root@127.0.0.1:3306/test".into()),
    )
}

/// A name no other run (or test of this run) uses.
pub fn unique(prefix: &str) -> String {
    static N: AtomicUsize = AtomicUsize::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    format!(
        "{prefix}{}_{}_{nanos}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    )
}

fn rt() -> Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

fn pg_ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

fn literal(value: &str) -> String {
    format!("'{}'", value.replace('\'', "''"))
}

/// MariaDB's default sql_mode treats backslash as an escape.
fn my_literal(value: &str) -> String {
    format!("'{}'", value.replace('\\', "\\\\").replace('\'', "''"))
}

/// The PostgreSQL superuser connection and the roles this test made.
pub struct Pg {
    rt: Runtime,
    client: tokio_postgres::Client,
    pub url: Url,
    roles: Mutex<Vec<String>>,
}

impl Pg {
    pub fn connect() -> Self {
        let url = pg_url();
        let rt = rt();
        let mut cfg = tokio_postgres::Config::new();
        cfg.host(&url.host)
            .port(url.port)
            .user(&url.user)
            .dbname(&url.db);
        if !url.password.is_empty() {
            cfg.password(&url.password);
        }
        let client = rt.block_on(async {
            let (client, conn) = cfg
                .connect(tokio_postgres::NoTls)
                .await
                .unwrap_or_else(|e| {
                    panic!(
                        "PostgreSQL is needed at {}:{} (BLINDVAULT_TEST_POSTGRES_URL): {e}",
                        url.host, url.port
                    )
                });
            tokio::spawn(conn);
            client
        });
        Self {
            rt,
            client,
            url,
            roles: Mutex::new(Vec::new()),
        }
    }

    pub fn exec(&self, sql: &str) {
        self.rt
            .block_on(self.client.batch_execute(sql))
            .unwrap_or_else(|e| panic!("{sql}: {e}"));
    }

    /// A login role with `password`. SUPERUSER only so that `bv` may read
    /// its own SCRAM verifier: this PostgreSQL trusts 127.0.0.1, where a
    /// login proves nothing about a password.
    pub fn create_role(&self, name: &str, password: &str) {
        self.exec(&format!(
            "CREATE ROLE {} LOGIN SUPERUSER PASSWORD {}",
            pg_ident(name),
            literal(password)
        ));
        self.roles.lock().unwrap().push(name.to_owned());
    }

    /// Whether `password` is the one PostgreSQL stores for `role` (its
    /// SCRAM-SHA-256 verifier, RFC 5802 §3), checked here independently.
    pub fn password_is(&self, role: &str, password: &str) -> bool {
        let row = self
            .rt
            .block_on(self.client.query_one(
                "SELECT rolpassword FROM pg_authid WHERE rolname = $1",
                &[&role],
            ))
            .unwrap();
        let verifier: String = row.get(0);
        scram_matches(&verifier, password)
    }
}

impl Drop for Pg {
    fn drop(&mut self) {
        for r in self.roles.lock().unwrap().iter() {
            let _ = self.rt.block_on(
                self.client
                    .batch_execute(&format!("DROP ROLE IF EXISTS {}", pg_ident(r))),
            );
        }
    }
}

fn scram_matches(verifier: &str, password: &str) -> bool {
    use base64::Engine as _;
    use hmac::{KeyInit, Mac};
    use sha2::Digest;
    let b64 = base64::engine::general_purpose::STANDARD;
    let rest = verifier
        .strip_prefix("SCRAM-SHA-256$")
        .expect("a SCRAM verifier");
    let (params, keys) = rest.split_once('$').unwrap();
    let (iter, salt) = params.split_once(':').unwrap();
    let stored = b64.decode(keys.split_once(':').unwrap().0).unwrap();
    let mut salted = [0u8; 32];
    pbkdf2::pbkdf2_hmac::<sha2::Sha256>(
        password.as_bytes(),
        &b64.decode(salt).unwrap(),
        iter.parse().unwrap(),
        &mut salted,
    );
    let mut mac = <hmac::Hmac<sha2::Sha256> as KeyInit>::new_from_slice(&salted).unwrap();
    mac.update(b"Client Key");
    sha2::Sha256::digest(mac.finalize().into_bytes()).as_slice() == stored.as_slice()
}

/// The MariaDB/MySQL root connection and the users this test made.
pub struct My {
    rt: Runtime,
    pub url: Url,
    users: Mutex<Vec<String>>,
}

impl My {
    pub fn connect() -> Self {
        let my = Self {
            rt: rt(),
            url: mysql_url(),
            users: Mutex::new(Vec::new()),
        };
        let (user, pw) = (my.url.user.clone(), my.url.password.clone());
        if let Err(e) = my.try_login(&user, &pw) {
            panic!(
                "MariaDB/MySQL is needed at {}:{} (BLINDVAULT_TEST_MYSQL_URL): {e}",
                my.url.host, my.url.port
            );
        }
        my
    }

    fn try_login(&self, user: &str, password: &str) -> Result<sqlx::MySqlConnection, sqlx::Error> {
        use sqlx::ConnectOptions;
        let mut opts = sqlx::mysql::MySqlConnectOptions::new()
            .host(&self.url.host)
            .port(self.url.port)
            .username(user);
        // sqlx answers the handshake with a scramble even for "", which
        // MariaDB takes as a password: an empty one must not be set at all.
        if !password.is_empty() {
            opts = opts.password(password);
        }
        self.rt.block_on(opts.connect())
    }

    pub fn exec(&self, sql: &str) {
        let (user, pw) = (self.url.user.clone(), self.url.password.clone());
        let mut conn = self.try_login(&user, &pw).unwrap();
        self.rt
            .block_on(sqlx::raw_sql(sql).execute(&mut conn))
            .unwrap_or_else(|e| panic!("{sql}: {e}"));
    }

    /// An unprivileged user (any host) with `password`.
    pub fn create_user(&self, name: &str, password: &str) {
        self.exec(&format!(
            "CREATE USER {}@'%' IDENTIFIED BY {}",
            my_literal(name),
            my_literal(password)
        ));
        self.users.lock().unwrap().push(name.to_owned());
        // As an application user would be: allowed into its database.
        self.exec(&format!(
            "GRANT SELECT ON `{}`.* TO {}@'%'",
            self.url.db.replace('`', "``"),
            my_literal(name)
        ));
    }

    /// Whether `user` logs in with `password` (MariaDB always checks).
    pub fn logs_in(&self, user: &str, password: &str) -> bool {
        match self.try_login(user, password) {
            Ok(_) => true,
            Err(sqlx::Error::Database(e)) if e.code().as_deref() == Some("28000") => false,
            Err(e) => panic!("MariaDB login failed otherwise: {e}"),
        }
    }
}

impl Drop for My {
    fn drop(&mut self) {
        let users = self.users.lock().unwrap().clone();
        for u in users {
            let (user, pw) = (self.url.user.clone(), self.url.password.clone());
            if let Ok(mut conn) = self.try_login(&user, &pw) {
                let _ = self.rt.block_on(
                    sqlx::raw_sql(&format!("DROP USER IF EXISTS {}@'%'", my_literal(&u)))
                        .execute(&mut conn),
                );
            }
        }
    }
}

/// A TCP proxy in front of the vault server that can be cut (every open
/// connection reset, new ones refused) and restored: the server is
/// unreachable for `bv` exactly when the test says so.
pub struct Proxy {
    pub url: String,
    down: Arc<AtomicBool>,
    live: Arc<Mutex<Vec<TcpStream>>>,
}

impl Proxy {
    pub fn start(upstream: &str) -> Self {
        let upstream = upstream.trim_start_matches("http://").to_owned();
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let down = Arc::new(AtomicBool::new(false));
        let live: Arc<Mutex<Vec<TcpStream>>> = Arc::default();
        let (d, l) = (down.clone(), live.clone());
        std::thread::spawn(move || {
            for client in listener.incoming() {
                let Ok(client) = client else { continue };
                if d.load(Ordering::SeqCst) {
                    drop(client); // refused: closed at once
                    continue;
                }
                let Ok(server) = TcpStream::connect(&upstream) else {
                    continue;
                };
                {
                    let mut l = l.lock().unwrap();
                    l.push(client.try_clone().unwrap());
                    l.push(server.try_clone().unwrap());
                }
                let (mut c2, mut s2) = (client.try_clone().unwrap(), server.try_clone().unwrap());
                let (mut c, mut s) = (client, server);
                std::thread::spawn(move || {
                    let _ = std::io::copy(&mut c, &mut s);
                    let _ = s.shutdown(std::net::Shutdown::Both);
                });
                std::thread::spawn(move || {
                    let _ = std::io::copy(&mut s2, &mut c2);
                    let _ = c2.shutdown(std::net::Shutdown::Both);
                });
            }
        });
        Self { url, down, live }
    }

    pub fn cut(&self) {
        self.down.store(true, Ordering::SeqCst);
        for s in self.live.lock().unwrap().drain(..) {
            let _ = s.shutdown(std::net::Shutdown::Both);
        }
    }

    pub fn restore(&self) {
        self.down.store(false, Ordering::SeqCst);
    }
}
