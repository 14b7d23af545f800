use sea_orm::entity::prelude::*;

use crate::domain::{AnnualListStatus, AuditProcedure};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "annual_audit_lists")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub city_code: String,
    pub year: i32,
    pub status: AnnualListStatus,
    /// The latest submission (a returned list is submitted again).
    pub submitted_on: Option<Date>,
    /// Whether the latest submission missed the end-of-February deadline.
    pub late: Option<bool>,
    /// Why the province last returned the list.
    pub return_reason: Option<String>,
    pub published_on: Option<Date>,
    /// The path the list's SIMPLIFIED audits follow, copied to them at publication.
    pub simplified_procedure: AuditProcedure,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

no_relations!();
