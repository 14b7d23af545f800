use sea_orm::entity::prelude::*;

use crate::domain::{AuditMode, AuditStatus, DeadlineKind, ReviewOutcome};

/// One audit round of one enterprise.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "audits")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub enterprise_id: Uuid,
    /// The enterprise's city when the audit was created (the city that runs it).
    pub city_code: String,
    pub year: i32,
    pub list_id: Option<Uuid>,
    pub status: AuditStatus,
    /// The outcome of the latest evaluation (EVALUATED) or acceptance (ACCEPTED).
    pub last_outcome: Option<ReviewOutcome>,
    /// ACCEPTED (PASSED): the round is over.
    pub closed: bool,
    /// STRICT or SIMPLIFIED, from the enterprise's flags when the audit was created.
    pub mode: AuditMode,
    pub notice_date: Date,
    pub started_on: Option<Date>,
    pub consultancy_id: Option<Uuid>,
    pub lead_auditor_id: Option<Uuid>,
    pub report_submitted_on: Option<Date>,
    /// The date of the evaluation that passed.
    pub evaluated_on: Option<Date>,
    pub accepted_on: Option<Date>,
    pub acceptance_extended_until: Option<Date>,
    pub extension_reason: Option<String>,
    /// The first year of the five-year cycle the round belongs to.
    pub cycle_start_year: i32,
    /// The current deadline (kept with every change so that overdue is a plain filter).
    pub due_kind: Option<DeadlineKind>,
    pub due_on: Option<Date>,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
