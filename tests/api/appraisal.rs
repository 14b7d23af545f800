//! Consultancy appraisal through the API: the scheme, the registry's computed inputs, appraisals
//! with their breakdown and history, the provisional and the published ranking, its CSV and
//! XLSX reports, who may do what, and errors that write nothing.

use actix_web::http::StatusCode;
use actix_web::test::TestRequest;
use serde_json::{Value, json};

use crate::audits::{START, SUBMIT, create_audit, review};
use crate::db_test;
use crate::support::{
    TestApp, add_staff, create_consultancy, create_enterprise, create_expert, enterprise_input,
    staff_input,
};

pub const SET_SCHEME: &str = "mutation($y: Int!, $input: AppraisalSchemeInput!) { setAppraisalScheme(year: $y, input: $input) { year source published weights { capacityBuilding reportQuality personnelManagement serviceQuality serviceQuantity } bands { excellent good qualified } findingRules { kind label points veto } } }";
const SCHEME: &str = "query($y: Int!) { appraisalScheme(year: $y) { year source published weights { capacityBuilding reportQuality } bands { excellent good qualified } findingRules { kind points veto } } }";
pub const RECORD: &str = "mutation($input: RecordAppraisalInput!) { recordAppraisal(input: $input) { id year current total grade gradeLabel vetoed totalDeduction weightedSum dimensions { dimension label score weight contribution } deductions { source findingKind reason points } inputs { auditsServed staffCount warnings { kind } } history { id } } }";
const APPRAISAL: &str = "query($c: ID!, $y: Int!) { appraisal(consultancyId: $c, year: $y) { id current total grade vetoed consultancy { name } dimensions { dimension score weight contribution } weightedSum totalDeduction deductions { source reason points } inputs { asOf auditsServed evaluations { held passed rate } acceptances { held passed rate } acceptanceFailureClients clientsInThreeYears leadAuditorsOffStaff recheckFindings staffCount staffTrainingHours warnings { kind label } } history { id current total supersededAt deductions { reason points } } } }";
const INPUTS: &str = "query($c: ID!, $y: Int!) { appraisalInputs(consultancyId: $c, year: $y) { vetoed findings { id } summary { asOf auditsServed evaluations { held passed rate } acceptances { held passed rate } acceptanceFailureClients clientsInThreeYears leadAuditorsOffStaff recheckFindings staffCount staffTrainingHours warnings { kind label } } } }";
pub const RANKING: &str = "query($y: Int!) { consultancyRanking(year: $y) { year published previousYear publication { year publishedOn entryCount } reportPaths entries { rank position total grade gradeLabel capacityBuilding reportQuality personnelManagement serviceQuality serviceQuantity previousRank rankChange consultancy { id name creditCode cityCode city { name } } } } }";
pub const PUBLISH: &str = "mutation($y: Int!) { publishRanking(year: $y) { published publication { year entryCount publishedOn } entries { rank consultancy { name } } } }";

/// The variables of `recordAppraisal` for one firm: five scores and manual deductions.
pub fn appraisal(firm: &Value, year: i32, s: [&str; 5], deductions: Value) -> Value {
    json!({ "input": {
        "consultancyId": firm["id"], "year": year,
        "capacityBuilding": s[0], "reportQuality": s[1], "personnelManagement": s[2],
        "serviceQuality": s[3], "serviceQuantity": s[4], "deductions": deductions,
    } })
}

/// Rows of every table this feature writes, and the audit log.
pub async fn counts(app: &TestApp) -> Vec<i64> {
    let mut out = Vec::new();
    for table in [
        "appraisal_years",
        "appraisal_finding_rules",
        "appraisals",
        "appraisal_deductions",
        "ranking_entries",
        "violations",
        "audit_log",
    ] {
        out.push(app.count(table).await);
    }
    out
}

async fn get(
    app: &TestApp,
    path: &str,
    headers: &[(&str, &str)],
) -> (StatusCode, actix_web::http::header::HeaderMap, Vec<u8>) {
    let mut req = TestRequest::get().uri(path);
    for (k, v) in headers {
        req = req.insert_header((*k, *v));
    }
    app.send(req).await
}

/// `token` records an appraisal; returns it.
pub(crate) async fn record(app: &TestApp, token: &str, input: Value) -> Value {
    app.ok(Some(token), RECORD, input).await["recordAppraisal"].clone()
}

/// A custom scheme: report quality weighs 35 and capacity 10.
fn scheme_2025() -> Value {
    json!({
        "weights": { "capacityBuilding": "10", "reportQuality": "35", "personnelManagement": "15", "serviceQuality": "25", "serviceQuantity": "15" },
        "deductionPoints": [
            { "kind": "FALSIFICATION", "points": "25" },
            { "kind": "MAJOR_DEFECT", "points": "4.5" }
        ],
        "vetoKinds": ["FALSIFICATION", "WRONG_CONCLUSION"]
    })
}

fn names(ranking: &Value) -> Vec<(u64, String)> {
    ranking["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .map(|e| {
            (
                e["rank"].as_u64().expect("rank"),
                e["consultancy"]["name"].as_str().expect("name").to_owned(),
            )
        })
        .collect()
}

/// Five firms appraised for 2025 under a scheme of its own, ranked with ties, published, read
/// by the public and downloaded as CSV and XLSX.
pub(crate) async fn a_year_from_scheme_to_published_reports(app: TestApp) {
    let admin = app.admin().await;
    let city = app.city_admin("140100").await;
    let firms: Vec<Value> = {
        let mut v = Vec::new();
        for serial in 1..=5 {
            v.push(create_consultancy(&app, &admin, serial).await);
        }
        v
    };
    let (a, b, c, d, e) = (&firms[0], &firms[1], &firms[2], &firms[3], &firms[4]);

    // Without a scheme the year reads DESIGN.md's defaults, and nothing is written for it.
    let defaults =
        app.ok(Some(&admin), SCHEME, json!({ "y": 2025 })).await["appraisalScheme"].clone();
    assert_eq!(defaults["source"], "DEFAULT");
    assert_eq!(
        defaults["weights"],
        json!({ "capacityBuilding": "15", "reportQuality": "30" })
    );
    assert_eq!(
        defaults["bands"],
        json!({ "excellent": "90", "good": "75", "qualified": "60" })
    );
    assert_eq!(app.count("appraisal_years").await, 0);

    let set = app
        .ok(
            Some(&admin),
            SET_SCHEME,
            json!({ "y": 2025, "input": scheme_2025() }),
        )
        .await["setAppraisalScheme"]
        .clone();
    assert_eq!(set["source"], "SET");
    assert_eq!(set["published"], false);
    assert_eq!(set["weights"]["reportQuality"], "35");
    assert_eq!(
        set["bands"]["good"], "75",
        "omitted bands keep the defaults"
    );
    assert_eq!(
        set["findingRules"],
        json!([
            { "kind": "MAJOR_DEFECT", "label": "重大缺陷", "points": "4.5", "veto": false },
            { "kind": "OMISSION", "label": "重要遗漏", "points": "0", "veto": false },
            { "kind": "FALSIFICATION", "label": "弄虚作假", "points": "25", "veto": true },
            { "kind": "WRONG_CONCLUSION", "label": "结论错误", "points": "0", "veto": true },
        ])
    );

    // A: 80·10 + 90·35 + 70·15 + 85·25 + 60·15 = 80.25, less 1.5 = 78.75 (GOOD).
    let recorded = record(
        &app,
        &admin,
        appraisal(
            a,
            2025,
            ["80", "90", "70", "85", "60"],
            json!([{ "reason": "年度总结逾期报送", "points": "1.5" }]),
        ),
    )
    .await;
    assert_eq!(recorded["total"], "78.75");
    assert_eq!(recorded["weightedSum"], "80.25");
    assert_eq!(recorded["totalDeduction"], "1.5");
    assert_eq!(
        (recorded["grade"].as_str(), recorded["gradeLabel"].as_str()),
        (Some("GOOD"), Some("良好"))
    );
    assert_eq!(recorded["vetoed"], false);
    assert_eq!(
        recorded["dimensions"][1],
        json!({ "dimension": "REPORT_QUALITY", "label": "报告编制质量", "score": "90", "weight": "35", "contribution": "31.5" })
    );
    assert_eq!(
        recorded["deductions"],
        json!([{ "source": "MANUAL", "findingKind": null, "reason": "年度总结逾期报送", "points": "1.5" }])
    );
    assert_eq!(recorded["history"], json!([]));
    // Re-recorded before publication: replaced, the first kept in the history.
    let first_id = recorded["id"].clone();
    let again = record(
        &app,
        &admin,
        appraisal(
            a,
            2025,
            ["80", "90", "70", "85", "60"],
            json!([{ "reason": "年度总结逾期报送", "points": "2.75" }]),
        ),
    )
    .await;
    assert_eq!(again["total"], "77.50");
    assert_eq!(again["history"], json!([{ "id": first_id }]));

    // B: 90.02 × 25 % = 22.505, rounded half-up once, on the total.
    let b_total = record(
        &app,
        &admin,
        appraisal(b, 2025, ["0", "0", "0", "90.02", "0"], json!([])),
    )
    .await["total"]
        .clone();
    assert_eq!(b_total, "22.51");
    // C, D and E tie at 80.00: D's report quality is lower; C and E are equal but for the name.
    for (firm, scores) in [
        (c, ["80", "80", "80", "80", "80"]),
        (d, ["100", "70", "90", "80", "80"]),
        (e, ["80", "80.00", "80", "80", "80"]),
    ] {
        let total =
            record(&app, &admin, appraisal(firm, 2025, scores, json!([]))).await["total"].clone();
        assert_eq!(total, "80.00");
    }

    // Before publication: the province and the cities see the provisional ranking...
    for token in [&admin, &city] {
        let provisional =
            app.ok(Some(token), RANKING, json!({ "y": 2025 })).await["consultancyRanking"].clone();
        assert_eq!(provisional["published"], false);
        assert_eq!(provisional["publication"], Value::Null);
        assert_eq!(provisional["reportPaths"], json!([]));
        assert_eq!(
            names(&provisional),
            vec![
                (1, "咨询机构3".to_owned()),
                (1, "咨询机构5".to_owned()),
                (1, "咨询机构4".to_owned()),
                (4, "咨询机构1".to_owned()),
                (5, "咨询机构2".to_owned()),
            ]
        );
    }
    // ...a firm its own line and appraisal only...
    let own = app.consultancy_user(&a["id"]).await;
    let mine =
        app.ok(Some(&own), RANKING, json!({ "y": 2025 })).await["consultancyRanking"].clone();
    assert_eq!(names(&mine), vec![(4, "咨询机构1".to_owned())]);
    let seen = app
        .ok(Some(&own), APPRAISAL, json!({ "c": a["id"], "y": 2025 }))
        .await["appraisal"]
        .clone();
    assert_eq!(seen["total"], "77.50");
    assert_eq!(seen["history"][0]["total"], "78.75");
    assert_eq!(seen["history"][0]["current"], false);
    assert!(seen["history"][0]["supersededAt"].is_string());
    assert_eq!(seen["history"][0]["deductions"][0]["points"], "1.5");
    assert_eq!(
        app.code(Some(&own), APPRAISAL, json!({ "c": b["id"], "y": 2025 }))
            .await,
        "FORBIDDEN"
    );
    // ...and the public nothing: no ranking, no scheme, no report.
    let (code, error) = app.err(None, RANKING, json!({ "y": 2025 })).await;
    assert_eq!(code, "NOT_FOUND", "{error}");
    let (code, _) = app.err(None, SCHEME, json!({ "y": 2025 })).await;
    assert_eq!(code, "UNAUTHENTICATED");
    let (status, headers, body) = get(&app, "/reports/consultancy-ranking/2025.csv", &[]).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(
        headers.get("cache-control").map(|v| v.as_bytes()),
        Some(&b"no-store"[..])
    );
    let error: Value = serde_json::from_slice(&body).expect("json");
    assert_eq!(error["errors"][0]["extensions"]["code"], "NOT_FOUND");
    assert!(
        error["errors"][0]["message"]
            .as_str()
            .is_some_and(|m| m.contains("no published consultancy ranking for 2025")),
        "{error}"
    );
    let published_years = app
        .ok(None, "{ publishedRankings { year } }", json!({}))
        .await;
    assert_eq!(published_years["publishedRankings"], json!([]));

    // Publication freezes the year.
    let published =
        app.ok(Some(&admin), PUBLISH, json!({ "y": 2025 })).await["publishRanking"].clone();
    assert_eq!(published["published"], true);
    assert_eq!(published["publication"]["entryCount"], 5);
    assert_eq!(published["publication"]["year"], 2025);
    let published_on = published["publication"]["publishedOn"]
        .as_str()
        .expect("date")
        .to_owned();
    let newcomer = create_consultancy(&app, &admin, 6).await;
    let before = counts(&app).await;
    for (query, vars) in [
        (
            RECORD,
            appraisal(a, 2025, ["100", "100", "100", "100", "100"], json!([])),
        ),
        (
            RECORD,
            appraisal(&newcomer, 2025, ["1", "1", "1", "1", "1"], json!([])),
        ),
        (SET_SCHEME, json!({ "y": 2025, "input": scheme_2025() })),
        (PUBLISH, json!({ "y": 2025 })),
    ] {
        let (code, error) = app.err(Some(&admin), query, vars).await;
        assert_eq!(code, "CONFLICT", "{error}");
    }
    assert_eq!(counts(&app).await, before, "nothing written");

    // The public reads it now: public fields only, ranks, totals with two places.
    let public = app.ok(None, RANKING, json!({ "y": 2025 })).await["consultancyRanking"].clone();
    assert_eq!(public["published"], true);
    assert_eq!(public["previousYear"], Value::Null);
    assert_eq!(
        public["reportPaths"],
        json!([
            "/reports/consultancy-ranking/2025.csv",
            "/reports/consultancy-ranking/2025.xlsx"
        ])
    );
    assert_eq!(public["entries"].as_array().map(Vec::len), Some(5));
    let top = &public["entries"][0];
    assert_eq!(top["consultancy"]["name"], "咨询机构3");
    assert_eq!(top["consultancy"]["city"]["name"], "太原市");
    assert_eq!(top["total"], "80.00");
    assert_eq!(top["grade"], "GOOD");
    assert_eq!(top["rankChange"], Value::Null);
    assert_eq!(public["entries"][2]["reportQuality"], "70");
    let last = &public["entries"][4];
    assert_eq!(
        (
            last["rank"].as_u64(),
            last["total"].as_str(),
            last["grade"].as_str(),
            last["gradeLabel"].as_str()
        ),
        (Some(5), Some("22.51"), Some("UNQUALIFIED"), Some("不合格"))
    );
    assert_eq!(last["position"], 5);
    // The scheme is public now; the public sees no contact details, no appraisal.
    let scheme = app.ok(None, SCHEME, json!({ "y": 2025 })).await["appraisalScheme"].clone();
    assert_eq!(
        (scheme["published"].as_bool(), scheme["source"].as_str()),
        (Some(true), Some("SET"))
    );
    let (_, body) = app
        .post(
            None,
            "query { consultancyRanking(year: 2025) { entries { consultancy { contactPhone } } } }",
            json!({}),
        )
        .await;
    assert!(
        body["errors"].is_array(),
        "no private field on a ranked firm: {body}"
    );
    let (code, _) = app
        .err(None, APPRAISAL, json!({ "c": a["id"], "y": 2025 }))
        .await;
    assert_eq!(code, "UNAUTHENTICATED");
    let years = app
        .ok(
            None,
            "{ publishedRankings { year entryCount publishedOn } }",
            json!({}),
        )
        .await;
    assert_eq!(
        years["publishedRankings"],
        json!([{ "year": 2025, "entryCount": 5, "publishedOn": published_on }])
    );

    // The CSV: BOM, Chinese headers, one line per firm in display order.
    let (status, headers, csv_bytes) =
        get(&app, "/reports/consultancy-ranking/2025.csv", &[]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        headers.get("content-type").and_then(|v| v.to_str().ok()),
        Some("text/csv; charset=utf-8")
    );
    assert!(csv_bytes.starts_with(b"\xEF\xBB\xBF"));
    let mut reader = csv::Reader::from_reader(&csv_bytes[3..]);
    assert_eq!(
        reader
            .headers()
            .expect("headers")
            .iter()
            .collect::<Vec<_>>(),
        vec![
            "名次",
            "上年名次",
            "名次变化",
            "机构名称",
            "统一社会信用代码",
            "所在城市",
            "综合得分",
            "考评等级",
            "能力建设",
            "报告编制质量",
            "人员管理",
            "咨询服务质量",
            "咨询服务数量"
        ]
    );
    let rows: Vec<Vec<String>> = reader
        .records()
        .map(|r| r.expect("row").iter().map(str::to_owned).collect())
        .collect();
    assert_eq!(rows.len(), 5);
    assert_eq!(
        rows[0],
        vec![
            "1",
            "",
            "",
            "咨询机构3",
            public["entries"][0]["consultancy"]["creditCode"]
                .as_str()
                .expect("code"),
            "太原市",
            "80.00",
            "良好",
            "80.00",
            "80.00",
            "80.00",
            "80.00",
            "80.00"
        ]
    );
    assert_eq!(rows[2][3], "咨询机构4");
    assert_eq!(rows[2][9], "70.00");
    assert_eq!((rows[3][0].as_str(), rows[3][6].as_str()), ("4", "77.50"));
    assert_eq!(
        (rows[4][6].as_str(), rows[4][7].as_str()),
        ("22.51", "不合格")
    );

    // The XLSX: the province's title and the publication date above the same table.
    let (status, headers, xlsx) = get(&app, "/reports/consultancy-ranking/2025.xlsx", &[]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        headers.get("content-type").and_then(|v| v.to_str().ok()),
        Some("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    );
    let sheet = read_xlsx(&xlsx);
    assert_eq!(sheet[0][0], "山西省清洁生产审核咨询机构2025年度考评结果");
    assert!(sheet[1][0].contains("山西省生态环境厅"), "{:?}", sheet[1]);
    assert!(
        sheet[1][0].contains(&format!("发布日期：{published_on}")),
        "{:?}",
        sheet[1]
    );
    assert_eq!(sheet[3][0], "名次");
    assert_eq!(sheet[3][12], "咨询服务数量");
    assert_eq!(
        sheet[4][..8],
        [
            "1",
            "",
            "",
            "咨询机构3",
            rows[0][4].as_str(),
            "太原市",
            "80",
            "良好"
        ]
    );
    assert_eq!(sheet[7][3], "咨询机构1");
    assert_eq!(sheet[7][6], "77.5");
    assert_eq!(sheet[8][6], "22.51");
    assert!(sheet[10][0].starts_with("说明"), "{:?}", sheet[10]);
}
db_test!(a_year_from_scheme_to_published_reports);

/// Every cell of the first sheet as text (numbers in their shortest form), by row.
fn read_xlsx(bytes: &[u8]) -> Vec<Vec<String>> {
    use calamine::{Data, Reader, Xlsx};
    let mut workbook: Xlsx<_> =
        Xlsx::new(std::io::Cursor::new(bytes.to_vec())).expect("an XLSX file");
    let range = workbook.worksheet_range("考评结果").expect("the sheet");
    let (rows, cols) = range.end().map_or((0, 0), |(r, c)| (r + 1, c + 1));
    (0..rows)
        .map(|r| {
            (0..cols)
                .map(|c| match range.get_value((r, c)) {
                    Some(Data::String(s)) => s.clone(),
                    Some(Data::Float(f)) => f.to_string(),
                    Some(Data::Int(i)) => i.to_string(),
                    Some(Data::Empty) | None => String::new(),
                    Some(other) => other.to_string(),
                })
                .collect()
        })
        .collect()
}

/// Published reports are cacheable: a strong ETag of the content, the same on every request,
/// answered with 304 when the client has it.
async fn published_reports_are_cacheable(app: TestApp) {
    let admin = app.admin().await;
    let firm = create_consultancy(&app, &admin, 1).await;
    record(
        &app,
        &admin,
        appraisal(&firm, 2024, ["90", "90", "90", "90", "90"], json!([])),
    )
    .await;
    for path in [
        "/reports/consultancy-ranking/2024.csv",
        "/reports/consultancy-ranking/2024.xlsx",
        "/reports/consultancy-ranking/1990.csv",
    ] {
        let (status, _, _) = get(&app, path, &[]).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path} before publication");
    }
    let (status, _, _) = get(&app, "/reports/consultancy-ranking/latest.csv", &[]).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    app.ok(Some(&admin), PUBLISH, json!({ "y": 2024 })).await;

    for path in [
        "/reports/consultancy-ranking/2024.csv",
        "/reports/consultancy-ranking/2024.xlsx",
    ] {
        let (status, headers, first) = get(&app, path, &[]).await;
        assert_eq!(status, StatusCode::OK);
        let etag = headers
            .get("etag")
            .and_then(|v| v.to_str().ok())
            .expect("an ETag")
            .to_owned();
        assert!(
            etag.starts_with('"') && !etag.starts_with("W/"),
            "strong: {etag}"
        );
        let cache = headers
            .get("cache-control")
            .and_then(|v| v.to_str().ok())
            .expect("cache-control");
        assert!(cache.starts_with("public, max-age="), "{cache}");
        assert!(
            headers
                .get("content-disposition")
                .and_then(|v| v.to_str().ok())
                .is_some_and(|d| d.contains("consultancy-ranking-2024."))
        );
        // The same bytes and tag every time (the XLSX carries no time of its own making).
        let (_, again_headers, again) = get(&app, path, &[]).await;
        assert_eq!(again, first, "{path}");
        assert_eq!(
            again_headers.get("etag").and_then(|v| v.to_str().ok()),
            Some(etag.as_str())
        );
        // Revalidation: 304 without a body for the tag (also among others, or weak); 200 otherwise.
        for matching in [
            etag.clone(),
            format!("\"other\", {etag}"),
            format!("W/{etag}"),
            "*".to_owned(),
        ] {
            let (status, headers, body) =
                get(&app, path, &[("if-none-match", matching.as_str())]).await;
            assert_eq!(status, StatusCode::NOT_MODIFIED, "{matching}");
            assert!(body.is_empty());
            assert_eq!(
                headers.get("etag").and_then(|v| v.to_str().ok()),
                Some(etag.as_str())
            );
            assert!(headers.get("cache-control").is_some());
        }
        let (status, _, body) = get(&app, path, &[("if-none-match", "\"stale\"")]).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(body, first);
    }
    // A token is not needed, and a bad one does not matter: the report is public.
    let (status, _, _) = get(
        &app,
        "/reports/consultancy-ranking/2024.csv",
        &[("authorization", "Bearer garbage")],
    )
    .await;
    assert_eq!(status, StatusCode::OK);
}
db_test!(published_reports_are_cacheable);

/// One audit round served by `firm` for `enterprise` in 2025: report on `report_on`, an
/// evaluation, and optionally an acceptance.
#[allow(clippy::too_many_arguments)] // a fixture naming each step of a served audit
async fn serve(
    app: &TestApp,
    city: &str,
    enterprise: &Value,
    firm: &Value,
    lead: &Value,
    report_on: &str,
    evaluation: (&str, &str),
    acceptance: Option<(&str, &str)>,
) -> Value {
    let audit = create_audit(app, city, enterprise, 2025, "2025-02-01").await;
    app.ok(
        Some(city),
        START,
        json!({ "id": audit["id"], "on": "2025-02-10" }),
    )
    .await;
    app.ok(
        Some(city),
        SUBMIT,
        json!({ "id": audit["id"], "input": { "consultancyId": firm["id"], "leadAuditorId": lead["id"], "submittedOn": report_on } }),
    )
    .await;
    review(app, city, &audit, "EVALUATION", evaluation.0, evaluation.1).await;
    if let Some((on, outcome)) = acceptance {
        review(app, city, &audit, "ACCEPTANCE", on, outcome).await;
    }
    audit
}

/// The registry's own evidence beside the scores: audits served, pass rates, clients, staff,
/// warning signs, taken into the appraisal when it is recorded.
async fn computed_inputs_come_from_the_registry(app: TestApp) {
    let admin = app.admin().await;
    let city = app.city_admin("140100").await;
    let firm = create_consultancy(&app, &admin, 1).await;
    let lead = add_staff(&app, &admin, &firm["id"], staff_input(1, "2020-01-01")).await;
    add_staff(&app, &admin, &firm["id"], staff_input(2, "2021-01-01")).await;
    let left = add_staff(&app, &admin, &firm["id"], staff_input(3, "2021-01-01")).await;
    app.ok(
        Some(&admin),
        "mutation($id: ID!) { endConsultancyStaffEmployment(staffId: $id, endedOn: \"2025-06-30\") { id } }",
        json!({ "id": left["id"] }),
    )
    .await;
    let other = create_consultancy(&app, &admin, 2).await;
    let other_lead = add_staff(&app, &admin, &other["id"], staff_input(9, "2020-01-01")).await;

    let mut enterprises = Vec::new();
    for serial in 1..=4 {
        enterprises.push(create_enterprise(&app, &admin, enterprise_input(serial)).await);
    }
    // Two clients fail acceptance in 2025; a third fails evaluation; the fourth is the other
    // firm's and does not count.
    serve(
        &app,
        &city,
        &enterprises[0],
        &firm,
        &lead,
        "2025-03-01",
        ("2025-04-01", "PASSED"),
        Some(("2025-09-01", "FAILED")),
    )
    .await;
    serve(
        &app,
        &city,
        &enterprises[1],
        &firm,
        &lead,
        "2025-03-02",
        ("2025-04-02", "PASSED"),
        Some(("2025-09-02", "FAILED")),
    )
    .await;
    serve(
        &app,
        &city,
        &enterprises[2],
        &firm,
        &lead,
        "2025-03-03",
        ("2025-04-03", "FAILED"),
        None,
    )
    .await;
    serve(
        &app,
        &city,
        &enterprises[3],
        &other,
        &other_lead,
        "2025-03-04",
        ("2025-04-04", "PASSED"),
        None,
    )
    .await;

    let live = app
        .ok(Some(&admin), INPUTS, json!({ "c": firm["id"], "y": 2025 }))
        .await["appraisalInputs"]
        .clone();
    assert_eq!(live["vetoed"], false);
    assert_eq!(live["findings"], json!([]));
    assert_eq!(
        live["summary"],
        json!({
            "asOf": "2025-12-31",
            "auditsServed": 3,
            "evaluations": { "held": 3, "passed": 2, "rate": "66.67" },
            "acceptances": { "held": 2, "passed": 0, "rate": "0.00" },
            "acceptanceFailureClients": 2,
            "clientsInThreeYears": 3,
            "leadAuditorsOffStaff": 0,
            "recheckFindings": 0,
            "staffCount": 2,
            "staffTrainingHours": "0",
            "warnings": [
                { "kind": "REPEATED_ACCEPTANCE_FAILURES", "label": "同一年度两家及以上服务企业验收未通过" },
                { "kind": "FEW_CLIENTS", "label": "近三年服务企业少于5家" },
            ],
        })
    );
    // The firm reads its own inputs; another firm cannot.
    let own = app.consultancy_user(&firm["id"]).await;
    app.ok(Some(&own), INPUTS, json!({ "c": firm["id"], "y": 2025 }))
        .await;
    let stranger = app.consultancy_user(&other["id"]).await;
    assert_eq!(
        app.code(
            Some(&stranger),
            INPUTS,
            json!({ "c": firm["id"], "y": 2025 })
        )
        .await,
        "FORBIDDEN"
    );
    // Nothing in 2024 (but the clients of 2025 count in 2026's window, not 2024's).
    let quiet = app
        .ok(Some(&admin), INPUTS, json!({ "c": firm["id"], "y": 2024 }))
        .await["appraisalInputs"]["summary"]
        .clone();
    assert_eq!(
        (
            quiet["auditsServed"].as_u64(),
            quiet["clientsInThreeYears"].as_u64()
        ),
        (Some(0), Some(0))
    );
    assert_eq!(quiet["evaluations"]["rate"], Value::Null);
    let next = app
        .ok(Some(&admin), INPUTS, json!({ "c": firm["id"], "y": 2026 }))
        .await["appraisalInputs"]["summary"]
        .clone();
    assert_eq!(
        (
            next["auditsServed"].as_u64(),
            next["clientsInThreeYears"].as_u64()
        ),
        (Some(0), Some(3))
    );

    // A registry record corrected afterwards (the lead's employment really began after the
    // reports) shows the lead-auditor sign.
    {
        use entity::consultancy_staff;
        use sea_orm::sea_query::Expr;
        use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
        let id = uuid::Uuid::parse_str(lead["id"].as_str().expect("id")).expect("uuid");
        let day = chrono::NaiveDate::from_ymd_opt(2025, 3, 2).expect("date");
        consultancy_staff::Entity::update_many()
            .col_expr(consultancy_staff::Column::StartedOn, Expr::value(day))
            .filter(consultancy_staff::Column::Id.eq(id))
            .exec(&app.state.services.db)
            .await
            .expect("update");
    }
    let recorded = record(
        &app,
        &admin,
        appraisal(&firm, 2025, ["70", "70", "70", "70", "70"], json!([])),
    )
    .await;
    assert_eq!(recorded["inputs"]["auditsServed"], 3);
    assert_eq!(recorded["inputs"]["staffCount"], 2);
    assert_eq!(
        recorded["inputs"]["warnings"],
        json!([{ "kind": "REPEATED_ACCEPTANCE_FAILURES" }, { "kind": "FEW_CLIENTS" }, { "kind": "LEAD_AUDITOR_NOT_STAFF" }])
    );
    // The appraisal keeps the inputs as they were when recorded.
    let kept = app
        .ok(
            Some(&admin),
            APPRAISAL,
            json!({ "c": firm["id"], "y": 2025 }),
        )
        .await["appraisal"]["inputs"]
        .clone();
    assert_eq!(kept["leadAuditorsOffStaff"], 1);
    assert_eq!(
        kept["acceptances"],
        json!({ "held": 2, "passed": 0, "rate": "0.00" })
    );
    assert_eq!(kept["asOf"], "2025-12-31");
}
db_test!(computed_inputs_come_from_the_registry);

/// Changing the scheme before publication recomputes the year's current appraisals (weights,
/// bands); a year nobody appraised cannot be published.
async fn a_new_scheme_recomputes_current_appraisals(app: TestApp) {
    let admin = app.admin().await;
    let firm = create_consultancy(&app, &admin, 1).await;
    let recorded = record(
        &app,
        &admin,
        appraisal(&firm, 2025, ["80", "90", "70", "85", "60"], json!([])),
    )
    .await;
    // DESIGN.md's defaults: 12 + 27 + 10.5 + 21.25 + 9 = 79.75.
    assert_eq!(
        (recorded["total"].as_str(), recorded["grade"].as_str()),
        (Some("79.75"), Some("GOOD"))
    );
    let mut scheme = scheme_2025();
    scheme["bands"] = json!({ "excellent": "95", "good": "85", "qualified": "80.25" });
    app.ok(
        Some(&admin),
        SET_SCHEME,
        json!({ "y": 2025, "input": scheme }),
    )
    .await;
    let now = app
        .ok(
            Some(&admin),
            APPRAISAL,
            json!({ "c": firm["id"], "y": 2025 }),
        )
        .await["appraisal"]
        .clone();
    assert_eq!(
        (now["total"].as_str(), now["grade"].as_str()),
        (Some("80.25"), Some("QUALIFIED"))
    );
    assert_eq!(now["dimensions"][0]["weight"], "10");
    assert_eq!(
        now["history"],
        json!([]),
        "a recomputation is not a new recording"
    );

    let before = counts(&app).await;
    let (code, error) = app.err(Some(&admin), PUBLISH, json!({ "y": 2024 })).await;
    assert_eq!(
        (code.as_str(), error["extensions"]["field"].as_str()),
        ("BAD_USER_INPUT", Some("year"))
    );
    assert_eq!(counts(&app).await, before);
}
db_test!(a_new_scheme_recomputes_current_appraisals);

/// Rank changes count from the previous published year; a firm new to the ranking has none.
async fn rank_changes_since_the_previous_published_year(app: TestApp) {
    let admin = app.admin().await;
    let mut firms = Vec::new();
    for serial in 1..=4 {
        firms.push(create_consultancy(&app, &admin, serial).await);
    }
    for (firm, score) in [(&firms[0], "70"), (&firms[1], "60"), (&firms[2], "90")] {
        record(&app, &admin, appraisal(firm, 2024, [score; 5], json!([]))).await;
    }
    app.ok(Some(&admin), PUBLISH, json!({ "y": 2024 })).await;
    // 2024: 3 first, 1 second, 2 third. 2026: 2 first (+2), 1 second (0), 4 new, 3 last (−3).
    for (firm, score) in [
        (&firms[0], "80"),
        (&firms[1], "95"),
        (&firms[2], "50"),
        (&firms[3], "75"),
    ] {
        record(&app, &admin, appraisal(firm, 2026, [score; 5], json!([]))).await;
    }
    let changes = |ranking: &Value| -> Vec<(String, Value, Value)> {
        ranking["entries"]
            .as_array()
            .expect("entries")
            .iter()
            .map(|e| {
                (
                    e["consultancy"]["name"].as_str().unwrap_or("").to_owned(),
                    e["previousRank"].clone(),
                    e["rankChange"].clone(),
                )
            })
            .collect()
    };
    let want = vec![
        ("咨询机构2".to_owned(), json!(3), json!(2)),
        ("咨询机构1".to_owned(), json!(2), json!(0)),
        ("咨询机构4".to_owned(), Value::Null, Value::Null),
        ("咨询机构3".to_owned(), json!(1), json!(-3)),
    ];
    let provisional =
        app.ok(Some(&admin), RANKING, json!({ "y": 2026 })).await["consultancyRanking"].clone();
    assert_eq!(provisional["previousYear"], 2024);
    assert_eq!(changes(&provisional), want);
    app.ok(Some(&admin), PUBLISH, json!({ "y": 2026 })).await;
    let public = app.ok(None, RANKING, json!({ "y": 2026 })).await["consultancyRanking"].clone();
    assert_eq!(public["previousYear"], 2024);
    assert_eq!(changes(&public), want);
    // The frozen ranking keeps its names: renaming a firm later changes nothing published.
    app.ok(
        Some(&admin),
        "mutation($id: ID!) { updateConsultancy(id: $id, input: { name: \"改名后的机构\" }, expectedVersion: 1) { name } }",
        json!({ "id": firms[1]["id"] }),
    )
    .await;
    let again = app.ok(None, RANKING, json!({ "y": 2026 })).await["consultancyRanking"].clone();
    assert_eq!(changes(&again), want);
    // A page of a published ranking: positions from `offset`, the whole count beside it.
    const PAGE: &str = "query($y: Int!, $first: Int, $offset: Int!) { consultancyRanking(year: $y) { entryCount entries(first: $first, offset: $offset) { position rank previousRank rankChange consultancy { name } } } }";
    let page = |first: Value, offset: Value| json!({ "y": 2026, "first": first, "offset": offset });
    let second_page =
        app.ok(None, PAGE, page(json!(2), json!(2))).await["consultancyRanking"].clone();
    assert_eq!(second_page["entryCount"], 4);
    assert_eq!(changes(&second_page), want[2..].to_vec());
    let positions: Vec<&Value> = second_page["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .map(|e| &e["position"])
        .collect();
    assert_eq!(positions, [&json!(3), &json!(4)]);
    let past_the_end = app.ok(None, PAGE, page(json!(2), json!(9))).await;
    assert_eq!(past_the_end["consultancyRanking"]["entries"], json!([]));
    let rest = app.ok(None, PAGE, page(Value::Null, json!(1))).await["consultancyRanking"].clone();
    assert_eq!(changes(&rest), want[1..].to_vec());
    for (first, offset, field) in [
        (json!(2), json!(-1), "offset"),
        (json!(-1), json!(0), "first"),
        (json!(101), json!(0), "first"),
    ] {
        let (code, error) = app.err(None, PAGE, page(first, offset)).await;
        assert_eq!(code, "BAD_USER_INPUT", "{error}");
        assert_eq!(error["extensions"]["field"], field, "{error}");
    }
    let (_, _, csv_bytes) = get(&app, "/reports/consultancy-ranking/2026.csv", &[]).await;
    let text = String::from_utf8_lossy(&csv_bytes[3..]).into_owned();
    let second = text.lines().nth(1).expect("first line");
    assert!(second.starts_with("1,3,2,咨询机构2,"), "{second}");
    assert!(
        text.lines()
            .nth(3)
            .is_some_and(|l| l.starts_with("3,,,咨询机构4,")),
        "{text}"
    );
}
db_test!(rank_changes_since_the_previous_published_year);

/// Every bad input is refused with its field, and nothing is written.
async fn bad_input_is_refused_and_writes_nothing(app: TestApp) {
    let admin = app.admin().await;
    let firm = create_consultancy(&app, &admin, 1).await;
    let before = counts(&app).await;
    let good = ["80", "80", "80", "80", "80"];
    let mut cases: Vec<(Value, &str)> = vec![
        (appraisal(&firm, 1999, good, json!([])), "year"),
        (appraisal(&firm, 2999, good, json!([])), "year"),
        (
            appraisal(&json!({ "id": "not-an-id" }), 2025, good, json!([])),
            "consultancyId",
        ),
        (
            appraisal(
                &json!({ "id": uuid::Uuid::now_v7().to_string() }),
                2025,
                good,
                json!([]),
            ),
            "consultancyId",
        ),
        (
            appraisal(&firm, 2025, ["100.01", "80", "80", "80", "80"], json!([])),
            "capacityBuilding",
        ),
        (
            appraisal(&firm, 2025, ["80", "-1", "80", "80", "80"], json!([])),
            "reportQuality",
        ),
        (
            appraisal(&firm, 2025, ["80", "80", "80.005", "80", "80"], json!([])),
            "personnelManagement",
        ),
        (
            appraisal(&firm, 2025, ["80", "80", "80", "1000", "80"], json!([])),
            "serviceQuality",
        ),
        (
            appraisal(&firm, 2025, ["80", "80", "80", "80", "0.001"], json!([])),
            "serviceQuantity",
        ),
        (
            appraisal(&firm, 2025, good, json!([{ "reason": " ", "points": "1" }])),
            "deductions[0].reason",
        ),
        (
            appraisal(
                &firm,
                2025,
                good,
                json!([{ "reason": "x".repeat(501), "points": "1" }]),
            ),
            "deductions[0].reason",
        ),
        (
            appraisal(
                &firm,
                2025,
                good,
                json!([{ "reason": "a", "points": "1" }, { "reason": "b", "points": "0" }]),
            ),
            "deductions[1].points",
        ),
        (
            appraisal(
                &firm,
                2025,
                good,
                json!([{ "reason": "a", "points": "1.005" }]),
            ),
            "deductions[0].points",
        ),
        (
            appraisal(
                &firm,
                2025,
                good,
                json!([{ "reason": "a", "points": "-2" }]),
            ),
            "deductions[0].points",
        ),
        (
            appraisal(
                &firm,
                2025,
                good,
                json!([{ "reason": "a", "points": "100.5" }]),
            ),
            "deductions[0].points",
        ),
    ];
    let many: Vec<Value> = (0..51)
        .map(|i| json!({ "reason": format!("r{i}"), "points": "0.1" }))
        .collect();
    cases.push((appraisal(&firm, 2025, good, json!(many)), "deductions"));
    for (vars, field) in cases {
        let (code, error) = app.err(Some(&admin), RECORD, vars.clone()).await;
        assert_eq!(
            (code.as_str(), error["extensions"]["field"].as_str()),
            ("BAD_USER_INPUT", Some(field)),
            "{vars}: {error}"
        );
    }
    let scheme = |f: &dyn Fn(&mut Value)| {
        let mut s = scheme_2025();
        f(&mut s);
        json!({ "y": 2025, "input": s })
    };
    let scheme_cases: Vec<(Value, &str)> = vec![
        (json!({ "y": 1999, "input": scheme_2025() }), "year"),
        (
            scheme(&|s| s["weights"]["serviceQuantity"] = json!("14.99")),
            "weights",
        ),
        (
            scheme(&|s| s["weights"]["reportQuality"] = json!("35.001")),
            "weights.reportQuality",
        ),
        (
            scheme(&|s| s["weights"]["capacityBuilding"] = json!("-10")),
            "weights.capacityBuilding",
        ),
        (
            scheme(&|s| s["bands"] = json!({ "excellent": "90", "good": "90", "qualified": "60" })),
            "bands",
        ),
        (
            scheme(&|s| {
                s["bands"] = json!({ "excellent": "100.5", "good": "75", "qualified": "60" })
            }),
            "bands.excellent",
        ),
        (
            scheme(&|s| s["deductionPoints"] = json!([{ "kind": "OMISSION", "points": "-3" }])),
            "deductionPoints.OMISSION",
        ),
        (
            scheme(
                &|s| s["deductionPoints"] = json!([{ "kind": "OMISSION", "points": "3" }, { "kind": "OMISSION", "points": "4" }]),
            ),
            "deductionPoints.OMISSION",
        ),
    ];
    for (vars, field) in scheme_cases {
        let (code, error) = app.err(Some(&admin), SET_SCHEME, vars.clone()).await;
        assert_eq!(
            (code.as_str(), error["extensions"]["field"].as_str()),
            ("BAD_USER_INPUT", Some(field)),
            "{vars}: {error}"
        );
    }
    for year in [1999, 2025] {
        let (code, error) = app.err(Some(&admin), PUBLISH, json!({ "y": year })).await;
        assert_eq!(
            (code.as_str(), error["extensions"]["field"].as_str()),
            ("BAD_USER_INPUT", Some("year"))
        );
    }
    let (code, error) = app
        .err(Some(&admin), APPRAISAL, json!({ "c": "nope", "y": 2025 }))
        .await;
    assert_eq!(
        (code.as_str(), error["extensions"]["field"].as_str()),
        ("BAD_USER_INPUT", Some("consultancyId"))
    );
    assert_eq!(
        app.code(
            Some(&admin),
            APPRAISAL,
            json!({ "c": uuid::Uuid::now_v7().to_string(), "y": 2025 })
        )
        .await,
        "NOT_FOUND"
    );
    assert_eq!(counts(&app).await, before, "nothing written");
    // A firm without an appraisal: none, not an error.
    let none = app
        .ok(
            Some(&admin),
            APPRAISAL,
            json!({ "c": firm["id"], "y": 2025 }),
        )
        .await;
    assert_eq!(none["appraisal"], Value::Null);
}
db_test!(bad_input_is_refused_and_writes_nothing);

/// Who may not: city admins, experts and firms change nothing; the public is asked to sign in.
async fn roles_that_may_not(app: TestApp) {
    let admin = app.admin().await;
    let firm = create_consultancy(&app, &admin, 1).await;
    let other = create_consultancy(&app, &admin, 2).await;
    record(&app, &admin, appraisal(&other, 2025, ["80"; 5], json!([]))).await;
    let city = app.city_admin("140100").await;
    let expert = create_expert(&app, &admin, 1).await;
    let expert = app.user_token("EXPERT", None, expert["id"].as_str()).await;
    let own = app.consultancy_user(&firm["id"]).await;
    let before = counts(&app).await;
    let writes: Vec<(&str, Value)> = vec![
        (SET_SCHEME, json!({ "y": 2025, "input": scheme_2025() })),
        (RECORD, appraisal(&firm, 2025, ["80"; 5], json!([]))),
        (PUBLISH, json!({ "y": 2025 })),
    ];
    for (query, vars) in &writes {
        for (token, want) in [
            (Some(city.as_str()), "FORBIDDEN"),
            (Some(expert.as_str()), "FORBIDDEN"),
            (Some(own.as_str()), "FORBIDDEN"),
            (None, "UNAUTHENTICATED"),
        ] {
            let (code, error) = app.err(token, query, vars.clone()).await;
            assert_eq!(code, want, "{query}: {error}");
        }
    }
    // Reads of a firm's appraisal and inputs: admins and the firm itself only.
    for query in [APPRAISAL, INPUTS] {
        let vars = json!({ "c": other["id"], "y": 2025 });
        for (token, want) in [
            (Some(expert.as_str()), "FORBIDDEN"),
            (Some(own.as_str()), "FORBIDDEN"),
            (None, "UNAUTHENTICATED"),
        ] {
            assert_eq!(app.code(token, query, vars.clone()).await, want, "{query}");
        }
        app.ok(Some(&city), query, vars).await;
    }
    // Before publication the ranking is the administrators'; an expert finds none, a firm
    // without an appraisal an empty list, the scheme is for administrators and firms.
    assert_eq!(
        app.code(Some(&expert), RANKING, json!({ "y": 2025 })).await,
        "NOT_FOUND"
    );
    let empty = app.ok(Some(&own), RANKING, json!({ "y": 2025 })).await;
    assert_eq!(empty["consultancyRanking"]["entries"], json!([]));
    assert_eq!(
        app.code(Some(&expert), SCHEME, json!({ "y": 2025 })).await,
        "FORBIDDEN"
    );
    app.ok(Some(&own), SCHEME, json!({ "y": 2025 })).await;
    assert_eq!(counts(&app).await, before, "nothing written");
    // After publication everyone reads the ranking and the scheme.
    app.ok(Some(&admin), PUBLISH, json!({ "y": 2025 })).await;
    for token in [Some(expert.as_str()), Some(own.as_str()), None] {
        let ranking = app.ok(token, RANKING, json!({ "y": 2025 })).await;
        assert_eq!(
            ranking["consultancyRanking"]["entries"]
                .as_array()
                .map(Vec::len),
            Some(1)
        );
        app.ok(token, SCHEME, json!({ "y": 2025 })).await;
    }
}
db_test!(roles_that_may_not);

/// `cleanprod report ranking` writes the same file as the route, and refuses an unpublished
/// year with a clear message.
#[actix_web::test]
async fn the_report_command_writes_the_published_ranking() {
    let dir = tempfile::tempdir().expect("tempdir");
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("cli.db").display());
    let app = TestApp::at_url(&url).await;
    let admin = app.admin().await;
    let firm = create_consultancy(&app, &admin, 1).await;
    record(
        &app,
        &admin,
        appraisal(&firm, 2025, ["88.88"; 5], json!([])),
    )
    .await;
    let run = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_cleanprod"))
            .current_dir(dir.path())
            .env("DATABASE_URL", &url)
            .env_remove("CLEANPROD_JWT_SECRET")
            .env_remove("CLEANPROD_DATA_KEY")
            .env("RUST_LOG", "error")
            .args(args)
            .output()
            .expect("run")
    };
    let refused = run(&["report", "ranking", "--year", "2025", "--format", "csv"]);
    assert!(!refused.status.success());
    assert!(
        String::from_utf8_lossy(&refused.stderr)
            .contains("no published consultancy ranking for 2025"),
        "{refused:?}"
    );
    let bad = run(&["report", "ranking", "--year", "2025", "--format", "pdf"]);
    assert!(!bad.status.success());

    app.ok(Some(&admin), PUBLISH, json!({ "y": 2025 })).await;
    let (_, _, from_route) = get(&app, "/reports/consultancy-ranking/2025.csv", &[]).await;
    let out = run(&["report", "ranking", "--year", "2025", "--format", "csv"]);
    assert!(out.status.success(), "{out:?}");
    assert_eq!(out.stdout, from_route, "the same service, the same bytes");
    let file = dir.path().join("ranking.xlsx");
    let out = run(&[
        "report",
        "ranking",
        "--year",
        "2025",
        "--format",
        "xlsx",
        "--out",
        file.to_str().expect("path"),
    ]);
    assert!(out.status.success(), "{out:?}");
    let (_, _, xlsx_route) = get(&app, "/reports/consultancy-ranking/2025.xlsx", &[]).await;
    let written = std::fs::read(&file).expect("written");
    assert_eq!(written, xlsx_route);
    assert_eq!(read_xlsx(&written)[4][6], "88.88");
}
