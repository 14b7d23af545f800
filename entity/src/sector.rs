use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "sectors")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub code: String,
    pub name: String,
    pub sort_order: i32,
    /// Whether the plan keeps this sector's evaluations and acceptances with the city
    /// (not delegable to a county).
    pub reviews_stay_with_city: bool,
}

no_relations!();
