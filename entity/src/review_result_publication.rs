use sea_orm::entity::prelude::*;

/// A city's publication (通报) of evaluation and acceptance results for a period.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "review_result_publications")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub city_code: String,
    pub period_from: Date,
    pub period_to: Date,
    pub title: String,
    pub published_on: Date,
    pub published_at: DateTimeUtc,
    pub published_by: Option<Uuid>,
}

no_relations!();
