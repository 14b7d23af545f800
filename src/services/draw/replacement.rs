//! Replacement (补抽): a declined seat's slot drawn again, from those still eligible and never
//! invited to the panel, as a new round of the panel's record. Staged and written like a
//! first draw (`staging::stage_round`, `writes::write_rounds`).

use entity::{panel, panel_draw, panel_seat};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QuerySelect};
use uuid::Uuid;

use super::facts::{earlier_panel_experts, load_facts};
use super::request::{Setting, check_nonce, check_open};
use super::staging::{RoundSpec, stage_round};
use super::writes::{Attempt, RoundToWrite, retrying, write_rounds};
use crate::auth::Viewer;
use crate::db::begin_write;
use crate::domain::{DrawRoundKind, SeatStatus};
use crate::error::{AppError, AppResult};
use crate::rules::draw::Slot;
use crate::rules::draw_record::parse_slots;
use crate::services::{Services, audits, expert_pool, panels};

/// Draws a replacement for a declined seat, for the same slot, from those still eligible and
/// never invited to this panel, recorded as a new round.
pub async fn replace_declined_seat(
    s: &Services,
    viewer: &Viewer,
    seat_id: Uuid,
    witness_nonce: Option<String>,
) -> AppResult<panel_seat::Model> {
    viewer.require_official()?;
    let seat = panels::find_seat(&s.db, seat_id).await?;
    let panel = panels::find_panel(&s.db, seat.panel_id).await?;
    let setting = Setting::load(s, viewer, panel.review_id, panel.exclude_same_city).await?;
    if seat.status != SeatStatus::Declined {
        return Err(AppError::bad_input(
            "seatId",
            format!(
                "the seat is {}; only a declined seat is replaced",
                seat.status
            ),
        ));
    }
    check_open(&setting.review)?;
    let nonce = check_nonce(witness_nonce)?;
    let (slot_index, slot) = slot_of(&panel, &seat)?;
    let kind = setting.kind.as_str();
    let answer = retrying(s.metrics.as_ref(), kind, || {
        replace_attempt(s, viewer, &setting, &panel, &seat, slot_index, slot, &nonce)
    })
    .await;
    let outcome = match &answer {
        Ok(_) => "replaced",
        Err(AppError::InsufficientCandidates { .. }) => "insufficient_candidates",
        Err(AppError::Conflict(_)) => "conflict",
        Err(_) => "error",
    };
    s.metrics.observe_draw(kind, outcome);
    answer
}

/// The declined seat's slot in the panel's stored composition.
fn slot_of(panel: &panel::Model, seat: &panel_seat::Model) -> AppResult<(usize, Slot)> {
    let stored =
        |e: String| AppError::internal(format!("stored composition of panel {}: {e}", panel.id));
    let composition = parse_slots(
        &serde_json::from_str::<Vec<_>>(&panel.composition).map_err(|e| stored(e.to_string()))?,
    )
    .map_err(|e| stored(e.to_string()))?;
    let slot_index = usize::try_from(seat.slot_index)
        .map_err(|_| AppError::internal(format!("seat {} has a negative slot", seat.id)))?;
    let slot = *composition.get(slot_index).ok_or_else(|| {
        AppError::internal(format!("seat {} names a slot the panel lacks", seat.id))
    })?;
    Ok((slot_index, slot))
}

#[allow(clippy::too_many_arguments)]
async fn replace_attempt(
    s: &Services,
    viewer: &Viewer,
    setting: &Setting,
    panel: &panel::Model,
    declined: &panel_seat::Model,
    slot_index: usize,
    slot: Slot,
    nonce: &str,
) -> Attempt<panel_seat::Model> {
    let txn = begin_write(&s.db).await?;
    let review = audits::find_review(&txn, panel.review_id).await?;
    check_open(&review)?;
    let panel_seats = panel_seat::Entity::find()
        .filter(panel_seat::Column::PanelId.eq(panel.id))
        .all(&txn)
        .await?;
    if panel_seats
        .iter()
        .any(|s| s.replaces_seat_id == Some(declined.id))
    {
        return Err(AppError::conflict("the declined seat is already replaced").into());
    }
    let mut invited: Vec<Uuid> = panel_seats.iter().map(|s| s.expert_id).collect();
    invited.sort_unstable();
    invited.dedup();
    let last_round: Option<i32> = panel_draw::Entity::find()
        .select_only()
        .column_as(panel_draw::Column::RoundNo.max(), "round")
        .filter(panel_draw::Column::PanelId.eq(panel.id))
        .into_tuple::<Option<i32>>()
        .one(&txn)
        .await?
        .flatten();

    let index = s
        .draw_index
        .of(expert_pool::current(&txn, &s.expert_pool).await?);
    let ctx = &setting.ctx;
    let codes = [
        ctx.enterprise_credit_code.as_str(),
        ctx.consultancy_credit_code.as_deref().unwrap_or(""),
    ];
    let facts = load_facts(
        &txn,
        &codes,
        &[ctx.review_date],
        ctx.seat_cap,
        0,
        Some(panel.id),
    )
    .await?;
    let earlier = earlier_panel_experts(&txn, ctx, setting.audit.id).await?;
    let (commitment, random) = super::commitments::required(&txn, review.id).await?;
    let round = stage_round(
        &RoundSpec {
            panel,
            round_no: last_round.unwrap_or(0) + 1,
            kind: DrawRoundKind::Replacement,
            review: &review,
            ctx,
            context: setting.context_json(),
            server_random: random,
            commitment: &commitment,
            witness_nonce: nonce,
            slots: std::slice::from_ref(&slot),
            replacing: Some((declined, slot_index, &invited)),
            drawn_by: viewer.user_id(),
        },
        &index,
        &facts,
        &earlier,
    )?;
    let created = round
        .seats
        .first()
        .cloned()
        .ok_or_else(|| AppError::internal("a replacement seated nobody"))?;
    let written = RoundToWrite {
        round,
        viewer,
        operation: "replaceDeclinedSeat",
        entity_type: "PanelSeat",
        entity_id: created.id.to_string(),
        facts: setting.review_facts(),
    };
    write_rounds(&txn, &index, ctx.seat_cap, Vec::new(), vec![written]).await?;
    txn.commit().await?;
    index.mark_snapshot_stored();
    Ok(created)
}
