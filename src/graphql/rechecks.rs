//! The yearly recheck sample and recheck findings with their trace-back.

use async_graphql::{Context, ID, InputObject, Object, Result};
use chrono::{DateTime, Utc};
use entity::{recheck_finding, recheck_finding_expert, recheck_sample, recheck_sample_item};
use rust_decimal::Decimal;
use uuid::Uuid;

use crate::domain::{FindingKind, FindingStatus, Role};
use crate::error::AppError;
use crate::services::recheck_confirmation;
use crate::services::rechecks::{self, FindingFilter, NewFinding, SampleInput};

use super::audits::{Audit, Review};
use super::consultancies::{AuditorLink, auditor_link};
use super::context::{loaders, services, viewer, with_id};
use super::loaders::{load_as, load_rows, load_rows_as};
use super::pagination::{node_selection, page_args};
use super::scalars::{Date, id_of, parse_id, parse_optional_id};

/// A year's rechecks (复核): its draws and the share of its population sampled.
pub struct RecheckYear(pub rechecks::RecheckYear);

#[Object]
impl RecheckYear {
    async fn year(&self) -> i32 {
        self.0.year
    }
    /// Every draw of the year: round 1, then supplementary ones.
    async fn draws(&self) -> Vec<RecheckSample> {
        self.0.draws.iter().cloned().map(RecheckSample).collect()
    }
    /// Audits that completed an evaluation or acceptance (a PASSED one) in the year.
    async fn population_count(&self) -> u64 {
        self.0.population
    }
    /// Of them, those sampled by the year's draws.
    async fn sampled_count(&self) -> u64 {
        self.0.sampled
    }
    /// `sampledCount / populationCount`, four places; null with no population. The plan asks
    /// for at least 0.05.
    async fn share(&self) -> Option<Decimal> {
        (self.0.population > 0)
            .then(|| (Decimal::from(self.0.sampled) / Decimal::from(self.0.population)).round_dp(4))
    }
}

pub struct RecheckSample(pub recheck_sample::Model);

#[Object]
impl RecheckSample {
    async fn id(&self) -> ID {
        id_of(self.0.id)
    }
    async fn year(&self) -> i32 {
        self.0.year
    }
    /// 1 for the year's first draw, then each supplementary one.
    async fn round(&self) -> i32 {
        self.0.round
    }
    async fn rate(&self) -> Result<Decimal> {
        self.0.rate.parse::<Decimal>().map_err(|e| {
            AppError::internal(format!("stored rate of sample {}: {e}", self.0.id)).into()
        })
    }
    /// The date given to the RECHECK reviews the sample created.
    async fn review_date(&self) -> Date {
        Date(self.0.review_date)
    }
    async fn algorithm(&self) -> &str {
        &self.0.algorithm
    }
    /// SHA-256 of (tag, serverRandom, this sample's id, witnessNonce), hex.
    async fn seed(&self) -> &str {
        &self.0.seed
    }
    async fn server_random(&self) -> &str {
        &self.0.server_random
    }
    /// SHA-256 of `serverRandom`, shown by `openRecheckSample` before the witness typed the
    /// nonce (none for samples drawn before commitments).
    async fn commitment(&self) -> Option<&str> {
        self.0.commitment.as_deref()
    }
    async fn committed_at(&self) -> Option<DateTime<Utc>> {
        self.0.committed_at
    }
    async fn witness_nonce(&self) -> &str {
        &self.0.witness_nonce
    }
    /// What the draw drew from, ascending: the audits that completed an evaluation or
    /// acceptance in the year and were not sampled by an earlier round (for samples drawn
    /// before audits became the unit: the evaluations and acceptances held, by review id).
    async fn population(&self) -> Result<Vec<ID>> {
        Ok(rechecks::population_of(&self.0)?
            .into_iter()
            .map(id_of)
            .collect())
    }
    async fn population_count(&self) -> i32 {
        self.0.population_count
    }
    /// SHA-256 of the population's sorted ids, hex.
    async fn population_digest(&self) -> &str {
        &self.0.population_digest
    }
    /// ⌈rate × population⌉.
    async fn sample_size(&self) -> i32 {
        self.0.sample_size
    }
    /// The sampled audits in draw order, each with its passed review and the recheck that
    /// covers it.
    async fn items(&self, ctx: &Context<'_>) -> Result<Vec<RecheckSampleItem>> {
        let s = services(ctx)?;
        Ok(rechecks::sample_items(&s.db, self.0.id)
            .await?
            .into_iter()
            .map(RecheckSampleItem)
            .collect())
    }
    /// Re-running the sample from its record gives the same reviews in the same order.
    async fn reproduces(&self, ctx: &Context<'_>) -> Result<bool> {
        let s = services(ctx)?;
        let items = rechecks::sample_items(&s.db, self.0.id).await?;
        Ok(rechecks::sample_reproduces(&self.0, &items)?)
    }
    async fn drawn_by(&self) -> Option<ID> {
        self.0.drawn_by.map(id_of)
    }
    async fn drawn_at(&self) -> DateTime<Utc> {
        self.0.drawn_at
    }
}

pub struct RecheckSampleItem(pub recheck_sample_item::Model);

#[Object]
impl RecheckSampleItem {
    async fn position(&self) -> i32 {
        self.0.position
    }
    /// The sampled audit's latest PASSED evaluation or acceptance of the year.
    async fn sampled_review_id(&self) -> ID {
        id_of(self.0.sampled_review_id)
    }
    async fn sampled_review(&self, ctx: &Context<'_>) -> Result<Option<Review>> {
        load_as(&loaders(ctx)?.reviews, self.0.sampled_review_id, Review).await
    }
    async fn audit_id(&self) -> ID {
        id_of(self.0.audit_id)
    }
    async fn recheck_review_id(&self) -> ID {
        id_of(self.0.recheck_review_id)
    }
    async fn recheck_review(&self, ctx: &Context<'_>) -> Result<Option<Review>> {
        load_as(&loaders(ctx)?.reviews, self.0.recheck_review_id, Review).await
    }
}

pub struct RecheckFinding(pub recheck_finding::Model);

crate::connection_type!(RecheckFindingConnection, RecheckFindingEdge, RecheckFinding);

/// An expert who sat on a panel that passed the report.
pub struct ImplicatedExpert(pub recheck_finding_expert::Model);

#[Object]
impl ImplicatedExpert {
    async fn expert_id(&self) -> ID {
        id_of(self.0.expert_id)
    }
    async fn expert_name(&self, ctx: &Context<'_>) -> Result<Option<String>> {
        load_as(&loaders(ctx)?.experts, self.0.expert_id, |e| e.name.clone()).await
    }
    async fn seat_id(&self) -> ID {
        id_of(self.0.seat_id)
    }
    /// The evaluation or acceptance whose panel passed the report.
    async fn passed_review_id(&self) -> ID {
        id_of(self.0.passed_review_id)
    }
}

#[Object]
impl RecheckFinding {
    async fn id(&self) -> ID {
        id_of(self.0.id)
    }
    /// The RECHECK review.
    async fn review_id(&self) -> ID {
        id_of(self.0.review_id)
    }
    async fn review(&self, ctx: &Context<'_>) -> Result<Option<Review>> {
        load_as(&loaders(ctx)?.reviews, self.0.review_id, Review).await
    }
    async fn audit_id(&self) -> ID {
        id_of(self.0.audit_id)
    }
    async fn audit(&self, ctx: &Context<'_>) -> Result<Option<Audit>> {
        load_as(&loaders(ctx)?.audits, self.0.audit_id, Audit).await
    }
    /// The year of the recheck.
    async fn year(&self) -> i32 {
        self.0.year
    }
    async fn kind(&self) -> FindingKind {
        self.0.kind
    }
    async fn label(&self) -> &'static str {
        self.0.kind.label()
    }
    async fn description(&self) -> &str {
        &self.0.description
    }
    /// `consultancyId`, `consultancy`, `leadAuditorId` and `leadAuditor`.
    #[graphql(flatten)]
    async fn auditor_link(&self) -> AuditorLink {
        auditor_link(self.0.consultancy_id, self.0.lead_auditor_staff_id)
    }
    /// The experts who sat on the panels that passed the report.
    async fn implicated_experts(&self, ctx: &Context<'_>) -> Result<Vec<ImplicatedExpert>> {
        load_rows_as(
            &loaders(ctx)?.implicated_experts,
            self.0.id,
            ImplicatedExpert,
        )
        .await
    }
    async fn recorded_by(&self) -> Option<ID> {
        self.0.recorded_by.map(id_of)
    }
    async fn recorded_at(&self) -> DateTime<Utc> {
        self.0.recorded_at
    }
    /// RECORDED (the consultancy may respond), then CONFIRMED (publishable) or WITHDRAWN.
    async fn status(&self) -> FindingStatus {
        self.0.status
    }
    async fn status_label(&self) -> &'static str {
        self.0.status.label()
    }
    /// The last day (China time) the consultancy may respond; none for findings published
    /// before confirmation existed.
    async fn response_due_on(&self) -> Option<Date> {
        self.0.response_due_on.map(Date)
    }
    /// The consultancy's written response (陈述申辩), once given.
    async fn response(&self) -> Option<&str> {
        self.0.response.as_deref()
    }
    async fn responded_at(&self) -> Option<DateTime<Utc>> {
        self.0.responded_at
    }
    /// When the province confirmed or withdrew it.
    async fn decided_at(&self) -> Option<DateTime<Utc>> {
        self.0.decided_at
    }
    /// The province's note on confirming, or its reason for withdrawing.
    async fn decision_note(&self) -> Option<&str> {
        self.0.decision_note.as_deref()
    }
}

/// Keeps the findings the viewer may read (see `services::rechecks::may_read`); an expert's
/// depend on who each finding implicates.
pub async fn visible_findings(
    ctx: &Context<'_>,
    findings: Vec<recheck_finding::Model>,
) -> Result<Vec<RecheckFinding>> {
    let v = viewer(ctx);
    let own_expert = match v.principal() {
        Some(p) if p.role == Role::Expert => p.expert_id,
        _ => None,
    };
    let mut kept = Vec::with_capacity(findings.len());
    for finding in findings {
        let implicates_viewer = match own_expert {
            Some(me) => load_rows(&loaders(ctx)?.implicated_experts, finding.id)
                .await?
                .iter()
                .any(|l| l.expert_id == me),
            None => false,
        };
        if rechecks::may_read(v, &finding, implicates_viewer) {
            kept.push(RecheckFinding(finding));
        }
    }
    Ok(kept)
}

/// The findings of a recheck review (for `Review.findings`).
pub async fn findings_of_review(ctx: &Context<'_>, review_id: Uuid) -> Result<Vec<RecheckFinding>> {
    let found = load_rows(&loaders(ctx)?.review_findings, review_id).await?;
    visible_findings(ctx, found).await
}

/// Findings traced to a consultancy (for `Consultancy.findings`).
pub async fn findings_of_consultancy(ctx: &Context<'_>, id: Uuid) -> Result<Vec<RecheckFinding>> {
    let found = load_rows(&loaders(ctx)?.consultancy_findings, id).await?;
    visible_findings(ctx, found).await
}

/// Findings against reports a staff member led (for `ConsultancyStaff.findings`).
pub async fn findings_of_staff(ctx: &Context<'_>, id: Uuid) -> Result<Vec<RecheckFinding>> {
    let found = load_rows(&loaders(ctx)?.staff_findings, id).await?;
    visible_findings(ctx, found).await
}

/// Findings against panels an expert sat on (for `Expert.findings`).
pub async fn findings_of_expert(ctx: &Context<'_>, id: Uuid) -> Result<Vec<RecheckFinding>> {
    let found = load_rows(&loaders(ctx)?.expert_findings, id).await?;
    visible_findings(ctx, found).await
}

#[derive(InputObject)]
pub struct DrawRecheckSampleInput {
    pub year: i32,
    /// From 0.05 (the plan's floor) to 1.
    pub rate: Decimal,
    /// Typed in by the supervising witness; mixed into the seed exactly as given.
    pub witness_nonce: Option<String>,
    /// The date of the RECHECK reviews created; today when absent.
    pub review_date: Option<Date>,
}

#[derive(InputObject)]
pub struct RecheckFindingInput {
    pub kind: FindingKind,
    pub description: String,
}

#[derive(InputObject, Default)]
pub struct RecheckFindingFilter {
    pub year: Option<i32>,
    pub kind: Option<FindingKind>,
    pub consultancy_id: Option<ID>,
    pub lead_auditor_id: Option<ID>,
    pub expert_id: Option<ID>,
    pub city_code: Option<String>,
    pub status: Option<FindingStatus>,
}

#[derive(InputObject)]
pub struct RespondToRecheckFindingInput {
    pub finding_id: ID,
    /// The consultancy's written response (陈述申辩), 1 to 5000 characters.
    pub response: String,
}

#[derive(InputObject)]
pub struct ConfirmRecheckFindingInput {
    pub finding_id: ID,
    /// An optional note, up to 2000 characters.
    pub note: Option<String>,
}

#[derive(InputObject)]
pub struct WithdrawRecheckFindingInput {
    pub finding_id: ID,
    /// Why, 1 to 2000 characters.
    pub reason: String,
}

#[derive(Default)]
pub struct RecheckQuery;

#[Object]
impl RecheckQuery {
    /// The year's rechecks (the province): every draw, in rounds, and how many of the audits
    /// that completed an evaluation or acceptance in the year they sampled.
    async fn recheck_sample(&self, ctx: &Context<'_>, year: i32) -> Result<RecheckYear> {
        let s = services(ctx)?;
        Ok(RecheckYear(
            rechecks::get_year(&s.db, viewer(ctx), year).await?,
        ))
    }

    /// Recheck findings: the province all, a city admin their city's, a consultancy its own,
    /// an expert those against panels they sat on.
    async fn recheck_findings(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        filter: Option<RecheckFindingFilter>,
    ) -> Result<RecheckFindingConnection> {
        let (s, page) = page_args(ctx, first, after)?;
        let f = filter.unwrap_or_default();
        let result = rechecks::list_findings(
            &s.db,
            viewer(ctx),
            FindingFilter {
                year: f.year,
                kind: f.kind,
                consultancy_id: parse_optional_id(
                    "filter.consultancyId",
                    f.consultancy_id.as_ref(),
                )?,
                lead_auditor_id: parse_optional_id(
                    "filter.leadAuditorId",
                    f.lead_auditor_id.as_ref(),
                )?,
                expert_id: parse_optional_id("filter.expertId", f.expert_id.as_ref())?,
                city_code: f.city_code,
                status: f.status,
            },
            page,
        )
        .await?;
        let node = node_selection(ctx);
        loaders(ctx)?
            .prime_findings(node, &result.items, false)
            .await?;
        Ok(RecheckFindingConnection::of_rows(
            result,
            |m| m.id,
            RecheckFinding,
        ))
    }
}

/// The commitment to a year's next recheck sample: shown before the witness types the nonce.
pub struct RecheckCommitment(pub entity::recheck_commitment::Model);

#[Object]
impl RecheckCommitment {
    async fn id(&self) -> ID {
        id_of(self.0.id)
    }
    async fn year(&self) -> i32 {
        self.0.year
    }
    /// Hex SHA-256 of the server's random bytes, revealed by the sample.
    async fn commitment(&self) -> &str {
        &self.0.commitment
    }
    async fn committed_at(&self) -> DateTime<Utc> {
        self.0.committed_at
    }
}

#[derive(Default)]
pub struct RecheckMutation;

#[Object]
impl RecheckMutation {
    /// Opens the year's next recheck sample (the province): the server fixes its random
    /// bytes and shows their commitment, kept in the audit log. The same open commitment is
    /// answered until a sample uses it; without one `drawRecheckSample` is refused.
    async fn open_recheck_sample(&self, ctx: &Context<'_>, year: i32) -> Result<RecheckCommitment> {
        let s = services(ctx)?;
        Ok(RecheckCommitment(
            rechecks::open_recheck_sample(&s.db, viewer(ctx), year).await?,
        ))
    }

    /// Draws ⌈rate × N⌉ of the N audits that completed an evaluation or acceptance in the year
    /// and were not sampled yet, verifiably, each covered by one RECHECK review (the
    /// province). The year's first draw is round 1; a later one is a supplementary sample.
    async fn draw_recheck_sample(
        &self,
        ctx: &Context<'_>,
        input: DrawRecheckSampleInput,
    ) -> Result<RecheckSample> {
        let s = services(ctx)?;
        Ok(RecheckSample(
            rechecks::draw_recheck_sample(
                &s.db,
                viewer(ctx),
                &s.config.deadlines,
                SampleInput {
                    year: input.year,
                    rate: input.rate,
                    witness_nonce: input.witness_nonce,
                    review_date: input.review_date.map(|d| d.0),
                },
            )
            .await?,
        ))
    }

    /// Records a recheck's findings (the province), each traced to the audit's consultancy,
    /// its lead auditor and the experts who passed the report.
    async fn record_recheck_findings(
        &self,
        ctx: &Context<'_>,
        review_id: ID,
        findings: Vec<RecheckFindingInput>,
    ) -> Result<Vec<RecheckFinding>> {
        let s = services(ctx)?;
        let id = parse_id("reviewId", &review_id)?;
        let created = rechecks::record_findings(
            &s.db,
            viewer(ctx),
            id,
            findings
                .into_iter()
                .map(|f| NewFinding {
                    kind: f.kind,
                    description: f.description,
                })
                .collect(),
            s.config.finding_response_days,
        )
        .await?;
        let node = ctx.look_ahead();
        loaders(ctx)?.prime_findings(node, &created, false).await?;
        Ok(created.into_iter().map(RecheckFinding).collect())
    }

    /// The consultancy a RECORDED finding names answers it in writing (陈述申辩), once, by
    /// its `responseDueOn` (that firm's users only).
    async fn respond_to_recheck_finding(
        &self,
        ctx: &Context<'_>,
        input: RespondToRecheckFindingInput,
    ) -> Result<RecheckFinding> {
        with_id(ctx, "input.findingId", &input.finding_id, |s, v, id| {
            recheck_confirmation::respond(&s.db, v, id, &input.response)
        })
        .await
        .map(RecheckFinding)
    }

    /// The province confirms a RECORDED finding once its consultancy has responded or the
    /// response window has passed; only confirmed findings are published.
    async fn confirm_recheck_finding(
        &self,
        ctx: &Context<'_>,
        input: ConfirmRecheckFindingInput,
    ) -> Result<RecheckFinding> {
        with_id(ctx, "input.findingId", &input.finding_id, |s, v, id| {
            recheck_confirmation::decide(&s.db, v, id, FindingStatus::Confirmed, input.note)
        })
        .await
        .map(RecheckFinding)
    }

    /// The province withdraws a RECORDED finding, with a reason: it is never published.
    async fn withdraw_recheck_finding(
        &self,
        ctx: &Context<'_>,
        input: WithdrawRecheckFindingInput,
    ) -> Result<RecheckFinding> {
        with_id(ctx, "input.findingId", &input.finding_id, |s, v, id| {
            recheck_confirmation::decide(&s.db, v, id, FindingStatus::Withdrawn, Some(input.reason))
        })
        .await
        .map(RecheckFinding)
    }
}
