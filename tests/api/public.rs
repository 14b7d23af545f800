//! What the public reads without signing in: published annual audit lists (as GraphQL and as
//! CSV) and the consultancy registry with its published rankings — exactly what was published,
//! nothing private reachable from it, and the same answer for every signed-in role.

use actix_web::http::StatusCode;
use actix_web::test::TestRequest;
use serde_json::{Value, json};

use crate::appraisal::{PUBLISH as PUBLISH_RANKING, RECORD, appraisal};
use crate::db_test;
use crate::support::{
    TestApp, add_staff, create_consultancy, create_enterprise, enterprise_input, firm_code,
    staff_input,
};

const CREATE: &str =
    "mutation($input: CreateAnnualAuditListInput!) { createAnnualAuditList(input: $input) { id } }";
const ADD: &str = "mutation($id: ID!, $ids: [ID!]!) { addEnterprisesToAnnualAuditList(listId: $id, enterpriseIds: $ids) { id } }";
const SUBMIT: &str = "mutation($id: ID!) { submitAnnualAuditList(listId: $id) { status } }";
const APPROVE: &str = "mutation($id: ID!) { approveAnnualAuditList(listId: $id) { status } }";
const RETURN: &str =
    "mutation($id: ID!, $r: String!) { returnAnnualAuditList(listId: $id, reason: $r) { status } }";
const PUBLISH: &str = "mutation($id: ID!, $d: Date) { publishAnnualAuditList(listId: $id, publishedOn: $d) { status } }";

const LISTS: &str = "query($y: Int!, $c: String) { publishedAnnualLists(year: $y, cityCode: $c) { year cityCode city { name } publishedOn enterpriseCount csvPath enterprises { name creditCode cityCode city { name } county industryCode sector sectorLabel year } } publishedAnnualListYears }";

const FIRMS: &str = "query($f: PublicConsultancyFilter) { publicConsultancies(first: 10, filter: $f) { totalCount edges { node { id name creditCode cityCode city { name } status statusLabel takesNewAudits staffCount rankings { year rank position total grade gradeLabel reportQuality previousRank rankChange } } } } }";
const FIRM: &str = "query($id: ID!) { publicConsultancy(id: $id) { name creditCode cityCode status staffCount rankings { year rank total grade } } }";

/// A directory member of `city`, returning its id.
async fn member(app: &TestApp, token: &str, serial: u32, city: &str, county: &str) -> Value {
    let mut input = enterprise_input(serial);
    input["cityCode"] = json!(city);
    input["county"] = json!(county);
    input["directorySinceYear"] = json!(2021);
    create_enterprise(app, token, input).await["id"].clone()
}

/// A 2024 list of `city` holding `ids`, left DRAFT.
async fn draft(app: &TestApp, admin: &str, city: &str, ids: &[&Value]) -> Value {
    let id = app
        .ok(
            Some(admin),
            CREATE,
            json!({ "input": { "cityCode": city, "year": 2024 } }),
        )
        .await["createAnnualAuditList"]["id"]
        .clone();
    app.ok(Some(admin), ADD, json!({ "id": id, "ids": ids }))
        .await;
    id
}

async fn get(app: &TestApp, path: &str) -> (StatusCode, Vec<u8>) {
    let (status, _, body) = app.send(TestRequest::get().uri(path)).await;
    (status, body)
}

async fn published_lists_are_public_and_nothing_else(app: TestApp) {
    let admin = app.admin().await;
    let a = member(&app, &admin, 1, "140100", "小店区").await;
    let b = member(&app, &admin, 2, "140100", "迎泽区").await;
    let c = member(&app, &admin, 3, "140200", "平城区").await;
    let d = member(&app, &admin, 4, "140300", "城区").await;
    let e = member(&app, &admin, 5, "140400", "潞州区").await;

    // Taiyuan's list goes the whole way; the others stop short of publication.
    let taiyuan = draft(&app, &admin, "140100", &[&a, &b]).await;
    app.ok(Some(&admin), SUBMIT, json!({ "id": taiyuan })).await;
    app.ok(Some(&admin), APPROVE, json!({ "id": taiyuan }))
        .await;
    app.ok(Some(&admin), PUBLISH, json!({ "id": taiyuan }))
        .await;
    draft(&app, &admin, "140200", &[&c]).await;
    let submitted = draft(&app, &admin, "140300", &[&d]).await;
    app.ok(Some(&admin), SUBMIT, json!({ "id": submitted }))
        .await;
    let returned = draft(&app, &admin, "140400", &[&e]).await;
    app.ok(Some(&admin), SUBMIT, json!({ "id": returned }))
        .await;
    app.ok(
        Some(&admin),
        RETURN,
        json!({ "id": returned, "r": "请补充企业" }),
    )
    .await;
    let approved = member(&app, &admin, 6, "140500", "城区").await;
    let approved = draft(&app, &admin, "140500", &[&approved]).await;
    app.ok(Some(&admin), SUBMIT, json!({ "id": approved }))
        .await;
    app.ok(Some(&admin), APPROVE, json!({ "id": approved }))
        .await;

    let public = app.ok(None, LISTS, json!({ "y": 2024 })).await;
    let data = &public;
    let lists = data["publishedAnnualLists"].as_array().expect("lists");
    assert_eq!(lists.len(), 1, "{data:#}");
    let list = &lists[0];
    assert_eq!(list["cityCode"], "140100");
    assert_eq!(list["city"]["name"], "太原市");
    assert_eq!(list["year"], 2024);
    assert!(list["publishedOn"].is_string());
    assert_eq!(list["enterpriseCount"], 2);
    assert_eq!(
        list["csvPath"],
        "/public/annual-lists/2024.csv?cityCode=140100"
    );
    assert_eq!(
        list["enterprises"],
        json!([
            { "name": "企业1", "creditCode": firm_code(1), "cityCode": "140100",
              "city": { "name": "太原市" }, "county": "小店区", "industryCode": "3120",
              "sector": "STEEL", "sectorLabel": "钢铁", "year": 2024 },
            { "name": "企业2", "creditCode": firm_code(2), "cityCode": "140100",
              "city": { "name": "太原市" }, "county": "迎泽区", "industryCode": "3120",
              "sector": "STEEL", "sectorLabel": "钢铁", "year": 2024 },
        ])
    );
    assert_eq!(data["publishedAnnualListYears"], json!([2024]));
    // A city whose list is not published shows nothing; another year neither.
    for city in ["140200", "140300", "140400", "140500"] {
        let data = app.ok(None, LISTS, json!({ "y": 2024, "c": city })).await;
        assert_eq!(data["publishedAnnualLists"], json!([]), "{city}");
    }
    let data = app.ok(None, LISTS, json!({ "y": 2025 })).await;
    assert_eq!(data["publishedAnnualLists"], json!([]));
    let unknown = app
        .err(None, LISTS, json!({ "y": 2024, "c": "999999" }))
        .await;
    assert_eq!(
        (
            unknown.0.as_str(),
            unknown.1["extensions"]["field"].as_str()
        ),
        ("BAD_USER_INPUT", Some("cityCode"))
    );

    // Nothing private is part of the public types.
    for (query, field) in [
        ("{ publishedAnnualLists(year: 2024) { id } }", "\"id\""),
        (
            "{ publishedAnnualLists(year: 2024) { status } }",
            "\"status\"",
        ),
        (
            "{ publishedAnnualLists(year: 2024) { history { reason } } }",
            "\"history\"",
        ),
        (
            "{ publishedAnnualLists(year: 2024) { enterprises { id } } }",
            "\"id\"",
        ),
        (
            "{ publishedAnnualLists(year: 2024) { enterprises { employees } } }",
            "\"employees\"",
        ),
        (
            "{ publishedAnnualLists(year: 2024) { enterprises { operatingRevenue } } }",
            "\"operatingRevenue\"",
        ),
        (
            "{ publishedAnnualLists(year: 2024) { enterprises { audits { id } } } }",
            "\"audits\"",
        ),
    ] {
        app.refused_field(query, json!({}), field).await;
    }
    // The officials' own queries stay closed to the public.
    assert_eq!(
        app.code(
            None,
            "query($id: ID!) { annualAuditList(id: $id) { status } }",
            json!({ "id": taiyuan })
        )
        .await,
        "UNAUTHENTICATED"
    );

    // Every signed-in role reads the same public view.
    let everyone = [
        admin.clone(),
        app.city_admin("140200").await,
        app.user_with(json!({ "role": "ENTERPRISE", "enterpriseId": c }))
            .await,
    ];
    for token in &everyone {
        assert_eq!(
            app.ok(Some(token), LISTS, json!({ "y": 2024 })).await,
            public
        );
    }

    // The CSV: BOM, Chinese headers, one line per enterprise.
    let (status, body) = get(&app, "/public/annual-lists/2024.csv").await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.starts_with(b"\xEF\xBB\xBF"));
    let text = String::from_utf8(body[3..].to_vec()).expect("utf-8");
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines[0],
        "年度,序号,企业名称,统一社会信用代码,所在城市,所在区县,行业代码,行业类别,公示日期"
    );
    let published_on = list["publishedOn"].as_str().expect("date");
    assert_eq!(
        lines[1..],
        [
            format!(
                "2024,1,企业1,{},太原市,小店区,3120,钢铁,{published_on}",
                firm_code(1)
            ),
            format!(
                "2024,2,企业2,{},太原市,迎泽区,3120,钢铁,{published_on}",
                firm_code(2)
            ),
        ]
    );
    let (status, one_city) = get(&app, "/public/annual-lists/2024.csv?cityCode=140100").await;
    assert_eq!((status, one_city), (StatusCode::OK, body));
    // Nothing published there: 404 with the reason; bad input: 400.
    for (path, expected) in [
        (
            "/public/annual-lists/2024.csv?cityCode=140200",
            StatusCode::NOT_FOUND,
        ),
        ("/public/annual-lists/2023.csv", StatusCode::NOT_FOUND),
        ("/public/annual-lists/20x4.csv", StatusCode::BAD_REQUEST),
        (
            "/public/annual-lists/2024.csv?cityCode=999999",
            StatusCode::BAD_REQUEST,
        ),
    ] {
        let (status, body) = get(&app, path).await;
        assert_eq!(status, expected, "{path}");
        let body: Value = serde_json::from_slice(&body).expect("JSON error");
        assert!(
            body["errors"][0]["extensions"]["code"].is_string(),
            "{body:#}"
        );
    }
}
db_test!(published_lists_are_public_and_nothing_else);

async fn the_consultancy_registry_is_public(app: TestApp) {
    let admin = app.admin().await;
    let one = create_consultancy(&app, &admin, 1).await;
    let mut two_input = crate::support::consultancy_input(2);
    two_input["cityCode"] = json!("140200");
    let two = app
        .ok(
            Some(&admin),
            crate::support::CREATE_CONSULTANCY,
            json!({ "input": two_input }),
        )
        .await["createConsultancy"]
        .clone();
    app.ok(
        Some(&admin),
        "mutation($id: ID!) { setConsultancyStatus(id: $id, status: SUSPENDED, reason: \"整改\") { status } }",
        json!({ "id": two["id"] }),
    )
    .await;
    // Firm one: two current staff and one who left.
    add_staff(&app, &admin, &one["id"], staff_input(1, "2020-01-01")).await;
    add_staff(&app, &admin, &one["id"], staff_input(2, "2021-01-01")).await;
    let left = add_staff(&app, &admin, &one["id"], staff_input(3, "2019-01-01")).await;
    app.ok(
        Some(&admin),
        "mutation($id: ID!) { endConsultancyStaffEmployment(staffId: $id, endedOn: \"2020-06-30\") { id } }",
        json!({ "id": left["id"] }),
    )
    .await;

    // No year published yet: no lines (and no firm yet with a line).
    let before = app.ok(None, FIRM, json!({ "id": one["id"] })).await;
    assert_eq!(before["publicConsultancy"]["rankings"], json!([]));
    assert_eq!(before["publicConsultancy"]["staffCount"], 2);

    // 2024 is published; 2025 is appraised but not published.
    let scores = ["80", "90", "70", "85", "60"];
    app.ok(
        Some(&admin),
        RECORD,
        appraisal(&one, 2024, scores, json!([])),
    )
    .await;
    app.ok(
        Some(&admin),
        RECORD,
        appraisal(&two, 2024, ["60", "60", "60", "60", "60"], json!([])),
    )
    .await;
    app.ok(Some(&admin), PUBLISH_RANKING, json!({ "y": 2024 }))
        .await;
    app.ok(
        Some(&admin),
        RECORD,
        appraisal(&one, 2025, ["99", "99", "99", "99", "99"], json!([])),
    )
    .await;

    let data = app.ok(None, FIRMS, json!({})).await;
    let firms = &data["publicConsultancies"];
    assert_eq!(firms["totalCount"], 2);
    let first = &firms["edges"][0]["node"];
    assert_eq!(first["id"], one["id"]);
    assert_eq!(first["name"], "咨询机构1");
    assert_eq!(first["creditCode"], firm_code(500_001));
    assert_eq!(first["city"]["name"], "太原市");
    assert_eq!(
        (
            &first["status"],
            &first["statusLabel"],
            &first["takesNewAudits"]
        ),
        (&json!("ACTIVE"), &json!("正常"), &json!(true))
    );
    assert_eq!(first["staffCount"], 2);
    // Only the published year's line.
    let lines = first["rankings"].as_array().expect("lines");
    assert_eq!(lines.len(), 1, "{first:#}");
    assert_eq!(lines[0]["year"], 2024);
    assert_eq!(lines[0]["rank"], 1);
    assert_eq!(lines[0]["position"], 1);
    assert_eq!(lines[0]["reportQuality"], "90");
    let second = &firms["edges"][1]["node"];
    assert_eq!(
        (
            &second["cityCode"],
            &second["status"],
            &second["takesNewAudits"],
            &second["staffCount"]
        ),
        (
            &json!("140200"),
            &json!("SUSPENDED"),
            &json!(false),
            &json!(0)
        )
    );
    assert_eq!(second["rankings"][0]["rank"], 2);

    // One firm; filters.
    let firm = app.ok(None, FIRM, json!({ "id": one["id"] })).await;
    assert_eq!(firm["publicConsultancy"]["name"], "咨询机构1");
    assert_eq!(firm["publicConsultancy"]["staffCount"], 2);
    assert_eq!(
        firm["publicConsultancy"]["rankings"],
        json!([{ "year": 2024, "rank": 1, "total": lines[0]["total"], "grade": lines[0]["grade"] }])
    );
    for (filter, count) in [
        (json!({ "cityCode": "140200" }), 1),
        (json!({ "status": "ACTIVE" }), 1),
        (json!({ "text": "机构2" }), 1),
        (json!({ "text": "无此机构" }), 0),
    ] {
        let data = app.ok(None, FIRMS, json!({ "f": filter })).await;
        assert_eq!(data["publicConsultancies"]["totalCount"], count, "{filter}");
    }
    assert_eq!(
        app.code(None, FIRM, json!({ "id": "not-an-id" })).await,
        "BAD_USER_INPUT"
    );
    assert_eq!(
        app.code(
            None,
            FIRM,
            json!({ "id": uuid::Uuid::now_v7().to_string() })
        )
        .await,
        "NOT_FOUND"
    );

    // Nothing private is part of the public types.
    for (query, field) in [
        (
            "{ publicConsultancies { edges { node { address } } } }",
            "\"address\"",
        ),
        (
            "{ publicConsultancies { edges { node { contactName } } } }",
            "\"contactName\"",
        ),
        (
            "{ publicConsultancies { edges { node { contactPhone } } } }",
            "\"contactPhone\"",
        ),
        (
            "{ publicConsultancies { edges { node { staff { name } } } } }",
            "\"staff\"",
        ),
        (
            "{ publicConsultancies { edges { node { statusHistory { reason } } } } }",
            "\"statusHistory\"",
        ),
        (
            "{ publicConsultancies { edges { node { findings { id } } } } }",
            "\"findings\"",
        ),
        (
            "{ publicConsultancies { edges { node { version } } } }",
            "\"version\"",
        ),
        (
            "{ publicConsultancies { edges { node { rankings { appraisalId } } } } }",
            "\"appraisalId\"",
        ),
        (
            "{ publicConsultancies { edges { node { rankings { consultancy { id } } } } } }",
            "\"consultancy\"",
        ),
    ] {
        app.refused_field(query, json!({}), field).await;
    }
    // The officials' registry stays closed to the public.
    assert_eq!(
        app.code(None, "{ consultancies { totalCount } }", json!({}))
            .await,
        "UNAUTHENTICATED"
    );

    // Every signed-in role reads the same public view (a firm sees the others too).
    let everyone = [
        admin.clone(),
        app.city_admin("140200").await,
        app.consultancy_user(&two["id"]).await,
    ];
    for token in &everyone {
        assert_eq!(app.ok(Some(token), FIRMS, json!({})).await, data);
    }
}
db_test!(the_consultancy_registry_is_public);
