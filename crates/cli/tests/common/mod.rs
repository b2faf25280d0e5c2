//! A real `blindvault-server` on a free port with a temp data dir, on
//! SQLite or on a fresh PostgreSQL database of its own (dropped with it),
//! and a `bv` command preset for it (its own config dir, password from the
//! env). PostgreSQL is `BLINDVAULT_TEST_POSTGRES_URL` or the local default;
//! when it is unreachable the PostgreSQL tests fail, they never skip.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, dead_code)]

use assert_cmd::Command;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};
use tempfile::TempDir;

pub const PASSWORD: &str = "correct horse battery staple 42";

/// The server binary: `BLINDVAULT_SERVER_BIN` if set, else built with cargo
/// into this test's own target dir (the same one `cargo test --workspace`
/// uses), once per test process.
fn server_bin() -> PathBuf {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| {
        if let Some(p) = std::env::var_os("BLINDVAULT_SERVER_BIN") {
            return PathBuf::from(p);
        }
        // target/<profile>/deps/cli-<hash> → target
        let exe = std::env::current_exe().unwrap();
        let target = exe.ancestors().nth(3).unwrap().to_path_buf();
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let status = std::process::Command::new(env!("CARGO"))
            .args([
                "build",
                "-p",
                "blindvault-server",
                "--bin",
                "blindvault-server",
            ])
            .env("CARGO_TARGET_DIR", &target)
            .current_dir(&root)
            .status()
            .expect("cargo build -p blindvault-server");
        assert!(status.success(), "building blindvault-server failed");
        target.join("debug").join("blindvault-server")
    })
    .clone()
}

/// Where the server keeps its data.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

pub struct Server {
    child: Child,
    pub url: String,
    pub data: TempDir,
    pub config: TempDir,
    /// The test's own PostgreSQL database: (its URL, its name).
    pg: Option<(String, String)>,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if let Some((_, name)) = &self.pg {
            let _ = psql_run(
                &pg_admin_url(),
                &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
            );
        }
    }
}

fn pg_admin_url() -> String {
    std::env::var("BLINDVAULT_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_string())
}

/// `psql` (CI installs postgresql-client), unaligned, tuples only: rows as
/// `a|b` lines like the sqlite3 command prints them.
fn psql_run(url: &str, sql: &str) -> std::io::Result<std::process::Output> {
    std::process::Command::new("psql")
        .args([
            "-X",
            "-q",
            "-A",
            "-t",
            "-v",
            "ON_ERROR_STOP=1",
            url,
            "-c",
            sql,
        ])
        .output()
}

/// A database no other test (or run) uses.
fn fresh_pg_database() -> (String, String) {
    static N: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let name = format!("bv_cli_{}_{n}_{nanos}", std::process::id());
    let admin = pg_admin_url();
    let out = psql_run(&admin, &format!("CREATE DATABASE {name}"))
        .unwrap_or_else(|e| panic!("psql is missing ({e}); the PostgreSQL tests cannot run"));
    assert!(
        out.status.success(),
        "PostgreSQL at {admin} is unreachable; the PostgreSQL tests cannot run: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let base = admin.rsplit_once('/').map(|(b, _)| b.to_owned()).unwrap();
    (format!("{base}/{name}"), name)
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl Server {
    pub fn start() -> Self {
        Self::start_on(Backend::Sqlite)
    }

    pub fn start_on(backend: Backend) -> Self {
        let pg = (backend == Backend::Postgres).then(fresh_pg_database);
        let data = tempfile::tempdir().unwrap();
        let config = tempfile::tempdir().unwrap();
        let port = free_port();
        let mut cmd = std::process::Command::new(server_bin());
        for (k, _) in std::env::vars_os() {
            let k = k.to_string_lossy().to_string();
            if k == "DATABASE_URL" || k.starts_with("BLINDVAULT_") {
                cmd.env_remove(k);
            }
        }
        if let Some((url, _)) = &pg {
            cmd.arg("--database-url").arg(url);
        }
        let child = cmd
            .args(["--listen", &format!("127.0.0.1:{port}")])
            .arg("--data-dir")
            .arg(data.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start blindvault-server");
        let server = Server {
            child,
            url: format!("http://127.0.0.1:{port}"),
            data,
            config,
            pg,
        };
        // Generous: a cold SQLite migration on a busy 2-core machine.
        let deadline = Instant::now() + Duration::from_secs(60);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "server did not start");
            std::thread::sleep(Duration::from_millis(100));
        }
        server
    }

    /// `bv` for this server, its own config dir, the password in BV_PASSWORD.
    pub fn bv(&self) -> Command {
        let mut cmd = Command::cargo_bin("bv").unwrap();
        cmd.env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("BV_SERVER", &self.url)
            .env("BV_CONFIG_DIR", self.config.path())
            .env("BV_PASSWORD", PASSWORD);
        cmd
    }

    /// `bv` for this server with another config dir (another person).
    pub fn bv_in(&self, config: &Path) -> Command {
        let mut cmd = self.bv();
        cmd.env("BV_CONFIG_DIR", config);
        cmd
    }

    /// Registers `email` with its own config dir (kept alive by the caller).
    pub fn person(&self, email: &str) -> TempDir {
        let dir = tempfile::tempdir().unwrap();
        self.bv_in(dir.path())
            .args(["account", "register", "--email", email])
            .assert()
            .success();
        dir
    }

    /// stdout of a successful `bv` run, as text.
    pub fn out(&self, args: &[&str]) -> String {
        let out = self.bv().args(args).assert().success();
        String::from_utf8(out.get_output().stdout.clone()).unwrap()
    }

    pub fn db(&self) -> PathBuf {
        self.data.path().join("blindvault.sqlite3")
    }

    pub fn backend(&self) -> Backend {
        if self.pg.is_some() {
            Backend::Postgres
        } else {
            Backend::Sqlite
        }
    }

    /// Runs SQL on the server's database, as its administrator could, with
    /// the sqlite3 or psql command (CI installs both), and returns stdout.
    pub fn sql(&self, sql: &str) -> String {
        if let Some((url, _)) = &self.pg {
            let out = psql_run(url, sql).expect("psql command");
            assert!(
                out.status.success(),
                "psql: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            return String::from_utf8(out.stdout).unwrap().trim().to_owned();
        }
        let out = std::process::Command::new("sqlite3")
            .arg("-cmd")
            .arg(".timeout 10000")
            .arg(self.db())
            .arg(sql)
            .output()
            .expect("sqlite3 command");
        assert!(
            out.status.success(),
            "sqlite3: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap().trim().to_owned()
    }

    /// A registered, logged-in account with a vault `Work`.
    pub fn with_account(email: &str) -> Self {
        Self::with_account_on(email, Backend::Sqlite)
    }

    pub fn with_account_on(email: &str, backend: Backend) -> Self {
        let s = Self::start_on(backend);
        s.bv()
            .args(["account", "register", "--email", email])
            .assert()
            .success();
        s.bv().args(["vault", "create", "Work"]).assert().success();
        s
    }
}
