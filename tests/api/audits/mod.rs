//! Audits through the API: the state machine and its history, deadlines and extensions,
//! reviews, improvement options, who may do what, and the cost of a page. The shared
//! operations and fixtures are here; the tests are in one file per topic.

use serde_json::{Value, json};

use crate::support::{
    TestApp, add_staff, create_consultancy, create_enterprise, create_expert, enterprise_input,
    staff_input,
};

pub(crate) mod access;
pub(crate) mod lifecycle;
pub(crate) mod outcomes;

// The flows `audit_coverage` runs.
pub(crate) use lifecycle::the_machine_with_deadlines_and_history;
pub(crate) use outcomes::improvement_options_exact_and_checked;

pub const CREATE_AUDIT: &str = "mutation($input: CreateAuditInput!) { createAudit(input: $input) { id status year noticeDate deadline { kind due } version } }";
pub const START: &str = "mutation($id: ID!, $on: Date) { startAudit(auditId: $id, startedOn: $on) { status startedOn } }";
pub const SUBMIT: &str = "mutation($id: ID!, $input: SubmitAuditReportInput!) { submitAuditReport(auditId: $id, input: $input) { status reportSubmittedOn evaluationDue deadline { kind due } consultancy { name } leadAuditor { name } } }";
pub const SCHEDULE: &str = "mutation($input: ScheduleReviewInput!) { scheduleReview(input: $input) { id kind date status organiserCityCode } }";
pub const RECORD: &str = "mutation($id: ID!, $input: ReviewOutcomeInput!) { recordReviewOutcome(reviewId: $id, input: $input) { review { status outcome score opinion } audit { status lastOutcome closed evaluatedOn acceptanceDue acceptedOn deadline { kind due } } } }";
const EXTEND: &str = "mutation($id: ID!, $until: Date!, $r: String!) { grantAcceptanceExtension(auditId: $id, until: $until, reason: $r) { acceptanceDue acceptanceExtendedUntil extensionReason deadline { kind due } cycleEnd } }";
const AUDIT: &str = "query($id: ID!, $asOf: Date) { audit(id: $id) { id status lastOutcome closed evaluationDue acceptanceDue cycleEnd deadline { kind due } overdue(asOf: $asOf) history { event fromStatus toStatus outcome occurredOn note actorId } reviews { kind status outcome } options { title } enterprise { name lastCompletedOn } } }";
const AUDITS: &str = "query($filter: AuditFilter) { audits(filter: $filter) { totalCount edges { node { id enterprise { name } } } } }";
const OVERDUE: &str = "query($city: String, $asOf: Date) { overdueAudits(cityCode: $city, asOf: $asOf) { totalCount edges { node { id deadline { kind due } } } } }";
const ADD_OPTION: &str = "mutation($id: ID!, $input: ImprovementOptionInput!) { addImprovementOption(auditId: $id, input: $input) { id kind title investment economicBenefit energyTce codT needsAcceptance otherDepartment otherDepartmentConclusion implemented version } }";
const UPDATE_OPTION: &str = "mutation($id: ID!, $input: UpdateImprovementOptionInput!, $v: Int!) { updateImprovementOption(id: $id, input: $input, expectedVersion: $v) { kind investment needsAcceptance implemented otherDepartment version } }";

/// The firm, its lead auditor (employed since 2020) and an enterprise of Taiyuan.
pub struct Setting {
    pub admin: String,
    pub city: String,
    pub firm: Value,
    pub lead: Value,
    pub enterprise: Value,
}

pub async fn setting(app: &TestApp) -> Setting {
    let admin = app.admin().await;
    let city = app.city_admin("140100").await;
    let firm = create_consultancy(app, &admin, 1).await;
    let lead = add_staff(app, &admin, &firm["id"], staff_input(1, "2020-01-01")).await;
    let enterprise = create_enterprise(app, &admin, enterprise_input(1)).await;
    Setting {
        admin,
        city,
        firm,
        lead,
        enterprise,
    }
}

impl Setting {
    /// Starts `audit` on `on`.
    pub async fn start(&self, app: &TestApp, token: &str, audit: &Value, on: &str) {
        app.ok(Some(token), START, json!({ "id": audit["id"], "on": on }))
            .await;
    }

    /// Submits `audit`'s report by the setting's firm and lead auditor on `on`.
    pub async fn submit(&self, app: &TestApp, token: &str, audit: &Value, on: &str) {
        let input = json!({ "consultancyId": self.firm["id"], "leadAuditorId": self.lead["id"], "submittedOn": on });
        app.ok(
            Some(token),
            SUBMIT,
            json!({ "id": audit["id"], "input": input }),
        )
        .await;
    }
}

/// Adds an improvement option to `audit`.
pub async fn add_option(app: &TestApp, token: &str, audit: &Value, input: Value) {
    app.ok(
        Some(token),
        ADD_OPTION,
        json!({ "id": audit["id"], "input": input }),
    )
    .await;
}

pub async fn create_audit(
    app: &TestApp,
    token: &str,
    enterprise: &Value,
    year: i32,
    notice: &str,
) -> Value {
    app.ok(
        Some(token),
        CREATE_AUDIT,
        json!({ "input": { "enterpriseId": enterprise["id"], "year": year, "noticeDate": notice } }),
    )
    .await["createAudit"]
        .clone()
}

pub async fn review(
    app: &TestApp,
    token: &str,
    audit: &Value,
    kind: &str,
    date: &str,
    outcome: &str,
) -> Value {
    let scheduled = app
        .ok(
            Some(token),
            SCHEDULE,
            json!({ "input": { "auditId": audit["id"], "kind": kind, "date": date } }),
        )
        .await["scheduleReview"]
        .clone();
    app.ok(
        Some(token),
        RECORD,
        json!({ "id": scheduled["id"], "input": { "outcome": outcome, "score": "80", "opinion": "评审意见" } }),
    )
    .await["recordReviewOutcome"]
        .clone()
}

/// Who may not act on the organiser's behalf, with the code each gets: another city's admin
/// and a user of the setting's firm (FORBIDDEN), and anyone signed out (UNAUTHENTICATED).
pub async fn not_the_organiser(app: &TestApp, s: &Setting) -> [(Option<String>, &'static str); 3] {
    [
        (Some(app.city_admin("140200").await), "FORBIDDEN"),
        (Some(app.consultancy_user(&s.firm["id"]).await), "FORBIDDEN"),
        (None, "UNAUTHENTICATED"),
    ]
}

/// Records the review's `[outcome, score, opinion]`.
pub async fn record_outcome(
    app: &TestApp,
    token: &str,
    review: &Value,
    [outcome, score, opinion]: [&str; 3],
) {
    let input = json!({ "outcome": outcome, "score": score, "opinion": opinion });
    app.ok(Some(token), RECORD, json!({ "id": review, "input": input }))
        .await;
}

/// The dates of an audit noticed in March 2024 whose report is in by May.
pub const MAY_REPORT: [&str; 3] = ["2024-03-01", "2024-03-10", "2024-05-01"];

/// The report as the setting's firm and lead auditor submit it on `on`.
pub fn submission(s: &Setting, on: &str) -> Value {
    json!({ "consultancyId": s.firm["id"], "leadAuditorId": s.lead["id"], "submittedOn": on })
}

/// The city starts the audit (by its id) on `on`.
pub async fn start(app: &TestApp, s: &Setting, audit: &Value, on: &str) {
    app.ok(Some(&s.city), START, json!({ "id": audit, "on": on }))
        .await;
}

/// The city submits the audit's report (see [`submission`]) on `on`.
pub async fn submit(app: &TestApp, s: &Setting, audit: &Value, on: &str) {
    let input = submission(s, on);
    app.ok(
        Some(&s.city),
        SUBMIT,
        json!({ "id": audit, "input": input }),
    )
    .await;
}

/// The enterprise's audit of `year`, noticed, started and its report submitted on the dates
/// given, waiting for its evaluation to be scheduled.
pub async fn reported_audit(
    app: &TestApp,
    s: &Setting,
    enterprise: &Value,
    year: i32,
    [notice, started, submitted]: [&str; 3],
) -> Value {
    let audit = create_audit(app, &s.city, enterprise, year, notice).await;
    start(app, s, &audit["id"], started).await;
    submit(app, s, &audit["id"], submitted).await;
    audit
}

/// Schedules a review of the audit (by its id); returns the review's id.
pub async fn schedule(app: &TestApp, token: &str, audit: &Value, kind: &str, date: &str) -> Value {
    let input = json!({ "auditId": audit, "kind": kind, "date": date });
    app.ok(Some(token), SCHEDULE, json!({ "input": input }))
        .await["scheduleReview"]["id"]
        .clone()
}
