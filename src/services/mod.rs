//! One module per domain: reads and writes in transactions, calling the pure rules.
//! Every service function checks who may call it, so the GraphQL layer stays thin and the
//! CLI gets the same rules.

pub mod amounts;
pub mod annual_lists;
pub mod appraisals;
pub mod audit_log;
pub mod audits;
pub mod consultancies;
pub mod demo;
pub mod enterprises;
pub mod expert_pool;
pub mod expert_year;
pub mod experts;
pub mod import;
pub mod pagination;
pub mod panels;
pub mod ranking;
pub mod rechecks;
pub mod reference;
pub mod reports;
pub mod summary;
pub mod text;
pub mod training;
pub mod users;
pub mod violations;

use sea_orm::DatabaseConnection;
use std::str::FromStr;
use std::sync::Arc;

use chrono::{NaiveDate, Utc};

use crate::auth::token::TokenKeys;
use crate::config::Config;
use crate::crypto::DataKeys;
use crate::error::{AppError, AppResult};
use crate::http::metrics::Metrics;
use crate::rules::deadlines::today_in_china;
use crate::rules::mandatory::CatalogRow;

/// What a service needs besides the viewer: the database and the settings and reference
/// data loaded once at start-up.
#[derive(Clone)]
pub struct Services {
    pub db: DatabaseConnection,
    pub config: Arc<Config>,
    pub catalog: Arc<Vec<CatalogRow>>,
    /// The 11 cities, read once at start-up (they come with the migrations).
    pub cities: Arc<Vec<entity::city::Model>>,
    pub keys: Arc<TokenKeys>,
    pub data_keys: Arc<DataKeys>,
    pub metrics: Arc<Metrics>,
    pub published_rankings: ranking::PublishedRankings,
    /// Who recently seen tokens belong to (see `auth::principals`).
    pub principals: crate::auth::principals::PrincipalCache,
    /// The expert pool as last read (see `expert_pool`).
    pub expert_pool: expert_pool::PoolCache,
}

/// Reads an enum stored by name; an unknown name is the database's fault, not the client's.
pub fn parse_stored<T: FromStr>(what: &str, value: &str) -> AppResult<T> {
    value
        .parse()
        .map_err(|_| AppError::internal(format!("stored {what} {value:?} is unknown")))
}

/// Today in China Standard Time, the calendar every deadline is reckoned in.
pub fn today() -> NaiveDate {
    today_in_china(Utc::now())
}

/// A date that records something that has happened: not after today (China Standard Time).
pub fn past_or_today(field: &str, date: NaiveDate) -> AppResult<NaiveDate> {
    if date > today() {
        return Err(AppError::bad_input(field, "must not be in the future"));
    }
    Ok(date)
}

/// Groups rows by a key, keeping their order: the shape every batch loader returns.
pub fn grouped<M>(
    rows: Vec<M>,
    key: impl Fn(&M) -> uuid::Uuid,
) -> std::collections::HashMap<uuid::Uuid, Vec<M>> {
    let mut map: std::collections::HashMap<uuid::Uuid, Vec<M>> = std::collections::HashMap::new();
    for row in rows {
        map.entry(key(&row)).or_default().push(row);
    }
    map
}
