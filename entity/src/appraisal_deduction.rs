use sea_orm::entity::prelude::*;

use crate::domain::{AppraisalDeductionSource, FindingKind};

/// Points taken off one appraisal: entered by the appraiser, or automatic from a recheck
/// finding.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "appraisal_deductions")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub appraisal_id: Uuid,
    pub position: i32,
    /// MANUAL or RECHECK_FINDING.
    pub source: AppraisalDeductionSource,
    pub finding_kind: Option<FindingKind>,
    pub finding_id: Option<Uuid>,
    pub reason: String,
    /// In ten-thousandths.
    pub points: i64,
}

no_relations!();
