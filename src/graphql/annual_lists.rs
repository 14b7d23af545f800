//! Annual audit lists: drafted and submitted by a city, approved or returned and published by
//! the province.

use async_graphql::{Context, ID, InputObject, Object, Result};
use entity::{annual_audit_list, annual_list_status_change};

use crate::domain::{AnnualListStatus, AuditProcedure};
use crate::rules::deadlines::{list_submission_due, notice_due};
use crate::services::annual_lists::{self, ListFilter};

use super::context::{loaders, services, viewer, with_id};
use super::enterprises::Enterprise;
use super::links::CityLink;
use super::loaders::load_rows_as;
use super::notices::AnnualListEntry;
use super::pagination::{node_selection, page_args};
use super::scalars::{Date, id_of, parse_id};
use super::stamps::{ChangeMark, Stamps, change_mark, stamps_of};

pub struct AnnualAuditList(pub annual_audit_list::Model);

crate::connection_type!(
    AnnualAuditListConnection,
    AnnualAuditListEdge,
    AnnualAuditList
);

#[Object]
impl AnnualAuditList {
    async fn id(&self) -> ID {
        id_of(self.0.id)
    }
    /// `cityCode` and `city`.
    #[graphql(flatten)]
    async fn city_link(&self) -> CityLink<'_> {
        CityLink(&self.0.city_code)
    }
    async fn year(&self) -> i32 {
        self.0.year
    }
    async fn status(&self) -> AnnualListStatus {
        self.0.status
    }
    /// The end of February of the list's year.
    async fn submission_due(&self) -> Option<Date> {
        list_submission_due(self.0.year).ok().map(Date)
    }
    /// The latest submission.
    async fn submitted_on(&self) -> Option<Date> {
        self.0.submitted_on.map(Date)
    }
    /// Whether the latest submission came after the end of February.
    async fn late(&self) -> Option<bool> {
        self.0.late
    }
    /// Why the province last returned it.
    async fn return_reason(&self) -> Option<&str> {
        self.0.return_reason.as_deref()
    }
    /// Notices are due by 31 March of the list's year.
    async fn notice_due(&self) -> Option<Date> {
        notice_due(self.0.year).ok().map(Date)
    }
    /// The day the province published it (公示); the city's written notices follow.
    async fn published_on(&self) -> Option<Date> {
        self.0.published_on.map(Date)
    }
    /// The path the list's SIMPLIFIED audits follow once published (简化审核程序); its STRICT
    /// audits take the full one.
    async fn simplified_procedure(&self) -> AuditProcedure {
        self.0.simplified_procedure
    }
    /// The enterprises on it, in the order they were added.
    async fn enterprises(&self, ctx: &Context<'_>) -> Result<Vec<Enterprise>> {
        let l = loaders(ctx)?;
        let entries = l
            .list_entries
            .load_one(self.0.id)
            .await?
            .unwrap_or_default();
        let ids: Vec<uuid::Uuid> = entries.iter().map(|e| e.enterprise_id).collect();
        let mut found = l.enterprises.load_many(ids.iter().copied()).await?;
        Ok(ids
            .iter()
            .filter_map(|id| found.remove(id))
            .map(Enterprise)
            .collect())
    }
    /// The enterprises on it with their written notices (书面通知), in the order added.
    async fn entries(&self, ctx: &Context<'_>) -> Result<Vec<AnnualListEntry>> {
        load_rows_as(&loaders(ctx)?.list_entries, self.0.id, |entry| {
            AnnualListEntry {
                entry,
                year: self.0.year,
            }
        })
        .await
    }
    /// Every status change, oldest first.
    async fn history(&self, ctx: &Context<'_>) -> Result<Vec<AnnualListStatusChange>> {
        load_rows_as(
            &loaders(ctx)?.list_history,
            self.0.id,
            AnnualListStatusChange,
        )
        .await
    }
    /// `version`, `createdAt` and `updatedAt`.
    #[graphql(flatten)]
    async fn stamps(&self) -> Stamps {
        stamps_of!(Stamps, self.0)
    }
}

pub struct AnnualListStatusChange(pub annual_list_status_change::Model);

#[Object]
impl AnnualListStatusChange {
    #[graphql(name = "fromStatus")]
    async fn previous_status(&self) -> Option<AnnualListStatus> {
        self.0.from_status
    }
    async fn to_status(&self) -> AnnualListStatus {
        self.0.to_status
    }
    async fn reason(&self) -> Option<&str> {
        self.0.reason.as_deref()
    }
    /// `actorId` and `changedAt`.
    #[graphql(flatten)]
    async fn change_mark(&self) -> ChangeMark {
        change_mark(self.0.actor_id, self.0.changed_at)
    }
}

#[derive(InputObject)]
pub struct CreateAnnualAuditListInput {
    pub city_code: String,
    pub year: i32,
}

#[derive(InputObject, Default)]
pub struct AnnualAuditListFilter {
    pub city_code: Option<String>,
    pub year: Option<i32>,
    pub status: Option<AnnualListStatus>,
}

#[derive(Default)]
pub struct AnnualListQuery;

#[Object]
impl AnnualListQuery {
    /// One list: the province, or its city's admins.
    async fn annual_audit_list(&self, ctx: &Context<'_>, id: ID) -> Result<AnnualAuditList> {
        with_id(ctx, "id", &id, |s, v, id| {
            annual_lists::get_list(&s.db, v, id)
        })
        .await
        .map(AnnualAuditList)
    }

    /// Lists in creation order; a city admin sees their city's.
    async fn annual_audit_lists(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        filter: Option<AnnualAuditListFilter>,
    ) -> Result<AnnualAuditListConnection> {
        let (s, page) = page_args(ctx, first, after)?;
        let f = filter.unwrap_or_default();
        let result = annual_lists::list_lists(
            &s.db,
            viewer(ctx),
            ListFilter {
                city_code: f.city_code,
                year: f.year,
                status: f.status,
            },
            page,
        )
        .await?;
        let node = node_selection(ctx);
        loaders(ctx)?.prime_lists(s, node, &result.items).await?;
        Ok(AnnualAuditListConnection::of_rows(
            result,
            |m| m.id,
            AnnualAuditList,
        ))
    }
}

#[derive(Default)]
pub struct AnnualListMutation;

#[Object]
impl AnnualListMutation {
    /// Drafts a city's list for a year (one per city and year).
    async fn create_annual_audit_list(
        &self,
        ctx: &Context<'_>,
        input: CreateAnnualAuditListInput,
    ) -> Result<AnnualAuditList> {
        let s = services(ctx)?;
        Ok(AnnualAuditList(
            annual_lists::create_list(&s.db, viewer(ctx), &input.city_code, input.year).await?,
        ))
    }

    /// Puts directory members of the list's city on a DRAFT list, each at most once.
    async fn add_enterprises_to_annual_audit_list(
        &self,
        ctx: &Context<'_>,
        list_id: ID,
        enterprise_ids: Vec<ID>,
    ) -> Result<AnnualAuditList> {
        let s = services(ctx)?;
        let list_id = parse_id("listId", &list_id)?;
        let ids = enterprise_ids
            .iter()
            .map(|id| parse_id("enterpriseIds", id))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(AnnualAuditList(
            annual_lists::add_enterprises(&s.db, viewer(ctx), list_id, &ids).await?,
        ))
    }

    async fn remove_enterprise_from_annual_audit_list(
        &self,
        ctx: &Context<'_>,
        list_id: ID,
        enterprise_id: ID,
    ) -> Result<AnnualAuditList> {
        let s = services(ctx)?;
        let list_id = parse_id("listId", &list_id)?;
        let enterprise_id = parse_id("enterpriseId", &enterprise_id)?;
        Ok(AnnualAuditList(
            annual_lists::remove_enterprise(&s.db, viewer(ctx), list_id, enterprise_id).await?,
        ))
    }

    /// Chooses the path of the list's SIMPLIFIED audits (简化审核程序), until it is
    /// published: FULL, or COMBINED_REVIEW (one review evaluates and accepts). The list's city.
    async fn set_annual_list_procedure(
        &self,
        ctx: &Context<'_>,
        list_id: ID,
        procedure: AuditProcedure,
    ) -> Result<AnnualAuditList> {
        with_id(ctx, "listId", &list_id, |s, v, id| {
            annual_lists::set_procedure(&s.db, v, id, procedure)
        })
        .await
        .map(AnnualAuditList)
    }

    /// DRAFT → SUBMITTED today; after the end of February it is marked late.
    async fn submit_annual_audit_list(
        &self,
        ctx: &Context<'_>,
        list_id: ID,
    ) -> Result<AnnualAuditList> {
        with_id(ctx, "listId", &list_id, |s, v, id| {
            annual_lists::submit(&s.db, v, id)
        })
        .await
        .map(AnnualAuditList)
    }

    /// SUBMITTED → APPROVED (province admins).
    async fn approve_annual_audit_list(
        &self,
        ctx: &Context<'_>,
        list_id: ID,
    ) -> Result<AnnualAuditList> {
        with_id(ctx, "listId", &list_id, |s, v, id| {
            annual_lists::approve(&s.db, v, id)
        })
        .await
        .map(AnnualAuditList)
    }

    /// SUBMITTED → DRAFT with the reason (province admins).
    async fn return_annual_audit_list(
        &self,
        ctx: &Context<'_>,
        list_id: ID,
        reason: String,
    ) -> Result<AnnualAuditList> {
        with_id(ctx, "listId", &list_id, |s, v, id| {
            annual_lists::return_list(&s.db, v, id, &reason)
        })
        .await
        .map(AnnualAuditList)
    }

    /// APPROVED → PUBLISHED (公示) on `publishedOn` (today when absent). Province admins. The
    /// enterprises get their audits from the city's written notices (`issueAuditNotices`).
    async fn publish_annual_audit_list(
        &self,
        ctx: &Context<'_>,
        list_id: ID,
        published_on: Option<Date>,
    ) -> Result<AnnualAuditList> {
        with_id(ctx, "listId", &list_id, |s, v, id| {
            annual_lists::publish(&s.db, v, id, published_on.map(|d| d.0))
        })
        .await
        .map(AnnualAuditList)
    }
}
