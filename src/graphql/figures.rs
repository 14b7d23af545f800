//! The figures officials ask for, by year with the trend, for the province, a city, a county
//! or a sector, broken down by city, county and sector (`services::figures`).

use async_graphql::{Context, Object, Result, SimpleObject};
use rust_decimal::Decimal;

use crate::domain::{DeadlineKind, FindingKind, Sector};
use crate::rules::summary::TargetCheck;
use crate::services::figures::{
    self, Figures as Answer, FiguresFilter, Group, Series, YearFigures,
};
use crate::services::summary::OptionTotals;

use super::context::{services, viewer};
use super::reference::{City, city_of};
use super::scalars::Date;
use super::summary::PassRate;

/// A count set against a target in percent.
#[derive(SimpleObject)]
pub struct TargetRate {
    /// What reached it (covered members, passing enterprises).
    pub count: u64,
    /// Out of how many.
    pub of: u64,
    /// Percent with two places; none when `of` is 0.
    pub rate: Option<Decimal>,
    /// The plan's 2025 target in percent.
    pub target: Decimal,
    /// Compared exactly; none when `of` is 0.
    pub met: Option<bool>,
}

impl From<TargetCheck> for TargetRate {
    fn from(c: TargetCheck) -> Self {
        TargetRate {
            count: c.passed,
            of: c.total,
            rate: c.rate,
            target: c.target,
            met: c.met,
        }
    }
}

/// Audits overdue on one kind of deadline.
#[derive(SimpleObject)]
pub struct OverdueByKind {
    /// The deadline's kind.
    pub kind: DeadlineKind,
    /// Its Chinese label.
    pub label: &'static str,
    /// Audits past it.
    pub count: u64,
}

/// Recheck findings of one kind.
#[derive(SimpleObject)]
pub struct FindingsByKind {
    /// The finding's kind.
    pub kind: FindingKind,
    /// Its Chinese label.
    pub label: &'static str,
    /// Findings recorded in the year.
    pub count: u64,
}

/// Rechecks held in the year.
#[derive(SimpleObject)]
pub struct RecheckFigures {
    /// Rechecks held.
    pub held: u64,
    /// Of them passed.
    pub passed: u64,
    /// Of them failed.
    pub failed: u64,
    /// Percent passed with two places; none when none was held.
    pub rate: Option<Decimal>,
}

/// The figures of one year.
pub struct YearFiguresObject(pub YearFigures);

/// The figures of one year: coverage, pass rates per enterprise and per review, rechecks and
/// findings, overdue audits by kind, options, and the change from the year before.
#[Object(name = "YearFigures")]
impl YearFiguresObject {
    /// The year.
    async fn year(&self) -> i32 {
        self.0.year
    }
    /// The day overdue is reckoned on: the year's last day, or today while it runs.
    async fn as_of(&self) -> Date {
        Date(self.0.as_of)
    }
    /// Directory members with a round completed in the five-year cycle ending this year,
    /// against every member (the plan's 2025 target: all, 分批次完成).
    async fn coverage(&self) -> TargetRate {
        self.0.rates.coverage.into()
    }
    /// The coverage rate's change from the year before, in percentage points.
    async fn coverage_change(&self) -> Option<Decimal> {
        self.0.coverage_change
    }
    /// Members for five years or more without a round completed in the cycle.
    async fn cycle_overdue(&self) -> u64 {
        self.0.counts.cycle_overdue
    }
    /// Enterprises with an evaluation held this year whose evaluation passed (any attempt),
    /// against the plan's 90 % (企业清洁生产评估通过率).
    async fn enterprise_pass(&self) -> TargetRate {
        self.0.rates.enterprise_pass.into()
    }
    /// The per-enterprise pass rate's change from the year before, in percentage points.
    async fn enterprise_pass_change(&self) -> Option<Decimal> {
        self.0.enterprise_pass_change
    }
    /// Enterprises whose first evaluation this year passed and was their round's first.
    async fn enterprises_passed_first(&self) -> u64 {
        self.0.counts.enterprises_passed_first
    }
    /// Of the enterprises evaluated, the share passed at the first attempt, in percent.
    async fn enterprise_first_pass_rate(&self) -> Option<Decimal> {
        self.0.rates.enterprise_first_pass
    }
    /// Evaluations held this year, per review, against 90 %.
    async fn evaluations(&self) -> PassRate {
        self.0.rates.evaluation.into()
    }
    /// Acceptances held this year, per review, against 70 %.
    async fn acceptances(&self) -> PassRate {
        self.0.rates.acceptance.into()
    }
    /// The province's rechecks held this year.
    async fn rechecks(&self) -> RecheckFigures {
        let c = &self.0.counts;
        RecheckFigures {
            held: c.rechecks_held,
            passed: c.rechecks_passed,
            failed: c.rechecks_held.saturating_sub(c.rechecks_passed),
            rate: self.0.rates.recheck_pass,
        }
    }
    /// Recheck findings recorded for the year, all kinds.
    async fn findings_total(&self) -> u64 {
        self.0.findings_total()
    }
    /// Recheck findings by kind.
    async fn findings(&self) -> Vec<FindingsByKind> {
        self.0
            .findings
            .iter()
            .map(|(kind, count)| FindingsByKind {
                kind: *kind,
                label: kind.label(),
                count: *count,
            })
            .collect()
    }
    /// Audits past their current deadline on `asOf`, all kinds.
    async fn overdue_total(&self) -> u64 {
        self.0.overdue_total()
    }
    /// Audits past their current deadline on `asOf`, by the deadline's kind.
    async fn overdue(&self) -> Vec<OverdueByKind> {
        self.0
            .overdue
            .iter()
            .map(|(kind, count)| OverdueByKind {
                kind: *kind,
                label: kind.label(),
                count: *count,
            })
            .collect()
    }
    /// Options of this year's audits by kind, with their benefits summed.
    async fn options(&self) -> Vec<OptionTotals> {
        OptionTotals::all_normalized(&self.0.options)
    }
}

/// One line of a breakdown: a city, a county or a sector, year by year.
pub struct FigureSeries(pub Series);

/// One line of a breakdown (a city, a county or a sector), year by year.
#[Object]
impl FigureSeries {
    /// The city of the line (city and county lines).
    async fn city_code(&self) -> Option<&str> {
        match &self.0.group {
            Group::City(c) | Group::County(c, _) => Some(c),
            Group::All | Group::Sector(_) => None,
        }
    }
    /// The city itself.
    async fn city(&self, ctx: &Context<'_>) -> Result<Option<City>> {
        let code = match &self.0.group {
            Group::City(c) | Group::County(c, _) => Some(c.as_str()),
            Group::All | Group::Sector(_) => None,
        };
        city_of(ctx, code).await
    }
    /// The county of a county line.
    async fn county(&self) -> Option<&str> {
        match &self.0.group {
            Group::County(_, county) => Some(county),
            _ => None,
        }
    }
    /// The sector of a sector line.
    async fn sector(&self) -> Option<Sector> {
        match self.0.group {
            Group::Sector(s) => Some(s),
            _ => None,
        }
    }
    /// The figures, one per year of the range, in order.
    async fn years(&self) -> Vec<YearFiguresObject> {
        self.0
            .years
            .iter()
            .cloned()
            .map(YearFiguresObject)
            .collect()
    }
}

/// The figures of the scope asked for, year by year, and their breakdowns.
pub struct Figures(pub Answer);

/// The figures of the scope asked for, year by year, and their breakdowns by city, county
/// and sector.
#[Object]
impl Figures {
    /// The city the figures are of; none: the whole province.
    async fn city_code(&self) -> Option<&str> {
        self.0.scope.city.as_deref()
    }
    /// The county asked for, if any.
    async fn county(&self) -> Option<&str> {
        self.0.scope.county.as_deref()
    }
    /// The sector asked for, if any.
    async fn sector(&self) -> Option<Sector> {
        self.0.scope.sector
    }
    /// The first year.
    async fn year_from(&self) -> i32 {
        self.0.year_from
    }
    /// The last year.
    async fn year_to(&self) -> i32 {
        self.0.year_to
    }
    /// The scope's figures, one per year: the trend.
    async fn years(&self) -> Vec<YearFiguresObject> {
        self.0
            .total
            .years
            .iter()
            .cloned()
            .map(YearFiguresObject)
            .collect()
    }
    /// By city: every city of the scope.
    async fn by_city(&self) -> Vec<FigureSeries> {
        self.0.by_city.iter().cloned().map(FigureSeries).collect()
    }
    /// By county: those with any figure.
    async fn by_county(&self) -> Vec<FigureSeries> {
        self.0.by_county.iter().cloned().map(FigureSeries).collect()
    }
    /// By sector: those with any figure, in the annex's order.
    async fn by_sector(&self) -> Vec<FigureSeries> {
        self.0.by_sector.iter().cloned().map(FigureSeries).collect()
    }
}

#[derive(Default)]
pub struct FiguresQuery;

#[Object]
impl FiguresQuery {
    /// The figures officials ask for, year by year over at most 10 years: the province and
    /// city admins (a city admin their own city only). Also as CSV or XLSX:
    /// `GET /exports/figures.{csv|xlsx}?yearFrom=&yearTo=&cityCode=&county=&sector=`.
    async fn figures(&self, ctx: &Context<'_>, filter: FiguresFilter) -> Result<Figures> {
        let s = services(ctx)?;
        Ok(Figures(figures::figures(&s.db, viewer(ctx), filter).await?))
    }
}
