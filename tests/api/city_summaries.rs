//! The city's yearly summary as a report: submitted with its figures frozen, late after the
//! end of March, received or returned by the province, a returned one resubmitted; the
//! province and the city hear of each other's steps; who may not.

use chrono::{Datelike, Utc};
use serde_json::{Value, json};

use cleanprod::services::notifications::calendar::send_calendar_reminders;

use crate::audits::{create_audit, setting};
use crate::db_test;
use crate::support::{TestApp, cast, create_enterprise, enterprise_input, heard};

const SUBMIT: &str = "mutation($input: SubmitCitySummaryInput!) { submitCitySummary(input: $input) { id year cityCode status late version submittedOn optionsCarriedOut benefits problems other returnReason figures { year cityCode auditsNotified } history { status reason } } }";
const RECEIVE: &str = "mutation($id: ID!) { receiveCitySummary(id: $id) { id status decidedById decidedAt version } }";
const RETURN: &str = "mutation($id: ID!, $reason: String!) { returnCitySummary(id: $id, reason: $reason) { id status returnReason version } }";
const ONE: &str = "query($y: Int!, $c: String!) { citySummary(year: $y, cityCode: $c) { id status late figures { auditsNotified } history { status reason } } }";
const ALL: &str =
    "query($y: Int!) { citySummaries(year: $y) { cityCode status submitted summary { id } } }";
const LIVE: &str =
    "query($y: Int!, $c: String) { annualSummary(year: $y, cityCode: $c) { auditsNotified } }";

/// Last year: the most recent one a summary may be given for.
fn last_year() -> i32 {
    Utc::now().year() - 1
}

/// Whether a summary of last year submitted now is late (after 31 March).
fn late_now() -> bool {
    (Utc::now() + chrono::Duration::hours(8))
        .date_naive()
        .month()
        > 3
}

fn input(year: i32, city: &str) -> Value {
    json!({ "input": {
        "year": year,
        "cityCode": city,
        "optionsCarriedOut": "实施无低费方案120项、中高费方案35项",
        "benefits": "年节能1.2万吨标煤",
        "problems": "部分企业中高费方案推进缓慢",
        "other": "无",
    } })
}

async fn counts(app: &TestApp) -> (i64, i64, i64, i64) {
    (
        app.count("city_summaries").await,
        app.count("city_summary_changes").await,
        app.count("notifications").await,
        app.count("audit_log").await,
    )
}

/// Submitting the city's summary again is refused (CONFLICT) and writes nothing.
async fn resubmit_conflicts(app: &TestApp, city: &str, year: i32) {
    let before = counts(app).await;
    let again = app.code(Some(city), SUBMIT, input(year, "140100")).await;
    assert_eq!(again, "CONFLICT");
    assert_eq!(counts(app).await, before);
}

/// Submitted with the figures as they were; later data does not move them; the province is
/// told; returned with a reason, resubmitted, received; the city is told each time.
pub(crate) async fn submit_return_resubmit_receive(app: TestApp) {
    let s = setting(&app).await;
    let (admin, city) = (&s.admin, &s.city);
    let year = last_year();
    create_audit(&app, city, &s.enterprise, year, &format!("{year}-03-10")).await;

    let submitted =
        app.ok(Some(city), SUBMIT, input(year, "140100")).await["submitCitySummary"].clone();
    assert_eq!(submitted["status"], "SUBMITTED");
    assert_eq!(submitted["year"], year);
    assert_eq!(submitted["cityCode"], "140100");
    assert_eq!(submitted["late"], late_now());
    assert_eq!(submitted["version"], 1);
    assert_eq!(submitted["other"], "无");
    assert!(submitted["submittedOn"].is_string());
    assert_eq!(submitted["figures"]["auditsNotified"], 1);
    assert_eq!(submitted["figures"]["cityCode"], "140100");
    assert_eq!(
        submitted["history"],
        json!([{ "status": "SUBMITTED", "reason": null }])
    );

    // The data changes afterwards: the live summary moves, the submitted one does not.
    let e2 = create_enterprise(&app, admin, enterprise_input(2)).await;
    create_audit(&app, city, &e2, year, &format!("{year}-04-10")).await;
    let live = app
        .ok(Some(admin), LIVE, json!({ "y": year, "c": "140100" }))
        .await;
    assert_eq!(live["annualSummary"]["auditsNotified"], 2);
    let kept = app
        .ok(Some(admin), ONE, json!({ "y": year, "c": "140100" }))
        .await;
    assert_eq!(kept["citySummary"]["figures"]["auditsNotified"], 1);

    let told = heard(&app, admin, "SUMMARY_SUBMITTED").await;
    assert_eq!(told.len(), 1);
    assert_eq!(
        told[0]["title"],
        format!("年度工作总结已报送：太原市{year}年")
    );
    assert_eq!(told[0]["subjectId"], submitted["id"]);
    assert!(heard(&app, city, "SUMMARY_SUBMITTED").await.is_empty());

    // Submitted already: not again until returned.
    resubmit_conflicts(&app, city, year).await;

    let returned = app
        .ok(
            Some(admin),
            RETURN,
            json!({ "id": submitted["id"], "reason": "未说明存在问题的整改措施" }),
        )
        .await["returnCitySummary"]
        .clone();
    assert_eq!(returned["status"], "RETURNED");
    assert_eq!(returned["returnReason"], "未说明存在问题的整改措施");
    assert_eq!(returned["version"], 2);
    let decided = heard(&app, city, "SUMMARY_DECIDED").await;
    assert_eq!(decided.len(), 1);
    assert_eq!(decided[0]["title"], format!("年度工作总结被退回：{year}年"));
    assert!(
        decided[0]["body"]
            .as_str()
            .is_some_and(|b| b.contains("未说明存在问题的整改措施"))
    );

    // A returned one is neither received nor returned again.
    let before = counts(&app).await;
    assert_eq!(
        app.code(Some(admin), RECEIVE, json!({ "id": submitted["id"] }))
            .await,
        "CONFLICT"
    );
    assert_eq!(
        app.code(
            Some(admin),
            RETURN,
            json!({ "id": submitted["id"], "reason": "再退" })
        )
        .await,
        "CONFLICT"
    );
    assert_eq!(counts(&app).await, before);

    // Revised and resubmitted: the figures are those of now.
    let mut revised = input(year, "140100");
    revised["input"]["problems"] = json!("中高费方案推进缓慢；整改措施：建立月调度");
    let again = app.ok(Some(city), SUBMIT, revised).await["submitCitySummary"].clone();
    assert_eq!(again["id"], submitted["id"]);
    assert_eq!(again["status"], "SUBMITTED");
    assert_eq!(again["version"], 3);
    assert_eq!(
        again["problems"],
        "中高费方案推进缓慢；整改措施：建立月调度"
    );
    assert_eq!(again["figures"]["auditsNotified"], 2);
    assert_eq!(heard(&app, admin, "SUMMARY_SUBMITTED").await.len(), 2);

    let received = app
        .ok(Some(admin), RECEIVE, json!({ "id": submitted["id"] }))
        .await["receiveCitySummary"]
        .clone();
    assert_eq!(received["status"], "RECEIVED");
    assert!(received["decidedAt"].is_string());
    assert_eq!(received["version"], 4);
    let decided = heard(&app, city, "SUMMARY_DECIDED").await;
    assert_eq!(decided.len(), 2);
    assert_eq!(decided[0]["title"], format!("年度工作总结已接收：{year}年"));
    resubmit_conflicts(&app, city, year).await;

    let history = app
        .ok(Some(city), ONE, json!({ "y": year, "c": "140100" }))
        .await["citySummary"]["history"]
        .clone();
    assert_eq!(
        history,
        json!([
            { "status": "SUBMITTED", "reason": null },
            { "status": "RETURNED", "reason": "未说明存在问题的整改措施" },
            { "status": "SUBMITTED", "reason": null },
            { "status": "RECEIVED", "reason": null },
        ])
    );

    // The province sees all 11 cities, those that have not submitted as DRAFT; a city its own.
    let all = app.ok(Some(admin), ALL, json!({ "y": year })).await["citySummaries"].clone();
    let all = all.as_array().expect("cities");
    assert_eq!(all.len(), 11);
    let taiyuan = all
        .iter()
        .find(|c| c["cityCode"] == "140100")
        .expect("taiyuan");
    assert_eq!(taiyuan["status"], "RECEIVED");
    assert_eq!(taiyuan["submitted"], true);
    let datong = all
        .iter()
        .find(|c| c["cityCode"] == "140200")
        .expect("datong");
    assert_eq!(datong["status"], "DRAFT");
    assert_eq!(datong["submitted"], false);
    assert_eq!(datong["summary"], Value::Null);
    let own = app.ok(Some(city), ALL, json!({ "y": year })).await["citySummaries"].clone();
    assert_eq!(own.as_array().map(Vec::len), Some(1));
    assert_eq!(own[0]["cityCode"], "140100");
}
db_test!(submit_return_resubmit_receive);

/// A summary of a long-past year is late; one of the current or a future year is refused.
async fn late_and_the_year(app: TestApp) {
    let city = app.city_admin("140100").await;
    let old = app.ok(Some(&city), SUBMIT, input(2020, "140100")).await["submitCitySummary"].clone();
    assert_eq!(old["late"], true);
    assert_eq!(old["figures"]["auditsNotified"], 0);
    let before = counts(&app).await;
    for year in [last_year() + 1, last_year() + 2] {
        let (code, error) = app.err(Some(&city), SUBMIT, input(year, "140100")).await;
        assert_eq!(code, "BAD_USER_INPUT", "{year}");
        assert_eq!(error["extensions"]["field"], "year", "{error}");
    }
    assert_eq!(counts(&app).await, before);
}
db_test!(late_and_the_year);

/// Blank or too long narrative parts, a blank return reason: a clear error on the field, and
/// nothing written.
async fn bad_input_writes_nothing(app: TestApp) {
    let admin = app.admin().await;
    let city = app.city_admin("140100").await;
    let year = last_year();
    let before = counts(&app).await;
    for (field, value) in [
        ("optionsCarriedOut", json!("  ")),
        ("benefits", json!("")),
        ("problems", json!("\n")),
        ("other", json!("长".repeat(10_001))),
        ("benefits", json!("长".repeat(10_001))),
    ] {
        let mut bad = input(year, "140100");
        bad["input"][field] = value;
        let (code, error) = app.err(Some(&city), SUBMIT, bad).await;
        assert_eq!(code, "BAD_USER_INPUT", "{field}");
        assert_eq!(error["extensions"]["field"], field, "{error}");
    }
    assert_eq!(counts(&app).await, before);

    let id =
        app.ok(Some(&city), SUBMIT, input(year, "140100")).await["submitCitySummary"]["id"].clone();
    let before = counts(&app).await;
    let (code, error) = app
        .err(Some(&admin), RETURN, json!({ "id": id, "reason": " " }))
        .await;
    assert_eq!(code, "BAD_USER_INPUT");
    assert_eq!(error["extensions"]["field"], "reason", "{error}");
    assert_eq!(
        app.code(
            Some(&admin),
            RECEIVE,
            json!({ "id": "00000000-0000-0000-0000-000000000000" })
        )
        .await,
        "NOT_FOUND"
    );
    assert_eq!(counts(&app).await, before);
}
db_test!(bad_input_writes_nothing);

/// Another city, the province (submitting), an enterprise, a consultancy, an expert and
/// anonymous may not submit; only the province receives or returns; reading is the city's and
/// the province's.
async fn who_may_not(app: TestApp) {
    let (admin, taiyuan, datong, enterprise, consultancy, expert, _) = cast(&app).await;
    let year = last_year();

    let before = counts(&app).await;
    let refused = [&datong, &admin, &enterprise, &consultancy, &expert];
    app.assert_refused(&refused, SUBMIT, input(year, "140100"))
        .await;
    assert_eq!(counts(&app).await, before);

    let id = app.ok(Some(&taiyuan), SUBMIT, input(year, "140100")).await["submitCitySummary"]["id"]
        .clone();
    let before = counts(&app).await;
    let refused = [&taiyuan, &datong, &enterprise, &consultancy, &expert];
    app.assert_refused(&refused, RECEIVE, json!({ "id": id }))
        .await;
    let vars = json!({ "id": id, "reason": "退回" });
    app.assert_refused(&refused, RETURN, vars).await;
    assert_eq!(counts(&app).await, before);

    for (token, code) in [
        (Some(&datong), "FORBIDDEN"),
        (Some(&enterprise), "FORBIDDEN"),
        (Some(&consultancy), "FORBIDDEN"),
        (Some(&expert), "FORBIDDEN"),
        (None, "UNAUTHENTICATED"),
    ] {
        let token = token.map(String::as_str);
        assert_eq!(
            app.code(token, ONE, json!({ "y": year, "c": "140100" }))
                .await,
            code,
            "one"
        );
        if token != Some(datong.as_str()) {
            assert_eq!(
                app.code(token, ALL, json!({ "y": year })).await,
                code,
                "all"
            );
        }
    }
    // Another city's list is its own only.
    let theirs = app.ok(Some(&datong), ALL, json!({ "y": year })).await["citySummaries"].clone();
    assert_eq!(
        theirs,
        json!([{ "cityCode": "140200", "status": "DRAFT", "submitted": false, "summary": null }])
    );
}
db_test!(who_may_not);

/// The SUMMARY_DUE reminder stops for a city once it has submitted: the day before the end of
/// March, Taiyuan (submitted) hears nothing of last year's summary, Datong still does.
async fn submitted_ends_the_reminder(app: TestApp) {
    let taiyuan = app.city_admin("140100").await;
    let datong = app.city_admin("140200").await;
    let year = last_year();
    app.ok(Some(&taiyuan), SUBMIT, input(year, "140100")).await;
    let on = chrono::NaiveDate::from_ymd_opt(year + 1, 3, 30).expect("date");
    send_calendar_reminders(&app.state.services.db, &[30, 7, 1], on)
        .await
        .expect("calendar job");
    assert!(heard(&app, &taiyuan, "SUMMARY_DUE").await.is_empty());
    let theirs = heard(&app, &datong, "SUMMARY_DUE").await;
    assert_eq!(theirs.len(), 1);
    assert_eq!(
        theirs[0]["title"],
        format!("年度工作总结报送提醒：大同市{year}年度")
    );
}
db_test!(submitted_ends_the_reminder);
