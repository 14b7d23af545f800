//! Attacks and protections: throttled sign-in, revocation, query limits, headers, the
//! tamper-evident audit log, personal data encrypted at rest, backups.

use actix_web::http::StatusCode;
use actix_web::test::TestRequest;
use sea_orm::{ConnectionTrait, Statement};
use serde_json::json;

use crate::db_test;
use crate::support::{ADMIN_PASSWORD, TestApp, USER_PASSWORD, create_expert, id_card};

const LOGIN: &str =
    "mutation($u: String!, $p: String!) { login(username: $u, password: $p) { token } }";
const ME: &str = "{ me { username } }";

async fn brute_force_locks_the_username(app: TestApp) {
    for _ in 0..5 {
        let (code, error) = app
            .err(
                None,
                LOGIN,
                json!({ "u": "admin", "p": "guess-guess-guess" }),
            )
            .await;
        assert_eq!(code, "UNAUTHENTICATED");
        assert!(
            error["message"]
                .as_str()
                .is_some_and(|m| m.contains("wrong"))
        );
    }
    // Locked now: even the right password is refused, with the lock-out message.
    let (code, locked) = app
        .err(None, LOGIN, json!({ "u": "admin", "p": ADMIN_PASSWORD }))
        .await;
    assert_eq!(code, "UNAUTHENTICATED");
    assert!(
        locked["message"]
            .as_str()
            .is_some_and(|m| m.contains("too many")),
        "{locked}"
    );
    // An unknown username locks the same way and answers the same.
    for _ in 0..5 {
        app.err(
            None,
            LOGIN,
            json!({ "u": "ghost", "p": "guess-guess-guess" }),
        )
        .await;
    }
    let (_, ghost) = app
        .err(None, LOGIN, json!({ "u": "ghost", "p": "anything-at-all" }))
        .await;
    assert_eq!(ghost["message"], locked["message"]);
    // Other usernames are unaffected.
    let city = app.state.services.db.clone();
    let _ = city;
    assert_eq!(
        app.count("login_failures").await,
        10,
        "failures while locked are not recorded"
    );

    // The lock expires 15 minutes after the last failure: age the failures.
    let db = &app.state.services.db;
    let backend = db.get_database_backend();
    let past = (chrono::Utc::now() - chrono::Duration::minutes(16)).to_rfc3339();
    db.execute_raw(Statement::from_sql_and_values(
        backend,
        match backend {
            sea_orm::DbBackend::Postgres => "UPDATE login_failures SET failed_at = $1::timestamptz",
            _ => "UPDATE login_failures SET failed_at = ?",
        },
        [past.into()],
    ))
    .await
    .expect("age failures");
    let token = app.login("admin", ADMIN_PASSWORD).await;
    app.ok(Some(&token), ME, json!({})).await;
    assert_eq!(
        app.count("login_failures").await,
        5,
        "a success clears its username's failures"
    );
}
db_test!(brute_force_locks_the_username);

/// A token's user is kept for `CLEANPROD_AUTH_CACHE_SECONDS`: a revocation made elsewhere
/// (another instance, the command line) takes effect once that time has passed.
async fn a_revocation_made_elsewhere_is_seen_within_the_cache_time(app: TestApp) {
    let city_token = app.city_admin("140100").await;
    app.ok(Some(&city_token), ME, json!({})).await;
    app.execute("UPDATE users SET token_version = token_version + 1 WHERE username <> 'admin'")
        .await;
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let (status, _) = app.post(Some(&city_token), ME, json!({})).await;
    assert_eq!(
        status, 401,
        "the revoked token still works after the cache time"
    );
}

mod a_revocation_made_elsewhere_is_seen_within_the_cache_time {
    use std::time::Duration;

    fn one_second(config: &mut cleanprod::config::Config) {
        config.auth_cache = Duration::from_secs(1);
    }

    #[actix_web::test]
    async fn sqlite() {
        let app = crate::support::TestApp::sqlite_with(one_second).await;
        super::a_revocation_made_elsewhere_is_seen_within_the_cache_time(app).await;
    }

    #[actix_web::test]
    async fn postgres() {
        if let Some(app) = crate::support::TestApp::postgres_with(one_second).await {
            super::a_revocation_made_elsewhere_is_seen_within_the_cache_time(app).await;
        }
    }
}

const CHANGE_USER: &str = "mutation($id: ID!, $input: ChangeUserInput!) { changeUser(id: $id, input: $input) { role disabled cityCode } }";

pub(crate) async fn role_changes_and_disabling_revoke_tokens(app: TestApp) {
    let admin = app.admin().await;
    let city_token = app.city_admin("140100").await;
    let me = app.ok(Some(&city_token), "{ me { id } }", json!({})).await;
    let id = me["me"]["id"].clone();

    assert_eq!(
        app.code(
            Some(&city_token),
            CHANGE_USER,
            json!({ "id": id, "input": { "disabled": true } })
        )
        .await,
        "FORBIDDEN"
    );
    let (code, error) = app
        .err(
            Some(&admin),
            CHANGE_USER,
            json!({ "id": id, "input": { "role": "CITY_ADMIN" } }),
        )
        .await;
    assert_eq!(
        (code.as_str(), error["extensions"]["field"].as_str()),
        ("BAD_USER_INPUT", Some("cityCode"))
    );
    assert_eq!(
        app.code(Some(&admin), CHANGE_USER, json!({ "id": id, "input": {} }))
            .await,
        "BAD_USER_INPUT"
    );
    app.ok(Some(&city_token), ME, json!({})).await;

    let changed = app
        .ok(
            Some(&admin),
            CHANGE_USER,
            json!({ "id": id, "input": { "role": "CITY_ADMIN", "cityCode": "140200" } }),
        )
        .await;
    assert_eq!(changed["changeUser"]["cityCode"], "140200");
    let (status, _) = app.post(Some(&city_token), ME, json!({})).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "role change revokes");

    let username = app.ok(Some(&admin), "query { auditLog(filter: { operation: \"createUser\" }) { edges { node { summary } } } }", json!({})).await;
    let summary = username["auditLog"]["edges"][0]["node"]["summary"]
        .as_str()
        .unwrap_or("")
        .to_owned();
    let name: serde_json::Value = serde_json::from_str(&summary).expect("summary json");
    let fresh = app
        .login(name["username"].as_str().expect("username"), USER_PASSWORD)
        .await;
    app.ok(
        Some(&admin),
        CHANGE_USER,
        json!({ "id": id, "input": { "disabled": true } }),
    )
    .await;
    let (status, _) = app.post(Some(&fresh), ME, json!({})).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "disabling revokes");
    assert_eq!(
        app.code(
            None,
            LOGIN,
            json!({ "u": name["username"], "p": USER_PASSWORD })
        )
        .await,
        "UNAUTHENTICATED",
        "a disabled user cannot sign in"
    );

    let admin_id = app.ok(Some(&admin), "{ me { id } }", json!({})).await["me"]["id"].clone();
    assert_eq!(
        app.code(
            Some(&admin),
            CHANGE_USER,
            json!({ "id": admin_id, "input": { "disabled": true } })
        )
        .await,
        "BAD_USER_INPUT",
        "no locking yourself out"
    );
}
db_test!(role_changes_and_disabling_revoke_tokens);

async fn depth_and_alias_bombs_are_refused(app: TestApp) {
    let aliases: String = (0..40)
        .map(|i| format!("a{i}: cities {{ code }} "))
        .collect();
    let (status, body) = app.post(None, &format!("{{ {aliases} }}"), json!({})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT");
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .is_some_and(|m| m.contains("aliases"))
    );

    let admin = app.admin().await;
    let mut deep = String::from("name");
    for _ in 0..24 {
        deep = format!("ofType {{ {deep} }}");
    }
    let (status, body) = app
        .post(
            Some(&admin),
            &format!("{{ __type(name: \"Expert\") {{ {deep} }} }}"),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT");
}
db_test!(depth_and_alias_bombs_are_refused);

async fn security_headers_and_cors(app: TestApp) {
    let (_, headers, _) = app.send(TestRequest::get().uri("/healthz")).await;
    assert_eq!(
        headers
            .get("x-content-type-options")
            .and_then(|v| v.to_str().ok()),
        Some("nosniff")
    );
    assert_eq!(
        headers.get("x-frame-options").and_then(|v| v.to_str().ok()),
        Some("DENY")
    );
    let (_, headers, _) = app
        .send(
            TestRequest::get()
                .uri("/healthz")
                .insert_header(("origin", "https://evil.example")),
        )
        .await;
    assert!(
        headers.get("access-control-allow-origin").is_none(),
        "no CORS grant by default"
    );
}
db_test!(security_headers_and_cors);

async fn audit_log_chain_detects_edits_and_deletions(app: TestApp) {
    let admin = app.admin().await;
    for serial in 1..=3 {
        create_expert(&app, &admin, serial).await;
    }
    let db = &app.state.services.db;
    use cleanprod::services::audit_log::{ChainVerdict, verify_chain};
    let verdict = verify_chain(db).await.expect("verify");
    assert_eq!(
        verdict,
        ChainVerdict::Intact { entries: 4 },
        "bootstrap + 3 experts"
    );

    let log = app.ok(Some(&admin), "{ auditLog(first: 10) { totalCount edges { node { seq operation actorRole hash } } } }", json!({})).await;
    assert_eq!(log["auditLog"]["totalCount"], 4);
    assert_eq!(
        log["auditLog"]["edges"][1]["node"]["operation"],
        "createExpert"
    );
    let city = app.city_admin("140100").await;
    assert_eq!(
        app.code(Some(&city), "{ auditLog { totalCount } }", json!({}))
            .await,
        "FORBIDDEN"
    );

    db.execute_unprepared("UPDATE audit_log SET summary = '{}' WHERE seq = 3")
        .await
        .expect("tamper");
    match verify_chain(db).await.expect("verify") {
        ChainVerdict::Broken { seq, .. } => assert_eq!(seq, 3),
        other => panic!("edit not detected: {other:?}"),
    }
}
db_test!(audit_log_chain_detects_edits_and_deletions);

async fn audit_log_chain_detects_a_deleted_entry(app: TestApp) {
    let admin = app.admin().await;
    create_expert(&app, &admin, 1).await;
    create_expert(&app, &admin, 2).await;
    let db = &app.state.services.db;
    use cleanprod::services::audit_log::{ChainVerdict, verify_chain};
    db.execute_unprepared("DELETE FROM audit_log WHERE seq = 2")
        .await
        .expect("delete");
    match verify_chain(db).await.expect("verify") {
        ChainVerdict::Broken { seq, .. } => assert_eq!(seq, 2),
        other => panic!("deletion not detected: {other:?}"),
    }
    db.execute_unprepared("DELETE FROM audit_log WHERE seq = 3")
        .await
        .expect("delete tail");
    assert!(matches!(
        verify_chain(db).await.expect("verify"),
        ChainVerdict::Broken { .. }
    ));
}
db_test!(audit_log_chain_detects_a_deleted_entry);

async fn personal_data_is_encrypted_at_rest(app: TestApp) {
    let admin = app.admin().await;
    let created = create_expert(&app, &admin, 1).await;
    let clear = id_card("19750615", 1);
    let db = &app.state.services.db;
    let row = db
        .query_one_raw(Statement::from_string(
            db.get_database_backend(),
            "SELECT id_card_number, phone, id_card_hmac FROM experts".to_owned(),
        ))
        .await
        .expect("query")
        .expect("row");
    let stored_id: String = row.try_get("", "id_card_number").expect("id");
    let stored_phone: String = row.try_get("", "phone").expect("phone");
    assert!(
        stored_id.starts_with("enc1:") && !stored_id.contains(&clear[..10]),
        "{stored_id}"
    );
    assert!(stored_phone.starts_with("enc1:") && !stored_phone.contains("138"));
    assert_eq!(
        created["idCardNumber"],
        clear.as_str(),
        "the province still reads it in clear"
    );

    // A record stored in clear before encryption is converted at start-up.
    let plain_id = id_card("19700101", 5);
    db.execute_unprepared(&format!(
        "UPDATE experts SET id_card_number = '{plain_id}', phone = '13900000000', id_card_hmac = NULL"
    ))
    .await
    .expect("store in clear");
    let converted = cleanprod::services::experts::encrypt_legacy_rows(&app.state.services)
        .await
        .expect("convert");
    assert_eq!(converted, 1);
    let seen = app
        .ok(
            Some(&admin),
            "query($id: ID!) { expert(id: $id) { idCardNumber phone } }",
            json!({ "id": created["id"] }),
        )
        .await;
    assert_eq!(seen["expert"]["idCardNumber"], plain_id.as_str());
    assert_eq!(seen["expert"]["phone"], "13900000000");
    assert_eq!(
        cleanprod::services::experts::encrypt_legacy_rows(&app.state.services)
            .await
            .expect("again"),
        0
    );
}
db_test!(personal_data_is_encrypted_at_rest);

#[actix_web::test]
async fn sqlite_backup_is_a_consistent_copy() {
    let app = TestApp::sqlite().await;
    let admin = app.admin().await;
    create_expert(&app, &admin, 1).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let target = dir.path().join("copy.db");
    cleanprod::db::backup_sqlite(&app.state.services.db, &target)
        .await
        .expect("backup");
    let copy = cleanprod::db::connect(&format!("sqlite://{}", target.display()))
        .await
        .expect("open copy");
    let row = copy
        .query_one_raw(Statement::from_string(
            sea_orm::DbBackend::Sqlite,
            "SELECT COUNT(*) AS n FROM experts".to_owned(),
        ))
        .await
        .expect("query")
        .expect("row");
    assert_eq!(row.try_get::<i64>("", "n").expect("n"), 1);
    assert!(
        cleanprod::db::backup_sqlite(&app.state.services.db, &target)
            .await
            .is_err(),
        "never overwrites"
    );
}

#[actix_web::test]
async fn production_can_turn_off_introspection_and_graphiql() {
    let app = TestApp::sqlite_with(|c| {
        c.limits.introspection = false;
        c.web.graphiql = false;
        c.web.cors_origins = vec!["https://registry.example".into()];
    })
    .await;
    let (_, body) = app
        .post(None, "{ __schema { types { name } } }", json!({}))
        .await;
    assert!(
        body["data"]["__schema"].is_null(),
        "introspection reveals nothing: {body}"
    );
    assert!(!body.to_string().contains("Expert"));
    let (status, headers, _) = app
        .send(
            TestRequest::get()
                .uri("/graphql")
                .insert_header(("accept", "text/html")),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        headers
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| !v.contains("html"))
    );
    let (_, headers, _) = app
        .send(
            TestRequest::get()
                .uri("/healthz")
                .insert_header(("origin", "https://registry.example")),
        )
        .await;
    assert_eq!(
        headers
            .get("access-control-allow-origin")
            .and_then(|v| v.to_str().ok()),
        Some("https://registry.example")
    );
    app.ok(None, "{ cities { code } }", json!({})).await;
}

async fn staff_id_numbers_are_encrypted_at_rest(app: TestApp) {
    use crate::support::{add_staff, create_consultancy, staff_input};
    let admin = app.admin().await;
    let firm = create_consultancy(&app, &admin, 1).await;
    let input = staff_input(1, "2024-01-01");
    let clear = input["idCardNumber"].as_str().expect("id").to_owned();
    let staff = add_staff(&app, &admin, &firm["id"], input.clone()).await;
    assert_eq!(
        staff["idCardNumber"],
        clear.as_str(),
        "the province reads it in clear"
    );
    let db = &app.state.services.db;
    let row = db
        .query_one_raw(Statement::from_string(
            db.get_database_backend(),
            "SELECT id_card_number, id_card_hmac FROM consultancy_staff".to_owned(),
        ))
        .await
        .expect("query")
        .expect("row");
    let stored: String = row.try_get("", "id_card_number").expect("stored");
    assert!(
        stored.starts_with("enc1:") && !stored.contains(&clear[..10]),
        "{stored}"
    );
    // Uniqueness still holds through the keyed hash: the same person cannot be hired twice.
    let other = create_consultancy(&app, &admin, 2).await;
    assert_eq!(
        app.code(
            Some(&admin),
            crate::support::ADD_STAFF,
            json!({ "id": other["id"], "input": input })
        )
        .await,
        "CONFLICT"
    );
    let history = app
        .ok(
            Some(&admin),
            "query($c: String!) { consultancyStaffHistory(idCardNumber: $c) { name } }",
            json!({ "c": clear }),
        )
        .await;
    assert_eq!(
        history["consultancyStaffHistory"].as_array().map(Vec::len),
        Some(1)
    );
}
db_test!(staff_id_numbers_are_encrypted_at_rest);
