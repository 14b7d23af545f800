//! Public files, no sign-in: a year's published annual audit lists (公示) as CSV, in the same
//! format as the other reports (UTF-8 with a BOM, Chinese headers).

use actix_web::http::header;
use actix_web::{HttpResponse, web};

use crate::AppState;
use crate::error::AppError;
use crate::services::annual_lists::{PublishedList, published_lists};
use crate::services::exports::{Cell, Table, render};
use crate::services::reference::cities_among;
use crate::services::reports::ReportFormat;

use super::reports::{CityParams, csv_download, year_of};

/// The columns of a published list, in the province's words.
pub const PUBLISHED_LIST_HEADERS: &[&str] = &[
    "年度",
    "序号",
    "企业名称",
    "统一社会信用代码",
    "所在城市",
    "所在区县",
    "行业代码",
    "行业类别",
    "公示日期",
];

/// The lists as a table (rendered by the exports' renderer, CSV with a BOM): one line per
/// enterprise, by city, in list order; `city_names` by city code (a code without a name is
/// printed as the code).
pub fn published_lists_table(
    stem: String,
    lists: &[PublishedList],
    city_names: &std::collections::HashMap<String, String>,
) -> Table {
    let rows = lists
        .iter()
        .flat_map(|list| {
            list.entries.iter().enumerate().map(move |(i, e)| {
                let city = city_names
                    .get(&e.city_code)
                    .cloned()
                    .unwrap_or_else(|| e.city_code.clone());
                vec![
                    Cell::from(list.year),
                    Cell::Int(i as i64 + 1),
                    e.name.as_str().into(),
                    e.credit_code.as_str().into(),
                    city.into(),
                    e.county.as_str().into(),
                    e.industry_code.as_str().into(),
                    e.sector.map(|s| s.label()).into(),
                    list.published_on.into(),
                ]
            })
        })
        .collect();
    Table {
        stem,
        title: "公示名单",
        headers: PUBLISHED_LIST_HEADERS,
        rows,
    }
}

/// `GET /public/annual-lists/{year}.csv?cityCode=` (public; published lists only)
pub async fn annual_lists_csv(
    state: web::Data<AppState>,
    year: web::Path<String>,
    params: web::Query<CityParams>,
) -> HttpResponse {
    let result = async {
        let year = year_of(&year)?;
        let city = params.into_inner().city();
        let s = &state.services;
        let lists = published_lists(&s.db, year, city.as_deref()).await?;
        if lists.is_empty() {
            // Nothing published for it yet (or an unknown year): say so rather than an empty file.
            return Err(AppError::not_found(
                "PublishedAnnualList",
                match &city {
                    Some(c) => format!("{year}/{c}"),
                    None => year.to_string(),
                },
            ));
        }
        let codes: Vec<String> = lists.iter().map(|l| l.city_code.clone()).collect();
        let names = cities_among(&s.cities, &codes)
            .into_iter()
            .map(|(code, c)| (code, c.name))
            .collect();
        let stem = match city {
            Some(c) => format!("annual-list-{year}-{c}"),
            None => format!("annual-list-{year}"),
        };
        let file = render(
            &published_lists_table(stem, &lists, &names),
            ReportFormat::Csv,
        )?;
        Ok::<_, AppError>((file.bytes, file.file_name))
    }
    .await;
    let mut response = csv_download(result);
    // A city may publish later in the year and names may change: no long caching.
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("no-cache"),
    );
    response
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::services::annual_lists::PublishedEntry;

    #[test]
    fn one_line_per_enterprise_with_every_column() {
        let list = PublishedList {
            city_code: "140100".into(),
            year: 2025,
            published_on: chrono::NaiveDate::from_ymd_opt(2025, 3, 20),
            entries: vec![PublishedEntry {
                name: "企业甲, 有限公司".into(),
                credit_code: "91140100MA0000001X".into(),
                city_code: "140100".into(),
                county: "小店区".into(),
                industry_code: "3120".into(),
                sector: Some(crate::domain::Sector::Steel),
            }],
        };
        let names = [("140100".to_owned(), "太原市".to_owned())].into();
        let table = published_lists_table("annual-list-2025".into(), &[list], &names);
        let file = render(&table, ReportFormat::Csv).expect("csv");
        assert_eq!(file.file_name, "annual-list-2025.csv");
        let bytes = file.bytes;
        assert!(bytes.starts_with(b"\xEF\xBB\xBF"));
        let text = String::from_utf8(bytes[3..].to_vec()).expect("utf-8");
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], PUBLISHED_LIST_HEADERS.join(","));
        assert_eq!(
            lines[1],
            "2025,1,\"企业甲, 有限公司\",91140100MA0000001X,太原市,小店区,3120,钢铁,2025-03-20"
        );
        assert_eq!(lines.len(), 2);
    }
}
