use sea_orm::entity::prelude::*;

use crate::domain::{
    AuditMode, AuditProcedure, AuditStatus, DeadlineKind, DisclosureChannel, ReviewOutcome,
};

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
    /// The path the audit follows: FULL, or COMBINED_REVIEW (SIMPLIFIED audits only).
    pub procedure: AuditProcedure,
    /// The enterprise's disclosure of its audit (公布审核相关信息): when, where and what.
    pub disclosed_on: Option<Date>,
    pub disclosure_channel: Option<DisclosureChannel>,
    /// The page, when published on the enterprise's own website.
    pub disclosure_url: Option<String>,
    pub disclosure_content: Option<String>,
    /// The enterprise audits on its own (企业自行组织), with its own team leader, no firm.
    pub self_organised: bool,
    pub team_leader_name: Option<String>,
    pub team_leader_position: Option<String>,
    /// The enterprise's pending application for a later acceptance; cleared when decided.
    pub extension_requested_until: Option<Date>,
    pub extension_request_reason: Option<String>,
    pub extension_requested_on: Option<Date>,
    /// The current deadline (kept with every change so that overdue is a plain filter).
    pub due_kind: Option<DeadlineKind>,
    pub due_on: Option<Date>,
    /// The county (区县) its city delegated the evaluation and acceptance to, if any.
    pub delegated_county: Option<String>,
    pub delegated_at: Option<DateTimeUtc>,
    pub delegated_by: Option<Uuid>,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

no_relations!();
