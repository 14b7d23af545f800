//! Enterprises, their mandatory-audit verdict and mode, the mandatory directory, the CSV
//! import and certifications.

use async_graphql::{Context, ID, Object, Result, SimpleObject};
use entity::{certification, enterprise};
use rust_decimal::Decimal;

use crate::domain::{
    AuditMode, CertificationLevel, CompletionKind, EnterpriseScale, ImportMode, Sector,
};
use crate::services::directory;
use crate::services::enterprises::{
    self, Completion, DirectoryFilter, EnterpriseFilter, EnterprisePatch as UpdateEnterpriseInput,
    NewEnterprise as CreateEnterpriseInput,
};
use crate::services::import::{self, ImportReport as ServiceReport, ImportRow as ServiceRow};
use crate::services::{audits as audit_service, today};

use super::audits::Audit;
use super::context::{loaders, services, viewer, with_id};
use super::directory::DirectoryChange;
use super::links::CityLink;
use super::loaders::{load_rows, load_rows_as};
use super::pagination::{node_selection, page_args};
use super::reference::MandatoryAuditVerdict;
use super::scalars::{Date, id_of, parse_id};
use super::stamps::{EditStamps, stamps_of};

pub struct Enterprise(pub enterprise::Model);

crate::connection_type!(EnterpriseConnection, EnterpriseEdge, Enterprise);

#[Object]
impl Enterprise {
    async fn id(&self) -> ID {
        id_of(self.0.id)
    }
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// Unified social credit code (GB 32100).
    async fn credit_code(&self) -> &str {
        &self.0.credit_code
    }
    #[graphql(flatten)]
    async fn city_link(&self) -> CityLink<'_> {
        CityLink(&self.0.city_code)
    }
    async fn county(&self) -> &str {
        &self.0.county
    }
    /// GB/T 4754 class code (four digits; the first two are the division).
    async fn industry_code(&self) -> &str {
        &self.0.industry_code
    }
    /// The annex sector of the catalogue row matching the industry code, if any.
    async fn sector(&self) -> Option<Sector> {
        self.0.sector
    }
    async fn employees(&self) -> i32 {
        self.0.employees
    }
    /// Operating revenue in 10 000 CNY.
    async fn operating_revenue(&self) -> Decimal {
        enterprises::revenue_of(&self.0)
    }
    /// By the 2017 statistical rule from staff and revenue, unless an admin set it.
    async fn scale(&self) -> EnterpriseScale {
        self.0.scale
    }
    async fn scale_set_by_admin(&self) -> bool {
        self.0.scale_set_by_admin
    }
    async fn high_energy_use(&self) -> bool {
        self.0.high_energy_use
    }
    async fn high_water_use(&self) -> bool {
        self.0.high_water_use
    }
    async fn high_emissions(&self) -> bool {
        self.0.high_emissions
    }
    /// Produces, uses or emits chemicals of the priority control list.
    async fn priority_chemicals(&self) -> bool {
        self.0.priority_chemicals
    }
    async fn mining_operation(&self) -> bool {
        self.0.mining_operation
    }
    async fn coating_process(&self) -> bool {
        self.0.coating_process
    }
    /// Whether it must audit, and which catalogue row decides (the foundation's rule).
    async fn mandatory_audit(&self, ctx: &Context<'_>) -> Result<MandatoryAuditVerdict> {
        let s = services(ctx)?;
        Ok(enterprises::verdict_of(&s.catalog, &self.0)?.into())
    }
    /// STRICT with high energy or water use, high emissions or priority chemicals; else
    /// SIMPLIFIED (the plan's 两精简).
    async fn audit_mode(&self) -> AuditMode {
        enterprises::mode_of(&self.0)
    }
    async fn in_directory(&self) -> bool {
        self.0.directory_since_year.is_some()
    }
    /// In the mandatory directory (名录总库) since this year.
    async fn directory_since_year(&self) -> Option<i32> {
        self.0.directory_since_year
    }
    /// Every change of its directory entry, oldest first, each with the city's application it
    /// carried out (none for the province's own acts): the province and its city's admins.
    async fn directory_history(&self, ctx: &Context<'_>) -> Result<Vec<DirectoryChange>> {
        let s = services(ctx)?;
        let (changes, mut applications) =
            directory::history_of(&s.db, viewer(ctx), &self.0).await?;
        Ok(changes
            .into_iter()
            .map(|change| DirectoryChange {
                application: change
                    .application_id
                    .and_then(|id| applications.remove(&id)),
                change,
            })
            .collect())
    }
    /// The latest completed audit or counted certification.
    async fn last_completed_on(&self) -> Option<Date> {
        self.0.last_completed_on.map(Date)
    }
    async fn last_completion(&self, ctx: &Context<'_>) -> Result<Option<CompletionInfo>> {
        Ok(loaders(ctx)?
            .last_completions
            .load_one(self.0.id)
            .await?
            .flatten()
            .map(CompletionInfo))
    }
    /// Its audits, oldest first (a consultancy sees only those it holds).
    async fn audits(&self, ctx: &Context<'_>) -> Result<Vec<Audit>> {
        let v = viewer(ctx);
        let all = load_rows(&loaders(ctx)?.enterprise_audits, self.0.id).await?;
        Ok(all
            .into_iter()
            .filter(|a| audit_service::require_read(v, a).is_ok())
            .map(Audit)
            .collect())
    }
    async fn certifications(&self, ctx: &Context<'_>) -> Result<Vec<Certification>> {
        load_rows_as(
            &loaders(ctx)?.enterprise_certifications,
            self.0.id,
            Certification,
        )
        .await
    }
    /// `version`, `createdAt` and `updatedAt`.
    #[graphql(flatten)]
    async fn stamps(&self) -> EditStamps {
        stamps_of!(EditStamps, self.0)
    }
}

pub struct CompletionInfo(pub Completion);

/// How a directory member last completed its audit for the cycle.
#[Object(name = "Completion")]
impl CompletionInfo {
    async fn kind(&self) -> CompletionKind {
        self.0.kind
    }
    async fn completed_on(&self) -> Date {
        Date(self.0.completed_on)
    }
    /// The accepted audit, when the completion was one.
    async fn audit(&self) -> Option<Audit> {
        self.0.audit.clone().map(Audit)
    }
    /// The certification counted as an audit (视同), when the completion was one.
    async fn certification(&self) -> Option<Certification> {
        self.0.certification.clone().map(Certification)
    }
}

pub struct Certification(pub certification::Model);

/// A voluntary clean-production evaluation and certification (清洁生产评价认证).
#[Object]
impl Certification {
    async fn id(&self) -> ID {
        id_of(self.0.id)
    }
    async fn enterprise_id(&self) -> ID {
        id_of(self.0.enterprise_id)
    }
    async fn level(&self) -> CertificationLevel {
        self.0.level
    }
    async fn level_label(&self) -> &'static str {
        self.0.level.label()
    }
    async fn certified_on(&self) -> Date {
        Date(self.0.certified_on)
    }
    async fn valid_until(&self) -> Date {
        Date(self.0.valid_until)
    }
    /// Counts as a completed audit for the cycle (视同开展清洁生产审核).
    async fn meets_audit_requirements(&self) -> bool {
        self.0.meets_audit_requirements
    }
}

/// One member of the mandatory directory and its five-year cycle.
pub struct DirectoryEntry {
    model: enterprise::Model,
    as_of: chrono::NaiveDate,
}

crate::connection_type!(DirectoryConnection, DirectoryEdge, DirectoryEntry);

#[Object]
impl DirectoryEntry {
    async fn enterprise(&self) -> Enterprise {
        Enterprise(self.model.clone())
    }
    async fn since_year(&self) -> Option<i32> {
        self.model.directory_since_year
    }
    async fn last_completion(&self, ctx: &Context<'_>) -> Result<Option<CompletionInfo>> {
        Ok(loaders(ctx)?
            .last_completions
            .load_one(self.model.id)
            .await?
            .flatten()
            .map(CompletionInfo))
    }
    /// The day the cycle is judged on.
    async fn as_of(&self) -> Date {
        Date(self.as_of)
    }
    /// No completed audit within five calendar years of joining or of the last completion.
    async fn cycle_overdue(&self) -> bool {
        enterprises::cycle_standing(&self.model, self.as_of).is_some_and(|s| s.overdue)
    }
    /// The last day of the current five-year window.
    async fn covered_until(&self) -> Option<Date> {
        enterprises::cycle_standing(&self.model, self.as_of)
            .and_then(|s| s.covered_until)
            .map(Date)
    }
}

pub struct ImportRowInfo(ServiceRow);

#[Object(name = "ImportRow")]
impl ImportRowInfo {
    /// The line in the file (the header is line 1).
    async fn line(&self) -> u64 {
        self.0.line
    }
    async fn name(&self) -> Option<&str> {
        self.0.name.as_deref()
    }
    async fn credit_code(&self) -> Option<&str> {
        self.0.credit_code.as_deref()
    }
    async fn accepted(&self) -> bool {
        self.0.accepted
    }
    /// The new enterprise, when the row was written.
    async fn enterprise_id(&self) -> Option<ID> {
        self.0.enterprise_id.map(id_of)
    }
    /// The input field of a rejected row's first fault (all of them are in `faults`).
    async fn field(&self) -> Option<&str> {
        self.0.field.as_deref()
    }
    /// The reason of a rejected row's first fault.
    async fn reason(&self) -> Option<&str> {
        self.0.reason.as_deref()
    }
    /// Everything wrong with a rejected row, not only the first; empty for an accepted one.
    async fn faults(&self) -> Vec<ImportFaultInfo> {
        self.0.faults.iter().cloned().map(ImportFaultInfo).collect()
    }
}

pub struct ImportFaultInfo(import::ImportFault);

/// One thing wrong with an imported row.
#[Object(name = "ImportFault")]
impl ImportFaultInfo {
    /// The input field (`employees`), or `row` for a fault of the row as a whole.
    async fn field(&self) -> &str {
        &self.0.field
    }
    /// The column's header as the file wrote it (`从业人员`); null for a fault of the row.
    async fn column(&self) -> Option<&str> {
        self.0.column.as_deref()
    }
    async fn reason(&self) -> &str {
        &self.0.reason
    }
}

pub struct ImportReportInfo(ServiceReport);

#[Object(name = "ImportReport")]
impl ImportReportInfo {
    async fn mode(&self) -> ImportMode {
        self.0.mode
    }
    /// Whether anything was written: ALL_OR_NOTHING with a bad row writes nothing.
    async fn written(&self) -> bool {
        self.0.written
    }
    async fn accepted_count(&self) -> usize {
        self.0.accepted_count
    }
    async fn rejected_count(&self) -> usize {
        self.0.rejected_count
    }
    async fn rows(&self) -> Vec<ImportRowInfo> {
        self.0.rows.iter().cloned().map(ImportRowInfo).collect()
    }
}

#[derive(SimpleObject)]
pub struct RecordedCertification {
    pub certification: Certification,
    pub enterprise: Enterprise,
}

#[derive(Default)]
pub struct EnterpriseQuery;

#[Object]
impl EnterpriseQuery {
    /// One enterprise: the province, its city, or a consultancy that audits it.
    async fn enterprise(&self, ctx: &Context<'_>, id: ID) -> Result<Enterprise> {
        let s = services(ctx)?;
        let id = parse_id("id", &id)?;
        let found = enterprises::get_enterprise(&s.db, viewer(ctx), id).await?;
        // As for a page: what the query asks below it costs one statement per level, and no
        // resolver waits on a DataLoader's timer.
        loaders(ctx)?
            .prime_enterprises(s, ctx.look_ahead(), std::slice::from_ref(&found))
            .await?;
        Ok(Enterprise(found))
    }

    /// Enterprises in registration order; a city admin sees their city's, a consultancy
    /// those it audits.
    async fn enterprises(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        filter: Option<EnterpriseFilter>,
    ) -> Result<EnterpriseConnection> {
        let (s, page) = page_args(ctx, first, after)?;
        let result =
            enterprises::list_enterprises(&s.db, viewer(ctx), filter.unwrap_or_default(), page)
                .await?;
        let node = node_selection(ctx);
        loaders(ctx)?
            .prime_enterprises(s, node, &result.items)
            .await?;
        Ok(EnterpriseConnection::of_rows(result, |m| m.id, Enterprise))
    }

    /// The mandatory directory (名录总库), each member with its last completion and whether its
    /// five-year cycle is overdue as of `asOf` (today in China when absent).
    async fn directory(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        as_of: Option<Date>,
        filter: Option<DirectoryFilter>,
    ) -> Result<DirectoryConnection> {
        let (s, page) = page_args(ctx, first, after)?;
        let as_of = as_of.map_or_else(today, |d| d.0);
        let result = enterprises::list_directory(
            &s.db,
            viewer(ctx),
            filter.unwrap_or_default(),
            as_of,
            page,
        )
        .await?;
        let node = node_selection(ctx);
        let l = loaders(ctx)?;
        l.prime_enterprises(s, node.field("enterprise"), &result.items)
            .await?;
        if node.field("lastCompletion").exists() {
            // The entry's own lastCompletion shares the enterprise's loader.
            l.prime_enterprises(s, node, &result.items).await?;
        }
        Ok(DirectoryConnection::of_rows(
            result,
            |m| m.id,
            |model| DirectoryEntry { model, as_of },
        ))
    }
}

#[derive(Default)]
pub struct EnterpriseMutation;

#[Object]
impl EnterpriseMutation {
    /// Registers an enterprise (its city's admins and the province).
    async fn create_enterprise(
        &self,
        ctx: &Context<'_>,
        input: CreateEnterpriseInput,
    ) -> Result<Enterprise> {
        let s = services(ctx)?;
        Ok(Enterprise(
            enterprises::create_enterprise(&s.db, viewer(ctx), &s.catalog, input).await?,
        ))
    }

    /// Changes an enterprise; `expectedVersion` must be the version last read.
    async fn update_enterprise(
        &self,
        ctx: &Context<'_>,
        id: ID,
        input: UpdateEnterpriseInput,
        expected_version: i32,
    ) -> Result<Enterprise> {
        with_id(ctx, "id", &id, |s, v, id| {
            enterprises::update_enterprise(&s.db, v, &s.catalog, id, input, expected_version)
        })
        .await
        .map(Enterprise)
    }

    /// The province adds an enterprise to the mandatory directory (名录总库) from `sinceYear`
    /// itself; a city applies instead (`applyDirectoryChange`).
    async fn add_to_directory(
        &self,
        ctx: &Context<'_>,
        enterprise_id: ID,
        since_year: i32,
        reason: Option<String>,
    ) -> Result<Enterprise> {
        with_id(ctx, "enterpriseId", &enterprise_id, |s, v, id| {
            directory::add_directly(&s.db, v, id, since_year, reason)
        })
        .await
        .map(Enterprise)
    }

    /// Imports enterprises from CSV text (header line first; see the README). With a bad row,
    /// ALL_OR_NOTHING writes nothing and GOOD_ROWS_ONLY writes the good rows; the report gives
    /// every row's fate.
    async fn import_enterprises(
        &self,
        ctx: &Context<'_>,
        csv: String,
        #[graphql(default_with = "ImportMode::AllOrNothing")] mode: ImportMode,
    ) -> Result<ImportReportInfo> {
        let s = services(ctx)?;
        Ok(ImportReportInfo(
            import::import_enterprises(&s.db, viewer(ctx), &s.catalog, &csv, mode).await?,
        ))
    }

    /// Records a voluntary certification; one that meets the audit requirements counts as a
    /// completed audit for the cycle (视同). `certifiedOn` defaults to today.
    async fn record_certification(
        &self,
        ctx: &Context<'_>,
        enterprise_id: ID,
        level: CertificationLevel,
        valid_until: Date,
        meets_audit_requirements: bool,
        certified_on: Option<Date>,
    ) -> Result<RecordedCertification> {
        let s = services(ctx)?;
        let enterprise_id = parse_id("enterpriseId", &enterprise_id)?;
        let v = viewer(ctx);
        let created = audit_service::record_certification(
            &s.db,
            v,
            audit_service::NewCertification {
                enterprise_id,
                level,
                certified_on: certified_on.map(|d| d.0),
                valid_until: valid_until.0,
                meets_audit_requirements,
            },
        )
        .await?;
        let enterprise = enterprises::find(&s.db, enterprise_id).await?;
        Ok(RecordedCertification {
            certification: Certification(created),
            enterprise: Enterprise(enterprise),
        })
    }
}
