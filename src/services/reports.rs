//! Reports as files, shared by the HTTP routes and the command line: CSV (UTF-8 with a BOM so
//! that spreadsheet programs read the Chinese headers) and XLSX, and the strong ETag of a file.
//!
//! The published consultancy ranking is rendered from its frozen lines with nothing that
//! depends on the day it is rendered (the workbook's creation time is the publication time),
//! so the same year always gives the same bytes and the same ETag.

use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use rust_xlsxwriter::{DocProperties, Format, FormatAlign, FormatBorder, Workbook};
use sea_orm::ConnectionTrait;
use sha2::{Digest, Sha256};

use crate::error::{AppError, AppResult};
use crate::rules::deadlines::today_in_china;

use super::ranking::{Ranking, RankingLine, published_ranking};
use super::reference;

/// The issuing authority named on the published ranking.
pub const PROVINCE_AUTHORITY: &str = "山西省生态环境厅";

pub const CSV_CONTENT_TYPE: &str = "text/csv; charset=utf-8";
pub const XLSX_CONTENT_TYPE: &str =
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// A file format a report is offered in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReportFormat {
    Csv,
    Xlsx,
}

impl ReportFormat {
    pub fn extension(self) -> &'static str {
        match self {
            ReportFormat::Csv => "csv",
            ReportFormat::Xlsx => "xlsx",
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            ReportFormat::Csv => CSV_CONTENT_TYPE,
            ReportFormat::Xlsx => XLSX_CONTENT_TYPE,
        }
    }
}

/// A rendered report.
#[derive(Clone, Debug)]
pub struct ReportFile {
    pub bytes: Vec<u8>,
    pub format: ReportFormat,
    pub file_name: String,
    /// Strong entity tag, quoted: the SHA-256 of the bytes.
    pub etag: String,
}

impl ReportFile {
    fn new(bytes: Vec<u8>, format: ReportFormat, stem: String) -> Self {
        let etag = strong_etag(&bytes);
        ReportFile {
            file_name: format!("{stem}.{}", format.extension()),
            bytes,
            format,
            etag,
        }
    }
}

/// `"<sha-256 hex>"`: equal bytes, equal tag.
pub fn strong_etag(bytes: &[u8]) -> String {
    format!("\"{}\"", hex::encode(Sha256::digest(bytes)))
}

/// A CSV file: the BOM, the header line, then the records.
pub fn csv_with_bom<H, R>(headers: H, records: impl IntoIterator<Item = R>) -> AppResult<Vec<u8>>
where
    H: IntoIterator,
    H::Item: AsRef<[u8]>,
    R: IntoIterator,
    R::Item: AsRef<[u8]>,
{
    let csv_error = |e: csv::Error| AppError::internal(format!("writing CSV: {e}"));
    let mut writer = csv::Writer::from_writer(b"\xEF\xBB\xBF".to_vec());
    writer.write_record(headers).map_err(csv_error)?;
    for record in records {
        writer.write_record(record).map_err(csv_error)?;
    }
    writer
        .into_inner()
        .map_err(|e| AppError::internal(format!("writing CSV: {e}")))
}

/// The ranking's columns, in the province's words.
pub const RANKING_HEADERS: [&str; 13] = [
    "名次",
    "上年名次",
    "名次变化",
    "机构名称",
    "统一社会信用代码",
    "所在城市",
    "综合得分",
    "考评等级",
    "能力建设",
    "报告编制质量",
    "人员管理",
    "咨询服务质量",
    "咨询服务数量",
];

/// How the order was decided, printed under the table.
const ORDER_NOTE: &str = "说明：按综合得分由高到低排列，得分相同者名次并列；并列者依次按报告编制质量得分（高者在前）、机构名称（按Unicode码位）排列。名次变化为与上一公布年度相比，正数为上升。";

fn two_places(d: Decimal) -> String {
    let mut d = d.round_dp(2);
    d.rescale(2);
    d.to_string()
}

fn city_name(cities: &[(String, String)], code: &str) -> String {
    cities
        .iter()
        .find(|(c, _)| c == code)
        .map_or_else(|| code.to_owned(), |(_, name)| name.clone())
}

/// One line's cells as text (CSV, and the XLSX's text columns).
fn ranking_cells(line: &RankingLine, city: String) -> [String; 13] {
    let s = &line.scores;
    [
        line.rank.to_string(),
        line.previous_rank
            .map(|r| r.to_string())
            .unwrap_or_default(),
        line.rank_change.map(|c| c.to_string()).unwrap_or_default(),
        line.name.clone(),
        line.credit_code.clone(),
        city,
        two_places(line.total),
        line.grade.label().to_owned(),
        two_places(s.capacity_building),
        two_places(s.report_quality),
        two_places(s.personnel_management),
        two_places(s.service_quality),
        two_places(s.service_quantity),
    ]
}

pub fn ranking_title(year: i32) -> String {
    format!("山西省清洁生产审核咨询机构{year}年度考评结果")
}

/// The published ranking as CSV.
pub fn ranking_csv(ranking: &Ranking, cities: &[(String, String)]) -> AppResult<Vec<u8>> {
    csv_with_bom(
        RANKING_HEADERS,
        ranking
            .lines
            .iter()
            .map(|l| ranking_cells(l, city_name(cities, &l.city_code))),
    )
}

fn xlsx_error(e: rust_xlsxwriter::XlsxError) -> AppError {
    AppError::internal(format!("writing XLSX: {e}"))
}

fn number(d: Decimal) -> AppResult<f64> {
    d.to_f64()
        .ok_or_else(|| AppError::internal(format!("{d} is not a number")))
}

/// The published ranking as an XLSX workbook: the province's title and the publication date
/// above the table, scores as numbers with two places.
pub fn ranking_xlsx(ranking: &Ranking, cities: &[(String, String)]) -> AppResult<Vec<u8>> {
    let publication = ranking
        .publication
        .as_ref()
        .ok_or_else(|| AppError::internal("only a published ranking is a report"))?;
    let title = ranking_title(ranking.year);
    let published_on = today_in_china(publication.published_at);
    let mut workbook = Workbook::new();
    // Fixed metadata (the creation time is the publication's), so the bytes never change.
    workbook.set_properties(
        &DocProperties::new()
            .set_title(&title)
            .set_author(PROVINCE_AUTHORITY)
            .set_company(PROVINCE_AUTHORITY)
            .set_creation_datetime(&publication.published_at),
    );
    let sheet = workbook.add_worksheet();
    sheet.set_name("考评结果").map_err(xlsx_error)?;
    let last_col = u16::try_from(RANKING_HEADERS.len() - 1).unwrap_or(0);
    let title_format = Format::new()
        .set_bold()
        .set_font_size(16)
        .set_align(FormatAlign::Center)
        .set_align(FormatAlign::VerticalCenter);
    let subtitle_format = Format::new().set_align(FormatAlign::Center);
    let header_format = Format::new()
        .set_bold()
        .set_border(FormatBorder::Thin)
        .set_align(FormatAlign::Center)
        .set_text_wrap();
    let text_format = Format::new().set_border(FormatBorder::Thin);
    let int_format = Format::new()
        .set_border(FormatBorder::Thin)
        .set_align(FormatAlign::Center);
    let score_format = Format::new()
        .set_border(FormatBorder::Thin)
        .set_num_format("0.00");

    sheet
        .merge_range(0, 0, 0, last_col, &title, &title_format)
        .map_err(xlsx_error)?;
    sheet.set_row_height(0, 30).map_err(xlsx_error)?;
    sheet
        .merge_range(
            1,
            0,
            1,
            last_col,
            &format!("发布单位：{PROVINCE_AUTHORITY}　　发布日期：{published_on}"),
            &subtitle_format,
        )
        .map_err(xlsx_error)?;
    const HEADER_ROW: u32 = 3;
    for (col, header) in RANKING_HEADERS.iter().enumerate() {
        let col = u16::try_from(col).unwrap_or(0);
        sheet
            .write_string_with_format(HEADER_ROW, col, *header, &header_format)
            .map_err(xlsx_error)?;
    }
    let mut row = HEADER_ROW;
    for line in &ranking.lines {
        row += 1;
        let s = &line.scores;
        sheet
            .write_number_with_format(row, 0, f64::from(line.rank), &int_format)
            .map_err(xlsx_error)?;
        match line.previous_rank {
            Some(r) => sheet.write_number_with_format(row, 1, f64::from(r), &int_format),
            None => sheet.write_blank(row, 1, &int_format),
        }
        .map_err(xlsx_error)?;
        match line.rank_change {
            Some(c) => sheet.write_number_with_format(row, 2, f64::from(c), &int_format),
            None => sheet.write_blank(row, 2, &int_format),
        }
        .map_err(xlsx_error)?;
        for (col, text) in [
            (3, line.name.clone()),
            (4, line.credit_code.clone()),
            (5, city_name(cities, &line.city_code)),
        ] {
            sheet
                .write_string_with_format(row, col, &text, &text_format)
                .map_err(xlsx_error)?;
        }
        sheet
            .write_number_with_format(row, 6, number(line.total)?, &score_format)
            .map_err(xlsx_error)?;
        sheet
            .write_string_with_format(row, 7, line.grade.label(), &int_format)
            .map_err(xlsx_error)?;
        for (col, value) in [
            (8, s.capacity_building),
            (9, s.report_quality),
            (10, s.personnel_management),
            (11, s.service_quality),
            (12, s.service_quantity),
        ] {
            sheet
                .write_number_with_format(row, col, number(value)?, &score_format)
                .map_err(xlsx_error)?;
        }
    }
    sheet
        .merge_range(
            row + 2,
            0,
            row + 2,
            last_col,
            ORDER_NOTE,
            &Format::new().set_text_wrap(),
        )
        .map_err(xlsx_error)?;
    sheet.set_row_height(row + 2, 32).map_err(xlsx_error)?;
    for (col, width) in [
        (0, 6.0),
        (1, 8.0),
        (2, 8.0),
        (3, 36.0),
        (4, 22.0),
        (5, 10.0),
        (6, 10.0),
        (7, 10.0),
        (8, 10.0),
        (9, 12.0),
        (10, 10.0),
        (11, 12.0),
        (12, 12.0),
    ] {
        sheet.set_column_width(col, width).map_err(xlsx_error)?;
    }
    sheet
        .set_freeze_panes(HEADER_ROW + 1, 0)
        .map_err(xlsx_error)?;
    workbook.save_to_buffer().map_err(xlsx_error)
}

/// A published year's ranking as a file; an unpublished or unknown year is NOT_FOUND. No
/// access check: published rankings are public.
pub async fn ranking_report(
    db: &impl ConnectionTrait,
    year: i32,
    format: ReportFormat,
) -> AppResult<ReportFile> {
    let ranking = published_ranking(db, year).await?;
    let cities: Vec<(String, String)> = reference::cities(db)
        .await?
        .into_iter()
        .map(|c| (c.code, c.name))
        .collect();
    let bytes = match format {
        ReportFormat::Csv => ranking_csv(&ranking, &cities)?,
        ReportFormat::Xlsx => ranking_xlsx(&ranking, &cities)?,
    };
    Ok(ReportFile::new(
        bytes,
        format,
        format!("consultancy-ranking-{year}"),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Grade;
    use crate::rules::appraisal::Scores;
    use crate::services::ranking::Publication;
    use chrono::TimeZone;
    use uuid::Uuid;

    fn d(s: &str) -> Decimal {
        s.parse().expect("test decimal")
    }

    fn ranking(published_at: chrono::DateTime<chrono::Utc>) -> Ranking {
        let line = |position: u32, rank: u32, name: &str, total: &str| RankingLine {
            position,
            rank,
            consultancy_id: Uuid::from_u128(u128::from(position)),
            name: name.to_owned(),
            credit_code: format!("91140100MA0000000{position}"),
            city_code: "140100".to_owned(),
            total: d(total),
            grade: Grade::Good,
            scores: Scores {
                capacity_building: d("80"),
                report_quality: d("85.5"),
                personnel_management: d("80"),
                service_quality: d("80"),
                service_quantity: d("80"),
            },
            previous_rank: (position == 1).then_some(3),
            rank_change: (position == 1).then_some(2),
        };
        Ranking {
            year: 2025,
            publication: Some(Publication {
                year: 2025,
                published_at,
                published_by: None,
                entry_count: 2,
            }),
            previous_year: Some(2024),
            lines: vec![
                line(1, 1, "甲咨询, \"有限\"公司", "80.5"),
                line(2, 1, "乙咨询", "80.50"),
            ],
        }
    }

    fn cities() -> Vec<(String, String)> {
        vec![("140100".to_owned(), "太原市".to_owned())]
    }

    #[test]
    fn the_csv_has_a_bom_a_header_and_quoted_names() {
        let at = chrono::Utc
            .with_ymd_and_hms(2026, 3, 1, 2, 0, 0)
            .single()
            .expect("time");
        let bytes = ranking_csv(&ranking(at), &cities()).expect("csv");
        assert!(bytes.starts_with(b"\xEF\xBB\xBF"));
        let text = String::from_utf8(bytes[3..].to_vec()).expect("utf-8");
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], RANKING_HEADERS.join(","));
        assert_eq!(
            lines[1],
            "1,3,2,\"甲咨询, \"\"有限\"\"公司\",91140100MA00000001,太原市,80.50,良好,80.00,85.50,80.00,80.00,80.00"
        );
        assert!(lines[2].starts_with("1,,,乙咨询,"));
    }

    #[test]
    fn the_workbook_is_the_same_bytes_every_time() {
        let at = chrono::Utc
            .with_ymd_and_hms(2026, 3, 1, 2, 0, 0)
            .single()
            .expect("time");
        let first = ranking_xlsx(&ranking(at), &cities()).expect("xlsx");
        let second = ranking_xlsx(&ranking(at), &cities()).expect("xlsx");
        assert!(first.starts_with(b"PK"), "a zip container");
        assert_eq!(first, second);
        assert_eq!(strong_etag(&first), strong_etag(&second));
        // Another publication time is another file (its creation time and date line).
        let later = chrono::Utc
            .with_ymd_and_hms(2026, 3, 2, 2, 0, 0)
            .single()
            .expect("time");
        assert_ne!(
            ranking_xlsx(&ranking(later), &cities()).expect("xlsx"),
            first
        );
    }

    #[test]
    fn an_unpublished_ranking_is_no_workbook() {
        let at = chrono::Utc::now();
        let mut open = ranking(at);
        open.publication = None;
        assert!(ranking_xlsx(&open, &cities()).is_err());
    }

    #[test]
    fn etags_are_strong_and_quoted() {
        let tag = strong_etag(b"abc");
        assert_eq!(
            tag,
            "\"ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad\""
        );
        assert_ne!(strong_etag(b"abd"), tag);
    }
}
