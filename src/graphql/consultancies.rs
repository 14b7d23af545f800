//! The consultancy registry: firms, their status history and their staff.

use async_graphql::{ComplexObject, Context, ID, Object, Result, SimpleObject};
use entity::{consultancy, consultancy_staff, consultancy_status_change};

use crate::domain::{ConsultancyStatus, StaffRole};
use crate::rules::consultancy::employed_on;
use crate::rules::masking::mask_id_card;
use crate::services::consultancies::{self};
pub use crate::services::consultancies::{
    ConsultancyFilter, ConsultancyPatch as UpdateConsultancyInput,
    NewConsultancy as CreateConsultancyInput, NewStaff as ConsultancyStaffInput,
};
use crate::services::today;

use super::context::{loaders, services, viewer, with_id};
use super::loaders::{load_as, load_optional_as, load_rows, load_rows_as};
use super::pagination::{node_selection, page_args};
use super::reference::{City, city_named};
use super::scalars::{Date, id_of};
use super::stamps::{ChangeMark, EditStamps, change_mark, stamps_of};

pub struct Consultancy(pub consultancy::Model);

crate::connection_type!(ConsultancyConnection, ConsultancyEdge, Consultancy);

/// What the registry (`Consultancy`) and the public (`PublicConsultancy`) both show of a firm,
/// flattened into each (`#[graphql(flatten)]`): the schema shows them as the type's own
/// fields.
#[derive(SimpleObject)]
#[graphql(complex)]
pub struct FirmFields {
    pub id: ID,
    pub name: String,
    pub credit_code: String,
    pub city_code: String,
    pub status: ConsultancyStatus,
}

#[ComplexObject]
impl FirmFields {
    async fn city(&self, ctx: &Context<'_>) -> Result<Option<City>> {
        city_named(ctx, &self.city_code).await
    }
    /// Only ACTIVE firms take new audits.
    async fn takes_new_audits(&self) -> bool {
        crate::rules::consultancy::may_take_new_audits(self.status)
    }
}

/// The shared fields of a firm with these columns.
pub fn firm_fields(
    id: uuid::Uuid,
    name: &str,
    credit_code: &str,
    city_code: &str,
    status: ConsultancyStatus,
) -> FirmFields {
    FirmFields {
        id: id_of(id),
        name: name.to_owned(),
        credit_code: credit_code.to_owned(),
        city_code: city_code.to_owned(),
        status,
    }
}

#[Object]
impl Consultancy {
    /// `id`, `name`, `creditCode`, `cityCode`, `city`, `status` and `takesNewAudits`.
    #[graphql(flatten)]
    async fn firm(&self) -> FirmFields {
        let m = &self.0;
        firm_fields(m.id, &m.name, &m.credit_code, &m.city_code, m.status)
    }
    async fn address(&self) -> &str {
        &self.0.address
    }
    async fn contact_name(&self) -> &str {
        &self.0.contact_name
    }
    async fn contact_phone(&self) -> &str {
        &self.0.contact_phone
    }
    /// Every status change, oldest first, with who made it and why.
    async fn status_history(&self, ctx: &Context<'_>) -> Result<Vec<ConsultancyStatusChange>> {
        load_rows_as(
            &loaders(ctx)?.consultancy_status_history,
            self.0.id,
            ConsultancyStatusChange,
        )
        .await
    }
    /// Recheck findings against the firm's reports.
    async fn findings(&self, ctx: &Context<'_>) -> Result<Vec<super::rechecks::RecheckFinding>> {
        super::rechecks::findings_of_consultancy(ctx, self.0.id).await
    }
    /// Staff by start date; `current: true` keeps only those employed today.
    async fn staff(
        &self,
        ctx: &Context<'_>,
        #[graphql(default)] current: bool,
    ) -> Result<Vec<ConsultancyStaff>> {
        let day = today();
        Ok(load_rows(&loaders(ctx)?.consultancy_staff, self.0.id)
            .await?
            .into_iter()
            .filter(|s| !current || employed_on(s.started_on, s.ended_on, day))
            .map(ConsultancyStaff)
            .collect())
    }
    /// `version`, `createdAt` and `updatedAt`.
    #[graphql(flatten)]
    async fn stamps(&self) -> EditStamps {
        stamps_of!(EditStamps, self.0)
    }
}

pub struct ConsultancyStatusChange(pub consultancy_status_change::Model);

#[Object]
impl ConsultancyStatusChange {
    #[graphql(name = "fromStatus")]
    async fn previous_status(&self) -> Option<ConsultancyStatus> {
        self.0.from_status
    }
    async fn to_status(&self) -> ConsultancyStatus {
        self.0.to_status
    }
    async fn reason(&self) -> &str {
        &self.0.reason
    }
    /// `actorId` and `changedAt`.
    #[graphql(flatten)]
    async fn change_mark(&self) -> ChangeMark {
        change_mark(self.0.actor_id, self.0.changed_at)
    }
}

/// A record's firm, flattened into the record's type (`#[graphql(flatten)]`): its
/// `consultancyId` and the `consultancy` itself, through the request's loader.
#[derive(SimpleObject)]
#[graphql(complex)]
pub struct FirmLink {
    pub consultancy_id: ID,
    #[graphql(skip)]
    pub id: uuid::Uuid,
}

#[ComplexObject]
impl FirmLink {
    async fn consultancy(&self, ctx: &Context<'_>) -> Result<Option<Consultancy>> {
        load_as(&loaders(ctx)?.consultancies, self.id, Consultancy).await
    }
}

/// The link to the firm of this id.
pub fn firm_link(id: uuid::Uuid) -> FirmLink {
    FirmLink {
        consultancy_id: id_of(id),
        id,
    }
}

/// An audit's firm and lead auditor, where known, flattened into the types that carry them
/// (`#[graphql(flatten)]`): `consultancyId`, `consultancy`, `leadAuditorId` and `leadAuditor`.
#[derive(SimpleObject)]
#[graphql(complex)]
pub struct AuditorLink {
    pub consultancy_id: Option<ID>,
    pub lead_auditor_id: Option<ID>,
    #[graphql(skip)]
    pub ids: (Option<uuid::Uuid>, Option<uuid::Uuid>),
}

#[ComplexObject]
impl AuditorLink {
    async fn consultancy(&self, ctx: &Context<'_>) -> Result<Option<Consultancy>> {
        load_optional_as(&loaders(ctx)?.consultancies, self.ids.0, Consultancy).await
    }
    async fn lead_auditor(&self, ctx: &Context<'_>) -> Result<Option<ConsultancyStaff>> {
        load_optional_as(&loaders(ctx)?.staff, self.ids.1, ConsultancyStaff).await
    }
}

/// The link to this firm and lead auditor.
pub fn auditor_link(
    consultancy_id: Option<uuid::Uuid>,
    lead_auditor_id: Option<uuid::Uuid>,
) -> AuditorLink {
    AuditorLink {
        consultancy_id: consultancy_id.map(id_of),
        lead_auditor_id: lead_auditor_id.map(id_of),
        ids: (consultancy_id, lead_auditor_id),
    }
}

/// One employment of one person at one firm.
pub struct ConsultancyStaff(pub consultancy_staff::Model);

#[Object]
impl ConsultancyStaff {
    async fn id(&self) -> ID {
        id_of(self.0.id)
    }
    /// `consultancyId` and `consultancy`.
    #[graphql(flatten)]
    async fn firm_link(&self) -> FirmLink {
        firm_link(self.0.consultancy_id)
    }
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// Masked except to the province and the firm itself.
    async fn id_card_number(&self, ctx: &Context<'_>) -> Result<String> {
        let in_clear = consultancies::sees_personal_data(viewer(ctx), self.0.consultancy_id);
        Ok(services(ctx)?
            .data_keys
            .shown(&self.0.id_card_number, in_clear, mask_id_card)?)
    }
    async fn role(&self) -> StaffRole {
        self.0.role
    }
    async fn certificate_number(&self) -> Option<&str> {
        self.0.certificate_number.as_deref()
    }
    async fn started_on(&self) -> Date {
        Date(self.0.started_on)
    }
    /// The last day of the employment; none while it lasts.
    async fn ended_on(&self) -> Option<Date> {
        self.0.ended_on.map(Date)
    }
    async fn end_reason(&self) -> Option<&str> {
        self.0.end_reason.as_deref()
    }
    /// Recheck findings against reports this person led.
    async fn findings(&self, ctx: &Context<'_>) -> Result<Vec<super::rechecks::RecheckFinding>> {
        super::rechecks::findings_of_staff(ctx, self.0.id).await
    }
    /// Employed today.
    async fn current(&self) -> bool {
        employed_on(self.0.started_on, self.0.ended_on, today())
    }
}

#[derive(Default)]
pub struct ConsultancyQuery;

#[Object]
impl ConsultancyQuery {
    /// One firm: administrators, or the firm itself.
    async fn consultancy(&self, ctx: &Context<'_>, id: ID) -> Result<Consultancy> {
        with_id(ctx, "id", &id, |s, v, id| {
            consultancies::get_consultancy(&s.db, v, id)
        })
        .await
        .map(Consultancy)
    }

    /// The registry in registration order (a firm sees only itself).
    async fn consultancies(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        filter: Option<ConsultancyFilter>,
    ) -> Result<ConsultancyConnection> {
        let (s, page) = page_args(ctx, first, after)?;
        let filter = filter.unwrap_or_default();
        let result = consultancies::list_consultancies(&s.db, viewer(ctx), filter, page).await?;
        let node = node_selection(ctx);
        loaders(ctx)?
            .prime_consultancies(s, node, &result.items)
            .await?;
        Ok(ConsultancyConnection::of_rows(
            result,
            |m| m.id,
            Consultancy,
        ))
    }

    /// Every employment of one person across firms, oldest first (administrators).
    async fn consultancy_staff_history(
        &self,
        ctx: &Context<'_>,
        id_card_number: String,
    ) -> Result<Vec<ConsultancyStaff>> {
        let s = services(ctx)?;
        Ok(
            consultancies::staff_history(s, viewer(ctx), &id_card_number)
                .await?
                .into_iter()
                .map(ConsultancyStaff)
                .collect(),
        )
    }
}

#[derive(Default)]
pub struct ConsultancyMutation;

#[Object]
impl ConsultancyMutation {
    /// Registers a firm, ACTIVE (province admins).
    async fn create_consultancy(
        &self,
        ctx: &Context<'_>,
        input: CreateConsultancyInput,
    ) -> Result<Consultancy> {
        let s = services(ctx)?;
        Ok(Consultancy(
            consultancies::create_consultancy(&s.db, viewer(ctx), input).await?,
        ))
    }

    /// Changes a firm; `expectedVersion` must be the version last read.
    async fn update_consultancy(
        &self,
        ctx: &Context<'_>,
        id: ID,
        input: UpdateConsultancyInput,
        expected_version: i32,
    ) -> Result<Consultancy> {
        with_id(ctx, "id", &id, |s, v, id| {
            consultancies::update_consultancy(&s.db, v, id, input, expected_version)
        })
        .await
        .map(Consultancy)
    }

    /// ACTIVE ↔ SUSPENDED, → BLACKLISTED (and back to ACTIVE), → DEREGISTERED (final), with a
    /// reason (province admins).
    async fn set_consultancy_status(
        &self,
        ctx: &Context<'_>,
        id: ID,
        status: ConsultancyStatus,
        reason: String,
    ) -> Result<Consultancy> {
        with_id(ctx, "id", &id, |s, v, id| {
            consultancies::set_consultancy_status(&s.db, v, id, status, &reason)
        })
        .await
        .map(Consultancy)
    }

    /// Employs a person at the firm (the province, or the firm itself). A person works for
    /// one firm at a time.
    async fn add_consultancy_staff(
        &self,
        ctx: &Context<'_>,
        consultancy_id: ID,
        input: ConsultancyStaffInput,
    ) -> Result<ConsultancyStaff> {
        with_id(ctx, "consultancyId", &consultancy_id, |s, v, id| {
            consultancies::add_staff(s, v, id, input)
        })
        .await
        .map(ConsultancyStaff)
    }

    /// Ends an employment on `endedOn` (its last day); the record stays in the history.
    async fn end_consultancy_staff_employment(
        &self,
        ctx: &Context<'_>,
        staff_id: ID,
        ended_on: Date,
        reason: Option<String>,
    ) -> Result<ConsultancyStaff> {
        with_id(ctx, "staffId", &staff_id, |s, v, id| {
            consultancies::end_employment(&s.db, v, id, ended_on.0, reason)
        })
        .await
        .map(ConsultancyStaff)
    }
}
