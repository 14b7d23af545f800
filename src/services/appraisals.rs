//! Consultancy appraisal (咨询机构考评): the year's scheme, the inputs the registry computes
//! itself, and the appraisals the province records, each re-recording kept as history.
//!
//! Every write for a year first takes that year's `appraisal_years` row (created with the
//! default scheme when missing) and bumps its version: on PostgreSQL the row lock orders the
//! writes of one year against its publication, on SQLite `BEGIN IMMEDIATE` does; a published
//! year refuses them (CONFLICT).

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use chrono::{NaiveDate, Utc};
use entity::{
    appraisal, appraisal_deduction, appraisal_finding_rule, appraisal_year, audit,
    audit_transition, consultancy_staff, review,
};
use rust_decimal::Decimal;
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder, Set,
};
use serde_json::json;
use uuid::Uuid;

use crate::auth::Viewer;
use crate::db::begin_write;
use crate::domain::{
    AppraisalDeductionSource, AppraisalWarning, AuditEventKind, FindingKind, FindingStatus,
    ReviewKind, ReviewOutcome, ReviewStatus, SchemeSource, join_enum_list, split_enum_list,
};
use crate::error::{AppError, AppResult};
use crate::rules::appraisal::{
    Breakdown, Deduction, DeductionSource, Dimension, GradeBands, Scheme, Scores, Weights,
    compute_total, finding_deduction, grade, validate_deduction_points, validate_scheme,
    validate_score,
};
use crate::rules::appraisal_signs::{
    SignFacts, as_of_day, client_window, lead_auditor_on_staff, warning_signs,
};
use crate::rules::consultancy::employed_on;

use super::amounts::{from_stored, to_stored};
use super::text::required_text;
use super::{audit_log, consultancies, enterprises, is_constant, today, versioned};

/// Most manual deductions one appraisal may list.
const MAX_DEDUCTIONS: usize = 50;

/// Longest deduction reason, in characters.
const MAX_REASON: usize = 500;

// ---------------------------------------------------------------------------------------
// Inputs from tables other modules own. Each is one function so that wiring the real source
// changes nothing else.

/// A recheck finding traced to a firm's report.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FindingInput {
    pub id: Uuid,
    pub audit_id: Uuid,
    pub kind: FindingKind,
    pub description: String,
    /// The staff member who led the report, as the recheck traced it.
    pub lead_auditor_staff_id: Option<Uuid>,
}

/// Recheck findings recorded in `year` against reports of the consultancy, but those the
/// province withdrew (found wrong, they count against no one).
pub async fn recheck_findings_for(
    db: &impl ConnectionTrait,
    consultancy_id: Uuid,
    year: i32,
) -> AppResult<Vec<FindingInput>> {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
    let rows = entity::recheck_finding::Entity::find()
        .filter(entity::recheck_finding::Column::ConsultancyId.eq(consultancy_id))
        .filter(entity::recheck_finding::Column::Year.eq(year))
        .filter(entity::recheck_finding::Column::Status.ne(FindingStatus::Withdrawn.as_str()))
        .order_by_asc(entity::recheck_finding::Column::Id)
        .all(db)
        .await?;
    rows.into_iter()
        .map(|f| {
            Ok(FindingInput {
                id: f.id,
                audit_id: f.audit_id,
                kind: f.kind,
                description: f.description,
                lead_auditor_staff_id: f.lead_auditor_staff_id,
            })
        })
        .collect()
}

/// Training hours credited in `year` to the consultancy's staff.
pub async fn staff_training_hours(
    db: &impl ConnectionTrait,
    consultancy_id: Uuid,
    year: i32,
) -> AppResult<Decimal> {
    super::training::hours_by_consultancy_staff(db, consultancy_id, year).await
}

// ---------------------------------------------------------------------------------------
// Schemes.

/// A year's scheme as stored, with where it came from and whether the year is published.
#[derive(Clone, Debug)]
pub struct YearScheme {
    pub year: i32,
    pub source: SchemeSource,
    pub scheme: Scheme,
    pub set_by: Option<Uuid>,
    pub set_at: Option<chrono::DateTime<Utc>>,
    pub published_at: Option<chrono::DateTime<Utc>>,
}

/// What `setAppraisalScheme` takes; absent parts keep DESIGN.md's defaults.
pub struct SchemeInput {
    pub weights: Weights,
    pub bands: Option<GradeBands>,
    pub deduction_points: Option<Vec<(FindingKind, Decimal)>>,
    pub veto_kinds: Option<Vec<FindingKind>>,
}

fn year_end(year: i32) -> AppResult<NaiveDate> {
    NaiveDate::from_ymd_opt(year, 12, 31)
        .ok_or_else(|| AppError::bad_input("year", "is out of range"))
}

fn year_start(year: i32) -> AppResult<NaiveDate> {
    NaiveDate::from_ymd_opt(year, 1, 1)
        .ok_or_else(|| AppError::bad_input("year", "is out of range"))
}

/// The five weight columns, named alike in a year's row and in each appraisal (which keeps the
/// weights it was computed with): `weights_in!(row)` reads them as `Weights`;
/// `set_weights!(active, &weights)` writes them, an error naming the input field.
macro_rules! weights_in {
    ($row:expr) => {
        Weights {
            capacity_building: from_stored($row.weight_capacity_building),
            report_quality: from_stored($row.weight_report_quality),
            personnel_management: from_stored($row.weight_personnel_management),
            service_quality: from_stored($row.weight_service_quality),
            service_quantity: from_stored($row.weight_service_quantity),
        }
    };
}

macro_rules! set_weights {
    ($active:expr, $weights:expr) => {{
        let (active, w): (_, &Weights) = ($active, $weights);
        active.weight_capacity_building =
            Set(to_stored("weights.capacityBuilding", w.capacity_building)?);
        active.weight_report_quality = Set(to_stored("weights.reportQuality", w.report_quality)?);
        active.weight_personnel_management = Set(to_stored(
            "weights.personnelManagement",
            w.personnel_management,
        )?);
        active.weight_service_quality =
            Set(to_stored("weights.serviceQuality", w.service_quality)?);
        active.weight_service_quantity =
            Set(to_stored("weights.serviceQuantity", w.service_quantity)?);
    }};
}

pub(crate) fn weights_of_year(row: &appraisal_year::Model) -> Weights {
    weights_in!(row)
}

fn scheme_of(
    row: &appraisal_year::Model,
    rules: &[appraisal_finding_rule::Model],
) -> AppResult<Scheme> {
    let mut deduction_points = BTreeMap::new();
    let mut veto_kinds = BTreeSet::new();
    for rule in rules {
        let kind: FindingKind = rule.finding_kind;
        deduction_points.insert(kind, from_stored(rule.points));
        if rule.veto {
            veto_kinds.insert(kind);
        }
    }
    Ok(Scheme {
        weights: weights_of_year(row),
        bands: GradeBands {
            excellent: from_stored(row.band_excellent),
            good: from_stored(row.band_good),
            qualified: from_stored(row.band_qualified),
        },
        deduction_points,
        veto_kinds,
    })
}

async fn find_year(
    db: &impl ConnectionTrait,
    year: i32,
) -> AppResult<Option<appraisal_year::Model>> {
    Ok(appraisal_year::Entity::find_by_id(year).one(db).await?)
}

async fn rules_of(
    db: &impl ConnectionTrait,
    year: i32,
) -> AppResult<Vec<appraisal_finding_rule::Model>> {
    Ok(appraisal_finding_rule::Entity::find()
        .filter(appraisal_finding_rule::Column::Year.eq(year))
        .order_by_asc(appraisal_finding_rule::Column::FindingKind)
        .all(db)
        .await?)
}

/// The year's scheme: as stored, or the defaults for a year nobody has written to yet.
pub async fn scheme_of_year(db: &impl ConnectionTrait, year: i32) -> AppResult<YearScheme> {
    match find_year(db, year).await? {
        Some(row) => {
            let rules = rules_of(db, year).await?;
            year_scheme(&row, &rules)
        }
        None => Ok(YearScheme {
            year,
            source: SchemeSource::Default,
            scheme: Scheme::default(),
            set_by: None,
            set_at: None,
            published_at: None,
        }),
    }
}

fn year_scheme(
    row: &appraisal_year::Model,
    rules: &[appraisal_finding_rule::Model],
) -> AppResult<YearScheme> {
    Ok(YearScheme {
        year: row.year,
        source: row.scheme_source,
        scheme: scheme_of(row, rules)?,
        set_by: row.scheme_set_by,
        set_at: row.scheme_set_at,
        published_at: row.published_at,
    })
}

/// Whether the year's ranking is published.
pub async fn is_published(db: &impl ConnectionTrait, year: i32) -> AppResult<bool> {
    Ok(find_year(db, year)
        .await?
        .is_some_and(|row| row.published_at.is_some()))
}

/// The scheme is public once its year is published; before, administrators and firms read it
/// (a firm should know how it will be appraised).
pub async fn get_scheme(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    year: i32,
) -> AppResult<YearScheme> {
    let scheme = scheme_of_year(db, year).await?;
    if scheme.published_at.is_none() && viewer.consultancy_id().is_none() {
        viewer.require_admin()?;
    }
    Ok(scheme)
}

fn finding_rule_rows(
    year: i32,
    scheme: &Scheme,
) -> AppResult<Vec<appraisal_finding_rule::ActiveModel>> {
    FindingKind::ALL
        .iter()
        .map(|&kind| {
            Ok(appraisal_finding_rule::ActiveModel {
                year: Set(year),
                finding_kind: Set(kind),
                points: Set(to_stored("deductionPoints", scheme.finding_points(kind))?),
                veto: Set(scheme.veto_kinds.contains(&kind)),
            })
        })
        .collect()
}

/// Writes a scheme's weights and bands into the year's row; an error names the input field
/// whose value does not fit the stored amounts.
fn set_year_scheme(active: &mut appraisal_year::ActiveModel, scheme: &Scheme) -> AppResult<()> {
    set_weights!(&mut *active, &scheme.weights);
    let b = &scheme.bands;
    active.band_excellent = Set(to_stored("bands.excellent", b.excellent)?);
    active.band_good = Set(to_stored("bands.good", b.good)?);
    active.band_qualified = Set(to_stored("bands.qualified", b.qualified)?);
    Ok(())
}

/// Takes the year's row for a write: creates it with the default scheme when missing, then
/// bumps its version, which on PostgreSQL holds the row lock until the transaction ends.
/// A published year is a CONFLICT.
pub(crate) async fn lock_open_year(
    txn: &impl ConnectionTrait,
    year: i32,
) -> AppResult<(appraisal_year::Model, Scheme)> {
    let defaults = Scheme::default();
    let now = Utc::now();
    let mut fresh = appraisal_year::ActiveModel {
        year: Set(year),
        scheme_source: Set(SchemeSource::Default),
        scheme_set_by: Set(None),
        scheme_set_at: Set(None),
        published_at: Set(None),
        published_by: Set(None),
        entry_count: Set(None),
        previous_year: Set(None),
        version: Set(0),
        created_at: Set(now),
        updated_at: Set(now),
        // The weights and bands: set just below.
        ..Default::default()
    };
    set_year_scheme(&mut fresh, &defaults)?;
    appraisal_year::Entity::insert(fresh)
        .on_conflict_do_nothing()
        .exec_without_returning(txn)
        .await?;
    appraisal_finding_rule::Entity::insert_many(finding_rule_rows(year, &defaults)?)
        .on_conflict_do_nothing()
        .exec_without_returning(txn)
        .await?;
    let update = appraisal_year::Entity::update_many()
        .col_expr(
            appraisal_year::Column::Version,
            Expr::col(appraisal_year::Column::Version).add(1),
        )
        .col_expr(appraisal_year::Column::UpdatedAt, Expr::value(now))
        .filter(appraisal_year::Column::Year.eq(year))
        .filter(appraisal_year::Column::PublishedAt.is_null());
    versioned::write_guarded(txn, update, || published_conflict(year)).await?;
    let row = find_year(txn, year)
        .await?
        .ok_or_else(|| AppError::internal(format!("appraisal year {year} vanished")))?;
    let rules = rules_of(txn, year).await?;
    let scheme = scheme_of(&row, &rules)?;
    Ok((row, scheme))
}

pub(crate) fn published_conflict(year: i32) -> AppError {
    AppError::conflict(format!(
        "the {year} ranking is published: its appraisals and scheme are frozen"
    ))
}

/// Checks a scheme input into a [`Scheme`], naming the field at fault.
fn scheme_from_input(input: SchemeInput) -> AppResult<Scheme> {
    let defaults = Scheme::default();
    let deduction_points = match input.deduction_points {
        None => defaults.deduction_points,
        Some(list) => {
            let mut points = BTreeMap::new();
            for (kind, value) in list {
                if points.insert(kind, value).is_some() {
                    return Err(AppError::bad_input(
                        format!("deductionPoints.{kind}"),
                        "is listed more than once",
                    ));
                }
            }
            points
        }
    };
    let scheme = Scheme {
        weights: input.weights,
        bands: input.bands.unwrap_or(defaults.bands),
        deduction_points,
        veto_kinds: input
            .veto_kinds
            .map_or(defaults.veto_kinds, |kinds| kinds.into_iter().collect()),
    };
    validate_scheme(&scheme).map_err(|e| AppError::bad_input(e.field(), e.to_string()))?;
    Ok(scheme)
}

/// Sets a year's scheme (province admins). The year's current appraisals are recomputed
/// under it in the same transaction, so stored totals always follow the scheme.
pub async fn set_scheme(
    db: &DatabaseConnection,
    viewer: &Viewer,
    year: i32,
    input: SchemeInput,
) -> AppResult<YearScheme> {
    viewer.require_province_admin()?;
    let year = enterprises::check_plan_year("year", year)?;
    let scheme = scheme_from_input(input)?;
    let txn = begin_write(db).await?;
    let (row, _) = lock_open_year(&txn, year).await?;
    let now = Utc::now();
    let w = &scheme.weights;
    let b = &scheme.bands;
    let mut active: appraisal_year::ActiveModel = row.into();
    active.scheme_source = Set(SchemeSource::Set);
    set_year_scheme(&mut active, &scheme)?;
    active.scheme_set_by = Set(viewer.user_id());
    active.scheme_set_at = Set(Some(now));
    active.updated_at = Set(now);
    let saved = active.update(&txn).await?;
    appraisal_finding_rule::Entity::delete_many()
        .filter(appraisal_finding_rule::Column::Year.eq(year))
        .exec(&txn)
        .await?;
    appraisal_finding_rule::Entity::insert_many(finding_rule_rows(year, &scheme)?)
        .exec_without_returning(&txn)
        .await?;
    let recomputed = recompute_year(&txn, year, &scheme).await?;
    let rules = rules_of(&txn, year).await?;
    let result = year_scheme(&saved, &rules)?;
    audit_log::commit(
        txn,
        viewer,
        "setAppraisalScheme",
        "AppraisalScheme",
        Some(year.to_string()),
        json!({
            "weights": Dimension::ALL.iter().map(|d| (d.field_name(), w.get(*d).to_string())).collect::<BTreeMap<_, _>>(),
            "bands": { "excellent": b.excellent.to_string(), "good": b.good.to_string(), "qualified": b.qualified.to_string() },
            "deductionPoints": scheme.deduction_points.iter().map(|(k, p)| (k.as_str(), p.to_string())).collect::<BTreeMap<_, _>>(),
            "vetoKinds": scheme.veto_kinds.iter().map(|k| k.as_str()).collect::<Vec<_>>(),
            "recomputedAppraisals": recomputed,
        }),
    )
    .await?;
    Ok(result)
}

/// Recomputes the year's current appraisals under `scheme`: weights, finding deductions'
/// points, vetoes, totals and grades. Returns how many changed.
async fn recompute_year(txn: &impl ConnectionTrait, year: i32, scheme: &Scheme) -> AppResult<u64> {
    let current = appraisal::Entity::find()
        .filter(appraisal::Column::Year.eq(year))
        .filter(is_constant(appraisal::Column::Current, true))
        .all(txn)
        .await?;
    if current.is_empty() {
        return Ok(0);
    }
    let ids: Vec<Uuid> = current.iter().map(|a| a.id).collect();
    let mut deductions = unguarded::deductions_of(txn, &ids).await?;
    let mut changed = 0;
    for model in current {
        let rows = deductions.remove(&model.id).unwrap_or_default();
        let mut list = Vec::with_capacity(rows.len());
        let mut finding_kinds = Vec::new();
        for row in &rows {
            let mut deduction = deduction_of(row)?;
            if let DeductionSource::Finding(kind) = deduction.source {
                deduction.points = scheme.finding_points(kind);
                finding_kinds.push(kind);
                let points = to_stored("points", deduction.points)?;
                if points != row.points {
                    appraisal_deduction::Entity::update_many()
                        .col_expr(appraisal_deduction::Column::Points, Expr::value(points))
                        .filter(appraisal_deduction::Column::Id.eq(row.id))
                        .exec(txn)
                        .await?;
                }
            }
            list.push(deduction);
        }
        let breakdown = compute_total(scheme, &scores_of(&model), &list);
        let vetoed = scheme.is_vetoed(finding_kinds);
        let graded = grade(scheme, breakdown.total, vetoed);
        let mut active: appraisal::ActiveModel = model.into();
        set_weights!(&mut active, &scheme.weights);
        active.total_deduction = Set(to_stored("totalDeduction", breakdown.total_deduction)?);
        active.total = Set(to_stored("total", breakdown.total)?);
        active.grade = Set(graded);
        active.vetoed = Set(vetoed);
        if active.is_changed() {
            active.update(txn).await?;
            changed += 1;
        }
    }
    Ok(changed)
}

// ---------------------------------------------------------------------------------------
// Computed inputs.

/// What the registry itself says about a firm's year.
#[derive(Clone, Debug, PartialEq)]
pub struct ComputedInputs {
    /// The day head counts are taken (the year's last day, or today while it runs).
    pub as_of: NaiveDate,
    /// Audits the firm handed a report in for during the year.
    pub audits_served: u64,
    pub evaluations_held: u64,
    pub evaluations_passed: u64,
    pub acceptances_held: u64,
    pub acceptances_passed: u64,
    /// Distinct clients whose acceptance failed in the year.
    pub acceptance_failure_clients: u64,
    /// Distinct clients over the three years up to the year.
    pub clients_three_years: u64,
    /// Reports of the year whose lead auditor was not the firm's staff that day.
    pub lead_auditors_off_staff: u64,
    pub findings: Vec<FindingInput>,
    /// Staff employed on `as_of`.
    pub staff_count: u64,
    pub training_hours: Decimal,
    pub warnings: Vec<AppraisalWarning>,
}

/// The subquery of the firm's audits.
fn audits_of_firm(consultancy_id: Uuid) -> sea_orm::sea_query::SelectStatement {
    Query::select()
        .column(audit::Column::Id)
        .from(audit::Entity)
        .and_where(audit::Column::ConsultancyId.eq(consultancy_id))
        .to_owned()
}

/// Reads the registry's evidence about a firm's year (no access check).
pub async fn computed_inputs(
    db: &impl ConnectionTrait,
    consultancy_id: Uuid,
    year: i32,
) -> AppResult<ComputedInputs> {
    let (first_year, _) = client_window(year);
    let (window_start, start, end) = (year_start(first_year)?, year_start(year)?, year_end(year)?);
    let as_of = as_of_day(end, today());

    let audits: HashMap<Uuid, audit::Model> = audit::Entity::find()
        .filter(audit::Column::ConsultancyId.eq(consultancy_id))
        .all(db)
        .await?
        .into_iter()
        .map(|a| (a.id, a))
        .collect();
    let reports = audit_transition::Entity::find()
        .filter(audit_transition::Column::Event.eq(AuditEventKind::SubmitReport.as_str()))
        .filter(audit_transition::Column::OccurredOn.between(window_start, end))
        .filter(audit_transition::Column::AuditId.in_subquery(audits_of_firm(consultancy_id)))
        .all(db)
        .await?;
    let mut served: HashSet<Uuid> = HashSet::new();
    let mut clients: HashSet<Uuid> = HashSet::new();
    for report in &reports {
        let Some(audit) = audits.get(&report.audit_id) else {
            continue;
        };
        clients.insert(audit.enterprise_id);
        if report.occurred_on >= start {
            served.insert(audit.id);
        }
    }

    let reviews = review::Entity::find()
        .filter(is_constant(
            review::Column::Status,
            ReviewStatus::Held.as_str(),
        ))
        .filter(review::Column::Kind.is_in([
            ReviewKind::Evaluation.as_str(),
            ReviewKind::Acceptance.as_str(),
        ]))
        .filter(review::Column::ReviewDate.between(start, end))
        .filter(review::Column::AuditId.in_subquery(audits_of_firm(consultancy_id)))
        .all(db)
        .await?;
    let (mut evaluations_held, mut evaluations_passed) = (0, 0);
    let (mut acceptances_held, mut acceptances_passed) = (0, 0);
    let mut failed_clients: HashSet<Uuid> = HashSet::new();
    for r in &reviews {
        let passed = r.outcome == Some(ReviewOutcome::Passed);
        if r.kind == ReviewKind::Evaluation {
            evaluations_held += 1;
            evaluations_passed += u64::from(passed);
        } else {
            acceptances_held += 1;
            acceptances_passed += u64::from(passed);
            if !passed && let Some(audit) = audits.get(&r.audit_id) {
                failed_clients.insert(audit.enterprise_id);
            }
        }
    }

    let findings = recheck_findings_for(db, consultancy_id, year).await?;

    // Lead auditors of the year's reports (the audit keeps its latest), and those a recheck
    // traced, checked against their employment on the report's date.
    let mut leads: Vec<(Uuid, Uuid, NaiveDate)> = audits
        .values()
        .filter_map(|a| match (a.lead_auditor_id, a.report_submitted_on) {
            (Some(lead), Some(on)) if (start..=end).contains(&on) => Some((a.id, lead, on)),
            _ => None,
        })
        .collect();
    for f in &findings {
        if let (Some(lead), Some(on)) = (
            f.lead_auditor_staff_id,
            audits.get(&f.audit_id).and_then(|a| a.report_submitted_on),
        ) {
            leads.push((f.audit_id, lead, on));
        }
    }
    let lead_ids: Vec<Uuid> = leads.iter().map(|(_, lead, _)| *lead).collect();
    let lead_rows = if lead_ids.is_empty() {
        HashMap::new()
    } else {
        crate::services::unguarded::keyed_by_id::<entity::consultancy_staff::Entity>(db, &lead_ids)
            .await?
    };
    let off_staff: HashSet<Uuid> = leads
        .iter()
        .filter(|(_, lead, on)| {
            let staff = lead_rows
                .get(lead)
                .map(|s| (s.consultancy_id, s.started_on, s.ended_on));
            !lead_auditor_on_staff(consultancy_id, staff, *on)
        })
        .map(|(audit_id, _, _)| *audit_id)
        .collect();

    let staff = consultancy_staff::Entity::find()
        .filter(consultancy_staff::Column::ConsultancyId.eq(consultancy_id))
        .all(db)
        .await?;
    let staff_count = staff
        .iter()
        .filter(|s| employed_on(s.started_on, s.ended_on, as_of))
        .count() as u64;
    let training_hours = staff_training_hours(db, consultancy_id, year).await?;

    let facts = SignFacts {
        acceptance_failure_clients: failed_clients.len() as u64,
        clients_in_window: clients.len() as u64,
        lead_auditors_off_staff: off_staff.len() as u64,
    };
    Ok(ComputedInputs {
        as_of,
        audits_served: served.len() as u64,
        evaluations_held,
        evaluations_passed,
        acceptances_held,
        acceptances_passed,
        acceptance_failure_clients: facts.acceptance_failure_clients,
        clients_three_years: facts.clients_in_window,
        lead_auditors_off_staff: facts.lead_auditors_off_staff,
        findings,
        staff_count,
        training_hours,
        warnings: warning_signs(&facts),
    })
}

/// Who may read a firm's appraisal: administrators, and the firm itself.
fn require_read(viewer: &Viewer, consultancy_id: Uuid) -> AppResult<()> {
    if viewer.is_consultancy(consultancy_id) {
        return Ok(());
    }
    viewer.require_admin()
}

/// The registry's evidence about a firm's year as it stands now, for the appraiser to score
/// beside (administrators and the firm itself).
pub async fn appraisal_inputs(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    consultancy_id: Uuid,
    year: i32,
) -> AppResult<ComputedInputs> {
    require_read(viewer, consultancy_id)?;
    let year = enterprises::check_plan_year("year", year)?;
    consultancies::find(db, consultancy_id).await?;
    computed_inputs(db, consultancy_id, year).await
}

// ---------------------------------------------------------------------------------------
// Appraisals.

pub struct NewAppraisal {
    pub consultancy_id: Uuid,
    pub year: i32,
    pub scores: Scores,
    /// Manual deductions: (reason, points).
    pub deductions: Vec<(String, Decimal)>,
}

pub fn scores_of(m: &appraisal::Model) -> Scores {
    Scores {
        capacity_building: from_stored(m.capacity_building),
        report_quality: from_stored(m.report_quality),
        personnel_management: from_stored(m.personnel_management),
        service_quality: from_stored(m.service_quality),
        service_quantity: from_stored(m.service_quantity),
    }
}

pub fn weights_of(m: &appraisal::Model) -> Weights {
    weights_in!(m)
}

pub fn warnings_of(m: &appraisal::Model) -> AppResult<Vec<AppraisalWarning>> {
    split_enum_list(&m.warnings).map_err(|e| AppError::internal(format!("appraisal {}: {e}", m.id)))
}

/// The rules' deduction of a stored one.
pub fn deduction_of(row: &appraisal_deduction::Model) -> AppResult<Deduction> {
    let source: AppraisalDeductionSource = row.source;
    let source = match source {
        AppraisalDeductionSource::Manual => DeductionSource::Manual,
        AppraisalDeductionSource::RecheckFinding => {
            let kind = row
                .finding_kind
                .ok_or_else(|| AppError::internal(format!("deduction {} has no kind", row.id)))?;
            DeductionSource::Finding(kind)
        }
    };
    Ok(Deduction {
        source,
        reason: row.reason.clone(),
        points: from_stored(row.points),
    })
}

/// How the stored total came about, recomputed from the row's scores and weights and its
/// deductions (the same arithmetic that produced it).
pub fn breakdown_of(
    m: &appraisal::Model,
    deductions: &[appraisal_deduction::Model],
) -> AppResult<Breakdown> {
    let scheme = Scheme {
        weights: weights_of(m),
        ..Scheme::default()
    };
    let list = deductions
        .iter()
        .map(deduction_of)
        .collect::<AppResult<Vec<_>>>()?;
    Ok(compute_total(&scheme, &scores_of(m), &list))
}

/// Checks the scores and manual deductions, naming the field at fault.
fn check_appraisal_input(input: &NewAppraisal) -> AppResult<Vec<(String, Decimal)>> {
    for dimension in Dimension::ALL {
        let score = input.scores.get(dimension);
        validate_score(score).map_err(|_| {
            AppError::bad_input(
                dimension.field_name(),
                format!("must be 0–100 with at most two decimal places, not {score}"),
            )
        })?;
    }
    if input.deductions.len() > MAX_DEDUCTIONS {
        return Err(AppError::bad_input(
            "deductions",
            format!("at most {MAX_DEDUCTIONS} deductions"),
        ));
    }
    input
        .deductions
        .iter()
        .enumerate()
        .map(|(i, (reason, points))| {
            let reason = required_text(&format!("deductions[{i}].reason"), reason, MAX_REASON)?;
            let field = format!("deductions[{i}].points");
            validate_deduction_points(*points).map_err(|_| {
                AppError::bad_input(
                    field.clone(),
                    format!("must be 0–100 with at most two decimal places, not {points}"),
                )
            })?;
            if points.is_zero() {
                return Err(AppError::bad_input(field, "must be more than 0"));
            }
            Ok((reason, *points))
        })
        .collect()
}

fn finding_reason(f: &FindingInput) -> String {
    let text = format!("复核发现{}：{}", f.kind.label(), f.description.trim());
    text.chars().take(MAX_REASON).collect()
}

/// Records a firm's appraisal for a year (province admins): the five scores and manual
/// deductions; the recheck findings deduct and veto automatically under the year's scheme.
/// An earlier recording of the same year is kept as history.
pub async fn record_appraisal(
    db: &DatabaseConnection,
    viewer: &Viewer,
    input: NewAppraisal,
) -> AppResult<appraisal::Model> {
    viewer.require_province_admin()?;
    let year = enterprises::check_plan_year("year", input.year)?;
    let manual = check_appraisal_input(&input)?;
    let firm = consultancies::find_named(db, input.consultancy_id).await?;
    let inputs = computed_inputs(db, firm.id, year).await?;

    let txn = begin_write(db).await?;
    let (_, scheme) = lock_open_year(&txn, year).await?;
    let mut deductions: Vec<(Deduction, Option<Uuid>)> = inputs
        .findings
        .iter()
        .map(|f| {
            (
                finding_deduction(&scheme, f.kind, finding_reason(f)),
                Some(f.id),
            )
        })
        .collect();
    deductions.extend(manual.into_iter().map(|(reason, points)| {
        (
            Deduction {
                source: DeductionSource::Manual,
                reason,
                points,
            },
            None,
        )
    }));
    let list: Vec<Deduction> = deductions.iter().map(|(d, _)| d.clone()).collect();
    let breakdown = compute_total(&scheme, &input.scores, &list);
    let vetoed = scheme.is_vetoed(inputs.findings.iter().map(|f| f.kind));
    let graded = grade(&scheme, breakdown.total, vetoed);

    let now = Utc::now();
    let superseded = appraisal::Entity::update_many()
        .col_expr(appraisal::Column::Current, Expr::value(false))
        .col_expr(appraisal::Column::SupersededAt, Expr::value(Some(now)))
        .filter(appraisal::Column::ConsultancyId.eq(firm.id))
        .filter(appraisal::Column::Year.eq(year))
        .filter(is_constant(appraisal::Column::Current, true))
        .exec(&txn)
        .await?
        .rows_affected;
    let count = |n: u64| i32::try_from(n).unwrap_or(i32::MAX);
    let s = &input.scores;
    let mut active = appraisal::ActiveModel {
        id: Set(Uuid::now_v7()),
        consultancy_id: Set(firm.id),
        year: Set(year),
        capacity_building: Set(to_stored("capacityBuilding", s.capacity_building)?),
        report_quality: Set(to_stored("reportQuality", s.report_quality)?),
        personnel_management: Set(to_stored("personnelManagement", s.personnel_management)?),
        service_quality: Set(to_stored("serviceQuality", s.service_quality)?),
        service_quantity: Set(to_stored("serviceQuantity", s.service_quantity)?),
        total_deduction: Set(to_stored("deductions", breakdown.total_deduction)?),
        total: Set(to_stored("total", breakdown.total)?),
        grade: Set(graded),
        vetoed: Set(vetoed),
        audits_served: Set(count(inputs.audits_served)),
        evaluations_held: Set(count(inputs.evaluations_held)),
        evaluations_passed: Set(count(inputs.evaluations_passed)),
        acceptances_held: Set(count(inputs.acceptances_held)),
        acceptances_passed: Set(count(inputs.acceptances_passed)),
        acceptance_failure_clients: Set(count(inputs.acceptance_failure_clients)),
        clients_three_years: Set(count(inputs.clients_three_years)),
        lead_auditors_off_staff: Set(count(inputs.lead_auditors_off_staff)),
        recheck_findings: Set(count(inputs.findings.len() as u64)),
        staff_count: Set(count(inputs.staff_count)),
        training_hours: Set(to_stored("trainingHours", inputs.training_hours)?),
        warnings: Set(join_enum_list(&inputs.warnings)),
        current: Set(true),
        superseded_at: Set(None),
        recorded_by: Set(viewer.user_id()),
        recorded_at: Set(now),
        ..Default::default()
    };
    set_weights!(&mut active, &scheme.weights);
    let created = active.insert(&txn).await?;
    let rows = deductions
        .iter()
        .enumerate()
        .map(|(i, (d, finding_id))| {
            let (source, kind) = match d.source {
                DeductionSource::Manual => (AppraisalDeductionSource::Manual, None),
                DeductionSource::Finding(kind) => {
                    (AppraisalDeductionSource::RecheckFinding, Some(kind))
                }
            };
            Ok(appraisal_deduction::ActiveModel {
                id: Set(Uuid::now_v7()),
                appraisal_id: Set(created.id),
                position: Set(i32::try_from(i).unwrap_or(i32::MAX)),
                source: Set(source),
                finding_kind: Set(kind),
                finding_id: Set(*finding_id),
                reason: Set(d.reason.clone()),
                points: Set(to_stored("points", d.points)?),
            })
        })
        .collect::<AppResult<Vec<_>>>()?;
    if !rows.is_empty() {
        appraisal_deduction::Entity::insert_many(rows)
            .exec_without_returning(&txn)
            .await?;
    }
    audit_log::commit(
        txn,
        viewer,
        "recordAppraisal",
        "Appraisal",
        Some(created.id.to_string()),
        json!({
            "consultancyId": firm.id,
            "year": year,
            "scores": Dimension::ALL.iter().map(|d| (d.field_name(), s.get(*d).to_string())).collect::<BTreeMap<_, _>>(),
            "deductions": list.len(),
            "total": breakdown.total.to_string(),
            "grade": graded.as_str(),
            "vetoed": vetoed,
            "replacedEarlier": superseded > 0,
        }),
    )
    .await?;
    Ok(created)
}

/// A firm's current appraisal for a year, if recorded (administrators and the firm itself).
pub async fn get_appraisal(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    consultancy_id: Uuid,
    year: i32,
) -> AppResult<Option<appraisal::Model>> {
    require_read(viewer, consultancy_id)?;
    consultancies::find(db, consultancy_id).await?;
    Ok(appraisal::Entity::find()
        .filter(appraisal::Column::ConsultancyId.eq(consultancy_id))
        .filter(appraisal::Column::Year.eq(year))
        .filter(is_constant(appraisal::Column::Current, true))
        .one(db)
        .await?)
}

/// The earlier recordings of a firm's year, newest first (the caller has checked access).
pub async fn history_of(
    db: &impl ConnectionTrait,
    consultancy_id: Uuid,
    year: i32,
) -> AppResult<Vec<appraisal::Model>> {
    Ok(appraisal::Entity::find()
        .filter(appraisal::Column::ConsultancyId.eq(consultancy_id))
        .filter(appraisal::Column::Year.eq(year))
        .filter(is_constant(appraisal::Column::Current, false))
        .order_by_desc(appraisal::Column::Id)
        .all(db)
        .await?)
}

/// Batch reads for the GraphQL loaders, without a viewer: see `experts::unguarded`.
pub mod unguarded {
    use super::*;
    crate::services::owned_by_reads! {
        /// The deductions of each appraisal, in their order (for the loaders).
        deductions_of: appraisal_deduction by AppraisalId, ordered by AppraisalId, Position;
    }
}
