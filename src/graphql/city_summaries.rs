//! The city's yearly work summary as reported to the province: submitted with its figures
//! frozen, received or returned, and each city's standing for a year.

use async_graphql::{Context, ID, Object, Result};
use chrono::{DateTime, Utc};
use entity::{city_summary, city_summary_change};

use crate::domain::CitySummaryStatus;
use crate::rules::deadlines::today_in_china;
pub use crate::services::city_summaries::SubmitInput as SubmitCitySummaryInput;
use crate::services::city_summaries::{self, Standing};

use super::context::{services, viewer, with_id};
use super::links::CityLink;
use super::scalars::{Date, id_of};
use super::stamps::{ChangeMark, change_mark};
use super::summary::AnnualSummary;

pub struct CitySummary(pub city_summary::Model);

#[Object]
impl CitySummary {
    async fn id(&self) -> ID {
        id_of(self.0.id)
    }
    /// The year summarised.
    async fn year(&self) -> i32 {
        self.0.year
    }
    /// `cityCode` and `city`.
    #[graphql(flatten)]
    async fn city_link(&self) -> CityLink<'_> {
        CityLink(&self.0.city_code)
    }
    async fn status(&self) -> CitySummaryStatus {
        self.0.status
    }
    /// The year's figures as computed at the last submission: they do not move when the
    /// data changes afterwards.
    async fn figures(&self) -> Result<Option<AnnualSummary>> {
        Ok(city_summaries::figures_of(&self.0)?.map(AnnualSummary))
    }
    /// Improvement options carried out (方案实施情况).
    async fn options_carried_out(&self) -> Option<&str> {
        self.0.options_carried_out.as_deref()
    }
    /// Benefits achieved (取得成效).
    async fn benefits(&self) -> Option<&str> {
        self.0.benefits.as_deref()
    }
    /// Problems met (存在问题).
    async fn problems(&self) -> Option<&str> {
        self.0.problems.as_deref()
    }
    /// Anything else (其他).
    async fn other(&self) -> Option<&str> {
        self.0.other.as_deref()
    }
    async fn submitted_by_id(&self) -> Option<ID> {
        self.0.submitted_by.map(id_of)
    }
    async fn submitted_at(&self) -> Option<DateTime<Utc>> {
        self.0.submitted_at
    }
    /// The day of the last submission, China time.
    async fn submitted_on(&self) -> Option<Date> {
        self.0.submitted_at.map(|at| Date(today_in_china(at)))
    }
    /// Submitted after 31 March of the next year (China time).
    async fn late(&self) -> bool {
        self.0.late
    }
    /// Who received or returned it, and when.
    async fn decided_by_id(&self) -> Option<ID> {
        self.0.decided_by.map(id_of)
    }
    async fn decided_at(&self) -> Option<DateTime<Utc>> {
        self.0.decided_at
    }
    /// Why the province returned it (kept after a resubmission until the next decision).
    async fn return_reason(&self) -> Option<&str> {
        self.0.return_reason.as_deref()
    }
    /// Grows with every change.
    async fn version(&self) -> i32 {
        self.0.version
    }
    /// Every submission, receipt and return, oldest first.
    async fn history(&self, ctx: &Context<'_>) -> Result<Vec<CitySummaryChange>> {
        let s = services(ctx)?;
        Ok(city_summaries::history(&s.db, self.0.id)
            .await?
            .into_iter()
            .map(CitySummaryChange)
            .collect())
    }
}

/// One change of a city summary's state.
pub struct CitySummaryChange(pub city_summary_change::Model);

#[Object]
impl CitySummaryChange {
    async fn id(&self) -> ID {
        id_of(self.0.id)
    }
    async fn status(&self) -> CitySummaryStatus {
        self.0.status
    }
    /// A return's reason.
    async fn reason(&self) -> Option<&str> {
        self.0.reason.as_deref()
    }
    /// `actorId` and `changedAt`.
    #[graphql(flatten)]
    async fn change_mark(&self) -> ChangeMark {
        change_mark(self.0.actor_id, self.0.changed_at)
    }
}

/// A city's standing for a year: its summary's state, DRAFT when none was submitted.
pub struct CitySummaryStanding(Standing);

#[Object]
impl CitySummaryStanding {
    /// `cityCode` and `city`.
    #[graphql(flatten)]
    async fn city_link(&self) -> CityLink<'_> {
        CityLink(&self.0.city_code)
    }
    /// DRAFT: not submitted.
    async fn status(&self) -> CitySummaryStatus {
        self.0
            .summary
            .as_ref()
            .map_or(CitySummaryStatus::Draft, |s| s.status)
    }
    async fn submitted(&self) -> bool {
        self.0.summary.is_some()
    }
    async fn summary(&self) -> Option<CitySummary> {
        self.0.summary.clone().map(CitySummary)
    }
}

#[derive(Default)]
pub struct CitySummaryQuery;

#[Object]
impl CitySummaryQuery {
    /// A city's submitted summary of a year (null: not submitted): the province, or the city.
    async fn city_summary(
        &self,
        ctx: &Context<'_>,
        year: i32,
        city_code: String,
    ) -> Result<Option<CitySummary>> {
        let s = services(ctx)?;
        Ok(city_summaries::get(&s.db, viewer(ctx), year, &city_code)
            .await?
            .map(CitySummary))
    }

    /// Every city's standing for a year, those that have not submitted included: the province
    /// sees all 11 cities, a city admin its own.
    async fn city_summaries(
        &self,
        ctx: &Context<'_>,
        year: i32,
    ) -> Result<Vec<CitySummaryStanding>> {
        let s = services(ctx)?;
        Ok(city_summaries::standings(&s.db, viewer(ctx), year)
            .await?
            .into_iter()
            .map(CitySummaryStanding)
            .collect())
    }
}

#[derive(Default)]
pub struct CitySummaryMutation;

#[Object]
impl CitySummaryMutation {
    /// A city admin submits the city's summary of a finished year, or resubmits a returned
    /// one: the figures are frozen as computed now; the province's admins are told.
    async fn submit_city_summary(
        &self,
        ctx: &Context<'_>,
        input: SubmitCitySummaryInput,
    ) -> Result<CitySummary> {
        let s = services(ctx)?;
        Ok(CitySummary(
            city_summaries::submit(&s.db, viewer(ctx), input).await?,
        ))
    }

    /// The province receives a SUBMITTED summary; the city's admins are told.
    async fn receive_city_summary(&self, ctx: &Context<'_>, id: ID) -> Result<CitySummary> {
        with_id(ctx, "id", &id, |s, v, id| {
            city_summaries::decide(&s.db, v, id, None)
        })
        .await
        .map(CitySummary)
    }

    /// The province returns a SUBMITTED summary with a reason; the city revises and
    /// resubmits it. The city's admins are told.
    async fn return_city_summary(
        &self,
        ctx: &Context<'_>,
        id: ID,
        reason: String,
    ) -> Result<CitySummary> {
        with_id(ctx, "id", &id, |s, v, id| {
            city_summaries::decide(&s.db, v, id, Some(reason))
        })
        .await
        .map(CitySummary)
    }
}
