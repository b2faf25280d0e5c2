//! Rows straight from SQLite's C API, for the one read where sqlx's SQLite
//! driver costs more than the query itself: the item rows of a sync.
//!
//! sqlx runs every SQLite connection on a worker thread and sends each row
//! to the async task through a channel, after copying every column
//! (`sqlite3_value_dup`, one or two mallocs each); the task frees them on
//! the other thread. For 10 000 items that was 70-80 ms of CPU on the worker
//! alone, mostly malloc, mutex and futex wake-ups, against 13-32 ms for
//! the same SELECT in the sqlite3 shell (perf, docs/BENCHMARKS.md § Server,
//! 2026-12-03). Here the caller borrows each column where SQLite keeps it
//! and writes it into the response, on one thread, with no copy per row.
//!
//! The connection comes from sqlx (`SqliteConnection::lock_handle`): while
//! the [`LockedSqliteHandle`] lives, sqlx guarantees its worker makes no call
//! on that handle. `libsqlite3-sys` must be the version sqlx links (a second
//! one cannot link: both declare `links = "sqlite3"`).

use std::ffi::{c_char, c_int, CStr};
use std::marker::PhantomData;
use std::ptr::{null_mut, NonNull};

use libsqlite3_sys as ffi;
use sqlx::sqlite::LockedSqliteHandle;

/// One prepared statement, finalized on drop.
struct Stmt {
    raw: NonNull<ffi::sqlite3_stmt>,
}

impl Drop for Stmt {
    fn drop(&mut self) {
        // SAFETY: `raw` came from sqlite3_prepare_v2 and is finalized once.
        unsafe {
            ffi::sqlite3_finalize(self.raw.as_ptr());
        }
    }
}

/// The current row of a statement; only lent to the callback of
/// [`query_each`], so nothing borrowed from it outlives the next step.
pub struct Row<'s> {
    stmt: *mut ffi::sqlite3_stmt,
    _stmt: PhantomData<&'s Stmt>,
}

fn column_error(i: usize, what: &str) -> sqlx::Error {
    sqlx::Error::ColumnDecode {
        index: i.to_string(),
        source: what.into(),
    }
}

impl Row<'_> {
    fn column_type(&self, i: usize) -> Result<c_int, sqlx::Error> {
        let col = c_int::try_from(i).map_err(|_| column_error(i, "index"))?;
        // SAFETY: `stmt` is a live statement positioned on a row (query_each
        // lends a Row only after SQLITE_ROW); an index past the last column
        // is answered with SQLITE_NULL, not undefined behaviour.
        Ok(unsafe { ffi::sqlite3_column_type(self.stmt, col) })
    }

    /// A TEXT column, as stored (checked to be UTF-8, as sqlx checks it).
    pub fn text(&self, i: usize) -> Result<&str, sqlx::Error> {
        if self.column_type(i)? != ffi::SQLITE_TEXT {
            return Err(column_error(i, "expected TEXT"));
        }
        let col = c_int::try_from(i).map_err(|_| column_error(i, "index"))?;
        // SAFETY: the column is TEXT, so sqlite3_column_text converts
        // nothing and returns SQLite's own buffer, valid until the next
        // step, reset or finalize, none of which can happen while this Row
        // is borrowed; sqlite3_column_bytes is called after it, as
        // sqlite.org/c3ref/column_blob.html asks.
        let bytes = unsafe {
            let p = ffi::sqlite3_column_text(self.stmt, col);
            let n = usize::try_from(ffi::sqlite3_column_bytes(self.stmt, col))
                .map_err(|_| column_error(i, "length"))?;
            if p.is_null() {
                if n != 0 {
                    return Err(column_error(i, "out of memory"));
                }
                &[][..]
            } else {
                std::slice::from_raw_parts(p, n)
            }
        };
        std::str::from_utf8(bytes).map_err(|_| column_error(i, "not UTF-8"))
    }

    /// An INTEGER column that may be NULL.
    pub fn opt_int(&self, i: usize) -> Result<Option<i64>, sqlx::Error> {
        match self.column_type(i)? {
            ffi::SQLITE_NULL => Ok(None),
            ffi::SQLITE_INTEGER => {
                let col = c_int::try_from(i).map_err(|_| column_error(i, "index"))?;
                // SAFETY: as in column_type; the value is an INTEGER.
                Ok(Some(unsafe { ffi::sqlite3_column_int64(self.stmt, col) }))
            }
            _ => Err(column_error(i, "expected INTEGER")),
        }
    }

    /// An INTEGER column.
    pub fn int(&self, i: usize) -> Result<i64, sqlx::Error> {
        self.opt_int(i)?
            .ok_or_else(|| column_error(i, "unexpected NULL"))
    }
}

fn sqlite_error(db: *mut ffi::sqlite3, rc: c_int) -> sqlx::Error {
    // SAFETY: `db` is the locked, open handle; sqlite3_errmsg returns a
    // NUL-terminated string owned by SQLite, copied before any other call.
    let msg = unsafe {
        let p = ffi::sqlite3_errmsg(db);
        if p.is_null() {
            String::new()
        } else {
            CStr::from_ptr(p).to_string_lossy().into_owned()
        }
    };
    sqlx::Error::Protocol(format!("sqlite error {rc}: {msg}"))
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
    F: FnMut(&Row<'_>) -> Result<bool, sqlx::Error>,
{
    let db = handle.as_raw_handle().as_ptr();
    let sql_len = c_int::try_from(sql.len()).map_err(|_| sqlx::Error::Protocol("sql".into()))?;
    let text_len =
        c_int::try_from(text.len()).map_err(|_| sqlx::Error::Protocol("parameter".into()))?;
    let mut raw: *mut ffi::sqlite3_stmt = null_mut();
    // SAFETY: `db` is open and ours while `handle` lives; `sql` is passed
    // with its length (no NUL needed); `raw` receives the statement.
    let rc = unsafe {
        ffi::sqlite3_prepare_v2(
            db,
            sql.as_ptr().cast::<c_char>(),
            sql_len,
            &mut raw,
            null_mut(),
        )
    };
    if rc != ffi::SQLITE_OK {
        return Err(sqlite_error(db, rc));
    }
    let stmt = Stmt {
        raw: NonNull::new(raw).ok_or_else(|| sqlx::Error::Protocol("empty statement".into()))?,
    };
    let s = stmt.raw.as_ptr();
    // SAFETY: binding to the live statement; SQLITE_TRANSIENT makes SQLite
    // copy `text` before returning.
    let rc = unsafe {
        ffi::sqlite3_bind_text(
            s,
            1,
            text.as_ptr().cast::<c_char>(),
            text_len,
            ffi::SQLITE_TRANSIENT(),
        )
    };
    if rc != ffi::SQLITE_OK {
        return Err(sqlite_error(db, rc));
    }
    if let Some(n) = int {
        // SAFETY: as above.
        let rc = unsafe { ffi::sqlite3_bind_int64(s, 2, n) };
        if rc != ffi::SQLITE_OK {
            return Err(sqlite_error(db, rc));
        }
    }
    loop {
        // SAFETY: stepping the live statement on the locked connection.
        match unsafe { ffi::sqlite3_step(s) } {
            ffi::SQLITE_ROW => {
                let row = Row {
                    stmt: s,
                    _stmt: PhantomData,
                };
                if !each(&row)? {
                    return Ok(());
                }
            }
            ffi::SQLITE_DONE => return Ok(()),
            rc => return Err(sqlite_error(db, rc)),
        }
    }
}
