//! The annual ranking of consultancies (综合评定咨询机构服务水平并向社会公开): provisional
//! while the year is open (administrators, and each firm its own line), frozen and public once
//! the province publishes it.
//!
//! Publication copies every line (rank, the firm's name, credit code and city as they are that
//! day, total, grade, scores, rank change) into `ranking_entries`, so a published year reads in
//! one indexed query and never changes afterwards.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use chrono::{DateTime, Utc};
use entity::{appraisal, appraisal_year, consultancy, ranking_entry};
use rust_decimal::Decimal;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait,
    FromQueryResult, JoinType, QueryFilter, QueryOrder, QuerySelect, Set,
};
use serde_json::json;
use uuid::Uuid;

use crate::auth::Viewer;
use crate::db::begin_write;
use crate::domain::Grade;
use crate::error::{AppError, AppResult};
use crate::rules::appraisal::Scores;
use crate::rules::ranking::{RankingRow, rank, rank_change};

use super::amounts::{from_stored, to_stored};
use super::appraisals;
use super::{audit_log, enterprises, is_constant};

/// Rows per INSERT when freezing a ranking (well under both databases' parameter limits).
const INSERT_CHUNK: usize = 500;

/// One line of a ranking, in display order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RankingLine {
    /// Display order, from 1.
    pub position: u32,
    /// Competition rank: equal totals share it (1, 1, 3).
    pub rank: u32,
    pub consultancy_id: Uuid,
    pub name: String,
    pub credit_code: String,
    pub city_code: String,
    pub total: Decimal,
    pub grade: Grade,
    pub scores: Scores,
    /// The rank in the latest published year before this one; none when not ranked there.
    pub previous_rank: Option<u32>,
    /// Positive when the firm moved up.
    pub rank_change: Option<i32>,
}

/// Who published a year, and when.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Publication {
    pub year: i32,
    pub published_at: DateTime<Utc>,
    pub published_by: Option<Uuid>,
    pub entry_count: u32,
}

#[derive(Clone, Debug)]
pub struct Ranking {
    pub year: i32,
    /// None while the year is open: the lines are provisional.
    pub publication: Option<Publication>,
    /// The year the rank changes are counted from.
    pub previous_year: Option<i32>,
    pub lines: Vec<RankingLine>,
}

fn publication_of(row: &appraisal_year::Model) -> Option<Publication> {
    row.published_at.map(|at| Publication {
        year: row.year,
        published_at: at,
        published_by: row.published_by,
        entry_count: row
            .entry_count
            .and_then(|n| u32::try_from(n).ok())
            .unwrap_or_default(),
    })
}

fn not_published(year: i32) -> AppError {
    AppError::not_found("Ranking", year)
}

/// The latest published year before `year`.
async fn previous_published_year(db: &impl ConnectionTrait, year: i32) -> AppResult<Option<i32>> {
    Ok(appraisal_year::Entity::find()
        .select_only()
        .column(appraisal_year::Column::Year)
        .filter(appraisal_year::Column::PublishedAt.is_not_null())
        .filter(appraisal_year::Column::Year.lt(year))
        .order_by_desc(appraisal_year::Column::Year)
        .limit(1)
        .into_tuple::<i32>()
        .one(db)
        .await?)
}

/// A current appraisal with the firm's name, code and city: what a line needs, one query.
#[derive(Debug, FromQueryResult)]
struct CurrentRow {
    id: Uuid,
    consultancy_id: Uuid,
    capacity_building: i64,
    report_quality: i64,
    personnel_management: i64,
    service_quality: i64,
    service_quantity: i64,
    total: i64,
    grade: Grade,
    name: String,
    credit_code: String,
    city_code: String,
}

/// The live lines, the appraisal behind each firm's line, and the year rank changes count from.
type LiveRanking = (Vec<RankingLine>, HashMap<Uuid, Uuid>, Option<i32>);

/// Ranks the year's current appraisals as they stand (no access check).
async fn live_lines(db: &impl ConnectionTrait, year: i32) -> AppResult<LiveRanking> {
    let current = appraisal::Entity::find()
        .select_only()
        .columns([
            appraisal::Column::Id,
            appraisal::Column::ConsultancyId,
            appraisal::Column::CapacityBuilding,
            appraisal::Column::ReportQuality,
            appraisal::Column::PersonnelManagement,
            appraisal::Column::ServiceQuality,
            appraisal::Column::ServiceQuantity,
            appraisal::Column::Total,
            appraisal::Column::Grade,
        ])
        .columns([
            consultancy::Column::Name,
            consultancy::Column::CreditCode,
            consultancy::Column::CityCode,
        ])
        .join(
            JoinType::InnerJoin,
            appraisal::Entity::belongs_to(consultancy::Entity)
                .from(appraisal::Column::ConsultancyId)
                .to(consultancy::Column::Id)
                .into(),
        )
        .filter(appraisal::Column::Year.eq(year))
        .filter(is_constant(appraisal::Column::Current, true))
        .into_model::<CurrentRow>()
        .all(db)
        .await?;
    if current.is_empty() {
        return Ok((Vec::new(), HashMap::new(), None));
    }
    let previous_year = previous_published_year(db, year).await?;
    let previous: HashMap<Uuid, u32> = match previous_year {
        Some(prev) => ranking_entry::Entity::find()
            .select_only()
            .column(ranking_entry::Column::ConsultancyId)
            .column(ranking_entry::Column::Rank)
            .filter(ranking_entry::Column::Year.eq(prev))
            .into_tuple::<(Uuid, i32)>()
            .all(db)
            .await?
            .into_iter()
            .map(|(id, r)| (id, u32::try_from(r).unwrap_or_default()))
            .collect(),
        None => HashMap::new(),
    };
    let appraisal_of: HashMap<Uuid, Uuid> =
        current.iter().map(|r| (r.consultancy_id, r.id)).collect();
    let rows = current
        .iter()
        .map(|r| RankingRow {
            consultancy_id: r.consultancy_id,
            name: r.name.clone(),
            total: from_stored(r.total),
            report_quality: from_stored(r.report_quality),
        })
        .collect();
    let mut by_firm: HashMap<Uuid, CurrentRow> =
        current.into_iter().map(|r| (r.consultancy_id, r)).collect();
    let mut lines = Vec::with_capacity(by_firm.len());
    for (index, ranked) in rank(rows).into_iter().enumerate() {
        let row = by_firm
            .remove(&ranked.consultancy_id)
            .ok_or_else(|| AppError::internal("a ranked firm went missing"))?;
        let previous_rank = previous.get(&ranked.consultancy_id).copied();
        lines.push(RankingLine {
            position: u32::try_from(index + 1).unwrap_or(u32::MAX),
            rank: ranked.rank,
            consultancy_id: ranked.consultancy_id,
            name: ranked.name,
            credit_code: row.credit_code,
            city_code: row.city_code,
            total: ranked.total,
            grade: row.grade,
            scores: Scores {
                capacity_building: from_stored(row.capacity_building),
                report_quality: from_stored(row.report_quality),
                personnel_management: from_stored(row.personnel_management),
                service_quality: from_stored(row.service_quality),
                service_quantity: from_stored(row.service_quantity),
            },
            previous_rank,
            rank_change: rank_change(previous_rank, ranked.rank),
        });
    }
    Ok((lines, appraisal_of, previous_year))
}

/// A ranking line's five scores as stored.
pub(crate) fn scores_of(e: &ranking_entry::Model) -> Scores {
    Scores {
        capacity_building: from_stored(e.capacity_building),
        report_quality: from_stored(e.report_quality),
        personnel_management: from_stored(e.personnel_management),
        service_quality: from_stored(e.service_quality),
        service_quantity: from_stored(e.service_quantity),
    }
}

fn line_of(e: ranking_entry::Model) -> AppResult<RankingLine> {
    Ok(RankingLine {
        position: u32::try_from(e.position).unwrap_or_default(),
        rank: u32::try_from(e.rank).unwrap_or_default(),
        consultancy_id: e.consultancy_id,
        grade: e.grade,
        total: from_stored(e.total),
        scores: scores_of(&e),
        previous_rank: e.previous_rank.and_then(|r| u32::try_from(r).ok()),
        rank_change: e.rank_change,
        name: e.name,
        credit_code: e.credit_code,
        city_code: e.city_code,
    })
}

async fn frozen_ranking(
    db: &impl ConnectionTrait,
    row: &appraisal_year::Model,
    publication: Publication,
) -> AppResult<Ranking> {
    let lines = ranking_entry::Entity::find()
        .filter(ranking_entry::Column::Year.eq(row.year))
        .order_by_asc(ranking_entry::Column::Position)
        .all(db)
        .await?
        .into_iter()
        .map(line_of)
        .collect::<AppResult<Vec<_>>>()?;
    Ok(Ranking {
        year: row.year,
        publication: Some(publication),
        previous_year: row.previous_year,
        lines,
    })
}

/// A published year's frozen ranking, or NOT_FOUND (no access check: it is public).
pub async fn published_ranking(db: &impl ConnectionTrait, year: i32) -> AppResult<Ranking> {
    let row = appraisal_year::Entity::find_by_id(year)
        .one(db)
        .await?
        .ok_or_else(|| not_published(year))?;
    let publication = publication_of(&row).ok_or_else(|| not_published(year))?;
    frozen_ranking(db, &row, publication).await
}

/// Published rankings, kept in memory once read: a publication is final, so what was read
/// once is what every later read would find, on every instance.
#[derive(Clone, Default)]
pub struct PublishedRankings(Arc<RwLock<HashMap<i32, Arc<Ranking>>>>);

impl PublishedRankings {
    /// Whether this instance holds the year's published ranking (then it is final).
    pub fn is_frozen(&self, year: i32) -> bool {
        self.get(year).is_some()
    }

    fn get(&self, year: i32) -> Option<Arc<Ranking>> {
        // A poisoned lock only means a panic elsewhere mid-insert: the map is still sound.
        let map = self.0.read().unwrap_or_else(|e| e.into_inner());
        map.get(&year).cloned()
    }

    fn keep(&self, ranking: Ranking) -> Arc<Ranking> {
        let ranking = Arc::new(ranking);
        let mut map = self.0.write().unwrap_or_else(|e| e.into_inner());
        map.insert(ranking.year, ranking.clone());
        ranking
    }
}

/// The year's ranking. Published: everyone, every line. Open: administrators see the
/// provisional ranking, a firm its own line; anyone else finds nothing (NOT_FOUND).
pub async fn consultancy_ranking(
    db: &impl ConnectionTrait,
    cache: &PublishedRankings,
    viewer: &Viewer,
    year: i32,
) -> AppResult<Arc<Ranking>> {
    if let Some(ranking) = cache.get(year) {
        return Ok(ranking);
    }
    let row = appraisal_year::Entity::find_by_id(year).one(db).await?;
    if let Some(row) = &row
        && let Some(publication) = publication_of(row)
    {
        return Ok(cache.keep(frozen_ranking(db, row, publication).await?));
    }
    let own = viewer.consultancy_id();
    let is_admin = viewer.require_admin().is_ok();
    if !is_admin && own.is_none() {
        return Err(not_published(year));
    }
    let (mut lines, _, previous_year) = live_lines(db, year).await?;
    if !is_admin {
        lines.retain(|l| Some(l.consultancy_id) == own);
    }
    Ok(Arc::new(Ranking {
        year,
        publication: None,
        previous_year,
        lines,
    }))
}

/// The published years, latest first (public).
pub async fn publications(db: &impl ConnectionTrait) -> AppResult<Vec<Publication>> {
    Ok(appraisal_year::Entity::find()
        .filter(appraisal_year::Column::PublishedAt.is_not_null())
        .order_by_desc(appraisal_year::Column::Year)
        .all(db)
        .await?
        .iter()
        .filter_map(publication_of)
        .collect())
}

/// Publishes a year's ranking (province admins): freezes its appraisals and scheme, records
/// who and when, and stores the ranking's lines as they are now.
pub async fn publish_ranking(
    db: &DatabaseConnection,
    viewer: &Viewer,
    year: i32,
) -> AppResult<Ranking> {
    viewer.require_province_admin()?;
    let year = enterprises::check_plan_year("year", year)?;
    let txn = begin_write(db).await?;
    let (row, _) = appraisals::lock_open_year(&txn, year).await?;
    let (lines, appraisal_of, previous_year) = live_lines(&txn, year).await?;
    if lines.is_empty() {
        return Err(AppError::bad_input(
            "year",
            format!("no appraisal is recorded for {year}: nothing to publish"),
        ));
    }
    let mut entries = Vec::with_capacity(lines.len());
    for line in &lines {
        let appraisal_id = appraisal_of
            .get(&line.consultancy_id)
            .copied()
            .ok_or_else(|| AppError::internal("a ranked firm has no appraisal"))?;
        let s = &line.scores;
        let int = |n: u32| i32::try_from(n).unwrap_or(i32::MAX);
        entries.push(ranking_entry::ActiveModel {
            year: Set(year),
            consultancy_id: Set(line.consultancy_id),
            appraisal_id: Set(appraisal_id),
            position: Set(int(line.position)),
            rank: Set(int(line.rank)),
            name: Set(line.name.clone()),
            credit_code: Set(line.credit_code.clone()),
            city_code: Set(line.city_code.clone()),
            total: Set(to_stored("total", line.total)?),
            grade: Set(line.grade),
            capacity_building: Set(to_stored("capacityBuilding", s.capacity_building)?),
            report_quality: Set(to_stored("reportQuality", s.report_quality)?),
            personnel_management: Set(to_stored("personnelManagement", s.personnel_management)?),
            service_quality: Set(to_stored("serviceQuality", s.service_quality)?),
            service_quantity: Set(to_stored("serviceQuantity", s.service_quantity)?),
            previous_rank: Set(line.previous_rank.map(int)),
            rank_change: Set(line.rank_change),
        });
    }
    let count = entries.len();
    let mut rest = entries;
    while !rest.is_empty() {
        let tail = rest.split_off(rest.len().min(INSERT_CHUNK));
        ranking_entry::Entity::insert_many(rest)
            .exec_without_returning(&txn)
            .await?;
        rest = tail;
    }
    let now = Utc::now();
    let mut active: appraisal_year::ActiveModel = row.into();
    active.published_at = Set(Some(now));
    active.published_by = Set(viewer.user_id());
    active.entry_count = Set(Some(i32::try_from(count).unwrap_or(i32::MAX)));
    active.previous_year = Set(previous_year);
    active.updated_at = Set(now);
    let saved = active.update(&txn).await?;
    audit_log::commit(
        txn,
        viewer,
        "publishRanking",
        "ConsultancyRanking",
        Some(year.to_string()),
        json!({ "year": year, "entries": count, "previousYear": previous_year }),
    )
    .await?;
    Ok(Ranking {
        year,
        publication: publication_of(&saved),
        previous_year,
        lines,
    })
}
