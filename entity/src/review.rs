use sea_orm::entity::prelude::*;

use crate::domain::{ReviewKind, ReviewOutcome, ReviewStatus};

/// An evaluation, acceptance or recheck of one audit.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "reviews")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub audit_id: Uuid,
    pub kind: ReviewKind,
    pub review_date: Date,
    /// The organising city; `None` for the province.
    pub organiser_city_code: Option<String>,
    pub status: ReviewStatus,
    pub outcome: Option<ReviewOutcome>,
    /// 0–100 in ten-thousandths (exact).
    pub score: Option<i64>,
    pub opinion: Option<String>,
    pub scheduled_by: Option<Uuid>,
    pub recorded_by: Option<Uuid>,
    pub held_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    /// When the meeting starts (set as China time on the review date).
    pub starts_at: Option<DateTimeUtc>,
    pub venue: Option<String>,
    /// The organiser's contact for the experts.
    pub contact_name: Option<String>,
    pub contact_phone: Option<String>,
    pub meeting_note: Option<String>,
}

no_relations!();
