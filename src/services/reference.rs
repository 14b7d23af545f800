//! Reference data: cities, sectors, the industry catalogue and the mandatory-audit rule.

use entity::{city, industry};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};

use crate::domain::{EnterpriseScale, Sector};
use crate::error::{AppError, AppResult};
use crate::rules::mandatory::{self, CatalogRow, MandatoryVerdict};

use super::Services;

pub async fn cities(db: &impl ConnectionTrait) -> AppResult<Vec<city::Model>> {
    Ok(city::Entity::find()
        .order_by_asc(city::Column::Code)
        .all(db)
        .await?)
}

pub async fn city_exists(db: &impl ConnectionTrait, code: &str) -> AppResult<bool> {
    Ok(city::Entity::find_by_id(code.to_owned())
        .one(db)
        .await?
        .is_some())
}

/// A city code given as input must name one of the 11 cities.
pub async fn require_known_city(
    db: &impl ConnectionTrait,
    field: &str,
    code: &str,
) -> AppResult<()> {
    if city_exists(db, code).await? {
        Ok(())
    } else {
        Err(AppError::bad_input(field, "unknown city code"))
    }
}

pub async fn industries(
    db: &impl ConnectionTrait,
    sector: Option<Sector>,
) -> AppResult<Vec<industry::Model>> {
    let mut query = industry::Entity::find().order_by_asc(industry::Column::SortOrder);
    if let Some(sector) = sector {
        query = query.filter(industry::Column::Sector.eq(sector.as_str()));
    }
    Ok(query.all(db).await?)
}

/// Loads the catalogue as the rules see it (done once at start-up).
pub async fn load_catalog(db: &impl ConnectionTrait) -> AppResult<Vec<CatalogRow>> {
    industries(db, None)
        .await?
        .into_iter()
        .map(|row| {
            Ok(CatalogRow {
                sector: row.sector,
                scale_rule: row.scale_rule,
                condition: row.condition,
                code: row.code,
                name: row.name,
            })
        })
        .collect()
}

pub fn mandatory_audit_rule(
    services: &Services,
    industry_code: &str,
    scale: EnterpriseScale,
    has_mining_operation: bool,
    has_coating_process: bool,
) -> AppResult<MandatoryVerdict> {
    let code = industry_code.trim();
    if !mandatory::is_industry_class_code(code) {
        return Err(AppError::bad_input(
            "industryCode",
            "must be a GB/T 4754 class code of four digits",
        ));
    }
    Ok(mandatory::mandatory_verdict(
        &services.catalog,
        code,
        scale,
        has_mining_operation,
        has_coating_process,
    ))
}

/// Cities by code, for the loaders.
/// The cities among `all` (the list kept in memory, see `Services::cities`) with the given
/// codes: the 11 cities come with the migrations and never change, so reading them per
/// request would be a statement for nothing.
pub fn cities_among(
    all: &[city::Model],
    codes: &[String],
) -> std::collections::HashMap<String, city::Model> {
    all.iter()
        .filter(|c| codes.contains(&c.code))
        .map(|c| (c.code.clone(), c.clone()))
        .collect()
}

pub async fn cities_by_code(
    db: &impl ConnectionTrait,
    codes: &[String],
) -> AppResult<std::collections::HashMap<String, city::Model>> {
    let rows = city::Entity::find()
        .filter(city::Column::Code.is_in(codes.iter().cloned()))
        .all(db)
        .await?;
    Ok(rows.into_iter().map(|c| (c.code.clone(), c)).collect())
}
