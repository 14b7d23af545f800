//! The HTTP surface: GraphQL over HTTP, health and readiness, CSV reports.

pub mod graphql;
pub mod health;
pub mod reports;

use actix_web::web;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/graphql")
            .route(web::post().to(graphql::post))
            .route(web::get().to(graphql::get)),
    )
    .route("/healthz", web::get().to(health::healthz))
    .route("/readyz", web::get().to(health::readyz))
    .route(
        "/reports/annual-summary/{year}.csv",
        web::get().to(reports::annual_summary_csv),
    );
}
