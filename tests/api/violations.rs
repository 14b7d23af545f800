//! Violations through the API: recording by the province and by a city for its enterprises,
//! publication, the public list with its filters and pages, who may not, and bad input.

use serde_json::{Value, json};

use crate::appraisal::counts;
use crate::db_test;
use crate::support::{
    TestApp, create_consultancy, create_enterprise, create_expert, enterprise_input,
};

const RECORD: &str = "mutation($input: RecordViolationInput!) { recordViolation(input: $input) { id subjectKind subjectId subjectName subjectCreditCode cityCode kind kindLabel decisionDate decisionNumber penalty description published publishedAt recordedAt } }";
const PUBLISH: &str =
    "mutation($id: ID!) { publishViolation(id: $id) { id published publishedAt publishedBy } }";
const PUBLIC: &str = "query($first: Int, $after: String, $filter: PublicViolationFilter) { publicViolations(first: $first, after: $after, filter: $filter) { totalCount pageInfo { hasNextPage endCursor } edges { node { id subjectKind subjectName subjectCreditCode city { name } kind kindLabel decisionDate decisionNumber penalty description publishedAt } } } }";
const ADMIN_LIST: &str = "query($filter: ViolationFilter) { violations(filter: $filter) { totalCount edges { node { id published subjectName city { name } } } } }";

fn input(kind: &str, subject: &Value, number: &str) -> Value {
    json!({ "input": {
        "subjectKind": kind,
        "subjectId": subject["id"],
        "kind": "NOT_AUDITING",
        "decisionDate": "2025-06-01",
        "decisionNumber": number,
        "penalty": "罚款5万元，责令限期改正",
        "description": "未按期开展强制性清洁生产审核"
    } })
}

/// `token` records a violation; returns it.
async fn record(app: &TestApp, token: &str, vars: Value) -> Value {
    app.ok(Some(token), RECORD, vars).await["recordViolation"].clone()
}

/// Each case is refused as BAD_USER_INPUT naming its field.
async fn assert_bad_input(app: &TestApp, token: &str, query: &str, cases: Vec<(Value, &str)>) {
    for (vars, field) in cases {
        let (code, error) = app.err(Some(token), query, vars.clone()).await;
        assert_eq!(
            (code.as_str(), error["extensions"]["field"].as_str()),
            ("BAD_USER_INPUT", Some(field)),
            "{vars}: {error}"
        );
    }
}

/// The province, two cities, one subject of each kind, and accounts of the expert and the firm.
struct Parties {
    admin: String,
    taiyuan: String,
    datong: String,
    enterprise: Value,
    firm: Value,
    expert: Value,
    expert_user: String,
    firm_user: String,
}

async fn parties(app: &TestApp) -> Parties {
    let admin = app.admin().await;
    let enterprise = create_enterprise(app, &admin, enterprise_input(1)).await;
    let firm = create_consultancy(app, &admin, 1).await;
    let expert = create_expert(app, &admin, 1).await;
    Parties {
        taiyuan: app.city_admin("140100").await,
        datong: app.city_admin("140200").await,
        expert_user: app.user_token("EXPERT", None, expert["id"].as_str()).await,
        firm_user: app.consultancy_user(&firm["id"]).await,
        admin,
        enterprise,
        firm,
        expert,
    }
}

pub(crate) async fn recorded_published_and_public(app: TestApp) {
    let admin = app.admin().await;
    let taiyuan = app.city_admin("140100").await;
    let datong = app.city_admin("140200").await;
    let enterprise = create_enterprise(&app, &admin, enterprise_input(1)).await;
    let firm = create_consultancy(&app, &admin, 1).await;
    let expert = create_expert(&app, &admin, 1).await;

    // Taiyuan records against its own enterprise; the province against a firm and an expert.
    let v1 = record(
        &app,
        &taiyuan,
        input("ENTERPRISE", &enterprise, "并环罚〔2025〕1号"),
    )
    .await
    .clone();
    assert_eq!(v1["subjectName"], "企业1");
    assert_eq!(v1["subjectCreditCode"], enterprise["creditCode"]);
    assert_eq!(v1["cityCode"], "140100");
    assert_eq!(v1["kindLabel"], "未依法实施强制性清洁生产审核");
    assert_eq!(v1["published"], false);
    let mut on_firm = input("CONSULTANCY", &firm, "晋环罚〔2025〕7号");
    on_firm["input"]["kind"] = json!("FALSIFICATION");
    let v2 = record(&app, &admin, on_firm).await;
    let mut on_expert = input("EXPERT", &expert, "晋环罚〔2025〕8号");
    on_expert["input"]["kind"] = json!("OTHER");
    on_expert["input"]["description"] = Value::Null;
    let v3 = record(&app, &admin, on_expert).await;
    assert_eq!(v3["subjectName"], "专家1");
    assert_eq!(
        v3["subjectCreditCode"],
        Value::Null,
        "a person has no credit code here"
    );

    // Nothing is public yet.
    let empty = app.ok(None, PUBLIC, json!({})).await["publicViolations"].clone();
    assert_eq!(empty["totalCount"], 0);

    let published = app
        .ok(Some(&taiyuan), PUBLISH, json!({ "id": v1["id"] }))
        .await["publishViolation"]
        .clone();
    assert_eq!(published["published"], true);
    assert!(published["publishedAt"].is_string());
    app.ok(Some(&admin), PUBLISH, json!({ "id": v3["id"] }))
        .await;
    let before = counts(&app).await;
    assert_eq!(
        app.code(Some(&admin), PUBLISH, json!({ "id": v1["id"] }))
            .await,
        "CONFLICT",
        "published once, for good"
    );

    // The public list: published only, public fields, in recording order, paged.
    let page = app.ok(None, PUBLIC, json!({ "first": 1 })).await["publicViolations"].clone();
    assert_eq!(page["totalCount"], 2);
    assert_eq!(page["pageInfo"]["hasNextPage"], true);
    let node = &page["edges"][0]["node"];
    assert_eq!(node["id"], v1["id"]);
    assert_eq!(node["city"]["name"], "太原市");
    assert_eq!(node["decisionNumber"], "并环罚〔2025〕1号");
    assert_eq!(node["penalty"], "罚款5万元，责令限期改正");
    let rest = app
        .ok(
            None,
            PUBLIC,
            json!({ "first": 5, "after": page["pageInfo"]["endCursor"] }),
        )
        .await["publicViolations"]
        .clone();
    assert_eq!(rest["edges"][0]["node"]["id"], v3["id"]);
    assert_eq!(rest["pageInfo"]["hasNextPage"], false);
    for (filter, want) in [
        (json!({ "subjectKind": "EXPERT" }), 1),
        (json!({ "kind": "NOT_AUDITING" }), 1),
        (json!({ "kind": "FALSIFICATION" }), 0),
        (json!({ "year": 2025 }), 2),
        (json!({ "year": 2024 }), 0),
        (json!({ "cityCode": "140100" }), 2),
        (json!({ "text": "企业1" }), 1),
        (json!({ "text": "8号" }), 1),
    ] {
        let found = app
            .ok(None, PUBLIC, json!({ "filter": filter.clone() }))
            .await;
        assert_eq!(found["publicViolations"]["totalCount"], want, "{filter}");
    }
    // The public cannot ask for internal fields.
    let (_, body) = app
        .post(
            None,
            "{ publicViolations { edges { node { subjectId recordedBy } } } }",
            json!({}),
        )
        .await;
    assert!(body["errors"].is_array(), "{body}");

    // Administrators see unpublished ones too; a city admin those of their city.
    let all = app.ok(Some(&admin), ADMIN_LIST, json!({})).await["violations"].clone();
    assert_eq!(all["totalCount"], 3);
    let unpublished = app
        .ok(
            Some(&admin),
            ADMIN_LIST,
            json!({ "filter": { "published": false } }),
        )
        .await;
    assert_eq!(
        unpublished["violations"]["edges"][0]["node"]["id"],
        v2["id"]
    );
    let own_city = app.ok(Some(&taiyuan), ADMIN_LIST, json!({})).await["violations"].clone();
    // The firm and the expert are of Taiyuan too (the test data's city).
    assert_eq!(own_city["totalCount"], 3);
    let other_city = app.ok(Some(&datong), ADMIN_LIST, json!({})).await["violations"].clone();
    assert_eq!(other_city["totalCount"], 0);
    assert_eq!(counts(&app).await, before, "reads write nothing");
}
db_test!(recorded_published_and_public);

async fn who_may_not_and_bad_input(app: TestApp) {
    let p = parties(&app).await;
    let on_firm = record(
        &app,
        &p.admin,
        input("CONSULTANCY", &p.firm, "晋环罚〔2025〕1号"),
    )
    .await
    .clone();
    let before = counts(&app).await;

    let enterprise_case = input("ENTERPRISE", &p.enterprise, "X-1");
    for (token, vars, want) in [
        (
            Some(p.datong.as_str()),
            enterprise_case.clone(),
            "FORBIDDEN",
        ),
        (
            Some(p.taiyuan.as_str()),
            input("CONSULTANCY", &p.firm, "X-2"),
            "FORBIDDEN",
        ),
        (
            Some(p.taiyuan.as_str()),
            input("EXPERT", &p.expert, "X-3"),
            "FORBIDDEN",
        ),
        (
            Some(p.expert_user.as_str()),
            enterprise_case.clone(),
            "FORBIDDEN",
        ),
        (
            Some(p.firm_user.as_str()),
            enterprise_case.clone(),
            "FORBIDDEN",
        ),
        (None, enterprise_case.clone(), "UNAUTHENTICATED"),
    ] {
        let (code, error) = app.err(token, RECORD, vars).await;
        assert_eq!(code, want, "{error}");
    }
    for (token, want) in [
        (Some(p.taiyuan.as_str()), "FORBIDDEN"),
        (Some(p.expert_user.as_str()), "FORBIDDEN"),
        (Some(p.firm_user.as_str()), "FORBIDDEN"),
        (None, "UNAUTHENTICATED"),
    ] {
        assert_eq!(
            app.code(token, PUBLISH, json!({ "id": on_firm["id"] }))
                .await,
            want
        );
    }
    for (token, want) in [
        (Some(p.expert_user.as_str()), "FORBIDDEN"),
        (Some(p.firm_user.as_str()), "FORBIDDEN"),
        (None, "UNAUTHENTICATED"),
    ] {
        assert_eq!(app.code(token, ADMIN_LIST, json!({})).await, want);
    }
    assert_eq!(
        app.code(
            Some(&p.datong),
            ADMIN_LIST,
            json!({ "filter": { "cityCode": "140100" } })
        )
        .await,
        "FORBIDDEN"
    );

    let set = |f: &dyn Fn(&mut Value)| {
        let mut v = input("ENTERPRISE", &p.enterprise, "X-9");
        f(&mut v["input"]);
        v
    };
    assert_bad_input(
        &app,
        &p.admin,
        RECORD,
        vec![
            (
                set(&|i| i["decisionDate"] = json!("2999-01-01")),
                "decisionDate",
            ),
            (
                set(&|i| i["decisionNumber"] = json!("  ")),
                "decisionNumber",
            ),
            (
                set(&|i| i["decisionNumber"] = json!("x".repeat(101))),
                "decisionNumber",
            ),
            (set(&|i| i["penalty"] = json!("")), "penalty"),
            (
                set(&|i| i["description"] = json!("x".repeat(2001))),
                "description",
            ),
            (set(&|i| i["subjectId"] = json!("not-an-id")), "subjectId"),
            (
                set(&|i| i["subjectId"] = json!(uuid::Uuid::now_v7().to_string())),
                "subjectId",
            ),
            (set(&|i| i["subjectKind"] = json!("EXPERT")), "subjectId"),
        ],
    )
    .await;
    assert_eq!(
        app.code(
            Some(&p.admin),
            RECORD,
            input("ENTERPRISE", &p.enterprise, "晋环罚〔2025〕1号")
        )
        .await,
        "CONFLICT",
        "a decision number is recorded once"
    );
    assert_eq!(
        app.code(
            Some(&p.admin),
            PUBLISH,
            json!({ "id": uuid::Uuid::now_v7().to_string() })
        )
        .await,
        "NOT_FOUND"
    );
    let (code, error) = app
        .err(
            None,
            PUBLIC,
            json!({ "filter": { "text": "x".repeat(101) } }),
        )
        .await;
    assert_eq!(
        (code.as_str(), error["extensions"]["field"].as_str()),
        ("BAD_USER_INPUT", Some("filter.text"))
    );
    assert_eq!(counts(&app).await, before, "nothing written");
}
db_test!(who_may_not_and_bad_input);

const WITHDRAW: &str = "mutation($id: ID!, $reason: String!) { withdrawViolation(id: $id, reason: $reason) { id withdrawn withdrawnAt withdrawnBy withdrawReason publicationState published } }";
const STATES: &str = "query($filter: ViolationFilter) { violations(filter: $filter) { totalCount edges { node { id severity publicationState publicationEndsOn withdrawn withdrawReason } } } }";

/// Sets a violation's publication instant behind the server's back (time passing).
async fn published_at(app: &TestApp, id: &Value, at: chrono::DateTime<chrono::Utc>) {
    use entity::violation;
    use sea_orm::sea_query::Expr;
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let id = uuid::Uuid::parse_str(id.as_str().expect("id")).expect("uuid");
    violation::Entity::update_many()
        .col_expr(violation::Column::PublishedAt, Expr::value(at))
        .filter(violation::Column::Id.eq(id))
        .exec(&app.state.services.db)
        .await
        .expect("update");
}

fn public_ids(answer: &Value) -> Vec<Value> {
    answer["publicViolations"]["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .map(|e| e["node"]["id"].clone())
        .collect()
}

pub(crate) async fn withdrawn_and_expired_leave_public_view(app: TestApp) {
    use cleanprod::rules::violation_publication::shown_since;
    let admin = app.admin().await;
    let taiyuan = app.city_admin("140100").await;
    let enterprise = create_enterprise(&app, &admin, enterprise_input(1)).await;
    let firm = create_consultancy(&app, &admin, 1).await;
    // v1 is revoked after publication; v2 (SERIOUS) and v3 (GENERAL, the default) age;
    // v4 is revoked before publication; v5 waits.
    let v1 = record(
        &app,
        &taiyuan,
        input("ENTERPRISE", &enterprise, "并环罚〔2025〕1号"),
    )
    .await["id"]
        .clone();
    let mut serious = input("CONSULTANCY", &firm, "晋环罚〔2025〕2号");
    serious["input"]["severity"] = json!("SERIOUS");
    serious["input"]["kind"] = json!("FALSIFICATION");
    let v2 = record(&app, &admin, serious).await["id"].clone();
    let mut on_enterprise = Vec::new();
    for n in 3..=5 {
        let number = format!("并环罚〔2025〕{n}号");
        let recorded = record(&app, &admin, input("ENTERPRISE", &enterprise, &number)).await;
        on_enterprise.push(recorded["id"].clone());
    }
    let [v3, v4, v5] = <[Value; 3]>::try_from(on_enterprise).expect("three recorded");
    for id in [&v1, &v2, &v3] {
        app.ok(Some(&admin), PUBLISH, json!({ "id": id })).await;
    }
    let public = app.ok(None, PUBLIC, json!({})).await;
    assert_eq!(public_ids(&public), [v1.clone(), v2.clone(), v3.clone()]);
    let severities = app
        .ok(
            None,
            "{ publicViolations { edges { node { severity publicationEndsOn } } } }",
            json!({}),
        )
        .await;
    let nodes = &severities["publicViolations"]["edges"];
    assert_eq!(nodes[0]["node"]["severity"], "GENERAL", "the default");
    assert_eq!(nodes[1]["node"]["severity"], "SERIOUS");
    let ends = |i: usize| {
        nodes[i]["node"]["publicationEndsOn"]
            .as_str()
            .map(str::to_owned)
    };
    assert!(ends(1) > ends(0), "a serious decision is shown longer");

    // The decision's document is public with it.
    let decision =
        crate::documents::attach(&app, &taiyuan, "VIOLATION", &v1, "PENALTY_DECISION").await;
    let set_public = "mutation($id: ID!) { setDocumentPublic(id: $id, public: true) { public } }";
    app.ok(Some(&taiyuan), set_public, json!({ "id": decision["id"] }))
        .await;
    let read_document = "query($id: ID!) { document(id: $id) { id public } }";
    app.ok(None, read_document, json!({ "id": decision["id"] }))
        .await;

    // The city withdraws its revoked decision: gone from public view, document included.
    let withdrawn = app
        .ok(
            Some(&taiyuan),
            WITHDRAW,
            json!({ "id": v1, "reason": "行政复议决定撤销原处罚决定" }),
        )
        .await["withdrawViolation"]
        .clone();
    assert_eq!(withdrawn["withdrawn"], true);
    assert_eq!(withdrawn["published"], true, "its publication is history");
    assert_eq!(withdrawn["publicationState"], "WITHDRAWN");
    assert_eq!(withdrawn["withdrawReason"], "行政复议决定撤销原处罚决定");
    assert!(withdrawn["withdrawnAt"].is_string());
    assert!(withdrawn["withdrawnBy"].is_string());
    let public = app.ok(None, PUBLIC, json!({})).await;
    assert_eq!(public_ids(&public), [v2.clone(), v3.clone()]);
    assert_eq!(public["publicViolations"]["totalCount"], 2);
    assert_eq!(
        app.code(None, read_document, json!({ "id": decision["id"] }))
            .await,
        "UNAUTHENTICATED",
        "the decision document left public view with it"
    );
    let seen = app
        .ok(
            Some(&taiyuan),
            read_document,
            json!({ "id": decision["id"] }),
        )
        .await;
    assert_eq!(seen["document"]["public"], false);
    // Revoked before publication: never published.
    app.ok(
        Some(&admin),
        WITHDRAW,
        json!({ "id": v4, "reason": "撤销" }),
    )
    .await;
    assert_eq!(
        app.code(Some(&admin), PUBLISH, json!({ "id": v4 })).await,
        "CONFLICT"
    );
    assert_eq!(
        app.code(
            Some(&admin),
            WITHDRAW,
            json!({ "id": v1, "reason": "again" })
        )
        .await,
        "CONFLICT",
        "withdrawn once, for good"
    );

    let expiring =
        crate::documents::attach(&app, &admin, "VIOLATION", &v3, "PENALTY_DECISION").await;
    app.ok(Some(&admin), set_public, json!({ "id": expiring["id"] }))
        .await;
    app.ok(None, read_document, json!({ "id": expiring["id"] }))
        .await;

    // Time passes: v3 (GENERAL, 12 months by default) was published just within its period,
    // then just before it; v2 (SERIOUS, 36 months) as long ago is still shown.
    let today = cleanprod::services::today();
    let edge = shown_since(today, 12);
    published_at(&app, &v3, edge).await;
    published_at(&app, &v2, edge - chrono::Duration::seconds(1)).await;
    let public = app.ok(None, PUBLIC, json!({})).await;
    assert_eq!(public_ids(&public), [v2.clone(), v3.clone()]);
    published_at(&app, &v3, edge - chrono::Duration::seconds(1)).await;
    let public = app.ok(None, PUBLIC, json!({})).await;
    assert_eq!(public_ids(&public), std::slice::from_ref(&v2));
    assert_eq!(public["publicViolations"]["totalCount"], 1);
    // Its decision leaves public view with it, and cannot be made public again.
    assert_eq!(
        app.code(None, read_document, json!({ "id": expiring["id"] }))
            .await,
        "UNAUTHENTICATED"
    );
    assert_eq!(
        app.code(Some(&admin), set_public, json!({ "id": expiring["id"] }))
            .await,
        "BAD_USER_INPUT"
    );
    // The filters of the public list keep to what is shown.
    let enterprises_only = app
        .ok(
            None,
            PUBLIC,
            json!({ "filter": { "subjectKind": "ENTERPRISE" } }),
        )
        .await;
    assert_eq!(enterprises_only["publicViolations"]["totalCount"], 0);

    // Officials keep the whole history, each with its state.
    let all = app.ok(Some(&admin), STATES, json!({})).await["violations"].clone();
    assert_eq!(all["totalCount"], 5);
    let state_of = |id: &Value| {
        all["edges"]
            .as_array()
            .expect("edges")
            .iter()
            .find(|e| &e["node"]["id"] == id)
            .map(|e| e["node"]["publicationState"].clone())
    };
    assert_eq!(state_of(&v1), Some(json!("WITHDRAWN")));
    assert_eq!(state_of(&v2), Some(json!("PUBLIC")));
    assert_eq!(state_of(&v3), Some(json!("EXPIRED")));
    assert_eq!(state_of(&v4), Some(json!("WITHDRAWN")));
    assert_eq!(state_of(&v5), Some(json!("UNPUBLISHED")));
    for (state, want) in [
        ("UNPUBLISHED", vec![v5.clone()]),
        ("PUBLIC", vec![v2.clone()]),
        ("EXPIRED", vec![v3.clone()]),
        ("WITHDRAWN", vec![v1.clone(), v4.clone()]),
    ] {
        let found = app
            .ok(
                Some(&taiyuan),
                STATES,
                json!({ "filter": { "state": state } }),
            )
            .await;
        let ids: Vec<Value> = found["violations"]["edges"]
            .as_array()
            .expect("edges")
            .iter()
            .map(|e| e["node"]["id"].clone())
            .collect();
        assert_eq!(ids, want, "{state}");
    }
    let expired = app
        .ok(
            Some(&admin),
            STATES,
            json!({ "filter": { "state": "EXPIRED" } }),
        )
        .await;
    let node = &expired["violations"]["edges"][0]["node"];
    assert!(node["publicationEndsOn"].as_str() < Some(today.to_string().as_str()));
}
db_test!(withdrawn_and_expired_leave_public_view);

async fn withdrawal_who_may_not_and_bad_input(app: TestApp) {
    let p = parties(&app).await;
    let on_enterprise = record(
        &app,
        &p.admin,
        input("ENTERPRISE", &p.enterprise, "并环罚〔2025〕1号"),
    )
    .await["id"]
        .clone();
    let on_firm = record(
        &app,
        &p.admin,
        input("CONSULTANCY", &p.firm, "晋环罚〔2025〕2号"),
    )
    .await["id"]
        .clone();
    for id in [&on_enterprise, &on_firm] {
        app.ok(Some(&p.admin), PUBLISH, json!({ "id": id })).await;
    }
    let before = counts(&app).await;

    let reason = "撤销";
    for (token, id, want) in [
        (Some(p.datong.as_str()), &on_enterprise, "FORBIDDEN"),
        (Some(p.taiyuan.as_str()), &on_firm, "FORBIDDEN"),
        (Some(p.expert_user.as_str()), &on_enterprise, "FORBIDDEN"),
        (Some(p.firm_user.as_str()), &on_firm, "FORBIDDEN"),
        (None, &on_enterprise, "UNAUTHENTICATED"),
    ] {
        let (code, error) = app
            .err(token, WITHDRAW, json!({ "id": id, "reason": reason }))
            .await;
        assert_eq!(code, want, "{error}");
    }
    assert_bad_input(
        &app,
        &p.admin,
        WITHDRAW,
        vec![
            (json!({ "id": on_enterprise, "reason": "  " }), "reason"),
            (
                json!({ "id": on_enterprise, "reason": "x".repeat(501) }),
                "reason",
            ),
            (json!({ "id": "not-an-id", "reason": reason }), "id"),
        ],
    )
    .await;
    assert_eq!(
        app.code(
            Some(&p.admin),
            WITHDRAW,
            json!({ "id": uuid::Uuid::now_v7().to_string(), "reason": reason })
        )
        .await,
        "NOT_FOUND"
    );
    let (code, error) = app
        .err(
            Some(&p.admin),
            STATES,
            json!({ "filter": { "state": "GONE" } }),
        )
        .await;
    assert_eq!(code, "BAD_USER_INPUT", "{error}");
    assert_eq!(counts(&app).await, before, "nothing written");
    let all = app.ok(Some(&p.admin), STATES, json!({})).await["violations"].clone();
    for edge in all["edges"].as_array().expect("edges") {
        assert_eq!(edge["node"]["withdrawn"], false);
        assert_eq!(edge["node"]["publicationState"], "PUBLIC");
    }
    let public = app.ok(None, PUBLIC, json!({})).await;
    assert_eq!(public["publicViolations"]["totalCount"], 2);
}
db_test!(withdrawal_who_may_not_and_bad_input);
