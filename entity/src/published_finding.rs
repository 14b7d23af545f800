use sea_orm::entity::prelude::*;

use crate::domain::FindingKind;

/// A recheck finding as published, frozen on publication day.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "published_findings")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub publication_id: Uuid,
    pub finding_id: Uuid,
    pub position: i32,
    pub year: i32,
    pub kind: FindingKind,
    pub description: String,
    pub enterprise_name: String,
    pub enterprise_credit_code: String,
    pub consultancy_id: Option<Uuid>,
    pub consultancy_name: Option<String>,
    pub consultancy_credit_code: Option<String>,
    pub lead_auditor_name: Option<String>,
    /// JSON array of names.
    pub expert_names: String,
}

no_relations!();
