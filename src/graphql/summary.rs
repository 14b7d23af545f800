//! The yearly summary against the plan's 2025 targets.

use async_graphql::{Context, Object, Result, SimpleObject};
use rust_decimal::Decimal;

use crate::rules::summary::TargetCheck;
use crate::services::summary::{self, AnnualSummary as Summary, OptionTotals, OverdueCounts};

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
    async fn options(&self) -> Vec<OptionTotals> {
        OptionTotals::all_normalized(&self.0.options)
    }
    async fn overdue(&self) -> &OverdueCounts {
        &self.0.overdue
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
