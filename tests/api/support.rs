//! The integration-test harness: each test gets its own fresh database (a SQLite file in a
//! temporary folder, or a PostgreSQL database created for it and dropped after), a server
//! app built exactly as `cleanprod serve` builds it, and helpers that speak HTTP to it the
//! way a front end does.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use actix_web::http::StatusCode;
use actix_web::http::header::HeaderMap;
use actix_web::test as actix_test;
use actix_web::test::TestRequest;
use sea_orm::{ConnectionTrait, Database, Statement};
use serde_json::{Value, json};

use cleanprod::auth::token::install_crypto_provider;
use cleanprod::config::Config;
use cleanprod::rules::checksum::{complete_credit_code, complete_id_card};
use cleanprod::{AppState, db};

pub const ADMIN_PASSWORD: &str = "admin-password-for-tests";
pub const USER_PASSWORD: &str = "user-password-for-tests";
pub const JWT_SECRET: &[u8] = b"test-secret-test-secret-test-secret-0123";
pub const DATA_KEY: &[u8] = b"test-data-key-test-data-key-test-data-key";
const DEFAULT_PG_URL: &str = "postgres://postgres@127.0.0.1:5432/test";

/// Declares a test that runs once on SQLite and once on PostgreSQL, each on a fresh database.
#[macro_export]
macro_rules! db_test {
    ($name:ident) => {
        mod $name {
            #[actix_web::test]
            async fn sqlite() {
                super::$name($crate::support::TestApp::sqlite().await).await;
            }

            #[actix_web::test]
            async fn postgres() {
                if let Some(app) = $crate::support::TestApp::postgres().await {
                    super::$name(app).await;
                }
            }
        }
    };
}

/// A PostgreSQL database made for one test; dropped when the test ends, pass or fail.
pub struct PgDatabase {
    admin_url: String,
    name: String,
}

impl Drop for PgDatabase {
    fn drop(&mut self) {
        let admin_url = self.admin_url.clone();
        let name = self.name.clone();
        // Drop runs inside the test's runtime: use a thread with its own runtime.
        let handle = std::thread::spawn(move || {
            let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            else {
                return;
            };
            rt.block_on(async move {
                if let Ok(conn) = Database::connect(&admin_url).await {
                    let _ = conn
                        .execute_unprepared(&format!(
                            "DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"
                        ))
                        .await;
                    let _ = conn.close().await;
                }
            });
        });
        let _ = handle.join();
    }
}

pub struct TestApp {
    pub state: AppState,
    /// SQL statements run so far (for the fixed-query-count tests).
    pub statements: Arc<AtomicUsize>,
    _sqlite_dir: Option<tempfile::TempDir>,
    _pg: Option<PgDatabase>,
    /// The test's document folder and staging folder (a local store unless told otherwise).
    _files_dir: Arc<tempfile::TempDir>,
    /// The events the services published.
    pub events: Arc<RecordedEvents>,
}

/// Keeps every published event, for the tests to read.
#[derive(Default)]
pub struct RecordedEvents(std::sync::Mutex<Vec<cleanprod::services::events::DomainEvent>>);

impl RecordedEvents {
    pub fn take(&self) -> Vec<cleanprod::services::events::DomainEvent> {
        std::mem::take(&mut *self.0.lock().unwrap_or_else(|e| e.into_inner()))
    }
}

impl cleanprod::services::events::EventSink for RecordedEvents {
    fn publish(&self, event: cleanprod::services::events::DomainEvent) {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).push(event);
    }
}

/// The PostgreSQL URL for tests: `CLEANPROD_TEST_PG_URL`, else the local default. `skip`
/// opts out (outside CI only); in CI an opt-out or an unreachable server fails the test.
fn pg_admin_url() -> Option<String> {
    match std::env::var("CLEANPROD_TEST_PG_URL") {
        Ok(v) if v == "skip" => {
            assert!(
                std::env::var("CI").is_err(),
                "CLEANPROD_TEST_PG_URL=skip is not allowed in CI"
            );
            eprintln!("PostgreSQL tests SKIPPED: CLEANPROD_TEST_PG_URL=skip");
            None
        }
        Ok(v) if !v.trim().is_empty() => Some(v),
        _ => Some(DEFAULT_PG_URL.to_owned()),
    }
}

fn with_database_name(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let prefix = match base.rfind('/') {
        Some(i) if i > "postgres://".len() => &base[..i],
        _ => base,
    };
    match query {
        Some(q) => format!("{prefix}/{name}?{q}"),
        None => format!("{prefix}/{name}"),
    }
}

/// Creates an empty PostgreSQL database for one test: its URL and the guard that drops it.
pub async fn fresh_pg_database() -> Option<(String, PgDatabase)> {
    let admin_url = pg_admin_url()?;
    let name = format!("cleanprod_t_{}", uuid::Uuid::now_v7().simple());
    let admin = Database::connect(&admin_url).await.unwrap_or_else(|e| {
        panic!("PostgreSQL at CLEANPROD_TEST_PG_URL ({admin_url}) is unreachable: {e}")
    });
    admin
        .execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
        .await
        .expect("create the test database");
    let _ = admin.close().await;
    let url = with_database_name(&admin_url, &name);
    Some((url, PgDatabase { admin_url, name }))
}

impl TestApp {
    pub async fn sqlite() -> TestApp {
        let dir = tempfile::tempdir().expect("temporary folder");
        let url = format!("sqlite://{}?mode=rwc", dir.path().join("test.db").display());
        let mut app = Self::build(&url).await;
        app._sqlite_dir = Some(dir);
        app
    }

    pub async fn postgres() -> Option<TestApp> {
        let (url, guard) = fresh_pg_database().await?;
        let mut app = Self::build(&url).await;
        app._pg = Some(guard);
        Some(app)
    }

    /// A PostgreSQL app with settings changed from the defaults.
    pub async fn postgres_with(configure: impl FnOnce(&mut Config)) -> Option<TestApp> {
        let (url, guard) = fresh_pg_database().await?;
        let mut app = Self::build_with(&url, configure).await;
        app._pg = Some(guard);
        Some(app)
    }

    /// Runs a statement behind the server's back, as another instance or a hand-run
    /// statement would.
    pub async fn execute(&self, sql: &str) {
        self.state
            .services
            .db
            .execute_unprepared(sql)
            .await
            .unwrap_or_else(|e| panic!("{sql}: {e}"));
    }

    /// An app on a database that already exists (the fault tests bring their own).
    pub async fn at_url(url: &str) -> TestApp {
        Self::build(url).await
    }

    /// A SQLite app with settings changed from the defaults.
    pub async fn sqlite_with(configure: impl FnOnce(&mut Config)) -> TestApp {
        let dir = tempfile::tempdir().expect("temporary folder");
        let url = format!("sqlite://{}?mode=rwc", dir.path().join("test.db").display());
        let mut app = Self::build_with(&url, configure).await;
        app._sqlite_dir = Some(dir);
        app
    }

    async fn build(url: &str) -> TestApp {
        Self::build_with(url, |_| {}).await
    }

    pub async fn build_with(url: &str, configure: impl FnOnce(&mut Config)) -> TestApp {
        install_crypto_provider();
        let mut conn = db::connect(url)
            .await
            .expect("connect to the test database");
        let statements = Arc::new(AtomicUsize::new(0));
        let counter = statements.clone();
        conn.set_metric_callback(move |_| {
            counter.fetch_add(1, Ordering::Relaxed);
        });
        db::migrate(&conn).await.expect("migrate");
        cleanprod::services::users::bootstrap_admin(&conn, Some(ADMIN_PASSWORD))
            .await
            .expect("bootstrap admin");
        let mut config = Config::with_database(url);
        config.jwt_secret = Some(JWT_SECRET.to_vec());
        config.data_key = Some(DATA_KEY.to_vec());
        let files_dir = Arc::new(tempfile::tempdir().expect("document folder"));
        config.documents.store =
            cleanprod::config::DocumentStore::Local(files_dir.path().join("documents"));
        config.documents.staging_dir = files_dir.path().join("uploads");
        // The lifecycle tests predate documents; `tests/api/documents.rs` tests with the
        // requirement on, as it is by default.
        config.documents.required_for_steps = false;
        // Likewise sealed panels (`panels::secrecy::sealed_until_the_review` tests the seal): names
        // show as soon as the panel is drawn for reviews up to a month ahead.
        config.panel_reveal_hours_before = 24 * 30;
        // And opinion sheets (`tests/api/opinion_sheets.rs` tests them on, the default).
        config.opinions.require_sheets = false;
        configure(&mut config);
        let events = Arc::new(RecordedEvents::default());
        let state = AppState::with_events(config, conn, events.clone())
            .await
            .expect("app state");
        TestApp {
            state,
            statements,
            _sqlite_dir: None,
            _pg: None,
            _files_dir: files_dir,
            events,
        }
    }

    /// Sends a request through the full HTTP stack of the app.
    pub async fn send(&self, req: TestRequest) -> (StatusCode, HeaderMap, Vec<u8>) {
        let service = actix_test::init_service(cleanprod::build_app(self.state.clone())).await;
        let response = actix_test::call_service(&service, req.to_request()).await;
        let status = response.status();
        let headers = response.headers().clone();
        let body = actix_test::read_body(response).await;
        (status, headers, body.to_vec())
    }

    /// GETs `path` as a front end does, signed in as `token` when there is one.
    pub async fn get(&self, path: &str, token: Option<&str>) -> (StatusCode, HeaderMap, Vec<u8>) {
        let mut req = TestRequest::get().uri(path);
        if let Some(token) = token {
            req = req.insert_header(("authorization", format!("Bearer {token}")));
        }
        self.send(req).await
    }

    /// Sends `query` anonymously; it must fail validation (a field the type does not have).
    pub async fn refused_field(&self, query: &str, variables: Value, field: &str) {
        let (status, body) = self.post(None, query, variables).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body:#}");
        assert!(body.get("data").is_none(), "{body:#}");
        let message = body["errors"][0]["message"].as_str().unwrap_or_default();
        assert!(
            message.contains("Unknown field") && message.contains(field),
            "{body:#}"
        );
    }

    /// Each of the `refused` users gets FORBIDDEN for the operation, and anyone signed out
    /// UNAUTHENTICATED.
    pub async fn assert_refused(&self, refused: &[impl AsRef<str>], query: &str, variables: Value) {
        let tokens = refused.iter().map(|t| Some(t.as_ref())).chain([None]);
        for token in tokens {
            let want = if token.is_some() {
                "FORBIDDEN"
            } else {
                "UNAUTHENTICATED"
            };
            let got = self.code(token, query, variables.clone()).await;
            assert_eq!(got, want, "{query} as {token:?}");
        }
    }

    /// POSTs a GraphQL operation as JSON and returns the status and parsed body.
    pub async fn post(
        &self,
        token: Option<&str>,
        query: &str,
        variables: Value,
    ) -> (StatusCode, Value) {
        let mut req = TestRequest::post()
            .uri("/graphql")
            .insert_header(("content-type", "application/json"))
            .insert_header(("accept", "application/graphql-response+json"))
            .set_payload(json!({ "query": query, "variables": variables }).to_string());
        if let Some(token) = token {
            req = req.insert_header(("authorization", format!("Bearer {token}")));
        }
        let (status, _, body) = self.send(req).await;
        let value = serde_json::from_slice(&body)
            .unwrap_or_else(|_| panic!("response is not JSON: {}", String::from_utf8_lossy(&body)));
        (status, value)
    }

    /// Runs an operation that must succeed; returns its `data`.
    pub async fn ok(&self, token: Option<&str>, query: &str, variables: Value) -> Value {
        let (status, body) = self.post(token, query, variables).await;
        assert!(
            body.get("errors").is_none(),
            "unexpected errors (HTTP {status}): {body:#}"
        );
        assert_eq!(status, StatusCode::OK, "{body:#}");
        body["data"].clone()
    }

    /// Runs an operation that must fail; returns the first error's `extensions.code`
    /// together with the whole error.
    pub async fn err(&self, token: Option<&str>, query: &str, variables: Value) -> (String, Value) {
        let (_, body) = self.post(token, query, variables).await;
        let error = body["errors"][0].clone();
        assert!(!error.is_null(), "expected an error, got {body:#}");
        let code = error["extensions"]["code"]
            .as_str()
            .unwrap_or("")
            .to_owned();
        (code, error)
    }

    /// Runs an operation that must be refused as BAD_USER_INPUT naming `field`.
    pub async fn assert_bad_input(
        &self,
        token: Option<&str>,
        query: &str,
        variables: Value,
        field: &str,
    ) {
        let (code, error) = self.err(token, query, variables).await;
        assert_eq!(
            (code.as_str(), error["extensions"]["field"].as_str()),
            ("BAD_USER_INPUT", Some(field))
        );
    }

    /// The code of the first error a request gets (it must get one).
    pub async fn code(&self, token: Option<&str>, query: &str, variables: Value) -> String {
        self.err(token, query, variables).await.0
    }

    pub async fn login(&self, username: &str, password: &str) -> String {
        let data = self
            .ok(
                None,
                "mutation($u: String!, $p: String!) { login(username: $u, password: $p) { token } }",
                json!({ "u": username, "p": password }),
            )
            .await;
        data["login"]["token"].as_str().expect("token").to_owned()
    }

    pub async fn admin(&self) -> String {
        self.login("admin", ADMIN_PASSWORD).await
    }

    /// Creates a user with the given role and returns their token.
    pub async fn user_token(
        &self,
        role: &str,
        city: Option<&str>,
        expert_id: Option<&str>,
    ) -> String {
        self.user_with(json!({ "role": role, "cityCode": city, "expertId": expert_id }))
            .await
    }

    /// Creates a user from `fields` (role and its link) and returns their token.
    pub async fn user_with(&self, fields: Value) -> String {
        let admin = self.admin().await;
        let role = fields["role"].as_str().unwrap_or("user");
        let username = format!(
            "{}-{}",
            role.to_lowercase().replace('_', "-"),
            uuid::Uuid::now_v7().simple()
        );
        let mut input = fields.clone();
        input["username"] = json!(username);
        input["password"] = json!(USER_PASSWORD);
        self.ok(
            Some(&admin),
            "mutation($input: CreateUserInput!) { createUser(input: $input) { id } }",
            json!({ "input": input }),
        )
        .await;
        self.login(&username, USER_PASSWORD).await
    }

    /// A user of the given consultancy.
    pub async fn consultancy_user(&self, consultancy_id: &Value) -> String {
        self.user_with(json!({ "role": "CONSULTANCY", "consultancyId": consultancy_id }))
            .await
    }

    pub async fn city_admin(&self, city: &str) -> String {
        self.user_token("CITY_ADMIN", Some(city), None).await
    }

    /// Rows in a table, to check that a failed mutation wrote nothing.
    pub async fn count(&self, table: &str) -> i64 {
        let db = &self.state.services.db;
        let row = db
            .query_one_raw(Statement::from_string(
                db.get_database_backend(),
                format!("SELECT COUNT(*) AS n FROM {table}"),
            ))
            .await
            .expect("count query")
            .expect("a row");
        row.try_get::<i64>("", "n").expect("count")
    }
}

/// The raw response to a plain HTTP/1.1 GET of `path` from a server on local `port`; none
/// if it cannot be had within five seconds.
pub fn http_get(port: u16, path: &str) -> Option<String> {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).ok()?;
    stream
        .set_read_timeout(Some(std::time::Duration::from_secs(5)))
        .ok()?;
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
    )
    .ok()?;
    let mut response = String::new();
    stream.read_to_string(&mut response).ok()?;
    Some(response)
}

const INBOX: &str = "{ notifications(first: 50) { edges { node { kind title body subjectId } } } }";

/// The viewer's notifications of one kind, newest first.
pub async fn heard(app: &TestApp, token: &str, kind: &str) -> Vec<Value> {
    app.ok(Some(token), INBOX, json!({})).await["notifications"]["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .map(|e| e["node"].clone())
        .filter(|n| n["kind"] == kind)
        .collect()
}

/// One user of each role, around enterprise 1 (created here): (the province's admin,
/// Taiyuan's and Datong's city admins, the enterprise's user, a user of consultancy 1, expert
/// 1's user, the enterprise).
pub async fn cast(app: &TestApp) -> (String, String, String, String, String, String, Value) {
    let admin = app.admin().await;
    let taiyuan = app.city_admin("140100").await;
    let datong = app.city_admin("140200").await;
    let e = create_enterprise(app, &admin, enterprise_input(1)).await;
    let firm = create_consultancy(app, &admin, 1).await;
    let consultancy = app.consultancy_user(&firm["id"]).await;
    let expert = create_expert(app, &admin, 1).await;
    let expert = app.user_token("EXPERT", None, expert["id"].as_str()).await;
    let enterprise = app
        .user_with(json!({ "role": "ENTERPRISE", "enterpriseId": e["id"] }))
        .await;
    (admin, taiyuan, datong, enterprise, consultancy, expert, e)
}

/// A valid citizen ID number born on the given date (`YYYYMMDD`), distinct per `serial`.
pub fn id_card(birth: &str, serial: u32) -> String {
    complete_id_card(&format!("140105{birth}{:03}", serial % 1000)).expect("valid ID prefix")
}

/// A valid unified social credit code, distinct per `serial`.
pub fn credit_code(serial: u32) -> String {
    complete_credit_code(&format!("91140100MA{:07}", serial % 10_000_000))
        .expect("valid code prefix")
}

pub const CREATE_EXPERT: &str = "mutation($input: CreateExpertInput!) { createExpert(input: $input) { id name status version idCardNumber phone sectors expertiseKinds city { code name } } }";

/// Input for a valid expert; tweak fields with `input["field"] = ...`.
pub fn expert_input(serial: u32) -> Value {
    json!({
        "name": format!("专家{serial}"),
        "gender": "FEMALE",
        "birthDate": "1975-06-15",
        "idCardNumber": id_card("19750615", serial),
        "phone": "13812345678",
        "email": format!("expert{serial}@example.cn"),
        "employer": "山西省环境科学研究院",
        "employerCreditCode": credit_code(serial),
        "title": "SENIOR",
        "yearsInField": 15,
        "cityCode": "140100",
        "sectors": ["STEEL", "ENERGY"],
        "expertiseKinds": ["INDUSTRY_PROCESS", "ENERGY"],
        "termStart": "2025-01-01",
        "termEnd": "2029-12-31"
    })
}

pub async fn create_expert(app: &TestApp, token: &str, serial: u32) -> Value {
    app.ok(
        Some(token),
        CREATE_EXPERT,
        json!({ "input": expert_input(serial) }),
    )
    .await["createExpert"]
        .clone()
}

/// A valid unified social credit code of a registered enterprise or firm, distinct per
/// `serial` and from [`credit_code`]'s.
pub fn firm_code(serial: u32) -> String {
    complete_credit_code(&format!("91140100MB{:07}", serial % 10_000_000))
        .expect("valid code prefix")
}

pub const CREATE_ENTERPRISE: &str = "mutation($input: CreateEnterpriseInput!) { createEnterprise(input: $input) { id name creditCode cityCode scale scaleSetByAdmin sector auditMode inDirectory directorySinceYear version mandatoryAudit { mandatory industryCode reason } } }";

/// Input for a valid enterprise: a large steel works in Taiyuan (mandatory, STRICT).
pub fn enterprise_input(serial: u32) -> Value {
    json!({
        "name": format!("企业{serial}"),
        "creditCode": firm_code(serial),
        "cityCode": "140100",
        "county": "小店区",
        "industryCode": "3120",
        "employees": 2000,
        "operatingRevenue": "50000",
        "highEnergyUse": true
    })
}

pub async fn create_enterprise(app: &TestApp, token: &str, input: Value) -> Value {
    app.ok(Some(token), CREATE_ENTERPRISE, json!({ "input": input }))
        .await["createEnterprise"]
        .clone()
}

pub const CREATE_CONSULTANCY: &str = "mutation($input: CreateConsultancyInput!) { createConsultancy(input: $input) { id name status version } }";

pub fn consultancy_input(serial: u32) -> Value {
    json!({
        "name": format!("咨询机构{serial}"),
        "creditCode": firm_code(500_000 + serial),
        "cityCode": "140100",
        "address": "太原市小店区长风街1号",
        "contactName": "张三",
        "contactPhone": "0351-1234567"
    })
}

pub async fn create_consultancy(app: &TestApp, token: &str, serial: u32) -> Value {
    app.ok(
        Some(token),
        CREATE_CONSULTANCY,
        json!({ "input": consultancy_input(serial) }),
    )
    .await["createConsultancy"]
        .clone()
}

pub const ADD_STAFF: &str = "mutation($id: ID!, $input: ConsultancyStaffInput!) { addConsultancyStaff(consultancyId: $id, input: $input) { id name idCardNumber role startedOn endedOn current } }";

pub fn staff_input(serial: u32, started_on: &str) -> Value {
    json!({
        "name": format!("审核员{serial}"),
        "idCardNumber": id_card("19800101", serial),
        "role": "AUDITOR",
        "certificateNumber": format!("QJSH-{serial}"),
        "startedOn": started_on
    })
}

pub async fn add_staff(app: &TestApp, token: &str, consultancy_id: &Value, input: Value) -> Value {
    app.ok(
        Some(token),
        ADD_STAFF,
        json!({ "id": consultancy_id, "input": input }),
    )
    .await["addConsultancyStaff"]
        .clone()
}

/// The S3-compatible server the document tests use: `CLEANPROD_TEST_S3_URL` when set (CI
/// starts one), else one started here on loopback: moto's S3 server (PyPI `moto[server]`,
/// installed once into `target/test-tools/s3`), stopped when the test binary exits.
pub fn s3_endpoint() -> String {
    static ENDPOINT: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    ENDPOINT
        .get_or_init(|| match std::env::var("CLEANPROD_TEST_S3_URL") {
            Ok(url) if !url.trim().is_empty() => url.trim().trim_end_matches('/').to_owned(),
            _ => start_s3_server(),
        })
        .clone()
}

const MOTO: &str = "moto[server]==5.2.6";

fn start_s3_server() -> String {
    use std::process::{Command, Stdio};
    let tools = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/test-tools/s3");
    let server = tools.join("bin/moto_server");
    if !server.exists() {
        let venv = Command::new("python3")
            .args(["-m", "venv"])
            .arg(&tools)
            .status()
            .expect("python3 -m venv (the S3 test server needs Python 3)");
        assert!(venv.success(), "python3 -m venv failed");
        let pip = Command::new(tools.join("bin/pip"))
            .args(["install", "--quiet", MOTO])
            .status()
            .expect("pip install moto");
        assert!(pip.success(), "pip install {MOTO} failed");
    }
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    // The shell stops the server when this process's end of its stdin closes (at exit).
    let child = Command::new("sh")
        .arg("-c")
        .arg(format!(
            "\"{}\" -H 127.0.0.1 -p {port} >/dev/null 2>&1 & server=$!; read _; kill $server",
            server.display()
        ))
        .stdin(Stdio::piped())
        .spawn()
        .expect("start the S3 server");
    // Kept for the life of the process: dropping it would not stop the server, but its
    // stdin must stay open until then.
    std::mem::forget(child);
    let address = format!("127.0.0.1:{port}");
    let started = std::time::Instant::now();
    while std::net::TcpStream::connect(&address).is_err() {
        assert!(
            started.elapsed() < std::time::Duration::from_secs(60),
            "the S3 server did not start on {address}"
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    format!("http://{address}")
}

/// A fresh bucket on the S3 server, as a document store setting.
pub fn s3_store() -> cleanprod::config::DocumentStore {
    use std::io::{Read, Write};
    let endpoint = s3_endpoint();
    let bucket = format!("t{}", uuid::Uuid::now_v7().simple());
    let host = endpoint.trim_start_matches("http://");
    let mut stream = std::net::TcpStream::connect(host).expect("S3 server");
    write!(
        stream,
        "PUT /{bucket} HTTP/1.1\r\nHost: {host}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    )
    .expect("create bucket");
    let mut answer = String::new();
    let _ = stream.read_to_string(&mut answer);
    assert!(
        answer.starts_with("HTTP/1.1 200"),
        "create bucket: {answer}"
    );
    cleanprod::config::DocumentStore::S3(cleanprod::config::S3Settings {
        bucket,
        endpoint: Some(endpoint),
        region: "us-east-1".to_owned(),
        access_key_id: Some("test".to_owned()),
        secret_access_key: Some("test".to_owned()),
    })
}
