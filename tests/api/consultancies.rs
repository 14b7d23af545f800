//! The consultancy registry through the API: firms, status with history, staff with
//! employment dates, and who may do what.

use serde_json::{Value, json};

use crate::db_test;
use crate::support::{
    ADD_STAFF, CREATE_CONSULTANCY, TestApp, add_staff, consultancy_input, create_consultancy,
    create_expert, id_card, staff_input,
};

const CONSULTANCY: &str = "query($id: ID!) { consultancy(id: $id) { id name status version takesNewAudits city { name } statusHistory { fromStatus toStatus reason actorId } staff { id name idCardNumber role endedOn current } current: staff(current: true) { id } } }";
const UPDATE: &str = "mutation($id: ID!, $input: UpdateConsultancyInput!, $v: Int!) { updateConsultancy(id: $id, input: $input, expectedVersion: $v) { id name address contactPhone version } }";
const SET_STATUS: &str = "mutation($id: ID!, $s: ConsultancyStatus!, $r: String!) { setConsultancyStatus(id: $id, status: $s, reason: $r) { status version takesNewAudits } }";
const LIST: &str = "query($filter: ConsultancyFilter) { consultancies(filter: $filter) { totalCount edges { node { name status staff { name } statusHistory { toStatus } } } } }";
const END: &str = "mutation($id: ID!, $on: Date!, $r: String) { endConsultancyStaffEmployment(staffId: $id, endedOn: $on, reason: $r) { id endedOn endReason current } }";
const HISTORY: &str = "query($card: String!) { consultancyStaffHistory(idCardNumber: $card) { consultancy { name } startedOn endedOn } }";

async fn create_read_and_bad_input(app: TestApp) {
    let admin = app.admin().await;
    let created = create_consultancy(&app, &admin, 1).await;
    assert_eq!(created["status"], "ACTIVE");
    let seen = app
        .ok(Some(&admin), CONSULTANCY, json!({ "id": created["id"] }))
        .await["consultancy"]
        .clone();
    assert_eq!(seen["city"]["name"], "太原市");
    assert_eq!(seen["takesNewAudits"], true);
    assert_eq!(seen["statusHistory"][0]["toStatus"], "ACTIVE");
    assert_eq!(seen["statusHistory"][0]["fromStatus"], Value::Null);

    let before = (
        app.count("consultancies").await,
        app.count("audit_log").await,
    );
    let cases: Vec<(&str, Value)> = vec![
        ("name", json!(" ")),
        ("creditCode", json!("91140100MB000000")),
        ("cityCode", json!("100000")),
        ("address", json!("")),
        ("contactName", json!("")),
        ("contactPhone", json!("call me")),
    ];
    for (field, value) in cases {
        let mut input = consultancy_input(2);
        input[field] = value.clone();
        let (code, error) = app
            .err(Some(&admin), CREATE_CONSULTANCY, json!({ "input": input }))
            .await;
        assert_eq!(code, "BAD_USER_INPUT", "{field}={value}: {error}");
        assert_eq!(error["extensions"]["field"], field, "{field}={value}");
    }
    assert_eq!(
        app.code(
            Some(&admin),
            CREATE_CONSULTANCY,
            json!({ "input": consultancy_input(1) })
        )
        .await,
        "CONFLICT"
    );
    let city = app.city_admin("140100").await;
    let firm = app.consultancy_user(&created["id"]).await;
    let before_roles = app.count("consultancies").await;
    app.assert_refused(
        &[&city, &firm],
        CREATE_CONSULTANCY,
        json!({ "input": consultancy_input(3) }),
    )
    .await;
    assert_eq!(app.count("consultancies").await, before_roles);
    assert_eq!(app.count("consultancies").await, before.0);
}
db_test!(create_read_and_bad_input);

pub(crate) async fn update_by_province_and_own_firm(app: TestApp) {
    let admin = app.admin().await;
    let a = create_consultancy(&app, &admin, 1).await;
    let b = create_consultancy(&app, &admin, 2).await;
    let own = app.consultancy_user(&a["id"]).await;
    let id = a["id"].clone();

    let updated = app
        .ok(
            Some(&own),
            UPDATE,
            json!({ "id": id, "input": { "address": "新地址", "contactPhone": "13900001111" }, "v": 1 }),
        )
        .await;
    assert_eq!(updated["updateConsultancy"]["address"], "新地址");
    assert_eq!(updated["updateConsultancy"]["version"], 2);
    let renamed = app
        .ok(
            Some(&admin),
            UPDATE,
            json!({ "id": id, "input": { "name": "新名称" }, "v": 2 }),
        )
        .await;
    assert_eq!(renamed["updateConsultancy"]["name"], "新名称");

    let city = app.city_admin("140100").await;
    let before = app.count("audit_log").await;
    for (token, input, v, want) in [
        (Some(&own), json!({ "name": "自改" }), 3, "FORBIDDEN"),
        (Some(&city), json!({ "address": "x" }), 3, "FORBIDDEN"),
        (Some(&admin), json!({ "address": "x" }), 1, "CONFLICT"),
        (
            Some(&admin),
            json!({ "creditCode": crate::support::firm_code(500_002) }),
            3,
            "CONFLICT",
        ),
        (
            Some(&admin),
            json!({ "contactPhone": "nope" }),
            3,
            "BAD_USER_INPUT",
        ),
    ] {
        assert_eq!(
            app.code(
                token.map(String::as_str),
                UPDATE,
                json!({ "id": id, "input": input, "v": v })
            )
            .await,
            want,
            "{input}"
        );
    }
    // A firm may not touch another firm.
    assert_eq!(
        app.code(
            Some(&own),
            UPDATE,
            json!({ "id": b["id"], "input": { "address": "x" }, "v": 1 })
        )
        .await,
        "FORBIDDEN"
    );
    assert_eq!(
        app.code(
            None,
            UPDATE,
            json!({ "id": id, "input": { "address": "x" }, "v": 3 })
        )
        .await,
        "UNAUTHENTICATED"
    );
    assert_eq!(app.count("audit_log").await, before);
}
db_test!(update_by_province_and_own_firm);

pub(crate) async fn status_moves_with_history(app: TestApp) {
    let admin = app.admin().await;
    let firm = create_consultancy(&app, &admin, 1).await;
    let id = firm["id"].clone();
    let vars = |s: &str, r: &str| json!({ "id": id, "s": s, "r": r });
    let suspended = app
        .ok(Some(&admin), SET_STATUS, vars("SUSPENDED", "整改"))
        .await;
    assert_eq!(
        suspended["setConsultancyStatus"],
        json!({ "status": "SUSPENDED", "version": 2, "takesNewAudits": false })
    );
    app.ok(Some(&admin), SET_STATUS, vars("BLACKLISTED", "弄虚作假"))
        .await;
    app.ok(Some(&admin), SET_STATUS, vars("ACTIVE", "移出黑名单"))
        .await;
    app.ok(Some(&admin), SET_STATUS, vars("DEREGISTERED", "注销"))
        .await;

    let before = app.count("consultancy_status_changes").await;
    let (code, error) = app
        .err(Some(&admin), SET_STATUS, vars("ACTIVE", "back"))
        .await;
    assert_eq!(
        (code.as_str(), error["extensions"]["field"].as_str()),
        ("BAD_USER_INPUT", Some("status"))
    );
    let (code, error) = app
        .err(Some(&admin), SET_STATUS, vars("DEREGISTERED", " "))
        .await;
    assert_eq!(
        (code.as_str(), error["extensions"]["field"].as_str()),
        ("BAD_USER_INPUT", Some("reason"))
    );
    let city = app.city_admin("140100").await;
    let own = app.consultancy_user(&id).await;
    app.assert_refused(&[&city, &own], SET_STATUS, vars("SUSPENDED", "x"))
        .await;
    assert_eq!(app.count("consultancy_status_changes").await, before);

    let seen = app.ok(Some(&admin), CONSULTANCY, json!({ "id": id })).await;
    let history: Vec<(Value, Value)> = seen["consultancy"]["statusHistory"]
        .as_array()
        .expect("history")
        .iter()
        .map(|h| (h["fromStatus"].clone(), h["toStatus"].clone()))
        .collect();
    assert_eq!(
        history,
        vec![
            (Value::Null, json!("ACTIVE")),
            (json!("ACTIVE"), json!("SUSPENDED")),
            (json!("SUSPENDED"), json!("BLACKLISTED")),
            (json!("BLACKLISTED"), json!("ACTIVE")),
            (json!("ACTIVE"), json!("DEREGISTERED")),
        ]
    );
    assert!(seen["consultancy"]["statusHistory"][1]["actorId"].is_string());
}
db_test!(status_moves_with_history);

pub(crate) async fn staff_move_between_firms(app: TestApp) {
    let admin = app.admin().await;
    let a = create_consultancy(&app, &admin, 1).await;
    let b = create_consultancy(&app, &admin, 2).await;
    let own_a = app.consultancy_user(&a["id"]).await;
    let own_b = app.consultancy_user(&b["id"]).await;

    // The firm employs its own staff.
    let staff = add_staff(&app, &own_a, &a["id"], staff_input(1, "2020-01-01")).await;
    assert_eq!(staff["idCardNumber"], id_card("19800101", 1).as_str());
    assert_eq!(staff["current"], true);
    // The same person cannot join another firm while employed.
    let before = app.count("consultancy_staff").await;
    assert_eq!(
        app.code(
            Some(&own_b),
            ADD_STAFF,
            json!({ "id": b["id"], "input": staff_input(1, "2024-01-01") })
        )
        .await,
        "CONFLICT"
    );
    // Nor may a firm manage another firm's staff, nor a city admin any.
    let city = app.city_admin("140100").await;
    for (token, want) in [
        (Some(own_b.as_str()), "FORBIDDEN"),
        (Some(city.as_str()), "FORBIDDEN"),
        (None, "UNAUTHENTICATED"),
    ] {
        assert_eq!(
            app.code(
                token,
                ADD_STAFF,
                json!({ "id": a["id"], "input": staff_input(2, "2024-01-01") })
            )
            .await,
            want
        );
        assert_eq!(
            app.code(token, END, json!({ "id": staff["id"], "on": "2023-12-31" }))
                .await,
            want
        );
    }
    for (field, value) in [
        ("name", json!("")),
        ("idCardNumber", json!("140105198001010001")),
        ("startedOn", json!("2020-13-01")),
    ] {
        let mut input = staff_input(3, "2020-01-01");
        input[field] = value;
        let (code, error) = app
            .err(
                Some(&own_a),
                ADD_STAFF,
                json!({ "id": a["id"], "input": input }),
            )
            .await;
        assert_eq!(code, "BAD_USER_INPUT", "{field}");
        if field != "startedOn" {
            assert_eq!(error["extensions"]["field"], field);
        }
    }
    assert_eq!(app.count("consultancy_staff").await, before);

    // Ending: not before it started, once only.
    app.assert_bad_input(
        Some(&own_a),
        END,
        json!({ "id": staff["id"], "on": "2019-12-31" }),
        "endedOn",
    )
    .await;
    let ended = app
        .ok(
            Some(&own_a),
            END,
            json!({ "id": staff["id"], "on": "2023-12-31", "r": "调往其他机构" }),
        )
        .await;
    assert_eq!(
        ended["endConsultancyStaffEmployment"],
        json!({ "id": staff["id"], "endedOn": "2023-12-31", "endReason": "调往其他机构", "current": false })
    );
    assert_eq!(
        app.code(
            Some(&own_a),
            END,
            json!({ "id": staff["id"], "on": "2024-01-31" })
        )
        .await,
        "BAD_USER_INPUT"
    );

    // Now the person joins b; the history keeps both.
    assert_eq!(
        app.code(
            Some(&own_b),
            ADD_STAFF,
            json!({ "id": b["id"], "input": staff_input(1, "2023-12-31") })
        )
        .await,
        "CONFLICT",
        "the employments would share a day"
    );
    add_staff(&app, &own_b, &b["id"], staff_input(1, "2024-01-01")).await;
    let history = app
        .ok(
            Some(&city),
            HISTORY,
            json!({ "card": id_card("19800101", 1) }),
        )
        .await;
    assert_eq!(
        history["consultancyStaffHistory"],
        json!([
            { "consultancy": { "name": "咨询机构1" }, "startedOn": "2020-01-01", "endedOn": "2023-12-31" },
            { "consultancy": { "name": "咨询机构2" }, "startedOn": "2024-01-01", "endedOn": null },
        ])
    );
    assert_eq!(
        app.code(
            Some(&own_a),
            HISTORY,
            json!({ "card": id_card("19800101", 1) })
        )
        .await,
        "FORBIDDEN"
    );

    // Firm a still shows the former employee; the ID card is masked to a city admin.
    let seen = app
        .ok(Some(&city), CONSULTANCY, json!({ "id": a["id"] }))
        .await["consultancy"]
        .clone();
    assert_eq!(seen["staff"].as_array().map(Vec::len), Some(1));
    assert_eq!(seen["current"].as_array().map(Vec::len), Some(0));
    assert!(
        seen["staff"][0]["idCardNumber"]
            .as_str()
            .is_some_and(|c| c.contains('*'))
    );
    assert_eq!(
        app.code(Some(&own_b), CONSULTANCY, json!({ "id": a["id"] }))
            .await,
        "FORBIDDEN"
    );
}
db_test!(staff_move_between_firms);

async fn registry_listing_is_scoped(app: TestApp) {
    let admin = app.admin().await;
    let a = create_consultancy(&app, &admin, 1).await;
    let mut input = consultancy_input(2);
    input["cityCode"] = json!("140200");
    input["name"] = json!("大同咨询");
    app.ok(Some(&admin), CREATE_CONSULTANCY, json!({ "input": input }))
        .await;
    add_staff(&app, &admin, &a["id"], staff_input(1, "2020-01-01")).await;
    app.ok(
        Some(&admin),
        SET_STATUS,
        json!({ "id": a["id"], "s": "SUSPENDED", "r": "整改" }),
    )
    .await;

    let count = |token: String, filter: Value| {
        let app = &app;
        async move {
            app.ok(Some(&token), LIST, json!({ "filter": filter }))
                .await["consultancies"]["totalCount"]
                .clone()
        }
    };
    assert_eq!(count(admin.clone(), json!({})).await, 2);
    assert_eq!(
        count(admin.clone(), json!({ "cityCode": "140200" })).await,
        1
    );
    assert_eq!(
        count(admin.clone(), json!({ "status": "SUSPENDED" })).await,
        1
    );
    assert_eq!(count(admin.clone(), json!({ "text": "大同" })).await, 1);
    // City admins read the whole registry: firms serve every city.
    let city = app.city_admin("140100").await;
    assert_eq!(count(city, json!({})).await, 2);
    // A firm sees itself only.
    let own = app.consultancy_user(&a["id"]).await;
    let mine = app.ok(Some(&own), LIST, json!({})).await;
    assert_eq!(mine["consultancies"]["totalCount"], 1);
    assert_eq!(
        mine["consultancies"]["edges"][0]["node"]["staff"][0]["name"],
        "审核员1"
    );
    let expert = create_expert(&app, &admin, 1).await;
    let expert = app.user_token("EXPERT", None, expert["id"].as_str()).await;
    assert_eq!(app.code(Some(&expert), LIST, json!({})).await, "FORBIDDEN");
    assert_eq!(app.code(None, LIST, json!({})).await, "UNAUTHENTICATED");
}
db_test!(registry_listing_is_scoped);

async fn consultancy_users_name_an_existing_firm(app: TestApp) {
    let admin = app.admin().await;
    let firm = create_consultancy(&app, &admin, 1).await;
    let made = app
        .ok(
            Some(&admin),
            "mutation($input: CreateUserInput!) { createUser(input: $input) { role consultancyId } }",
            json!({ "input": { "username": "firm1", "password": crate::support::USER_PASSWORD, "role": "CONSULTANCY", "consultancyId": firm["id"] } }),
        )
        .await;
    assert_eq!(made["createUser"]["consultancyId"], firm["id"]);
    let token = app.login("firm1", crate::support::USER_PASSWORD).await;
    let seen = app
        .ok(Some(&token), CONSULTANCY, json!({ "id": firm["id"] }))
        .await;
    assert_eq!(seen["consultancy"]["name"], "咨询机构1");
}
db_test!(consultancy_users_name_an_existing_firm);
