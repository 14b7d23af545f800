//! The figures officials ask for: a small scenario with known numbers (coverage, pass rates per
//! enterprise and per review, overdue by kind, options, the trend and the breakdowns), the
//! city's scope, who may not read them, bad input, and the export's header and access.

use actix_web::http::StatusCode;
use serde_json::{Value, json};

use crate::audits::{add_option, create_audit, review, setting};
use crate::db_test;
use crate::support::{TestApp, create_enterprise, create_expert, enterprise_input};

pub const FIGURES: &str = "query($f: FiguresFilter!) { figures(filter: $f) { cityCode county sector yearFrom yearTo years { ...Y } byCity { cityCode years { ...Y } } byCounty { cityCode county years { ...Y } } bySector { sector years { ...Y } } } } fragment Y on YearFigures { year asOf coverage { count of rate target met } coverageChange cycleOverdue enterprisePass { count of rate target met } enterprisePassChange enterprisesPassedFirst enterpriseFirstPassRate evaluations { held passed rate target } acceptances { held passed rate } rechecks { held } findingsTotal overdueTotal overdue { kind count } options { kind count implemented investment economicBenefit } }";

/// The officials of the scenario.
pub struct Scenario {
    pub admin: String,
    /// Taiyuan's admin.
    pub city: String,
    /// Datong's admin.
    pub datong: String,
    /// A user of the setting's consultancy.
    pub firm_user: String,
}

async fn member(
    app: &TestApp,
    admin: &str,
    serial: u32,
    city: &str,
    county: &str,
    since: i32,
) -> Value {
    let mut input = enterprise_input(serial);
    input["cityCode"] = json!(city);
    input["county"] = json!(county);
    input["directorySinceYear"] = json!(since);
    create_enterprise(app, admin, input).await
}

/// Three directory members, all steel:
/// - Taiyuan 小店区, since 2021: evaluated (passed) and accepted in 2025, one option;
/// - Taiyuan 迎泽区, since 2021: evaluation failed in July 2025, passed in September;
/// - Datong 平城区, since 2019: notified in March 2025 and nothing since (overdue on its
///   disclosure; its cycle overdue in 2024 and 2025).
pub async fn scenario(app: &TestApp) -> Scenario {
    let s = setting(app).await;
    let (admin, city) = (&s.admin, &s.city);
    let datong = app.city_admin("140200").await;

    let m1 = member(app, admin, 2, "140100", "小店区", 2021).await;
    let a1 = create_audit(app, city, &m1, 2025, "2025-03-10").await;
    s.start(app, city, &a1, "2025-03-20").await;
    s.submit(app, city, &a1, "2025-05-01").await;
    review(app, city, &a1, "EVALUATION", "2025-06-01", "PASSED").await;
    add_option(
        app,
        city,
        &a1,
        json!({ "kind": "NO_LOW_COST", "title": "a", "investment": "0.1", "economicBenefit": "1.25", "implemented": true }),
    )
    .await;
    review(app, city, &a1, "ACCEPTANCE", "2025-11-01", "PASSED").await;

    let m2 = member(app, admin, 3, "140100", "迎泽区", 2021).await;
    let a2 = create_audit(app, city, &m2, 2025, "2025-03-10").await;
    s.start(app, city, &a2, "2025-04-01").await;
    s.submit(app, city, &a2, "2025-06-01").await;
    review(app, city, &a2, "EVALUATION", "2025-07-01", "FAILED").await;
    s.submit(app, city, &a2, "2025-07-15").await;
    review(app, city, &a2, "EVALUATION", "2025-09-01", "PASSED").await;

    let m3 = member(app, admin, 4, "140200", "平城区", 2019).await;
    create_audit(app, &datong, &m3, 2025, "2025-03-10").await;

    Scenario {
        admin: s.admin,
        city: s.city,
        datong,
        firm_user: app.consultancy_user(&s.firm["id"]).await,
    }
}

fn filter(from: i32, to: i32) -> Value {
    json!({ "f": { "yearFrom": from, "yearTo": to } })
}

async fn figures(app: &TestApp, token: &str, variables: Value) -> Value {
    app.ok(Some(token), FIGURES, variables).await["figures"].clone()
}

fn year(series: &Value, y: i64) -> &Value {
    series["years"]
        .as_array()
        .and_then(|ys| ys.iter().find(|v| v["year"] == y))
        .unwrap_or_else(|| panic!("no year {y} in {series:#}"))
}

fn line<'a>(lines: &'a Value, key: &str, value: &str) -> &'a Value {
    lines
        .as_array()
        .and_then(|ls| ls.iter().find(|l| l[key] == value))
        .unwrap_or_else(|| panic!("no {key} {value} in {lines:#}"))
}

/// The province's figures of 2024–2025 with their breakdowns.
async fn figures_of_a_known_scenario(app: TestApp) {
    let s = scenario(&app).await;
    let all = figures(&app, &s.admin, filter(2024, 2025)).await;
    assert_eq!(all["cityCode"], Value::Null);
    assert_eq!(
        (all["yearFrom"].clone(), all["yearTo"].clone()),
        (json!(2024), json!(2025))
    );
    assert_eq!(all["years"].as_array().map(Vec::len), Some(2));

    let y25 = year(&all, 2025);
    assert_eq!(y25["asOf"], "2025-12-31");
    assert_eq!(
        y25["coverage"],
        json!({ "count": 1, "of": 3, "rate": "33.33", "target": "100", "met": false })
    );
    assert_eq!(y25["coverageChange"], "33.33");
    assert_eq!(y25["cycleOverdue"], 1);
    assert_eq!(
        y25["enterprisePass"],
        json!({ "count": 2, "of": 2, "rate": "100.00", "target": "90", "met": true })
    );
    assert_eq!(y25["enterprisePassChange"], Value::Null);
    assert_eq!(y25["enterprisesPassedFirst"], 1);
    assert_eq!(y25["enterpriseFirstPassRate"], "50.00");
    assert_eq!(
        y25["evaluations"],
        json!({ "held": 3, "passed": 2, "rate": "66.67", "target": "90" })
    );
    assert_eq!(
        y25["acceptances"],
        json!({ "held": 1, "passed": 1, "rate": "100.00" })
    );
    assert_eq!(y25["rechecks"]["held"], 0);
    assert_eq!(y25["findingsTotal"], 0);
    assert_eq!(y25["overdueTotal"], 1);
    assert_eq!(
        y25["overdue"],
        json!([
            { "kind": "DISCLOSURE", "count": 1 },
            { "kind": "START", "count": 0 },
            { "kind": "REPORT", "count": 0 },
            { "kind": "EVALUATION", "count": 0 },
            { "kind": "ACCEPTANCE", "count": 0 },
        ])
    );
    assert_eq!(
        y25["options"][0],
        json!({ "kind": "NO_LOW_COST", "count": 1, "implemented": 1, "investment": "0.1", "economicBenefit": "1.25" })
    );
    assert_eq!(y25["options"][1]["count"], 0);

    let y24 = year(&all, 2024);
    assert_eq!(y24["asOf"], "2024-12-31");
    assert_eq!(
        y24["coverage"],
        json!({ "count": 0, "of": 3, "rate": "0.00", "target": "100", "met": false })
    );
    assert_eq!(y24["coverageChange"], Value::Null);
    assert_eq!(y24["cycleOverdue"], 1);
    assert_eq!(y24["enterprisePass"]["rate"], Value::Null);
    assert_eq!(y24["evaluations"]["held"], 0);
    assert_eq!(y24["overdueTotal"], 0);
    assert_eq!(y24["options"][0]["count"], 0);

    // Every city, those without figures included; counties and sectors with figures.
    assert_eq!(all["byCity"].as_array().map(Vec::len), Some(11));
    let taiyuan = year(line(&all["byCity"], "cityCode", "140100"), 2025);
    assert_eq!(taiyuan["coverage"]["rate"], "50.00");
    assert_eq!(taiyuan["enterprisePass"]["of"], 2);
    assert_eq!(taiyuan["overdueTotal"], 0);
    let datong = year(line(&all["byCity"], "cityCode", "140200"), 2025);
    assert_eq!(datong["coverage"]["rate"], "0.00");
    assert_eq!(datong["overdueTotal"], 1);
    let jincheng = year(line(&all["byCity"], "cityCode", "140500"), 2025);
    assert_eq!(jincheng["coverage"]["of"], 0);
    assert_eq!(jincheng["coverage"]["rate"], Value::Null);
    let counties: Vec<(&str, &str)> = all["byCounty"]
        .as_array()
        .expect("counties")
        .iter()
        .map(|c| {
            (
                c["cityCode"].as_str().unwrap_or(""),
                c["county"].as_str().unwrap_or(""),
            )
        })
        .collect();
    assert_eq!(
        counties,
        [
            ("140100", "小店区"),
            ("140100", "迎泽区"),
            ("140200", "平城区")
        ]
    );
    let yingze = year(line(&all["byCounty"], "county", "迎泽区"), 2025);
    assert_eq!(yingze["enterprisesPassedFirst"], 0);
    assert_eq!(yingze["evaluations"]["held"], 2);
    assert_eq!(all["bySector"].as_array().map(Vec::len), Some(1));
    assert_eq!(all["bySector"][0]["sector"], "STEEL");
    assert_eq!(year(&all["bySector"][0], 2025)["coverage"]["of"], 3);

    // Narrowed by county and by sector.
    let county = figures(
        &app,
        &s.admin,
        json!({ "f": { "yearFrom": 2025, "yearTo": 2025, "cityCode": "140100", "county": "迎泽区" } }),
    )
    .await;
    assert_eq!(county["county"], "迎泽区");
    let y = year(&county, 2025);
    assert_eq!(
        (
            y["coverage"]["of"].clone(),
            y["enterprisePass"]["count"].clone()
        ),
        (json!(1), json!(1))
    );
    assert_eq!(y["enterpriseFirstPassRate"], "0.00");
    let chemical = figures(
        &app,
        &s.admin,
        json!({ "f": { "yearFrom": 2025, "yearTo": 2025, "sector": "CHEMICAL" } }),
    )
    .await;
    assert_eq!(chemical["sector"], "CHEMICAL");
    assert_eq!(year(&chemical, 2025)["coverage"]["of"], 0);
    assert_eq!(year(&chemical, 2025)["evaluations"]["held"], 0);
}
db_test!(figures_of_a_known_scenario);

/// A city admin sees their own city (asked or not), never another; the others nothing.
async fn figures_keep_to_the_city_and_the_officials(app: TestApp) {
    let s = scenario(&app).await;
    let own = figures(&app, &s.city, filter(2025, 2025)).await;
    assert_eq!(own["cityCode"], "140100");
    assert_eq!(year(&own, 2025)["coverage"]["of"], 2);
    assert_eq!(own["byCity"].as_array().map(Vec::len), Some(1));
    let asked = figures(
        &app,
        &s.city,
        json!({ "f": { "yearFrom": 2025, "yearTo": 2025, "cityCode": "140100" } }),
    )
    .await;
    assert_eq!(year(&asked, 2025)["coverage"]["of"], 2);
    let other = json!({ "f": { "yearFrom": 2025, "yearTo": 2025, "cityCode": "140200" } });
    assert_eq!(
        app.code(Some(&s.city), FIGURES, other.clone()).await,
        "FORBIDDEN"
    );
    let datong = figures(&app, &s.datong, filter(2025, 2025)).await;
    assert_eq!(year(&datong, 2025)["coverage"]["of"], 1);

    let expert = create_expert(&app, &s.admin, 1).await;
    let expert = app.user_token("EXPERT", None, expert["id"].as_str()).await;
    app.assert_refused(&[expert, s.firm_user.clone()], FIGURES, filter(2025, 2025))
        .await;
}
db_test!(figures_keep_to_the_city_and_the_officials);

/// Bad years, a range over ten years, an unknown city: BAD_USER_INPUT on the field.
async fn figures_refuse_bad_input(app: TestApp) {
    let admin = app.admin().await;
    for (variables, field) in [
        (filter(2016, 2026), "yearTo"),
        (filter(2025, 2024), "yearTo"),
        (filter(1999, 2000), "yearFrom"),
        (filter(2025, 2999), "yearTo"),
        (
            json!({ "f": { "yearFrom": 2025, "yearTo": 2025, "cityCode": "149999" } }),
            "cityCode",
        ),
    ] {
        let (code, error) = app.err(Some(&admin), FIGURES, variables.clone()).await;
        assert_eq!(code, "BAD_USER_INPUT", "{variables}: {error:#}");
        assert_eq!(error["extensions"]["field"], field, "{error:#}");
    }
    // Ten years is the most.
    let ten = figures(&app, &admin, filter(2016, 2025)).await;
    assert_eq!(ten["years"].as_array().map(Vec::len), Some(10));
}
db_test!(figures_refuse_bad_input);

const FIGURE_HEADER: &str = "年度,统计范围,城市,区县,行业,名录企业数,完成审核企业数,审核覆盖率(%),超期未审核企业数,参加评估企业数,评估通过企业数,一次通过企业数,企业评估通过率(%),评估次数,评估通过次数,评估通过率(%),验收次数,验收通过次数,验收通过率(%),复核次数,复核通过次数,复核发现问题数,逾期未公布审核信息,逾期未启动审核,逾期未提交审核报告,逾期未完成评估,逾期未完成验收,方案数,已实施方案数,方案投资(万元),经济效益(万元/年),节能(吨标煤/年),节水(吨/年),削减COD(吨/年),削减氨氮(吨/年),削减二氧化硫(吨/年),削减氮氧化物(吨/年),削减颗粒物(吨/年),削减VOCs(吨/年),减排二氧化碳(吨/年)";

async fn download(app: &TestApp, token: Option<&str>, path: &str) -> (StatusCode, Vec<u8>) {
    let (status, _, body) = app.get(path, token).await;
    (status, body)
}

/// The figures as CSV (BOM, Chinese header, a row per line and year) and XLSX, with the
/// query's access.
async fn figures_export_as_csv_and_xlsx(app: TestApp) {
    let s = scenario(&app).await;
    let (status, body) = download(
        &app,
        Some(&s.admin),
        "/exports/figures.csv?yearFrom=2024&yearTo=2025",
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{}", String::from_utf8_lossy(&body));
    let text = String::from_utf8(body).expect("UTF-8");
    let text = text.strip_prefix('\u{feff}').expect("a BOM");
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], FIGURE_HEADER);
    // The total, 11 cities, 3 counties and 1 sector, two years each.
    assert_eq!(lines.len(), 1 + 2 * (1 + 11 + 3 + 1), "{text}");
    assert!(
        lines[1].starts_with("2024,合计,全省,,,3,0,0,1,0,0,0,,0,0,,"),
        "{}",
        lines[1]
    );
    assert!(
        lines[2].starts_with(
            "2025,合计,全省,,,3,1,33.33,1,2,2,1,100,3,2,66.67,1,1,100,0,0,0,1,0,0,0,0,1,1,0.1,1.25,"
        ),
        "{}",
        lines[2]
    );
    assert!(text.contains("2025,城市,太原市,,,2,1,50,"), "{text}");
    assert!(text.contains("2025,区县,大同市,平城区,,1,0,0,1,"), "{text}");
    assert!(text.contains("2025,行业,,,钢铁,3,"), "{text}");

    let (status, body) = download(&app, Some(&s.city), "/exports/figures.xlsx?year=2025").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(&body[..2], b"PK");
    let (status, body) = download(&app, Some(&s.city), "/exports/figures.csv?year=2025").await;
    assert_eq!(status, StatusCode::OK);
    let own = String::from_utf8(body).expect("UTF-8");
    assert!(own.contains("2025,合计,太原市,,,2,1,50,"), "{own}");
    assert!(!own.contains("大同市"), "{own}");

    for (token, path, want) in [
        (
            Some(s.city.as_str()),
            "/exports/figures.csv?year=2025&cityCode=140200",
            StatusCode::FORBIDDEN,
        ),
        (
            Some(s.firm_user.as_str()),
            "/exports/figures.csv?year=2025",
            StatusCode::FORBIDDEN,
        ),
        (
            None,
            "/exports/figures.xlsx?year=2025",
            StatusCode::UNAUTHORIZED,
        ),
        (
            Some(s.admin.as_str()),
            "/exports/figures.csv?yearFrom=2010&yearTo=2025",
            StatusCode::BAD_REQUEST,
        ),
        (
            Some(s.admin.as_str()),
            "/exports/figures.csv?yearFrom=x",
            StatusCode::BAD_REQUEST,
        ),
    ] {
        let (status, body) = download(&app, token, path).await;
        assert_eq!(status, want, "{path}: {}", String::from_utf8_lossy(&body));
    }
}
db_test!(figures_export_as_csv_and_xlsx);
