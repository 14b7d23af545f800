use sea_orm::entity::prelude::*;

use crate::domain::ReviewKind;

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
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
