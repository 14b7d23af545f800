//! A panel's draw record as a JSON file, for `cleanprod verify-draw FILE`; the same access as
//! the `panelDrawRecord` query, via the bearer token.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};

use crate::AppState;
use crate::error::AppError;
use crate::services::panels;

use super::graphql::resolve_viewer;
use super::reports::{error_response, id_of};

/// `GET /panels/{id}/draw-record.json`
pub async fn draw_record_json(
    state: web::Data<AppState>,
    req: HttpRequest,
    id: web::Path<String>,
) -> HttpResponse {
    let result = async {
        let viewer = resolve_viewer(&state, &req).await?;
        let id = id_of(&id)?;
        let record = panels::draw_record(&state.services, &viewer, id).await?;
        let body = serde_json::to_vec_pretty(&record)
            .map_err(|e| AppError::internal(format!("encoding a draw record: {e}")))?;
        Ok::<_, AppError>((body, id))
    }
    .await;
    record_download(result, "private, no-store")
}

/// A draw record as a JSON file, or the error.
fn record_download(result: Result<(Vec<u8>, uuid::Uuid), AppError>, cache: &str) -> HttpResponse {
    match result {
        Ok((body, id)) => HttpResponse::Ok()
            .content_type("application/json; charset=utf-8")
            .insert_header((
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"draw-record-{id}.json\""),
            ))
            .insert_header((header::CACHE_CONTROL, cache.to_owned()))
            .body(body),
        Err(err) => error_response(err),
    }
}

/// `GET /public/panels/{id}/draw-record.json`: the public record once the review date has
/// passed (no token needed).
pub async fn public_record_json(state: web::Data<AppState>, id: web::Path<String>) -> HttpResponse {
    let result = async {
        let id = id_of(&id)?;
        let record = panels::public_record(&state.services, id).await?;
        let body = serde_json::to_vec_pretty(&record)
            .map_err(|e| AppError::internal(format!("encoding a draw record: {e}")))?;
        Ok::<_, AppError>((body, id))
    }
    .await;
    record_download(result, "public, max-age=300")
}

/// `GET /panels/{id}/sign-in.xlsx`: the meeting's sign-in sheet with the draw record's seed
/// inputs and digests (the panel's officials, once it is revealed).
pub async fn sign_in_xlsx(
    state: web::Data<AppState>,
    req: HttpRequest,
    id: web::Path<String>,
) -> HttpResponse {
    let result = async {
        let viewer = resolve_viewer(&state, &req).await?;
        let id = id_of(&id)?;
        crate::services::sign_in_sheet::sign_in_sheet(&state.services, &viewer, id).await
    }
    .await;
    match result {
        Ok((body, name)) => HttpResponse::Ok()
            .content_type("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
            .insert_header((
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ))
            .insert_header((header::CACHE_CONTROL, "private, no-store"))
            .body(body),
        Err(err) => error_response(err),
    }
}
