//! GraphQL over HTTP as the spec says, health and readiness, and a real server process
//! draining on SIGTERM.

use actix_web::http::StatusCode;
use actix_web::http::header::HeaderMap;
use actix_web::test::TestRequest;
use serde_json::{Value, json};

use crate::db_test;
use crate::support::TestApp;

fn body_json(body: &[u8]) -> Value {
    serde_json::from_slice(body).unwrap_or(Value::Null)
}

async fn post_content_types_and_sizes(app: TestApp) {
    let query = json!({ "query": "{ cities { code } }" }).to_string();
    let (status, headers, _) = app
        .send(
            TestRequest::post()
                .uri("/graphql")
                .insert_header(("content-type", "application/json; charset=utf-8"))
                .set_payload(query.clone()),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        headers
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/json")),
        "no Accept: legacy application/json"
    );
    let (status, _, _) = app
        .send(
            TestRequest::post()
                .uri("/graphql")
                .insert_header(("content-type", "text/plain"))
                .set_payload(query.clone()),
        )
        .await;
    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let (status, _, _) = app
        .send(
            TestRequest::post()
                .uri("/graphql")
                .insert_header(("content-type", "application/json"))
                .insert_header(("accept", "text/csv"))
                .set_payload(query.clone()),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_ACCEPTABLE);
    let huge = json!({ "query": format!("{{ cities {{ code }} }} #{}", "x".repeat(300 * 1024)) })
        .to_string();
    let (status, _, _) = app
        .send(
            TestRequest::post()
                .uri("/graphql")
                .insert_header(("content-type", "application/json"))
                .set_payload(huge),
        )
        .await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    let (status, _, body) = app
        .send(
            TestRequest::post()
                .uri("/graphql")
                .insert_header(("content-type", "application/json"))
                .insert_header(("accept", "application/graphql-response+json"))
                .set_payload("[{\"query\":\"{ cities { code } }\"}]"),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "batches are refused");
    assert!(body_json(&body)["errors"].is_array());
}
db_test!(post_content_types_and_sizes);

async fn request_errors_are_4xx_under_graphql_response_json(app: TestApp) {
    let (status, body) = app.post(None, "{ cities { nope } }", json!({})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert!(body.get("data").is_none() || body["data"].is_null());
    let (status, _) = app.post(None, "{ cities ", json!({})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    // Legacy clients get 200 for the same.
    let (status, _, body) = app
        .send(
            TestRequest::post()
                .uri("/graphql")
                .insert_header(("content-type", "application/json"))
                .insert_header(("accept", "application/json"))
                .set_payload(json!({ "query": "{ cities { nope } }" }).to_string()),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(body_json(&body)["errors"].is_array());
    // A field error during execution is a 200 with data.
    let (status, body) = app.post(None, "{ me { id } }", json!({})).await;
    assert_eq!(status, StatusCode::OK, "{body}");
}
db_test!(request_errors_are_4xx_under_graphql_response_json);

/// A GET of `/graphql` with only `extensions` (a persisted query's hash), URL-encoded.
async fn get_with_extensions(
    app: &TestApp,
    extensions: &Value,
) -> (StatusCode, HeaderMap, Vec<u8>) {
    let encoded = extensions
        .to_string()
        .replace('"', "%22")
        .replace('{', "%7B")
        .replace('}', "%7D")
        .replace(':', "%3A")
        .replace(',', "%2C")
        .replace(' ', "%20");
    app.send(TestRequest::get().uri(&format!("/graphql?extensions={encoded}")))
        .await
}

/// A GET of `uri` that accepts `accept`.
async fn get_accepting(app: &TestApp, uri: &str, accept: &str) -> (StatusCode, HeaderMap, Vec<u8>) {
    app.send(
        TestRequest::get()
            .uri(uri)
            .insert_header(("accept", accept)),
    )
    .await
}

async fn get_runs_queries_but_never_mutations(app: TestApp) {
    let (status, _, body) = get_accepting(
        &app,
        "/graphql?query=%7B%20cities%20%7B%20code%20%7D%20%7D",
        "application/graphql-response+json",
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        body_json(&body)["data"]["cities"].as_array().map(Vec::len),
        Some(11)
    );
    let users_before = app.count("users").await;
    let mutation = "mutation%20%7B%20login(username%3A%22admin%22%2C%20password%3A%22x%22)%20%7B%20token%20%7D%20%7D";
    let (status, headers, _) = app
        .send(TestRequest::get().uri(&format!("/graphql?query={mutation}")))
        .await;
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(
        headers.get("allow").and_then(|v| v.to_str().ok()),
        Some("POST")
    );
    assert_eq!(app.count("users").await, users_before);
    let (status, headers, body) =
        get_accepting(&app, "/graphql", "text/html,application/xhtml+xml").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        headers
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("text/html"))
    );
    assert!(String::from_utf8_lossy(&body).contains("graphiql"));
}
db_test!(get_runs_queries_but_never_mutations);

async fn health_and_readiness(app: TestApp) {
    let (status, _, _) = app.send(TestRequest::get().uri("/healthz")).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _, body) = app.send(TestRequest::get().uri("/readyz")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body_json(&body)["status"], "ready");

    // While the draw queue reads the pool, the process is alive but not ready for traffic.
    let services = &app.state.services;
    let preparing = services.draw_queue.preparing(services);
    let (status, _, _) = app.send(TestRequest::get().uri("/healthz")).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _, body) = app.send(TestRequest::get().uri("/readyz")).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(body_json(&body)["reason"], "reading the expert pool");
    // Reading the pool and rehearsing a batch's reads on each of the queue's connections.
    preparing.await.expect("the queue prepares");
    let (status, _, body) = app.send(TestRequest::get().uri("/readyz")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body_json(&body)["status"], "ready");
}
db_test!(health_and_readiness);

async fn internal_errors_do_not_leak(app: TestApp) {
    // Break the database under the app: the client sees INTERNAL, never SQL.
    let db = &app.state.services.db;
    use sea_orm::ConnectionTrait;
    db.execute_unprepared("DROP TABLE expert_unavailabilities")
        .await
        .expect("drop");
    db.execute_unprepared("DROP TABLE expert_conflicts")
        .await
        .expect("drop");
    let admin = app.admin().await;
    let created = crate::support::create_expert(&app, &admin, 1).await;
    let (code, error) = app
        .err(
            Some(&admin),
            "query($id: ID!) { expert(id: $id) { conflicts { id } } }",
            json!({ "id": created["id"] }),
        )
        .await;
    assert_eq!(code, "INTERNAL");
    let text = error.to_string().to_lowercase();
    assert!(
        !text.contains("select") && !text.contains("expert_conflicts"),
        "{error}"
    );
}
db_test!(internal_errors_do_not_leak);

/// A free local port, to start a real server on.
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

#[test]
fn server_starts_on_the_embedded_default_and_drains_on_sigterm() {
    let dir = tempfile::tempdir().expect("tempdir");
    let port = free_port();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_cleanprod"))
        .arg("serve")
        .current_dir(dir.path())
        .env_remove("DATABASE_URL")
        .env_remove("CLEANPROD_JWT_SECRET")
        .env_remove("CLEANPROD_ADMIN_PASSWORD")
        .env("CLEANPROD_BIND", format!("127.0.0.1:{port}"))
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("start the server");
    let mut ready = false;
    for _ in 0..100 {
        if crate::support::http_get(port, "/readyz").is_some_and(|r| r.starts_with("HTTP/1.1 200"))
        {
            ready = true;
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    assert!(ready, "server became ready");
    assert!(dir.path().join("data/cleanprod.db").exists());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir.path().join("data/jwt-secret"))
            .expect("secret kept")
            .permissions()
            .mode();
        assert_eq!(mode & 0o077, 0, "secret readable by the owner only");
    }
    let status = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("send SIGTERM");
    assert!(status.success());
    let exit = child.wait().expect("server exits");
    assert!(exit.success(), "exit status {exit:?}");
    let mut out = String::new();
    use std::io::Read;
    if let Some(mut stdout) = child.stdout.take() {
        let _ = stdout.read_to_string(&mut out);
    }
    assert!(
        out.contains("Created user 'admin'"),
        "first start prints the generated password once: {out}"
    );
}

#[test]
fn postgres_without_a_secret_refuses_to_start() {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_cleanprod"))
        .arg("serve")
        .env("DATABASE_URL", "postgres://postgres@127.0.0.1:1/none")
        .env_remove("CLEANPROD_JWT_SECRET")
        .output()
        .expect("run");
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("CLEANPROD_JWT_SECRET"), "{stderr}");
}

async fn automatic_persisted_queries(app: TestApp) {
    use sha2::{Digest, Sha256};
    let query = "{ cities { code } }";
    let hash = hex::encode(Sha256::digest(query.as_bytes()));
    let ext = json!({ "persistedQuery": { "version": 1, "sha256Hash": hash } });
    let post = |body: Value| {
        TestRequest::post()
            .uri("/graphql")
            .insert_header(("content-type", "application/json"))
            .set_payload(body.to_string())
    };
    // Unknown hash: the client is told to send the query.
    let (_, _, body) = app.send(post(json!({ "extensions": ext }))).await;
    assert_eq!(
        body_json(&body)["errors"][0]["message"],
        "PersistedQueryNotFound"
    );
    // Query with its hash: runs and is remembered.
    let (_, _, body) = app
        .send(post(json!({ "query": query, "extensions": ext })))
        .await;
    assert_eq!(
        body_json(&body)["data"]["cities"].as_array().map(Vec::len),
        Some(11)
    );
    // A hash that is not the query's, or another version of the protocol, is refused.
    let wrong = json!({ "persistedQuery": { "version": 1, "sha256Hash": "00" } });
    let (_, _, body) = app
        .send(post(json!({ "query": query, "extensions": wrong })))
        .await;
    assert_eq!(
        body_json(&body)["errors"][0]["message"],
        "provided sha does not match query"
    );
    let v2 = json!({ "persistedQuery": { "version": 2, "sha256Hash": hash } });
    let (_, _, body) = app.send(post(json!({ "extensions": v2 }))).await;
    let body = body_json(&body);
    assert_eq!(body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT");
    assert!(body["data"].is_null(), "{body}");
    // Hash alone now works, over POST and GET.
    let (_, _, body) = app.send(post(json!({ "extensions": ext }))).await;
    assert_eq!(
        body_json(&body)["data"]["cities"].as_array().map(Vec::len),
        Some(11)
    );
    let (status, _, body) = get_with_extensions(&app, &ext).await;
    assert_eq!(status, StatusCode::OK, "{}", String::from_utf8_lossy(&body));
    assert_eq!(
        body_json(&body)["data"]["cities"].as_array().map(Vec::len),
        Some(11)
    );

    // A text sent plainly is parsed once and kept: sent again it answers the same, and its
    // hash alone now names it.
    let plain = "{ cities { name code } }";
    let (_, _, first) = app.send(post(json!({ "query": plain }))).await;
    let (_, _, again) = app.send(post(json!({ "query": plain }))).await;
    assert_eq!(body_json(&first), body_json(&again));
    assert_eq!(
        body_json(&first)["data"]["cities"].as_array().map(Vec::len),
        Some(11)
    );
    let plain_ext = json!({ "persistedQuery": {
        "version": 1, "sha256Hash": hex::encode(Sha256::digest(plain.as_bytes())) } });
    let (_, _, body) = app.send(post(json!({ "extensions": plain_ext }))).await;
    assert_eq!(body_json(&body), body_json(&first));
    // A text that does not parse is not kept: each time it gets its syntax error, with its
    // position, and its hash stays unknown.
    let broken = "{ cities { name ";
    for _ in 0..2 {
        let (_, _, body) = app.send(post(json!({ "query": broken }))).await;
        let body = body_json(&body);
        assert!(body.get("data").is_none(), "{body}");
        assert!(
            body["errors"][0]["locations"][0]["line"].is_number(),
            "{body}"
        );
    }
    let broken_ext = json!({ "persistedQuery": {
        "version": 1, "sha256Hash": hex::encode(Sha256::digest(broken.as_bytes())) } });
    let (_, _, body) = app.send(post(json!({ "extensions": broken_ext }))).await;
    assert_eq!(
        body_json(&body)["errors"][0]["message"],
        "PersistedQueryNotFound"
    );

    // A persisted mutation cannot be run over GET either.
    let mutation = "mutation { changePassword(currentPassword: \"a\", newPassword: \"b\") { id } }";
    let mhash = hex::encode(Sha256::digest(mutation.as_bytes()));
    let mext = json!({ "persistedQuery": { "version": 1, "sha256Hash": mhash } });
    app.send(post(json!({ "query": mutation, "extensions": mext })))
        .await;
    let (status, _, _) = get_with_extensions(&app, &mext).await;
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
}
db_test!(automatic_persisted_queries);

async fn metrics_count_requests_by_operation(app: TestApp) {
    app.ok(None, "query Towns { cities { code } }", json!({}))
        .await;
    let mut req = TestRequest::post()
        .uri("/graphql")
        .insert_header(("content-type", "application/json"))
        .set_payload(
            json!({ "query": "query Towns { cities { code } }", "operationName": "Towns" })
                .to_string(),
        );
    req = req.insert_header(("accept", "application/json"));
    app.send(req).await;
    let (status, headers, body) = app.send(TestRequest::get().uri("/metrics")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        headers
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.contains("openmetrics"))
    );
    let text = String::from_utf8_lossy(&body);
    assert!(
        text.contains("cleanprod_graphql_requests_total{operation=\"Towns\",outcome=\"Ok\"} 1"),
        "{text}"
    );
    assert!(text.contains("cleanprod_graphql_request_duration_seconds_bucket"));
    assert!(text.contains("cleanprod_db_pool_connections"));
}
db_test!(metrics_count_requests_by_operation);

async fn a_bad_date_names_its_argument_and_what_is_wrong(app: TestApp) {
    let admin = app.admin().await;
    for (date, said) in [
        ("2025-13-01", "month 13 is out of range (01 to 12)"),
        ("2025-02-30", "February 2025 has 28 days, not 30"),
        ("31/12/2025", "expected YYYY-MM-DD"),
    ] {
        // Inline and as a variable: both reach the client the same way.
        let inline = format!("{{ annualSummary(year: 2025, asOf: \"{date}\") {{ year }} }}");
        let (code, error) = app.err(Some(&admin), &inline, json!({})).await;
        assert_eq!(code, "BAD_USER_INPUT", "{error:#}");
        assert_eq!(error["extensions"]["field"], "asOf", "{error:#}");
        assert!(
            error["message"].as_str().is_some_and(|m| m.contains(said)),
            "{error:#}"
        );
        let (code, error) = app
            .err(
                Some(&admin),
                "query($d: Date) { annualSummary(year: 2025, asOf: $d) { year } }",
                json!({ "d": date }),
            )
            .await;
        assert_eq!(code, "BAD_USER_INPUT", "{error:#}");
        // The argument, not the variable: that is the input the form shows.
        assert_eq!(error["extensions"]["field"], "asOf", "{error:#}");
        assert!(
            error["message"].as_str().is_some_and(|m| m.contains(said)),
            "{error:#}"
        );
    }
}
db_test!(a_bad_date_names_its_argument_and_what_is_wrong);

async fn accepting_anything_answers_json_and_a_request_error_has_no_data(app: TestApp) {
    let body = json!({ "query": "{ cities { code } }" }).to_string();
    for accept in [None, Some("*/*"), Some("application/*")] {
        let mut req = TestRequest::post()
            .uri("/graphql")
            .insert_header(("content-type", "application/json"))
            .set_payload(body.clone());
        if let Some(accept) = accept {
            req = req.insert_header(("accept", accept));
        }
        let (status, headers, _) = app.send(req).await;
        assert_eq!(status, StatusCode::OK, "{accept:?}");
        let content_type = headers
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        assert!(
            content_type.starts_with("application/json"),
            "{accept:?}: {content_type}"
        );
    }
    for broken in ["{ cities { code ", "{ noSuchField }"] {
        for accept in ["application/graphql-response+json", "application/json"] {
            let (_, _, answer) = app
                .send(
                    TestRequest::post()
                        .uri("/graphql")
                        .insert_header(("content-type", "application/json"))
                        .insert_header(("accept", accept))
                        .set_payload(json!({ "query": broken }).to_string()),
                )
                .await;
            let answer = body_json(&answer);
            assert!(answer.get("data").is_none(), "{accept} {broken}: {answer}");
            assert!(answer["errors"][0]["message"].is_string(), "{answer}");
        }
    }
}
db_test!(accepting_anything_answers_json_and_a_request_error_has_no_data);

/// GraphiQL loads only what this server serves: it works on a machine with no internet.
async fn graphiql_needs_nothing_from_the_internet(app: TestApp) {
    let (status, _, body) = get_accepting(&app, "/graphql", "text/html").await;
    assert_eq!(status, StatusCode::OK);
    let page = String::from_utf8_lossy(&body).into_owned();
    assert!(
        !page.contains("http://") && !page.contains("https://") && !page.contains("//cdn"),
        "{page}"
    );
    let linked: Vec<String> = page
        .split(['"', '\''])
        .filter(|piece| piece.starts_with("/graphiql/"))
        .map(str::to_owned)
        .collect();
    assert_eq!(linked.len(), 5, "{page}");
    for path in linked {
        let (status, headers, asset) = app.send(TestRequest::get().uri(&path)).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        let content_type = headers
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        let expected = if path.ends_with(".css") {
            "text/css"
        } else {
            "text/javascript"
        };
        assert!(content_type.starts_with(expected), "{path}: {content_type}");
        assert!(asset.len() > 100, "{path}");
    }
    let (status, _, _) = app
        .send(TestRequest::get().uri("/graphiql/3.8.3/nothing.js"))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}
db_test!(graphiql_needs_nothing_from_the_internet);
