use sea_orm::entity::prelude::*;

use crate::domain::FindingKind;

/// A finding of a recheck, traced to the audit's consultancy and lead auditor (the experts
/// who passed the report are in `recheck_finding_experts`).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "recheck_findings")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The RECHECK review.
    pub review_id: Uuid,
    pub audit_id: Uuid,
    /// The calendar year of the recheck's date.
    pub year: i32,
    /// The audit's city.
    pub city_code: String,
    /// MAJOR_DEFECT, OMISSION, FALSIFICATION or WRONG_CONCLUSION.
    pub kind: FindingKind,
    pub description: String,
    pub consultancy_id: Option<Uuid>,
    pub lead_auditor_staff_id: Option<Uuid>,
    pub recorded_by: Option<Uuid>,
    pub recorded_at: DateTimeUtc,
}

no_relations!();
