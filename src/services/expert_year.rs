//! The expert's year: the annual expert review (dynamic management of the pool) and the
//! fairness of the year's draws, both for the province. Each reads the whole year in a fixed
//! number of queries and applies `rules::expert_review`.

use std::collections::HashMap;

use chrono::{Datelike, NaiveDate};
use entity::{expert, panel_seat, recheck_finding, recheck_finding_expert};
use rust_decimal::Decimal;
use sea_orm::sea_query::Query;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use uuid::Uuid;

use crate::auth::Viewer;
use crate::domain::{ExpertStatus, FindingKind, FindingStatus, SeatStatus};
use crate::error::{AppError, AppResult};
use crate::rules::expert_review::{
    ExpertReview, ExpertYearFacts, Fairness, SeatRecord, fairness, review_expert,
};
use crate::rules::seats;

use super::amounts::from_stored;
use super::today;

/// Training hours per expert credited in the year. Training records are built separately;
/// until they are wired in here this is empty, and every expert's hours are zero.
pub async fn training_hours_by_expert(
    db: &impl ConnectionTrait,
    year: i32,
) -> AppResult<HashMap<Uuid, Decimal>> {
    super::training::hours_by_expert(db, year).await
}

/// One expert's line of the annual review.
#[derive(Debug, Clone)]
pub struct ExpertYearLine {
    pub expert_id: Uuid,
    pub name: String,
    pub status: ExpertStatus,
    pub review: ExpertReview,
    pub training_hours: Decimal,
    /// Recheck findings (of the year) against panels the expert sat on.
    pub findings: u32,
}

impl ExpertYearLine {
    pub fn flagged(&self) -> bool {
        self.review.suspend.is_some() || !self.review.remove.is_empty()
    }
}

fn check_year(year: i32) -> AppResult<(NaiveDate, NaiveDate)> {
    let latest = today().year() + 1;
    if !(2000..=latest).contains(&year) {
        return Err(AppError::bad_input(
            "year",
            format!("must be a year from 2000 to {latest}"),
        ));
    }
    super::year_bounds("year", year)
}

/// A seat of the year: expert, review date, status, decline reason, rating.
type SeatRow = (Uuid, NaiveDate, SeatStatus, Option<String>, Option<i64>);

/// The annual expert review: every expert in the pool (ACTIVE or SUSPENDED) and anyone who
/// held a seat in the year, in id order, with the flags the rules raise. Ages are taken on
/// 31 December of the year.
pub async fn expert_annual_review(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    year: i32,
) -> AppResult<Vec<ExpertYearLine>> {
    viewer.require_province_admin()?;
    let (first, last) = check_year(year)?;
    let seat_rows: Vec<SeatRow> = panel_seat::Entity::find()
        .select_only()
        .columns([
            panel_seat::Column::ExpertId,
            panel_seat::Column::ReviewDate,
            panel_seat::Column::Status,
            panel_seat::Column::DeclineReason,
            panel_seat::Column::Rating,
        ])
        .filter(panel_seat::Column::ReviewDate.between(first, last))
        .into_tuple()
        .all(db)
        .await?;
    let experts: Vec<(Uuid, String, ExpertStatus, NaiveDate)> = expert::Entity::find()
        .select_only()
        .columns([
            expert::Column::Id,
            expert::Column::Name,
            expert::Column::Status,
            expert::Column::BirthDate,
        ])
        .order_by_asc(expert::Column::Id)
        .into_tuple()
        .all(db)
        .await?;
    let kinds_of_year: HashMap<Uuid, FindingKind> = recheck_finding::Entity::find()
        .select_only()
        .columns([recheck_finding::Column::Id, recheck_finding::Column::Kind])
        .filter(recheck_finding::Column::Year.eq(year))
        // A withdrawn finding was found wrong: it flags no one.
        .filter(recheck_finding::Column::Status.ne(FindingStatus::Withdrawn.as_str()))
        .into_tuple::<(Uuid, FindingKind)>()
        .all(db)
        .await?
        .into_iter()
        .collect();
    let links: Vec<(Uuid, Uuid)> = recheck_finding_expert::Entity::find()
        .select_only()
        .columns([
            recheck_finding_expert::Column::ExpertId,
            recheck_finding_expert::Column::FindingId,
        ])
        .filter(
            recheck_finding_expert::Column::FindingId.in_subquery(
                Query::select()
                    .column(recheck_finding::Column::Id)
                    .from(recheck_finding::Entity)
                    .and_where(recheck_finding::Column::Year.eq(year))
                    .and_where(
                        recheck_finding::Column::Status.ne(FindingStatus::Withdrawn.as_str()),
                    )
                    .to_owned(),
            ),
        )
        .into_tuple()
        .all(db)
        .await?;
    let hours = training_hours_by_expert(db, year).await?;

    let mut facts: HashMap<Uuid, ExpertYearFacts> = HashMap::new();
    let mut seated: HashMap<Uuid, bool> = HashMap::new();
    for (expert_id, date, status, reason, rating) in seat_rows {
        let entry = facts.entry(expert_id).or_insert_with(|| ExpertYearFacts {
            seats: Vec::new(),
            ratings: Vec::new(),
            birth_date: date,
            falsification_passed: 0,
        });
        entry.seats.push(SeatRecord {
            date,
            outcome: seats::outcome(status, reason.as_deref()),
        });
        if let Some(r) = rating {
            entry.ratings.push(from_stored(r));
        }
        seated.insert(expert_id, true);
    }
    // Findings per expert, each finding once (an expert may have sat on two passing panels).
    let mut findings: HashMap<Uuid, Vec<(Uuid, FindingKind)>> = HashMap::new();
    for (expert_id, finding_id) in links {
        let Some(&kind) = kinds_of_year.get(&finding_id) else {
            continue;
        };
        let list = findings.entry(expert_id).or_default();
        if !list.iter().any(|(id, _)| *id == finding_id) {
            list.push((finding_id, kind));
        }
    }

    let mut lines = Vec::new();
    for (id, name, status, birth_date) in experts {
        let in_pool = matches!(status, ExpertStatus::Active | ExpertStatus::Suspended);
        if !in_pool && !seated.contains_key(&id) {
            continue;
        }
        let mut f = facts.remove(&id).unwrap_or(ExpertYearFacts {
            seats: Vec::new(),
            ratings: Vec::new(),
            birth_date,
            falsification_passed: 0,
        });
        f.birth_date = birth_date;
        let own = findings.remove(&id).unwrap_or_default();
        f.falsification_passed = u32::try_from(
            own.iter()
                .filter(|(_, k)| *k == FindingKind::Falsification)
                .count(),
        )
        .unwrap_or(u32::MAX);
        let review = review_expert(&f, last).map_err(|e| {
            AppError::internal(format!("stored ratings of expert {id} are invalid: {e}"))
        })?;
        lines.push(ExpertYearLine {
            expert_id: id,
            name,
            status,
            review,
            training_hours: hours.get(&id).copied().unwrap_or(Decimal::ZERO),
            findings: u32::try_from(own.len()).unwrap_or(u32::MAX),
        });
    }
    Ok(lines)
}

/// How the year's seats were spread over the pool.
#[derive(Debug, Clone)]
pub struct FairnessReport {
    pub year: i32,
    /// Seats drawn (any answer) for reviews of the year, per expert ACTIVE now, zeros included.
    pub summary: Fairness,
    /// (seats, experts with that many), ascending by seats.
    pub histogram: Vec<(u32, u32)>,
    /// Seats drawn in the year for experts not ACTIVE now (left out of the figures).
    pub seats_of_inactive: u64,
    pub declined: u64,
}

/// Seats drawn per active expert for reviews of the year: the spread a supervisor reads to
/// see that no one is favoured (the province).
pub async fn draw_fairness(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    year: i32,
) -> AppResult<FairnessReport> {
    viewer.require_province_admin()?;
    let (first, last) = check_year(year)?;
    let active: Vec<Uuid> = expert::Entity::find()
        .select_only()
        .column(expert::Column::Id)
        .filter(expert::Column::Status.eq(ExpertStatus::Active.as_str()))
        .into_tuple()
        .all(db)
        .await?;
    let seat_rows: Vec<(Uuid, SeatStatus)> = panel_seat::Entity::find()
        .select_only()
        .columns([panel_seat::Column::ExpertId, panel_seat::Column::Status])
        .filter(panel_seat::Column::ReviewDate.between(first, last))
        .into_tuple()
        .all(db)
        .await?;
    let mut counts: HashMap<Uuid, u32> = active.iter().map(|id| (*id, 0)).collect();
    let (mut inactive, mut declined) = (0u64, 0u64);
    for (expert_id, status) in seat_rows {
        if status == SeatStatus::Declined {
            declined += 1;
        }
        match counts.get_mut(&expert_id) {
            Some(n) => *n += 1,
            None => inactive += 1,
        }
    }
    let values: Vec<u32> = counts.values().copied().collect();
    let mut histogram: HashMap<u32, u32> = HashMap::new();
    for v in &values {
        *histogram.entry(*v).or_default() += 1;
    }
    let mut histogram: Vec<(u32, u32)> = histogram.into_iter().collect();
    histogram.sort_unstable();
    Ok(FairnessReport {
        year,
        summary: fairness(&values),
        histogram,
        seats_of_inactive: inactive,
        declined,
    })
}
