use sea_orm::entity::prelude::*;

use crate::domain::{TrainingScope, TrainingSessionStatus};

/// One training session (a course held on one or more days).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "training_sessions")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The year of the start, in China Standard Time (kept for the year filters).
    pub year: i32,
    pub title: String,
    pub scope: TrainingScope,
    /// The organising city (CITY scope); `None` for a provincial session.
    pub city_code: Option<String>,
    pub organiser: String,
    pub description: Option<String>,
    pub starts_at: DateTimeUtc,
    pub ends_at: DateTimeUtc,
    /// Ten-thousandths of an hour (see the server's `services::amounts`).
    pub credit_hours: i64,
    pub location: String,
    /// `None`: no limit.
    pub capacity: Option<i32>,
    /// Enrolments so far; raised only by a conditional update that respects the capacity.
    pub enrolled: i32,
    pub status: TrainingSessionStatus,
    pub cancel_reason: Option<String>,
    pub cancelled_at: Option<DateTimeUtc>,
    pub plan_item_id: Option<Uuid>,
    pub created_by: Option<Uuid>,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

no_relations!();
