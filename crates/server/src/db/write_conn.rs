//! The connection a write job runs its statements on: the `Any` transaction
//! (PostgreSQL, and SQLite writes outside group commit) or, for SQLite group
//! commit, the writer thread's own rusqlite connection.
//!
//! Each job is written once, as async code over [`WriteConn`], and the same
//! SQL runs on both. On PostgreSQL every statement is awaited through sqlx as
//! before. On SQLite a statement through sqlx is a round trip to sqlx's worker
//! thread (a channel message, a futex wake-up and a context switch each way);
//! with ~9 statements per item write that, not SQLite, was most of the CPU a
//! write cost (perf, docs/BENCHMARKS.md § Server, 2026-12-03). The
//! [`WriteConn::Sqlite`] arm runs each statement synchronously on the
//! caller's thread with a cached prepared statement, so a job's future
//! completes in its first poll and the group-commit thread runs a whole
//! batch without a single hop (`group_commit.rs`).
//!
//! Parameters are sqlx's portable `$N`: the SQLite arm binds each parameter
//! by the number in its name, as sqlx's SQLite driver does, not by order of
//! appearance.

use sqlx::any::AnyRow;
use sqlx::Row;

use super::sqlite_rows::{self, sqlite_error};
use super::Tx;

/// One bound parameter.
#[derive(Clone, Copy, Debug)]
pub enum Arg<'a> {
    Text(&'a str),
    Int(i64),
    OptInt(Option<i64>),
}

pub enum WriteConn<'c> {
    Any(&'c mut Tx),
    Sqlite(&'c mut rusqlite::Connection),
}

/// A result row, read by column position; the SQLite arm is the row reader
/// of a sync's item rows ([`sqlite_rows::Row`]), with its checks.
pub enum WRow<'r, 's> {
    Any(&'r AnyRow),
    Sqlite(sqlite_rows::Row<'r, 's>),
}

impl WRow<'_, '_> {
    pub fn text(&self, i: usize) -> Result<String, sqlx::Error> {
        match self {
            WRow::Any(r) => r.try_get(i),
            WRow::Sqlite(r) => r.text(i).map(str::to_owned),
        }
    }

    pub fn opt_int(&self, i: usize) -> Result<Option<i64>, sqlx::Error> {
        match self {
            WRow::Any(r) => r.try_get(i),
            WRow::Sqlite(r) => r.opt_int(i),
        }
    }

    pub fn int(&self, i: usize) -> Result<i64, sqlx::Error> {
        match self {
            WRow::Any(r) => r.try_get(i),
            WRow::Sqlite(r) => r.int(i),
        }
    }
}

fn any_query<'q>(
    sql: &'q str,
    args: &[Arg<'q>],
) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>> {
    let mut q = sqlx::query(sql);
    for a in args {
        q = match *a {
            Arg::Text(s) => q.bind(s),
            Arg::Int(n) => q.bind(n),
            Arg::OptInt(n) => q.bind(n),
        };
    }
    q
}

/// Prepares (or takes from the cache) `sql` and binds `args`: parameter
/// `$N` gets `args[N - 1]`; a name that is not `$N` or `?N` for a given
/// argument is an error, never a silent NULL.
fn sqlite_stmt<'c>(
    conn: &'c rusqlite::Connection,
    sql: &str,
    args: &[Arg<'_>],
) -> Result<rusqlite::CachedStatement<'c>, sqlx::Error> {
    let mut stmt = conn.prepare_cached(sql).map_err(sqlite_error)?;
    for i in 1..=stmt.parameter_count() {
        let arg = stmt
            .parameter_name(i)
            .and_then(|name| name.get(1..))
            .and_then(|n| n.parse::<usize>().ok())
            .and_then(|n| n.checked_sub(1))
            .and_then(|n| args.get(n).copied())
            .ok_or_else(|| sqlx::Error::Protocol(format!("parameter {i} of {sql:?} not bound")))?;
        match arg {
            Arg::Text(s) => stmt.raw_bind_parameter(i, s),
            Arg::Int(n) => stmt.raw_bind_parameter(i, n),
            Arg::OptInt(n) => stmt.raw_bind_parameter(i, n),
        }
        .map_err(sqlite_error)?;
    }
    Ok(stmt)
}

fn sqlite_execute(
    conn: &rusqlite::Connection,
    sql: &str,
    args: &[Arg<'_>],
) -> Result<u64, sqlx::Error> {
    let n = sqlite_stmt(conn, sql, args)?
        .raw_execute()
        .map_err(sqlite_error)?;
    Ok(u64::try_from(n).unwrap_or(u64::MAX))
}

fn sqlite_fetch<T>(
    conn: &rusqlite::Connection,
    sql: &str,
    args: &[Arg<'_>],
    mut f: impl FnMut(&WRow<'_, '_>) -> Result<T, sqlx::Error>,
) -> Result<Vec<T>, sqlx::Error> {
    let mut stmt = sqlite_stmt(conn, sql, args)?;
    let mut rows = stmt.raw_query();
    let mut out = Vec::new();
    while let Some(r) = rows.next().map_err(sqlite_error)? {
        out.push(f(&WRow::Sqlite(sqlite_rows::Row(r)))?);
    }
    Ok(out)
}

/// The first row only; the statement is reset when it is dropped.
fn sqlite_first<T>(
    conn: &rusqlite::Connection,
    sql: &str,
    args: &[Arg<'_>],
    f: impl FnOnce(&WRow<'_, '_>) -> Result<T, sqlx::Error>,
) -> Result<Option<T>, sqlx::Error> {
    let mut stmt = sqlite_stmt(conn, sql, args)?;
    let mut rows = stmt.raw_query();
    match rows.next().map_err(sqlite_error)? {
        Some(r) => f(&WRow::Sqlite(sqlite_rows::Row(r))).map(Some),
        None => Ok(None),
    }
}

impl WriteConn<'_> {
    /// The same connection for a shorter borrow, to hand to a callee by value.
    pub fn reborrow(&mut self) -> WriteConn<'_> {
        match self {
            WriteConn::Any(tx) => WriteConn::Any(tx),
            WriteConn::Sqlite(c) => WriteConn::Sqlite(c),
        }
    }

    /// Runs a statement that returns no rows; the number of rows it changed.
    pub async fn execute(&mut self, sql: &str, args: &[Arg<'_>]) -> Result<u64, sqlx::Error> {
        match self {
            WriteConn::Any(tx) => Ok(any_query(sql, args)
                .execute(&mut ***tx)
                .await?
                .rows_affected()),
            WriteConn::Sqlite(c) => sqlite_execute(c, sql, args),
        }
    }

    /// The first row, if any, through `f`.
    pub async fn fetch_optional<T>(
        &mut self,
        sql: &str,
        args: &[Arg<'_>],
        f: impl FnOnce(&WRow<'_, '_>) -> Result<T, sqlx::Error>,
    ) -> Result<Option<T>, sqlx::Error> {
        match self {
            WriteConn::Any(tx) => any_query(sql, args)
                .fetch_optional(&mut ***tx)
                .await?
                .as_ref()
                .map(|r| f(&WRow::Any(r)))
                .transpose(),
            WriteConn::Sqlite(c) => sqlite_first(c, sql, args, f),
        }
    }

    /// Every row, each through `f`.
    pub async fn fetch_all<T>(
        &mut self,
        sql: &str,
        args: &[Arg<'_>],
        mut f: impl FnMut(&WRow<'_, '_>) -> Result<T, sqlx::Error>,
    ) -> Result<Vec<T>, sqlx::Error> {
        match self {
            WriteConn::Any(tx) => any_query(sql, args)
                .fetch_all(&mut ***tx)
                .await?
                .iter()
                .map(|r| f(&WRow::Any(r)))
                .collect(),
            WriteConn::Sqlite(c) => sqlite_fetch(c, sql, args, f),
        }
    }

    /// Allocates one more change sequence number (see [`super::next_seq`]).
    pub async fn next_seq(&mut self) -> Result<i64, sqlx::Error> {
        self.fetch_optional(
            "UPDATE counters SET value = value + 1 WHERE name = 'seq' RETURNING value",
            &[],
            |r| r.int(0),
        )
        .await?
        .ok_or(sqlx::Error::RowNotFound)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    /// Binds by the number in `$N`, as sqlx does, not by order of appearance;
    /// a `$N` without an argument is an error, not NULL.
    #[test]
    fn sqlite_binds_by_parameter_number() {
        let c = rusqlite::Connection::open_in_memory().unwrap();
        let args = [Arg::Text("a"), Arg::Int(2), Arg::OptInt(None)];
        let row = sqlite_fetch(&c, "SELECT $2, $1, $3, $2", &args, |r| {
            Ok((r.int(0)?, r.text(1)?, r.opt_int(2)?, r.int(3)?))
        })
        .unwrap();
        assert_eq!(row, [(2, "a".to_string(), None, 2)]);
        assert!(sqlite_fetch(&c, "SELECT $4", &args, |r| r.int(0)).is_err());
        assert!(sqlite_fetch(&c, "SELECT $0", &args, |r| r.int(0)).is_err());
        assert!(sqlite_fetch(&c, "SELECT :x", &args, |r| r.int(0)).is_err());
        // Cached statements come back with fresh bindings.
        let n = sqlite_fetch(
            &c,
            "SELECT $2, $1, $3, $2",
            &[Arg::Text("b"), Arg::Int(7), Arg::OptInt(Some(1))],
            |r| Ok((r.int(0)?, r.text(1)?, r.opt_int(2)?)),
        )
        .unwrap();
        assert_eq!(n, [(7, "b".to_string(), Some(1))]);
    }

    #[test]
    fn sqlite_execute_counts_changes() {
        let c = rusqlite::Connection::open_in_memory().unwrap();
        c.execute_batch(
            "CREATE TABLE t (k TEXT, v BIGINT); INSERT INTO t VALUES ('x', 1), ('x', 2), ('y', 3);",
        )
        .unwrap();
        let n = sqlite_execute(
            &c,
            "UPDATE t SET v = v + $2 WHERE k = $1",
            &[Arg::Text("x"), Arg::Int(10)],
        )
        .unwrap();
        assert_eq!(n, 2);
        let v = sqlite_fetch(&c, "SELECT v FROM t ORDER BY v", &[], |r| r.int(0)).unwrap();
        assert_eq!(v, [3, 11, 12]);
        // A row-returning statement is not an execute.
        assert!(sqlite_execute(&c, "SELECT 1", &[]).is_err());
    }

    #[test]
    fn sqlite_first_reads_one_row_or_none() {
        let c = rusqlite::Connection::open_in_memory().unwrap();
        c.execute_batch("CREATE TABLE t (v BIGINT); INSERT INTO t VALUES (1), (2);")
            .unwrap();
        let first = sqlite_first(&c, "SELECT v FROM t ORDER BY v", &[], |r| r.int(0));
        assert_eq!(first.unwrap(), Some(1));
        let none = sqlite_first(&c, "SELECT v FROM t WHERE v > $1", &[Arg::Int(5)], |r| {
            r.int(0)
        });
        assert_eq!(none.unwrap(), None);
        // A statement left after its first row is reset for the next use.
        let again = sqlite_first(&c, "SELECT v FROM t ORDER BY v", &[], |r| r.int(0));
        assert_eq!(again.unwrap(), Some(1));
    }
}
