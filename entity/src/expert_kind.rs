use sea_orm::entity::prelude::*;

use crate::domain::ExpertiseKind;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "expert_kinds")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub expert_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub kind: ExpertiseKind,
}

no_relations!();
