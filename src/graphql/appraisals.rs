//! Consultancy appraisal: the year's scheme, the registry's computed inputs, appraisals with a
//! breakdown a firm can follow, and the annual ranking with its publication.

use async_graphql::{Context, Enum, ID, InputObject, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};
use std::collections::HashMap;

use entity::{appraisal, appraisal_deduction, city};
use rust_decimal::Decimal;

use crate::domain::{AppraisalDeductionSource, AppraisalWarning, FindingKind, Grade, SchemeSource};
use crate::rules::appraisal::{GradeBands as RuleBands, Scheme, Scores, Weights, compute_total};
use crate::rules::appraisal_signs::as_of_day;
use crate::rules::deadlines::today_in_china;
use crate::rules::summary::{acceptance_check, evaluation_check};
use crate::services::amounts::from_stored;
use crate::services::appraisals::{
    self, ComputedInputs, NewAppraisal, SchemeInput, YearScheme, scores_of, weights_of,
};
use crate::services::pagination::offset_window;
use crate::services::ranking::{self, Publication, Ranking, RankingLine};
use crate::services::reference;

use super::consultancies::{FirmLink, firm_link};
use super::context::{loaders, services, viewer};
use super::loaders::load_rows;
use super::reference::City;
use super::scalars::{Date, id_of, parse_id};
use super::summary::PassRate;

/// One of the plan's five appraisal dimensions.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "crate::rules::appraisal::Dimension")]
pub enum AppraisalDimension {
    CapacityBuilding,
    ReportQuality,
    PersonnelManagement,
    ServiceQuality,
    ServiceQuantity,
}

/// Weights in percent; they sum to 100.
#[derive(SimpleObject, InputObject, Clone, Copy)]
#[graphql(input_name = "AppraisalWeightsInput")]
pub struct AppraisalWeights {
    pub capacity_building: Decimal,
    pub report_quality: Decimal,
    pub personnel_management: Decimal,
    pub service_quality: Decimal,
    pub service_quantity: Decimal,
}

impl From<Weights> for AppraisalWeights {
    fn from(w: Weights) -> Self {
        AppraisalWeights {
            capacity_building: w.capacity_building,
            report_quality: w.report_quality,
            personnel_management: w.personnel_management,
            service_quality: w.service_quality,
            service_quantity: w.service_quantity,
        }
    }
}

impl From<AppraisalWeights> for Weights {
    fn from(w: AppraisalWeights) -> Self {
        Weights {
            capacity_building: w.capacity_building,
            report_quality: w.report_quality,
            personnel_management: w.personnel_management,
            service_quality: w.service_quality,
            service_quantity: w.service_quantity,
        }
    }
}

/// The lowest total that earns each grade; below `qualified` is UNQUALIFIED.
#[derive(SimpleObject, InputObject, Clone, Copy)]
#[graphql(input_name = "GradeBandsInput")]
pub struct GradeBands {
    pub excellent: Decimal,
    pub good: Decimal,
    pub qualified: Decimal,
}

/// What one recheck finding of a kind costs under a scheme.
#[derive(SimpleObject)]
pub struct FindingRule {
    pub kind: FindingKind,
    pub label: &'static str,
    /// Points deducted per finding.
    pub points: Decimal,
    /// A finding of this kind makes the firm UNQUALIFIED whatever its score.
    pub veto: bool,
}

#[derive(InputObject)]
pub struct DeductionPointsInput {
    pub kind: FindingKind,
    pub points: Decimal,
}

/// A year's scheme. Omitted parts keep DESIGN.md's defaults; a finding kind missing from
/// `deductionPoints` deducts nothing.
#[derive(InputObject)]
pub struct AppraisalSchemeInput {
    pub weights: AppraisalWeights,
    pub bands: Option<GradeBands>,
    pub deduction_points: Option<Vec<DeductionPointsInput>>,
    pub veto_kinds: Option<Vec<FindingKind>>,
}

pub struct AppraisalScheme(YearScheme);

#[Object]
impl AppraisalScheme {
    async fn year(&self) -> i32 {
        self.0.year
    }
    /// DEFAULT until the province sets one for the year.
    async fn source(&self) -> SchemeSource {
        self.0.source
    }
    async fn weights(&self) -> AppraisalWeights {
        self.0.scheme.weights.into()
    }
    async fn bands(&self) -> GradeBands {
        let b = self.0.scheme.bands;
        GradeBands {
            excellent: b.excellent,
            good: b.good,
            qualified: b.qualified,
        }
    }
    /// Every finding kind with its points and whether it vetoes.
    async fn finding_rules(&self) -> Vec<FindingRule> {
        let scheme = &self.0.scheme;
        FindingKind::ALL
            .iter()
            .map(|&kind| FindingRule {
                kind,
                label: kind.label(),
                points: scheme.finding_points(kind),
                veto: scheme.veto_kinds.contains(&kind),
            })
            .collect()
    }
    async fn set_at(&self) -> Option<DateTime<Utc>> {
        self.0.set_at
    }
    /// Published years' schemes are frozen.
    async fn published(&self) -> bool {
        self.0.published_at.is_some()
    }
}

/// A warning sign with its label.
#[derive(SimpleObject)]
pub struct AppraisalWarningSign {
    pub kind: AppraisalWarning,
    pub label: &'static str,
}

fn signs(list: Vec<AppraisalWarning>) -> Vec<AppraisalWarningSign> {
    list.into_iter()
        .map(|kind| AppraisalWarningSign {
            kind,
            label: kind.label(),
        })
        .collect()
}

/// A recheck finding traced to the firm, with what it costs under the year's scheme.
#[derive(SimpleObject)]
pub struct AppraisalFinding {
    pub id: ID,
    pub audit_id: ID,
    pub kind: FindingKind,
    pub label: &'static str,
    pub description: String,
    pub points: Decimal,
    pub veto: bool,
}

/// What the registry itself says about a firm's year, beside the appraiser's scores.
#[derive(SimpleObject)]
pub struct AppraisalInputs {
    /// The day head counts are taken: the year's last day, or the day of reading (for an
    /// appraisal: of recording) while the year runs.
    pub as_of: Date,
    /// Audits the firm handed a report in for during the year.
    pub audits_served: u64,
    /// Evaluations of the firm's reports held in the year (against the plan's 90 %).
    pub evaluations: PassRate,
    /// Acceptances held in the year (against the plan's 70 %).
    pub acceptances: PassRate,
    /// Distinct clients whose acceptance failed in the year.
    pub acceptance_failure_clients: u64,
    /// Distinct clients whose report the firm handed in over the three years up to the year.
    pub clients_in_three_years: u64,
    /// Reports of the year whose lead auditor was not the firm's staff on the report's date.
    pub lead_auditors_off_staff: u64,
    /// Recheck findings against the firm's reports recorded in the year.
    pub recheck_findings: u64,
    /// Staff employed on `asOf`.
    pub staff_count: u64,
    /// Training hours credited to the staff in the year.
    pub staff_training_hours: Decimal,
    pub warnings: Vec<AppraisalWarningSign>,
}

/// The live inputs, with the findings and what each would cost.
pub struct LiveAppraisalInputs {
    inputs: ComputedInputs,
    scheme: Scheme,
}

#[Object]
impl LiveAppraisalInputs {
    async fn summary(&self) -> AppraisalInputs {
        let i = &self.inputs;
        AppraisalInputs {
            as_of: Date(i.as_of),
            audits_served: i.audits_served,
            evaluations: evaluation_check(i.evaluations_passed, i.evaluations_held).into(),
            acceptances: acceptance_check(i.acceptances_passed, i.acceptances_held).into(),
            acceptance_failure_clients: i.acceptance_failure_clients,
            clients_in_three_years: i.clients_three_years,
            lead_auditors_off_staff: i.lead_auditors_off_staff,
            recheck_findings: i.findings.len() as u64,
            staff_count: i.staff_count,
            staff_training_hours: i.training_hours.normalize(),
            warnings: signs(i.warnings.clone()),
        }
    }
    /// The findings that will deduct (and may veto) when the appraisal is recorded.
    async fn findings(&self) -> Vec<AppraisalFinding> {
        self.inputs
            .findings
            .iter()
            .map(|f| AppraisalFinding {
                id: id_of(f.id),
                audit_id: id_of(f.audit_id),
                kind: f.kind,
                label: f.kind.label(),
                description: f.description.clone(),
                points: self.scheme.finding_points(f.kind),
                veto: self.scheme.veto_kinds.contains(&f.kind),
            })
            .collect()
    }
    /// Whether a finding vetoes a pass.
    async fn vetoed(&self) -> bool {
        self.scheme
            .is_vetoed(self.inputs.findings.iter().map(|f| f.kind))
    }
}

/// One dimension's line: score × weight / 100 = contribution (exact; the total is rounded
/// once, at the end).
#[derive(SimpleObject)]
pub struct AppraisalDimensionLine {
    pub dimension: AppraisalDimension,
    pub label: &'static str,
    pub score: Decimal,
    pub weight: Decimal,
    pub contribution: Decimal,
}

pub struct AppraisalDeduction(appraisal_deduction::Model);

#[Object]
impl AppraisalDeduction {
    async fn source(&self) -> AppraisalDeductionSource {
        self.0.source
    }
    /// For a deduction from a recheck finding: the finding's kind and id.
    async fn finding_kind(&self) -> Option<FindingKind> {
        self.0.finding_kind
    }
    async fn finding_id(&self) -> Option<ID> {
        self.0.finding_id.map(id_of)
    }
    async fn reason(&self) -> &str {
        &self.0.reason
    }
    async fn points(&self) -> Decimal {
        from_stored(self.0.points)
    }
}

pub struct Appraisal(pub appraisal::Model);

impl Appraisal {
    async fn deduction_rows(&self, ctx: &Context<'_>) -> Result<Vec<appraisal_deduction::Model>> {
        load_rows(&loaders(ctx)?.appraisal_deductions, self.0.id).await
    }
}

#[Object]
impl Appraisal {
    async fn id(&self) -> ID {
        id_of(self.0.id)
    }
    /// `consultancyId` and `consultancy`.
    #[graphql(flatten)]
    async fn firm_link(&self) -> FirmLink {
        firm_link(self.0.consultancy_id)
    }
    async fn year(&self) -> i32 {
        self.0.year
    }
    /// False for an earlier recording replaced by a later one.
    async fn current(&self) -> bool {
        self.0.current
    }
    async fn capacity_building(&self) -> Decimal {
        from_stored(self.0.capacity_building)
    }
    async fn report_quality(&self) -> Decimal {
        from_stored(self.0.report_quality)
    }
    async fn personnel_management(&self) -> Decimal {
        from_stored(self.0.personnel_management)
    }
    async fn service_quality(&self) -> Decimal {
        from_stored(self.0.service_quality)
    }
    async fn service_quantity(&self) -> Decimal {
        from_stored(self.0.service_quantity)
    }
    /// Each dimension with its weight and contribution, in the plan's order.
    async fn dimensions(&self) -> Vec<AppraisalDimensionLine> {
        let scheme = Scheme {
            weights: weights_of(&self.0),
            ..Scheme::default()
        };
        compute_total(&scheme, &scores_of(&self.0), &[])
            .lines
            .into_iter()
            .map(|l| AppraisalDimensionLine {
                dimension: l.dimension.into(),
                label: l.dimension.label(),
                score: l.score,
                weight: l.weight,
                contribution: l.contribution,
            })
            .collect()
    }
    /// Σ contributions, exact.
    async fn weighted_sum(&self) -> Decimal {
        let scheme = Scheme {
            weights: weights_of(&self.0),
            ..Scheme::default()
        };
        compute_total(&scheme, &scores_of(&self.0), &[]).weighted_sum
    }
    /// Automatic deductions (recheck findings) first, then the appraiser's, in order.
    async fn deductions(&self, ctx: &Context<'_>) -> Result<Vec<AppraisalDeduction>> {
        Ok(self
            .deduction_rows(ctx)
            .await?
            .into_iter()
            .map(AppraisalDeduction)
            .collect())
    }
    async fn total_deduction(&self) -> Decimal {
        from_stored(self.0.total_deduction)
    }
    /// Weighted sum − deductions, floored at 0, rounded half-up to two places.
    async fn total(&self) -> Decimal {
        two_places(from_stored(self.0.total))
    }
    async fn grade(&self) -> Grade {
        self.0.grade
    }
    async fn grade_label(&self) -> &'static str {
        self.0.grade.label()
    }
    /// A recheck finding of a veto kind made the firm UNQUALIFIED whatever its score.
    async fn vetoed(&self) -> bool {
        self.0.vetoed
    }
    /// The registry's evidence as it stood when the appraisal was recorded.
    async fn inputs(&self) -> Result<AppraisalInputs> {
        let m = &self.0;
        let count = |n: i32| u64::try_from(n).unwrap_or_default();
        let end = chrono::NaiveDate::from_ymd_opt(m.year, 12, 31)
            .ok_or_else(|| async_graphql::Error::new("year out of range"))?;
        Ok(AppraisalInputs {
            as_of: Date(as_of_day(end, today_in_china(m.recorded_at))),
            audits_served: count(m.audits_served),
            evaluations: evaluation_check(count(m.evaluations_passed), count(m.evaluations_held))
                .into(),
            acceptances: acceptance_check(count(m.acceptances_passed), count(m.acceptances_held))
                .into(),
            acceptance_failure_clients: count(m.acceptance_failure_clients),
            clients_in_three_years: count(m.clients_three_years),
            lead_auditors_off_staff: count(m.lead_auditors_off_staff),
            recheck_findings: count(m.recheck_findings),
            staff_count: count(m.staff_count),
            staff_training_hours: from_stored(m.training_hours),
            warnings: signs(appraisals::warnings_of(m)?),
        })
    }
    async fn recorded_at(&self) -> DateTime<Utc> {
        self.0.recorded_at
    }
    async fn recorded_by(&self) -> Option<ID> {
        self.0.recorded_by.map(id_of)
    }
    /// When a later recording replaced this one.
    async fn superseded_at(&self) -> Option<DateTime<Utc>> {
        self.0.superseded_at
    }
    /// Earlier recordings of the same year, newest first (on the current appraisal).
    async fn history(&self, ctx: &Context<'_>) -> Result<Vec<Appraisal>> {
        if !self.0.current {
            return Ok(Vec::new());
        }
        let s = services(ctx)?;
        let rows = appraisals::history_of(&s.db, self.0.consultancy_id, self.0.year).await?;
        let ids: Vec<uuid::Uuid> = rows.iter().map(|r| r.id).collect();
        loaders(ctx)?.prime_appraisal_deductions(&ids).await?;
        Ok(rows.into_iter().map(Appraisal).collect())
    }
}

/// Totals are always shown with two places (`85.00`).
fn two_places(d: Decimal) -> Decimal {
    let mut d = d.round_dp(2);
    d.rescale(2);
    d
}

/// What both rankings show of a line's total and scores (`RankingEntry` here and the public
/// registry's `PublicRankingLine`), flattened into each (`#[graphql(flatten)]`).
#[derive(SimpleObject)]
pub struct RankingScores {
    /// Two places (`85.00`).
    pub total: Decimal,
    pub grade: Grade,
    pub grade_label: &'static str,
    pub capacity_building: Decimal,
    pub report_quality: Decimal,
    pub personnel_management: Decimal,
    pub service_quality: Decimal,
    pub service_quantity: Decimal,
}

/// The shown scores of a line with this total, grade and scores.
pub fn ranking_scores(total: Decimal, grade: Grade, scores: &Scores) -> RankingScores {
    RankingScores {
        total: two_places(total),
        grade,
        grade_label: grade.label(),
        capacity_building: scores.capacity_building,
        report_quality: scores.report_quality,
        personnel_management: scores.personnel_management,
        service_quality: scores.service_quality,
        service_quantity: scores.service_quantity,
    }
}

/// The public face of a ranked firm: what the published ranking shows of its entry's firm,
/// nothing more.
pub struct RankedConsultancy<'a>(&'a RankingEntry<'a>);

#[Object]
impl RankedConsultancy<'_> {
    async fn id(&self) -> ID {
        id_of(self.0.line.consultancy_id)
    }
    async fn name(&self) -> &str {
        &self.0.line.name
    }
    async fn credit_code(&self) -> &str {
        &self.0.line.credit_code
    }
    async fn city_code(&self) -> &str {
        &self.0.line.city_code
    }
    async fn city(&self) -> Option<City> {
        self.0.city.cloned().map(City)
    }
}

pub struct RankingEntry<'a> {
    line: &'a RankingLine,
    city: Option<&'a city::Model>,
}

#[Object]
impl RankingEntry<'_> {
    /// Competition rank: equal totals share it and the next skips (1, 1, 3).
    async fn rank(&self) -> u32 {
        self.line.rank
    }
    /// Display order, from 1: among equal totals by report quality, then name by Unicode
    /// code point.
    async fn position(&self) -> u32 {
        self.line.position
    }
    async fn consultancy(&self) -> RankedConsultancy<'_> {
        RankedConsultancy(self)
    }
    /// `total`, `grade`, `gradeLabel` and the five scores.
    #[graphql(flatten)]
    async fn scores(&self) -> RankingScores {
        ranking_scores(self.line.total, self.line.grade, &self.line.scores)
    }
    /// The rank in the previous published year; none when the firm was not ranked there.
    async fn previous_rank(&self) -> Option<u32> {
        self.line.previous_rank
    }
    /// Positive when the firm moved up since the previous published year.
    async fn rank_change(&self) -> Option<i32> {
        self.line.rank_change
    }
}

/// A published ranking's year, date and size.
#[derive(SimpleObject)]
pub struct RankingPublication {
    pub year: i32,
    pub published_at: DateTime<Utc>,
    /// The publication date in China.
    pub published_on: Date,
    pub entry_count: u32,
}

impl From<&Publication> for RankingPublication {
    fn from(p: &Publication) -> Self {
        RankingPublication {
            year: p.year,
            published_at: p.published_at,
            published_on: Date(today_in_china(p.published_at)),
            entry_count: p.entry_count,
        }
    }
}

pub struct ConsultancyRanking {
    ranking: std::sync::Arc<Ranking>,
    /// The cities of the lines, when the query asks for them (11 at most, read once).
    cities: HashMap<String, city::Model>,
}

impl ConsultancyRanking {
    /// Wraps a ranking, reading the cities once when the query asks for them.
    async fn new(ctx: &Context<'_>, ranking: std::sync::Arc<Ranking>) -> Result<Self> {
        let wants_city = ctx
            .look_ahead()
            .field("entries")
            .field("consultancy")
            .field("city")
            .exists();
        let cities = if wants_city {
            let mut codes: Vec<String> =
                ranking.lines.iter().map(|l| l.city_code.clone()).collect();
            codes.sort_unstable();
            codes.dedup();
            reference::cities_among(&services(ctx)?.cities, &codes)
        } else {
            HashMap::new()
        };
        Ok(ConsultancyRanking { ranking, cities })
    }
}

#[Object]
impl ConsultancyRanking {
    async fn year(&self) -> i32 {
        self.ranking.year
    }
    /// False: a provisional ranking of the recorded appraisals (administrators; a firm sees
    /// only its own line).
    async fn published(&self) -> bool {
        self.ranking.publication.is_some()
    }
    async fn publication(&self) -> Option<RankingPublication> {
        self.ranking.publication.as_ref().map(Into::into)
    }
    /// The published year rank changes are counted from.
    async fn previous_year(&self) -> Option<i32> {
        self.ranking.previous_year
    }
    /// The scheme the year is appraised under.
    async fn scheme(&self, ctx: &Context<'_>) -> Result<AppraisalScheme> {
        let s = services(ctx)?;
        Ok(AppraisalScheme(
            appraisals::get_scheme(&s.db, viewer(ctx), self.ranking.year).await?,
        ))
    }
    /// The ranking in display order, one line per appraised firm: every line (like its CSV)
    /// or, for a page, `first` lines (at most the maximum page size) from `offset` (0 is the
    /// first line). A ranking is a fixed document, so a position is a stable place to page
    /// from.
    async fn entries(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        #[graphql(default = 0)] offset: i32,
    ) -> Result<Vec<RankingEntry<'_>>> {
        let max = services(ctx)?.config.max_page_size;
        let window = offset_window(self.ranking.lines.len(), first, offset, max)?;
        Ok(self.ranking.lines[window]
            .iter()
            .map(|line| RankingEntry {
                line,
                city: self.cities.get(&line.city_code),
            })
            .collect())
    }
    /// How many lines the ranking has (what `entries` pages through).
    async fn entry_count(&self) -> usize {
        self.ranking.lines.len()
    }
    /// Download links: `/reports/consultancy-ranking/{year}.csv` and `.xlsx` (published
    /// years).
    async fn report_paths(&self) -> Vec<String> {
        if self.ranking.publication.is_none() {
            return Vec::new();
        }
        ["csv", "xlsx"]
            .iter()
            .map(|ext| format!("/reports/consultancy-ranking/{}.{ext}", self.ranking.year))
            .collect()
    }
}

#[derive(InputObject)]
pub struct AppraisalDeductionInput {
    pub reason: String,
    /// 0.01–100, at most two places.
    pub points: Decimal,
}

/// Scores are 0–100 with at most two decimal places.
#[derive(InputObject)]
pub struct RecordAppraisalInput {
    pub consultancy_id: ID,
    pub year: i32,
    pub capacity_building: Decimal,
    pub report_quality: Decimal,
    pub personnel_management: Decimal,
    pub service_quality: Decimal,
    pub service_quantity: Decimal,
    #[graphql(default)]
    pub deductions: Vec<AppraisalDeductionInput>,
}

#[derive(Default)]
pub struct AppraisalQuery;

#[Object]
impl AppraisalQuery {
    /// A year's scheme (the defaults when none was set). Public once the year is published;
    /// before, administrators and firms.
    async fn appraisal_scheme(&self, ctx: &Context<'_>, year: i32) -> Result<AppraisalScheme> {
        let s = services(ctx)?;
        Ok(AppraisalScheme(
            appraisals::get_scheme(&s.db, viewer(ctx), year).await?,
        ))
    }

    /// The registry's evidence about a firm's year as it stands now (administrators and the
    /// firm itself).
    async fn appraisal_inputs(
        &self,
        ctx: &Context<'_>,
        consultancy_id: ID,
        year: i32,
    ) -> Result<LiveAppraisalInputs> {
        let s = services(ctx)?;
        let id = parse_id("consultancyId", &consultancy_id)?;
        let inputs = appraisals::appraisal_inputs(&s.db, viewer(ctx), id, year).await?;
        let scheme = appraisals::scheme_of_year(&s.db, year).await?.scheme;
        Ok(LiveAppraisalInputs { inputs, scheme })
    }

    /// A firm's current appraisal for a year; none when not recorded (administrators and the
    /// firm itself).
    async fn appraisal(
        &self,
        ctx: &Context<'_>,
        consultancy_id: ID,
        year: i32,
    ) -> Result<Option<Appraisal>> {
        let s = services(ctx)?;
        let id = parse_id("consultancyId", &consultancy_id)?;
        Ok(appraisals::get_appraisal(&s.db, viewer(ctx), id, year)
            .await?
            .map(Appraisal))
    }

    /// The year's ranking: public once published; before, administrators see it provisional
    /// and a firm its own line.
    async fn consultancy_ranking(
        &self,
        ctx: &Context<'_>,
        year: i32,
    ) -> Result<ConsultancyRanking> {
        let s = services(ctx)?;
        let result =
            ranking::consultancy_ranking(&s.db, &s.published_rankings, viewer(ctx), year).await?;
        ConsultancyRanking::new(ctx, result).await
    }

    /// The published years, latest first (public).
    async fn published_rankings(&self, ctx: &Context<'_>) -> Result<Vec<RankingPublication>> {
        let s = services(ctx)?;
        Ok(ranking::publications(&s.db)
            .await?
            .iter()
            .map(Into::into)
            .collect())
    }
}

#[derive(Default)]
pub struct AppraisalMutation;

#[Object]
impl AppraisalMutation {
    /// Sets a year's scheme (province admins); the year's current appraisals are recomputed
    /// under it. A published year's scheme is frozen (CONFLICT).
    async fn set_appraisal_scheme(
        &self,
        ctx: &Context<'_>,
        year: i32,
        input: AppraisalSchemeInput,
    ) -> Result<AppraisalScheme> {
        let s = services(ctx)?;
        let input = SchemeInput {
            weights: input.weights.into(),
            bands: input.bands.map(|b| RuleBands {
                excellent: b.excellent,
                good: b.good,
                qualified: b.qualified,
            }),
            deduction_points: input
                .deduction_points
                .map(|list| list.into_iter().map(|d| (d.kind, d.points)).collect()),
            veto_kinds: input.veto_kinds,
        };
        Ok(AppraisalScheme(
            appraisals::set_scheme(&s.db, viewer(ctx), year, input).await?,
        ))
    }

    /// Records a firm's appraisal (province admins); recheck findings deduct and veto by
    /// themselves. Re-recording replaces it and keeps the earlier one in `history`; a
    /// published year is CONFLICT.
    async fn record_appraisal(
        &self,
        ctx: &Context<'_>,
        input: RecordAppraisalInput,
    ) -> Result<Appraisal> {
        let s = services(ctx)?;
        let new = NewAppraisal {
            consultancy_id: parse_id("consultancyId", &input.consultancy_id)?,
            year: input.year,
            scores: crate::rules::appraisal::Scores {
                capacity_building: input.capacity_building,
                report_quality: input.report_quality,
                personnel_management: input.personnel_management,
                service_quality: input.service_quality,
                service_quantity: input.service_quantity,
            },
            deductions: input
                .deductions
                .into_iter()
                .map(|d| (d.reason, d.points))
                .collect(),
        };
        Ok(Appraisal(
            appraisals::record_appraisal(&s.db, viewer(ctx), new).await?,
        ))
    }

    /// Publishes a year's ranking (province admins): its appraisals and scheme freeze, the
    /// ranking becomes public with its CSV and XLSX reports.
    async fn publish_ranking(&self, ctx: &Context<'_>, year: i32) -> Result<ConsultancyRanking> {
        let s = services(ctx)?;
        let published = ranking::publish_ranking(&s.db, viewer(ctx), year).await?;
        ConsultancyRanking::new(ctx, std::sync::Arc::new(published)).await
    }
}
