//! A panel's draw record as a JSON file, for `cleanprod verify-draw FILE`; the same access as
//! the `panelDrawRecord` query, via the bearer token.

use actix_web::{HttpRequest, HttpResponse, web};

use crate::AppState;
use crate::error::AppError;
use crate::services::panels;
use crate::services::reports::XLSX_CONTENT_TYPE;

use super::reports::{download, id_of, viewer_and_id};

/// `GET /panels/{id}/draw-record.json`
pub async fn draw_record_json(
    state: web::Data<AppState>,
    req: HttpRequest,
    id: web::Path<String>,
) -> HttpResponse {
    let result = async {
        let (viewer, id) = viewer_and_id(&state, &req, &id).await?;
        Ok::<_, AppError>((panels::draw_record(&state.services, &viewer, id).await?, id))
    }
    .await;
    record_download(result, "private, no-store")
}

/// Panel `id`'s draw record as a JSON file, or the error.
fn record_download<R: serde::Serialize>(
    result: Result<(R, uuid::Uuid), AppError>,
    cache: &str,
) -> HttpResponse {
    let file = result.and_then(|(record, id)| {
        let body = serde_json::to_vec_pretty(&record)
            .map_err(|e| AppError::internal(format!("encoding a draw record: {e}")))?;
        Ok((body, format!("draw-record-{id}.json")))
    });
    download(file, "application/json; charset=utf-8", Some(cache))
}

/// `GET /public/panels/{id}/draw-record.json`: the public record once the review date has
/// passed (no token needed).
pub async fn public_record_json(state: web::Data<AppState>, id: web::Path<String>) -> HttpResponse {
    let result = async {
        let id = id_of(&id)?;
        Ok::<_, AppError>((panels::public_record(&state.services, id).await?, id))
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
        let (viewer, id) = viewer_and_id(&state, &req, &id).await?;
        crate::services::sign_in_sheet::sign_in_sheet(&state.services, &viewer, id).await
    }
    .await;
    download(result, XLSX_CONTENT_TYPE, Some("private, no-store"))
}
