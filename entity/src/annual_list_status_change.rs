use sea_orm::entity::prelude::*;

use crate::domain::AnnualListStatus;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "annual_list_status_changes")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub list_id: Uuid,
    pub from_status: Option<AnnualListStatus>,
    pub to_status: AnnualListStatus,
    pub reason: Option<String>,
    pub actor_id: Option<Uuid>,
    pub changed_at: DateTimeUtc,
}

no_relations!();
