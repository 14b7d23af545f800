//! Recheck findings are confirmed before they are published province-wide: the consultancy a
//! finding names may respond in writing (陈述申辩) within its window, the province confirms or
//! withdraws it, and only confirmed findings are published. Through HTTP, on both databases.

use chrono::Datelike;
use serde_json::{Value, json};

use crate::audits::{Setting, schedule, setting};
use crate::db_test;
use crate::panels::{day, evaluation, hold, pool, today};
use crate::support::{TestApp, create_consultancy, heard};

const RECORD: &str = "mutation($id: ID!, $findings: [RecheckFindingInput!]!) { recordRecheckFindings(reviewId: $id, findings: $findings) { id status statusLabel responseDueOn response respondedAt decidedAt decisionNote } }";
const RESPOND: &str = "mutation($input: RespondToRecheckFindingInput!) { respondToRecheckFinding(input: $input) { id status response respondedAt decidedAt } }";
const CONFIRM: &str = "mutation($input: ConfirmRecheckFindingInput!) { confirmRecheckFinding(input: $input) { id status statusLabel decidedAt decisionNote response } }";
const WITHDRAW: &str = "mutation($input: WithdrawRecheckFindingInput!) { withdrawRecheckFinding(input: $input) { id status statusLabel decidedAt decisionNote } }";
const PUBLISH: &str = "mutation($input: PublishRecheckFindingsInput!) { publishRecheckFindings(input: $input) { id findings { kind description } } }";
const PUBLIC: &str =
    "query($year: Int!) { publishedRecheckFindings(year: $year) { kind description } }";
const ONE: &str = "query($filter: RecheckFindingFilter) { recheckFindings(filter: $filter) { totalCount edges { node { id status response respondedAt decidedAt decisionNote } } } }";
/// What a firm's public registry shows of its published findings.
pub(crate) const PUBLIC_FIRM_FINDINGS: &str =
    "query($id: ID!) { publicConsultancy(id: $id) { publishedFindings { kind } } }";

/// Two findings against one report: a falsification and an omission.
pub(crate) fn two_findings() -> Value {
    json!([
        { "kind": "FALSIFICATION", "description": "节能量数据虚报" },
        { "kind": "OMISSION", "description": "遗漏重点工序" }
    ])
}

/// A passed evaluation of enterprise `serial` and its recheck held today, with the findings
/// recorded: (the findings as recorded, the recheck).
async fn recorded(app: &TestApp, s: &Setting, serial: u32, findings: Value) -> (Vec<Value>, Value) {
    let (audit, review) = evaluation(app, s, serial, &day(0)).await;
    hold(app, &s.city, &review).await;
    let recheck = schedule(app, &s.admin, &audit, "RECHECK", &day(0)).await;
    let found = app
        .ok(
            Some(&s.admin),
            RECORD,
            json!({ "id": recheck, "findings": findings }),
        )
        .await["recordRecheckFindings"]
        .as_array()
        .expect("findings")
        .clone();
    (found, recheck)
}

/// Runs `mutation`, of one `$input` and one field, as `token` and answers that field.
pub(crate) async fn act(app: &TestApp, token: &str, mutation: &str, input: Value) -> Value {
    let field = mutation
        .split_once('{')
        .and_then(|(_, rest)| rest.trim_start().split(['(', ' ']).next())
        .expect("a mutation of one field");
    app.ok(Some(token), mutation, json!({ "input": input }))
        .await[field]
        .clone()
}

/// Confirms recorded findings the fair way, as a fixture: the consultancy responds, then
/// the province confirms. Answers the findings as confirmed.
pub(crate) async fn confirm_findings(
    app: &TestApp,
    admin: &str,
    firm_id: &Value,
    findings: &Value,
) -> Vec<Value> {
    let firm = app.consultancy_user(firm_id).await;
    let mut out = Vec::new();
    for f in findings.as_array().expect("findings") {
        app.ok(
            Some(&firm),
            RESPOND,
            json!({ "input": { "findingId": f["id"], "response": "已知悉，无异议" } }),
        )
        .await;
        out.push(act(app, admin, CONFIRM, json!({ "findingId": f["id"] })).await);
    }
    out
}

/// The finding as the province lists it.
async fn finding(app: &TestApp, admin: &str, id: &Value) -> Value {
    let list = app
        .ok(
            Some(admin),
            ONE,
            json!({ "filter": { "year": today().year() } }),
        )
        .await;
    list["recheckFindings"]["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .map(|e| e["node"].clone())
        .find(|n| n["id"] == *id)
        .expect("the finding")
}

async fn operations(app: &TestApp, admin: &str, operation: &str) -> usize {
    app.ok(
        Some(admin),
        "query($op: String) { auditLog(filter: { operation: $op }) { totalCount } }",
        json!({ "op": operation }),
    )
    .await["auditLog"]["totalCount"]
        .as_u64()
        .and_then(|n| usize::try_from(n).ok())
        .unwrap_or(0)
}

pub(crate) async fn recorded_answered_confirmed_or_withdrawn_then_published(app: TestApp) {
    let s = setting(&app).await;
    pool(&app, &s.admin, 100, 1).await;
    let year = today().year();
    let firm = app.consultancy_user(&s.firm["id"]).await;
    let (found, _) = recorded(&app, &s, 10, two_findings()).await;
    for f in &found {
        assert_eq!(f["status"], "RECORDED");
        assert_eq!(f["statusLabel"], "待确认");
        assert_eq!(f["responseDueOn"], day(10), "the default window: 10 days");
        assert!(f["response"].is_null() && f["respondedAt"].is_null());
        assert!(f["decidedAt"].is_null() && f["decisionNote"].is_null());
    }
    // The firm is told, with the deadline.
    let told = heard(&app, &firm, "RECHECK_FINDING_RECORDED").await;
    assert_eq!(told.len(), 2);
    assert!(
        told.iter()
            .all(|n| n["body"].as_str().is_some_and(|b| b.contains(&day(10)))),
        "{told:?}"
    );
    assert!(told.iter().any(|n| n["subjectId"] == found[0]["id"]));

    // The firm responds once; the province confirms with a note.
    let answered = act(
        &app,
        &firm,
        RESPOND,
        json!({ "findingId": found[0]["id"], "response": "  数据来源于企业台账，已补充说明  " }),
    )
    .await;
    assert_eq!(answered["status"], "RECORDED");
    assert_eq!(answered["response"], "数据来源于企业台账，已补充说明");
    assert!(answered["respondedAt"].is_string());
    let confirmed = act(
        &app,
        &s.admin,
        CONFIRM,
        json!({ "findingId": found[0]["id"], "note": "申辩理由不成立" }),
    )
    .await;
    assert_eq!(confirmed["status"], "CONFIRMED");
    assert_eq!(confirmed["statusLabel"], "已确认");
    assert_eq!(confirmed["decisionNote"], "申辩理由不成立");
    assert!(confirmed["decidedAt"].is_string());
    assert_eq!(confirmed["response"], "数据来源于企业台账，已补充说明");

    // The other is withdrawn without a response: never published.
    let withdrawn = act(
        &app,
        &s.admin,
        WITHDRAW,
        json!({ "findingId": found[1]["id"], "reason": "经核实系复核组误判" }),
    )
    .await;
    assert_eq!(withdrawn["status"], "WITHDRAWN");
    assert_eq!(withdrawn["statusLabel"], "已撤销");
    assert_eq!(withdrawn["decisionNote"], "经核实系复核组误判");
    // Withdrawn, it counts against no expert of the passing panels (nor the firm).
    let review = app
        .ok(
            Some(&s.admin),
            "query($y: Int!) { expertAnnualReview(year: $y, first: 100) { edges { node { recheckFindings } } } }",
            json!({ "y": year }),
        )
        .await;
    let counted: Vec<i64> = review["expertAnnualReview"]["edges"]
        .as_array()
        .expect("lines")
        .iter()
        .filter_map(|e| e["node"]["recheckFindings"].as_i64())
        .filter(|n| *n > 0)
        .collect();
    assert!(
        !counted.is_empty() && counted.iter().all(|n| *n == 1),
        "{counted:?}"
    );
    let decided = heard(&app, &firm, "RECHECK_FINDING_DECIDED").await;
    assert_eq!(decided.len(), 2);
    assert!(decided.iter().any(|n| {
        n["title"]
            .as_str()
            .is_some_and(|t| t.starts_with("复核问题已确认"))
    }));
    assert!(decided.iter().any(|n| {
        n["body"]
            .as_str()
            .is_some_and(|b| b.contains("经核实系复核组误判"))
    }));

    // The status filter.
    let only = app
        .ok(
            Some(&s.admin),
            ONE,
            json!({ "filter": { "year": year, "status": "WITHDRAWN" } }),
        )
        .await;
    assert_eq!(only["recheckFindings"]["totalCount"], 1);
    // The firm sees its findings with the decisions.
    let mine = app
        .ok(Some(&firm), ONE, json!({ "filter": { "year": year } }))
        .await;
    assert_eq!(mine["recheckFindings"]["totalCount"], 2);

    // Nothing is public yet; "all of the year" publishes the confirmed one only.
    let read = app.ok(None, PUBLIC, json!({ "year": year })).await;
    assert_eq!(read["publishedRecheckFindings"], json!([]));
    let published = act(&app, &s.admin, PUBLISH, json!({ "year": year })).await;
    assert_eq!(published["findings"].as_array().map(Vec::len), Some(1));
    assert_eq!(published["findings"][0]["kind"], "FALSIFICATION");
    let read = app.ok(None, PUBLIC, json!({ "year": year })).await;
    assert_eq!(
        read["publishedRecheckFindings"],
        json!([{ "kind": "FALSIFICATION", "description": "节能量数据虚报" }])
    );
    let registry = app
        .ok(None, PUBLIC_FIRM_FINDINGS, json!({ "id": s.firm["id"] }))
        .await;
    assert_eq!(
        registry["publicConsultancy"]["publishedFindings"],
        json!([{ "kind": "FALSIFICATION" }])
    );
    // The withdrawn one is never published: by name or with the rest of the year.
    for input in [
        json!({ "year": year, "findingIds": [found[1]["id"]] }),
        json!({ "year": year }),
    ] {
        let (code, _) = app
            .err(Some(&s.admin), PUBLISH, json!({ "input": input }))
            .await;
        assert_eq!(code, "BAD_USER_INPUT", "{input}");
    }
    let read = app.ok(None, PUBLIC, json!({ "year": year })).await;
    assert_eq!(
        read["publishedRecheckFindings"].as_array().map(Vec::len),
        Some(1)
    );

    // Each act is in the audit log.
    for operation in [
        "respondToRecheckFinding",
        "confirmRecheckFinding",
        "withdrawRecheckFinding",
    ] {
        assert_eq!(
            operations(&app, &s.admin, operation).await,
            1,
            "{operation}"
        );
    }
}

db_test!(recorded_answered_confirmed_or_withdrawn_then_published);

/// What a refused act must leave as it was.
async fn snapshot(app: &TestApp, admin: &str, id: &Value) -> (Vec<i64>, Value) {
    let mut counts = Vec::new();
    for table in [
        "audit_log",
        "notifications",
        "finding_publications",
        "published_findings",
    ] {
        counts.push(app.count(table).await);
    }
    (counts, finding(app, admin, id).await)
}

pub(crate) async fn refused_in_turn_and_nothing_written(app: TestApp) {
    let s = setting(&app).await;
    // Two panels today: two experts of each kind.
    pool(&app, &s.admin, 100, 2).await;
    let year = today().year();
    let firm = app.consultancy_user(&s.firm["id"]).await;
    let other_firm = create_consultancy(&app, &s.admin, 2).await;
    let other = app.consultancy_user(&other_firm["id"]).await;
    let (found, _) = recorded(
        &app,
        &s,
        10,
        json!([{ "kind": "OMISSION", "description": "遗漏重点工序" }]),
    )
    .await;
    let id = found[0]["id"].clone();
    let before = snapshot(&app, &s.admin, &id).await;

    // Who may not.
    let respond = json!({ "input": { "findingId": id, "response": "申辩" } });
    let confirm = json!({ "input": { "findingId": id } });
    let withdraw = json!({ "input": { "findingId": id, "reason": "误判" } });
    for token in [&other, &s.city, &s.admin] {
        assert_eq!(
            app.code(Some(token), RESPOND, respond.clone()).await,
            "FORBIDDEN"
        );
    }
    for token in [&s.city, &firm, &other] {
        assert_eq!(
            app.code(Some(token), CONFIRM, confirm.clone()).await,
            "FORBIDDEN"
        );
        assert_eq!(
            app.code(Some(token), WITHDRAW, withdraw.clone()).await,
            "FORBIDDEN"
        );
    }
    for (query, vars) in [
        (RESPOND, &respond),
        (CONFIRM, &confirm),
        (WITHDRAW, &withdraw),
    ] {
        assert_eq!(app.code(None, query, vars.clone()).await, "UNAUTHENTICATED");
    }

    // Bad input: an empty or too long response, reason or note; an unknown or malformed id.
    let too_long = "申".repeat(5001);
    for (token, query, input, field) in [
        (
            &firm,
            RESPOND,
            json!({ "findingId": id, "response": "   " }),
            "input.response",
        ),
        (
            &firm,
            RESPOND,
            json!({ "findingId": id, "response": too_long }),
            "input.response",
        ),
        (
            &s.admin,
            WITHDRAW,
            json!({ "findingId": id, "reason": " " }),
            "input.reason",
        ),
        (
            &s.admin,
            CONFIRM,
            json!({ "findingId": id, "note": "注".repeat(2001) }),
            "input.note",
        ),
        (
            &firm,
            RESPOND,
            json!({ "findingId": "not-an-id", "response": "申辩" }),
            "input.findingId",
        ),
        // Confirmed too early: no response and the window still open.
        (
            &s.admin,
            CONFIRM,
            json!({ "findingId": id }),
            "input.findingId",
        ),
    ] {
        let (code, error) = app.err(Some(token), query, json!({ "input": input })).await;
        assert_eq!(
            (code.as_str(), error["extensions"]["field"].as_str()),
            ("BAD_USER_INPUT", Some(field)),
            "{input}"
        );
    }
    let (_, early) = app.err(Some(&s.admin), CONFIRM, confirm.clone()).await;
    assert!(
        early["message"]
            .as_str()
            .is_some_and(|m| m.contains(&day(10))),
        "{early}"
    );
    let unknown =
        json!({ "input": { "findingId": uuid::Uuid::now_v7().to_string(), "response": "申辩" } });
    assert_eq!(app.code(Some(&firm), RESPOND, unknown).await, "NOT_FOUND");

    // Publishing an unconfirmed finding: by name, or all of the year.
    let (code, error) = app
        .err(
            Some(&s.admin),
            PUBLISH,
            json!({ "input": { "year": year, "findingIds": [id] } }),
        )
        .await;
    assert_eq!(
        (code.as_str(), error["extensions"]["field"].as_str()),
        ("BAD_USER_INPUT", Some("input.findingIds"))
    );
    assert!(
        error["message"]
            .as_str()
            .is_some_and(|m| m.contains("only a CONFIRMED finding is published")),
        "{error}"
    );
    let (code, error) = app
        .err(
            Some(&s.admin),
            PUBLISH,
            json!({ "input": { "year": year } }),
        )
        .await;
    assert_eq!(code, "BAD_USER_INPUT");
    assert!(
        error["message"]
            .as_str()
            .is_some_and(|m| m.contains("none of the year's 1 unpublished findings is confirmed")),
        "{error}"
    );
    assert_eq!(
        snapshot(&app, &s.admin, &id).await,
        before,
        "nothing written"
    );

    // Once each: a second response, a second decision.
    app.ok(Some(&firm), RESPOND, respond.clone()).await;
    assert_eq!(
        app.code(Some(&firm), RESPOND, respond.clone()).await,
        "CONFLICT"
    );
    app.ok(Some(&s.admin), CONFIRM, confirm.clone()).await;
    let decided = snapshot(&app, &s.admin, &id).await;
    assert_eq!(
        app.code(Some(&s.admin), CONFIRM, confirm.clone()).await,
        "CONFLICT"
    );
    assert_eq!(
        app.code(Some(&s.admin), WITHDRAW, withdraw.clone()).await,
        "CONFLICT"
    );
    assert_eq!(snapshot(&app, &s.admin, &id).await, decided);

    // The window passed: no response any more; the province confirms without one.
    let (late, _) = recorded(
        &app,
        &s,
        11,
        json!([{ "kind": "WRONG_CONCLUSION", "description": "结论错误" }]),
    )
    .await;
    let late_id = late[0]["id"].clone();
    app.execute(&format!(
        "UPDATE recheck_findings SET response_due_on = '{}' WHERE status = 'RECORDED'",
        day(-1)
    ))
    .await;
    let (code, error) = app
        .err(
            Some(&firm),
            RESPOND,
            json!({ "input": { "findingId": late_id, "response": "迟到的申辩" } }),
        )
        .await;
    assert_eq!(
        (code.as_str(), error["extensions"]["field"].as_str()),
        ("BAD_USER_INPUT", Some("input.findingId"))
    );
    let confirmed = act(&app, &s.admin, CONFIRM, json!({ "findingId": late_id })).await;
    assert_eq!(confirmed["status"], "CONFIRMED");
    assert!(confirmed["response"].is_null());
}

db_test!(refused_in_turn_and_nothing_written);

/// The migration's back-fill, run again on findings as they stood before it: a published one
/// becomes CONFIRMED (no window), an unpublished one RECORDED with ten days from today.
async fn the_back_fill_confirms_what_was_published(app: TestApp) {
    let s = setting(&app).await;
    pool(&app, &s.admin, 100, 1).await;
    let year = today().year();
    let (found, _) = recorded(&app, &s, 10, two_findings()).await;
    confirm_findings(&app, &s.admin, &s.firm["id"], &json!([found[0].clone()])).await;
    app.ok(
        Some(&s.admin),
        PUBLISH,
        json!({ "input": { "year": year } }),
    )
    .await;
    // Back to the table of before, and the migration run again.
    app.execute("DROP INDEX idx_recheck_findings_year_status")
        .await;
    for column in [
        "status",
        "response_due_on",
        "response",
        "responded_at",
        "responded_by",
        "decided_at",
        "decided_by",
        "decision_note",
    ] {
        app.execute(&format!(
            "ALTER TABLE recheck_findings DROP COLUMN {column}"
        ))
        .await;
    }
    app.execute(
        "DELETE FROM seaql_migrations WHERE version = 'm20261206_000031_finding_confirmation'",
    )
    .await;
    cleanprod::db::migrate(&app.state.services.db)
        .await
        .expect("migrated");
    let published = finding(&app, &s.admin, &found[0]["id"]).await;
    assert_eq!(published["status"], "CONFIRMED");
    assert!(published["response"].is_null() && published["decidedAt"].is_null());
    let waiting = app
        .ok(
            Some(&s.admin),
            "query($filter: RecheckFindingFilter) { recheckFindings(filter: $filter) { edges { node { id status responseDueOn } } } }",
            json!({ "filter": { "year": year, "status": "RECORDED" } }),
        )
        .await["recheckFindings"]["edges"][0]["node"]
        .clone();
    assert_eq!(waiting["id"], found[1]["id"]);
    assert_eq!(waiting["responseDueOn"], day(10));
}

db_test!(the_back_fill_confirms_what_was_published);
