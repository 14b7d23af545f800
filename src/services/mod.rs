//! One module per domain: reads and writes in transactions, calling the pure rules.
//! Every service function checks who may call it, so the GraphQL layer stays thin and the
//! CLI gets the same rules.

pub mod amounts;
pub mod audit_log;
pub mod experts;
pub mod pagination;
pub mod reference;
pub mod text;
pub mod users;

use sea_orm::DatabaseConnection;
use std::sync::Arc;

use crate::auth::token::TokenKeys;
use crate::config::Config;
use crate::rules::mandatory::CatalogRow;

/// What a service needs besides the viewer: the database and the settings and reference
/// data loaded once at start-up.
#[derive(Clone)]
pub struct Services {
    pub db: DatabaseConnection,
    pub config: Arc<Config>,
    pub catalog: Arc<Vec<CatalogRow>>,
    pub keys: Arc<TokenKeys>,
}
