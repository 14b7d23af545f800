//! `GET /exports/{dataset}.{csv|xlsx}`: the officials' exports (`services::exports`), signed in
//! by the bearer token like `/graphql`, with the access of the matching GraphQL query.

use std::str::FromStr;

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::NaiveDate;
use serde::Deserialize;

use crate::AppState;
use crate::error::{AppError, AppResult};
use crate::services::exports::{self, Dataset, ExportFilter};
use crate::services::reports::ReportFormat;

use super::graphql::resolve_viewer;
use super::reports::error_response;

/// The query string: every part optional; a dataset ignores the parts its query lacks.
#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct ExportParams {
    city_code: Option<String>,
    year: Option<String>,
    sector: Option<String>,
    status: Option<String>,
    kind: Option<String>,
    date_from: Option<String>,
    date_to: Option<String>,
    as_of: Option<String>,
    year_from: Option<String>,
    year_to: Option<String>,
    county: Option<String>,
}

fn given(value: &Option<String>) -> Option<&str> {
    value.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

/// The value parsed, or `refused` when it does not parse; blank is absent.
fn parsed<T: FromStr>(value: &Option<String>, refused: fn() -> AppError) -> AppResult<Option<T>> {
    given(value)
        .map(|v| v.parse::<T>().map_err(|_| refused()))
        .transpose()
}

fn not_a_date(field: &'static str) -> impl Fn(&Option<String>) -> AppResult<Option<NaiveDate>> {
    move |value| {
        given(value)
            .map(|v| {
                v.parse::<NaiveDate>()
                    .map_err(|_| AppError::bad_input(field, "is not a date (YYYY-MM-DD)"))
            })
            .transpose()
    }
}

impl ExportParams {
    fn filter(&self, dataset: Dataset) -> AppResult<ExportFilter> {
        let mut filter = ExportFilter {
            city_code: given(&self.city_code).map(str::to_owned),
            year: parsed(&self.year, || AppError::bad_input("year", "is not a year"))?,
            sector: parsed(&self.sector, || {
                AppError::bad_input("sector", "is not a sector")
            })?,
            date_from: not_a_date("dateFrom")(&self.date_from)?,
            date_to: not_a_date("dateTo")(&self.date_to)?,
            as_of: not_a_date("asOf")(&self.as_of)?,
            year_from: parsed(&self.year_from, || {
                AppError::bad_input("yearFrom", "is not a year")
            })?,
            year_to: parsed(&self.year_to, || {
                AppError::bad_input("yearTo", "is not a year")
            })?,
            county: given(&self.county).map(str::to_owned),
            ..Default::default()
        };
        // `status` and `kind` mean what the dataset's query means by them.
        match dataset {
            Dataset::OverdueAudits => {
                filter.audit_status = parsed(&self.status, || {
                    AppError::bad_input("status", "is not an audit status")
                })?;
            }
            Dataset::Reviews => {
                filter.review_status = parsed(&self.status, || {
                    AppError::bad_input("status", "is not a review status")
                })?;
                filter.review_kind = parsed(&self.kind, || {
                    AppError::bad_input("kind", "is not a review kind")
                })?;
            }
            Dataset::Experts => {
                filter.expert_status = parsed(&self.status, || {
                    AppError::bad_input("status", "is not an expert status")
                })?;
            }
            _ => {}
        }
        Ok(filter)
    }
}

/// `directory.csv` → (Directory, CSV).
fn file_of(name: &str) -> AppResult<(Dataset, ReportFormat)> {
    let unknown = || {
        AppError::not_found(
            "Export",
            format!(
                "{name} (one of {} as .csv or .xlsx)",
                Dataset::ALL.map(Dataset::slug).join(", ")
            ),
        )
    };
    let (stem, extension) = name.rsplit_once('.').ok_or_else(unknown)?;
    let format = match extension {
        "csv" => ReportFormat::Csv,
        "xlsx" => ReportFormat::Xlsx,
        _ => return Err(unknown()),
    };
    Ok((Dataset::from_slug(stem).ok_or_else(unknown)?, format))
}

/// `GET /exports/{dataset}.{csv|xlsx}?cityCode=&year=&…`
pub async fn export(
    state: web::Data<AppState>,
    req: HttpRequest,
    name: web::Path<String>,
    params: web::Query<ExportParams>,
) -> HttpResponse {
    let result = async {
        let viewer = resolve_viewer(&state, &req).await?;
        let (dataset, format) = file_of(&name)?;
        let filter = params.filter(dataset)?;
        exports::export(&state.services, &viewer, dataset, filter, format).await
    }
    .await;
    match result {
        Ok(file) => HttpResponse::Ok()
            .content_type(file.format.content_type())
            // Personal and official data: never kept by a browser or proxy.
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .insert_header((
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{}\"", file.file_name),
            ))
            .body(file.bytes),
        Err(err) => error_response(err),
    }
}
