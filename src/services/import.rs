//! Importing enterprises from CSV: every row checked as `createEnterprise` checks it, and a
//! report of accepted and rejected rows with the reason of each. With a bad row, the file is
//! written all or nothing, or its good rows only, as the caller asks.
//!
//! The first line names the columns, in English (the GraphQL input's field names) or Chinese:
//! `name/企业名称, creditCode/统一社会信用代码, cityCode/城市代码, county/区县,
//! industryCode/行业代码, employees/从业人员, operatingRevenue/营业收入（万元）` are required;
//! `scale/规模, highEnergyUse/高耗能, highWaterUse/高耗水, highEmissions/高排放,
//! priorityChemicals/优先控制化学品, miningOperation/采矿工序, coatingProcess/涂装工序,
//! directorySinceYear/纳入名录年份` are optional.

use std::collections::{HashMap, HashSet};
use std::str::FromStr;

use entity::enterprise;
use rust_decimal::Decimal;
use sea_orm::{DatabaseConnection, EntityTrait};
use serde_json::json;
use uuid::Uuid;

use crate::auth::Viewer;
use crate::db::begin_write;
use crate::domain::{EnterpriseScale, ImportMode};
use crate::error::{AppError, AppResult};
use crate::rules::mandatory::CatalogRow;

use super::enterprises::{NewEnterprise, check_for_import, existing_credit_codes};
use super::{audit_log, reference};

/// More rows than this are refused whole: split the file.
pub const MAX_ROWS: usize = 5_000;

#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
enum Column {
    Name,
    CreditCode,
    CityCode,
    County,
    IndustryCode,
    Employees,
    OperatingRevenue,
    Scale,
    HighEnergyUse,
    HighWaterUse,
    HighEmissions,
    PriorityChemicals,
    MiningOperation,
    CoatingProcess,
    DirectorySinceYear,
}

/// (column, English header = input field, Chinese headers, required)
const COLUMNS: &[(Column, &str, &[&str], bool)] = &[
    (Column::Name, "name", &["企业名称"], true),
    (
        Column::CreditCode,
        "creditCode",
        &["统一社会信用代码"],
        true,
    ),
    (Column::CityCode, "cityCode", &["城市代码", "市代码"], true),
    (Column::County, "county", &["区县"], true),
    (Column::IndustryCode, "industryCode", &["行业代码"], true),
    (
        Column::Employees,
        "employees",
        &["从业人员", "从业人数"],
        true,
    ),
    (
        Column::OperatingRevenue,
        "operatingRevenue",
        &["营业收入（万元）", "营业收入(万元)", "营业收入"],
        true,
    ),
    (Column::Scale, "scale", &["规模"], false),
    (Column::HighEnergyUse, "highEnergyUse", &["高耗能"], false),
    (Column::HighWaterUse, "highWaterUse", &["高耗水"], false),
    (Column::HighEmissions, "highEmissions", &["高排放"], false),
    (
        Column::PriorityChemicals,
        "priorityChemicals",
        &["优先控制化学品"],
        false,
    ),
    (
        Column::MiningOperation,
        "miningOperation",
        &["采矿工序"],
        false,
    ),
    (
        Column::CoatingProcess,
        "coatingProcess",
        &["涂装工序"],
        false,
    ),
    (
        Column::DirectorySinceYear,
        "directorySinceYear",
        &["纳入名录年份"],
        false,
    ),
];

fn field_name(column: Column) -> &'static str {
    COLUMNS
        .iter()
        .find(|(c, ..)| *c == column)
        .map_or("csv", |(_, name, ..)| name)
}

/// One row's fate.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImportRow {
    /// The line in the file (the header is line 1).
    pub line: u64,
    pub name: Option<String>,
    pub credit_code: Option<String>,
    pub accepted: bool,
    /// Set when the row was written.
    pub enterprise_id: Option<Uuid>,
    /// The input field at fault, for a rejected row.
    pub field: Option<String>,
    pub reason: Option<String>,
}

#[derive(Clone, Debug)]
pub struct ImportReport {
    pub mode: ImportMode,
    /// Whether anything was written (ALL_OR_NOTHING with a bad row writes nothing).
    pub written: bool,
    pub accepted_count: usize,
    pub rejected_count: usize,
    pub rows: Vec<ImportRow>,
}

/// Maps each header to its column; an unknown or repeated header, or a missing required one,
/// refuses the whole file (a wrong layout, not a bad row).
fn read_header(headers: &csv::StringRecord) -> AppResult<HashMap<Column, usize>> {
    let mut map = HashMap::new();
    for (index, raw) in headers.iter().enumerate() {
        let header = raw.trim().trim_start_matches('\u{feff}').trim();
        let column = COLUMNS
            .iter()
            .find(|(_, english, chinese, _)| {
                english.eq_ignore_ascii_case(header) || chinese.contains(&header)
            })
            .map(|(c, ..)| *c)
            .ok_or_else(|| AppError::bad_input("csv", format!("unknown column {header:?}")))?;
        if map.insert(column, index).is_some() {
            return Err(AppError::bad_input(
                "csv",
                format!("column {header:?} appears twice"),
            ));
        }
    }
    for (column, english, chinese, required) in COLUMNS {
        if *required && !map.contains_key(column) {
            return Err(AppError::bad_input(
                "csv",
                format!("the column {english} ({}) is missing", chinese.join("/")),
            ));
        }
    }
    Ok(map)
}

fn parse_flag(field: &str, value: &str) -> AppResult<bool> {
    match value.trim().to_ascii_lowercase().as_str() {
        "" | "false" | "0" | "no" | "n" | "否" => Ok(false),
        "true" | "1" | "yes" | "y" | "是" => Ok(true),
        _ => Err(AppError::bad_input(field, "must be true/false (是/否)")),
    }
}

fn parse_scale(value: &str) -> AppResult<Option<EnterpriseScale>> {
    let value = value.trim();
    if value.is_empty() {
        return Ok(None);
    }
    EnterpriseScale::ALL
        .iter()
        .find(|s| s.as_str().eq_ignore_ascii_case(value) || s.label() == value)
        .copied()
        .map(Some)
        .ok_or_else(|| {
            AppError::bad_input(
                "scale",
                "must be LARGE, MEDIUM, SMALL or MICRO (大型/中型/小型/微型)",
            )
        })
}

fn parse_number<T: FromStr>(field: &str, value: &str, what: &str) -> AppResult<T> {
    value
        .trim()
        .parse()
        .map_err(|_| AppError::bad_input(field, format!("must be {what}")))
}

/// Reads one record into an enterprise as `createEnterprise` would receive it.
fn read_row(
    record: &csv::StringRecord,
    columns: &HashMap<Column, usize>,
) -> AppResult<NewEnterprise> {
    let get = |c: Column| columns.get(&c).and_then(|i| record.get(*i)).unwrap_or("");
    let flag = |c: Column| parse_flag(field_name(c), get(c));
    let since = get(Column::DirectorySinceYear).trim();
    Ok(NewEnterprise {
        name: get(Column::Name).to_owned(),
        credit_code: get(Column::CreditCode).to_owned(),
        city_code: get(Column::CityCode).trim().to_owned(),
        county: get(Column::County).to_owned(),
        industry_code: get(Column::IndustryCode).to_owned(),
        employees: parse_number("employees", get(Column::Employees), "a whole number")?,
        operating_revenue: parse_number::<Decimal>(
            "operatingRevenue",
            get(Column::OperatingRevenue),
            "a decimal number",
        )?,
        scale: parse_scale(get(Column::Scale))?,
        high_energy_use: flag(Column::HighEnergyUse)?,
        high_water_use: flag(Column::HighWaterUse)?,
        high_emissions: flag(Column::HighEmissions)?,
        priority_chemicals: flag(Column::PriorityChemicals)?,
        mining_operation: flag(Column::MiningOperation)?,
        coating_process: flag(Column::CoatingProcess)?,
        directory_since_year: if since.is_empty() {
            None
        } else {
            Some(parse_number("directorySinceYear", since, "a year")?)
        },
    })
}

fn rejection(line: u64, name: Option<String>, code: Option<String>, err: &AppError) -> ImportRow {
    let (field, reason) = match err {
        AppError::BadUserInput { field, message } => (Some(field.clone()), message.clone()),
        other => (None, other.client_message()),
    };
    ImportRow {
        line,
        name,
        credit_code: code,
        accepted: false,
        enterprise_id: None,
        field,
        reason: Some(reason),
    }
}

pub async fn import_enterprises(
    db: &DatabaseConnection,
    viewer: &Viewer,
    catalog: &[CatalogRow],
    csv_text: &str,
    mode: ImportMode,
) -> AppResult<ImportReport> {
    viewer.require_admin()?;
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(csv_text.as_bytes());
    let headers = reader
        .headers()
        .map_err(|e| AppError::bad_input("csv", format!("cannot read the header line: {e}")))?
        .clone();
    let columns = read_header(&headers)?;
    let cities: HashSet<String> = reference::cities(db)
        .await?
        .into_iter()
        .map(|c| c.code)
        .collect();

    let mut rows: Vec<ImportRow> = Vec::new();
    let mut good: Vec<(usize, enterprise::ActiveModel, String)> = Vec::new();
    let mut seen: HashMap<String, u64> = HashMap::new();
    for record in reader.records() {
        let record =
            record.map_err(|e| AppError::bad_input("csv", format!("unreadable CSV: {e}")))?;
        if rows.len() >= MAX_ROWS {
            return Err(AppError::bad_input(
                "csv",
                format!("at most {MAX_ROWS} rows per import; split the file"),
            ));
        }
        let line = record.position().map_or(0, |p| p.line());
        let name = columns
            .get(&Column::Name)
            .and_then(|i| record.get(*i))
            .map(|s| s.trim().to_owned());
        let raw_code = columns
            .get(&Column::CreditCode)
            .and_then(|i| record.get(*i))
            .map(|s| s.trim().to_ascii_uppercase());
        let checked = read_row(&record, &columns).and_then(|input| {
            if !cities.contains(&input.city_code) {
                return Err(AppError::bad_input("cityCode", "unknown city code"));
            }
            viewer.require_city(&input.city_code)?;
            check_for_import(catalog, &input)
        });
        let active = match checked {
            Ok(active) => active,
            Err(err) => {
                rows.push(rejection(line, name, raw_code, &err));
                continue;
            }
        };
        let code = match &active.credit_code {
            sea_orm::ActiveValue::Set(c) => c.clone(),
            _ => return Err(AppError::internal("import: credit code not set")),
        };
        if let Some(first) = seen.get(&code) {
            let err = AppError::bad_input("creditCode", format!("repeats line {first}"));
            rows.push(rejection(line, name, Some(code), &err));
            continue;
        }
        seen.insert(code.clone(), line);
        rows.push(ImportRow {
            line,
            name,
            credit_code: Some(code.clone()),
            accepted: true,
            enterprise_id: None,
            field: None,
            reason: None,
        });
        good.push((rows.len() - 1, active, code));
    }
    if rows.is_empty() {
        return Err(AppError::bad_input("csv", "has no rows below the header"));
    }

    let txn = begin_write(db).await?;
    // Checked under the write lock, so that a concurrent import cannot slip a code in between.
    let codes: Vec<String> = good.iter().map(|(_, _, c)| c.clone()).collect();
    let taken = existing_credit_codes(&txn, &codes).await?;
    let mut to_insert = Vec::new();
    for (index, active, code) in good {
        if taken.contains(&code) {
            let row = &rows[index];
            let err = AppError::bad_input("creditCode", "is already registered");
            rows[index] = rejection(row.line, row.name.clone(), Some(code), &err);
        } else {
            to_insert.push((index, active));
        }
    }
    let rejected_count = rows.iter().filter(|r| !r.accepted).count();
    let accepted_count = rows.len() - rejected_count;
    let write = !to_insert.is_empty() && (rejected_count == 0 || mode == ImportMode::GoodRowsOnly);
    if write {
        for (index, active) in &to_insert {
            if let sea_orm::ActiveValue::Set(id) = active.id {
                rows[*index].enterprise_id = Some(id);
            }
        }
        let models: Vec<enterprise::ActiveModel> = to_insert.into_iter().map(|(_, a)| a).collect();
        // Chunked to stay under the bind-parameter limits (25 columns a row).
        for chunk in models.chunks(500) {
            enterprise::Entity::insert_many(chunk.to_vec())
                .exec(&txn)
                .await?;
        }
        audit_log::commit(
            txn,
            viewer,
            "importEnterprises",
            "Enterprise",
            None,
            json!({ "mode": mode.as_str(), "written": accepted_count, "rejected": rejected_count }),
        )
        .await?;
    } else {
        txn.rollback().await?;
    }
    Ok(ImportReport {
        mode,
        written: write,
        accepted_count,
        rejected_count,
        rows,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(line: &str) -> AppResult<HashMap<Column, usize>> {
        read_header(&csv::StringRecord::from(
            line.split(',').collect::<Vec<_>>(),
        ))
    }

    #[test]
    fn headers_in_english_or_chinese() {
        let english =
            header("name,creditCode,cityCode,county,industryCode,employees,operatingRevenue")
                .expect("valid");
        assert_eq!(english.get(&Column::OperatingRevenue), Some(&6));
        let chinese = header(
            "\u{feff}企业名称,统一社会信用代码,城市代码,区县,行业代码,从业人员,营业收入（万元）,高耗能",
        )
        .expect("valid");
        assert_eq!(chinese.get(&Column::Name), Some(&0));
        assert_eq!(chinese.get(&Column::HighEnergyUse), Some(&7));
    }

    #[test]
    fn bad_headers_refuse_the_file() {
        let missing = header("name,creditCode").map_err(|e| e.client_message());
        assert!(missing.is_err_and(|m| m.contains("cityCode")));
        assert!(
            header("name,name,creditCode,cityCode,county,industryCode,employees,operatingRevenue")
                .is_err()
        );
        assert!(
            header(
                "name,creditCode,cityCode,county,industryCode,employees,operatingRevenue,colour"
            )
            .is_err()
        );
    }

    #[test]
    fn flags_and_scales() {
        assert_eq!(parse_flag("f", "是").ok(), Some(true));
        assert_eq!(parse_flag("f", " ").ok(), Some(false));
        assert_eq!(parse_flag("f", "TRUE").ok(), Some(true));
        assert!(parse_flag("f", "maybe").is_err());
        assert_eq!(
            parse_scale("中型").ok(),
            Some(Some(EnterpriseScale::Medium))
        );
        assert_eq!(
            parse_scale("large").ok(),
            Some(Some(EnterpriseScale::Large))
        );
        assert_eq!(parse_scale("").ok(), Some(None));
        assert!(parse_scale("huge").is_err());
    }
}
