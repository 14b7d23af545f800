use sea_orm::entity::prelude::*;

use crate::domain::FindingKind;

/// What one recheck finding of a kind costs in a year's scheme.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "appraisal_finding_rules")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub year: i32,
    #[sea_orm(primary_key, auto_increment = false)]
    pub finding_kind: FindingKind,
    /// Points deducted per finding, in ten-thousandths.
    pub points: i64,
    /// A finding of this kind makes the firm UNQUALIFIED whatever its score.
    pub veto: bool,
}

no_relations!();
