//! `consultancyRanking` with 1 000 firms and 10 years of appraisals (2016–2025), on SQLite and
//! on PostgreSQL, through the whole HTTP stack as a client calls it. Prints the median and the
//! 99th percentile of:
//!
//! - a published year (2024) read anonymously: the frozen lines, one indexed query;
//! - the open year (2025) read by a province admin: the provisional ranking computed from the
//!   current appraisals, with rank changes against 2024.
//!
//! Not a test: run with `cargo bench --bench ranking`. PostgreSQL is reached at
//! `CLEANPROD_BENCH_PG_URL` (default `postgres://postgres@127.0.0.1:5432/test`; `skip` skips
//! it); the bench creates a database of its own there and drops it afterwards.

use std::time::{Duration, Instant};

use actix_web::test::{TestRequest, call_service, init_service, read_body};
use chrono::Utc;
use sea_orm::{ConnectionTrait, Database, DatabaseConnection, EntityTrait, TransactionTrait};
use serde_json::{Value, json};
use uuid::Uuid;

use cleanprod::auth::Viewer;
use cleanprod::auth::token::install_crypto_provider;
use cleanprod::config::Config;
use cleanprod::rules::checksum::complete_credit_code;
use cleanprod::services::ranking::publish_ranking;
use cleanprod::{AppState, db};
use entity::domain::{
    AppraisalDeductionSource, ConsultancyStatus, FindingKind, Grade, SchemeSource,
};
use entity::{appraisal, appraisal_deduction, appraisal_finding_rule, appraisal_year, consultancy};

const FIRMS: u32 = 1_000;
const FIRST_YEAR: i32 = 2016;
const LAST_YEAR: i32 = 2025;
const WARM_UP: usize = 20;
const RUNS: usize = 300;
/// Rows per INSERT: under PostgreSQL's 65 535 bind parameters for the widest table.
const CHUNK: usize = 1_000;
const CITIES: [&str; 11] = [
    "140100", "140200", "140300", "140400", "140500", "140600", "140700", "140800", "140900",
    "141000", "141100",
];

const PUBLISHED_QUERY: &str = "query($y: Int!) { consultancyRanking(year: $y) { year published publication { publishedOn } entries { rank position total grade capacityBuilding reportQuality personnelManagement serviceQuality serviceQuantity previousRank rankChange consultancy { id name creditCode city { name } } } } }";

/// Scaled (ten-thousandths) amount of a two-place score.
fn units(hundredths: i64) -> i64 {
    hundredths * 100
}

/// A deterministic spread of scores, with ties: (firm, year, dimension) → 40.00–99.99.
fn score(firm: u32, year: i32, dimension: u32) -> i64 {
    let x = (u64::from(firm) * 7919
        + u64::from(year.unsigned_abs()) * 104_729
        + u64::from(dimension) * 31)
        % 6000;
    // Hundredths; every tenth firm gets round scores so that totals tie.
    let h = 4000 + x as i64;
    if firm % 10 == 0 { h - h % 500 } else { h }
}

async fn seed(db: &DatabaseConnection) -> Result<(), sea_orm::DbErr> {
    let now = Utc::now();
    let txn = db.begin().await?;
    let mut firms = Vec::with_capacity(FIRMS as usize);
    let mut ids = Vec::with_capacity(FIRMS as usize);
    for i in 0..FIRMS {
        let id = Uuid::now_v7();
        ids.push(id);
        let code = complete_credit_code(&format!("91140100MC{i:07}"))
            .ok_or_else(|| sea_orm::DbErr::Custom("credit code".into()))?;
        firms.push(consultancy::ActiveModel {
            id: sea_orm::Set(id),
            name: sea_orm::Set(format!("山西省第{:04}清洁生产咨询有限公司", i)),
            credit_code: sea_orm::Set(code),
            city_code: sea_orm::Set(CITIES[i as usize % CITIES.len()].to_owned()),
            address: sea_orm::Set("太原市小店区长风街1号".to_owned()),
            contact_name: sea_orm::Set("张三".to_owned()),
            contact_phone: sea_orm::Set("0351-1234567".to_owned()),
            status: sea_orm::Set(ConsultancyStatus::Active),
            version: sea_orm::Set(1),
            created_at: sea_orm::Set(now),
            updated_at: sea_orm::Set(now),
        });
    }
    for chunk in firms.chunks(CHUNK) {
        consultancy::Entity::insert_many(chunk.to_vec())
            .exec_without_returning(&txn)
            .await?;
    }
    for year in FIRST_YEAR..=LAST_YEAR {
        appraisal_year::Entity::insert(appraisal_year::ActiveModel {
            year: sea_orm::Set(year),
            scheme_source: sea_orm::Set(SchemeSource::Default),
            weight_capacity_building: sea_orm::Set(150_000),
            weight_report_quality: sea_orm::Set(300_000),
            weight_personnel_management: sea_orm::Set(150_000),
            weight_service_quality: sea_orm::Set(250_000),
            weight_service_quantity: sea_orm::Set(150_000),
            band_excellent: sea_orm::Set(900_000),
            band_good: sea_orm::Set(750_000),
            band_qualified: sea_orm::Set(600_000),
            scheme_set_by: sea_orm::Set(None),
            scheme_set_at: sea_orm::Set(None),
            published_at: sea_orm::Set(None),
            published_by: sea_orm::Set(None),
            entry_count: sea_orm::Set(None),
            previous_year: sea_orm::Set(None),
            version: sea_orm::Set(0),
            created_at: sea_orm::Set(now),
            updated_at: sea_orm::Set(now),
        })
        .exec_without_returning(&txn)
        .await?;
        let rules: Vec<appraisal_finding_rule::ActiveModel> = [
            (FindingKind::MajorDefect, 50_000, false),
            (FindingKind::Omission, 30_000, false),
            (FindingKind::Falsification, 200_000, true),
            (FindingKind::WrongConclusion, 100_000, false),
        ]
        .into_iter()
        .map(|(kind, points, veto)| appraisal_finding_rule::ActiveModel {
            year: sea_orm::Set(year),
            finding_kind: sea_orm::Set(kind),
            points: sea_orm::Set(points),
            veto: sea_orm::Set(veto),
        })
        .collect();
        appraisal_finding_rule::Entity::insert_many(rules)
            .exec_without_returning(&txn)
            .await?;

        let mut rows = Vec::with_capacity(FIRMS as usize);
        let mut deductions = Vec::new();
        for (i, id) in ids.iter().enumerate() {
            let i = i as u32;
            let s: Vec<i64> = (0..5).map(|d| score(i, year, d)).collect();
            // Weighted sum in ten-thousandths of a point; one manual deduction of 1.50 for
            // every seventh firm.
            let weighted = s[0] * 15 + s[1] * 30 + s[2] * 15 + s[3] * 25 + s[4] * 15;
            let deduct = if i % 7 == 0 { 150 } else { 0 };
            let total_hundredths = (weighted + 50) / 100 - deduct;
            let grade = match total_hundredths {
                t if t >= 9000 => Grade::Excellent,
                t if t >= 7500 => Grade::Good,
                t if t >= 6000 => Grade::Qualified,
                _ => Grade::Unqualified,
            };
            let appraisal_id = Uuid::now_v7();
            rows.push(appraisal::ActiveModel {
                id: sea_orm::Set(appraisal_id),
                consultancy_id: sea_orm::Set(*id),
                year: sea_orm::Set(year),
                capacity_building: sea_orm::Set(units(s[0])),
                report_quality: sea_orm::Set(units(s[1])),
                personnel_management: sea_orm::Set(units(s[2])),
                service_quality: sea_orm::Set(units(s[3])),
                service_quantity: sea_orm::Set(units(s[4])),
                weight_capacity_building: sea_orm::Set(150_000),
                weight_report_quality: sea_orm::Set(300_000),
                weight_personnel_management: sea_orm::Set(150_000),
                weight_service_quality: sea_orm::Set(250_000),
                weight_service_quantity: sea_orm::Set(150_000),
                total_deduction: sea_orm::Set(units(deduct)),
                total: sea_orm::Set(units(total_hundredths.max(0))),
                grade: sea_orm::Set(grade),
                vetoed: sea_orm::Set(false),
                audits_served: sea_orm::Set((i % 13) as i32),
                evaluations_held: sea_orm::Set((i % 13) as i32),
                evaluations_passed: sea_orm::Set((i % 11) as i32),
                acceptances_held: sea_orm::Set((i % 5) as i32),
                acceptances_passed: sea_orm::Set((i % 4) as i32),
                acceptance_failure_clients: sea_orm::Set(0),
                clients_three_years: sea_orm::Set((i % 17) as i32),
                lead_auditors_off_staff: sea_orm::Set(0),
                recheck_findings: sea_orm::Set(0),
                staff_count: sea_orm::Set((i % 30) as i32),
                training_hours: sea_orm::Set(0),
                warnings: sea_orm::Set(String::new()),
                current: sea_orm::Set(true),
                superseded_at: sea_orm::Set(None),
                recorded_by: sea_orm::Set(None),
                recorded_at: sea_orm::Set(now),
            });
            if deduct > 0 {
                deductions.push(appraisal_deduction::ActiveModel {
                    id: sea_orm::Set(Uuid::now_v7()),
                    appraisal_id: sea_orm::Set(appraisal_id),
                    position: sea_orm::Set(0),
                    source: sea_orm::Set(AppraisalDeductionSource::Manual),
                    finding_kind: sea_orm::Set(None),
                    finding_id: sea_orm::Set(None),
                    reason: sea_orm::Set("年度总结逾期报送".to_owned()),
                    points: sea_orm::Set(units(deduct)),
                });
            }
        }
        for chunk in rows.chunks(CHUNK / 2) {
            appraisal::Entity::insert_many(chunk.to_vec())
                .exec_without_returning(&txn)
                .await?;
        }
        for chunk in deductions.chunks(CHUNK) {
            appraisal_deduction::Entity::insert_many(chunk.to_vec())
                .exec_without_returning(&txn)
                .await?;
        }
    }
    txn.commit().await
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

async fn measure(state: &AppState, label: &str) -> Result<(), String> {
    let app = init_service(cleanprod::build_app(state.clone())).await;
    let admin = {
        let body = json!({ "query": "mutation { login(username: \"admin\", password: \"bench-admin-password\") { token } }" });
        let req = TestRequest::post()
            .uri("/graphql")
            .insert_header(("content-type", "application/json"))
            .set_payload(body.to_string())
            .to_request();
        let res = call_service(&app, req).await;
        let value: Value =
            serde_json::from_slice(&read_body(res).await).map_err(|e| e.to_string())?;
        value["data"]["login"]["token"]
            .as_str()
            .ok_or_else(|| format!("login failed: {value}"))?
            .to_owned()
    };
    for (case, year, token) in [
        ("published 2024, anonymous", 2024, None),
        ("open 2025, province admin", 2025, Some(admin.as_str())),
    ] {
        let payload = json!({ "query": PUBLISHED_QUERY, "variables": { "y": year } }).to_string();
        let mut times = Vec::with_capacity(RUNS);
        let mut response_bytes = 0;
        for run in 0..WARM_UP + RUNS {
            let mut req = TestRequest::post()
                .uri("/graphql")
                .insert_header(("content-type", "application/json"))
                .set_payload(payload.clone());
            if let Some(token) = token {
                req = req.insert_header(("authorization", format!("Bearer {token}")));
            }
            let started = Instant::now();
            let res = call_service(&app, req.to_request()).await;
            let body = read_body(res).await;
            let elapsed = started.elapsed();
            if run == 0 {
                response_bytes = body.len();
                let value: Value = serde_json::from_slice(&body).map_err(|e| e.to_string())?;
                let entries = value["data"]["consultancyRanking"]["entries"]
                    .as_array()
                    .map(Vec::len)
                    .ok_or_else(|| format!("no entries: {value}"))?;
                if entries != FIRMS as usize {
                    return Err(format!("{entries} entries, expected {FIRMS}"));
                }
            }
            if run >= WARM_UP {
                times.push(elapsed);
            }
        }
        times.sort_unstable();
        println!(
            "{label:<10} {case:<28} median {:>9}  p99 {:>9}  max {:>9}  ({RUNS} runs, {} bytes)",
            ms(percentile(&times, 50.0)),
            ms(percentile(&times, 99.0)),
            ms(*times.last().unwrap_or(&Duration::ZERO)),
            response_bytes
        );
    }
    Ok(())
}

async fn run_on(url: &str, label: &str) -> Result<(), String> {
    let conn = db::connect(url).await.map_err(|e| e.to_string())?;
    db::migrate(&conn).await.map_err(|e| e.to_string())?;
    cleanprod::services::users::bootstrap_admin(&conn, Some("bench-admin-password"))
        .await
        .map_err(|e| format!("{e:?}"))?;
    let started = Instant::now();
    seed(&conn).await.map_err(|e| e.to_string())?;
    for year in FIRST_YEAR..LAST_YEAR {
        publish_ranking(&conn, &Viewer::System, year)
            .await
            .map_err(|e| format!("publish {year}: {e:?}"))?;
    }
    println!(
        "{label:<10} seeded {FIRMS} firms × {} years and published {}–{} in {:.1} s",
        LAST_YEAR - FIRST_YEAR + 1,
        FIRST_YEAR,
        LAST_YEAR - 1,
        started.elapsed().as_secs_f64()
    );
    let mut config = Config::with_database(url);
    config.jwt_secret = Some(b"bench-secret-bench-secret-bench-secret-01".to_vec());
    config.data_key = Some(b"bench-data-key-bench-data-key-bench-data".to_vec());
    let state = AppState::new(config, conn)
        .await
        .map_err(|e| format!("{e:?}"))?;
    measure(&state, label).await
}

fn with_database_name(url: &str, name: &str) -> String {
    let (base, query) = url
        .split_once('?')
        .map_or((url, None), |(b, q)| (b, Some(q)));
    let prefix = base.rfind('/').map_or(base, |i| &base[..i]);
    match query {
        Some(q) => format!("{prefix}/{name}?{q}"),
        None => format!("{prefix}/{name}"),
    }
}

async fn bench() -> Result<(), String> {
    install_crypto_provider();
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let sqlite = format!(
        "sqlite://{}?mode=rwc",
        dir.path().join("bench.db").display()
    );
    run_on(&sqlite, "SQLite").await?;

    let admin_url = std::env::var("CLEANPROD_BENCH_PG_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_owned());
    if admin_url == "skip" {
        println!("PostgreSQL skipped (CLEANPROD_BENCH_PG_URL=skip)");
        return Ok(());
    }
    let name = format!("cleanprod_bench_{}", Uuid::now_v7().simple());
    let admin = Database::connect(&admin_url)
        .await
        .map_err(|e| format!("PostgreSQL at {admin_url}: {e}"))?;
    admin
        .execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
        .await
        .map_err(|e| e.to_string())?;
    let result = run_on(&with_database_name(&admin_url, &name), "PostgreSQL").await;
    // Dropped whatever happened above.
    let dropped = admin
        .execute_unprepared(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
        .await;
    let _ = admin.close().await;
    result?;
    dropped.map(|_| ()).map_err(|e| e.to_string())
}

fn main() {
    // `cargo bench` passes `--bench`; nothing else is taken.
    let outcome = actix_web::rt::System::new().block_on(bench());
    if let Err(message) = outcome {
        eprintln!("bench failed: {message}");
        std::process::exit(1);
    }
}
