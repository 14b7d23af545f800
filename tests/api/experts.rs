//! The expert pool through the API: records, masking, versions, status, conflicts,
//! unavailability, the connection and its query count.

use std::sync::atomic::Ordering;

use serde_json::{Value, json};

use crate::db_test;
use crate::support::{CREATE_EXPERT, TestApp, create_expert, credit_code, expert_input, id_card};

const EXPERT: &str = "query($id: ID!) { expert(id: $id) { id name idCardNumber phone version status statusHistory { fromStatus toStatus reason actorId } conflicts { id kind organisationCreditCode } unavailability { id startsOn endsOn } } }";
const UPDATE: &str = "mutation($id: ID!, $input: UpdateExpertInput!, $v: Int!) { updateExpert(id: $id, input: $input, expectedVersion: $v) { id name phone email version sectors } }";
const SET_STATUS: &str = "mutation($id: ID!, $s: ExpertStatus!, $r: String!) { setExpertStatus(id: $id, status: $s, reason: $r) { status version } }";
const ADD_CONFLICT: &str = "mutation($id: ID!, $input: ExpertConflictInput!) { addExpertConflict(expertId: $id, input: $input) { id kind organisationName } }";
const REMOVE_CONFLICT: &str = "mutation($id: ID!) { removeExpertConflict(id: $id) { id removed } }";
const ADD_UNAVAILABLE: &str = "mutation($id: ID!, $input: ExpertUnavailabilityInput!) { addExpertUnavailability(expertId: $id, input: $input) { id startsOn endsOn } }";
const REMOVE_UNAVAILABLE: &str =
    "mutation($id: ID!) { removeExpertUnavailability(id: $id) { id removed } }";

async fn expert_user(app: &TestApp, expert_id: &Value) -> String {
    app.user_token("EXPERT", None, expert_id.as_str()).await
}

async fn create_and_read_with_masking(app: TestApp) {
    let admin = app.admin().await;
    let created = create_expert(&app, &admin, 1).await;
    assert_eq!(created["status"], "CANDIDATE");
    assert_eq!(created["version"], 1);
    assert_eq!(created["sectors"], json!(["ENERGY", "STEEL"]));
    assert_eq!(created["city"]["name"], "太原市");
    let clear_id = id_card("19750615", 1);
    assert_eq!(created["idCardNumber"], clear_id.as_str());

    let city = app.city_admin("140200").await;
    let seen = app
        .ok(Some(&city), EXPERT, json!({ "id": created["id"] }))
        .await;
    let masked = seen["expert"]["idCardNumber"].as_str().expect("string");
    assert_eq!(
        masked,
        format!("{}***********{}", &clear_id[..3], &clear_id[14..])
    );
    assert_eq!(seen["expert"]["phone"], "138****5678");

    let own = expert_user(&app, &created["id"]).await;
    let seen = app
        .ok(Some(&own), EXPERT, json!({ "id": created["id"] }))
        .await;
    assert_eq!(seen["expert"]["idCardNumber"], clear_id.as_str());
    assert_eq!(seen["expert"]["statusHistory"][0]["toStatus"], "CANDIDATE");

    let other = create_expert(&app, &admin, 2).await;
    assert_eq!(
        app.code(Some(&own), EXPERT, json!({ "id": other["id"] }))
            .await,
        "FORBIDDEN"
    );
    assert_eq!(
        app.code(None, EXPERT, json!({ "id": other["id"] })).await,
        "UNAUTHENTICATED"
    );
    assert_eq!(
        app.code(
            Some(&admin),
            EXPERT,
            json!({ "id": uuid::Uuid::now_v7().to_string() })
        )
        .await,
        "NOT_FOUND"
    );
    assert_eq!(
        app.code(Some(&admin), EXPERT, json!({ "id": "nope" }))
            .await,
        "BAD_USER_INPUT"
    );
}
db_test!(create_and_read_with_masking);

async fn create_expert_rejects_bad_input(app: TestApp) {
    let admin = app.admin().await;
    create_expert(&app, &admin, 1).await;
    let before = (
        app.count("experts").await,
        app.count("expert_sectors").await,
    );
    let mut bad_check = id_card("19750615", 2);
    let last = if bad_check.ends_with('1') { '2' } else { '1' };
    bad_check.pop();
    bad_check.push(last);
    let cases: Vec<(&str, Value)> = vec![
        ("idCardNumber", json!(bad_check)),
        ("idCardNumber", json!("14010519750615")),
        ("birthDate", json!("1975-06-16")),
        ("employerCreditCode", json!("91140100MA0000000A")),
        ("phone", json!("call me")),
        ("email", json!("not-an-email")),
        ("name", json!("   ")),
        ("yearsInField", json!(-1)),
        ("cityCode", json!("990000")),
        ("sectors", json!([])),
        ("expertiseKinds", json!([])),
        ("termEnd", json!("2020-01-01")),
    ];
    for (field, value) in cases {
        let mut input = expert_input(3);
        input[field] = value.clone();
        let (code, error) = app
            .err(Some(&admin), CREATE_EXPERT, json!({ "input": input }))
            .await;
        assert_eq!(code, "BAD_USER_INPUT", "{field}={value}: {error}");
        let expected_field = if field == "birthDate" {
            "birthDate"
        } else {
            field
        };
        assert_eq!(
            error["extensions"]["field"], expected_field,
            "{field}={value}"
        );
    }
    // A duplicate ID card number is a conflict.
    let mut dup = expert_input(4);
    dup["idCardNumber"] = json!(id_card("19750615", 1));
    assert_eq!(
        app.code(Some(&admin), CREATE_EXPERT, json!({ "input": dup }))
            .await,
        "CONFLICT"
    );
    assert_eq!(
        (
            app.count("experts").await,
            app.count("expert_sectors").await
        ),
        before
    );
}
db_test!(create_expert_rejects_bad_input);

async fn only_province_admins_create_experts(app: TestApp) {
    let admin = app.admin().await;
    let existing = create_expert(&app, &admin, 1).await;
    let city = app.city_admin("140100").await;
    let expert = expert_user(&app, &existing["id"]).await;
    let before = app.count("experts").await;
    app.assert_refused(
        &[&city, &expert],
        CREATE_EXPERT,
        json!({ "input": expert_input(9) }),
    )
    .await;
    assert_eq!(app.count("experts").await, before);
}
db_test!(only_province_admins_create_experts);

pub(crate) async fn update_with_versions_and_roles(app: TestApp) {
    let admin = app.admin().await;
    let created = create_expert(&app, &admin, 1).await;
    let id = created["id"].clone();
    let updated = app
        .ok(
            Some(&admin),
            UPDATE,
            json!({ "id": id, "input": { "name": "李华", "sectors": ["PAPER"] }, "v": 1 }),
        )
        .await;
    assert_eq!(updated["updateExpert"]["name"], "李华");
    assert_eq!(updated["updateExpert"]["sectors"], json!(["PAPER"]));
    assert_eq!(updated["updateExpert"]["version"], 2);

    // A stale version writes nothing.
    assert_eq!(
        app.code(
            Some(&admin),
            UPDATE,
            json!({ "id": id, "input": { "name": "王五" }, "v": 1 })
        )
        .await,
        "CONFLICT"
    );
    app.assert_bad_input(
        Some(&admin),
        UPDATE,
        json!({ "id": id, "input": { "phone": "x" }, "v": 2 }),
        "phone",
    )
    .await;
    assert_eq!(
        app.code(
            Some(&admin),
            UPDATE,
            json!({ "id": id, "input": { "sectors": [] }, "v": 2 })
        )
        .await,
        "BAD_USER_INPUT"
    );
    let now = app.ok(Some(&admin), EXPERT, json!({ "id": id })).await;
    assert_eq!(now["expert"]["name"], "李华");
    assert_eq!(now["expert"]["version"], 2);

    // The expert edits their own contact details, and nothing else.
    let own = expert_user(&app, &id).await;
    let mine = app
        .ok(Some(&own), UPDATE, json!({ "id": id, "input": { "phone": "13900001111", "email": "li@example.cn" }, "v": 2 }))
        .await;
    assert_eq!(mine["updateExpert"]["phone"], "13900001111");
    assert_eq!(
        app.code(
            Some(&own),
            UPDATE,
            json!({ "id": id, "input": { "name": "自改" }, "v": 3 })
        )
        .await,
        "FORBIDDEN"
    );

    let other = create_expert(&app, &admin, 2).await;
    assert_eq!(
        app.code(
            Some(&own),
            UPDATE,
            json!({ "id": other["id"], "input": { "phone": "13900002222" }, "v": 1 })
        )
        .await,
        "FORBIDDEN"
    );
    let city = app.city_admin("140100").await;
    app.assert_refused(
        &[&city],
        UPDATE,
        json!({ "id": id, "input": { "name": "x" }, "v": 3 }),
    )
    .await;
    let final_state = app.ok(Some(&admin), EXPERT, json!({ "id": id })).await;
    assert_eq!(final_state["expert"]["version"], 3);
    assert_eq!(final_state["expert"]["name"], "李华");
}
db_test!(update_with_versions_and_roles);

/// Creates a candidate from `input` and tries to appoint it: refused as bad input, the
/// message naming `why`. Answers the candidate.
async fn appointment_refused(app: &TestApp, admin: &str, input: Value, why: &str) -> Value {
    let candidate = app
        .ok(Some(admin), CREATE_EXPERT, json!({ "input": input }))
        .await["createExpert"]
        .clone();
    let appoint = json!({ "id": candidate["id"], "s": "ACTIVE", "r": "appoint" });
    let (code, error) = app.err(Some(admin), SET_STATUS, appoint).await;
    assert_eq!(code, "BAD_USER_INPUT");
    assert!(
        error["message"].as_str().is_some_and(|m| m.contains(why)),
        "{error}"
    );
    candidate
}

async fn status_machine_and_admission(app: TestApp) {
    let admin = app.admin().await;
    let created = create_expert(&app, &admin, 1).await;
    let id = created["id"].clone();
    let vars = |s: &str, r: &str| json!({ "id": id, "s": s, "r": r });

    let (code, error) = app
        .err(Some(&admin), SET_STATUS, vars("SUSPENDED", "no"))
        .await;
    assert_eq!(
        (code.as_str(), error["extensions"]["field"].as_str()),
        ("BAD_USER_INPUT", Some("status"))
    );
    assert_eq!(
        app.code(Some(&admin), SET_STATUS, vars("ACTIVE", "  "))
            .await,
        "BAD_USER_INPUT"
    );
    let city = app.city_admin("140100").await;
    assert_eq!(
        app.code(Some(&city), SET_STATUS, vars("ACTIVE", "appointed"))
            .await,
        "FORBIDDEN"
    );

    let active = app
        .ok(
            Some(&admin),
            SET_STATUS,
            vars("ACTIVE", "appointed by the department"),
        )
        .await;
    assert_eq!(
        active["setExpertStatus"],
        json!({ "status": "ACTIVE", "version": 2 })
    );
    app.ok(
        Some(&admin),
        SET_STATUS,
        vars("SUSPENDED", "three declines"),
    )
    .await;
    app.ok(Some(&admin), SET_STATUS, vars("ACTIVE", "reinstated"))
        .await;
    app.ok(Some(&admin), SET_STATUS, vars("REMOVED", "retired"))
        .await;
    assert_eq!(
        app.code(Some(&admin), SET_STATUS, vars("ACTIVE", "back"))
            .await,
        "BAD_USER_INPUT"
    );

    let seen = app.ok(Some(&admin), EXPERT, json!({ "id": id })).await;
    let history: Vec<(Value, Value)> = seen["expert"]["statusHistory"]
        .as_array()
        .expect("history")
        .iter()
        .map(|h| (h["toStatus"].clone(), h["reason"].clone()))
        .collect();
    assert_eq!(history.len(), 5);
    assert_eq!(history[4], (json!("REMOVED"), json!("retired")));
    assert!(seen["expert"]["statusHistory"][1]["actorId"].is_string());

    // Admission: an intermediate title needs 8 years; 70-year-olds are out.
    let mut junior = expert_input(2);
    junior["title"] = json!("INTERMEDIATE");
    junior["yearsInField"] = json!(5);
    appointment_refused(&app, &admin, junior, "8").await;
    let mut old = expert_input(3);
    old["birthDate"] = json!("1950-01-01");
    old["idCardNumber"] = json!(id_card("19500101", 3));
    let old = appointment_refused(&app, &admin, old, "70").await;
    let still = app
        .ok(Some(&admin), EXPERT, json!({ "id": old["id"] }))
        .await;
    assert_eq!(still["expert"]["status"], "CANDIDATE");
}
db_test!(status_machine_and_admission);

const LIST: &str = "query($first: Int, $after: String, $filter: ExpertFilter) { experts(first: $first, after: $after, filter: $filter) { totalCount pageInfo { hasNextPage endCursor } edges { cursor node { name status } } } }";

async fn connection_filters_and_pages(app: TestApp) {
    let admin = app.admin().await;
    for serial in 1..=5 {
        let mut input = expert_input(serial);
        if serial == 5 {
            input["cityCode"] = json!("140200");
            input["sectors"] = json!(["PAPER"]);
            input["employer"] = json!("100%_纸业公司");
            input["title"] = json!("FULL_SENIOR");
        }
        app.ok(Some(&admin), CREATE_EXPERT, json!({ "input": input }))
            .await;
    }
    let page1 = app.ok(Some(&admin), LIST, json!({ "first": 2 })).await["experts"].clone();
    assert_eq!(page1["totalCount"], 5);
    assert_eq!(page1["edges"].as_array().map(Vec::len), Some(2));
    assert_eq!(page1["pageInfo"]["hasNextPage"], true);
    let page2 = app
        .ok(
            Some(&admin),
            LIST,
            json!({ "first": 2, "after": page1["pageInfo"]["endCursor"] }),
        )
        .await["experts"]
        .clone();
    assert_eq!(page2["edges"][0]["node"]["name"], "专家3");
    let page3 = app
        .ok(
            Some(&admin),
            LIST,
            json!({ "first": 2, "after": page2["pageInfo"]["endCursor"] }),
        )
        .await["experts"]
        .clone();
    assert_eq!(page3["edges"].as_array().map(Vec::len), Some(1));
    assert_eq!(page3["pageInfo"]["hasNextPage"], false);

    let count = |filter: Value| {
        let app = &app;
        let admin = admin.clone();
        async move {
            app.ok(Some(&admin), LIST, json!({ "filter": filter }))
                .await["experts"]["totalCount"]
                .clone()
        }
    };
    assert_eq!(count(json!({ "cityCode": "140200" })).await, 1);
    assert_eq!(count(json!({ "sector": "STEEL" })).await, 4);
    assert_eq!(count(json!({ "title": "FULL_SENIOR" })).await, 1);
    assert_eq!(count(json!({ "status": "ACTIVE" })).await, 0);
    assert_eq!(count(json!({ "text": "专家1" })).await, 1);
    // Wildcards are literal: "%" matches only the employer that has one.
    assert_eq!(count(json!({ "text": "%" })).await, 1);
    assert_eq!(count(json!({ "text": "_" })).await, 1);

    app.assert_bad_input(Some(&admin), LIST, json!({ "first": 1000 }), "first")
        .await;
    assert_eq!(
        app.code(Some(&admin), LIST, json!({ "after": "bogus" }))
            .await,
        "BAD_USER_INPUT"
    );

    let city = app.city_admin("140300").await;
    let seen = app.ok(Some(&city), LIST, json!({})).await;
    assert_eq!(seen["experts"]["totalCount"], 5);
    let firm_expert = page1["edges"][0]["node"].clone();
    let _ = firm_expert;
    assert_eq!(app.code(None, LIST, json!({})).await, "UNAUTHENTICATED");
}
db_test!(connection_filters_and_pages);

async fn experts_cannot_list_the_pool(app: TestApp) {
    let admin = app.admin().await;
    let created = create_expert(&app, &admin, 1).await;
    let own = expert_user(&app, &created["id"]).await;
    assert_eq!(app.code(Some(&own), LIST, json!({})).await, "FORBIDDEN");
}
db_test!(experts_cannot_list_the_pool);

pub(crate) async fn conflicts_and_unavailability(app: TestApp) {
    let admin = app.admin().await;
    let created = create_expert(&app, &admin, 1).await;
    let id = created["id"].clone();
    let own = expert_user(&app, &id).await;
    let conflict = json!({ "kind": "SHAREHOLDING", "organisationName": "某钢铁公司", "organisationCreditCode": credit_code(77), "validFrom": "2020-01-01" });

    let added = app
        .ok(
            Some(&own),
            ADD_CONFLICT,
            json!({ "id": id, "input": conflict }),
        )
        .await;
    assert_eq!(added["addExpertConflict"]["kind"], "SHAREHOLDING");
    app.ok(
        Some(&admin),
        ADD_CONFLICT,
        json!({ "id": id, "input": conflict }),
    )
    .await;
    assert_eq!(app.count("expert_conflicts").await, 2);

    let mut bad = conflict.clone();
    bad["organisationCreditCode"] = json!("123");
    app.assert_bad_input(
        Some(&own),
        ADD_CONFLICT,
        json!({ "id": id, "input": bad }),
        "organisationCreditCode",
    )
    .await;
    let mut bad = conflict.clone();
    bad["validUntil"] = json!("2019-01-01");
    assert_eq!(
        app.code(Some(&own), ADD_CONFLICT, json!({ "id": id, "input": bad }))
            .await,
        "BAD_USER_INPUT"
    );

    let other = create_expert(&app, &admin, 2).await;
    assert_eq!(
        app.code(
            Some(&own),
            ADD_CONFLICT,
            json!({ "id": other["id"], "input": conflict })
        )
        .await,
        "FORBIDDEN"
    );
    let city = app.city_admin("140100").await;
    assert_eq!(
        app.code(
            Some(&city),
            ADD_CONFLICT,
            json!({ "id": id, "input": conflict })
        )
        .await,
        "FORBIDDEN"
    );
    assert_eq!(
        app.code(None, ADD_CONFLICT, json!({ "id": id, "input": conflict }))
            .await,
        "UNAUTHENTICATED"
    );
    assert_eq!(
        app.code(
            Some(&admin),
            ADD_CONFLICT,
            json!({ "id": uuid::Uuid::now_v7().to_string(), "input": conflict })
        )
        .await,
        "NOT_FOUND"
    );
    assert_eq!(app.count("expert_conflicts").await, 2);

    let conflict_id = added["addExpertConflict"]["id"].clone();
    assert_eq!(
        app.code(Some(&city), REMOVE_CONFLICT, json!({ "id": conflict_id }))
            .await,
        "FORBIDDEN"
    );
    let removed = app
        .ok(Some(&own), REMOVE_CONFLICT, json!({ "id": conflict_id }))
        .await;
    assert_eq!(removed["removeExpertConflict"]["removed"], true);
    assert_eq!(
        app.code(Some(&own), REMOVE_CONFLICT, json!({ "id": conflict_id }))
            .await,
        "NOT_FOUND"
    );
    assert_eq!(app.count("expert_conflicts").await, 1);

    let range = json!({ "startsOn": "2026-12-01", "endsOn": "2026-12-05", "reason": "出差" });
    let added = app
        .ok(
            Some(&own),
            ADD_UNAVAILABLE,
            json!({ "id": id, "input": range }),
        )
        .await;
    assert_eq!(added["addExpertUnavailability"]["endsOn"], "2026-12-05");
    app.assert_bad_input(
        Some(&own),
        ADD_UNAVAILABLE,
        json!({ "id": id, "input": { "startsOn": "2026-12-05", "endsOn": "2026-12-01" } }),
        "endsOn",
    )
    .await;
    assert_eq!(
        app.code(
            Some(&own),
            ADD_UNAVAILABLE,
            json!({ "id": other["id"], "input": range })
        )
        .await,
        "FORBIDDEN"
    );
    assert_eq!(
        app.code(
            Some(&city),
            ADD_UNAVAILABLE,
            json!({ "id": id, "input": range })
        )
        .await,
        "FORBIDDEN"
    );
    assert_eq!(app.count("expert_unavailabilities").await, 1);
    let seen = app.ok(Some(&admin), EXPERT, json!({ "id": id })).await;
    assert_eq!(
        seen["expert"]["unavailability"][0]["startsOn"],
        "2026-12-01"
    );
    assert_eq!(
        seen["expert"]["conflicts"].as_array().map(Vec::len),
        Some(1)
    );
    assert_eq!(
        app.code(
            Some(&city),
            REMOVE_UNAVAILABLE,
            json!({ "id": added["addExpertUnavailability"]["id"] })
        )
        .await,
        "FORBIDDEN"
    );
    app.ok(
        Some(&admin),
        REMOVE_UNAVAILABLE,
        json!({ "id": added["addExpertUnavailability"]["id"] }),
    )
    .await;
    assert_eq!(app.count("expert_unavailabilities").await, 0);
}
db_test!(conflicts_and_unavailability);

async fn a_page_costs_a_fixed_number_of_queries(app: TestApp) {
    let admin = app.admin().await;
    let services = &app.state.services;
    let viewer = cleanprod::auth::Viewer::System;
    for serial in 0..100u32 {
        let input = expert_input(serial + 10);
        let new = cleanprod::services::experts::NewExpert {
            name: format!("专家{serial}"),
            gender: cleanprod::domain::Gender::Male,
            birth_date: chrono::NaiveDate::from_ymd_opt(1975, 6, 15)
                .expect("date")
                .into(),
            id_card_number: input["idCardNumber"].as_str().expect("id").to_owned(),
            phone: "13812345678".into(),
            email: None,
            employer: "单位".into(),
            employer_credit_code: input["employerCreditCode"]
                .as_str()
                .expect("code")
                .to_owned(),
            title: cleanprod::domain::ProfessionalTitle::Senior,
            years_in_field: 10,
            city_code: if serial % 2 == 0 {
                "140100".into()
            } else {
                "140200".into()
            },
            sectors: vec![
                cleanprod::domain::Sector::Steel,
                cleanprod::domain::Sector::Paper,
            ],
            expertise_kinds: vec![cleanprod::domain::ExpertiseKind::Energy],
            term_start: chrono::NaiveDate::from_ymd_opt(2025, 1, 1)
                .expect("date")
                .into(),
            term_end: chrono::NaiveDate::from_ymd_opt(2029, 12, 31)
                .expect("date")
                .into(),
        };
        cleanprod::services::experts::create_expert(services, &viewer, new)
            .await
            .expect("created");
    }
    let query = "query($n: Int) { experts(first: $n) { totalCount edges { node { name sectors expertiseKinds city { name } statusHistory { toStatus } } } } }";
    // The first request reads the token's user and the pool into memory; from then on a
    // page costs the same whatever its size.
    app.ok(Some(&admin), query, json!({ "n": 1 })).await;
    let mut costs = Vec::new();
    for n in [5, 100] {
        let before = app.statements.load(Ordering::SeqCst);
        let data = app.ok(Some(&admin), query, json!({ "n": n })).await;
        costs.push(app.statements.load(Ordering::SeqCst) - before);
        assert_eq!(
            data["experts"]["edges"].as_array().map(Vec::len),
            Some(n as usize)
        );
        assert_eq!(
            data["experts"]["edges"][0]["node"]["sectors"],
            json!(["STEEL", "PAPER"])
        );
    }
    assert_eq!(
        costs[0], costs[1],
        "statements for 5 vs 100 experts: {costs:?}"
    );
    assert!(costs[1] <= 8, "a page of 100 costs {} statements", costs[1]);
}
db_test!(a_page_costs_a_fixed_number_of_queries);

/// The pool is listed from memory: a change made behind this server's back (another
/// instance, the command line, a hand-run statement) must show in the very next list.
async fn the_list_follows_changes_made_elsewhere(app: TestApp) {
    let admin = app.admin().await;
    create_expert(&app, &admin, 1).await;
    let names = |filter: Value| {
        let app = &app;
        let admin = admin.clone();
        async move {
            app.ok(
                Some(&admin),
                "query($f: ExpertFilter) { experts(filter: $f) { totalCount edges { node { name sectors } } } }",
                json!({ "f": filter }),
            )
            .await["experts"]
                .clone()
        }
    };
    assert_eq!(names(json!({})).await["edges"][0]["node"]["name"], "专家1");
    app.execute("UPDATE experts SET name = 'Wang Elsewhere'")
        .await;
    assert_eq!(
        names(json!({})).await["edges"][0]["node"]["name"],
        "Wang Elsewhere"
    );
    // The text filter ignores case on both databases.
    assert_eq!(names(json!({ "text": "wang ELSE" })).await["totalCount"], 1);
    app.execute("DELETE FROM expert_sectors WHERE sector = 'STEEL'")
        .await;
    assert_eq!(names(json!({ "sector": "STEEL" })).await["totalCount"], 0);
    assert_eq!(
        names(json!({})).await["edges"][0]["node"]["sectors"],
        json!(["ENERGY"])
    );
}
db_test!(the_list_follows_changes_made_elsewhere);
