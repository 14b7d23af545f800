//! The city's written notices (书面通知) after the province publishes a list: the notice starts
//! each enterprise's audit and clock, the enterprise is told, bad input and other callers
//! write nothing.

use serde_json::{Value, json};

use crate::db_test;
use crate::support::{TestApp, create_enterprise, create_expert, enterprise_input};

pub(crate) const NOTICE: &str = "mutation($input: IssueAuditNoticesInput!) { issueAuditNotices(input: $input) { entries { enterpriseId enterprise { name } noticeDate noticeNumber noticeLate noticeIssuedAt } } }";
const AUDITS: &str = "query { audits(filter: { year: 2024 }) { totalCount edges { node { enterprise { name } status noticeDate listId deadline { kind due } } } } }";
const INBOX: &str = "{ notifications(first: 20) { edges { node { kind title body } } } }";

pub(crate) struct Published {
    pub list: Value,
    pub enterprises: Vec<Value>,
    pub published_on: String,
}

/// A 2024 list of Taiyuan with three directory members, published by the province today.
async fn published_list(app: &TestApp, admin: &str, city: &str) -> Published {
    let inputs = (1..=3).map(enterprise_input).collect();
    published_list_of(app, admin, city, inputs).await
}

/// A 2024 list of Taiyuan with the enterprises of `inputs` (made directory members),
/// published by the province today.
pub(crate) async fn published_list_of(
    app: &TestApp,
    admin: &str,
    city: &str,
    inputs: Vec<Value>,
) -> Published {
    let mut enterprises = Vec::new();
    for mut input in inputs {
        input["cityCode"] = json!("140100");
        input["directorySinceYear"] = json!(2021);
        enterprises.push(create_enterprise(app, admin, input).await["id"].clone());
    }
    let list = app
        .ok(
            Some(city),
            "mutation { createAnnualAuditList(input: { cityCode: \"140100\", year: 2024 }) { id } }",
            json!({}),
        )
        .await["createAnnualAuditList"]["id"]
        .clone();
    app.ok(
        Some(city),
        "mutation($id: ID!, $ids: [ID!]!) { addEnterprisesToAnnualAuditList(listId: $id, enterpriseIds: $ids) { id } }",
        json!({ "id": list, "ids": enterprises }),
    )
    .await;
    for (token, step) in [(city, "submit"), (admin, "approve"), (admin, "publish")] {
        let mutation =
            format!("mutation($id: ID!) {{ {step}AnnualAuditList(listId: $id) {{ id }} }}");
        app.ok(Some(token), &mutation, json!({ "id": list })).await;
    }
    let published_on = app
        .ok(
            Some(admin),
            "query($id: ID!) { annualAuditList(id: $id) { publishedOn } }",
            json!({ "id": list }),
        )
        .await["annualAuditList"]["publishedOn"]
        .as_str()
        .expect("published")
        .to_owned();
    Published {
        list,
        enterprises,
        published_on,
    }
}

pub(crate) fn notice(list: &Value, date: &str, number: &str, ids: Option<&[&Value]>) -> Value {
    let mut input = json!({ "listId": list, "noticeDate": date, "noticeNumber": number });
    if let Some(ids) = ids {
        input["enterpriseIds"] = json!(ids);
    }
    json!({ "input": input })
}

async fn written(app: &TestApp) -> (i64, i64, i64) {
    (
        app.count("audits").await,
        app.count("notifications").await,
        app.count("audit_log").await,
    )
}

/// The city notifies one enterprise, then the rest; each gets its audit dated by the notice,
/// with its deadlines from that date, and its accounts are told.
async fn notices_start_the_audits_and_tell_the_enterprise(app: TestApp) {
    let admin = app.admin().await;
    let city = app.city_admin("140100").await;
    let p = published_list(&app, &admin, &city).await;
    let owner = app
        .user_with(json!({ "role": "ENTERPRISE", "enterpriseId": p.enterprises[1] }))
        .await;
    assert_eq!(app.count("audits").await, 0, "publication starts no audit");

    let first = app
        .ok(
            Some(&city),
            NOTICE,
            notice(
                &p.list,
                &p.published_on,
                "并环发〔2024〕7号",
                Some(&[&p.enterprises[1]]),
            ),
        )
        .await["issueAuditNotices"]["entries"]
        .clone();
    let dates: Vec<Value> = first
        .as_array()
        .expect("entries")
        .iter()
        .map(|e| e["noticeDate"].clone())
        .collect();
    assert_eq!(dates, vec![Value::Null, json!(p.published_on), Value::Null]);
    assert_eq!(first[1]["noticeNumber"], "并环发〔2024〕7号");
    // 2024's notices were due by 31 March 2024.
    assert_eq!(first[1]["noticeLate"], true);
    assert!(first[1]["noticeIssuedAt"].is_string());
    assert_eq!(first[0]["noticeLate"], Value::Null);

    let audits = app.ok(Some(&admin), AUDITS, json!({})).await["audits"].clone();
    assert_eq!(audits["totalCount"], 1);
    let audit = &audits["edges"][0]["node"];
    assert_eq!(audit["enterprise"]["name"], "企业2");
    assert_eq!(audit["status"], "NOTIFIED");
    assert_eq!(audit["noticeDate"], json!(p.published_on));
    assert_eq!(audit["listId"], p.list);
    assert_eq!(audit["deadline"]["kind"], "DISCLOSURE");

    // The enterprise hears of it with the dates it now owes.
    let inbox = app.ok(Some(&owner), INBOX, json!({})).await["notifications"]["edges"].clone();
    let told: Vec<&Value> = inbox
        .as_array()
        .expect("edges")
        .iter()
        .map(|e| &e["node"])
        .filter(|n| n["kind"] == "AUDIT_NOTICE_ISSUED")
        .collect();
    assert_eq!(told.len(), 1);
    assert_eq!(told[0]["title"], "清洁生产审核书面通知：2024年");
    let body = told[0]["body"].as_str().expect("body");
    assert!(body.contains("并环发〔2024〕7号"), "{body}");
    assert!(body.contains(p.published_on.as_str()), "{body}");

    // None named: the two still waiting.
    let rest = app
        .ok(
            Some(&city),
            NOTICE,
            notice(&p.list, &p.published_on, "并环发〔2024〕8号", None),
        )
        .await["issueAuditNotices"]["entries"]
        .clone();
    let numbers: Vec<Value> = rest
        .as_array()
        .expect("entries")
        .iter()
        .map(|e| e["noticeNumber"].clone())
        .collect();
    assert_eq!(
        numbers,
        vec![
            json!("并环发〔2024〕8号"),
            json!("并环发〔2024〕7号"),
            json!("并环发〔2024〕8号")
        ]
    );
    assert_eq!(app.count("audits").await, 3);

    // Nothing is left, and a notified enterprise is not notified twice.
    let before = written(&app).await;
    let (code, error) = app
        .err(
            Some(&city),
            NOTICE,
            notice(&p.list, &p.published_on, "并环发〔2024〕9号", None),
        )
        .await;
    assert_eq!(code, "CONFLICT", "{error}");
    assert_eq!(
        app.code(
            Some(&city),
            NOTICE,
            notice(
                &p.list,
                &p.published_on,
                "并环发〔2024〕9号",
                Some(&[&p.enterprises[0]])
            ),
        )
        .await,
        "CONFLICT"
    );
    assert_eq!(written(&app).await, before);
}
db_test!(notices_start_the_audits_and_tell_the_enterprise);

/// Bad input is refused with the field named, and nothing is written.
async fn bad_notices_write_nothing(app: TestApp) {
    let admin = app.admin().await;
    let city = app.city_admin("140100").await;
    let p = published_list(&app, &admin, &city).await;
    let mut elsewhere = enterprise_input(9);
    elsewhere["directorySinceYear"] = json!(2021);
    let stranger = create_enterprise(&app, &admin, elsewhere).await["id"].clone();
    let before = written(&app).await;
    let cases = [
        (
            notice(&p.list, "2099-01-01", "1号", None),
            "BAD_USER_INPUT",
            Some("noticeDate"),
        ),
        (
            notice(&p.list, "2020-01-01", "1号", None),
            "BAD_USER_INPUT",
            Some("noticeDate"),
        ),
        (
            notice(&p.list, &p.published_on, "  ", None),
            "BAD_USER_INPUT",
            Some("noticeNumber"),
        ),
        (
            notice(&p.list, &p.published_on, "1号", Some(&[&stranger])),
            "BAD_USER_INPUT",
            Some("enterpriseIds"),
        ),
        (
            notice(
                &p.list,
                &p.published_on,
                "1号",
                Some(&[&p.enterprises[0], &p.enterprises[0]]),
            ),
            "BAD_USER_INPUT",
            Some("enterpriseIds"),
        ),
        (
            notice(&json!("not-an-id"), &p.published_on, "1号", None),
            "BAD_USER_INPUT",
            Some("listId"),
        ),
    ];
    for (variables, code, field) in cases {
        let (got, error) = app.err(Some(&city), NOTICE, variables.clone()).await;
        assert_eq!(
            (got.as_str(), error["extensions"]["field"].as_str()),
            (code, field),
            "{variables} → {error}"
        );
    }
    // A list not yet published has no notices to issue.
    let draft = app
        .ok(
            Some(&city),
            "mutation { createAnnualAuditList(input: { cityCode: \"140100\", year: 2025 }) { id } }",
            json!({}),
        )
        .await["createAnnualAuditList"]["id"]
        .clone();
    assert_eq!(
        app.code(
            Some(&city),
            NOTICE,
            notice(&draft, &p.published_on, "1号", None)
        )
        .await,
        "CONFLICT"
    );
    assert_eq!(written(&app).await.0, before.0);
    assert_eq!(written(&app).await.1, before.1);
}
db_test!(bad_notices_write_nothing);

/// Only the list's city issues its notices: not the province, another city, an enterprise,
/// an expert, a consultancy or the public.
async fn only_the_lists_city_issues_notices(app: TestApp) {
    let admin = app.admin().await;
    let city = app.city_admin("140100").await;
    let p = published_list(&app, &admin, &city).await;
    let other_city = app.city_admin("140200").await;
    let owner = app
        .user_with(json!({ "role": "ENTERPRISE", "enterpriseId": p.enterprises[0] }))
        .await;
    let record = create_expert(&app, &admin, 1).await;
    let expert = app.user_token("EXPERT", None, record["id"].as_str()).await;
    let variables = notice(&p.list, &p.published_on, "1号", None);
    let before = written(&app).await;
    for (token, code) in [
        (Some(admin.as_str()), "FORBIDDEN"),
        (Some(other_city.as_str()), "FORBIDDEN"),
        (Some(owner.as_str()), "FORBIDDEN"),
        (Some(expert.as_str()), "FORBIDDEN"),
        (None, "UNAUTHENTICATED"),
    ] {
        assert_eq!(app.code(token, NOTICE, variables.clone()).await, code);
    }
    assert_eq!(written(&app).await, before);
}
db_test!(only_the_lists_city_issues_notices);
