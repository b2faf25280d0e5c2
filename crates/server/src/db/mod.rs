//! The store: one `sqlx::Any` pool over SQLite or PostgreSQL, with the same
//! portable SQL for both (placeholders `$1`, which sqlx's SQLite driver also
//! accepts; only TEXT/BIGINT columns). Migrations are embedded and applied on
//! start. The item rows of a sync, the one read that moves megabytes, go
//! through a native pool instead ([`SyncReader`]).

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions};
use sqlx::{Any, AnyPool, PgPool, Row, SqlitePool, Transaction};

pub mod group_commit;
pub mod pg_copy;
pub mod sqlite_rows;
pub mod write_conn;

use crate::error::ApiResult;
use group_commit::{GroupCommit, JobFuture};
use write_conn::WriteConn;

/// Which database the `Any` pool talks to; decides only how a write
/// transaction is opened.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// SQLite's `synchronous` setting in WAL mode (sqlite.org/pragma.html#pragma_synchronous,
/// sqlite.org/wal.html "Performance Considerations").
///
/// `Full` (the default) fsyncs the WAL on every commit, so an acknowledged
/// write survives power loss too. A vault must not forget a credential it
/// acknowledged: `bv rotate` changes a database password only after the
/// vault confirmed the new one, and a write rolled back by a power cut would
/// leave a password nobody holds.
///
/// `Normal` (opt-in, `--sqlite-sync normal`) writes every commit to the WAL before the request
/// is acknowledged but fsyncs only at checkpoints: an acknowledged write
/// survives the server process being killed (`tests/crash.rs`, `kill -9`),
/// and the file is never corrupted, but a power loss or kernel crash can
/// roll back the last commits before the most recent checkpoint. `Full`
/// caps SQLite at roughly one write per fsync (~500/s from concurrent
/// clients on this machine's disk; docs/BENCHMARKS.md § Server).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum SqliteSync {
    Normal,
    #[default]
    Full,
}

impl SqliteSync {
    fn pragma(self) -> &'static str {
        match self {
            SqliteSync::Normal => "PRAGMA synchronous = NORMAL",
            SqliteSync::Full => "PRAGMA synchronous = FULL",
        }
    }

    /// Run on every connection that writes: sqlx's pools ([`sqlite_pool`])
    /// and group commit's own ([`open_group_writer`]). WAL lets readers run
    /// beside the single writer; `synchronous` is the durability trade-off
    /// documented above. busy_timeout: the rare writes outside `write_tx`
    /// wait instead of failing with SQLITE_BUSY.
    fn pragmas(self) -> [&'static str; 4] {
        [
            "PRAGMA journal_mode = WAL",
            self.pragma(),
            "PRAGMA busy_timeout = 10000",
            "PRAGMA foreign_keys = ON",
        ]
    }
}

#[derive(Clone, Debug)]
pub struct Db {
    /// Reads, and the few single-statement writes outside `write_tx`.
    pub pool: AnyPool,
    /// Write transactions: one connection on SQLite, `pool` on PostgreSQL.
    writer: AnyPool,
    pub backend: Backend,
    /// SQLite only: the queue to the one task that commits writes in groups.
    group: Option<GroupCommit>,
    /// The item rows of `GET /sync`.
    pub sync_reader: SyncReader,
}

/// A native (non-`Any`) read pool for the item rows of a sync: 10 000 items
/// are ~11 MB. Through `Any` every row is copied once more into an `AnyRow`
/// (8 allocations per row); PostgreSQL rows lend `&str` straight from the
/// driver's buffer, SQLite's are read by rusqlite on the same connection ([`sqlite_rows`])
/// (docs/BENCHMARKS.md § Server, 2026-12-03).
#[derive(Clone, Debug)]
pub enum SyncReader {
    /// Opened with `mmap_size` (below).
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// Connections of the sync reader: a full sync keeps one busy for tens of
/// ms and this is a 2-core class of machine; more would only share the CPU.
const SYNC_READERS: u32 = 4;

/// `PRAGMA mmap_size` of the SQLite sync reader (sqlite.org/mmap.html): page
/// reads come straight from the OS page cache instead of one pread(2) per
/// page into a 2 MB private cache that a 20 MB file thrashes (a full sync
/// looks items up by primary key in id order, not file order). Only on these
/// read connections: an I/O error on a mapped page ends the process with
/// SIGBUS instead of an error, which for a read is a restart, never a torn
/// write.
const SYNC_MMAP_BYTES: &str = "268435456";

/// Migrations in order; the index + 1 is the schema version.
const MIGRATIONS: &[&str] = &[
    include_str!("migrations/0001_init.sql"),
    include_str!("migrations/0002_overview_snapshot.sql"),
    include_str!("migrations/0003_share_requests.sql"),
    include_str!("migrations/0004_member_log.sql"),
];

#[derive(Debug, thiserror::Error)]
pub enum DbInitError {
    #[error("unsupported DATABASE_URL scheme (expected sqlite: or postgres:)")]
    Scheme,
    #[error("cannot create the data directory: {0}")]
    DataDir(std::io::Error),
    #[error("database: {0}")]
    Sqlx(#[from] sqlx::Error),
}

pub type Tx = Transaction<'static, Any>;

impl Db {
    /// The default store: `<data_dir>/blindvault.sqlite3`, created on first start.
    pub async fn open_sqlite_dir(data_dir: &Path) -> Result<Db, DbInitError> {
        Db::open_sqlite_dir_with(data_dir, SqliteSync::default()).await
    }

    /// [`Db::open_sqlite_dir`] with an explicit SQLite durability level.
    pub async fn open_sqlite_dir_with(
        data_dir: &Path,
        sync: SqliteSync,
    ) -> Result<Db, DbInitError> {
        std::fs::create_dir_all(data_dir).map_err(DbInitError::DataDir)?;
        // Ciphertext only, but still nobody else's business: owner-only.
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(data_dir, std::fs::Permissions::from_mode(0o700))
                .map_err(DbInitError::DataDir)?;
        }
        let url = format!(
            "sqlite://{}?mode=rwc",
            data_dir.join("blindvault.sqlite3").display()
        );
        Db::connect_with(&url, sync).await
    }

    pub async fn connect(url: &str) -> Result<Db, DbInitError> {
        Db::connect_with(url, SqliteSync::default()).await
    }

    /// `sync` applies to SQLite only; PostgreSQL keeps its own
    /// `synchronous_commit` (on by default: every commit is flushed).
    pub async fn connect_with(url: &str, sync: SqliteSync) -> Result<Db, DbInitError> {
        sqlx::any::install_default_drivers();
        let backend = if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Backend::Postgres
        } else {
            return Err(DbInitError::Scheme);
        };
        let opts = AnyConnectOptions::from_str(url)?;
        let (pool, writer) = if backend == Backend::Sqlite {
            // SQLite allows one writer at a time. Write transactions get their
            // own one-connection pool, so concurrent writers wait in the pool's
            // FIFO queue and start the moment the previous commit ends, instead
            // of polling the file lock in busy_timeout's sleeps (up to 100 ms
            // each, sqlite3.c sqliteDefaultBusyCallback), which capped the
            // write rate and made the p99 latency hundreds of ms.
            // No ping before handing the connection out: it is a local file,
            // and group commit acquires it as its lock once per batch.
            let writer = sqlite_pool(1, sync)
                .test_before_acquire(false)
                .connect_with(opts.clone())
                .await?;
            let pool = sqlite_pool(8, sync).connect_with(opts).await?;
            (pool, writer)
        } else {
            let pool = AnyPoolOptions::new()
                .acquire_timeout(Duration::from_secs(30))
                .max_connections(16)
                .connect_with(opts)
                .await?;
            (pool.clone(), pool)
        };
        let group = match backend {
            Backend::Sqlite => Some(GroupCommit::start(
                writer.clone(),
                open_group_writer(url, sync)?,
            )),
            Backend::Postgres => None,
        };
        let sync_reader = match backend {
            Backend::Sqlite => SyncReader::Sqlite(
                SqlitePoolOptions::new()
                    .acquire_timeout(Duration::from_secs(30))
                    .max_connections(SYNC_READERS)
                    .connect_lazy_with(
                        SqliteConnectOptions::from_str(url)?
                            .journal_mode(SqliteJournalMode::Wal)
                            .busy_timeout(Duration::from_secs(10))
                            .pragma("mmap_size", SYNC_MMAP_BYTES),
                    ),
            ),
            Backend::Postgres => SyncReader::Postgres(
                PgPoolOptions::new()
                    .acquire_timeout(Duration::from_secs(30))
                    .max_connections(SYNC_READERS)
                    .connect_lazy_with(PgConnectOptions::from_str(url)?),
            ),
        };
        let db = Db {
            pool,
            writer,
            backend,
            group,
            sync_reader,
        };
        db.migrate().await?;
        Ok(db)
    }

    async fn migrate(&self) -> Result<(), sqlx::Error> {
        let mut tx = self.write_tx_raw().await?;
        sqlx::query("CREATE TABLE IF NOT EXISTS schema_version (version BIGINT NOT NULL)")
            .execute(&mut *tx)
            .await?;
        let current: Option<i64> = sqlx::query("SELECT MAX(version) AS v FROM schema_version")
            .fetch_one(&mut *tx)
            .await?
            .try_get("v")?;
        let current = usize::try_from(current.unwrap_or(0)).unwrap_or(0);
        for (i, sql) in MIGRATIONS.iter().enumerate().skip(current) {
            for stmt in split_sql(sql) {
                sqlx::query(&stmt).execute(&mut *tx).await?;
            }
            sqlx::query("INSERT INTO schema_version (version) VALUES ($1)")
                .bind(i64::try_from(i + 1).unwrap_or(i64::MAX))
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await
    }

    async fn write_tx_raw(&self) -> Result<Tx, sqlx::Error> {
        match self.backend {
            // IMMEDIATE takes the write lock at BEGIN, so the busy timeout
            // applies; a deferred transaction that upgrades later can fail
            // with SQLITE_BUSY without waiting.
            Backend::Sqlite => self.writer.begin_with("BEGIN IMMEDIATE").await,
            Backend::Postgres => self.pool.begin().await,
        }
    }

    /// Opens a write transaction and allocates its first change sequence number.
    /// Bumping the counter row first serialises writers on both backends.
    pub async fn write_tx(&self) -> Result<(Tx, i64), sqlx::Error> {
        let mut tx = self.write_tx_raw().await?;
        let seq = next_seq(&mut tx).await?;
        Ok((tx, seq))
    }

    /// Runs `f` in a write transaction with a fresh `seq` and commits it if
    /// `f` returns Ok; an Err rolls back everything `f` did. On SQLite the
    /// transaction is shared with other concurrent writes (group commit,
    /// `group_commit.rs`): one fsync for many requests. On PostgreSQL each
    /// call is its own transaction on the pool, as before.
    pub async fn write<T, F>(&self, f: F) -> ApiResult<T>
    where
        T: Send + 'static,
        F: for<'c> FnOnce(WriteConn<'c>, i64) -> JobFuture<'c, T> + Send + 'static,
    {
        if let Some(group) = &self.group {
            return group.write(f).await;
        }
        let (mut tx, seq) = self.write_tx().await?;
        let v = f(WriteConn::Any(&mut tx), seq).await?;
        tx.commit().await?;
        Ok(v)
    }
}

/// Group commit's own connection to the database file (`group_commit.rs`),
/// with the pragmas of [`sqlite_pool`] ([`SqliteSync::pragmas`]). The file
/// exists by now: the pools opened (and with `mode=rwc`, created) it.
fn open_group_writer(url: &str, sync: SqliteSync) -> Result<rusqlite::Connection, DbInitError> {
    let path = SqliteConnectOptions::from_str(url)?
        .get_filename()
        .to_path_buf();
    let err = |e| DbInitError::Sqlx(sqlite_rows::sqlite_error(e));
    let conn = rusqlite::Connection::open_with_flags(
        path,
        rusqlite::OpenFlags::SQLITE_OPEN_READ_WRITE | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(err)?;
    for pragma in sync.pragmas() {
        // One step: `journal_mode` answers with a row, the others with none.
        let mut stmt = conn.prepare(pragma).map_err(err)?;
        stmt.raw_query().next().map_err(err)?;
    }
    // Every statement of every write kind, with room to spare.
    conn.set_prepared_statement_cache_capacity(64);
    Ok(conn)
}

fn sqlite_pool(max: u32, sync: SqliteSync) -> AnyPoolOptions {
    AnyPoolOptions::new()
        .acquire_timeout(Duration::from_secs(30))
        .max_connections(max)
        .after_connect(move |conn, _| {
            Box::pin(async move {
                for pragma in sync.pragmas() {
                    sqlx::query(pragma).execute(&mut *conn).await?;
                }
                Ok(())
            })
        })
}

/// Allocates one more change sequence number inside a write transaction.
pub async fn next_seq(tx: &mut Tx) -> Result<i64, sqlx::Error> {
    let row =
        sqlx::query("UPDATE counters SET value = value + 1 WHERE name = 'seq' RETURNING value")
            .fetch_one(&mut **tx)
            .await?;
    row.try_get("value")
}

/// The current change sequence (the cursor a full sync hands out).
pub async fn current_seq(db: &Db) -> Result<i64, sqlx::Error> {
    sqlx::query("SELECT value FROM counters WHERE name = 'seq'")
        .fetch_one(&db.pool)
        .await?
        .try_get("value")
}

/// Splits a migration file into statements: `;` at the end of a line ends one;
/// `--` comment lines are dropped. Our migrations contain no `;` inside strings.
fn split_sql(sql: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    for line in sql.lines() {
        let t = line.trim();
        if t.starts_with("--") || t.is_empty() {
            continue;
        }
        cur.push_str(line);
        cur.push('\n');
        if t.ends_with(';') {
            out.push(
                std::mem::take(&mut cur)
                    .trim()
                    .trim_end_matches(';')
                    .to_string(),
            );
        }
    }
    if !cur.trim().is_empty() {
        out.push(cur);
    }
    out
}

/// Seconds since the Unix epoch.
pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::{open_group_writer, split_sql, SqliteSync};

    #[test]
    #[allow(clippy::unwrap_used)]
    fn group_writer_gets_the_pool_pragmas() {
        use rusqlite::types::Value::{self, Integer, Text};
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.sqlite3");
        rusqlite::Connection::open(&path).unwrap();
        let url = format!("sqlite://{}", path.display());
        for (sync, level) in [(SqliteSync::Full, 2), (SqliteSync::Normal, 1)] {
            let c = open_group_writer(&url, sync).unwrap();
            let get = |p: &str| c.query_row(p, [], |r| r.get::<_, Value>(0));
            assert_eq!(get("PRAGMA journal_mode").unwrap(), Text("wal".into()));
            assert_eq!(get("PRAGMA synchronous").unwrap(), Integer(level));
            assert_eq!(get("PRAGMA busy_timeout").unwrap(), Integer(10000));
            assert_eq!(get("PRAGMA foreign_keys").unwrap(), Integer(1));
        }
    }

    #[test]
    fn migration_splits_into_statements_without_comments() {
        let stmts = split_sql("-- c;\nCREATE TABLE a (x TEXT);\n\nCREATE INDEX i ON a (x);\nINSERT INTO a VALUES ('q');\n");
        assert_eq!(
            stmts,
            [
                "CREATE TABLE a (x TEXT)",
                "CREATE INDEX i ON a (x)",
                "INSERT INTO a VALUES ('q')"
            ]
        );
        // 0001_init.sql: 15 tables, 7 indexes, 1 insert.
        assert_eq!(split_sql(super::MIGRATIONS[0]).len(), 23);
    }
}
