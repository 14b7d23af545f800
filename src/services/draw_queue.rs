//! Draws wait here for their turn and are drawn in batches. The first waiting draw to find no
//! batch under way takes every draw queued by then (up to [`MAX_BATCH`]) and draws them in one
//! transaction (`panels::draw_queued`), answering each; the others wait for their answers.
//! Under a burst, N draws then cost one transaction, one reading of the pool's standing and
//! multi-row inserts (`services::chunk_sizes`) instead of N of each; a lone draw goes
//! straight through.
//!
//! The batch runs in a task of its own, which holds the turn until it is done: a request that
//! goes away mid-batch takes nobody's draw with it, and the next batch starts after it.
//!
//! That task runs on the runtime the state was built on (the server's main runtime, whose
//! threads the HTTP workers leave idle), not on an HTTP worker's, where it would wait behind
//! every request the worker serves at each statement. On PostgreSQL it also has connections
//! of its own, opened on that runtime: a socket is watched by the runtime that opened it, and
//! a busy HTTP worker would pass on the database's answers late.

use std::sync::{Arc, Mutex, MutexGuard};

use sea_orm::{DatabaseConnection, DbBackend};
use tokio::sync::{OnceCell, oneshot};

use super::Services;
use super::panels::{DrawJob, DrawnPanel, draw_queued};
use crate::error::{AppError, AppResult};

/// The most draws one transaction takes.
pub const MAX_BATCH: usize = 32;

/// The queue's own PostgreSQL connections: one batch runs at a time, a spare covers a
/// connection lost mid-batch.
const OWN_CONNECTIONS: u32 = 2;

type Answer = oneshot::Sender<AppResult<DrawnPanel>>;

#[derive(Clone, Default)]
pub struct DrawQueue {
    waiting: Arc<Mutex<Vec<(DrawJob, Answer)>>>,
    turn: Arc<tokio::sync::Mutex<()>>,
    /// Where batches run (see the module doc).
    runtime: Option<tokio::runtime::Handle>,
    /// PostgreSQL: the connections batches use, opened by the first batch.
    own_db: Arc<OnceCell<DatabaseConnection>>,
}

impl DrawQueue {
    /// A queue whose batches run on the current runtime, if there is one.
    pub fn new() -> DrawQueue {
        DrawQueue {
            runtime: tokio::runtime::Handle::try_current().ok(),
            ..Default::default()
        }
    }

    fn waiting(&self) -> MutexGuard<'_, Vec<(DrawJob, Answer)>> {
        // A poisoned queue still holds whole entries: a push or a drain cannot half-happen.
        self.waiting.lock().unwrap_or_else(|e| e.into_inner())
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
            let batch: Vec<(DrawJob, Answer)> = {
                let mut waiting = self.waiting();
                let n = waiting.len().min(MAX_BATCH);
                waiting.drain(..n).collect()
            };
            if batch.is_empty() {
                // Our draw was in the batch that just ended: its answer is in.
                continue;
            }
            let s = s.clone();
            let own_db = self.own_db.clone();
            let batch = async move {
                let _turn = turn;
                let (jobs, answers): (Vec<DrawJob>, Vec<Answer>) = batch.into_iter().unzip();
                let results = match connection(&s, &own_db).await {
                    Ok(db) => draw_queued(&s, db, &jobs).await,
                    Err(err) => {
                        tracing::warn!(error = %err, "the draw queue cannot connect");
                        jobs.iter().map(|_| Err(AppError::Unavailable)).collect()
                    }
                };
                for (answer, result) in answers.into_iter().zip(results) {
                    // The asker may have gone away; the draw stands all the same.
                    let _ = answer.send(result);
                }
            };
            let batch = match &self.runtime {
                Some(runtime) => runtime.spawn(batch),
                None => tokio::spawn(batch),
            };
            // A panic in the batch drops its answers: their waiters hear of it above.
            let _ = batch.await;
        }
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
