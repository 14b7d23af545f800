//! cleanprod: the registry behind Shanxi's mandatory clean-production audits, as a
//! GraphQL service. `main.rs` is the command line; this crate builds the app for it and
//! for the integration tests.
//!
//! Data flows one way: http → graphql → services → rules / entity.

pub mod auth;
pub mod config;
pub mod crypto;
pub mod db;
pub mod domain;
pub mod error;
pub mod graphql;
pub mod http;
pub mod rules;
pub mod services;

use std::sync::Arc;

use actix_web::{App, HttpServer, web};
use async_graphql::extensions::apollo_persisted_queries::LruCacheStorage;
use sea_orm::DatabaseConnection;

use crate::auth::token::TokenKeys;
use crate::config::Config;
use crate::error::{AppError, AppResult};
use crate::graphql::AppSchema;
use crate::services::Services;

/// Everything a request handler needs, built once at start-up.
#[derive(Clone)]
pub struct AppState {
    pub services: Services,
    pub schema: AppSchema,
    /// Automatic persisted queries (hash → parsed document). Per instance: a miss only
    /// makes the client send the full query once more, as the protocol expects.
    pub persisted_queries: LruCacheStorage,
}

/// How many persisted queries each instance keeps.
const PERSISTED_QUERY_CACHE: usize = 1024;

impl AppState {
    /// Builds the state on a connected, migrated database.
    pub async fn new(config: Config, db: DatabaseConnection) -> AppResult<AppState> {
        let secret = config
            .jwt_secret
            .clone()
            .ok_or_else(|| AppError::internal("the JWT secret was not resolved"))?;
        let keys = TokenKeys::new(
            &secret,
            config.jwt_previous_secret.as_deref(),
            config.token_ttl,
        )?;
        let data_key = config
            .data_key
            .clone()
            .ok_or_else(|| AppError::internal("the data key was not resolved"))?;
        let data_keys = crypto::DataKeys::new(&data_key)?;
        let catalog = services::reference::load_catalog(&db).await?;
        let cities = services::reference::cities(&db).await?;
        let auth_cache = config.auth_cache;
        let services = Services {
            db,
            config: Arc::new(config),
            catalog: Arc::new(catalog),
            cities: Arc::new(cities),
            keys: Arc::new(keys),
            data_keys: Arc::new(data_keys),
            metrics: Arc::new(http::metrics::Metrics::new()),
            published_rankings: Default::default(),
            principals: auth::principals::PrincipalCache::new(auth_cache),
            expert_pool: Default::default(),
            draw_queue: services::draw_queue::DrawQueue::new(),
        };
        // Personal data stored before encryption existed is encrypted now, once.
        let converted = services::experts::encrypt_legacy_rows(&services).await?;
        let converted =
            converted + services::consultancies::encrypt_legacy_staff_rows(&services).await?;
        if converted > 0 {
            tracing::info!(converted, "encrypted personal data stored in clear");
        }
        let persisted_queries = LruCacheStorage::new(PERSISTED_QUERY_CACHE);
        let schema = graphql::build_schema(Some(services.clone()));
        Ok(AppState {
            services,
            schema,
            persisted_queries,
        })
    }
}

/// Registers the routes on an actix app (used by the server and by tests).
pub fn configure(state: AppState) -> impl FnOnce(&mut web::ServiceConfig) {
    move |cfg| {
        cfg.app_data(web::Data::new(state));
        http::routes(cfg);
    }
}

/// The whole HTTP app with its middleware (used by the server and by tests).
pub fn build_app(
    state: AppState,
) -> App<
    impl actix_web::dev::ServiceFactory<
        actix_web::dev::ServiceRequest,
        Config = (),
        Response = actix_web::dev::ServiceResponse<impl actix_web::body::MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    let web = state.services.config.web.clone();
    App::new()
        .wrap(http::security_headers(&web))
        .wrap(http::cors(&web))
        .wrap(actix_web::middleware::Logger::new("%r %s %Dms").log_target("cleanprod::http"))
        .configure(configure(state))
}

/// Serves until SIGTERM or Ctrl-C, then drains in-flight requests and returns.
pub async fn serve(state: AppState) -> std::io::Result<()> {
    let bind = state.services.config.bind.clone();
    tracing::info!(%bind, "cleanprod listening");
    HttpServer::new(move || build_app(state.clone()))
        .bind(&bind)?
        .shutdown_timeout(30)
        .run()
        .await
}
