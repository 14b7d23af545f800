//! The command line, and migrations racing from several instances.

use std::io::Write;
use std::process::{Command, Stdio};

use crate::support::TestApp;

fn cleanprod(dir: &std::path::Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_cleanprod"));
    c.current_dir(dir)
        .env_remove("DATABASE_URL")
        .env_remove("CLEANPROD_JWT_SECRET")
        .env_remove("CLEANPROD_DATA_KEY")
        .env("RUST_LOG", "error");
    c
}

#[test]
fn create_user_reads_the_password_from_stdin() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut child = cleanprod(dir.path())
        .args([
            "create-user",
            "--username",
            "taiyuan",
            "--role",
            "CITY_ADMIN",
            "--city",
            "140100",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("run");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(b"a-long-enough-password\n")
        .expect("write");
    let out = child.wait_with_output().expect("finishes");
    assert!(out.status.success(), "{out:?}");
    assert!(String::from_utf8_lossy(&out.stdout).contains("created user taiyuan (CITY_ADMIN)"));

    let again = cleanprod(dir.path())
        .args([
            "create-user",
            "--username",
            "x",
            "--role",
            "CITY_ADMIN",
            "--city",
            "140100",
        ])
        .stdin(Stdio::null())
        .output()
        .expect("run");
    assert!(
        !again.status.success(),
        "bad username and empty password are refused"
    );

    let verify = cleanprod(dir.path())
        .arg("verify-audit-log")
        .output()
        .expect("run");
    assert!(verify.status.success(), "{verify:?}");
    assert!(String::from_utf8_lossy(&verify.stdout).contains("intact: 1 entries"));

    let backup = dir.path().join("backup.db");
    let out = cleanprod(dir.path())
        .args(["backup", "--to"])
        .arg(&backup)
        .output()
        .expect("run");
    assert!(out.status.success() && backup.exists(), "{out:?}");

    let schema = cleanprod(dir.path())
        .arg("export-schema")
        .output()
        .expect("run");
    assert!(String::from_utf8_lossy(&schema.stdout).contains("type QueryRoot"));
}

#[actix_web::test]
async fn concurrent_migrations_do_not_race() {
    let Some((url, _guard)) = crate::support::fresh_pg_database().await else {
        return;
    };
    // Several "instances" start on one empty database at once.
    let mut tasks = Vec::new();
    for _ in 0..4 {
        let url = url.clone();
        tasks.push(tokio::spawn(async move {
            let db = cleanprod::db::connect(&url).await.expect("connect");
            let result = cleanprod::db::migrate(&db).await;
            let _ = db.close().await;
            result
        }));
    }
    for task in tasks {
        task.await.expect("joined").expect("migrated without error");
    }
    let app = TestApp::at_url(&url).await;
    assert!(
        cleanprod::db::migrations_applied(&app.state.services.db)
            .await
            .expect("status")
    );
    assert_eq!(app.count("cities").await, 11, "reference data seeded once");
    assert_eq!(app.count("industries").await, 118);
}

#[test]
fn a_sqlite_file_that_cannot_be_opened_fails_at_once_and_says_why() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = cleanprod(dir.path())
        .arg("migrate")
        .env("DATABASE_URL", "sqlite://./my.db")
        .env("RUST_LOG", "warn")
        .output()
        .expect("run");
    assert!(!out.status.success());
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(said.contains("./my.db"), "{said}");
    assert!(said.contains("sqlite://./my.db?mode=rwc"), "{said}");
    // Not retried: a network database would be, with a warning per attempt.
    assert!(!said.contains("retrying"), "{said}");
    assert!(!dir.path().join("my.db").exists());
}

#[test]
fn a_taken_port_is_named_and_nothing_is_said_to_listen() {
    let dir = tempfile::tempdir().expect("tempdir");
    let taken = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let address = taken.local_addr().expect("address").to_string();
    let out = cleanprod(dir.path())
        .env("CLEANPROD_BIND", &address)
        .env("RUST_LOG", "info")
        .output()
        .expect("run");
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stderr.contains(&format!("cannot listen on {address}")),
        "{stderr}"
    );
    assert!(
        !stdout.contains("listening") && !stderr.contains("listening"),
        "{stdout}{stderr}"
    );
    // No first admin was created for a server that never served.
    assert!(!stdout.contains("Created user 'admin'"), "{stdout}");
}

#[cfg(unix)]
#[test]
fn the_embedded_database_and_its_folder_are_owner_only() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().expect("tempdir");
    let out = cleanprod(dir.path()).arg("migrate").output().expect("run");
    assert!(out.status.success(), "{out:?}");
    let mode = |p: &str| {
        std::fs::metadata(dir.path().join(p))
            .expect("exists")
            .permissions()
            .mode()
            & 0o777
    };
    assert_eq!(mode("data"), 0o700);
    assert_eq!(mode("data/cleanprod.db"), 0o600);
    for side in ["data/cleanprod.db-wal", "data/cleanprod.db-shm"] {
        if dir.path().join(side).exists() {
            assert_eq!(mode(side), 0o600, "{side}");
        }
    }
}
