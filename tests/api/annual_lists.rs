//! Annual audit lists through the API: drafting, submission (late or on time), return with a
//! reason, approval, publication and the city's written notices creating notified audits, and
//! who may do each.

use chrono::Datelike;
use serde_json::{Value, json};

use crate::db_test;
use crate::support::{TestApp, create_enterprise, enterprise_input};

const CREATE: &str = "mutation($input: CreateAnnualAuditListInput!) { createAnnualAuditList(input: $input) { id status year cityCode submissionDue noticeDue version } }";
const ADD: &str = "mutation($id: ID!, $ids: [ID!]!) { addEnterprisesToAnnualAuditList(listId: $id, enterpriseIds: $ids) { id enterprises { name } version } }";
const REMOVE: &str = "mutation($id: ID!, $e: ID!) { removeEnterpriseFromAnnualAuditList(listId: $id, enterpriseId: $e) { enterprises { name } } }";
const SUBMIT: &str =
    "mutation($id: ID!) { submitAnnualAuditList(listId: $id) { status submittedOn late } }";
const APPROVE: &str = "mutation($id: ID!) { approveAnnualAuditList(listId: $id) { status } }";
const RETURN: &str = "mutation($id: ID!, $r: String!) { returnAnnualAuditList(listId: $id, reason: $r) { status returnReason } }";
const PUBLISH: &str = "mutation($id: ID!, $d: Date) { publishAnnualAuditList(listId: $id, publishedOn: $d) { status publishedOn } }";
const NOTICE: &str = "mutation($input: IssueAuditNoticesInput!) { issueAuditNotices(input: $input) { entries { noticeDate noticeNumber noticeLate } } }";
const LIST: &str = "query($id: ID!) { annualAuditList(id: $id) { status late returnReason history { fromStatus toStatus reason actorId } enterprises { name } } }";
const LISTS: &str = "query($filter: AnnualAuditListFilter) { annualAuditLists(filter: $filter) { totalCount edges { node { cityCode year status city { name } enterprises { name } history { toStatus } } } } }";
const AUDITS: &str = "query($filter: AuditFilter) { audits(filter: $filter) { totalCount edges { node { year status listId noticeDate noticeDue noticeLate mode enterprise { name } deadline { kind due } history { event toStatus occurredOn } } } } }";

/// A directory member of `city`, returning its id.
async fn member(app: &TestApp, token: &str, serial: u32, city: &str) -> Value {
    let mut input = enterprise_input(serial);
    input["cityCode"] = json!(city);
    input["directorySinceYear"] = json!(2021);
    create_enterprise(app, token, input).await["id"].clone()
}

fn this_year_in_china() -> i32 {
    cleanprod::rules::deadlines::today_in_china(chrono::Utc::now()).year()
}

pub(crate) async fn draft_submit_return_approve_publish(app: TestApp) {
    let admin = app.admin().await;
    let city = app.city_admin("140100").await;
    let a = member(&app, &admin, 1, "140100").await;
    let b = member(&app, &admin, 2, "140100").await;

    let list = app
        .ok(
            Some(&city),
            CREATE,
            json!({ "input": { "cityCode": "140100", "year": 2024 } }),
        )
        .await["createAnnualAuditList"]
        .clone();
    assert_eq!(list["status"], "DRAFT");
    assert_eq!(list["submissionDue"], "2024-02-29");
    assert_eq!(list["noticeDue"], "2024-03-31");
    let id = list["id"].clone();
    let added = app
        .ok(Some(&city), ADD, json!({ "id": id, "ids": [a, b] }))
        .await;
    assert_eq!(
        added["addEnterprisesToAnnualAuditList"]["enterprises"],
        json!([{ "name": "企业1" }, { "name": "企业2" }])
    );
    let after_remove = app
        .ok(Some(&city), REMOVE, json!({ "id": id, "e": b }))
        .await;
    assert_eq!(
        after_remove["removeEnterpriseFromAnnualAuditList"]["enterprises"],
        json!([{ "name": "企业1" }])
    );

    // Submitted long after February 2024: late.
    let submitted = app.ok(Some(&city), SUBMIT, json!({ "id": id })).await;
    assert_eq!(submitted["submitAnnualAuditList"]["status"], "SUBMITTED");
    assert_eq!(submitted["submitAnnualAuditList"]["late"], true);
    // A submitted list is frozen for the city.
    let (code, error) = app
        .err(Some(&city), ADD, json!({ "id": id, "ids": [b] }))
        .await;
    assert_eq!(
        (code.as_str(), error["extensions"]["field"].as_str()),
        ("BAD_USER_INPUT", Some("listId"))
    );

    // The province returns it with a reason (a blank one is refused).
    let (code, error) = app
        .err(Some(&admin), RETURN, json!({ "id": id, "r": "  " }))
        .await;
    assert_eq!(
        (code.as_str(), error["extensions"]["field"].as_str()),
        ("BAD_USER_INPUT", Some("reason"))
    );
    let returned = app
        .ok(Some(&admin), RETURN, json!({ "id": id, "r": "缺少企业2" }))
        .await;
    assert_eq!(
        returned["returnAnnualAuditList"],
        json!({ "status": "DRAFT", "returnReason": "缺少企业2" })
    );
    app.ok(Some(&city), ADD, json!({ "id": id, "ids": [b] }))
        .await;
    app.ok(Some(&city), SUBMIT, json!({ "id": id })).await;

    // Publishing before approval is outside the workflow.
    assert_eq!(
        app.code(Some(&admin), PUBLISH, json!({ "id": id })).await,
        "BAD_USER_INPUT"
    );
    app.ok(Some(&admin), APPROVE, json!({ "id": id })).await;
    assert_eq!(
        app.code(Some(&admin), APPROVE, json!({ "id": id })).await,
        "BAD_USER_INPUT"
    );
    let (code, error) = app
        .err(
            Some(&admin),
            PUBLISH,
            json!({ "id": id, "d": "2099-01-01" }),
        )
        .await;
    assert_eq!(
        (code.as_str(), error["extensions"]["field"].as_str()),
        ("BAD_USER_INPUT", Some("publishedOn"))
    );
    assert_eq!(app.count("audits").await, 0);
    let published = app.ok(Some(&admin), PUBLISH, json!({ "id": id })).await;
    assert_eq!(published["publishAnnualAuditList"]["status"], "PUBLISHED");
    let notice_date = published["publishAnnualAuditList"]["publishedOn"].clone();
    // Publication is the 公示; the audits start with the city's written notices.
    assert_eq!(app.count("audits").await, 0);
    let noticed = app
        .ok(
            Some(&city),
            NOTICE,
            json!({ "input": { "listId": id, "noticeDate": notice_date, "noticeNumber": "并环发〔2024〕3号" } }),
        )
        .await;
    assert_eq!(
        noticed["issueAuditNotices"]["entries"],
        json!([
            { "noticeDate": notice_date, "noticeNumber": "并环发〔2024〕3号", "noticeLate": true },
            { "noticeDate": notice_date, "noticeNumber": "并环发〔2024〕3号", "noticeLate": true },
        ])
    );

    // Every enterprise on it has an audit in NOTIFIED, with the notice date and deadlines.
    let audits = app
        .ok(Some(&city), AUDITS, json!({ "filter": { "year": 2024 } }))
        .await["audits"]
        .clone();
    assert_eq!(audits["totalCount"], 2);
    let first = &audits["edges"][0]["node"];
    assert_eq!(first["status"], "NOTIFIED");
    assert_eq!(first["listId"], id);
    assert_eq!(first["noticeDate"], notice_date);
    assert_eq!(first["noticeDue"], "2024-03-31");
    assert_eq!(first["noticeLate"], true);
    assert_eq!(first["mode"], "STRICT");
    assert_eq!(first["deadline"]["kind"], "DISCLOSURE");
    assert_eq!(
        first["history"],
        json!([{ "event": "NOTIFY", "toStatus": "NOTIFIED", "occurredOn": notice_date }])
    );

    // The list's history keeps every step with its actor.
    let seen = app.ok(Some(&admin), LIST, json!({ "id": id })).await["annualAuditList"].clone();
    let steps: Vec<(Value, Value)> = seen["history"]
        .as_array()
        .expect("history")
        .iter()
        .map(|h| (h["toStatus"].clone(), h["reason"].clone()))
        .collect();
    assert_eq!(
        steps,
        vec![
            (json!("DRAFT"), Value::Null),
            (json!("SUBMITTED"), Value::Null),
            (json!("DRAFT"), json!("缺少企业2")),
            (json!("SUBMITTED"), Value::Null),
            (json!("APPROVED"), Value::Null),
            (json!("PUBLISHED"), Value::Null),
        ]
    );
    assert!(
        seen["history"]
            .as_array()
            .is_some_and(|h| h.iter().all(|s| s["actorId"].is_string()))
    );
    // Published is final.
    assert_eq!(
        app.code(Some(&admin), RETURN, json!({ "id": id, "r": "again" }))
            .await,
        "BAD_USER_INPUT"
    );
}
db_test!(draft_submit_return_approve_publish);

async fn a_list_for_next_year_is_on_time(app: TestApp) {
    let admin = app.admin().await;
    let a = member(&app, &admin, 1, "140100").await;
    let next = this_year_in_china() + 1;
    let list = app
        .ok(
            Some(&admin),
            CREATE,
            json!({ "input": { "cityCode": "140100", "year": next } }),
        )
        .await["createAnnualAuditList"]["id"]
        .clone();
    app.ok(Some(&admin), ADD, json!({ "id": list, "ids": [a] }))
        .await;
    let submitted = app.ok(Some(&admin), SUBMIT, json!({ "id": list })).await;
    assert_eq!(submitted["submitAnnualAuditList"]["late"], false);
}
db_test!(a_list_for_next_year_is_on_time);

async fn list_entries_are_checked(app: TestApp) {
    let admin = app.admin().await;
    let city = app.city_admin("140100").await;
    let a = member(&app, &admin, 1, "140100").await;
    let elsewhere = member(&app, &admin, 2, "140200").await;
    let outsider = create_enterprise(&app, &admin, enterprise_input(3)).await["id"].clone();
    let list = app
        .ok(
            Some(&city),
            CREATE,
            json!({ "input": { "cityCode": "140100", "year": 2025 } }),
        )
        .await["createAnnualAuditList"]["id"]
        .clone();
    app.ok(Some(&city), ADD, json!({ "id": list, "ids": [a] }))
        .await;
    let before = (
        app.count("annual_audit_list_entries").await,
        app.count("audit_log").await,
    );
    let ghost = json!(uuid::Uuid::now_v7().to_string());
    for (ids, why) in [
        (json!([]), "none"),
        (json!([elsewhere]), "another city's"),
        (json!([outsider]), "not in the directory"),
        (json!([ghost]), "unknown"),
        (json!([outsider, outsider]), "twice"),
        (json!(["nope"]), "not an id"),
    ] {
        let (code, error) = app
            .err(Some(&city), ADD, json!({ "id": list, "ids": ids }))
            .await;
        assert_eq!(code, "BAD_USER_INPUT", "{why}: {error}");
        assert_eq!(error["extensions"]["field"], "enterpriseIds", "{why}");
    }
    assert_eq!(
        app.code(Some(&city), ADD, json!({ "id": list, "ids": [a] }))
            .await,
        "CONFLICT",
        "at most once per list"
    );
    let (code, error) = app
        .err(Some(&city), REMOVE, json!({ "id": list, "e": outsider }))
        .await;
    assert_eq!(
        (code.as_str(), error["extensions"]["field"].as_str()),
        ("BAD_USER_INPUT", Some("enterpriseId"))
    );
    assert_eq!(
        (
            app.count("annual_audit_list_entries").await,
            app.count("audit_log").await
        ),
        before
    );

    // One list per city and year; an empty list cannot be submitted; bad years refused.
    assert_eq!(
        app.code(
            Some(&city),
            CREATE,
            json!({ "input": { "cityCode": "140100", "year": 2025 } })
        )
        .await,
        "CONFLICT"
    );
    for (input, field) in [
        (json!({ "cityCode": "140100", "year": 1999 }), "year"),
        (json!({ "cityCode": "999999", "year": 2025 }), "cityCode"),
    ] {
        let (code, error) = app
            .err(Some(&admin), CREATE, json!({ "input": input }))
            .await;
        assert_eq!(
            (code.as_str(), error["extensions"]["field"].as_str()),
            ("BAD_USER_INPUT", Some(field))
        );
    }
    let empty = app
        .ok(
            Some(&city),
            CREATE,
            json!({ "input": { "cityCode": "140100", "year": 2024 } }),
        )
        .await["createAnnualAuditList"]["id"]
        .clone();
    let (code, error) = app.err(Some(&city), SUBMIT, json!({ "id": empty })).await;
    assert_eq!(
        (code.as_str(), error["extensions"]["field"].as_str()),
        ("BAD_USER_INPUT", Some("listId"))
    );
}
db_test!(list_entries_are_checked);

async fn who_may_act_on_lists(app: TestApp) {
    let admin = app.admin().await;
    let taiyuan = app.city_admin("140100").await;
    let datong = app.city_admin("140200").await;
    let a = member(&app, &admin, 1, "140100").await;
    let list = app
        .ok(
            Some(&taiyuan),
            CREATE,
            json!({ "input": { "cityCode": "140100", "year": 2025 } }),
        )
        .await["createAnnualAuditList"]["id"]
        .clone();
    let before = app.count("annual_audit_lists").await;
    assert_eq!(
        app.code(
            Some(&datong),
            CREATE,
            json!({ "input": { "cityCode": "140100", "year": 2026 } })
        )
        .await,
        "FORBIDDEN"
    );
    assert_eq!(
        app.code(
            None,
            CREATE,
            json!({ "input": { "cityCode": "140100", "year": 2026 } })
        )
        .await,
        "UNAUTHENTICATED"
    );
    assert_eq!(app.count("annual_audit_lists").await, before);
    for (query, vars) in [
        (ADD, json!({ "id": list, "ids": [a] })),
        (SUBMIT, json!({ "id": list })),
        (LIST, json!({ "id": list })),
    ] {
        assert_eq!(
            app.code(Some(&datong), query, vars.clone()).await,
            "FORBIDDEN",
            "{query}"
        );
        assert_eq!(
            app.code(None, query, vars).await,
            "UNAUTHENTICATED",
            "{query}"
        );
    }
    app.ok(Some(&taiyuan), ADD, json!({ "id": list, "ids": [a] }))
        .await;
    app.ok(Some(&taiyuan), SUBMIT, json!({ "id": list })).await;
    // Approving, returning and publishing are the province's.
    for (query, vars) in [
        (APPROVE, json!({ "id": list })),
        (RETURN, json!({ "id": list, "r": "x" })),
        (PUBLISH, json!({ "id": list })),
    ] {
        assert_eq!(
            app.code(Some(&taiyuan), query, vars).await,
            "FORBIDDEN",
            "{query}"
        );
    }
    let status = app.ok(Some(&taiyuan), LIST, json!({ "id": list })).await;
    assert_eq!(status["annualAuditList"]["status"], "SUBMITTED");

    // The connection: a city sees its own lists and may not ask for another city's.
    let mine = app.ok(Some(&taiyuan), LISTS, json!({})).await;
    assert_eq!(mine["annualAuditLists"]["totalCount"], 1);
    assert_eq!(
        mine["annualAuditLists"]["edges"][0]["node"]["city"]["name"],
        "太原市"
    );
    assert_eq!(
        mine["annualAuditLists"]["edges"][0]["node"]["enterprises"],
        json!([{ "name": "企业1" }])
    );
    let theirs = app.ok(Some(&datong), LISTS, json!({})).await;
    assert_eq!(theirs["annualAuditLists"]["totalCount"], 0);
    assert_eq!(
        app.code(
            Some(&datong),
            LISTS,
            json!({ "filter": { "cityCode": "140100" } })
        )
        .await,
        "FORBIDDEN"
    );
    let all = app
        .ok(
            Some(&admin),
            LISTS,
            json!({ "filter": { "status": "SUBMITTED", "year": 2025 } }),
        )
        .await;
    assert_eq!(all["annualAuditLists"]["totalCount"], 1);
}
db_test!(who_may_act_on_lists);

async fn notices_refuse_an_enterprise_mid_audit(app: TestApp) {
    let admin = app.admin().await;
    let city = app.city_admin("140100").await;
    let a = member(&app, &admin, 1, "140100").await;
    let b = member(&app, &admin, 2, "140100").await;
    // a is already being audited.
    app.ok(
        Some(&admin),
        "mutation($input: CreateAuditInput!) { createAudit(input: $input) { id } }",
        json!({ "input": { "enterpriseId": a, "year": 2024, "noticeDate": "2024-03-01" } }),
    )
    .await;
    let list = app
        .ok(
            Some(&admin),
            CREATE,
            json!({ "input": { "cityCode": "140100", "year": 2025 } }),
        )
        .await["createAnnualAuditList"]["id"]
        .clone();
    app.ok(Some(&admin), ADD, json!({ "id": list, "ids": [a, b] }))
        .await;
    app.ok(Some(&admin), SUBMIT, json!({ "id": list })).await;
    app.ok(Some(&admin), APPROVE, json!({ "id": list })).await;
    let published = app.ok(Some(&admin), PUBLISH, json!({ "id": list })).await;
    let before = app.count("audits").await;
    let (code, error) = app
        .err(
            Some(&city),
            NOTICE,
            json!({ "input": { "listId": list, "noticeDate": published["publishAnnualAuditList"]["publishedOn"], "noticeNumber": "1号" } }),
        )
        .await;
    assert_eq!(code, "CONFLICT", "{error}");
    assert_eq!(app.count("audits").await, before, "all or nothing");
    let seen = app
        .ok(
            Some(&admin),
            "query($id: ID!) { annualAuditList(id: $id) { entries { noticeDate } } }",
            json!({ "id": list }),
        )
        .await;
    assert_eq!(
        seen["annualAuditList"]["entries"],
        json!([{ "noticeDate": null }, { "noticeDate": null }])
    );
}
db_test!(notices_refuse_an_enterprise_mid_audit);

/// 简化审核程序: the city chooses the path of its list's SIMPLIFIED audits until the list is
/// published; a STRICT audit keeps the full path; a combined review's pass accepts the audit.
pub(crate) async fn simplified_audits_follow_the_lists_path(app: TestApp) {
    use crate::audits::{RECORD, SCHEDULE, START, SUBMIT as SUBMIT_REPORT, setting};
    let s = setting(&app).await;
    let (admin, city) = (&s.admin, &s.city);
    let strict = member(&app, admin, 11, "140100").await;
    let mut simple = enterprise_input(12);
    simple["highEnergyUse"] = json!(false);
    simple["directorySinceYear"] = json!(2021);
    let simple = create_enterprise(&app, admin, simple).await["id"].clone();
    let list = app
        .ok(
            Some(city),
            CREATE,
            json!({ "input": { "cityCode": "140100", "year": 2024 } }),
        )
        .await["createAnnualAuditList"]["id"]
        .clone();
    app.ok(
        Some(city),
        ADD,
        json!({ "id": list, "ids": [strict, simple] }),
    )
    .await;

    const PROCEDURE: &str = "mutation($id: ID!, $p: AuditProcedure!) { setAnnualListProcedure(listId: $id, procedure: $p) { simplifiedProcedure } }";
    let other_city = app.city_admin("140200").await;
    let before = app.count("audit_log").await;
    assert_eq!(
        app.code(
            Some(&other_city),
            PROCEDURE,
            json!({ "id": list, "p": "COMBINED_REVIEW" })
        )
        .await,
        "FORBIDDEN"
    );
    assert_eq!(app.count("audit_log").await, before, "nothing written");
    let set = app
        .ok(
            Some(city),
            PROCEDURE,
            json!({ "id": list, "p": "COMBINED_REVIEW" }),
        )
        .await;
    assert_eq!(
        set["setAnnualListProcedure"]["simplifiedProcedure"],
        "COMBINED_REVIEW"
    );
    app.ok(Some(city), SUBMIT, json!({ "id": list })).await;
    app.ok(Some(admin), APPROVE, json!({ "id": list })).await;
    let published = app.ok(Some(admin), PUBLISH, json!({ "id": list })).await;
    app.ok(
        Some(city),
        NOTICE,
        json!({ "input": { "listId": list, "noticeDate": published["publishAnnualAuditList"]["publishedOn"], "noticeNumber": "并环发〔2024〕5号" } }),
    )
    .await;
    let (code, error) = app
        .err(Some(city), PROCEDURE, json!({ "id": list, "p": "FULL" }))
        .await;
    assert_eq!(
        (code.as_str(), error["extensions"]["field"].as_str()),
        ("BAD_USER_INPUT", Some("listId"))
    );

    let audits = app
        .ok(
            Some(admin),
            "{ audits { edges { node { id mode procedure enterprise { id } } } } }",
            json!({}),
        )
        .await;
    let mut by_enterprise = std::collections::HashMap::new();
    for edge in audits["audits"]["edges"].as_array().expect("audits") {
        let node = &edge["node"];
        by_enterprise.insert(node["enterprise"]["id"].clone(), node.clone());
    }
    assert_eq!(
        (
            by_enterprise[&strict]["mode"].clone(),
            by_enterprise[&strict]["procedure"].clone()
        ),
        (json!("STRICT"), json!("FULL"))
    );
    assert_eq!(
        (
            by_enterprise[&simple]["mode"].clone(),
            by_enterprise[&simple]["procedure"].clone()
        ),
        (json!("SIMPLIFIED"), json!("COMBINED_REVIEW"))
    );

    // The combined review: its pass accepts the audit and ends the round.
    let id = by_enterprise[&simple]["id"].clone();
    let today = crate::panels::day(0);
    app.ok(Some(city), START, json!({ "id": id, "on": today }))
        .await;
    app.ok(
        Some(city),
        SUBMIT_REPORT,
        json!({ "id": id, "input": { "consultancyId": s.firm["id"], "leadAuditorId": s.lead["id"], "submittedOn": today } }),
    )
    .await;
    let review = app
        .ok(
            Some(city),
            SCHEDULE,
            json!({ "input": { "auditId": id, "kind": "EVALUATION", "date": today } }),
        )
        .await["scheduleReview"]["id"]
        .clone();
    let recorded = app
        .ok(
            Some(city),
            RECORD,
            json!({ "id": review, "input": { "outcome": "PASSED", "score": "80", "opinion": "通过" } }),
        )
        .await["recordReviewOutcome"]["audit"]
        .clone();
    assert_eq!(recorded["status"], "ACCEPTED");
    assert_eq!(recorded["closed"], true);
    assert_eq!(recorded["evaluatedOn"], json!(today));
    assert_eq!(recorded["acceptedOn"], json!(today));

    // Outside a list: COMBINED_REVIEW only for a SIMPLIFIED enterprise.
    let loose = create_enterprise(&app, admin, enterprise_input(13)).await;
    let before = app.count("audits").await;
    let (code, error) = app
        .err(
            Some(city),
            "mutation($input: CreateAuditInput!) { createAudit(input: $input) { id } }",
            json!({ "input": { "enterpriseId": loose["id"], "year": 2024, "procedure": "COMBINED_REVIEW" } }),
        )
        .await;
    assert_eq!(
        (code.as_str(), error["extensions"]["field"].as_str()),
        ("BAD_USER_INPUT", Some("procedure"))
    );
    assert_eq!(app.count("audits").await, before, "nothing written");
}
db_test!(simplified_audits_follow_the_lists_path);
