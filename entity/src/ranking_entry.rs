use sea_orm::entity::prelude::*;

use crate::domain::Grade;

/// One line of a published ranking, frozen on publication day.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "ranking_entries")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub year: i32,
    #[sea_orm(primary_key, auto_increment = false)]
    pub consultancy_id: Uuid,
    pub appraisal_id: Uuid,
    /// Display order, from 1.
    pub position: i32,
    /// Competition rank (1, 1, 3).
    pub rank: i32,
    pub name: String,
    pub credit_code: String,
    pub city_code: String,
    pub total: i64,
    pub grade: Grade,
    pub capacity_building: i64,
    pub report_quality: i64,
    pub personnel_management: i64,
    pub service_quality: i64,
    pub service_quantity: i64,
    pub previous_rank: Option<i32>,
    pub rank_change: Option<i32>,
}

no_relations!();
