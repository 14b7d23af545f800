use sea_orm::entity::prelude::*;

use crate::domain::OpinionConclusion;

/// One present expert's opinion sheet on a review (预审意见/评分表); one per seat, revised in
/// place (version) until the panel's outcome is confirmed.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "opinion_sheets")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub panel_id: Uuid,
    pub review_id: Uuid,
    /// Unique: one sheet per seat.
    pub seat_id: Uuid,
    pub expert_id: Uuid,
    /// JSON: `[{"code", "label", "weight", "score"}]`, the criteria as they stood.
    pub scores: String,
    /// The weighted total, ten-thousandths (exact).
    pub total: i64,
    pub conclusion: OpinionConclusion,
    pub remarks: String,
    /// The expert's own opinion document (EXPERT_OPINION of the seat), if attached.
    pub document_id: Option<Uuid>,
    /// The expert, or the organiser typing in the signed paper sheet.
    pub submitted_by: Option<Uuid>,
    pub submitted_at: DateTimeUtc,
    pub version: i32,
    pub created_at: DateTimeUtc,
}

no_relations!();
