//! Publications (通报) of results: a city's evaluation and acceptance results for a period,
//! and the province's recheck findings. The public types hold only what was published, as it
//! was on publication day.

use async_graphql::{Context, ID, InputObject, Object, Result};
use rust_decimal::Decimal;

use crate::domain::{FindingKind, ReviewKind, ReviewOutcome};
use crate::services::amounts::from_stored;
use crate::services::publications::{
    self, FindingPublication, PublicFinding, ResultPublication, ReviewResultsInput,
};

use super::context::{services, viewer};
use super::links::CityLink;
use super::scalars::{Date, id_of, parse_id};

/// A city's publication of review results (评估与验收结果通报), frozen on its day.
pub struct ReviewResultPublication(ResultPublication);

#[Object]
impl ReviewResultPublication {
    async fn id(&self) -> ID {
        id_of(self.0.publication.id)
    }
    async fn title(&self) -> &str {
        &self.0.publication.title
    }
    /// `cityCode` and `city`.
    #[graphql(flatten)]
    async fn city_link(&self) -> CityLink<'_> {
        CityLink(&self.0.publication.city_code)
    }
    /// First day of the period published.
    async fn from(&self) -> Date {
        Date(self.0.publication.period_from)
    }
    /// Last day of the period published.
    async fn to(&self) -> Date {
        Date(self.0.publication.period_to)
    }
    async fn published_on(&self) -> Date {
        Date(self.0.publication.published_on)
    }
    async fn result_count(&self) -> usize {
        self.0.lines.len()
    }
    /// The results, by review date (a fixed document, read whole; not paged).
    async fn results(&self) -> Vec<PublishedReviewResult<'_>> {
        self.0.lines.iter().map(PublishedReviewResult).collect()
    }
}

/// One published result, as it was on publication day.
pub struct PublishedReviewResult<'a>(&'a entity::review_result_line::Model);

#[Object]
impl PublishedReviewResult<'_> {
    async fn enterprise_name(&self) -> &str {
        &self.0.enterprise_name
    }
    /// Unified social credit code (GB 32100).
    async fn credit_code(&self) -> &str {
        &self.0.credit_code
    }
    async fn kind(&self) -> ReviewKind {
        self.0.review_kind
    }
    async fn kind_label(&self) -> &'static str {
        self.0.review_kind.label()
    }
    async fn review_date(&self) -> Date {
        Date(self.0.review_date)
    }
    async fn outcome(&self) -> ReviewOutcome {
        self.0.outcome
    }
    async fn outcome_label(&self) -> &'static str {
        self.0.outcome.label()
    }
    /// The score, when one was recorded.
    async fn score(&self) -> Option<Decimal> {
        self.0.score.map(from_stored)
    }
}

/// A published recheck finding (复核问题通报), frozen on its publication day.
pub struct PublishedRecheckFinding(pub PublicFinding);

#[Object]
impl PublishedRecheckFinding {
    /// The recheck's year.
    async fn year(&self) -> i32 {
        self.0.line.year
    }
    async fn published_on(&self) -> Date {
        Date(self.0.published_on)
    }
    async fn kind(&self) -> FindingKind {
        self.0.line.kind
    }
    async fn kind_label(&self) -> &'static str {
        self.0.line.kind.label()
    }
    async fn description(&self) -> &str {
        &self.0.line.description
    }
    async fn enterprise_name(&self) -> &str {
        &self.0.line.enterprise_name
    }
    async fn enterprise_credit_code(&self) -> &str {
        &self.0.line.enterprise_credit_code
    }
    /// The consultancy that held the audit; none for an enterprise that audited itself.
    async fn consultancy_name(&self) -> Option<&str> {
        self.0.line.consultancy_name.as_deref()
    }
    async fn consultancy_credit_code(&self) -> Option<&str> {
        self.0.line.consultancy_credit_code.as_deref()
    }
    async fn lead_auditor_name(&self) -> Option<&str> {
        self.0.line.lead_auditor_name.as_deref()
    }
    /// The experts of the panels that passed the report, names only.
    async fn expert_names(&self) -> &[String] {
        &self.0.expert_names
    }
}

/// One publication of recheck findings.
pub struct RecheckFindingPublication(FindingPublication);

#[Object]
impl RecheckFindingPublication {
    async fn id(&self) -> ID {
        id_of(self.0.publication.id)
    }
    async fn year(&self) -> i32 {
        self.0.publication.year
    }
    async fn published_on(&self) -> Date {
        Date(self.0.publication.published_on)
    }
    async fn findings(&self) -> Vec<PublishedRecheckFinding> {
        self.0
            .findings
            .iter()
            .cloned()
            .map(PublishedRecheckFinding)
            .collect()
    }
}

#[derive(InputObject)]
pub struct PublishReviewResultsInput {
    pub city_code: String,
    /// First day of the period (review dates).
    pub from: Date,
    /// Last day of the period; not after today.
    pub to: Date,
    /// Defaults to 「{城市}清洁生产审核评估与验收结果通报（from至to）」.
    pub title: Option<String>,
}

#[derive(InputObject)]
pub struct PublishRecheckFindingsInput {
    pub year: i32,
    /// The findings to publish; every recorded finding of the year not yet published when
    /// left out.
    pub finding_ids: Option<Vec<ID>>,
}

#[derive(Default)]
pub struct PublicationQuery;

#[Object]
impl PublicationQuery {
    /// Publications of evaluation and acceptance results whose period touches the year, one
    /// city's or every city's. Public.
    async fn published_review_results(
        &self,
        ctx: &Context<'_>,
        city_code: Option<String>,
        year: i32,
    ) -> Result<Vec<ReviewResultPublication>> {
        let s = services(ctx)?;
        Ok(
            publications::published_review_results(&s.db, city_code.as_deref(), year)
                .await?
                .into_iter()
                .map(ReviewResultPublication)
                .collect(),
        )
    }

    /// The recheck findings of the year published so far, in publication order. Public.
    async fn published_recheck_findings(
        &self,
        ctx: &Context<'_>,
        year: i32,
    ) -> Result<Vec<PublishedRecheckFinding>> {
        let s = services(ctx)?;
        Ok(publications::published_recheck_findings(&s.db, year)
            .await?
            .into_iter()
            .map(PublishedRecheckFinding)
            .collect())
    }
}

#[derive(Default)]
pub struct PublicationMutation;

#[Object]
impl PublicationMutation {
    /// Publishes (通报) a city's evaluation and acceptance results with a recorded outcome whose
    /// review date lies in the period: the city's admin, or the province. Frozen as they are
    /// today.
    async fn publish_review_results(
        &self,
        ctx: &Context<'_>,
        input: PublishReviewResultsInput,
    ) -> Result<ReviewResultPublication> {
        let s = services(ctx)?;
        Ok(ReviewResultPublication(
            publications::publish_review_results(
                &s.db,
                viewer(ctx),
                ReviewResultsInput {
                    city_code: input.city_code,
                    from: input.from.0,
                    to: input.to.0,
                    title: input.title,
                },
            )
            .await?,
        ))
    }

    /// Publishes recheck findings of a year province-wide (the province): the named ones, or
    /// all not yet published. Frozen as they are today.
    async fn publish_recheck_findings(
        &self,
        ctx: &Context<'_>,
        input: PublishRecheckFindingsInput,
    ) -> Result<RecheckFindingPublication> {
        let s = services(ctx)?;
        let ids = match input.finding_ids {
            Some(ids) => Some(
                ids.iter()
                    .enumerate()
                    .map(|(i, id)| parse_id(&format!("input.findingIds[{i}]"), id))
                    .collect::<Result<Vec<_>, _>>()?,
            ),
            None => None,
        };
        Ok(RecheckFindingPublication(
            publications::publish_recheck_findings(&s.db, viewer(ctx), input.year, ids).await?,
        ))
    }
}
