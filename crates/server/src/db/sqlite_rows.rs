//! Rows straight from SQLite, for the one read where sqlx's SQLite driver
//! costs more than the query itself: the item rows of a sync.
//!
//! sqlx runs every SQLite connection on a worker thread and sends each row
//! to the async task through a channel, after copying every column
//! (`sqlite3_value_dup`, one or two mallocs each); the task frees them on
//! the other thread. For 10 000 items that was ~80 ms of CPU on the worker
//! alone, mostly malloc, mutex and futex wake-ups, against 13-32 ms for the
//! same SELECT in the sqlite3 shell (perf, docs/BENCHMARKS.md § Server,
//! 2026-12-03). Here rusqlite reads the rows on the caller's thread and
//! lends each column where SQLite keeps it, so the caller writes it into
//! the response with no copy per row.
//!
//! The connection is sqlx's (`SqliteConnection::lock_handle`): while the
//! [`LockedSqliteHandle`] lives, sqlx guarantees its worker makes no call
//! on that handle, and rusqlite borrows it without taking ownership.
//! rusqlite 0.32 links the same `libsqlite3-sys` (0.30) as sqlx 0.8.6; a
//! second copy could not link (both declare `links = "sqlite3"`).

use rusqlite::types::ValueRef;
use sqlx::sqlite::LockedSqliteHandle;

/// The current row of a query; only lent to the callback of [`query_each`]
/// (and, wrapped in `write_conn::WRow`, to a write job's row reader).
pub struct Row<'a, 'stmt>(pub(super) &'a rusqlite::Row<'stmt>);

fn column_error(i: usize, what: &str) -> sqlx::Error {
    sqlx::Error::ColumnDecode {
        index: i.to_string(),
        source: what.into(),
    }
}

pub(crate) fn sqlite_error(e: rusqlite::Error) -> sqlx::Error {
    sqlx::Error::Protocol(format!("sqlite: {e}"))
}

impl Row<'_, '_> {
    fn value(&self, i: usize) -> Result<ValueRef<'_>, sqlx::Error> {
        self.0
            .get_ref(i)
            .map_err(|_| column_error(i, "no such column"))
    }

    /// A TEXT column, as stored (checked to be UTF-8, as sqlx checks it).
    pub fn text(&self, i: usize) -> Result<&str, sqlx::Error> {
        match self.value(i)? {
            ValueRef::Text(b) => std::str::from_utf8(b).map_err(|_| column_error(i, "not UTF-8")),
            _ => Err(column_error(i, "expected TEXT")),
        }
    }

    /// An INTEGER column that may be NULL.
    pub fn opt_int(&self, i: usize) -> Result<Option<i64>, sqlx::Error> {
        match self.value(i)? {
            ValueRef::Null => Ok(None),
            ValueRef::Integer(n) => Ok(Some(n)),
            _ => Err(column_error(i, "expected INTEGER")),
        }
    }

    /// An INTEGER column.
    pub fn int(&self, i: usize) -> Result<i64, sqlx::Error> {
        self.opt_int(i)?
            .ok_or_else(|| column_error(i, "unexpected NULL"))
    }
}

/// Runs `sql` with `$1` = `text` and, if given, `$2` = `int`, and calls
/// `each` with every row until it returns Ok(false) or an error.
pub fn query_each<F>(
    handle: &mut LockedSqliteHandle<'_>,
    sql: &str,
    text: &str,
    int: Option<i64>,
    mut each: F,
) -> Result<(), sqlx::Error>
where
    F: FnMut(&Row<'_, '_>) -> Result<bool, sqlx::Error>,
{
    // SAFETY: the handle is open and, while `handle` is borrowed here, used
    // by nobody else (sqlx's lock); `from_handle` never closes it, and the
    // Connection (with every statement prepared on it) is dropped before
    // this function returns, so nothing outlives the lock.
    let conn = unsafe { rusqlite::Connection::from_handle(handle.as_raw_handle().as_ptr()) }
        .map_err(sqlite_error)?;
    let mut stmt = conn.prepare(sql).map_err(sqlite_error)?;
    let mut rows = match int {
        Some(n) => stmt.query(rusqlite::params![text, n]),
        None => stmt.query([text]),
    }
    .map_err(sqlite_error)?;
    while let Some(r) = rows.next().map_err(sqlite_error)? {
        if !each(&Row(r))? {
            break;
        }
    }
    Ok(())
}
