//! Training reports as CSV (UTF-8 with a BOM, Chinese headers), with the bearer token and the
//! access rules of the services: a session's sign-in sheet for its organiser, and the year's
//! records for the province (all, or one city's sessions) and a city admin (their city's).

use std::collections::HashMap;

use actix_web::{HttpRequest, HttpResponse, web};
use chrono::{DateTime, TimeDelta, Utc};
use entity::{training_attendance, training_session};
use rust_decimal::Decimal;

use crate::AppState;
use crate::error::{AppError, AppResult};
use crate::services::amounts::from_stored;
use crate::services::{reference, training};

use super::reports::{CityParams, csv_download, viewer_and_id, yearly_request};
use crate::services::reports::csv_with_bom;

/// An instant as people in the province read it: China Standard Time, to the minute.
fn china_time(at: DateTime<Utc>) -> String {
    at.naive_utc()
        .checked_add_signed(TimeDelta::hours(8))
        .map(|local| local.format("%Y-%m-%d %H:%M").to_string())
        .unwrap_or_default()
}

fn china_time_opt(at: Option<DateTime<Utc>>) -> String {
    at.map(china_time).unwrap_or_default()
}

fn decimal(d: Decimal) -> String {
    d.normalize().to_string()
}

/// The columns every attendance line shares: who, and what was recorded.
fn person_cells(a: &training_attendance::Model) -> AppResult<Vec<String>> {
    Ok(vec![
        a.display_name.clone(),
        a.organisation.clone(),
        a.role_title.clone().unwrap_or_default(),
        a.participant_kind.label().to_owned(),
        a.audience.label().to_owned(),
    ])
}

fn record_cells(a: &training_attendance::Model) -> AppResult<Vec<String>> {
    Ok(vec![
        a.status.label().to_owned(),
        china_time_opt(a.checked_in_at),
        china_time_opt(a.checked_out_at),
        decimal(from_stored(a.hours)),
        a.exam_score
            .map(|s| decimal(from_stored(s)))
            .unwrap_or_default(),
        a.certificate_no.clone().unwrap_or_default(),
    ])
}

const PERSON_HEADERS: [&str; 5] = ["姓名", "单位", "职务/职称", "人员类型", "参训类别"];
const RECORD_HEADERS: [&str; 6] = [
    "出勤状态",
    "签到时间",
    "签退时间",
    "学时",
    "考试成绩",
    "证书编号",
];

/// A session's sign-in sheet (签到表): one line per enrolment, in enrolment order, with an
/// empty column to sign in.
pub fn attendance_sheet_csv(
    session: &training_session::Model,
    rows: &[training_attendance::Model],
) -> AppResult<Vec<u8>> {
    let mut headers = vec!["序号", "培训名称"];
    headers.extend(PERSON_HEADERS);
    headers.push("报名时间");
    headers.extend(RECORD_HEADERS);
    headers.push("签名");
    let mut lines = Vec::with_capacity(rows.len());
    for (i, a) in rows.iter().enumerate() {
        let mut line = vec![(i + 1).to_string(), session.title.clone()];
        line.extend(person_cells(a)?);
        line.push(china_time(a.enrolled_at));
        line.extend(record_cells(a)?);
        line.push(String::new());
        lines.push(line);
    }
    csv_with_bom(headers, lines)
}

/// The year's records (年度培训记录): one line per enrolment, a person's lines together, each
/// with the person's total hours in the file.
pub fn year_records_csv(
    year: i32,
    rows: &[(training_attendance::Model, training_session::Model)],
    city_names: &HashMap<String, String>,
) -> AppResult<Vec<u8>> {
    let mut headers = vec!["年度"];
    headers.extend(PERSON_HEADERS);
    headers.extend([
        "培训名称",
        "培训级别",
        "组织单位",
        "地区",
        "开始时间",
        "结束时间",
    ]);
    headers.extend(RECORD_HEADERS);
    headers.push("本表累计学时");
    let mut totals: HashMap<(String, String), Decimal> = HashMap::new();
    for (a, _) in rows {
        let total = totals.entry(training::person_key(a)).or_default();
        *total = total.saturating_add(from_stored(a.hours));
    }
    let mut lines = Vec::with_capacity(rows.len());
    for (a, s) in rows {
        let mut line = vec![year.to_string()];
        line.extend(person_cells(a)?);
        line.extend([
            s.title.clone(),
            s.scope.label().to_owned(),
            s.organiser.clone(),
            match &s.city_code {
                Some(code) => city_names
                    .get(code)
                    .cloned()
                    .unwrap_or_else(|| code.clone()),
                None => "全省".to_owned(),
            },
            china_time(s.starts_at),
            china_time(s.ends_at),
        ]);
        line.extend(record_cells(a)?);
        line.push(decimal(
            totals
                .get(&training::person_key(a))
                .copied()
                .unwrap_or_default(),
        ));
        lines.push(line);
    }
    csv_with_bom(headers, lines)
}

/// `GET /reports/training/sessions/{id}/attendance.csv`
pub async fn attendance_csv(
    state: web::Data<AppState>,
    req: HttpRequest,
    id: web::Path<String>,
) -> HttpResponse {
    let result = async {
        let (viewer, id) = viewer_and_id(&state, &req, &id).await?;
        let (session, rows) = training::attendance_sheet(&state.services.db, &viewer, id).await?;
        let body = attendance_sheet_csv(&session, &rows)?;
        Ok::<_, AppError>((body, format!("training-attendance-{id}.csv")))
    }
    .await;
    csv_download(result)
}

/// `GET /reports/training/{year}.csv?cityCode=`
pub async fn year_csv(
    state: web::Data<AppState>,
    req: HttpRequest,
    year: web::Path<String>,
    params: web::Query<CityParams>,
) -> HttpResponse {
    let result = async {
        let (viewer, year, city) = yearly_request(&state, &req, &year, params.into_inner()).await?;
        let db = &state.services.db;
        let rows = training::year_records(db, &viewer, year, city.clone()).await?;
        let names: HashMap<String, String> = reference::cities(db)
            .await?
            .into_iter()
            .map(|c| (c.code, c.name))
            .collect();
        let body = year_records_csv(year, &rows, &names)?;
        let name = match city {
            Some(c) => format!("training-{year}-{}.csv", c.trim()),
            None => format!("training-{year}.csv"),
        };
        Ok::<_, AppError>((body, name))
    }
    .await;
    csv_download(result)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn times_are_shown_in_china_standard_time() {
        let at = Utc
            .with_ymd_and_hms(2025, 5, 20, 17, 30, 0)
            .single()
            .expect("instant");
        assert_eq!(china_time(at), "2025-05-21 01:30");
        assert_eq!(china_time_opt(None), "");
    }
}
