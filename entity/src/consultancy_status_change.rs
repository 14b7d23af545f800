use sea_orm::entity::prelude::*;

use crate::domain::ConsultancyStatus;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "consultancy_status_changes")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub consultancy_id: Uuid,
    pub from_status: Option<ConsultancyStatus>,
    pub to_status: ConsultancyStatus,
    pub reason: String,
    pub actor_id: Option<Uuid>,
    pub changed_at: DateTimeUtc,
}

no_relations!();
