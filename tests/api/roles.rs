//! Every operation of the audit lifecycle against the roles that may not call it: an expert, a
//! consultancy that has nothing to do with the record, another city's admin (FORBIDDEN) and the
//! public (UNAUTHENTICATED). Nothing is written by any of them.

use serde_json::{Value, json};

use crate::audits::{reported_audit, schedule, setting, submission};
use crate::db_test;
use crate::support::{
    TestApp, consultancy_input, create_consultancy, create_enterprise, create_expert,
    enterprise_input, staff_input,
};

async fn no_one_else_may_act_or_read(app: TestApp) {
    let s = setting(&app).await;
    let (admin, city) = (&s.admin, &s.city);
    // A directory member on a draft list, and an audit with a report and a scheduled review.
    let mut member = enterprise_input(2);
    member["directorySinceYear"] = json!(2021);
    let member = create_enterprise(&app, admin, member).await;
    let list = app
        .ok(
            Some(city),
            "mutation { createAnnualAuditList(input: { cityCode: \"140100\", year: 2025 }) { id } }",
            json!({}),
        )
        .await["createAnnualAuditList"]["id"]
        .clone();
    app.ok(
        Some(city),
        "mutation($id: ID!, $e: ID!) { addEnterprisesToAnnualAuditList(listId: $id, enterpriseIds: [$e]) { id } }",
        json!({ "id": list, "e": member["id"] }),
    )
    .await;
    let dates = ["2024-03-01", "2024-04-01", "2024-05-01"];
    let audit = reported_audit(&app, &s, &s.enterprise, 2024, dates).await;
    let submission = submission(&s, "2024-05-01");
    let review = schedule(&app, city, &audit["id"], "EVALUATION", "2024-06-01").await;
    let option = app
        .ok(
            Some(city),
            "mutation($id: ID!) { addImprovementOption(auditId: $id, input: { kind: NO_LOW_COST, title: \"a\" }) { id } }",
            json!({ "id": audit["id"] }),
        )
        .await["addImprovementOption"]["id"]
        .clone();

    let expert = create_expert(&app, admin, 1).await;
    let expert = app.user_token("EXPERT", None, expert["id"].as_str()).await;
    let stranger = create_consultancy(&app, admin, 2).await;
    let stranger = app.consultancy_user(&stranger["id"]).await;
    let datong = app.city_admin("140200").await;

    let mutations: Vec<(&str, Value)> = vec![
        (
            "mutation($input: CreateEnterpriseInput!) { createEnterprise(input: $input) { id } }",
            json!({ "input": enterprise_input(9) }),
        ),
        (
            "mutation($id: ID!) { updateEnterprise(id: $id, input: { name: \"x\" }, expectedVersion: 1) { id } }",
            json!({ "id": s.enterprise["id"] }),
        ),
        (
            "mutation($id: ID!) { addToDirectory(enterpriseId: $id, sinceYear: 2020) { id } }",
            json!({ "id": s.enterprise["id"] }),
        ),
        (
            "mutation($id: ID!) { recordCertification(enterpriseId: $id, level: LEVEL_ONE, validUntil: \"2027-01-01\", meetsAuditRequirements: true, certifiedOn: \"2024-01-01\") { certification { id } } }",
            json!({ "id": s.enterprise["id"] }),
        ),
        (
            "mutation { createAnnualAuditList(input: { cityCode: \"140100\", year: 2026 }) { id } }",
            json!({}),
        ),
        (
            "mutation($id: ID!, $e: ID!) { addEnterprisesToAnnualAuditList(listId: $id, enterpriseIds: [$e]) { id } }",
            json!({ "id": list, "e": s.enterprise["id"] }),
        ),
        (
            "mutation($id: ID!, $e: ID!) { removeEnterpriseFromAnnualAuditList(listId: $id, enterpriseId: $e) { id } }",
            json!({ "id": list, "e": member["id"] }),
        ),
        (
            "mutation($id: ID!) { submitAnnualAuditList(listId: $id) { id } }",
            json!({ "id": list }),
        ),
        (
            "mutation($id: ID!) { approveAnnualAuditList(listId: $id) { id } }",
            json!({ "id": list }),
        ),
        (
            "mutation($id: ID!) { returnAnnualAuditList(listId: $id, reason: \"x\") { id } }",
            json!({ "id": list }),
        ),
        (
            "mutation($id: ID!) { publishAnnualAuditList(listId: $id) { id } }",
            json!({ "id": list }),
        ),
        (
            "mutation($input: CreateConsultancyInput!) { createConsultancy(input: $input) { id } }",
            json!({ "input": consultancy_input(7) }),
        ),
        (
            "mutation($id: ID!) { updateConsultancy(id: $id, input: { address: \"x\" }, expectedVersion: 1) { id } }",
            json!({ "id": s.firm["id"] }),
        ),
        (
            "mutation($id: ID!) { setConsultancyStatus(id: $id, status: SUSPENDED, reason: \"x\") { id } }",
            json!({ "id": s.firm["id"] }),
        ),
        (
            "mutation($id: ID!, $input: ConsultancyStaffInput!) { addConsultancyStaff(consultancyId: $id, input: $input) { id } }",
            json!({ "id": s.firm["id"], "input": staff_input(8, "2020-01-01") }),
        ),
        (
            "mutation($id: ID!) { endConsultancyStaffEmployment(staffId: $id, endedOn: \"2025-01-01\") { id } }",
            json!({ "id": s.lead["id"] }),
        ),
        (
            "mutation($id: ID!) { createAudit(input: { enterpriseId: $id, year: 2025 }) { id } }",
            json!({ "id": member["id"] }),
        ),
        (
            "mutation($id: ID!) { startAudit(auditId: $id) { id } }",
            json!({ "id": audit["id"] }),
        ),
        (
            "mutation($id: ID!, $input: SubmitAuditReportInput!) { submitAuditReport(auditId: $id, input: $input) { id } }",
            json!({ "id": audit["id"], "input": submission }),
        ),
        (
            "mutation($id: ID!) { grantAcceptanceExtension(auditId: $id, until: \"2026-01-01\", reason: \"x\") { id } }",
            json!({ "id": audit["id"] }),
        ),
        (
            "mutation($id: ID!) { scheduleReview(input: { auditId: $id, kind: RECHECK, date: \"2024-07-01\" }) { id } }",
            json!({ "id": audit["id"] }),
        ),
        (
            "mutation($id: ID!) { recordReviewOutcome(reviewId: $id, input: { outcome: PASSED, opinion: \"x\" }) { review { id } } }",
            json!({ "id": review }),
        ),
        (
            "mutation($id: ID!) { addImprovementOption(auditId: $id, input: { kind: NO_LOW_COST, title: \"b\" }) { id } }",
            json!({ "id": audit["id"] }),
        ),
        (
            "mutation($id: ID!) { updateImprovementOption(id: $id, input: { title: \"c\" }, expectedVersion: 1) { id } }",
            json!({ "id": option }),
        ),
    ];
    let queries: Vec<(&str, Value)> = vec![
        (
            "query($id: ID!) { enterprise(id: $id) { id } }",
            json!({ "id": s.enterprise["id"] }),
        ),
        (
            "{ directory(filter: { cityCode: \"140100\" }) { totalCount } }",
            json!({}),
        ),
        (
            "query($id: ID!) { annualAuditList(id: $id) { id } }",
            json!({ "id": list }),
        ),
        (
            "query($id: ID!) { audit(id: $id) { id } }",
            json!({ "id": audit["id"] }),
        ),
        (
            "query($id: ID!) { review(id: $id) { id } }",
            json!({ "id": review }),
        ),
        (
            "{ annualSummary(year: 2024, cityCode: \"140100\") { year } }",
            json!({}),
        ),
        (
            "{ annualAuditLists(filter: { cityCode: \"140100\" }) { totalCount } }",
            json!({}),
        ),
    ];
    let written = (
        app.count("audit_log").await,
        app.count("enterprises").await,
        app.count("audits").await,
        app.count("reviews").await,
    );
    for (operation, vars) in mutations.iter().chain(queries.iter()) {
        for (token, who) in [
            (Some(expert.as_str()), "an expert"),
            (Some(stranger.as_str()), "another consultancy"),
            (Some(datong.as_str()), "another city's admin"),
        ] {
            let (code, error) = app.err(token, operation, vars.clone()).await;
            assert_eq!(code, "FORBIDDEN", "{who}: {operation}: {error}");
        }
        let (code, error) = app.err(None, operation, vars.clone()).await;
        assert_eq!(code, "UNAUTHENTICATED", "{operation}: {error}");
    }
    assert_eq!(
        (
            app.count("audit_log").await,
            app.count("enterprises").await,
            app.count("audits").await,
            app.count("reviews").await,
        ),
        written,
        "nothing written"
    );
    // A firm's lists are scoped to the audits it holds: another firm sees none of these.
    let overdue = "{ overdueAudits(cityCode: \"140100\", asOf: \"2030-01-01\") { totalCount } }";
    let held = app.ok(Some(city), overdue, json!({})).await;
    assert_eq!(held["overdueAudits"]["totalCount"], 1);
    let seen = app.ok(Some(&stranger), overdue, json!({})).await;
    assert_eq!(seen["overdueAudits"]["totalCount"], 0);
    for (token, want) in [
        (Some(expert.as_str()), "FORBIDDEN"),
        (Some(datong.as_str()), "FORBIDDEN"),
        (None, "UNAUTHENTICATED"),
    ] {
        assert_eq!(app.code(token, overdue, json!({})).await, want);
    }

    // The registry's reads are for administrators and the firm itself.
    for operation in [
        "{ consultancies { totalCount } }",
        "query($id: ID!) { consultancy(id: $id) { id } }",
    ] {
        let vars = json!({ "id": s.firm["id"] });
        assert_eq!(
            app.code(Some(&expert), operation, vars.clone()).await,
            "FORBIDDEN",
            "{operation}"
        );
        assert_eq!(
            app.code(None, operation, vars).await,
            "UNAUTHENTICATED",
            "{operation}"
        );
    }
    assert_eq!(
        app.code(
            Some(&stranger),
            "query($id: ID!) { consultancy(id: $id) { id } }",
            json!({ "id": s.firm["id"] })
        )
        .await,
        "FORBIDDEN"
    );
}
db_test!(no_one_else_may_act_or_read);
