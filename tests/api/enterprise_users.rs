//! The enterprise as a user (主体责任): it signs in as ENTERPRISE, sees its own enterprise,
//! audits and reviews and nothing of others, discloses, starts and reports its audit itself
//! (with a consultancy or on its own), and applies for a later acceptance that its city grants
//! or refuses. Each step's deadline shows on the audit.

use serde_json::{Value, json};

use crate::audits::{CREATE_AUDIT, RECORD, SCHEDULE, Setting, setting};
use crate::db_test;
use crate::support::{TestApp, create_enterprise, enterprise_input};

const DISCLOSE: &str = "mutation($id: ID!, $input: AuditDisclosureInput!) { recordAuditDisclosure(auditId: $id, input: $input) { disclosedOn disclosureChannel disclosureUrl disclosureContent deadline { kind due } } }";
const START: &str = "mutation($id: ID!, $on: Date) { startAudit(auditId: $id, startedOn: $on) { status startedOn deadline { kind due } } }";
const SUBMIT: &str = "mutation($id: ID!, $input: SubmitAuditReportInput!) { submitAuditReport(auditId: $id, input: $input) { status selfOrganised teamLeader { name position } consultancy { name } leadAuditor { name } evaluationDue deadline { kind due } } }";
const DEADLINES: &str = "query($id: ID!, $asOf: Date) { audit(id: $id) { deadline { kind due } deadlines(asOf: $asOf) { kind due doneOn met overdue } history { event note } } }";
const REQUEST: &str = "mutation($id: ID!, $until: Date!, $r: String!) { requestAcceptanceExtension(auditId: $id, until: $until, reason: $r) { extensionRequest { until reason requestedOn } acceptanceDue } }";
const DECIDE: &str = "mutation($id: ID!, $grant: Boolean!, $r: String!) { decideAcceptanceExtension(auditId: $id, grant: $grant, reason: $r) { extensionRequest { until } acceptanceExtendedUntil extensionReason acceptanceDue deadline { kind due } history { event note } } }";

/// A user acting for `enterprise`.
pub async fn enterprise_user(app: &TestApp, enterprise: &Value) -> String {
    app.user_with(json!({ "role": "ENTERPRISE", "enterpriseId": enterprise["id"] }))
        .await
}

async fn audit_of(app: &TestApp, s: &Setting, enterprise: &Value, notice: &str) -> Value {
    app.ok(
        Some(&s.city),
        CREATE_AUDIT,
        json!({ "input": { "enterpriseId": enterprise["id"], "year": 2024, "noticeDate": notice } }),
    )
    .await["createAudit"]
        .clone()
}

/// The audit's deadlines as `token` reads them on `as_of`.
async fn deadlines_as_of(app: &TestApp, token: &str, id: &Value, as_of: &str) -> Value {
    app.ok(Some(token), DEADLINES, json!({ "id": id, "asOf": as_of }))
        .await["audit"]
        .clone()
}

/// `token` grants or refuses the waiting extension; returns the audit.
async fn decide(app: &TestApp, token: &str, id: &Value, grant: bool, reason: &str) -> Value {
    app.ok(
        Some(token),
        DECIDE,
        json!({ "id": id, "grant": grant, "r": reason }),
    )
    .await["decideAcceptanceExtension"]
        .clone()
}

async fn transitions(app: &TestApp) -> (i64, i64) {
    (
        app.count("audit_transitions").await,
        app.count("audit_log").await,
    )
}

/// `query` (taking `$id`) answers `token` about `own` and refuses it about `other`.
async fn reads_own_only(app: &TestApp, token: &str, query: &str, own: &Value, other: &Value) {
    app.ok(Some(token), query, json!({ "id": own })).await;
    assert_eq!(
        app.code(Some(token), query, json!({ "id": other })).await,
        "FORBIDDEN",
        "{query}"
    );
}

async fn an_enterprise_user_sees_its_own_and_nothing_more(app: TestApp) {
    let s = setting(&app).await;
    let other = create_enterprise(&app, &s.admin, enterprise_input(2)).await;
    let own_audit = audit_of(&app, &s, &s.enterprise, "2024-03-01").await;
    let other_audit = audit_of(&app, &s, &other, "2024-03-01").await;

    // The account is bound to an enterprise that exists.
    let create = "mutation($input: CreateUserInput!) { createUser(input: $input) { id } }";
    let users = app.count("users").await;
    for (input, field) in [
        (json!({ "role": "ENTERPRISE" }), "enterpriseId"),
        (
            json!({ "role": "ENTERPRISE", "enterpriseId": uuid::Uuid::now_v7().to_string() }),
            "enterpriseId",
        ),
    ] {
        let mut input = input;
        input["username"] = json!("firm-user");
        input["password"] = json!("a-long-enough-password");
        let (code, error) = app
            .err(Some(&s.admin), create, json!({ "input": input }))
            .await;
        assert_eq!(code, "BAD_USER_INPUT");
        assert_eq!(error["extensions"]["field"], field);
    }
    assert_eq!(app.count("users").await, users, "nothing written");

    let own = enterprise_user(&app, &s.enterprise).await;
    let me = app
        .ok(Some(&own), "{ me { role enterpriseId } }", json!({}))
        .await;
    assert_eq!(
        me["me"],
        json!({ "role": "ENTERPRISE", "enterpriseId": s.enterprise["id"] })
    );

    let enterprise = "query($id: ID!) { enterprise(id: $id) { name } }";
    reads_own_only(&app, &own, enterprise, &s.enterprise["id"], &other["id"]).await;
    let listed = app
        .ok(
            Some(&own),
            "{ enterprises { totalCount edges { node { id } } } }",
            json!({}),
        )
        .await;
    assert_eq!(listed["enterprises"]["totalCount"], 1);
    assert_eq!(
        listed["enterprises"]["edges"][0]["node"]["id"],
        s.enterprise["id"]
    );

    let audit = "query($id: ID!) { audit(id: $id) { id options { title } reviews { kind } } }";
    reads_own_only(&app, &own, audit, &own_audit["id"], &other_audit["id"]).await;
    let audits = "query($f: AuditFilter) { audits(filter: $f) { totalCount } }";
    assert_eq!(
        app.code(
            Some(&own),
            audits,
            json!({ "f": { "enterpriseId": other["id"] } })
        )
        .await,
        "FORBIDDEN"
    );
    // Its lists hold its own and nothing more.
    for (query, variables, field, total) in [
        (audits, json!({ "f": null }), "audits", 1),
        (
            "{ overdueAudits(asOf: \"2030-01-01\") { totalCount } }",
            json!({}),
            "overdueAudits",
            1,
        ),
        ("{ reviews { totalCount } }", json!({}), "reviews", 0),
    ] {
        let seen = app.ok(Some(&own), query, variables).await;
        assert_eq!(seen[field]["totalCount"], total, "{query}");
    }

    // What belongs to officials or to other parties stays closed.
    for query in [
        "{ directory { totalCount } }",
        "{ experts { totalCount } }",
        "{ annualAuditLists { totalCount } }",
        "{ recheckFindings { totalCount } }",
        "{ auditLog { totalCount } }",
    ] {
        assert_eq!(
            app.code(Some(&own), query, json!({})).await,
            "FORBIDDEN",
            "{query}"
        );
    }
}
db_test!(an_enterprise_user_sees_its_own_and_nothing_more);

pub(crate) async fn the_enterprise_discloses_starts_and_reports_on_its_own(app: TestApp) {
    let s = setting(&app).await;
    let other = create_enterprise(&app, &s.admin, enterprise_input(2)).await;
    let audit = audit_of(&app, &s, &s.enterprise, "2024-03-01").await;
    let id = &audit["id"];
    let own = enterprise_user(&app, &s.enterprise).await;
    let stranger = enterprise_user(&app, &other).await;

    // Notified: the disclosure is owed first, one month after the notice.
    let read = deadlines_as_of(&app, &own, id, "2024-04-02").await;
    assert_eq!(
        read["deadline"],
        json!({ "kind": "DISCLOSURE", "due": "2024-04-01" })
    );
    assert_eq!(
        read["deadlines"],
        json!([
            { "kind": "DISCLOSURE", "due": "2024-04-01", "doneOn": null, "met": false, "overdue": true },
            { "kind": "START", "due": "2024-05-01", "doneOn": null, "met": false, "overdue": false },
            { "kind": "REPORT", "due": "2025-03-01", "doneOn": null, "met": false, "overdue": false },
        ])
    );

    // Bad disclosures and other people's write nothing.
    let other_city = app.city_admin("140200").await;
    let firm = app.consultancy_user(&s.firm["id"]).await;
    let before = transitions(&app).await;
    let good = json!({ "disclosedOn": "2024-03-20", "channel": "OWN_WEBSITE", "url": "https://example.cn/qjsc", "content": "企业基本情况、审核计划" });
    let mut bad = Vec::new();
    for (change, field) in [
        (json!({ "url": null }), "url"),
        (json!({ "url": "ftp://example.cn/x" }), "url"),
        (json!({ "disclosedOn": "2024-02-28" }), "disclosedOn"),
        (json!({ "disclosedOn": "2999-01-01" }), "disclosedOn"),
        (json!({ "content": "  " }), "content"),
    ] {
        let mut input = good.clone();
        for (k, v) in change.as_object().expect("object") {
            input[k] = v.clone();
        }
        bad.push((input, field));
    }
    for (input, field) in bad {
        let (code, error) = app
            .err(Some(&own), DISCLOSE, json!({ "id": id, "input": input }))
            .await;
        assert_eq!(
            (code.as_str(), &error["extensions"]["field"]),
            ("BAD_USER_INPUT", &json!(field))
        );
    }
    for token in [&stranger, &other_city] {
        assert_eq!(
            app.code(Some(token), DISCLOSE, json!({ "id": id, "input": good }))
                .await,
            "FORBIDDEN"
        );
    }
    assert_eq!(
        app.code(Some(&firm), START, json!({ "id": id, "on": "2024-04-10" }))
            .await,
        "FORBIDDEN"
    );
    assert_eq!(transitions(&app).await, before, "nothing written");

    let disclosed = app
        .ok(Some(&own), DISCLOSE, json!({ "id": id, "input": good }))
        .await["recordAuditDisclosure"]
        .clone();
    assert_eq!(disclosed["disclosureChannel"], "OWN_WEBSITE");
    assert_eq!(disclosed["disclosureUrl"], "https://example.cn/qjsc");
    assert_eq!(
        disclosed["deadline"],
        json!({ "kind": "START", "due": "2024-05-01" })
    );

    let started = app
        .ok(Some(&own), START, json!({ "id": id, "on": "2024-04-10" }))
        .await["startAudit"]
        .clone();
    assert_eq!(started["status"], "IN_PROGRESS");
    assert_eq!(
        started["deadline"],
        json!({ "kind": "REPORT", "due": "2025-03-01" })
    );

    // The report: a consultancy and its lead auditor, or the enterprise's own team leader.
    let before = transitions(&app).await;
    let leader = json!({ "name": "王工", "position": "副总经理" });
    for (input, field) in [
        (
            json!({ "consultancyId": s.firm["id"], "leadAuditorId": s.lead["id"], "teamLeader": leader }),
            "teamLeader",
        ),
        (json!({}), "consultancyId"),
        (json!({ "consultancyId": s.firm["id"] }), "leadAuditorId"),
        (
            json!({ "teamLeader": leader, "leadAuditorId": s.lead["id"] }),
            "leadAuditorId",
        ),
        (
            json!({ "teamLeader": { "name": " ", "position": "副总经理" } }),
            "teamLeader.name",
        ),
    ] {
        let (code, error) = app
            .err(Some(&own), SUBMIT, json!({ "id": id, "input": input }))
            .await;
        assert_eq!(code, "BAD_USER_INPUT", "{input}");
        assert_eq!(error["extensions"]["field"], field, "{input}");
    }
    assert_eq!(transitions(&app).await, before, "nothing written");

    let reported = app
        .ok(
            Some(&own),
            SUBMIT,
            json!({ "id": id, "input": { "teamLeader": leader, "submittedOn": "2024-06-01" } }),
        )
        .await["submitAuditReport"]
        .clone();
    assert_eq!(
        reported,
        json!({
            "status": "REPORT_SUBMITTED",
            "selfOrganised": true,
            "teamLeader": leader,
            "consultancy": null,
            "leadAuditor": null,
            "evaluationDue": "2024-08-31",
            "deadline": { "kind": "EVALUATION", "due": "2024-08-31" },
        })
    );
    let read = deadlines_as_of(&app, &own, id, "2024-06-02").await;
    let met: Vec<(Value, Value)> = read["deadlines"]
        .as_array()
        .expect("deadlines")
        .iter()
        .map(|d| (d["kind"].clone(), d["met"].clone()))
        .collect();
    assert_eq!(
        met,
        [
            (json!("DISCLOSURE"), json!(true)),
            (json!("START"), json!(true)),
            (json!("REPORT"), json!(true)),
            (json!("EVALUATION"), json!(false)),
        ]
    );
    let events: Vec<&str> = read["history"]
        .as_array()
        .expect("history")
        .iter()
        .filter_map(|h| h["event"].as_str())
        .collect();
    assert_eq!(events, ["NOTIFY", "DISCLOSE", "START", "SUBMIT_REPORT"]);
}
db_test!(the_enterprise_discloses_starts_and_reports_on_its_own);

pub(crate) async fn extensions_are_applied_for_and_decided(app: TestApp) {
    let s = setting(&app).await;
    let audit = audit_of(&app, &s, &s.enterprise, "2024-03-01").await;
    let id = &audit["id"];
    // Sent more than once: to be refused, then accepted.
    let first_request = json!({ "id": id, "until": "2025-09-30", "r": "设备到货延迟" });
    let grant = json!({ "id": id, "grant": true, "r": "同意" });
    let own = enterprise_user(&app, &s.enterprise).await;
    let firm = app.consultancy_user(&s.firm["id"]).await;
    app.ok(Some(&own), START, json!({ "id": id, "on": "2024-03-10" }))
        .await;
    app.ok(
        Some(&own),
        SUBMIT,
        json!({ "id": id, "input": { "consultancyId": s.firm["id"], "leadAuditorId": s.lead["id"], "submittedOn": "2024-05-01" } }),
    )
    .await;
    let review = app
        .ok(
            Some(&s.city),
            SCHEDULE,
            json!({ "input": { "auditId": id, "kind": "EVALUATION", "date": "2024-06-15" } }),
        )
        .await["scheduleReview"]["id"]
        .clone();
    app.ok(
        Some(&s.city),
        RECORD,
        json!({ "id": review, "input": { "outcome": "PASSED", "score": "85", "opinion": "通过" } }),
    )
    .await;

    // Only the enterprise applies, within the bounds of a grant.
    let other_city = app.city_admin("140200").await;
    let before = transitions(&app).await;
    for (until, reason, field) in [
        ("2025-06-15", "设备到货延迟", "until"),
        ("2029-01-01", "设备到货延迟", "until"),
        ("2025-09-30", " ", "reason"),
    ] {
        let (code, error) = app
            .err(
                Some(&own),
                REQUEST,
                json!({ "id": id, "until": until, "r": reason }),
            )
            .await;
        assert_eq!(code, "BAD_USER_INPUT", "{until}");
        assert_eq!(error["extensions"]["field"], field, "{until}");
    }
    assert_eq!(
        app.code(Some(&s.city), REQUEST, first_request.clone())
            .await,
        "FORBIDDEN"
    );
    assert_eq!(
        app.code(Some(&s.city), DECIDE, grant.clone()).await,
        "BAD_USER_INPUT",
        "nothing is waiting yet"
    );
    assert_eq!(transitions(&app).await, before, "nothing written");

    let requested =
        app.ok(Some(&own), REQUEST, first_request.clone()).await["requestAcceptanceExtension"]
            .clone();
    assert_eq!(requested["extensionRequest"]["until"], "2025-09-30");
    assert_eq!(
        requested["acceptanceDue"], "2025-06-15",
        "not moved until granted"
    );
    assert_eq!(
        app.code(
            Some(&own),
            REQUEST,
            json!({ "id": id, "until": "2025-10-30", "r": "再次申请" })
        )
        .await,
        "CONFLICT",
        "one application at a time"
    );

    // The enterprise does not decide its own application, nor another city.
    for token in [&own, &other_city] {
        assert_eq!(
            app.code(Some(token), DECIDE, grant.clone()).await,
            "FORBIDDEN"
        );
    }
    let refused = decide(&app, &s.city, id, false, "理由不充分").await;
    assert_eq!(refused["extensionRequest"], Value::Null);
    assert_eq!(refused["acceptanceExtendedUntil"], Value::Null);
    assert_eq!(refused["acceptanceDue"], "2025-06-15");
    assert_eq!(
        app.code(Some(&s.city), DECIDE, grant.clone()).await,
        "BAD_USER_INPUT",
        "the refusal answered it"
    );

    app.ok(
        Some(&own),
        REQUEST,
        json!({ "id": id, "until": "2025-09-30", "r": "设备到货延迟，附供货合同" }),
    )
    .await;
    let granted = decide(&app, &s.city, id, true, "同意延期").await;
    assert_eq!(granted["acceptanceExtendedUntil"], "2025-09-30");
    assert_eq!(granted["extensionReason"], "同意延期");
    // The enterprise and its consultancy were told of the outcome and of each decision,
    // newest first; another enterprise's account of nothing.
    let told = |token: String| {
        let app = &app;
        async move {
            app.ok(
                Some(&token),
                "{ notifications(first: 10) { edges { node { kind title body auditId reviewId } } } }",
                json!({}),
            )
            .await["notifications"]["edges"]
                .as_array()
                .expect("edges")
                .iter()
                .map(|e| e["node"].clone())
                .collect::<Vec<Value>>()
        }
    };
    for token in [own.clone(), firm] {
        let notes = told(token).await;
        let kinds: Vec<&str> = notes.iter().filter_map(|n| n["kind"].as_str()).collect();
        assert_eq!(
            kinds,
            [
                "EXTENSION_DECIDED",
                "EXTENSION_DECIDED",
                "REVIEW_OUTCOME_RECORDED"
            ]
        );
        assert_eq!(notes[0]["title"], "延期验收申请已批准：企业1");
        assert_eq!(notes[0]["auditId"], *id);
        assert!(
            notes[1]["body"]
                .as_str()
                .unwrap_or("")
                .contains("理由不充分"),
            "{notes:?}"
        );
        assert_eq!(notes[2]["reviewId"], review);
        assert_eq!(notes[2]["title"], "评审结论：企业1清洁生产审核评估通过");
    }
    let stranger = create_enterprise(&app, &s.admin, enterprise_input(77)).await;
    let stranger = enterprise_user(&app, &stranger).await;
    assert!(told(stranger).await.is_empty());
    assert_eq!(
        granted["deadline"],
        json!({ "kind": "ACCEPTANCE", "due": "2025-09-30" })
    );
    let events: Vec<&str> = granted["history"]
        .as_array()
        .expect("history")
        .iter()
        .filter_map(|h| h["event"].as_str())
        .filter(|e| e.contains("EXTENSION") || *e == "EXTEND_ACCEPTANCE")
        .collect();
    assert_eq!(
        events,
        [
            "REQUEST_EXTENSION",
            "REFUSE_EXTENSION",
            "REQUEST_EXTENSION",
            "EXTEND_ACCEPTANCE"
        ]
    );
}
db_test!(extensions_are_applied_for_and_decided);

/// An evaluation `days_ahead` days from today with its panel drawn, and an account of the
/// audit's enterprise; returns (panel, account, the audit's reviews as that account reads them).
async fn drawn_as_the_enterprise_sees_it(
    app: &TestApp,
    s: &Setting,
    serial: u32,
    days_ahead: i64,
) -> (Value, String, Value) {
    use crate::panels::{day, draw, evaluation};
    let reviews_of = "query($id: ID!) { audit(id: $id) { enterprise { id } reviews { hasPanel panel { id seats { expertName expert { name } } } } } }";
    let (audit, review) = evaluation(app, s, serial, &day(days_ahead)).await;
    let panel = draw(app, &s.city, json!({ "reviewId": review })).await;
    let enterprise = app
        .ok(Some(&s.city), reviews_of, json!({ "id": audit }))
        .await["audit"]["enterprise"]
        .clone();
    let own = enterprise_user(app, &enterprise).await;
    let seen = app.ok(Some(&own), reviews_of, json!({ "id": audit })).await;
    (panel, own, seen)
}

async fn the_enterprise_sees_who_sat_from_the_review_date_by_name(app: TestApp) {
    use crate::panels::pool;
    let s = setting(&app).await;
    pool(&app, &s.admin, 100, 2).await;
    let panel_query = "query($id: ID!) { panel(id: $id) { id } }";

    // Before the review date: the panel exists, its members are not shown.
    let (panel, own, seen) = drawn_as_the_enterprise_sees_it(&app, &s, 10, 20).await;
    assert_eq!(seen["audit"]["reviews"][0]["hasPanel"], true);
    assert_eq!(seen["audit"]["reviews"][0]["panel"], Value::Null);
    assert_eq!(
        app.code(Some(&own), panel_query, json!({ "id": panel["id"] }))
            .await,
        "FORBIDDEN"
    );

    // From the review date on: names, never the experts' records; another enterprise nothing.
    let (panel, _, seen) = drawn_as_the_enterprise_sees_it(&app, &s, 11, 0).await;
    let seats = seen["audit"]["reviews"][0]["panel"]["seats"]
        .as_array()
        .expect("seats")
        .clone();
    assert_eq!(seats.len(), 3);
    assert!(
        seats
            .iter()
            .all(|s| s["expertName"].is_string() && s["expert"].is_null())
    );
    let stranger = enterprise_user(&app, &s.enterprise).await;
    assert_eq!(
        app.code(Some(&stranger), panel_query, json!({ "id": panel["id"] }))
            .await,
        "FORBIDDEN"
    );
}
db_test!(the_enterprise_sees_who_sat_from_the_review_date_by_name);
