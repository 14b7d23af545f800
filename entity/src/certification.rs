use sea_orm::entity::prelude::*;

use crate::domain::CertificationLevel;

/// A voluntary clean-production evaluation and certification (清洁生产评价认证).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "certifications")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub enterprise_id: Uuid,
    pub level: CertificationLevel,
    pub certified_on: Date,
    pub valid_until: Date,
    /// Counts as a completed audit for the cycle (视同开展清洁生产审核).
    pub meets_audit_requirements: bool,
    pub actor_id: Option<Uuid>,
    pub created_at: DateTimeUtc,
}

no_relations!();
