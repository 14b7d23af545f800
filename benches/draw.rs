//! Benchmark of `drawPanel` (the service behind it) on a large pool: 20 000 experts and
//! 200 000 past seats, on SQLite and on PostgreSQL. Not a test: run it with
//!
//! ```sh
//! cargo bench --bench draw
//! ```
//!
//! It seeds each database in bulk (`insert_many` in large transactions), then draws
//! `CLEANPROD_BENCH_DRAWS` (default 200) panels on fresh scheduled reviews, one after the
//! other, and prints the median, p99 and maximum time of a draw and the SQL statements each
//! draw ran. PostgreSQL: `CLEANPROD_BENCH_PG_URL` (default
//! `postgres://postgres@127.0.0.1:5432/test`; `skip` to leave it out) names a server where a
//! database is created for the run and dropped after.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use chrono::{NaiveDate, Utc};
use entity::domain::{
    AuditMode, AuditProcedure, AuditStatus, ConflictKind, ConsultancyStatus, DisclosureChannel,
    DrawRoundKind, EnterpriseScale, ExpertStatus, ExpertiseKind, Gender, ProfessionalTitle,
    ReviewKind, ReviewOutcome, ReviewStatus, SeatStatus, Sector, StaffRole,
};
use entity::{
    audit, consultancy, consultancy_staff, enterprise, expert, expert_conflict, expert_kind,
    expert_seat_count, expert_sector, expert_unavailability, panel, panel_draw, panel_seat,
};
use rand_chacha::ChaCha20Rng;
use rand_core::{RngCore, SeedableRng};
use sea_orm::{
    ActiveModelTrait, ConnectionTrait, Database, DatabaseConnection, EntityTrait, Set,
    TransactionTrait,
};
use uuid::Uuid;

use cleanprod::auth::Viewer;
use cleanprod::config::Config;
use cleanprod::services::audits::ScheduledReview;
use cleanprod::services::draw::{self, DrawInput, NewSeat};
use cleanprod::{AppState, db};

const EXPERTS: usize = 20_000;
const PAST_SEATS: usize = 200_000;
const ENTERPRISES: usize = 2_000;
const SEATS_PER_PANEL: usize = 4;
const SECTORS: [Sector; 13] = [
    Sector::Energy,
    Sector::Steel,
    Sector::CokingCoalChemical,
    Sector::BuildingMaterials,
    Sector::Nonferrous,
    Sector::Chemical,
    Sector::Dyeing,
    Sector::Paper,
    Sector::Pharmaceutical,
    Sector::Electroplating,
    Sector::AgriFood,
    Sector::IndustrialCoating,
    Sector::PackagingPrinting,
];
const KINDS: [ExpertiseKind; 4] = [
    ExpertiseKind::IndustryProcess,
    ExpertiseKind::Environmental,
    ExpertiseKind::Energy,
    ExpertiseKind::AuditMethod,
];
/// The year the benchmark's reviews (and a fifth of the past seats) fall in.
const DRAW_YEAR: i32 = 2027;

type BenchResult<T> = Result<T, String>;

fn err(e: impl std::fmt::Display) -> String {
    e.to_string()
}

struct Rng(ChaCha20Rng);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        (self.0.next_u64() % n as u64) as usize
    }
    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }
}

fn date(year: i32, day_of_year: u32) -> NaiveDate {
    NaiveDate::from_yo_opt(year, day_of_year.clamp(1, 365)).unwrap_or(NaiveDate::MIN)
}

/// Inserts rows in chunks inside one transaction.
async fn insert_all<A>(db: &DatabaseConnection, rows: Vec<A>, chunk: usize) -> BenchResult<()>
where
    A: ActiveModelTrait + Send,
{
    let txn = db.begin().await.map_err(err)?;
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let part: Vec<A> = rows.by_ref().take(chunk).collect();
        <A::Entity as EntityTrait>::insert_many(part)
            .exec_without_returning(&txn)
            .await
            .map_err(err)?;
    }
    txn.commit().await.map_err(err)
}

/// One pick below `n`, then as many more as `more` draws, sorted and without repeats.
fn distinct_picks(rng: &mut Rng, n: usize, more: impl FnOnce(&mut Rng) -> usize) -> Vec<usize> {
    let mut picks = vec![rng.below(n)];
    for _ in 0..more(rng) {
        picks.push(rng.below(n));
    }
    picks.sort_unstable();
    picks.dedup();
    picks
}

struct Seeded {
    reviews: Vec<Uuid>,
}

async fn seed(db: &DatabaseConnection, draws: usize) -> BenchResult<Seeded> {
    let mut rng = Rng(ChaCha20Rng::seed_from_u64(2026));
    let now = Utc::now();
    let cities: Vec<String> = (1..=11).map(|i| format!("14{i:02}00")).collect();

    // Experts with their sectors and kinds.
    let mut experts = Vec::with_capacity(EXPERTS);
    let mut sectors = Vec::new();
    let mut kinds = Vec::new();
    let mut expert_ids = Vec::with_capacity(EXPERTS);
    for i in 0..EXPERTS {
        let id = Uuid::now_v7();
        expert_ids.push(id);
        let status = match rng.below(100) {
            0..=91 => ExpertStatus::Active,
            92..=95 => ExpertStatus::Suspended,
            96..=97 => ExpertStatus::Candidate,
            _ => ExpertStatus::Removed,
        };
        let term_end = if rng.chance(3) {
            date(2026, 100)
        } else {
            date(2030, 365)
        };
        experts.push(expert::ActiveModel {
            id: Set(id),
            name: Set(format!("专家{i}")),
            gender: Set(Gender::Female),
            birth_date: Set(date(1960 + (i % 30) as i32, 100)),
            id_card_number: Set(format!("bench-{i}")),
            phone: Set("bench".into()),
            email: Set(None),
            employer: Set("单位".into()),
            employer_credit_code: Set(format!("91140100MA{:08}", rng.below(50_000))),
            title: Set(ProfessionalTitle::Senior),
            years_in_field: Set(15),
            city_code: Set(cities[rng.below(cities.len())].clone()),
            term_start: Set(date(2024, 1)),
            term_end: Set(term_end),
            status: Set(status),
            version: Set(1),
            created_at: Set(now),
            updated_at: Set(now),
            id_card_hmac: Set(Some(format!("bench-{i}"))),
        });
        for s in distinct_picks(&mut rng, SECTORS.len(), |r| r.below(3)) {
            sectors.push(expert_sector::ActiveModel {
                expert_id: Set(id),
                sector: Set(SECTORS[s]),
            });
        }
        for k in distinct_picks(&mut rng, KINDS.len(), |r| usize::from(r.chance(50))) {
            kinds.push(expert_kind::ActiveModel {
                expert_id: Set(id),
                kind: Set(KINDS[k]),
            });
        }
    }
    insert_all(db, experts, 1_000).await?;
    insert_all(db, sectors, 5_000).await?;
    insert_all(db, kinds, 5_000).await?;

    // Firms, staff, enterprises.
    let mut firms = Vec::new();
    let mut staff = Vec::new();
    let mut firm_ids = Vec::new();
    let mut staff_of = Vec::new();
    for f in 0..20 {
        let id = Uuid::now_v7();
        firm_ids.push(id);
        firms.push(consultancy::ActiveModel {
            id: Set(id),
            name: Set(format!("咨询机构{f}")),
            credit_code: Set(format!("91140100MB{f:08}")),
            city_code: Set(cities[f % cities.len()].clone()),
            address: Set("地址".into()),
            contact_name: Set("联系人".into()),
            contact_phone: Set("0351-1234567".into()),
            status: Set(ConsultancyStatus::Active),
            version: Set(1),
            created_at: Set(now),
            updated_at: Set(now),
        });
        let sid = Uuid::now_v7();
        staff_of.push(sid);
        staff.push(consultancy_staff::ActiveModel {
            id: Set(sid),
            consultancy_id: Set(id),
            name: Set(format!("审核员{f}")),
            id_card_number: Set(format!("bench-staff-{f}")),
            id_card_hmac: Set(Some(format!("bench-staff-{f}"))),
            role: Set(StaffRole::Auditor),
            certificate_number: Set(None),
            started_on: Set(date(2020, 1)),
            ended_on: Set(None),
            end_reason: Set(None),
            created_at: Set(now),
            updated_at: Set(now),
        });
    }
    insert_all(db, firms, 100).await?;
    insert_all(db, staff, 100).await?;
    let mut enterprises = Vec::new();
    let mut enterprise_ids = Vec::new();
    let mut enterprise_codes = Vec::new();
    for e in 0..ENTERPRISES {
        let id = Uuid::now_v7();
        enterprise_ids.push(id);
        let code = format!("91140100MC{e:08}");
        enterprise_codes.push(code.clone());
        enterprises.push(enterprise::ActiveModel {
            id: Set(id),
            name: Set(format!("企业{e}")),
            credit_code: Set(code),
            city_code: Set(cities[e % cities.len()].clone()),
            county: Set("区县".into()),
            industry_code: Set("3120".into()),
            sector: Set(Some(SECTORS[e % SECTORS.len()])),
            employees: Set(2_000),
            operating_revenue: Set(500_000_000),
            scale: Set(EnterpriseScale::Large),
            scale_set_by_admin: Set(false),
            high_energy_use: Set(true),
            high_water_use: Set(false),
            high_emissions: Set(false),
            priority_chemicals: Set(false),
            mining_operation: Set(false),
            coating_process: Set(false),
            mandatory: Set(true),
            mandatory_row_code: Set(Some("3120".into())),
            directory_since_year: Set(Some(2021)),
            last_completed_on: Set(None),
            version: Set(1),
            created_at: Set(now),
            updated_at: Set(now),
        });
    }
    insert_all(db, enterprises, 1_000).await?;

    // Declared ties (some toward the enterprises and firms) and unavailability.
    let mut conflicts = Vec::new();
    for _ in 0..5_000 {
        let code = if rng.chance(50) {
            enterprise_codes[rng.below(ENTERPRISES)].clone()
        } else {
            format!("91140100MB{:08}", rng.below(20))
        };
        conflicts.push(expert_conflict::ActiveModel {
            id: Set(Uuid::now_v7()),
            expert_id: Set(expert_ids[rng.below(EXPERTS)]),
            kind: Set(ConflictKind::Shareholding),
            organisation_name: Set("机构".into()),
            organisation_credit_code: Set(code),
            valid_from: Set(Some(date(2018, 1))),
            valid_until: Set(if rng.chance(50) {
                None
            } else {
                Some(date(2023, 200))
            }),
            note: Set(None),
            created_at: Set(now),
        });
    }
    insert_all(db, conflicts, 2_000).await?;
    let mut unavailable = Vec::new();
    for _ in 0..3_000 {
        let start = 1 + rng.below(330) as u32;
        unavailable.push(expert_unavailability::ActiveModel {
            id: Set(Uuid::now_v7()),
            expert_id: Set(expert_ids[rng.below(EXPERTS)]),
            starts_on: Set(date(DRAW_YEAR, start)),
            ends_on: Set(date(DRAW_YEAR, start + 20)),
            reason: Set(None),
            created_at: Set(now),
        });
    }
    insert_all(db, unavailable, 2_000).await?;

    // Past panels: one closed audit and one held review each, four seats.
    let panels_needed = PAST_SEATS / SEATS_PER_PANEL;
    let mut audits = Vec::with_capacity(panels_needed);
    let mut reviews = Vec::with_capacity(panels_needed);
    let mut panel_rows = Vec::with_capacity(panels_needed);
    let mut draw_rows = Vec::with_capacity(panels_needed);
    let mut seats = Vec::with_capacity(PAST_SEATS);
    let mut taken: HashSet<(usize, NaiveDate)> = HashSet::new();
    let mut counts: HashMap<(Uuid, i32), i32> = HashMap::new();
    // A few experts were drawn a great deal in the draw year: they are at the cap.
    let busy: Vec<usize> = (0..300).map(|_| rng.below(EXPERTS)).collect();
    for p in 0..panels_needed {
        // A fifth of the seats in the draw year, the rest in the four years before.
        let year = if p % 5 == 0 {
            DRAW_YEAR
        } else {
            DRAW_YEAR - 1 - (p % 4) as i32
        };
        let on = date(year, 1 + rng.below(360) as u32);
        let e = rng.below(ENTERPRISES);
        let f = rng.below(firm_ids.len());
        let audit_id = Uuid::now_v7();
        let review_id = Uuid::now_v7();
        let panel_id = Uuid::now_v7();
        let draw_id = Uuid::now_v7();
        audits.push(past_audit(
            audit_id,
            enterprise_ids[e],
            &cities[e % cities.len()],
            year,
            firm_ids[f],
            staff_of[f],
            now,
        ));
        let mut held = ScheduledReview {
            id: review_id,
            audit_id,
            kind: ReviewKind::Evaluation,
            date: on,
            organiser_city_code: Some(cities[e % cities.len()].clone()),
            scheduled_by: None,
        }
        .into_row(now);
        held.status = Set(ReviewStatus::Held);
        held.outcome = Set(Some(ReviewOutcome::Passed));
        held.score = Set(Some(850_000));
        held.opinion = Set(Some("通过".into()));
        held.held_at = Set(Some(now));
        reviews.push(held);
        panel_rows.push(panel::ActiveModel {
            id: Set(panel_id),
            review_id: Set(review_id),
            audit_id: Set(audit_id),
            review_kind: Set(ReviewKind::Evaluation),
            review_date: Set(on),
            organiser_city_code: Set(Some(cities[e % cities.len()].clone())),
            size: Set(SEATS_PER_PANEL as i32),
            composition: Set("[]".into()),
            exclude_same_city: Set(false),
            drawn_by: Set(None),
            created_at: Set(now),
            revealed_at: Set(None),
            revealed_by: Set(None),
            reveal_reason: Set(None),
            sheets_required: Set(false),
            // Leader and confirmation: none yet (NULL).
            ..Default::default()
        });
        draw_rows.push(panel_draw::ActiveModel {
            id: Set(draw_id),
            panel_id: Set(panel_id),
            round_no: Set(1),
            kind: Set(DrawRoundKind::Initial),
            algorithm: Set("cleanprod-draw-v1/chacha20".into()),
            review_id: Set(review_id),
            review_date: Set(on),
            server_random: Set("00".repeat(32)),
            witness_nonce: Set(String::new()),
            seed: Set("00".repeat(32)),
            slots: Set("[]".into()),
            replaced_seat_id: Set(None),
            replaced_slot: Set(None),
            already_invited: Set("[]".into()),
            eligible_count: Set(0),
            eligible_digest: Set(String::new()),
            pool_digest: Set(String::new()),
            pool_snapshot: Set(None),
            eligible: Set(vec![1]),
            excluded_counts: Set("{}".into()),
            excluded_total: Set(0),
            excluded: Set(vec![1]),
            context: Set("{}".into()),
            drawn_by: Set(None),
            drawn_at: Set(now),
            commitment_id: Set(None),
            commitment: Set(None),
            committed_at: Set(None),
        });
        let mut on_panel = Vec::new();
        while on_panel.len() < SEATS_PER_PANEL {
            let x = if year == DRAW_YEAR && rng.chance(10) {
                busy[rng.below(busy.len())]
            } else {
                rng.below(EXPERTS)
            };
            if on_panel.contains(&x) || taken.contains(&(x, on)) {
                continue;
            }
            let key = (expert_ids[x], year);
            if counts.get(&key).copied().unwrap_or(0) >= 12 {
                continue;
            }
            on_panel.push(x);
        }
        for (slot, x) in on_panel.into_iter().enumerate() {
            let status = match rng.below(100) {
                0..=84 => SeatStatus::Attended,
                85..=94 => SeatStatus::Declined,
                _ => SeatStatus::NoShow,
            };
            if status != SeatStatus::Declined {
                taken.insert((x, on));
                *counts.entry((expert_ids[x], year)).or_default() += 1;
            }
            // Only the status is past: what a seat records after it (answers, attendance,
            // ratings) does not matter to a draw.
            let seat = NewSeat {
                panel_id,
                draw_id,
                review_id,
                review_date: on,
                expert_id: expert_ids[x],
                slot_index: slot as i32,
                replaces_seat_id: None,
            }
            .invited(now);
            seats.push(panel_seat::ActiveModel::from(panel_seat::Model {
                status,
                ..seat
            }));
        }
    }
    insert_all(db, audits, 1_000).await?;
    insert_all(db, reviews, 2_000).await?;
    insert_all(db, panel_rows, 2_000).await?;
    insert_all(db, draw_rows, 1_000).await?;
    insert_all(db, seats, 1_000).await?;
    let counters: Vec<expert_seat_count::ActiveModel> = counts
        .into_iter()
        .map(
            |((expert_id, year), seats)| expert_seat_count::ActiveModel {
                expert_id: Set(expert_id),
                year: Set(year),
                seats: Set(seats),
            },
        )
        .collect();
    insert_all(db, counters, 5_000).await?;

    // The reviews to draw for: one open audit each, on days spread over the draw year.
    let mut audits = Vec::new();
    let mut open_reviews = Vec::new();
    let mut review_ids = Vec::new();
    for i in 0..draws {
        let e = i % ENTERPRISES;
        let f = i % firm_ids.len();
        let audit_id = Uuid::now_v7();
        let review_id = Uuid::now_v7();
        review_ids.push(review_id);
        let mut a = past_audit(
            audit_id,
            enterprise_ids[e],
            &cities[e % cities.len()],
            DRAW_YEAR,
            firm_ids[f],
            staff_of[f],
            now,
        );
        a.status = Set(AuditStatus::ReportSubmitted);
        a.closed = Set(false);
        a.last_outcome = Set(None);
        a.accepted_on = Set(None);
        a.evaluated_on = Set(None);
        audits.push(a);
        open_reviews.push(
            ScheduledReview {
                id: review_id,
                audit_id,
                kind: ReviewKind::Evaluation,
                date: date(DRAW_YEAR, 60 + (i % 250) as u32),
                organiser_city_code: Some(cities[e % cities.len()].clone()),
                scheduled_by: None,
            }
            .into_row(now),
        );
    }
    insert_all(db, audits, 1_000).await?;
    insert_all(db, open_reviews, 1_000).await?;
    Ok(Seeded {
        reviews: review_ids,
    })
}

fn past_audit(
    id: Uuid,
    enterprise_id: Uuid,
    city: &str,
    year: i32,
    firm: Uuid,
    lead: Uuid,
    now: chrono::DateTime<Utc>,
) -> audit::ActiveModel {
    audit::ActiveModel {
        id: Set(id),
        enterprise_id: Set(enterprise_id),
        city_code: Set(city.to_owned()),
        year: Set(year),
        status: Set(AuditStatus::Accepted),
        last_outcome: Set(Some(ReviewOutcome::Passed)),
        closed: Set(true),
        mode: Set(AuditMode::Strict),
        procedure: Set(AuditProcedure::Full),
        notice_date: Set(date(year, 60)),
        started_on: Set(Some(date(year, 70))),
        consultancy_id: Set(Some(firm)),
        lead_auditor_id: Set(Some(lead)),
        report_submitted_on: Set(Some(date(year, 80))),
        evaluated_on: Set(Some(date(year, 90))),
        accepted_on: Set(Some(date(year, 300))),
        disclosed_on: Set(Some(date(year, 65))),
        disclosure_channel: Set(Some(DisclosureChannel::OwnWebsite)),
        disclosure_url: Set(Some("https://example.cn/audit".to_owned())),
        disclosure_content: Set(Some("审核计划".to_owned())),
        self_organised: Set(false),
        cycle_start_year: Set(year),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
        // What these audits never had (a list, an extension, a team leader, a deadline due, a
        // delegation): NULL.
        ..Default::default()
    }
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    // Nearest rank.
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

async fn run(label: &str, url: &str, draws: usize) -> BenchResult<()> {
    let mut conn = db::connect(url).await.map_err(err)?;
    let statements = Arc::new(AtomicUsize::new(0));
    let counter = statements.clone();
    conn.set_metric_callback(move |_| {
        counter.fetch_add(1, Ordering::Relaxed);
    });
    db::migrate(&conn).await.map_err(err)?;
    let started = Instant::now();
    let seeded = seed(&conn, draws).await?;
    println!(
        "{label}: seeded {EXPERTS} experts, {PAST_SEATS} past seats in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    if url.starts_with("postgres") {
        conn.execute_unprepared("ANALYZE").await.map_err(err)?;
    }
    let mut config = Config::with_database(url);
    config.jwt_secret = Some(b"bench-secret-bench-secret-bench-secret!!".to_vec());
    config.data_key = Some(b"bench-data-key-bench-data-key-bench-data".to_vec());
    let state = AppState::new(config, conn)
        .await
        .map_err(|e| format!("{e:?}"))?;
    let services = &state.services;

    let mut times = Vec::with_capacity(draws);
    let mut queries = Vec::with_capacity(draws);
    let mut eligible = 0i64;
    for (i, review_id) in seeded.reviews.iter().enumerate() {
        // Opening the draw (the commitment) is the organiser's step before the witness's.
        draw::open_draw(services, &Viewer::System, *review_id)
            .await
            .map_err(|e| format!("open draw {i} failed: {}", e.client_message()))?;
        let before = statements.load(Ordering::Relaxed);
        let t = Instant::now();
        let panel = draw::draw_panel(
            services,
            &Viewer::System,
            DrawInput {
                review_id: *review_id,
                size: None,
                exclude_same_city: i % 2 == 0,
                witness_nonce: Some(format!("bench {i}")),
                composition: None,
            },
        )
        .await
        .map_err(|e| format!("draw {i} failed: {}", e.client_message()))?
        .panel;
        times.push(t.elapsed());
        queries.push(statements.load(Ordering::Relaxed) - before);
        if i == 0 {
            use sea_orm::{ColumnTrait, QueryFilter};
            eligible = panel_draw::Entity::find()
                .filter(panel_draw::Column::PanelId.eq(panel.id))
                .one(&services.db)
                .await
                .map_err(err)?
                .map_or(0, |r| i64::from(r.eligible_count));
        }
    }
    // The first few draws warm caches and prepared statements: report them apart.
    let warm = 5.min(times.len());
    let mut steady: Vec<Duration> = times[warm..].to_vec();
    steady.sort_unstable();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let (min_q, max_q) = (
        queries.iter().min().copied().unwrap_or(0),
        queries.iter().max().copied().unwrap_or(0),
    );
    // On PostgreSQL the draw itself runs on the draw queue's own connections, which this
    // count does not see: it covers the request's checks before the draw is queued.
    let counted = if url.starts_with("postgres") {
        "SQL statements per draw before it is queued"
    } else {
        "SQL statements per draw"
    };
    println!(
        "{label}: {} draws (after {warm} warm-up), ~{eligible} eligible of {EXPERTS}: median {:.1} ms, p99 {:.1} ms, max {:.1} ms; {min_q}–{max_q} {counted}",
        steady.len(),
        ms(percentile(&steady, 50.0)),
        ms(percentile(&steady, 99.0)),
        ms(steady.last().copied().unwrap_or_default()),
    );
    Ok(())
}

async fn postgres(draws: usize) -> BenchResult<()> {
    let admin_url = std::env::var("CLEANPROD_BENCH_PG_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_owned());
    if admin_url == "skip" {
        println!("postgres: skipped (CLEANPROD_BENCH_PG_URL=skip)");
        return Ok(());
    }
    let name = format!("cleanprod_bench_{}", Uuid::now_v7().simple());
    let admin = Database::connect(&admin_url).await.map_err(err)?;
    admin
        .execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
        .await
        .map_err(err)?;
    let base = admin_url
        .rsplit_once('/')
        .map_or(admin_url.as_str(), |(b, _)| b);
    let result = run("postgres", &format!("{base}/{name}"), draws).await;
    let _ = admin
        .execute_unprepared(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
        .await;
    result
}

fn main() {
    // `cargo bench` passes `--bench`; nothing else is read from the command line.
    let draws: usize = std::env::var("CLEANPROD_BENCH_DRAWS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(200);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("cannot start a runtime: {e}");
            std::process::exit(1);
        }
    };
    let outcome = runtime.block_on(async {
        let dir = tempfile::tempdir().map_err(err)?;
        let url = format!(
            "sqlite://{}?mode=rwc",
            dir.path().join("bench.db").display()
        );
        run("sqlite", &url, draws).await?;
        postgres(draws).await
    });
    if let Err(message) = outcome {
        eprintln!("benchmark failed: {message}");
        std::process::exit(1);
    }
}
