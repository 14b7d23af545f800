//! The HTTP surface: GraphQL over HTTP (its subscriptions over WebSocket), health and
//! readiness, CSV and XLSX reports.

pub mod documents;
pub mod exports;
pub mod frozen_answers;
pub mod graphiql;
pub mod graphql;
pub mod graphql_ws;
pub mod health;
pub mod input_errors;
pub mod limits;
pub mod metrics;
pub mod panels;
pub mod public_reports;
pub mod reports;
pub mod seat_links;
pub mod training_reports;

use actix_web::web;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/graphql")
            .route(web::post().to(graphql::post))
            // The same address as a WebSocket: subscriptions (`graphql_ws`).
            .route(
                web::get()
                    .guard(actix_web::guard::fn_guard(graphql_ws::wants_websocket))
                    .to(graphql_ws::socket),
            )
            .route(web::get().to(graphql::get)),
    )
    .route(
        &format!("{}/{{name}}", graphiql::ASSETS_PATH),
        web::get().to(graphiql::asset),
    )
    .route("/healthz", web::get().to(health::healthz))
    .route("/readyz", web::get().to(health::readyz))
    .route("/metrics", web::get().to(metrics::metrics))
    .route(
        "/reports/annual-summary/{year}.csv",
        web::get().to(reports::annual_summary_csv),
    )
    .route(
        "/reports/training/sessions/{id}/attendance.csv",
        web::get().to(training_reports::attendance_csv),
    )
    .route(
        "/reports/training/{year}.csv",
        web::get().to(training_reports::year_csv),
    )
    .route(
        "/reports/consultancy-ranking/{year}.csv",
        web::get().to(reports::consultancy_ranking_csv),
    )
    .route(
        "/reports/consultancy-ranking/{year}.xlsx",
        web::get().to(reports::consultancy_ranking_xlsx),
    )
    .route(
        "/panels/{id}/draw-record.json",
        web::get().to(panels::draw_record_json),
    )
    .route(
        "/panels/{id}/sign-in.xlsx",
        web::get().to(panels::sign_in_xlsx),
    )
    .route("/exports/{name}", web::get().to(exports::export))
    .route(
        "/public/annual-lists/{year}.csv",
        web::get().to(public_reports::annual_lists_csv),
    )
    .route(
        "/public/panels/{id}/draw-record.json",
        web::get().to(panels::public_record_json),
    )
    .service(
        web::resource("/seat-link")
            .route(web::get().to(seat_links::show))
            .route(web::post().to(seat_links::answer)),
    )
    .route("/documents", web::post().to(documents::upload))
    .route("/documents/{id}/content", web::get().to(documents::content));
}

/// Security headers on every response (configurable: `CLEANPROD_SECURITY_HEADERS`,
/// `CLEANPROD_HSTS`).
pub fn security_headers(web: &crate::config::WebSettings) -> actix_web::middleware::DefaultHeaders {
    let mut headers = actix_web::middleware::DefaultHeaders::new();
    if web.security_headers {
        headers = headers
            .add(("X-Content-Type-Options", "nosniff"))
            .add(("X-Frame-Options", "DENY"))
            .add(("Referrer-Policy", "no-referrer"))
            .add(("Cross-Origin-Opener-Policy", "same-origin"));
    }
    if web.hsts {
        headers = headers.add((
            "Strict-Transport-Security",
            "max-age=31536000; includeSubDomains",
        ));
    }
    headers
}

/// CORS for the configured origins only (`CLEANPROD_CORS_ORIGINS`); none configured means
/// browsers on other origins get no CORS grant at all.
pub fn cors(web: &crate::config::WebSettings) -> actix_cors::Cors {
    let mut cors = actix_cors::Cors::default()
        .allowed_methods(["GET", "POST"])
        .allowed_headers([
            "authorization",
            "content-type",
            "accept",
            "range",
            "if-none-match",
            "if-range",
        ])
        .expose_headers([
            "etag",
            "content-disposition",
            "content-range",
            "accept-ranges",
        ])
        .max_age(3600);
    for origin in &web.cors_origins {
        cors = cors.allowed_origin(origin);
    }
    cors
}
