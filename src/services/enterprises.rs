//! Enterprises: records, the mandatory-audit verdict and mode, and the mandatory directory.

use std::collections::HashMap;

use async_graphql::{InputObject, MaybeUndefined};
use chrono::{Datelike, NaiveDate, Utc};
use entity::{audit, certification, enterprise};
use rust_decimal::Decimal;
use sea_orm::sea_query::Query;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, EntityTrait,
    QueryFilter, QueryOrder, Select, Set,
};
use serde_json::json;
use uuid::Uuid;

use crate::auth::Viewer;
use crate::db::begin_write;
use crate::domain::{AuditMode, CompletionKind, EnterpriseScale, Sector};
use crate::error::{AppError, AppResult};
use crate::rules::audit_lifecycle::audit_mode;
use crate::rules::checksum::validate_credit_code;
use crate::rules::deadlines::{CYCLE_YEARS, cycle_end, cycle_overdue};
use crate::rules::mandatory::{
    CatalogRow, MandatoryVerdict, is_industry_class_code, mandatory_verdict,
};
use crate::rules::scale::classify_scale;

use super::amounts::{from_stored, to_stored};
use super::pagination::{Page, PageRequest, fetch_page};
use super::text::{like_any, required_text, search_text};
use super::{audit_log, credit_codes, is_constant, reference, today, versioned};

// A new enterprise as given: the GraphQL input `CreateEnterpriseInput`, or a CSV row. Its
// doc comments are the input's GraphQL descriptions.
#[derive(Clone, Debug, InputObject)]
#[graphql(name = "CreateEnterpriseInput")]
pub struct NewEnterprise {
    pub name: String,
    pub credit_code: String,
    pub city_code: String,
    pub county: String,
    /// GB/T 4754 class code, four digits; codes outside the annex are allowed (not mandatory).
    pub industry_code: String,
    pub employees: i32,
    /// In 10 000 CNY, sent as a string (exact, at most four decimal places).
    pub operating_revenue: Decimal,
    /// Leave out to derive it from staff and revenue.
    pub scale: Option<EnterpriseScale>,
    #[graphql(default)]
    pub high_energy_use: bool,
    #[graphql(default)]
    pub high_water_use: bool,
    #[graphql(default)]
    pub high_emissions: bool,
    #[graphql(default)]
    pub priority_chemicals: bool,
    #[graphql(default)]
    pub mining_operation: bool,
    #[graphql(default)]
    pub coating_process: bool,
    /// Puts it in the mandatory directory from this year.
    pub directory_since_year: Option<i32>,
}

// Fields an update may change (the GraphQL input `UpdateEnterpriseInput`); `None` leaves a
// field as it is. Its doc comment is the input's GraphQL description.
/// Every field optional: only the given ones change. `scale: null` hands the scale back to the
/// statistical rule.
#[derive(InputObject, Default)]
#[graphql(name = "UpdateEnterpriseInput")]
pub struct EnterprisePatch {
    pub name: Option<String>,
    pub credit_code: Option<String>,
    pub city_code: Option<String>,
    pub county: Option<String>,
    pub industry_code: Option<String>,
    pub employees: Option<i32>,
    pub operating_revenue: Option<Decimal>,
    pub scale: MaybeUndefined<EnterpriseScale>,
    pub high_energy_use: Option<bool>,
    pub high_water_use: Option<bool>,
    pub high_emissions: Option<bool>,
    pub priority_chemicals: Option<bool>,
    pub mining_operation: Option<bool>,
    pub coating_process: Option<bool>,
}

// What `enterprises` narrows to (the GraphQL input of the same name).
#[derive(InputObject, Default)]
pub struct EnterpriseFilter {
    pub city_code: Option<String>,
    pub county: Option<String>,
    pub sector: Option<Sector>,
    pub industry_code: Option<String>,
    pub scale: Option<EnterpriseScale>,
    /// Must audit (the mandatory-audit verdict) or not.
    pub mandatory: Option<bool>,
    pub in_directory: Option<bool>,
    /// Matches part of the name or the credit code.
    pub text: Option<String>,
}

// What `directory` narrows to (the GraphQL input of the same name).
#[derive(InputObject, Default)]
pub struct DirectoryFilter {
    pub city_code: Option<String>,
    pub sector: Option<Sector>,
    pub cycle_overdue: Option<bool>,
    pub text: Option<String>,
}

/// The fields every enterprise write validates, normalised, with what follows from them.
struct Checked {
    name: String,
    credit_code: String,
    city_code: String,
    county: String,
    industry_code: String,
    employees: i32,
    operating_revenue: i64,
    scale: EnterpriseScale,
    scale_set_by_admin: bool,
    flags: Flags,
    verdict: MandatoryVerdict,
    sector: Option<Sector>,
}

#[derive(Clone, Copy)]
struct Flags {
    high_energy_use: bool,
    high_water_use: bool,
    high_emissions: bool,
    priority_chemicals: bool,
    mining_operation: bool,
    coating_process: bool,
}

pub fn mode_of(model: &enterprise::Model) -> AuditMode {
    audit_mode(
        model.high_energy_use,
        model.high_water_use,
        model.high_emissions,
        model.priority_chemicals,
    )
}

pub fn revenue_of(model: &enterprise::Model) -> Decimal {
    from_stored(model.operating_revenue)
}

/// The verdict for a stored enterprise, with the catalogue's explanation.
pub fn verdict_of(
    catalog: &[CatalogRow],
    model: &enterprise::Model,
) -> AppResult<MandatoryVerdict> {
    Ok(mandatory_verdict(
        catalog,
        &model.industry_code,
        model.scale,
        model.mining_operation,
        model.coating_process,
    ))
}

fn check_credit_code(code: &str) -> AppResult<String> {
    validate_credit_code(code).map_err(|e| AppError::bad_input("creditCode", e.to_string()))
}

fn check_industry_code(code: &str) -> AppResult<String> {
    let code = code.trim();
    if !is_industry_class_code(code) {
        return Err(AppError::bad_input(
            "industryCode",
            "must be a GB/T 4754 class code of four digits",
        ));
    }
    Ok(code.to_owned())
}

fn check_employees(n: i32) -> AppResult<i32> {
    if !(0..=1_000_000).contains(&n) {
        return Err(AppError::bad_input(
            "employees",
            "must be between 0 and 1000000",
        ));
    }
    Ok(n)
}

/// A year of the registry (a directory year, an audit year, a list year): from 2000 to next
/// year.
pub fn check_plan_year(field: &str, year: i32) -> AppResult<i32> {
    let next = today().year() + 1;
    if !(2000..=next).contains(&year) {
        return Err(AppError::bad_input(
            field,
            format!("must be a year from 2000 to {next}"),
        ));
    }
    Ok(year)
}

/// Everything that can be checked without the database, in input order, so that the first
/// bad field is the one reported.
#[allow(clippy::too_many_arguments)]
fn check(
    catalog: &[CatalogRow],
    name: &str,
    credit_code: &str,
    city_code: &str,
    county: &str,
    industry_code: &str,
    employees: i32,
    operating_revenue: Decimal,
    admin_scale: Option<EnterpriseScale>,
    flags: Flags,
) -> AppResult<Checked> {
    let name = required_text("name", name, 200)?;
    let credit_code = check_credit_code(credit_code)?;
    let city_code = required_text("cityCode", city_code, 12)?;
    let county = required_text("county", county, 50)?;
    let industry_code = check_industry_code(industry_code)?;
    let employees = check_employees(employees)?;
    let operating_revenue_units = to_stored("operatingRevenue", operating_revenue)?;
    let scale = admin_scale.unwrap_or_else(|| {
        classify_scale(
            u32::try_from(employees).unwrap_or(0),
            from_stored(operating_revenue_units),
        )
    });
    let verdict = mandatory_verdict(
        catalog,
        &industry_code,
        scale,
        flags.mining_operation,
        flags.coating_process,
    );
    let sector = verdict
        .row_code
        .as_deref()
        .and_then(|code| catalog.iter().find(|row| row.code == code))
        .map(|row| row.sector);
    Ok(Checked {
        name,
        credit_code,
        city_code,
        county,
        industry_code,
        employees,
        operating_revenue: operating_revenue_units,
        scale,
        scale_set_by_admin: admin_scale.is_some(),
        flags,
        verdict,
        sector,
    })
}

fn check_new(catalog: &[CatalogRow], input: &NewEnterprise) -> AppResult<Checked> {
    let checked = check(
        catalog,
        &input.name,
        &input.credit_code,
        &input.city_code,
        &input.county,
        &input.industry_code,
        input.employees,
        input.operating_revenue,
        input.scale,
        Flags {
            high_energy_use: input.high_energy_use,
            high_water_use: input.high_water_use,
            high_emissions: input.high_emissions,
            priority_chemicals: input.priority_chemicals,
            mining_operation: input.mining_operation,
            coating_process: input.coating_process,
        },
    )?;
    if let Some(year) = input.directory_since_year {
        check_plan_year("directorySinceYear", year)?;
    }
    Ok(checked)
}

fn apply(active: &mut enterprise::ActiveModel, c: Checked) {
    active.name = Set(c.name);
    active.credit_code = Set(c.credit_code);
    active.city_code = Set(c.city_code);
    active.county = Set(c.county);
    active.industry_code = Set(c.industry_code);
    active.sector = Set(c.sector);
    active.employees = Set(c.employees);
    active.operating_revenue = Set(c.operating_revenue);
    active.scale = Set(c.scale);
    active.scale_set_by_admin = Set(c.scale_set_by_admin);
    active.high_energy_use = Set(c.flags.high_energy_use);
    active.high_water_use = Set(c.flags.high_water_use);
    active.high_emissions = Set(c.flags.high_emissions);
    active.priority_chemicals = Set(c.flags.priority_chemicals);
    active.mining_operation = Set(c.flags.mining_operation);
    active.coating_process = Set(c.flags.coating_process);
    active.mandatory = Set(c.verdict.mandatory);
    active.mandatory_row_code = Set(c.verdict.row_code);
}

fn new_active(c: Checked, directory_since_year: Option<i32>) -> enterprise::ActiveModel {
    let now = Utc::now();
    let mut active = enterprise::ActiveModel {
        id: Set(Uuid::now_v7()),
        directory_since_year: Set(directory_since_year),
        last_completed_on: Set(None),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    };
    apply(&mut active, c);
    active
}

pub async fn create_enterprise(
    db: &DatabaseConnection,
    viewer: &Viewer,
    catalog: &[CatalogRow],
    input: NewEnterprise,
) -> AppResult<enterprise::Model> {
    viewer.require_city(input.city_code.trim())?;
    if input.directory_since_year.is_some() {
        // Joining the directory is the province's decision, here as in `addToDirectory`.
        super::directory::require_direct_change(viewer)?;
    }
    let checked = check_new(catalog, &input)?;
    reference::require_known_city(db, "cityCode", &checked.city_code).await?;
    let txn = begin_write(db).await?;
    credit_codes::require_free::<enterprise::Entity>(&txn, &checked.credit_code, None).await?;
    let created = new_active(checked, input.directory_since_year)
        .insert(&txn)
        .await?;
    if created.directory_since_year.is_some() {
        super::directory::record_change(
            &txn,
            viewer,
            created.id,
            crate::domain::DirectoryAction::Add,
            created.directory_since_year,
            None,
            None,
            None,
        )
        .await?;
    }
    audit_log::commit(
        txn,
        viewer,
        "createEnterprise",
        "Enterprise",
        Some(created.id.to_string()),
        json!({ "name": created.name, "creditCode": created.credit_code, "cityCode": created.city_code }),
        )
    .await?;
    Ok(created)
}

pub async fn find(db: &impl ConnectionTrait, id: Uuid) -> AppResult<enterprise::Model> {
    super::find_or_not_found::<enterprise::Entity>(db, "Enterprise", id).await
}

/// Whether a consultancy holds (or held) an audit of the enterprise.
async fn consultancy_serves(
    db: &impl ConnectionTrait,
    consultancy_id: Uuid,
    enterprise_id: Uuid,
) -> AppResult<bool> {
    Ok(audit::Entity::find()
        .filter(audit::Column::ConsultancyId.eq(consultancy_id))
        .filter(audit::Column::EnterpriseId.eq(enterprise_id))
        .one(db)
        .await?
        .is_some())
}

/// Who may read an enterprise: the province, its city, a consultancy that audits it, and the
/// enterprise itself.
pub async fn require_read(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    model: &enterprise::Model,
) -> AppResult<()> {
    if viewer.is_enterprise(model.id) {
        return Ok(());
    }
    if let Some(firm) = viewer.consultancy_id()
        && consultancy_serves(db, firm, model.id).await?
    {
        return Ok(());
    }
    if viewer.is_county_admin_of(&model.city_code, Some(model.county.as_str())) {
        return Ok(());
    }
    viewer.require_city(&model.city_code)
}

pub async fn get_enterprise(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    id: Uuid,
) -> AppResult<enterprise::Model> {
    viewer.require_user()?;
    let found = find(db, id).await?;
    require_read(db, viewer, &found).await?;
    Ok(found)
}

/// Applies a patch when the caller read `expected_version`; a stale version is CONFLICT and
/// writes nothing. A city admin may neither edit another city's enterprise nor move one there.
pub async fn update_enterprise(
    db: &DatabaseConnection,
    viewer: &Viewer,
    catalog: &[CatalogRow],
    id: Uuid,
    patch: EnterprisePatch,
    expected_version: i32,
) -> AppResult<enterprise::Model> {
    viewer.require_admin()?;
    let current = find(db, id).await?;
    viewer.require_city(&current.city_code)?;
    versioned::expect_version::<enterprise::Entity>(current.version, expected_version)?;
    let admin_scale = match patch.scale {
        MaybeUndefined::Value(scale) => Some(scale),
        MaybeUndefined::Null => None,
        MaybeUndefined::Undefined if current.scale_set_by_admin => Some(current.scale),
        MaybeUndefined::Undefined => None,
    };
    let revenue = patch
        .operating_revenue
        .unwrap_or_else(|| revenue_of(&current));
    let checked = check(
        catalog,
        patch.name.as_deref().unwrap_or(&current.name),
        patch.credit_code.as_deref().unwrap_or(&current.credit_code),
        patch.city_code.as_deref().unwrap_or(&current.city_code),
        patch.county.as_deref().unwrap_or(&current.county),
        patch
            .industry_code
            .as_deref()
            .unwrap_or(&current.industry_code),
        patch.employees.unwrap_or(current.employees),
        revenue,
        admin_scale,
        Flags {
            high_energy_use: patch.high_energy_use.unwrap_or(current.high_energy_use),
            high_water_use: patch.high_water_use.unwrap_or(current.high_water_use),
            high_emissions: patch.high_emissions.unwrap_or(current.high_emissions),
            priority_chemicals: patch
                .priority_chemicals
                .unwrap_or(current.priority_chemicals),
            mining_operation: patch.mining_operation.unwrap_or(current.mining_operation),
            coating_process: patch.coating_process.unwrap_or(current.coating_process),
        },
    )?;
    if checked.city_code != current.city_code {
        reference::require_known_city(db, "cityCode", &checked.city_code).await?;
        viewer.require_city(&checked.city_code)?;
    }
    let new_code =
        (checked.credit_code != current.credit_code).then(|| checked.credit_code.clone());
    let mut active: enterprise::ActiveModel = current.clone().into();
    apply(&mut active, checked);
    credit_codes::commit_update::<enterprise::Entity>(
        db,
        viewer,
        ("updateEnterprise", "Enterprise"),
        active,
        (id, expected_version),
        new_code.as_deref(),
        |updated| json!({ "version": updated.version, "mandatory": updated.mandatory, "scale": updated.scale }),
    )
    .await
}

/// Writes `active` only if the row still has `version`: a concurrent writer that got there
/// first makes this a CONFLICT.
pub(crate) async fn update_if_version(
    txn: &impl ConnectionTrait,
    id: Uuid,
    active: enterprise::ActiveModel,
    version: i32,
) -> AppResult<enterprise::Model> {
    versioned::update_if_version::<enterprise::Entity>(txn, active, id, version, None).await
}

/// Narrows a query on enterprises to what the viewer may read; a filter on another city is
/// FORBIDDEN to a city admin rather than silently empty.
fn scope(
    viewer: &Viewer,
    mut query: Select<enterprise::Entity>,
    city_filter: Option<&str>,
) -> AppResult<Select<enterprise::Entity>> {
    viewer.require_user()?;
    if let Some(own) = viewer.enterprise_id() {
        return Ok(query.filter(enterprise::Column::Id.eq(own)));
    }
    if let Some(firm) = viewer.consultancy_id() {
        query = query.filter(
            enterprise::Column::Id.in_subquery(
                Query::select()
                    .column(audit::Column::EnterpriseId)
                    .from(audit::Entity)
                    .and_where(audit::Column::ConsultancyId.eq(firm))
                    .to_owned(),
            ),
        );
        if let Some(city) = city_filter {
            query = query.filter(enterprise::Column::CityCode.eq(city));
        }
        return Ok(query);
    }
    // A county admin: the enterprises of their county.
    if let Some((city, county)) = viewer.county_scope() {
        if city_filter.is_some_and(|asked| asked.trim() != city) {
            return Err(AppError::forbidden(
                "a county administrator sees only the enterprises of their county",
            ));
        }
        return Ok(query
            .filter(enterprise::Column::CityCode.eq(city))
            .filter(enterprise::Column::County.eq(county)));
    }
    if let Some(city) = viewer.list_city(city_filter)? {
        query = query.filter(enterprise::Column::CityCode.eq(city));
    }
    Ok(query)
}

pub async fn list_enterprises(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    filter: EnterpriseFilter,
    page: PageRequest,
) -> AppResult<Page<enterprise::Model>> {
    let mut query = scope(
        viewer,
        enterprise::Entity::find(),
        filter.city_code.as_deref(),
    )?;
    if let Some(county) = filter.county.as_deref().map(str::trim) {
        query = query.filter(enterprise::Column::County.eq(county));
    }
    if let Some(sector) = filter.sector {
        query = query.filter(enterprise::Column::Sector.eq(sector.as_str()));
    }
    if let Some(code) = filter.industry_code.as_deref().map(str::trim) {
        query = query.filter(enterprise::Column::IndustryCode.eq(code));
    }
    if let Some(scale) = filter.scale {
        query = query.filter(enterprise::Column::Scale.eq(scale.as_str()));
    }
    if let Some(mandatory) = filter.mandatory {
        query = query.filter(enterprise::Column::Mandatory.eq(mandatory));
    }
    match filter.in_directory {
        Some(true) => query = query.filter(enterprise::Column::DirectorySinceYear.is_not_null()),
        Some(false) => query = query.filter(enterprise::Column::DirectorySinceYear.is_null()),
        None => {}
    }
    if let Some(pattern) = search_text("filter.text", filter.text.as_deref())? {
        query = query.filter(like_any(
            &[enterprise::Column::Name, enterprise::Column::CreditCode],
            &pattern,
        ));
    }
    fetch_page(db, query, enterprise::Column::Id, page).await
}

/// Records a completion (an accepted audit, a counted certification) on the enterprise, so
/// that the directory's overdue filter is a plain comparison. An older completion recorded
/// late does not move the date back.
pub(crate) async fn record_completion(
    txn: &impl ConnectionTrait,
    enterprise_id: Uuid,
    completed_on: NaiveDate,
) -> AppResult<()> {
    enterprise::Entity::update_many()
        .col_expr(
            enterprise::Column::LastCompletedOn,
            sea_orm::sea_query::Expr::value(completed_on),
        )
        .col_expr(
            enterprise::Column::UpdatedAt,
            sea_orm::sea_query::Expr::value(Utc::now()),
        )
        .filter(enterprise::Column::Id.eq(enterprise_id))
        .filter(
            Condition::any()
                .add(enterprise::Column::LastCompletedOn.is_null())
                .add(enterprise::Column::LastCompletedOn.lte(completed_on)),
        )
        .exec(txn)
        .await?;
    Ok(())
}

/// The first day of the year from which a completion keeps a member covered in `as_of_year`.
fn covered_from(as_of_year: i32) -> AppResult<NaiveDate> {
    as_of_year
        .checked_sub(CYCLE_YEARS - 1)
        .and_then(|y| NaiveDate::from_ymd_opt(y, 1, 1))
        .ok_or_else(|| AppError::bad_input("asOf", "is out of range"))
}

/// Directory members whose five-year cycle is overdue in `as_of_year`, as SQL: the rule of
/// [`cycle_overdue`] (as_of_year − max(joining year, last completion year) ≥ 5) unfolded into
/// two comparisons that indexes serve.
pub(crate) fn cycle_overdue_condition(as_of_year: i32) -> AppResult<Condition> {
    let latest_anchor = as_of_year - CYCLE_YEARS;
    let from = covered_from(as_of_year)?;
    Ok(Condition::all()
        .add(enterprise::Column::DirectorySinceYear.lte(latest_anchor))
        .add(
            Condition::any()
                .add(enterprise::Column::LastCompletedOn.is_null())
                .add(enterprise::Column::LastCompletedOn.lt(from)),
        ))
}

/// The directory, with each member's cycle as of `as_of`.
pub async fn list_directory(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    filter: DirectoryFilter,
    as_of: NaiveDate,
    page: PageRequest,
) -> AppResult<Page<enterprise::Model>> {
    viewer.require_admin()?;
    let mut query = scope(
        viewer,
        enterprise::Entity::find().filter(enterprise::Column::DirectorySinceYear.is_not_null()),
        filter.city_code.as_deref(),
    )?;
    if let Some(sector) = filter.sector {
        query = query.filter(enterprise::Column::Sector.eq(sector.as_str()));
    }
    if let Some(overdue) = filter.cycle_overdue {
        let condition = cycle_overdue_condition(as_of.year())?;
        query = query.filter(if overdue { condition } else { condition.not() });
    }
    if let Some(pattern) = search_text("filter.text", filter.text.as_deref())? {
        query = query.filter(like_any(
            &[enterprise::Column::Name, enterprise::Column::CreditCode],
            &pattern,
        ));
    }
    fetch_page(db, query, enterprise::Column::Id, page).await
}

/// A member's standing in its five-year cycle.
pub struct CycleStanding {
    pub overdue: bool,
    /// The last day of the current window: 31 December of the fifth year counted from the later
    /// of joining and the last completion.
    pub covered_until: Option<NaiveDate>,
}

pub fn cycle_standing(model: &enterprise::Model, as_of: NaiveDate) -> Option<CycleStanding> {
    let since = model.directory_since_year?;
    let last = model.last_completed_on.map(|d| d.year());
    let anchor = last.map_or(since, |l| l.max(since));
    Some(CycleStanding {
        overdue: cycle_overdue(last, since, as_of.year()),
        covered_until: cycle_end(anchor).ok(),
    })
}

/// How a member last completed: the accepted audit or the counted certification.
#[derive(Clone, Debug)]
pub struct Completion {
    pub kind: CompletionKind,
    pub completed_on: NaiveDate,
    pub audit: Option<audit::Model>,
    pub certification: Option<certification::Model>,
}

/// Checks one imported row as `createEnterprise` would (all but the database checks, which the
/// importer makes for the whole file) and returns the row to insert.
/// Every fault of a new enterprise's fields, each checked on its own (an import reports them
/// all, where `createEnterprise` stops at the first). `skip` names fields already found
/// unreadable, whose placeholder values would only add a second fault.
pub(crate) fn field_faults(input: &NewEnterprise, skip: &[&str]) -> Vec<AppError> {
    let checks = [
        ("name", required_text("name", &input.name, 200).err()),
        ("creditCode", check_credit_code(&input.credit_code).err()),
        (
            "cityCode",
            required_text("cityCode", &input.city_code, 12).err(),
        ),
        ("county", required_text("county", &input.county, 50).err()),
        (
            "industryCode",
            check_industry_code(&input.industry_code).err(),
        ),
        ("employees", check_employees(input.employees).err()),
        (
            "operatingRevenue",
            to_stored("operatingRevenue", input.operating_revenue).err(),
        ),
        (
            "directorySinceYear",
            input
                .directory_since_year
                .and_then(|year| check_plan_year("directorySinceYear", year).err()),
        ),
    ];
    checks
        .into_iter()
        .filter(|(field, _)| !skip.contains(field))
        .filter_map(|(_, fault)| fault)
        .collect()
}

pub(crate) fn check_for_import(
    catalog: &[CatalogRow],
    input: &NewEnterprise,
) -> AppResult<enterprise::ActiveModel> {
    let checked = check_new(catalog, input)?;
    Ok(new_active(checked, input.directory_since_year))
}

pub(crate) async fn existing_credit_codes(
    db: &impl ConnectionTrait,
    codes: &[String],
) -> AppResult<std::collections::HashSet<String>> {
    let mut taken = std::collections::HashSet::new();
    // Chunked so that a large file stays under the databases' bind-parameter limits.
    for chunk in codes.chunks(500) {
        let rows = enterprise::Entity::find()
            .filter(enterprise::Column::CreditCode.is_in(chunk.iter().cloned()))
            .all(db)
            .await?;
        taken.extend(rows.into_iter().map(|r| r.credit_code));
    }
    Ok(taken)
}

/// Batch reads for the GraphQL loaders, without a viewer: see `experts::unguarded`.
pub mod unguarded {
    use super::*;
    /// The latest completion of each enterprise: two queries for any number of them.
    pub async fn last_completions(
        db: &impl ConnectionTrait,
        ids: &[Uuid],
    ) -> AppResult<HashMap<Uuid, Completion>> {
        let mut found: HashMap<Uuid, Completion> = HashMap::new();
        let audits = audit::Entity::find()
            .filter(crate::services::bulk::among(
                db.get_database_backend(),
                audit::Column::EnterpriseId,
                ids.iter().copied(),
            ))
            .filter(is_constant(audit::Column::Closed, true))
            .all(db)
            .await?;
        for a in audits {
            // A round completes on its acceptance, or on the evaluation that closed it.
            let Some(on) = a.accepted_on.or(a.evaluated_on) else {
                continue;
            };
            if found
                .get(&a.enterprise_id)
                .is_some_and(|kept| kept.completed_on >= on)
            {
                continue;
            }
            found.insert(
                a.enterprise_id,
                Completion {
                    kind: CompletionKind::Audit,
                    completed_on: on,
                    audit: Some(a),
                    certification: None,
                },
            );
        }
        let certifications = certification::Entity::find()
            .filter(crate::services::bulk::among(
                db.get_database_backend(),
                certification::Column::EnterpriseId,
                ids.iter().copied(),
            ))
            .filter(certification::Column::MeetsAuditRequirements.eq(true))
            .order_by_asc(certification::Column::CertifiedOn)
            .all(db)
            .await?;
        for c in certifications {
            // An audit accepted the same day wins: it is the fuller record.
            let later = found
                .get(&c.enterprise_id)
                .is_none_or(|f| c.certified_on > f.completed_on);
            if later {
                found.insert(
                    c.enterprise_id,
                    Completion {
                        kind: CompletionKind::Certification,
                        completed_on: c.certified_on,
                        audit: None,
                        certification: Some(c),
                    },
                );
            }
        }
        Ok(found)
    }
}
