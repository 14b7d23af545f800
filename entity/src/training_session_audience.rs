use sea_orm::entity::prelude::*;

use crate::domain::TrainingAudience;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "training_session_audiences")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub session_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub audience: TrainingAudience,
}

no_relations!();
