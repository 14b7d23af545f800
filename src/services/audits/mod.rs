//! Audits: the round from notice to acceptance, every transition kept; deadlines, extensions,
//! reviews that move the audit on, improvement options, and certifications that count as a
//! completed audit.

use async_graphql::{ID, InputObject};
use chrono::{Datelike, NaiveDate, Utc};
use entity::{
    audit, audit_transition, certification, enterprise, improvement_option, panel, review,
};
use rust_decimal::Decimal;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, EntityTrait,
    QueryFilter, QueryOrder, QuerySelect, QueryTrait, Select, Set,
};
use serde_json::json;
use uuid::Uuid;

use crate::auth::Viewer;
use crate::db::begin_write;
use crate::domain::NotificationKind;
use crate::domain::{
    AuditEventKind, AuditMode, AuditProcedure, AuditStatus, CertificationLevel, DeadlineKind,
    DisclosureChannel, DocumentKind, DocumentOwnerType, OptionKind, ReviewKind, ReviewOutcome,
    ReviewStatus,
};
use crate::error::{AppError, AppResult};
use crate::rules::audit_lifecycle::{
    AuditEvent, NeedsAcceptance, check_outcome_score, check_reexamination_date,
    check_review_after_step, closes_on_evaluation, is_final, next_status, option_needs_acceptance,
    review_allowed,
};
use crate::rules::consultancy::{employed_on, may_take_new_audits};
use crate::rules::deadlines::{
    AuditDates, AuditDeadline, DeadlinePolicy, StepDeadline, audit_deadline, check_extension,
    cycle_end, step_deadlines,
};
use crate::rules::documents::{opinion_kinds, required_for_report};
use crate::scalars::{Date, parse_id};

mod certifications;
mod extensions;
mod meetings;
mod options;
mod reviews;
mod trees;

pub use certifications::*;
pub use extensions::*;
pub use meetings::*;
pub use options::*;
pub use reviews::*;

use super::amounts::{to_stored, to_stored_opt};
use super::pagination::{Page, PageRequest, fetch_page};
use super::text::{optional_text, required_text};
use super::{
    audit_log, consultancies, documents, enterprises, is_constant, notifications, past_or_today,
    today, versioned,
};

pub struct NewAudit {
    pub enterprise_id: Uuid,
    pub year: i32,
    pub notice_date: Option<NaiveDate>,
    /// COMBINED_REVIEW only for a SIMPLIFIED enterprise; FULL when absent.
    pub procedure: Option<AuditProcedure>,
}

/// What starts a round: its year, notice, list and the path its SIMPLIFIED audit follows.
pub(crate) struct NewRound {
    pub year: i32,
    pub notice_date: NaiveDate,
    pub list_id: Option<Uuid>,
    /// Applies to a SIMPLIFIED audit; a STRICT one always takes the full path.
    pub procedure: AuditProcedure,
}

/// A report handed in: with a consultancy and its lead auditor, or by an enterprise that
/// audits on its own (企业自行组织) with its own team leader.
pub struct ReportSubmission {
    pub consultancy_id: Option<Uuid>,
    pub lead_auditor_id: Option<Uuid>,
    pub team_leader: Option<TeamLeaderInput>,
    pub submitted_on: Option<NaiveDate>,
}

// The leader of an enterprise's own audit team (the GraphQL input of the same name). Its
// doc comments are the input's GraphQL descriptions.
#[derive(InputObject)]
pub struct TeamLeaderInput {
    pub name: String,
    /// The leader's position in the enterprise (e.g. 副总经理).
    pub position: String,
}

// An enterprise's disclosure of its audit (the GraphQL input `AuditDisclosureInput`). Its doc
// comments are the input's GraphQL descriptions.
/// Where, when and what the enterprise disclosed (公布审核相关信息).
#[derive(InputObject)]
#[graphql(name = "AuditDisclosureInput")]
pub struct Disclosure {
    /// Defaults to today; not before the notice, not in the future.
    pub disclosed_on: Option<Date>,
    pub channel: DisclosureChannel,
    /// The page's address; required for OWN_WEBSITE.
    pub url: Option<String>,
    /// What was disclosed (at most 2 000 characters).
    pub content: String,
}

#[derive(Default)]
pub struct AuditFilter {
    pub city_code: Option<String>,
    pub year: Option<i32>,
    pub status: Option<AuditStatus>,
    pub consultancy_id: Option<Uuid>,
    pub enterprise_id: Option<Uuid>,
    /// Overdue (or not) as of `as_of`, today in China when absent.
    pub overdue: Option<bool>,
    pub as_of: Option<NaiveDate>,
    /// The kind of the audit's current deadline (with `overdue`: what it is late for).
    pub deadline_kind: Option<DeadlineKind>,
    /// Delegated to a county (or not).
    pub delegated: Option<bool>,
}

/// Narrows `reviews`; every field optional.
#[derive(InputObject, Default)]
pub struct ReviewFilter {
    pub status: Option<ReviewStatus>,
    pub kind: Option<ReviewKind>,
    /// The city of the audited enterprise (a city administrator: only their own).
    pub city_code: Option<String>,
    /// Held on or after this date.
    pub date_from: Option<Date>,
    /// Held on or before this date.
    pub date_to: Option<Date>,
    /// Whether a panel has been drawn for it: `false` finds the reviews still to draw.
    pub has_panel: Option<bool>,
}

// A review to schedule (the GraphQL input `ScheduleReviewInput`); the service parses its id.
#[derive(InputObject)]
#[graphql(name = "ScheduleReviewInput")]
pub struct NewReview {
    pub audit_id: ID,
    pub kind: ReviewKind,
    pub date: Date,
}

// A held review's outcome (the GraphQL input `ReviewOutcomeInput`). Its doc comments are the
// input's GraphQL descriptions.
#[derive(InputObject)]
#[graphql(name = "ReviewOutcomeInput")]
pub struct ReviewResult {
    pub outcome: ReviewOutcome,
    /// 0–100, at most four decimal places.
    pub score: Option<Decimal>,
    pub opinion: String,
}

/// An improvement option's amounts: 10 000 CNY for money, tce for energy, tonnes otherwise.
/// An update's are `OptionAmounts<Option<Decimal>>`, where `None` leaves an amount as it is.
#[derive(Clone, Copy, Default)]
pub struct OptionAmounts<T = Decimal> {
    pub investment: T,
    pub economic_benefit: T,
    pub energy_tce: T,
    pub water_t: T,
    pub cod_t: T,
    pub ammonia_nitrogen_t: T,
    pub so2_t: T,
    pub nox_t: T,
    pub particulates_t: T,
    pub vocs_t: T,
    pub co2_t: T,
}

pub struct NewOption {
    pub kind: OptionKind,
    pub title: String,
    pub amounts: OptionAmounts,
    pub implemented: bool,
    pub technical_retrofit: bool,
    pub accepted_by_other_department: bool,
    pub other_department: Option<String>,
    pub other_department_conclusion: Option<String>,
}

/// Fields an update may change; `None` leaves a field as it is.
#[derive(Default)]
pub struct OptionPatch {
    pub kind: Option<OptionKind>,
    pub title: Option<String>,
    pub amounts: OptionAmounts<Option<Decimal>>,
    pub implemented: Option<bool>,
    pub technical_retrofit: Option<bool>,
    pub accepted_by_other_department: Option<bool>,
    pub other_department: Option<String>,
    pub other_department_conclusion: Option<String>,
}

pub struct NewCertification {
    pub enterprise_id: Uuid,
    pub level: CertificationLevel,
    pub certified_on: Option<NaiveDate>,
    pub valid_until: NaiveDate,
    pub meets_audit_requirements: bool,
}

fn dates_of(model: &audit::Model) -> AuditDates {
    AuditDates {
        notice_date: model.notice_date,
        disclosed_on: model.disclosed_on,
        started_on: model.started_on,
        report_submitted_on: model.report_submitted_on,
        evaluated_on: model.evaluated_on,
        acceptance_extended_until: model.acceptance_extended_until,
    }
}

/// The deadline the audit is working to now.
pub fn deadline_of(
    model: &audit::Model,
    policy: &DeadlinePolicy,
) -> AppResult<Option<AuditDeadline>> {
    audit_deadline(model.status, &dates_of(model), policy)
        .map_err(|_| AppError::internal(format!("audit {} has dates out of range", model.id)))
}

/// Every step deadline of the audit, met, missed or owed (see `rules::deadlines`).
pub fn step_deadlines_of(
    model: &audit::Model,
    policy: &DeadlinePolicy,
) -> AppResult<Vec<StepDeadline>> {
    step_deadlines(model.status, &dates_of(model), model.accepted_on, policy)
        .map_err(|_| AppError::internal(format!("audit {} has dates out of range", model.id)))
}

/// Keeps the stored deadline in step with the record, so overdue is a plain filter.
fn refresh_deadline(model: &mut audit::Model, policy: &DeadlinePolicy) -> AppResult<()> {
    let deadline = deadline_of(model, policy)?;
    model.due_kind = deadline.map(|d| d.kind);
    model.due_on = deadline.map(|d| d.due);
    Ok(())
}

pub fn cycle_end_of(model: &audit::Model) -> AppResult<NaiveDate> {
    cycle_end(model.cycle_start_year)
        .map_err(|_| AppError::internal(format!("audit {} has a cycle out of range", model.id)))
}

pub async fn find(db: &impl ConnectionTrait, id: Uuid) -> AppResult<audit::Model> {
    super::find_or_not_found::<audit::Entity>(db, "Audit", id).await
}

/// Who may read an audit: the province, its city, the county its reviews are delegated to,
/// the consultancy that holds it and the enterprise audited.
pub fn require_read(viewer: &Viewer, model: &audit::Model) -> AppResult<()> {
    if model
        .consultancy_id
        .is_some_and(|id| viewer.is_consultancy(id))
        || viewer.is_enterprise(model.enterprise_id)
        || viewer.is_county_admin_of(&model.city_code, model.delegated_county.as_deref())
    {
        return Ok(());
    }
    viewer.require_city(&model.city_code)
}

/// One entry of an audit's history.
struct Transition {
    event: AuditEventKind,
    from: Option<AuditStatus>,
    to: AuditStatus,
    outcome: Option<ReviewOutcome>,
    occurred_on: NaiveDate,
    note: Option<String>,
    review_id: Option<Uuid>,
}

impl Transition {
    /// A step that leaves the audit's status as it is (a disclosure, an extension), with
    /// the outcome it carries and a note.
    fn keeping(event: AuditEventKind, current: &audit::Model, note: String, on: NaiveDate) -> Self {
        Transition {
            outcome: current.last_outcome,
            note: Some(note),
            ..Transition::new(event, Some(current.status), current.status, on)
        }
    }

    fn new(
        event: AuditEventKind,
        from: Option<AuditStatus>,
        to: AuditStatus,
        on: NaiveDate,
    ) -> Self {
        Transition {
            event,
            from,
            to,
            outcome: None,
            occurred_on: on,
            note: None,
            review_id: None,
        }
    }
}

async fn record_transition(
    txn: &impl ConnectionTrait,
    viewer: &Viewer,
    audit_id: Uuid,
    t: Transition,
) -> AppResult<()> {
    audit_transition::ActiveModel {
        id: Set(Uuid::now_v7()),
        audit_id: Set(audit_id),
        event: Set(t.event),
        from_status: Set(t.from),
        to_status: Set(t.to),
        outcome: Set(t.outcome),
        occurred_on: Set(t.occurred_on),
        note: Set(t.note),
        review_id: Set(t.review_id),
        actor_id: Set(viewer.user_id()),
        recorded_at: Set(Utc::now()),
    }
    .insert(txn)
    .await?;
    Ok(())
}

/// Writes the whole of `next` if the row still has `version`; a concurrent change makes this a
/// CONFLICT and the caller's transaction writes nothing.
async fn save(
    txn: &impl ConnectionTrait,
    mut next: audit::Model,
    version: i32,
    policy: &DeadlinePolicy,
) -> AppResult<audit::Model> {
    refresh_deadline(&mut next, policy)?;
    next.version = version + 1;
    next.updated_at = Utc::now();
    let id = next.id;
    let active: audit::ActiveModel = next.into();
    versioned::update_if_version::<audit::Entity>(txn, active.reset_all(), id, version, None).await
}

/// A step of an audit as one mutation writes it: its history row and its audit-log entry.
struct Step {
    transition: Transition,
    operation: &'static str,
    summary: serde_json::Value,
    /// Documents the step rests on: they cannot be deleted from then on.
    backing: Vec<Uuid>,
    /// What the audit's enterprise and consultancy are told of the step, if anything.
    notify: Option<(NotificationKind, notifications::Params)>,
}

impl Step {
    /// A step resting on no document, of which no one is told.
    fn new(transition: Transition, operation: &'static str, summary: serde_json::Value) -> Step {
        Step {
            transition,
            operation,
            summary,
            backing: Vec::new(),
            notify: None,
        }
    }

    /// The step as resting on these documents.
    fn backed_by(self, backing: Vec<Uuid>) -> Step {
        Step { backing, ..self }
    }
}

/// One step of an audit, written whole: the audit as changed (if it still has the version
/// read), the step in its history, the mutation's audit-log entry, in one transaction.
async fn write_step(
    db: &DatabaseConnection,
    viewer: &Viewer,
    policy: &DeadlinePolicy,
    current: &audit::Model,
    next: audit::Model,
    step: Step,
) -> AppResult<audit::Model> {
    let txn = begin_write(db).await?;
    let saved = save(&txn, next, current.version, policy).await?;
    record_transition(&txn, viewer, current.id, step.transition).await?;
    documents::lock(&txn, &step.backing, step.operation).await?;
    if let Some((kind, params)) = step.notify {
        notifications::notify_parties(&txn, current, kind, params, ("Audit", current.id)).await?;
    }
    audit_log::commit(
        txn,
        viewer,
        step.operation,
        "Audit",
        Some(current.id.to_string()),
        step.summary,
    )
    .await?;
    Ok(saved)
}

fn one_open_audit(enterprise: &enterprise::Model) -> AppError {
    AppError::conflict(format!(
        "{} has an audit that is not yet accepted; one round at a time",
        enterprise.name
    ))
}

/// Creates an audit in NOTIFIED inside the caller's transaction (a single creation or a
/// published list).
pub(crate) async fn insert_audit(
    txn: &impl ConnectionTrait,
    viewer: &Viewer,
    policy: &DeadlinePolicy,
    enterprise: &enterprise::Model,
    round: NewRound,
) -> AppResult<audit::Model> {
    let NewRound {
        year,
        notice_date,
        list_id,
        procedure,
    } = round;
    let mode = enterprises::mode_of(enterprise);
    let procedure = match mode {
        AuditMode::Simplified => procedure,
        AuditMode::Strict => AuditProcedure::Full,
    };
    let open = audit::Entity::find()
        .filter(audit::Column::EnterpriseId.eq(enterprise.id))
        .filter(is_constant(audit::Column::Closed, false))
        .one(txn)
        .await?;
    if open.is_some() {
        return Err(one_open_audit(enterprise));
    }
    let now = Utc::now();
    let mut model = audit::Model {
        id: Uuid::now_v7(),
        enterprise_id: enterprise.id,
        city_code: enterprise.city_code.clone(),
        year,
        list_id,
        status: AuditStatus::Notified,
        last_outcome: None,
        closed: false,
        mode,
        procedure,
        notice_date,
        started_on: None,
        consultancy_id: None,
        lead_auditor_id: None,
        report_submitted_on: None,
        evaluated_on: None,
        accepted_on: None,
        acceptance_extended_until: None,
        extension_reason: None,
        disclosed_on: None,
        disclosure_channel: None,
        disclosure_url: None,
        disclosure_content: None,
        self_organised: false,
        team_leader_name: None,
        team_leader_position: None,
        extension_requested_until: None,
        extension_request_reason: None,
        extension_requested_on: None,
        cycle_start_year: year,
        due_kind: None,
        due_on: None,
        delegated_county: None,
        delegated_at: None,
        delegated_by: None,
        version: 1,
        created_at: now,
        updated_at: now,
    };
    refresh_deadline(&mut model, policy)?;
    let created = audit::ActiveModel::from(model)
        .reset_all()
        .insert(txn)
        .await
        .map_err(|e| match AppError::from(e) {
            // The partial unique index caught a concurrent creation.
            AppError::Conflict(_) => one_open_audit(enterprise),
            other => other,
        })?;
    record_transition(
        txn,
        viewer,
        created.id,
        Transition::new(
            AuditEventKind::Notify,
            None,
            AuditStatus::Notified,
            notice_date,
        ),
    )
    .await?;
    Ok(created)
}

pub async fn create_audit(
    db: &DatabaseConnection,
    viewer: &Viewer,
    policy: &DeadlinePolicy,
    input: NewAudit,
) -> AppResult<audit::Model> {
    viewer.require_admin()?;
    let year = enterprises::check_plan_year("year", input.year)?;
    let notice_date = past_or_today("noticeDate", input.notice_date.unwrap_or_else(today))?;
    let enterprise = enterprises::find(db, input.enterprise_id)
        .await
        .map_err(|e| match e {
            AppError::NotFound { .. } => AppError::bad_input("enterpriseId", "no such enterprise"),
            other => other,
        })?;
    viewer.require_city(&enterprise.city_code)?;
    let procedure = input.procedure.unwrap_or(AuditProcedure::Full);
    if procedure == AuditProcedure::CombinedReview
        && enterprises::mode_of(&enterprise) == AuditMode::Strict
    {
        return Err(AppError::bad_input(
            "procedure",
            "a STRICT audit (high energy, water or emissions, or priority chemicals) takes the full path",
        ));
    }
    let round = NewRound {
        year,
        notice_date,
        list_id: None,
        procedure,
    };
    let txn = begin_write(db).await?;
    let created = insert_audit(&txn, viewer, policy, &enterprise, round).await?;
    audit_log::commit(
        txn,
        viewer,
        "createAudit",
        "Audit",
        Some(created.id.to_string()),
        json!({ "enterpriseId": enterprise.id, "year": year, "noticeDate": notice_date }),
    )
    .await?;
    Ok(created)
}

pub async fn get_audit(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    id: Uuid,
) -> AppResult<audit::Model> {
    viewer.require_user()?;
    let found = find(db, id).await?;
    require_read(viewer, &found)?;
    Ok(found)
}

fn transition_error(field: &str, err: impl ToString) -> AppError {
    AppError::bad_input(field, err.to_string())
}

/// Loads an audit the viewer runs (its city's admins and the province).
async fn find_to_run(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    id: Uuid,
) -> AppResult<audit::Model> {
    viewer.require_admin()?;
    let found = find(db, id).await?;
    viewer.require_city(&found.city_code)?;
    Ok(found)
}

/// Loads an audit for a step the enterprise takes: the enterprise itself, or its city's
/// admins (and the province) acting for it.
async fn find_to_act(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    id: Uuid,
) -> AppResult<audit::Model> {
    let found = find(db, id).await?;
    if !viewer.is_enterprise(found.enterprise_id) {
        viewer.require_city(&found.city_code)?;
    }
    Ok(found)
}

/// The enterprise records where and when it disclosed its audit (a later record replaces an
/// earlier one; each is in the history). Its city's admins may record it for the enterprise.
pub async fn record_disclosure(
    db: &DatabaseConnection,
    viewer: &Viewer,
    policy: &DeadlinePolicy,
    audit_id: Uuid,
    input: Disclosure,
) -> AppResult<audit::Model> {
    let current = find_to_act(db, viewer, audit_id).await?;
    if current.closed {
        return Err(AppError::bad_input(
            "auditId",
            "the audit is accepted; its round is over",
        ));
    }
    let disclosed_on = past_or_today(
        "disclosedOn",
        input.disclosed_on.map_or_else(today, |d| d.0),
    )?;
    if disclosed_on < current.notice_date {
        return Err(AppError::bad_input(
            "disclosedOn",
            format!("must not be before the notice of {}", current.notice_date),
        ));
    }
    let url = optional_text("url", input.url, 500)?;
    if let Some(url) = &url
        && !(url.starts_with("https://") || url.starts_with("http://"))
    {
        return Err(AppError::bad_input(
            "url",
            "must be a web address (http:// or https://)",
        ));
    }
    if input.channel == DisclosureChannel::OwnWebsite && url.is_none() {
        return Err(AppError::bad_input(
            "url",
            "a disclosure on the enterprise's own website needs its address",
        ));
    }
    let content = required_text("content", &input.content, 2000)?;
    let mut next = current.clone();
    next.disclosed_on = Some(disclosed_on);
    next.disclosure_channel = Some(input.channel);
    next.disclosure_url = url;
    next.disclosure_content = Some(content);
    let step = Step::new(
        Transition::keeping(
            AuditEventKind::Disclose,
            &current,
            input.channel.label().to_owned(),
            disclosed_on,
        ),
        "recordAuditDisclosure",
        json!({ "disclosedOn": disclosed_on, "channel": input.channel.as_str() }),
    );
    write_step(db, viewer, policy, &current, next, step).await
}

pub async fn start_audit(
    db: &DatabaseConnection,
    viewer: &Viewer,
    policy: &DeadlinePolicy,
    audit_id: Uuid,
    started_on: Option<NaiveDate>,
) -> AppResult<audit::Model> {
    let current = find_to_act(db, viewer, audit_id).await?;
    let status = current.status;
    let to = next_status(status, AuditEvent::Start).map_err(|e| transition_error("auditId", e))?;
    let started_on = past_or_today("startedOn", started_on.unwrap_or_else(today))?;
    if started_on < current.notice_date {
        return Err(AppError::bad_input(
            "startedOn",
            format!("must not be before the notice of {}", current.notice_date),
        ));
    }
    let mut next = current.clone();
    next.status = to;
    next.started_on = Some(started_on);
    let step = Step::new(
        Transition::new(AuditEventKind::Start, Some(status), to, started_on),
        "startAudit",
        json!({ "startedOn": started_on }),
    );
    write_step(db, viewer, policy, &current, next, step).await
}

/// Hands in the report (again, after a failed evaluation) with the consultancy and the lead
/// auditor, who must be that firm's staff on the day. A firm that did not hold the audit
/// before must be ACTIVE.
pub async fn submit_report(
    db: &DatabaseConnection,
    viewer: &Viewer,
    policy: &DeadlinePolicy,
    step_documents: documents::StepDocuments,
    audit_id: Uuid,
    input: ReportSubmission,
) -> AppResult<audit::Model> {
    let current = find_to_act(db, viewer, audit_id).await?;
    let status = current.status;
    let to = next_status(status, AuditEvent::SubmitReport)
        .map_err(|e| transition_error("auditId", e))?;
    let submitted_on = past_or_today("submittedOn", input.submitted_on.unwrap_or_else(today))?;
    let earliest = [
        current.started_on,
        current.evaluated_on,
        current.report_submitted_on,
    ]
    .into_iter()
    .flatten()
    .max()
    .unwrap_or(current.notice_date);
    if submitted_on < earliest {
        return Err(AppError::bad_input(
            "submittedOn",
            format!("must not be before {earliest}, the audit's previous step"),
        ));
    }
    let mut next = current.clone();
    next.status = to;
    // The outcome belonged to the evaluation this report answers.
    next.last_outcome = None;
    next.report_submitted_on = Some(submitted_on);
    match (input.consultancy_id, input.team_leader) {
        (Some(_), Some(_)) => {
            return Err(AppError::bad_input(
                "teamLeader",
                "an audit with a consultancy is led by the firm's lead auditor; name one or the other",
            ));
        }
        (None, None) => {
            return Err(AppError::bad_input(
                "consultancyId",
                "name the consultancy and its lead auditor, or the enterprise's own team leader",
            ));
        }
        (None, Some(leader)) => {
            if input.lead_auditor_id.is_some() {
                return Err(AppError::bad_input(
                    "leadAuditorId",
                    "a lead auditor belongs to a consultancy; an enterprise auditing on its own names its team leader",
                ));
            }
            next.self_organised = true;
            next.team_leader_name = Some(required_text("teamLeader.name", &leader.name, 100)?);
            next.team_leader_position =
                Some(required_text("teamLeader.position", &leader.position, 100)?);
            next.consultancy_id = None;
            next.lead_auditor_id = None;
        }
        (Some(firm_id), None) => {
            let lead_id = input.lead_auditor_id.ok_or_else(|| {
                AppError::bad_input("leadAuditorId", "required with a consultancy")
            })?;
            let (firm, lead) =
                check_firm_and_lead(db, &current, firm_id, lead_id, submitted_on).await?;
            next.self_organised = false;
            next.team_leader_name = None;
            next.team_leader_position = None;
            next.consultancy_id = Some(firm);
            next.lead_auditor_id = Some(lead);
        }
    }
    // The report (and for a STRICT audit the performance sheet) must be uploaded first.
    let required: Vec<&[DocumentKind]> = required_for_report(current.mode)
        .iter()
        .map(std::slice::from_ref)
        .collect();
    let backing = documents::required(
        db,
        step_documents,
        DocumentOwnerType::Audit,
        audit_id,
        &required,
    )
    .await?;
    let summary = json!({
        "consultancyId": next.consultancy_id,
        "leadAuditorId": next.lead_auditor_id,
        "selfOrganised": next.self_organised,
        "submittedOn": submitted_on,
        "documents": backing,
    });
    let step = Step::new(
        Transition::new(AuditEventKind::SubmitReport, Some(status), to, submitted_on),
        "submitAuditReport",
        summary,
    )
    .backed_by(backing);
    write_step(db, viewer, policy, &current, next, step).await
}

/// The consultancy and lead auditor of a report: the lead must be that firm's staff on the
/// day, and a firm that did not hold the audit before must be ACTIVE. Answers their ids.
async fn check_firm_and_lead(
    db: &impl ConnectionTrait,
    current: &audit::Model,
    firm_id: Uuid,
    lead_id: Uuid,
    submitted_on: NaiveDate,
) -> AppResult<(Uuid, Uuid)> {
    let firm = consultancies::find_named(db, firm_id).await?;
    let firm_status = firm.status;
    if current.consultancy_id != Some(firm.id) && !may_take_new_audits(firm_status) {
        return Err(AppError::bad_input(
            "consultancyId",
            format!("the consultancy is {firm_status}: only ACTIVE firms take new audits"),
        ));
    }
    let lead = consultancies::find_staff(db, lead_id)
        .await
        .map_err(|e| match e {
            AppError::NotFound { .. } => {
                AppError::bad_input("leadAuditorId", "no such staff member")
            }
            other => other,
        })?;
    if lead.consultancy_id != firm.id || !employed_on(lead.started_on, lead.ended_on, submitted_on)
    {
        return Err(AppError::bad_input(
            "leadAuditorId",
            format!("is not staff of {} on {submitted_on}", firm.name),
        ));
    }
    Ok((firm.id, lead.id))
}

/// Narrows a query on audits to what the viewer may read; filtering on another city (or, for
/// a consultancy, another firm) is FORBIDDEN rather than silently empty.
fn scope(viewer: &Viewer, filter: &AuditFilter) -> AppResult<Select<audit::Entity>> {
    viewer.require_user()?;
    let mut query = audit::Entity::find();
    if let Some(own) = viewer.enterprise_id() {
        if filter.enterprise_id.is_some_and(|e| e != own) {
            return Err(AppError::forbidden(
                "an enterprise sees only its own audits",
            ));
        }
        return Ok(query.filter(audit::Column::EnterpriseId.eq(own)));
    }
    if let Some(firm) = viewer.consultancy_id() {
        if filter.consultancy_id.is_some_and(|c| c != firm) {
            return Err(AppError::forbidden(
                "a consultancy sees only its own audits",
            ));
        }
        query = query.filter(audit::Column::ConsultancyId.eq(firm));
        if let Some(city) = &filter.city_code {
            query = query.filter(audit::Column::CityCode.eq(city.trim()));
        }
        return Ok(query);
    }
    // A county admin: the audits delegated to their county.
    if let Some((city, county)) = viewer.county_scope() {
        if filter
            .city_code
            .as_deref()
            .is_some_and(|asked| asked.trim() != city)
        {
            return Err(AppError::forbidden(
                "a county administrator sees only the audits delegated to their county",
            ));
        }
        return Ok(query
            .filter(audit::Column::CityCode.eq(city))
            .filter(audit::Column::DelegatedCounty.eq(county)));
    }
    if let Some(city) = viewer.list_city(filter.city_code.as_deref().map(str::trim))? {
        query = query.filter(audit::Column::CityCode.eq(city));
    }
    Ok(query)
}

fn overdue_condition(as_of: NaiveDate) -> Condition {
    Condition::all()
        .add(is_constant(audit::Column::Closed, false))
        .add(audit::Column::DueOn.lt(as_of))
}

pub async fn list_audits(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    filter: AuditFilter,
    page: PageRequest,
) -> AppResult<Page<audit::Model>> {
    let mut query = scope(viewer, &filter)?;
    if let Some(year) = filter.year {
        query = query.filter(audit::Column::Year.eq(year));
    }
    if let Some(status) = filter.status {
        query = query.filter(audit::Column::Status.eq(status.as_str()));
    }
    if let Some(firm) = filter.consultancy_id {
        query = query.filter(audit::Column::ConsultancyId.eq(firm));
    }
    if let Some(enterprise) = filter.enterprise_id {
        query = query.filter(audit::Column::EnterpriseId.eq(enterprise));
    }
    if let Some(kind) = filter.deadline_kind {
        query = query.filter(audit::Column::DueKind.eq(kind.as_str()));
    }
    match filter.delegated {
        Some(true) => query = query.filter(audit::Column::DelegatedCounty.is_not_null()),
        Some(false) => query = query.filter(audit::Column::DelegatedCounty.is_null()),
        None => {}
    }
    let as_of = filter.as_of.unwrap_or_else(today);
    match filter.overdue {
        Some(true) => query = query.filter(overdue_condition(as_of)),
        Some(false) => query = query.filter(overdue_condition(as_of).not()),
        None => {}
    }
    fetch_page(db, query, audit::Column::Id, page).await
}

/// Audits past their current deadline as of `as_of` (today in China when absent).
pub async fn overdue_audits(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    city_code: Option<String>,
    as_of: Option<NaiveDate>,
    kind: Option<DeadlineKind>,
    page: PageRequest,
) -> AppResult<Page<audit::Model>> {
    list_audits(
        db,
        viewer,
        AuditFilter {
            city_code,
            overdue: Some(true),
            as_of,
            deadline_kind: kind,
            ..Default::default()
        },
        page,
    )
    .await
}

/// Batch reads for the GraphQL loaders, without a viewer: see `experts::unguarded`.
pub mod unguarded {
    pub use super::trees::{AuditTrees, PanelsOfReviews, audit_trees_of_enterprises};
    use super::*;
    crate::services::owned_by_reads! {
        transitions_of: audit_transition by AuditId, ordered by Id;
        reviews_of: review by AuditId, ordered by Id;
        options_of: improvement_option by AuditId, ordered by Id;
        audits_of_enterprises: audit by EnterpriseId, ordered by Id;
        certifications_of: certification by EnterpriseId, ordered by CertifiedOn;
    }
}
