//! Audits with their history and deadlines, reviews, improvement options.

use async_graphql::{Context, Enum, ID, InputObject, Object, Result, SimpleObject};
use chrono::{DateTime, NaiveDate, Utc};
use entity::{audit, audit_transition, improvement_option, review};
use rust_decimal::Decimal;

use crate::domain::{
    AuditEventKind, AuditMode, AuditProcedure, AuditStatus, DeadlineKind, DisclosureChannel,
    DocumentOwnerType, OptionKind, ReviewKind, ReviewOutcome, ReviewStatus,
};
use crate::rules::deadlines::{
    acceptance_due, evaluation_due, is_notice_late, is_overdue, notice_due,
};
use crate::services::amounts::from_stored;
use crate::services::audits::{
    self, AuditFilter as ServiceFilter, Disclosure, MeetingInput, NewAudit, NewOption, NewReview,
    OptionAmounts, OptionPatch, ReportSubmission, ReviewFilter, ReviewResult, TeamLeaderInput,
};
use crate::services::today;

use super::consultancies::{AuditorLink, auditor_link};
use super::context::{loaders, services, viewer, with_id};
use super::documents::Document;
use super::enterprises::Enterprise;
use super::loaders::{load_as, load_rows_as};
use super::pagination::{node_selection, page_args};
use super::reference::{City, city_named};
use super::scalars::{Date, id_of, parse_id, parse_optional_id};
use super::stamps::{Stamps, stamps_of};

pub struct Audit(pub audit::Model);

crate::connection_type!(AuditConnection, AuditEdge, Audit);
crate::connection_type!(ReviewConnection, ReviewEdge, Review);

/// The deadline an audit is working to now.
/// One step of an audit and its deadline.
#[derive(SimpleObject)]
pub struct AuditStepDeadline {
    pub kind: DeadlineKind,
    pub due: Date,
    /// When the step was done; null while it is not.
    pub done_on: Option<Date>,
    /// Done on or before `due`.
    pub met: bool,
    /// Not done and past `due` as of the date asked.
    pub overdue: bool,
}

/// The leader of an enterprise's own audit team (企业自行组织).
#[derive(SimpleObject)]
pub struct TeamLeader {
    pub name: String,
    pub position: String,
}

/// An enterprise's application for a later acceptance, waiting for the city.
#[derive(SimpleObject)]
pub struct ExtensionRequest {
    pub until: Date,
    pub reason: String,
    pub requested_on: Date,
}

#[derive(SimpleObject)]
pub struct AuditDeadline {
    pub kind: DeadlineKind,
    pub due: Date,
}

/// The documents of an audit or a review that the viewer may read, each with its versions.
async fn documents_of(
    ctx: &Context<'_>,
    owner: DocumentOwnerType,
    id: uuid::Uuid,
) -> Result<Vec<Document>> {
    let found =
        crate::services::documents::of_record(services(ctx)?, viewer(ctx), owner, id).await?;
    Ok(found.into_iter().map(Document).collect())
}

#[Object]
impl Audit {
    /// The audit's documents the viewer may read (the report, the performance sheet, the
    /// disclosure evidence…), each with its versions.
    async fn documents(&self, ctx: &Context<'_>) -> Result<Vec<Document>> {
        documents_of(ctx, DocumentOwnerType::Audit, self.0.id).await
    }

    async fn id(&self) -> ID {
        id_of(self.0.id)
    }
    async fn enterprise_id(&self) -> ID {
        id_of(self.0.enterprise_id)
    }
    async fn enterprise(&self, ctx: &Context<'_>) -> Result<Option<Enterprise>> {
        load_as(&loaders(ctx)?.enterprises, self.0.enterprise_id, Enterprise).await
    }
    /// The city that runs the audit (the enterprise's when it was notified).
    async fn city_code(&self) -> &str {
        &self.0.city_code
    }
    async fn city(&self, ctx: &Context<'_>) -> Result<Option<City>> {
        city_named(ctx, &self.0.city_code).await
    }
    async fn year(&self) -> i32 {
        self.0.year
    }
    /// The county (区县) its city delegated the evaluation and acceptance to; null while the
    /// city runs them. That county's admins then organise the reviews.
    async fn delegated_county(&self) -> Option<&str> {
        self.0.delegated_county.as_deref()
    }
    /// When the delegation was made.
    async fn delegated_at(&self) -> Option<DateTime<Utc>> {
        self.0.delegated_at
    }
    /// The annual list that notified it, if any.
    async fn list_id(&self) -> Option<ID> {
        self.0.list_id.map(id_of)
    }
    async fn status(&self) -> AuditStatus {
        self.0.status
    }
    /// The outcome of the latest evaluation or acceptance (the status names it too).
    async fn last_outcome(&self) -> Option<ReviewOutcome> {
        self.0.last_outcome
    }
    /// The round is over: ACCEPTED, or CLOSED_ON_EVALUATION.
    async fn closed(&self) -> bool {
        self.0.closed
    }
    async fn mode(&self) -> AuditMode {
        self.0.mode
    }
    async fn notice_date(&self) -> Date {
        Date(self.0.notice_date)
    }
    /// Notices of a year's list are due by 31 March of that year.
    async fn notice_due(&self) -> Option<Date> {
        notice_due(self.0.year).ok().map(Date)
    }
    async fn notice_late(&self) -> bool {
        is_notice_late(self.0.notice_date, self.0.year)
    }
    async fn started_on(&self) -> Option<Date> {
        self.0.started_on.map(Date)
    }
    /// `consultancyId`, `consultancy`, `leadAuditorId` and `leadAuditor`.
    #[graphql(flatten)]
    async fn auditor_link(&self) -> AuditorLink {
        auditor_link(self.0.consultancy_id, self.0.lead_auditor_id)
    }
    /// The latest report (a resubmission replaces the first).
    async fn report_submitted_on(&self) -> Option<Date> {
        self.0.report_submitted_on.map(Date)
    }
    /// 31 August of the year the report came in, or, for a report that left less than the
    /// set period before it, that period after the report (`CLEANPROD_LATE_REPORT_EVALUATION_DAYS`).
    async fn evaluation_due(&self, ctx: &Context<'_>) -> Result<Option<Date>> {
        let policy = &services(ctx)?.config.deadlines;
        Ok(self
            .0
            .report_submitted_on
            .and_then(|d| evaluation_due(d, policy).ok())
            .map(Date))
    }
    /// The date of the latest evaluation.
    async fn evaluated_on(&self) -> Option<Date> {
        self.0.evaluated_on.map(Date)
    }
    /// One year after the passed evaluation, or the approved extension.
    async fn acceptance_due(&self) -> Result<Option<Date>> {
        let passed_evaluation = matches!(
            self.0.status,
            AuditStatus::EvaluationPassed | AuditStatus::AcceptanceFailed | AuditStatus::Accepted
        );
        if !passed_evaluation {
            return Ok(None);
        }
        Ok(self
            .0
            .acceptance_extended_until
            .or_else(|| self.0.evaluated_on.and_then(|d| acceptance_due(d).ok()))
            .map(Date))
    }
    async fn acceptance_extended_until(&self) -> Option<Date> {
        self.0.acceptance_extended_until.map(Date)
    }
    async fn extension_reason(&self) -> Option<&str> {
        self.0.extension_reason.as_deref()
    }
    async fn accepted_on(&self) -> Option<Date> {
        self.0.accepted_on.map(Date)
    }
    async fn cycle_start_year(&self) -> i32 {
        self.0.cycle_start_year
    }
    /// The end of the five-year cycle: no extension goes beyond it.
    async fn cycle_end(&self) -> Result<Date> {
        Ok(Date(audits::cycle_end_of(&self.0)?))
    }
    /// What the audit owes next and by when; none once accepted and passed.
    async fn deadline(&self, ctx: &Context<'_>) -> Result<Option<AuditDeadline>> {
        let policy = &services(ctx)?.config.deadlines;
        Ok(
            audits::deadline_of(&self.0, policy)?.map(|d| AuditDeadline {
                kind: d.kind,
                due: Date(d.due),
            }),
        )
    }
    /// Past its current deadline on `asOf` (today in China when absent).
    async fn overdue(&self, ctx: &Context<'_>, as_of: Option<Date>) -> Result<bool> {
        let policy = &services(ctx)?.config.deadlines;
        let as_of: NaiveDate = as_of.map_or_else(today, |d| d.0);
        Ok(!self.0.closed
            && audits::deadline_of(&self.0, policy)?.is_some_and(|d| is_overdue(d.due, as_of)))
    }
    /// Every step's deadline in the order of the steps — disclosure (one month after the
    /// notice), start (two months), report (one year), the evaluation of the latest report and
    /// the acceptance — with whether it was met and, as of `asOf` (today in China when
    /// absent), whether it is overdue. Steps not reached yet are not listed.
    async fn deadlines(
        &self,
        ctx: &Context<'_>,
        as_of: Option<Date>,
    ) -> Result<Vec<AuditStepDeadline>> {
        let policy = &services(ctx)?.config.deadlines;
        let as_of: NaiveDate = as_of.map_or_else(today, |d| d.0);
        Ok(audits::step_deadlines_of(&self.0, policy)?
            .into_iter()
            .map(|step| AuditStepDeadline {
                kind: step.kind,
                due: Date(step.due),
                done_on: step.done_on.map(Date),
                met: step.met(),
                overdue: step.overdue(as_of),
            })
            .collect())
    }
    /// When the enterprise disclosed its audit (公布审核相关信息).
    async fn disclosed_on(&self) -> Option<Date> {
        self.0.disclosed_on.map(Date)
    }
    /// Where it disclosed it.
    async fn disclosure_channel(&self) -> Option<DisclosureChannel> {
        self.0.disclosure_channel
    }
    /// The page, for a disclosure on the enterprise's own website.
    async fn disclosure_url(&self) -> Option<&str> {
        self.0.disclosure_url.as_deref()
    }
    /// What it disclosed.
    async fn disclosure_content(&self) -> Option<&str> {
        self.0.disclosure_content.as_deref()
    }
    /// The path the audit follows: FULL, or COMBINED_REVIEW, where its evaluation, when it
    /// passes, accepts the audit too (简化审核程序, SIMPLIFIED audits only).
    async fn procedure(&self) -> AuditProcedure {
        self.0.procedure
    }
    /// The enterprise audits on its own (企业自行组织): no consultancy, its own team leader.
    async fn self_organised(&self) -> bool {
        self.0.self_organised
    }
    /// The leader of the enterprise's own audit team, when it audits on its own.
    async fn team_leader(&self) -> Option<TeamLeader> {
        Some(TeamLeader {
            name: self.0.team_leader_name.clone()?,
            position: self.0.team_leader_position.clone().unwrap_or_default(),
        })
    }
    /// The enterprise's pending application for a later acceptance (null when none waits).
    async fn extension_request(&self) -> Option<ExtensionRequest> {
        Some(ExtensionRequest {
            until: Date(self.0.extension_requested_until?),
            reason: self.0.extension_request_reason.clone().unwrap_or_default(),
            requested_on: Date(self.0.extension_requested_on?),
        })
    }
    /// Every transition, oldest first, with who recorded it and when.
    async fn history(&self, ctx: &Context<'_>) -> Result<Vec<AuditTransition>> {
        load_rows_as(&loaders(ctx)?.audit_history, self.0.id, AuditTransition).await
    }
    async fn reviews(&self, ctx: &Context<'_>) -> Result<Vec<Review>> {
        load_rows_as(&loaders(ctx)?.audit_reviews, self.0.id, Review).await
    }
    /// Improvement options (方案).
    async fn options(&self, ctx: &Context<'_>) -> Result<Vec<ImprovementOption>> {
        load_rows_as(&loaders(ctx)?.audit_options, self.0.id, ImprovementOption).await
    }
    /// `version`, `createdAt` and `updatedAt`.
    #[graphql(flatten)]
    async fn stamps(&self) -> Stamps {
        stamps_of!(Stamps, self.0)
    }
}

pub struct AuditTransition(pub audit_transition::Model);

#[Object]
impl AuditTransition {
    async fn event(&self) -> AuditEventKind {
        self.0.event
    }
    #[graphql(name = "fromStatus")]
    async fn previous_status(&self) -> Option<AuditStatus> {
        self.0.from_status
    }
    async fn to_status(&self) -> AuditStatus {
        self.0.to_status
    }
    async fn outcome(&self) -> Option<ReviewOutcome> {
        self.0.outcome
    }
    /// The day it happened (notice, start, report, review).
    async fn occurred_on(&self) -> Date {
        Date(self.0.occurred_on)
    }
    async fn note(&self) -> Option<&str> {
        self.0.note.as_deref()
    }
    async fn review_id(&self) -> Option<ID> {
        self.0.review_id.map(id_of)
    }
    /// The user who recorded it (none for the command line).
    async fn actor_id(&self) -> Option<ID> {
        self.0.actor_id.map(id_of)
    }
    async fn recorded_at(&self) -> DateTime<Utc> {
        self.0.recorded_at
    }
}

pub struct Review(pub review::Model);

/// One change of a review's meeting details.
pub struct ReviewChange(pub entity::review_change::Model);

#[Object]
impl ReviewChange {
    async fn changed_at(&self) -> DateTime<Utc> {
        self.0.changed_at
    }
    async fn changed_by(&self) -> Option<ID> {
        self.0.changed_by.map(id_of)
    }
    /// Made after the panel was drawn (the seated experts were told).
    async fn after_draw(&self) -> bool {
        self.0.after_draw
    }
    /// Each changed field (`startsAt`, `venue`, `contactName`, `contactPhone`, `note`) with
    /// its value before and after.
    async fn changes(&self) -> Result<async_graphql::Json<serde_json::Value>> {
        Ok(async_graphql::Json(
            serde_json::from_str(&self.0.changes)
                .map_err(|e| crate::error::AppError::internal(format!("stored changes: {e}")))?,
        ))
    }
}

#[Object]
impl Review {
    /// When the meeting starts (entered as China time on the review date).
    async fn starts_at(&self) -> Option<DateTime<Utc>> {
        self.0.starts_at
    }
    async fn venue(&self) -> Option<&str> {
        self.0.venue.as_deref()
    }
    /// The organiser's contact for the experts.
    async fn contact_name(&self) -> Option<&str> {
        self.0.contact_name.as_deref()
    }
    async fn contact_phone(&self) -> Option<&str> {
        self.0.contact_phone.as_deref()
    }
    async fn meeting_note(&self) -> Option<&str> {
        self.0.meeting_note.as_deref()
    }
    /// Every change of the meeting details, oldest first; `afterDraw` ones were sent to the
    /// seated experts.
    async fn meeting_changes(&self, ctx: &Context<'_>) -> Result<Vec<ReviewChange>> {
        let s = services(ctx)?;
        Ok(audits::meeting_changes(&s.db, self.0.id)
            .await?
            .into_iter()
            .map(ReviewChange)
            .collect())
    }

    /// The review's documents the viewer may read (the panel's opinion).
    async fn documents(&self, ctx: &Context<'_>) -> Result<Vec<Document>> {
        documents_of(ctx, DocumentOwnerType::Review, self.0.id).await
    }

    async fn id(&self) -> ID {
        id_of(self.0.id)
    }
    async fn audit_id(&self) -> ID {
        id_of(self.0.audit_id)
    }
    async fn audit(&self, ctx: &Context<'_>) -> Result<Option<Audit>> {
        load_as(&loaders(ctx)?.audits, self.0.audit_id, Audit).await
    }
    async fn kind(&self) -> ReviewKind {
        self.0.kind
    }
    async fn date(&self) -> Date {
        Date(self.0.review_date)
    }
    /// The organising city; none when the province organises (rechecks).
    async fn organiser_city_code(&self) -> Option<&str> {
        self.0.organiser_city_code.as_deref()
    }
    async fn status(&self) -> ReviewStatus {
        self.0.status
    }
    async fn outcome(&self) -> Option<ReviewOutcome> {
        self.0.outcome
    }
    /// 0–100.
    async fn score(&self) -> Option<Decimal> {
        self.0.score.map(from_stored)
    }
    async fn opinion(&self) -> Option<&str> {
        self.0.opinion.as_deref()
    }
    async fn held_at(&self) -> Option<DateTime<Utc>> {
        self.0.held_at
    }
    /// The expert panel, when the viewer may see who sits on it (consultancies from the
    /// review date on).
    async fn panel(&self, ctx: &Context<'_>) -> Result<Option<super::panels::Panel>> {
        super::panels::panel_of_review(ctx, &self.0).await
    }
    /// Whether a panel has been drawn.
    async fn has_panel(&self, ctx: &Context<'_>) -> Result<bool> {
        super::panels::review_has_panel(ctx, &self.0).await
    }
    /// A recheck's findings, traced back to the consultancy, lead auditor and experts.
    async fn findings(&self, ctx: &Context<'_>) -> Result<Vec<super::rechecks::RecheckFinding>> {
        super::rechecks::findings_of_review(ctx, self.0.id).await
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}

/// Whether an option needs its own acceptance (精简验收内容).
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
pub enum AcceptanceRequirement {
    /// A no/low-cost option without technical retrofit.
    No,
    Yes,
    /// A retrofit accepted by another department: its conclusion is recorded instead.
    OtherDepartment,
}

pub struct ImprovementOption(pub improvement_option::Model);

#[Object]
impl ImprovementOption {
    async fn id(&self) -> ID {
        id_of(self.0.id)
    }
    async fn audit_id(&self) -> ID {
        id_of(self.0.audit_id)
    }
    async fn kind(&self) -> OptionKind {
        self.0.kind
    }
    async fn title(&self) -> &str {
        &self.0.title
    }
    /// 10 000 CNY.
    async fn investment(&self) -> Decimal {
        from_stored(self.0.investment)
    }
    /// 10 000 CNY a year.
    async fn economic_benefit(&self) -> Decimal {
        from_stored(self.0.economic_benefit)
    }
    /// Tonnes of standard coal equivalent a year.
    async fn energy_tce(&self) -> Decimal {
        from_stored(self.0.energy_tce)
    }
    /// Tonnes a year, as are the other savings.
    async fn water_t(&self) -> Decimal {
        from_stored(self.0.water_t)
    }
    async fn cod_t(&self) -> Decimal {
        from_stored(self.0.cod_t)
    }
    async fn ammonia_nitrogen_t(&self) -> Decimal {
        from_stored(self.0.ammonia_nitrogen_t)
    }
    async fn so2_t(&self) -> Decimal {
        from_stored(self.0.so2_t)
    }
    async fn nox_t(&self) -> Decimal {
        from_stored(self.0.nox_t)
    }
    async fn particulates_t(&self) -> Decimal {
        from_stored(self.0.particulates_t)
    }
    async fn vocs_t(&self) -> Decimal {
        from_stored(self.0.vocs_t)
    }
    async fn co2_t(&self) -> Decimal {
        from_stored(self.0.co2_t)
    }
    async fn implemented(&self) -> bool {
        self.0.implemented
    }
    async fn technical_retrofit(&self) -> bool {
        self.0.technical_retrofit
    }
    async fn accepted_by_other_department(&self) -> bool {
        self.0.accepted_by_other_department
    }
    async fn other_department(&self) -> Option<&str> {
        self.0.other_department.as_deref()
    }
    async fn other_department_conclusion(&self) -> Option<&str> {
        self.0.other_department_conclusion.as_deref()
    }
    async fn needs_acceptance(&self) -> Result<AcceptanceRequirement> {
        match self.0.needs_acceptance.as_str() {
            "NO" => Ok(AcceptanceRequirement::No),
            "YES" => Ok(AcceptanceRequirement::Yes),
            "OTHER_DEPARTMENT" => Ok(AcceptanceRequirement::OtherDepartment),
            other => Err(crate::error::AppError::internal(format!(
                "stored acceptance requirement {other:?} is unknown"
            ))
            .into()),
        }
    }
    async fn version(&self) -> i32 {
        self.0.version
    }
}

#[derive(InputObject)]
pub struct CreateAuditInput {
    pub enterprise_id: ID,
    pub year: i32,
    /// Defaults to today.
    pub notice_date: Option<Date>,
    /// COMBINED_REVIEW (简化审核程序: one review evaluates and accepts) for a SIMPLIFIED
    /// enterprise only; FULL when absent.
    pub procedure: Option<AuditProcedure>,
}

/// A report handed in: with a consultancy and its lead auditor, or, when the enterprise
/// audits on its own (企业自行组织), with its own team leader instead.
#[derive(InputObject)]
pub struct SubmitAuditReportInput {
    pub consultancy_id: Option<ID>,
    /// Must be staff of that consultancy on `submittedOn`; required with `consultancyId`.
    pub lead_auditor_id: Option<ID>,
    /// The enterprise's own team leader, when no consultancy helps.
    pub team_leader: Option<TeamLeaderInput>,
    /// Defaults to today.
    pub submitted_on: Option<Date>,
}

#[derive(InputObject, Default)]
pub struct AuditFilter {
    pub city_code: Option<String>,
    pub year: Option<i32>,
    pub status: Option<AuditStatus>,
    pub consultancy_id: Option<ID>,
    pub enterprise_id: Option<ID>,
    /// Past its current deadline on `asOf` (or not).
    pub overdue: Option<bool>,
    /// Defaults to today (China Standard Time).
    pub as_of: Option<Date>,
    /// The kind of the current deadline (with `overdue: true`: what the audit is late for).
    pub deadline_kind: Option<DeadlineKind>,
    /// Whether its evaluation and acceptance are delegated to a county.
    pub delegated: Option<bool>,
}

/// Amounts are exact decimals sent as strings, never negative: money in 10 000 CNY, energy in
/// tce a year, the rest in tonnes a year. Amounts left out are 0.
#[derive(InputObject)]
pub struct ImprovementOptionInput {
    pub kind: OptionKind,
    pub title: String,
    #[graphql(default)]
    pub investment: Decimal,
    #[graphql(default)]
    pub economic_benefit: Decimal,
    #[graphql(default)]
    pub energy_tce: Decimal,
    #[graphql(default)]
    pub water_t: Decimal,
    #[graphql(default)]
    pub cod_t: Decimal,
    #[graphql(default)]
    pub ammonia_nitrogen_t: Decimal,
    #[graphql(default)]
    pub so2_t: Decimal,
    #[graphql(default)]
    pub nox_t: Decimal,
    #[graphql(default)]
    pub particulates_t: Decimal,
    #[graphql(default)]
    pub vocs_t: Decimal,
    #[graphql(default)]
    pub co2_t: Decimal,
    #[graphql(default)]
    pub implemented: bool,
    #[graphql(default)]
    pub technical_retrofit: bool,
    /// A retrofit already accepted by another department: name it and its conclusion.
    #[graphql(default)]
    pub accepted_by_other_department: bool,
    pub other_department: Option<String>,
    pub other_department_conclusion: Option<String>,
}

/// Every field optional: only the given ones change.
#[derive(InputObject, Default)]
pub struct UpdateImprovementOptionInput {
    pub kind: Option<OptionKind>,
    pub title: Option<String>,
    pub investment: Option<Decimal>,
    pub economic_benefit: Option<Decimal>,
    pub energy_tce: Option<Decimal>,
    pub water_t: Option<Decimal>,
    pub cod_t: Option<Decimal>,
    pub ammonia_nitrogen_t: Option<Decimal>,
    pub so2_t: Option<Decimal>,
    pub nox_t: Option<Decimal>,
    pub particulates_t: Option<Decimal>,
    pub vocs_t: Option<Decimal>,
    pub co2_t: Option<Decimal>,
    pub implemented: Option<bool>,
    pub technical_retrofit: Option<bool>,
    pub accepted_by_other_department: Option<bool>,
    pub other_department: Option<String>,
    pub other_department_conclusion: Option<String>,
}

#[derive(SimpleObject)]
pub struct RecordedReview {
    pub review: Review,
    /// The audit after the outcome moved it on.
    pub audit: Audit,
}

#[derive(Default)]
pub struct AuditQuery;

#[Object]
impl AuditQuery {
    /// One audit: the province, its city, or the consultancy that holds it.
    async fn audit(&self, ctx: &Context<'_>, id: ID) -> Result<Audit> {
        with_id(ctx, "id", &id, |s, v, id| audits::get_audit(&s.db, v, id))
            .await
            .map(Audit)
    }

    /// Audits in creation order; a city admin sees their city's, a consultancy its own.
    async fn audits(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        filter: Option<AuditFilter>,
    ) -> Result<AuditConnection> {
        let (s, page) = page_args(ctx, first, after)?;
        let f = filter.unwrap_or_default();
        let result = audits::list_audits(
            &s.db,
            viewer(ctx),
            ServiceFilter {
                city_code: f.city_code,
                year: f.year,
                status: f.status,
                consultancy_id: parse_optional_id(
                    "filter.consultancyId",
                    f.consultancy_id.as_ref(),
                )?,
                enterprise_id: parse_optional_id("filter.enterpriseId", f.enterprise_id.as_ref())?,
                overdue: f.overdue,
                as_of: f.as_of.map(|d| d.0),
                deadline_kind: f.deadline_kind,
                delegated: f.delegated,
            },
            page,
        )
        .await?;
        connection(ctx, result).await
    }

    /// Audits past their current deadline on `asOf` (today when absent), of a city or, for
    /// the province, of all.
    async fn overdue_audits(
        &self,
        ctx: &Context<'_>,
        city_code: Option<String>,
        as_of: Option<Date>,
        #[graphql(
            desc = "Only the audits late for this kind of step (its `totalCount` counts them)."
        )]
        kind: Option<DeadlineKind>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<AuditConnection> {
        let (s, page) = page_args(ctx, first, after)?;
        let result = audits::overdue_audits(
            &s.db,
            viewer(ctx),
            city_code,
            as_of.map(|d| d.0),
            kind,
            page,
        )
        .await?;
        connection(ctx, result).await
    }

    /// Reviews of the audits the viewer may read, e.g. the scheduled evaluations of a city
    /// that have no panel yet: `filter: { status: SCHEDULED, kind: EVALUATION, hasPanel: false }`.
    async fn reviews(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        filter: Option<ReviewFilter>,
    ) -> Result<ReviewConnection> {
        let (s, page) = page_args(ctx, first, after)?;
        let result =
            audits::list_reviews(&s.db, viewer(ctx), filter.unwrap_or_default(), page).await?;
        Ok(ReviewConnection::of_rows(result, |m| m.id, Review))
    }

    async fn review(&self, ctx: &Context<'_>, id: ID) -> Result<Review> {
        with_id(ctx, "id", &id, |s, v, id| audits::get_review(&s.db, v, id))
            .await
            .map(Review)
    }
}

async fn connection(
    ctx: &Context<'_>,
    result: crate::services::pagination::Page<audit::Model>,
) -> Result<AuditConnection> {
    let s = services(ctx)?;
    let node = node_selection(ctx);
    loaders(ctx)?.prime_audits(s, node, &result.items).await?;
    Ok(AuditConnection::of_rows(result, |m| m.id, Audit))
}

/// The service's new option (`NewOption`, each field given) or patch (`OptionPatch`, each
/// optional) from the matching input: the inputs and the service types name their fields
/// alike.
macro_rules! option_of {
    ($option:ident, $input:expr) => {
        $option {
            kind: $input.kind,
            title: $input.title,
            amounts: OptionAmounts {
                investment: $input.investment,
                economic_benefit: $input.economic_benefit,
                energy_tce: $input.energy_tce,
                water_t: $input.water_t,
                cod_t: $input.cod_t,
                ammonia_nitrogen_t: $input.ammonia_nitrogen_t,
                so2_t: $input.so2_t,
                nox_t: $input.nox_t,
                particulates_t: $input.particulates_t,
                vocs_t: $input.vocs_t,
                co2_t: $input.co2_t,
            },
            implemented: $input.implemented,
            technical_retrofit: $input.technical_retrofit,
            accepted_by_other_department: $input.accepted_by_other_department,
            other_department: $input.other_department,
            other_department_conclusion: $input.other_department_conclusion,
        }
    };
}

#[derive(Default)]
pub struct AuditMutation;

#[Object]
impl AuditMutation {
    /// Notifies one enterprise outside an annual list (its city's admins and the province).
    async fn create_audit(&self, ctx: &Context<'_>, input: CreateAuditInput) -> Result<Audit> {
        let s = services(ctx)?;
        let new = NewAudit {
            enterprise_id: parse_id("enterpriseId", &input.enterprise_id)?,
            year: input.year,
            notice_date: input.notice_date.map(|d| d.0),
            procedure: input.procedure,
        };
        Ok(Audit(
            audits::create_audit(&s.db, viewer(ctx), &s.config.deadlines, new).await?,
        ))
    }

    /// NOTIFIED → IN_PROGRESS. `startedOn` defaults to today.
    async fn start_audit(
        &self,
        ctx: &Context<'_>,
        audit_id: ID,
        started_on: Option<Date>,
    ) -> Result<Audit> {
        with_id(ctx, "auditId", &audit_id, |s, v, id| {
            audits::start_audit(&s.db, v, &s.config.deadlines, id, started_on.map(|d| d.0))
        })
        .await
        .map(Audit)
    }

    /// IN_PROGRESS (or EVALUATED with a failed evaluation) → REPORT_SUBMITTED.
    async fn submit_audit_report(
        &self,
        ctx: &Context<'_>,
        audit_id: ID,
        input: SubmitAuditReportInput,
    ) -> Result<Audit> {
        let s = services(ctx)?;
        let id = parse_id("auditId", &audit_id)?;
        let submission = ReportSubmission {
            consultancy_id: parse_optional_id("consultancyId", input.consultancy_id.as_ref())?,
            lead_auditor_id: parse_optional_id("leadAuditorId", input.lead_auditor_id.as_ref())?,
            team_leader: input.team_leader,
            submitted_on: input.submitted_on.map(|d| d.0),
        };
        Ok(Audit(
            audits::submit_report(
                &s.db,
                viewer(ctx),
                &s.config.deadlines,
                s.config.documents.step_documents(),
                id,
                submission,
            )
            .await?,
        ))
    }

    /// The enterprise (or its city's admins for it) records its disclosure of the audit:
    /// where, when and what (公布审核相关信息, due one month after the notice).
    async fn record_audit_disclosure(
        &self,
        ctx: &Context<'_>,
        audit_id: ID,
        input: Disclosure,
    ) -> Result<Audit> {
        with_id(ctx, "auditId", &audit_id, |s, v, id| {
            audits::record_disclosure(&s.db, v, &s.config.deadlines, id, input)
        })
        .await
        .map(Audit)
    }

    /// The enterprise applies for a later acceptance (申请延期验收), with its reason; its city
    /// grants or refuses it with `decideAcceptanceExtension`.
    async fn request_acceptance_extension(
        &self,
        ctx: &Context<'_>,
        audit_id: ID,
        until: Date,
        reason: String,
    ) -> Result<Audit> {
        with_id(ctx, "auditId", &audit_id, |s, v, id| {
            audits::request_extension(&s.db, v, &s.config.deadlines, id, until.0, &reason)
        })
        .await
        .map(Audit)
    }

    /// The audit's city grants (to the date applied for) or refuses the enterprise's waiting
    /// application for a later acceptance, with its reason.
    async fn decide_acceptance_extension(
        &self,
        ctx: &Context<'_>,
        audit_id: ID,
        grant: bool,
        reason: String,
    ) -> Result<Audit> {
        with_id(ctx, "auditId", &audit_id, |s, v, id| {
            audits::decide_extension(&s.db, v, &s.config.deadlines, id, grant, &reason)
        })
        .await
        .map(Audit)
    }

    /// Moves the acceptance deadline to `until`, no later than the end of the audit's cycle.
    async fn grant_acceptance_extension(
        &self,
        ctx: &Context<'_>,
        audit_id: ID,
        until: Date,
        reason: String,
    ) -> Result<Audit> {
        with_id(ctx, "auditId", &audit_id, |s, v, id| {
            audits::grant_extension(&s.db, v, &s.config.deadlines, id, until.0, &reason)
        })
        .await
        .map(Audit)
    }

    /// Sets a scheduled review's meeting details (its organiser): the start as `HH:MM` China
    /// time on the review date, the venue, the organiser's contact and a note. A change after
    /// the draw is kept in `meetingChanges` and sent to the seated experts.
    async fn set_review_meeting(
        &self,
        ctx: &Context<'_>,
        review_id: ID,
        input: MeetingInput,
    ) -> Result<Review> {
        let s = services(ctx)?;
        let id = parse_id("reviewId", &review_id)?;
        Ok(Review(
            audits::set_review_meeting(s, viewer(ctx), id, input).await?,
        ))
    }

    /// Schedules an EVALUATION or ACCEPTANCE (the audit's city) or a RECHECK (the province).
    async fn schedule_review(&self, ctx: &Context<'_>, input: NewReview) -> Result<Review> {
        let s = services(ctx)?;
        Ok(Review(
            audits::schedule_review(&s.db, viewer(ctx), &s.config.deadlines, input).await?,
        ))
    }

    /// Records a held review's outcome; an evaluation or acceptance moves the audit on.
    async fn record_review_outcome(
        &self,
        ctx: &Context<'_>,
        review_id: ID,
        input: ReviewResult,
    ) -> Result<RecordedReview> {
        let s = services(ctx)?;
        let id = parse_id("reviewId", &review_id)?;
        let review = audits::record_review_outcome(
            &s.db,
            viewer(ctx),
            &s.config.deadlines,
            s.config.review_pass_mark,
            s.config.documents.step_documents(),
            id,
            input,
        )
        .await?;
        let audit = audits::find(&s.db, review.audit_id).await?;
        Ok(RecordedReview {
            review: Review(review),
            audit: Audit(audit),
        })
    }

    async fn add_improvement_option(
        &self,
        ctx: &Context<'_>,
        audit_id: ID,
        input: ImprovementOptionInput,
    ) -> Result<ImprovementOption> {
        let new = option_of!(NewOption, input);
        with_id(ctx, "auditId", &audit_id, |s, v, id| {
            audits::add_option(&s.db, v, id, new)
        })
        .await
        .map(ImprovementOption)
    }

    /// Changes an option; `expectedVersion` must be the version last read.
    async fn update_improvement_option(
        &self,
        ctx: &Context<'_>,
        id: ID,
        input: UpdateImprovementOptionInput,
        expected_version: i32,
    ) -> Result<ImprovementOption> {
        let patch = option_of!(OptionPatch, input);
        with_id(ctx, "id", &id, |s, v, id| {
            audits::update_option(&s.db, v, id, patch, expected_version)
        })
        .await
        .map(ImprovementOption)
    }
}
