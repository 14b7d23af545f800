//! The county level: COUNTY_ADMIN users bound to a county of a city, the city delegating the
//! evaluation and acceptance of non-key-sector audits (per audit or per list), the county
//! running those reviews, and nothing outside the county reachable, nested fields included.

use serde_json::{Value, json};

use crate::audits::{RECORD, SCHEDULE, reported_audit, setting};
use crate::db_test;
use crate::notices::{NOTICE, notice, published_list_of};
use crate::panels::{attend, day, draw, expert, today};
use crate::support::{TestApp, create_enterprise, enterprise_input, heard};

const CREATE_USER: &str =
    "mutation($input: CreateUserInput!) { createUser(input: $input) { id role cityCode county } }";
const DELEGATE: &str = "mutation($input: DelegateReviewsInput!) { delegateReviews(input: $input) { delegated { id delegatedCounty delegatedAt enterprise { name } } keptWithCity { id enterprise { name } } } }";
const WITHDRAW: &str = "mutation($ids: [ID!]!) { withdrawDelegation(input: { auditIds: $ids }) { id delegatedCounty } }";
const AUDIT: &str =
    "query($id: ID!) { audit(id: $id) { id delegatedCounty reviews { kind status outcome } } }";
const AUDITS: &str = "query($filter: AuditFilter) { audits(filter: $filter) { totalCount edges { node { id enterprise { name county } } } } }";
const ENTERPRISE_AUDITS: &str =
    "query($id: ID!) { enterprise(id: $id) { name county audits { id delegatedCounty } } }";
const ENTERPRISES: &str = "query($filter: EnterpriseFilter) { enterprises(filter: $filter) { totalCount edges { node { name county } } } }";
const REVIEWS: &str =
    "{ reviews { totalCount edges { node { kind audit { id } panel { seats { status } } } } } }";

/// A large paper mill of Taiyuan's 小店区: its sector's reviews may go to the county.
fn paper_mill(serial: u32) -> Value {
    let mut input = enterprise_input(serial);
    input["name"] = json!(format!("造纸厂{serial}"));
    input["industryCode"] = json!("2221");
    input
}

fn in_county(mut input: Value, county: &str) -> Value {
    input["county"] = json!(county);
    input
}

async fn county_admin(app: &TestApp, city: &str, county: &str) -> String {
    app.user_with(json!({ "role": "COUNTY_ADMIN", "cityCode": city, "county": county }))
        .await
}

async fn delegated_county(app: &TestApp, admin: &str, audit: &Value) -> Value {
    app.ok(Some(admin), AUDIT, json!({ "id": audit })).await["audit"]["delegatedCounty"].clone()
}

async fn county_admins_are_bound_to_a_county_of_the_directory(app: TestApp) {
    let admin = app.admin().await;
    create_enterprise(&app, &admin, enterprise_input(1)).await;
    let users = app.count("users").await;
    let bad = [
        (json!({ "cityCode": "140100" }), "county"),
        (json!({ "county": "小店区" }), "cityCode"),
        (
            json!({ "cityCode": "149900", "county": "小店区" }),
            "cityCode",
        ),
        (json!({ "cityCode": "140100", "county": "  " }), "county"),
        // Named otherwise than the directory names it.
        (json!({ "cityCode": "140100", "county": "小店" }), "county"),
        (
            json!({ "cityCode": "140200", "county": "小店区" }),
            "county",
        ),
    ];
    for (binding, field) in bad {
        let mut input = binding.clone();
        input["role"] = json!("COUNTY_ADMIN");
        input["username"] = json!("county-user");
        input["password"] = json!("a-long-enough-password");
        let (code, error) = app
            .err(Some(&admin), CREATE_USER, json!({ "input": input }))
            .await;
        assert_eq!(code, "BAD_USER_INPUT", "{binding}");
        assert_eq!(error["extensions"]["field"], field, "{binding}");
    }
    assert_eq!(app.count("users").await, users, "nothing written");
    let input = json!({ "role": "COUNTY_ADMIN", "cityCode": "140100", "county": "小店区", "username": "xiaodian", "password": "a-long-enough-password" });
    let created = app
        .ok(Some(&admin), CREATE_USER, json!({ "input": input }))
        .await;
    assert_eq!(
        created["createUser"],
        json!({ "id": created["createUser"]["id"], "role": "COUNTY_ADMIN", "cityCode": "140100", "county": "小店区" })
    );
    // A county admin is no city admin: the city's lists stay closed.
    let county = app.login("xiaodian", "a-long-enough-password").await;
    for query in [
        "{ annualAuditLists { totalCount } }",
        "{ expertsPage: experts { totalCount } }",
    ] {
        assert_eq!(
            app.code(Some(&county), query, json!({})).await,
            "FORBIDDEN",
            "{query}"
        );
    }
}
db_test!(county_admins_are_bound_to_a_county_of_the_directory);

async fn a_delegated_review_is_run_by_the_county(app: TestApp) {
    let s = setting(&app).await;
    let on = day(0);
    let dates = [on.as_str(); 3];
    let year = chrono::Datelike::year(&today());
    let mill = create_enterprise(&app, &s.admin, paper_mill(2)).await;
    let mill_audit = reported_audit(&app, &s, &mill, year, dates).await["id"].clone();
    // The setting's enterprise is a steel works of the same county: a key sector.
    let steel_audit = reported_audit(&app, &s, &s.enterprise, year, dates).await["id"].clone();
    let elsewhere = create_enterprise(&app, &s.admin, in_county(paper_mill(3), "迎泽区")).await;
    let county = county_admin(&app, "140100", "小店区").await;
    let other_county = county_admin(&app, "140100", "迎泽区").await;
    let schedule = |audit: &Value, kind: &str| json!({ "input": { "auditId": audit, "kind": kind, "date": on } });

    // Before the delegation the county reaches neither audit.
    assert_eq!(
        app.code(Some(&county), AUDIT, json!({ "id": mill_audit }))
            .await,
        "FORBIDDEN"
    );
    assert_eq!(
        app.code(Some(&county), SCHEDULE, schedule(&mill_audit, "EVALUATION"))
            .await,
        "FORBIDDEN"
    );
    let listed = app.ok(Some(&county), AUDITS, json!({})).await;
    assert_eq!(listed["audits"]["totalCount"], 0);

    // Bad input writes nothing.
    let audits = app.count("audits WHERE delegated_county IS NOT NULL").await;
    for (input, field) in [
        (json!({ "auditIds": [steel_audit] }), "input.auditIds"),
        (
            json!({ "auditIds": [mill_audit, steel_audit] }),
            "input.auditIds",
        ),
        (json!({ "auditIds": [] }), "input.auditIds"),
        (json!({ "auditIds": ["not-an-id"] }), "input.auditIds"),
        (
            json!({ "auditIds": [uuid::Uuid::now_v7().to_string()] }),
            "input.auditIds",
        ),
        (json!({}), "input"),
        (
            json!({ "auditIds": [mill_audit], "listId": mill_audit }),
            "input",
        ),
    ] {
        let (code, error) = app
            .err(Some(&s.city), DELEGATE, json!({ "input": input }))
            .await;
        assert_eq!(
            (code.as_str(), &error["extensions"]["field"]),
            ("BAD_USER_INPUT", &json!(field)),
            "{input}"
        );
    }
    assert_eq!(
        app.count("audits WHERE delegated_county IS NOT NULL").await,
        audits
    );
    // Only the audit's city (or the province) delegates.
    let firm_user = app.consultancy_user(&s.firm["id"]).await;
    let refused = [
        county.clone(),
        app.city_admin("140200").await,
        firm_user.clone(),
    ];
    app.assert_refused(
        &refused,
        DELEGATE,
        json!({ "input": { "auditIds": [mill_audit] } }),
    )
    .await;
    app.assert_refused(&refused, WITHDRAW, json!({ "ids": [mill_audit] }))
        .await;

    let done = app
        .ok(
            Some(&s.city),
            DELEGATE,
            json!({ "input": { "auditIds": [mill_audit] } }),
        )
        .await;
    let delegated = &done["delegateReviews"]["delegated"][0];
    assert_eq!(delegated["delegatedCounty"], "小店区");
    assert_eq!(delegated["enterprise"]["name"], "造纸厂2");
    assert!(delegated["delegatedAt"].is_string());
    let again = app
        .err(
            Some(&s.city),
            DELEGATE,
            json!({ "input": { "auditIds": [mill_audit] } }),
        )
        .await;
    assert_eq!(again.0, "BAD_USER_INPUT");

    // The county now sees the delegated audit and nothing else of the city.
    let listed = app.ok(Some(&county), AUDITS, json!({})).await;
    assert_eq!(listed["audits"]["totalCount"], 1);
    assert_eq!(listed["audits"]["edges"][0]["node"]["id"], mill_audit);
    let filtered = app
        .ok(
            Some(&s.city),
            AUDITS,
            json!({ "filter": { "delegated": true } }),
        )
        .await;
    assert_eq!(filtered["audits"]["totalCount"], 1);
    for id in [&steel_audit] {
        assert_eq!(
            app.code(Some(&county), AUDIT, json!({ "id": id })).await,
            "FORBIDDEN"
        );
    }
    assert_eq!(
        app.code(Some(&other_county), AUDIT, json!({ "id": mill_audit }))
            .await,
        "FORBIDDEN"
    );
    assert_eq!(
        app.code(
            Some(&county),
            AUDITS,
            json!({ "filter": { "cityCode": "140200" } })
        )
        .await,
        "FORBIDDEN"
    );
    // The county's directory: its enterprises only; the steel works' audit stays hidden.
    let directory = app.ok(Some(&county), ENTERPRISES, json!({})).await;
    assert_eq!(directory["enterprises"]["totalCount"], 2);
    for edge in directory["enterprises"]["edges"].as_array().expect("edges") {
        assert_eq!(edge["node"]["county"], "小店区");
    }
    assert_eq!(
        app.code(
            Some(&county),
            ENTERPRISE_AUDITS,
            json!({ "id": elsewhere["id"] })
        )
        .await,
        "FORBIDDEN"
    );
    let steel = app
        .ok(
            Some(&county),
            ENTERPRISE_AUDITS,
            json!({ "id": s.enterprise["id"] }),
        )
        .await;
    assert_eq!(steel["enterprise"]["audits"], json!([]));
    let own = app
        .ok(
            Some(&county),
            ENTERPRISE_AUDITS,
            json!({ "id": mill["id"] }),
        )
        .await;
    assert_eq!(own["enterprise"]["audits"][0]["delegatedCounty"], "小店区");

    // The county schedules, draws and records; another county may not, nor a recheck.
    assert_eq!(
        app.code(
            Some(&other_county),
            SCHEDULE,
            schedule(&mill_audit, "EVALUATION")
        )
        .await,
        "FORBIDDEN"
    );
    assert_eq!(
        app.code(Some(&county), SCHEDULE, schedule(&mill_audit, "RECHECK"))
            .await,
        "FORBIDDEN"
    );
    assert_eq!(
        app.code(
            Some(&county),
            SCHEDULE,
            schedule(&steel_audit, "EVALUATION")
        )
        .await,
        "FORBIDDEN"
    );
    let review = app
        .ok(Some(&county), SCHEDULE, schedule(&mill_audit, "EVALUATION"))
        .await["scheduleReview"]["id"]
        .clone();
    for (serial, sectors, kind) in [
        (50, "PAPER", "INDUSTRY_PROCESS"),
        (51, "PAPER", "ENVIRONMENTAL"),
        (52, "CHEMICAL", "ENERGY"),
    ] {
        expert(&app, &s.admin, serial, &[sectors], &[kind], "140200").await;
    }
    let panel = draw(&app, &county, json!({ "reviewId": review })).await;
    for seat in panel["seats"].as_array().expect("seats") {
        attend(&app, &county, &seat["id"], true).await;
    }
    let outcome = json!({ "outcome": "PASSED", "score": "85", "opinion": "同意通过评估" });
    assert_eq!(
        app.code(
            Some(&other_county),
            RECORD,
            json!({ "id": review, "input": outcome })
        )
        .await,
        "FORBIDDEN"
    );
    let recorded = app
        .ok(
            Some(&county),
            RECORD,
            json!({ "id": review, "input": outcome }),
        )
        .await;
    assert_eq!(
        recorded["recordReviewOutcome"]["review"]["outcome"],
        "PASSED"
    );
    let reviews = app.ok(Some(&county), REVIEWS, json!({})).await;
    assert_eq!(reviews["reviews"]["totalCount"], 1);
    assert_eq!(
        reviews["reviews"]["edges"][0]["node"]["panel"]["seats"]
            .as_array()
            .map(Vec::len),
        Some(3)
    );

    // Withdrawn, the audit is the city's again.
    let back = app
        .ok(Some(&s.city), WITHDRAW, json!({ "ids": [mill_audit] }))
        .await;
    assert_eq!(
        back["withdrawDelegation"][0]["delegatedCounty"],
        Value::Null
    );
    assert_eq!(
        delegated_county(&app, &s.admin, &mill_audit).await,
        Value::Null
    );
    assert_eq!(
        app.code(Some(&county), AUDIT, json!({ "id": mill_audit }))
            .await,
        "FORBIDDEN"
    );
    let (code, error) = app
        .err(Some(&s.city), WITHDRAW, json!({ "ids": [mill_audit] }))
        .await;
    assert_eq!(
        (code.as_str(), &error["extensions"]["field"]),
        ("BAD_USER_INPUT", &json!("input.auditIds"))
    );
}
db_test!(a_delegated_review_is_run_by_the_county);

/// A city delegates a whole list: what may go goes to each enterprise's county, key sectors
/// stay. Also the flow `audit_coverage` runs for `delegateReviews` and `withdrawDelegation`.
pub(crate) async fn a_list_is_delegated_where_the_plan_allows(app: TestApp) {
    let admin = app.admin().await;
    let city = app.city_admin("140100").await;
    let inputs = vec![
        enterprise_input(1),
        paper_mill(2),
        in_county(paper_mill(3), "迎泽区"),
    ];
    let published = published_list_of(&app, &admin, &city, inputs).await;
    app.ok(
        Some(&city),
        NOTICE,
        notice(
            &published.list,
            &published.published_on,
            "并环审〔2024〕1号",
            None,
        ),
    )
    .await;
    let county = county_admin(&app, "140100", "迎泽区").await;
    let done = app
        .ok(
            Some(&city),
            DELEGATE,
            json!({ "input": { "listId": published.list } }),
        )
        .await["delegateReviews"]
        .clone();
    let mut counties: Vec<_> = done["delegated"]
        .as_array()
        .expect("delegated")
        .iter()
        .map(|a| {
            (
                a["enterprise"]["name"].clone(),
                a["delegatedCounty"].clone(),
            )
        })
        .collect();
    counties.sort_by_key(|(name, _)| name.to_string());
    assert_eq!(
        counties,
        vec![
            (json!("造纸厂2"), json!("小店区")),
            (json!("造纸厂3"), json!("迎泽区")),
        ]
    );
    assert_eq!(done["keptWithCity"][0]["enterprise"]["name"], "企业1");
    // Nothing left to delegate.
    let (code, error) = app
        .err(
            Some(&city),
            DELEGATE,
            json!({ "input": { "listId": published.list } }),
        )
        .await;
    assert_eq!(
        (code.as_str(), &error["extensions"]["field"]),
        ("BAD_USER_INPUT", &json!("input.listId"))
    );
    let listed = app.ok(Some(&county), AUDITS, json!({})).await;
    assert_eq!(listed["audits"]["totalCount"], 1);
    assert_eq!(
        listed["audits"]["edges"][0]["node"]["enterprise"],
        json!({ "name": "造纸厂3", "county": "迎泽区" })
    );
    // Each county hears once, of its own enterprises.
    let told = heard(&app, &county, "REVIEWS_DELEGATED").await;
    assert_eq!(told.len(), 1);
    assert_eq!(told[0]["title"], "评估验收委托：1家企业");
    assert_eq!(
        told[0]["body"],
        "太原市已将造纸厂3的清洁生产审核评估、验收委托迎泽区开展。请在系统中安排评审、抽取专家并记录结论。"
    );
    let ids: Vec<Value> = done["delegated"]
        .as_array()
        .expect("delegated")
        .iter()
        .map(|a| a["id"].clone())
        .collect();
    let back = app.ok(Some(&city), WITHDRAW, json!({ "ids": ids })).await;
    assert_eq!(back["withdrawDelegation"].as_array().map(Vec::len), Some(2));
    assert_eq!(heard(&app, &county, "DELEGATION_WITHDRAWN").await.len(), 1);
    assert_eq!(
        heard(&app, &city, "REVIEWS_DELEGATED").await,
        Vec::<Value>::new()
    );
    assert_eq!(
        app.ok(Some(&county), AUDITS, json!({})).await["audits"]["totalCount"],
        0
    );
}
db_test!(a_list_is_delegated_where_the_plan_allows);
