//! Who decides the mandatory directory (名录总库): cities' applications to add or remove an
//! enterprise, the province's decisions and direct removals, and each entry's history.

use async_graphql::{Context, ID, InputObject, Object, Result};
use chrono::{DateTime, Utc};
use entity::{directory_application, directory_change};

use crate::domain::{DirectoryAction, DirectoryApplicationStatus, DirectoryReasonKind};
use crate::services::directory::{self, ApplicationFilter, ApplyInput};

use super::context::{loaders, services, viewer, with_id};
use super::enterprises::Enterprise;
use super::loaders::load_as;
use super::pagination::page_args;
use super::reference::{City, city_named};
use super::scalars::{id_of, parse_id, parse_optional_id};
use super::stamps::{ChangeMark, change_mark};

pub struct DirectoryApplication(pub directory_application::Model);

crate::connection_type!(
    DirectoryApplicationConnection,
    DirectoryApplicationEdge,
    DirectoryApplication
);

#[Object]
impl DirectoryApplication {
    async fn id(&self) -> ID {
        id_of(self.0.id)
    }
    async fn enterprise_id(&self) -> ID {
        id_of(self.0.enterprise_id)
    }
    async fn enterprise(&self, ctx: &Context<'_>) -> Result<Option<Enterprise>> {
        load_as(&loaders(ctx)?.enterprises, self.0.enterprise_id, Enterprise).await
    }
    /// The applying city (the enterprise's when it applied).
    async fn city_code(&self) -> &str {
        &self.0.city_code
    }
    async fn city(&self, ctx: &Context<'_>) -> Result<Option<City>> {
        city_named(ctx, &self.0.city_code).await
    }
    async fn action(&self) -> DirectoryAction {
        self.0.action
    }
    /// ADD: the year the enterprise joins from.
    async fn since_year(&self) -> Option<i32> {
        self.0.since_year
    }
    async fn reason_kind(&self) -> Option<DirectoryReasonKind> {
        self.0.reason_kind
    }
    async fn reason(&self) -> &str {
        &self.0.reason
    }
    async fn status(&self) -> DirectoryApplicationStatus {
        self.0.status
    }
    async fn applied_by_id(&self) -> Option<ID> {
        self.0.applied_by.map(id_of)
    }
    async fn applied_at(&self) -> DateTime<Utc> {
        self.0.applied_at
    }
    async fn decided_by_id(&self) -> Option<ID> {
        self.0.decided_by.map(id_of)
    }
    async fn decided_at(&self) -> Option<DateTime<Utc>> {
        self.0.decided_at
    }
    /// Why the province refused (or any remark on approval).
    async fn decision_reason(&self) -> Option<&str> {
        self.0.decision_reason.as_deref()
    }
}

/// One change of a directory entry: who, when, why, and the application it carried out
/// (none when the province acted directly).
pub struct DirectoryChange {
    pub change: directory_change::Model,
    pub application: Option<directory_application::Model>,
}

#[Object]
impl DirectoryChange {
    async fn id(&self) -> ID {
        id_of(self.change.id)
    }
    async fn action(&self) -> DirectoryAction {
        self.change.action
    }
    /// ADD: the year the enterprise joined from.
    async fn since_year(&self) -> Option<i32> {
        self.change.since_year
    }
    async fn reason_kind(&self) -> Option<DirectoryReasonKind> {
        self.change.reason_kind
    }
    async fn reason(&self) -> Option<&str> {
        self.change.reason.as_deref()
    }
    /// `actorId` and `changedAt`.
    #[graphql(flatten)]
    async fn change_mark(&self) -> ChangeMark {
        change_mark(self.change.actor_id, self.change.changed_at)
    }
    /// The city's application approved; null for the province's own act.
    async fn application(&self) -> Option<DirectoryApplication> {
        self.application.clone().map(DirectoryApplication)
    }
}

#[derive(InputObject)]
pub struct ApplyDirectoryChangeInput {
    pub enterprise_id: ID,
    pub action: DirectoryAction,
    /// ADD: the year it joins from (this year when absent); not for REMOVE.
    pub since_year: Option<i32>,
    /// Required for REMOVE; CLOSED is no reason to ADD.
    pub reason_kind: Option<DirectoryReasonKind>,
    pub reason: String,
}

#[derive(InputObject, Default)]
pub struct DirectoryApplicationFilter {
    pub status: Option<DirectoryApplicationStatus>,
    /// The province's choice; a city admin sees their own city's only.
    pub city_code: Option<String>,
    pub enterprise_id: Option<ID>,
}

#[derive(Default)]
pub struct DirectoryQuery;

#[Object]
impl DirectoryQuery {
    /// Cities' applications to change the directory, oldest first: the province sees all, a
    /// city admin their city's.
    async fn directory_applications(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        filter: Option<DirectoryApplicationFilter>,
    ) -> Result<DirectoryApplicationConnection> {
        let (s, page) = page_args(ctx, first, after)?;
        let f = filter.unwrap_or_default();
        let result = directory::list_applications(
            &s.db,
            viewer(ctx),
            ApplicationFilter {
                status: f.status,
                city_code: f.city_code,
                enterprise_id: parse_optional_id("filter.enterpriseId", f.enterprise_id.as_ref())?,
            },
            page,
        )
        .await?;
        Ok(DirectoryApplicationConnection::of_rows(
            result,
            |m| m.id,
            DirectoryApplication,
        ))
    }

    /// One application: the province, or the applying city.
    async fn directory_application(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> Result<DirectoryApplication> {
        with_id(ctx, "id", &id, |s, v, id| {
            directory::get_application(&s.db, v, id)
        })
        .await
        .map(DirectoryApplication)
    }
}

#[derive(Default)]
pub struct DirectoryMutation;

#[Object]
impl DirectoryMutation {
    /// A city admin applies to add one of the city's enterprises to the directory or remove it;
    /// the province's admins are told.
    async fn apply_directory_change(
        &self,
        ctx: &Context<'_>,
        input: ApplyDirectoryChangeInput,
    ) -> Result<DirectoryApplication> {
        let s = services(ctx)?;
        let enterprise_id = parse_id("enterpriseId", &input.enterprise_id)?;
        Ok(DirectoryApplication(
            directory::apply(
                &s.db,
                viewer(ctx),
                ApplyInput {
                    enterprise_id,
                    action: input.action,
                    since_year: input.since_year,
                    reason_kind: input.reason_kind,
                    reason: input.reason,
                },
            )
            .await?,
        ))
    }

    /// The province approves (the directory changes at once) or refuses (with a reason) a
    /// pending application; the applying city's admins are told.
    async fn decide_directory_application(
        &self,
        ctx: &Context<'_>,
        id: ID,
        approve: bool,
        reason: Option<String>,
    ) -> Result<DirectoryApplication> {
        with_id(ctx, "id", &id, |s, v, id| {
            directory::decide(&s.db, v, id, approve, reason)
        })
        .await
        .map(DirectoryApplication)
    }

    /// The province removes an enterprise from the directory itself, saying why.
    async fn remove_from_directory(
        &self,
        ctx: &Context<'_>,
        enterprise_id: ID,
        reason_kind: DirectoryReasonKind,
        reason: String,
    ) -> Result<Enterprise> {
        with_id(ctx, "enterpriseId", &enterprise_id, |s, v, id| {
            directory::remove_directly(&s.db, v, id, reason_kind, reason)
        })
        .await
        .map(Enterprise)
    }
}
