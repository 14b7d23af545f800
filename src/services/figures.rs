//! The figures officials ask for (统计数据): by year over a range of up to ten years, for the
//! province, a city, a county or a sector, with the same figures broken down by city, county
//! and sector in the same pass: the directory's coverage and what is overdue in its cycle, the
//! evaluation pass rate per enterprise and per review, acceptances, rechecks and their
//! findings, audits overdue by kind, and the options of the year's audits with their summed
//! benefits. What counts is in `rules::figures`.
//!
//! Everything is placed by the enterprise's current city, county and sector. Reads are a fixed
//! number of statements whatever the range (enterprises, audits, reviews, options,
//! certifications, findings), summed in memory. Overdue is reckoned on each year's last day
//! (today for the running year) from each audit's current deadline, as the yearly summary
//! does: an audit closed since no longer counts for the years it was late in.

use std::collections::{BTreeMap, HashMap};

use async_graphql::InputObject;
use chrono::{Datelike, NaiveDate};
use entity::{audit, certification, enterprise, improvement_option, recheck_finding, review};
use rust_decimal::Decimal;
use sea_orm::sea_query::{Query, SelectStatement};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

use crate::auth::Viewer;
use crate::domain::{
    DeadlineKind, FindingKind, OptionKind, ReviewKind, ReviewOutcome, ReviewStatus, Sector,
};
use crate::error::{AppError, AppResult};
use crate::rules::figures::{
    Attempt, RangeFault, YearCounts, YearRates, changes, check_year_range, cycle_facts,
    enterprise_verdict, rates,
};

use super::enterprises::check_plan_year;
use super::summary::OptionTotals;
use super::text::optional_text;
use super::{is_constant, reference, today, year_bounds};

/// The longest county name accepted in a filter, in characters.
const COUNTY_MAX: usize = 50;

// Also the GraphQL input `FiguresFilter` (the exports build it from their query string): its
// doc comments are the input's GraphQL descriptions.
/// What the figures are asked for: a range of at most 10 years and, optionally, one city
/// (a city admin's own city always), one county and one sector.
#[derive(Clone, Debug, Default, InputObject)]
pub struct FiguresFilter {
    /// GB/T 2260 code of the city; none: the whole province (or the city admin's city).
    pub city_code: Option<String>,
    /// A county (区县) by name, as enterprises record it.
    pub county: Option<String>,
    /// One sector of the plan's annex.
    pub sector: Option<Sector>,
    /// The first year.
    pub year_from: i32,
    /// The last year (at most 10 years after the first, counting both).
    pub year_to: i32,
}

/// Which enterprises the figures are of (resolved and checked).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Scope {
    pub city: Option<String>,
    pub county: Option<String>,
    pub sector: Option<Sector>,
}

/// A line of the breakdown.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Group {
    All,
    City(String),
    /// City code and county name.
    County(String, String),
    Sector(Sector),
}

/// The figures of one year.
#[derive(Clone, Debug)]
pub struct YearFigures {
    pub year: i32,
    /// The day overdue is reckoned on.
    pub as_of: NaiveDate,
    pub counts: YearCounts,
    pub rates: YearRates,
    /// Audits past their current deadline, by its kind (every kind present).
    pub overdue: BTreeMap<DeadlineKind, u64>,
    /// Recheck findings of the year by kind (every kind present).
    pub findings: BTreeMap<FindingKind, u64>,
    /// Options of the year's audits by kind.
    pub options: Vec<OptionTotals>,
    /// Change from the year before, in percentage points.
    pub coverage_change: Option<Decimal>,
    pub enterprise_pass_change: Option<Decimal>,
}

impl YearFigures {
    pub fn overdue_total(&self) -> u64 {
        self.overdue.values().sum()
    }

    pub fn findings_total(&self) -> u64 {
        self.findings.values().sum()
    }
}

/// One line's yearly series.
#[derive(Clone, Debug)]
pub struct Series {
    pub group: Group,
    pub years: Vec<YearFigures>,
}

/// The answer: the scope's series and its breakdowns.
#[derive(Clone, Debug)]
pub struct Figures {
    pub scope: Scope,
    pub year_from: i32,
    pub year_to: i32,
    pub total: Series,
    /// Every city in the scope, those without any figure included.
    pub by_city: Vec<Series>,
    /// Counties with any figure, by city code then name.
    pub by_county: Vec<Series>,
    /// Sectors with any figure, in the annex's order (enterprises outside it are in the total
    /// only).
    pub by_sector: Vec<Series>,
}

/// The checked scope and range of a request: the province any city (or all), a city admin
/// their own city only, anyone else nothing.
pub async fn resolve(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    filter: FiguresFilter,
) -> AppResult<(Scope, (i32, i32))> {
    let asked = filter
        .city_code
        .map(|c| c.trim().to_owned())
        .filter(|c| !c.is_empty());
    let city = viewer.list_city(asked.as_deref())?.map(str::to_owned);
    let year_from = check_plan_year("yearFrom", filter.year_from)?;
    let year_to = check_plan_year("yearTo", filter.year_to)?;
    match check_year_range(year_from, year_to) {
        Ok(()) => {}
        Err(RangeFault::Reversed) => {
            return Err(AppError::bad_input("yearTo", "must not be before yearFrom"));
        }
        Err(RangeFault::TooLong) => {
            return Err(AppError::bad_input(
                "yearTo",
                "the range is at most 10 years",
            ));
        }
    }
    let county = optional_text("county", filter.county, COUNTY_MAX)?;
    if let Some(code) = &city {
        reference::require_known_city(db, "cityCode", code).await?;
    }
    Ok((
        Scope {
            city,
            county,
            sector: filter.sector,
        },
        (year_from, year_to),
    ))
}

/// The figures as `viewer` may see them.
pub async fn figures(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    filter: FiguresFilter,
) -> AppResult<Figures> {
    let (scope, years) = resolve(db, viewer, filter).await?;
    compute(db, &scope, years).await
}

/// The ids of the scope's enterprises, as a subquery.
fn scope_ids(scope: &Scope) -> SelectStatement {
    let mut q = Query::select()
        .column(enterprise::Column::Id)
        .from(enterprise::Entity)
        .to_owned();
    if let Some(city) = &scope.city {
        q.and_where(enterprise::Column::CityCode.eq(city.as_str()));
    }
    if let Some(county) = &scope.county {
        q.and_where(enterprise::Column::County.eq(county.as_str()));
    }
    if let Some(sector) = scope.sector {
        q.and_where(enterprise::Column::Sector.eq(sector.as_str()));
    }
    q
}

/// The ids of the audits of the scope's enterprises (of the years given), as a subquery.
fn scope_audits(scope: &Scope, years: Option<(i32, i32)>) -> SelectStatement {
    let mut q = Query::select()
        .column(audit::Column::Id)
        .from(audit::Entity)
        .and_where(audit::Column::EnterpriseId.in_subquery(scope_ids(scope)))
        .to_owned();
    if let Some((from, to)) = years {
        q.and_where(audit::Column::Year.between(from, to));
    }
    q
}

/// Where an enterprise's facts are counted.
struct Place {
    city: String,
    county: String,
    sector: Option<Sector>,
}

impl Place {
    fn groups(&self) -> Vec<Group> {
        let mut groups = vec![
            Group::All,
            Group::City(self.city.clone()),
            Group::County(self.city.clone(), self.county.clone()),
        ];
        if let Some(sector) = self.sector {
            groups.push(Group::Sector(sector));
        }
        groups
    }
}

struct Bucket {
    counts: YearCounts,
    overdue: BTreeMap<DeadlineKind, u64>,
    findings: BTreeMap<FindingKind, u64>,
    options: Vec<OptionTotals>,
}

impl Default for Bucket {
    fn default() -> Self {
        Bucket {
            counts: YearCounts::default(),
            overdue: DeadlineKind::ALL.iter().map(|k| (*k, 0)).collect(),
            findings: FindingKind::ALL.iter().map(|k| (*k, 0)).collect(),
            options: OptionKind::ALL
                .iter()
                .map(|k| OptionTotals::empty(*k))
                .collect(),
        }
    }
}

#[derive(Default)]
struct Tally {
    buckets: HashMap<(Group, i32), Bucket>,
}

impl Tally {
    /// Applies `f` to the place's bucket of `year` in every group it belongs to.
    fn add(&mut self, place: &Place, year: i32, f: impl Fn(&mut Bucket)) {
        for group in place.groups() {
            f(self.buckets.entry((group, year)).or_default());
        }
    }

    fn series(&mut self, group: Group, years: &[(i32, NaiveDate)]) -> Series {
        let mut out: Vec<YearFigures> = years
            .iter()
            .map(|(year, as_of)| {
                let b = self
                    .buckets
                    .remove(&(group.clone(), *year))
                    .unwrap_or_default();
                YearFigures {
                    year: *year,
                    as_of: *as_of,
                    rates: rates(&b.counts),
                    counts: b.counts,
                    overdue: b.overdue,
                    findings: b.findings,
                    options: b.options,
                    coverage_change: None,
                    enterprise_pass_change: None,
                }
            })
            .collect();
        let coverage: Vec<_> = out.iter().map(|y| y.rates.coverage.rate).collect();
        let passing: Vec<_> = out.iter().map(|y| y.rates.enterprise_pass.rate).collect();
        for ((y, c), p) in out
            .iter_mut()
            .zip(changes(&coverage))
            .zip(changes(&passing))
        {
            y.coverage_change = c;
            y.enterprise_pass_change = p;
        }
        Series { group, years: out }
    }

    fn groups(&self) -> Vec<Group> {
        let mut groups: Vec<Group> = self.buckets.keys().map(|(g, _)| g.clone()).collect();
        groups.sort();
        groups.dedup();
        groups
    }
}

/// The figures of a checked scope and range, without access checks (the assessment sheet
/// reads them for one city and year).
pub(crate) async fn compute(
    db: &impl ConnectionTrait,
    scope: &Scope,
    (year_from, year_to): (i32, i32),
) -> AppResult<Figures> {
    let (_, last_day) = year_bounds("yearTo", year_to)?;
    let today = today();
    let years: Vec<(i32, NaiveDate)> = (year_from..=year_to)
        .map(|y| Ok((y, year_bounds("yearFrom", y)?.1.min(today))))
        .collect::<AppResult<_>>()?;

    let enterprises = enterprise::Entity::find()
        .filter(enterprise::Column::Id.in_subquery(scope_ids(scope)))
        .all(db)
        .await?;
    let audits = audit::Entity::find()
        .filter(audit::Column::EnterpriseId.in_subquery(scope_ids(scope)))
        .all(db)
        .await?;
    let reviews = review::Entity::find()
        .filter(is_constant(
            review::Column::Status,
            ReviewStatus::Held.as_str(),
        ))
        .filter(review::Column::ReviewDate.lte(last_day))
        .filter(review::Column::AuditId.in_subquery(scope_audits(scope, None)))
        .all(db)
        .await?;
    let options = improvement_option::Entity::find()
        .filter(
            improvement_option::Column::AuditId
                .in_subquery(scope_audits(scope, Some((year_from, year_to)))),
        )
        .all(db)
        .await?;
    let certifications = certification::Entity::find()
        .filter(certification::Column::EnterpriseId.in_subquery(scope_ids(scope)))
        .filter(certification::Column::MeetsAuditRequirements.eq(true))
        .filter(certification::Column::CertifiedOn.lte(last_day))
        .all(db)
        .await?;
    let findings = recheck_finding::Entity::find()
        .filter(recheck_finding::Column::Year.between(year_from, year_to))
        .filter(recheck_finding::Column::AuditId.in_subquery(scope_audits(scope, None)))
        .all(db)
        .await?;
    let cities = reference::cities(db).await?;

    let places: HashMap<Uuid, Place> = enterprises
        .iter()
        .map(|e| {
            (
                e.id,
                Place {
                    city: e.city_code.clone(),
                    county: e.county.clone(),
                    sector: e.sector,
                },
            )
        })
        .collect();
    let owner: HashMap<Uuid, &audit::Model> = audits.iter().map(|a| (a.id, a)).collect();
    let mut tally = Tally::default();

    // The directory: coverage and the cycle.
    let mut completions: HashMap<Uuid, Vec<i32>> = HashMap::new();
    for a in audits.iter().filter(|a| a.closed) {
        if let Some(on) = a.accepted_on.or(a.evaluated_on) {
            completions
                .entry(a.enterprise_id)
                .or_default()
                .push(on.year());
        }
    }
    for c in &certifications {
        completions
            .entry(c.enterprise_id)
            .or_default()
            .push(c.certified_on.year());
    }
    for e in enterprises
        .iter()
        .filter(|e| e.directory_since_year.is_some())
    {
        let Some(place) = places.get(&e.id) else {
            continue;
        };
        let done = completions.get(&e.id).map_or(&[][..], Vec::as_slice);
        for (year, _) in &years {
            let facts = cycle_facts(e.directory_since_year, done, *year);
            if facts.member {
                tally.add(place, *year, |b| b.counts.add_cycle(facts));
            }
        }
    }

    // Reviews: per review, and each enterprise's evaluations for its verdict.
    let mut attempts: HashMap<Uuid, Vec<Attempt>> = HashMap::new();
    for r in &reviews {
        let (Some(outcome), Some(a)) = (r.outcome, owner.get(&r.audit_id)) else {
            continue;
        };
        let passed = outcome == ReviewOutcome::Passed;
        if r.kind == ReviewKind::Evaluation {
            attempts.entry(a.enterprise_id).or_default().push(Attempt {
                audit: a.id,
                on: r.review_date,
                passed,
            });
        }
        let year = r.review_date.year();
        let Some(place) = places.get(&a.enterprise_id) else {
            continue;
        };
        if !(year_from..=year_to).contains(&year) {
            continue;
        }
        tally.add(place, year, |b| {
            let c = &mut b.counts;
            let (held, won) = match r.kind {
                ReviewKind::Evaluation => (&mut c.evaluations_held, &mut c.evaluations_passed),
                ReviewKind::Acceptance => (&mut c.acceptances_held, &mut c.acceptances_passed),
                ReviewKind::Recheck => (&mut c.rechecks_held, &mut c.rechecks_passed),
            };
            *held += 1;
            *won += u64::from(passed);
        });
    }
    for (enterprise_id, tried) in &attempts {
        let Some(place) = places.get(enterprise_id) else {
            continue;
        };
        for (year, _) in &years {
            if let Some(verdict) = enterprise_verdict(tried, *year) {
                tally.add(place, *year, |b| b.counts.add_verdict(verdict));
            }
        }
    }

    // Audits overdue on each year's reckoning day.
    for a in audits.iter().filter(|a| !a.closed) {
        let (Some(kind), Some(due), Some(place)) =
            (a.due_kind, a.due_on, places.get(&a.enterprise_id))
        else {
            continue;
        };
        for (year, as_of) in &years {
            if due < *as_of {
                tally.add(place, *year, |b| {
                    *b.overdue.entry(kind).or_default() += 1;
                });
            }
        }
    }

    // Options of the year's audits, and the recheck findings of the year.
    for o in &options {
        let Some(a) = owner.get(&o.audit_id) else {
            continue;
        };
        let Some(place) = places.get(&a.enterprise_id) else {
            continue;
        };
        tally.add(place, a.year, |b| {
            if let Some(t) = b.options.iter_mut().find(|t| t.kind == o.kind) {
                t.add(o);
            }
        });
    }
    for f in &findings {
        let place = owner
            .get(&f.audit_id)
            .and_then(|a| places.get(&a.enterprise_id));
        if let Some(place) = place {
            tally.add(place, f.year, |b| {
                *b.findings.entry(f.kind).or_default() += 1;
            });
        }
    }

    let present = tally.groups();
    let total = tally.series(Group::All, &years);
    let by_city = cities
        .iter()
        .filter(|c| scope.city.as_deref().is_none_or(|own| own == c.code))
        .map(|c| tally.series(Group::City(c.code.clone()), &years))
        .collect();
    let mut by_county = Vec::new();
    let mut by_sector = Vec::new();
    for group in present {
        match group {
            Group::County(..) => by_county.push(tally.series(group, &years)),
            Group::Sector(_) => by_sector.push(tally.series(group, &years)),
            Group::All | Group::City(_) => {}
        }
    }
    Ok(Figures {
        scope: scope.clone(),
        year_from,
        year_to,
        total,
        by_city,
        by_county,
        by_sector,
    })
}
