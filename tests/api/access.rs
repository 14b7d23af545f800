//! Login, tokens, users and roles.

use actix_web::http::StatusCode;
use base64::Engine;
use serde_json::json;

use crate::db_test;
use crate::support::{ADMIN_PASSWORD, TestApp, USER_PASSWORD, create_expert};

const ME: &str = "{ me { username role cityCode city { name } } }";
const CREATE_USER: &str = "mutation($input: CreateUserInput!) { createUser(input: $input) { id username role cityCode expertId } }";

async fn login_and_me(app: TestApp) {
    let data = app
        .ok(
            None,
            "mutation { login(username: \"admin\", password: \"admin-password-for-tests\") { token expiresAt user { username role } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        data["login"]["user"],
        json!({ "username": "admin", "role": "PROVINCE_ADMIN" })
    );
    assert!(
        data["login"]["expiresAt"]
            .as_str()
            .is_some_and(|s| s.contains('T'))
    );
    let token = data["login"]["token"].as_str().expect("token");
    let me = app.ok(Some(token), ME, json!({})).await;
    assert_eq!(me["me"]["username"], "admin");
}
db_test!(login_and_me);

async fn wrong_password_and_unknown_user_look_alike(app: TestApp) {
    let q = "mutation($u: String!, $p: String!) { login(username: $u, password: $p) { token } }";
    let (code_a, err_a) = app
        .err(None, q, json!({ "u": "admin", "p": "not-the-password" }))
        .await;
    let (code_b, err_b) = app
        .err(None, q, json!({ "u": "nobody", "p": "not-the-password" }))
        .await;
    assert_eq!(code_a, "UNAUTHENTICATED");
    assert_eq!(code_b, "UNAUTHENTICATED");
    assert_eq!(err_a["message"], err_b["message"]);
}
db_test!(wrong_password_and_unknown_user_look_alike);

async fn me_needs_a_token(app: TestApp) {
    assert_eq!(app.code(None, ME, json!({})).await, "UNAUTHENTICATED");
}
db_test!(me_needs_a_token);

async fn bad_tokens_are_unauthenticated_never_500(app: TestApp) {
    let admin = app.admin().await;
    let engine = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let mut parts: Vec<String> = admin.split('.').map(str::to_owned).collect();
    // alg: none, with the real claims and no signature.
    let none_header = engine.encode(br#"{"alg":"none","typ":"JWT"}"#);
    let alg_none = format!("{none_header}.{}.", parts[1]);
    // Tampered claims under the original signature.
    let mut claims: serde_json::Value =
        serde_json::from_slice(&engine.decode(&parts[1]).expect("b64")).expect("json");
    claims["exp"] = json!(claims["exp"].as_i64().unwrap_or(0) + 86_400);
    parts[1] = engine.encode(claims.to_string());
    let tampered = parts.join(".");
    // Expired: signed with the same secret, long ago.
    let keys = cleanprod::auth::token::TokenKeys::new(
        b"test-secret-test-secret-test-secret-0123",
        None,
        std::time::Duration::from_secs(60),
    )
    .expect("keys");
    let me_id = uuid::Uuid::parse_str(claims["sub"].as_str().expect("sub")).expect("uuid");
    let expired = keys
        .issue(me_id, 0, chrono::Utc::now() - chrono::Duration::hours(2))
        .expect("issue")
        .token;
    for token in [
        "garbage",
        "a.b.c",
        alg_none.as_str(),
        tampered.as_str(),
        expired.as_str(),
    ] {
        let (status, body) = app.post(Some(token), ME, json!({})).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "token {token}: {body}");
        assert_eq!(body["errors"][0]["extensions"]["code"], "UNAUTHENTICATED");
    }
    // Even a public query with a bad token is refused rather than silently anonymous.
    let (status, _) = app
        .post(Some("garbage"), "{ cities { code } }", json!({}))
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}
db_test!(bad_tokens_are_unauthenticated_never_500);

async fn create_user_roles_and_bad_input(app: TestApp) {
    let admin = app.admin().await;
    let users_before = app.count("users").await;

    let city = app
        .ok(
            Some(&admin),
            CREATE_USER,
            json!({ "input": { "username": "taiyuan", "password": USER_PASSWORD, "role": "CITY_ADMIN", "cityCode": "140100" } }),
        )
        .await;
    assert_eq!(city["createUser"]["cityCode"], "140100");
    let token = app.login("taiyuan", USER_PASSWORD).await;
    let me = app.ok(Some(&token), ME, json!({})).await;
    assert_eq!(me["me"]["city"]["name"], "太原市");

    let expert = create_expert(&app, &admin, 1).await;
    let made = app
        .ok(
            Some(&admin),
            CREATE_USER,
            json!({ "input": { "username": "expert1", "password": USER_PASSWORD, "role": "EXPERT", "expertId": expert["id"] } }),
        )
        .await;
    assert_eq!(made["createUser"]["expertId"], expert["id"]);
    assert_eq!(app.count("users").await, users_before + 2);

    let cases = [
        (
            json!({ "username": "x1", "password": USER_PASSWORD, "role": "CITY_ADMIN" }),
            "username",
        ),
        (
            json!({ "username": "nocity", "password": USER_PASSWORD, "role": "CITY_ADMIN" }),
            "cityCode",
        ),
        (
            json!({ "username": "badcity", "password": USER_PASSWORD, "role": "CITY_ADMIN", "cityCode": "999999" }),
            "cityCode",
        ),
        (
            json!({ "username": "shortpw", "password": "short", "role": "PROVINCE_ADMIN" }),
            "password",
        ),
        (
            json!({ "username": "noexpert", "password": USER_PASSWORD, "role": "EXPERT" }),
            "expertId",
        ),
        (
            json!({ "username": "badexpert", "password": USER_PASSWORD, "role": "EXPERT", "expertId": "not-a-uuid" }),
            "expertId",
        ),
        (
            json!({ "username": "ghost", "password": USER_PASSWORD, "role": "EXPERT", "expertId": uuid::Uuid::now_v7().to_string() }),
            "expertId",
        ),
        (
            json!({ "username": "firm", "password": USER_PASSWORD, "role": "CONSULTANCY", "consultancyId": uuid::Uuid::now_v7().to_string() }),
            "consultancyId",
        ),
    ];
    for (input, field) in cases {
        let (code, error) = app
            .err(Some(&admin), CREATE_USER, json!({ "input": input }))
            .await;
        assert_eq!(code, "BAD_USER_INPUT", "{input}: {error}");
        assert_eq!(error["extensions"]["field"], field, "{input}");
    }
    assert_eq!(app.code(Some(&admin),
            CREATE_USER,
            json!({ "input": { "username": "taiyuan", "password": USER_PASSWORD, "role": "PROVINCE_ADMIN" } })).await, "CONFLICT");
    assert_eq!(
        app.count("users").await,
        users_before + 2,
        "nothing written by failures"
    );
}
db_test!(create_user_roles_and_bad_input);

async fn only_province_admins_create_users(app: TestApp) {
    let input = json!({ "input": { "username": "someone", "password": USER_PASSWORD, "role": "PROVINCE_ADMIN" } });
    let city = app.city_admin("140100").await;
    let before = app.count("users").await;
    assert_eq!(
        app.code(Some(&city), CREATE_USER, input.clone()).await,
        "FORBIDDEN"
    );
    assert_eq!(app.code(None, CREATE_USER, input).await, "UNAUTHENTICATED");
    assert_eq!(app.count("users").await, before);
}
db_test!(only_province_admins_create_users);

const CHANGE: &str = "mutation($c: String!, $n: String!) { changePassword(currentPassword: $c, newPassword: $n) { username } }";

pub(crate) async fn change_password_revokes_old_tokens(app: TestApp) {
    let old_token = app.admin().await;
    let (code, error) = app
        .err(
            Some(&old_token),
            CHANGE,
            json!({ "c": "wrong-current-pw", "n": "a-new-password-1" }),
        )
        .await;
    assert_eq!(
        (code.as_str(), error["extensions"]["field"].as_str()),
        ("BAD_USER_INPUT", Some("currentPassword"))
    );
    let (code, error) = app
        .err(
            Some(&old_token),
            CHANGE,
            json!({ "c": ADMIN_PASSWORD, "n": "short" }),
        )
        .await;
    assert_eq!(
        (code.as_str(), error["extensions"]["field"].as_str()),
        ("BAD_USER_INPUT", Some("newPassword"))
    );
    // Nothing changed: the old token and password still work.
    app.ok(Some(&old_token), ME, json!({})).await;
    assert_eq!(
        app.code(
            None,
            CHANGE,
            json!({ "c": ADMIN_PASSWORD, "n": "a-new-password-1" })
        )
        .await,
        "UNAUTHENTICATED"
    );

    app.ok(
        Some(&old_token),
        CHANGE,
        json!({ "c": ADMIN_PASSWORD, "n": "a-new-password-1" }),
    )
    .await;
    let (status, body) = app.post(Some(&old_token), ME, json!({})).await;
    assert_eq!(
        status,
        StatusCode::UNAUTHORIZED,
        "old token revoked: {body}"
    );
    let fresh = app.login("admin", "a-new-password-1").await;
    app.ok(Some(&fresh), ME, json!({})).await;
}
db_test!(change_password_revokes_old_tokens);

async fn audit_log_records_mutations(app: TestApp) {
    let admin = app.admin().await;
    let before = app.count("audit_log").await;
    create_expert(&app, &admin, 7).await;
    assert_eq!(app.count("audit_log").await, before + 1);
}
db_test!(audit_log_records_mutations);
