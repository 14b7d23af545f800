//! The yearly summary (年度清洁生产工作总结) of a city or the province: audits notified,
//! started and reported, evaluations and acceptances held with their pass rates against the
//! plan's 2025 targets, improvement options by kind with their summed benefits, and what is
//! overdue.
//!
//! Counts are of events dated in the year (a notice, a start, a report — resubmissions
//! included —, a review held); options are those of the year's audits; overdue is as of a day
//! (the year's last day, or today while the year runs).

use async_graphql::{ComplexObject, SimpleObject};
use chrono::{Datelike, NaiveDate};
use entity::{audit, audit_transition, city, enterprise, improvement_option, review};
use rust_decimal::Decimal;
use sea_orm::sea_query::Query;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, Select};
use serde::{Deserialize, Serialize};

use crate::auth::Viewer;
use crate::domain::{
    AuditEventKind, DeadlineKind, OptionKind, ReviewKind, ReviewOutcome, ReviewStatus,
};
use crate::error::AppResult;
use crate::rules::summary::{TargetCheck, acceptance_check, evaluation_check};

use super::amounts::from_stored;
use super::{enterprises, is_constant, reference, today};

// Also the GraphQL type `OptionSummary` (its doc comments are the GraphQL descriptions), shown
// through `normalized`; stored as is when a city submits its summary.
/// The options of one kind in the year's audits, summed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, SimpleObject)]
#[graphql(name = "OptionSummary", complex)]
pub struct OptionTotals {
    pub kind: OptionKind,
    pub count: u64,
    pub implemented: u64,
    /// 10 000 CNY.
    pub investment: Decimal,
    /// 10 000 CNY a year.
    pub economic_benefit: Decimal,
    /// tce a year.
    pub energy_tce: Decimal,
    /// Tonnes a year, as are the other savings.
    pub water_t: Decimal,
    pub cod_t: Decimal,
    pub ammonia_nitrogen_t: Decimal,
    pub so2_t: Decimal,
    pub nox_t: Decimal,
    pub particulates_t: Decimal,
    pub vocs_t: Decimal,
    pub co2_t: Decimal,
}

#[ComplexObject]
impl OptionTotals {
    async fn label(&self) -> &'static str {
        self.kind.label()
    }
}

/// How many amounts an option carries: its investment, its benefit and its savings.
pub const AMOUNTS: usize = 11;

impl OptionTotals {
    pub(crate) fn empty(kind: OptionKind) -> Self {
        OptionTotals {
            kind,
            count: 0,
            implemented: 0,
            investment: Decimal::ZERO,
            economic_benefit: Decimal::ZERO,
            energy_tce: Decimal::ZERO,
            water_t: Decimal::ZERO,
            cod_t: Decimal::ZERO,
            ammonia_nitrogen_t: Decimal::ZERO,
            so2_t: Decimal::ZERO,
            nox_t: Decimal::ZERO,
            particulates_t: Decimal::ZERO,
            vocs_t: Decimal::ZERO,
            co2_t: Decimal::ZERO,
        }
    }

    /// The amounts in the order of the report's and the export's columns (the one list of
    /// them; `amounts` reads it).
    fn amounts_mut(&mut self) -> [&mut Decimal; AMOUNTS] {
        [
            &mut self.investment,
            &mut self.economic_benefit,
            &mut self.energy_tce,
            &mut self.water_t,
            &mut self.cod_t,
            &mut self.ammonia_nitrogen_t,
            &mut self.so2_t,
            &mut self.nox_t,
            &mut self.particulates_t,
            &mut self.vocs_t,
            &mut self.co2_t,
        ]
    }

    /// The amounts: investment, economic benefit, then the savings of energy, water, COD,
    /// ammonia nitrogen, SO2, NOx, particulates, VOCs and CO2.
    pub fn amounts(&self) -> [Decimal; AMOUNTS] {
        let mut copy = *self;
        copy.amounts_mut().map(|a| *a)
    }

    /// As GraphQL shows it: each sum normalised ("3", not the "3.0" that 1.5 and 1.5 add up
    /// to), the stored JSON keeping its own form.
    pub fn normalized(&self) -> Self {
        let mut shown = *self;
        for a in shown.amounts_mut() {
            *a = a.normalize();
        }
        shown
    }

    /// [`Self::normalized`] of every kind's totals.
    pub fn all_normalized(totals: &[OptionTotals]) -> Vec<OptionTotals> {
        totals.iter().map(Self::normalized).collect()
    }

    pub(crate) fn add(&mut self, o: &improvement_option::Model) {
        self.count += 1;
        self.implemented += u64::from(o.implemented);
        let units = crate::services::audits::stored_of(o);
        for (total, units) in self.amounts_mut().into_iter().zip(units) {
            // Each amount is at most 10^12 with four places: sums of millions stay exact.
            *total = total.saturating_add(from_stored(units));
        }
    }
}

// Also the GraphQL `OverdueSummary`; stored as is when a city submits its summary.
/// What is overdue on the summary's `asOf` day.
#[derive(Clone, Debug, PartialEq, Eq, Default, Serialize, Deserialize, SimpleObject)]
#[graphql(name = "OverdueSummary", complex)]
pub struct OverdueCounts {
    /// Past the disclosure due one month after the notice.
    pub disclosure: u64,
    /// Past the start due two months after the notice.
    pub start: u64,
    /// Past the report due one year after the notice.
    pub report: u64,
    pub evaluation: u64,
    pub acceptance: u64,
    /// Directory members whose five-year cycle ran out without a completed audit.
    pub directory_cycle: u64,
}

impl OverdueCounts {
    /// Audits past their current deadline, all kinds.
    pub fn audits(&self) -> u64 {
        self.disclosure + self.start + self.report + self.evaluation + self.acceptance
    }
}

#[ComplexObject]
impl OverdueCounts {
    /// Audits past their current deadline, all kinds.
    #[graphql(name = "audits")]
    async fn audits_field(&self) -> u64 {
        self.audits()
    }
}

/// Stored as JSON when a city submits its summary (`city_summaries.figures`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AnnualSummary {
    pub year: i32,
    /// `None`: the whole province.
    pub city_code: Option<String>,
    pub as_of: NaiveDate,
    pub audits_notified: u64,
    pub audits_started: u64,
    pub reports_submitted: u64,
    pub evaluations: TargetCheck,
    pub acceptances: TargetCheck,
    pub options: Vec<OptionTotals>,
    pub overdue: OverdueCounts,
}

/// One line of the report: a city (or the province) and its summary.
pub struct SummaryRow {
    pub city_code: Option<String>,
    pub city_name: String,
    pub summary: AnnualSummary,
}

/// Resolves which city the viewer may summarise: a city admin only their own (their city when
/// none is named), the province any or all.
async fn resolve_scope(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    city_code: Option<String>,
) -> AppResult<Option<String>> {
    let city_code = city_code.map(|c| c.trim().to_owned());
    let city = viewer.list_city(city_code.as_deref())?.map(str::to_owned);
    if let Some(code) = &city {
        reference::require_known_city(db, "cityCode", code).await?;
    }
    Ok(city)
}

fn audits_of_city(city: &str) -> sea_orm::sea_query::SelectStatement {
    Query::select()
        .column(audit::Column::Id)
        .from(audit::Entity)
        .and_where(audit::Column::CityCode.eq(city))
        .to_owned()
}

fn in_city<E: EntityTrait>(
    query: Select<E>,
    audit_id: impl ColumnTrait,
    city: Option<&str>,
) -> Select<E> {
    match city {
        Some(city) => query.filter(audit_id.in_subquery(audits_of_city(city))),
        None => query,
    }
}

async fn count_events(
    db: &impl ConnectionTrait,
    event: AuditEventKind,
    (first, last): (NaiveDate, NaiveDate),
    city: Option<&str>,
) -> AppResult<u64> {
    let query = audit_transition::Entity::find()
        .filter(audit_transition::Column::Event.eq(event.as_str()))
        .filter(audit_transition::Column::OccurredOn.between(first, last));
    Ok(in_city(query, audit_transition::Column::AuditId, city)
        .count(db)
        .await?)
}

async fn count_reviews(
    db: &impl ConnectionTrait,
    kind: ReviewKind,
    outcome: ReviewOutcome,
    (first, last): (NaiveDate, NaiveDate),
    city: Option<&str>,
) -> AppResult<u64> {
    let query = review::Entity::find()
        .filter(review::Column::Kind.eq(kind.as_str()))
        .filter(is_constant(
            review::Column::Status,
            ReviewStatus::Held.as_str(),
        ))
        .filter(review::Column::Outcome.eq(outcome.as_str()))
        .filter(review::Column::ReviewDate.between(first, last));
    Ok(in_city(query, review::Column::AuditId, city)
        .count(db)
        .await?)
}

async fn option_totals(
    db: &impl ConnectionTrait,
    year: i32,
    city: Option<&str>,
) -> AppResult<Vec<OptionTotals>> {
    let mut audits_of_year = Query::select()
        .column(audit::Column::Id)
        .from(audit::Entity)
        .and_where(audit::Column::Year.eq(year))
        .to_owned();
    if let Some(city) = city {
        audits_of_year.and_where(audit::Column::CityCode.eq(city));
    }
    let options = improvement_option::Entity::find()
        .filter(improvement_option::Column::AuditId.in_subquery(audits_of_year))
        .all(db)
        .await?;
    let mut totals: Vec<OptionTotals> = OptionKind::ALL
        .iter()
        .map(|k| OptionTotals::empty(*k))
        .collect();
    for option in &options {
        if let Some(t) = totals.iter_mut().find(|t| t.kind == option.kind) {
            t.add(option);
        }
    }
    Ok(totals)
}

async fn overdue_counts(
    db: &impl ConnectionTrait,
    as_of: NaiveDate,
    city: Option<&str>,
) -> AppResult<OverdueCounts> {
    let overdue_of = |kind: DeadlineKind| {
        let mut query = audit::Entity::find()
            .filter(is_constant(audit::Column::Closed, false))
            .filter(audit::Column::DueOn.lt(as_of))
            .filter(audit::Column::DueKind.eq(kind.as_str()));
        if let Some(city) = city {
            query = query.filter(audit::Column::CityCode.eq(city));
        }
        query
    };
    let mut members = enterprise::Entity::find()
        .filter(enterprise::Column::DirectorySinceYear.is_not_null())
        .filter(enterprises::cycle_overdue_condition(as_of.year())?);
    if let Some(city) = city {
        members = members.filter(enterprise::Column::CityCode.eq(city));
    }
    Ok(OverdueCounts {
        disclosure: overdue_of(DeadlineKind::Disclosure).count(db).await?,
        start: overdue_of(DeadlineKind::Start).count(db).await?,
        report: overdue_of(DeadlineKind::Report).count(db).await?,
        evaluation: overdue_of(DeadlineKind::Evaluation).count(db).await?,
        acceptance: overdue_of(DeadlineKind::Acceptance).count(db).await?,
        directory_cycle: members.count(db).await?,
    })
}

/// The summary of one city (or the province, `None`), without access checks.
pub(crate) async fn summarise(
    db: &impl ConnectionTrait,
    year: i32,
    city: Option<&str>,
    as_of: NaiveDate,
) -> AppResult<AnnualSummary> {
    let bounds = super::year_bounds("year", year)?;
    let reviews = |kind, outcome| count_reviews(db, kind, outcome, bounds, city);
    let evaluations_passed = reviews(ReviewKind::Evaluation, ReviewOutcome::Passed).await?;
    let evaluations_failed = reviews(ReviewKind::Evaluation, ReviewOutcome::Failed).await?;
    let acceptances_passed = reviews(ReviewKind::Acceptance, ReviewOutcome::Passed).await?;
    let acceptances_failed = reviews(ReviewKind::Acceptance, ReviewOutcome::Failed).await?;
    Ok(AnnualSummary {
        year,
        city_code: city.map(str::to_owned),
        as_of,
        audits_notified: count_events(db, AuditEventKind::Notify, bounds, city).await?,
        audits_started: count_events(db, AuditEventKind::Start, bounds, city).await?,
        reports_submitted: count_events(db, AuditEventKind::SubmitReport, bounds, city).await?,
        evaluations: evaluation_check(evaluations_passed, evaluations_passed + evaluations_failed),
        acceptances: acceptance_check(acceptances_passed, acceptances_passed + acceptances_failed),
        options: option_totals(db, year, city).await?,
        overdue: overdue_counts(db, as_of, city).await?,
    })
}

/// The day overdue is reckoned on: as asked, else the year's last day, or today while the year
/// is still running.
fn default_as_of(year: i32, as_of: Option<NaiveDate>) -> AppResult<NaiveDate> {
    if let Some(day) = as_of {
        return Ok(day);
    }
    let (_, last) = super::year_bounds("year", year)?;
    Ok(last.min(today()))
}

pub async fn annual_summary(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    year: i32,
    city_code: Option<String>,
    as_of: Option<NaiveDate>,
) -> AppResult<AnnualSummary> {
    let city = resolve_scope(db, viewer, city_code).await?;
    let year = enterprises::check_plan_year("year", year)?;
    let as_of = default_as_of(year, as_of)?;
    summarise(db, year, city.as_deref(), as_of).await
}

/// The report's lines: the named (or the city admin's) city, or every city and the province.
pub async fn annual_summary_rows(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    year: i32,
    city_code: Option<String>,
) -> AppResult<Vec<SummaryRow>> {
    let city = resolve_scope(db, viewer, city_code).await?;
    let year = enterprises::check_plan_year("year", year)?;
    let as_of = default_as_of(year, None)?;
    let cities: Vec<city::Model> = reference::cities(db).await?;
    let name_of = |code: &str| {
        cities
            .iter()
            .find(|c| c.code == code)
            .map_or_else(|| code.to_owned(), |c| c.name.clone())
    };
    let mut rows = Vec::new();
    match city {
        Some(code) => rows.push(SummaryRow {
            city_name: name_of(&code),
            summary: summarise(db, year, Some(&code), as_of).await?,
            city_code: Some(code),
        }),
        None => {
            for c in &cities {
                rows.push(SummaryRow {
                    city_code: Some(c.code.clone()),
                    city_name: c.name.clone(),
                    summary: summarise(db, year, Some(&c.code), as_of).await?,
                });
            }
            rows.push(SummaryRow {
                city_code: None,
                city_name: "全省".to_owned(),
                summary: summarise(db, year, None, as_of).await?,
            });
        }
    }
    Ok(rows)
}
