use sea_orm::entity::prelude::*;

/// An expert implicated in a finding: they sat on a panel that passed the report.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "recheck_finding_experts")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub finding_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub seat_id: Uuid,
    pub expert_id: Uuid,
    /// The evaluation or acceptance whose panel passed the report.
    pub passed_review_id: Uuid,
}

no_relations!();
