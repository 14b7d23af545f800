//! Documents over plain HTTP: a streaming upload (`POST /documents`) for files of any size up
//! to the limit, and the download (`GET /documents/{id}/content`) with `ETag`, `Range` and
//! the original file name. The same access rules as GraphQL (the services check them).

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, web};
use futures_util::StreamExt;
use serde::Deserialize;
use serde_json::json;
use uuid::Uuid;

use crate::AppState;
use crate::domain::{DocumentKind, DocumentOwnerType};
use crate::error::{AppError, AppResult};
use crate::rules::documents::{RangeAsk, content_disposition, mime_of, parse_range};
use crate::services::documents::{self, DocumentWithVersions, UploadTarget, staging};

use super::graphql::resolve_viewer;
use super::reports::{error_response, id_of};

#[derive(Deserialize)]
pub struct UploadParams {
    #[serde(rename = "ownerType")]
    owner_type: Option<String>,
    #[serde(rename = "ownerId")]
    owner_id: Option<String>,
    kind: Option<String>,
    /// A new version of this document (then owner and kind are the document's).
    #[serde(rename = "documentId")]
    document_id: Option<String>,
    #[serde(rename = "fileName")]
    file_name: Option<String>,
}

fn enum_param<T: Copy>(
    field: &str,
    value: Option<&str>,
    all: &[T],
    name: impl Fn(T) -> &'static str,
) -> AppResult<T> {
    let value = value.ok_or_else(|| AppError::bad_input(field, "is required"))?;
    all.iter()
        .copied()
        .find(|v| name(*v) == value)
        .ok_or_else(|| AppError::bad_input(field, format!("{value} is not a known value")))
}

fn uuid_param(field: &str, value: Option<&str>) -> AppResult<Uuid> {
    let value = value.ok_or_else(|| AppError::bad_input(field, "is required"))?;
    Uuid::parse_str(value.trim()).map_err(|_| AppError::bad_input(field, "is not a valid ID"))
}

fn target_of(params: &UploadParams) -> AppResult<UploadTarget> {
    if let Some(id) = params.document_id.as_deref() {
        return Ok(UploadTarget::Version {
            document_id: uuid_param("documentId", Some(id))?,
        });
    }
    Ok(UploadTarget::New {
        owner_type: enum_param(
            "ownerType",
            params.owner_type.as_deref(),
            DocumentOwnerType::ALL,
            DocumentOwnerType::as_str,
        )?,
        owner_id: uuid_param("ownerId", params.owner_id.as_deref())?,
        kind: enum_param(
            "kind",
            params.kind.as_deref(),
            DocumentKind::ALL,
            DocumentKind::as_str,
        )?,
    })
}

/// The document as JSON, in the GraphQL field names.
pub fn document_json(found: &DocumentWithVersions) -> serde_json::Value {
    let d = &found.document;
    json!({
        "id": d.id,
        "ownerType": d.owner_type,
        "ownerId": d.owner_id,
        "kind": d.kind,
        "public": d.is_public,
        "locked": d.locked_at.is_some(),
        "latestVersion": d.latest_version,
        "versions": found.versions.iter().map(|v| json!({
            "version": v.version_no,
            "fileName": v.file_name,
            "contentType": mime_of(v.content_type),
            "size": v.size_bytes,
            "sha256": v.sha256,
            "uploadedAt": v.uploaded_at,
        })).collect::<Vec<_>>(),
    })
}

/// `POST /documents?ownerType=&ownerId=&kind=&fileName=` (or `?documentId=&fileName=` for a
/// new version), the file as the body.
pub async fn upload(
    state: web::Data<AppState>,
    req: HttpRequest,
    params: web::Query<UploadParams>,
    payload: web::Payload,
) -> HttpResponse {
    let result = async {
        let viewer = resolve_viewer(&state, &req).await?;
        viewer.require_user()?;
        let target = target_of(&params)?;
        let file_name = params
            .file_name
            .clone()
            .ok_or_else(|| AppError::bad_input("fileName", "is required"))?;
        let settings = &state.services.config.documents;
        // A declared length over the limit is refused before a byte is read.
        let declared = req
            .headers()
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<u64>().ok());
        if declared.is_some_and(|len| len > settings.max_bytes) {
            return Err(staging::too_large(settings.max_bytes));
        }
        let staged = staging::receive(&settings.staging_dir, settings.max_bytes, payload).await?;
        documents::upload(&state.services, &viewer, target, &file_name, staged).await
    }
    .await;
    match result {
        Ok(found) => HttpResponse::Created().json(json!({ "document": document_json(&found) })),
        Err(err) => error_response(err),
    }
}

#[derive(Deserialize)]
pub struct DownloadParams {
    version: Option<i32>,
}

/// `GET /documents/{id}/content?version=` (the latest version when absent).
pub async fn content(
    state: web::Data<AppState>,
    req: HttpRequest,
    id: web::Path<String>,
    params: web::Query<DownloadParams>,
) -> HttpResponse {
    let result = async {
        let viewer = resolve_viewer(&state, &req).await?;
        let id = id_of(&id)?;
        let found = documents::download(&state.services, &viewer, id, params.version).await?;
        let version = found.version;
        let size = u64::try_from(version.size_bytes).unwrap_or(0);
        let etag = format!("\"{}\"", version.sha256);
        let mut response = HttpResponse::build(StatusCode::OK);
        response
            .insert_header((header::ETAG, etag.clone()))
            .insert_header((header::ACCEPT_RANGES, "bytes"))
            .insert_header((
                header::CACHE_CONTROL,
                if found.document.is_public {
                    "public, max-age=300"
                } else {
                    "private, no-store"
                },
            ));
        let unchanged = req
            .headers()
            .get(header::IF_NONE_MATCH)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.split(',').any(|t| t.trim() == etag || t.trim() == "*"));
        if unchanged {
            return Ok(response.status(StatusCode::NOT_MODIFIED).finish());
        }
        let range_header = req
            .headers()
            .get(header::RANGE)
            .and_then(|v| v.to_str().ok());
        // A Range with If-Range naming another version is answered whole.
        let if_range_matches = req
            .headers()
            .get(header::IF_RANGE)
            .and_then(|v| v.to_str().ok())
            .is_none_or(|v| v.trim() == etag);
        let ask = if if_range_matches {
            parse_range(range_header, size)
        } else {
            RangeAsk::Whole
        };
        let range = match ask {
            RangeAsk::Whole => None,
            RangeAsk::Part { start, end } => Some(start..end + 1),
            RangeAsk::Unsatisfiable => {
                return Ok(response
                    .status(StatusCode::RANGE_NOT_SATISFIABLE)
                    .insert_header((header::CONTENT_RANGE, format!("bytes */{size}")))
                    .finish());
            }
        };
        let body = state
            .services
            .documents
            .read(&version.storage_key, range.clone())
            .await?;
        response
            .content_type(mime_of(version.content_type))
            .insert_header((
                header::CONTENT_DISPOSITION,
                HeaderValue::from_str(&content_disposition(&version.file_name))
                    .map_err(|_| AppError::internal("unencodable file name"))?,
            ));
        let length = match &range {
            Some(r) => {
                response.status(StatusCode::PARTIAL_CONTENT).insert_header((
                    header::CONTENT_RANGE,
                    format!("bytes {}-{}/{size}", r.start, r.end - 1),
                ));
                r.end - r.start
            }
            None => size,
        };
        Ok::<_, AppError>(response.no_chunking(length).streaming(body.boxed()))
    }
    .await;
    result.unwrap_or_else(error_response)
}
