//! Exports as files (`/exports/{dataset}.{csv|xlsx}`): each dataset's Chinese header line, the
//! same scope as its GraphQL query (a city admin's file holds its city only, the expert pool is
//! masked for those who may not see personal data), and who may not download.

use actix_web::http::StatusCode;
use serde_json::json;

use crate::db_test;
use crate::support::{TestApp, create_enterprise, create_expert, enterprise_input, expert_input};

/// The text of a CSV download, after checking its status, type and BOM.
async fn csv_text(app: &TestApp, token: &str, path: &str) -> String {
    let (status, headers, body) = app.get(path, Some(token)).await;
    assert_eq!(
        status,
        StatusCode::OK,
        "{path}: {}",
        String::from_utf8_lossy(&body)
    );
    assert_eq!(
        headers.get("content-type").and_then(|v| v.to_str().ok()),
        Some("text/csv; charset=utf-8")
    );
    assert_eq!(
        headers.get("cache-control").and_then(|v| v.to_str().ok()),
        Some("no-store")
    );
    let text = String::from_utf8(body).expect("UTF-8");
    text.strip_prefix('\u{feff}')
        .unwrap_or_else(|| panic!("{path}: no BOM"))
        .to_owned()
}

fn header_line(text: &str) -> &str {
    text.lines().next().unwrap_or_default()
}

async fn member(app: &TestApp, admin: &str, serial: u32, city: &str) {
    let mut input = enterprise_input(serial);
    input["cityCode"] = json!(city);
    input["directorySinceYear"] = json!(2021);
    create_enterprise(app, admin, input).await;
}

/// Every dataset has its header line, in CSV and XLSX.
async fn every_export_has_its_headers(app: TestApp) {
    let admin = app.admin().await;
    let expected = [
        (
            "directory",
            "企业名称,统一社会信用代码,所在城市,所在区县,行业代码,行业类别,纳入名录年度,最近完成审核日期,本轮审核期限,是否超期未审核",
        ),
        (
            "annual-lists",
            "年度,所在城市,名单状态,企业名称,统一社会信用代码,所在区县,公示日期,书面通知日期,通知文号,通知是否逾期",
        ),
        (
            "overdue-audits",
            "企业名称,统一社会信用代码,所在城市,审核年度,审核状态,逾期事项,应完成日期,逾期天数",
        ),
        (
            "reviews",
            "评审日期,评审类型,评审状态,企业名称,统一社会信用代码,所在城市,组织单位,评审结论,得分",
        ),
        (
            "experts",
            "姓名,性别,身份证号,手机号,工作单位,所在城市,职称,从业年限,聘期起,聘期止,状态,行业,专业领域",
        ),
        (
            "violations",
            "对象类型,对象名称,统一社会信用代码,所在城市,违规类型,严重程度,决定日期,决定文号,处理措施,公示状态",
        ),
        (
            "recheck-findings",
            "复核年度,所在城市,企业名称,问题类型,问题描述,咨询机构,记录日期",
        ),
    ];
    for (dataset, headers) in expected {
        let text = csv_text(&app, &admin, &format!("/exports/{dataset}.csv")).await;
        assert_eq!(header_line(&text), headers, "{dataset}");
        let (status, response, body) = app
            .get(&format!("/exports/{dataset}.xlsx"), Some(&admin))
            .await;
        assert_eq!(status, StatusCode::OK, "{dataset}.xlsx");
        assert_eq!(
            response.get("content-type").and_then(|v| v.to_str().ok()),
            Some("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        );
        assert_eq!(&body[..2], b"PK", "{dataset}.xlsx is a ZIP container");
    }
}
db_test!(every_export_has_its_headers);

/// A city admin's export is its city's, as `directory` answers it; the province sees all.
async fn exports_keep_the_querys_scope(app: TestApp) {
    let admin = app.admin().await;
    member(&app, &admin, 1, "140100").await;
    member(&app, &admin, 2, "140200").await;
    let taiyuan = app.city_admin("140100").await;

    let all = csv_text(&app, &admin, "/exports/directory.csv").await;
    assert_eq!(all.lines().count(), 3, "{all}");
    assert!(all.contains("企业1") && all.contains("企业2"), "{all}");
    let own = csv_text(&app, &taiyuan, "/exports/directory.csv").await;
    assert_eq!(own.lines().count(), 2, "{own}");
    assert!(own.contains("企业1,") && own.contains("太原市"), "{own}");
    assert!(!own.contains("企业2"), "{own}");
    // Asking for another city is refused, as the query refuses it.
    let (status, _, _) = app
        .get("/exports/directory.csv?cityCode=140200", Some(&taiyuan))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // The province narrows by city.
    let datong = csv_text(&app, &admin, "/exports/directory.csv?cityCode=140200").await;
    assert_eq!(datong.lines().count(), 2, "{datong}");
    assert!(datong.contains("企业2"), "{datong}");
}
db_test!(exports_keep_the_querys_scope);

/// The expert pool: clear to the province, masked to a city admin, as the `Expert` type.
async fn the_expert_pool_is_masked_as_for_the_reader(app: TestApp) {
    let admin = app.admin().await;
    create_expert(&app, &admin, 1).await;
    let card = expert_input(1)["idCardNumber"]
        .as_str()
        .expect("id card")
        .to_owned();
    let city = app.city_admin("140100").await;

    let clear = csv_text(&app, &admin, "/exports/experts.csv").await;
    assert!(clear.contains(&card), "{clear}");
    let masked = csv_text(&app, &city, "/exports/experts.csv").await;
    assert!(!masked.contains(&card), "{masked}");
    let stars = format!("{}***", &card[..3]);
    assert!(masked.contains(&stars), "{masked}");
}
db_test!(the_expert_pool_is_masked_as_for_the_reader);

/// The public, enterprises and experts get nothing; unknown files and bad filters are said.
async fn who_may_not_export(app: TestApp) {
    let admin = app.admin().await;
    member(&app, &admin, 1, "140100").await;
    let record = create_expert(&app, &admin, 2).await;
    let expert = app.user_token("EXPERT", None, record["id"].as_str()).await;
    for (token, status) in [
        (None, StatusCode::UNAUTHORIZED),
        (Some(expert.as_str()), StatusCode::FORBIDDEN),
    ] {
        for dataset in ["directory", "overdue-audits", "experts", "violations"] {
            let (got, _, body) = app.get(&format!("/exports/{dataset}.csv"), token).await;
            assert_eq!(got, status, "{dataset}: {}", String::from_utf8_lossy(&body));
        }
    }
    let (status, _, _) = app.get("/exports/users.csv", Some(&admin)).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _, _) = app.get("/exports/directory.pdf", Some(&admin)).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _, body) = app
        .get("/exports/overdue-audits.csv?year=twenty", Some(&admin))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let error: serde_json::Value = serde_json::from_slice(&body).expect("JSON error");
    assert_eq!(error["errors"][0]["extensions"]["field"], "year");
}
db_test!(who_may_not_export);
