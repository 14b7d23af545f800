//! Draws wait here for their turn and are drawn in batches. The first waiting draw to find no
//! batch under way takes every draw queued by then (up to [`MAX_BATCH`]) and draws them in one
//! transaction (`batch::draw_queued`), answering each; the others wait for their answers.
//! Under a burst, N draws then cost one transaction, one reading of the pool's standing and
//! bulk inserts (`services::bulk`) instead of N of each; a lone draw goes straight through.
//!
//! The batch runs in a task of its own, which holds the turn until it is done: a request that
//! goes away mid-batch takes nobody's draw with it. The task then takes the draws queued
//! meanwhile as the next batch, and so on until none wait; only then does the turn pass.
//!
//! That task runs on the runtime the state was built on (the server's main runtime, whose
//! threads the HTTP workers leave idle), not on an HTTP worker's, where it would wait behind
//! every request the worker serves at each statement. On PostgreSQL it also has connections
//! of its own, opened on that runtime: a socket is watched by the runtime that opened it, and
//! a busy HTTP worker would pass on the database's answers late.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use sea_orm::{DatabaseConnection, DbBackend, TransactionTrait};
use tokio::sync::{OnceCell, oneshot};

use super::DrawnPanel;
use super::batch::draw_queued;
use super::request::DrawJob;
use crate::error::{AppError, AppResult};
use crate::services::Services;

/// The most draws one transaction takes.
pub const MAX_BATCH: usize = 32;

/// The queue's own PostgreSQL connections: one batch runs at a time, a spare covers a
/// connection lost mid-batch.
const OWN_CONNECTIONS: u32 = 2;

type Answer = oneshot::Sender<AppResult<DrawnPanel>>;
type Queued = (DrawJob, Answer);

#[derive(Clone, Default)]
pub struct DrawQueue {
    waiting: Arc<Mutex<Vec<Queued>>>,
    turn: Arc<tokio::sync::Mutex<()>>,
    /// Where batches run (see the module doc).
    runtime: Option<tokio::runtime::Handle>,
    /// PostgreSQL: the connections batches use, opened by the first batch.
    own_db: Arc<OnceCell<DatabaseConnection>>,
    /// Set while [`DrawQueue::preparing`] runs: `/readyz` holds traffic off until it is done.
    warming: Arc<AtomicBool>,
}

/// Clears the warming flag when preparation ends, however it ends.
struct Warmed(Arc<AtomicBool>);

impl Drop for Warmed {
    fn drop(&mut self) {
        self.0.store(false, Ordering::Release);
    }
}

impl DrawQueue {
    /// A queue whose batches run on the current runtime, if there is one.
    pub fn new() -> DrawQueue {
        DrawQueue {
            runtime: tokio::runtime::Handle::try_current().ok(),
            ..Default::default()
        }
    }

    /// Whether the queue is still reading the pool ahead of the first draw.
    pub fn is_warming(&self) -> bool {
        self.warming.load(Ordering::Acquire)
    }

    /// Marks the queue as warming at once and gives the work that ends it: opening the
    /// queue's connections, reading (and indexing) the expert pool and rehearsing a batch's
    /// reads on each connection ahead of the first draw. Without it the first draws pay for
    /// all three: 150–270 ms at the head of the benchmark's burst, and a second instance
    /// behind a balancer drew its first panels at two to three times the warm latency. Best
    /// effort: what fails here is answered for the caller to log and left to the first batch,
    /// which tries again; the instance becomes ready all the same.
    pub fn preparing(&self, s: &Services) -> impl Future<Output = AppResult<()>> + Send + 'static {
        self.warming.store(true, Ordering::Release);
        let warmed = Warmed(self.warming.clone());
        let queue = self.clone();
        let s = s.clone();
        async move {
            let _warmed = warmed;
            queue.prepare(&s).await
        }
    }

    async fn prepare(&self, s: &Services) -> AppResult<()> {
        let db = connection(s, &self.own_db).await?;
        let pool = crate::services::expert_pool::current(db, &s.expert_pool).await?;
        drop(s.draw_index.of(pool));
        // On each of the queue's connections at once (each rehearsal holds one), so that
        // whichever a batch gets has the reads prepared.
        let cap = s.config.seat_cap;
        let rehearsals = (0..OWN_CONNECTIONS).map(|_| rehearse(db, cap));
        futures_util::future::join_all(rehearsals)
            .await
            .into_iter()
            .collect()
    }

    fn waiting(&self) -> MutexGuard<'_, Vec<Queued>> {
        lock_waiting(&self.waiting)
    }

    /// Queues the draw and answers it once drawn, by this request's batch or another's.
    pub(super) async fn draw(&self, s: &Services, job: DrawJob) -> AppResult<DrawnPanel> {
        let (answer, mut answered) = oneshot::channel();
        self.waiting().push((job, answer));
        loop {
            let turn = tokio::select! {
                biased;
                answer = &mut answered => {
                    return answer.unwrap_or_else(|_| {
                        Err(AppError::internal("a queued draw was dropped unanswered"))
                    });
                }
                turn = self.turn.clone().lock_owned() => turn,
            };
            let first = next_batch(&self.waiting);
            if first.is_empty() {
                // Our draw was in a batch that has ended: its answer is in.
                continue;
            }
            let s = s.clone();
            let own_db = self.own_db.clone();
            let waiting = self.waiting.clone();
            let batches = async move {
                let _turn = turn;
                let mut batch = first;
                // Draws queued while a batch runs go next, in this task, until none wait:
                // handing the turn on would cost a wake-up of a waiter on its HTTP worker
                // and a new task for every batch.
                while !batch.is_empty() {
                    run_batch(&s, &own_db, batch).await;
                    batch = next_batch(&waiting);
                }
            };
            // Not awaited: this request's answer comes with the first batch, and the task
            // may go on for as long as draws keep coming. A panic in a batch drops its
            // answers (and the turn): their waiters hear of it above.
            match &self.runtime {
                Some(runtime) => drop(runtime.spawn(batches)),
                None => drop(tokio::spawn(batches)),
            }
        }
    }
}

fn lock_waiting(waiting: &Mutex<Vec<Queued>>) -> MutexGuard<'_, Vec<Queued>> {
    // A poisoned queue still holds whole entries: a push or a drain cannot half-happen.
    waiting.lock().unwrap_or_else(|e| e.into_inner())
}

/// A batch's reads, for nobody, in a transaction of their own (one connection) that is
/// rolled back: a new instance's first draws then find them prepared. Without it a second
/// instance's first batches read in 7–14 ms instead of 1–3, preparing (and, on PostgreSQL,
/// planning) each statement in each of its shapes.
async fn rehearse(db: &DatabaseConnection, cap: u32) -> AppResult<()> {
    let txn = db.begin().await?;
    super::facts::rehearse_reads(&txn, cap).await?;
    txn.rollback().await?;
    Ok(())
}

/// The draws that go next: the longest waiting, up to [`MAX_BATCH`].
fn next_batch(waiting: &Mutex<Vec<Queued>>) -> Vec<Queued> {
    let mut waiting = lock_waiting(waiting);
    let n = waiting.len().min(MAX_BATCH);
    waiting.drain(..n).collect()
}

/// Draws one batch and answers each of its draws.
async fn run_batch(s: &Services, own_db: &OnceCell<DatabaseConnection>, batch: Vec<Queued>) {
    let (jobs, answers): (Vec<DrawJob>, Vec<Answer>) = batch.into_iter().unzip();
    let results = match connection(s, own_db).await {
        Ok(db) => draw_queued(s, db, &jobs).await,
        Err(err) => {
            tracing::warn!(error = %err, "the draw queue cannot connect");
            jobs.iter().map(|_| Err(AppError::Unavailable)).collect()
        }
    };
    for (answer, result) in answers.into_iter().zip(results) {
        // The asker may have gone away; the draw stands all the same.
        let _ = answer.send(result);
    }
}

/// The connection pool batches draw with: the shared one on SQLite (whose connections live on
/// threads of their own), the queue's own on PostgreSQL.
async fn connection<'a>(
    s: &'a Services,
    own_db: &'a OnceCell<DatabaseConnection>,
) -> Result<&'a DatabaseConnection, sea_orm::DbErr> {
    if s.db.get_database_backend() != DbBackend::Postgres {
        return Ok(&s.db);
    }
    own_db
        .get_or_try_init(|| crate::db::connect_with(&s.config.database_url, Some(OWN_CONNECTIONS)))
        .await
}
