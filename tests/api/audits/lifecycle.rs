//! The audit's state machine: its history, deadlines and extensions, the report and who
//! may lead it, the overdue lists, and the statuses of old.

use super::*;
use crate::db_test;

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
    let dates = ["2023-12-01", "2024-01-10", "2024-02-01"];
    let audit = reported_audit(&app, &s, &s.enterprise, 2024, dates).await;
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
        let audit = reported_audit(&app, &s, &enterprise, 2024, MAY_REPORT).await;
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
