//! cleanprod: the registry behind Shanxi's mandatory clean-production audits, as a
//! GraphQL service. `main.rs` is the command line; this crate builds the app for it and
//! for the integration tests.
//!
//! Data flows one way: http → graphql → services → rules / entity.

// The merged Query and Mutation roots nest deeper than the default limit of 128.
#![recursion_limit = "256"]

pub mod auth;
pub mod config;
pub mod crypto;
pub mod db;
pub mod domain;
pub mod error;
pub mod graphql;
pub mod http;
pub mod messages_zh;
pub mod rules;
pub mod scalars;
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
    /// Parsed documents by the SHA-256 of their text, the recently used ones: each text is
    /// parsed once, and automatic persisted queries are answered from here. Per instance: a
    /// persisted query's miss only makes the client send the full query once more, as the
    /// protocol expects.
    pub parsed_documents: LruCacheStorage,
    /// Whole answers to queries that read only published rankings (`http::frozen_answers`).
    pub frozen_answers: Arc<http::frozen_answers::FrozenAnswers>,
    /// Request and draw counters for `/metrics` (the services see them as `ServiceMetrics`).
    pub metrics: Arc<http::metrics::Metrics>,
    /// Every database pool of the instance (the shared one, then each HTTP worker's), for
    /// `/metrics` to count all their connections whichever worker answers it.
    pub pools: Arc<std::sync::Mutex<Vec<DatabaseConnection>>>,
}

/// How many parsed documents each instance keeps.
const PARSED_DOCUMENT_CACHE: usize = 1024;

/// How many answers to published-ranking queries each instance keeps, and in how many bytes
/// at most (a national-scale whole ranking is about 350 KB).
const FROZEN_ANSWERS: std::num::NonZeroUsize = match std::num::NonZeroUsize::new(256) {
    Some(n) => n,
    None => std::num::NonZeroUsize::MIN,
};
const FROZEN_ANSWER_BYTES: usize = 64 << 20;

impl AppState {
    /// Builds the state on a connected, migrated database; events go to the log.
    pub async fn new(config: Config, db: DatabaseConnection) -> AppResult<AppState> {
        Self::with_events(config, db, Arc::new(services::events::LoggedEvents)).await
    }

    /// Builds the state with its events going to `events`.
    pub async fn with_events(
        config: Config,
        db: DatabaseConnection,
        events: Arc<dyn services::events::EventSink>,
    ) -> AppResult<AppState> {
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
        let metrics = Arc::new(http::metrics::Metrics::new());
        let documents = services::documents::ObjectStoreHandle::open(&config.documents.store)?;
        let live =
            services::notifications::live::LiveNotifications::new(db.clone(), config.live_poll);
        let services = Services {
            documents,
            events,
            db,
            config: Arc::new(config),
            catalog: Arc::new(catalog),
            cities: Arc::new(cities),
            keys: Arc::new(keys),
            data_keys: Arc::new(data_keys),
            metrics: metrics.clone(),
            published_rankings: Default::default(),
            principals: auth::principals::PrincipalCache::new(auth_cache),
            expert_pool: Default::default(),
            draw_queue: services::draw::DrawQueue::new(),
            draw_index: Default::default(),
            live,
        };
        // Personal data stored before encryption existed is encrypted now, once.
        let converted = services::experts::encrypt_legacy_rows(&services).await?;
        let converted =
            converted + services::consultancies::encrypt_legacy_staff_rows(&services).await?;
        if converted > 0 {
            tracing::info!(converted, "encrypted personal data stored in clear");
        }
        let parsed_documents = LruCacheStorage::new(PARSED_DOCUMENT_CACHE);
        let schema = graphql::build_schema(Some(services.clone()));
        Ok(AppState {
            pools: Arc::new(std::sync::Mutex::new(vec![services.db.clone()])),
            services,
            schema,
            parsed_documents,
            frozen_answers: Arc::new(http::frozen_answers::FrozenAnswers::new(
                FROZEN_ANSWERS,
                FROZEN_ANSWER_BYTES,
            )),
            metrics,
        })
    }

    /// This state for one of `workers` HTTP workers: on PostgreSQL with a pool of its own
    /// (a share of the configured size; see `db::connect_worker_pool` for why), otherwise as
    /// it is. Background jobs keep the instance's shared pool.
    pub fn for_worker(&self, workers: usize) -> AppState {
        let config = &self.services.config;
        let Some(db) = db::connect_worker_pool(&config.database_url, db::worker_pool_size(workers))
        else {
            return self.clone();
        };
        if let Ok(mut pools) = self.pools.lock() {
            pools.push(db.clone());
        }
        let services = Services {
            db,
            ..self.services.clone()
        };
        AppState {
            schema: graphql::build_schema(Some(services.clone())),
            services,
            ..self.clone()
        }
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

/// A server that has bound its address and started accepting: await it to serve until
/// SIGTERM or Ctrl-C (it then drains in-flight requests and returns).
pub struct Started {
    pub server: actix_web::dev::Server,
    /// The addresses it listens on, as bound (a port 0 in the setting is resolved here).
    pub addresses: Vec<std::net::SocketAddr>,
}

/// Binds the configured address and starts serving. A bind that fails (the port taken, an
/// address that is not this machine's) is an error naming the address, before anything is
/// said to be listening.
pub fn start(state: AppState) -> Result<Started, String> {
    let bind = state.services.config.bind.clone();
    let workers = std::thread::available_parallelism().map_or(1, |n| n.get());
    let bound = HttpServer::new(move || build_app(state.for_worker(workers)))
        .workers(workers)
        .bind(&bind)
        .map_err(|e| {
            format!(
                "cannot listen on {bind}: {e} (another server on that port? set CLEANPROD_BIND)"
            )
        })?;
    let addresses = bound.addrs();
    let server = bound.shutdown_timeout(30).run();
    Ok(Started { server, addresses })
}
