use sea_orm::entity::prelude::*;

use crate::domain::AssessmentSheetStatus;

/// A city's assessment sheet of a year (目标责任制考核): opened by the first manual score,
/// frozen when the province finalises it.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "assessment_sheets")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub city_code: String,
    pub year: i32,
    pub status: AssessmentSheetStatus,
    /// The total as finalised, in ten-thousandths of a point.
    pub total: Option<i64>,
    pub finalised_by: Option<Uuid>,
    pub finalised_at: Option<DateTimeUtc>,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

no_relations!();
