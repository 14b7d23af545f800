use sea_orm::entity::prelude::*;

use crate::domain::{FindingKind, FindingStatus};

/// A finding of a recheck, traced to the audit's consultancy and lead auditor (the experts
/// who passed the report are in `recheck_finding_experts`). Recorded, it waits for the
/// consultancy's written response (陈述申辩) until `response_due_on`; the province then
/// confirms it (only a confirmed finding is published province-wide) or withdraws it.
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
    /// RECORDED, then CONFIRMED or WITHDRAWN (by the province).
    pub status: FindingStatus,
    /// The last day (China time) the consultancy may respond; none for findings published
    /// before the confirmation step existed.
    pub response_due_on: Option<Date>,
    /// The consultancy's written response (陈述申辩), given once.
    pub response: Option<String>,
    pub responded_at: Option<DateTimeUtc>,
    pub responded_by: Option<Uuid>,
    /// When the province confirmed or withdrew it, who, and its note (a withdrawal's reason).
    pub decided_at: Option<DateTimeUtc>,
    pub decided_by: Option<Uuid>,
    pub decision_note: Option<String>,
}

no_relations!();
