//! The verifiable draw of a review's panel (`rules::draw`) and its replacements (补抽),
//! recorded round by round for `verify-draw` (`rules::draw_record`).
//!
//! # The seams
//!
//! - [`request`]: the draw as asked for, and whether the viewer organises the review;
//! - [`facts`]: what eligibility reads from the database besides the pool;
//! - [`index`]: the draw's view of the pool (storage bytes, made once per revision);
//! - [`judging`]: eligibility for one review, judging only who can have a reason;
//! - [`staging`]: the pure core: eligibility, the seed, the seats, the round, its digests;
//! - [`writes`]: the statements, and the one way a draw says it lost a race;
//! - [`queue`] and [`batch`]: draws queued together and drawn in one transaction;
//! - [`replacement`]: a declined seat drawn again, staged and written like a first draw.
//!
//! # Eligibility
//!
//! Judged by `rules::eligibility` over the pool ([`judging`] finds the experts who can have
//! a reason, and judges them alone), loaded in a fixed number of queries
//! whatever its size: the experts' own columns, their sectors and kinds (the pool,
//! `expert_pool`), and, narrowed in SQL, the ties toward the enterprise and its
//! consultancy, the unavailability covering the date, the seats standing on that date, the
//! experts at the yearly cap and (rechecks) the earlier panels of the audit. Each round
//! stores its eligible list with the profiles, so it can be re-run.
//!
//! # Concurrency
//!
//! Several instances may draw at once on one PostgreSQL; the database holds the rules:
//! - a unique index on (expert, review date) over seats that stand: one panel a day;
//! - a counter row per expert and year raised by `INSERT … ON CONFLICT DO UPDATE … WHERE
//!   seats < cap` (a row lock): the cap;
//! - unique indexes on the panel's review, its round numbers, (panel, expert), (panel, slot)
//!   over standing seats, and the seat a replacement replaces.
//!
//! Within one instance, draws queue ([`queue`]) and those queued together are drawn in one
//! transaction, in order, each seeing in memory the seats taken before it ([`batch`]). A
//! batch that loses a race rolls back whole and its draws are drawn one by one. A draw that
//! loses a race (a unique violation, or a counter already at the cap) rolls back and starts
//! again with fresh eligibility and fresh randomness, at most [`MAX_ATTEMPTS`] times, then
//! answers CONFLICT. Locks are taken in one order everywhere — per expert in ascending id:
//! the counter row, then the seat; the audit-log head last — so two writers never wait on
//! each other in a cycle. On SQLite `BEGIN IMMEDIATE` serialises writers.

mod batch;
mod commitments;
mod facts;
mod index;
mod judging;
mod queue;
mod replacement;
mod request;
mod staging;
mod writes;

use entity::{panel, panel_seat};

pub use commitments::{open_draw, open_for};
pub use index::{DrawIndex, DrawIndexCache};
pub use queue::{DrawQueue, MAX_BATCH};
pub use replacement::replace_declined_seat;
pub use request::{DrawInput, check_nonce, default_slots, os_random};
pub use staging::NewSeat;
pub use writes::MAX_ATTEMPTS;

use crate::auth::Viewer;
use crate::error::{AppError, AppResult};
use crate::services::Services;
use request::DrawJob;

/// A panel just drawn, with its seats (in slot order), as the draw wrote them.
#[derive(Clone, Debug)]
pub struct DrawnPanel {
    pub panel: panel::Model,
    pub seats: Vec<panel_seat::Model>,
}

/// Draws the panel of a scheduled review (its organiser). Fails with INSUFFICIENT_CANDIDATES
/// when no valid panel exists, and writes nothing then.
pub async fn draw_panel(s: &Services, viewer: &Viewer, input: DrawInput) -> AppResult<DrawnPanel> {
    let job = DrawJob::checked(s, viewer, input).await?;
    let kind = job.setting.kind;
    let answer = s.draw_queue.draw(s, job).await;
    let outcome = match &answer {
        Ok(_) => "drawn",
        Err(AppError::InsufficientCandidates { .. }) => "insufficient_candidates",
        Err(AppError::Conflict(_)) => "conflict",
        Err(_) => "error",
    };
    s.metrics.observe_draw(kind.as_str(), outcome);
    answer
}
