use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "cities")]
pub struct Model {
    /// GB/T 2260 code.
    #[sea_orm(primary_key, auto_increment = false)]
    pub code: String,
    pub name: String,
}

no_relations!();
