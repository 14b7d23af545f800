use sea_orm::entity::prelude::*;

/// Dates (inclusive) on which an expert cannot sit on a panel.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "expert_unavailabilities")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub expert_id: Uuid,
    pub starts_on: Date,
    pub ends_on: Date,
    pub reason: Option<String>,
    pub created_at: DateTimeUtc,
}

no_relations!();
