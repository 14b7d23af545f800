//! Written notices (书面通知): the city notifies the enterprises of a published list; each
//! entry of the list shows its notice.

use async_graphql::{Context, ID, InputObject, Object, Result};
use chrono::{DateTime, Utc};
use entity::annual_audit_list_entry;

use crate::rules::deadlines::is_notice_late;
use crate::services::notices::{self, IssueNotices};

use super::annual_lists::AnnualAuditList;
use super::context::{loaders, services, viewer};
use super::enterprises::Enterprise;
use super::scalars::{Date, id_of, parse_id, parse_ids};

/// One enterprise on an annual list and its written notice, once issued.
pub struct AnnualListEntry {
    pub entry: annual_audit_list_entry::Model,
    /// The list's year: a notice after 31 March of it is late.
    pub year: i32,
}

#[Object]
impl AnnualListEntry {
    async fn enterprise_id(&self) -> ID {
        id_of(self.entry.enterprise_id)
    }
    async fn enterprise(&self, ctx: &Context<'_>) -> Result<Option<Enterprise>> {
        Ok(loaders(ctx)?
            .enterprises
            .load_one(self.entry.enterprise_id)
            .await?
            .map(Enterprise))
    }
    async fn added_at(&self) -> DateTime<Utc> {
        self.entry.added_at
    }
    /// The written notice's date; null until the city issues it. It starts the audit's clock.
    async fn notice_date(&self) -> Option<Date> {
        self.entry.notice_date.map(Date)
    }
    /// The notice's document number (文号).
    async fn notice_number(&self) -> Option<&str> {
        self.entry.notice_number.as_deref()
    }
    /// Issued after 31 March of the list's year; null until issued.
    async fn notice_late(&self) -> Option<bool> {
        self.entry
            .notice_date
            .map(|on| is_notice_late(on, self.year))
    }
    /// When the notice was recorded.
    async fn notice_issued_at(&self) -> Option<DateTime<Utc>> {
        self.entry.notice_issued_at
    }
}

#[derive(InputObject)]
pub struct IssueAuditNoticesInput {
    pub list_id: ID,
    /// The notice's date: not before the list's publication, not in the future.
    pub notice_date: Date,
    /// The document number (文号), at most 100 characters.
    pub notice_number: String,
    /// The enterprises it names; absent: every enterprise on the list still without a notice.
    pub enterprise_ids: Option<Vec<ID>>,
}

#[derive(Default)]
pub struct NoticeMutation;

#[Object]
impl NoticeMutation {
    /// Records the city's written notice (书面通知) to enterprises of a PUBLISHED list: each
    /// gets its audit in NOTIFIED dated by the notice (the clock for disclosure, start and
    /// report) and its accounts are told (`AUDIT_NOTICE_ISSUED`). The list's city admins only.
    async fn issue_audit_notices(
        &self,
        ctx: &Context<'_>,
        input: IssueAuditNoticesInput,
    ) -> Result<AnnualAuditList> {
        let s = services(ctx)?;
        let enterprise_ids = input
            .enterprise_ids
            .as_deref()
            .map(|ids| parse_ids("enterpriseIds", ids))
            .transpose()?;
        let issued = notices::issue(
            &s.db,
            viewer(ctx),
            &s.config.deadlines,
            IssueNotices {
                list_id: parse_id("listId", &input.list_id)?,
                notice_date: input.notice_date.0,
                notice_number: input.notice_number,
                enterprise_ids,
            },
        )
        .await?;
        Ok(AnnualAuditList(issued))
    }
}
