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

use super::enterprises::{NewEnterprise, check_for_import, existing_credit_codes, field_faults};
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
    /// The first fault's input field, for a rejected row.
    pub field: Option<String>,
    /// The first fault's reason.
    pub reason: Option<String>,
    /// Every fault of a rejected row, each with its column as the file names it.
    pub faults: Vec<ImportFault>,
}

/// One thing wrong with a row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImportFault {
    /// The input field (`employees`), or `row` for a fault of the row as a whole.
    pub field: String,
    /// The column's header as written in the file (`从业人员`); `None` for a row's fault.
    pub column: Option<String>,
    pub reason: String,
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

/// Reads one record into an enterprise as `createEnterprise` would receive it, with every
/// value that cannot be read as its column's type (the value is then a placeholder).
fn read_row(
    record: &csv::StringRecord,
    columns: &HashMap<Column, usize>,
) -> (NewEnterprise, Vec<AppError>) {
    let get = |c: Column| columns.get(&c).and_then(|i| record.get(*i)).unwrap_or("");
    let mut faults = Vec::new();
    let employees = keep(
        &mut faults,
        parse_number("employees", get(Column::Employees), "a whole number"),
        0,
    );
    let operating_revenue = keep(
        &mut faults,
        parse_number::<Decimal>(
            "operatingRevenue",
            get(Column::OperatingRevenue),
            "a decimal number",
        ),
        Decimal::ZERO,
    );
    let since = get(Column::DirectorySinceYear).trim();
    let directory_since_year = if since.is_empty() {
        None
    } else {
        Some(keep(
            &mut faults,
            parse_number("directorySinceYear", since, "a year"),
            0,
        ))
    };
    let mut flag = |c: Column| keep(&mut faults, parse_flag(field_name(c), get(c)), false);
    let high_energy_use = flag(Column::HighEnergyUse);
    let high_water_use = flag(Column::HighWaterUse);
    let high_emissions = flag(Column::HighEmissions);
    let priority_chemicals = flag(Column::PriorityChemicals);
    let mining_operation = flag(Column::MiningOperation);
    let coating_process = flag(Column::CoatingProcess);
    let scale = keep(&mut faults, parse_scale(get(Column::Scale)), None);
    let input = NewEnterprise {
        name: get(Column::Name).to_owned(),
        credit_code: get(Column::CreditCode).to_owned(),
        city_code: get(Column::CityCode).trim().to_owned(),
        county: get(Column::County).to_owned(),
        industry_code: get(Column::IndustryCode).to_owned(),
        employees,
        operating_revenue,
        scale,
        high_energy_use,
        high_water_use,
        high_emissions,
        priority_chemicals,
        mining_operation,
        coating_process,
        directory_since_year,
    };
    (input, faults)
}

/// A value read, or its fault kept and a placeholder in its stead.
fn keep<T>(faults: &mut Vec<AppError>, result: AppResult<T>, placeholder: T) -> T {
    result.unwrap_or_else(|err| {
        faults.push(err);
        placeholder
    })
}

/// Every fault of a row: unreadable values, then each field checked as `createEnterprise`
/// checks it, then the city; or the row as the enterprise to write.
fn check_row(
    record: &csv::StringRecord,
    columns: &HashMap<Column, usize>,
    cities: &HashSet<String>,
    viewer: &Viewer,
    catalog: &[CatalogRow],
) -> Result<enterprise::ActiveModel, Vec<AppError>> {
    let (input, mut faults) = read_row(record, columns);
    let unreadable: Vec<&str> = faults.iter().filter_map(fault_field).collect();
    let mut more = field_faults(&input, &unreadable);
    faults.append(&mut more);
    let city_faulty = faults.iter().any(|f| fault_field(f) == Some("cityCode"));
    if !city_faulty {
        if !cities.contains(&input.city_code) {
            faults.push(AppError::bad_input("cityCode", "unknown city code"));
        } else if let Err(err) = viewer.require_city(&input.city_code) {
            faults.push(err);
        } else if input.directory_since_year.is_some()
            && let Err(err) = super::directory::require_direct_change(viewer)
        {
            // Joining the directory is the province's decision; a city applies.
            faults.push(err);
        }
    }
    if !faults.is_empty() {
        return Err(faults);
    }
    check_for_import(catalog, &input).map_err(|err| vec![err])
}

fn fault_field(err: &AppError) -> Option<&str> {
    match err {
        AppError::BadUserInput { field, .. } => Some(field.as_str()),
        _ => None,
    }
}

/// A rejected row, its faults named by the file's own headers.
fn rejection(
    line: u64,
    name: Option<String>,
    code: Option<String>,
    errors: &[AppError],
    headers: &HashMap<&'static str, String>,
) -> ImportRow {
    let faults: Vec<ImportFault> = errors
        .iter()
        .map(|err| match err {
            AppError::BadUserInput { field, message } => ImportFault {
                column: headers.get(field.as_str()).cloned(),
                field: field.clone(),
                reason: message.clone(),
            },
            other => ImportFault {
                field: "row".to_owned(),
                column: None,
                reason: other.client_message(),
            },
        })
        .collect();
    let first = faults.first();
    ImportRow {
        line,
        name,
        credit_code: code,
        accepted: false,
        enterprise_id: None,
        field: first.map(|f| f.field.clone()),
        reason: first.map(|f| f.reason.clone()),
        faults,
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
    // Each input field's header as the file writes it, to name faults the way users see them.
    let header_of: HashMap<&'static str, String> = columns
        .iter()
        .filter_map(|(column, index)| {
            let header = headers
                .get(*index)?
                .trim()
                .trim_start_matches('\u{feff}')
                .trim();
            Some((field_name(*column), header.to_owned()))
        })
        .collect();
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
        let active = match check_row(&record, &columns, &cities, viewer, catalog) {
            Ok(active) => active,
            Err(faults) => {
                rows.push(rejection(line, name, raw_code, &faults, &header_of));
                continue;
            }
        };
        let code = match &active.credit_code {
            sea_orm::ActiveValue::Set(c) => c.clone(),
            _ => return Err(AppError::internal("import: credit code not set")),
        };
        if let Some(first) = seen.get(&code) {
            let err = AppError::bad_input("creditCode", format!("repeats line {first}"));
            rows.push(rejection(line, name, Some(code), &[err], &header_of));
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
            faults: Vec::new(),
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
            rows[index] = rejection(row.line, row.name.clone(), Some(code), &[err], &header_of);
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
        // Members imported straight into the directory start its history.
        let joined: Vec<_> = models
            .iter()
            .filter_map(|m| match (&m.id, &m.directory_since_year) {
                (sea_orm::ActiveValue::Set(id), sea_orm::ActiveValue::Set(Some(year))) => {
                    Some(super::directory::joined_row(viewer, *id, *year))
                }
                _ => None,
            })
            .collect();
        for chunk in joined.chunks(500) {
            entity::directory_change::Entity::insert_many(chunk.to_vec())
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
