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

use std::future::Future;
use std::pin::Pin;

use sqlx::AnyPool;
use tokio::sync::{mpsc, oneshot};

use super::{next_seq, Tx};
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

type DoneFuture<'c> = Pin<Box<dyn Future<Output = Done> + Send + 'c>>;
type Job = Box<dyn for<'c> FnOnce(&'c mut Tx, i64) -> DoneFuture<'c> + Send>;

/// Boxes a job; going through a bound (not `Box::new` directly) lets the
/// compiler infer the closure's higher-ranked signature.
fn job<F>(f: F) -> Job
where
    F: for<'c> FnOnce(&'c mut Tx, i64) -> DoneFuture<'c> + Send + 'static,
{
    Box::new(f)
}

#[derive(Clone, Debug)]
pub struct GroupCommit {
    queue: mpsc::Sender<Job>,
}

impl GroupCommit {
    /// Starts the writer task on the current tokio runtime. It ends when the
    /// last `GroupCommit` handle is dropped.
    pub fn start(writer: AnyPool) -> GroupCommit {
        let (queue, rx) = mpsc::channel(QUEUE);
        tokio::spawn(run(writer, rx));
        GroupCommit { queue }
    }

    /// Runs `f` inside the next batch with a fresh change sequence number and
    /// returns its result once the batch is durable.
    pub async fn write<T, F>(&self, f: F) -> ApiResult<T>
    where
        T: Send + 'static,
        F: for<'c> FnOnce(&'c mut Tx, i64) -> JobFuture<'c, T> + Send + 'static,
    {
        let (reply, wait) = oneshot::channel::<ApiResult<T>>();
        let job = job(move |tx, seq| {
            Box::pin(async move {
                match f(tx, seq).await {
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

async fn run(writer: AnyPool, mut rx: mpsc::Receiver<Job>) {
    let mut batch = Vec::with_capacity(MAX_BATCH);
    // recv_many waits for at least one job, then takes whatever else queued
    // up while the previous batch was being committed.
    while rx.recv_many(&mut batch, MAX_BATCH).await > 0 {
        if let Err(e) = run_batch(&writer, batch.drain(..)).await {
            tracing::error!(error = %e, "group commit failed; the batch was rolled back");
        }
    }
}

async fn run_batch(writer: &AnyPool, jobs: impl Iterator<Item = Job>) -> Result<(), sqlx::Error> {
    let mut tx = writer.begin_with("BEGIN IMMEDIATE").await?;
    let mut kept = Vec::new();
    for job in jobs {
        sqlx::query("SAVEPOINT job").execute(&mut *tx).await?;
        let done = match next_seq(&mut tx).await {
            Ok(seq) => job(&mut tx, seq).await,
            Err(e) => {
                tracing::error!(error = %e, "allocating a seq failed");
                // Dropping the job drops its reply: the caller gets a 500.
                Done {
                    keep: false,
                    answer: Box::new(|| ()),
                }
            }
        };
        if done.keep {
            sqlx::query("RELEASE job").execute(&mut *tx).await?;
            kept.push(done.answer);
        } else {
            // A failed statement may already have ended the whole
            // transaction (SQLITE_FULL, SQLITE_IOERR...): then this fails
            // and the batch is abandoned.
            sqlx::query("ROLLBACK TO job").execute(&mut *tx).await?;
            sqlx::query("RELEASE job").execute(&mut *tx).await?;
            (done.answer)();
        }
    }
    tx.commit().await?;
    for answer in kept {
        answer();
    }
    Ok(())
}
