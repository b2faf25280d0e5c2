//! Group commit for SQLite writes.
//!
//! With `synchronous=FULL` every COMMIT waits for an fsync of the WAL
//! (sqlite.org/pragma.html#pragma_synchronous), so one transaction per request
//! caps the server at one write per fsync (~530/s on this machine). Here
//! concurrent write requests are queued to ONE task that owns the write
//! connection. It takes every job waiting in the queue (up to `MAX_BATCH`),
//! runs each inside its own SAVEPOINT of one transaction, commits once (one
//! fsync for the whole batch), and only then acknowledges the jobs that
//! succeeded. Every job still does its own revision check, gets its own `seq`
//! and writes its own audit entry; a job that fails (409, 403, a database
//! error) is rolled back to its savepoint and answered at once, without
//! touching the others (sqlite.org/lang_savepoint.html).
//!
//! Durability is unchanged: nothing is acknowledged before the COMMIT that
//! contains it returned, i.e. after its fsync. If BEGIN, a savepoint or the
//! COMMIT fails, the whole batch is rolled back and every job not yet
//! answered is dropped, which its caller reports as a 500 (nothing of it
//! was stored).

//! Since 2026-12-03 a batch runs on its own rusqlite connection to the same
//! file, on a blocking thread, every statement with a cached prepared
//! statement (`write_conn.rs`): BEGIN, every savepoint and statement of every
//! job, and COMMIT cost one hand-over to that thread per batch instead of a
//! round trip to sqlx's worker thread per statement. While a batch runs, the
//! task holds the one connection of the `Any` writer pool, so a write
//! transaction outside group commit (`Db::write_tx`) and a batch never wait
//! for each other in SQLite's busy handler; they queue in-process.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

use sqlx::AnyPool;
use tokio::sync::{mpsc, oneshot};

use super::sqlite_rows::sqlite_error;
use super::write_conn::WriteConn;
use crate::error::{ApiError, ApiResult};

/// Jobs per transaction. Bounds the time a batch holds the write lock and the
/// work lost to a batch-wide failure.
pub const MAX_BATCH: usize = 256;

/// Queue length before writers wait for room (back-pressure, not an error).
const QUEUE: usize = 4096;

pub type JobFuture<'c, T> = Pin<Box<dyn Future<Output = ApiResult<T>> + Send + 'c>>;

/// What a finished job leaves: keep its savepoint or roll it back, and how to
/// answer its caller (called after the COMMIT for kept jobs).
struct Done {
    keep: bool,
    answer: Box<dyn FnOnce() + Send>,
}

impl Done {
    /// Rolled back, and its reply dropped: the caller gets a 500.
    fn failed() -> Done {
        Done {
            keep: false,
            answer: Box::new(|| ()),
        }
    }
}

type DoneFuture<'c> = Pin<Box<dyn Future<Output = Done> + Send + 'c>>;
type Job = Box<dyn for<'c> FnOnce(WriteConn<'c>, i64) -> DoneFuture<'c> + Send>;

/// Boxes a job; going through a bound (not `Box::new` directly) lets the
/// compiler infer the closure's higher-ranked signature.
fn job<F>(f: F) -> Job
where
    F: for<'c> FnOnce(WriteConn<'c>, i64) -> DoneFuture<'c> + Send + 'static,
{
    Box::new(f)
}

#[derive(Clone, Debug)]
pub struct GroupCommit {
    queue: mpsc::Sender<Job>,
}

impl GroupCommit {
    /// Starts the writer task on the current tokio runtime; batches run on
    /// `conn`, each while holding `lock`'s connection. It ends when the last
    /// `GroupCommit` handle is dropped.
    pub fn start(lock: AnyPool, conn: rusqlite::Connection) -> GroupCommit {
        let (queue, rx) = mpsc::channel(QUEUE);
        tokio::spawn(run(lock, conn, rx));
        GroupCommit { queue }
    }

    /// Runs `f` inside the next batch with a fresh change sequence number and
    /// returns its result once the batch is durable.
    pub async fn write<T, F>(&self, f: F) -> ApiResult<T>
    where
        T: Send + 'static,
        F: for<'c> FnOnce(WriteConn<'c>, i64) -> JobFuture<'c, T> + Send + 'static,
    {
        let (reply, wait) = oneshot::channel::<ApiResult<T>>();
        let job = job(move |conn, seq| {
            Box::pin(async move {
                match f(conn, seq).await {
                    Ok(v) => Done {
                        keep: true,
                        answer: Box::new(move || {
                            let _ = reply.send(Ok(v));
                        }),
                    },
                    Err(e) => Done {
                        keep: false,
                        answer: Box::new(move || {
                            let _ = reply.send(Err(e));
                        }),
                    },
                }
            })
        });
        if self.queue.send(job).await.is_err() {
            tracing::error!("group-commit writer task is gone");
            return Err(ApiError::internal());
        }
        // A dropped reply means the batch failed and was rolled back.
        wait.await.unwrap_or_else(|_| Err(ApiError::internal()))
    }
}

async fn run(lock: AnyPool, conn: rusqlite::Connection, mut rx: mpsc::Receiver<Job>) {
    let mut conn = Some(conn);
    let mut batch = Vec::with_capacity(MAX_BATCH);
    // recv_many waits for at least one job, then takes whatever else queued
    // up while the previous batch was being committed.
    while rx.recv_many(&mut batch, MAX_BATCH).await > 0 {
        let jobs = std::mem::replace(&mut batch, Vec::with_capacity(MAX_BATCH));
        // The in-process write lock (see the module comment). Failing to get
        // it drops the jobs: their callers get a 500, nothing was written.
        let held = match lock.acquire().await {
            Ok(c) => c,
            Err(e) => {
                tracing::error!(error = %e, "group commit: the write lock is unavailable");
                continue;
            }
        };
        let Some(mut c) = conn.take() else { break };
        let done = tokio::task::spawn_blocking(move || {
            let r = run_batch(&mut c, jobs);
            (c, r)
        })
        .await;
        drop(held);
        match done {
            Ok((c, r)) => {
                conn = Some(c);
                if let Err(e) = r {
                    tracing::error!(error = %e, "group commit failed; the batch was rolled back");
                }
            }
            Err(e) => {
                // Only a panic inside a batch could get here; its connection
                // is gone, and so is the writer (every later write: 500).
                tracing::error!(error = %e, "group-commit batch did not finish; writer stopped");
                break;
            }
        }
    }
}

/// Polls a job's future once. Over [`WriteConn::Sqlite`] it never waits for
/// anything, so it is ready at the first poll; if one ever were not, it is
/// treated as failed (dropped, rolled back to its savepoint) rather than
/// blocking the writer.
fn poll_once<T>(mut f: Pin<Box<dyn Future<Output = T> + Send + '_>>) -> Option<T> {
    match f.as_mut().poll(&mut Context::from_waker(Waker::noop())) {
        Poll::Ready(v) => Some(v),
        Poll::Pending => None,
    }
}

fn exec(conn: &rusqlite::Connection, sql: &str) -> Result<(), sqlx::Error> {
    conn.prepare_cached(sql)
        .and_then(|mut s| s.raw_execute())
        .map(|_| ())
        .map_err(sqlite_error)
}

/// One transaction: every job in its own savepoint, one COMMIT. On a
/// batch-wide failure the transaction is rolled back and the jobs not yet
/// answered are dropped (their callers get a 500).
fn run_batch(conn: &mut rusqlite::Connection, jobs: Vec<Job>) -> Result<(), sqlx::Error> {
    let r = (|| {
        exec(conn, "BEGIN IMMEDIATE")?;
        let mut kept = Vec::with_capacity(jobs.len());
        for job in jobs {
            exec(conn, "SAVEPOINT job")?;
            let seq = poll_once(Box::pin(WriteConn::Sqlite(&mut *conn).next_seq()));
            let done = match seq {
                Some(Ok(seq)) => {
                    poll_once(job(WriteConn::Sqlite(&mut *conn), seq)).unwrap_or_else(|| {
                        tracing::error!("a write job waited on the SQLite writer; rolled back");
                        Done::failed()
                    })
                }
                Some(Err(e)) => {
                    tracing::error!(error = %e, "allocating a seq failed");
                    Done::failed()
                }
                None => Done::failed(),
            };
            if done.keep {
                exec(conn, "RELEASE job")?;
                kept.push(done.answer);
            } else {
                // A failed statement may already have ended the whole
                // transaction (SQLITE_FULL, SQLITE_IOERR...): then this fails
                // and the batch is abandoned.
                exec(conn, "ROLLBACK TO job")?;
                exec(conn, "RELEASE job")?;
                (done.answer)();
            }
        }
        exec(conn, "COMMIT")?;
        Ok(kept)
    })();
    match r {
        Ok(kept) => {
            for answer in kept {
                answer();
            }
            Ok(())
        }
        Err(e) => {
            if !conn.is_autocommit() {
                if let Err(e) = exec(conn, "ROLLBACK") {
                    tracing::error!(error = %e, "group commit: ROLLBACK failed");
                }
            }
            Err(e)
        }
    }
}
