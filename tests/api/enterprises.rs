//! Enterprises through the API: records, verdict and mode, scale, versions, the connection,
//! the directory and the CSV import.

use serde_json::{Value, json};

use crate::db_test;
use crate::support::{
    CREATE_ENTERPRISE, TestApp, create_consultancy, create_enterprise, create_expert,
    enterprise_input, firm_code,
};

const ENTERPRISE: &str = "query($id: ID!) { enterprise(id: $id) { id name scale scaleSetByAdmin operatingRevenue sector auditMode version mandatoryAudit { mandatory reason } city { name } } }";
const UPDATE: &str = "mutation($id: ID!, $input: UpdateEnterpriseInput!, $v: Int!) { updateEnterprise(id: $id, input: $input, expectedVersion: $v) { id name cityCode scale scaleSetByAdmin auditMode version mandatoryAudit { mandatory reason } } }";
const LIST: &str = "query($first: Int, $after: String, $filter: EnterpriseFilter) { enterprises(first: $first, after: $after, filter: $filter) { totalCount pageInfo { hasNextPage endCursor } edges { node { name cityCode } } } }";
const ADD_TO_DIRECTORY: &str = "mutation($id: ID!, $y: Int!) { addToDirectory(enterpriseId: $id, sinceYear: $y) { id inDirectory directorySinceYear version } }";
const DIRECTORY: &str = "query($asOf: Date, $filter: DirectoryFilter) { directory(asOf: $asOf, filter: $filter) { totalCount edges { node { sinceYear cycleOverdue coveredUntil asOf enterprise { name city { code } } lastCompletion { kind completedOn certification { level } audit { id } } } } } }";
const IMPORT: &str = "mutation($csv: String!, $mode: ImportMode! = ALL_OR_NOTHING) { importEnterprises(csv: $csv, mode: $mode) { mode written acceptedCount rejectedCount rows { line name creditCode accepted enterpriseId field reason } } }";
const CERTIFY: &str = "mutation($id: ID!, $level: CertificationLevel!, $until: Date!, $meets: Boolean!, $on: Date) { recordCertification(enterpriseId: $id, level: $level, validUntil: $until, meetsAuditRequirements: $meets, certifiedOn: $on) { certification { id level meetsAuditRequirements certifiedOn } enterprise { lastCompletedOn } } }";

async fn create_with_verdict_mode_and_scale(app: TestApp) {
    let admin = app.admin().await;
    let steel = create_enterprise(&app, &admin, enterprise_input(1)).await;
    assert_eq!(steel["scale"], "LARGE");
    assert_eq!(steel["scaleSetByAdmin"], false);
    assert_eq!(steel["sector"], "STEEL");
    assert_eq!(steel["auditMode"], "STRICT");
    assert_eq!(steel["mandatoryAudit"]["mandatory"], true);
    assert_eq!(steel["mandatoryAudit"]["industryCode"], "3120");
    assert_eq!(steel["inDirectory"], false);
    assert_eq!(steel["version"], 1);

    // Small inorganic-acid works: the annex row covers large and medium firms only.
    let mut small = enterprise_input(2);
    small["industryCode"] = json!("2611");
    small["employees"] = json!(50);
    small["operatingRevenue"] = json!("800.5");
    small["highEnergyUse"] = json!(false);
    small["directorySinceYear"] = json!(2022);
    let small = create_enterprise(&app, &admin, small).await;
    assert_eq!(small["scale"], "SMALL");
    assert_eq!(small["auditMode"], "SIMPLIFIED");
    assert_eq!(small["mandatoryAudit"]["mandatory"], false);
    assert_eq!(small["mandatoryAudit"]["reason"], "SCALE_NOT_COVERED");
    assert_eq!(small["directorySinceYear"], 2022);

    // An admin's scale wins over the statistics; a code outside the annex is allowed.
    let mut set = enterprise_input(3);
    set["industryCode"] = json!("9999");
    set["scale"] = json!("MEDIUM");
    set["priorityChemicals"] = json!(true);
    set["highEnergyUse"] = json!(false);
    let set = create_enterprise(&app, &admin, set).await;
    assert_eq!(set["scale"], "MEDIUM");
    assert_eq!(set["scaleSetByAdmin"], true);
    assert_eq!(set["sector"], Value::Null);
    assert_eq!(set["auditMode"], "STRICT");
    assert_eq!(set["mandatoryAudit"]["reason"], "NOT_IN_CATALOGUE");

    // Revenue is exact.
    let seen = app
        .ok(Some(&admin), ENTERPRISE, json!({ "id": small["id"] }))
        .await;
    assert_eq!(seen["enterprise"]["operatingRevenue"], "800.5");
    assert_eq!(seen["enterprise"]["city"]["name"], "太原市");

    let city = app.city_admin("140100").await;
    let made = create_enterprise(&app, &city, enterprise_input(4)).await;
    assert_eq!(made["cityCode"], "140100");
}
db_test!(create_with_verdict_mode_and_scale);

async fn create_enterprise_rejects_bad_input(app: TestApp) {
    let admin = app.admin().await;
    create_enterprise(&app, &admin, enterprise_input(1)).await;
    let before = (app.count("enterprises").await, app.count("audit_log").await);
    let mut bad_check = firm_code(2);
    let last = if bad_check.ends_with('1') { '2' } else { '1' };
    bad_check.pop();
    bad_check.push(last);
    let cases: Vec<(&str, Value)> = vec![
        ("name", json!("  ")),
        ("creditCode", json!(bad_check)),
        ("creditCode", json!("91140100")),
        ("cityCode", json!("990000")),
        ("county", json!("")),
        ("industryCode", json!("31")),
        ("industryCode", json!("31A0")),
        ("employees", json!(-1)),
        ("operatingRevenue", json!("-1")),
        ("operatingRevenue", json!("1.00001")),
        ("directorySinceYear", json!(1990)),
    ];
    for (field, value) in cases {
        let mut input = enterprise_input(5);
        input[field] = value.clone();
        let (code, error) = app
            .err(Some(&admin), CREATE_ENTERPRISE, json!({ "input": input }))
            .await;
        assert_eq!(code, "BAD_USER_INPUT", "{field}={value}: {error}");
        assert_eq!(error["extensions"]["field"], field, "{field}={value}");
    }
    let mut dup = enterprise_input(6);
    dup["creditCode"] = json!(firm_code(1).to_lowercase());
    assert_eq!(
        app.code(Some(&admin), CREATE_ENTERPRISE, json!({ "input": dup }))
            .await,
        "CONFLICT"
    );
    assert_eq!(
        (app.count("enterprises").await, app.count("audit_log").await),
        before
    );
}
db_test!(create_enterprise_rejects_bad_input);

async fn who_may_create_enterprises(app: TestApp) {
    let admin = app.admin().await;
    let other_city = app.city_admin("140200").await;
    let expert = create_expert(&app, &admin, 1).await;
    let expert = app.user_token("EXPERT", None, expert["id"].as_str()).await;
    let firm = create_consultancy(&app, &admin, 1).await;
    let firm = app.consultancy_user(&firm["id"]).await;
    let before = app.count("enterprises").await;
    app.assert_refused(
        &[&other_city, &expert, &firm],
        CREATE_ENTERPRISE,
        json!({ "input": enterprise_input(9) }),
    )
    .await;
    assert_eq!(app.count("enterprises").await, before);
}
db_test!(who_may_create_enterprises);

pub(crate) async fn update_with_versions_scale_and_cities(app: TestApp) {
    let admin = app.admin().await;
    let created = create_enterprise(&app, &admin, enterprise_input(1)).await;
    let id = created["id"].clone();
    let city = app.city_admin("140100").await;

    // Fewer staff: the derived scale follows; no flags left: SIMPLIFIED.
    let updated = app
        .ok(
            Some(&city),
            UPDATE,
            json!({ "id": id, "input": { "employees": 500, "highEnergyUse": false }, "v": 1 }),
        )
        .await["updateEnterprise"]
        .clone();
    assert_eq!(updated["scale"], "MEDIUM");
    assert_eq!(updated["auditMode"], "SIMPLIFIED");
    assert_eq!(updated["version"], 2);

    // An admin pins the scale; later staff changes leave it; null hands it back.
    let pinned = app
        .ok(
            Some(&admin),
            UPDATE,
            json!({ "id": id, "input": { "scale": "MICRO" }, "v": 2 }),
        )
        .await["updateEnterprise"]
        .clone();
    assert_eq!(
        (
            pinned["scale"].as_str(),
            pinned["scaleSetByAdmin"].as_bool()
        ),
        (Some("MICRO"), Some(true))
    );
    let kept = app
        .ok(
            Some(&admin),
            UPDATE,
            json!({ "id": id, "input": { "employees": 3000 }, "v": 3 }),
        )
        .await["updateEnterprise"]
        .clone();
    assert_eq!(kept["scale"], "MICRO");
    let back = app
        .ok(
            Some(&admin),
            UPDATE,
            json!({ "id": id, "input": { "scale": null }, "v": 4 }),
        )
        .await["updateEnterprise"]
        .clone();
    assert_eq!(
        (back["scale"].as_str(), back["scaleSetByAdmin"].as_bool()),
        (Some("LARGE"), Some(false))
    );

    // Stale versions, bad input, other cities: nothing written.
    let other = create_enterprise(&app, &admin, enterprise_input(2)).await;
    let elsewhere = app.city_admin("140200").await;
    let before = app.count("audit_log").await;
    assert_eq!(
        app.code(
            Some(&admin),
            UPDATE,
            json!({ "id": id, "input": { "name": "x" }, "v": 1 })
        )
        .await,
        "CONFLICT"
    );
    app.assert_bad_input(
        Some(&admin),
        UPDATE,
        json!({ "id": id, "input": { "industryCode": "abc" }, "v": 5 }),
        "industryCode",
    )
    .await;
    assert_eq!(
        app.code(
            Some(&admin),
            UPDATE,
            json!({ "id": id, "input": { "creditCode": other["creditCode"] }, "v": 5 })
        )
        .await,
        "CONFLICT"
    );
    assert_eq!(
        app.code(
            Some(&city),
            UPDATE,
            json!({ "id": id, "input": { "cityCode": "140200" }, "v": 5 })
        )
        .await,
        "FORBIDDEN",
        "a city admin cannot move an enterprise away"
    );
    app.assert_refused(
        &[&elsewhere],
        UPDATE,
        json!({ "id": id, "input": { "name": "x" }, "v": 5 }),
    )
    .await;
    assert_eq!(app.count("audit_log").await, before);
    let seen = app.ok(Some(&admin), ENTERPRISE, json!({ "id": id })).await;
    assert_eq!(seen["enterprise"]["version"], 5);

    // The province may move it.
    let moved = app
        .ok(
            Some(&admin),
            UPDATE,
            json!({ "id": id, "input": { "cityCode": "140200" }, "v": 5 }),
        )
        .await;
    assert_eq!(moved["updateEnterprise"]["cityCode"], "140200");
}
db_test!(update_with_versions_scale_and_cities);

async fn reading_and_listing_is_scoped(app: TestApp) {
    let admin = app.admin().await;
    for serial in 1..=4 {
        let mut input = enterprise_input(serial);
        if serial == 4 {
            input["cityCode"] = json!("140200");
            input["county"] = json!("城区");
            input["industryCode"] = json!("2611");
            input["employees"] = json!(30);
            input["operatingRevenue"] = json!("400");
            input["name"] = json!("大同100%_化工");
            input["directorySinceYear"] = json!(2021);
        }
        create_enterprise(&app, &admin, input).await;
    }
    let count = |token: String, filter: Value| {
        let app = &app;
        async move {
            app.ok(Some(&token), LIST, json!({ "filter": filter }))
                .await["enterprises"]["totalCount"]
                .clone()
        }
    };
    assert_eq!(count(admin.clone(), json!({})).await, 4);
    assert_eq!(
        count(admin.clone(), json!({ "cityCode": "140200" })).await,
        1
    );
    assert_eq!(count(admin.clone(), json!({ "county": "城区" })).await, 1);
    assert_eq!(count(admin.clone(), json!({ "sector": "STEEL" })).await, 3);
    assert_eq!(
        count(admin.clone(), json!({ "industryCode": "2611" })).await,
        1
    );
    assert_eq!(count(admin.clone(), json!({ "scale": "SMALL" })).await, 1);
    assert_eq!(count(admin.clone(), json!({ "mandatory": false })).await, 1);
    assert_eq!(count(admin.clone(), json!({ "mandatory": true })).await, 3);
    assert_eq!(
        count(admin.clone(), json!({ "inDirectory": true })).await,
        1
    );
    assert_eq!(count(admin.clone(), json!({ "text": "%_" })).await, 1);
    assert_eq!(
        count(admin.clone(), json!({ "text": &firm_code(2)[10..] })).await,
        1
    );

    let page = app.ok(Some(&admin), LIST, json!({ "first": 3 })).await["enterprises"].clone();
    assert_eq!(page["pageInfo"]["hasNextPage"], true);
    let rest = app
        .ok(
            Some(&admin),
            LIST,
            json!({ "first": 3, "after": page["pageInfo"]["endCursor"] }),
        )
        .await["enterprises"]
        .clone();
    assert_eq!(rest["edges"][0]["node"]["name"], "大同100%_化工");

    // A city admin sees their city only and may not ask for another.
    let taiyuan = app.city_admin("140100").await;
    assert_eq!(count(taiyuan.clone(), json!({})).await, 3);
    assert_eq!(
        app.code(
            Some(&taiyuan),
            LIST,
            json!({ "filter": { "cityCode": "140200" } })
        )
        .await,
        "FORBIDDEN"
    );

    // A consultancy sees none until it holds an audit; anonymous nothing.
    let firm = create_consultancy(&app, &admin, 1).await;
    let firm = app.consultancy_user(&firm["id"]).await;
    assert_eq!(count(firm, json!({})).await, 0);
    assert_eq!(app.code(None, LIST, json!({})).await, "UNAUTHENTICATED");
    let expert = create_expert(&app, &admin, 1).await;
    let expert = app.user_token("EXPERT", None, expert["id"].as_str()).await;
    assert_eq!(app.code(Some(&expert), LIST, json!({})).await, "FORBIDDEN");
}
db_test!(reading_and_listing_is_scoped);

async fn reading_one_enterprise(app: TestApp) {
    let admin = app.admin().await;
    let mut input = enterprise_input(1);
    input["cityCode"] = json!("140200");
    let created = create_enterprise(&app, &admin, input).await;
    let id = json!({ "id": created["id"] });
    app.ok(
        Some(&app.city_admin("140200").await),
        ENTERPRISE,
        id.clone(),
    )
    .await;
    assert_eq!(
        app.code(
            Some(&app.city_admin("140100").await),
            ENTERPRISE,
            id.clone()
        )
        .await,
        "FORBIDDEN"
    );
    let firm = create_consultancy(&app, &admin, 1).await;
    assert_eq!(
        app.code(
            Some(&app.consultancy_user(&firm["id"]).await),
            ENTERPRISE,
            id.clone()
        )
        .await,
        "FORBIDDEN"
    );
    assert_eq!(app.code(None, ENTERPRISE, id).await, "UNAUTHENTICATED");
    assert_eq!(
        app.code(
            Some(&admin),
            ENTERPRISE,
            json!({ "id": uuid::Uuid::now_v7().to_string() })
        )
        .await,
        "NOT_FOUND"
    );
}
db_test!(reading_one_enterprise);

pub(crate) async fn directory_membership_and_cycle(app: TestApp) {
    let admin = app.admin().await;
    let a = create_enterprise(&app, &admin, enterprise_input(1)).await;
    let b = create_enterprise(&app, &admin, enterprise_input(2)).await;
    let mut c = enterprise_input(3);
    c["cityCode"] = json!("140200");
    let c = create_enterprise(&app, &admin, c).await;
    let city = app.city_admin("140100").await;

    // A city no longer edits the directory: it applies (directory_applications.rs).
    let before = app.count("audit_log").await;
    let (code, error) = app
        .err(
            Some(&city),
            ADD_TO_DIRECTORY,
            json!({ "id": a["id"], "y": 2019 }),
        )
        .await;
    assert_eq!(code, "FORBIDDEN");
    assert!(
        error["message"]
            .as_str()
            .is_some_and(|m| m.contains("applyDirectoryChange")),
        "{error}"
    );
    assert_eq!(app.count("audit_log").await, before);
    let added = app
        .ok(
            Some(&admin),
            ADD_TO_DIRECTORY,
            json!({ "id": a["id"], "y": 2019 }),
        )
        .await;
    assert_eq!(
        added["addToDirectory"],
        json!({ "id": a["id"], "inDirectory": true, "directorySinceYear": 2019, "version": 2 })
    );
    app.ok(
        Some(&admin),
        ADD_TO_DIRECTORY,
        json!({ "id": b["id"], "y": 2021 }),
    )
    .await;
    app.ok(
        Some(&admin),
        ADD_TO_DIRECTORY,
        json!({ "id": c["id"], "y": 2018 }),
    )
    .await;

    let before = app.count("audit_log").await;
    assert_eq!(
        app.code(
            Some(&admin),
            ADD_TO_DIRECTORY,
            json!({ "id": a["id"], "y": 2020 })
        )
        .await,
        "CONFLICT"
    );
    app.assert_bad_input(
        Some(&admin),
        ADD_TO_DIRECTORY,
        json!({ "id": uuid::Uuid::now_v7().to_string(), "y": 1999 }),
        "sinceYear",
    )
    .await;
    assert_eq!(
        app.code(
            Some(&city),
            ADD_TO_DIRECTORY,
            json!({ "id": c["id"], "y": 2020 })
        )
        .await,
        "FORBIDDEN"
    );
    assert_eq!(
        app.code(None, ADD_TO_DIRECTORY, json!({ "id": c["id"], "y": 2020 }))
            .await,
        "UNAUTHENTICATED"
    );
    assert_eq!(app.count("audit_log").await, before);

    // A certification that meets the audit requirements completes b's cycle in 2024.
    let certified = app
        .ok(
            Some(&city),
            CERTIFY,
            json!({ "id": b["id"], "level": "LEVEL_TWO", "until": "2027-05-31", "meets": true, "on": "2024-06-01" }),
        )
        .await;
    assert_eq!(
        certified["recordCertification"]["enterprise"]["lastCompletedOn"],
        "2024-06-01"
    );
    // One that does not meet them counts for nothing.
    app.ok(
        Some(&city),
        CERTIFY,
        json!({ "id": a["id"], "level": "LEVEL_THREE", "until": "2027-05-31", "meets": false, "on": "2024-06-01" }),
    )
    .await;

    // As of 2024: a (joined 2019) is covered through 2023, so overdue; b is not.
    let dir = app
        .ok(Some(&admin), DIRECTORY, json!({ "asOf": "2024-12-31" }))
        .await["directory"]
        .clone();
    assert_eq!(dir["totalCount"], 3);
    let entries: Vec<(String, bool, Value)> = dir["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .map(|e| {
            let n = &e["node"];
            (
                n["enterprise"]["name"].as_str().unwrap_or("").to_owned(),
                n["cycleOverdue"].as_bool().unwrap_or(false),
                n["coveredUntil"].clone(),
            )
        })
        .collect();
    assert_eq!(
        entries,
        vec![
            ("企业1".to_owned(), true, json!("2023-12-31")),
            ("企业2".to_owned(), false, json!("2028-12-31")),
            ("企业3".to_owned(), true, json!("2022-12-31")),
        ]
    );
    assert_eq!(
        dir["edges"][1]["node"]["lastCompletion"],
        json!({ "kind": "CERTIFICATION", "completedOn": "2024-06-01", "certification": { "level": "LEVEL_TWO" }, "audit": null })
    );
    assert_eq!(dir["edges"][0]["node"]["lastCompletion"], Value::Null);
    // As of 2023, a (2019–2023) is still covered.
    let overdue_2023 = app
        .ok(
            Some(&admin),
            DIRECTORY,
            json!({ "asOf": "2023-06-30", "filter": { "cycleOverdue": true } }),
        )
        .await;
    assert_eq!(overdue_2023["directory"]["totalCount"], 1);
    let filtered = app
        .ok(
            Some(&admin),
            DIRECTORY,
            json!({ "asOf": "2024-12-31", "filter": { "cycleOverdue": false } }),
        )
        .await;
    assert_eq!(
        filtered["directory"]["edges"][0]["node"]["enterprise"]["name"],
        "企业2"
    );

    // Scoped to the city admin's city; others refused.
    let mine = app
        .ok(Some(&city), DIRECTORY, json!({ "asOf": "2024-12-31" }))
        .await;
    assert_eq!(mine["directory"]["totalCount"], 2);
    assert_eq!(
        app.code(
            Some(&city),
            DIRECTORY,
            json!({ "filter": { "cityCode": "140200" } })
        )
        .await,
        "FORBIDDEN"
    );
    assert_eq!(
        app.code(None, DIRECTORY, json!({})).await,
        "UNAUTHENTICATED"
    );
}
db_test!(directory_membership_and_cycle);

async fn certification_bad_input_and_roles(app: TestApp) {
    let admin = app.admin().await;
    let e = create_enterprise(&app, &admin, enterprise_input(1)).await;
    let vars = |until: &str, on: &str| json!({ "id": e["id"], "level": "LEVEL_ONE", "until": until, "meets": true, "on": on });
    let (code, error) = app
        .err(Some(&admin), CERTIFY, vars("2024-01-01", "2024-06-01"))
        .await;
    assert_eq!(
        (code.as_str(), error["extensions"]["field"].as_str()),
        ("BAD_USER_INPUT", Some("validUntil"))
    );
    let (code, error) = app
        .err(Some(&admin), CERTIFY, vars("2099-01-01", "2099-01-01"))
        .await;
    assert_eq!(
        (code.as_str(), error["extensions"]["field"].as_str()),
        ("BAD_USER_INPUT", Some("certifiedOn"))
    );
    let other = app.city_admin("140200").await;
    assert_eq!(
        app.code(Some(&other), CERTIFY, vars("2027-01-01", "2024-06-01"))
            .await,
        "FORBIDDEN"
    );
    assert_eq!(
        app.code(None, CERTIFY, vars("2027-01-01", "2024-06-01"))
            .await,
        "UNAUTHENTICATED"
    );
    assert_eq!(app.count("certifications").await, 0);
    let seen = app
        .ok(
            Some(&admin),
            "query($id: ID!) { enterprise(id: $id) { lastCompletedOn certifications { id } } }",
            json!({ "id": e["id"] }),
        )
        .await;
    assert_eq!(seen["enterprise"]["lastCompletedOn"], Value::Null);
}
db_test!(certification_bad_input_and_roles);

fn csv_line(serial: u32, city: &str, industry: &str) -> String {
    format!(
        "企业{serial},{},{city},小店区,{industry},2000,50000,是,2022",
        firm_code(serial)
    )
}

const CSV_HEADER: &str = "企业名称,统一社会信用代码,城市代码,区县,行业代码,从业人员,营业收入（万元）,高耗能,纳入名录年份";

pub(crate) async fn import_all_or_nothing_and_good_rows_only(app: TestApp) {
    let admin = app.admin().await;
    create_enterprise(&app, &admin, enterprise_input(9)).await;
    let csv = [
        CSV_HEADER.to_owned(),
        csv_line(1, "140100", "3120"),
        csv_line(2, "140100", "31"),
        csv_line(3, "140200", "2611"),
        csv_line(1, "140100", "3120"),
        csv_line(9, "140100", "3120"),
        csv_line(4, "999999", "3120"),
    ]
    .join("\n");
    let before = (app.count("enterprises").await, app.count("audit_log").await);

    let report =
        app.ok(Some(&admin), IMPORT, json!({ "csv": csv })).await["importEnterprises"].clone();
    assert_eq!(report["mode"], "ALL_OR_NOTHING");
    assert_eq!(report["written"], false);
    assert_eq!(
        (
            report["acceptedCount"].clone(),
            report["rejectedCount"].clone()
        ),
        (json!(2), json!(4))
    );
    let fates: Vec<(u64, bool, Value)> = report["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .map(|r| {
            (
                r["line"].as_u64().unwrap_or(0),
                r["accepted"].as_bool().unwrap_or(true),
                r["field"].clone(),
            )
        })
        .collect();
    assert_eq!(
        fates,
        vec![
            (2, true, Value::Null),
            (3, false, json!("industryCode")),
            (4, true, Value::Null),
            (5, false, json!("creditCode")),
            (6, false, json!("creditCode")),
            (7, false, json!("cityCode")),
        ]
    );
    assert!(
        report["rows"][3]["reason"]
            .as_str()
            .is_some_and(|r| r.contains("line 2")),
        "{report}"
    );
    assert!(report["rows"][0]["enterpriseId"].is_null());
    assert_eq!(
        (app.count("enterprises").await, app.count("audit_log").await),
        before,
        "all or nothing wrote nothing"
    );

    let report = app
        .ok(
            Some(&admin),
            IMPORT,
            json!({ "csv": csv, "mode": "GOOD_ROWS_ONLY" }),
        )
        .await["importEnterprises"]
        .clone();
    assert_eq!(report["written"], true);
    assert!(report["rows"][0]["enterpriseId"].is_string());
    assert_eq!(app.count("enterprises").await, before.0 + 2);
    let imported = app
        .ok(
            Some(&admin),
            "query($id: ID!) { enterprise(id: $id) { name scale inDirectory directorySinceYear highEnergyUse mandatoryAudit { mandatory } directoryHistory { action sinceYear application { id } } } }",
            json!({ "id": report["rows"][2]["enterpriseId"] }),
        )
        .await;
    assert_eq!(
        imported["enterprise"],
        json!({ "name": "企业3", "scale": "LARGE", "inDirectory": true, "directorySinceYear": 2022, "highEnergyUse": true, "mandatoryAudit": { "mandatory": true }, "directoryHistory": [{ "action": "ADD", "sinceYear": 2022, "application": null }] })
    );

    // A clean file in English headers is written whole.
    let clean =
        "name,creditCode,cityCode,county,industryCode,employees,operatingRevenue,scale\n企业5,"
            .to_owned()
            + &firm_code(5)
            + ",140100,小店区,3120,10,1,中型\n";
    let report =
        app.ok(Some(&admin), IMPORT, json!({ "csv": clean })).await["importEnterprises"].clone();
    assert_eq!(report["written"], true);
    assert_eq!(report["acceptedCount"], 1);
    assert_eq!(app.count("enterprises").await, before.0 + 3);
}
db_test!(import_all_or_nothing_and_good_rows_only);

async fn import_refuses_bad_files_and_roles(app: TestApp) {
    let admin = app.admin().await;
    let before = app.count("enterprises").await;
    for (csv, why) in [
        ("name,creditCode\n", "missing columns"),
        (
            "name,creditCode,cityCode,county,industryCode,employees,operatingRevenue,colour\n",
            "unknown column",
        ),
        (CSV_HEADER, "no rows"),
    ] {
        let (code, error) = app.err(Some(&admin), IMPORT, json!({ "csv": csv })).await;
        assert_eq!(code, "BAD_USER_INPUT", "{why}");
        assert_eq!(error["extensions"]["field"], "csv", "{why}");
    }
    // A city admin's rows of another city are rejected, each with its reason; so are rows
    // that put an enterprise in the directory (the city applies for that).
    let city = app.city_admin("140100").await;
    let csv = [
        CSV_HEADER.to_owned(),
        csv_line(1, "140100", "3120").replace(",2022", ","),
        csv_line(2, "140200", "3120"),
        csv_line(3, "140100", "3120"),
    ]
    .join("\n");
    let report = app
        .ok(
            Some(&city),
            IMPORT,
            json!({ "csv": csv, "mode": "GOOD_ROWS_ONLY" }),
        )
        .await["importEnterprises"]
        .clone();
    assert_eq!(report["rows"][1]["accepted"], false);
    assert!(
        report["rows"][1]["reason"]
            .as_str()
            .is_some_and(|r| r.contains("own city"))
    );
    assert_eq!(report["rows"][2]["accepted"], false);
    assert!(
        report["rows"][2]["reason"]
            .as_str()
            .is_some_and(|r| r.contains("applyDirectoryChange")),
        "{report}"
    );
    assert_eq!(app.count("enterprises").await, before + 1);
    let firm = create_consultancy(&app, &admin, 1).await;
    let firm = app.consultancy_user(&firm["id"]).await;
    assert_eq!(
        app.code(Some(&firm), IMPORT, json!({ "csv": csv })).await,
        "FORBIDDEN"
    );
    let expert = create_expert(&app, &admin, 1).await;
    let expert = app.user_token("EXPERT", None, expert["id"].as_str()).await;
    assert_eq!(
        app.code(Some(&expert), IMPORT, json!({ "csv": csv })).await,
        "FORBIDDEN"
    );
    assert_eq!(
        app.code(None, IMPORT, json!({ "csv": csv })).await,
        "UNAUTHENTICATED"
    );
    assert_eq!(app.count("enterprises").await, before + 1);
}
db_test!(import_refuses_bad_files_and_roles);

async fn import_names_every_fault_by_the_files_column(app: TestApp) {
    let admin = app.admin().await;
    let before = (app.count("enterprises").await, app.count("audit_log").await);
    // One row with four faults: a bad credit code, employees and a flag that cannot be read,
    // and an unknown city; one good row.
    let csv = [
        CSV_HEADER.to_owned(),
        "企业1,NOT-A-CODE,999999,小店区,3120,两千,50000,也许,2022".to_owned(),
        csv_line(2, "140100", "3120"),
    ]
    .join("\n");
    let report = app
        .ok(
            Some(&admin),
            "mutation($csv: String!) { importEnterprises(csv: $csv) { written rows { line accepted field reason faults { field column reason } } } }",
            json!({ "csv": csv }),
        )
        .await["importEnterprises"]
        .clone();
    assert_eq!(report["written"], false);
    let row = &report["rows"][0];
    let named: Vec<(String, String)> = row["faults"]
        .as_array()
        .expect("faults")
        .iter()
        .map(|f| {
            (
                f["field"].as_str().unwrap_or_default().to_owned(),
                f["column"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    let pairs = |list: &[(&str, &str)]| -> Vec<(String, String)> {
        list.iter()
            .map(|(f, c)| ((*f).to_owned(), (*c).to_owned()))
            .collect()
    };
    assert_eq!(
        named,
        pairs(&[
            ("employees", "从业人员"),
            ("highEnergyUse", "高耗能"),
            ("creditCode", "统一社会信用代码"),
            ("cityCode", "城市代码"),
        ]),
        "{report}"
    );
    // The first fault stays where older clients read it.
    assert_eq!(row["field"], "employees");
    assert_eq!(row["reason"], row["faults"][0]["reason"]);
    assert_eq!(report["rows"][1]["faults"], json!([]));
    assert_eq!(
        (app.count("enterprises").await, app.count("audit_log").await),
        before,
        "nothing written"
    );
}
db_test!(import_names_every_fault_by_the_files_column);
