use sea_orm::entity::prelude::*;

use crate::domain::SchemeSource;

/// One appraisal year: its scheme and, once published, who published it and when.
/// Weights and grade thresholds are in ten-thousandths (exact).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "appraisal_years")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub year: i32,
    /// DEFAULT (DESIGN.md's defaults, copied in) or SET (by the province).
    pub scheme_source: SchemeSource,
    pub weight_capacity_building: i64,
    pub weight_report_quality: i64,
    pub weight_personnel_management: i64,
    pub weight_service_quality: i64,
    pub weight_service_quantity: i64,
    pub band_excellent: i64,
    pub band_good: i64,
    pub band_qualified: i64,
    pub scheme_set_by: Option<Uuid>,
    pub scheme_set_at: Option<DateTimeUtc>,
    pub published_at: Option<DateTimeUtc>,
    pub published_by: Option<Uuid>,
    pub entry_count: Option<i32>,
    /// The published year the rank changes were counted from.
    pub previous_year: Option<i32>,
    /// Bumped by every write for the year: the row lock that orders them.
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

no_relations!();
