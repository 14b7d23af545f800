use sea_orm::entity::prelude::*;

/// The province's publication of recheck findings of a year.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "finding_publications")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub year: i32,
    pub published_on: Date,
    pub published_at: DateTimeUtc,
    pub published_by: Option<Uuid>,
}

no_relations!();
