use sea_orm::entity::prelude::*;

/// Seats that stand (not declined) per expert and calendar year of the review: the yearly
/// cap is held by a conditional update of this row.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "expert_seat_counts")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub expert_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub year: i32,
    pub seats: i32,
}

no_relations!();
