use sea_orm::entity::prelude::*;

use crate::domain::{AssessmentFigure, AssessmentItemKind, ScoringMethod};

/// One item of the province's yearly assessment of the cities (目标责任制考核), as the province
/// set it for a year: its points, and how it is scored.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "assessment_items")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub year: i32,
    /// Order on the sheet, from 0.
    pub position: i32,
    /// The province's code of the item, unique in the year.
    pub code: String,
    pub title: String,
    /// Points (the weights of a year add up to 100).
    pub weight: i32,
    pub kind: AssessmentItemKind,
    /// COMPUTED items: the figure, its target (percent, ten-thousandths) and the method.
    pub figure: Option<AssessmentFigure>,
    pub target: Option<i64>,
    pub method: Option<ScoringMethod>,
    pub set_by: Option<Uuid>,
    pub created_at: DateTimeUtc,
}

no_relations!();
