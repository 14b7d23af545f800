//! Public reference data: cities, the industry catalogue and the mandatory-audit rule.

use async_graphql::{Context, Enum, Object, Result, SimpleObject};
use entity::{city, industry};

use crate::domain::{CatalogCondition, EnterpriseScale, ScaleRule, Sector};
use crate::rules::mandatory::{MandatoryVerdict, VerdictReason};
use crate::services::reference;

use super::context::{loaders, services};
use super::loaders::load_as;

pub struct City(pub city::Model);

/// The city of a GB/T 2260 code, through the request's cities loader; `None` for an unknown
/// code.
pub async fn city_named(ctx: &Context<'_>, code: &str) -> Result<Option<City>> {
    load_as(&loaders(ctx)?.cities, code.to_owned(), City).await
}

/// The city of an optional code: none for a record outside any city (e.g. a provincial one).
pub async fn city_of(ctx: &Context<'_>, code: Option<&str>) -> Result<Option<City>> {
    match code {
        Some(code) => city_named(ctx, code).await,
        None => Ok(None),
    }
}

#[Object]
impl City {
    /// GB/T 2260 code.
    async fn code(&self) -> &str {
        &self.0.code
    }
    async fn name(&self) -> &str {
        &self.0.name
    }
}

pub struct Industry(pub industry::Model);

#[Object]
impl Industry {
    /// GB/T 4754 class code (or `33-43` for the coating row, which spans divisions).
    async fn code(&self) -> &str {
        &self.0.code
    }
    async fn name(&self) -> &str {
        &self.0.name
    }
    async fn sector(&self) -> Sector {
        self.0.sector
    }
    async fn scale_rule(&self) -> ScaleRule {
        self.0.scale_rule
    }
    async fn condition(&self) -> Option<CatalogCondition> {
        self.0.condition
    }
    /// The scale rule in the plan's words, e.g. 大中型.
    async fn scale_rule_label(&self) -> &'static str {
        self.0.scale_rule.label()
    }
}

/// Why the mandatory-audit rule decided as it did.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
pub enum MandatoryReason {
    Mandatory,
    NotInCatalogue,
    ScaleNotCovered,
    NoMiningOperation,
    NoCoatingProcess,
}

impl From<VerdictReason> for MandatoryReason {
    fn from(r: VerdictReason) -> Self {
        match r {
            VerdictReason::Mandatory => MandatoryReason::Mandatory,
            VerdictReason::NotInCatalogue => MandatoryReason::NotInCatalogue,
            VerdictReason::ScaleNotCovered => MandatoryReason::ScaleNotCovered,
            VerdictReason::NoMiningOperation => MandatoryReason::NoMiningOperation,
            VerdictReason::NoCoatingProcess => MandatoryReason::NoCoatingProcess,
        }
    }
}

#[derive(SimpleObject)]
pub struct MandatoryAuditVerdict {
    pub mandatory: bool,
    /// The catalogue row that decided, if any matched.
    pub industry_code: Option<String>,
    pub reason: MandatoryReason,
    /// The verdict in a sentence (Chinese).
    pub explanation: String,
}

impl From<MandatoryVerdict> for MandatoryAuditVerdict {
    fn from(v: MandatoryVerdict) -> Self {
        MandatoryAuditVerdict {
            mandatory: v.mandatory,
            industry_code: v.row_code,
            reason: v.reason.into(),
            explanation: v.explanation,
        }
    }
}

#[derive(SimpleObject)]
pub struct SectorInfo {
    pub sector: Sector,
    /// Chinese name, as in the plan's annex.
    pub label: &'static str,
}

#[derive(Default)]
pub struct ReferenceQuery;

#[Object]
impl ReferenceQuery {
    /// The 11 prefecture cities of Shanxi.
    async fn cities(&self, ctx: &Context<'_>) -> Result<Vec<City>> {
        let s = services(ctx)?;
        Ok(s.cities.iter().cloned().map(City).collect())
    }

    /// The 13 sectors of the annex with their Chinese names.
    async fn sectors(&self) -> Vec<SectorInfo> {
        Sector::ALL
            .iter()
            .map(|s| SectorInfo {
                sector: *s,
                label: s.label(),
            })
            .collect()
    }

    /// The annex's industry catalogue, optionally one sector's rows.
    async fn industries(&self, ctx: &Context<'_>, sector: Option<Sector>) -> Result<Vec<Industry>> {
        let s = services(ctx)?;
        Ok(reference::industries(&s.db, sector)
            .await?
            .into_iter()
            .map(Industry)
            .collect())
    }

    /// Whether an enterprise of this industry and scale must audit, and which row decides.
    async fn mandatory_audit_rule(
        &self,
        ctx: &Context<'_>,
        industry_code: String,
        scale: EnterpriseScale,
        #[graphql(default = false)] has_mining_operation: bool,
        #[graphql(default = false)] has_coating_process: bool,
    ) -> Result<MandatoryAuditVerdict> {
        let s = services(ctx)?;
        Ok(reference::mandatory_audit_rule(
            s,
            &industry_code,
            scale,
            has_mining_operation,
            has_coating_process,
        )?
        .into())
    }
}
