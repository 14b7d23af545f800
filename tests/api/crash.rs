//! A server killed in the middle of a large write leaves nothing half-written: every
//! mutation is one transaction. The real server binary runs on an embedded database; it is
//! killed with SIGKILL (no draining) while it imports, draws a panel or records a sign-in
//! sheet, and afterwards the rows are all there or none are, with the audit log's chain
//! intact.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use chrono::{NaiveDate, Utc};
use entity::domain::{
    ExpertStatus, ExpertiseKind, Gender, ProfessionalTitle, Sector, TrainingAudience,
    TrainingParticipantKind,
};
use entity::{
    audit_log, expert, expert_kind, expert_seat_count, expert_sector, panel, panel_draw,
    panel_seat, training_attendance, training_session,
};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, Set, Statement,
    TransactionTrait,
};
use serde_json::{Value, json};
use uuid::Uuid;

use cleanprod::services::audit_log::{ChainVerdict, verify_chain};
use cleanprod::services::training::Participant;

use crate::support::{ADMIN_PASSWORD, DATA_KEY, JWT_SECRET, TestApp, credit_code};

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

fn secret(bytes: &[u8]) -> &str {
    std::str::from_utf8(bytes).expect("the test secrets are text")
}

/// The server binary on the embedded database of `dir` (`dir/data/cleanprod.db`), with the
/// test harness's secrets, so that data and tokens made in-process work with it.
struct Server {
    dir: PathBuf,
    port: u16,
    child: Child,
}

impl Server {
    fn start(dir: &Path) -> Server {
        let port = free_port();
        let child = Self::spawn(dir, port);
        let server = Server {
            dir: dir.to_path_buf(),
            port,
            child,
        };
        server.wait_ready();
        server
    }

    fn spawn(dir: &Path, port: u16) -> Child {
        Command::new(env!("CARGO_BIN_EXE_cleanprod"))
            .arg("serve")
            .current_dir(dir)
            .env_remove("DATABASE_URL")
            .env("CLEANPROD_ADMIN_PASSWORD", ADMIN_PASSWORD)
            .env("CLEANPROD_JWT_SECRET", secret(JWT_SECRET))
            .env("CLEANPROD_DATA_KEY", secret(DATA_KEY))
            .env("CLEANPROD_BIND", format!("127.0.0.1:{port}"))
            .env("CLEANPROD_MAX_BODY_BYTES", "8000000")
            .env("RUST_LOG", "error")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start the server")
    }

    fn wait_ready(&self) {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let ok = std::net::TcpStream::connect(("127.0.0.1", self.port))
                .and_then(|mut s| {
                    write!(
                        s,
                        "GET /readyz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
                    )?;
                    let mut r = String::new();
                    s.read_to_string(&mut r)?;
                    Ok(r.starts_with("HTTP/1.1 200"))
                })
                .unwrap_or(false);
            if ok {
                return;
            }
            assert!(Instant::now() < deadline, "server ready");
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Sends a GraphQL request; the answer is read from the returned stream, if at all.
    fn send(&self, body: &str, token: Option<&str>) -> std::net::TcpStream {
        let mut stream =
            std::net::TcpStream::connect(("127.0.0.1", self.port)).expect("connect to the server");
        let auth = token
            .map(|t| format!("Authorization: Bearer {t}\r\n"))
            .unwrap_or_default();
        write!(
            stream,
            "POST /graphql HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n{auth}Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        )
        .expect("send the request");
        stream
    }

    /// Sends a request and waits for its answer: the JSON body and how long it took.
    fn call(&self, body: &str, token: Option<&str>) -> (Value, Duration) {
        let started = Instant::now();
        let mut stream = self.send(body, token);
        let mut response = String::new();
        stream.read_to_string(&mut response).expect("response");
        let elapsed = started.elapsed();
        let json = response.split("\r\n\r\n").nth(1).unwrap_or_default();
        let value = serde_json::from_str(json).unwrap_or_else(|_| panic!("JSON: {response}"));
        (value, elapsed)
    }

    fn login(&self) -> String {
        let body = json!({
            "query": "mutation($p: String!) { login(username: \"admin\", password: $p) { token } }",
            "variables": { "p": ADMIN_PASSWORD }
        })
        .to_string();
        let (value, _) = self.call(&body, None);
        value["data"]["login"]["token"]
            .as_str()
            .expect("token")
            .to_owned()
    }

    fn kill(&mut self) {
        self.child.kill().expect("SIGKILL");
        let _ = self.child.wait();
    }

    /// Sends `body`, kills the server without warning `after` that long, then starts it again
    /// on the same database.
    fn kill_during(&mut self, body: &str, token: &str, after: Duration) {
        let _stream = self.send(body, Some(token));
        std::thread::sleep(after);
        self.kill();
        self.child = Self::spawn(&self.dir, self.port);
        self.wait_ready();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn database_url(dir: &Path) -> String {
    format!(
        "sqlite://{}?mode=rwc",
        dir.join("data/cleanprod.db").display()
    )
}

/// The database the server uses, opened in-process (with the test harness's admin and
/// secrets) to prepare what the mutation under test needs.
async fn prepare(dir: &Path) -> TestApp {
    std::fs::create_dir_all(dir.join("data")).expect("data folder");
    TestApp::at_url(&database_url(dir)).await
}

/// A fresh connection to the server's database, as it is on disk after a crash.
async fn open(dir: &Path) -> DatabaseConnection {
    cleanprod::db::connect(&database_url(dir))
        .await
        .expect("open the database")
}

async fn count(db: &DatabaseConnection, table: &str) -> i64 {
    let row = db
        .query_one_raw(Statement::from_string(
            db.get_database_backend(),
            format!("SELECT COUNT(*) AS n FROM {table}"),
        ))
        .await
        .expect("count")
        .expect("row");
    row.try_get::<i64>("", "n").expect("n")
}

async fn assert_chain_intact(db: &DatabaseConnection) {
    let verdict = verify_chain(db).await.expect("verify the audit log");
    assert!(
        matches!(verdict, ChainVerdict::Intact { .. }),
        "the audit log's chain after a crash: {verdict:?}"
    );
}

/// Kills the server during each of `bodies` (each a run of the same mutation on its own
/// subject), at delays that close in on the moment the write transaction commits: between
/// the latest delay that left nothing and the earliest that left everything (by bisection,
/// from 0.2 to 1.1 of the uncut run `full`). The writes come at the end of a run and take a
/// few milliseconds, so a fixed schedule would rarely land among them; here most kills
/// land near them. After each kill `check(i)` asserts that the database holds run `i` whole
/// or not at all, with the audit chain intact, and says whether it holds it. Returns each
/// delay with its outcome.
const MIN_BRACKET: Duration = Duration::from_millis(4);

async fn kill_closing_in(
    server: &mut Server,
    bodies: &[String],
    token: &str,
    full: Duration,
    mut check: impl AsyncFnMut(usize) -> bool,
) -> Vec<(Duration, bool)> {
    let (mut nothing, mut whole) = (full.mul_f64(0.2), full.mul_f64(1.1));
    let mut outcomes = Vec::new();
    for (i, body) in bodies.iter().enumerate() {
        let after = (nothing + whole) / 2;
        server.kill_during(body, token, after);
        let written = check(i).await;
        if written {
            whole = after;
        } else {
            nothing = after;
        }
        // Keep the bracket a few milliseconds wide, so that the kills go on landing around
        // the commit (timing jitters) rather than converging on one instant.
        if let Some(pad) = MIN_BRACKET.checked_sub(whole.saturating_sub(nothing)) {
            nothing = nothing.saturating_sub(pad / 2);
            whole += pad / 2;
        }
        outcomes.push((after, written));
    }
    outcomes
}

/// Audit-log entries of `operation` about `entity_id`.
async fn entries_about(db: &DatabaseConnection, operation: &str, entity_id: Uuid) -> usize {
    audit_log::Entity::find()
        .filter(audit_log::Column::Operation.eq(operation))
        .filter(audit_log::Column::EntityId.eq(entity_id.to_string()))
        .all(db)
        .await
        .expect("audit log")
        .len()
}

#[actix_web::test]
async fn a_killed_import_leaves_all_or_nothing() {
    const ROWS: u32 = 5_000;
    let dir = tempfile::tempdir().expect("tempdir");
    let mut server = Server::start(dir.path());
    let token = server.login();
    let import = |csv: &str, mode: &str| {
        json!({
            "query": "mutation($csv: String!, $mode: ImportMode!) { importEnterprises(csv: $csv, mode: $mode) { acceptedCount } }",
            "variables": { "csv": csv, "mode": mode }
        })
        .to_string()
    };
    let rows = |offset: u32| {
        let mut csv = String::from(
            "name,creditCode,cityCode,county,industryCode,employees,operatingRevenue\n",
        );
        for i in 0..ROWS {
            csv.push_str(&format!(
                "企业{i},{},140100,小店区,3110,500,5000\n",
                credit_code(offset + i)
            ));
        }
        csv
    };
    // A control run, uninterrupted: the import is valid and takes this long.
    let (response, full) = server.call(&import(&rows(50_000), "ALL_OR_NOTHING"), Some(&token));
    assert_eq!(
        response["data"]["importEnterprises"]["acceptedCount"], ROWS,
        "{response}"
    );
    assert_eq!(
        count(&open(dir.path()).await, "enterprises").await,
        i64::from(ROWS)
    );
    for (round, mode) in ["GOOD_ROWS_ONLY", "ALL_OR_NOTHING"].into_iter().enumerate() {
        let body = import(&rows(100_000 + 10_000 * round as u32), mode);
        let before = count(&open(dir.path()).await, "enterprises").await;
        // Kill part of the way through (by the control run's clock): runs land both before
        // and inside the write transaction; either way, never half.
        server.kill_during(&body, &token, full.mul_f64(0.4));
        let db = open(dir.path()).await;
        let after = count(&db, "enterprises").await - before;
        assert!(
            after == 0 || after == i64::from(ROWS),
            "{mode}: {after} of {ROWS} rows survived a crash mid-import"
        );
        assert_chain_intact(&db).await;
        eprintln!("{mode}: {after} rows after the crash");
    }
}

/// Active experts of Datong (not the enterprise's city), each able to fill any slot of a
/// steel works' default composition, inserted in bulk: a pool this large makes a draw's
/// eligibility, digests and record take long enough to be killed in the middle.
async fn seed_pool(db: &DatabaseConnection, size: usize) {
    let now = Utc::now();
    let date = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).expect("date");
    let mut experts = Vec::with_capacity(size);
    let mut sectors = Vec::with_capacity(size);
    let mut kinds = Vec::with_capacity(3 * size);
    for i in 0..size {
        let id = Uuid::now_v7();
        experts.push(expert::ActiveModel {
            id: Set(id),
            name: Set(format!("专家{i}")),
            gender: Set(Gender::Female),
            birth_date: Set(date(1970, 1, 1)),
            id_card_number: Set(format!("pool-{i}")),
            phone: Set("pool".into()),
            email: Set(None),
            employer: Set("单位".into()),
            employer_credit_code: Set(format!("pool-employer-{i}")),
            title: Set(ProfessionalTitle::Senior),
            years_in_field: Set(15),
            city_code: Set("140200".into()),
            term_start: Set(date(2020, 1, 1)),
            term_end: Set(date(2099, 12, 31)),
            status: Set(ExpertStatus::Active),
            version: Set(1),
            created_at: Set(now),
            updated_at: Set(now),
            id_card_hmac: Set(Some(format!("pool-{i}"))),
        });
        sectors.push(expert_sector::ActiveModel {
            expert_id: Set(id),
            sector: Set(Sector::Steel),
        });
        for kind in [
            ExpertiseKind::IndustryProcess,
            ExpertiseKind::Environmental,
            ExpertiseKind::Energy,
        ] {
            kinds.push(expert_kind::ActiveModel {
                expert_id: Set(id),
                kind: Set(kind),
            });
        }
    }
    let txn = db.begin().await.expect("begin");
    for part in experts.chunks(500) {
        expert::Entity::insert_many(part.to_vec())
            .exec_without_returning(&txn)
            .await
            .expect("experts");
    }
    for part in sectors.chunks(2_000) {
        expert_sector::Entity::insert_many(part.to_vec())
            .exec_without_returning(&txn)
            .await
            .expect("sectors");
    }
    for part in kinds.chunks(2_000) {
        expert_kind::Entity::insert_many(part.to_vec())
            .exec_without_returning(&txn)
            .await
            .expect("kinds");
    }
    txn.commit().await.expect("commit");
}

/// Every panel on disk is whole (its draw, its seats, one audit entry) and nothing exists
/// without its panel (seats counted in the experts' yearly counts, audit entries); returns
/// the review ids that have a panel.
async fn assert_draws_whole(db: &DatabaseConnection) -> Vec<Uuid> {
    let panels = panel::Entity::find().all(db).await.expect("panels");
    let draws = panel_draw::Entity::find().all(db).await.expect("draws");
    let seats = panel_seat::Entity::find().all(db).await.expect("seats");
    for p in &panels {
        let of = |panel_id: Uuid| panel_id == p.id;
        assert_eq!(
            draws.iter().filter(|d| of(d.panel_id)).count(),
            1,
            "panel {} without its draw record",
            p.id
        );
        assert_eq!(
            seats.iter().filter(|s| of(s.panel_id)).count(),
            usize::try_from(p.size).expect("size"),
            "panel {} without all its seats",
            p.id
        );
        assert_eq!(
            entries_about(db, "drawPanel", p.id).await,
            1,
            "panel {} without its audit entry",
            p.id
        );
    }
    assert_eq!(draws.len(), panels.len(), "draw records without a panel");
    let entries = audit_log::Entity::find()
        .filter(audit_log::Column::Operation.eq("drawPanel"))
        .all(db)
        .await
        .expect("audit log");
    assert_eq!(entries.len(), panels.len(), "audit entries without a panel");
    let counted: i64 = expert_seat_count::Entity::find()
        .all(db)
        .await
        .expect("seat counts")
        .iter()
        .map(|c| i64::from(c.seats))
        .sum();
    assert_eq!(
        counted,
        i64::try_from(seats.len()).expect("seats"),
        "seat counts without their seats (or seats uncounted)"
    );
    assert_chain_intact(db).await;
    panels.iter().map(|p| p.review_id).collect()
}

/// A draw is over in a moment even on a large pool, and its writes come at its end: kill
/// it again and again, each time on a fresh review and closer to the moment it commits, and
/// check the whole database after each kill. A draw split over transactions would leave a
/// panel without its seats, counts or audit entry when a kill lands between them.
#[actix_web::test]
async fn a_killed_draw_leaves_all_or_nothing() {
    const POOL: usize = 8_000;
    const ATTEMPTS: usize = 14;
    let dir = tempfile::tempdir().expect("tempdir");
    let (city, reviews) = {
        let app = prepare(dir.path()).await;
        let s = crate::audits::setting(&app).await;
        let mut reviews = Vec::new();
        for serial in 0..=ATTEMPTS {
            let date = crate::panels::day(20 + serial as i64);
            let (_, review) = crate::panels::evaluation(&app, &s, 10 + serial as u32, &date).await;
            reviews.push(review);
        }
        seed_pool(&app.state.services.db, POOL).await;
        (s.city, reviews)
    };
    let draw = |review: &Value| {
        json!({
            "query": "mutation($input: DrawPanelInput!) { drawPanel(input: $input) { id reviewId } }",
            "variables": { "input": { "reviewId": review, "size": 9, "witnessNonce": "kill" } }
        })
        .to_string()
    };
    let mut server = Server::start(dir.path());
    let (response, full) = server.call(&draw(&reviews[0]), Some(&city));
    assert_eq!(
        response["data"]["drawPanel"]["reviewId"], reviews[0],
        "{response}"
    );
    assert_eq!(assert_draws_whole(&open(dir.path()).await).await.len(), 1);
    eprintln!("a draw on {POOL} experts takes {full:?}");

    let bodies: Vec<String> = reviews[1..].iter().map(draw).collect();
    let outcomes = kill_closing_in(&mut server, &bodies, &city, full, async |i| {
        let drawn = assert_draws_whole(&open(dir.path()).await).await;
        let id: Uuid = reviews[i + 1].as_str().expect("id").parse().expect("uuid");
        drawn.contains(&id)
    })
    .await;
    eprintln!("killed after (delay, panel drawn): {outcomes:?}");
}

/// One session of `rows` outside participants, enrolled in bulk (the sheet, not the
/// enrolment, is under test); returns the session id and its enrolment ids.
async fn session_with(app: &TestApp, admin: &str, rows: usize) -> (Uuid, Vec<Uuid>) {
    use crate::training::{create, input, two_days_ago};
    let session = create(
        app,
        admin,
        input("PROVINCIAL", None, two_days_ago(), 8, "6"),
    )
    .await;
    let session_id: Uuid = session["id"].as_str().expect("id").parse().expect("uuid");
    let now = Utc::now();
    let ids: Vec<Uuid> = (0..rows).map(|_| Uuid::now_v7()).collect();
    let enrolments: Vec<training_attendance::ActiveModel> = ids
        .iter()
        .enumerate()
        .map(|(i, id)| {
            Participant {
                kind: TrainingParticipantKind::Outside,
                expert_id: None,
                staff_id: None,
                consultancy_id: None,
                user_id: None,
                name: format!("学员{i}"),
                organisation: "太原某钢铁有限公司".into(),
                role: Some("环保部长".into()),
                audience: TrainingAudience::AdministrativeStaff,
            }
            .registration(*id, session_id, None, now)
        })
        .collect();
    let db = &app.state.services.db;
    let txn = db.begin().await.expect("begin");
    for part in enrolments.chunks(500) {
        training_attendance::Entity::insert_many(part.to_vec())
            .exec_without_returning(&txn)
            .await
            .expect("enrolments");
    }
    training_session::Entity::update_many()
        .col_expr(
            training_session::Column::Enrolled,
            Expr::value(i32::try_from(rows).expect("rows")),
        )
        .filter(training_session::Column::Id.eq(session_id))
        .exec(&txn)
        .await
        .expect("enrolled count");
    txn.commit().await.expect("commit");
    (session_id, ids)
}

/// How many of the session's rows were recorded, and its sheets' audit entries.
async fn recorded(db: &DatabaseConnection, session_id: Uuid) -> (usize, usize) {
    let rows = training_attendance::Entity::find()
        .filter(training_attendance::Column::SessionId.eq(session_id))
        .filter(training_attendance::Column::Status.ne("REGISTERED"))
        .all(db)
        .await
        .expect("attendances");
    (
        rows.len(),
        entries_about(db, "recordAttendances", session_id).await,
    )
}

/// A sign-in sheet of 2 000 rows (the most one may carry) writes row by row inside its
/// transaction: a kill in the middle would leave part of it if the rows were not one
/// transaction with the audit entry.
#[actix_web::test]
async fn a_killed_attendance_sheet_leaves_all_or_nothing() {
    const ROWS: usize = 2_000;
    const ATTEMPTS: usize = 5;
    let dir = tempfile::tempdir().expect("tempdir");
    let (admin, sessions) = {
        let app = prepare(dir.path()).await;
        let admin = app.admin().await;
        let mut sessions = Vec::new();
        for _ in 0..=ATTEMPTS {
            sessions.push(session_with(&app, &admin, ROWS).await);
        }
        (admin, sessions)
    };
    let sheet = |(session_id, ids): &(Uuid, Vec<Uuid>)| {
        let rows: Vec<Value> = ids
            .iter()
            .enumerate()
            .map(|(i, id)| json!({ "attendanceId": id, "status": "ATTENDED", "certificateNo": format!("C-{i}") }))
            .collect();
        json!({
            "query": "mutation($s: ID!, $rows: [AttendanceRowInput!]!) { recordAttendances(sessionId: $s, rows: $rows) { id } }",
            "variables": { "s": session_id, "rows": rows }
        })
        .to_string()
    };
    let mut server = Server::start(dir.path());
    let (response, full) = server.call(&sheet(&sessions[0]), Some(&admin));
    assert_eq!(
        response["data"]["recordAttendances"]
            .as_array()
            .map(Vec::len),
        Some(ROWS),
        "{response}"
    );
    assert_eq!(
        recorded(&open(dir.path()).await, sessions[0].0).await,
        (ROWS, 1)
    );
    eprintln!("a sheet of {ROWS} rows takes {full:?}");

    let bodies: Vec<String> = sessions[1..].iter().map(sheet).collect();
    let outcomes = kill_closing_in(&mut server, &bodies, &admin, full, async |i| {
        let db = open(dir.path()).await;
        let (rows, entries) = recorded(&db, sessions[i + 1].0).await;
        assert!(
            (rows, entries) == (0, 0) || (rows, entries) == (ROWS, 1),
            "{rows} of {ROWS} rows and {entries} audit entries survived a crash mid-sheet"
        );
        assert_chain_intact(&db).await;
        rows == ROWS
    })
    .await;
    eprintln!("killed after (delay, sheet recorded): {outcomes:?}");
}
