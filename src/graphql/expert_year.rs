//! The annual expert review and the fairness of the year's draws (the province).

use async_graphql::{Context, Enum, ID, Object, Result, SimpleObject};
use rust_decimal::Decimal;

use crate::domain::ExpertStatus;
use crate::rules::expert_review::RemoveFlag;
use crate::services::expert_year::{self, ExpertYearLine, FairnessReport};
use crate::services::pagination::page_in_memory;

use super::context::{loaders, services, viewer};
use super::experts::Expert;
use super::loaders::load_as;
use super::pagination::{node_selection, page_args};
use super::scalars::id_of;

/// What a flag advises the province to do.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
pub enum ExpertFlagAction {
    Suspend,
    Remove,
}

/// A rule of the dynamic management that fired, with its evidence.
#[derive(SimpleObject)]
pub struct ExpertFlag {
    pub action: ExpertFlagAction,
    /// THREE_UNEXCUSED_IN_A_ROW, MEAN_RATING_BELOW_60, AGE_70_OR_MORE or FALSIFICATION_PASSED.
    pub rule: String,
    pub detail: String,
}

pub struct ExpertYearReview(pub ExpertYearLine);

crate::connection_type!(
    ExpertYearReviewConnection,
    ExpertYearReviewEdge,
    ExpertYearReview
);

#[Object]
impl ExpertYearReview {
    async fn expert_id(&self) -> ID {
        id_of(self.0.expert_id)
    }
    async fn expert(&self, ctx: &Context<'_>) -> Result<Option<Expert>> {
        load_as(&loaders(ctx)?.experts, self.0.expert_id, Expert).await
    }
    async fn name(&self) -> &str {
        &self.0.name
    }
    async fn status(&self) -> ExpertStatus {
        self.0.status
    }
    /// Seats ATTENDED in the year.
    async fn panels_served(&self) -> u32 {
        self.0.review.panels_served
    }
    async fn declines(&self) -> u32 {
        self.0.review.declines_with_reason + self.0.review.declines_without_reason
    }
    async fn declines_without_reason(&self) -> u32 {
        self.0.review.declines_without_reason
    }
    async fn no_shows(&self) -> u32 {
        self.0.review.no_shows
    }
    /// The longest run of declines without reason and no-shows.
    async fn longest_unexcused_streak(&self) -> u32 {
        self.0.review.longest_unexcused_streak
    }
    /// The mean of the organisers' ratings (0–100); none without ratings.
    async fn mean_rating(&self) -> Option<Decimal> {
        self.0.review.mean_rating.map(|m| m.round_dp(4).normalize())
    }
    async fn training_hours(&self) -> Decimal {
        self.0.training_hours
    }
    /// Recheck findings of the year against panels the expert sat on.
    async fn recheck_findings(&self) -> u32 {
        self.0.findings
    }
    /// Completed years on 31 December of the year.
    async fn age(&self) -> Option<u32> {
        self.0.review.age
    }
    async fn flagged(&self) -> bool {
        self.0.flagged()
    }
    /// The rules that fired: suspend first, then each removal rule.
    async fn flags(&self) -> Vec<ExpertFlag> {
        let r = &self.0.review;
        let mut flags = Vec::new();
        if let Some(s) = r.suspend {
            flags.push(ExpertFlag {
                action: ExpertFlagAction::Suspend,
                rule: "THREE_UNEXCUSED_IN_A_ROW".to_owned(),
                detail: format!(
                    "{} declines without reason or no-shows in a row (three reached on {})",
                    s.longest_streak, s.reached_on
                ),
            });
        }
        for flag in &r.remove {
            let detail = match flag {
                RemoveFlag::MeanRatingBelow60 { mean } => {
                    format!("mean rating {} is under 60", mean.round_dp(4).normalize())
                }
                RemoveFlag::Age70OrMore { age } => format!("aged {age}"),
                RemoveFlag::FalsificationPassed { findings } => {
                    format!("{findings} falsification finding(s) on reports their panel passed")
                }
            };
            flags.push(ExpertFlag {
                action: ExpertFlagAction::Remove,
                rule: flag.code().to_owned(),
                detail,
            });
        }
        flags
    }
}

/// How many active experts hold a given number of seats.
#[derive(SimpleObject)]
pub struct SeatCount {
    pub seats: u32,
    pub experts: u32,
}

pub struct DrawFairness(pub FairnessReport);

#[Object]
impl DrawFairness {
    async fn year(&self) -> i32 {
        self.0.year
    }
    /// Experts ACTIVE now (each counted, with zero seats too).
    async fn active_experts(&self) -> u64 {
        self.0.summary.experts as u64
    }
    /// Seats drawn for the year's reviews held by those experts, declined ones included.
    async fn total_seats(&self) -> u64 {
        self.0.summary.total_seats
    }
    async fn min(&self) -> u32 {
        self.0.summary.min
    }
    async fn max(&self) -> u32 {
        self.0.summary.max
    }
    async fn mean(&self) -> f64 {
        self.0.summary.mean
    }
    /// 0 when everyone sat equally often, toward 1 when a few took every seat.
    async fn gini(&self) -> f64 {
        self.0.summary.gini
    }
    async fn histogram(&self) -> Vec<SeatCount> {
        self.0
            .histogram
            .iter()
            .map(|&(seats, experts)| SeatCount { seats, experts })
            .collect()
    }
    /// Seats of the year held by experts no longer ACTIVE (not in the figures above).
    async fn seats_of_inactive_experts(&self) -> u64 {
        self.0.seats_of_inactive
    }
    async fn declined_seats(&self) -> u64 {
        self.0.declined
    }
}

#[derive(Default)]
pub struct ExpertYearQuery;

#[Object]
impl ExpertYearQuery {
    /// Per expert of the pool: panels served, declines, no-shows, mean rating, training hours,
    /// recheck findings, and the suspend/remove flags with the rule that fired (the province).
    async fn expert_annual_review(
        &self,
        ctx: &Context<'_>,
        year: i32,
        #[graphql(default)] flagged_only: bool,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<ExpertYearReviewConnection> {
        let (s, page) = page_args(ctx, first, after)?;
        let lines = expert_year::expert_annual_review(&s.db, viewer(ctx), year).await?;
        let lines: Vec<ExpertYearLine> = lines
            .into_iter()
            .filter(|l| !flagged_only || l.flagged())
            .collect();
        let page = page_in_memory(lines, |l| l.expert_id, page);
        if node_selection(ctx).field("expert").exists() {
            let ids: Vec<uuid::Uuid> = page.items.iter().map(|l| l.expert_id).collect();
            loaders(ctx)?
                .experts
                .feed_many(crate::services::experts::unguarded::by_ids(s, &ids).await?)
                .await;
        }
        Ok(ExpertYearReviewConnection::of_rows(
            page,
            |l| l.expert_id,
            ExpertYearReview,
        ))
    }

    /// Seats drawn per active expert in the year: min, max, mean, Gini and the histogram
    /// (the province).
    async fn draw_fairness(&self, ctx: &Context<'_>, year: i32) -> Result<DrawFairness> {
        let s = services(ctx)?;
        Ok(DrawFairness(
            expert_year::draw_fairness(&s.db, viewer(ctx), year).await?,
        ))
    }
}
