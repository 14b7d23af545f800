//! Reports as files: the annual summary as CSV (UTF-8 with a BOM so that spreadsheet programs
//! read the Chinese headers), with the same access rules as `annualSummary` via the bearer
//! token; the published consultancy ranking as CSV and XLSX, public, cacheable by its strong
//! ETag (published reports never change).

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, web};
use rust_decimal::Decimal;
use serde::Deserialize;
use serde_json::json;

use crate::AppState;
use crate::auth::Viewer;
use crate::domain::OptionKind;
use crate::error::{AppError, AppResult};
use crate::rules::summary::TargetCheck;
use crate::services::reports::{
    CSV_CONTENT_TYPE, ReportFile, ReportFormat, csv_with_bom, ranking_report,
};
use crate::services::summary::{AMOUNTS, SummaryRow, annual_summary_rows};

use super::graphql::resolve_viewer;

/// A report's `?cityCode=` filter; blank means every city the viewer may see.
#[derive(Deserialize)]
pub struct CityParams {
    #[serde(rename = "cityCode")]
    city_code: Option<String>,
}

impl CityParams {
    pub(crate) fn city(self) -> Option<String> {
        self.city_code.filter(|c| !c.trim().is_empty())
    }
}

fn status_of(err: &AppError) -> StatusCode {
    match err {
        AppError::Unauthenticated(_) => StatusCode::UNAUTHORIZED,
        AppError::Forbidden(_) => StatusCode::FORBIDDEN,
        AppError::NotFound { .. } => StatusCode::NOT_FOUND,
        AppError::BadUserInput { .. } | AppError::InsufficientCandidates { .. } => {
            StatusCode::BAD_REQUEST
        }
        AppError::Conflict(_) => StatusCode::CONFLICT,
        AppError::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
        AppError::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
        AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

/// The error as the GraphQL endpoint would give it, with the matching HTTP status.
pub(crate) fn error_response(err: AppError) -> HttpResponse {
    let status = status_of(&err);
    let unauthenticated = matches!(err, AppError::Unauthenticated(_));
    let gql: async_graphql::Error = err.into();
    let mut response = HttpResponse::build(status);
    if unauthenticated {
        response.insert_header((header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer")));
    }
    response
        .content_type("application/json; charset=utf-8")
        .json(json!({ "errors": [{ "message": gql.message, "extensions": gql.extensions }] }))
}

const AMOUNT_COLUMNS: [&str; AMOUNTS] = [
    "投资（万元）",
    "经济效益（万元/年）",
    "节能（吨标煤/年）",
    "节水（吨/年）",
    "削减COD（吨/年）",
    "削减氨氮（吨/年）",
    "削减SO2（吨/年）",
    "削减NOx（吨/年）",
    "削减颗粒物（吨/年）",
    "削减VOCs（吨/年）",
    "减排CO2（吨/年）",
];

fn headers() -> Vec<String> {
    let mut h: Vec<String> = [
        "年度",
        "地区代码",
        "地区",
        "统计截止日",
        "下达审核通知数",
        "启动审核数",
        "提交审核报告数",
        "评估次数",
        "评估通过",
        "评估未通过",
        "评估通过率（%）",
        "评估通过率目标（%）",
        "评估是否达标",
        "验收次数",
        "验收通过",
        "验收未通过",
        "验收通过率（%）",
        "验收通过率目标（%）",
        "验收是否达标",
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect();
    for kind in OptionKind::ALL {
        let label = kind.label();
        h.push(format!("{label}数"));
        h.push(format!("{label}已实施数"));
        h.extend(AMOUNT_COLUMNS.iter().map(|c| format!("{label}{c}")));
    }
    h.extend(
        [
            "逾期审核数",
            "逾期未提交报告",
            "逾期未评估",
            "逾期未验收",
            "名录企业超周期未完成审核数",
        ]
        .iter()
        .map(|s| (*s).to_owned()),
    );
    h
}

fn yes_no(v: Option<bool>) -> String {
    match v {
        Some(true) => "是".into(),
        Some(false) => "否".into(),
        None => String::new(),
    }
}

fn rate_cells(c: &TargetCheck) -> [String; 6] {
    [
        c.total.to_string(),
        c.passed.to_string(),
        c.total.saturating_sub(c.passed).to_string(),
        c.rate.map(|r| r.to_string()).unwrap_or_default(),
        c.target.to_string(),
        yes_no(c.met),
    ]
}

fn amount(d: Decimal) -> String {
    d.normalize().to_string()
}

fn record(row: &SummaryRow) -> Vec<String> {
    let s = &row.summary;
    let mut r = vec![
        s.year.to_string(),
        row.city_code.clone().unwrap_or_default(),
        row.city_name.clone(),
        s.as_of.to_string(),
        s.audits_notified.to_string(),
        s.audits_started.to_string(),
        s.reports_submitted.to_string(),
    ];
    r.extend(rate_cells(&s.evaluations));
    r.extend(rate_cells(&s.acceptances));
    for kind in OptionKind::ALL {
        let Some(t) = s.options.iter().find(|t| t.kind == *kind) else {
            r.extend(std::iter::repeat_n(String::new(), 2 + AMOUNT_COLUMNS.len()));
            continue;
        };
        r.push(t.count.to_string());
        r.push(t.implemented.to_string());
        r.extend(t.amounts().map(amount));
    }
    let o = &s.overdue;
    r.extend([
        o.audits().to_string(),
        o.report.to_string(),
        o.evaluation.to_string(),
        o.acceptance.to_string(),
        o.directory_cycle.to_string(),
    ]);
    r
}

/// The summary rows as CSV bytes, BOM first.
pub fn summary_csv(rows: &[SummaryRow]) -> AppResult<Vec<u8>> {
    csv_with_bom(headers(), rows.iter().map(record))
}

/// A report's year from its path.
pub(crate) fn year_of(path: &str) -> AppResult<i32> {
    path.trim()
        .parse()
        .map_err(|_| AppError::bad_input("year", "is not a year"))
}

/// A record's id from its path.
pub(crate) fn id_of(path: &str) -> AppResult<uuid::Uuid> {
    uuid::Uuid::parse_str(path.trim()).map_err(|_| AppError::bad_input("id", "is not a valid ID"))
}

/// Who asks (by the bearer token) for the record whose id is in the path: where a record's
/// download starts.
pub(crate) async fn viewer_and_id(
    state: &AppState,
    req: &HttpRequest,
    path: &str,
) -> AppResult<(Viewer, uuid::Uuid)> {
    let viewer = resolve_viewer(state, req).await?;
    Ok((viewer, id_of(path)?))
}

/// Who asks (by the bearer token) for a yearly report, the year in the path and the city of
/// the query: where a yearly report's download starts.
pub(crate) async fn yearly_request(
    state: &AppState,
    req: &HttpRequest,
    year: &str,
    params: CityParams,
) -> AppResult<(Viewer, i32, Option<String>)> {
    let viewer = resolve_viewer(state, req).await?;
    Ok((viewer, year_of(year)?, params.city()))
}

/// A file download (its bytes and name) of `content_type`, cached as `cache` says when it
/// says, or the error as JSON.
pub(crate) fn download(
    result: AppResult<(Vec<u8>, String)>,
    content_type: &str,
    cache: Option<&str>,
) -> HttpResponse {
    match result {
        Ok((body, name)) => {
            let mut response = HttpResponse::Ok();
            response.content_type(content_type).insert_header((
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ));
            if let Some(cache) = cache {
                response.insert_header((header::CACHE_CONTROL, cache.to_owned()));
            }
            response.body(body)
        }
        Err(err) => error_response(err),
    }
}

/// A CSV file download, or the error as JSON.
pub(crate) fn csv_download(result: AppResult<(Vec<u8>, String)>) -> HttpResponse {
    download(result, CSV_CONTENT_TYPE, None)
}

/// `GET /reports/annual-summary/{year}.csv?cityCode=`
pub async fn annual_summary_csv(
    state: web::Data<AppState>,
    req: HttpRequest,
    year: web::Path<String>,
    params: web::Query<CityParams>,
) -> HttpResponse {
    let result = async {
        let (viewer, year, city) = yearly_request(&state, &req, &year, params.into_inner()).await?;
        let rows = annual_summary_rows(&state.services.db, &viewer, year, city.clone()).await?;
        let body = summary_csv(&rows)?;
        let name = match city {
            Some(c) => format!("annual-summary-{year}-{c}.csv"),
            None => format!("annual-summary-{year}.csv"),
        };
        Ok::<_, AppError>((body, name))
    }
    .await;
    csv_download(result)
}

/// How long browsers and proxies may keep a published ranking report (it never changes; the
/// ETag lets them revalidate cheaply after that).
const RANKING_MAX_AGE_SECONDS: u32 = 86_400;

/// Whether an `If-None-Match` value names `etag` (weak comparison, as RFC 9110 asks for this
/// header; `*` matches any current representation).
fn none_match_hits(value: Option<&str>, etag: &str) -> bool {
    value.is_some_and(|value| {
        value
            .split(',')
            .map(str::trim)
            .any(|tag| tag == "*" || tag.strip_prefix("W/").unwrap_or(tag) == etag)
    })
}

fn ranking_response(req: &HttpRequest, file: ReportFile) -> HttpResponse {
    let cache = format!("public, max-age={RANKING_MAX_AGE_SECONDS}");
    let if_none_match = req
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok());
    if none_match_hits(if_none_match, &file.etag) {
        return HttpResponse::NotModified()
            .insert_header((header::ETAG, file.etag))
            .insert_header((header::CACHE_CONTROL, cache))
            .finish();
    }
    HttpResponse::Ok()
        .content_type(file.format.content_type())
        .insert_header((header::ETAG, file.etag))
        .insert_header((header::CACHE_CONTROL, cache))
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{}\"", file.file_name),
        ))
        .body(file.bytes)
}

async fn ranking_file(
    state: web::Data<AppState>,
    req: HttpRequest,
    year: web::Path<String>,
    format: ReportFormat,
) -> HttpResponse {
    let year = year.trim();
    let result = match year.parse::<i32>() {
        Ok(y) => ranking_report(&state.services.db, y, format).await,
        Err(_) => Err(AppError::bad_input("year", "is not a year")),
    };
    match result {
        Ok(file) => ranking_response(&req, file),
        // Say what is missing in words: the year may exist and simply not be published yet.
        Err(AppError::NotFound { .. }) => HttpResponse::NotFound()
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .content_type("application/json; charset=utf-8")
            .json(crate::messages_zh::add_to_body(json!({ "errors": [{
                "message": format!("no published consultancy ranking for {year}: the province has not published that year (or it is unknown)"),
                "extensions": { "code": "NOT_FOUND", "entity": "Ranking" }
            }] }))),
        Err(err) => error_response(err),
    }
}

/// `GET /reports/consultancy-ranking/{year}.csv` (public; published years only)
pub async fn consultancy_ranking_csv(
    state: web::Data<AppState>,
    req: HttpRequest,
    year: web::Path<String>,
) -> HttpResponse {
    ranking_file(state, req, year, ReportFormat::Csv).await
}

/// `GET /reports/consultancy-ranking/{year}.xlsx` (public; published years only)
pub async fn consultancy_ranking_xlsx(
    state: web::Data<AppState>,
    req: HttpRequest,
    year: web::Path<String>,
) -> HttpResponse {
    ranking_file(state, req, year, ReportFormat::Xlsx).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn if_none_match_compares_weakly_and_lists() {
        let tag = "\"abc\"";
        assert!(none_match_hits(Some("\"abc\""), tag));
        assert!(none_match_hits(Some("W/\"abc\""), tag));
        assert!(none_match_hits(Some("\"x\", \"abc\""), tag));
        assert!(none_match_hits(Some("*"), tag));
        assert!(!none_match_hits(Some("\"abcd\""), tag));
        assert!(!none_match_hits(Some("abc"), tag));
        assert!(!none_match_hits(Some(""), tag));
        assert!(!none_match_hits(None, tag));
    }

    #[test]
    fn every_row_fills_every_column() {
        let summary = crate::services::summary::AnnualSummary {
            year: 2025,
            city_code: None,
            as_of: chrono::NaiveDate::from_ymd_opt(2025, 12, 31).expect("date"),
            audits_notified: 3,
            audits_started: 2,
            reports_submitted: 2,
            evaluations: crate::rules::summary::evaluation_check(1, 2),
            acceptances: crate::rules::summary::acceptance_check(0, 0),
            options: vec![],
            overdue: Default::default(),
        };
        let rows = [SummaryRow {
            city_code: None,
            city_name: "全省".into(),
            summary,
        }];
        let bytes = summary_csv(&rows).expect("csv");
        assert!(bytes.starts_with(b"\xEF\xBB\xBF"));
        let text = String::from_utf8(bytes[3..].to_vec()).expect("utf-8");
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 2);
        assert_eq!(
            lines[0].split(',').count(),
            lines[1].split(',').count(),
            "{text}"
        );
        assert!(lines[1].contains("全省,2025-12-31,3,2,2,2,1,1,50.00,90,否,0,0,0,,70,,"));
    }
}
