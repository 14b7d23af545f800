//! A city admin reaches nothing of another city: not through root queries, not through
//! connections, filters, nested fields, reports or mutations.

use actix_web::http::StatusCode;
use actix_web::test::TestRequest;
use serde_json::json;

use crate::audits::{CREATE_AUDIT, SCHEDULE, START, SUBMIT, setting};
use crate::db_test;
use crate::support::{CREATE_ENTERPRISE, TestApp, enterprise_input};

async fn another_city_is_closed_everywhere(app: TestApp) {
    let s = setting(&app).await; // an enterprise of Taiyuan (140100)
    let audit = app
        .ok(
            Some(&s.admin),
            CREATE_AUDIT,
            json!({ "input": { "enterpriseId": s.enterprise["id"], "year": 2024, "noticeDate": "2024-03-15" } }),
        )
        .await["createAudit"]
        .clone();
    app.ok(
        Some(&s.admin),
        START,
        json!({ "id": audit["id"], "on": "2024-04-01" }),
    )
    .await;
    app.ok(
        Some(&s.admin),
        SUBMIT,
        json!({ "id": audit["id"], "input": { "consultancyId": s.firm["id"], "leadAuditorId": s.lead["id"], "submittedOn": "2024-06-01" } }),
    )
    .await;
    let scheduled = app
        .ok(
            Some(&s.admin),
            SCHEDULE,
            json!({ "input": { "auditId": audit["id"], "kind": "EVALUATION", "date": "2024-07-01" } }),
        )
        .await;
    let review_id = scheduled["scheduleReview"]["id"].clone();
    let datong = app.city_admin("140200").await;

    // Single records.
    for (query, vars) in [
        (
            "query($id: ID!) { enterprise(id: $id) { name } }",
            json!({ "id": s.enterprise["id"] }),
        ),
        (
            "query($id: ID!) { audit(id: $id) { status } }",
            json!({ "id": audit["id"] }),
        ),
        (
            "query($id: ID!) { review(id: $id) { kind } }",
            json!({ "id": review_id }),
        ),
    ] {
        let (code, error) = app.err(Some(&datong), query, vars).await;
        assert_eq!(code, "FORBIDDEN", "{query}: {error}");
    }

    // Connections: unfiltered lists hold only Datong's rows; asking for Taiyuan is refused.
    let lists = app
        .ok(
            Some(&datong),
            "{ enterprises { totalCount } audits { totalCount } directory { totalCount } overdueAudits(asOf: \"2030-01-01\") { totalCount } annualAuditLists { totalCount } }",
            json!({}),
        )
        .await;
    for list in [
        "enterprises",
        "audits",
        "directory",
        "overdueAudits",
        "annualAuditLists",
    ] {
        assert_eq!(
            lists[list]["totalCount"], 0,
            "{list} leaks another city: {lists}"
        );
    }
    for (query, vars) in [
        (
            "query($c: String) { enterprises(filter: { cityCode: $c }) { totalCount } }",
            json!({ "c": "140100" }),
        ),
        (
            "query($c: String) { audits(filter: { cityCode: $c }) { totalCount } }",
            json!({ "c": "140100" }),
        ),
        (
            "query($c: String) { overdueAudits(cityCode: $c, asOf: \"2030-01-01\") { totalCount } }",
            json!({ "c": "140100" }),
        ),
        (
            "query($c: String) { annualSummary(year: 2024, cityCode: $c) { year } }",
            json!({ "c": "140100" }),
        ),
    ] {
        let (code, error) = app.err(Some(&datong), query, vars).await;
        assert_eq!(code, "FORBIDDEN", "{query}: {error}");
    }

    // Reports over HTTP.
    let (status, _, _) = app
        .send(
            TestRequest::get()
                .uri("/reports/annual-summary/2024.csv?cityCode=140100")
                .insert_header(("authorization", format!("Bearer {datong}"))),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // Writes.
    let before = (
        app.count("enterprises").await,
        app.count("audits").await,
        app.count("reviews").await,
    );
    let mut taiyuan = enterprise_input(50);
    taiyuan["cityCode"] = json!("140100");
    assert_eq!(
        app.code(
            Some(&datong),
            CREATE_ENTERPRISE,
            json!({ "input": taiyuan })
        )
        .await,
        "FORBIDDEN"
    );
    assert_eq!(app.code(Some(&datong),
            CREATE_AUDIT,
            json!({ "input": { "enterpriseId": s.enterprise["id"], "year": 2025, "noticeDate": "2025-03-15" } })).await, "FORBIDDEN");
    assert_eq!(app.code(Some(&datong),
            SCHEDULE,
            json!({ "input": { "auditId": audit["id"], "kind": "ACCEPTANCE", "date": "2025-07-01" } })).await, "FORBIDDEN");
    assert_eq!(app.code(Some(&datong),
            "mutation($id: ID!) { recordReviewOutcome(reviewId: $id, input: { outcome: PASSED, score: \"90\", opinion: \"x\" }) { review { status } } }",
            json!({ "id": review_id })).await, "FORBIDDEN");
    assert_eq!(
        (
            app.count("enterprises").await,
            app.count("audits").await,
            app.count("reviews").await
        ),
        before
    );

    // Taiyuan's own admin sees it all.
    app.ok(
        Some(&s.city),
        "query($id: ID!) { audit(id: $id) { enterprise { name } reviews { kind } } }",
        json!({ "id": audit["id"] }),
    )
    .await;
}
db_test!(another_city_is_closed_everywhere);
