use sea_orm::entity::prelude::*;

use crate::domain::ConflictKind;

/// A declared tie (回避) between an expert and an organisation.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "expert_conflicts")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub expert_id: Uuid,
    pub kind: ConflictKind,
    pub organisation_name: String,
    pub organisation_credit_code: String,
    pub valid_from: Option<Date>,
    pub valid_until: Option<Date>,
    pub note: Option<String>,
    pub created_at: DateTimeUtc,
}

no_relations!();
