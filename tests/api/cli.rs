//! The command line, and migrations racing from several instances.

use std::io::Write;
use std::process::{Command, Stdio};

use crate::support::{TestApp, firm_code};

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

/// Runs `cleanprod ARGS` in `dir` with warnings logged; returns (success, stdout, stderr).
fn run_cli(dir: &std::path::Path, args: &[&str]) -> (bool, String, String) {
    let out = cleanprod(dir)
        .env("RUST_LOG", "warn")
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("run");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn every_flag_is_described_with_its_values_and_the_database_named() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (ok, top, _) = run_cli(dir.path(), &["--help"]);
    assert!(ok && top.contains("DATABASE_URL"), "{top}");
    for command in [
        vec!["serve"],
        vec!["migrate"],
        vec!["seed-demo"],
        vec!["verify-audit-log"],
        vec!["backup"],
        vec!["create-user"],
        vec!["import-enterprises"],
        vec!["report", "ranking"],
    ] {
        let mut args = command.clone();
        args.push("--help");
        let (ok, help, _) = run_cli(dir.path(), &args);
        assert!(ok, "{command:?}");
        assert!(
            help.contains("DATABASE_URL"),
            "{command:?} names no database:\n{help}"
        );
        // Each option or argument says what it is for, beyond its name: on its line, or on
        // the next, indented deeper (clap's long layout).
        let lines: Vec<&str> = help.lines().collect();
        let indent = |l: &str| l.len() - l.trim_start().len();
        for (i, line) in lines.iter().enumerate() {
            let entry = line.trim_start();
            if !line.starts_with(' ') || !(entry.starts_with('-') || entry.starts_with('<')) {
                continue;
            }
            let same_line = entry.split("  ").filter(|w| !w.trim().is_empty()).count() >= 2;
            let next_line = lines
                .get(i + 1)
                .is_some_and(|next| !next.trim().is_empty() && indent(next) > indent(line));
            assert!(
                same_line || next_line,
                "{command:?}: undescribed: {line}\n{help}"
            );
        }
    }
    let (_, help, _) = run_cli(dir.path(), &["create-user", "--help"]);
    assert!(help.contains("possible values: PROVINCE_ADMIN"), "{help}");
    let (_, help, _) = run_cli(dir.path(), &["import-enterprises", "--help"]);
    assert!(
        help.contains("possible values: all-or-nothing, good-rows-only"),
        "{help}"
    );
    let (_, help, _) = run_cli(dir.path(), &["report", "ranking", "--help"]);
    assert!(help.contains("possible values: csv, xlsx"), "{help}");
}

#[test]
fn import_names_each_fault_once_and_suggests_only_what_helps() {
    let dir = tempfile::tempdir().expect("tempdir");
    let header = "企业名称,统一社会信用代码,城市代码,区县,行业代码,从业人员,营业收入（万元）";
    let bad = dir.path().join("bad.csv");
    std::fs::write(
        &bad,
        format!("{header}\n企业1,NOT-A-CODE,140100,小店区,3120,两千,50000\n"),
    )
    .expect("write");
    let (ok, out, err) = run_cli(dir.path(), &["import-enterprises", "bad.csv"]);
    assert!(!ok);
    assert!(
        out.contains("line 2: rejected: 从业人员 (employees): must be a whole number; 统一社会信用代码 (creditCode):"),
        "{out}"
    );
    assert_eq!(err.matches("error:").count(), 1, "{err}");
    assert!(
        err.contains("no row is good") && !err.contains("good-rows-only"),
        "{err}"
    );
    // Importing touches no secret, so none is announced.
    assert!(!err.contains("is not set"), "{err}");

    // With a good row, the error points at the mode that would import it.
    let mixed = dir.path().join("mixed.csv");
    std::fs::write(
        &mixed,
        format!(
            "{header}\n企业1,NOT-A-CODE,140100,小店区,3120,10,1\n企业2,{},140100,小店区,3120,10,1\n",
            firm_code(2)
        ),
    )
    .expect("write");
    let (ok, out, err) = run_cli(dir.path(), &["import-enterprises", "mixed.csv"]);
    assert!(!ok, "{out}");
    assert!(
        err.contains("--mode good-rows-only imports the 1 good rows"),
        "{out}{err}"
    );
}

#[test]
fn seed_demo_refuses_a_filled_database_and_names_its_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("one.csv");
    std::fs::write(
        &file,
        format!(
            "name,creditCode,cityCode,county,industryCode,employees,operatingRevenue\n企业1,{},140100,小店区,3120,10,1\n",
            firm_code(1)
        ),
    )
    .expect("write");
    let (ok, out, err) = run_cli(dir.path(), &["import-enterprises", "one.csv"]);
    assert!(ok, "{out}{err}");
    let (ok, _, err) = run_cli(dir.path(), &["seed-demo"]);
    assert!(!ok);
    assert!(
        err.contains("the SQLite file ./data/cleanprod.db already holds experts or enterprises"),
        "{err}"
    );
}
