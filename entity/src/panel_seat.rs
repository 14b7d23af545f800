use sea_orm::entity::prelude::*;

use crate::domain::SeatStatus;

/// One expert's seat on a panel: INVITED → CONFIRMED / DECLINED → ATTENDED / NO_SHOW.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "panel_seats")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub panel_id: Uuid,
    /// The round that drew this seat.
    pub draw_id: Uuid,
    pub review_id: Uuid,
    /// The review's date, kept here for the one-seat-a-day unique index.
    pub review_date: Date,
    pub expert_id: Uuid,
    /// Index into the panel's composition.
    pub slot_index: i32,
    pub status: SeatStatus,
    pub decline_reason: Option<String>,
    pub responded_at: Option<DateTimeUtc>,
    pub responded_by: Option<Uuid>,
    /// The declined seat this one replaces.
    pub replaces_seat_id: Option<Uuid>,
    pub attendance_recorded_at: Option<DateTimeUtc>,
    pub attendance_recorded_by: Option<Uuid>,
    /// When the expert was checked in at the venue (ATTENDED by check-in).
    pub checked_in_at: Option<DateTimeUtc>,
    /// 0–100 in ten-thousandths (exact).
    pub rating: Option<i64>,
    pub rating_comment: Option<String>,
    pub rated_by: Option<Uuid>,
    pub rated_at: Option<DateTimeUtc>,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

no_relations!();
