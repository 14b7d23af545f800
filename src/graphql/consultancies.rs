//! The consultancy registry: firms, their status history and their staff.

use async_graphql::{Context, ID, InputObject, Object, Result};
use chrono::{DateTime, Utc};
use entity::{consultancy, consultancy_staff, consultancy_status_change};

use crate::domain::{ConsultancyStatus, StaffRole};
use crate::rules::consultancy::employed_on;
use crate::rules::masking::mask_id_card;
use crate::services::consultancies::{
    self, ConsultancyFilter as ServiceFilter, ConsultancyPatch, NewConsultancy, NewStaff,
};
use crate::services::today;

use super::context::{loaders, services, viewer, with_id};
use super::loaders::{load_as, load_rows, load_rows_as};
use super::pagination::{node_selection, page_args};
use super::reference::{City, city_named};
use super::scalars::{Date, id_of};
use super::stamps::{EditStamps, stamps_of};

pub struct Consultancy(pub consultancy::Model);

crate::connection_type!(ConsultancyConnection, ConsultancyEdge, Consultancy);

#[Object]
impl Consultancy {
    async fn id(&self) -> ID {
        id_of(self.0.id)
    }
    async fn name(&self) -> &str {
        &self.0.name
    }
    async fn credit_code(&self) -> &str {
        &self.0.credit_code
    }
    async fn city_code(&self) -> &str {
        &self.0.city_code
    }
    async fn city(&self, ctx: &Context<'_>) -> Result<Option<City>> {
        city_named(ctx, &self.0.city_code).await
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
    async fn status(&self) -> ConsultancyStatus {
        self.0.status
    }
    /// Only ACTIVE firms take new audits.
    async fn takes_new_audits(&self) -> Result<bool> {
        Ok(crate::rules::consultancy::may_take_new_audits(
            self.0.status,
        ))
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
    async fn actor_id(&self) -> Option<ID> {
        self.0.actor_id.map(id_of)
    }
    async fn changed_at(&self) -> DateTime<Utc> {
        self.0.changed_at
    }
}

/// One employment of one person at one firm.
pub struct ConsultancyStaff(pub consultancy_staff::Model);

#[Object]
impl ConsultancyStaff {
    async fn id(&self) -> ID {
        id_of(self.0.id)
    }
    async fn consultancy_id(&self) -> ID {
        id_of(self.0.consultancy_id)
    }
    async fn consultancy(&self, ctx: &Context<'_>) -> Result<Option<Consultancy>> {
        load_as(
            &loaders(ctx)?.consultancies,
            self.0.consultancy_id,
            Consultancy,
        )
        .await
    }
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// Masked except to the province and the firm itself.
    async fn id_card_number(&self, ctx: &Context<'_>) -> Result<String> {
        let clear = services(ctx)?.data_keys.decrypt(&self.0.id_card_number)?;
        Ok(
            if consultancies::sees_personal_data(viewer(ctx), self.0.consultancy_id) {
                clear
            } else {
                mask_id_card(&clear)
            },
        )
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

#[derive(InputObject)]
pub struct CreateConsultancyInput {
    pub name: String,
    pub credit_code: String,
    pub city_code: String,
    pub address: String,
    pub contact_name: String,
    pub contact_phone: String,
}

/// Every field optional: only the given ones change. A firm's own users may change only the
/// address and contact.
#[derive(InputObject, Default)]
pub struct UpdateConsultancyInput {
    pub name: Option<String>,
    pub credit_code: Option<String>,
    pub city_code: Option<String>,
    pub address: Option<String>,
    pub contact_name: Option<String>,
    pub contact_phone: Option<String>,
}

#[derive(InputObject, Default)]
pub struct ConsultancyFilter {
    pub city_code: Option<String>,
    pub status: Option<ConsultancyStatus>,
    /// Matches part of the name or the credit code.
    pub text: Option<String>,
}

#[derive(InputObject)]
pub struct ConsultancyStaffInput {
    pub name: String,
    /// 18-character citizen ID (GB 11643): identifies the person across firms.
    pub id_card_number: String,
    pub role: StaffRole,
    pub certificate_number: Option<String>,
    pub started_on: Date,
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
        let f = filter.unwrap_or_default();
        let result = consultancies::list_consultancies(
            &s.db,
            viewer(ctx),
            ServiceFilter {
                city_code: f.city_code,
                status: f.status,
                text: f.text,
            },
            page,
        )
        .await?;
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
        let new = NewConsultancy {
            name: input.name,
            credit_code: input.credit_code,
            city_code: input.city_code,
            address: input.address,
            contact_name: input.contact_name,
            contact_phone: input.contact_phone,
        };
        Ok(Consultancy(
            consultancies::create_consultancy(&s.db, viewer(ctx), new).await?,
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
        let patch = ConsultancyPatch {
            name: input.name,
            credit_code: input.credit_code,
            city_code: input.city_code,
            address: input.address,
            contact_name: input.contact_name,
            contact_phone: input.contact_phone,
        };
        with_id(ctx, "id", &id, |s, v, id| {
            consultancies::update_consultancy(&s.db, v, id, patch, expected_version)
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
        let new = NewStaff {
            name: input.name,
            id_card_number: input.id_card_number,
            role: input.role,
            certificate_number: input.certificate_number,
            started_on: input.started_on.0,
        };
        with_id(ctx, "consultancyId", &consultancy_id, |s, v, id| {
            consultancies::add_staff(s, v, id, new)
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
