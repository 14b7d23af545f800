//! The province's yearly assessment of a city (目标责任制考核): items set with weights adding
//! up to 100, the sheet computed from the figures and scored by hand, finalised and frozen;
//! bad input writes nothing; who may not; the export.

use actix_web::http::StatusCode;
use serde_json::{Value, json};

use crate::db_test;
use crate::figures::scenario;
use crate::support::{TestApp, create_enterprise, create_expert, enterprise_input};

const SET: &str = "mutation($input: SetAssessmentItemsInput!) { setAssessmentItems(input: $input) { code title weight kind figure figureLabel target method position } }";
const ITEMS: &str = "query($y: Int!) { assessmentItems(year: $y) { code weight kind } }";
const SHEET: &str = "query($c: String!, $y: Int!) { assessmentSheet(cityCode: $c, year: $y) { cityCode year status total complete version finalisedAt lines { item { code weight kind } value score note scoredById } } }";
const SCORE: &str = "mutation($input: ScoreAssessmentItemInput!) { scoreAssessmentItem(input: $input) { status total complete version lines { item { code } score note } } }";
const FINALISE: &str = "mutation($c: String!, $y: Int!) { finaliseAssessmentSheet(cityCode: $c, year: $y) { status total complete version finalisedAt lines { item { code } value score } } }";

fn items(year: i32, manual_weight: i32) -> Value {
    json!({ "input": { "year": year, "items": [
        { "code": "A1", "title": "名录企业审核覆盖率", "weight": 40, "figure": "COVERAGE_RATE", "target": "100" },
        { "code": "A2", "title": "企业评估通过率", "weight": 30, "figure": "ENTERPRISE_PASS_RATE", "target": "90", "method": "ALL_OR_NOTHING" },
        { "code": "B1", "title": "年度工作总结报送及问题整改", "weight": manual_weight },
    ] } })
}

fn score(city: &str, item: &str, points: &str) -> Value {
    json!({ "input": { "cityCode": city, "year": 2025, "itemCode": item, "score": points, "note": "按时报送年度工作总结" } })
}

fn sheet_vars(city: &str, year: i32) -> Value {
    json!({ "c": city, "y": year })
}

async fn counts(app: &TestApp) -> (i64, i64, i64, i64) {
    (
        app.count("assessment_items").await,
        app.count("assessment_sheets").await,
        app.count("assessment_scores").await,
        app.count("audit_log").await,
    )
}

/// Refused with `code` (on `field` for bad input), and nothing written.
async fn refused(
    app: &TestApp,
    token: &str,
    query: &str,
    variables: Value,
    code: &str,
    field: Option<&str>,
) {
    let before = counts(app).await;
    let (got, error) = app.err(Some(token), query, variables).await;
    assert_eq!(got, code, "{error:#}");
    if let Some(field) = field {
        assert_eq!(error["extensions"]["field"], field, "{error:#}");
    }
    assert_eq!(counts(app).await, before, "nothing written");
}

/// Items set, the sheet computed and scored, finalised and frozen.
pub(crate) async fn set_score_and_finalise(app: TestApp) {
    let s = scenario(&app).await;
    let admin = &s.admin;

    // Weights that do not add up to 100 are refused whole; so are a city admin's items.
    refused(
        &app,
        admin,
        SET,
        items(2025, 20),
        "BAD_USER_INPUT",
        Some("items"),
    )
    .await;
    let mut stray = items(2025, 30);
    stray["input"]["items"][2]["target"] = json!("50");
    refused(
        &app,
        admin,
        SET,
        stray,
        "BAD_USER_INPUT",
        Some("items[2].figure"),
    )
    .await;
    let mut dup = items(2025, 30);
    dup["input"]["items"][1]["code"] = json!("A1");
    refused(
        &app,
        admin,
        SET,
        dup,
        "BAD_USER_INPUT",
        Some("items[1].code"),
    )
    .await;
    refused(&app, &s.city, SET, items(2025, 30), "FORBIDDEN", None).await;

    let set = app.ok(Some(admin), SET, items(2025, 30)).await["setAssessmentItems"].clone();
    assert_eq!(
        set[0],
        json!({ "code": "A1", "title": "名录企业审核覆盖率", "weight": 40, "kind": "COMPUTED", "figure": "COVERAGE_RATE", "figureLabel": "名录企业审核覆盖率", "target": "100", "method": "PROPORTIONAL", "position": 0 })
    );
    assert_eq!(set[1]["method"], "ALL_OR_NOTHING");
    assert_eq!(set[2]["kind"], "MANUAL");
    assert_eq!(set[2]["figure"], Value::Null);
    // Set again: replaced, not added.
    app.ok(Some(admin), SET, items(2025, 30)).await;
    assert_eq!(app.count("assessment_items").await, 3);
    let read = app.ok(Some(&s.city), ITEMS, json!({ "y": 2025 })).await;
    assert_eq!(read["assessmentItems"].as_array().map(Vec::len), Some(3));

    // Computed live: Taiyuan's coverage is 50 % of 100 → 20 of 40; its enterprises all
    // passed (100 % ≥ 90 %) → 30; the manual item is not scored yet.
    let sheet =
        app.ok(Some(admin), SHEET, sheet_vars("140100", 2025)).await["assessmentSheet"].clone();
    assert_eq!(sheet["status"], "OPEN");
    assert_eq!(sheet["version"], 0);
    assert_eq!(sheet["complete"], false);
    assert_eq!(sheet["total"], "50");
    assert_eq!(
        (
            sheet["lines"][0]["value"].clone(),
            sheet["lines"][0]["score"].clone()
        ),
        (json!("50"), json!("20"))
    );
    assert_eq!(
        (
            sheet["lines"][1]["value"].clone(),
            sheet["lines"][1]["score"].clone()
        ),
        (json!("100"), json!("30"))
    );
    assert_eq!(sheet["lines"][2]["score"], Value::Null);

    // Not before every manual item has its score; a score over the weight, a computed item,
    // an unknown item, no note: refused, nothing written.
    refused(
        &app,
        admin,
        FINALISE,
        sheet_vars("140100", 2025),
        "BAD_USER_INPUT",
        Some("itemCode"),
    )
    .await;
    for (city, item, points, field) in [
        ("140100", "B1", "30.5", "score"),
        ("140100", "B1", "-1", "score"),
        ("140100", "B1", "1.005", "score"),
        ("140100", "A1", "10", "itemCode"),
        ("140100", "C9", "10", "itemCode"),
    ] {
        let vars = score(city, item, points);
        refused(&app, admin, SCORE, vars, "BAD_USER_INPUT", Some(field)).await;
    }
    let mut silent = score("140100", "B1", "10");
    silent["input"]["note"] = json!(" ");
    refused(&app, admin, SCORE, silent, "BAD_USER_INPUT", Some("note")).await;
    refused(
        &app,
        admin,
        SCORE,
        score("149999", "B1", "10"),
        "BAD_USER_INPUT",
        Some("cityCode"),
    )
    .await;
    refused(
        &app,
        &s.city,
        SCORE,
        score("140100", "B1", "10"),
        "FORBIDDEN",
        None,
    )
    .await;

    let scored = app
        .ok(Some(admin), SCORE, score("140100", "B1", "25.5"))
        .await["scoreAssessmentItem"]
        .clone();
    assert_eq!(scored["total"], "75.5");
    assert_eq!(scored["complete"], true);
    assert_eq!(scored["version"], 1);
    assert_eq!(scored["lines"][2]["note"], "按时报送年度工作总结");
    let rescored = app
        .ok(Some(admin), SCORE, score("140100", "B1", "26"))
        .await["scoreAssessmentItem"]
        .clone();
    assert_eq!(rescored["total"], "76");
    assert_eq!(rescored["version"], 2);
    assert_eq!(app.count("assessment_scores").await, 1);

    // The city reads its own sheet; no one else's; the others nothing.
    let own = app
        .ok(Some(&s.city), SHEET, sheet_vars("140100", 2025))
        .await;
    assert_eq!(own["assessmentSheet"]["total"], "76");
    assert_eq!(
        app.code(Some(&s.datong), SHEET, sheet_vars("140100", 2025))
            .await,
        "FORBIDDEN"
    );
    let expert = create_expert(&app, admin, 1).await;
    let expert = app.user_token("EXPERT", None, expert["id"].as_str()).await;
    app.assert_refused(
        &[expert, s.firm_user.clone(), s.datong.clone()],
        SHEET,
        sheet_vars("140100", 2025),
    )
    .await;
    app.assert_refused(
        &[s.city.clone(), s.firm_user.clone()],
        FINALISE,
        sheet_vars("140100", 2025),
    )
    .await;
    // A year that runs is not finalised.
    refused(
        &app,
        admin,
        FINALISE,
        sheet_vars("140100", 2026),
        "BAD_USER_INPUT",
        Some("year"),
    )
    .await;

    let done = app
        .ok(Some(admin), FINALISE, sheet_vars("140100", 2025))
        .await["finaliseAssessmentSheet"]
        .clone();
    assert_eq!(done["status"], "FINALISED");
    assert_eq!(done["total"], "76");
    assert_eq!(done["version"], 3);
    assert!(done["finalisedAt"].is_string());

    // The data moves on (a new member never audited: Taiyuan's coverage is 1 of 3 now): the
    // finalised sheet does not, and nothing on it changes any more.
    let mut input = enterprise_input(9);
    input["directorySinceYear"] = json!(2022);
    create_enterprise(&app, admin, input).await;
    let frozen = app
        .ok(Some(&s.city), SHEET, sheet_vars("140100", 2025))
        .await["assessmentSheet"]
        .clone();
    assert_eq!(frozen["status"], "FINALISED");
    assert_eq!(
        (
            frozen["lines"][0]["value"].clone(),
            frozen["lines"][0]["score"].clone()
        ),
        (json!("50"), json!("20"))
    );
    assert_eq!(frozen["total"], "76");
    let datong =
        app.ok(Some(admin), SHEET, sheet_vars("140200", 2025)).await["assessmentSheet"].clone();
    assert_eq!(datong["status"], "OPEN");
    refused(
        &app,
        admin,
        SCORE,
        score("140100", "B1", "20"),
        "CONFLICT",
        None,
    )
    .await;
    refused(
        &app,
        admin,
        FINALISE,
        sheet_vars("140100", 2025),
        "CONFLICT",
        None,
    )
    .await;
    refused(&app, admin, SET, items(2025, 30), "CONFLICT", None).await;

    // Each change is in the audit log.
    let log = "query { auditLog(first: 50) { edges { node { operation entityType } } } }";
    let entries = app.ok(Some(admin), log, json!({})).await;
    let operations: Vec<&str> = entries["auditLog"]["edges"]
        .as_array()
        .expect("entries")
        .iter()
        .filter_map(|e| e["node"]["operation"].as_str())
        .collect();
    for op in [
        "setAssessmentItems",
        "scoreAssessmentItem",
        "finaliseAssessmentSheet",
    ] {
        assert!(operations.contains(&op), "{op} in {operations:?}");
    }
}
db_test!(set_score_and_finalise);

/// Replacing the items clears the manual scores that no longer fit them.
async fn replaced_items_clear_scores_that_no_longer_fit(app: TestApp) {
    let admin = app.admin().await;
    app.ok(Some(&admin), SET, items(2025, 30)).await;
    app.ok(Some(&admin), SCORE, score("140100", "B1", "25"))
        .await;
    app.ok(Some(&admin), SCORE, score("140200", "B1", "10"))
        .await;
    // B1 now weighs 20: the 25 goes, the 10 stays.
    let mut lighter = items(2025, 20);
    lighter["input"]["items"][0]["weight"] = json!(50);
    app.ok(Some(&admin), SET, lighter).await;
    let taiyuan = app
        .ok(Some(&admin), SHEET, sheet_vars("140100", 2025))
        .await;
    assert_eq!(taiyuan["assessmentSheet"]["lines"][2]["score"], Value::Null);
    let datong = app
        .ok(Some(&admin), SHEET, sheet_vars("140200", 2025))
        .await;
    assert_eq!(datong["assessmentSheet"]["lines"][2]["score"], "10");
    // No items for a year: an empty sheet, and nothing to finalise.
    let empty = app
        .ok(Some(&admin), SHEET, sheet_vars("140100", 2024))
        .await;
    assert_eq!(empty["assessmentSheet"]["lines"], json!([]));
    assert_eq!(empty["assessmentSheet"]["total"], "0");
    refused(
        &app,
        &admin,
        FINALISE,
        sheet_vars("140100", 2024),
        "BAD_USER_INPUT",
        Some("year"),
    )
    .await;
    refused(
        &app,
        &admin,
        SHEET,
        sheet_vars("149999", 2025),
        "BAD_USER_INPUT",
        Some("cityCode"),
    )
    .await;
}
db_test!(replaced_items_clear_scores_that_no_longer_fit);

const ASSESSMENT_HEADER: &str = "年度,城市,考核表状态,项目代码,考核项目,分值,评分方式,考核指标,目标值(%),实际值(%),得分,评分说明,考核总分";

/// The sheets as CSV and XLSX: every city's for the province, its own for a city admin.
async fn assessment_exports(app: TestApp) {
    let admin = app.admin().await;
    let city = app.city_admin("140100").await;
    app.ok(Some(&admin), SET, items(2025, 30)).await;
    app.ok(Some(&admin), SCORE, score("140100", "B1", "25"))
        .await;

    let (status, _, body) = app
        .get("/exports/assessment.csv?year=2025", Some(&admin))
        .await;
    assert_eq!(status, StatusCode::OK, "{}", String::from_utf8_lossy(&body));
    let text = String::from_utf8(body).expect("UTF-8");
    let text = text.strip_prefix('\u{feff}').expect("a BOM");
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], ASSESSMENT_HEADER);
    assert_eq!(lines.len(), 1 + 11 * 3, "{text}");
    assert!(
        text.contains("2025,太原市,评分中,B1,年度工作总结报送及问题整改,30,人工评分,,,,25,按时报送年度工作总结,25"),
        "{text}"
    );
    assert!(text.contains("2025,太原市,评分中,A1,名录企业审核覆盖率,40,按完成比例得分,名录企业审核覆盖率,100,,0,,25"), "{text}");

    let (status, _, body) = app
        .get("/exports/assessment.csv?year=2025", Some(&city))
        .await;
    assert_eq!(status, StatusCode::OK);
    let own = String::from_utf8(body).expect("UTF-8");
    assert_eq!(own.lines().count(), 1 + 3, "{own}");
    let (status, _, body) = app
        .get("/exports/assessment.xlsx?year=2025", Some(&city))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(&body[..2], b"PK");

    let expert = create_expert(&app, &admin, 1).await;
    let expert = app.user_token("EXPERT", None, expert["id"].as_str()).await;
    for (token, path, want) in [
        (
            Some(city.as_str()),
            "/exports/assessment.csv?year=2025&cityCode=140200",
            StatusCode::FORBIDDEN,
        ),
        (
            Some(expert.as_str()),
            "/exports/assessment.csv?year=2025",
            StatusCode::FORBIDDEN,
        ),
        (
            None,
            "/exports/assessment.csv?year=2025",
            StatusCode::UNAUTHORIZED,
        ),
    ] {
        let (status, _, body) = app.get(path, token).await;
        assert_eq!(status, want, "{path}: {}", String::from_utf8_lossy(&body));
    }
}
db_test!(assessment_exports);
