//! `cleanprod seed-demo`: realistic, deterministic demo data at provincial scale.
//!
//! Everything derives from one fixed seed (ChaCha20), including the UUID v7 ids (a synthetic
//! clock and generated random bits), so two runs at the same scale produce the same rows —
//! except the appraisals and rankings, which go through the services (see `appraisals`) and
//! take their ids from the clock.
//! Rows go in with multi-row inserts inside a few large transactions — one round trip per
//! few hundred rows on SQLite, up to two thousand on PostgreSQL, not per row. On PostgreSQL
//! the big tables' foreign keys and secondary indexes are set aside while a transaction fills
//! them and put back before it commits (see `set_aside`). Personal data is encrypted as the
//! services would.
//!
//! Scale 1 is about 2 000 experts, 200 consultancies with 1 500 staff, 5 000 enterprises over
//! the 11 cities and the annex's industries, 15 000 audits over five years with their options,
//! reviews and transitions, a verifiable panel for every held review (~95 000 seats; the
//! yearly seat cap is what bounds them), 100 training sessions with 10 000 sign-ins, and five
//! years of appraisals with their published rankings.

use std::collections::HashMap;

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use entity::{
    audit, audit_transition, consultancy, consultancy_staff, enterprise, expert, expert_kind,
    expert_sector, improvement_option, review,
};
use rand_chacha::ChaCha20Rng;
use rand_core::{RngCore, SeedableRng};
use rust_decimal::Decimal;
use sea_orm::{
    ActiveModelTrait, ConnectionTrait, DbBackend, EntityName, EntityTrait, Iterable,
    PaginatorTrait, QueryTrait, Set,
};
use serde_json::json;
use uuid::Uuid;

use crate::auth::Viewer;
use crate::auth::password::hash_password;
use crate::db::{begin_write, refresh_statistics};
use crate::domain::{
    AuditEventKind, AuditProcedure, AuditStatus, ConsultancyStatus, DisclosureChannel,
    EnterpriseScale, ExpertStatus, ExpertiseKind, Gender, OptionKind, ProfessionalTitle,
    ReviewKind, ReviewOutcome, ReviewStatus, Role, Sector, StaffRole, TrainingParticipantKind,
};
use crate::error::{AppError, AppResult};
use crate::rules::audit_lifecycle::{audit_mode, option_needs_acceptance};
use crate::rules::checksum::{complete_credit_code, complete_id_card};
use crate::rules::deadlines::{AuditDates, audit_deadline};
use crate::rules::draw_record::Profile;
use crate::rules::mandatory::mandatory_verdict;
use crate::rules::scale::classify_scale;

use super::amounts::SCALE;
use super::audits::ScheduledReview;
use super::users::{BindingInput, new_user};
use super::versioned::{StatusChange, StatusTracked};
use super::{Services, audit_log};

mod appraisals;
mod panels;
mod set_aside;
mod training;

use panels::{HeldReview, PoolExpert};
use training::Trainee;

/// The value a generated row was given (every demo column is set).
fn set_or_default<T: Clone + Default + Into<sea_orm::Value>>(value: &sea_orm::ActiveValue<T>) -> T {
    match value {
        sea_orm::ActiveValue::Set(v) | sea_orm::ActiveValue::Unchanged(v) => v.clone(),
        sea_orm::ActiveValue::NotSet => T::default(),
    }
}

/// The fixed seed: change it and every generated row changes.
pub const DEMO_SEED: u64 = 0x5348_414e_5849_2022; // "SHANXI 2022"
/// Multi-row inserts of this many rows stay under SQLite's bound-variable limit.
const BATCH: usize = 400;
/// PostgreSQL binds up to 65 535 values a statement: there a batch takes as many rows as fit,
/// up to this many (fewer, larger statements; each text is prepared once per connection).
const PG_BATCH: usize = 2_048;
const PG_MAX_BINDS: usize = 65_535;
/// The five audit years the demo covers.
const FIRST_YEAR: i32 = 2021;
const YEARS: i32 = 5;

const CITIES: [(&str, &str); 11] = [
    ("140100", "太原"),
    ("140200", "大同"),
    ("140300", "阳泉"),
    ("140400", "长治"),
    ("140500", "晋城"),
    ("140600", "朔州"),
    ("140700", "晋中"),
    ("140800", "运城"),
    ("140900", "忻州"),
    ("141000", "临汾"),
    ("141100", "吕梁"),
];
const SURNAMES: &str = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段雷钱汤尹黎易常武乔贺赖龚文";
const GIVEN: &str =
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉萍红鹏辉建国志文斌宇浩凯健俊帆帅旭宁琳晶颖";
const FIRM_WORDS: [&str; 12] = [
    "晋华",
    "汾河",
    "太行",
    "吕梁山",
    "三晋",
    "恒信",
    "中环",
    "绿源",
    "清源",
    "宏达",
    "鑫盛",
    "瑞丰",
];
const EMPLOYERS: [&str; 8] = [
    "山西省环境科学研究院",
    "太原理工大学",
    "山西大学",
    "中北大学",
    "山西省节能中心",
    "山西省生态环境监测中心",
    "山西焦煤集团有限责任公司",
    "晋能控股集团有限公司",
];
const OPTION_TITLES: [&str; 8] = [
    "余热回收利用改造",
    "循环冷却水系统优化",
    "除尘设施提标改造",
    "电机变频节能改造",
    "原料堆场全封闭",
    "VOCs 收集治理",
    "加强设备跑冒滴漏管理",
    "优化操作规程与培训",
];

/// What the audits and panels need to know of an enterprise.
struct EnterpriseMeta {
    id: Uuid,
    city: String,
    mode: crate::domain::AuditMode,
    sector: Option<Sector>,
    credit_code: String,
}

/// What was created, for the caller's summary.
#[derive(Debug, Default, Clone)]
pub struct SeedReport {
    pub counts: Vec<(&'static str, u64)>,
}

impl SeedReport {
    /// Inserts `rows` (see [`insert_batches`]), the progress naming them `stage`, and counts
    /// them under `label`.
    async fn insert<A: ActiveModelTrait + Send>(
        &mut self,
        db: &impl ConnectionTrait,
        (label, stage): (&'static str, &str),
        rows: Vec<A>,
        progress: &dyn Progress,
    ) -> AppResult<()> {
        let count = insert_batches(db, rows, stage, progress).await?;
        self.counts.push((label, count));
        Ok(())
    }
}

/// Reports progress: (stage, done, total).
pub trait Progress {
    fn update(&self, stage: &str, done: u64, total: u64);
}

/// A deterministic generator with the few draws the demo needs.
struct Gen {
    rng: ChaCha20Rng,
    clock_ms: u64,
}

impl Gen {
    fn new() -> Gen {
        Gen {
            rng: ChaCha20Rng::seed_from_u64(DEMO_SEED),
            // 2026-01-01T00:00:00Z: ids sort in generation order.
            clock_ms: 1_767_225_600_000,
        }
    }

    /// Uniform enough below `n` for demo data (n is tiny next to 2^64).
    fn below(&mut self, n: u64) -> u64 {
        if n == 0 { 0 } else { self.rng.next_u64() % n }
    }

    fn range(&mut self, low: i64, high_inclusive: i64) -> i64 {
        let span = (high_inclusive - low + 1).max(1) as u64;
        low + self.below(span) as i64
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }

    fn pick_char(&mut self, chars: &str) -> char {
        let n = chars.chars().count() as u64;
        chars.chars().nth(self.below(n) as usize).unwrap_or('华')
    }

    fn id(&mut self) -> Uuid {
        self.clock_ms += 1;
        let mut random = [0u8; 10];
        self.rng.fill_bytes(&mut random);
        uuid::Builder::from_unix_timestamp_millis(self.clock_ms, &random).into_uuid()
    }

    fn person_name(&mut self) -> String {
        let mut name = String::new();
        name.push(self.pick_char(SURNAMES));
        name.push(self.pick_char(GIVEN));
        if self.chance(60) {
            name.push(self.pick_char(GIVEN));
        }
        name
    }

    fn date_in(&mut self, year: i32, from_day: u32, to_day: u32) -> NaiveDate {
        let day = self.range(i64::from(from_day), i64::from(to_day)) as u32;
        NaiveDate::from_yo_opt(year, day.min(365)).unwrap_or(NaiveDate::MIN)
    }

    fn id_card(&mut self, birth: NaiveDate, male: bool) -> String {
        let city = self.pick(&CITIES).0;
        let district = &city[..4];
        let serial = self.range(0, 99) * 10 + if male { 1 } else { 2 } + self.range(0, 3) * 2;
        let first17 = format!(
            "{district}{:02}{}{:03}",
            self.range(1, 30),
            birth.format("%Y%m%d"),
            serial % 1000
        );
        complete_id_card(&first17).unwrap_or_default()
    }

    fn credit_code(&mut self, city_code: &str, serial: u64) -> String {
        let first17 = format!("91{city_code}MA{:07}", serial % 10_000_000);
        complete_credit_code(&first17).unwrap_or_default()
    }

    fn phone(&mut self) -> String {
        format!("13{:09}", self.below(1_000_000_000))
    }

    fn amount(&mut self, low: i64, high: i64) -> i64 {
        // Whole units with up to two decimals, stored in ten-thousandths.
        self.range(low * 100, high * 100) * 10i64.pow(SCALE - 2)
    }
}

/// 09:00 in China (UTC+8) on `date`: the start of a working day there.
fn at(date: NaiveDate) -> DateTime<Utc> {
    date.and_hms_opt(1, 0, 0)
        .map(|dt| Utc.from_utc_datetime(&dt))
        .unwrap_or_else(Utc::now)
}

/// Rows a multi-row insert of `A` takes on `backend`.
fn batch_rows<A: ActiveModelTrait>(backend: DbBackend) -> usize {
    if backend == DbBackend::Postgres {
        let columns = <A::Entity as EntityTrait>::Column::iter().count().max(1);
        (PG_MAX_BINDS / columns).clamp(1, PG_BATCH)
    } else {
        BATCH
    }
}

/// Inserts `rows` in multi-row statements, building the next statement while the database
/// runs the current one: the loader's CPU and the database's then overlap.
async fn insert_batches<A, C>(
    db: &C,
    rows: Vec<A>,
    stage: &str,
    progress: &dyn Progress,
) -> AppResult<u64>
where
    A: ActiveModelTrait + Send,
    C: ConnectionTrait,
{
    let backend = db.get_database_backend();
    let batch = batch_rows::<A>(backend);
    let total = rows.len() as u64;
    let mut rows = rows.into_iter();
    let mut next_statement = || {
        let chunk: Vec<A> = rows.by_ref().take(batch).collect();
        let len = chunk.len() as u64;
        (len > 0).then(|| {
            (
                len,
                <A::Entity as EntityTrait>::insert_many(chunk).build(backend),
            )
        })
    };
    let mut done = 0u64;
    progress.update(stage, 0, total);
    let mut pending = next_statement();
    while let Some((len, statement)) = pending {
        let (ran, next) = tokio::join!(db.execute_raw(statement), async { next_statement() });
        ran?;
        done += len;
        progress.update(stage, done, total);
        pending = next;
    }
    Ok(total)
}

/// Puts back what [`set_aside::set_aside`] set aside, as a stage of its own.
async fn restore(
    txn: &impl ConnectionTrait,
    set_aside: set_aside::SetAside,
    progress: &dyn Progress,
) -> AppResult<()> {
    let stage = "indexes and keys";
    progress.update(stage, 0, 1);
    set_aside.restore(txn).await?;
    progress.update(stage, 1, 1);
    Ok(())
}

/// Fills an empty registry. Refuses when experts or enterprises exist already, so that demo
/// rows never mix with real ones.
pub async fn seed_demo(
    s: &Services,
    scale: u32,
    user_password: &str,
    progress: &dyn Progress,
) -> AppResult<SeedReport> {
    if scale == 0 || scale > 100 {
        return Err(AppError::bad_input("scale", "must be between 1 and 100"));
    }
    let db = &s.db;
    if expert::Entity::find().count(db).await? > 0
        || enterprise::Entity::find().count(db).await? > 0
    {
        return Err(AppError::conflict(
            "the database already holds experts or enterprises; seed an empty one",
        ));
    }
    let n = u64::from(scale);
    let mut g = Gen::new();
    let mut report = SeedReport::default();
    let now = Utc::now();
    let keys = &s.data_keys;

    // Experts, with sectors, kinds and status history.
    let mut experts = Vec::new();
    let mut sectors = Vec::new();
    let mut kinds = Vec::new();
    let mut changes = Vec::new();
    let mut pool = Vec::new();
    let annex_sectors: Vec<Sector> = s
        .catalog
        .iter()
        .filter(|r| r.code.len() == 4)
        .map(|r| r.sector)
        .collect();
    if annex_sectors.is_empty() {
        return Err(AppError::internal("the industry catalogue is not loaded"));
    }
    let stage = "generating experts";
    for i in 0..2_000 * n {
        if i % 1_000 == 0 {
            progress.update(stage, i, 2_000 * n);
        }
        let id = g.id();
        let male = g.chance(70);
        let birth_year = g.range(1958, 1990) as i32;
        let birth = g.date_in(birth_year, 1, 360);
        let card = g.id_card(birth, male);
        let status = match g.below(100) {
            0..=84 => ExpertStatus::Active,
            85..=92 => ExpertStatus::Candidate,
            93..=97 => ExpertStatus::Suspended,
            _ => ExpertStatus::Removed,
        };
        let title = *g.pick(&[
            ProfessionalTitle::FullSenior,
            ProfessionalTitle::Senior,
            ProfessionalTitle::Senior,
            ProfessionalTitle::Intermediate,
        ]);
        let city = g.pick(&CITIES).0;
        let employer_code = g.credit_code(city, 9_000_000 + i);
        experts.push(expert::ActiveModel {
            id: Set(id),
            name: Set(g.person_name()),
            gender: Set(if male { Gender::Male } else { Gender::Female }),
            birth_date: Set(birth),
            id_card_number: Set(keys.encrypt(&card)?),
            id_card_hmac: Set(Some(keys.blind_index(&card))),
            phone: Set(keys.encrypt(&g.phone())?),
            email: Set(Some(format!("expert{i}@example.cn"))),
            employer: Set((*g.pick(&EMPLOYERS)).to_owned()),
            employer_credit_code: Set(employer_code),
            title: Set(title),
            years_in_field: Set(g.range(8, 35) as i32),
            city_code: Set(city.into()),
            term_start: Set(NaiveDate::from_ymd_opt(FIRST_YEAR, 1, 1).unwrap_or(NaiveDate::MIN)),
            term_end: Set(NaiveDate::from_ymd_opt(2027, 12, 31).unwrap_or(NaiveDate::MIN)),
            status: Set(status),
            version: Set(1),
            created_at: Set(now),
            updated_at: Set(now),
        });
        // Experts' sectors follow the enterprises' (both weighted by the annex's rows), so
        // every sector has the process experts its panels need.
        let first = g.pick(&annex_sectors).to_owned();
        let mut own = vec![first];
        if g.chance(50) {
            let second = Sector::ALL[g.below(Sector::ALL.len() as u64) as usize];
            if second != first {
                own.push(second);
            }
        }
        for sector in &own {
            sectors.push(expert_sector::ActiveModel {
                expert_id: Set(id),
                sector: Set(*sector),
            });
        }
        // Every panel seats a process, an environmental and an energy expert: the pool is
        // made of those in about equal parts, as the province recruits it.
        let main_kind = *g.pick(&[
            ExpertiseKind::IndustryProcess,
            ExpertiseKind::Environmental,
            ExpertiseKind::Energy,
        ]);
        let mut own_kinds = vec![main_kind];
        if g.chance(50) {
            let extra = ExpertiseKind::ALL[g.below(4) as usize];
            if extra != main_kind {
                own_kinds.push(extra);
            }
        }
        for kind in &own_kinds {
            kinds.push(expert_kind::ActiveModel {
                expert_id: Set(id),
                kind: Set(*kind),
            });
        }
        if status == ExpertStatus::Active {
            pool.push(PoolExpert {
                profile: Profile {
                    id,
                    sectors: own.clone(),
                    expertise: own_kinds,
                },
            });
        }
        let mut steps = vec![(None, ExpertStatus::Candidate, "入库申报")];
        if status != ExpertStatus::Candidate {
            steps.push((Some(ExpertStatus::Candidate), status, "省厅审核"));
        }
        for (from, to, reason) in steps {
            changes.push(expert::Entity::history_row(StatusChange {
                id: g.id(),
                subject_id: id,
                from,
                to,
                reason: reason.into(),
                actor_id: None,
                changed_at: now,
            }));
        }
    }
    progress.update(stage, 2_000 * n, 2_000 * n);
    let expert_trainees: Vec<Trainee> = experts
        .iter()
        .map(|m| Trainee {
            kind: TrainingParticipantKind::Expert,
            id: set_or_default(&m.id),
            consultancy_id: None,
            name: set_or_default(&m.name),
            organisation: set_or_default(&m.employer),
        })
        .collect();
    let txn = begin_write(db).await?;
    report
        .insert(&txn, ("experts", "experts"), experts, progress)
        .await?;
    insert_batches(&txn, sectors, "expert sectors", progress).await?;
    insert_batches(&txn, kinds, "expert kinds", progress).await?;
    insert_batches(&txn, changes, "expert history", progress).await?;
    txn.commit().await?;

    // Consultancies and their staff.
    let mut firms = Vec::new();
    let mut staff_rows = Vec::new();
    let mut staff_by_firm: HashMap<Uuid, Vec<Uuid>> = HashMap::new();
    let mut firm_ids = Vec::new();
    let mut firm_codes: HashMap<Uuid, String> = HashMap::new();
    for i in 0..200 * n {
        let id = g.id();
        let (city, city_name) = *g.pick(&CITIES);
        let status = if g.chance(95) {
            ConsultancyStatus::Active
        } else {
            ConsultancyStatus::Suspended
        };
        let name = format!("{city_name}{}环保科技有限公司{i}", g.pick(&FIRM_WORDS));
        let credit_code = g.credit_code(city, 5_000_000 + i);
        firm_codes.insert(id, credit_code.clone());
        firms.push(consultancy::ActiveModel {
            id: Set(id),
            name: Set(name),
            credit_code: Set(credit_code),
            city_code: Set(city.into()),
            address: Set(format!("{city_name}市迎泽大街{}号", g.range(1, 999))),
            contact_name: Set(g.person_name()),
            contact_phone: Set(g.phone()),
            status: Set(status),
            version: Set(1),
            created_at: Set(now),
            updated_at: Set(now),
        });
        if status == ConsultancyStatus::Active {
            firm_ids.push(id);
        }
        // 7 or 8 people a firm: 1 500 staff for 200 firms.
        for j in 0..7 + u64::from(i % 2 == 0) {
            let staff_id = g.id();
            let male = g.chance(60);
            let birth_year = g.range(1965, 1998) as i32;
            let birth = g.date_in(birth_year, 1, 360);
            let card = g.id_card(birth, male);
            staff_rows.push(consultancy_staff::ActiveModel {
                id: Set(staff_id),
                consultancy_id: Set(id),
                name: Set(g.person_name()),
                id_card_number: Set(keys.encrypt(&card)?),
                id_card_hmac: Set(Some(keys.blind_index(&card))),
                role: Set(if j == 0 {
                    StaffRole::TechnicalDirector
                } else {
                    StaffRole::Auditor
                }),
                certificate_number: Set(Some(format!(
                    "QJSC-{}-{:05}",
                    2018 + g.below(5),
                    g.below(100_000)
                ))),
                started_on: Set(NaiveDate::from_ymd_opt(2018, 3, 1).unwrap_or(NaiveDate::MIN)),
                ended_on: Set(None),
                end_reason: Set(None),
                created_at: Set(now),
                updated_at: Set(now),
            });
            staff_by_firm.entry(id).or_default().push(staff_id);
        }
    }
    let firm_names: HashMap<Uuid, String> = firms
        .iter()
        .map(|m| (set_or_default(&m.id), set_or_default(&m.name)))
        .collect();
    let staff_trainees: Vec<Trainee> = staff_rows
        .iter()
        .map(|m| {
            let firm = set_or_default(&m.consultancy_id);
            Trainee {
                kind: TrainingParticipantKind::ConsultancyStaff,
                id: set_or_default(&m.id),
                consultancy_id: Some(firm),
                name: set_or_default(&m.name),
                organisation: firm_names.get(&firm).cloned().unwrap_or_default(),
            }
        })
        .collect();
    let txn = begin_write(db).await?;
    report
        .insert(&txn, ("consultancies", "consultancies"), firms, progress)
        .await?;
    report
        .insert(&txn, ("consultancy staff", "staff"), staff_rows, progress)
        .await?;
    txn.commit().await?;

    // Enterprises: mostly in the annex's industries, some outside it.
    let annex: Vec<&str> = s
        .catalog
        .iter()
        .map(|r| r.code.as_str())
        .filter(|c| c.len() == 4)
        .collect();
    let mut enterprises = Vec::new();
    let mut enterprise_meta = Vec::new();
    let stage = "generating enterprises";
    for i in 0..5_000 * n {
        if i % 1_000 == 0 {
            progress.update(stage, i, 5_000 * n);
        }
        let id = g.id();
        let (city, city_name) = *g.pick(&CITIES);
        let industry = if g.chance(85) {
            (*g.pick(&annex)).to_owned()
        } else {
            format!("{:04}", g.range(1311, 4290))
        };
        // Most firms are small or medium, as in the province's registry.
        let (staff_range, revenue_range) = match g.below(100) {
            0..=14 => ((1_000, 8_000), (40_000, 900_000)),
            15..=49 => ((300, 999), (2_000, 39_999)),
            50..=89 => ((20, 299), (300, 1_999)),
            _ => ((5, 19), (50, 299)),
        };
        let employees = g.range(staff_range.0, staff_range.1) as i32;
        let revenue_units = g.amount(revenue_range.0, revenue_range.1);
        let revenue = Decimal::new(revenue_units, SCALE);
        let scale: EnterpriseScale = classify_scale(u32::try_from(employees).unwrap_or(0), revenue);
        let mining = industry.starts_with("06") && g.chance(80);
        let coating = g.chance(20);
        let verdict = mandatory_verdict(&s.catalog, &industry, scale, mining, coating);
        let sector_of_row = verdict
            .row_code
            .as_deref()
            .and_then(|code| s.catalog.iter().find(|r| r.code == code))
            .map(|r| r.sector);
        let sector = sector_of_row;
        let flags = [g.chance(30), g.chance(15), g.chance(25), g.chance(10)];
        let in_directory = verdict.mandatory && g.chance(90);
        let name = format!(
            "{city_name}{}{}有限公司{i}",
            g.pick(&FIRM_WORDS),
            g.pick(&["实业", "化工", "煤业", "钢铁", "建材", "能源"])
        );
        let credit_code = g.credit_code(city, 1_000_000 + i);
        enterprise_meta.push(EnterpriseMeta {
            id,
            city: city.to_owned(),
            mode: audit_mode(flags[0], flags[1], flags[2], flags[3]),
            sector: sector_of_row,
            credit_code: credit_code.clone(),
        });
        enterprises.push(enterprise::ActiveModel {
            id: Set(id),
            name: Set(name),
            credit_code: Set(credit_code),
            city_code: Set(city.into()),
            county: Set(format!(
                "{city_name}{}区",
                g.pick(&["城", "新", "东", "西", "南", "北"])
            )),
            industry_code: Set(industry),
            sector: Set(sector),
            employees: Set(employees),
            operating_revenue: Set(revenue_units),
            scale: Set(scale),
            scale_set_by_admin: Set(false),
            high_energy_use: Set(flags[0]),
            high_water_use: Set(flags[1]),
            high_emissions: Set(flags[2]),
            priority_chemicals: Set(flags[3]),
            mining_operation: Set(mining),
            coating_process: Set(coating),
            mandatory: Set(verdict.mandatory),
            mandatory_row_code: Set(verdict.row_code),
            directory_since_year: Set(in_directory.then_some(FIRST_YEAR)),
            last_completed_on: Set(None),
            version: Set(1),
            created_at: Set(now),
            updated_at: Set(now),
        });
    }

    progress.update(stage, 5_000 * n, 5_000 * n);

    // Audits: three rounds per enterprise over five years; the earlier two closed, the last
    // anywhere in the lifecycle. One open audit per enterprise at most, as the registry holds.
    let mut audits = Vec::new();
    let mut transitions = Vec::new();
    let mut reviews = Vec::new();
    let mut options = Vec::new();
    let mut last_completed: HashMap<Uuid, NaiveDate> = HashMap::new();
    let mut held: Vec<HeldReview> = Vec::new();
    // Enterprises whose last round is open, by stage: the demo's enterprise users act for
    // one just notified, one mid-audit and one awaiting its acceptance.
    let mut open_rounds: Vec<(u64, Option<ReviewOutcome>, Uuid)> = Vec::new();
    let stage = "generating audits";
    let generating = enterprise_meta.len() as u64;
    for (done, meta) in enterprise_meta.iter().enumerate() {
        if done % 1_000 == 0 {
            progress.update(stage, done as u64, generating);
        }
        let (enterprise_id, city, mode) = (&meta.id, &meta.city, &meta.mode);
        let years = [FIRST_YEAR, FIRST_YEAR + 2, FIRST_YEAR + YEARS - 1];
        for (round, year) in years.iter().enumerate() {
            let id = g.id();
            let firm = *g.pick(&firm_ids);
            let lead = staff_by_firm.get(&firm).and_then(|s| s.first().copied());
            let notice = g.date_in(*year, 60, 90);
            let started = notice + Duration::days(g.range(10, 40));
            let reported = started + Duration::days(g.range(60, 150));
            let evaluated = reported + Duration::days(g.range(10, 60));
            let accepted = evaluated + Duration::days(g.range(90, 300));
            let last = round == years.len() - 1;
            // The last round stops somewhere along the way; earlier rounds are complete.
            let stage = if last { g.below(6) } else { 5 };
            let evaluation_passed = !g.chance(8);
            let acceptance_passed = !g.chance(20);
            let (status, outcome, closed) = match stage {
                0 => (AuditStatus::Notified, None, false),
                1 => (AuditStatus::InProgress, None, false),
                2 => (AuditStatus::ReportSubmitted, None, false),
                3 | 4 if !evaluation_passed => (
                    AuditStatus::EvaluationFailed,
                    Some(ReviewOutcome::Failed),
                    false,
                ),
                3 | 4 => (
                    AuditStatus::EvaluationPassed,
                    Some(ReviewOutcome::Passed),
                    false,
                ),
                _ if last && !acceptance_passed => (
                    AuditStatus::AcceptanceFailed,
                    Some(ReviewOutcome::Failed),
                    false,
                ),
                _ => (AuditStatus::Accepted, Some(ReviewOutcome::Passed), true),
            };
            // Disclosed a week after the notice, before starting (not drawn from the
            // generator, so the rest of the demo stays as it was).
            let disclosed = notice + Duration::days(7);
            let dates = AuditDates {
                notice_date: notice,
                disclosed_on: (stage >= 1).then_some(disclosed),
                started_on: (stage >= 1).then_some(started),
                report_submitted_on: (stage >= 2).then_some(reported),
                evaluated_on: (stage >= 3 && outcome != Some(ReviewOutcome::Failed) || stage >= 5)
                    .then_some(evaluated),
                acceptance_extended_until: None,
            };
            let deadline = audit_deadline(status, &dates, &s.config.deadlines)
                .ok()
                .flatten();
            audits.push(audit::ActiveModel {
                id: Set(id),
                enterprise_id: Set(*enterprise_id),
                city_code: Set(city.clone()),
                year: Set(*year),
                status: Set(status),
                last_outcome: Set(outcome),
                closed: Set(closed),
                mode: Set(*mode),
                procedure: Set(AuditProcedure::Full),
                notice_date: Set(notice),
                started_on: Set((stage >= 1).then_some(started)),
                consultancy_id: Set((stage >= 1).then_some(firm)),
                lead_auditor_id: Set(if stage >= 2 { lead } else { None }),
                report_submitted_on: Set(dates.report_submitted_on),
                evaluated_on: Set(dates.evaluated_on),
                accepted_on: Set(closed.then_some(accepted)),
                disclosed_on: Set(dates.disclosed_on),
                disclosure_channel: Set((stage >= 1).then_some(DisclosureChannel::OwnWebsite)),
                disclosure_content: Set((stage >= 1).then(|| "企业基本情况、审核计划".to_owned())),
                self_organised: Set(false),
                cycle_start_year: Set(*year),
                due_kind: Set(if closed {
                    None
                } else {
                    deadline.as_ref().map(|d| d.kind)
                }),
                due_on: Set(if closed {
                    None
                } else {
                    deadline.map(|d| d.due)
                }),
                version: Set(1),
                created_at: Set(at(notice)),
                updated_at: Set(at(notice)),
                // What these audits never had (a list, a disclosure URL, an extension, a team
                // leader, a delegation): NULL.
                ..Default::default()
            });
            if closed {
                last_completed.insert(*enterprise_id, accepted);
            } else if last {
                open_rounds.push((stage, outcome, *enterprise_id));
            }
            let mut transition = |g: &mut Gen,
                                  event: AuditEventKind,
                                  from: Option<AuditStatus>,
                                  to: AuditStatus,
                                  outcome: Option<ReviewOutcome>,
                                  on: NaiveDate,
                                  review_id: Option<Uuid>| {
                transitions.push(audit_transition::ActiveModel {
                    id: Set(g.id()),
                    audit_id: Set(id),
                    event: Set(event),
                    from_status: Set(from),
                    to_status: Set(to),
                    outcome: Set(outcome),
                    occurred_on: Set(on),
                    note: Set(None),
                    review_id: Set(review_id),
                    actor_id: Set(None),
                    recorded_at: Set(at(on)),
                });
            };
            transition(
                &mut g,
                AuditEventKind::Notify,
                None,
                AuditStatus::Notified,
                None,
                notice,
                None,
            );
            if stage >= 1 {
                transition(
                    &mut g,
                    AuditEventKind::Start,
                    Some(AuditStatus::Notified),
                    AuditStatus::InProgress,
                    None,
                    started,
                    None,
                );
            }
            if stage >= 2 {
                transition(
                    &mut g,
                    AuditEventKind::SubmitReport,
                    Some(AuditStatus::InProgress),
                    AuditStatus::ReportSubmitted,
                    None,
                    reported,
                    None,
                );
            }
            let mut held_review =
                |g: &mut Gen, kind: ReviewKind, on: NaiveDate, outcome: ReviewOutcome| -> Uuid {
                    let review_id = g.id();
                    reviews.push(review::ActiveModel {
                        id: Set(review_id),
                        audit_id: Set(id),
                        kind: Set(kind),
                        review_date: Set(on),
                        organiser_city_code: Set(Some(city.clone())),
                        status: Set(ReviewStatus::Held),
                        outcome: Set(Some(outcome)),
                        score: Set(Some(g.range(55, 98) * 10i64.pow(SCALE))),
                        opinion: Set(Some(match outcome {
                            ReviewOutcome::Passed => "报告内容完整，方案可行，同意通过。".into(),
                            ReviewOutcome::Failed => {
                                "报告存在重大缺陷，需修改完善后重新提交。".into()
                            }
                        })),
                        scheduled_by: Set(None),
                        recorded_by: Set(None),
                        held_at: Set(Some(at(on))),
                        created_at: Set(at(on)),
                        updated_at: Set(at(on)),
                        starts_at: Set(Some(crate::rules::meetings::starts_at(on, 9, 0))),
                        venue: Set(Some("市生态环境局三楼会议室".into())),
                        contact_name: Set(Some("李工".into())),
                        contact_phone: Set(Some("0351-4000000".into())),
                        meeting_note: Set(None),
                    });
                    held.push(HeldReview {
                        id: review_id,
                        audit_id: id,
                        kind,
                        date: on,
                        city_code: city.clone(),
                        sector: meta.sector,
                        enterprise_id: *enterprise_id,
                        enterprise_credit_code: meta.credit_code.clone(),
                        consultancy_credit_code: firm_codes.get(&firm).cloned(),
                    });
                    review_id
                };
            if stage >= 3 {
                let outcome = if stage >= 5 || evaluation_passed {
                    ReviewOutcome::Passed
                } else {
                    ReviewOutcome::Failed
                };
                let review_id = held_review(&mut g, ReviewKind::Evaluation, evaluated, outcome);
                transition(
                    &mut g,
                    AuditEventKind::RecordEvaluation,
                    Some(AuditStatus::ReportSubmitted),
                    if outcome == ReviewOutcome::Passed {
                        AuditStatus::EvaluationPassed
                    } else {
                        AuditStatus::EvaluationFailed
                    },
                    Some(outcome),
                    evaluated,
                    Some(review_id),
                );
            }
            if stage >= 5 {
                let outcome = if closed {
                    ReviewOutcome::Passed
                } else {
                    ReviewOutcome::Failed
                };
                let review_id = held_review(&mut g, ReviewKind::Acceptance, accepted, outcome);
                transition(
                    &mut g,
                    AuditEventKind::RecordAcceptance,
                    Some(AuditStatus::EvaluationPassed),
                    if closed {
                        AuditStatus::Accepted
                    } else {
                        AuditStatus::AcceptanceFailed
                    },
                    Some(outcome),
                    accepted,
                    Some(review_id),
                );
            }
            // The open audits waiting for a review have one scheduled in the coming months,
            // its panel not drawn yet: what a bureau's next draws are for.
            let upcoming_kind = match stage {
                2 => Some(ReviewKind::Evaluation),
                3 | 4 if evaluation_passed => Some(ReviewKind::Acceptance),
                _ => None,
            };
            if last && let Some(kind) = upcoming_kind {
                let on = now.date_naive() + Duration::days(g.range(14, 120));
                let mut row = ScheduledReview {
                    id: g.id(),
                    audit_id: id,
                    kind,
                    date: on,
                    organiser_city_code: Some(city.clone()),
                    scheduled_by: None,
                }
                .into_row(now);
                row.starts_at = Set(Some(crate::rules::meetings::starts_at(on, 9, 0)));
                row.venue = Set(Some("市生态环境局三楼会议室".into()));
                row.contact_name = Set(Some("李工".into()));
                row.contact_phone = Set(Some("0351-4000000".into()));
                row.meeting_note = Set(Some("请携带身份证原件签到".into()));
                reviews.push(row);
            }
            if stage >= 2 {
                for k in 0..g.range(2, 4) {
                    let kind = if k == 0 || g.chance(60) {
                        OptionKind::NoLowCost
                    } else {
                        OptionKind::MediumHighCost
                    };
                    let retrofit = kind == OptionKind::MediumHighCost || g.chance(10);
                    let other_department = retrofit && g.chance(15);
                    let (low, high) = if kind == OptionKind::NoLowCost {
                        (1, 50)
                    } else {
                        (50, 5_000)
                    };
                    options.push(improvement_option::ActiveModel {
                        id: Set(g.id()),
                        audit_id: Set(id),
                        kind: Set(kind),
                        title: Set((*g.pick(&OPTION_TITLES)).to_owned()),
                        investment: Set(g.amount(low, high)),
                        economic_benefit: Set(g.amount(low / 2, high / 2)),
                        energy_tce: Set(g.amount(0, 2_000)),
                        water_t: Set(g.amount(0, 50_000)),
                        cod_t: Set(g.amount(0, 20)),
                        ammonia_nitrogen_t: Set(g.amount(0, 5)),
                        so2_t: Set(g.amount(0, 40)),
                        nox_t: Set(g.amount(0, 40)),
                        particulates_t: Set(g.amount(0, 60)),
                        vocs_t: Set(g.amount(0, 15)),
                        co2_t: Set(g.amount(0, 5_000)),
                        implemented: Set(closed || g.chance(50)),
                        technical_retrofit: Set(retrofit),
                        accepted_by_other_department: Set(other_department),
                        other_department: Set(
                            other_department.then(|| "市工业和信息化局".to_owned())
                        ),
                        other_department_conclusion: Set(
                            other_department.then(|| "验收合格".to_owned())
                        ),
                        needs_acceptance: Set(option_needs_acceptance(
                            kind,
                            retrofit,
                            other_department,
                        )
                        .as_str()
                        .into()),
                        version: Set(1),
                        created_at: Set(at(reported)),
                        updated_at: Set(at(reported)),
                    });
                }
            }
        }
    }
    progress.update(stage, generating, generating);
    for model in &mut enterprises {
        if let sea_orm::ActiveValue::Set(id) = &model.id
            && let Some(done) = last_completed.get(id)
        {
            model.last_completed_on = Set(Some(*done));
        }
    }
    let txn = begin_write(db).await?;
    let set_aside = set_aside::set_aside(
        &txn,
        &[
            enterprise::Entity.table_name(),
            audit::Entity.table_name(),
            audit_transition::Entity.table_name(),
            review::Entity.table_name(),
            improvement_option::Entity.table_name(),
        ],
    )
    .await?;
    report
        .insert(&txn, ("enterprises", "enterprises"), enterprises, progress)
        .await?;
    report
        .insert(&txn, ("audits", "audits"), audits, progress)
        .await?;
    report
        .insert(
            &txn,
            ("audit transitions", "audit transitions"),
            transitions,
            progress,
        )
        .await?;
    report
        .insert(&txn, ("reviews", "reviews"), reviews, progress)
        .await?;
    report
        .insert(&txn, ("improvement options", "options"), options, progress)
        .await?;
    restore(&txn, set_aside, progress).await?;
    txn.commit().await?;

    // A panel for every held review, drawn as `drawPanel` draws one.
    let txn = begin_write(db).await?;
    let set_aside = set_aside::set_aside(
        &txn,
        &[
            entity::panel::Entity.table_name(),
            entity::panel_draw::Entity.table_name(),
            entity::panel_seat::Entity.table_name(),
            entity::expert_seat_count::Entity.table_name(),
        ],
    )
    .await?;
    let panels = panels::seed_panels(&txn, &mut g, &mut held, &pool, progress).await?;
    restore(&txn, set_aside, progress).await?;
    txn.commit().await?;
    report.counts.push(("panels", panels.panels));
    report.counts.push(("panel draws", panels.draws));
    report.counts.push(("panel seats", panels.seats));

    // Training before the appraisals: staff hours are one of their inputs.
    let txn = begin_write(db).await?;
    let set_aside =
        set_aside::set_aside(&txn, &[entity::training_attendance::Entity.table_name()]).await?;
    let training =
        training::seed_training(&txn, &mut g, n, &expert_trainees, &staff_trainees, progress)
            .await?;
    restore(&txn, set_aside, progress).await?;
    txn.commit().await?;
    report.counts.push(("training sessions", training.sessions));
    report
        .counts
        .push(("training attendances", training.attendances));

    // The appraisals below query what was just loaded: plan for it, not for empty tables.
    progress.update("statistics", 0, 1);
    refresh_statistics(db).await?;
    progress.update("statistics", 1, 1);
    let appraised = appraisals::seed_appraisals(s, &mut g, &firm_ids, progress).await?;
    report.counts.push(("appraisals", appraised.appraisals));
    report
        .counts
        .push(("published rankings", appraised.published_years));

    // A user per city bureau, so the demo can be used as each would.
    let hash = hash_password(user_password)?;
    let txn = begin_write(db).await?;
    let mut users = Vec::new();
    for (code, _) in CITIES {
        users.push(new_user(
            g.id(),
            format!("city-{code}"),
            hash.clone(),
            Role::CityAdmin,
            BindingInput {
                city_code: Some(code.into()),
                ..BindingInput::NONE
            },
            now,
        ));
    }
    report
        .insert(&txn, ("city users", "users"), users, progress)
        .await?;
    let wanted: [fn(u64, Option<ReviewOutcome>) -> bool; 3] = [
        |stage, _| stage == 0,
        |stage, _| stage == 1,
        |stage, outcome| matches!(stage, 3 | 4) && outcome == Some(ReviewOutcome::Passed),
    ];
    let mut enterprise_users = Vec::new();
    for (n, fits) in wanted.iter().enumerate() {
        let Some((_, _, enterprise_id)) = open_rounds.iter().find(|(st, o, _)| fits(*st, *o))
        else {
            continue;
        };
        enterprise_users.push(new_user(
            g.id(),
            format!("enterprise-{}", n + 1),
            hash.clone(),
            Role::Enterprise,
            BindingInput {
                enterprise_id: Some(*enterprise_id),
                ..BindingInput::NONE
            },
            now,
        ));
    }
    report
        .insert(
            &txn,
            ("enterprise users", "users"),
            enterprise_users,
            progress,
        )
        .await?;
    let summary: serde_json::Map<String, serde_json::Value> = report
        .counts
        .iter()
        .map(|(k, v)| ((*k).to_owned(), json!(v)))
        .collect();
    audit_log::commit(
        txn,
        &Viewer::System,
        "seedDemo",
        "Demo",
        None,
        json!({ "scale": scale, "seed": DEMO_SEED, "rows": summary }),
    )
    .await?;
    progress.update("statistics", 0, 1);
    refresh_statistics(db).await?;
    progress.update("statistics", 1, 1);
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Datelike;

    fn sample(g: &mut Gen) -> (String, String, Uuid) {
        let birth = g.date_in(1970, 1, 300);
        let card = g.id_card(birth, true);
        let serial = g.below(1_000_000);
        let code = g.credit_code("140100", serial);
        (card, code, g.id())
    }

    #[test]
    fn generated_identities_are_valid_and_repeatable() {
        let mut a = Gen::new();
        let mut b = Gen::new();
        for _ in 0..200 {
            let (card, code, id) = sample(&mut a);
            assert!(
                crate::rules::checksum::validate_id_card(&card).is_ok(),
                "{card}"
            );
            assert!(
                crate::rules::checksum::validate_credit_code(&code).is_ok(),
                "{code}"
            );
            assert_eq!((card, code, id), sample(&mut b));
        }
    }

    #[test]
    fn dates_and_amounts_stay_in_range() {
        let mut g = Gen::new();
        for _ in 0..1000 {
            let d = g.date_in(2024, 60, 90);
            assert_eq!(d.year(), 2024);
            let a = g.amount(1, 50);
            assert!((10_000..=500_000).contains(&a), "{a}");
        }
    }
}
