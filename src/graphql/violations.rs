//! Violations: penalty decisions, recorded by administrators, public once published until
//! withdrawn or until their publication period ends.

use async_graphql::{Context, ID, InputObject, Object, Result};
use chrono::{DateTime, Utc};
use entity::violation;

use crate::domain::{
    ViolationKind, ViolationPublicationState, ViolationSeverity, ViolationSubjectKind,
};
use crate::services::Services;
use crate::services::violations::{self, NewViolation, ViolationFilter};

use super::context::{loaders, services, viewer, with_id};
use super::pagination::{node_selection, page_args};
use super::reference::{City, city_of};
use super::scalars::{Date, id_of, parse_id};

/// A violation as administrators see it.
pub struct Violation(pub violation::Model);

crate::connection_type!(ViolationConnection, ViolationEdge, Violation);

/// A published violation: only what the public notice shows.
pub struct PublicViolation(pub violation::Model);

crate::connection_type!(
    PublicViolationConnection,
    PublicViolationEdge,
    PublicViolation
);

/// The fields of the penalty decision itself, declared once and flattened into both the
/// public and the administrators' type.
pub struct ViolationDecision<'a>(&'a violation::Model);

#[Object]
impl ViolationDecision<'_> {
    async fn city(&self, ctx: &Context<'_>) -> Result<Option<City>> {
        city_of(ctx, self.0.city_code.as_deref()).await
    }
    async fn kind(&self) -> ViolationKind {
        self.0.kind
    }
    async fn kind_label(&self) -> &'static str {
        self.0.kind.label()
    }
    async fn decision_date(&self) -> Date {
        Date(self.0.decision_date)
    }
    async fn decision_number(&self) -> &str {
        &self.0.decision_number
    }
    async fn penalty(&self) -> &str {
        &self.0.penalty
    }
    async fn description(&self) -> Option<&str> {
        self.0.description.as_deref()
    }
}

#[Object]
impl PublicViolation {
    async fn id(&self) -> ID {
        id_of(self.0.id)
    }
    async fn subject_kind(&self) -> ViolationSubjectKind {
        self.0.subject_kind
    }
    /// The name on the decision.
    async fn subject_name(&self) -> &str {
        &self.0.subject_name
    }
    /// Enterprises' and consultancies' unified social credit code; none for experts.
    async fn subject_credit_code(&self) -> Option<&str> {
        self.0.subject_credit_code.as_deref()
    }
    /// The decision's own fields, shown alike to the public and to administrators.
    #[graphql(flatten)]
    async fn decision(&self) -> ViolationDecision<'_> {
        ViolationDecision(&self.0)
    }
    async fn published_at(&self) -> Option<DateTime<Utc>> {
        self.0.published_at
    }
    async fn severity(&self) -> ViolationSeverity {
        self.0.severity
    }
    /// The last day (China) it is shown; the public list drops it the day after.
    async fn publication_ends_on(&self, ctx: &Context<'_>) -> Result<Option<Date>> {
        let periods = &services(ctx)?.config.violation_publication;
        Ok(violations::publication_ends_on(periods, &self.0).map(Date))
    }
}

#[Object]
impl Violation {
    async fn id(&self) -> ID {
        id_of(self.0.id)
    }
    async fn subject_kind(&self) -> ViolationSubjectKind {
        self.0.subject_kind
    }
    /// The enterprise, consultancy or expert.
    async fn subject_id(&self) -> ID {
        id_of(self.0.subject_id)
    }
    async fn subject_name(&self) -> &str {
        &self.0.subject_name
    }
    async fn subject_credit_code(&self) -> Option<&str> {
        self.0.subject_credit_code.as_deref()
    }
    async fn city_code(&self) -> Option<&str> {
        self.0.city_code.as_deref()
    }
    /// The decision's own fields, shown alike to the public and to administrators.
    #[graphql(flatten)]
    async fn decision(&self) -> ViolationDecision<'_> {
        ViolationDecision(&self.0)
    }
    async fn published(&self) -> bool {
        self.0.published
    }
    async fn published_at(&self) -> Option<DateTime<Utc>> {
        self.0.published_at
    }
    async fn published_by(&self) -> Option<ID> {
        self.0.published_by.map(id_of)
    }
    async fn recorded_by(&self) -> Option<ID> {
        self.0.recorded_by.map(id_of)
    }
    async fn recorded_at(&self) -> DateTime<Utc> {
        self.0.recorded_at
    }
    /// Decides the publication period.
    async fn severity(&self) -> ViolationSeverity {
        self.0.severity
    }
    /// Unpublished, public, expired (its period over) or withdrawn, today.
    async fn publication_state(&self, ctx: &Context<'_>) -> Result<ViolationPublicationState> {
        let periods = &services(ctx)?.config.violation_publication;
        Ok(violations::publication_state(periods, &self.0))
    }
    /// The last day (China) it is shown to the public; none before publication.
    async fn publication_ends_on(&self, ctx: &Context<'_>) -> Result<Option<Date>> {
        let periods = &services(ctx)?.config.violation_publication;
        Ok(violations::publication_ends_on(periods, &self.0).map(Date))
    }
    async fn withdrawn(&self) -> bool {
        self.0.withdrawn_at.is_some()
    }
    async fn withdrawn_at(&self) -> Option<DateTime<Utc>> {
        self.0.withdrawn_at
    }
    async fn withdrawn_by(&self) -> Option<ID> {
        self.0.withdrawn_by.map(id_of)
    }
    /// Why the decision was withdrawn (e.g. revoked on administrative reconsideration).
    async fn withdraw_reason(&self) -> Option<&str> {
        self.0.withdraw_reason.as_deref()
    }
}

#[derive(InputObject)]
pub struct RecordViolationInput {
    pub subject_kind: ViolationSubjectKind,
    /// The enterprise, consultancy or expert penalised.
    pub subject_id: ID,
    pub kind: ViolationKind,
    pub decision_date: Date,
    /// The decision's document number (e.g. 晋环罚〔2025〕12号); unique.
    pub decision_number: String,
    /// The penalty imposed, as the decision states it.
    pub penalty: String,
    pub description: Option<String>,
    /// Decides how long the decision stays public once published.
    #[graphql(default_with = "ViolationSeverity::General")]
    pub severity: ViolationSeverity,
}

#[derive(InputObject, Default)]
pub struct PublicViolationFilter {
    pub subject_kind: Option<ViolationSubjectKind>,
    pub kind: Option<ViolationKind>,
    /// The year of the decision.
    pub year: Option<i32>,
    pub city_code: Option<String>,
    /// Part of the subject's name or credit code, or of the decision number.
    pub text: Option<String>,
}

/// Reads the cities of a page's violations at once when the query asks for them.
async fn prime_cities(
    ctx: &Context<'_>,
    s: &Services,
    violations: &[violation::Model],
) -> Result<()> {
    if node_selection(ctx).field("city").exists() {
        let codes = violations.iter().filter_map(|v| v.city_code.clone());
        loaders(ctx)?.prime_city_codes(s, codes).await;
    }
    Ok(())
}

#[derive(Default)]
pub struct ViolationQuery;

#[Object]
impl ViolationQuery {
    /// Every violation, published or not, in recording order (administrators; a city admin
    /// those of their city).
    async fn violations(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        filter: Option<ViolationFilter>,
    ) -> Result<ViolationConnection> {
        let (s, page) = page_args(ctx, first, after)?;
        let result = violations::list_violations(
            &s.db,
            viewer(ctx),
            &s.config.violation_publication,
            filter.unwrap_or_default(),
            page,
        )
        .await?;
        prime_cities(ctx, s, &result.items).await?;
        Ok(ViolationConnection::of_rows(result, |m| m.id, Violation))
    }

    /// Violations on public view, in recording order (public): published, not withdrawn, and
    /// within the publication period of their severity.
    async fn public_violations(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        filter: Option<PublicViolationFilter>,
    ) -> Result<PublicViolationConnection> {
        let (s, page) = page_args(ctx, first, after)?;
        let f = filter.unwrap_or_default();
        let result = violations::public_violations(
            &s.db,
            &s.config.violation_publication,
            ViolationFilter {
                subject_kind: f.subject_kind,
                kind: f.kind,
                year: f.year,
                city_code: f.city_code,
                text: f.text,
                ..Default::default()
            },
            page,
        )
        .await?;
        prime_cities(ctx, s, &result.items).await?;
        Ok(PublicViolationConnection::of_rows(
            result,
            |m| m.id,
            PublicViolation,
        ))
    }
}

#[derive(Default)]
pub struct ViolationMutation;

#[Object]
impl ViolationMutation {
    /// Records a penalty decision (the province; a city admin against an enterprise of their
    /// city). It stays internal until published.
    async fn record_violation(
        &self,
        ctx: &Context<'_>,
        input: RecordViolationInput,
    ) -> Result<Violation> {
        let s = services(ctx)?;
        let new = NewViolation {
            subject_kind: input.subject_kind,
            subject_id: parse_id("subjectId", &input.subject_id)?,
            kind: input.kind,
            decision_date: input.decision_date.0,
            decision_number: input.decision_number,
            penalty: input.penalty,
            description: input.description,
            severity: input.severity,
        };
        Ok(Violation(
            violations::record_violation(&s.db, viewer(ctx), new).await?,
        ))
    }

    /// Makes a violation public (whoever may record it) until it is withdrawn or its
    /// publication period ends; publishing is not undone otherwise.
    async fn publish_violation(&self, ctx: &Context<'_>, id: ID) -> Result<Violation> {
        with_id(ctx, "id", &id, |s, v, id| {
            violations::publish_violation(&s.db, v, s.config.documents.step_documents(), id)
        })
        .await
        .map(Violation)
    }

    /// Withdraws a violation whose decision was revoked (whoever may publish it): it leaves
    /// public view with its decision document; officials keep it with the reason. Final.
    async fn withdraw_violation(
        &self,
        ctx: &Context<'_>,
        id: ID,
        reason: String,
    ) -> Result<Violation> {
        with_id(ctx, "id", &id, |s, v, id| {
            violations::withdraw_violation(&s.db, v, id, &reason)
        })
        .await
        .map(Violation)
    }
}
