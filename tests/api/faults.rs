//! Faults survived: the database going away and coming back, and a server that starts
//! before its database. These run a PostgreSQL instance of their own (own data folder and
//! port) so they can stop and start it.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use actix_web::http::StatusCode;
use actix_web::test::TestRequest;
use serde_json::json;

use crate::support::TestApp;

fn pg_bin(tool: &str) -> PathBuf {
    let root = Path::new("/usr/lib/postgresql");
    let mut versions: Vec<PathBuf> = std::fs::read_dir(root)
        .map(|d| d.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    versions.sort();
    versions
        .last()
        .map(|v| v.join("bin").join(tool))
        .unwrap_or_else(|| PathBuf::from(tool))
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

/// Runs a PostgreSQL tool, as the `postgres` user when we are root (PostgreSQL refuses root).
fn pg_command(tool: &str) -> Command {
    if is_root() {
        let mut c = Command::new("runuser");
        c.args(["-u", "postgres", "--"]).arg(pg_bin(tool));
        c
    } else {
        Command::new(pg_bin(tool))
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

struct PrivatePostgres {
    dir: PathBuf,
    port: u16,
}

impl PrivatePostgres {
    fn init() -> PrivatePostgres {
        let dir =
            std::env::temp_dir().join(format!("cleanprod-pg-{}", uuid::Uuid::now_v7().simple()));
        std::fs::create_dir_all(&dir).expect("data folder");
        if is_root() {
            let status = Command::new("chown")
                .args(["-R", "postgres:"])
                .arg(&dir)
                .status()
                .expect("chown");
            assert!(status.success());
        }
        let status = pg_command("initdb")
            .args(["-A", "trust", "-U", "postgres", "-D"])
            .arg(dir.join("data"))
            .stdout(std::process::Stdio::null())
            .status()
            .expect("initdb runs");
        assert!(status.success(), "initdb failed");
        PrivatePostgres {
            dir,
            port: free_port(),
        }
    }

    fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }

    fn start(&self) {
        let status = pg_command("pg_ctl")
            .arg("-D")
            .arg(self.dir.join("data"))
            .arg("-o")
            .arg(format!(
                "-p {} -k {} -c listen_addresses=127.0.0.1",
                self.port,
                self.dir.display()
            ))
            .arg("-l")
            .arg(self.dir.join("log"))
            .args(["-w", "start"])
            .stdout(std::process::Stdio::null())
            .status()
            .expect("pg_ctl start");
        assert!(status.success(), "PostgreSQL started");
    }

    fn stop(&self) {
        let _ = pg_command("pg_ctl")
            .arg("-D")
            .arg(self.dir.join("data"))
            .args(["-m", "immediate", "-w", "stop"])
            .stdout(std::process::Stdio::null())
            .status();
    }
}

impl Drop for PrivatePostgres {
    fn drop(&mut self) {
        self.stop();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

async fn readyz(app: &TestApp) -> StatusCode {
    app.send(TestRequest::get().uri("/readyz")).await.0
}

#[actix_web::test]
async fn the_service_survives_its_database_going_away() {
    let pg = PrivatePostgres::init();
    pg.start();
    let app = TestApp::at_url(&pg.url()).await;
    assert_eq!(readyz(&app).await, StatusCode::OK);
    app.ok(None, "{ industries(sector: STEEL) { code } }", json!({}))
        .await;

    pg.stop();
    assert_eq!(readyz(&app).await, StatusCode::SERVICE_UNAVAILABLE);
    let started = Instant::now();
    let (code, error) = app
        .err(None, "{ industries(sector: STEEL) { code } }", json!({}))
        .await;
    assert_eq!(code, "SERVICE_UNAVAILABLE", "{error}");
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "fails fast: {:?}",
        started.elapsed()
    );
    assert!(
        !error.to_string().contains("refused"),
        "no driver detail leaks: {error}"
    );

    pg.start();
    let deadline = Instant::now() + Duration::from_secs(20);
    while readyz(&app).await != StatusCode::OK {
        assert!(Instant::now() < deadline, "recovered by itself");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    app.ok(None, "{ industries(sector: STEEL) { code } }", json!({}))
        .await;
}

fn http_status(port: u16, path: &str) -> Option<u16> {
    let response = crate::support::http_get(port, path)?;
    response.split_whitespace().nth(1)?.parse().ok()
}

#[test]
fn a_server_started_before_its_database_waits_for_it() {
    let pg = PrivatePostgres::init();
    let port = free_port();
    let log = pg.dir.join("server.log");
    let mut child = Command::new(env!("CARGO_BIN_EXE_cleanprod"))
        .arg("serve")
        .env("DATABASE_URL", pg.url())
        .env(
            "CLEANPROD_JWT_SECRET",
            "a-secret-for-the-fault-test-0123456789",
        )
        .env(
            "CLEANPROD_DATA_KEY",
            "a-data-key-for-the-fault-test-0123456789",
        )
        .env("CLEANPROD_ADMIN_PASSWORD", "admin-password-for-tests")
        .env("CLEANPROD_BIND", format!("127.0.0.1:{port}"))
        .env("RUST_LOG", "warn")
        .stdout(std::process::Stdio::null())
        .stderr(std::fs::File::create(&log).expect("log file"))
        .spawn()
        .expect("start the server");
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let early = std::fs::read_to_string(&log).unwrap_or_default();
        if early.contains("database unreachable; retrying") {
            break;
        }
        assert!(Instant::now() < deadline, "says so in the log: {early}");
        std::thread::sleep(Duration::from_millis(200));
    }
    assert!(
        child.try_wait().expect("status").is_none(),
        "still waiting, not exited"
    );

    pg.start();
    let deadline = Instant::now() + Duration::from_secs(40);
    while http_status(port, "/readyz") != Some(200) {
        assert!(Instant::now() < deadline, "ready once the database is up");
        std::thread::sleep(Duration::from_millis(250));
    }
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    let exit = child.wait().expect("exits");
    assert!(exit.success(), "{exit:?}");
}
