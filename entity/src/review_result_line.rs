use sea_orm::entity::prelude::*;

use crate::domain::{ReviewKind, ReviewOutcome};

/// One result of a publication, as it was on publication day.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "review_result_lines")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub publication_id: Uuid,
    pub position: i32,
    pub review_id: Uuid,
    pub enterprise_name: String,
    pub credit_code: String,
    pub review_kind: ReviewKind,
    pub review_date: Date,
    pub outcome: ReviewOutcome,
    pub score: Option<i64>,
}

no_relations!();
