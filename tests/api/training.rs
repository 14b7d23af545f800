//! Training through the API: the plan, sessions, enrolment within capacity (also under
//! concurrent enrolments from separate connection pools), attendance one by one and by
//! sheet (all or nothing), records and hours, compliance, and the CSV exports.

use std::sync::atomic::Ordering;

use actix_web::http::StatusCode;
use actix_web::test::TestRequest;
use chrono::{DateTime, Duration, SecondsFormat, Utc};
use rust_decimal::Decimal;
use serde_json::{Value, json};

use cleanprod::auth::Viewer;
use cleanprod::services::training::{self, NewParticipant};

use crate::db_test;
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

async fn create_read_and_bad_input(app: TestApp) {
    let admin = app.admin().await;
    let taiyuan = app.city_admin("140100").await;
    let starts = in_ten_days();

    let provincial = create(&app, &admin, input("PROVINCIAL", None, starts, 8, "6")).await;
    assert_eq!(provincial["scope"], "PROVINCIAL");
    assert_eq!(provincial["organiser"], "山西省生态环境厅");
    assert_eq!(provincial["creditHours"], "6");
    assert_eq!(provincial["status"], "ANNOUNCED");
    assert_eq!(provincial["enrolledCount"], 0);
    assert_eq!(provincial["year"], year_of(starts));
    assert_eq!(
        provincial["audiences"],
        json!(["ADMINISTRATIVE_STAFF", "CONSULTANCY_STAFF", "EXPERT"])
    );

    let mut city_input = input("CITY", Some("140100"), starts, 4, "3.5");
    city_input["capacity"] = json!(40);
    let city = create(&app, &taiyuan, city_input).await;
    assert_eq!(city["cityCode"], "140100");
    assert_eq!(city["organiser"], "太原市生态环境局");
    assert_eq!(city["seatsLeft"], 40);

    // The public reads the announcement, nothing about attendees.
    let public =
        app.ok(None, SESSION, json!({ "id": city["id"] })).await["trainingSession"].clone();
    assert_eq!(public["title"], city["title"]);
    assert_eq!(public["city"]["name"], "太原市");
    assert_eq!(public["enrolledCount"], Value::Null);
    assert_eq!(public["seatsLeft"], Value::Null);
    assert_eq!(public["upcoming"], true);
    assert_eq!(public["held"], false);
    let (code, _) = app
        .err(None, SESSION_ATTENDANCES, json!({ "id": city["id"] }))
        .await;
    assert_eq!(code, "UNAUTHENTICATED");

    let before = (
        app.count("training_sessions").await,
        app.count("training_session_audiences").await,
        app.count("audit_log").await,
    );
    let base = || input("CITY", Some("140100"), starts, 4, "3.5");
    let mut cases: Vec<(&str, Value)> = Vec::new();
    let mut with = |field: &str, value: Value, at: &'static str| {
        let mut i = base();
        i[field] = value;
        cases.push((at, i));
    };
    with("title", json!("  "), "title");
    with("audiences", json!([]), "audiences");
    with("topics", json!([]), "topics");
    with("endsAt", json!(rfc(starts)), "endsAt");
    with("endsAt", json!(rfc(starts + Duration::days(40))), "endsAt");
    with("creditHours", json!("1.125"), "creditHours");
    with("creditHours", json!("4.5"), "creditHours");
    with("creditHours", json!("-1"), "creditHours");
    with("location", json!(""), "location");
    with("capacity", json!(0), "capacity");
    with("cityCode", json!("999999"), "cityCode");
    with("startsAt", json!("1990-01-01T00:00:00Z"), "startsAt");
    with(
        "planItemId",
        json!(uuid::Uuid::now_v7().to_string()),
        "planItemId",
    );
    with("planItemId", json!("not-an-id"), "planItemId");
    with("description", json!("长".repeat(4001)), "description");
    let mut missing_city = base();
    missing_city["cityCode"] = Value::Null;
    cases.push(("cityCode", missing_city));
    let mut provincial_city = input("PROVINCIAL", Some("140100"), starts, 4, "3");
    provincial_city["title"] = json!("x");
    cases.push(("cityCode", provincial_city));
    for (field, i) in cases {
        expect_field(&app, Some(&admin), CREATE, json!({ "input": i }), field).await;
    }
    assert_eq!(
        (
            app.count("training_sessions").await,
            app.count("training_session_audiences").await,
            app.count("audit_log").await,
        ),
        before
    );

    // Who may not announce what.
    let datong = app.city_admin("140200").await;
    let expert = create_expert(&app, &admin, 1).await;
    let expert_user = app.user_token("EXPERT", None, expert["id"].as_str()).await;
    let firm = create_consultancy(&app, &admin, 1).await;
    let firm_user = app.consultancy_user(&firm["id"]).await;
    let before_roles = app.count("audit_log").await;
    for (token, i, want) in [
        (
            Some(&taiyuan),
            input("PROVINCIAL", None, starts, 4, "3"),
            "FORBIDDEN",
        ),
        (Some(&datong), base(), "FORBIDDEN"),
        (Some(&expert_user), base(), "FORBIDDEN"),
        (Some(&firm_user), base(), "FORBIDDEN"),
        (None, base(), "UNAUTHENTICATED"),
        (
            None,
            input("PROVINCIAL", None, starts, 4, "3"),
            "UNAUTHENTICATED",
        ),
    ] {
        let (code, error) = app
            .err(token.map(String::as_str), CREATE, json!({ "input": i }))
            .await;
        assert_eq!(code, want, "{error}");
    }
    assert_eq!(app.count("audit_log").await, before_roles);
    assert_eq!(app.count("training_sessions").await, before.0);
}
db_test!(create_read_and_bad_input);

async fn lists_filter_and_hide_cancelled_from_the_public(app: TestApp) {
    let admin = app.admin().await;
    let past = two_days_ago();
    let future = in_ten_days();
    let a = create(&app, &admin, input("PROVINCIAL", None, past, 8, "6")).await;
    let mut b_input = input("CITY", Some("140100"), future, 3, "3");
    b_input["audiences"] = json!(["ENTERPRISE_STAFF"]);
    b_input["topics"] = json!(["TECHNOLOGY"]);
    b_input["title"] = json!("焦化行业清洁生产技术");
    let b = create(&app, &admin, b_input).await;
    let c = create(&app, &admin, input("CITY", Some("140200"), past, 4, "4")).await;
    let d = create(&app, &admin, input("CITY", Some("140200"), future, 4, "4")).await;
    app.ok(Some(&admin), CANCEL, json!({ "id": d["id"], "r": "疫情" }))
        .await;

    let ids = |data: &Value| -> Vec<Value> {
        data["trainingSessions"]["edges"]
            .as_array()
            .expect("edges")
            .iter()
            .map(|e| e["node"]["id"].clone())
            .collect()
    };
    let list = |f: Value| {
        let app = &app;
        let admin = admin.clone();
        async move { app.ok(Some(&admin), LIST, json!({ "f": f })).await }
    };
    assert_eq!(ids(&list(json!({})).await).len(), 4);
    assert_eq!(
        ids(&list(json!({ "scope": "PROVINCIAL" })).await),
        vec![a["id"].clone()]
    );
    assert_eq!(
        ids(&list(json!({ "cityCode": "140200" })).await),
        vec![c["id"].clone(), d["id"].clone()]
    );
    assert_eq!(
        ids(&list(json!({ "audience": "ENTERPRISE_STAFF" })).await),
        vec![b["id"].clone()]
    );
    assert_eq!(
        ids(&list(json!({ "topic": "TECHNOLOGY" })).await),
        vec![b["id"].clone()]
    );
    assert_eq!(
        ids(&list(json!({ "topic": "METHODS", "timing": "PAST" })).await),
        vec![a["id"].clone(), c["id"].clone()]
    );
    assert_eq!(
        ids(&list(json!({ "timing": "UPCOMING" })).await),
        vec![b["id"].clone(), d["id"].clone()]
    );
    assert_eq!(
        ids(&list(json!({ "status": "CANCELLED" })).await),
        vec![d["id"].clone()]
    );
    assert_eq!(
        ids(&list(json!({ "text": "焦化" })).await),
        vec![b["id"].clone()]
    );
    assert_eq!(
        ids(&list(json!({ "year": year_of(past) - 1 })).await).len(),
        0
    );
    let this_year = list(json!({ "year": year_of(past), "scope": "PROVINCIAL" })).await;
    assert_eq!(ids(&this_year), vec![a["id"].clone()]);

    // The public: announced sessions only.
    let public = app.ok(None, LIST, json!({})).await;
    assert_eq!(public["trainingSessions"]["totalCount"], 3);
    let (code, _) = app.err(None, SESSION, json!({ "id": d["id"] })).await;
    assert_eq!(code, "NOT_FOUND");
    let firm = create_consultancy(&app, &admin, 1).await;
    let firm_user = app.consultancy_user(&firm["id"]).await;
    let seen = app
        .ok(Some(&firm_user), SESSION, json!({ "id": d["id"] }))
        .await;
    assert_eq!(seen["trainingSession"]["status"], "CANCELLED");
    assert_eq!(seen["trainingSession"]["cancelReason"], "疫情");

    // Pages.
    let first = app.ok(None, LIST, json!({ "n": 2 })).await;
    assert_eq!(first["trainingSessions"]["pageInfo"]["hasNextPage"], true);
    let next = app
        .ok(
            None,
            LIST,
            json!({ "n": 2, "after": first["trainingSessions"]["pageInfo"]["endCursor"] }),
        )
        .await;
    assert_eq!(ids(&next), vec![c["id"].clone()]);
    let (code, error) = app.err(None, LIST, json!({ "n": 1000 })).await;
    assert_eq!(
        (code.as_str(), &error["extensions"]["field"]),
        ("BAD_USER_INPUT", &json!("first"))
    );
}
db_test!(lists_filter_and_hide_cancelled_from_the_public);

pub(crate) async fn update_and_cancel(app: TestApp) {
    let admin = app.admin().await;
    let taiyuan = app.city_admin("140100").await;
    let datong = app.city_admin("140200").await;
    let mut i = input("CITY", Some("140100"), two_days_ago(), 8, "6");
    i["capacity"] = json!(3);
    let session = create(&app, &taiyuan, i).await;
    let id = session["id"].clone();

    let updated = app
        .ok(
            Some(&taiyuan),
            UPDATE,
            json!({ "id": id, "input": { "title": "新标题", "capacity": null, "description": "说明" }, "v": 1 }),
        )
        .await["updateTrainingSession"]
        .clone();
    assert_eq!(updated["title"], "新标题");
    assert_eq!(updated["capacity"], Value::Null);
    assert_eq!(updated["version"], 2);
    assert_eq!(updated["description"], "说明");

    for n in 0..2 {
        enroll(&app, &admin, &session, outside(&format!("外部{n}"))).await;
    }
    let before = app.count("audit_log").await;
    for (token, vars, want) in [
        (
            Some(&taiyuan),
            json!({ "id": id, "input": { "title": "x" }, "v": 1 }),
            "CONFLICT",
        ),
        (
            Some(&datong),
            json!({ "id": id, "input": { "title": "x" }, "v": 2 }),
            "FORBIDDEN",
        ),
        (
            None,
            json!({ "id": id, "input": { "title": "x" }, "v": 2 }),
            "UNAUTHENTICATED",
        ),
        (
            Some(&taiyuan),
            json!({ "id": uuid::Uuid::now_v7().to_string(), "input": { "title": "x" }, "v": 2 }),
            "NOT_FOUND",
        ),
    ] {
        let (code, error) = app.err(token.map(String::as_str), UPDATE, vars).await;
        assert_eq!(code, want, "{error}");
    }
    for (patch, field) in [
        (json!({ "capacity": 1 }), "capacity"),
        (json!({ "title": "" }), "title"),
        (json!({ "audiences": [] }), "audiences"),
        (json!({ "creditHours": "9" }), "creditHours"),
        (json!({ "planItemId": "nope" }), "planItemId"),
    ] {
        expect_field(
            &app,
            Some(&taiyuan),
            UPDATE,
            json!({ "id": id, "input": patch, "v": 2 }),
            field,
        )
        .await;
    }
    assert_eq!(app.count("audit_log").await, before);

    // Once attendance is recorded the times and hours stay.
    let rows = app
        .ok(Some(&admin), SESSION_ATTENDANCES, json!({ "id": id }))
        .await["trainingSession"]["attendances"]
        .clone();
    app.ok(
        Some(&taiyuan),
        RECORD,
        json!({ "id": rows[0]["id"], "input": { "status": "ATTENDED" } }),
    )
    .await;
    let before = app.count("audit_log").await;
    expect_field(
        &app,
        Some(&taiyuan),
        UPDATE,
        json!({ "id": id, "input": { "creditHours": "5" }, "v": 2 }),
        "creditHours",
    )
    .await;
    let (code, error) = app
        .err(Some(&taiyuan), CANCEL, json!({ "id": id, "r": "取消" }))
        .await;
    assert_eq!(
        (code.as_str(), &error["extensions"]["field"]),
        ("BAD_USER_INPUT", &json!("id")),
        "{error}"
    );
    assert_eq!(app.count("audit_log").await, before);

    // Cancelling: the organiser, with a reason, once.
    let upcoming = create(
        &app,
        &taiyuan,
        input("CITY", Some("140100"), in_ten_days(), 3, "3"),
    )
    .await;
    let uid = upcoming["id"].clone();
    for (token, reason, want) in [
        (Some(&datong), "x", "FORBIDDEN"),
        (None, "x", "UNAUTHENTICATED"),
        (Some(&taiyuan), " ", "BAD_USER_INPUT"),
    ] {
        let (code, _) = app
            .err(
                token.map(String::as_str),
                CANCEL,
                json!({ "id": uid, "r": reason }),
            )
            .await;
        assert_eq!(code, want);
    }
    let cancelled = app
        .ok(
            Some(&taiyuan),
            CANCEL,
            json!({ "id": uid, "r": "场地变更" }),
        )
        .await["cancelTrainingSession"]
        .clone();
    assert_eq!(cancelled["status"], "CANCELLED");
    assert_eq!(cancelled["cancelReason"], "场地变更");
    let before = (
        app.count("audit_log").await,
        app.count("training_attendances").await,
    );
    expect_field(
        &app,
        Some(&taiyuan),
        CANCEL,
        json!({ "id": uid, "r": "again" }),
        "id",
    )
    .await;
    expect_field(
        &app,
        Some(&taiyuan),
        UPDATE,
        json!({ "id": uid, "input": { "title": "x" }, "v": 2 }),
        "id",
    )
    .await;
    expect_field(
        &app,
        Some(&admin),
        ENROLL,
        json!({ "s": uid, "p": outside("张三") }),
        "sessionId",
    )
    .await;
    assert_eq!(
        (
            app.count("audit_log").await,
            app.count("training_attendances").await
        ),
        before
    );
}
db_test!(update_and_cancel);

/// Who enrols whom, once per session, for the session's audiences, until it starts.
async fn enrolment_roles_and_rules(app: TestApp) {
    let admin = app.admin().await;
    let taiyuan = app.city_admin("140100").await;
    let starts = in_ten_days();
    let session = create(&app, &admin, input("PROVINCIAL", None, starts, 8, "6")).await;
    let expert = create_expert(&app, &admin, 1).await;
    let other_expert = create_expert(&app, &admin, 2).await;
    let expert_user = app.user_token("EXPERT", None, expert["id"].as_str()).await;
    let firm = create_consultancy(&app, &admin, 1).await;
    let other_firm = create_consultancy(&app, &admin, 2).await;
    let firm_user = app.consultancy_user(&firm["id"]).await;
    let staff = add_staff(&app, &admin, &firm["id"], staff_input(1, "2020-01-01")).await;
    let other_staff = add_staff(
        &app,
        &admin,
        &other_firm["id"],
        staff_input(2, "2020-01-01"),
    )
    .await;

    let mine = enroll(
        &app,
        &expert_user,
        &session,
        json!({ "expertId": expert["id"] }),
    )
    .await;
    assert_eq!(mine["status"], "REGISTERED");
    assert_eq!(mine["participant"]["kind"], "EXPERT");
    assert_eq!(mine["participant"]["name"], expert["name"]);
    assert_eq!(mine["participant"]["organisation"], "山西省环境科学研究院");
    assert_eq!(mine["participant"]["role"], "副高级");
    assert_eq!(mine["participant"]["audience"], "EXPERT");
    let staffs = enroll(
        &app,
        &firm_user,
        &session,
        json!({ "consultancyStaffId": staff["id"] }),
    )
    .await;
    assert_eq!(staffs["participant"]["organisation"], firm["name"]);
    assert_eq!(staffs["participant"]["consultancyId"], firm["id"]);
    assert_eq!(staffs["participant"]["role"], "审核人员");
    let me = my_id(&app, &taiyuan).await;
    let official = enroll(&app, &taiyuan, &session, json!({ "userId": me })).await;
    assert_eq!(official["participant"]["audience"], "ADMINISTRATIVE_STAFF");
    assert_eq!(official["participant"]["organisation"], "太原市生态环境局");
    let guest = enroll(&app, &admin, &session, outside("李四")).await;
    assert_eq!(guest["participant"]["kind"], "OUTSIDE");

    let before = (
        app.count("training_attendances").await,
        app.count("audit_log").await,
    );
    let s = session["id"].clone();
    let vars = |p: Value| json!({ "s": s, "p": p });
    for (token, p, want) in [
        (
            Some(&expert_user),
            json!({ "expertId": expert["id"] }),
            "CONFLICT",
        ),
        (Some(&admin), outside("李四"), "CONFLICT"),
        (
            Some(&expert_user),
            json!({ "expertId": other_expert["id"] }),
            "FORBIDDEN",
        ),
        (
            Some(&expert_user),
            json!({ "consultancyStaffId": staff["id"] }),
            "FORBIDDEN",
        ),
        (
            Some(&firm_user),
            json!({ "consultancyStaffId": other_staff["id"] }),
            "FORBIDDEN",
        ),
        (
            Some(&firm_user),
            json!({ "expertId": expert["id"] }),
            "FORBIDDEN",
        ),
        (Some(&firm_user), outside("王五"), "FORBIDDEN"),
        (
            Some(&taiyuan),
            json!({ "expertId": other_expert["id"] }),
            "FORBIDDEN",
        ),
        (Some(&taiyuan), outside("王五"), "FORBIDDEN"),
        (None, json!({ "expertId": expert["id"] }), "UNAUTHENTICATED"),
        (
            Some(&admin),
            json!({ "expertId": uuid::Uuid::now_v7().to_string() }),
            "NOT_FOUND",
        ),
    ] {
        let (code, error) = app
            .err(token.map(String::as_str), ENROLL, vars(p.clone()))
            .await;
        assert_eq!(code, want, "{p}: {error}");
    }
    let expert_user_id = my_id(&app, &expert_user).await;
    let mut enterprise_guest = outside("赵六");
    enterprise_guest["outside"]["audience"] = json!("ENTERPRISE_STAFF");
    for (p, field) in [
        // An expert's account trains as the expert.
        (json!({ "userId": expert_user_id }), "participant.userId"),
        // The session is not for enterprise staff.
        (enterprise_guest, "participant"),
        (
            json!({ "outside": { "name": " ", "organisation": "x" } }),
            "participant.outside.name",
        ),
        (
            json!({ "outside": { "name": "x", "organisation": "" } }),
            "participant.outside.organisation",
        ),
        (json!({ "expertId": "nope" }), "participant.expertId"),
    ] {
        expect_field(&app, Some(&admin), ENROLL, vars(p), field).await;
    }
    expect_field(
        &app,
        Some(&admin),
        ENROLL,
        json!({ "s": "nope", "p": outside("x") }),
        "sessionId",
    )
    .await;
    // Exactly one kind of participant.
    let (_, body) = app
        .post(
            Some(&admin),
            ENROLL,
            vars(json!({ "expertId": expert["id"], "userId": me })),
        )
        .await;
    assert!(body["errors"].is_array(), "{body}");
    assert_eq!(
        (
            app.count("training_attendances").await,
            app.count("audit_log").await
        ),
        before
    );

    // Staff who left the firm before the session cannot be enrolled for it.
    let leaver = add_staff(&app, &admin, &firm["id"], staff_input(3, "2020-01-01")).await;
    app.ok(
        Some(&admin),
        END_STAFF,
        json!({ "id": leaver["id"], "on": "2024-12-31" }),
    )
    .await;
    expect_field(
        &app,
        Some(&firm_user),
        ENROLL,
        vars(json!({ "consultancyStaffId": leaver["id"] })),
        "participant.consultancyStaffId",
    )
    .await;

    // Each sees their own enrolments; the organiser sees everyone.
    let all = app
        .ok(Some(&admin), SESSION_ATTENDANCES, json!({ "id": s }))
        .await;
    assert_eq!(
        all["trainingSession"]["attendances"]
            .as_array()
            .map(Vec::len),
        Some(4)
    );
    assert_eq!(all["trainingSession"]["enrolledCount"], 4);
    for (token, kind) in [
        (&expert_user, "EXPERT"),
        (&firm_user, "CONSULTANCY_STAFF"),
        (&taiyuan, "USER"),
    ] {
        let seen = app
            .ok(Some(token), SESSION_ATTENDANCES, json!({ "id": s }))
            .await;
        let rows = seen["trainingSession"]["attendances"]
            .as_array()
            .expect("rows")
            .clone();
        assert_eq!(rows.len(), 1, "{kind}");
        assert_eq!(rows[0]["participant"]["kind"], kind);
    }

    // After the start people no longer enrol themselves; the organiser still may.
    let started = create(
        &app,
        &admin,
        input("PROVINCIAL", None, two_days_ago(), 8, "6"),
    )
    .await;
    expect_field(
        &app,
        Some(&expert_user),
        ENROLL,
        json!({ "s": started["id"], "p": { "expertId": expert["id"] } }),
        "sessionId",
    )
    .await;
    enroll(&app, &admin, &started, json!({ "expertId": expert["id"] })).await;

    // A city admin organises their city's sessions: anyone may be enrolled there.
    let city_session = create(
        &app,
        &taiyuan,
        input("CITY", Some("140100"), starts, 3, "3"),
    )
    .await;
    enroll(
        &app,
        &taiyuan,
        &city_session,
        json!({ "expertId": other_expert["id"] }),
    )
    .await;
    enroll(
        &app,
        &taiyuan,
        &city_session,
        json!({ "consultancyStaffId": other_staff["id"] }),
    )
    .await;
}
db_test!(enrolment_roles_and_rules);

/// A full session answers CONFLICT; concurrent enrolments from separate connection pools
/// (as from several server instances) never pass the capacity, and one person enrolling
/// many times at once gets one place.
async fn capacity_holds_under_concurrent_enrolments(app: TestApp) {
    let admin = app.admin().await;
    let mut i = input("PROVINCIAL", None, in_ten_days(), 8, "6");
    i["capacity"] = json!(1);
    let small = create(&app, &admin, i).await;
    enroll(&app, &admin, &small, outside("甲")).await;
    let before = app.count("training_attendances").await;
    let (code, error) = app
        .err(
            Some(&admin),
            ENROLL,
            json!({ "s": small["id"], "p": outside("乙") }),
        )
        .await;
    assert_eq!(code, "CONFLICT", "{error}");
    assert!(
        error["message"].as_str().unwrap_or("").contains("full"),
        "{error}"
    );
    assert_eq!(app.count("training_attendances").await, before);

    const CAPACITY: i64 = 5;
    const CONTENDERS: usize = 24;
    let mut i = input("PROVINCIAL", None, in_ten_days(), 8, "6");
    i["capacity"] = json!(CAPACITY);
    let session = create(&app, &admin, i).await;
    let session_id = uuid::Uuid::parse_str(session["id"].as_str().expect("id")).expect("uuid");
    let expert = create_expert(&app, &admin, 1).await;
    let expert_id = uuid::Uuid::parse_str(expert["id"].as_str().expect("id")).expect("uuid");
    let url = app.state.services.config.database_url.clone();

    // A runtime of its own with worker threads, so that the enrolments truly overlap.
    let (outcomes, duplicates) = std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(4)
            .enable_all()
            .build()
            .expect("runtime");
        rt.block_on(async move {
            let mut pools = Vec::new();
            for _ in 0..4 {
                pools.push(cleanprod::db::connect(&url).await.expect("pool"));
            }
            let start = std::sync::Arc::new(tokio::sync::Barrier::new(CONTENDERS));
            let mut tasks = Vec::new();
            for n in 0..CONTENDERS {
                let db = pools[n % pools.len()].clone();
                let start = start.clone();
                tasks.push(tokio::spawn(async move {
                    start.wait().await;
                    training::enroll(
                        &db,
                        &Viewer::System,
                        session_id,
                        NewParticipant::Outside {
                            name: format!("参训人{n}"),
                            organisation: "某企业".into(),
                            role: None,
                            audience: cleanprod::domain::TrainingAudience::AdministrativeStaff,
                        },
                    )
                    .await
                    .map(|_| ())
                    .map_err(|e| e.code())
                }));
            }
            let mut outcomes = Vec::new();
            for t in tasks {
                outcomes.push(t.await.expect("task"));
            }
            // The same expert, eight times at once, on another session without a limit.
            let mut tasks = Vec::new();
            for n in 0..8 {
                let db = pools[n % pools.len()].clone();
                tasks.push(tokio::spawn(async move {
                    training::enroll(
                        &db,
                        &Viewer::System,
                        session_id,
                        NewParticipant::Expert(expert_id),
                    )
                    .await
                    .map(|_| ())
                    .map_err(|e| e.code())
                }));
            }
            let mut duplicates = Vec::new();
            for t in tasks {
                duplicates.push(t.await.expect("task"));
            }
            for pool in pools {
                let _ = pool.close().await;
            }
            (outcomes, duplicates)
        })
    })
    .join()
    .expect("contenders");

    let won = outcomes.iter().filter(|o| o.is_ok()).count();
    assert_eq!(won as i64, CAPACITY, "{outcomes:?}");
    assert!(
        outcomes.iter().all(|o| o.is_ok() || *o == Err("CONFLICT")),
        "{outcomes:?}"
    );
    // The session was full before the expert came: every attempt is a CONFLICT.
    assert!(
        duplicates.iter().all(|o| *o == Err("CONFLICT")),
        "{duplicates:?}"
    );
    let seen = app
        .ok(
            Some(&admin),
            SESSION_ATTENDANCES,
            json!({ "id": session["id"] }),
        )
        .await;
    assert_eq!(seen["trainingSession"]["enrolledCount"], CAPACITY);
    assert_eq!(
        seen["trainingSession"]["attendances"]
            .as_array()
            .map(Vec::len),
        Some(CAPACITY as usize)
    );

    // One person at once, many times, without a limit: one place.
    let open = create(
        &app,
        &admin,
        input("PROVINCIAL", None, in_ten_days(), 8, "6"),
    )
    .await;
    let open_id = uuid::Uuid::parse_str(open["id"].as_str().expect("id")).expect("uuid");
    let url = app.state.services.config.database_url.clone();
    let results = std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(4)
            .enable_all()
            .build()
            .expect("runtime");
        rt.block_on(async move {
            let mut pools = Vec::new();
            for _ in 0..4 {
                pools.push(cleanprod::db::connect(&url).await.expect("pool"));
            }
            let start = std::sync::Arc::new(tokio::sync::Barrier::new(8));
            let mut tasks = Vec::new();
            for n in 0..8 {
                let db = pools[n % pools.len()].clone();
                let start = start.clone();
                tasks.push(tokio::spawn(async move {
                    start.wait().await;
                    training::enroll(
                        &db,
                        &Viewer::System,
                        open_id,
                        NewParticipant::Expert(expert_id),
                    )
                    .await
                    .map(|_| ())
                    .map_err(|e| e.code())
                }));
            }
            let mut results = Vec::new();
            for t in tasks {
                results.push(t.await.expect("task"));
            }
            for pool in pools {
                let _ = pool.close().await;
            }
            results
        })
    })
    .join()
    .expect("duplicates");
    assert_eq!(
        results.iter().filter(|r| r.is_ok()).count(),
        1,
        "{results:?}"
    );
    assert!(
        results.iter().all(|r| r.is_ok() || *r == Err("CONFLICT")),
        "{results:?}"
    );
    let seen = app
        .ok(
            Some(&admin),
            SESSION_ATTENDANCES,
            json!({ "id": open["id"] }),
        )
        .await;
    assert_eq!(seen["trainingSession"]["enrolledCount"], 1);
    assert_eq!(
        seen["trainingSession"]["attendances"]
            .as_array()
            .map(Vec::len),
        Some(1)
    );
}
db_test!(capacity_holds_under_concurrent_enrolments);

/// A session of 8 hours crediting 6: attended (6), left early (2.5), absent, excused.
async fn attendance_is_recorded_with_hours(app: TestApp) {
    let admin = app.admin().await;
    let taiyuan = app.city_admin("140100").await;
    let starts = two_days_ago();
    let session = create(
        &app,
        &taiyuan,
        input("CITY", Some("140100"), starts, 8, "6"),
    )
    .await;
    let mut rows = Vec::new();
    for n in 0..5 {
        rows.push(enroll(&app, &taiyuan, &session, outside(&format!("学员{n}"))).await);
    }
    let record = |n: usize, input: Value| json!({ "id": rows[n]["id"], "input": input });
    let full = app
        .ok(Some(&taiyuan), RECORD, record(0, json!({ "status": "ATTENDED", "examScore": "92.5", "certificateNo": "SX-2025-001" })))
        .await["recordAttendance"]
        .clone();
    assert_eq!(
        (full["hours"].as_str(), full["examScore"].as_str()),
        (Some("6"), Some("92.5"))
    );
    let early = app
        .ok(
            Some(&taiyuan),
            RECORD,
            record(1, json!({ "status": "ATTENDED", "checkedInAt": rfc(starts), "checkedOutAt": rfc(starts + Duration::minutes(160)) })),
        )
        .await["recordAttendance"]
        .clone();
    assert_eq!(early["hours"], "2.5");
    // Staying late earns nothing extra.
    let late = app
        .ok(
            Some(&taiyuan),
            RECORD,
            record(2, json!({ "status": "ATTENDED", "checkedInAt": rfc(starts - Duration::minutes(30)), "checkedOutAt": rfc(starts + Duration::hours(9)) })),
        )
        .await["recordAttendance"]
        .clone();
    assert_eq!(late["hours"], "6");
    let absent = app
        .ok(
            Some(&taiyuan),
            RECORD,
            record(3, json!({ "status": "ABSENT" })),
        )
        .await["recordAttendance"]
        .clone();
    assert_eq!(absent["hours"], "0");
    app.ok(
        Some(&taiyuan),
        RECORD,
        record(4, json!({ "status": "EXCUSED" })),
    )
    .await;
    // A correction: absent after all, and back to attended.
    let corrected = app
        .ok(
            Some(&taiyuan),
            RECORD,
            record(2, json!({ "status": "ABSENT" })),
        )
        .await["recordAttendance"]
        .clone();
    assert_eq!(
        (
            corrected["hours"].as_str(),
            corrected["checkedInAt"].as_str()
        ),
        (Some("0"), None)
    );
    app.ok(
        Some(&taiyuan),
        RECORD,
        record(2, json!({ "status": "ATTENDED" })),
    )
    .await;

    let datong = app.city_admin("140200").await;
    let expert = create_expert(&app, &admin, 1).await;
    let expert_user = app.user_token("EXPERT", None, expert["id"].as_str()).await;
    let firm = create_consultancy(&app, &admin, 1).await;
    let firm_user = app.consultancy_user(&firm["id"]).await;
    let before = (
        app.count("audit_log").await,
        app.count("training_attendances").await,
    );
    for (input, field) in [
        (json!({ "status": "REGISTERED" }), "status"),
        (
            json!({ "status": "ABSENT", "checkedInAt": rfc(starts) }),
            "checkedInAt",
        ),
        (
            json!({ "status": "EXCUSED", "certificateNo": "X-1" }),
            "certificateNo",
        ),
        (
            json!({ "status": "ABSENT", "examScore": "80" }),
            "examScore",
        ),
        (
            json!({ "status": "ATTENDED", "examScore": "100.5" }),
            "examScore",
        ),
        (
            json!({ "status": "ATTENDED", "examScore": "80.125" }),
            "examScore",
        ),
        (
            json!({ "status": "ATTENDED", "checkedInAt": rfc(starts + Duration::hours(2)), "checkedOutAt": rfc(starts + Duration::hours(1)) }),
            "checkedOutAt",
        ),
        (
            json!({ "status": "ATTENDED", "checkedInAt": rfc(starts - Duration::hours(3)) }),
            "checkedInAt",
        ),
        (
            json!({ "status": "ATTENDED", "checkedOutAt": rfc(Utc::now() + Duration::hours(1)) }),
            "checkedOutAt",
        ),
        (
            json!({ "status": "ATTENDED", "certificateNo": "SX-2025-001" }),
            "certificateNo",
        ),
        (
            json!({ "status": "ATTENDED", "certificateNo": "证".repeat(101) }),
            "certificateNo",
        ),
    ] {
        expect_field(&app, Some(&taiyuan), RECORD, record(3, input), field).await;
    }
    expect_field(
        &app,
        Some(&taiyuan),
        RECORD,
        json!({ "id": "nope", "input": { "status": "ABSENT" } }),
        "attendanceId",
    )
    .await;

    // Only the organiser records.
    for (token, want) in [
        (Some(&datong), "FORBIDDEN"),
        (Some(&expert_user), "FORBIDDEN"),
        (Some(&firm_user), "FORBIDDEN"),
        (None, "UNAUTHENTICATED"),
    ] {
        let (code, _) = app
            .err(
                token.map(String::as_str),
                RECORD,
                record(3, json!({ "status": "ATTENDED" })),
            )
            .await;
        assert_eq!(code, want);
    }
    assert_eq!(
        (
            app.count("audit_log").await,
            app.count("training_attendances").await
        ),
        before
    );
    let unchanged = app
        .ok(
            Some(&admin),
            SESSION_ATTENDANCES,
            json!({ "id": session["id"] }),
        )
        .await;
    assert_eq!(
        unchanged["trainingSession"]["attendances"][3]["status"],
        "ABSENT"
    );
    // The province organises everything.
    app.ok(
        Some(&admin),
        RECORD,
        record(3, json!({ "status": "EXCUSED" })),
    )
    .await;

    // Before the start only a leave of absence.
    let upcoming = create(
        &app,
        &taiyuan,
        input("CITY", Some("140100"), in_ten_days(), 8, "6"),
    )
    .await;
    let row = enroll(&app, &taiyuan, &upcoming, outside("学员")).await;
    expect_field(
        &app,
        Some(&taiyuan),
        RECORD,
        json!({ "id": row["id"], "input": { "status": "ATTENDED" } }),
        "status",
    )
    .await;
    let excused = app
        .ok(
            Some(&taiyuan),
            RECORD,
            json!({ "id": row["id"], "input": { "status": "EXCUSED" } }),
        )
        .await;
    assert_eq!(excused["recordAttendance"]["status"], "EXCUSED");
}
db_test!(attendance_is_recorded_with_hours);

/// A sign-in sheet with one bad row writes nothing, and the error names the row.
pub(crate) async fn bulk_records_are_all_or_nothing(app: TestApp) {
    let admin = app.admin().await;
    let starts = two_days_ago();
    let session = create(&app, &admin, input("PROVINCIAL", None, starts, 8, "6")).await;
    let other = create(&app, &admin, input("PROVINCIAL", None, starts, 8, "6")).await;
    let mut ids = Vec::new();
    for n in 0..4 {
        ids.push(enroll(&app, &admin, &session, outside(&format!("学员{n}"))).await["id"].clone());
    }
    let stranger = enroll(&app, &admin, &other, outside("外人")).await["id"].clone();
    let good = |id: &Value, cert: &str| json!({ "attendanceId": id, "status": "ATTENDED", "certificateNo": cert });

    let taiyuan = app.city_admin("140100").await;
    let before = (
        app.count("audit_log").await,
        app.count("training_attendances").await,
    );
    let bad_rows: Vec<(Vec<Value>, &str)> = vec![
        (
            vec![good(&ids[0], "C-1"), good(&ids[1], &"证".repeat(101))],
            "rows[1].certificateNo",
        ),
        (
            vec![json!({ "attendanceId": ids[0], "status": "ATTENDED", "examScore": "100.5" })],
            "rows[0].examScore",
        ),
        (
            vec![
                good(&ids[0], "C-1"),
                good(&ids[1], "C-2"),
                json!({ "attendanceId": ids[2], "status": "ATTENDED", "checkedInAt": rfc(starts + Duration::hours(2)), "checkedOutAt": rfc(starts) }),
                good(&ids[3], "C-4"),
            ],
            "rows[2].checkedOutAt",
        ),
        (
            vec![good(&ids[0], "C-1"), good(&ids[0], "C-2")],
            "rows[1].attendanceId",
        ),
        (
            vec![good(&ids[0], "C-1"), good(&stranger, "C-2")],
            "rows[1].attendanceId",
        ),
        (
            vec![good(&ids[0], "C-1"), good(&ids[1], "C-1")],
            "rows[1].certificateNo",
        ),
        (
            vec![
                good(&ids[0], "C-1"),
                json!({ "attendanceId": ids[1], "status": "REGISTERED" }),
            ],
            "rows[1].status",
        ),
        (
            vec![json!({ "attendanceId": "x", "status": "ABSENT" })],
            "rows[0].attendanceId",
        ),
        (vec![], "rows"),
    ];
    for (rows, field) in bad_rows {
        let (code, error) = app
            .err(
                Some(&admin),
                RECORD_ALL,
                json!({ "s": session["id"], "rows": rows }),
            )
            .await;
        assert_eq!(code, "BAD_USER_INPUT", "{error}");
        assert_eq!(error["extensions"]["field"], field, "{error}");
        let message = error["message"].as_str().unwrap_or("");
        assert!(message.starts_with(&format!("{field}: ")), "{error}");
        assert!(!message.contains("certificateNo: certificateNo"), "{error}");
    }
    let rows = vec![good(&ids[0], "C-1"), good(&ids[1], "C-2")];
    for (token, want) in [(Some(&taiyuan), "FORBIDDEN"), (None, "UNAUTHENTICATED")] {
        let (code, _) = app
            .err(
                token.map(String::as_str),
                RECORD_ALL,
                json!({ "s": session["id"], "rows": rows }),
            )
            .await;
        assert_eq!(code, want);
    }
    assert_eq!(
        (
            app.count("audit_log").await,
            app.count("training_attendances").await
        ),
        before
    );
    let untouched = app
        .ok(
            Some(&admin),
            SESSION_ATTENDANCES,
            json!({ "id": session["id"] }),
        )
        .await;
    for row in untouched["trainingSession"]["attendances"]
        .as_array()
        .expect("rows")
    {
        assert_eq!(row["status"], "REGISTERED");
    }

    let written = app
        .ok(
            Some(&admin),
            RECORD_ALL,
            json!({ "s": session["id"], "rows": [
                good(&ids[0], "C-1"),
                good(&ids[1], "C-2"),
                { "attendanceId": ids[2], "status": "ATTENDED", "checkedInAt": rfc(starts), "checkedOutAt": rfc(starts + Duration::minutes(95)) },
                { "attendanceId": ids[3], "status": "ABSENT" },
            ] }),
        )
        .await["recordAttendances"]
        .clone();
    let hours: Vec<&str> = written
        .as_array()
        .expect("rows")
        .iter()
        .map(|r| r["hours"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(hours, vec!["6", "6", "1.5", "0"]);
    assert_eq!(app.count("audit_log").await, before.0 + 1);
    // A number already given in the session cannot be given again by another sheet.
    expect_field(
        &app,
        Some(&admin),
        RECORD_ALL,
        json!({ "s": session["id"], "rows": [good(&ids[2], "C-1")] }),
        "rows[0].certificateNo",
    )
    .await;
}
db_test!(bulk_records_are_all_or_nothing);

/// Hours per person and year: an expert's, a staff member's across firms, an official's.
async fn records_and_hours(app: TestApp) {
    let admin = app.admin().await;
    let taiyuan = app.city_admin("140100").await;
    let datong = app.city_admin("140200").await;
    let starts = two_days_ago();
    let year = year_of(starts);
    let provincial = create(&app, &admin, input("PROVINCIAL", None, starts, 8, "6")).await;
    let city = create(
        &app,
        &taiyuan,
        input("CITY", Some("140100"), starts, 4, "3"),
    )
    .await;
    let expert = create_expert(&app, &admin, 1).await;
    let other_expert = create_expert(&app, &admin, 2).await;
    let firm = create_consultancy(&app, &admin, 1).await;
    let new_firm = create_consultancy(&app, &admin, 2).await;
    let staff = add_staff(&app, &admin, &firm["id"], staff_input(1, "2020-01-01")).await;

    let attend = |session: &Value, p: Value| {
        let app = &app;
        let admin = admin.clone();
        let session = session.clone();
        async move {
            let row = enroll(app, &admin, &session, p).await;
            app.ok(
                Some(&admin),
                RECORD,
                json!({ "id": row["id"], "input": { "status": "ATTENDED" } }),
            )
            .await;
        }
    };
    attend(&provincial, json!({ "expertId": expert["id"] })).await;
    attend(&city, json!({ "expertId": expert["id"] })).await;
    attend(&provincial, json!({ "consultancyStaffId": staff["id"] })).await;
    let me = my_id(&app, &taiyuan).await;
    attend(&city, json!({ "userId": me })).await;
    // The other expert enrolled and was absent.
    let row = enroll(
        &app,
        &admin,
        &provincial,
        json!({ "expertId": other_expert["id"] }),
    )
    .await;
    app.ok(
        Some(&admin),
        RECORD,
        json!({ "id": row["id"], "input": { "status": "ABSENT" } }),
    )
    .await;

    // The staff member moves to another firm and trains again there.
    let yesterday = (Utc::now() - Duration::days(1)).date_naive().to_string();
    let today = Utc::now().date_naive().to_string();
    app.ok(
        Some(&admin),
        END_STAFF,
        json!({ "id": staff["id"], "on": yesterday }),
    )
    .await;
    let mut moved_input = staff_input(1, &today);
    moved_input["idCardNumber"] = json!(id_card("19800101", 1));
    let moved = add_staff(&app, &admin, &new_firm["id"], moved_input).await;
    let later = create(
        &app,
        &admin,
        input("PROVINCIAL", None, Utc::now() - Duration::hours(3), 2, "2"),
    )
    .await;
    if year_of(Utc::now() - Duration::hours(3)) == year {
        attend(&later, json!({ "consultancyStaffId": moved["id"] })).await;
    }
    let later_hours = if year_of(Utc::now() - Duration::hours(3)) == year {
        dec("2")
    } else {
        dec("0")
    };

    let db = &app.state.services.db;
    let by_expert = training::hours_by_expert(db, year).await.expect("hours");
    let expert_id = uuid::Uuid::parse_str(expert["id"].as_str().expect("id")).expect("uuid");
    let other_id = uuid::Uuid::parse_str(other_expert["id"].as_str().expect("id")).expect("uuid");
    assert_eq!(by_expert.get(&expert_id), Some(&dec("9")));
    assert_eq!(by_expert.get(&other_id), None);
    assert!(
        training::hours_by_expert(db, year - 1)
            .await
            .expect("hours")
            .is_empty()
    );
    let firm_id = uuid::Uuid::parse_str(firm["id"].as_str().expect("id")).expect("uuid");
    let new_firm_id = uuid::Uuid::parse_str(new_firm["id"].as_str().expect("id")).expect("uuid");
    // The person's hours follow them: the new firm counts them, the old one no longer.
    assert_eq!(
        training::hours_by_consultancy_staff(db, new_firm_id, year)
            .await
            .expect("hours"),
        dec("6") + later_hours
    );
    assert_eq!(
        training::hours_by_consultancy_staff(db, firm_id, year)
            .await
            .expect("hours"),
        Decimal::ZERO
    );

    let expert_user = app.user_token("EXPERT", None, expert["id"].as_str()).await;
    let record = app
        .ok(
            Some(&expert_user),
            RECORD_OF,
            json!({ "p": { "expertId": expert["id"] }, "y": year }),
        )
        .await["trainingRecord"]
        .clone();
    assert_eq!(record["hours"], "9");
    assert_eq!(record["sessionsAttended"], 2);
    assert_eq!(record["person"]["name"], expert["name"]);
    assert_eq!(record["attendances"].as_array().map(Vec::len), Some(2));
    assert!(record["attendances"][0]["session"]["title"].is_string());

    let new_firm_user = app.consultancy_user(&new_firm["id"]).await;
    let staff_record = app
        .ok(
            Some(&new_firm_user),
            RECORD_OF,
            json!({ "p": { "consultancyStaffId": moved["id"] }, "y": year }),
        )
        .await["trainingRecord"]
        .clone();
    assert_eq!(
        staff_record["hours"].as_str().map(dec),
        Some(dec("6") + later_hours)
    );
    assert_eq!(staff_record["person"]["organisation"], new_firm["name"]);
    let official = app
        .ok(
            Some(&taiyuan),
            RECORD_OF,
            json!({ "p": { "userId": me }, "y": year }),
        )
        .await["trainingRecord"]
        .clone();
    assert_eq!(official["hours"], "3");
    let by_province = app
        .ok(
            Some(&admin),
            RECORD_OF,
            json!({ "p": { "userId": me }, "y": year }),
        )
        .await;
    assert_eq!(by_province["trainingRecord"]["hours"], "3");
    let other_year = app
        .ok(
            Some(&admin),
            RECORD_OF,
            json!({ "p": { "expertId": expert["id"] }, "y": year - 1 }),
        )
        .await;
    assert_eq!(other_year["trainingRecord"]["hours"], "0");

    let old_firm_user = app.consultancy_user(&firm["id"]).await;
    for (token, p, want) in [
        (
            Some(&expert_user),
            json!({ "expertId": other_expert["id"] }),
            "FORBIDDEN",
        ),
        (
            Some(&expert_user),
            json!({ "consultancyStaffId": moved["id"] }),
            "FORBIDDEN",
        ),
        (
            Some(&old_firm_user),
            json!({ "consultancyStaffId": moved["id"] }),
            "FORBIDDEN",
        ),
        // A former employer no longer reads the person's record.
        (
            Some(&old_firm_user),
            json!({ "consultancyStaffId": staff["id"] }),
            "FORBIDDEN",
        ),
        (
            Some(&new_firm_user),
            json!({ "expertId": expert["id"] }),
            "FORBIDDEN",
        ),
        (Some(&datong), json!({ "userId": me }), "FORBIDDEN"),
        (None, json!({ "expertId": expert["id"] }), "UNAUTHENTICATED"),
        (
            Some(&admin),
            json!({ "expertId": uuid::Uuid::now_v7().to_string() }),
            "NOT_FOUND",
        ),
    ] {
        let (code, error) = app
            .err(
                token.map(String::as_str),
                RECORD_OF,
                json!({ "p": p, "y": year }),
            )
            .await;
        assert_eq!(code, want, "{p}: {error}");
    }
    expect_field(
        &app,
        Some(&admin),
        RECORD_OF,
        json!({ "p": outside("李四"), "y": year }),
        "participant.outside",
    )
    .await;
    expect_field(
        &app,
        Some(&admin),
        RECORD_OF,
        json!({ "p": { "expertId": expert["id"] }, "y": 1900 }),
        "year",
    )
    .await;
}
db_test!(records_and_hours);

async fn compliance_of_the_year(app: TestApp) {
    let admin = app.admin().await;
    let taiyuan = app.city_admin("140100").await;
    let starts = two_days_ago();
    let year = year_of(starts);

    let empty =
        app.ok(Some(&admin), COMPLIANCE, json!({ "y": year })).await["trainingCompliance"].clone();
    assert_eq!(empty["provincialSessionHeld"], false);
    assert_eq!(empty["cities"].as_array().map(Vec::len), Some(11));

    let provincial = create(&app, &admin, input("PROVINCIAL", None, starts, 8, "6")).await;
    let city = create(
        &app,
        &taiyuan,
        input("CITY", Some("140100"), starts, 4, "3"),
    )
    .await;
    create(
        &app,
        &taiyuan,
        input("CITY", Some("140100"), in_ten_days(), 4, "3"),
    )
    .await;
    let cancelled = create(
        &app,
        &taiyuan,
        input("CITY", Some("140100"), starts, 4, "3"),
    )
    .await;
    app.ok(
        Some(&taiyuan),
        CANCEL,
        json!({ "id": cancelled["id"], "r": "取消" }),
    )
    .await;

    let trained = create_expert(&app, &admin, 1).await;
    let idle = create_expert(&app, &admin, 2).await;
    let candidate = create_expert(&app, &admin, 3).await;
    for e in [&trained, &idle] {
        app.ok(
            Some(&admin),
            SET_EXPERT_STATUS,
            json!({ "id": e["id"], "s": "ACTIVE", "r": "聘任" }),
        )
        .await;
    }
    let firm = create_consultancy(&app, &admin, 1).await;
    let busy = add_staff(&app, &admin, &firm["id"], staff_input(1, "2020-01-01")).await;
    let lazy = add_staff(&app, &admin, &firm["id"], staff_input(2, "2020-01-01")).await;
    let suspended_firm = create_consultancy(&app, &admin, 2).await;
    add_staff(
        &app,
        &admin,
        &suspended_firm["id"],
        staff_input(3, "2020-01-01"),
    )
    .await;
    app.ok(
        Some(&admin),
        "mutation($id: ID!) { setConsultancyStatus(id: $id, status: SUSPENDED, reason: \"整改\") { status } }",
        json!({ "id": suspended_firm["id"] }),
    )
    .await;

    let row = enroll(
        &app,
        &admin,
        &provincial,
        json!({ "expertId": trained["id"] }),
    )
    .await;
    app.ok(
        Some(&admin),
        RECORD,
        json!({ "id": row["id"], "input": { "status": "ATTENDED" } }),
    )
    .await;
    let row = enroll(&app, &admin, &provincial, json!({ "expertId": idle["id"] })).await;
    app.ok(
        Some(&admin),
        RECORD,
        json!({ "id": row["id"], "input": { "status": "ABSENT" } }),
    )
    .await;
    let row = enroll(
        &app,
        &taiyuan,
        &city,
        json!({ "consultancyStaffId": busy["id"] }),
    )
    .await;
    app.ok(
        Some(&taiyuan),
        RECORD,
        json!({ "id": row["id"], "input": { "status": "ATTENDED" } }),
    )
    .await;
    let row = enroll(&app, &taiyuan, &city, outside("企业来宾")).await;
    app.ok(
        Some(&taiyuan),
        RECORD,
        json!({ "id": row["id"], "input": { "status": "EXCUSED" } }),
    )
    .await;

    let c =
        app.ok(Some(&admin), COMPLIANCE, json!({ "y": year })).await["trainingCompliance"].clone();
    assert_eq!(c["provincialSessionHeld"], true);
    assert_eq!(c["provincialSessionsHeld"], 1);
    let taiyuan_row = c["cities"]
        .as_array()
        .expect("cities")
        .iter()
        .find(|r| r["cityCode"] == "140100")
        .expect("Taiyuan")
        .clone();
    assert_eq!(
        (
            &taiyuan_row["sessionsHeld"],
            &taiyuan_row["sessionsCancelled"],
            &taiyuan_row["cityName"]
        ),
        (&json!(1), &json!(1), &json!("太原市"))
    );
    if year_of(in_ten_days()) == year {
        assert_eq!(taiyuan_row["sessionsUpcoming"], 1);
    }
    let audience = |name: &str| {
        c["audiences"]
            .as_array()
            .expect("audiences")
            .iter()
            .find(|a| a["audience"] == name)
            .expect("audience")
            .clone()
    };
    let experts = audience("EXPERT");
    assert_eq!(
        (
            &experts["sessionsHeld"],
            &experts["enrolled"],
            &experts["attended"],
            &experts["absent"],
            &experts["hours"]
        ),
        (&json!(2), &json!(2), &json!(1), &json!(1), &json!("6"))
    );
    let staff = audience("CONSULTANCY_STAFF");
    assert_eq!(
        (&staff["attended"], &staff["hours"]),
        (&json!(1), &json!("3"))
    );
    assert_eq!(audience("ADMINISTRATIVE_STAFF")["excused"], 1);
    assert_eq!(audience("ENTERPRISE_STAFF")["sessionsHeld"], 0);

    // ACTIVE experts and current staff of ACTIVE firms without hours; not the candidate,
    // not the suspended firm's staff.
    let without: Vec<Value> = c["peopleWithoutHours"]
        .as_array()
        .expect("people")
        .iter()
        .map(|p| p["id"].clone())
        .collect();
    assert_eq!(without, vec![idle["id"].clone(), lazy["id"].clone()]);
    assert_eq!(
        (&c["expertsWithoutHours"], &c["staffWithoutHours"]),
        (&json!(1), &json!(1))
    );
    assert!(!without.contains(&candidate["id"]));

    let expert_user = app.user_token("EXPERT", None, trained["id"].as_str()).await;
    for (token, want) in [
        (Some(&taiyuan), "FORBIDDEN"),
        (Some(&expert_user), "FORBIDDEN"),
        (None, "UNAUTHENTICATED"),
    ] {
        let (code, _) = app
            .err(token.map(String::as_str), COMPLIANCE, json!({ "y": year }))
            .await;
        assert_eq!(code, want);
    }
    expect_field(
        &app,
        Some(&admin),
        COMPLIANCE,
        json!({ "y": 99999 }),
        "year",
    )
    .await;
}
db_test!(compliance_of_the_year);

pub(crate) async fn plan_and_its_fulfilment(app: TestApp) {
    let admin = app.admin().await;
    let taiyuan = app.city_admin("140100").await;
    let starts = in_ten_days();
    let year = year_of(starts);
    let items = json!([
        { "title": "全省清洁生产审核培训", "scope": "PROVINCIAL", "audiences": ["ADMINISTRATIVE_STAFF"], "topics": ["LAW_AND_POLICY", "ORGANISATION_AND_MANAGEMENT"], "plannedMonth": 5 },
        { "title": "太原市咨询机构培训", "scope": "CITY", "cityCode": "140100", "audiences": ["CONSULTANCY_STAFF", "ENTERPRISE_STAFF"], "topics": ["STANDARDS", "METHODS", "TECHNOLOGY"], "plannedMonth": 9 },
    ]);
    let plan = app
        .ok(
            Some(&admin),
            SET_PLAN,
            json!({ "y": year, "items": items, "v": 0 }),
        )
        .await["setTrainingPlan"]
        .clone();
    assert_eq!(
        (
            &plan["version"],
            &plan["itemCount"],
            &plan["fulfilledCount"]
        ),
        (&json!(1), &json!(2), &json!(0))
    );
    let provincial_item = plan["items"][0]["id"].clone();
    let city_item = plan["items"][1]["id"].clone();
    assert_eq!(
        plan["items"][1]["topics"],
        json!(["STANDARDS", "METHODS", "TECHNOLOGY"])
    );

    let mut i = input("CITY", Some("140100"), starts, 3, "3");
    i["planItemId"] = city_item.clone();
    let session = create(&app, &taiyuan, i).await;
    assert_eq!(session["planItemId"], city_item);
    let before = app.count("training_sessions").await;
    // An item of another scope, city or year does not fit.
    let mut i = input("CITY", Some("140100"), starts, 3, "3");
    i["planItemId"] = provincial_item.clone();
    expect_field(
        &app,
        Some(&taiyuan),
        CREATE,
        json!({ "input": i }),
        "planItemId",
    )
    .await;
    let mut i = input("PROVINCIAL", None, starts + Duration::days(400), 3, "3");
    i["planItemId"] = provincial_item.clone();
    expect_field(
        &app,
        Some(&admin),
        CREATE,
        json!({ "input": i }),
        "planItemId",
    )
    .await;
    assert_eq!(app.count("training_sessions").await, before);

    let read = app.ok(Some(&taiyuan), PLAN, json!({ "y": year })).await["trainingPlan"].clone();
    assert_eq!(read["fulfilledCount"], 1);
    assert_eq!(read["items"][1]["fulfilled"], true);
    assert_eq!(read["items"][1]["city"]["name"], "太原市");
    assert_eq!(read["items"][1]["sessions"][0]["id"], session["id"]);
    assert_eq!(read["items"][0]["fulfilled"], false);
    let none = app.ok(Some(&admin), PLAN, json!({ "y": year + 1 })).await;
    assert_eq!(none["trainingPlan"], Value::Null);

    // A new version keeps the fulfilled item by id, changes it, adds one.
    let items2 = json!([
        { "id": city_item, "title": "太原市咨询机构与企业培训", "scope": "CITY", "cityCode": "140100", "audiences": ["CONSULTANCY_STAFF"], "topics": ["METHODS"], "plannedMonth": 10 },
        { "title": "大同市培训", "scope": "CITY", "cityCode": "140200", "audiences": ["ENTERPRISE_STAFF"], "topics": ["TECHNOLOGY"], "plannedMonth": 11 },
    ]);
    let plan2 = app
        .ok(
            Some(&admin),
            SET_PLAN,
            json!({ "y": year, "items": items2, "v": 1 }),
        )
        .await["setTrainingPlan"]
        .clone();
    assert_eq!(
        (
            &plan2["version"],
            &plan2["itemCount"],
            &plan2["fulfilledCount"]
        ),
        (&json!(2), &json!(2), &json!(1))
    );
    assert_eq!(plan2["items"][0]["id"], city_item);
    assert_eq!(plan2["items"][0]["plannedMonth"], 10);

    let expert = create_expert(&app, &admin, 1).await;
    let expert_user = app.user_token("EXPERT", None, expert["id"].as_str()).await;
    let before = (
        app.count("training_plan_items").await,
        app.count("audit_log").await,
    );
    let good_item = json!({ "title": "t", "scope": "PROVINCIAL", "audiences": ["EXPERT"], "topics": ["METHODS"], "plannedMonth": 1 });
    let with = |field: &str, value: Value| {
        let mut item = good_item.clone();
        item[field] = value;
        json!([item])
    };
    for (items, field) in [
        (with("plannedMonth", json!(13)), "items[0].plannedMonth"),
        (with("title", json!("")), "items[0].title"),
        (with("audiences", json!([])), "items[0].audiences"),
        (with("topics", json!([])), "items[0].topics"),
        (with("cityCode", json!("140100")), "items[0].cityCode"),
        (
            json!([{ "title": "t", "scope": "CITY", "audiences": ["EXPERT"], "topics": ["METHODS"], "plannedMonth": 1 }]),
            "items[0].cityCode",
        ),
        (
            json!([{ "title": "t", "scope": "CITY", "cityCode": "999999", "audiences": ["EXPERT"], "topics": ["METHODS"], "plannedMonth": 1 }]),
            "items[0].cityCode",
        ),
        (
            with("id", json!(uuid::Uuid::now_v7().to_string())),
            "items[0].id",
        ),
        (with("id", json!("x")), "items[0].id"),
        // Dropping the item a session carries out.
        (json!([good_item]), "items"),
        // Moving it to another city.
        (
            json!([{ "id": city_item, "title": "t", "scope": "CITY", "cityCode": "140200", "audiences": ["EXPERT"], "topics": ["METHODS"], "plannedMonth": 1 }]),
            "items[0].scope",
        ),
    ] {
        expect_field(
            &app,
            Some(&admin),
            SET_PLAN,
            json!({ "y": year, "items": items, "v": 2 }),
            field,
        )
        .await;
    }
    expect_field(
        &app,
        Some(&admin),
        SET_PLAN,
        json!({ "y": 1999, "items": [], "v": 0 }),
        "year",
    )
    .await;
    let (code, _) = app
        .err(
            Some(&admin),
            SET_PLAN,
            json!({ "y": year, "items": items2, "v": 1 }),
        )
        .await;
    assert_eq!(code, "CONFLICT");
    for (token, want) in [
        (Some(&taiyuan), "FORBIDDEN"),
        (Some(&expert_user), "FORBIDDEN"),
        (None, "UNAUTHENTICATED"),
    ] {
        let (code, _) = app
            .err(
                token.map(String::as_str),
                SET_PLAN,
                json!({ "y": year, "items": [], "v": 2 }),
            )
            .await;
        assert_eq!(code, want);
    }
    // Administrators read the plan (a city's admins too: it is the province's plan for
    // every city); others may not.
    for (token, want) in [(Some(&expert_user), "FORBIDDEN"), (None, "UNAUTHENTICATED")] {
        let (code, _) = app
            .err(token.map(String::as_str), PLAN, json!({ "y": year }))
            .await;
        assert_eq!(code, want);
    }
    assert_eq!(
        (
            app.count("training_plan_items").await,
            app.count("audit_log").await
        ),
        before
    );
    // The public does not see which item a session carries out, only its id.
    let public = app
        .ok(
            None,
            "query($id: ID!) { trainingSession(id: $id) { planItemId planItem { id } } }",
            json!({ "id": session["id"] }),
        )
        .await;
    assert_eq!(public["trainingSession"]["planItem"], Value::Null);
}
db_test!(plan_and_its_fulfilment);

async fn csv(app: &TestApp, token: Option<&str>, path: &str) -> (StatusCode, Vec<u8>) {
    let mut req = TestRequest::get().uri(path);
    if let Some(token) = token {
        req = req.insert_header(("authorization", format!("Bearer {token}")));
    }
    let (status, _, body) = app.send(req).await;
    (status, body)
}

fn parse_csv(body: &[u8]) -> (csv::StringRecord, Vec<csv::StringRecord>) {
    assert!(body.starts_with(b"\xEF\xBB\xBF"), "a BOM first");
    let text = String::from_utf8(body[3..].to_vec()).expect("utf-8");
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let headers = reader.headers().expect("headers").clone();
    let rows = reader.records().map(|r| r.expect("row")).collect();
    (headers, rows)
}

fn column(headers: &csv::StringRecord, name: &str) -> usize {
    headers
        .iter()
        .position(|h| h == name)
        .unwrap_or_else(|| panic!("no column {name} in {headers:?}"))
}

async fn csv_exports(app: TestApp) {
    let admin = app.admin().await;
    let taiyuan = app.city_admin("140100").await;
    let datong = app.city_admin("140200").await;
    let starts = two_days_ago();
    let year = year_of(starts);
    let provincial = create(&app, &admin, input("PROVINCIAL", None, starts, 8, "6")).await;
    let city = create(
        &app,
        &taiyuan,
        input("CITY", Some("140100"), starts, 4, "3"),
    )
    .await;
    let expert = create_expert(&app, &admin, 1).await;
    let firm = create_consultancy(&app, &admin, 1).await;
    let staff = add_staff(&app, &admin, &firm["id"], staff_input(1, "2020-01-01")).await;

    let e1 = enroll(
        &app,
        &admin,
        &provincial,
        json!({ "expertId": expert["id"] }),
    )
    .await;
    let s1 = enroll(
        &app,
        &admin,
        &provincial,
        json!({ "consultancyStaffId": staff["id"] }),
    )
    .await;
    app.ok(
        Some(&admin),
        RECORD_ALL,
        json!({ "s": provincial["id"], "rows": [
            { "attendanceId": e1["id"], "status": "ATTENDED", "checkedInAt": rfc(starts), "checkedOutAt": rfc(starts + Duration::hours(8)), "examScore": "95", "certificateNo": "SX-001" },
            { "attendanceId": s1["id"], "status": "ABSENT" },
        ] }),
    )
    .await;
    let e2 = enroll(&app, &taiyuan, &city, json!({ "expertId": expert["id"] })).await;
    app.ok(
        Some(&taiyuan),
        RECORD,
        json!({ "id": e2["id"], "input": { "status": "ATTENDED" } }),
    )
    .await;

    let path = format!(
        "/reports/training/sessions/{}/attendance.csv",
        provincial["id"].as_str().expect("id")
    );
    let (status, body) = csv(&app, Some(&admin), &path).await;
    assert_eq!(status, StatusCode::OK);
    let text = String::from_utf8_lossy(&body).to_string();
    assert!(
        !text.contains(staff["idCardNumber"].as_str().expect("card")),
        "no ID numbers"
    );
    assert!(!text.contains(&id_card("19750615", 1)), "no ID numbers");
    let (headers, rows) = parse_csv(&body);
    assert_eq!(rows.len(), 2);
    assert_eq!(&rows[0][column(&headers, "序号")], "1");
    assert_eq!(
        &rows[0][column(&headers, "姓名")],
        expert["name"].as_str().expect("name")
    );
    assert_eq!(&rows[0][column(&headers, "人员类型")], "专家");
    assert_eq!(&rows[0][column(&headers, "出勤状态")], "已出席");
    assert_eq!(&rows[0][column(&headers, "学时")], "6");
    assert_eq!(&rows[0][column(&headers, "考试成绩")], "95");
    assert_eq!(&rows[0][column(&headers, "证书编号")], "SX-001");
    assert!(rows[0][column(&headers, "签到时间")].len() == 16);
    assert_eq!(
        &rows[1][column(&headers, "单位")],
        firm["name"].as_str().expect("name")
    );
    assert_eq!(&rows[1][column(&headers, "出勤状态")], "缺席");
    assert_eq!(&rows[1][column(&headers, "签名")], "");

    let city_path = format!(
        "/reports/training/sessions/{}/attendance.csv",
        city["id"].as_str().expect("id")
    );
    assert_eq!(
        csv(&app, Some(&taiyuan), &city_path).await.0,
        StatusCode::OK
    );
    let expert_user = app.user_token("EXPERT", None, expert["id"].as_str()).await;
    for (token, p, want) in [
        (Some(&taiyuan), path.as_str(), StatusCode::FORBIDDEN),
        (Some(&datong), city_path.as_str(), StatusCode::FORBIDDEN),
        (
            Some(&expert_user),
            city_path.as_str(),
            StatusCode::FORBIDDEN,
        ),
        (None, path.as_str(), StatusCode::UNAUTHORIZED),
        (
            Some(&admin),
            "/reports/training/sessions/nope/attendance.csv",
            StatusCode::BAD_REQUEST,
        ),
    ] {
        assert_eq!(csv(&app, token.map(String::as_str), p).await.0, want, "{p}");
    }
    let missing = format!(
        "/reports/training/sessions/{}/attendance.csv",
        uuid::Uuid::now_v7()
    );
    assert_eq!(
        csv(&app, Some(&admin), &missing).await.0,
        StatusCode::NOT_FOUND
    );

    // The year's records: the province all, each person's lines together with their total.
    let (status, body) = csv(&app, Some(&admin), &format!("/reports/training/{year}.csv")).await;
    assert_eq!(status, StatusCode::OK);
    let (headers, rows) = parse_csv(&body);
    assert_eq!(rows.len(), 3);
    let name = column(&headers, "姓名");
    let expert_rows: Vec<&csv::StringRecord> = rows
        .iter()
        .filter(|r| &r[name] == expert["name"].as_str().expect("name"))
        .collect();
    assert_eq!(expert_rows.len(), 2);
    for r in &expert_rows {
        assert_eq!(&r[column(&headers, "本表累计学时")], "9");
        assert_eq!(&r[column(&headers, "年度")], year.to_string());
    }
    let levels: Vec<&str> = expert_rows
        .iter()
        .map(|r| &r[column(&headers, "培训级别")])
        .collect();
    assert!(
        levels.contains(&"省级") && levels.contains(&"市级"),
        "{levels:?}"
    );
    let areas: Vec<&str> = expert_rows
        .iter()
        .map(|r| &r[column(&headers, "地区")])
        .collect();
    assert!(
        areas.contains(&"全省") && areas.contains(&"太原市"),
        "{areas:?}"
    );

    // A city admin gets their city's sessions.
    let (status, body) = csv(
        &app,
        Some(&taiyuan),
        &format!("/reports/training/{year}.csv"),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let (headers, rows) = parse_csv(&body);
    assert_eq!(rows.len(), 1);
    assert_eq!(&rows[0][column(&headers, "本表累计学时")], "3");
    let (status, body) = csv(
        &app,
        Some(&admin),
        &format!("/reports/training/{year}.csv?cityCode=140100"),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(parse_csv(&body).1.len(), 1);
    let firm_user = app.consultancy_user(&firm["id"]).await;
    for (token, p, want) in [
        (
            Some(&taiyuan),
            format!("/reports/training/{year}.csv?cityCode=140200"),
            StatusCode::FORBIDDEN,
        ),
        (
            Some(&firm_user),
            format!("/reports/training/{year}.csv"),
            StatusCode::FORBIDDEN,
        ),
        (
            Some(&expert_user),
            format!("/reports/training/{year}.csv"),
            StatusCode::FORBIDDEN,
        ),
        (
            None,
            format!("/reports/training/{year}.csv"),
            StatusCode::UNAUTHORIZED,
        ),
        (
            Some(&admin),
            "/reports/training/twenty.csv".to_owned(),
            StatusCode::BAD_REQUEST,
        ),
        (
            Some(&admin),
            format!("/reports/training/{year}.csv?cityCode=999999"),
            StatusCode::BAD_REQUEST,
        ),
    ] {
        assert_eq!(
            csv(&app, token.map(String::as_str), &p).await.0,
            want,
            "{p}"
        );
    }
}
db_test!(csv_exports);

async fn a_page_costs_a_fixed_number_of_queries(app: TestApp) {
    let admin = app.admin().await;
    let plan = app
        .ok(
            Some(&admin),
            SET_PLAN,
            json!({ "y": year_of(in_ten_days()), "items": [{ "title": "t", "scope": "PROVINCIAL", "audiences": ["EXPERT"], "topics": ["METHODS"], "plannedMonth": 1 }] }),
        )
        .await["setTrainingPlan"]
        .clone();
    for n in 0..30 {
        let mut i = input(
            if n % 2 == 0 { "PROVINCIAL" } else { "CITY" },
            if n % 2 == 0 { None } else { Some("140100") },
            in_ten_days(),
            4,
            "3",
        );
        if n % 2 == 0 {
            i["planItemId"] = plan["items"][0]["id"].clone();
        }
        let session = create(&app, &admin, i).await;
        enroll(&app, &admin, &session, outside("甲")).await;
        enroll(&app, &admin, &session, outside("乙")).await;
    }
    let query = "query($n: Int) { trainingSessions(first: $n) { totalCount edges { node { title city { name } audiences topics planItem { title } attendances { participant { name } session { title } } } } } }";
    let mut costs = Vec::new();
    for n in [5, 30] {
        let before = app.statements.load(Ordering::SeqCst);
        let data = app.ok(Some(&admin), query, json!({ "n": n })).await;
        costs.push(app.statements.load(Ordering::SeqCst) - before);
        let edges = data["trainingSessions"]["edges"]
            .as_array()
            .expect("edges")
            .clone();
        assert_eq!(edges.len(), n);
        assert_eq!(
            edges[0]["node"]["attendances"].as_array().map(Vec::len),
            Some(2)
        );
        assert_eq!(edges[0]["node"]["planItem"]["title"], "t");
        assert_eq!(edges[1]["node"]["city"]["name"], "太原市");
    }
    assert_eq!(
        costs[0], costs[1],
        "statements for 5 vs 30 sessions: {costs:?}"
    );
    assert!(costs[1] <= 12, "a page of 30 costs {} statements", costs[1]);
}
db_test!(a_page_costs_a_fixed_number_of_queries);
