use sea_orm::entity::prelude::*;

use crate::domain::Sector;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "expert_sectors")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub expert_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub sector: Sector,
}

no_relations!();
