//! The yearly summary against the plan's 2025 targets.

use async_graphql::{Context, Object, Result, SimpleObject};
use rust_decimal::Decimal;

use crate::domain::OptionKind;
use crate::rules::summary::TargetCheck;
use crate::services::summary::{self, AnnualSummary as Summary, OptionTotals};

use super::context::{services, viewer};
use super::reference::{City, city_of};
use super::scalars::Date;

/// Reviews held in the year and their pass rate against the plan's target.
#[derive(SimpleObject)]
pub struct PassRate {
    pub held: u64,
    pub passed: u64,
    pub failed: u64,
    /// Percent with two places; none when nothing was held.
    pub rate: Option<Decimal>,
    /// The plan's 2025 target in percent (evaluations 90, acceptances 70).
    pub target: Decimal,
    /// Compared exactly; none when nothing was held.
    pub met: Option<bool>,
}

impl From<TargetCheck> for PassRate {
    fn from(c: TargetCheck) -> Self {
        PassRate {
            held: c.total,
            passed: c.passed,
            failed: c.total.saturating_sub(c.passed),
            rate: c.rate,
            target: c.target,
            met: c.met,
        }
    }
}

/// The options of one kind in the year's audits, summed.
#[derive(SimpleObject)]
pub struct OptionSummary {
    pub kind: OptionKind,
    pub label: &'static str,
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

impl From<OptionTotals> for OptionSummary {
    fn from(t: OptionTotals) -> Self {
        let n = |d: Decimal| d.normalize();
        OptionSummary {
            kind: t.kind,
            label: t.kind.label(),
            count: t.count,
            implemented: t.implemented,
            investment: n(t.investment),
            economic_benefit: n(t.economic_benefit),
            energy_tce: n(t.energy_tce),
            water_t: n(t.water_t),
            cod_t: n(t.cod_t),
            ammonia_nitrogen_t: n(t.ammonia_nitrogen_t),
            so2_t: n(t.so2_t),
            nox_t: n(t.nox_t),
            particulates_t: n(t.particulates_t),
            vocs_t: n(t.vocs_t),
            co2_t: n(t.co2_t),
        }
    }
}

/// What is overdue on the summary's `asOf` day.
#[derive(SimpleObject)]
pub struct OverdueSummary {
    /// Audits past their current deadline, all kinds.
    pub audits: u64,
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

pub struct AnnualSummary(pub Summary);

#[Object]
impl AnnualSummary {
    async fn year(&self) -> i32 {
        self.0.year
    }
    /// None: the whole province.
    async fn city_code(&self) -> Option<&str> {
        self.0.city_code.as_deref()
    }
    async fn city(&self, ctx: &Context<'_>) -> Result<Option<City>> {
        city_of(ctx, self.0.city_code.as_deref()).await
    }
    /// The day overdue is reckoned on.
    async fn as_of(&self) -> Date {
        Date(self.0.as_of)
    }
    /// Notices sent in the year.
    async fn audits_notified(&self) -> u64 {
        self.0.audits_notified
    }
    async fn audits_started(&self) -> u64 {
        self.0.audits_started
    }
    /// Reports handed in during the year, resubmissions included.
    async fn reports_submitted(&self) -> u64 {
        self.0.reports_submitted
    }
    /// Evaluations held in the year against the 90 % target.
    async fn evaluations(&self) -> PassRate {
        self.0.evaluations.into()
    }
    /// Acceptances held in the year against the 70 % target.
    async fn acceptances(&self) -> PassRate {
        self.0.acceptances.into()
    }
    /// Options of the year's audits by kind.
    async fn options(&self) -> Vec<OptionSummary> {
        self.0.options.iter().cloned().map(Into::into).collect()
    }
    async fn overdue(&self) -> OverdueSummary {
        let o = &self.0.overdue;
        OverdueSummary {
            audits: o.audits(),
            disclosure: o.disclosure,
            start: o.start,
            report: o.report,
            evaluation: o.evaluation,
            acceptance: o.acceptance,
            directory_cycle: o.directory_cycle,
        }
    }
}

#[derive(Default)]
pub struct SummaryQuery;

#[Object]
impl SummaryQuery {
    /// The year's summary of a city, or of the province when no city is named (a city admin
    /// gets their own city). Also as CSV: `GET /reports/annual-summary/{year}.csv?cityCode=`.
    async fn annual_summary(
        &self,
        ctx: &Context<'_>,
        year: i32,
        city_code: Option<String>,
        as_of: Option<Date>,
    ) -> Result<AnnualSummary> {
        let s = services(ctx)?;
        Ok(AnnualSummary(
            summary::annual_summary(&s.db, viewer(ctx), year, city_code, as_of.map(|d| d.0))
                .await?,
        ))
    }
}
