use sea_orm::entity::prelude::*;

use crate::domain::ExpertStatus;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "expert_status_changes")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub expert_id: Uuid,
    pub from_status: Option<ExpertStatus>,
    pub to_status: ExpertStatus,
    pub reason: String,
    pub actor_id: Option<Uuid>,
    pub changed_at: DateTimeUtc,
}

no_relations!();
