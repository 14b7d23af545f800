//! Audits through the API: the state machine and its history, deadlines and extensions,
//! reviews, improvement options, who may do what, and the cost of a page.

use std::sync::atomic::Ordering;

use serde_json::{Value, json};

use crate::db_test;
use crate::support::{
    TestApp, add_staff, create_consultancy, create_enterprise, create_expert, enterprise_input,
    staff_input,
};

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

fn submission(s: &Setting, on: &str) -> Value {
    json!({ "consultancyId": s.firm["id"], "leadAuditorId": s.lead["id"], "submittedOn": on })
}

pub(crate) async fn the_machine_with_deadlines_and_history(app: TestApp) {
    let s = setting(&app).await;
    let (admin, city) = (&s.admin, &s.city);
    let audit = create_audit(&app, city, &s.enterprise, 2024, "2024-03-20").await;
    assert_eq!(audit["status"], "NOTIFIED");
    // The first thing owed: the enterprise's disclosure, one month after the notice.
    assert_eq!(
        audit["deadline"],
        json!({ "kind": "DISCLOSURE", "due": "2024-04-20" })
    );
    let id = audit["id"].clone();

    // Out of order: a report before the start; a start before the notice.
    let (code, error) = app
        .err(
            Some(city),
            SUBMIT,
            json!({ "id": id, "input": submission(&s, "2024-09-02") }),
        )
        .await;
    assert_eq!(
        (code.as_str(), error["extensions"]["field"].as_str()),
        ("BAD_USER_INPUT", Some("auditId"))
    );
    let (code, error) = app
        .err(Some(city), START, json!({ "id": id, "on": "2024-03-01" }))
        .await;
    assert_eq!(
        (code.as_str(), error["extensions"]["field"].as_str()),
        ("BAD_USER_INPUT", Some("startedOn"))
    );
    let started = app
        .ok(Some(city), START, json!({ "id": id, "on": "2024-04-01" }))
        .await;
    assert_eq!(started["startAudit"]["status"], "IN_PROGRESS");
    assert_eq!(
        app.code(Some(city), START, json!({ "id": id, "on": "2024-04-02" }))
            .await,
        "BAD_USER_INPUT"
    );

    // The report after 31 August: evaluation due the set period (60 days) after it.
    let submitted = app
        .ok(
            Some(city),
            SUBMIT,
            json!({ "id": id, "input": submission(&s, "2024-09-02") }),
        )
        .await["submitAuditReport"]
        .clone();
    assert_eq!(submitted["status"], "REPORT_SUBMITTED");
    assert_eq!(submitted["evaluationDue"], "2024-11-01");
    assert_eq!(
        submitted["deadline"],
        json!({ "kind": "EVALUATION", "due": "2024-11-01" })
    );
    assert_eq!(submitted["consultancy"]["name"], "咨询机构1");
    assert_eq!(submitted["leadAuditor"]["name"], "审核员1");
    let on = |as_of: &str| {
        let app = &app;
        let id = id.clone();
        let admin = admin.clone();
        let as_of = as_of.to_owned();
        async move {
            app.ok(Some(&admin), AUDIT, json!({ "id": id, "asOf": as_of }))
                .await["audit"]["overdue"]
                .clone()
        }
    };
    assert_eq!(on("2024-11-01").await, false);
    assert_eq!(on("2024-11-02").await, true);

    // Reviews in the wrong state or at the wrong date.
    let schedule =
        |kind: &str, date: &str| json!({ "input": { "auditId": id, "kind": kind, "date": date } });
    let (code, error) = app
        .err(Some(city), SCHEDULE, schedule("ACCEPTANCE", "2025-03-10"))
        .await;
    assert_eq!(
        (code.as_str(), error["extensions"]["field"].as_str()),
        ("BAD_USER_INPUT", Some("kind"))
    );
    assert_eq!(
        app.code(Some(city), SCHEDULE, schedule("RECHECK", "2025-03-10"))
            .await,
        "FORBIDDEN",
        "rechecks are the province's"
    );
    assert_eq!(
        app.code(Some(admin), SCHEDULE, schedule("RECHECK", "2025-03-10"))
            .await,
        "BAD_USER_INPUT",
        "nothing evaluated yet"
    );
    let (code, error) = app
        .err(Some(city), SCHEDULE, schedule("EVALUATION", "2024-09-01"))
        .await;
    assert_eq!(
        (code.as_str(), error["extensions"]["field"].as_str()),
        ("BAD_USER_INPUT", Some("date"))
    );
    let evaluation = app
        .ok(Some(city), SCHEDULE, schedule("EVALUATION", "2025-03-10"))
        .await["scheduleReview"]
        .clone();
    assert_eq!(evaluation["organiserCityCode"], "140100");
    assert_eq!(evaluation["status"], "SCHEDULED");
    assert_eq!(
        app.code(Some(city), SCHEDULE, schedule("EVALUATION", "2025-03-11"))
            .await,
        "CONFLICT",
        "one scheduled evaluation at a time"
    );

    // Outcome input is checked; nothing is written by a bad one.
    let reviews_before = app.count("audit_transitions").await;
    for (input, field) in [
        (
            json!({ "outcome": "FAILED", "score": "101", "opinion": "x" }),
            "score",
        ),
        (
            json!({ "outcome": "FAILED", "score": "-1", "opinion": "x" }),
            "score",
        ),
        (json!({ "outcome": "FAILED", "opinion": "  " }), "opinion"),
    ] {
        let (code, error) = app
            .err(
                Some(city),
                RECORD,
                json!({ "id": evaluation["id"], "input": input }),
            )
            .await;
        assert_eq!(
            (code.as_str(), error["extensions"]["field"].as_str()),
            ("BAD_USER_INPUT", Some(field))
        );
    }
    assert_eq!(app.count("audit_transitions").await, reviews_before);
    let failed = app
        .ok(
            Some(city),
            RECORD,
            json!({ "id": evaluation["id"], "input": { "outcome": "FAILED", "score": "55.5", "opinion": "报告需修改" } }),
        )
        .await["recordReviewOutcome"]
        .clone();
    assert_eq!(
        failed["review"],
        json!({ "status": "HELD", "outcome": "FAILED", "score": "55.5", "opinion": "报告需修改" })
    );
    assert_eq!(failed["audit"]["status"], "EVALUATION_FAILED");
    assert_eq!(failed["audit"]["lastOutcome"], "FAILED");
    assert_eq!(
        failed["audit"]["deadline"],
        json!({ "kind": "EVALUATION", "due": "2024-11-01" })
    );
    let (code, error) = app
        .err(
            Some(city),
            RECORD,
            json!({ "id": evaluation["id"], "input": { "outcome": "PASSED", "opinion": "again" } }),
        )
        .await;
    assert_eq!(
        (code.as_str(), error["extensions"]["field"].as_str()),
        ("BAD_USER_INPUT", Some("reviewId"))
    );

    // A failed evaluation takes a corrected report, then passes.
    app.ok(
        Some(city),
        SUBMIT,
        json!({ "id": id, "input": submission(&s, "2025-04-01") }),
    )
    .await;
    let passed = review(
        &app,
        city,
        &json!({ "id": id }),
        "EVALUATION",
        "2025-05-20",
        "PASSED",
    )
    .await;
    assert_eq!(passed["audit"]["evaluatedOn"], "2025-05-20");
    assert_eq!(passed["audit"]["acceptanceDue"], "2026-05-20");
    assert_eq!(
        passed["audit"]["deadline"],
        json!({ "kind": "ACCEPTANCE", "due": "2026-05-20" })
    );

    // Extensions: later than the due date, within the cycle (2024–2028), with a reason.
    let before = app.count("audit_transitions").await;
    for (until, reason, field) in [
        ("2029-01-01", "设备改造", "until"),
        ("2026-05-20", "设备改造", "until"),
        ("2027-01-01", " ", "reason"),
    ] {
        let (code, error) = app
            .err(
                Some(city),
                EXTEND,
                json!({ "id": id, "until": until, "r": reason }),
            )
            .await;
        assert_eq!(
            (code.as_str(), error["extensions"]["field"].as_str()),
            ("BAD_USER_INPUT", Some(field)),
            "{until}"
        );
    }
    assert_eq!(app.count("audit_transitions").await, before);
    let extended = app
        .ok(
            Some(city),
            EXTEND,
            json!({ "id": id, "until": "2028-12-31", "r": "改造工程延期" }),
        )
        .await["grantAcceptanceExtension"]
        .clone();
    assert_eq!(
        extended,
        json!({ "acceptanceDue": "2028-12-31", "acceptanceExtendedUntil": "2028-12-31", "extensionReason": "改造工程延期", "deadline": { "kind": "ACCEPTANCE", "due": "2028-12-31" }, "cycleEnd": "2028-12-31" })
    );

    // A failed acceptance, then a re-examination that passes: the round is over.
    let failed = review(
        &app,
        city,
        &json!({ "id": id }),
        "ACCEPTANCE",
        "2025-10-10",
        "FAILED",
    )
    .await;
    assert_eq!(
        (
            failed["audit"]["status"].as_str(),
            failed["audit"]["lastOutcome"].as_str()
        ),
        (Some("ACCEPTANCE_FAILED"), Some("FAILED"))
    );
    let accepted = review(
        &app,
        city,
        &json!({ "id": id }),
        "ACCEPTANCE",
        "2026-01-10",
        "PASSED",
    )
    .await;
    assert_eq!(accepted["audit"]["closed"], true);
    assert_eq!(accepted["audit"]["acceptedOn"], "2026-01-10");
    assert_eq!(accepted["audit"]["deadline"], Value::Null);

    // Closed: nothing moves it any more but the province's recheck, which moves nothing.
    assert_eq!(
        app.code(
            Some(city),
            SUBMIT,
            json!({ "id": id, "input": submission(&s, "2026-02-01") })
        )
        .await,
        "BAD_USER_INPUT"
    );
    let recheck = review(
        &app,
        admin,
        &json!({ "id": id }),
        "RECHECK",
        "2026-02-01",
        "PASSED",
    )
    .await;
    assert_eq!(recheck["audit"]["status"], "ACCEPTED");
    let (code, error) = app
        .err(
            Some(city),
            ADD_OPTION,
            json!({ "id": id, "input": { "kind": "NO_LOW_COST", "title": "late" } }),
        )
        .await;
    assert_eq!(
        (code.as_str(), error["extensions"]["field"].as_str()),
        ("BAD_USER_INPUT", Some("auditId"))
    );

    let seen = app.ok(Some(admin), AUDIT, json!({ "id": id })).await["audit"].clone();
    assert_eq!(seen["enterprise"]["lastCompletedOn"], "2026-01-10");
    assert_eq!(seen["overdue"], false);
    let history: Vec<(Value, Value, Value)> = seen["history"]
        .as_array()
        .expect("history")
        .iter()
        .map(|h| {
            (
                h["event"].clone(),
                h["toStatus"].clone(),
                h["outcome"].clone(),
            )
        })
        .collect();
    assert_eq!(
        history,
        vec![
            (json!("NOTIFY"), json!("NOTIFIED"), Value::Null),
            (json!("START"), json!("IN_PROGRESS"), Value::Null),
            (
                json!("SUBMIT_REPORT"),
                json!("REPORT_SUBMITTED"),
                Value::Null
            ),
            (
                json!("RECORD_EVALUATION"),
                json!("EVALUATION_FAILED"),
                json!("FAILED")
            ),
            (
                json!("SUBMIT_REPORT"),
                json!("REPORT_SUBMITTED"),
                Value::Null
            ),
            (
                json!("RECORD_EVALUATION"),
                json!("EVALUATION_PASSED"),
                json!("PASSED")
            ),
            (
                json!("EXTEND_ACCEPTANCE"),
                json!("EVALUATION_PASSED"),
                json!("PASSED")
            ),
            (
                json!("RECORD_ACCEPTANCE"),
                json!("ACCEPTANCE_FAILED"),
                json!("FAILED")
            ),
            (
                json!("RECORD_ACCEPTANCE"),
                json!("ACCEPTED"),
                json!("PASSED")
            ),
        ]
    );
    assert!(
        seen["history"]
            .as_array()
            .is_some_and(|h| h.iter().all(|e| e["actorId"].is_string()))
    );
    assert_eq!(seen["history"][3]["occurredOn"], "2025-03-10");
    assert_eq!(seen["reviews"].as_array().map(Vec::len), Some(5));

    // The lead auditor's employment cannot end before a report they led.
    let (code, error) = app
        .err(
            Some(admin),
            "mutation($id: ID!) { endConsultancyStaffEmployment(staffId: $id, endedOn: \"2025-01-01\") { id } }",
            json!({ "id": s.lead["id"] }),
        )
        .await;
    assert_eq!(
        (code.as_str(), error["extensions"]["field"].as_str()),
        ("BAD_USER_INPUT", Some("endedOn"))
    );
}
db_test!(the_machine_with_deadlines_and_history);

async fn report_needs_an_active_firm_and_its_staff(app: TestApp) {
    let s = setting(&app).await;
    let (admin, city) = (&s.admin, &s.city);
    let other = create_consultancy(&app, admin, 2).await;
    let other_staff = add_staff(&app, admin, &other["id"], staff_input(2, "2020-01-01")).await;
    let leaver = add_staff(&app, admin, &s.firm["id"], staff_input(3, "2020-01-01")).await;
    app.ok(
        Some(admin),
        "mutation($id: ID!) { endConsultancyStaffEmployment(staffId: $id, endedOn: \"2024-06-30\") { id } }",
        json!({ "id": leaver["id"] }),
    )
    .await;
    let audit = create_audit(&app, city, &s.enterprise, 2024, "2024-03-20").await;
    app.ok(
        Some(city),
        START,
        json!({ "id": audit["id"], "on": "2024-04-01" }),
    )
    .await;
    let transitions = app.count("audit_transitions").await;
    let ghost = json!(uuid::Uuid::now_v7().to_string());
    for (input, field) in [
        (
            json!({ "consultancyId": s.firm["id"], "leadAuditorId": other_staff["id"], "submittedOn": "2024-07-01" }),
            "leadAuditorId",
        ),
        (
            json!({ "consultancyId": s.firm["id"], "leadAuditorId": leaver["id"], "submittedOn": "2024-07-01" }),
            "leadAuditorId",
        ),
        (
            json!({ "consultancyId": s.firm["id"], "leadAuditorId": ghost, "submittedOn": "2024-07-01" }),
            "leadAuditorId",
        ),
        (
            json!({ "consultancyId": ghost, "leadAuditorId": s.lead["id"], "submittedOn": "2024-07-01" }),
            "consultancyId",
        ),
        (
            json!({ "consultancyId": s.firm["id"], "leadAuditorId": s.lead["id"], "submittedOn": "2024-03-31" }),
            "submittedOn",
        ),
        (
            json!({ "consultancyId": s.firm["id"], "leadAuditorId": s.lead["id"], "submittedOn": "2099-01-01" }),
            "submittedOn",
        ),
    ] {
        let (code, error) = app
            .err(
                Some(city),
                SUBMIT,
                json!({ "id": audit["id"], "input": input }),
            )
            .await;
        assert_eq!(
            (code.as_str(), error["extensions"]["field"].as_str()),
            ("BAD_USER_INPUT", Some(field)),
            "{input}"
        );
    }
    // The leaver still led reports until the end of June.
    app.ok(
        Some(city),
        SUBMIT,
        json!({ "id": audit["id"], "input": { "consultancyId": s.firm["id"], "leadAuditorId": leaver["id"], "submittedOn": "2024-06-30" } }),
    )
    .await;
    assert_eq!(app.count("audit_transitions").await, transitions + 1);

    // A suspended firm takes no new audit.
    app.ok(
        Some(admin),
        "mutation($id: ID!) { setConsultancyStatus(id: $id, status: SUSPENDED, reason: \"整改\") { status } }",
        json!({ "id": other["id"] }),
    )
    .await;
    let second = create_enterprise(&app, admin, enterprise_input(2)).await;
    let audit2 = create_audit(&app, city, &second, 2024, "2024-03-20").await;
    app.ok(
        Some(city),
        START,
        json!({ "id": audit2["id"], "on": "2024-04-01" }),
    )
    .await;
    let (code, error) = app
        .err(
            Some(city),
            SUBMIT,
            json!({ "id": audit2["id"], "input": { "consultancyId": other["id"], "leadAuditorId": other_staff["id"], "submittedOn": "2024-07-01" } }),
        )
        .await;
    assert_eq!(
        (code.as_str(), error["extensions"]["field"].as_str()),
        ("BAD_USER_INPUT", Some("consultancyId"))
    );
    assert!(
        error["message"]
            .as_str()
            .is_some_and(|m| m.contains("SUSPENDED"))
    );
}
db_test!(report_needs_an_active_firm_and_its_staff);

async fn leap_day_evaluation_and_overdue_lists(app: TestApp) {
    let s = setting(&app).await;
    let city = &s.city;
    let audit = create_audit(&app, city, &s.enterprise, 2024, "2023-12-01").await;
    app.ok(
        Some(city),
        START,
        json!({ "id": audit["id"], "on": "2024-01-10" }),
    )
    .await;
    app.ok(
        Some(city),
        SUBMIT,
        json!({ "id": audit["id"], "input": submission(&s, "2024-02-01") }),
    )
    .await;
    let passed = review(&app, city, &audit, "EVALUATION", "2024-02-29", "PASSED").await;
    assert_eq!(passed["audit"]["acceptanceDue"], "2025-02-28");

    // A second city: an audit waiting for its disclosure (due 2024-04-15).
    let mut datong = enterprise_input(2);
    datong["cityCode"] = json!("140200");
    let datong = create_enterprise(&app, &s.admin, datong).await;
    let waiting = create_audit(&app, &s.admin, &datong, 2024, "2024-03-15").await;

    let overdue = |city: Option<&str>, as_of: &str| {
        let app = &app;
        let admin = s.admin.clone();
        let vars = json!({ "city": city, "asOf": as_of });
        async move {
            let data = app.ok(Some(&admin), OVERDUE, vars).await;
            data["overdueAudits"]["edges"]
                .as_array()
                .map(|edges| {
                    edges
                        .iter()
                        .map(|e| {
                            e["node"]["deadline"]["kind"]
                                .as_str()
                                .unwrap_or("")
                                .to_owned()
                        })
                        .collect::<Vec<_>>()
                })
                .unwrap_or_default()
        }
    };
    assert_eq!(overdue(None, "2024-04-15").await, Vec::<String>::new());
    assert_eq!(overdue(None, "2024-04-16").await, vec!["DISCLOSURE"]);
    assert_eq!(overdue(None, "2025-02-28").await, vec!["DISCLOSURE"]);
    assert_eq!(
        overdue(None, "2025-03-01").await,
        vec!["ACCEPTANCE", "DISCLOSURE"]
    );
    assert_eq!(
        overdue(Some("140100"), "2025-03-01").await,
        vec!["ACCEPTANCE"]
    );
    // Counted by kind of deadline missed.
    for (kind, expected) in [("DISCLOSURE", 1), ("START", 0), ("ACCEPTANCE", 1)] {
        let counted = app
            .ok(
                Some(&s.admin),
                "query($k: DeadlineKind) { overdueAudits(asOf: \"2025-03-01\", kind: $k) { totalCount } }",
                json!({ "k": kind }),
            )
            .await;
        assert_eq!(counted["overdueAudits"]["totalCount"], expected, "{kind}");
    }

    // The audits connection filters the same way, and the opposite.
    let count = |filter: Value| {
        let app = &app;
        let admin = s.admin.clone();
        async move {
            app.ok(Some(&admin), AUDITS, json!({ "filter": filter }))
                .await["audits"]["totalCount"]
                .clone()
        }
    };
    assert_eq!(
        count(json!({ "overdue": true, "asOf": "2025-03-01" })).await,
        2
    );
    assert_eq!(
        count(json!({ "overdue": false, "asOf": "2024-04-15" })).await,
        2
    );
    assert_eq!(count(json!({ "cityCode": "140200" })).await, 1);
    assert_eq!(count(json!({ "status": "EVALUATION_PASSED" })).await, 1);
    assert_eq!(count(json!({ "year": 2023 })).await, 0);
    assert_eq!(count(json!({ "consultancyId": s.firm["id"] })).await, 1);
    assert_eq!(count(json!({ "enterpriseId": waiting["id"] })).await, 0);
    assert_eq!(count(json!({ "enterpriseId": datong["id"] })).await, 1);

    // A city admin's overdue list is their city's; another city is refused.
    let mine = app
        .ok(Some(city), OVERDUE, json!({ "asOf": "2025-03-01" }))
        .await;
    assert_eq!(mine["overdueAudits"]["totalCount"], 1);
    assert_eq!(
        app.code(
            Some(city),
            OVERDUE,
            json!({ "city": "140200", "asOf": "2025-03-01" })
        )
        .await,
        "FORBIDDEN"
    );
    assert_eq!(app.code(None, OVERDUE, json!({})).await, "UNAUTHENTICATED");
}
db_test!(leap_day_evaluation_and_overdue_lists);

async fn who_may_run_and_read_audits(app: TestApp) {
    let s = setting(&app).await;
    let (admin, city) = (&s.admin, &s.city);
    let datong = app.city_admin("140200").await;
    let firm_user = app.consultancy_user(&s.firm["id"]).await;
    let other_firm = create_consultancy(&app, admin, 2).await;
    let other_firm_user = app.consultancy_user(&other_firm["id"]).await;
    let expert = create_expert(&app, admin, 1).await;
    let expert = app.user_token("EXPERT", None, expert["id"].as_str()).await;

    // createAudit: bad input and roles, nothing written.
    let before = (
        app.count("audits").await,
        app.count("audit_transitions").await,
    );
    let ghost = json!(uuid::Uuid::now_v7().to_string());
    for (input, field) in [
        (
            json!({ "enterpriseId": ghost, "year": 2024 }),
            "enterpriseId",
        ),
        (
            json!({ "enterpriseId": "nope", "year": 2024 }),
            "enterpriseId",
        ),
        (
            json!({ "enterpriseId": s.enterprise["id"], "year": 1999 }),
            "year",
        ),
        (
            json!({ "enterpriseId": s.enterprise["id"], "year": 2024, "noticeDate": "2099-01-01" }),
            "noticeDate",
        ),
    ] {
        let (code, error) = app
            .err(Some(city), CREATE_AUDIT, json!({ "input": input }))
            .await;
        assert_eq!(
            (code.as_str(), error["extensions"]["field"].as_str()),
            ("BAD_USER_INPUT", Some(field)),
            "{input}"
        );
    }
    let input = json!({ "input": { "enterpriseId": s.enterprise["id"], "year": 2024, "noticeDate": "2024-03-01" } });
    for (token, want) in [
        (Some(datong.as_str()), "FORBIDDEN"),
        (Some(firm_user.as_str()), "FORBIDDEN"),
        (Some(expert.as_str()), "FORBIDDEN"),
        (None, "UNAUTHENTICATED"),
    ] {
        assert_eq!(app.code(token, CREATE_AUDIT, input.clone()).await, want);
    }
    assert_eq!(
        (
            app.count("audits").await,
            app.count("audit_transitions").await
        ),
        before
    );
    let audit = create_audit(&app, city, &s.enterprise, 2024, "2024-03-01").await;
    assert_eq!(
        app.code(Some(city), CREATE_AUDIT, input.clone()).await,
        "CONFLICT",
        "one open round per enterprise"
    );

    // Running it: only its city and the province.
    for token in [Some(datong.as_str()), Some(firm_user.as_str()), None] {
        let want = if token.is_none() {
            "UNAUTHENTICATED"
        } else {
            "FORBIDDEN"
        };
        assert_eq!(
            app.code(
                token,
                START,
                json!({ "id": audit["id"], "on": "2024-04-01" })
            )
            .await,
            want
        );
    }
    app.ok(
        Some(admin),
        START,
        json!({ "id": audit["id"], "on": "2024-04-01" }),
    )
    .await;
    assert_eq!(
        app.code(
            Some(&datong),
            SUBMIT,
            json!({ "id": audit["id"], "input": submission(&s, "2024-05-01") })
        )
        .await,
        "FORBIDDEN"
    );
    app.ok(
        Some(city),
        SUBMIT,
        json!({ "id": audit["id"], "input": submission(&s, "2024-05-01") }),
    )
    .await;

    // A review of another city's audit is FORBIDDEN to a city admin.
    let schedule =
        json!({ "input": { "auditId": audit["id"], "kind": "EVALUATION", "date": "2024-06-01" } });
    for (token, want) in [
        (Some(datong.as_str()), "FORBIDDEN"),
        (Some(firm_user.as_str()), "FORBIDDEN"),
        (None, "UNAUTHENTICATED"),
    ] {
        assert_eq!(app.code(token, SCHEDULE, schedule.clone()).await, want);
    }
    let scheduled = app.ok(Some(city), SCHEDULE, schedule).await["scheduleReview"].clone();
    let outcome =
        json!({ "id": scheduled["id"], "input": { "outcome": "PASSED", "opinion": "ok" } });
    for (token, want) in [
        (Some(datong.as_str()), "FORBIDDEN"),
        (Some(firm_user.as_str()), "FORBIDDEN"),
        (None, "UNAUTHENTICATED"),
    ] {
        assert_eq!(app.code(token, RECORD, outcome.clone()).await, want);
    }
    let review_q = "query($id: ID!) { review(id: $id) { kind status audit { id } } }";
    assert_eq!(
        app.code(Some(&datong), review_q, json!({ "id": scheduled["id"] }))
            .await,
        "FORBIDDEN"
    );
    let seen = app
        .ok(Some(&firm_user), review_q, json!({ "id": scheduled["id"] }))
        .await;
    assert_eq!(seen["review"]["status"], "SCHEDULED");
    app.ok(Some(city), RECORD, outcome).await;
    let extend = json!({ "id": audit["id"], "until": "2026-01-01", "r": "x" });
    assert_eq!(
        app.code(Some(&datong), EXTEND, extend.clone()).await,
        "FORBIDDEN"
    );
    assert_eq!(
        app.code(Some(&firm_user), EXTEND, extend).await,
        "FORBIDDEN"
    );

    // Reading: the firm that holds it sees it (and only its audits); others do not.
    let one = json!({ "id": audit["id"] });
    app.ok(Some(&firm_user), AUDIT, one.clone()).await;
    for (token, want) in [
        (Some(datong.as_str()), "FORBIDDEN"),
        (Some(other_firm_user.as_str()), "FORBIDDEN"),
        (Some(expert.as_str()), "FORBIDDEN"),
        (None, "UNAUTHENTICATED"),
    ] {
        assert_eq!(app.code(token, AUDIT, one.clone()).await, want);
    }
    let theirs = app.ok(Some(&firm_user), AUDITS, json!({})).await;
    assert_eq!(theirs["audits"]["totalCount"], 1);
    assert_eq!(
        theirs["audits"]["edges"][0]["node"]["enterprise"]["name"],
        "企业1"
    );
    let none = app.ok(Some(&other_firm_user), AUDITS, json!({})).await;
    assert_eq!(none["audits"]["totalCount"], 0);
    assert_eq!(
        app.code(
            Some(&other_firm_user),
            AUDITS,
            json!({ "filter": { "consultancyId": s.firm["id"] } })
        )
        .await,
        "FORBIDDEN"
    );
    assert_eq!(
        app.code(
            Some(&datong),
            AUDITS,
            json!({ "filter": { "cityCode": "140100" } })
        )
        .await,
        "FORBIDDEN"
    );
    assert_eq!(
        app.ok(Some(&datong), AUDITS, json!({})).await["audits"]["totalCount"],
        0
    );
    assert_eq!(
        app.code(Some(&expert), AUDITS, json!({})).await,
        "FORBIDDEN"
    );
    // The firm now reads the enterprise it audits.
    let e = app
        .ok(
            Some(&firm_user),
            "query($id: ID!) { enterprise(id: $id) { name audits { id } } }",
            json!({ "id": s.enterprise["id"] }),
        )
        .await;
    assert_eq!(e["enterprise"]["audits"].as_array().map(Vec::len), Some(1));
}
db_test!(who_may_run_and_read_audits);

pub(crate) async fn improvement_options_exact_and_checked(app: TestApp) {
    let s = setting(&app).await;
    let (admin, city) = (&s.admin, &s.city);
    let audit = create_audit(&app, city, &s.enterprise, 2024, "2024-03-01").await;
    let id = audit["id"].clone();

    let cheap = app
        .ok(
            Some(city),
            ADD_OPTION,
            json!({ "id": id, "input": { "kind": "NO_LOW_COST", "title": "加强设备维护", "investment": "0.1", "economicBenefit": "0.2", "codT": "0.0001", "implemented": true } }),
        )
        .await["addImprovementOption"]
        .clone();
    assert_eq!(cheap["needsAcceptance"], "NO");
    assert_eq!(
        (
            cheap["investment"].as_str(),
            cheap["economicBenefit"].as_str(),
            cheap["codT"].as_str()
        ),
        (Some("0.1"), Some("0.2"), Some("0.0001"))
    );
    assert_eq!(cheap["energyTce"], "0");
    let retrofit = app
        .ok(
            Some(city),
            ADD_OPTION,
            json!({ "id": id, "input": { "kind": "MEDIUM_HIGH_COST", "title": "余热回收改造", "investment": "1200.5", "energyTce": "3456.7891", "technicalRetrofit": true, "acceptedByOtherDepartment": true, "otherDepartment": "市发改委", "otherDepartmentConclusion": "通过节能专项验收" } }),
        )
        .await["addImprovementOption"]
        .clone();
    assert_eq!(retrofit["needsAcceptance"], "OTHER_DEPARTMENT");
    assert_eq!(retrofit["otherDepartment"], "市发改委");
    assert_eq!(retrofit["energyTce"], "3456.7891");

    // Bad input, each with its field; nothing written.
    let before = app.count("improvement_options").await;
    for (input, field) in [
        (json!({ "kind": "NO_LOW_COST", "title": " " }), "title"),
        (
            json!({ "kind": "NO_LOW_COST", "title": "x", "investment": "-0.01" }),
            "investment",
        ),
        (
            json!({ "kind": "NO_LOW_COST", "title": "x", "so2T": "0.00001" }),
            "so2T",
        ),
        (
            json!({ "kind": "NO_LOW_COST", "title": "x", "co2T": "10000000000000" }),
            "co2T",
        ),
        (
            json!({ "kind": "NO_LOW_COST", "title": "x", "acceptedByOtherDepartment": true, "otherDepartment": "a", "otherDepartmentConclusion": "b" }),
            "acceptedByOtherDepartment",
        ),
        (
            json!({ "kind": "MEDIUM_HIGH_COST", "title": "x", "technicalRetrofit": true, "acceptedByOtherDepartment": true, "otherDepartment": "a" }),
            "otherDepartmentConclusion",
        ),
        (
            json!({ "kind": "MEDIUM_HIGH_COST", "title": "x", "otherDepartment": "a" }),
            "acceptedByOtherDepartment",
        ),
    ] {
        let (code, error) = app
            .err(Some(city), ADD_OPTION, json!({ "id": id, "input": input }))
            .await;
        assert_eq!(
            (code.as_str(), error["extensions"]["field"].as_str()),
            ("BAD_USER_INPUT", Some(field)),
            "{input}"
        );
    }
    // Roles: another city, another firm, the public.
    let datong = app.city_admin("140200").await;
    let firm_user = app.consultancy_user(&s.firm["id"]).await;
    let input = json!({ "id": id, "input": { "kind": "NO_LOW_COST", "title": "x" } });
    for (token, want) in [
        (Some(datong.as_str()), "FORBIDDEN"),
        (Some(firm_user.as_str()), "FORBIDDEN"),
        (None, "UNAUTHENTICATED"),
    ] {
        assert_eq!(
            app.code(token, ADD_OPTION, input.clone()).await,
            want,
            "before the firm holds the audit"
        );
    }
    assert_eq!(app.count("improvement_options").await, before);

    // Once the firm holds the audit it keeps its options too.
    app.ok(Some(city), START, json!({ "id": id, "on": "2024-04-01" }))
        .await;
    app.ok(
        Some(city),
        SUBMIT,
        json!({ "id": id, "input": submission(&s, "2024-05-01") }),
    )
    .await;
    app.ok(Some(&firm_user), ADD_OPTION, input).await;

    // Updates: versioned, with the acceptance need recomputed.
    let updated = app
        .ok(
            Some(city),
            UPDATE_OPTION,
            json!({ "id": retrofit["id"], "input": { "acceptedByOtherDepartment": false, "investment": "1300" }, "v": 1 }),
        )
        .await["updateImprovementOption"]
        .clone();
    assert_eq!(
        updated,
        json!({ "kind": "MEDIUM_HIGH_COST", "investment": "1300", "needsAcceptance": "YES", "implemented": false, "otherDepartment": null, "version": 2 })
    );
    let downgraded = app
        .ok(
            Some(&firm_user),
            UPDATE_OPTION,
            json!({ "id": retrofit["id"], "input": { "kind": "NO_LOW_COST", "technicalRetrofit": false, "implemented": true }, "v": 2 }),
        )
        .await["updateImprovementOption"]
        .clone();
    assert_eq!(downgraded["needsAcceptance"], "NO");
    assert_eq!(
        app.code(
            Some(city),
            UPDATE_OPTION,
            json!({ "id": retrofit["id"], "input": { "title": "y" }, "v": 2 })
        )
        .await,
        "CONFLICT"
    );
    let (code, error) = app
        .err(
            Some(city),
            UPDATE_OPTION,
            json!({ "id": retrofit["id"], "input": { "waterT": "-5" }, "v": 3 }),
        )
        .await;
    assert_eq!(
        (code.as_str(), error["extensions"]["field"].as_str()),
        ("BAD_USER_INPUT", Some("waterT"))
    );
    assert_eq!(
        app.code(
            Some(&datong),
            UPDATE_OPTION,
            json!({ "id": retrofit["id"], "input": { "title": "y" }, "v": 3 })
        )
        .await,
        "FORBIDDEN"
    );
    let seen = app.ok(Some(admin), AUDIT, json!({ "id": id })).await;
    assert_eq!(seen["audit"]["options"].as_array().map(Vec::len), Some(3));
}
db_test!(improvement_options_exact_and_checked);

async fn a_page_of_audits_costs_a_fixed_number_of_queries(app: TestApp) {
    let admin = app.admin().await;
    let db = &app.state.services.db;
    let viewer = cleanprod::auth::Viewer::System;
    let catalog = app.state.services.catalog.clone();
    let firm = create_consultancy(&app, &admin, 1).await;
    let lead = add_staff(&app, &admin, &firm["id"], staff_input(1, "2020-01-01")).await;
    let firm_id = uuid::Uuid::parse_str(firm["id"].as_str().expect("id")).expect("uuid");
    let lead_id = uuid::Uuid::parse_str(lead["id"].as_str().expect("id")).expect("uuid");
    let date = |s: &str| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date");
    for serial in 0..60u32 {
        let input = enterprise_input(serial + 10);
        let new = cleanprod::services::enterprises::NewEnterprise {
            name: format!("企业{serial}"),
            credit_code: input["creditCode"].as_str().expect("code").to_owned(),
            city_code: if serial % 2 == 0 {
                "140100".into()
            } else {
                "140200".into()
            },
            county: "区".into(),
            industry_code: "3120".into(),
            employees: 100,
            operating_revenue: rust_decimal::Decimal::from(1000),
            scale: None,
            high_energy_use: false,
            high_water_use: false,
            high_emissions: false,
            priority_chemicals: false,
            mining_operation: false,
            coating_process: false,
            directory_since_year: Some(2020),
        };
        let e = cleanprod::services::enterprises::create_enterprise(db, &viewer, &catalog, new)
            .await
            .expect("enterprise");
        let policy = cleanprod::rules::deadlines::DeadlinePolicy::default();
        let audit = cleanprod::services::audits::create_audit(
            db,
            &viewer,
            &policy,
            cleanprod::services::audits::NewAudit {
                enterprise_id: e.id,
                year: 2024,
                notice_date: Some(date("2024-03-01")),
                procedure: None,
            },
        )
        .await
        .expect("audit");
        cleanprod::services::audits::start_audit(
            db,
            &viewer,
            &policy,
            audit.id,
            Some(date("2024-04-01")),
        )
        .await
        .expect("start");
        cleanprod::services::audits::submit_report(
            db,
            &viewer,
            &policy,
            cleanprod::services::documents::StepDocuments { required: false },
            audit.id,
            cleanprod::services::audits::ReportSubmission {
                consultancy_id: Some(firm_id),
                lead_auditor_id: Some(lead_id),
                team_leader: None,
                submitted_on: Some(date("2024-05-01")),
            },
        )
        .await
        .expect("report");
    }
    let query = "query($n: Int) { audits(first: $n) { totalCount edges { node { status city { name } enterprise { name city { name } lastCompletion { kind } } consultancy { name } leadAuditor { name } history { event } reviews { kind } options { title } deadline { due } } } } }";
    let mut costs = Vec::new();
    for n in [5, 60] {
        let before = app.statements.load(Ordering::SeqCst);
        let data = app.ok(Some(&admin), query, json!({ "n": n })).await;
        costs.push(app.statements.load(Ordering::SeqCst) - before);
        assert_eq!(
            data["audits"]["edges"].as_array().map(Vec::len),
            Some(n as usize)
        );
        assert_eq!(
            data["audits"]["edges"][1]["node"]["history"]
                .as_array()
                .map(Vec::len),
            Some(3)
        );
        assert_eq!(
            data["audits"]["edges"][1]["node"]["enterprise"]["city"]["name"],
            "大同市"
        );
    }
    assert_eq!(
        costs[0], costs[1],
        "statements for 5 vs 60 audits: {costs:?}"
    );
    assert!(costs[1] <= 16, "a page of 60 costs {} statements", costs[1]);
}
db_test!(a_page_of_audits_costs_a_fixed_number_of_queries);

/// A PASSED outcome needs the pass mark (60 by default); a FAILED one or one without a score
/// is not held to it.
async fn a_passed_review_reaches_the_pass_mark(app: TestApp) {
    let s = setting(&app).await;
    let city = &s.city;
    let audit = create_audit(&app, city, &s.enterprise, 2024, "2024-03-01").await;
    app.ok(
        Some(city),
        START,
        json!({ "id": audit["id"], "on": "2024-03-10" }),
    )
    .await;
    app.ok(
        Some(city),
        SUBMIT,
        json!({ "id": audit["id"], "input": submission(&s, "2024-05-01") }),
    )
    .await;
    let review = app
        .ok(
            Some(city),
            SCHEDULE,
            json!({ "input": { "auditId": audit["id"], "kind": "EVALUATION", "date": "2024-06-01" } }),
        )
        .await["scheduleReview"]["id"]
        .clone();
    let before = (
        app.count("audit_transitions").await,
        app.count("audit_log").await,
    );
    let (code, error) = app
        .err(
            Some(city),
            RECORD,
            json!({ "id": review, "input": { "outcome": "PASSED", "score": "59.5", "opinion": "勉强" } }),
        )
        .await;
    assert_eq!(code, "BAD_USER_INPUT");
    assert_eq!(error["extensions"]["field"], "score");
    assert!(
        error["message"]
            .as_str()
            .is_some_and(|m| m.contains("pass mark of 60")),
        "{error}"
    );
    assert_eq!(
        (
            app.count("audit_transitions").await,
            app.count("audit_log").await
        ),
        before,
        "nothing written"
    );
    let passed = app
        .ok(
            Some(city),
            RECORD,
            json!({ "id": review, "input": { "outcome": "PASSED", "score": "60", "opinion": "通过" } }),
        )
        .await;
    assert_eq!(passed["recordReviewOutcome"]["review"]["outcome"], "PASSED");

    // A stricter province sets its own mark.
    let strict = TestApp::sqlite_with(|c| c.review_pass_mark = 75).await;
    let s = setting(&strict).await;
    let audit = create_audit(&strict, &s.city, &s.enterprise, 2024, "2024-03-01").await;
    strict
        .ok(
            Some(&s.city),
            START,
            json!({ "id": audit["id"], "on": "2024-03-10" }),
        )
        .await;
    strict
        .ok(
            Some(&s.city),
            SUBMIT,
            json!({ "id": audit["id"], "input": submission(&s, "2024-05-01") }),
        )
        .await;
    let review = strict
        .ok(
            Some(&s.city),
            SCHEDULE,
            json!({ "input": { "auditId": audit["id"], "kind": "EVALUATION", "date": "2024-06-01" } }),
        )
        .await["scheduleReview"]["id"]
        .clone();
    assert_eq!(strict.code(Some(&s.city),
            RECORD,
            json!({ "id": review, "input": { "outcome": "PASSED", "score": "70", "opinion": "通过" } })).await, "BAD_USER_INPUT");
}
db_test!(a_passed_review_reaches_the_pass_mark);

/// 精简验收内容: a passed evaluation whose implemented options need no acceptance ends the
/// round; one with an option that needs acceptance (or with none implemented) waits for it.
async fn a_round_closes_on_its_evaluation_when_nothing_needs_acceptance(app: TestApp) {
    let s = setting(&app).await;
    let city = &s.city;
    let evaluated = |enterprise: Value, options: Vec<Value>| {
        let app = &app;
        let s = &s;
        async move {
            let audit = create_audit(app, &s.city, &enterprise, 2024, "2024-03-01").await;
            app.ok(
                Some(&s.city),
                START,
                json!({ "id": audit["id"], "on": "2024-03-10" }),
            )
            .await;
            for option in options {
                app.ok(
                    Some(&s.city),
                    ADD_OPTION,
                    json!({ "id": audit["id"], "input": option }),
                )
                .await;
            }
            app.ok(
                Some(&s.city),
                SUBMIT,
                json!({ "id": audit["id"], "input": submission(s, "2024-05-01") }),
            )
            .await;
            let passed = review(app, &s.city, &audit, "EVALUATION", "2024-06-01", "PASSED").await;
            (audit["id"].clone(), passed["audit"].clone())
        }
    };
    let no_low_cost = json!({ "kind": "NO_LOW_COST", "title": "照明改造", "implemented": true });
    let elsewhere = json!({ "kind": "MEDIUM_HIGH_COST", "title": "余热回收", "implemented": true, "technicalRetrofit": true, "acceptedByOtherDepartment": true, "otherDepartment": "市发改委", "otherDepartmentConclusion": "验收合格" });
    let retrofit = json!({ "kind": "MEDIUM_HIGH_COST", "title": "脱硝改造", "implemented": true, "technicalRetrofit": true });

    let (id, closed) = evaluated(s.enterprise.clone(), vec![no_low_cost.clone(), elsewhere]).await;
    assert_eq!(closed["status"], "CLOSED_ON_EVALUATION");
    assert_eq!(closed["closed"], true);
    assert_eq!(closed["acceptedOn"], Value::Null);
    assert_eq!(closed["acceptanceDue"], Value::Null);
    assert_eq!(closed["deadline"], Value::Null);
    let seen = app
        .ok(Some(city), AUDIT, json!({ "id": id, "asOf": "2030-01-01" }))
        .await["audit"]
        .clone();
    assert_eq!(seen["overdue"], false, "no acceptance is owed");
    assert_eq!(seen["enterprise"]["lastCompletedOn"], "2024-06-01");
    let last = seen["history"].as_array().and_then(|h| h.last()).cloned();
    assert_eq!(
        last.map(|h| (h["event"].clone(), h["toStatus"].clone())),
        Some((
            json!("CLOSE_WITHOUT_ACCEPTANCE"),
            json!("CLOSED_ON_EVALUATION")
        ))
    );
    let (code, error) = app
        .err(
            Some(city),
            SCHEDULE,
            json!({ "input": { "auditId": id, "kind": "ACCEPTANCE", "date": "2024-07-01" } }),
        )
        .await;
    assert_eq!(
        (code.as_str(), error["extensions"]["field"].as_str()),
        ("BAD_USER_INPUT", Some("kind"))
    );

    // A retrofit not accepted elsewhere, or nothing implemented: the acceptance stays owed.
    for (serial, options) in [(2, vec![no_low_cost, retrofit]), (3, vec![])] {
        let enterprise = create_enterprise(&app, &s.admin, enterprise_input(serial)).await;
        let (_, waiting) = evaluated(enterprise, options).await;
        assert_eq!(waiting["status"], "EVALUATION_PASSED");
        assert_eq!(waiting["closed"], false);
        assert_eq!(
            waiting["deadline"],
            json!({ "kind": "ACCEPTANCE", "due": "2025-06-01" })
        );
    }
}
db_test!(a_round_closes_on_its_evaluation_when_nothing_needs_acceptance);

/// Audits stored under the old status names (EVALUATED and ACCEPTED with a failed outcome)
/// read, after the migration, as the new names say, histories included.
async fn old_status_names_are_migrated(app: TestApp) {
    let s = setting(&app).await;
    let city = &s.city;
    let mut ids = Vec::new();
    for (serial, outcomes) in [
        (1, vec![("EVALUATION", "FAILED")]),
        (2, vec![("EVALUATION", "PASSED"), ("ACCEPTANCE", "FAILED")]),
        (3, vec![("EVALUATION", "PASSED")]),
    ] {
        let enterprise = if serial == 1 {
            s.enterprise.clone()
        } else {
            create_enterprise(&app, &s.admin, enterprise_input(serial)).await
        };
        let audit = create_audit(&app, city, &enterprise, 2024, "2024-03-01").await;
        app.ok(
            Some(city),
            START,
            json!({ "id": audit["id"], "on": "2024-03-10" }),
        )
        .await;
        app.ok(
            Some(city),
            SUBMIT,
            json!({ "id": audit["id"], "input": submission(&s, "2024-05-01") }),
        )
        .await;
        for (n, (kind, outcome)) in outcomes.into_iter().enumerate() {
            let date = format!("2024-0{}-01", 6 + n);
            review(&app, city, &audit, kind, &date, outcome).await;
        }
        ids.push(audit["id"].clone());
    }
    let read = |id: Value| {
        let app = &app;
        let admin = s.admin.clone();
        async move {
            app.ok(
                Some(&admin),
                "query($id: ID!) { audit(id: $id) { status lastOutcome history { fromStatus toStatus } } }",
                json!({ "id": id }),
            )
            .await["audit"]
                .clone()
        }
    };
    let mut now = Vec::new();
    for id in &ids {
        now.push(read(id.clone()).await);
    }
    assert_eq!(
        now.iter().map(|a| a["status"].clone()).collect::<Vec<_>>(),
        [
            json!("EVALUATION_FAILED"),
            json!("ACCEPTANCE_FAILED"),
            json!("EVALUATION_PASSED")
        ]
    );

    // Back to the names of before, as the rows stood, and the migration run again.
    for sql in [
        "UPDATE audits SET status = 'EVALUATED' WHERE status IN ('EVALUATION_PASSED', 'EVALUATION_FAILED')",
        "UPDATE audits SET status = 'ACCEPTED' WHERE status = 'ACCEPTANCE_FAILED'",
        "UPDATE audit_transitions SET to_status = 'EVALUATED' WHERE to_status IN ('EVALUATION_PASSED', 'EVALUATION_FAILED')",
        "UPDATE audit_transitions SET to_status = 'ACCEPTED' WHERE to_status = 'ACCEPTANCE_FAILED'",
        "UPDATE audit_transitions SET from_status = 'EVALUATED' WHERE from_status IN ('EVALUATION_PASSED', 'EVALUATION_FAILED')",
        "UPDATE audit_transitions SET from_status = 'ACCEPTED' WHERE from_status = 'ACCEPTANCE_FAILED'",
        "DELETE FROM seaql_migrations WHERE version = 'm20261205_000012_audit_status_names'",
    ] {
        app.execute(sql).await;
    }
    cleanprod::db::migrate(&app.state.services.db)
        .await
        .expect("migrated");
    for (id, before) in ids.iter().zip(now) {
        assert_eq!(read(id.clone()).await, before);
    }
}
db_test!(old_status_names_are_migrated);
