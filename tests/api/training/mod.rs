//! Training through the API: the plan, sessions, enrolment within capacity (also under
//! concurrent enrolments from separate connection pools), attendance one by one and by
//! sheet (all or nothing), records and hours, compliance, and the CSV exports. The shared
//! documents and helpers are here; the tests are in one file per topic.

use std::sync::atomic::Ordering;

use actix_web::http::StatusCode;
use chrono::{DateTime, Duration, SecondsFormat, Utc};
use rust_decimal::Decimal;
use serde_json::{Value, json};

use cleanprod::auth::Viewer;
use cleanprod::services::training::{self, NewParticipant};

use crate::support::{TestApp, add_staff, create_consultancy, create_expert, id_card, staff_input};

const CREATE: &str = "mutation($input: CreateTrainingSessionInput!) { createTrainingSession(input: $input) { id title scope cityCode organiser audiences topics startsAt endsAt year creditHours location capacity enrolledCount seatsLeft status version planItemId } }";
const SESSION: &str = "query($id: ID!) { trainingSession(id: $id) { id title status audiences topics creditHours capacity enrolledCount seatsLeft cancelReason upcoming held city { name } } }";
const SESSION_ATTENDANCES: &str = "query($id: ID!) { trainingSession(id: $id) { enrolledCount attendances { id status hours participant { kind name organisation audience expertId consultancyStaffId userId } } } }";
const LIST: &str = "query($f: TrainingSessionFilter, $n: Int, $after: String) { trainingSessions(first: $n, after: $after, filter: $f) { totalCount edges { cursor node { id title } } pageInfo { hasNextPage endCursor } } }";
const UPDATE: &str = "mutation($id: ID!, $input: UpdateTrainingSessionInput!, $v: Int!) { updateTrainingSession(id: $id, input: $input, expectedVersion: $v) { id title capacity version startsAt creditHours planItemId description } }";
const CANCEL: &str = "mutation($id: ID!, $r: String!) { cancelTrainingSession(id: $id, reason: $r) { id status cancelReason version } }";
const ENROLL: &str = "mutation($s: ID!, $p: TrainingParticipantInput!) { enrollInTraining(sessionId: $s, participant: $p) { id status hours participant { kind name organisation role audience expertId consultancyStaffId userId consultancyId } } }";
const RECORD: &str = "mutation($id: ID!, $input: AttendanceInput!) { recordAttendance(attendanceId: $id, input: $input) { id status hours examScore certificateNo checkedInAt checkedOutAt } }";
const RECORD_ALL: &str = "mutation($s: ID!, $rows: [AttendanceRowInput!]!) { recordAttendances(sessionId: $s, rows: $rows) { id status hours certificateNo } }";
const RECORD_OF: &str = "query($p: TrainingParticipantInput!, $y: Int!) { trainingRecord(participant: $p, year: $y) { year hours sessionsAttended person { kind id name organisation } attendances { status hours session { id title creditHours } } } }";
const COMPLIANCE: &str = "query($y: Int!) { trainingCompliance(year: $y) { year provincialSessionHeld provincialSessionsHeld provincialSessionsUpcoming provincialPlanItems provincialPlanItemsFulfilled cities { cityCode cityName sessionsHeld sessionsUpcoming sessionsCancelled planItems planItemsFulfilled } audiences { audience label sessionsHeld enrolled attended absent excused hours } peopleWithoutHours { kind id name organisation cityCode } expertsWithoutHours staffWithoutHours } }";
const SET_PLAN: &str = "mutation($y: Int!, $items: [TrainingPlanItemInput!]!, $v: Int) { setTrainingPlan(year: $y, items: $items, expectedVersion: $v) { id year version itemCount fulfilledCount items { id title scope cityCode plannedMonth audiences topics fulfilled sessions { id } } } }";
const PLAN: &str = "query($y: Int!) { trainingPlan(year: $y) { year version itemCount fulfilledCount items { id title fulfilled city { name } sessions { id status } } } }";
const SET_EXPERT_STATUS: &str = "mutation($id: ID!, $s: ExpertStatus!, $r: String!) { setExpertStatus(id: $id, status: $s, reason: $r) { status } }";
const END_STAFF: &str = "mutation($id: ID!, $on: Date!) { endConsultancyStaffEmployment(staffId: $id, endedOn: $on) { id } }";

/// The rows attendance operations write (the audit log's and the attendances'), to check
/// that a refusal wrote nothing.
async fn written(app: &TestApp) -> (i64, i64) {
    (
        app.count("audit_log").await,
        app.count("training_attendances").await,
    )
}

/// The session with its attendances, as `token` reads it.
async fn session_attendances(app: &TestApp, token: &str, session: &Value) -> Value {
    app.ok(Some(token), SESSION_ATTENDANCES, json!({ "id": session }))
        .await
}

fn rfc(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// A session starting at `starts` and lasting `hours`, crediting `credit` hours, for
/// experts, consultancy staff and officials.
pub fn input(
    scope: &str,
    city: Option<&str>,
    starts: DateTime<Utc>,
    hours: i64,
    credit: &str,
) -> Value {
    json!({
        "title": format!("清洁生产审核培训（{scope}）"),
        "scope": scope,
        "cityCode": city,
        "audiences": ["EXPERT", "CONSULTANCY_STAFF", "ADMINISTRATIVE_STAFF"],
        "topics": ["LAW_AND_POLICY", "METHODS"],
        "startsAt": rfc(starts),
        "endsAt": rfc(starts + Duration::hours(hours)),
        "creditHours": credit,
        "location": "太原市迎泽大街1号",
    })
}

/// Two days ago, on the hour: a session that started then can have its attendance recorded.
pub fn two_days_ago() -> DateTime<Utc> {
    let now = Utc::now() - Duration::days(2);
    now - Duration::seconds(now.timestamp() % 3600)
}

fn in_ten_days() -> DateTime<Utc> {
    let now = Utc::now() + Duration::days(10);
    now - Duration::seconds(now.timestamp() % 3600)
}

pub async fn create(app: &TestApp, token: &str, input: Value) -> Value {
    app.ok(Some(token), CREATE, json!({ "input": input })).await["createTrainingSession"].clone()
}

async fn enroll(app: &TestApp, token: &str, session: &Value, participant: Value) -> Value {
    app.ok(
        Some(token),
        ENROLL,
        json!({ "s": session["id"], "p": participant }),
    )
    .await["enrollInTraining"]
        .clone()
}

async fn my_id(app: &TestApp, token: &str) -> Value {
    app.ok(Some(token), "{ me { id } }", json!({})).await["me"]["id"].clone()
}

fn outside(name: &str) -> Value {
    json!({ "outside": { "name": name, "organisation": "太原某钢铁有限公司", "role": "环保部长", "audience": "ADMINISTRATIVE_STAFF" } })
}

fn year_of(starts: DateTime<Utc>) -> i32 {
    training::session_year(starts)
}

fn dec(s: &str) -> Decimal {
    s.parse().expect("decimal")
}

async fn expect_field(app: &TestApp, token: Option<&str>, query: &str, vars: Value, field: &str) {
    let (code, error) = app.err(token, query, vars.clone()).await;
    assert_eq!(code, "BAD_USER_INPUT", "{vars}: {error}");
    assert_eq!(error["extensions"]["field"], field, "{vars}: {error}");
    let message = error["message"].as_str().unwrap_or("");
    let rest = message.strip_prefix(&format!("{field}: ")).unwrap_or("");
    assert!(
        !rest.is_empty(),
        "the message names the field once: {error}"
    );
    let last = field.rsplit('.').next().unwrap_or(field);
    assert!(
        !rest.starts_with(&format!("{last}:")),
        "the field named twice: {error}"
    );
}

mod attendance;
mod enrolment;
mod records;
mod sessions;

pub(crate) use attendance::bulk_records_are_all_or_nothing;
pub(crate) use records::plan_and_its_fulfilment;
pub(crate) use sessions::update_and_cancel;
