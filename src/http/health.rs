//! `/healthz`: the process answers. `/readyz`: the database answers and is migrated, and the
//! draw queue has read the expert pool (a balancer sends no draw to a cold instance).

use actix_web::{HttpResponse, web};
use serde_json::json;

use crate::AppState;
use crate::db::migrations_applied;

pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(json!({ "status": "ok" }))
}

pub async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    if state.services.draw_queue.is_warming() {
        return HttpResponse::ServiceUnavailable()
            .json(json!({ "status": "unavailable", "reason": "reading the expert pool" }));
    }
    let check = tokio::time::timeout(
        std::time::Duration::from_secs(3),
        migrations_applied(&state.services.db),
    )
    .await;
    match check {
        Ok(Ok(true)) => HttpResponse::Ok().json(json!({ "status": "ready" })),
        Ok(Ok(false)) => HttpResponse::ServiceUnavailable()
            .json(json!({ "status": "unavailable", "reason": "migrations pending" })),
        Ok(Err(err)) => {
            tracing::warn!(error = %err, "readiness check failed");
            HttpResponse::ServiceUnavailable()
                .json(json!({ "status": "unavailable", "reason": "database unreachable" }))
        }
        Err(_) => HttpResponse::ServiceUnavailable()
            .json(json!({ "status": "unavailable", "reason": "database timed out" })),
    }
}
