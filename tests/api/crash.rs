//! A server killed in the middle of a large write leaves nothing half-written: every
//! mutation is one transaction. The process is killed with SIGKILL (no draining) while it
//! imports; afterwards the rows are all there or none are.

use std::io::{Read, Write};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use sea_orm::{ConnectionTrait, Statement};

use crate::support::credit_code;

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

fn start(dir: &std::path::Path, port: u16) -> Child {
    Command::new(env!("CARGO_BIN_EXE_cleanprod"))
        .arg("serve")
        .current_dir(dir)
        .env_remove("DATABASE_URL")
        .env("CLEANPROD_ADMIN_PASSWORD", "admin-password-for-tests")
        .env("CLEANPROD_BIND", format!("127.0.0.1:{port}"))
        .env("CLEANPROD_MAX_BODY_BYTES", "8000000")
        .env("RUST_LOG", "error")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start the server")
}

fn request(port: u16, body: &str, token: Option<&str>) -> std::io::Result<std::net::TcpStream> {
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port))?;
    let auth = token
        .map(|t| format!("Authorization: Bearer {t}\r\n"))
        .unwrap_or_default();
    write!(
        stream,
        "POST /graphql HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n{auth}Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )?;
    Ok(stream)
}

fn wait_ready(port: u16) {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let ok = std::net::TcpStream::connect(("127.0.0.1", port))
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
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn login(port: u16) -> String {
    let body = serde_json::json!({ "query": "mutation { login(username: \"admin\", password: \"admin-password-for-tests\") { token } }" }).to_string();
    let mut stream = request(port, &body, None).expect("login request");
    let mut response = String::new();
    stream
        .read_to_string(&mut response)
        .expect("login response");
    let json = response.split("\r\n\r\n").nth(1).unwrap_or_default();
    let value: serde_json::Value = serde_json::from_str(json).expect("json");
    value["data"]["login"]["token"]
        .as_str()
        .expect("token")
        .to_owned()
}

async fn enterprise_count(dir: &std::path::Path) -> i64 {
    let url = format!(
        "sqlite://{}?mode=rwc",
        dir.join("data/cleanprod.db").display()
    );
    let db = cleanprod::db::connect(&url)
        .await
        .expect("open the database");
    let row = db
        .query_one_raw(Statement::from_string(
            db.get_database_backend(),
            "SELECT COUNT(*) AS n FROM enterprises".to_owned(),
        ))
        .await
        .expect("count")
        .expect("row");
    row.try_get::<i64>("", "n").expect("n")
}

#[actix_web::test]
async fn a_killed_import_leaves_all_or_nothing() {
    const ROWS: u32 = 5_000;
    let dir = tempfile::tempdir().expect("tempdir");
    let port = free_port();
    let mut server = start(dir.path(), port);
    wait_ready(port);
    let token = login(port);
    let import = |csv: &str, mode: &str| {
        serde_json::json!({
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
    let started = Instant::now();
    let mut stream =
        request(port, &import(&rows(50_000), "ALL_OR_NOTHING"), Some(&token)).expect("import");
    let mut response = String::new();
    stream.read_to_string(&mut response).expect("response");
    let full = started.elapsed();
    assert!(
        response.contains(&format!("\"acceptedCount\":{ROWS}")),
        "{response}"
    );
    assert_eq!(enterprise_count(dir.path()).await, i64::from(ROWS));
    for (round, mode) in ["GOOD_ROWS_ONLY", "ALL_OR_NOTHING"].into_iter().enumerate() {
        let body = import(&rows(100_000 + 10_000 * round as u32), mode);
        let before = enterprise_count(dir.path()).await;
        let _stream = request(port, &body, Some(&token)).expect("import request");
        // Kill without warning part of the way through (by the control run's clock): runs
        // land both before and inside the write transaction; either way, never half.
        std::thread::sleep(full.mul_f64(0.4));
        server.kill().expect("SIGKILL");
        let _ = server.wait();
        let after = enterprise_count(dir.path()).await - before;
        assert!(
            after == 0 || after == i64::from(ROWS),
            "{mode}: {after} of {ROWS} rows survived a crash mid-import"
        );
        eprintln!("{mode}: {after} rows after the crash");
        server = start(dir.path(), port);
        wait_ready(port);
    }
    let _ = server.kill();
    let _ = server.wait();
}
