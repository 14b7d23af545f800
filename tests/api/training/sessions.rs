//! Training sessions: creating, reading, listing, updating and cancelling, and the cost of a page.

use super::*;
use crate::db_test;

async fn create_read_and_bad_input(app: TestApp) {
    let admin = app.admin().await;
    let taiyuan = app.city_admin("140100").await;
    let starts = in_ten_days();

    let provincial = create(&app, &admin, input("PROVINCIAL", None, starts, 8, "6")).await;
    assert_eq!(provincial["scope"], "PROVINCIAL");
    assert_eq!(provincial["organiser"], "山西省生态环境厅");
    assert_eq!(provincial["creditHours"], "6");
    assert_eq!(provincial["status"], "ANNOUNCED");
    assert_eq!(provincial["enrolledCount"], 0);
    assert_eq!(provincial["year"], year_of(starts));
    assert_eq!(
        provincial["audiences"],
        json!(["ADMINISTRATIVE_STAFF", "CONSULTANCY_STAFF", "EXPERT"])
    );

    let mut city_input = input("CITY", Some("140100"), starts, 4, "3.5");
    city_input["capacity"] = json!(40);
    let city = create(&app, &taiyuan, city_input).await;
    assert_eq!(city["cityCode"], "140100");
    assert_eq!(city["organiser"], "太原市生态环境局");
    assert_eq!(city["seatsLeft"], 40);

    // The public reads the announcement, nothing about attendees.
    let public =
        app.ok(None, SESSION, json!({ "id": city["id"] })).await["trainingSession"].clone();
    assert_eq!(public["title"], city["title"]);
    assert_eq!(public["city"]["name"], "太原市");
    assert_eq!(public["enrolledCount"], Value::Null);
    assert_eq!(public["seatsLeft"], Value::Null);
    assert_eq!(public["upcoming"], true);
    assert_eq!(public["held"], false);
    assert_eq!(
        app.code(None, SESSION_ATTENDANCES, json!({ "id": city["id"] }))
            .await,
        "UNAUTHENTICATED"
    );

    let before = (
        app.count("training_sessions").await,
        app.count("training_session_audiences").await,
        app.count("audit_log").await,
    );
    let base = || input("CITY", Some("140100"), starts, 4, "3.5");
    let mut cases: Vec<(&str, Value)> = Vec::new();
    let mut with = |field: &str, value: Value, at: &'static str| {
        let mut i = base();
        i[field] = value;
        cases.push((at, i));
    };
    with("title", json!("  "), "title");
    with("audiences", json!([]), "audiences");
    with("topics", json!([]), "topics");
    with("endsAt", json!(rfc(starts)), "endsAt");
    with("endsAt", json!(rfc(starts + Duration::days(40))), "endsAt");
    with("creditHours", json!("1.125"), "creditHours");
    with("creditHours", json!("4.5"), "creditHours");
    with("creditHours", json!("-1"), "creditHours");
    with("location", json!(""), "location");
    with("capacity", json!(0), "capacity");
    with("cityCode", json!("999999"), "cityCode");
    with("startsAt", json!("1990-01-01T00:00:00Z"), "startsAt");
    with(
        "planItemId",
        json!(uuid::Uuid::now_v7().to_string()),
        "planItemId",
    );
    with("planItemId", json!("not-an-id"), "planItemId");
    with("description", json!("长".repeat(4001)), "description");
    let mut missing_city = base();
    missing_city["cityCode"] = Value::Null;
    cases.push(("cityCode", missing_city));
    let mut provincial_city = input("PROVINCIAL", Some("140100"), starts, 4, "3");
    provincial_city["title"] = json!("x");
    cases.push(("cityCode", provincial_city));
    for (field, i) in cases {
        expect_field(&app, Some(&admin), CREATE, json!({ "input": i }), field).await;
    }
    assert_eq!(
        (
            app.count("training_sessions").await,
            app.count("training_session_audiences").await,
            app.count("audit_log").await,
        ),
        before
    );

    // Who may not announce what.
    let datong = app.city_admin("140200").await;
    let expert = create_expert(&app, &admin, 1).await;
    let expert_user = app.user_token("EXPERT", None, expert["id"].as_str()).await;
    let firm = create_consultancy(&app, &admin, 1).await;
    let firm_user = app.consultancy_user(&firm["id"]).await;
    let before_roles = app.count("audit_log").await;
    for (token, i, want) in [
        (
            Some(&taiyuan),
            input("PROVINCIAL", None, starts, 4, "3"),
            "FORBIDDEN",
        ),
        (Some(&datong), base(), "FORBIDDEN"),
        (Some(&expert_user), base(), "FORBIDDEN"),
        (Some(&firm_user), base(), "FORBIDDEN"),
        (None, base(), "UNAUTHENTICATED"),
        (
            None,
            input("PROVINCIAL", None, starts, 4, "3"),
            "UNAUTHENTICATED",
        ),
    ] {
        let (code, error) = app
            .err(token.map(String::as_str), CREATE, json!({ "input": i }))
            .await;
        assert_eq!(code, want, "{error}");
    }
    assert_eq!(app.count("audit_log").await, before_roles);
    assert_eq!(app.count("training_sessions").await, before.0);
}
db_test!(create_read_and_bad_input);

async fn lists_filter_and_hide_cancelled_from_the_public(app: TestApp) {
    let admin = app.admin().await;
    let past = two_days_ago();
    let future = in_ten_days();
    let a = create(&app, &admin, input("PROVINCIAL", None, past, 8, "6")).await;
    let mut b_input = input("CITY", Some("140100"), future, 3, "3");
    b_input["audiences"] = json!(["ENTERPRISE_STAFF"]);
    b_input["topics"] = json!(["TECHNOLOGY"]);
    b_input["title"] = json!("焦化行业清洁生产技术");
    let b = create(&app, &admin, b_input).await;
    let c = create(&app, &admin, input("CITY", Some("140200"), past, 4, "4")).await;
    let d = create(&app, &admin, input("CITY", Some("140200"), future, 4, "4")).await;
    app.ok(Some(&admin), CANCEL, json!({ "id": d["id"], "r": "疫情" }))
        .await;

    let ids = |data: &Value| -> Vec<Value> {
        data["trainingSessions"]["edges"]
            .as_array()
            .expect("edges")
            .iter()
            .map(|e| e["node"]["id"].clone())
            .collect()
    };
    let list = |f: Value| {
        let app = &app;
        let admin = admin.clone();
        async move { app.ok(Some(&admin), LIST, json!({ "f": f })).await }
    };
    assert_eq!(ids(&list(json!({})).await).len(), 4);
    assert_eq!(
        ids(&list(json!({ "scope": "PROVINCIAL" })).await),
        vec![a["id"].clone()]
    );
    assert_eq!(
        ids(&list(json!({ "cityCode": "140200" })).await),
        vec![c["id"].clone(), d["id"].clone()]
    );
    assert_eq!(
        ids(&list(json!({ "audience": "ENTERPRISE_STAFF" })).await),
        vec![b["id"].clone()]
    );
    assert_eq!(
        ids(&list(json!({ "topic": "TECHNOLOGY" })).await),
        vec![b["id"].clone()]
    );
    assert_eq!(
        ids(&list(json!({ "topic": "METHODS", "timing": "PAST" })).await),
        vec![a["id"].clone(), c["id"].clone()]
    );
    assert_eq!(
        ids(&list(json!({ "timing": "UPCOMING" })).await),
        vec![b["id"].clone(), d["id"].clone()]
    );
    assert_eq!(
        ids(&list(json!({ "status": "CANCELLED" })).await),
        vec![d["id"].clone()]
    );
    assert_eq!(
        ids(&list(json!({ "text": "焦化" })).await),
        vec![b["id"].clone()]
    );
    assert_eq!(
        ids(&list(json!({ "year": year_of(past) - 1 })).await).len(),
        0
    );
    let this_year = list(json!({ "year": year_of(past), "scope": "PROVINCIAL" })).await;
    assert_eq!(ids(&this_year), vec![a["id"].clone()]);

    // The public: announced sessions only.
    let public = app.ok(None, LIST, json!({})).await;
    assert_eq!(public["trainingSessions"]["totalCount"], 3);
    assert_eq!(
        app.code(None, SESSION, json!({ "id": d["id"] })).await,
        "NOT_FOUND"
    );
    let firm = create_consultancy(&app, &admin, 1).await;
    let firm_user = app.consultancy_user(&firm["id"]).await;
    let seen = app
        .ok(Some(&firm_user), SESSION, json!({ "id": d["id"] }))
        .await;
    assert_eq!(seen["trainingSession"]["status"], "CANCELLED");
    assert_eq!(seen["trainingSession"]["cancelReason"], "疫情");

    // Pages.
    let first = app.ok(None, LIST, json!({ "n": 2 })).await;
    assert_eq!(first["trainingSessions"]["pageInfo"]["hasNextPage"], true);
    let next = app
        .ok(
            None,
            LIST,
            json!({ "n": 2, "after": first["trainingSessions"]["pageInfo"]["endCursor"] }),
        )
        .await;
    assert_eq!(ids(&next), vec![c["id"].clone()]);
    let (code, error) = app.err(None, LIST, json!({ "n": 1000 })).await;
    assert_eq!(
        (code.as_str(), &error["extensions"]["field"]),
        ("BAD_USER_INPUT", &json!("first"))
    );
}
db_test!(lists_filter_and_hide_cancelled_from_the_public);

pub(crate) async fn update_and_cancel(app: TestApp) {
    let admin = app.admin().await;
    let taiyuan = app.city_admin("140100").await;
    let datong = app.city_admin("140200").await;
    let mut i = input("CITY", Some("140100"), two_days_ago(), 8, "6");
    i["capacity"] = json!(3);
    let session = create(&app, &taiyuan, i).await;
    let id = session["id"].clone();

    let updated = app
        .ok(
            Some(&taiyuan),
            UPDATE,
            json!({ "id": id, "input": { "title": "新标题", "capacity": null, "description": "说明" }, "v": 1 }),
        )
        .await["updateTrainingSession"]
        .clone();
    assert_eq!(updated["title"], "新标题");
    assert_eq!(updated["capacity"], Value::Null);
    assert_eq!(updated["version"], 2);
    assert_eq!(updated["description"], "说明");

    for n in 0..2 {
        enroll(&app, &admin, &session, outside(&format!("外部{n}"))).await;
    }
    let before = app.count("audit_log").await;
    for (token, vars, want) in [
        (
            Some(&taiyuan),
            json!({ "id": id, "input": { "title": "x" }, "v": 1 }),
            "CONFLICT",
        ),
        (
            Some(&datong),
            json!({ "id": id, "input": { "title": "x" }, "v": 2 }),
            "FORBIDDEN",
        ),
        (
            None,
            json!({ "id": id, "input": { "title": "x" }, "v": 2 }),
            "UNAUTHENTICATED",
        ),
        (
            Some(&taiyuan),
            json!({ "id": uuid::Uuid::now_v7().to_string(), "input": { "title": "x" }, "v": 2 }),
            "NOT_FOUND",
        ),
    ] {
        let (code, error) = app.err(token.map(String::as_str), UPDATE, vars).await;
        assert_eq!(code, want, "{error}");
    }
    for (patch, field) in [
        (json!({ "capacity": 1 }), "capacity"),
        (json!({ "title": "" }), "title"),
        (json!({ "audiences": [] }), "audiences"),
        (json!({ "creditHours": "9" }), "creditHours"),
        (json!({ "planItemId": "nope" }), "planItemId"),
    ] {
        expect_field(
            &app,
            Some(&taiyuan),
            UPDATE,
            json!({ "id": id, "input": patch, "v": 2 }),
            field,
        )
        .await;
    }
    assert_eq!(app.count("audit_log").await, before);

    // Once attendance is recorded the times and hours stay.
    let rows = app
        .ok(Some(&admin), SESSION_ATTENDANCES, json!({ "id": id }))
        .await["trainingSession"]["attendances"]
        .clone();
    app.ok(
        Some(&taiyuan),
        RECORD,
        json!({ "id": rows[0]["id"], "input": { "status": "ATTENDED" } }),
    )
    .await;
    let before = app.count("audit_log").await;
    expect_field(
        &app,
        Some(&taiyuan),
        UPDATE,
        json!({ "id": id, "input": { "creditHours": "5" }, "v": 2 }),
        "creditHours",
    )
    .await;
    let (code, error) = app
        .err(Some(&taiyuan), CANCEL, json!({ "id": id, "r": "取消" }))
        .await;
    assert_eq!(
        (code.as_str(), &error["extensions"]["field"]),
        ("BAD_USER_INPUT", &json!("id")),
        "{error}"
    );
    assert_eq!(app.count("audit_log").await, before);

    // Cancelling: the organiser, with a reason, once.
    let upcoming = create(
        &app,
        &taiyuan,
        input("CITY", Some("140100"), in_ten_days(), 3, "3"),
    )
    .await;
    let uid = upcoming["id"].clone();
    for (token, reason, want) in [
        (Some(&datong), "x", "FORBIDDEN"),
        (None, "x", "UNAUTHENTICATED"),
        (Some(&taiyuan), " ", "BAD_USER_INPUT"),
    ] {
        assert_eq!(
            app.code(
                token.map(String::as_str),
                CANCEL,
                json!({ "id": uid, "r": reason })
            )
            .await,
            want
        );
    }
    let cancelled = app
        .ok(
            Some(&taiyuan),
            CANCEL,
            json!({ "id": uid, "r": "场地变更" }),
        )
        .await["cancelTrainingSession"]
        .clone();
    assert_eq!(cancelled["status"], "CANCELLED");
    assert_eq!(cancelled["cancelReason"], "场地变更");
    let before = written(&app).await;
    expect_field(
        &app,
        Some(&taiyuan),
        CANCEL,
        json!({ "id": uid, "r": "again" }),
        "id",
    )
    .await;
    expect_field(
        &app,
        Some(&taiyuan),
        UPDATE,
        json!({ "id": uid, "input": { "title": "x" }, "v": 2 }),
        "id",
    )
    .await;
    expect_field(
        &app,
        Some(&admin),
        ENROLL,
        json!({ "s": uid, "p": outside("张三") }),
        "sessionId",
    )
    .await;
    assert_eq!(written(&app).await, before);
}
db_test!(update_and_cancel);

async fn a_page_costs_a_fixed_number_of_queries(app: TestApp) {
    let admin = app.admin().await;
    let plan = app
        .ok(
            Some(&admin),
            SET_PLAN,
            json!({ "y": year_of(in_ten_days()), "items": [{ "title": "t", "scope": "PROVINCIAL", "audiences": ["EXPERT"], "topics": ["METHODS"], "plannedMonth": 1 }] }),
        )
        .await["setTrainingPlan"]
        .clone();
    for n in 0..30 {
        let mut i = input(
            if n % 2 == 0 { "PROVINCIAL" } else { "CITY" },
            if n % 2 == 0 { None } else { Some("140100") },
            in_ten_days(),
            4,
            "3",
        );
        if n % 2 == 0 {
            i["planItemId"] = plan["items"][0]["id"].clone();
        }
        let session = create(&app, &admin, i).await;
        enroll(&app, &admin, &session, outside("甲")).await;
        enroll(&app, &admin, &session, outside("乙")).await;
    }
    let query = "query($n: Int) { trainingSessions(first: $n) { totalCount edges { node { title city { name } audiences topics planItem { title } attendances { participant { name } session { title } } } } } }";
    let mut costs = Vec::new();
    for n in [5, 30] {
        let before = app.statements.load(Ordering::SeqCst);
        let data = app.ok(Some(&admin), query, json!({ "n": n })).await;
        costs.push(app.statements.load(Ordering::SeqCst) - before);
        let edges = data["trainingSessions"]["edges"]
            .as_array()
            .expect("edges")
            .clone();
        assert_eq!(edges.len(), n);
        assert_eq!(
            edges[0]["node"]["attendances"].as_array().map(Vec::len),
            Some(2)
        );
        assert_eq!(edges[0]["node"]["planItem"]["title"], "t");
        assert_eq!(edges[1]["node"]["city"]["name"], "太原市");
    }
    assert_eq!(
        costs[0], costs[1],
        "statements for 5 vs 30 sessions: {costs:?}"
    );
    assert!(costs[1] <= 12, "a page of 30 costs {} statements", costs[1]);
}
db_test!(a_page_costs_a_fixed_number_of_queries);
