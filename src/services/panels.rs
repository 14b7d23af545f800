//! Panels after the draw (`services::draw`): seats and their answers, attendance and ratings,
//! and the draw record (export and verification, `rules::draw_record`).
//!
//! # Secrecy
//!
//! Who sits on a panel is shown to the province, to the organising city's admins, to the
//! consultancy holding the audit from the review date on, and to each expert for their own
//! seats only ([`sees_members`]).

use std::collections::HashMap;

use chrono::{Datelike, Utc};
use entity::{
    audit, expert_pool_snapshot, expert_seat_count, panel, panel_draw, panel_seat, review,
};
use rust_decimal::Decimal;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder, Set,
};
use serde_json::json;
use uuid::Uuid;

use crate::auth::Viewer;
use crate::db::{WriteTxn, begin_write};
use crate::domain::{ExclusionReason, NotificationKind, ReviewStatus, Role, SeatStatus};
use crate::error::{AppError, AppResult};
use crate::rules::draw_record::{
    DrawRecord, EligibleRecord, Profile, RECORD_FORMAT, RoundRecord, SeatRecord, Verification,
    decode_eligible_stored, decode_excluded_stored, verify,
};
use crate::rules::seats;

use super::amounts::to_stored;
use super::notifications::{
    self,
    calendar::{Admins, Announcement, announce},
};
use super::pagination::{Page, PageRequest, fetch_page};
use super::text::optional_text;
use super::{Services, audit_log, audits, grouped, today, versioned};
use crate::rules::meetings::reveal_at;

/// How much of a panel a viewer sees.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MemberView {
    /// Not the panel at all.
    Hidden,
    /// The panel, its composition and the seats' statuses, but not who sits: its officials
    /// before the reveal.
    Sealed,
    /// Who sits, too.
    Open,
}

/// What the viewer sees of a panel at `now`. Officials (the organiser, the province) see it
/// sealed until the reveal (`reveal_hours_before` the meeting's start, or the start of the
/// review day) unless the province revealed it early; the consultancy holding the audit and
/// the enterprise audited see who sits from the review date on (names only), and nothing
/// before; experts see their own seats through `myPanelSeats`, not whole panels.
pub fn member_view(
    viewer: &Viewer,
    panel: &panel::Model,
    audit: &audit::Model,
    review: &review::Model,
    now: chrono::DateTime<chrono::Utc>,
    reveal_hours_before: u32,
) -> MemberView {
    let revealed = panel.revealed_at.is_some()
        || now >= reveal_at(review.review_date, review.starts_at, reveal_hours_before);
    let sealed_unless_revealed = if revealed {
        MemberView::Open
    } else {
        MemberView::Sealed
    };
    let today = crate::rules::deadlines::today_in_china(now);
    match viewer {
        Viewer::System => MemberView::Open,
        Viewer::Anonymous => MemberView::Hidden,
        Viewer::User(p) => match p.role {
            Role::ProvinceAdmin => sealed_unless_revealed,
            Role::CityAdmin
                if panel.organiser_city_code.is_some()
                    && panel.organiser_city_code.as_deref() == viewer.city_scope() =>
            {
                sealed_unless_revealed
            }
            // The county an evaluation or acceptance is delegated to organises its panel.
            Role::CountyAdmin
                if panel.organiser_city_code.is_some()
                    && viewer.is_county_admin_of(
                        &audit.city_code,
                        audit.delegated_county.as_deref(),
                    ) =>
            {
                sealed_unless_revealed
            }
            Role::Consultancy
                if audit
                    .consultancy_id
                    .is_some_and(|c| viewer.is_consultancy(c))
                    && panel.review_date <= today =>
            {
                MemberView::Open
            }
            Role::Enterprise
                if viewer.is_enterprise(audit.enterprise_id) && panel.review_date <= today =>
            {
                MemberView::Open
            }
            _ => MemberView::Hidden,
        },
    }
}

/// Who runs a review's panel: the review's organiser.
pub(crate) use audits::require_organiser;

/// A declined seat no longer counts toward the cap.
async fn release_seat(txn: &impl ConnectionTrait, expert_id: Uuid, year: i32) -> AppResult<()> {
    expert_seat_count::Entity::update_many()
        .col_expr(
            expert_seat_count::Column::Seats,
            Expr::col(expert_seat_count::Column::Seats).sub(1),
        )
        .filter(expert_seat_count::Column::ExpertId.eq(expert_id))
        .filter(expert_seat_count::Column::Year.eq(year))
        .filter(expert_seat_count::Column::Seats.gt(0))
        .exec(txn)
        .await?;
    Ok(())
}

// Answers, attendance, ratings.

/// Whether the review has its panel already.
pub async fn has_panel(db: &impl ConnectionTrait, review_id: Uuid) -> AppResult<bool> {
    Ok(panel::Entity::find()
        .filter(panel::Column::ReviewId.eq(review_id))
        .one(db)
        .await?
        .is_some())
}

pub async fn find_panel(db: &impl ConnectionTrait, id: Uuid) -> AppResult<panel::Model> {
    super::find_or_not_found::<panel::Entity>(db, "Panel", id).await
}

pub async fn find_seat(db: &impl ConnectionTrait, id: Uuid) -> AppResult<panel_seat::Model> {
    super::find_or_not_found::<panel_seat::Entity>(db, "PanelSeat", id).await
}

/// The seat with its review and audit, after checking that the viewer organises it.
async fn seat_to_run(
    db: &DatabaseConnection,
    viewer: &Viewer,
    seat_id: Uuid,
) -> AppResult<(panel_seat::Model, review::Model)> {
    viewer.require_official()?;
    let seat = find_seat(db, seat_id).await?;
    let review = audits::find_review(db, seat.review_id).await?;
    let audit = audits::find(db, review.audit_id).await?;
    require_organiser(viewer, review.organiser_city_code.as_deref(), &audit)?;
    Ok((seat, review))
}

/// One seat step written whole: the change (if the seat still has the version read) and
/// its audit-log entry, in one transaction.
async fn write_seat_step(
    db: &DatabaseConnection,
    viewer: &Viewer,
    seat: &panel_seat::Model,
    active: panel_seat::ActiveModel,
    operation: &str,
    summary: serde_json::Value,
) -> AppResult<panel_seat::Model> {
    let txn = begin_write(db).await?;
    versioned::commit_update::<panel_seat::Entity>(
        txn,
        viewer,
        (operation, "PanelSeat"),
        next_version(seat, active),
        (seat.id, seat.version),
        |_| summary,
    )
    .await
}

/// Ends a write to a seat: commits it with its audit-log entry, which names the seat.
async fn commit_seat(
    txn: WriteTxn,
    viewer: &Viewer,
    operation: &str,
    seat: &panel_seat::Model,
    summary: serde_json::Value,
) -> AppResult<()> {
    audit_log::commit(
        txn,
        viewer,
        operation,
        "PanelSeat",
        Some(seat.id.to_string()),
        summary,
    )
    .await
}

/// A change of `seat` as its next version: what every write to a seat saves.
fn next_version(
    seat: &panel_seat::Model,
    mut active: panel_seat::ActiveModel,
) -> panel_seat::ActiveModel {
    active.version = Set(seat.version + 1);
    active.updated_at = Set(Utc::now());
    active
}

/// Writes a seat change if the seat still has the version read; CONFLICT otherwise.
async fn save_seat(
    txn: &impl ConnectionTrait,
    seat: &panel_seat::Model,
    active: panel_seat::ActiveModel,
) -> AppResult<panel_seat::Model> {
    let active = next_version(seat, active);
    versioned::update_if_version::<panel_seat::Entity>(txn, active, seat.id, seat.version, None)
        .await
}

/// The expert (or the organiser on their behalf) accepts or declines an invitation; a
/// decline frees the day and the seat's place under the cap, and is told to the organiser's
/// administrators (but the one who made it) and, when the organiser declined for the expert,
/// to the expert (`SEAT_DECLINED`, `SEAT_RELEASED`).
pub async fn respond_to_seat(
    db: &DatabaseConnection,
    viewer: &Viewer,
    seat_id: Uuid,
    accept: bool,
    reason: Option<String>,
) -> AppResult<panel_seat::Model> {
    viewer.require_user()?;
    let seat = find_seat(db, seat_id).await?;
    let review = audits::find_review(db, seat.review_id).await?;
    if !viewer.is_expert(seat.expert_id) {
        let audit = audits::find(db, review.audit_id).await?;
        require_organiser(viewer, review.organiser_city_code.as_deref(), &audit)?;
    }
    answer_seat(db, seat, review, accept, reason, AnsweredBy::Viewer(viewer)).await
}

/// The expert answers through the link in their invitation (`notifications::seat_links`,
/// which checked its signature and expiry): the same rules, and the link used up in the
/// answer's transaction.
pub(crate) async fn respond_by_link(
    db: &DatabaseConnection,
    link: &entity::seat_response_link::Model,
    accept: bool,
    reason: Option<String>,
) -> AppResult<panel_seat::Model> {
    let seat = find_seat(db, link.seat_id).await?;
    if seat.expert_id != link.expert_id {
        return Err(AppError::forbidden("the link is not valid"));
    }
    let review = audits::find_review(db, seat.review_id).await?;
    answer_seat(db, seat, review, accept, reason, AnsweredBy::Link(link)).await
}

/// Who answers a seat.
#[derive(Clone, Copy)]
enum AnsweredBy<'a> {
    /// A signed-in user: the expert, or the organiser for them.
    Viewer(&'a Viewer),
    /// The expert, through an invitation's link.
    Link(&'a entity::seat_response_link::Model),
}

impl AnsweredBy<'_> {
    fn user_id(self) -> Option<Uuid> {
        match self {
            AnsweredBy::Viewer(viewer) => viewer.user_id(),
            AnsweredBy::Link(_) => None,
        }
    }

    fn is_expert(self, expert_id: Uuid) -> bool {
        match self {
            AnsweredBy::Viewer(viewer) => viewer.is_expert(expert_id),
            AnsweredBy::Link(link) => link.expert_id == expert_id,
        }
    }
}

/// Answers a seat for whoever may (checked by the caller).
async fn answer_seat(
    db: &DatabaseConnection,
    seat: panel_seat::Model,
    review: entity::review::Model,
    accept: bool,
    reason: Option<String>,
    by: AnsweredBy<'_>,
) -> AppResult<panel_seat::Model> {
    let reason = optional_text("reason", reason, 500)?;
    if accept && reason.is_some() {
        return Err(AppError::bad_input(
            "reason",
            "a reason goes with a decline only",
        ));
    }
    if review.status != ReviewStatus::Scheduled {
        return Err(AppError::bad_input("seatId", "the review has been held"));
    }
    let from = seat.status;
    let to = seats::respond(from, accept, review.review_date, today())
        .map_err(|e| AppError::bad_input("seatId", e.to_string()))?;
    // A decline is told: to the organiser, whose seat now waits for a replacement; to the
    // expert when someone else declined for them. Named by the review's enterprise.
    let declined = if seats::stands(to) {
        None
    } else {
        let audit = audits::find(db, review.audit_id).await?;
        let enterprise = super::enterprises::find(db, audit.enterprise_id).await?;
        let params = notifications::Params {
            review: Some(notifications::ReviewFacts::of(&review, &enterprise.name)),
            seat_id: Some(seat.id),
            reason: reason.clone(),
            ..Default::default()
        };
        Some((params, audit.delegated_county))
    };
    let txn = begin_write(db).await?;
    if let AnsweredBy::Link(link) = by {
        use_link(&txn, link.id).await?;
    }
    // Lock order: the counter row before the seat (see `services::draw`).
    if !seats::stands(to) {
        release_seat(&txn, seat.expert_id, seat.review_date.year()).await?;
    }
    let saved = save_seat(
        &txn,
        &seat,
        panel_seat::ActiveModel {
            status: Set(to),
            decline_reason: Set(reason),
            responded_at: Set(Some(Utc::now())),
            responded_by: Set(by.user_id()),
            ..Default::default()
        },
    )
    .await?;
    if let Some((params, delegated_county)) = declined {
        if !by.is_expert(seat.expert_id) {
            notifications::enqueue(
                &txn,
                vec![notifications::Notice {
                    to: notifications::Recipient::Expert(seat.expert_id),
                    kind: NotificationKind::SeatReleased,
                    params: params.clone(),
                    subject_type: "PanelSeat",
                    subject_id: seat.id,
                }],
            )
            .await?;
        }
        // Not who declined: the panel may still be sealed to its organiser.
        announce(
            &txn,
            Announcement {
                to: Admins::organising(
                    review.organiser_city_code.as_deref(),
                    delegated_county.as_deref(),
                ),
                kind: NotificationKind::SeatDeclined,
                params,
                subject: ("PanelSeat", seat.id),
            },
            by.user_id(),
        )
        .await?;
    }
    let (viewer, operation, via_link) = match by {
        AnsweredBy::Viewer(viewer) => (viewer, "respondToPanelSeat", None),
        AnsweredBy::Link(link) => (
            &Viewer::Anonymous,
            "respondToPanelSeatByLink",
            Some(link.id),
        ),
    };
    commit_seat(
        txn,
        viewer,
        operation,
        &seat,
        json!({
            "from": from.as_str(),
            "to": to.as_str(),
            "withReason": saved.decline_reason.is_some(),
            "expertId": via_link.map(|_| seat.expert_id),
            "linkId": via_link,
        }),
    )
    .await?;
    Ok(saved)
}

/// Marks a seat link used, once: a second answer through it (even a concurrent one) finds
/// it used and changes nothing.
async fn use_link(txn: &impl ConnectionTrait, link_id: Uuid) -> AppResult<()> {
    use entity::seat_response_link as link;
    let update = link::Entity::update_many()
        .col_expr(link::Column::UsedAt, Expr::value(Some(Utc::now())))
        .filter(link::Column::Id.eq(link_id))
        .filter(link::Column::UsedAt.is_null());
    versioned::write_guarded(txn, update, || AppError::conflict("the link has been used")).await
}

/// ATTENDED or NO_SHOW, recorded by the organiser on or after the review date.
pub async fn record_attendance(
    db: &DatabaseConnection,
    viewer: &Viewer,
    seat_id: Uuid,
    attended: bool,
) -> AppResult<panel_seat::Model> {
    let (seat, review) = seat_to_run(db, viewer, seat_id).await?;
    let from = seat.status;
    let to = seats::record_attendance(from, attended, review.review_date, today())
        .map_err(|e| AppError::bad_input("seatId", e.to_string()))?;
    write_attendance(
        db,
        viewer,
        &seat,
        to,
        None,
        Utc::now(),
        "recordSeatAttendance",
    )
    .await
}

/// An attendance step (recorded, or a check-in at `checked_in_at`) written whole, with the
/// statuses from and to in its audit-log entry.
async fn write_attendance(
    db: &DatabaseConnection,
    viewer: &Viewer,
    seat: &panel_seat::Model,
    to: SeatStatus,
    checked_in_at: Option<chrono::DateTime<Utc>>,
    recorded_at: chrono::DateTime<Utc>,
    operation: &str,
) -> AppResult<panel_seat::Model> {
    let mut summary = json!({ "from": seat.status.as_str(), "to": to.as_str() });
    let mut active = panel_seat::ActiveModel {
        status: Set(to),
        attendance_recorded_at: Set(Some(recorded_at)),
        attendance_recorded_by: Set(viewer.user_id()),
        ..Default::default()
    };
    if let Some(at) = checked_in_at {
        summary["checkedInAt"] = json!(at);
        active.checked_in_at = Set(Some(at));
    }
    write_seat_step(db, viewer, seat, active, operation, summary).await
}

/// Checks a seated expert in at the venue (the organiser): ATTENDED, with the time (now
/// unless given, e.g. from the paper sign-in sheet), on the review day.
pub async fn check_in(
    db: &DatabaseConnection,
    viewer: &Viewer,
    seat_id: Uuid,
    at: Option<chrono::DateTime<Utc>>,
) -> AppResult<panel_seat::Model> {
    let (seat, review) = seat_to_run(db, viewer, seat_id).await?;
    if review.status != ReviewStatus::Scheduled {
        return Err(AppError::bad_input(
            "seatId",
            "the review's outcome is recorded",
        ));
    }
    let now = Utc::now();
    let at = at.unwrap_or(now);
    let from = seat.status;
    let to = seats::check_in(from, at, review.review_date, now)
        .map_err(|e| AppError::bad_input("seatId", e.to_string()))?;
    write_attendance(db, viewer, &seat, to, Some(at), now, "checkInPanelSeat").await
}

/// When a review's outcome is recorded, every seat still invited or confirmed was never
/// checked in: a no-show (counted against the expert in the annual review). Inside the
/// recording's transaction; answers how many.
pub(crate) async fn mark_no_shows(
    txn: &impl ConnectionTrait,
    viewer: &Viewer,
    review_id: Uuid,
) -> AppResult<u64> {
    let now = Utc::now();
    let waiting = SeatStatus::ALL
        .iter()
        .filter(|status| seats::never_checked_in(**status))
        .map(|status| status.as_str());
    let marked = panel_seat::Entity::update_many()
        .col_expr(
            panel_seat::Column::Status,
            Expr::value(SeatStatus::NoShow.as_str()),
        )
        .col_expr(panel_seat::Column::AttendanceRecordedAt, Expr::value(now))
        .col_expr(
            panel_seat::Column::AttendanceRecordedBy,
            Expr::value(viewer.user_id()),
        )
        .col_expr(
            panel_seat::Column::Version,
            Expr::col(panel_seat::Column::Version).add(1),
        )
        .col_expr(panel_seat::Column::UpdatedAt, Expr::value(now))
        .filter(panel_seat::Column::ReviewId.eq(review_id))
        .filter(panel_seat::Column::Status.is_in(waiting))
        .exec(txn)
        .await?;
    Ok(marked.rows_affected)
}

/// The organiser rates an expert who attended (0–100), once.
pub async fn rate_seated_expert(
    db: &DatabaseConnection,
    viewer: &Viewer,
    seat_id: Uuid,
    score: Decimal,
    comment: Option<String>,
) -> AppResult<panel_seat::Model> {
    let (seat, review) = seat_to_run(db, viewer, seat_id).await?;
    let stored = to_stored("score", score)?;
    if score > Decimal::ONE_HUNDRED {
        return Err(AppError::bad_input("score", "must be between 0 and 100"));
    }
    let comment = optional_text("comment", comment, 2000)?;
    seats::check_rating(seat.status, review.review_date, today())
        .map_err(|e| AppError::bad_input("seatId", e.to_string()))?;
    if seat.rating.is_some() {
        return Err(AppError::conflict(
            "the expert is already rated for this seat",
        ));
    }
    write_seat_step(
        db,
        viewer,
        &seat,
        panel_seat::ActiveModel {
            rating: Set(Some(stored)),
            rating_comment: Set(comment),
            rated_by: Set(viewer.user_id()),
            rated_at: Set(Some(Utc::now())),
            ..Default::default()
        },
        "rateSeatedExpert",
        json!({ "expertId": seat.expert_id, "score": score.to_string() }),
    )
    .await
}

// Reads.

/// A panel the viewer may see, and how much of it; FORBIDDEN when not at all.
pub async fn get_panel(
    s: &Services,
    viewer: &Viewer,
    id: Uuid,
) -> AppResult<(panel::Model, MemberView)> {
    viewer.require_user()?;
    let found = find_panel(&s.db, id).await?;
    let view = view_of(s, viewer, &found).await?;
    if view == MemberView::Hidden {
        return Err(AppError::forbidden(
            "who sits on this panel is not shown to you",
        ));
    }
    Ok((found, view))
}

/// How much of the panel the viewer sees now.
pub async fn view_of(s: &Services, viewer: &Viewer, found: &panel::Model) -> AppResult<MemberView> {
    let audit = audits::find(&s.db, found.audit_id).await?;
    let review = audits::find_review(&s.db, found.review_id).await?;
    Ok(member_view(
        viewer,
        found,
        &audit,
        &review,
        Utc::now(),
        s.config.panel_reveal_hours_before,
    ))
}

/// A panel whose draw record the viewer may read: administrators who see its members (the
/// record lists the whole eligible pool, which is no business of the consultancy), once it
/// is revealed (the record says who was drawn).
pub(crate) async fn panel_to_inspect(
    s: &Services,
    viewer: &Viewer,
    id: Uuid,
) -> AppResult<panel::Model> {
    viewer.require_official()?;
    let (found, view) = get_panel(s, viewer, id).await?;
    if view == MemberView::Sealed {
        return Err(sealed_error(s, &found).await?);
    }
    Ok(found)
}

async fn sealed_error(s: &Services, found: &panel::Model) -> AppResult<AppError> {
    let review = audits::find_review(&s.db, found.review_id).await?;
    let at = reveal_at(
        review.review_date,
        review.starts_at,
        s.config.panel_reveal_hours_before,
    );
    Ok(AppError::forbidden(format!(
        "the panel is sealed until {}: who sits is not shown before",
        at.format("%Y-%m-%d %H:%M UTC")
    )))
}

/// One seated expert in the public record: the seat's slot, the opaque id, the name.
#[derive(Clone, Debug, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PublicSeat {
    pub slot: i32,
    pub expert_id: Uuid,
    pub name: String,
    pub status: crate::domain::SeatStatus,
}

/// A panel's draw record as the public reads it once the review has passed, as procurement
/// publishes its experts with the result: the whole record (seed inputs and commitment,
/// digests, the eligible experts as opaque ids with their sectors and kinds), so anyone can
/// run `cleanprod verify-draw` on it, and the names of those who sat. Nothing personal
/// besides: no ID card or phone numbers, no other expert's name.
#[derive(Clone, Debug, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PublicRecord {
    #[serde(flatten)]
    pub record: DrawRecord,
    pub seated_experts: Vec<PublicSeat>,
}

pub async fn public_record(s: &Services, panel_id: Uuid) -> AppResult<PublicRecord> {
    let found = find_panel(&s.db, panel_id).await?;
    if found.review_date >= today() {
        return Err(AppError::forbidden(
            "a panel's draw record is public after its review date",
        ));
    }
    let record = record_of(&s.db, &found).await?;
    let seats = panel_seat::Entity::find()
        .filter(panel_seat::Column::PanelId.eq(panel_id))
        .filter(crate::services::is_not_constant(
            panel_seat::Column::Status,
            crate::domain::SeatStatus::Declined.as_str(),
        ))
        .order_by_asc(panel_seat::Column::SlotIndex)
        .all(&s.db)
        .await?;
    let ids: Vec<Uuid> = seats.iter().map(|seat| seat.expert_id).collect();
    let names = crate::services::experts::unguarded::names_of(&s.db, &ids).await?;
    let seated_experts = seats
        .into_iter()
        .map(|seat| PublicSeat {
            slot: seat.slot_index,
            name: names.get(&seat.expert_id).cloned().unwrap_or_default(),
            expert_id: seat.expert_id,
            status: seat.status,
        })
        .collect();
    Ok(PublicRecord {
        record,
        seated_experts,
    })
}

/// Reveals a sealed panel to its officials before its time: the province only, with a
/// reason, in the audit log.
pub async fn reveal_panel(
    s: &Services,
    viewer: &Viewer,
    id: Uuid,
    reason: &str,
) -> AppResult<panel::Model> {
    viewer.require_province_admin()?;
    let reason = super::text::required_text("reason", reason, 500)?;
    let found = find_panel(&s.db, id).await?;
    if found.revealed_at.is_some() || view_of(s, viewer, &found).await? == MemberView::Open {
        return Err(AppError::conflict("the panel is already revealed"));
    }
    let now = Utc::now();
    let txn = begin_write(&s.db).await?;
    let mut active: panel::ActiveModel = found.into();
    active.revealed_at = sea_orm::Set(Some(now));
    active.revealed_by = sea_orm::Set(viewer.user_id());
    active.reveal_reason = sea_orm::Set(Some(reason.clone()));
    let saved = active.update(&txn).await?;
    audit_log::commit_row(
        txn,
        viewer,
        ("revealPanel", "Panel"),
        id,
        saved,
        |_| json!({ "reason": reason, "revealedAt": now }),
    )
    .await
}

/// The viewer's own seats (experts), newest last.
pub async fn my_seats(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    page: PageRequest,
) -> AppResult<Page<panel_seat::Model>> {
    let principal = viewer.require_user()?;
    let expert_id = match (principal.role, principal.expert_id) {
        (Role::Expert, Some(id)) => id,
        _ => {
            return Err(AppError::forbidden(
                "only an expert's account has panel seats",
            ));
        }
    };
    let query = panel_seat::Entity::find().filter(panel_seat::Column::ExpertId.eq(expert_id));
    fetch_page(db, query, panel_seat::Column::Id, page).await
}

/// The experts a round excluded, with every reason (the organiser and the province).
pub async fn excluded_experts(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    draw: &panel_draw::Model,
) -> AppResult<Vec<(Uuid, Vec<ExclusionReason>)>> {
    viewer.require_official()?;
    let panel = find_panel(db, draw.panel_id).await?;
    let audit = audits::find(db, panel.audit_id).await?;
    require_organiser(viewer, panel.organiser_city_code.as_deref(), &audit)?;
    let snapshots = snapshots_of(db, std::slice::from_ref(draw)).await?;
    decode_excluded_stored(
        &draw.excluded,
        &draw.eligible,
        snapshot_of(draw, &snapshots),
    )
    .map_err(|e| AppError::internal(format!("stored exclusions of draw {}: {e}", draw.id)))
}

/// The pool snapshots `rounds` are stored against, by name (rounds stored before snapshots
/// name none).
async fn snapshots_of(
    db: &impl ConnectionTrait,
    rounds: &[panel_draw::Model],
) -> AppResult<HashMap<String, Vec<u8>>> {
    let mut names: Vec<&String> = rounds
        .iter()
        .filter_map(|r| r.pool_snapshot.as_ref())
        .collect();
    names.sort_unstable();
    names.dedup();
    if names.is_empty() {
        return Ok(HashMap::new());
    }
    Ok(expert_pool_snapshot::Entity::find()
        .filter(expert_pool_snapshot::Column::Name.is_in(names.into_iter().cloned()))
        .all(db)
        .await?
        .into_iter()
        .map(|s| (s.name, s.entries))
        .collect())
}

fn snapshot_of<'s>(
    round: &panel_draw::Model,
    snapshots: &'s HashMap<String, Vec<u8>>,
) -> Option<&'s [u8]> {
    round
        .pool_snapshot
        .as_ref()
        .and_then(|name| snapshots.get(name))
        .map(Vec::as_slice)
}

/// Decodes a stored round's eligible list (against its snapshot, from `snapshots_of`).
fn eligible_of(
    draw: &panel_draw::Model,
    snapshots: &HashMap<String, Vec<u8>>,
) -> AppResult<Vec<Profile>> {
    decode_eligible_stored(&draw.eligible, snapshot_of(draw, snapshots))
        .map_err(|e| AppError::internal(format!("stored eligible list of draw {}: {e}", draw.id)))
}

fn stored_json<T: serde::de::DeserializeOwned>(what: &str, id: Uuid, text: &str) -> AppResult<T> {
    serde_json::from_str(text)
        .map_err(|e| AppError::internal(format!("stored {what} of {id} is not valid: {e}")))
}

/// The panel's whole draw record as exported: once the panel is revealed to the viewer.
pub async fn draw_record(s: &Services, viewer: &Viewer, panel_id: Uuid) -> AppResult<DrawRecord> {
    let panel = panel_to_inspect(s, viewer, panel_id).await?;
    record_of(&s.db, &panel).await
}

/// The panel's draw record, read without an access check.
pub(crate) async fn record_of(
    db: &impl ConnectionTrait,
    panel: &panel::Model,
) -> AppResult<DrawRecord> {
    let rounds = panel_draw::Entity::find()
        .filter(panel_draw::Column::PanelId.eq(panel.id))
        .order_by_asc(panel_draw::Column::RoundNo)
        .all(db)
        .await?;
    let seats = panel_seat::Entity::find()
        .filter(panel_seat::Column::PanelId.eq(panel.id))
        .order_by_asc(panel_seat::Column::SlotIndex)
        .order_by_asc(panel_seat::Column::Id)
        .all(db)
        .await?;
    let mut by_draw = grouped(seats, |s| s.draw_id);
    let snapshots = snapshots_of(db, &rounds).await?;
    let mut records = Vec::with_capacity(rounds.len());
    for round in rounds {
        let eligible = eligible_of(&round, &snapshots)?;
        let seats = by_draw
            .remove(&round.id)
            .unwrap_or_default()
            .into_iter()
            .map(|s| SeatRecord {
                slot: u32::try_from(s.slot_index).unwrap_or(u32::MAX),
                expert_id: s.expert_id,
            })
            .collect();
        records.push(RoundRecord {
            round: u32::try_from(round.round_no).unwrap_or(0),
            kind: round.kind.to_string(),
            algorithm: round.algorithm.clone(),
            review_id: round.review_id,
            review_date: round.review_date,
            server_random: round.server_random.clone(),
            witness_nonce: round.witness_nonce.clone(),
            seed: round.seed.clone(),
            slots: stored_json("slots", round.id, &round.slots)?,
            replaced_seat_id: round.replaced_seat_id,
            replaced_slot: round.replaced_slot.and_then(|s| u32::try_from(s).ok()),
            already_invited: stored_json("invited list", round.id, &round.already_invited)?,
            eligible_count: u32::try_from(round.eligible_count).unwrap_or(0),
            eligible_digest: round.eligible_digest.clone(),
            pool_digest: round.pool_digest.clone(),
            eligible: eligible.iter().map(EligibleRecord::from).collect(),
            excluded_counts: stored_json("exclusion counts", round.id, &round.excluded_counts)?,
            excluded_total: u32::try_from(round.excluded_total).unwrap_or(0),
            seats,
            context: stored_json("context", round.id, &round.context)?,
            drawn_by: round.drawn_by,
            drawn_at: round.drawn_at,
            commitment: round.commitment.clone(),
            committed_at: round.committed_at,
        });
    }
    Ok(DrawRecord {
        format: RECORD_FORMAT.to_owned(),
        panel_id: panel.id,
        review_id: panel.review_id,
        review_kind: panel.review_kind.to_string(),
        review_date: panel.review_date,
        composition: stored_json("composition", panel.id, &panel.composition)?,
        rounds: records,
    })
}

/// Re-runs every round of the panel from its stored record.
///
/// While the panel is sealed its officials learn only whether each round reproduces: the
/// expected seats and the problems' wording (which may name experts) wait for the reveal.
pub async fn verify_panel(
    s: &Services,
    viewer: &Viewer,
    panel_id: Uuid,
) -> AppResult<Verification> {
    viewer.require_official()?;
    let (panel, view) = get_panel(s, viewer, panel_id).await?;
    let db = &s.db;
    let mut verification = verify(&record_of(db, &panel).await?);
    // Online, the commitment is also checked against the hash-chained audit log: it must have
    // been logged, as it is, before the round was drawn.
    let rounds = panel_draw::Entity::find()
        .filter(panel_draw::Column::PanelId.eq(panel_id))
        .all(db)
        .await?;
    for round in rounds {
        let Some(commitment_id) = round.commitment_id else {
            continue;
        };
        let logged = entity::audit_log::Entity::find()
            .filter(entity::audit_log::Column::Operation.eq("openDraw"))
            .filter(entity::audit_log::Column::EntityId.eq(commitment_id.to_string()))
            .one(db)
            .await?;
        let as_logged = logged.is_some_and(|entry| {
            entry.created_at < round.drawn_at
                && serde_json::from_str::<serde_json::Value>(&entry.summary)
                    .ok()
                    .and_then(|s| {
                        s.get("commitment")
                            .and_then(|c| c.as_str())
                            .map(str::to_owned)
                    })
                    == round.commitment
        });
        if !as_logged
            && let Some(checked) = verification
                .rounds
                .iter_mut()
                .find(|r| i64::from(r.round) == i64::from(round.round_no))
        {
            checked
                .problems
                .push("the commitment is not in the audit log as made before the round".to_owned());
            checked.reproduces = false;
            verification.reproduces = false;
        }
    }
    if view == MemberView::Sealed {
        for round in &mut verification.rounds {
            round.expected.clear();
            let found = round.problems.len();
            round.problems.clear();
            if found > 0 {
                round.problems.push(format!(
                    "{found} problem(s); the details are shown after the reveal"
                ));
            }
        }
    }
    Ok(verification)
}

/// Batch reads for the GraphQL loaders. They check no viewer: a loader calls them for rows
/// whose parent the viewer was already allowed to see.
pub(crate) mod unguarded {
    use super::*;
    use crate::services::{expert_pool, positional};
    use sea_orm::{JoinType, QuerySelect, QueryTrait, RelationDef};

    crate::services::owned_by_reads! {
        seats_of: panel_seat by PanelId, ordered by SlotIndex, Id;
        draws_of: panel_draw by PanelId, ordered by RoundNo;
    }

    /// The panels of some reviews, by review, and their seats in slot order, by panel, with
    /// the expert pool's revision, in one statement: a deep read asking for both saves a round
    /// trip (on PostgreSQL two, with the ping sqlx sends as a connection returns to the pool),
    /// and one more for the seats' experts.
    pub async fn panels_with_seats_of_reviews(
        db: &impl ConnectionTrait,
        review_ids: &[Uuid],
    ) -> AppResult<crate::services::audits::unguarded::PanelsOfReviews> {
        let seats_of_panel: RelationDef = panel_seat::Entity::belongs_to(panel::Entity)
            .from(panel_seat::Column::PanelId)
            .to(panel::Column::Id)
            .into();
        let query = panel::Entity::find()
            .filter(crate::services::bulk::among(
                db.get_database_backend(),
                panel::Column::ReviewId,
                review_ids.iter().copied(),
            ))
            .join_rev(JoinType::LeftJoin, seats_of_panel)
            .select_also(panel_seat::Entity)
            .order_by_asc(panel::Column::Id)
            .order_by_asc(panel_seat::Column::SlotIndex)
            .order_by_asc(panel_seat::Column::Id)
            .expr_as(expert_pool::revision_column(), expert_pool::REVISION_COLUMN)
            .into_query();
        let mut panels = HashMap::new();
        let mut seats: HashMap<Uuid, Vec<panel_seat::Model>> = HashMap::new();
        let mut pool_revision = None;
        let mut current = None;
        // The panel's columns, then the seat's (`select_also`), read by position.
        let seat_at = positional::width::<panel::Entity>();
        for row in db.query_all(&query).await? {
            if pool_revision.is_none() {
                pool_revision = Some(expert_pool::revision_in(&row)?);
            }
            // Rows come by panel: its columns are decoded on its first row only (a panel is
            // as wide as a seat, and has four or more).
            let panel_id: Uuid = row.try_get_by_index(0)?;
            if current != Some(panel_id) {
                let panel = positional::panel_at(&row, 0)?;
                panels.insert(panel.review_id, panel);
                current = Some(panel_id);
            }
            let seat_id: Option<Uuid> = row.try_get_by_index(seat_at)?;
            if seat_id.is_some() {
                let seat = positional::seat_at(&row, seat_at)?;
                seats.entry(panel_id).or_default().push(seat);
            }
        }
        Ok(crate::services::audits::unguarded::PanelsOfReviews {
            panels,
            seats,
            pool_revision,
        })
    }

    /// Panels by their review's id.
    pub async fn panels_of_reviews(
        db: &impl ConnectionTrait,
        review_ids: &[Uuid],
    ) -> AppResult<HashMap<Uuid, panel::Model>> {
        let rows = panel::Entity::find()
            .filter(crate::services::bulk::among(
                db.get_database_backend(),
                panel::Column::ReviewId,
                review_ids.iter().copied(),
            ))
            .all(db)
            .await?;
        Ok(rows.into_iter().map(|p| (p.review_id, p)).collect())
    }
}
