//! Drawing queued draws: together in one transaction, each seeing in memory the seats taken
//! by those before it, or one by one when the batch loses a race.

use sea_orm::DatabaseConnection;
use uuid::Uuid;

use super::DrawnPanel;
use super::facts::{BatchReads, FastSet, read_batch};
use super::request::{DrawJob, check_open};
use super::staging::{StagedDraw, stage_draw};
use super::writes::{Attempt, Failure, RoundToWrite, retrying, write_rounds};
use crate::db::begin_write;
use crate::domain::ReviewKind;
use crate::error::{AppError, AppResult};
use crate::services::Services;

/// Draws queued panels, answering each in queue order: together in one transaction, or,
/// when that loses a race with another writer, one by one as single draws.
pub(super) async fn draw_queued(
    s: &Services,
    db: &DatabaseConnection,
    jobs: &[DrawJob],
) -> Vec<AppResult<DrawnPanel>> {
    if jobs.len() > 1 {
        match draw_together(s, db, jobs).await {
            Ok(answers) => return answers,
            Err(Failure::LostRace) => {
                for job in jobs {
                    s.metrics.observe_draw(job.setting.kind.as_str(), "retried");
                }
            }
            // With the database away, each draw alone would only wait for it again.
            Err(Failure::Error(AppError::Unavailable)) => {
                return jobs.iter().map(|_| Err(AppError::Unavailable)).collect();
            }
            // Anything else may be one draw's own: each meets it, or not, on its own.
            Err(Failure::Error(_)) => {}
        }
    }
    let mut answers = Vec::with_capacity(jobs.len());
    for job in jobs {
        answers.push(draw_alone(s, db, job).await);
    }
    answers
}

/// One draw in its own transaction; a lost race draws again with fresh eligibility (and the
/// same committed random bytes).
async fn draw_alone(s: &Services, db: &DatabaseConnection, job: &DrawJob) -> AppResult<DrawnPanel> {
    let mut answers = retrying(s.metrics.as_ref(), job.setting.kind.as_str(), || {
        draw_together(s, db, std::slice::from_ref(job))
    })
    .await?;
    answers
        .pop()
        .unwrap_or_else(|| Err(AppError::internal("a draw gave no answer")))
}

/// Draws `jobs` in one transaction, in order, each seeing the seats taken by those before
/// it, with a fixed number of statements whatever their number. A draw that cannot be made
/// (too few candidates, its review no longer open or drawn already) gets its error and
/// writes nothing; the others are written together.
async fn draw_together(
    s: &Services,
    db: &DatabaseConnection,
    jobs: &[DrawJob],
) -> Attempt<Vec<AppResult<DrawnPanel>>> {
    let started = std::time::Instant::now();
    let txn = begin_write(db).await?;
    let reads = read_batch(s, &txn, jobs).await?;
    let index = reads.index.clone();
    let read = started.elapsed();
    let (answers, staged) = stage_batch(jobs, reads);
    if staged.is_empty() {
        return Ok(answers);
    }
    let staged_at = started.elapsed();
    let drawn_count = staged.len();
    let mut panels = Vec::with_capacity(drawn_count);
    let mut rounds = Vec::with_capacity(drawn_count);
    for (job, draw) in staged {
        rounds.push(RoundToWrite {
            round: draw.round,
            viewer: &job.viewer,
            operation: "drawPanel",
            entity_type: "Panel",
            entity_id: draw.panel.id.to_string(),
            facts: job.setting.review_facts(),
        });
        panels.push(draw.panel);
    }
    write_rounds(&txn, &index, s.config.seat_cap, panels, rounds).await?;
    let written = started.elapsed();
    txn.commit().await?;
    // The pool's snapshot is stored now: later rounds need not write it again.
    index.mark_snapshot_stored();
    s.metrics.observe_draw_batch(drawn_count);
    // Where a batch's time goes (RUST_LOG=cleanprod::services::draw=debug).
    tracing::debug!(
        draws = drawn_count,
        read_us = read.as_micros(),
        drawn_us = (staged_at - read).as_micros(),
        written_us = (written - staged_at).as_micros(),
        committed_us = (started.elapsed() - written).as_micros(),
        "batch of draws"
    );
    Ok(answers)
}

/// Stages each job in queue order, each seeing the seats those before it took: the answers
/// (in job order) and the draws to write.
fn stage_batch(
    jobs: &[DrawJob],
    reads: BatchReads,
) -> (Vec<AppResult<DrawnPanel>>, Vec<(&DrawJob, StagedDraw)>) {
    let BatchReads {
        reviews,
        mut drawn,
        index,
        mut facts,
        mut earlier,
    } = reads;
    let nobody = FastSet::default();
    let mut answers = Vec::with_capacity(jobs.len());
    let mut staged = Vec::new();
    for job in jobs {
        let id: Uuid = job.setting.review.id;
        let audit_id = job.setting.audit.id;
        let outcome = match reviews.get(&id) {
            None => Err(AppError::not_found("Review", id)),
            Some(review) => check_open(review).and_then(|()| {
                if drawn.contains(&id) {
                    return Err(AppError::conflict(
                        "the review already has a panel; replace declined seats instead",
                    ));
                }
                stage_draw(
                    job,
                    review,
                    &index,
                    &facts,
                    earlier.get(&audit_id).unwrap_or(&nobody),
                )
            }),
        };
        match outcome {
            Ok(draw) => {
                drawn.insert(id);
                let seats = &draw.round.seats;
                for seat in seats {
                    facts.take(seat.expert_id, seat.review_date);
                }
                if job.setting.kind != ReviewKind::Recheck
                    && let Some(sat) = earlier.get_mut(&audit_id)
                {
                    sat.extend(seats.iter().map(|seat| seat.expert_id));
                }
                let mut seats = seats.clone();
                seats.sort_by_key(|seat| (seat.slot_index, seat.id));
                answers.push(Ok(DrawnPanel {
                    panel: draw.panel.clone(),
                    seats,
                }));
                staged.push((job, draw));
            }
            Err(err) => answers.push(Err(err)),
        }
    }
    (answers, staged)
}
