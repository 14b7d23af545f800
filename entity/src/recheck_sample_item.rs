use sea_orm::entity::prelude::*;

/// One sampled review, in draw order, and the RECHECK review that covers it.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "recheck_sample_items")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub sample_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub position: i32,
    pub sampled_review_id: Uuid,
    pub audit_id: Uuid,
    pub recheck_review_id: Uuid,
}

no_relations!();
