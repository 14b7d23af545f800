use sea_orm::entity::prelude::*;

use crate::domain::TrainingScope;

/// One planned training of a year's plan; sessions that carry it out name it.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "training_plan_items")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub plan_id: Uuid,
    /// Order within the plan, from 0.
    pub position: i32,
    pub title: String,
    pub scope: TrainingScope,
    /// The city that holds it (CITY scope); `None` for a provincial item.
    pub city_code: Option<String>,
    /// Comma-separated audience names.
    pub audiences: String,
    /// Comma-separated topic names.
    pub topics: String,
    /// 1–12.
    pub planned_month: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

no_relations!();
