use sea_orm::entity::prelude::*;

use crate::domain::{OpinionConclusion, ReviewKind};

/// The expert panel of one review: its composition and the review facts it was drawn for.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "panels")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Unique: one panel per review.
    pub review_id: Uuid,
    pub audit_id: Uuid,
    pub review_kind: ReviewKind,
    pub review_date: Date,
    /// The organising city; `None` for the province (rechecks).
    pub organiser_city_code: Option<String>,
    pub size: i32,
    /// The slots in order, as JSON: `[{"sector": "STEEL"|null, "kind": "ENERGY"|null}, …]`.
    pub composition: String,
    pub exclude_same_city: bool,
    pub drawn_by: Option<Uuid>,
    pub created_at: DateTimeUtc,
    /// Revealed to its organiser before the reveal time, by the province (with a reason).
    pub revealed_at: Option<DateTimeUtc>,
    pub revealed_by: Option<Uuid>,
    pub reveal_reason: Option<String>,
    /// Whether the review's outcome must follow from opinion sheets (the setting at the
    /// draw; false for panels drawn before sheets existed).
    pub sheets_required: bool,
    /// The panel leader (组长), one of the seats checked in.
    pub leader_seat_id: Option<Uuid>,
    pub leader_designated_at: Option<DateTimeUtc>,
    pub leader_designated_by: Option<Uuid>,
    /// The outcome the sheets gave, as the leader confirmed it; frozen with the sheets.
    pub outcome_conclusion: Option<OpinionConclusion>,
    /// Ten-thousandths (exact).
    pub outcome_score: Option<i64>,
    pub outcome_confirmed_at: Option<DateTimeUtc>,
    pub outcome_confirmed_by: Option<Uuid>,
    /// The leader confirmed in person; otherwise the organiser did from the signed paper.
    pub outcome_confirmed_by_leader: Option<bool>,
}

no_relations!();
