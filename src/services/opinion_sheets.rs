//! The panel at the venue and after: the leader (组长), each present expert's opinion sheet
//! (预审意见/评分表), and the panel's outcome that follows from the sheets
//! (`rules::opinions`), confirmed by the leader. `recordReviewOutcome` then refuses an
//! outcome the confirmed sheets contradict ([`outcome_for_review`]).
//!
//! Check-in lives with the other seat steps in `services::panels`.
//!
//! # Who reads sheets
//! The organiser and the province once the panel is revealed, and the leader: every sheet.
//! Another expert of the panel: their own. Nobody else; the enterprise and its consultancy
//! read the review's opinion, not the experts' sheets.
//!
//! # Concurrency
//! A sheet, the leader and the confirmation each write under a conditional update of the
//! panel row (`outcome_confirmed_at IS NULL`): that row's lock orders them, so no sheet lands
//! after the confirmation that froze the others.

use chrono::Utc;
use entity::{document, opinion_sheet, panel, panel_seat, review};
use rust_decimal::Decimal;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
};
use serde_json::json;
use uuid::Uuid;

use crate::auth::Viewer;
use crate::db::begin_write;
use crate::domain::{
    DocumentKind, DocumentOwnerType, OpinionConclusion, ReviewKind, ReviewOutcome, ReviewStatus,
    SeatStatus,
};
use crate::error::{AppError, AppResult};
use crate::rules::opinions::{
    Criterion, OutcomeError, PanelOutcome, ScoredCriterion, panel_outcome, review_outcome,
    score_sheet, sheet_total,
};

use super::amounts::{from_stored, to_stored};
use super::panels::{MemberView, find_panel, find_seat, require_organiser, view_of};
use super::text::required_text;
use super::{Services, audit_log, audits, documents, versioned};

/// A sheet as an expert (or the organiser from the signed paper) hands it in.
pub struct SheetInput {
    pub seat_id: Uuid,
    pub scores: Vec<(String, Decimal)>,
    pub conclusion: OpinionConclusion,
    pub remarks: String,
    pub document_id: Option<Uuid>,
}

/// The criteria of a review kind's sheet.
pub fn criteria(s: &Services, kind: ReviewKind) -> &[Criterion] {
    s.config.opinions.criteria.for_kind(kind)
}

/// A stored sheet's scored criteria.
pub fn scores_of(sheet: &opinion_sheet::Model) -> AppResult<Vec<ScoredCriterion>> {
    serde_json::from_str(&sheet.scores)
        .map_err(|e| AppError::internal(format!("stored scores of sheet {}: {e}", sheet.id)))
}

/// The panel, its review and whether the viewer organises it (checked when `organiser`).
async fn panel_in_session(
    s: &Services,
    panel_id: Uuid,
) -> AppResult<(panel::Model, review::Model)> {
    let found = find_panel(&s.db, panel_id).await?;
    let review = audits::find_review(&s.db, found.review_id).await?;
    Ok((found, review))
}

async fn require_panel_organiser(
    s: &Services,
    viewer: &Viewer,
    found: &panel::Model,
) -> AppResult<()> {
    let audit = audits::find(&s.db, found.audit_id).await?;
    require_organiser(viewer, found.organiser_city_code.as_deref(), &audit)
}

/// The sheets, leader and confirmation change only while the review's outcome is open.
fn require_open(found: &panel::Model, review: &review::Model) -> AppResult<()> {
    if review.status != ReviewStatus::Scheduled {
        return Err(AppError::bad_input(
            "panelId",
            "the review's outcome is recorded; its working papers are closed",
        ));
    }
    if found.outcome_confirmed_at.is_some() {
        return Err(AppError::conflict(
            "the leader has confirmed the panel's outcome; the sheets are final",
        ));
    }
    Ok(())
}

/// Locks the panel row while it is unconfirmed, or answers CONFLICT (see the module docs).
async fn hold_unconfirmed(txn: &impl ConnectionTrait, panel_id: Uuid) -> AppResult<()> {
    let update = panel::Entity::update_many()
        .col_expr(
            panel::Column::SheetsRequired,
            Expr::col(panel::Column::SheetsRequired),
        )
        .filter(panel::Column::Id.eq(panel_id))
        .filter(panel::Column::OutcomeConfirmedAt.is_null());
    versioned::write_guarded(txn, update, || {
        AppError::conflict(
            "the leader confirmed the panel's outcome meanwhile; the sheets are final",
        )
    })
    .await
}

/// Designates the panel leader (组长) among the experts checked in (the organiser); a later
/// designation replaces it until the outcome is confirmed.
pub async fn designate_leader(
    s: &Services,
    viewer: &Viewer,
    panel_id: Uuid,
    seat_id: Uuid,
) -> AppResult<panel::Model> {
    viewer.require_official()?;
    let (found, review) = panel_in_session(s, panel_id).await?;
    require_panel_organiser(s, viewer, &found).await?;
    let seat = find_seat(&s.db, seat_id).await?;
    if seat.panel_id != panel_id {
        return Err(AppError::bad_input(
            "seatId",
            "the seat is not on this panel",
        ));
    }
    if seat.status != SeatStatus::Attended {
        return Err(AppError::bad_input(
            "seatId",
            format!(
                "the seat is {}; the leader is one of the experts checked in",
                seat.status
            ),
        ));
    }
    require_open(&found, &review)?;
    let txn = begin_write(&s.db).await?;
    hold_unconfirmed(&txn, panel_id).await?;
    let mut active: panel::ActiveModel = found.clone().into();
    active.leader_seat_id = Set(Some(seat_id));
    active.leader_designated_at = Set(Some(Utc::now()));
    active.leader_designated_by = Set(viewer.user_id());
    let saved = active.update(&txn).await?;
    audit_log::commit(
        txn,
        viewer,
        "designatePanelLeader",
        "Panel",
        Some(panel_id.to_string()),
        json!({ "seatId": seat_id, "previousSeatId": found.leader_seat_id }),
    )
    .await?;
    Ok(saved)
}

/// Hands in (or revises) a present expert's sheet: the expert, or the organiser typing in
/// the signed paper sheet. Revisions replace it until the leader confirms the outcome.
pub async fn submit_sheet(
    s: &Services,
    viewer: &Viewer,
    input: SheetInput,
) -> AppResult<opinion_sheet::Model> {
    viewer.require_user()?;
    let seat = find_seat(&s.db, input.seat_id).await?;
    let (found, review) = panel_in_session(s, seat.panel_id).await?;
    let by_expert = viewer.is_expert(seat.expert_id);
    if !by_expert {
        require_panel_organiser(s, viewer, &found).await?;
    }
    let remarks = required_text("input.remarks", &input.remarks, 5000)?;
    let scored = score_sheet(criteria(s, found.review_kind), &input.scores)
        .map_err(|e| AppError::bad_input("input.scores", e.to_string()))?;
    let total = sheet_total(&scored);
    if seat.status != SeatStatus::Attended {
        return Err(AppError::bad_input(
            "input.seatId",
            format!(
                "the seat is {}; sheets come from experts checked in",
                seat.status
            ),
        ));
    }
    require_open(&found, &review)?;
    if let Some(document_id) = input.document_id {
        check_opinion_document(&s.db, document_id, seat.id).await?;
    }
    let existing = opinion_sheet::Entity::find()
        .filter(opinion_sheet::Column::SeatId.eq(seat.id))
        .one(&s.db)
        .await?;
    let scores_json = serde_json::to_string(&scored)
        .map_err(|e| AppError::internal(format!("sheet scores: {e}")))?;
    let now = Utc::now();
    let txn = begin_write(&s.db).await?;
    hold_unconfirmed(&txn, found.id).await?;
    let fields = |active: &mut opinion_sheet::ActiveModel| -> AppResult<()> {
        active.scores = Set(scores_json.clone());
        active.total = Set(to_stored("input.scores", total)?);
        active.conclusion = Set(input.conclusion);
        active.remarks = Set(remarks.clone());
        active.document_id = Set(input.document_id);
        active.submitted_by = Set(viewer.user_id());
        active.submitted_at = Set(now);
        Ok(())
    };
    let saved = match &existing {
        Some(sheet) => {
            let mut active = opinion_sheet::ActiveModel {
                version: Set(sheet.version + 1),
                ..Default::default()
            };
            fields(&mut active)?;
            versioned::update_if_version::<opinion_sheet::Entity>(
                &txn,
                active,
                sheet.id,
                sheet.version,
                None,
            )
            .await?
        }
        None => {
            let mut active = opinion_sheet::ActiveModel {
                id: Set(Uuid::now_v7()),
                panel_id: Set(found.id),
                review_id: Set(found.review_id),
                seat_id: Set(seat.id),
                expert_id: Set(seat.expert_id),
                version: Set(1),
                created_at: Set(now),
                ..Default::default()
            };
            fields(&mut active)?;
            // A sheet handed in meanwhile for the seat breaks the unique index: CONFLICT.
            active.insert(&txn).await?
        }
    };
    if let Some(document_id) = input.document_id {
        documents::lock(&txn, &[document_id], "submitOpinionSheet").await?;
    }
    audit_log::commit(
        txn,
        viewer,
        "submitOpinionSheet",
        "OpinionSheet",
        Some(saved.id.to_string()),
        json!({
            "panelId": found.id,
            "seatId": seat.id,
            "byExpert": by_expert,
            "conclusion": input.conclusion.as_str(),
            "total": total.to_string(),
            "revision": saved.version,
            "documentId": input.document_id,
        }),
    )
    .await?;
    Ok(saved)
}

/// An attached opinion must be the seat's own EXPERT_OPINION document.
async fn check_opinion_document(
    db: &impl ConnectionTrait,
    document_id: Uuid,
    seat_id: Uuid,
) -> AppResult<()> {
    let found = document::Entity::find_by_id(document_id).one(db).await?;
    match found {
        Some(d)
            if d.owner_type == DocumentOwnerType::PanelSeat
                && d.owner_id == seat_id
                && d.kind == DocumentKind::ExpertOpinion =>
        {
            Ok(())
        }
        _ => Err(AppError::bad_input(
            "input.documentId",
            "attach an EXPERT_OPINION document uploaded to this seat",
        )),
    }
}

/// The panel's sheets, oldest first.
pub async fn sheets_of_panel(
    db: &impl ConnectionTrait,
    panel_id: Uuid,
) -> AppResult<Vec<opinion_sheet::Model>> {
    Ok(opinion_sheet::Entity::find()
        .filter(opinion_sheet::Column::PanelId.eq(panel_id))
        .order_by_asc(opinion_sheet::Column::Id)
        .all(db)
        .await?)
}

/// The seats checked in that have not handed in a sheet.
async fn seats_without_sheet(
    db: &impl ConnectionTrait,
    panel_id: Uuid,
    sheets: &[opinion_sheet::Model],
) -> AppResult<Vec<panel_seat::Model>> {
    let present = panel_seat::Entity::find()
        .filter(panel_seat::Column::PanelId.eq(panel_id))
        .filter(super::is_constant(
            panel_seat::Column::Status,
            SeatStatus::Attended.as_str(),
        ))
        .order_by_asc(panel_seat::Column::SlotIndex)
        .all(db)
        .await?;
    Ok(present
        .into_iter()
        .filter(|seat| !sheets.iter().any(|sheet| sheet.seat_id == seat.id))
        .collect())
}

/// What the sheets give now: the rule's outcome, or why there is none.
pub fn outcome_of_sheets(
    sheets: &[opinion_sheet::Model],
    pass_mark: u32,
) -> Result<PanelOutcome, OutcomeError> {
    let votes: Vec<(OpinionConclusion, Decimal)> = sheets
        .iter()
        .map(|sheet| (sheet.conclusion, from_stored(sheet.total)))
        .collect();
    panel_outcome(&votes, pass_mark)
}

/// The leader confirms the outcome the sheets give (or the organiser records the leader's
/// signature on the paper): every expert checked in has handed in a sheet; the outcome and
/// the sheets are then final.
pub async fn confirm_outcome(
    s: &Services,
    viewer: &Viewer,
    panel_id: Uuid,
) -> AppResult<panel::Model> {
    viewer.require_user()?;
    let (found, review) = panel_in_session(s, panel_id).await?;
    let leader = match found.leader_seat_id {
        Some(id) => Some(find_seat(&s.db, id).await?),
        None => None,
    };
    let by_leader = leader
        .as_ref()
        .is_some_and(|seat| viewer.is_expert(seat.expert_id));
    if !by_leader {
        require_panel_organiser(s, viewer, &found).await?;
    }
    require_open(&found, &review)?;
    if leader.is_none() {
        return Err(AppError::bad_input(
            "panelId",
            "designate the panel leader first",
        ));
    }
    let txn = begin_write(&s.db).await?;
    hold_unconfirmed(&txn, panel_id).await?;
    // Read under the panel's lock: no sheet can land between this read and the commit.
    let sheets = sheets_of_panel(&txn, panel_id).await?;
    let missing = seats_without_sheet(&txn, panel_id, &sheets).await?;
    if !missing.is_empty() {
        let slots: Vec<String> = missing
            .iter()
            .map(|seat| (seat.slot_index + 1).to_string())
            .collect();
        return Err(AppError::bad_input(
            "panelId",
            format!(
                "every expert checked in hands in a sheet first; missing: seat {}",
                slots.join(", ")
            ),
        ));
    }
    let outcome = outcome_of_sheets(&sheets, s.config.review_pass_mark)
        .map_err(|e| AppError::bad_input("panelId", e.to_string()))?;
    let mut active: panel::ActiveModel = found.into();
    active.outcome_conclusion = Set(Some(outcome.conclusion));
    active.outcome_score = Set(Some(to_stored("score", outcome.score)?));
    active.outcome_confirmed_at = Set(Some(Utc::now()));
    active.outcome_confirmed_by = Set(viewer.user_id());
    active.outcome_confirmed_by_leader = Set(Some(by_leader));
    let saved = active.update(&txn).await?;
    let sheet_documents: Vec<Uuid> = sheets.iter().filter_map(|s| s.document_id).collect();
    audit_log::commit(
        txn,
        viewer,
        "confirmPanelOutcome",
        "Panel",
        Some(panel_id.to_string()),
        json!({
            "conclusion": outcome.conclusion.as_str(),
            "score": outcome.score.to_string(),
            "sheets": outcome.sheets,
            "byLeader": by_leader,
            "sheetDocuments": sheet_documents,
        }),
    )
    .await?;
    Ok(saved)
}

/// How much of a panel's working papers the viewer reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SheetReader {
    /// The organiser and province (panel revealed) and the leader.
    Every,
    /// An expert of the panel: their own sheet.
    Own(Uuid),
}

/// Who reads which sheets of the panel (see the module docs); FORBIDDEN for anyone else.
pub async fn reader_of(
    s: &Services,
    viewer: &Viewer,
    found: &panel::Model,
) -> AppResult<SheetReader> {
    viewer.require_user()?;
    if viewer.require_official().is_ok() {
        return match view_of(s, viewer, found).await? {
            MemberView::Open => Ok(SheetReader::Every),
            MemberView::Sealed => Err(AppError::forbidden(
                "the panel is sealed: its working papers are not shown before the reveal",
            )),
            MemberView::Hidden => Err(AppError::forbidden("this panel is not yours to read")),
        };
    }
    let seats = panel_seat::Entity::find()
        .filter(panel_seat::Column::PanelId.eq(found.id))
        .all(&s.db)
        .await?;
    let own = seats.iter().find(|seat| viewer.is_expert(seat.expert_id));
    match own {
        Some(seat) if found.leader_seat_id == Some(seat.id) => Ok(SheetReader::Every),
        Some(seat) => Ok(SheetReader::Own(seat.expert_id)),
        None => Err(AppError::forbidden("this panel is not yours to read")),
    }
}

/// The panel's working papers as the viewer reads them.
pub struct WorkingPapers {
    pub panel: panel::Model,
    pub sheets: Vec<opinion_sheet::Model>,
    /// Whether the viewer reads every sheet (and so the outcome they give).
    pub every: bool,
    /// Seats checked in without a sheet (slot numbers from 1), for readers of every sheet.
    pub missing_slots: Vec<i32>,
}

pub async fn working_papers(
    s: &Services,
    viewer: &Viewer,
    panel_id: Uuid,
) -> AppResult<WorkingPapers> {
    let found = find_panel(&s.db, panel_id).await?;
    let reader = reader_of(s, viewer, &found).await?;
    let all = sheets_of_panel(&s.db, panel_id).await?;
    let (sheets, every) = match reader {
        SheetReader::Every => (all, true),
        SheetReader::Own(expert) => (
            all.into_iter()
                .filter(|sheet| sheet.expert_id == expert)
                .collect(),
            false,
        ),
    };
    let missing_slots = if every {
        seats_without_sheet(&s.db, panel_id, &sheets)
            .await?
            .iter()
            .map(|seat| seat.slot_index + 1)
            .collect()
    } else {
        Vec::new()
    };
    Ok(WorkingPapers {
        panel: found,
        sheets,
        every,
        missing_slots,
    })
}

/// What `recordReviewOutcome` may record for a review, given its panel's sheets: the score
/// to record (the confirmed mean when none is given), or why the outcome contradicts them.
/// A review whose panel needs no sheets and has none records as asked.
pub(crate) async fn outcome_for_review(
    db: &impl ConnectionTrait,
    review_id: Uuid,
    outcome: ReviewOutcome,
    score: Option<Decimal>,
) -> AppResult<Option<Decimal>> {
    let Some(found) = panel::Entity::find()
        .filter(panel::Column::ReviewId.eq(review_id))
        .one(db)
        .await?
    else {
        return Ok(score);
    };
    let (Some(conclusion), Some(confirmed)) = (found.outcome_conclusion, found.outcome_score)
    else {
        let has_sheets = opinion_sheet::Entity::find()
            .filter(opinion_sheet::Column::PanelId.eq(found.id))
            .one(db)
            .await?
            .is_some();
        if found.sheets_required || has_sheets {
            return Err(AppError::bad_input(
                "reviewId",
                "the panel's outcome follows from its experts' opinion sheets: hand them in and have the leader confirm it first",
            ));
        }
        return Ok(score);
    };
    let confirmed = from_stored(confirmed);
    let expected = review_outcome(conclusion);
    if outcome != expected {
        return Err(AppError::bad_input(
            "input.outcome",
            format!(
                "the panel's confirmed sheets conclude {} ({}); the outcome must be {}",
                conclusion,
                conclusion.label(),
                expected
            ),
        ));
    }
    match score {
        Some(given) if given != confirmed => Err(AppError::bad_input(
            "input.score",
            format!("the panel's confirmed score is {confirmed}; leave it out or give the same"),
        )),
        _ => Ok(Some(confirmed)),
    }
}
