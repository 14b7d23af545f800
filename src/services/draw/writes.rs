//! Writing staged draws inside the caller's transaction, and the one way a draw says it lost
//! a race ([`Failure::LostRace`]): another writer took a seat, a counter or the review
//! meanwhile, so the transaction rolls back and the draw starts again from fresh facts.

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::Utc;
use entity::{expert_pool_snapshot, expert_seat_count, panel, panel_draw, panel_seat};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, OnConflict, Query};
use sea_orm::{ConnectionTrait, DbErr, Set};
use uuid::Uuid;

use super::index::DrawIndex;
use super::staging::{StagedRound, round_digests, seats_taken};
use crate::auth::Viewer;
use crate::domain::NotificationKind;
use crate::error::{AppError, AppResult};
use crate::services::bulk::{insert_rows, insert_statements};
use crate::services::notifications::{self, Notice, Params, Recipient, ReviewFacts};
use crate::services::{ServiceMetrics, audit_log};

/// Tries of one draw before a race lost every time becomes a CONFLICT.
pub const MAX_ATTEMPTS: usize = 5;

/// Why a draw's transaction did not commit.
#[derive(Debug)]
pub(super) enum Failure {
    /// Lost a race with another writer: nothing was written; draw again.
    LostRace,
    Error(AppError),
}

/// A step of a draw's transaction.
pub(super) type Attempt<T> = Result<T, Failure>;

impl From<AppError> for Failure {
    fn from(err: AppError) -> Self {
        Failure::Error(err)
    }
}

impl From<DbErr> for Failure {
    /// A unique violation, a deadlock or a serialization failure is a lost race; anything
    /// else fails the draw.
    fn from(err: DbErr) -> Self {
        if is_race(&err) {
            Failure::LostRace
        } else {
            Failure::Error(err.into())
        }
    }
}

fn is_race(err: &DbErr) -> bool {
    if matches!(
        err.sql_err(),
        Some(sea_orm::SqlErr::UniqueConstraintViolation(_))
    ) {
        return true;
    }
    // PostgreSQL deadlock or serialization failure: the transaction can simply be retried.
    if let DbErr::Exec(sea_orm::RuntimeErr::SqlxError(e))
    | DbErr::Query(sea_orm::RuntimeErr::SqlxError(e)) = err
        && let sea_orm::sqlx::Error::Database(db) = e.as_ref()
    {
        return matches!(db.code().as_deref(), Some("40P01" | "40001"));
    }
    false
}

/// Runs `attempt` until it does not lose a race, at most [`MAX_ATTEMPTS`] times, then
/// answers CONFLICT. Each lost race is counted as "retried" under the review `kind`.
pub(super) async fn retrying<T, F: Future<Output = Attempt<T>>>(
    metrics: &dyn ServiceMetrics,
    kind: &str,
    mut attempt: impl FnMut() -> F,
) -> AppResult<T> {
    for _ in 0..MAX_ATTEMPTS {
        match attempt().await {
            Ok(done) => return Ok(done),
            Err(Failure::LostRace) => metrics.observe_draw(kind, "retried"),
            Err(Failure::Error(err)) => return Err(err),
        }
    }
    Err(AppError::conflict(
        "other draws kept taking the same experts; try again",
    ))
}

/// A staged round and the audit-log entry that records it.
pub(super) struct RoundToWrite<'a> {
    pub round: StagedRound,
    pub viewer: &'a Viewer,
    pub operation: &'static str,
    pub entity_type: &'static str,
    pub entity_id: String,
    /// The review, as the seated experts' invitations state it.
    pub facts: ReviewFacts,
}

/// Writes new `panels` (may be none) and staged rounds with their seats, counters, pool
/// snapshot and audit-log entries, with a fixed number of statements whatever their number.
/// Lock order (see the module doc of `draw`): panels by review, the counters per expert in
/// ascending id, the seats, the audit-log head last.
pub(super) async fn write_rounds(
    txn: &impl ConnectionTrait,
    index: &Arc<DrawIndex>,
    cap: u32,
    mut panels: Vec<panel::Model>,
    rounds: Vec<RoundToWrite<'_>>,
) -> Attempt<()> {
    let mut staged = Vec::with_capacity(rounds.len());
    let mut digest_inputs = Vec::with_capacity(rounds.len());
    let mut seats = Vec::new();
    let mut logged = Vec::with_capacity(rounds.len());
    let mut invitations = Vec::new();
    for RoundToWrite {
        mut round,
        viewer,
        operation,
        entity_type,
        entity_id,
        facts,
    } in rounds
    {
        invitations.extend(round.seats.iter().map(|seat| Notice {
            to: Recipient::Expert(seat.expert_id),
            kind: NotificationKind::PanelInvitation,
            params: Params {
                review: Some(facts.clone()),
                seat_id: Some(seat.id),
                ..Default::default()
            },
            subject_type: "PanelSeat",
            subject_id: seat.id,
        }));
        digest_inputs.push(std::mem::take(&mut round.digest_input));
        seats.append(&mut round.seats);
        logged.push((viewer, operation, entity_type, entity_id));
        staged.push(round);
    }
    // The rounds' digests are hashed on a blocking thread meanwhile: the panels and the seat
    // counters do not need them.
    let hashing = index.clone();
    let digests = tokio::task::spawn_blocking(move || {
        digest_inputs
            .iter()
            .map(|input| round_digests(&hashing, input))
            .collect::<Vec<_>>()
    });
    // Panels in review order, so two batches never wait on each other's reviews in a cycle.
    panels.sort_by_key(|p| p.review_id);
    let rows = panels.into_iter().map(panel::ActiveModel::from).collect();
    insert_rows(txn, rows).await?;
    take_seats(txn, &seats_taken(&seats), cap).await?;
    let digests = digests
        .await
        .map_err(|e| AppError::internal(format!("hashing the rounds: {e}")))?;
    for (round, digests) in staged.iter_mut().zip(digests) {
        round.set_digests(digests);
    }
    if !staged.is_empty() {
        store_snapshot(txn, index).await?;
    }
    let used: Vec<Uuid> = staged
        .iter()
        .filter_map(|r| r.round.commitment_id)
        .collect();
    if !super::commitments::use_up(txn, &used).await? {
        return Err(Failure::LostRace);
    }
    let mut entries = Vec::with_capacity(staged.len());
    let mut draws = Vec::with_capacity(staged.len());
    for (round, (viewer, operation, entity_type, entity_id)) in staged.into_iter().zip(logged) {
        draws.push(panel_draw::ActiveModel::from(round.round));
        entries.push(audit_log::NewEntry {
            viewer,
            operation,
            entity_type,
            entity_id: Some(entity_id),
            summary: round.summary,
        });
    }
    insert_rows(txn, draws).await?;
    insert_rows(
        txn,
        seats
            .into_iter()
            .map(panel_seat::ActiveModel::from)
            .collect(),
    )
    .await?;
    notifications::enqueue(txn, invitations).await?;
    audit_log::record_all(txn, entries).await?;
    Ok(())
}

/// Raises each expert's seat count for the year by the seats taken, in as few upserts as the
/// backend allows (`bulk::insert_statements`; rows in ascending (expert, year) order, the
/// lock order). No count may pass the cap: fewer rows changed than given means another
/// writer took a seat meanwhile, and the draw lost a race. The upsert's row locks make
/// concurrent draws queue here.
async fn take_seats(
    txn: &impl ConnectionTrait,
    taken: &BTreeMap<(Uuid, i32), i32>,
    cap: u32,
) -> Attempt<()> {
    let cap = i32::try_from(cap).unwrap_or(i32::MAX);
    let table = expert_seat_count::Entity;
    let rows: Vec<expert_seat_count::ActiveModel> = taken
        .iter()
        .map(
            |((expert_id, year), seats)| expert_seat_count::ActiveModel {
                expert_id: Set(*expert_id),
                year: Set(*year),
                seats: Set(*seats),
            },
        )
        .collect();
    let current = Expr::col((table, expert_seat_count::Column::Seats));
    let added = Expr::col((Alias::new("excluded"), expert_seat_count::Column::Seats));
    let raise = OnConflict::columns([
        expert_seat_count::Column::ExpertId,
        expert_seat_count::Column::Year,
    ])
    .value(
        expert_seat_count::Column::Seats,
        current.clone().add(added.clone()),
    )
    .action_and_where(current.add(added).lte(cap))
    .to_owned();
    let mut affected = 0u64;
    for mut upsert in insert_statements(txn.get_database_backend(), rows) {
        upsert.on_conflict(raise.clone());
        affected += txn.execute(&upsert).await?.rows_affected();
    }
    // A row skipped by the WHERE is not counted: fewer rows than given means a cap was hit.
    if usize::try_from(affected).is_ok_and(|n| n == taken.len()) {
        Ok(())
    } else {
        Err(Failure::LostRace)
    }
}

/// Stores the pool's snapshot unless it is known to be stored (another transaction, or
/// another instance, may have stored it meanwhile: then this one stores nothing).
async fn store_snapshot(txn: &impl ConnectionTrait, index: &DrawIndex) -> AppResult<()> {
    if index.snapshot_stored() {
        return Ok(());
    }
    let experts = i32::try_from(index.pool.experts.len())
        .map_err(|_| AppError::internal("the expert pool is too large to store"))?;
    let mut insert = Query::insert();
    insert
        .into_table(expert_pool_snapshot::Entity)
        .columns([
            expert_pool_snapshot::Column::Name,
            expert_pool_snapshot::Column::Experts,
            expert_pool_snapshot::Column::Entries,
            expert_pool_snapshot::Column::CreatedAt,
        ])
        .values([
            index.snapshot_name.clone().into(),
            experts.into(),
            index.snapshot.clone().into(),
            Utc::now().into(),
        ])
        .map_err(|e| AppError::internal(format!("pool snapshot insert: {e}")))?
        .on_conflict(
            OnConflict::column(expert_pool_snapshot::Column::Name)
                .do_nothing()
                .to_owned(),
        );
    txn.execute(&insert).await?;
    Ok(())
}
