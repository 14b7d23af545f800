//! The expert pool: records (masked for those who may not see personal data), status,
//! conflicts and unavailability.

use std::sync::Arc;

use async_graphql::{ComplexObject, Context, ID, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};
use entity::{expert, expert_conflict, expert_status_change, expert_unavailability};

use crate::domain::{ConflictKind, ExpertStatus, ExpertiseKind, Gender, ProfessionalTitle, Sector};
pub use crate::services::expert_pool::PoolFilter as ExpertFilter;
use crate::services::experts;
pub use crate::services::experts::{
    ExpertPatch as UpdateExpertInput, NewConflict as ExpertConflictInput,
    NewExpert as CreateExpertInput, NewUnavailability as ExpertUnavailabilityInput,
};

use super::context::{loaders, services, viewer, with_id};
use super::links::CityLink;
use super::loaders::{load_rows, load_rows_as};
use super::pagination::{node_selection, page_args};
use super::scalars::{Date, id_of, parse_id};
use super::stamps::{EditStamps, stamps_of};

/// An expert's record as stored, shared with the pool in memory: the personal data it shows
/// is decrypted when asked for (see `experts::phone_seen_by`).
pub struct Expert(pub Arc<expert::Model>);

impl Expert {
    /// A record just read or written, as stored.
    fn stored(model: expert::Model) -> Expert {
        Expert(Arc::new(model))
    }
}

crate::connection_type!(ExpertConnection, ExpertEdge, Expert);

#[Object]
impl Expert {
    async fn id(&self) -> ID {
        id_of(self.0.id)
    }
    async fn name(&self) -> &str {
        &self.0.name
    }
    async fn gender(&self) -> Gender {
        self.0.gender
    }
    async fn birth_date(&self) -> Date {
        Date(self.0.birth_date)
    }
    /// Masked (`140***********123X`) except to province admins and the expert.
    async fn id_card_number(&self, ctx: &Context<'_>) -> Result<String> {
        let keys = &services(ctx)?.data_keys;
        Ok(experts::id_card_number_seen_by(keys, viewer(ctx), &self.0)?)
    }
    /// Masked except to province admins and the expert.
    async fn phone(&self, ctx: &Context<'_>) -> Result<String> {
        let keys = &services(ctx)?.data_keys;
        Ok(experts::phone_seen_by(keys, viewer(ctx), &self.0)?)
    }
    async fn email(&self) -> Option<&str> {
        self.0.email.as_deref()
    }
    async fn employer(&self) -> &str {
        &self.0.employer
    }
    /// The employer's unified social credit code (GB 32100).
    async fn employer_credit_code(&self) -> &str {
        &self.0.employer_credit_code
    }
    async fn title(&self) -> ProfessionalTitle {
        self.0.title
    }
    async fn years_in_field(&self) -> i32 {
        self.0.years_in_field
    }
    #[graphql(flatten)]
    async fn city_link(&self) -> CityLink<'_> {
        CityLink(&self.0.city_code)
    }
    async fn sectors(&self, ctx: &Context<'_>) -> Result<Vec<Sector>> {
        load_rows(&loaders(ctx)?.expert_sectors, self.0.id).await
    }
    async fn expertise_kinds(&self, ctx: &Context<'_>) -> Result<Vec<ExpertiseKind>> {
        load_rows(&loaders(ctx)?.expert_kinds, self.0.id).await
    }
    async fn term_start(&self) -> Date {
        Date(self.0.term_start)
    }
    async fn term_end(&self) -> Date {
        Date(self.0.term_end)
    }
    async fn status(&self) -> ExpertStatus {
        self.0.status
    }
    /// `version`, `createdAt` and `updatedAt`.
    #[graphql(flatten)]
    async fn stamps(&self) -> EditStamps {
        stamps_of!(EditStamps, self.0)
    }
    /// Recheck findings against reports a panel with this expert passed.
    async fn findings(&self, ctx: &Context<'_>) -> Result<Vec<super::rechecks::RecheckFinding>> {
        super::rechecks::findings_of_expert(ctx, self.0.id).await
    }
    /// Every status change, oldest first, with who made it and why.
    async fn status_history(&self, ctx: &Context<'_>) -> Result<Vec<ExpertStatusChange>> {
        load_rows_as(
            &loaders(ctx)?.expert_status_history,
            self.0.id,
            ExpertStatusChange,
        )
        .await
    }
    async fn conflicts(&self, ctx: &Context<'_>) -> Result<Vec<ExpertConflict>> {
        load_rows_as(&loaders(ctx)?.expert_conflicts, self.0.id, ExpertConflict).await
    }
    async fn unavailability(&self, ctx: &Context<'_>) -> Result<Vec<ExpertUnavailability>> {
        load_rows_as(
            &loaders(ctx)?.expert_unavailability,
            self.0.id,
            ExpertUnavailability,
        )
        .await
    }
}

pub struct ExpertStatusChange(pub expert_status_change::Model);

#[Object]
impl ExpertStatusChange {
    /// The status before the change (none for the first entry).
    #[graphql(name = "fromStatus")]
    async fn previous_status(&self) -> Option<ExpertStatus> {
        self.0.from_status
    }
    async fn to_status(&self) -> ExpertStatus {
        self.0.to_status
    }
    async fn reason(&self) -> &str {
        &self.0.reason
    }
    /// The user who made the change (none for the command line).
    async fn actor_id(&self) -> Option<ID> {
        self.0.actor_id.map(id_of)
    }
    async fn changed_at(&self) -> DateTime<Utc> {
        self.0.changed_at
    }
}

pub struct ExpertConflict(pub expert_conflict::Model);

#[Object]
impl ExpertConflict {
    async fn id(&self) -> ID {
        id_of(self.0.id)
    }
    async fn expert_id(&self) -> ID {
        id_of(self.0.expert_id)
    }
    async fn kind(&self) -> ConflictKind {
        self.0.kind
    }
    async fn organisation_name(&self) -> &str {
        &self.0.organisation_name
    }
    async fn organisation_credit_code(&self) -> &str {
        &self.0.organisation_credit_code
    }
    async fn valid_from(&self) -> Option<Date> {
        self.0.valid_from.map(Date)
    }
    async fn valid_until(&self) -> Option<Date> {
        self.0.valid_until.map(Date)
    }
    async fn note(&self) -> Option<&str> {
        self.0.note.as_deref()
    }
}

pub struct ExpertUnavailability(pub expert_unavailability::Model);

#[Object]
impl ExpertUnavailability {
    async fn id(&self) -> ID {
        id_of(self.0.id)
    }
    async fn expert_id(&self) -> ID {
        id_of(self.0.expert_id)
    }
    async fn starts_on(&self) -> Date {
        Date(self.0.starts_on)
    }
    async fn ends_on(&self) -> Date {
        Date(self.0.ends_on)
    }
    async fn reason(&self) -> Option<&str> {
        self.0.reason.as_deref()
    }
}

#[derive(SimpleObject)]
#[graphql(complex)]
pub struct RemovedRecord {
    pub id: ID,
}

#[ComplexObject]
impl RemovedRecord {
    async fn removed(&self) -> bool {
        true
    }
}

#[derive(Default)]
pub struct ExpertQuery;

#[Object]
impl ExpertQuery {
    /// One expert: admins see any, an expert only themself.
    async fn expert(&self, ctx: &Context<'_>, id: ID) -> Result<Expert> {
        with_id(ctx, "id", &id, experts::get_expert)
            .await
            .map(Expert::stored)
    }

    /// The pool, filtered, in a stable order (registration order).
    async fn experts(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        filter: Option<ExpertFilter>,
    ) -> Result<ExpertConnection> {
        let (s, page) = page_args(ctx, first, after)?;
        let filter = filter.unwrap_or_default();
        let result = experts::list_experts(s, viewer(ctx), filter, page).await?;
        let node = node_selection(ctx);
        loaders(ctx)?.prime_experts(s, node, &result.items).await?;
        Ok(ExpertConnection::of_rows(
            result,
            |e| e.model.id,
            |e| Expert(e.model),
        ))
    }
}

#[derive(Default)]
pub struct ExpertMutation;

#[Object]
impl ExpertMutation {
    /// Adds a CANDIDATE to the pool (province admins).
    async fn create_expert(&self, ctx: &Context<'_>, input: CreateExpertInput) -> Result<Expert> {
        let s = services(ctx)?;
        Ok(Expert::stored(
            experts::create_expert(s, viewer(ctx), input).await?,
        ))
    }

    /// Changes an expert; `expectedVersion` must be the version last read.
    async fn update_expert(
        &self,
        ctx: &Context<'_>,
        id: ID,
        input: UpdateExpertInput,
        expected_version: i32,
    ) -> Result<Expert> {
        with_id(ctx, "id", &id, |s, v, id| {
            experts::update_expert(s, v, id, input, expected_version)
        })
        .await
        .map(Expert::stored)
    }

    /// Moves an expert through CANDIDATE → ACTIVE ↔ SUSPENDED → REMOVED, with a reason.
    async fn set_expert_status(
        &self,
        ctx: &Context<'_>,
        id: ID,
        status: ExpertStatus,
        reason: String,
    ) -> Result<Expert> {
        with_id(ctx, "id", &id, |s, v, id| {
            experts::set_expert_status(s, v, &s.config.admission, id, status, &reason)
        })
        .await
        .map(Expert::stored)
    }

    async fn add_expert_conflict(
        &self,
        ctx: &Context<'_>,
        expert_id: ID,
        input: ExpertConflictInput,
    ) -> Result<ExpertConflict> {
        with_id(ctx, "expertId", &expert_id, |s, v, expert_id| {
            experts::add_conflict(&s.db, v, expert_id, input)
        })
        .await
        .map(ExpertConflict)
    }

    async fn remove_expert_conflict(&self, ctx: &Context<'_>, id: ID) -> Result<RemovedRecord> {
        let s = services(ctx)?;
        let conflict_id = parse_id("id", &id)?;
        experts::remove_conflict(&s.db, viewer(ctx), conflict_id).await?;
        Ok(RemovedRecord { id })
    }

    async fn add_expert_unavailability(
        &self,
        ctx: &Context<'_>,
        expert_id: ID,
        input: ExpertUnavailabilityInput,
    ) -> Result<ExpertUnavailability> {
        with_id(ctx, "expertId", &expert_id, |s, v, expert_id| {
            experts::add_unavailability(&s.db, v, expert_id, input)
        })
        .await
        .map(ExpertUnavailability)
    }

    async fn remove_expert_unavailability(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> Result<RemovedRecord> {
        let s = services(ctx)?;
        let unavailability_id = parse_id("id", &id)?;
        experts::remove_unavailability(&s.db, viewer(ctx), unavailability_id).await?;
        Ok(RemovedRecord { id })
    }
}
