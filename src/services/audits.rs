//! Audits: the round from notice to acceptance, every transition kept; deadlines, extensions,
//! reviews that move the audit on, improvement options, and certifications that count as a
//! completed audit.

use std::collections::HashMap;

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
use crate::domain::{
    AuditEventKind, AuditMode, AuditProcedure, AuditStatus, CertificationLevel, DeadlineKind,
    DisclosureChannel, OptionKind, ReviewKind, ReviewOutcome, ReviewStatus,
};
use crate::error::{AppError, AppResult};
use crate::rules::audit_lifecycle::{
    AuditEvent, NeedsAcceptance, check_outcome_score, check_reexamination_date,
    closes_on_evaluation, is_final, next_status, option_needs_acceptance, review_allowed,
};
use crate::rules::consultancy::{employed_on, may_take_new_audits};
use crate::rules::deadlines::{
    AuditDates, AuditDeadline, DeadlinePolicy, StepDeadline, audit_deadline, check_extension,
    cycle_end, step_deadlines,
};

use super::amounts::{to_stored, to_stored_opt};
use super::pagination::{Page, PageRequest, fetch_page};
use super::text::{optional_text, required_text};
use super::{
    audit_log, consultancies, enterprises, grouped, is_constant, past_or_today, today, versioned,
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

/// The leader of an enterprise's own audit team.
pub struct TeamLeaderInput {
    pub name: String,
    pub position: String,
}

/// An enterprise's disclosure of its audit (公布审核相关信息).
pub struct Disclosure {
    pub disclosed_on: Option<NaiveDate>,
    pub channel: DisclosureChannel,
    /// Required for OWN_WEBSITE.
    pub url: Option<String>,
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
}

/// What `reviews` narrows to; every part optional.
#[derive(Default)]
pub struct ReviewFilter {
    pub status: Option<ReviewStatus>,
    pub kind: Option<ReviewKind>,
    /// The city of the audited enterprise.
    pub city_code: Option<String>,
    pub date_from: Option<NaiveDate>,
    pub date_to: Option<NaiveDate>,
    /// Whether a panel has been drawn for it.
    pub has_panel: Option<bool>,
}

pub struct NewReview {
    pub audit_id: Uuid,
    pub kind: ReviewKind,
    pub date: NaiveDate,
}

pub struct ReviewResult {
    pub outcome: ReviewOutcome,
    pub score: Option<Decimal>,
    pub opinion: String,
}

/// An improvement option's amounts: 10 000 CNY for money, tce for energy, tonnes otherwise.
#[derive(Clone, Copy, Default)]
pub struct OptionAmounts {
    pub investment: Decimal,
    pub economic_benefit: Decimal,
    pub energy_tce: Decimal,
    pub water_t: Decimal,
    pub cod_t: Decimal,
    pub ammonia_nitrogen_t: Decimal,
    pub so2_t: Decimal,
    pub nox_t: Decimal,
    pub particulates_t: Decimal,
    pub vocs_t: Decimal,
    pub co2_t: Decimal,
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
    audit::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(|| AppError::not_found("Audit", id))
}

/// Who may read an audit: the province, its city, the consultancy that holds it and the
/// enterprise audited.
pub fn require_read(viewer: &Viewer, model: &audit::Model) -> AppResult<()> {
    if model
        .consultancy_id
        .is_some_and(|id| viewer.is_consultancy(id))
        || viewer.is_enterprise(model.enterprise_id)
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
    let disclosed_on = past_or_today("disclosedOn", input.disclosed_on.unwrap_or_else(today))?;
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
    write_step(
        db,
        viewer,
        policy,
        &current,
        next,
        Step {
            transition: Transition::keeping(
                AuditEventKind::Disclose,
                &current,
                input.channel.label().to_owned(),
                disclosed_on,
            ),
            operation: "recordAuditDisclosure",
            summary: json!({ "disclosedOn": disclosed_on, "channel": input.channel.as_str() }),
        },
    )
    .await
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
    write_step(
        db,
        viewer,
        policy,
        &current,
        next,
        Step {
            transition: Transition::new(AuditEventKind::Start, Some(status), to, started_on),
            operation: "startAudit",
            summary: json!({ "startedOn": started_on }),
        },
    )
    .await
}

/// Hands in the report (again, after a failed evaluation) with the consultancy and the lead
/// auditor, who must be that firm's staff on the day. A firm that did not hold the audit
/// before must be ACTIVE.
pub async fn submit_report(
    db: &DatabaseConnection,
    viewer: &Viewer,
    policy: &DeadlinePolicy,
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
    let summary = json!({
        "consultancyId": next.consultancy_id,
        "leadAuditorId": next.lead_auditor_id,
        "selfOrganised": next.self_organised,
        "submittedOn": submitted_on,
    });
    write_step(
        db,
        viewer,
        policy,
        &current,
        next,
        Step {
            transition: Transition::new(
                AuditEventKind::SubmitReport,
                Some(status),
                to,
                submitted_on,
            ),
            operation: "submitAuditReport",
            summary,
        },
    )
    .await
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
    let firm = consultancies::find(db, firm_id)
        .await
        .map_err(|e| match e {
            AppError::NotFound { .. } => {
                AppError::bad_input("consultancyId", "no such consultancy")
            }
            other => other,
        })?;
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

/// Moves the acceptance deadline later, no further than the end of the audit's cycle.
pub async fn grant_extension(
    db: &DatabaseConnection,
    viewer: &Viewer,
    policy: &DeadlinePolicy,
    audit_id: Uuid,
    until: NaiveDate,
    reason: &str,
) -> AppResult<audit::Model> {
    let current = find_to_run(db, viewer, audit_id).await?;
    let reason = required_text("reason", reason, 500)?;
    let current_due = acceptance_due_now(&current, policy)?;
    check_extension(current_due, until, cycle_end_of(&current)?)
        .map_err(|e| AppError::bad_input("until", e.to_string()))?;
    let mut next = current.clone();
    next.acceptance_extended_until = Some(until);
    next.extension_reason = Some(reason.clone());
    // The city's own grant answers any application still waiting.
    next.extension_requested_until = None;
    next.extension_request_reason = None;
    next.extension_requested_on = None;
    write_step(
        db,
        viewer,
        policy,
        &current,
        next,
        Step {
            transition: Transition::keeping(
                AuditEventKind::ExtendAcceptance,
                &current,
                format!("{current_due} → {until}: {reason}"),
                today(),
            ),
            operation: "grantAcceptanceExtension",
            summary: json!({ "from": current_due, "until": until, "reason": reason }),
        },
    )
    .await
}

/// The current acceptance deadline of an audit awaiting acceptance, or why there is none.
fn acceptance_due_now(current: &audit::Model, policy: &DeadlinePolicy) -> AppResult<NaiveDate> {
    match deadline_of(current, policy)? {
        Some(AuditDeadline {
            kind: DeadlineKind::Acceptance,
            due,
        }) => Ok(due),
        _ => Err(AppError::bad_input(
            "auditId",
            format!(
                "only an audit awaiting acceptance can be extended; this one is {}{}",
                current.status,
                current
                    .last_outcome
                    .map(|o| format!(" ({o})"))
                    .unwrap_or_default()
            ),
        )),
    }
}

/// The enterprise applies for a later acceptance (可申请延期验收), with its reason; the city
/// grants or refuses it ([`decide_extension`]). One application waits at a time, and it is
/// held to the same bounds as a grant: after the current due date, within the cycle.
pub async fn request_extension(
    db: &DatabaseConnection,
    viewer: &Viewer,
    policy: &DeadlinePolicy,
    audit_id: Uuid,
    until: NaiveDate,
    reason: &str,
) -> AppResult<audit::Model> {
    let current = find(db, audit_id).await?;
    if !viewer.is_enterprise(current.enterprise_id) {
        viewer.require_user()?;
        return Err(AppError::forbidden(
            "only the enterprise applies for an extension; its city grants one directly",
        ));
    }
    let reason = required_text("reason", reason, 500)?;
    let current_due = acceptance_due_now(&current, policy)?;
    check_extension(current_due, until, cycle_end_of(&current)?)
        .map_err(|e| AppError::bad_input("until", e.to_string()))?;
    if let Some(waiting) = current.extension_requested_until {
        return Err(AppError::conflict(format!(
            "an application for an extension to {waiting} is already waiting for the city"
        )));
    }
    let on = today();
    let mut next = current.clone();
    next.extension_requested_until = Some(until);
    next.extension_request_reason = Some(reason.clone());
    next.extension_requested_on = Some(on);
    write_step(
        db,
        viewer,
        policy,
        &current,
        next,
        Step {
            transition: Transition::keeping(
                AuditEventKind::RequestExtension,
                &current,
                format!("{current_due} → {until}: {reason}"),
                on,
            ),
            operation: "requestAcceptanceExtension",
            summary: json!({ "from": current_due, "until": until, "reason": reason }),
        },
    )
    .await
}

/// The city grants or refuses the enterprise's waiting application, with its reason. A grant
/// moves the acceptance deadline to the date applied for (checked again: within the cycle,
/// after the current due date).
pub async fn decide_extension(
    db: &DatabaseConnection,
    viewer: &Viewer,
    policy: &DeadlinePolicy,
    audit_id: Uuid,
    grant: bool,
    reason: &str,
) -> AppResult<audit::Model> {
    let current = find_to_run(db, viewer, audit_id).await?;
    let reason = required_text("reason", reason, 500)?;
    let Some(until) = current.extension_requested_until else {
        return Err(AppError::bad_input(
            "auditId",
            "no application for an extension is waiting",
        ));
    };
    let mut next = current.clone();
    next.extension_requested_until = None;
    next.extension_request_reason = None;
    next.extension_requested_on = None;
    let current_due = acceptance_due_now(&current, policy)?;
    let (event, note) = if grant {
        check_extension(current_due, until, cycle_end_of(&current)?)
            .map_err(|e| AppError::bad_input("auditId", e.to_string()))?;
        next.acceptance_extended_until = Some(until);
        next.extension_reason = Some(reason.clone());
        (
            AuditEventKind::ExtendAcceptance,
            format!("{current_due} → {until}: {reason}"),
        )
    } else {
        (
            AuditEventKind::RefuseExtension,
            format!("{until} refused: {reason}"),
        )
    };
    write_step(
        db,
        viewer,
        policy,
        &current,
        next,
        Step {
            transition: Transition::keeping(event, &current, note, today()),
            operation: "decideAcceptanceExtension",
            summary: json!({ "granted": grant, "until": until, "reason": reason }),
        },
    )
    .await
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

// Reviews.

pub async fn find_review(db: &impl ConnectionTrait, id: Uuid) -> AppResult<review::Model> {
    review::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(|| AppError::not_found("Review", id))
}

/// Who runs a review: its organiser (a city's admins, or the province for a recheck).
pub(crate) fn require_organiser(viewer: &Viewer, organiser: Option<&str>) -> AppResult<()> {
    match organiser {
        Some(city) => viewer.require_city(city),
        None => viewer.require_province_admin(),
    }
}

pub async fn get_review(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    id: Uuid,
) -> AppResult<review::Model> {
    viewer.require_user()?;
    let found = find_review(db, id).await?;
    let audit = find(db, found.audit_id).await?;
    require_read(viewer, &audit)?;
    Ok(found)
}

/// Reviews of the audits the viewer may read (the province: all; a city: its own; a
/// consultancy: its clients'), newest first in id order like every list: how an organiser
/// finds the review to draw a panel for.
pub async fn list_reviews(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    filter: ReviewFilter,
    page: PageRequest,
) -> AppResult<Page<review::Model>> {
    if let (Some(from), Some(to)) = (filter.date_from, filter.date_to)
        && from > to
    {
        return Err(AppError::bad_input(
            "filter.dateTo",
            format!("must not be before dateFrom ({from})"),
        ));
    }
    let audits = scope(
        viewer,
        &AuditFilter {
            city_code: filter.city_code,
            ..Default::default()
        },
    )?
    .select_only()
    .column(audit::Column::Id)
    .into_query();
    let mut query = review::Entity::find().filter(review::Column::AuditId.in_subquery(audits));
    if let Some(status) = filter.status {
        query = query.filter(review::Column::Status.eq(status));
    }
    if let Some(kind) = filter.kind {
        query = query.filter(review::Column::Kind.eq(kind));
    }
    if let Some(from) = filter.date_from {
        query = query.filter(review::Column::ReviewDate.gte(from));
    }
    if let Some(to) = filter.date_to {
        query = query.filter(review::Column::ReviewDate.lte(to));
    }
    if let Some(has_panel) = filter.has_panel {
        let drawn = sea_orm::sea_query::Query::select()
            .column(panel::Column::ReviewId)
            .from(panel::Entity)
            .to_owned();
        query = if has_panel {
            query.filter(review::Column::Id.in_subquery(drawn))
        } else {
            query.filter(review::Column::Id.not_in_subquery(drawn))
        };
    }
    fetch_page(db, query, review::Column::Id, page).await
}

fn check_review_date(date: NaiveDate) -> AppResult<NaiveDate> {
    let latest = today().year() + 2;
    if !(2000..=latest).contains(&date.year()) {
        return Err(AppError::bad_input(
            "date",
            format!("must fall in the years 2000 to {latest}"),
        ));
    }
    Ok(date)
}

/// Checks a new review of `audit` without the database: who may schedule it, its date and
/// whether the audit's state allows it. Returns the organising city (`None`: the province).
pub(crate) fn check_new_review(
    viewer: &Viewer,
    policy: &DeadlinePolicy,
    audit: &audit::Model,
    kind: ReviewKind,
    date: NaiveDate,
) -> AppResult<Option<String>> {
    viewer.require_admin()?;
    let organiser = match kind {
        ReviewKind::Recheck => None,
        ReviewKind::Evaluation | ReviewKind::Acceptance => Some(audit.city_code.clone()),
    };
    // A city admin may not touch another city's audit at all, and rechecks are the province's.
    viewer.require_city(&audit.city_code)?;
    require_organiser(viewer, organiser.as_deref())?;
    let date = check_review_date(date)?;
    let status = audit.status;
    review_allowed(kind, status).map_err(|e| AppError::bad_input("kind", e.to_string()))?;
    match kind {
        ReviewKind::Evaluation => {
            if let Some(report) = audit.report_submitted_on
                && date < report
            {
                return Err(AppError::bad_input(
                    "date",
                    format!("must not be before the report of {report}"),
                ));
            }
        }
        ReviewKind::Acceptance => {
            if let Some(evaluated) = audit.evaluated_on
                && date < evaluated
            {
                return Err(AppError::bad_input(
                    "date",
                    format!("must not be before the evaluation of {evaluated}"),
                ));
            }
            if status == AuditStatus::Accepted
                && let Some(deadline) = deadline_of(audit, policy)?
            {
                check_reexamination_date(date, deadline.due)
                    .map_err(|e| AppError::bad_input("date", e.to_string()))?;
            }
        }
        ReviewKind::Recheck => {}
    }
    Ok(organiser)
}

/// The scheduled review of this audit and kind, if any (at most one: a partial unique index).
pub(crate) async fn scheduled_review(
    db: &impl ConnectionTrait,
    audit_id: Uuid,
    kind: ReviewKind,
) -> AppResult<Option<review::Model>> {
    Ok(review::Entity::find()
        .filter(review::Column::AuditId.eq(audit_id))
        .filter(review::Column::Kind.eq(kind.as_str()))
        .filter(is_constant(
            review::Column::Status,
            ReviewStatus::Scheduled.as_str(),
        ))
        .one(db)
        .await?)
}

/// Creates a scheduled review inside the caller's transaction, after [`check_new_review`]
/// (a scheduled review of the audit and kind already there is a CONFLICT). The caller writes
/// the audit-log entry.
pub(crate) async fn insert_review(
    txn: &impl ConnectionTrait,
    viewer: &Viewer,
    policy: &DeadlinePolicy,
    audit: &audit::Model,
    kind: ReviewKind,
    date: NaiveDate,
) -> AppResult<review::Model> {
    let organiser = check_new_review(viewer, policy, audit, kind, date)?;
    if let Some(pending) = scheduled_review(txn, audit.id, kind).await? {
        return Err(AppError::conflict(format!(
            "an {kind} of this audit is already scheduled for {}",
            pending.review_date
        )));
    }
    let now = Utc::now();
    Ok(review::ActiveModel {
        id: Set(Uuid::now_v7()),
        audit_id: Set(audit.id),
        kind: Set(kind),
        review_date: Set(date),
        organiser_city_code: Set(organiser),
        status: Set(ReviewStatus::Scheduled),
        outcome: Set(None),
        score: Set(None),
        opinion: Set(None),
        scheduled_by: Set(viewer.user_id()),
        recorded_by: Set(None),
        held_at: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(txn)
    .await?)
}

pub async fn schedule_review(
    db: &DatabaseConnection,
    viewer: &Viewer,
    policy: &DeadlinePolicy,
    input: NewReview,
) -> AppResult<review::Model> {
    viewer.require_admin()?;
    let audit = find(db, input.audit_id).await?;
    check_new_review(viewer, policy, &audit, input.kind, input.date)?;
    let txn = begin_write(db).await?;
    let created = insert_review(&txn, viewer, policy, &audit, input.kind, input.date).await?;
    audit_log::commit(
        txn,
        viewer,
        "scheduleReview",
        "Review",
        Some(created.id.to_string()),
        json!({ "auditId": audit.id, "kind": created.kind, "date": created.review_date }),
    )
    .await?;
    Ok(created)
}

fn check_score(score: Option<Decimal>) -> AppResult<Option<i64>> {
    let stored = to_stored_opt("score", score)?;
    if stored.is_some_and(|s| s > to_stored("score", Decimal::ONE_HUNDRED).unwrap_or(i64::MAX)) {
        return Err(AppError::bad_input("score", "must be between 0 and 100"));
    }
    Ok(stored)
}

/// Records a held review's outcome; an evaluation or acceptance moves the audit on, an
/// accepted-and-passed audit completes the enterprise's cycle. A recheck moves nothing.
pub async fn record_review_outcome(
    db: &DatabaseConnection,
    viewer: &Viewer,
    policy: &DeadlinePolicy,
    pass_mark: u32,
    review_id: Uuid,
    result: ReviewResult,
) -> AppResult<review::Model> {
    viewer.require_admin()?;
    let found = find_review(db, review_id).await?;
    let audit = find(db, found.audit_id).await?;
    viewer.require_city(&audit.city_code)?;
    require_organiser(viewer, found.organiser_city_code.as_deref())?;
    let kind = found.kind;
    let opinion = required_text("opinion", &result.opinion, 5000)?;
    let score = check_score(result.score)?;
    check_outcome_score(result.outcome, result.score, pass_mark)
        .map_err(|e| AppError::bad_input("score", e.to_string()))?;
    if found.status != ReviewStatus::Scheduled {
        return Err(AppError::bad_input(
            "reviewId",
            "the review's outcome is already recorded",
        ));
    }
    if found.review_date > today() {
        return Err(AppError::bad_input(
            "reviewId",
            format!(
                "the review is scheduled for {} and has not taken place yet",
                found.review_date
            ),
        ));
    }
    let status = audit.status;
    let event = match kind {
        ReviewKind::Evaluation => Some((
            AuditEvent::RecordEvaluation(result.outcome),
            AuditEventKind::RecordEvaluation,
        )),
        ReviewKind::Acceptance => Some((
            AuditEvent::RecordAcceptance(result.outcome),
            AuditEventKind::RecordAcceptance,
        )),
        ReviewKind::Recheck => None,
    };
    let moved = match event {
        Some((event, kind_name)) => {
            let to = next_status(status, event).map_err(|e| transition_error("reviewId", e))?;
            let mut next = audit.clone();
            next.status = to;
            next.last_outcome = Some(result.outcome);
            match kind {
                ReviewKind::Evaluation => next.evaluated_on = Some(found.review_date),
                _ if to == AuditStatus::Accepted => next.accepted_on = Some(found.review_date),
                _ => {}
            }
            next.closed = is_final(to);
            Some((next, kind_name, to))
        }
        None => {
            review_allowed(kind, status)
                .map_err(|e| AppError::bad_input("reviewId", e.to_string()))?;
            None
        }
    };
    // 精简验收内容: a passed evaluation whose implemented options need no acceptance ends the
    // round there (read before the write lock; options of an evaluated audit are edited only
    // by the same people, and the versioned save catches a concurrent change of the audit).
    // 简化审核程序: a combined review's pass accepts the audit too.
    let combined = audit.procedure == AuditProcedure::CombinedReview
        && matches!(&moved, Some((_, _, AuditStatus::EvaluationPassed)));
    let closes = match &moved {
        Some((_, _, AuditStatus::EvaluationPassed)) if !combined => {
            let options = unguarded::options_of(db, &[audit.id]).await?;
            let implemented: Vec<NeedsAcceptance> = options
                .get(&audit.id)
                .into_iter()
                .flatten()
                .filter(|o| o.implemented)
                .map(|o| {
                    option_needs_acceptance(
                        o.kind,
                        o.technical_retrofit,
                        o.accepted_by_other_department,
                    )
                })
                .collect();
            closes_on_evaluation(&implemented)
        }
        _ => false,
    };

    let txn = begin_write(db).await?;
    let mut active: review::ActiveModel = found.clone().into();
    active.status = Set(ReviewStatus::Held);
    active.outcome = Set(Some(result.outcome));
    active.score = Set(score);
    active.opinion = Set(Some(opinion));
    active.recorded_by = Set(viewer.user_id());
    active.held_at = Set(Some(Utc::now()));
    active.updated_at = Set(Utc::now());
    let updated = review::Entity::update_many()
        .set(active)
        .filter(review::Column::Id.eq(review_id))
        .filter(is_constant(
            review::Column::Status,
            ReviewStatus::Scheduled.as_str(),
        ))
        .exec(&txn)
        .await?;
    if updated.rows_affected != 1 {
        return Err(AppError::conflict(
            "the review's outcome was recorded meanwhile; reload",
        ));
    }
    if let Some((mut next, event_kind, to)) = moved {
        let mut last = to;
        if closes {
            last = next_status(to, AuditEvent::CloseWithoutAcceptance)
                .map_err(|e| transition_error("reviewId", e))?;
            next.status = last;
            next.closed = true;
        }
        if combined {
            last = next_status(to, AuditEvent::RecordAcceptance(ReviewOutcome::Passed))
                .map_err(|e| transition_error("reviewId", e))?;
            next.status = last;
            next.accepted_on = Some(found.review_date);
            next.closed = is_final(last);
        }
        let saved = save(&txn, next, audit.version, policy).await?;
        record_transition(
            &txn,
            viewer,
            audit.id,
            Transition {
                outcome: Some(result.outcome),
                review_id: Some(review_id),
                ..Transition::new(event_kind, Some(status), to, found.review_date)
            },
        )
        .await?;
        if combined {
            record_transition(
                &txn,
                viewer,
                audit.id,
                Transition {
                    outcome: Some(result.outcome),
                    review_id: Some(review_id),
                    note: Some("combined review (简化审核程序)".to_owned()),
                    ..Transition::new(
                        AuditEventKind::RecordAcceptance,
                        Some(to),
                        last,
                        found.review_date,
                    )
                },
            )
            .await?;
        }
        if closes {
            record_transition(
                &txn,
                viewer,
                audit.id,
                Transition {
                    outcome: Some(result.outcome),
                    review_id: Some(review_id),
                    note: Some("no implemented option needs acceptance".to_owned()),
                    ..Transition::new(
                        AuditEventKind::CloseWithoutAcceptance,
                        Some(to),
                        last,
                        found.review_date,
                    )
                },
            )
            .await?;
        }
        // The round completes on its acceptance, or on the evaluation that closed it.
        if saved.closed
            && let Some(completed_on) = saved.accepted_on.or(saved.evaluated_on)
        {
            enterprises::record_completion(&txn, saved.enterprise_id, completed_on).await?;
        }
    }
    let saved_review = find_review(&txn, review_id).await?;
    audit_log::commit(
        txn,
        viewer,
        "recordReviewOutcome",
        "Review",
        Some(review_id.to_string()),
        json!({ "auditId": audit.id, "kind": kind.as_str(), "outcome": result.outcome.as_str() }),
    )
    .await?;
    Ok(saved_review)
}

// Improvement options.

pub async fn find_option(
    db: &impl ConnectionTrait,
    id: Uuid,
) -> AppResult<improvement_option::Model> {
    improvement_option::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(|| AppError::not_found("ImprovementOption", id))
}

/// Options are kept by the audit's city and province, and by the consultancy that holds it;
/// an accepted audit's options are final.
fn require_edit_options(viewer: &Viewer, audit: &audit::Model) -> AppResult<()> {
    let holds = audit
        .consultancy_id
        .is_some_and(|id| viewer.is_consultancy(id))
        || viewer.is_enterprise(audit.enterprise_id);
    if !holds {
        viewer.require_city(&audit.city_code)?;
    }
    if audit.closed {
        return Err(AppError::bad_input(
            "auditId",
            "the audit is accepted; its options are final",
        ));
    }
    Ok(())
}

/// The stored form of an option's amounts, checked field by field.
fn stored_amounts(a: &OptionAmounts) -> AppResult<[i64; 11]> {
    Ok([
        to_stored("investment", a.investment)?,
        to_stored("economicBenefit", a.economic_benefit)?,
        to_stored("energyTce", a.energy_tce)?,
        to_stored("waterT", a.water_t)?,
        to_stored("codT", a.cod_t)?,
        to_stored("ammoniaNitrogenT", a.ammonia_nitrogen_t)?,
        to_stored("so2T", a.so2_t)?,
        to_stored("noxT", a.nox_t)?,
        to_stored("particulatesT", a.particulates_t)?,
        to_stored("vocsT", a.vocs_t)?,
        to_stored("co2T", a.co2_t)?,
    ])
}

/// The acceptance fields of an option, checked together: another department's acceptance
/// counts only for a technical retrofit, and then its department and conclusion are recorded.
fn check_acceptance_fields(
    technical_retrofit: bool,
    accepted_by_other_department: bool,
    other_department: Option<String>,
    conclusion: Option<String>,
) -> AppResult<(Option<String>, Option<String>)> {
    let department = optional_text("otherDepartment", other_department, 200)?;
    let conclusion = optional_text("otherDepartmentConclusion", conclusion, 2000)?;
    if !accepted_by_other_department {
        if department.is_some() || conclusion.is_some() {
            return Err(AppError::bad_input(
                "acceptedByOtherDepartment",
                "a department's conclusion is recorded only when it accepted the retrofit",
            ));
        }
        return Ok((None, None));
    }
    if !technical_retrofit {
        return Err(AppError::bad_input(
            "acceptedByOtherDepartment",
            "only a technical retrofit can have another department's acceptance",
        ));
    }
    let department = department.ok_or_else(|| {
        AppError::bad_input(
            "otherDepartment",
            "name the department that accepted the retrofit",
        )
    })?;
    let conclusion = conclusion.ok_or_else(|| {
        AppError::bad_input(
            "otherDepartmentConclusion",
            "record that department's acceptance conclusion",
        )
    })?;
    Ok((Some(department), Some(conclusion)))
}

fn set_amounts(active: &mut improvement_option::ActiveModel, a: [i64; 11]) {
    active.investment = Set(a[0]);
    active.economic_benefit = Set(a[1]);
    active.energy_tce = Set(a[2]);
    active.water_t = Set(a[3]);
    active.cod_t = Set(a[4]);
    active.ammonia_nitrogen_t = Set(a[5]);
    active.so2_t = Set(a[6]);
    active.nox_t = Set(a[7]);
    active.particulates_t = Set(a[8]);
    active.vocs_t = Set(a[9]);
    active.co2_t = Set(a[10]);
}

pub async fn add_option(
    db: &DatabaseConnection,
    viewer: &Viewer,
    audit_id: Uuid,
    input: NewOption,
) -> AppResult<improvement_option::Model> {
    viewer.require_user()?;
    let audit = find(db, audit_id).await?;
    require_edit_options(viewer, &audit)?;
    let title = required_text("title", &input.title, 200)?;
    let amounts = stored_amounts(&input.amounts)?;
    let (department, conclusion) = check_acceptance_fields(
        input.technical_retrofit,
        input.accepted_by_other_department,
        input.other_department,
        input.other_department_conclusion,
    )?;
    let needs = option_needs_acceptance(
        input.kind,
        input.technical_retrofit,
        input.accepted_by_other_department,
    );
    let now = Utc::now();
    let mut active = improvement_option::ActiveModel {
        id: Set(Uuid::now_v7()),
        audit_id: Set(audit_id),
        kind: Set(input.kind),
        title: Set(title),
        implemented: Set(input.implemented),
        technical_retrofit: Set(input.technical_retrofit),
        accepted_by_other_department: Set(input.accepted_by_other_department),
        other_department: Set(department),
        other_department_conclusion: Set(conclusion),
        needs_acceptance: Set(needs.as_str().to_owned()),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    };
    set_amounts(&mut active, amounts);
    let txn = begin_write(db).await?;
    let created = active.insert(&txn).await?;
    audit_log::commit(
        txn,
        viewer,
        "addImprovementOption",
        "ImprovementOption",
        Some(created.id.to_string()),
        json!({ "auditId": audit_id, "kind": created.kind, "title": created.title }),
    )
    .await?;
    Ok(created)
}

pub async fn update_option(
    db: &DatabaseConnection,
    viewer: &Viewer,
    option_id: Uuid,
    patch: OptionPatch,
    expected_version: i32,
) -> AppResult<improvement_option::Model> {
    viewer.require_user()?;
    let current = find_option(db, option_id).await?;
    let audit = find(db, current.audit_id).await?;
    require_edit_options(viewer, &audit)?;
    versioned::expect_version::<improvement_option::Entity>(current.version, expected_version)?;
    let kind: OptionKind = match patch.kind {
        Some(k) => k,
        None => current.kind,
    };
    let title = match &patch.title {
        Some(t) => required_text("title", t, 200)?,
        None => current.title.clone(),
    };
    let from = super::amounts::from_stored;
    let amounts = stored_amounts(&OptionAmounts {
        investment: patch.investment.unwrap_or_else(|| from(current.investment)),
        economic_benefit: patch
            .economic_benefit
            .unwrap_or_else(|| from(current.economic_benefit)),
        energy_tce: patch.energy_tce.unwrap_or_else(|| from(current.energy_tce)),
        water_t: patch.water_t.unwrap_or_else(|| from(current.water_t)),
        cod_t: patch.cod_t.unwrap_or_else(|| from(current.cod_t)),
        ammonia_nitrogen_t: patch
            .ammonia_nitrogen_t
            .unwrap_or_else(|| from(current.ammonia_nitrogen_t)),
        so2_t: patch.so2_t.unwrap_or_else(|| from(current.so2_t)),
        nox_t: patch.nox_t.unwrap_or_else(|| from(current.nox_t)),
        particulates_t: patch
            .particulates_t
            .unwrap_or_else(|| from(current.particulates_t)),
        vocs_t: patch.vocs_t.unwrap_or_else(|| from(current.vocs_t)),
        co2_t: patch.co2_t.unwrap_or_else(|| from(current.co2_t)),
    })?;
    let retrofit = patch
        .technical_retrofit
        .unwrap_or(current.technical_retrofit);
    let other = patch
        .accepted_by_other_department
        .unwrap_or(current.accepted_by_other_department);
    // Turning the other department's acceptance off drops its record unless given again.
    let keep = |new: &Option<String>, old: &Option<String>| {
        if other {
            new.clone().or_else(|| old.clone())
        } else {
            new.clone()
        }
    };
    let (department, conclusion) = check_acceptance_fields(
        retrofit,
        other,
        keep(&patch.other_department, &current.other_department),
        keep(
            &patch.other_department_conclusion,
            &current.other_department_conclusion,
        ),
    )?;
    let needs = option_needs_acceptance(kind, retrofit, other);
    let mut active: improvement_option::ActiveModel = current.clone().into();
    active.kind = Set(kind);
    active.title = Set(title);
    set_amounts(&mut active, amounts);
    active.implemented = Set(patch.implemented.unwrap_or(current.implemented));
    active.technical_retrofit = Set(retrofit);
    active.accepted_by_other_department = Set(other);
    active.other_department = Set(department);
    active.other_department_conclusion = Set(conclusion);
    active.needs_acceptance = Set(needs.as_str().to_owned());
    active.version = Set(expected_version + 1);
    active.updated_at = Set(Utc::now());
    let txn = begin_write(db).await?;
    let updated = versioned::update_if_version::<improvement_option::Entity>(
        &txn,
        active,
        option_id,
        expected_version,
        None,
    )
    .await?;
    audit_log::commit(
        txn,
        viewer,
        "updateImprovementOption",
        "ImprovementOption",
        Some(option_id.to_string()),
        json!({ "auditId": updated.audit_id, "version": updated.version }),
    )
    .await?;
    Ok(updated)
}

// Certifications.

pub async fn record_certification(
    db: &DatabaseConnection,
    viewer: &Viewer,
    input: NewCertification,
) -> AppResult<certification::Model> {
    viewer.require_admin()?;
    let certified_on = past_or_today("certifiedOn", input.certified_on.unwrap_or_else(today))?;
    if input.valid_until < certified_on {
        return Err(AppError::bad_input(
            "validUntil",
            "must not be before the certification date",
        ));
    }
    let enterprise = enterprises::find(db, input.enterprise_id).await?;
    viewer.require_city(&enterprise.city_code)?;
    let txn = begin_write(db).await?;
    let created = certification::ActiveModel {
        id: Set(Uuid::now_v7()),
        enterprise_id: Set(enterprise.id),
        level: Set(input.level),
        certified_on: Set(certified_on),
        valid_until: Set(input.valid_until),
        meets_audit_requirements: Set(input.meets_audit_requirements),
        actor_id: Set(viewer.user_id()),
        created_at: Set(Utc::now()),
    }
    .insert(&txn)
    .await?;
    // 视同开展清洁生产审核: it completes the cycle as an accepted audit would.
    if input.meets_audit_requirements {
        enterprises::record_completion(&txn, enterprise.id, certified_on).await?;
    }
    audit_log::commit(
        txn,
        viewer,
        "recordCertification",
        "Certification",
        Some(created.id.to_string()),
        json!({ "enterpriseId": enterprise.id, "level": created.level, "meetsAuditRequirements": created.meets_audit_requirements }),
        )
    .await?;
    Ok(created)
}

/// Batch reads for the GraphQL loaders, without a viewer: see `experts::unguarded`.
pub mod unguarded {
    use super::*;
    pub async fn by_ids(
        db: &impl ConnectionTrait,
        ids: &[Uuid],
    ) -> AppResult<HashMap<Uuid, audit::Model>> {
        let rows = audit::Entity::find()
            .filter(audit::Column::Id.is_in(ids.iter().copied()))
            .all(db)
            .await?;
        Ok(rows.into_iter().map(|a| (a.id, a)).collect())
    }

    pub async fn transitions_of(
        db: &impl ConnectionTrait,
        ids: &[Uuid],
    ) -> AppResult<HashMap<Uuid, Vec<audit_transition::Model>>> {
        let rows = audit_transition::Entity::find()
            .filter(audit_transition::Column::AuditId.is_in(ids.iter().copied()))
            .order_by_asc(audit_transition::Column::Id)
            .all(db)
            .await?;
        Ok(grouped(rows, |r| r.audit_id))
    }

    pub async fn reviews_of(
        db: &impl ConnectionTrait,
        ids: &[Uuid],
    ) -> AppResult<HashMap<Uuid, Vec<review::Model>>> {
        let rows = review::Entity::find()
            .filter(review::Column::AuditId.is_in(ids.iter().copied()))
            .order_by_asc(review::Column::Id)
            .all(db)
            .await?;
        Ok(grouped(rows, |r| r.audit_id))
    }

    pub async fn options_of(
        db: &impl ConnectionTrait,
        ids: &[Uuid],
    ) -> AppResult<HashMap<Uuid, Vec<improvement_option::Model>>> {
        let rows = improvement_option::Entity::find()
            .filter(improvement_option::Column::AuditId.is_in(ids.iter().copied()))
            .order_by_asc(improvement_option::Column::Id)
            .all(db)
            .await?;
        Ok(grouped(rows, |r| r.audit_id))
    }

    pub async fn audits_of_enterprises(
        db: &impl ConnectionTrait,
        ids: &[Uuid],
    ) -> AppResult<HashMap<Uuid, Vec<audit::Model>>> {
        let rows = audit::Entity::find()
            .filter(audit::Column::EnterpriseId.is_in(ids.iter().copied()))
            .order_by_asc(audit::Column::Id)
            .all(db)
            .await?;
        Ok(grouped(rows, |r| r.enterprise_id))
    }

    pub async fn certifications_of(
        db: &impl ConnectionTrait,
        ids: &[Uuid],
    ) -> AppResult<HashMap<Uuid, Vec<certification::Model>>> {
        let rows = certification::Entity::find()
            .filter(certification::Column::EnterpriseId.is_in(ids.iter().copied()))
            .order_by_asc(certification::Column::CertifiedOn)
            .all(db)
            .await?;
        Ok(grouped(rows, |r| r.enterprise_id))
    }
}
