use sea_orm::entity::prelude::*;

/// One row (id 1): raised by database triggers whenever the expert pool changes.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "expert_pool_revision")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: i32,
    pub revision: i64,
}

no_relations!();
