//! What the plan makes public (核定并公示, 向社会公开), for anyone without signing in: the
//! published annual audit lists and the consultancy registry.
//!
//! Each has its own types holding only what the public may read, built by the services from
//! published data alone: no field of them leads to an enterprise's or a firm's private record
//! (contacts, figures, audits, staff, unpublished appraisals), whoever asks.

use async_graphql::{Context, ID, InputObject, Object, Result, SimpleObject};

use crate::domain::{ConsultancyStatus, Sector};
use crate::error::AppError;
use crate::services::annual_lists::{self, PublishedEntry, PublishedList};
use crate::services::consultancies::{
    self, ConsultancyFilter as ServiceFilter, PublicFirm, PublishedRankingLine,
};

use super::appraisals::{RankingScores, ranking_scores};
use super::consultancies::{FirmFields, firm_fields};
use super::context::services;
use super::links::CityLink;
use super::pagination::{node_selection, page_args};
use super::publications::PublishedRecheckFinding;
use super::scalars::{Date, parse_id};
use crate::services::pagination::Page;
use crate::services::publications::{self, PublicFinding};

/// A city's published annual audit list (年度强制性清洁生产审核企业名单公示).
pub struct PublishedAnnualList(PublishedList);

#[Object]
impl PublishedAnnualList {
    async fn year(&self) -> i32 {
        self.0.year
    }
    /// `cityCode` and `city`.
    #[graphql(flatten)]
    async fn city_link(&self) -> CityLink<'_> {
        CityLink(&self.0.city_code)
    }
    /// The day it was published and its notices went out.
    async fn published_on(&self) -> Option<Date> {
        self.0.published_on.map(Date)
    }
    async fn enterprise_count(&self) -> usize {
        self.0.entries.len()
    }
    /// The enterprises on it, in the order they were put on it (a fixed document, read whole
    /// like its CSV; not paged).
    async fn enterprises(&self) -> Vec<PublishedListEnterprise<'_>> {
        self.0
            .entries
            .iter()
            .map(|entry| PublishedListEnterprise {
                entry,
                year: self.0.year,
            })
            .collect()
    }
    /// The list as CSV: `/public/annual-lists/{year}.csv?cityCode=…`.
    async fn csv_path(&self) -> String {
        format!(
            "/public/annual-lists/{}.csv?cityCode={}",
            self.0.year, self.0.city_code
        )
    }
}

/// An enterprise as a published list shows it.
pub struct PublishedListEnterprise<'a> {
    entry: &'a PublishedEntry,
    year: i32,
}

#[Object]
impl PublishedListEnterprise<'_> {
    async fn name(&self) -> &str {
        &self.entry.name
    }
    /// Unified social credit code (GB 32100).
    async fn credit_code(&self) -> &str {
        &self.entry.credit_code
    }
    /// `cityCode` and `city`.
    #[graphql(flatten)]
    async fn city_link(&self) -> CityLink<'_> {
        CityLink(&self.entry.city_code)
    }
    /// The county or district (区县).
    async fn county(&self) -> &str {
        &self.entry.county
    }
    /// GB/T 4754 class code.
    async fn industry_code(&self) -> &str {
        &self.entry.industry_code
    }
    /// The annex sector of the industry, if it is in the annex.
    async fn sector(&self) -> Option<Sector> {
        self.entry.sector
    }
    async fn sector_label(&self) -> Option<&'static str> {
        self.entry.sector.map(Sector::label)
    }
    /// The list's year.
    async fn year(&self) -> i32 {
        self.year
    }
}

/// A firm of the public consultancy registry, with the recheck findings published against it
/// (fetched once per page, only when asked for).
pub struct PublicConsultancy(PublicFirm, Vec<PublicFinding>);

/// The published findings against the firms, when the selection asks for them: one query for
/// the whole page.
async fn with_findings(
    ctx: &Context<'_>,
    wanted: bool,
    firms: Vec<PublicFirm>,
) -> Result<Vec<PublicConsultancy>> {
    let mut findings = if wanted {
        let ids: Vec<_> = firms.iter().map(|f| f.id).collect();
        publications::published_findings_of_consultancies(&services(ctx)?.db, &ids).await?
    } else {
        Default::default()
    };
    Ok(firms
        .into_iter()
        .map(|f| {
            let mine = findings.remove(&f.id).unwrap_or_default();
            PublicConsultancy(f, mine)
        })
        .collect())
}

crate::connection_type!(
    PublicConsultancyConnection,
    PublicConsultancyEdge,
    PublicConsultancy
);

#[Object]
impl PublicConsultancy {
    /// `id`, `name`, `creditCode`, `cityCode`, `city`, `status` and `takesNewAudits`.
    #[graphql(flatten)]
    async fn firm(&self) -> FirmFields {
        let f = &self.0;
        firm_fields(f.id, &f.name, &f.credit_code, &f.city_code, f.status)
    }
    async fn status_label(&self) -> &'static str {
        self.0.status.label()
    }
    /// Staff employed today.
    async fn staff_count(&self) -> u64 {
        self.0.staff_count
    }
    /// Its lines of published rankings, latest year first.
    async fn rankings(&self) -> Vec<PublicRankingLine> {
        self.0
            .rankings
            .iter()
            .map(PublicRankingLine::from)
            .collect()
    }
    /// Recheck findings published against the firm (复核问题通报), latest publication first.
    async fn published_findings(&self) -> Vec<PublishedRecheckFinding> {
        self.1
            .iter()
            .cloned()
            .map(PublishedRecheckFinding)
            .collect()
    }
}

/// One firm's line of a published ranking.
#[derive(SimpleObject)]
pub struct PublicRankingLine {
    pub year: i32,
    /// Competition rank: equal totals share it (1, 1, 3).
    pub rank: u32,
    /// Display order, from 1.
    pub position: u32,
    /// `total`, `grade`, `gradeLabel` and the five scores.
    #[graphql(flatten)]
    pub scores: RankingScores,
    /// The rank in the previous published year; none when not ranked there.
    pub previous_rank: Option<u32>,
    /// Positive when the firm moved up.
    pub rank_change: Option<i32>,
}

impl From<&PublishedRankingLine> for PublicRankingLine {
    fn from(l: &PublishedRankingLine) -> Self {
        PublicRankingLine {
            year: l.year,
            rank: l.rank,
            position: l.position,
            scores: ranking_scores(l.total, l.grade, &l.scores),
            previous_rank: l.previous_rank,
            rank_change: l.rank_change,
        }
    }
}

#[derive(InputObject, Default)]
pub struct PublicConsultancyFilter {
    pub city_code: Option<String>,
    pub status: Option<ConsultancyStatus>,
    /// Matches part of the name or the credit code.
    pub text: Option<String>,
}

#[derive(Default)]
pub struct PublicQuery;

#[Object]
impl PublicQuery {
    /// The year's published annual audit lists (公示), one city's or every city's by city code;
    /// lists not yet published are not shown. Public.
    async fn published_annual_lists(
        &self,
        ctx: &Context<'_>,
        year: i32,
        city_code: Option<String>,
    ) -> Result<Vec<PublishedAnnualList>> {
        let s = services(ctx)?;
        Ok(
            annual_lists::published_lists(&s.db, year, city_code.as_deref())
                .await?
                .into_iter()
                .map(PublishedAnnualList)
                .collect(),
        )
    }

    /// The years with a published annual list, latest first. Public.
    async fn published_annual_list_years(&self, ctx: &Context<'_>) -> Result<Vec<i32>> {
        let s = services(ctx)?;
        Ok(annual_lists::published_years(&s.db).await?)
    }

    /// The consultancy registry as the public sees it, in registration order. Public.
    async fn public_consultancies(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        filter: Option<PublicConsultancyFilter>,
    ) -> Result<PublicConsultancyConnection> {
        let (s, page) = page_args(ctx, first, after)?;
        let f = filter.unwrap_or_default();
        let result = consultancies::public_consultancies(
            &s.db,
            ServiceFilter {
                city_code: f.city_code,
                status: f.status,
                text: f.text,
            },
            page,
        )
        .await?;
        let wanted = node_selection(ctx).field("publishedFindings").exists();
        let firms = with_findings(ctx, wanted, result.items).await?;
        Ok(PublicConsultancyConnection::from_page(Page {
            items: firms.into_iter().map(|f| (f.0.id, f)).collect(),
            has_next_page: result.has_next_page,
            has_previous_page: result.has_previous_page,
            total_count: result.total_count,
        }))
    }

    /// One firm of the public registry. Public.
    async fn public_consultancy(&self, ctx: &Context<'_>, id: ID) -> Result<PublicConsultancy> {
        let s = services(ctx)?;
        let id = parse_id("id", &id)?;
        let firm = consultancies::public_consultancy(&s.db, id).await?;
        let wanted = ctx.look_ahead().field("publishedFindings").exists();
        with_findings(ctx, wanted, vec![firm])
            .await?
            .pop()
            .ok_or_else(|| AppError::not_found("Consultancy", id).into())
    }
}
