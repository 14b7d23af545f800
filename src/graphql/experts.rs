//! The expert pool: records (masked for those who may not see personal data), status,
//! conflicts and unavailability.

use async_graphql::{ComplexObject, Context, ID, InputObject, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};
use entity::{expert, expert_conflict, expert_status_change, expert_unavailability};

use crate::domain::{ConflictKind, ExpertStatus, ExpertiseKind, Gender, ProfessionalTitle, Sector};
use crate::rules::masking::{mask_id_card, mask_phone};
use crate::services::expert_pool::PoolFilter;
use crate::services::experts::{self, ExpertPatch, NewConflict, NewExpert, NewUnavailability};

use super::context::{loaders, services, viewer, with_id};
use super::loaders::{load_rows, load_rows_as};
use super::pagination::{node_selection, page_args};
use super::reference::{City, city_named};
use super::scalars::{Date, id_of, parse_id};
use super::stamps::{EditStamps, stamps_of};

pub struct Expert(pub expert::Model);

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
    async fn id_card_number(&self, ctx: &Context<'_>) -> String {
        if experts::sees_personal_data(viewer(ctx), self.0.id) {
            self.0.id_card_number.clone()
        } else {
            mask_id_card(&self.0.id_card_number)
        }
    }
    /// Masked except to province admins and the expert.
    async fn phone(&self, ctx: &Context<'_>) -> String {
        if experts::sees_personal_data(viewer(ctx), self.0.id) {
            self.0.phone.clone()
        } else {
            mask_phone(&self.0.phone)
        }
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
    async fn city_code(&self) -> &str {
        &self.0.city_code
    }
    async fn city(&self, ctx: &Context<'_>) -> Result<Option<City>> {
        city_named(ctx, &self.0.city_code).await
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

#[derive(InputObject)]
pub struct CreateExpertInput {
    pub name: String,
    pub gender: Gender,
    pub birth_date: Date,
    /// 18-character citizen ID (GB 11643); must agree with `birthDate`.
    pub id_card_number: String,
    pub phone: String,
    pub email: Option<String>,
    pub employer: String,
    pub employer_credit_code: String,
    pub title: ProfessionalTitle,
    pub years_in_field: i32,
    pub city_code: String,
    pub sectors: Vec<Sector>,
    pub expertise_kinds: Vec<ExpertiseKind>,
    pub term_start: Date,
    pub term_end: Date,
}

/// Every field optional: only the given ones change. Experts may set only phone and email.
#[derive(InputObject, Default)]
pub struct UpdateExpertInput {
    pub name: Option<String>,
    pub gender: Option<Gender>,
    pub birth_date: Option<Date>,
    pub id_card_number: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub employer: Option<String>,
    pub employer_credit_code: Option<String>,
    pub title: Option<ProfessionalTitle>,
    pub years_in_field: Option<i32>,
    pub city_code: Option<String>,
    pub sectors: Option<Vec<Sector>>,
    pub expertise_kinds: Option<Vec<ExpertiseKind>>,
    pub term_start: Option<Date>,
    pub term_end: Option<Date>,
}

#[derive(InputObject, Default)]
pub struct ExpertFilter {
    pub status: Option<ExpertStatus>,
    pub sector: Option<Sector>,
    pub city_code: Option<String>,
    pub title: Option<ProfessionalTitle>,
    /// Matches part of the name or the employer.
    pub text: Option<String>,
}

#[derive(InputObject)]
pub struct ExpertConflictInput {
    pub kind: ConflictKind,
    pub organisation_name: String,
    pub organisation_credit_code: String,
    pub valid_from: Option<Date>,
    pub valid_until: Option<Date>,
    pub note: Option<String>,
}

#[derive(InputObject)]
pub struct ExpertUnavailabilityInput {
    pub starts_on: Date,
    pub ends_on: Date,
    pub reason: Option<String>,
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
            .map(Expert)
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
        let result = experts::list_experts(
            s,
            viewer(ctx),
            PoolFilter {
                status: filter.status,
                sector: filter.sector,
                city_code: filter.city_code,
                title: filter.title,
                text: filter.text,
            },
            page,
        )
        .await?;
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
        let new = NewExpert {
            name: input.name,
            gender: input.gender,
            birth_date: input.birth_date.0,
            id_card_number: input.id_card_number,
            phone: input.phone,
            email: input.email,
            employer: input.employer,
            employer_credit_code: input.employer_credit_code,
            title: input.title,
            years_in_field: input.years_in_field,
            city_code: input.city_code,
            sectors: input.sectors,
            expertise_kinds: input.expertise_kinds,
            term_start: input.term_start.0,
            term_end: input.term_end.0,
        };
        Ok(Expert(experts::create_expert(s, viewer(ctx), new).await?))
    }

    /// Changes an expert; `expectedVersion` must be the version last read.
    async fn update_expert(
        &self,
        ctx: &Context<'_>,
        id: ID,
        input: UpdateExpertInput,
        expected_version: i32,
    ) -> Result<Expert> {
        let patch = ExpertPatch {
            name: input.name,
            gender: input.gender,
            birth_date: input.birth_date.map(|d| d.0),
            id_card_number: input.id_card_number,
            phone: input.phone,
            email: input.email,
            employer: input.employer,
            employer_credit_code: input.employer_credit_code,
            title: input.title,
            years_in_field: input.years_in_field,
            city_code: input.city_code,
            sectors: input.sectors,
            expertise_kinds: input.expertise_kinds,
            term_start: input.term_start.map(|d| d.0),
            term_end: input.term_end.map(|d| d.0),
        };
        with_id(ctx, "id", &id, |s, v, id| {
            experts::update_expert(s, v, id, patch, expected_version)
        })
        .await
        .map(Expert)
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
        .map(Expert)
    }

    async fn add_expert_conflict(
        &self,
        ctx: &Context<'_>,
        expert_id: ID,
        input: ExpertConflictInput,
    ) -> Result<ExpertConflict> {
        let new = NewConflict {
            kind: input.kind,
            organisation_name: input.organisation_name,
            organisation_credit_code: input.organisation_credit_code,
            valid_from: input.valid_from.map(|d| d.0),
            valid_until: input.valid_until.map(|d| d.0),
            note: input.note,
        };
        with_id(ctx, "expertId", &expert_id, |s, v, expert_id| {
            experts::add_conflict(&s.db, v, expert_id, new)
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
        let new = NewUnavailability {
            starts_on: input.starts_on.0,
            ends_on: input.ends_on.0,
            reason: input.reason,
        };
        with_id(ctx, "expertId", &expert_id, |s, v, expert_id| {
            experts::add_unavailability(&s.db, v, expert_id, new)
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
