use sea_orm::entity::prelude::*;

/// A failed sign-in, kept to throttle guessing across every instance.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "login_failures")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub username: String,
    pub failed_at: DateTimeUtc,
}

no_relations!();
