//! Who decides the directory: a city applies to add or remove one of its enterprises, the
//! province approves or refuses, the province may still act itself, and every change of an
//! entry is kept with who, when, why and the application it came from.

use serde_json::{Value, json};

use crate::db_test;
use crate::support::{TestApp, cast, create_enterprise, enterprise_input, heard};

pub const APPLY: &str = "mutation($input: ApplyDirectoryChangeInput!) { applyDirectoryChange(input: $input) { id status action sinceYear reasonKind reason cityCode enterprise { id } } }";
pub const DECIDE: &str = "mutation($id: ID!, $approve: Boolean!, $reason: String) { decideDirectoryApplication(id: $id, approve: $approve, reason: $reason) { id status decisionReason decidedAt decidedById } }";
const APPLICATIONS: &str = "query($filter: DirectoryApplicationFilter) { directoryApplications(filter: $filter) { totalCount edges { node { id status action cityCode } } } }";
const HISTORY: &str = "query($id: ID!) { enterprise(id: $id) { inDirectory directorySinceYear directoryHistory { action sinceYear reasonKind reason actorId changedAt application { id status cityCode } } } }";
const REMOVE: &str = "mutation($id: ID!, $kind: DirectoryReasonKind!, $reason: String!) { removeFromDirectory(enterpriseId: $id, reasonKind: $kind, reason: $reason) { id inDirectory directorySinceYear } }";
const ADD: &str = "mutation($id: ID!, $y: Int!, $reason: String) { addToDirectory(enterpriseId: $id, sinceYear: $y, reason: $reason) { id inDirectory directorySinceYear } }";

async fn history(app: &TestApp, token: &str, id: &Value) -> Value {
    app.ok(Some(token), HISTORY, json!({ "id": id })).await["enterprise"].clone()
}

/// Rows that a refused mutation must leave as they were.
async fn counts(app: &TestApp) -> (i64, i64, i64, i64) {
    (
        app.count("directory_applications").await,
        app.count("directory_changes").await,
        app.count("notifications").await,
        app.count("audit_log").await,
    )
}

/// Apply → approve → in the directory, its history names the application; apply to remove →
/// refuse → still in. Each side hears of the other's step.
pub(crate) async fn apply_decide_and_the_history(app: TestApp) {
    let admin = app.admin().await;
    let city = app.city_admin("140100").await;
    let e = create_enterprise(&app, &admin, enterprise_input(1)).await;

    let applied = app
        .ok(
            Some(&city),
            APPLY,
            json!({ "input": { "enterpriseId": e["id"], "action": "ADD", "sinceYear": 2024, "reason": "新建焦化项目投产，属高耗能行业" } }),
        )
        .await["applyDirectoryChange"]
        .clone();
    assert_eq!(applied["status"], "PENDING");
    assert_eq!(applied["action"], "ADD");
    assert_eq!(applied["sinceYear"], 2024);
    assert_eq!(applied["cityCode"], "140100");
    assert_eq!(applied["enterprise"]["id"], e["id"]);
    // Not in the directory until the province decides.
    assert_eq!(history(&app, &admin, &e["id"]).await["inDirectory"], false);

    let told = heard(&app, &admin, "DIRECTORY_APPLICATION_SUBMITTED").await;
    assert_eq!(told.len(), 1);
    assert_eq!(told[0]["title"], "名录调整申请待审核：太原市纳入名录");
    assert_eq!(told[0]["subjectId"], applied["id"]);
    assert!(
        heard(&app, &city, "DIRECTORY_APPLICATION_SUBMITTED")
            .await
            .is_empty(),
        "the applicant is not told of its own application"
    );

    let pending = app
        .ok(
            Some(&admin),
            APPLICATIONS,
            json!({ "filter": { "status": "PENDING" } }),
        )
        .await;
    assert_eq!(pending["directoryApplications"]["totalCount"], 1);

    let approved = app
        .ok(
            Some(&admin),
            DECIDE,
            json!({ "id": applied["id"], "approve": true }),
        )
        .await["decideDirectoryApplication"]
        .clone();
    assert_eq!(approved["status"], "APPROVED");
    assert!(approved["decidedAt"].is_string());
    let entry = history(&app, &city, &e["id"]).await;
    assert_eq!(entry["inDirectory"], true);
    assert_eq!(entry["directorySinceYear"], 2024);
    let changes = entry["directoryHistory"].as_array().expect("history");
    assert_eq!(changes.len(), 1);
    assert_eq!(changes[0]["action"], "ADD");
    assert_eq!(changes[0]["sinceYear"], 2024);
    assert_eq!(changes[0]["reason"], "新建焦化项目投产，属高耗能行业");
    assert_eq!(changes[0]["actorId"], approved["decidedById"]);
    assert_eq!(
        changes[0]["application"],
        json!({ "id": applied["id"], "status": "APPROVED", "cityCode": "140100" })
    );
    let decided = heard(&app, &city, "DIRECTORY_APPLICATION_DECIDED").await;
    assert_eq!(decided.len(), 1);
    assert_eq!(decided[0]["title"], "名录调整申请已批准：企业1");

    // A decided application stays decided.
    let before = counts(&app).await;
    assert_eq!(
        app.code(
            Some(&admin),
            DECIDE,
            json!({ "id": applied["id"], "approve": false, "reason": "改主意" }),
        )
        .await,
        "CONFLICT"
    );
    assert_eq!(counts(&app).await, before);

    // Removal refused: still in, the history unchanged, the city told why.
    let removal = app
        .ok(
            Some(&city),
            APPLY,
            json!({ "input": { "enterpriseId": e["id"], "action": "REMOVE", "reasonKind": "CLOSED", "reason": "企业已停产" } }),
        )
        .await["applyDirectoryChange"]
        .clone();
    assert_eq!(removal["reasonKind"], "CLOSED");
    assert_eq!(removal["sinceYear"], Value::Null);
    let refused = app
        .ok(
            Some(&admin),
            DECIDE,
            json!({ "id": removal["id"], "approve": false, "reason": "停产不等于关停，请提供关停文件" }),
        )
        .await["decideDirectoryApplication"]
        .clone();
    assert_eq!(refused["status"], "REFUSED");
    assert_eq!(refused["decisionReason"], "停产不等于关停，请提供关停文件");
    let entry = history(&app, &admin, &e["id"]).await;
    assert_eq!(entry["inDirectory"], true);
    assert_eq!(entry["directoryHistory"].as_array().map(Vec::len), Some(1));
    let decided = heard(&app, &city, "DIRECTORY_APPLICATION_DECIDED").await;
    assert_eq!(decided.len(), 2);
    assert_eq!(decided[0]["title"], "名录调整申请未获批准：企业1");
    assert!(
        decided[0]["body"]
            .as_str()
            .is_some_and(|b| b.contains("请提供关停文件")),
        "{}",
        decided[0]
    );

    // Once decided, the city may apply again; approved, the enterprise leaves.
    let again = app
        .ok(
            Some(&city),
            APPLY,
            json!({ "input": { "enterpriseId": e["id"], "action": "REMOVE", "reasonKind": "CLOSED", "reason": "已取得关停文件" } }),
        )
        .await["applyDirectoryChange"]["id"]
        .clone();
    app.ok(
        Some(&admin),
        DECIDE,
        json!({ "id": again, "approve": true }),
    )
    .await;
    let entry = history(&app, &admin, &e["id"]).await;
    assert_eq!(entry["inDirectory"], false);
    assert_eq!(entry["directorySinceYear"], Value::Null);
    let actions: Vec<&Value> = entry["directoryHistory"]
        .as_array()
        .expect("history")
        .iter()
        .map(|c| &c["action"])
        .collect();
    assert_eq!(actions, vec!["ADD", "REMOVE"]);

    let mine = app.ok(Some(&city), APPLICATIONS, json!({})).await;
    assert_eq!(mine["directoryApplications"]["totalCount"], 3);
}
db_test!(apply_decide_and_the_history);

/// Bad input: a clear error on its field, and nothing written.
async fn bad_applications_write_nothing(app: TestApp) {
    let admin = app.admin().await;
    let city = app.city_admin("140100").await;
    let outside = create_enterprise(&app, &admin, enterprise_input(1)).await;
    let mut member = enterprise_input(2);
    member["directorySinceYear"] = json!(2021);
    let member = create_enterprise(&app, &admin, member).await;
    let apply = |input: Value| {
        let (app, city) = (&app, &city);
        async move {
            let (code, error) = app.err(Some(city), APPLY, json!({ "input": input })).await;
            (
                code,
                error["extensions"]["field"].as_str().map(str::to_owned),
            )
        }
    };
    let before = counts(&app).await;
    let bad = |field: &str| ("BAD_USER_INPUT".to_owned(), Some(field.to_owned()));
    assert_eq!(
        apply(json!({ "enterpriseId": member["id"], "action": "ADD", "reason": "x" })).await,
        bad("enterpriseId"),
        "already in"
    );
    assert_eq!(
        apply(json!({ "enterpriseId": outside["id"], "action": "REMOVE", "reasonKind": "MOVED", "reason": "x" })).await,
        bad("enterpriseId"),
        "not in"
    );
    assert_eq!(
        apply(json!({ "enterpriseId": outside["id"], "action": "ADD", "reason": "  " })).await,
        bad("reason"),
        "blank reason"
    );
    assert_eq!(
        apply(json!({ "enterpriseId": member["id"], "action": "REMOVE", "reason": "搬迁" })).await,
        bad("reasonKind"),
        "a removal without its kind"
    );
    assert_eq!(
        apply(json!({ "enterpriseId": outside["id"], "action": "ADD", "reasonKind": "CLOSED", "reason": "x" })).await,
        bad("reasonKind"),
        "closing is no reason to join"
    );
    assert_eq!(
        apply(json!({ "enterpriseId": outside["id"], "action": "ADD", "sinceYear": 1990, "reason": "x" })).await,
        bad("sinceYear")
    );
    assert_eq!(
        apply(json!({ "enterpriseId": uuid::Uuid::now_v7().to_string(), "action": "ADD", "reason": "x" })).await,
        ("NOT_FOUND".to_owned(), None)
    );
    assert_eq!(counts(&app).await, before);

    // A second application for the same enterprise while one is pending.
    let first = app
        .ok(
            Some(&city),
            APPLY,
            json!({ "input": { "enterpriseId": member["id"], "action": "REMOVE", "reasonKind": "MERGED", "reason": "并入同集团另一企业" } }),
        )
        .await["applyDirectoryChange"]["id"]
        .clone();
    let before = counts(&app).await;
    assert_eq!(
        apply(json!({ "enterpriseId": member["id"], "action": "REMOVE", "reasonKind": "OTHER", "reason": "再次申请" })).await,
        bad("enterpriseId"),
        "one pending at a time"
    );
    // A refusal without a reason; an unknown application.
    let (code, error) = app
        .err(
            Some(&admin),
            DECIDE,
            json!({ "id": first, "approve": false }),
        )
        .await;
    assert_eq!(
        (code.as_str(), error["extensions"]["field"].as_str()),
        ("BAD_USER_INPUT", Some("reason"))
    );
    assert_eq!(
        app.code(
            Some(&admin),
            DECIDE,
            json!({ "id": uuid::Uuid::now_v7().to_string(), "approve": true }),
        )
        .await,
        "NOT_FOUND"
    );
    assert_eq!(counts(&app).await, before);
    // The province acted meanwhile: approving now is a conflict; refusing still works.
    app.ok(
        Some(&admin),
        REMOVE,
        json!({ "id": member["id"], "kind": "MERGED", "reason": "省厅直接移出" }),
    )
    .await;
    let before = counts(&app).await;
    assert_eq!(
        app.code(
            Some(&admin),
            DECIDE,
            json!({ "id": first, "approve": true })
        )
        .await,
        "CONFLICT"
    );
    assert_eq!(counts(&app).await, before);
    app.ok(
        Some(&admin),
        DECIDE,
        json!({ "id": first, "approve": false, "reason": "已由省厅移出" }),
    )
    .await;
}
db_test!(bad_applications_write_nothing);

/// Who may not: another city, an enterprise, a consultancy, an expert, anonymous; the
/// province does not apply, a city does not decide, remove or edit directly.
async fn who_may_not(app: TestApp) {
    let (admin, taiyuan, datong, enterprise, consultancy, expert, e) = cast(&app).await;
    let input = json!({ "input": { "enterpriseId": e["id"], "action": "ADD", "reason": "纳入" } });

    let before = counts(&app).await;
    let refused = [&datong, &admin, &enterprise, &consultancy, &expert];
    app.assert_refused(&refused, APPLY, input.clone()).await;
    assert_eq!(counts(&app).await, before);

    let id =
        app.ok(Some(&taiyuan), APPLY, input.clone()).await["applyDirectoryChange"]["id"].clone();
    let before = counts(&app).await;
    let refused = [&taiyuan, &datong, &enterprise, &consultancy, &expert];
    app.assert_refused(&refused, DECIDE, json!({ "id": id, "approve": true }))
        .await;
    app.assert_refused(&refused, ADD, json!({ "id": e["id"], "y": 2024 }))
        .await;
    let removal = json!({ "id": e["id"], "kind": "OTHER", "reason": "x" });
    app.assert_refused(&refused, REMOVE, removal).await;
    // A city creating an enterprise straight into the directory is a direct edit too.
    let mut straight_in = enterprise_input(2);
    straight_in["directorySinceYear"] = json!(2024);
    assert_eq!(
        app.code(
            Some(&taiyuan),
            "mutation($input: CreateEnterpriseInput!) { createEnterprise(input: $input) { id } }",
            json!({ "input": straight_in }),
        )
        .await,
        "FORBIDDEN"
    );
    assert_eq!(counts(&app).await, before);

    // Reading: another city, the others and anonymous see neither applications nor history.
    assert_eq!(
        app.ok(Some(&datong), APPLICATIONS, json!({})).await["directoryApplications"]["totalCount"],
        0
    );
    assert_eq!(
        app.code(
            Some(&datong),
            APPLICATIONS,
            json!({ "filter": { "cityCode": "140100" } })
        )
        .await,
        "FORBIDDEN"
    );
    for (token, code) in [
        (Some(&enterprise), "FORBIDDEN"),
        (Some(&consultancy), "FORBIDDEN"),
        (Some(&expert), "FORBIDDEN"),
        (None, "UNAUTHENTICATED"),
    ] {
        assert_eq!(
            app.code(token.map(String::as_str), APPLICATIONS, json!({}))
                .await,
            code
        );
    }
    assert_eq!(
        app.code(Some(&enterprise), HISTORY, json!({ "id": e["id"] }))
            .await,
        "FORBIDDEN"
    );
}
db_test!(who_may_not);

/// The province still acts itself, and its acts are in the history without an application.
pub(crate) async fn the_province_acts_directly(app: TestApp) {
    let admin = app.admin().await;
    let city = app.city_admin("140100").await;
    let mut created_in = enterprise_input(1);
    created_in["directorySinceYear"] = json!(2021);
    let a = create_enterprise(&app, &admin, created_in).await;
    let b = create_enterprise(&app, &admin, enterprise_input(2)).await;

    let added = app
        .ok(
            Some(&admin),
            ADD,
            json!({ "id": b["id"], "y": 2023, "reason": "省级重点监管企业" }),
        )
        .await["addToDirectory"]
        .clone();
    assert_eq!(added["inDirectory"], true);
    let removed = app
        .ok(
            Some(&admin),
            REMOVE,
            json!({ "id": a["id"], "kind": "MOVED", "reason": "迁出山西省" }),
        )
        .await["removeFromDirectory"]
        .clone();
    assert_eq!(removed["inDirectory"], false);
    assert_eq!(removed["directorySinceYear"], Value::Null);

    let a_history = history(&app, &city, &a["id"]).await["directoryHistory"].clone();
    assert_eq!(a_history.as_array().map(Vec::len), Some(2));
    assert_eq!(a_history[0]["action"], "ADD");
    assert_eq!(a_history[0]["sinceYear"], 2021);
    assert_eq!(a_history[1]["action"], "REMOVE");
    assert_eq!(a_history[1]["reasonKind"], "MOVED");
    assert_eq!(a_history[1]["reason"], "迁出山西省");
    assert_eq!(a_history[1]["application"], Value::Null);
    assert!(a_history[1]["actorId"].is_string());
    let b_history = history(&app, &admin, &b["id"]).await["directoryHistory"].clone();
    assert_eq!(b_history[0]["reason"], "省级重点监管企业");
    assert_eq!(b_history[0]["application"], Value::Null);

    // Removing what is not in, or without a reason, writes nothing.
    let before = counts(&app).await;
    let (code, error) = app
        .err(
            Some(&admin),
            REMOVE,
            json!({ "id": a["id"], "kind": "OTHER", "reason": "x" }),
        )
        .await;
    assert_eq!(
        (code.as_str(), error["extensions"]["field"].as_str()),
        ("BAD_USER_INPUT", Some("enterpriseId"))
    );
    let (code, error) = app
        .err(
            Some(&admin),
            REMOVE,
            json!({ "id": b["id"], "kind": "OTHER", "reason": " " }),
        )
        .await;
    assert_eq!(
        (code.as_str(), error["extensions"]["field"].as_str()),
        ("BAD_USER_INPUT", Some("reason"))
    );
    assert_eq!(counts(&app).await, before);
}
db_test!(the_province_acts_directly);
