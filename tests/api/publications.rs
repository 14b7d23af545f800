//! Publications (通报) of results through the API: a city publishes its evaluation and
//! acceptance results of a period, the province its recheck findings; the public reads exactly
//! what was published, frozen on its day, and nothing more.

use chrono::Datelike;
use serde_json::{Value, json};

use crate::audits::{Setting, schedule, setting};
use crate::db_test;
use crate::finding_confirmation::{PUBLIC_FIRM_FINDINGS, act, confirm_findings, two_findings};
use crate::panels::{day, evaluation, hold, pool, today};
use crate::support::{TestApp, create_expert};

const PUBLISH_RESULTS: &str = "mutation($input: PublishReviewResultsInput!) { publishReviewResults(input: $input) { id title cityCode from to publishedOn resultCount results { enterpriseName creditCode kind kindLabel reviewDate outcome outcomeLabel score } } }";
const RESULTS: &str = "query($city: String, $year: Int!) { publishedReviewResults(cityCode: $city, year: $year) { title cityCode city { name } from to publishedOn resultCount results { enterpriseName creditCode kind reviewDate outcome score } } }";
const PUBLISH_FINDINGS: &str = "mutation($input: PublishRecheckFindingsInput!) { publishRecheckFindings(input: $input) { id year publishedOn findings { kind kindLabel description enterpriseName enterpriseCreditCode consultancyName consultancyCreditCode leadAuditorName expertNames } } }";
const FINDINGS_READ: &str = "query($year: Int!) { publishedRecheckFindings(year: $year) { year publishedOn kind description enterpriseName consultancyName leadAuditorName expertNames } }";
const RECORD_FINDINGS: &str = "mutation($id: ID!, $findings: [RecheckFindingInput!]!) { recordRecheckFindings(reviewId: $id, findings: $findings) { id } }";

/// An evaluation held today with every seat attended and a PASSED outcome: (audit, review).
async fn passed_evaluation(app: &TestApp, s: &Setting, serial: u32) -> (Value, Value) {
    let (audit, review) = evaluation(app, s, serial, &day(0)).await;
    hold(app, &s.city, &review).await;
    (audit, review)
}

async fn rename_enterprise(app: &TestApp, admin: &str, id: &Value, name: &str) {
    let version = app
        .ok(
            Some(admin),
            "query($id: ID!) { enterprise(id: $id) { version } }",
            json!({ "id": id }),
        )
        .await["enterprise"]["version"]
        .clone();
    app.ok(
        Some(admin),
        "mutation($id: ID!, $input: UpdateEnterpriseInput!, $v: Int!) { updateEnterprise(id: $id, input: $input, expectedVersion: $v) { id } }",
        json!({ "id": id, "input": { "name": name }, "v": version }),
    )
    .await;
}

async fn enterprise_of(app: &TestApp, admin: &str, audit: &Value) -> Value {
    app.ok(
        Some(admin),
        "query($id: ID!) { audit(id: $id) { enterprise { id } } }",
        json!({ "id": audit }),
    )
    .await["audit"]["enterprise"]["id"]
        .clone()
}

pub(crate) async fn results_and_findings_are_published_and_frozen(app: TestApp) {
    let s = setting(&app).await;
    pool(&app, &s.admin, 100, 1).await;
    let year = today().year();
    let (audit, review) = passed_evaluation(&app, &s, 10).await;

    // Nothing public before publication.
    let read = app
        .ok(None, RESULTS, json!({ "city": "140100", "year": year }))
        .await;
    assert_eq!(read["publishedReviewResults"], json!([]));

    // The city publishes its results of the period.
    let published = act(
        &app,
        &s.city,
        PUBLISH_RESULTS,
        json!({ "cityCode": "140100", "from": day(-30), "to": day(0) }),
    )
    .await;
    assert_eq!(published["resultCount"], 1);
    assert!(
        published["title"]
            .as_str()
            .is_some_and(|t| t.contains("结果通报"))
    );
    let line = &published["results"][0];
    assert_eq!(line["enterpriseName"], "企业10");
    assert_eq!(line["kind"], "EVALUATION");
    assert_eq!(line["outcome"], "PASSED");
    assert_eq!(line["score"], "88");
    assert_eq!(line["reviewDate"], day(0));

    // The recheck and its findings; the province publishes them.
    let recheck = schedule(&app, &s.admin, &audit, "RECHECK", &day(0)).await;
    let recorded = app
        .ok(
            Some(&s.admin),
            RECORD_FINDINGS,
            json!({ "id": recheck, "findings": two_findings() }),
        )
        .await["recordRecheckFindings"]
        .clone();
    // Only confirmed findings are published.
    confirm_findings(&app, &s.admin, &s.firm["id"], &recorded).await;
    let read = app.ok(None, FINDINGS_READ, json!({ "year": year })).await;
    assert_eq!(read["publishedRecheckFindings"], json!([]));
    let first = act(
        &app,
        &s.admin,
        PUBLISH_FINDINGS,
        json!({ "year": year, "findingIds": [recorded[0]["id"]] }),
    )
    .await;
    let f = &first["findings"][0];
    assert_eq!(f["kind"], "FALSIFICATION");
    assert_eq!(f["kindLabel"], "弄虚作假");
    assert_eq!(f["enterpriseName"], "企业10");
    assert_eq!(f["consultancyName"], "咨询机构1");
    assert_eq!(f["leadAuditorName"], "审核员1");
    assert_eq!(f["expertNames"].as_array().map(Vec::len), Some(3));
    // The rest of the year.
    let rest = act(&app, &s.admin, PUBLISH_FINDINGS, json!({ "year": year })).await;
    assert_eq!(rest["findings"].as_array().map(Vec::len), Some(1));
    assert_eq!(rest["findings"][0]["kind"], "OMISSION");

    // Later changes do not change what was published.
    let enterprise = enterprise_of(&app, &s.admin, &audit).await;
    rename_enterprise(&app, &s.admin, &enterprise, "改名企业").await;
    let read = app
        .ok(None, RESULTS, json!({ "city": "140100", "year": year }))
        .await;
    let list = read["publishedReviewResults"].as_array().expect("list");
    assert_eq!(list.len(), 1);
    assert_eq!(list[0]["results"][0]["enterpriseName"], "企业10");
    assert_eq!(list[0]["city"]["name"], "太原市");
    let read = app.ok(None, FINDINGS_READ, json!({ "year": year })).await;
    let found = read["publishedRecheckFindings"].as_array().expect("list");
    assert_eq!(found.len(), 2);
    assert!(found.iter().all(|f| f["enterpriseName"] == "企业10"));
    // Another city's or year's reads show nothing.
    let read = app
        .ok(None, RESULTS, json!({ "city": "140200", "year": year }))
        .await;
    assert_eq!(read["publishedReviewResults"], json!([]));
    let read = app
        .ok(None, FINDINGS_READ, json!({ "year": year - 1 }))
        .await;
    assert_eq!(read["publishedRecheckFindings"], json!([]));

    // The public registry shows the published findings against the firm.
    let registry = app
        .ok(
            None,
            "{ publicConsultancies(first: 10) { edges { node { name publishedFindings { kind enterpriseName } } } } }",
            json!({}),
        )
        .await;
    let firm = &registry["publicConsultancies"]["edges"][0]["node"];
    assert_eq!(firm["name"], "咨询机构1");
    assert_eq!(firm["publishedFindings"].as_array().map(Vec::len), Some(2));
    let one = app
        .ok(None, PUBLIC_FIRM_FINDINGS, json!({ "id": s.firm["id"] }))
        .await;
    assert_eq!(
        one["publicConsultancy"]["publishedFindings"]
            .as_array()
            .map(Vec::len),
        Some(2)
    );

    // Only the public fields: a private one is a validation error.
    for (query, field) in [
        (
            "query($y: Int!) { publishedReviewResults(year: $y) { results { reviewId } } }",
            "reviewId",
        ),
        (
            "query($y: Int!) { publishedReviewResults(year: $y) { results { opinion } } }",
            "opinion",
        ),
        (
            "query($y: Int!) { publishedRecheckFindings(year: $y) { consultancy { id } } }",
            "consultancy",
        ),
        (
            "query($y: Int!) { publishedRecheckFindings(year: $y) { implicatedExperts { expertId } } }",
            "implicatedExperts",
        ),
    ] {
        app.refused_field(query, json!({ "y": year }), field).await;
    }
    let _ = review;
}

db_test!(results_and_findings_are_published_and_frozen);

pub(crate) async fn bad_input_and_who_may_not(app: TestApp) {
    let s = setting(&app).await;
    pool(&app, &s.admin, 100, 1).await;
    let year = today().year();
    let (audit, _) = passed_evaluation(&app, &s, 10).await;
    let tables = [
        "review_result_publications",
        "review_result_lines",
        "finding_publications",
        "published_findings",
    ];
    let other_city = app.city_admin("140200").await;
    let firm = app.consultancy_user(&s.firm["id"]).await;
    let enterprise = enterprise_of(&app, &s.admin, &audit).await;
    let enterprise_user = app
        .user_with(json!({ "role": "ENTERPRISE", "enterpriseId": enterprise }))
        .await;
    let expert = create_expert(&app, &s.admin, 900).await;
    let expert_user = app.user_token("EXPERT", None, expert["id"].as_str()).await;
    let before = {
        let mut n = Vec::new();
        for t in tables {
            n.push(app.count(t).await);
        }
        n
    };
    let log_before = app.count("audit_log").await;

    // Bad periods, and one with nothing to publish.
    for (from, to, field) in [
        (day(0), day(-1), "input.from"),
        (day(-5), day(1), "input.to"),
        (day(-400), day(-200), "input.from"),
    ] {
        let (code, error) = app
            .err(
                Some(&s.city),
                PUBLISH_RESULTS,
                json!({ "input": { "cityCode": "140100", "from": from, "to": to } }),
            )
            .await;
        assert_eq!(
            (code.as_str(), error["extensions"]["field"].as_str()),
            ("BAD_USER_INPUT", Some(field)),
            "{from}..{to}"
        );
    }
    // Another city has nothing in the period.
    let (code, _) = app
        .err(
            Some(&s.admin),
            PUBLISH_RESULTS,
            json!({ "input": { "cityCode": "140200", "from": day(-30), "to": day(0) } }),
        )
        .await;
    assert_eq!(code, "BAD_USER_INPUT");
    // No finding recorded: nothing to publish; an unknown finding id.
    for input in [
        json!({ "year": year }),
        json!({ "year": year, "findingIds": [] }),
        json!({ "year": year, "findingIds": [uuid::Uuid::now_v7().to_string()] }),
    ] {
        let (code, _) = app
            .err(Some(&s.admin), PUBLISH_FINDINGS, json!({ "input": input }))
            .await;
        assert_eq!(code, "BAD_USER_INPUT", "{input}");
    }

    // Who may not publish results of 140100.
    let results_input =
        json!({ "input": { "cityCode": "140100", "from": day(-30), "to": day(0) } });
    for token in [&other_city, &firm, &enterprise_user, &expert_user] {
        let code = app
            .code(Some(token), PUBLISH_RESULTS, results_input.clone())
            .await;
        assert_eq!(code, "FORBIDDEN");
    }
    assert_eq!(
        app.code(None, PUBLISH_RESULTS, results_input).await,
        "UNAUTHENTICATED"
    );
    // Only the province publishes findings.
    for token in [&s.city, &firm, &enterprise_user, &expert_user] {
        let code = app
            .code(
                Some(token),
                PUBLISH_FINDINGS,
                json!({ "input": { "year": year } }),
            )
            .await;
        assert_eq!(code, "FORBIDDEN");
    }
    assert_eq!(
        app.code(None, PUBLISH_FINDINGS, json!({ "input": { "year": year } }))
            .await,
        "UNAUTHENTICATED"
    );

    let after = {
        let mut n = Vec::new();
        for t in tables {
            n.push(app.count(t).await);
        }
        n
    };
    assert_eq!(after, before, "nothing written");
    assert_eq!(app.count("audit_log").await, log_before);

    // A finding published once cannot be published again.
    let recheck = schedule(&app, &s.admin, &audit, "RECHECK", &day(0)).await;
    let recorded = app
        .ok(
            Some(&s.admin),
            RECORD_FINDINGS,
            json!({ "id": recheck, "findings": [{ "kind": "OMISSION", "description": "遗漏" }] }),
        )
        .await["recordRecheckFindings"]
        .clone();
    confirm_findings(&app, &s.admin, &s.firm["id"], &recorded).await;
    app.ok(
        Some(&s.admin),
        PUBLISH_FINDINGS,
        json!({ "input": { "year": year } }),
    )
    .await;
    let n = app.count("published_findings").await;
    for input in [
        json!({ "year": year }),
        json!({ "year": year, "findingIds": [recorded[0]["id"]] }),
    ] {
        let (code, _) = app
            .err(Some(&s.admin), PUBLISH_FINDINGS, json!({ "input": input }))
            .await;
        assert_eq!(code, "BAD_USER_INPUT");
    }
    assert_eq!(app.count("published_findings").await, n);
}

db_test!(bad_input_and_who_may_not);
