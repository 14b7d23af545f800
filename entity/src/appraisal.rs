use sea_orm::entity::prelude::*;

use crate::domain::Grade;

/// One recording of a consultancy's appraisal for a year; re-recording keeps the earlier
/// ones (`current = false`). Scores and totals are in ten-thousandths (exact). The computed
/// inputs are as the registry showed them when the appraisal was recorded.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "appraisals")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub consultancy_id: Uuid,
    pub year: i32,
    pub capacity_building: i64,
    pub report_quality: i64,
    pub personnel_management: i64,
    pub service_quality: i64,
    pub service_quantity: i64,
    /// The weights the total was computed with.
    pub weight_capacity_building: i64,
    pub weight_report_quality: i64,
    pub weight_personnel_management: i64,
    pub weight_service_quality: i64,
    pub weight_service_quantity: i64,
    pub total_deduction: i64,
    pub total: i64,
    pub grade: Grade,
    pub vetoed: bool,
    pub audits_served: i32,
    pub evaluations_held: i32,
    pub evaluations_passed: i32,
    pub acceptances_held: i32,
    pub acceptances_passed: i32,
    pub acceptance_failure_clients: i32,
    pub clients_three_years: i32,
    pub lead_auditors_off_staff: i32,
    pub recheck_findings: i32,
    pub staff_count: i32,
    pub training_hours: i64,
    /// Warning signs, comma-separated names.
    pub warnings: String,
    pub current: bool,
    pub superseded_at: Option<DateTimeUtc>,
    pub recorded_by: Option<Uuid>,
    pub recorded_at: DateTimeUtc,
}

no_relations!();
