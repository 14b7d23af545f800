//! The yearly summary and its CSV export, and the full lifecycle from annual list to accepted
//! audit.

use actix_web::http::StatusCode;
use chrono::Datelike;
use serde_json::{Value, json};

use crate::audits::{RECORD, SCHEDULE, START, SUBMIT, add_option, create_audit, review, setting};
use crate::db_test;
use crate::support::{TestApp, create_enterprise, enterprise_input};

const SUMMARY: &str = "query($y: Int!, $c: String, $asOf: Date) { annualSummary(year: $y, cityCode: $c, asOf: $asOf) { year cityCode asOf auditsNotified auditsStarted reportsSubmitted evaluations { held passed failed rate target met } acceptances { held passed failed rate target met } options { kind label count implemented investment economicBenefit energyTce codT } overdue { audits disclosure start report evaluation acceptance directoryCycle } } }";

async fn csv(app: &TestApp, token: Option<&str>, path: &str) -> (StatusCode, Vec<u8>) {
    let (status, _, body) = app.get(path, token).await;
    (status, body)
}

/// Three audits of 2025: one accepted, one with a failed evaluation awaiting another, one in
/// another city never started; and a directory member that never audited.
async fn summary_counts_rates_options_and_overdue(app: TestApp) {
    let s = setting(&app).await;
    let (admin, city) = (&s.admin, &s.city);

    let a1 = create_audit(&app, city, &s.enterprise, 2025, "2025-03-10").await;
    s.start(&app, city, &a1, "2025-03-20").await;
    s.submit(&app, city, &a1, "2025-05-01").await;
    review(&app, city, &a1, "EVALUATION", "2025-06-01", "PASSED").await;
    add_option(
        &app,
        city,
        &a1,
        json!({ "kind": "NO_LOW_COST", "title": "a", "investment": "0.1", "economicBenefit": "1.25", "codT": "0.0001", "implemented": true }),
    )
    .await;
    add_option(
        &app,
        city,
        &a1,
        json!({ "kind": "NO_LOW_COST", "title": "b", "investment": "0.2" }),
    )
    .await;

    review(&app, city, &a1, "ACCEPTANCE", "2025-11-01", "PASSED").await;

    let e2 = create_enterprise(&app, admin, enterprise_input(2)).await;
    let a2 = create_audit(&app, city, &e2, 2025, "2025-03-10").await;
    s.start(&app, city, &a2, "2025-04-01").await;
    s.submit(&app, city, &a2, "2025-06-01").await;
    review(&app, city, &a2, "EVALUATION", "2025-07-01", "FAILED").await;
    s.submit(&app, city, &a2, "2025-07-15").await;
    add_option(
        &app,
        city,
        &a2,
        json!({ "kind": "MEDIUM_HIGH_COST", "title": "c", "investment": "100.5", "energyTce": "12.3456", "technicalRetrofit": true }),
    )
    .await;

    let mut e3 = enterprise_input(3);
    e3["cityCode"] = json!("140200");
    let e3 = create_enterprise(&app, admin, e3).await;
    create_audit(&app, admin, &e3, 2025, "2025-03-15").await;

    // Directory members: one never audited since 2019, one whose 2025 acceptance counts.
    let mut idle = enterprise_input(4);
    idle["directorySinceYear"] = json!(2019);
    create_enterprise(&app, admin, idle).await;
    app.ok(
        Some(admin),
        "mutation($id: ID!) { addToDirectory(enterpriseId: $id, sinceYear: 2019) { id } }",
        json!({ "id": s.enterprise["id"] }),
    )
    .await;

    let province =
        app.ok(Some(admin), SUMMARY, json!({ "y": 2025 })).await["annualSummary"].clone();
    assert_eq!(province["cityCode"], Value::Null);
    assert_eq!(province["asOf"], "2025-12-31");
    assert_eq!(
        (
            province["auditsNotified"].clone(),
            province["auditsStarted"].clone(),
            province["reportsSubmitted"].clone()
        ),
        (json!(3), json!(2), json!(3))
    );
    assert_eq!(
        province["evaluations"],
        json!({ "held": 2, "passed": 1, "failed": 1, "rate": "50.00", "target": "90", "met": false })
    );
    assert_eq!(
        province["acceptances"],
        json!({ "held": 1, "passed": 1, "failed": 0, "rate": "100.00", "target": "70", "met": true })
    );
    assert_eq!(
        province["options"],
        json!([
            { "kind": "NO_LOW_COST", "label": "无低费方案", "count": 2, "implemented": 1, "investment": "0.3", "economicBenefit": "1.25", "energyTce": "0", "codT": "0.0001" },
            { "kind": "MEDIUM_HIGH_COST", "label": "中高费方案", "count": 1, "implemented": 0, "investment": "100.5", "economicBenefit": "0", "energyTce": "12.3456", "codT": "0" },
        ])
    );
    assert_eq!(
        province["overdue"],
        json!({ "audits": 2, "disclosure": 1, "start": 0, "report": 0, "evaluation": 1, "acceptance": 0, "directoryCycle": 1 })
    );

    // Taiyuan alone; and as of 10 April nothing was overdue yet (Datong's disclosure is due
    // on 15 April, Taiyuan's on 10 April).
    let taiyuan = app
        .ok(Some(city), SUMMARY, json!({ "y": 2025, "c": "140100" }))
        .await["annualSummary"]
        .clone();
    assert_eq!(taiyuan["auditsNotified"], 2);
    assert_eq!(taiyuan["overdue"]["report"], 0);
    assert_eq!(taiyuan["overdue"]["evaluation"], 1);
    let early = app
        .ok(
            Some(admin),
            SUMMARY,
            json!({ "y": 2025, "asOf": "2025-04-10" }),
        )
        .await["annualSummary"]
        .clone();
    assert_eq!(early["overdue"]["audits"], 0);
    // Nothing happened in 2024.
    let quiet = app.ok(Some(admin), SUMMARY, json!({ "y": 2024 })).await["annualSummary"].clone();
    assert_eq!(quiet["auditsNotified"], 0);
    assert_eq!(quiet["evaluations"]["rate"], Value::Null);
    assert_eq!(quiet["evaluations"]["met"], Value::Null);

    // A city admin sees their city (by default too), never another.
    let datong = app.city_admin("140200").await;
    let own = app.ok(Some(&datong), SUMMARY, json!({ "y": 2025 })).await["annualSummary"].clone();
    assert_eq!(
        (own["cityCode"].as_str(), own["auditsNotified"].as_u64()),
        (Some("140200"), Some(1))
    );
    assert_eq!(
        app.code(Some(&datong), SUMMARY, json!({ "y": 2025, "c": "140100" }))
            .await,
        "FORBIDDEN"
    );
    let firm_user = app.consultancy_user(&s.firm["id"]).await;
    assert_eq!(
        app.code(Some(&firm_user), SUMMARY, json!({ "y": 2025 }))
            .await,
        "FORBIDDEN"
    );
    assert_eq!(
        app.code(None, SUMMARY, json!({ "y": 2025 })).await,
        "UNAUTHENTICATED"
    );
    for (vars, field) in [
        (json!({ "y": 1999 }), "year"),
        (json!({ "y": 2025, "c": "999999" }), "cityCode"),
    ] {
        let (code, error) = app.err(Some(admin), SUMMARY, vars).await;
        assert_eq!(
            (code.as_str(), error["extensions"]["field"].as_str()),
            ("BAD_USER_INPUT", Some(field))
        );
    }

    // The CSV: BOM, Chinese headers, a line per city and one for the province.
    let (status, body) = csv(&app, Some(admin), "/reports/annual-summary/2025.csv").await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.starts_with(b"\xEF\xBB\xBF"));
    let text = String::from_utf8(body[3..].to_vec()).expect("utf-8");
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let headers = reader.headers().expect("headers").clone();
    let col = |name: &str| {
        headers
            .iter()
            .position(|h| h == name)
            .unwrap_or_else(|| panic!("no column {name}"))
    };
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.expect("row")).collect();
    assert_eq!(rows.len(), 12);
    let total = &rows[11];
    assert_eq!(&total[col("地区")], "全省");
    assert_eq!(&total[col("下达审核通知数")], "3");
    assert_eq!(&total[col("评估通过率（%）")], "50.00");
    assert_eq!(&total[col("评估是否达标")], "否");
    assert_eq!(&total[col("验收是否达标")], "是");
    assert_eq!(&total[col("无低费方案投资（万元）")], "0.3");
    assert_eq!(&total[col("中高费方案节能（吨标煤/年）")], "12.3456");
    assert_eq!(&total[col("逾期审核数")], "2");
    let taiyuan_row = rows
        .iter()
        .find(|r| &r[col("地区代码")] == "140100")
        .expect("Taiyuan");
    assert_eq!(&taiyuan_row[col("地区")], "太原市");
    assert_eq!(&taiyuan_row[col("下达审核通知数")], "2");

    let (status, body) = csv(&app, Some(city), "/reports/annual-summary/2025.csv").await;
    assert_eq!(status, StatusCode::OK);
    let text = String::from_utf8(body[3..].to_vec()).expect("utf-8");
    assert_eq!(text.lines().count(), 2, "a city admin gets their city");
    let (status, _) = csv(
        &app,
        Some(city),
        "/reports/annual-summary/2025.csv?cityCode=140200",
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = csv(&app, Some(&firm_user), "/reports/annual-summary/2025.csv").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = csv(&app, None, "/reports/annual-summary/2025.csv").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _) = csv(&app, Some("garbage"), "/reports/annual-summary/2025.csv").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _) = csv(&app, Some(admin), "/reports/annual-summary/twenty.csv").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}
db_test!(summary_counts_rates_options_and_overdue);

/// The whole round, all on today's date: directory → list → submission → approval →
/// publication → start → report → evaluation → acceptance, and the summary shows it.
async fn full_lifecycle_from_list_to_accepted_audit(app: TestApp) {
    let s = setting(&app).await;
    let (admin, city) = (&s.admin, &s.city);
    let today = cleanprod::rules::deadlines::today_in_china(chrono::Utc::now());
    let year = today.year();
    app.ok(
        Some(admin),
        "mutation($id: ID!) { addToDirectory(enterpriseId: $id, sinceYear: 2020) { id } }",
        json!({ "id": s.enterprise["id"] }),
    )
    .await;
    let list = app
        .ok(
            Some(city),
            "mutation($y: Int!) { createAnnualAuditList(input: { cityCode: \"140100\", year: $y }) { id } }",
            json!({ "y": year }),
        )
        .await["createAnnualAuditList"]["id"]
        .clone();
    app.ok(
        Some(city),
        "mutation($id: ID!, $e: ID!) { addEnterprisesToAnnualAuditList(listId: $id, enterpriseIds: [$e]) { id } }",
        json!({ "id": list, "e": s.enterprise["id"] }),
    )
    .await;
    let submitted = app
        .ok(
            Some(city),
            "mutation($id: ID!) { submitAnnualAuditList(listId: $id) { late submittedOn } }",
            json!({ "id": list }),
        )
        .await;
    assert_eq!(
        submitted["submitAnnualAuditList"]["late"],
        cleanprod::rules::deadlines::is_late(today, year)
    );
    app.ok(
        Some(admin),
        "mutation($id: ID!) { approveAnnualAuditList(listId: $id) { status } }",
        json!({ "id": list }),
    )
    .await;
    app.ok(
        Some(admin),
        "mutation($id: ID!) { publishAnnualAuditList(listId: $id) { status } }",
        json!({ "id": list }),
    )
    .await;
    app.ok(
        Some(city),
        "mutation($input: IssueAuditNoticesInput!) { issueAuditNotices(input: $input) { id } }",
        json!({ "input": { "listId": list, "noticeDate": today.to_string(), "noticeNumber": "并环发〔2026〕1号" } }),
    )
    .await;
    let audit = app
        .ok(
            Some(city),
            "query($id: ID!) { audits(filter: { enterpriseId: $id }) { edges { node { id status noticeDate } } } }",
            json!({ "id": s.enterprise["id"] }),
        )
        .await["audits"]["edges"][0]["node"]
        .clone();
    assert_eq!(audit["status"], "NOTIFIED");
    assert_eq!(audit["noticeDate"], today.to_string());

    app.ok(Some(city), START, json!({ "id": audit["id"] }))
        .await;
    let reported = app
        .ok(
            Some(city),
            SUBMIT,
            json!({ "id": audit["id"], "input": { "consultancyId": s.firm["id"], "leadAuditorId": s.lead["id"] } }),
        )
        .await;
    let evaluation_due = cleanprod::rules::deadlines::evaluation_due(
        today,
        &cleanprod::rules::deadlines::DeadlinePolicy::default(),
    )
    .expect("in range");
    assert_eq!(
        reported["submitAuditReport"]["evaluationDue"],
        evaluation_due.to_string()
    );
    let evaluated = review(
        &app,
        city,
        &audit,
        "EVALUATION",
        &today.to_string(),
        "PASSED",
    )
    .await;
    let acceptance_due = cleanprod::rules::deadlines::acceptance_due(today).expect("in range");
    assert_eq!(
        evaluated["audit"]["acceptanceDue"],
        acceptance_due.to_string()
    );
    let accepted = review(
        &app,
        city,
        &audit,
        "ACCEPTANCE",
        &today.to_string(),
        "PASSED",
    )
    .await;
    assert_eq!(
        (
            accepted["audit"]["status"].as_str(),
            accepted["audit"]["closed"].as_bool()
        ),
        (Some("ACCEPTED"), Some(true))
    );

    // A review scheduled for tomorrow cannot have an outcome yet.
    let tomorrow = today.succ_opt().expect("in range").to_string();
    let recheck = app
        .ok(
            Some(admin),
            SCHEDULE,
            json!({ "input": { "auditId": audit["id"], "kind": "RECHECK", "date": tomorrow } }),
        )
        .await["scheduleReview"]
        .clone();
    assert_eq!(recheck["organiserCityCode"], Value::Null);
    let (code, error) = app
        .err(
            Some(admin),
            RECORD,
            json!({ "id": recheck["id"], "input": { "outcome": "PASSED", "opinion": "early" } }),
        )
        .await;
    assert_eq!(
        (code.as_str(), error["extensions"]["field"].as_str()),
        ("BAD_USER_INPUT", Some("reviewId"))
    );

    // The directory counts the accepted audit as the cycle's completion.
    let directory = app
        .ok(
            Some(city),
            "{ directory { edges { node { cycleOverdue lastCompletion { kind completedOn audit { id } } } } } }",
            json!({}),
        )
        .await;
    let entry = &directory["directory"]["edges"][0]["node"];
    assert_eq!(entry["cycleOverdue"], false);
    assert_eq!(
        entry["lastCompletion"],
        json!({ "kind": "AUDIT", "completedOn": today.to_string(), "audit": { "id": audit["id"] } })
    );

    // And the year's summary shows the round.
    let summary = app.ok(Some(city), SUMMARY, json!({ "y": year })).await["annualSummary"].clone();
    assert_eq!(
        (
            summary["auditsNotified"].clone(),
            summary["auditsStarted"].clone(),
            summary["reportsSubmitted"].clone(),
            summary["evaluations"]["rate"].clone(),
            summary["acceptances"]["met"].clone(),
            summary["overdue"]["audits"].clone(),
        ),
        (
            json!(1),
            json!(1),
            json!(1),
            json!("100.00"),
            json!(true),
            json!(0)
        )
    );
}
db_test!(full_lifecycle_from_list_to_accepted_audit);
