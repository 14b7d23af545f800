//! Documents, on each database and each store (a local folder and an S3-compatible server):
//! uploads and versions, downloads with ETag and Range, who reads what, files refused, steps
//! that need their documents, and the store checked against the rows.

use actix_web::http::StatusCode;
use actix_web::test::TestRequest;
use serde_json::{Value, json};

use crate::audits::{CREATE_AUDIT, SCHEDULE, START, SUBMIT, Setting, setting};
use crate::panels::{day, draw, pool};
use crate::support::{TestApp, create_enterprise, enterprise_input};

/// Runs a test on SQLite and PostgreSQL, each with a local and an S3 store, documents
/// required for steps as in production.
macro_rules! doc_test {
    ($name:ident) => {
        mod $name {
            use crate::support::TestApp;

            fn configure(c: &mut cleanprod::config::Config, s3: bool) {
                c.documents.required_for_steps = true;
                if s3 {
                    c.documents.store = crate::support::s3_store();
                }
            }

            doc_test!(@on_each_database $name, sqlite_local, postgres_local, false);
            doc_test!(@on_each_database $name, sqlite_s3, postgres_s3, true);
        }
    };
    // One store on both databases.
    (@on_each_database $name:ident, $sqlite:ident, $postgres:ident, $s3:expr) => {
        #[actix_web::test]
        async fn $sqlite() {
            super::$name(TestApp::sqlite_with(|c| configure(c, $s3)).await).await;
        }

        #[actix_web::test]
        async fn $postgres() {
            if let Some(app) = TestApp::postgres_with(|c| configure(c, $s3)).await {
                super::$name(app).await;
            }
        }
    };
}

const PDF: &[u8] = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n";
const DOCUMENT: &str = "query($id: ID!) { document(id: $id) { id kind public lockedBy latestVersion { version fileName fileType sha256 size } versions { version fileName sha256 downloadPath } } }";
const DELETE: &str = "mutation($id: ID!) { deleteDocument(id: $id) }";

/// Uploads through `POST /documents`; returns (status, body).
async fn post_file(
    app: &TestApp,
    token: Option<&str>,
    query: &str,
    body: Vec<u8>,
) -> (StatusCode, Value) {
    let mut req = TestRequest::post()
        .uri(&format!("/documents?{query}"))
        .insert_header(("content-type", "application/octet-stream"))
        .set_payload(body);
    if let Some(token) = token {
        req = req.insert_header(("authorization", format!("Bearer {token}")));
    }
    let (status, _, body) = app.send(req).await;
    let value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    (status, value)
}

fn encode(text: &str) -> String {
    let mut out = String::new();
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Uploads a PDF as a new document of a record; returns the document's JSON.
pub async fn attach(
    app: &TestApp,
    token: &str,
    owner_type: &str,
    owner_id: &Value,
    kind: &str,
) -> Value {
    let owner = owner_id.as_str().expect("owner id");
    let (status, body) = post_file(
        app,
        Some(token),
        &format!(
            "ownerType={owner_type}&ownerId={owner}&kind={kind}&fileName={}",
            encode("文件.pdf")
        ),
        PDF.to_vec(),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body:#}");
    body["document"].clone()
}

/// A GraphQL multipart upload (the multipart request spec), as a browser would send it.
async fn upload_multipart(
    app: &TestApp,
    token: &str,
    input: Value,
    file_name: &str,
    bytes: &[u8],
) -> Value {
    let boundary = "----cleanprod-test-boundary";
    let operations = json!({
        "query": "mutation($input: UploadDocumentInput!, $file: Upload!) { uploadDocument(input: $input, file: $file) { id kind latestVersion { version fileName fileType sha256 } versions { version } } }",
        "variables": { "input": input, "file": null },
    });
    let mut body = Vec::new();
    body.extend_from_slice(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"operations\"\r\n\r\n{operations}\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"map\"\r\n\r\n{{\"0\":[\"variables.file\"]}}\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"0\"; filename=\"{file_name}\"\r\nContent-Type: application/pdf\r\n\r\n"
        )
        .as_bytes(),
    );
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let req = TestRequest::post()
        .uri("/graphql")
        .insert_header((
            "content-type",
            format!("multipart/form-data; boundary={boundary}"),
        ))
        .insert_header(("accept", "application/graphql-response+json"))
        .insert_header(("authorization", format!("Bearer {token}")))
        .set_payload(body);
    let (_, _, body) = app.send(req).await;
    serde_json::from_slice(&body).expect("JSON")
}

async fn download(
    app: &TestApp,
    token: Option<&str>,
    id: &Value,
    headers: &[(&str, &str)],
) -> (StatusCode, actix_web::http::header::HeaderMap, Vec<u8>) {
    let mut req =
        TestRequest::get().uri(&format!("/documents/{}/content", id.as_str().expect("id")));
    if let Some(token) = token {
        req = req.insert_header(("authorization", format!("Bearer {token}")));
    }
    for (name, value) in headers {
        req = req.insert_header((*name, *value));
    }
    app.send(req).await
}

/// An audit of the setting's enterprise, started; returns its id.
async fn started_audit(app: &TestApp, s: &Setting) -> Value {
    let audit = app
        .ok(
            Some(&s.city),
            CREATE_AUDIT,
            json!({ "input": { "enterpriseId": s.enterprise["id"], "year": 2026, "noticeDate": day(-10) } }),
        )
        .await["createAudit"]["id"]
        .clone();
    app.ok(Some(&s.city), START, json!({ "id": audit, "on": day(-5) }))
        .await;
    audit
}

/// Schedules the audit's evaluation review `days_ahead` days from today; returns its id.
async fn evaluation(app: &TestApp, s: &Setting, audit: &Value, days_ahead: i64) -> Value {
    app.ok(
        Some(&s.city),
        SCHEDULE,
        json!({ "input": { "auditId": audit, "kind": "EVALUATION", "date": day(days_ahead) } }),
    )
    .await["scheduleReview"]["id"]
        .clone()
}

/// The objects in the document store.
async fn stored_objects(app: &TestApp) -> Vec<cleanprod::services::documents::store::StoredObject> {
    app.state
        .services
        .documents
        .list("documents")
        .await
        .expect("list")
}

fn submission(s: &Setting) -> Value {
    json!({ "consultancyId": s.firm["id"], "leadAuditorId": s.lead["id"], "submittedOn": day(0) })
}

async fn uploads_versions_and_downloads(app: TestApp) {
    let s = setting(&app).await;
    let audit = started_audit(&app, &s).await;
    let firm_user = app
        .user_with(json!({ "role": "ENTERPRISE", "enterpriseId": s.enterprise["id"] }))
        .await;
    let first = attach(&app, &firm_user, "AUDIT", &audit, "AUDIT_REPORT").await;
    let id = first["id"].clone();
    let sha1 = first["versions"][0]["sha256"]
        .as_str()
        .expect("sha")
        .to_owned();
    assert_eq!(first["latestVersion"], 1);
    assert_eq!(first["versions"][0]["contentType"], "application/pdf");

    // A second version through GraphQL multipart; the first stays.
    let second_bytes = [PDF, b"% revised\n"].concat();
    let body = upload_multipart(
        &app,
        &firm_user,
        json!({ "documentId": id }),
        "审核报告（修订）.pdf",
        &second_bytes,
    )
    .await;
    assert!(body.get("errors").is_none(), "{body:#}");
    let uploaded = &body["data"]["uploadDocument"];
    assert_eq!(uploaded["latestVersion"]["version"], 2);
    assert_eq!(
        uploaded["latestVersion"]["fileName"],
        "审核报告（修订）.pdf"
    );
    assert_eq!(uploaded["latestVersion"]["fileType"], "PDF");
    assert_eq!(
        uploaded["versions"],
        json!([{ "version": 2 }, { "version": 1 }])
    );
    let seen = app.ok(Some(&s.admin), DOCUMENT, json!({ "id": id })).await;
    assert_eq!(seen["document"]["versions"][1]["sha256"], sha1.as_str());

    // The latest version whole, with its ETag and name; then a range; then unchanged.
    let (status, headers, bytes) = download(&app, Some(&firm_user), &id, &[]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(bytes, second_bytes);
    let etag = headers
        .get("etag")
        .expect("etag")
        .to_str()
        .expect("etag")
        .to_owned();
    assert_eq!(
        etag,
        format!(
            "\"{}\"",
            uploaded["latestVersion"]["sha256"].as_str().expect("sha")
        )
    );
    let disposition = headers
        .get("content-disposition")
        .expect("content-disposition")
        .to_str()
        .expect("ascii");
    assert!(
        disposition.contains("filename*=UTF-8''%E5%AE%A1%E6%A0%B8"),
        "{disposition}"
    );
    assert_eq!(
        headers.get("accept-ranges").expect("accept-ranges"),
        "bytes"
    );
    let (status, headers, bytes) =
        download(&app, Some(&firm_user), &id, &[("range", "bytes=0-3")]).await;
    assert_eq!(status, StatusCode::PARTIAL_CONTENT);
    assert_eq!(bytes, b"%PDF");
    assert_eq!(
        headers.get("content-range").expect("content-range"),
        format!("bytes 0-3/{}", second_bytes.len()).as_str()
    );
    let (status, _, bytes) = download(
        &app,
        Some(&firm_user),
        &id,
        &[("range", &format!("bytes={}-", second_bytes.len()))],
    )
    .await;
    assert_eq!(status, StatusCode::RANGE_NOT_SATISFIABLE);
    assert!(bytes.is_empty());
    let (status, _, _) = download(&app, Some(&firm_user), &id, &[("if-none-match", &etag)]).await;
    assert_eq!(status, StatusCode::NOT_MODIFIED);
    // Version 1 is still there, byte for byte.
    let (status, _, bytes) = app
        .send(
            TestRequest::get()
                .uri(&format!(
                    "/documents/{}/content?version=1",
                    id.as_str().expect("id")
                ))
                .insert_header(("authorization", format!("Bearer {}", s.admin))),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(bytes, PDF);
    // Equal bytes are stored once: two documents with the same file share one object.
    let again = attach(&app, &s.city, "AUDIT", &audit, "OTHER").await;
    assert_eq!(again["versions"][0]["sha256"], sha1.as_str());
    let objects = stored_objects(&app).await;
    assert_eq!(objects.len(), 2, "two distinct files, stored once each");
    // Every read by someone other than the public is in the audit log.
    let reads = app
        .count("audit_log WHERE operation = 'downloadDocument'")
        .await;
    assert_eq!(reads, 5);
}
doc_test!(uploads_versions_and_downloads);

async fn who_reads_what(app: TestApp) {
    let s = setting(&app).await;
    let experts = pool(&app, &s.admin, 100, 1).await;
    let audit = started_audit(&app, &s).await;
    let report = attach(&app, &s.city, "AUDIT", &audit, "AUDIT_REPORT").await["id"].clone();
    attach(&app, &s.city, "AUDIT", &audit, "PERFORMANCE_SHEET").await;
    app.ok(
        Some(&s.city),
        SUBMIT,
        json!({ "id": audit, "input": submission(&s) }),
    )
    .await;
    let review = evaluation(&app, &s, &audit, 3).await;
    let panel = draw(&app, &s.city, json!({ "reviewId": review })).await;
    let seated = panel["seats"][0]["expertId"].clone();
    let seat = panel["seats"][0]["id"].clone();
    let unseated = experts
        .iter()
        .find(|e| {
            panel["seats"]
                .as_array()
                .expect("seats")
                .iter()
                .all(|s| s["expertId"] != **e)
        })
        .cloned();
    let expert = app
        .user_with(json!({ "role": "EXPERT", "expertId": seated }))
        .await;
    let enterprise = app
        .user_with(json!({ "role": "ENTERPRISE", "enterpriseId": s.enterprise["id"] }))
        .await;
    let other_enterprise = {
        let other = create_enterprise(&app, &s.admin, enterprise_input(2)).await;
        app.user_with(json!({ "role": "ENTERPRISE", "enterpriseId": other["id"] }))
            .await
    };
    let other_city = app.city_admin("140200").await;
    let firm = app.consultancy_user(&s.firm["id"]).await;

    let status_for = |token: Option<String>| {
        let app = &app;
        let report = report.clone();
        async move { download(app, token.as_deref(), &report, &[]).await.0 }
    };
    assert_eq!(status_for(Some(enterprise.clone())).await, StatusCode::OK);
    assert_eq!(status_for(Some(firm.clone())).await, StatusCode::OK);
    assert_eq!(status_for(Some(s.admin.clone())).await, StatusCode::OK);
    assert_eq!(status_for(Some(s.city.clone())).await, StatusCode::OK);
    assert_eq!(status_for(Some(other_city)).await, StatusCode::FORBIDDEN);
    assert_eq!(
        status_for(Some(other_enterprise)).await,
        StatusCode::FORBIDDEN
    );
    assert_eq!(status_for(None).await, StatusCode::UNAUTHORIZED);
    if let Some(unseated) = unseated {
        let outsider = app
            .user_with(json!({ "role": "EXPERT", "expertId": unseated }))
            .await;
        assert_eq!(status_for(Some(outsider)).await, StatusCode::FORBIDDEN);
    }

    // The seated expert: from 3 days before the review date to 30 days after.
    assert_eq!(status_for(Some(expert.clone())).await, StatusCode::OK);
    let seat_id = uuid::Uuid::parse_str(seat.as_str().expect("seat")).expect("uuid");
    let move_review = |offset: i64| {
        let db = &app.state.services.db;
        async move {
            use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, sea_query::Expr};
            entity::panel_seat::Entity::update_many()
                .col_expr(
                    entity::panel_seat::Column::ReviewDate,
                    Expr::value(crate::panels::today() + chrono::Duration::days(offset)),
                )
                .filter(entity::panel_seat::Column::Id.eq(seat_id))
                .exec(db)
                .await
                .expect("move the review");
        }
    };
    move_review(4).await;
    assert_eq!(
        status_for(Some(expert.clone())).await,
        StatusCode::FORBIDDEN,
        "one day before the window"
    );
    move_review(-30).await;
    assert_eq!(status_for(Some(expert.clone())).await, StatusCode::OK);
    move_review(-31).await;
    assert_eq!(
        status_for(Some(expert.clone())).await,
        StatusCode::FORBIDDEN,
        "one day after the window"
    );

    // The expert's own opinion: theirs to upload and read; the enterprise reads it not.
    let opinion = attach(&app, &expert, "PANEL_SEAT", &seat, "EXPERT_OPINION").await["id"].clone();
    assert_eq!(
        download(&app, Some(&expert), &opinion, &[]).await.0,
        StatusCode::OK
    );
    assert_eq!(
        download(&app, Some(&enterprise), &opinion, &[]).await.0,
        StatusCode::FORBIDDEN
    );
    // Nobody but the seat's expert (or officials) adds to a seat; an enterprise adds no
    // opinion to its own audit.
    let (status, body) = post_file(
        &app,
        Some(&enterprise),
        &format!(
            "ownerType=PANEL_SEAT&ownerId={}&kind=EXPERT_OPINION&fileName=x.pdf",
            seat.as_str().expect("seat")
        ),
        PDF.to_vec(),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body:#}");

    // Public documents: anyone, and anonymous reads are not logged.
    let evidence =
        attach(&app, &enterprise, "AUDIT", &audit, "DISCLOSURE_EVIDENCE").await["id"].clone();
    assert_eq!(
        download(&app, None, &evidence, &[]).await.0,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app.code(
            Some(&enterprise),
            "mutation($id: ID!) { setDocumentPublic(id: $id, public: true) { public } }",
            json!({ "id": evidence }),
        )
        .await,
        "FORBIDDEN"
    );
    assert_eq!(
        app.code(
            Some(&s.city),
            "mutation($id: ID!) { setDocumentPublic(id: $id, public: true) { public } }",
            json!({ "id": report }),
        )
        .await,
        "BAD_USER_INPUT",
        "a report is never public"
    );
    app.ok(
        Some(&s.city),
        "mutation($id: ID!) { setDocumentPublic(id: $id, public: true) { public } }",
        json!({ "id": evidence }),
    )
    .await;
    let logged = app.count("audit_log").await;
    assert_eq!(download(&app, None, &evidence, &[]).await.0, StatusCode::OK);
    assert_eq!(app.count("audit_log").await, logged);
}
doc_test!(who_reads_what);

async fn refused_files_leave_nothing(app: TestApp) {
    let s = setting(&app).await;
    let audit = started_audit(&app, &s).await;
    let owner = audit.as_str().expect("id").to_owned();
    let other_city = app.city_admin("140200").await;
    let before = (
        app.count("documents").await,
        app.count("document_versions").await,
        app.count("audit_log").await,
    );
    let query = format!("ownerType=AUDIT&ownerId={owner}&kind=AUDIT_REPORT&fileName=report.pdf");
    // An executable renamed report.pdf.
    let (status, body) = post_file(
        &app,
        Some(&s.city),
        &query,
        b"MZ\x90\x00\x03\x00\x00\x00\x04\x00this program cannot be run in DOS mode".to_vec(),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT");
    assert_eq!(body["errors"][0]["extensions"]["field"], "file");
    // Over the limit (1 MB in this test): 413, before or while the bytes arrive.
    let big = [PDF, &vec![b' '; 1024 * 1024]].concat();
    let (status, body) = post_file(&app, Some(&s.city), &query, big.clone()).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{body:#}");
    assert_eq!(body["errors"][0]["extensions"]["code"], "PAYLOAD_TOO_LARGE");
    let body = upload_multipart(
        &app,
        &s.city,
        json!({ "ownerType": "AUDIT", "ownerId": owner, "kind": "AUDIT_REPORT" }),
        "big.pdf",
        &big,
    )
    .await;
    assert_eq!(body["errors"][0]["extensions"]["code"], "PAYLOAD_TOO_LARGE");
    // Bad owner, kind or name; nobody signed in.
    for (query, field) in [
        (
            format!("ownerType=AUDIT&ownerId={owner}&kind=PENALTY_DECISION&fileName=a.pdf"),
            "kind",
        ),
        (
            format!(
                "ownerType=AUDIT&ownerId={}&kind=AUDIT_REPORT&fileName=a.pdf",
                uuid::Uuid::now_v7()
            ),
            "ownerId",
        ),
        (
            format!("ownerType=NOPE&ownerId={owner}&kind=AUDIT_REPORT&fileName=a.pdf"),
            "ownerType",
        ),
        (
            format!("ownerType=AUDIT&ownerId={owner}&kind=AUDIT_REPORT&fileName=%2F"),
            "fileName",
        ),
    ] {
        let (status, body) = post_file(&app, Some(&s.city), &query, PDF.to_vec()).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{query}: {body:#}");
        assert_eq!(body["errors"][0]["extensions"]["field"], field, "{query}");
    }
    let (status, _) = post_file(&app, None, &query, PDF.to_vec()).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    // A JSON request naming a file it does not carry (it once crashed the worker).
    let (code, error) = app
        .err(
            Some(&s.city),
            "mutation($input: UploadDocumentInput!, $file: Upload!) { uploadDocument(input: $input, file: $file) { id } }",
            json!({ "input": { "ownerType": "AUDIT", "ownerId": owner, "kind": "AUDIT_REPORT" }, "file": "#__graphql_file__:0" }),
        )
        .await;
    assert_eq!(
        (code.as_str(), error["extensions"]["field"].as_str()),
        ("BAD_USER_INPUT", Some("file"))
    );
    // The same through GraphQL: a missing owner, another city.
    let body = upload_multipart(
        &app,
        &s.city,
        json!({ "kind": "AUDIT_REPORT" }),
        "a.pdf",
        PDF,
    )
    .await;
    assert_eq!(
        body["errors"][0]["extensions"]["field"], "input.ownerType",
        "{body:#}"
    );
    let body = upload_multipart(
        &app,
        &other_city,
        json!({ "ownerType": "AUDIT", "ownerId": owner, "kind": "AUDIT_REPORT" }),
        "a.pdf",
        PDF,
    )
    .await;
    assert_eq!(
        body["errors"][0]["extensions"]["code"], "FORBIDDEN",
        "{body:#}"
    );
    let (status, _) = post_file(&app, Some(&other_city), &query, PDF.to_vec()).await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // A client that breaks off in the middle of its upload.
    let broken = futures_util::stream::iter(vec![
        Ok(actix_web::web::Bytes::from_static(b"%PDF-1.7\n")),
        Err(actix_web::error::PayloadError::Incomplete(None)),
    ]);
    let mut req = TestRequest::post()
        .uri(&format!("/documents?{query}"))
        .insert_header(("authorization", format!("Bearer {}", s.city)))
        .to_request();
    let stream: std::pin::Pin<
        Box<
            dyn futures_util::Stream<
                    Item = Result<actix_web::web::Bytes, actix_web::error::PayloadError>,
                >,
        >,
    > = Box::pin(broken);
    *req.payload() = actix_web::dev::Payload::from(stream);
    let service = actix_web::test::init_service(cleanprod::build_app(app.state.clone())).await;
    let response = actix_web::test::call_service(&service, req).await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);

    assert_eq!(
        (
            app.count("documents").await,
            app.count("document_versions").await,
            app.count("audit_log").await,
        ),
        before,
        "nothing written"
    );
    let objects = stored_objects(&app).await;
    assert!(objects.is_empty(), "nothing stored");
    let staged = std::fs::read_dir(&app.state.services.config.documents.staging_dir)
        .map(|d| d.count())
        .unwrap_or(0);
    assert_eq!(staged, 0, "nothing left in staging");
}

mod refused_files {
    use crate::support::TestApp;

    fn small(c: &mut cleanprod::config::Config, s3: bool) {
        c.documents.max_bytes = 1024 * 1024;
        if s3 {
            c.documents.store = crate::support::s3_store();
        }
    }

    #[actix_web::test]
    async fn sqlite_local() {
        super::refused_files_leave_nothing(TestApp::sqlite_with(|c| small(c, false)).await).await;
    }

    #[actix_web::test]
    async fn postgres_s3() {
        if let Some(app) = TestApp::postgres_with(|c| small(c, true)).await {
            super::refused_files_leave_nothing(app).await;
        }
    }
}

async fn steps_rest_on_their_documents(app: TestApp) {
    let s = setting(&app).await;
    let audit = started_audit(&app, &s).await;
    let input = json!({ "id": audit, "input": submission(&s) });
    let before = app.count("audit_log").await;
    let (code, error) = app.err(Some(&s.city), SUBMIT, input.clone()).await;
    assert_eq!(code, "BAD_USER_INPUT");
    assert_eq!(error["extensions"]["field"], "documents");
    assert_eq!(app.count("audit_log").await, before);
    let report = attach(&app, &s.city, "AUDIT", &audit, "AUDIT_REPORT").await["id"].clone();
    // A STRICT audit needs its performance sheet too.
    let (code, error) = app.err(Some(&s.city), SUBMIT, input.clone()).await;
    assert_eq!(code, "BAD_USER_INPUT");
    assert!(
        error["message"]
            .as_str()
            .expect("message")
            .contains("PERFORMANCE_SHEET"),
        "{error:#}"
    );
    let sheet = attach(&app, &s.city, "AUDIT", &audit, "PERFORMANCE_SHEET").await["id"].clone();
    // A draft may be deleted by its uploader only, while no step rests on it.
    let draft = attach(&app, &s.city, "AUDIT", &audit, "OTHER").await["id"].clone();
    assert_eq!(
        app.code(Some(&s.admin), DELETE, json!({ "id": draft }))
            .await,
        "FORBIDDEN"
    );
    app.ok(Some(&s.city), DELETE, json!({ "id": draft })).await;
    app.ok(Some(&s.city), SUBMIT, input).await;
    for id in [&report, &sheet] {
        let seen = app.ok(Some(&s.city), DOCUMENT, json!({ "id": id })).await;
        assert_eq!(seen["document"]["lockedBy"], "submitAuditReport");
        assert_eq!(
            app.code(Some(&s.city), DELETE, json!({ "id": id })).await,
            "CONFLICT"
        );
    }

    // The review's outcome needs the panel's opinion.
    let review = evaluation(&app, &s, &audit, 0).await;
    let record = json!({ "id": review, "input": { "outcome": "PASSED", "score": "80", "opinion": "同意通过" } });
    assert_eq!(
        app.code(Some(&s.city), crate::audits::RECORD, record.clone())
            .await,
        "BAD_USER_INPUT"
    );
    // An acceptance opinion is not the evaluation's.
    attach(&app, &s.city, "REVIEW", &review, "ACCEPTANCE_OPINION").await;
    assert_eq!(
        app.code(Some(&s.city), crate::audits::RECORD, record.clone())
            .await,
        "BAD_USER_INPUT"
    );
    attach(&app, &s.city, "REVIEW", &review, "EVALUATION_OPINION").await;
    app.ok(Some(&s.city), crate::audits::RECORD, record).await;

    // A violation is published with its decision.
    let violation = app
        .ok(
            Some(&s.admin),
            "mutation($input: RecordViolationInput!) { recordViolation(input: $input) { id } }",
            json!({ "input": { "subjectKind": "ENTERPRISE", "subjectId": s.enterprise["id"], "kind": "NOT_AUDITING", "decisionDate": "2025-06-01", "decisionNumber": "晋环罚〔2025〕1号", "penalty": "罚款" } }),
        )
        .await["recordViolation"]["id"]
        .clone();
    let publish = "mutation($id: ID!) { publishViolation(id: $id) { published } }";
    assert_eq!(
        app.code(Some(&s.admin), publish, json!({ "id": violation }))
            .await,
        "BAD_USER_INPUT"
    );
    let decision =
        attach(&app, &s.admin, "VIOLATION", &violation, "PENALTY_DECISION").await["id"].clone();
    let set_public = "mutation($id: ID!) { setDocumentPublic(id: $id, public: true) { public } }";
    assert_eq!(
        app.code(Some(&s.admin), set_public, json!({ "id": decision }))
            .await,
        "BAD_USER_INPUT",
        "not before the violation is published"
    );
    app.ok(Some(&s.admin), publish, json!({ "id": violation }))
        .await;
    app.ok(Some(&s.admin), set_public, json!({ "id": decision }))
        .await;
    assert_eq!(download(&app, None, &decision, &[]).await.0, StatusCode::OK);
}
doc_test!(steps_rest_on_their_documents);

async fn officials_list_and_find_missing(app: TestApp) {
    let s = setting(&app).await;
    let audit = started_audit(&app, &s).await;
    attach(&app, &s.city, "AUDIT", &audit, "AUDIT_REPORT").await;
    let list = "query($filter: DocumentFilter) { documents(filter: $filter) { totalCount edges { node { kind ownerId } } } }";
    let seen = app
        .ok(
            Some(&s.city),
            list,
            json!({ "filter": { "kind": "AUDIT_REPORT" } }),
        )
        .await;
    assert_eq!(seen["documents"]["totalCount"], 1);
    let other_city = app.city_admin("140200").await;
    let seen = app.ok(Some(&other_city), list, json!({})).await;
    assert_eq!(seen["documents"]["totalCount"], 0);
    assert_eq!(
        app.code(
            Some(&other_city),
            list,
            json!({ "filter": { "cityCode": "140100" } })
        )
        .await,
        "FORBIDDEN"
    );
    let firm = app.consultancy_user(&s.firm["id"]).await;
    assert_eq!(app.code(Some(&firm), list, json!({})).await, "FORBIDDEN");

    // Reports handed in before documents existed are still valid; the list shows the gap.
    {
        use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, sea_query::Expr};
        let id = uuid::Uuid::parse_str(audit.as_str().expect("id")).expect("uuid");
        entity::audit::Entity::update_many()
            .col_expr(
                entity::audit::Column::ReportSubmittedOn,
                Expr::value(Some(crate::panels::today())),
            )
            .filter(entity::audit::Column::Id.eq(id))
            .exec(&app.state.services.db)
            .await
            .expect("a report handed in on paper");
    }
    let missing =
        "query($year: Int) { missingDocuments(year: $year) { audit { id } missingKinds } }";
    let seen = app
        .ok(Some(&s.city), missing, json!({ "year": 2026 }))
        .await;
    assert_eq!(
        seen["missingDocuments"],
        json!([{ "audit": { "id": audit }, "missingKinds": ["PERFORMANCE_SHEET"] }])
    );
}
doc_test!(officials_list_and_find_missing);

async fn verify_files_finds_an_altered_object(app: TestApp) {
    let s = setting(&app).await;
    let audit = started_audit(&app, &s).await;
    let doc = attach(&app, &s.city, "AUDIT", &audit, "AUDIT_REPORT").await;
    let services = &app.state.services;
    let check = cleanprod::services::documents::verify(&services.db, &services.documents)
        .await
        .expect("verify");
    assert_eq!(
        (check.checked, check.missing.len(), check.altered.len()),
        (1, 0, 0)
    );
    // Someone swaps the stored bytes.
    let sha = doc["versions"][0]["sha256"].as_str().expect("sha");
    let key = cleanprod::rules::documents::storage_key(sha);
    let mut swapped = tempfile::tempfile().expect("temp");
    std::io::Write::write_all(&mut swapped, b"%PDF-1.7 something else").expect("write");
    std::io::Seek::rewind(&mut swapped).expect("rewind");
    services
        .documents
        .put_file(&key, swapped)
        .await
        .expect("swap");
    let check = cleanprod::services::documents::verify(&services.db, &services.documents)
        .await
        .expect("verify");
    assert_eq!(check.altered.len(), 1);
    services.documents.delete(&key).await.expect("delete");
    let check = cleanprod::services::documents::verify(&services.db, &services.documents)
        .await
        .expect("verify");
    assert_eq!(check.missing.len(), 1);
    // A row whose hash is changed to match a swapped file disagrees with the audit log.
    let forged = "0".repeat(64);
    {
        use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, sea_query::Expr};
        entity::document_version::Entity::update_many()
            .col_expr(
                entity::document_version::Column::Sha256,
                Expr::value(forged.clone()),
            )
            .filter(entity::document_version::Column::Sha256.eq(sha))
            .exec(&services.db)
            .await
            .expect("forge");
    }
    let check = cleanprod::services::documents::verify(&services.db, &services.documents)
        .await
        .expect("verify");
    assert_eq!(check.disowned.len(), 1);
    // Objects no row names are collected once they are old enough; named ones never.
    let orphan = tempfile::tempfile().expect("temp");
    services
        .documents
        .put_file("documents/sha256/00/orphan", orphan)
        .await
        .expect("orphan");
    let soon = chrono::Utc::now();
    let later = soon + chrono::Duration::hours(2);
    let collect =
        |at| cleanprod::services::documents::collect_orphans(&services.db, &services.documents, at);
    assert_eq!(collect(soon).await.expect("collect"), 0, "too young");
    assert_eq!(collect(later).await.expect("collect"), 1);
}
doc_test!(verify_files_finds_an_altered_object);

/// `cleanprod verify-files` on the server's database and folder: 0 while every file is
/// whole, non-zero (naming the file) once one is altered.
#[actix_web::test]
async fn verify_files_on_the_command_line() {
    let app = TestApp::sqlite_with(|c| c.documents.required_for_steps = true).await;
    let s = setting(&app).await;
    let audit = started_audit(&app, &s).await;
    let doc = attach(&app, &s.city, "AUDIT", &audit, "AUDIT_REPORT").await;
    let config = &app.state.services.config;
    let cleanprod::config::DocumentStore::Local(folder) = &config.documents.store else {
        panic!("a local store");
    };
    let run = || {
        std::process::Command::new(env!("CARGO_BIN_EXE_cleanprod"))
            .arg("verify-files")
            .env("DATABASE_URL", &config.database_url)
            .env("CLEANPROD_DOCUMENT_DIR", folder)
            .env_remove("CLEANPROD_DOCUMENT_STORE")
            .env("RUST_LOG", "error")
            .output()
            .expect("run verify-files")
    };
    let whole = run();
    let out = String::from_utf8_lossy(&whole.stdout).into_owned();
    assert!(whole.status.success(), "{out}");
    assert!(out.contains("1 document versions checked"), "{out}");
    let sha = doc["versions"][0]["sha256"].as_str().expect("sha");
    let path = folder.join(cleanprod::rules::documents::storage_key(sha));
    std::fs::write(&path, b"%PDF-1.7 swapped").expect("swap the file");
    let altered = run();
    let out = String::from_utf8_lossy(&altered.stdout).into_owned();
    assert!(!altered.status.success(), "{out}");
    assert!(
        out.contains(&format!(
            "ALTERED  document {}",
            doc["id"].as_str().expect("id")
        )),
        "{out}"
    );
}

/// A document's whole life through GraphQL alone: uploaded (multipart), a new version,
/// published, and a draft withdrawn by its uploader.
pub(crate) async fn uploaded_published_and_withdrawn(app: TestApp) {
    let s = setting(&app).await;
    let audit = started_audit(&app, &s).await;
    let enterprise = app
        .user_with(json!({ "role": "ENTERPRISE", "enterpriseId": s.enterprise["id"] }))
        .await;
    let new = json!({ "ownerType": "AUDIT", "ownerId": audit, "kind": "DISCLOSURE_EVIDENCE" });
    let body = upload_multipart(&app, &enterprise, new.clone(), "公告截图.pdf", PDF).await;
    let evidence = body["data"]["uploadDocument"]["id"].clone();
    assert!(evidence.is_string(), "{body:#}");
    let body = upload_multipart(
        &app,
        &enterprise,
        json!({ "documentId": evidence }),
        "公告截图2.pdf",
        &[PDF, b"%2"].concat(),
    )
    .await;
    assert_eq!(
        body["data"]["uploadDocument"]["latestVersion"]["version"], 2,
        "{body:#}"
    );
    let published = app
        .ok(
            Some(&s.city),
            "mutation($id: ID!) { setDocumentPublic(id: $id, public: true) { public } }",
            json!({ "id": evidence }),
        )
        .await;
    assert_eq!(published["setDocumentPublic"]["public"], true);
    let draft = upload_multipart(&app, &enterprise, new, "草稿.pdf", PDF).await["data"]
        ["uploadDocument"]["id"]
        .clone();
    assert_eq!(
        app.code(Some(&s.city), DELETE, json!({ "id": draft }))
            .await,
        "FORBIDDEN",
        "only its uploader withdraws a draft"
    );
    app.ok(Some(&enterprise), DELETE, json!({ "id": draft }))
        .await;
    assert_eq!(
        app.code(Some(&enterprise), DOCUMENT, json!({ "id": draft }))
            .await,
        "NOT_FOUND"
    );
}
doc_test!(uploaded_published_and_withdrawn);
