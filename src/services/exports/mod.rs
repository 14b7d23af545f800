//! Exports officials work from: one table shape, rendered as CSV (UTF-8 with a BOM, Chinese
//! headers) or XLSX (typed cells, a header row, one sheet). Each dataset (`datasets`) reads
//! through the same service function as its GraphQL query, so an export has that query's
//! access rules, scope and filters and nothing else: a city admin's export holds its city,
//! the expert pool is masked as the reader would see it.

mod datasets;

use std::future::Future;

use chrono::NaiveDate;
use rust_xlsxwriter::{Format, Workbook};
use uuid::Uuid;

use crate::auth::Viewer;
use crate::domain::{AuditStatus, ExpertStatus, ReviewKind, ReviewStatus, Sector};
use crate::error::{AppError, AppResult};

use super::Services;
use super::pagination::{Page, PageRequest};
use super::reports::{ReportFile, ReportFormat, csv_with_bom, strong_etag};

/// Rows read per statement while gathering an export.
const PAGE_ROWS: u64 = 500;

/// The most rows one export holds: beyond it the reader narrows the filter (our choice, so
/// that one request cannot hold the server's memory; the largest province-wide list, the
/// directory, is a few thousand rows).
pub const MAX_ROWS: usize = 100_000;

/// One cell: text, a whole number or a date (XLSX keeps numbers and dates typed).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Cell {
    Text(String),
    Int(i64),
    Date(NaiveDate),
    Empty,
}

impl Cell {
    fn as_text(&self) -> String {
        match self {
            Cell::Text(t) => t.clone(),
            Cell::Int(n) => n.to_string(),
            Cell::Date(d) => d.to_string(),
            Cell::Empty => String::new(),
        }
    }
}

impl From<String> for Cell {
    fn from(text: String) -> Self {
        Cell::Text(text)
    }
}

impl From<&str> for Cell {
    fn from(text: &str) -> Self {
        Cell::Text(text.to_owned())
    }
}

impl<T: Into<Cell>> From<Option<T>> for Cell {
    fn from(value: Option<T>) -> Self {
        value.map_or(Cell::Empty, Into::into)
    }
}

impl From<NaiveDate> for Cell {
    fn from(date: NaiveDate) -> Self {
        Cell::Date(date)
    }
}

impl From<i64> for Cell {
    fn from(n: i64) -> Self {
        Cell::Int(n)
    }
}

impl From<i32> for Cell {
    fn from(n: i32) -> Self {
        Cell::Int(n.into())
    }
}

impl From<bool> for Cell {
    fn from(yes: bool) -> Self {
        Cell::Text(if yes { "是" } else { "否" }.to_owned())
    }
}

/// An export's content: its file stem, sheet title, headers and rows.
#[derive(Clone, Debug)]
pub struct Table {
    pub stem: String,
    pub title: &'static str,
    pub headers: &'static [&'static str],
    pub rows: Vec<Vec<Cell>>,
}

/// The datasets that can be exported, by the path segment that names them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dataset {
    Directory,
    AnnualLists,
    OverdueAudits,
    Reviews,
    Experts,
    Violations,
    RecheckFindings,
    Figures,
    Assessment,
}

impl Dataset {
    pub const ALL: [Dataset; 9] = [
        Dataset::Directory,
        Dataset::AnnualLists,
        Dataset::OverdueAudits,
        Dataset::Reviews,
        Dataset::Experts,
        Dataset::Violations,
        Dataset::RecheckFindings,
        Dataset::Figures,
        Dataset::Assessment,
    ];

    pub fn slug(self) -> &'static str {
        match self {
            Dataset::Directory => "directory",
            Dataset::AnnualLists => "annual-lists",
            Dataset::OverdueAudits => "overdue-audits",
            Dataset::Reviews => "reviews",
            Dataset::Experts => "experts",
            Dataset::Violations => "violations",
            Dataset::RecheckFindings => "recheck-findings",
            Dataset::Figures => "figures",
            Dataset::Assessment => "assessment",
        }
    }

    pub fn from_slug(slug: &str) -> Option<Dataset> {
        Dataset::ALL.into_iter().find(|d| d.slug() == slug)
    }
}

/// What an export may be narrowed by; each dataset uses the parts its query has.
#[derive(Clone, Debug, Default)]
pub struct ExportFilter {
    pub city_code: Option<String>,
    pub year: Option<i32>,
    pub sector: Option<Sector>,
    pub audit_status: Option<AuditStatus>,
    pub review_status: Option<ReviewStatus>,
    pub review_kind: Option<ReviewKind>,
    pub expert_status: Option<ExpertStatus>,
    pub date_from: Option<NaiveDate>,
    pub date_to: Option<NaiveDate>,
    pub as_of: Option<NaiveDate>,
    /// The figures' range of years and county.
    pub year_from: Option<i32>,
    pub year_to: Option<i32>,
    pub county: Option<String>,
}

/// Reads `dataset` as `viewer` may see it and renders it in `format`.
pub async fn export(
    s: &Services,
    viewer: &Viewer,
    dataset: Dataset,
    filter: ExportFilter,
    format: ReportFormat,
) -> AppResult<ReportFile> {
    let table = datasets::read(s, viewer, dataset, filter).await?;
    render(&table, format)
}

/// Renders a table: CSV with a BOM, or a one-sheet workbook with typed cells.
pub fn render(table: &Table, format: ReportFormat) -> AppResult<ReportFile> {
    let bytes = match format {
        ReportFormat::Csv => csv_with_bom(
            table.headers.iter(),
            table
                .rows
                .iter()
                .map(|row| row.iter().map(Cell::as_text).collect::<Vec<_>>()),
        )?,
        ReportFormat::Xlsx => xlsx(table)?,
    };
    Ok(ReportFile {
        etag: strong_etag(&bytes),
        file_name: format!("{}.{}", table.stem, format.extension()),
        bytes,
        format,
    })
}

fn xlsx(table: &Table) -> AppResult<Vec<u8>> {
    let failed = |e: rust_xlsxwriter::XlsxError| AppError::internal(format!("writing XLSX: {e}"));
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet.set_name(table.title).map_err(failed)?;
    let bold = Format::new().set_bold();
    let date = Format::new().set_num_format("yyyy-mm-dd");
    for (col, header) in (0u16..).zip(table.headers.iter()) {
        sheet
            .write_string_with_format(0, col, *header, &bold)
            .map_err(failed)?;
    }
    for (row, cells) in (1u32..).zip(table.rows.iter()) {
        for (col, cell) in (0u16..).zip(cells.iter()) {
            match cell {
                Cell::Text(t) => sheet.write_string(row, col, t).map(|_| ()),
                // Whole numbers in a spreadsheet are doubles; the registry's counts and years
                // are far below 2^53.
                Cell::Int(n) => sheet.write_number(row, col, *n as f64).map(|_| ()),
                Cell::Date(d) => sheet.write_date_with_format(row, col, d, &date).map(|_| ()),
                Cell::Empty => Ok(()),
            }
            .map_err(failed)?;
        }
    }
    sheet.set_freeze_panes(1, 0).map_err(failed)?;
    sheet.autofit();
    workbook.save_to_buffer().map_err(failed)
}

/// Every page of a list, through the same paged service call the GraphQL connection uses;
/// refused when it would exceed [`MAX_ROWS`].
async fn every_page<T, F, Fut>(mut fetch: F, id: impl Fn(&T) -> Uuid) -> AppResult<Vec<T>>
where
    F: FnMut(PageRequest) -> Fut,
    Fut: Future<Output = AppResult<Page<T>>>,
{
    let mut all = Vec::new();
    let mut after = None;
    loop {
        let page = fetch(PageRequest {
            first: PAGE_ROWS,
            after,
            count_total: false,
            newest_first: false,
        })
        .await?;
        after = page.items.last().map(&id);
        all.extend(page.items);
        if all.len() > MAX_ROWS {
            return Err(AppError::bad_input(
                "filter",
                format!("the export would exceed {MAX_ROWS} rows; narrow it by city or year"),
            ));
        }
        if !page.has_next_page || after.is_none() {
            return Ok(all);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table() -> Table {
        Table {
            stem: "t".into(),
            title: "测试",
            headers: &["名称", "数量", "日期", "是否"],
            rows: vec![vec![
                Cell::from("太原钢铁, \"集团\""),
                Cell::from(3),
                Cell::from(NaiveDate::from_ymd_opt(2026, 3, 31).expect("date")),
                Cell::from(true),
            ]],
        }
    }

    #[test]
    fn csv_has_the_bom_the_headers_and_quoted_cells() {
        let file = render(&table(), ReportFormat::Csv).expect("csv");
        assert_eq!(file.file_name, "t.csv");
        let text = String::from_utf8(file.bytes).expect("utf-8");
        assert_eq!(
            text,
            "\u{feff}名称,数量,日期,是否\n\"太原钢铁, \"\"集团\"\"\",3,2026-03-31,是\n"
        );
    }

    #[test]
    fn xlsx_is_a_workbook() {
        let file = render(&table(), ReportFormat::Xlsx).expect("xlsx");
        assert_eq!(file.file_name, "t.xlsx");
        // A ZIP archive: the XLSX container.
        assert_eq!(&file.bytes[..2], b"PK");
    }

    #[test]
    fn datasets_by_their_path_segment() {
        for d in Dataset::ALL {
            assert_eq!(Dataset::from_slug(d.slug()), Some(d));
        }
        assert_eq!(Dataset::from_slug("users"), None);
    }
}
