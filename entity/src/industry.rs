use sea_orm::entity::prelude::*;

use crate::domain::{CatalogCondition, ScaleRule, Sector};

/// One row of the plan's annex (the industry catalogue).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "industries")]
pub struct Model {
    /// GB/T 4754 four-digit class, or a division range such as `33-43`.
    #[sea_orm(primary_key, auto_increment = false)]
    pub code: String,
    pub name: String,
    pub sector: Sector,
    pub scale_rule: ScaleRule,
    pub condition: Option<CatalogCondition>,
    /// Position in the annex, so lists read as the plan does.
    pub sort_order: i32,
}

no_relations!();
