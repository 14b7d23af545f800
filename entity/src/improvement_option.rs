use sea_orm::entity::prelude::*;

use crate::domain::OptionKind;

/// An improvement option (方案). Amounts in ten-thousandths of their unit (exact).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "improvement_options")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub audit_id: Uuid,
    pub kind: OptionKind,
    pub title: String,
    /// 10 000 CNY.
    pub investment: i64,
    /// 10 000 CNY per year.
    pub economic_benefit: i64,
    /// Tonnes of standard coal equivalent per year.
    pub energy_tce: i64,
    /// The rest: tonnes per year.
    pub water_t: i64,
    pub cod_t: i64,
    pub ammonia_nitrogen_t: i64,
    pub so2_t: i64,
    pub nox_t: i64,
    pub particulates_t: i64,
    pub vocs_t: i64,
    pub co2_t: i64,
    pub implemented: bool,
    pub technical_retrofit: bool,
    pub accepted_by_other_department: bool,
    pub other_department: Option<String>,
    pub other_department_conclusion: Option<String>,
    /// NO, YES or OTHER_DEPARTMENT (`rules::audit_lifecycle::NeedsAcceptance`).
    pub needs_acceptance: String,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

no_relations!();
