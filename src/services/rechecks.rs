//! The province's yearly recheck sample (抽查复核) and the findings of rechecks, traced back to
//! the audit's consultancy, its lead auditor and the experts whose panel passed the report.
//!
//! The sample's population is every evaluation and acceptance held in the year whose audit
//! can be rechecked now (EVALUATED or ACCEPTED, the lifecycle's rule); it is drawn with
//! `rules::draw::draw_sample`, seeded like a panel (the sample's id in place of the review's),
//! and like a panel from random bytes committed to before the witness typed the nonce
//! (`openRecheckSample`).
//! Each sampled review is covered by one RECHECK review of its audit: the one already
//! scheduled, or a new one created with the audit service's own checks in the same
//! transaction. Two sampled reviews of one audit share its recheck.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use chrono::{Datelike, NaiveDate, Utc};
use entity::{
    panel_seat, recheck_commitment, recheck_finding, recheck_finding_expert, recheck_sample,
    recheck_sample_item, review,
};
use rust_decimal::Decimal;
use sea_orm::sea_query::Query;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder, Set,
};
use serde_json::json;
use uuid::Uuid;

use crate::auth::Viewer;
use crate::db::begin_write;
use crate::domain::{
    FindingKind, FindingStatus, ReviewKind, ReviewOutcome, ReviewStatus, Role, SeatStatus,
};
use crate::error::{AppError, AppResult};
use crate::rules::deadlines::DeadlinePolicy;
use crate::rules::draw::{
    DRAW_ALGORITHM as SAMPLE_ALGORITHM, DRAW_ALGORITHM_V1 as UNCOMMITTED_SAMPLE_ALGORITHM,
    bytes32_from_hex, commitment_of, derive_seed, draw_sample, eligible_digest, sample_size,
};
use crate::rules::finding_confirmation::response_due_on;

use super::pagination::{Page, PageRequest, fetch_page};
use super::text::required_text;
use super::{audit_log, audits, draw, is_constant, today, versioned};

/// Findings recorded in one call, at most.
const MAX_FINDINGS: usize = 50;

pub struct SampleInput {
    pub year: i32,
    pub rate: Decimal,
    pub witness_nonce: Option<String>,
    /// The date of the RECHECK reviews created; today (China) when absent.
    pub review_date: Option<NaiveDate>,
}

pub struct NewFinding {
    pub kind: FindingKind,
    pub description: String,
}

#[derive(Default)]
pub struct FindingFilter {
    pub year: Option<i32>,
    pub kind: Option<FindingKind>,
    pub consultancy_id: Option<Uuid>,
    pub lead_auditor_id: Option<Uuid>,
    pub expert_id: Option<Uuid>,
    pub city_code: Option<String>,
    pub status: Option<FindingStatus>,
}

fn sample_error(err: crate::rules::draw::SampleError) -> AppError {
    use crate::rules::draw::SampleError;
    match err {
        SampleError::RateOutOfRange(_) => AppError::bad_input("rate", err.to_string()),
        SampleError::DuplicateMember(_) | SampleError::SizeOverflow => {
            AppError::internal(err.to_string())
        }
    }
}

/// The audits that completed an evaluation or an acceptance in `year` (a PASSED one held
/// that year), each with the latest such review: the plan's 完成评估或验收的企业, whom the
/// province rechecks (每年不低于5%). A failed review completes nothing.
async fn completed_in_year(
    db: &impl ConnectionTrait,
    year: i32,
) -> AppResult<BTreeMap<Uuid, review::Model>> {
    let (first, last) = super::year_bounds("year", year)?;
    let held = review::Entity::find()
        .filter(review::Column::Kind.is_in([
            ReviewKind::Evaluation.as_str(),
            ReviewKind::Acceptance.as_str(),
        ]))
        .filter(is_constant(
            review::Column::Status,
            ReviewStatus::Held.as_str(),
        ))
        .filter(review::Column::Outcome.eq(ReviewOutcome::Passed.as_str()))
        .filter(review::Column::ReviewDate.between(first, last))
        .all(db)
        .await?;
    let mut latest: BTreeMap<Uuid, review::Model> = BTreeMap::new();
    for r in held {
        let later = latest
            .get(&r.audit_id)
            .is_none_or(|kept| (kept.review_date, kept.id) < (r.review_date, r.id));
        if later {
            latest.insert(r.audit_id, r);
        }
    }
    Ok(latest)
}

/// Audits already sampled in `year`'s earlier rounds.
async fn sampled_in_year(db: &impl ConnectionTrait, year: i32) -> AppResult<BTreeSet<Uuid>> {
    let samples = Query::select()
        .column(recheck_sample::Column::Id)
        .from(recheck_sample::Entity)
        .and_where(recheck_sample::Column::Year.eq(year))
        .to_owned();
    Ok(recheck_sample_item::Entity::find()
        .filter(recheck_sample_item::Column::SampleId.in_subquery(samples))
        .all(db)
        .await?
        .into_iter()
        .map(|item| item.audit_id)
        .collect())
}

fn check_sample_year(year: i32) -> AppResult<()> {
    let this_year = today().year();
    if !(2000..=this_year).contains(&year) {
        return Err(AppError::bad_input(
            "year",
            format!("must be a year from 2000 to {this_year}"),
        ));
    }
    Ok(())
}

/// Opens the year's next recheck sample (the province): the server fixes its random bytes
/// and shows their SHA-256 commitment, kept in the audit log, before the witness types the
/// nonce. The open commitment is answered again until a sample uses it.
pub async fn open_recheck_sample(
    db: &DatabaseConnection,
    viewer: &Viewer,
    year: i32,
) -> AppResult<recheck_commitment::Model> {
    viewer.require_province_admin()?;
    check_sample_year(year)?;
    if let Some(open) = open_commitment(db, year).await? {
        return Ok(open);
    }
    let random = draw::os_random()?;
    let txn = begin_write(db).await?;
    let saved = recheck_commitment::ActiveModel {
        id: Set(Uuid::now_v7()),
        year: Set(year),
        server_random: Set(hex::encode(random)),
        commitment: Set(hex::encode(commitment_of(&random))),
        committed_at: Set(Utc::now()),
        committed_by: Set(viewer.user_id()),
        used_at: Set(None),
    }
    .insert(&txn)
    .await?;
    audit_log::commit(
        txn,
        viewer,
        "openRecheckSample",
        "RecheckCommitment",
        Some(saved.id.to_string()),
        json!({ "year": year, "commitment": saved.commitment, "committedAt": saved.committed_at }),
    )
    .await?;
    Ok(saved)
}

/// The year's open (unused) recheck commitment, if any.
async fn open_commitment(
    db: &impl ConnectionTrait,
    year: i32,
) -> AppResult<Option<recheck_commitment::Model>> {
    Ok(recheck_commitment::Entity::find()
        .filter(recheck_commitment::Column::Year.eq(year))
        .filter(recheck_commitment::Column::UsedAt.is_null())
        .order_by_desc(recheck_commitment::Column::Id)
        .one(db)
        .await?)
}

/// Draws a recheck sample of the year (the province): ⌈rate × N⌉ of the N audits that
/// completed an evaluation or acceptance in the year and were not sampled yet, each given one
/// RECHECK. The first draw of a year is round 1; a later one is a supplementary sample from
/// those left. Every draw is verifiable like a panel's.
pub async fn draw_recheck_sample(
    db: &DatabaseConnection,
    viewer: &Viewer,
    policy: &DeadlinePolicy,
    input: SampleInput,
) -> AppResult<recheck_sample::Model> {
    viewer.require_province_admin()?;
    check_sample_year(input.year)?;
    sample_size(input.rate, 0).map_err(sample_error)?;
    let nonce = draw::check_nonce(input.witness_nonce)?;
    let review_date = input.review_date.unwrap_or_else(today);
    if review_date < today() {
        return Err(AppError::bad_input("reviewDate", "must not be in the past"));
    }

    let commitment = open_commitment(db, input.year).await?.ok_or_else(|| {
        AppError::bad_input(
            "year",
            "open the sample first (openRecheckSample): its commitment must be shown before the witness types the nonce",
        )
    })?;
    let server_random = bytes32_from_hex(&commitment.server_random).ok_or_else(|| {
        AppError::internal(format!(
            "commitment {} holds no random bytes",
            commitment.id
        ))
    })?;

    let txn = begin_write(db).await?;
    // Used up here, or lost to a sample drawn meanwhile.
    let update = recheck_commitment::Entity::update_many()
        .col_expr(
            recheck_commitment::Column::UsedAt,
            sea_orm::sea_query::Expr::value(Some(Utc::now())),
        )
        .filter(recheck_commitment::Column::Id.eq(commitment.id))
        .filter(recheck_commitment::Column::UsedAt.is_null());
    versioned::write_guarded(&txn, update, || {
        AppError::conflict("another sample used this commitment meanwhile; open the next one")
    })
    .await?;
    let round = recheck_sample::Entity::find()
        .filter(recheck_sample::Column::Year.eq(input.year))
        .all(&txn)
        .await?
        .iter()
        .map(|s| s.round)
        .max()
        .unwrap_or(0)
        + 1;
    let already = sampled_in_year(&txn, input.year).await?;
    let mut completed = completed_in_year(&txn, input.year).await?;
    completed.retain(|audit_id, _| !already.contains(audit_id));
    if completed.is_empty() {
        return Err(AppError::bad_input(
            "year",
            format!(
                "no audit that completed an evaluation or acceptance in {} is left to sample",
                input.year
            ),
        ));
    }
    // Ascending audit ids: the population as recorded and drawn from.
    let ids: Vec<Uuid> = completed.keys().copied().collect();
    let sample_id = Uuid::now_v7();
    let seed = derive_seed(&server_random, sample_id, &nonce);
    let sampled = draw_sample(&ids, input.rate, &seed).map_err(sample_error)?;
    let audit_rows =
        crate::services::unguarded::keyed_by_id::<entity::audit::Entity>(&txn, &sampled).await?;

    let sample = recheck_sample::ActiveModel {
        id: Set(sample_id),
        year: Set(input.year),
        round: Set(round),
        rate: Set(input.rate.normalize().to_string()),
        review_date: Set(review_date),
        algorithm: Set(SAMPLE_ALGORITHM.to_owned()),
        server_random: Set(hex::encode(server_random)),
        witness_nonce: Set(nonce),
        seed: Set(hex::encode(seed)),
        population_count: Set(i32::try_from(ids.len()).unwrap_or(i32::MAX)),
        population_digest: Set(hex::encode(eligible_digest(&ids))),
        population: Set(serde_json::to_string(&ids)
            .map_err(|e| AppError::internal(format!("encoding the population: {e}")))?),
        sample_size: Set(i32::try_from(sampled.len()).unwrap_or(i32::MAX)),
        drawn_by: Set(viewer.user_id()),
        drawn_at: Set(Utc::now()),
        commitment_id: Set(Some(commitment.id)),
        commitment: Set(Some(commitment.commitment.clone())),
        committed_at: Set(Some(commitment.committed_at)),
    }
    .insert(&txn)
    .await?;

    let mut created = Vec::new();
    for (position, audit_id) in sampled.iter().enumerate() {
        let passed = completed
            .get(audit_id)
            .ok_or_else(|| AppError::internal("a sampled audit is not in the population"))?;
        let audit = audit_rows
            .get(audit_id)
            .ok_or_else(|| AppError::internal("a sampled audit is missing"))?;
        let recheck_id = match audits::scheduled_review(&txn, audit.id, ReviewKind::Recheck).await?
        {
            Some(pending) => pending.id,
            None => {
                let new = audits::insert_review(
                    &txn,
                    viewer,
                    policy,
                    audit,
                    ReviewKind::Recheck,
                    review_date,
                )
                .await?;
                created.push(new.id);
                new.id
            }
        };
        recheck_sample_item::ActiveModel {
            sample_id: Set(sample.id),
            position: Set(i32::try_from(position).unwrap_or(i32::MAX)),
            sampled_review_id: Set(passed.id),
            audit_id: Set(audit.id),
            recheck_review_id: Set(recheck_id),
        }
        .insert(&txn)
        .await?;
    }
    audit_log::commit(
        txn,
        viewer,
        "drawRecheckSample",
        "RecheckSample",
        Some(sample.id.to_string()),
        json!({
            "year": sample.year,
            "round": sample.round,
            "rate": sample.rate,
            "algorithm": SAMPLE_ALGORITHM,
            "commitment": sample.commitment,
            "seed": sample.seed,
            "populationCount": sample.population_count,
            "populationDigest": sample.population_digest,
            "sample": sampled,
            "rechecksCreated": created,
        }),
    )
    .await?;
    Ok(sample)
}

/// A year's rechecks: every draw, in rounds, and the audits that completed an evaluation or
/// acceptance in the year against those sampled (the plan: 每年不低于5%).
pub struct RecheckYear {
    pub year: i32,
    pub draws: Vec<recheck_sample::Model>,
    /// Audits that completed an evaluation or acceptance in the year.
    pub population: u64,
    /// Of them, those sampled by any of the year's draws.
    pub sampled: u64,
}

/// A year's recheck draws and the share of its population sampled (the province).
pub async fn get_year(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    year: i32,
) -> AppResult<RecheckYear> {
    viewer.require_province_admin()?;
    super::year_bounds("year", year)?;
    let draws = recheck_sample::Entity::find()
        .filter(recheck_sample::Column::Year.eq(year))
        .order_by_asc(recheck_sample::Column::Round)
        .all(db)
        .await?;
    let completed = completed_in_year(db, year).await?;
    let sampled = sampled_in_year(db, year).await?;
    let counted = sampled.iter().filter(|a| completed.contains_key(a)).count();
    Ok(RecheckYear {
        year,
        draws,
        population: u64::try_from(completed.len()).unwrap_or(u64::MAX),
        sampled: u64::try_from(counted).unwrap_or(u64::MAX),
    })
}

pub async fn sample_items(
    db: &impl ConnectionTrait,
    sample_id: Uuid,
) -> AppResult<Vec<recheck_sample_item::Model>> {
    Ok(recheck_sample_item::Entity::find()
        .filter(recheck_sample_item::Column::SampleId.eq(sample_id))
        .order_by_asc(recheck_sample_item::Column::Position)
        .all(db)
        .await?)
}

pub fn population_of(sample: &recheck_sample::Model) -> AppResult<Vec<Uuid>> {
    serde_json::from_str(&sample.population)
        .map_err(|e| AppError::internal(format!("stored population of {}: {e}", sample.id)))
}

/// Whether the stored sample re-derives: the seed from its inputs, the population digest,
/// and the sampled audits (or, for samples from before, reviews) in order.
pub fn sample_reproduces(
    sample: &recheck_sample::Model,
    items: &[recheck_sample_item::Model],
) -> AppResult<bool> {
    let population = population_of(sample)?;
    let (Some(random), Some(seed)) = (
        bytes32_from_hex(&sample.server_random),
        bytes32_from_hex(&sample.seed),
    ) else {
        return Ok(false);
    };
    let Ok(rate) = sample.rate.parse::<Decimal>() else {
        return Ok(false);
    };
    // Committed samples: the revealed bytes must be those committed to before the draw.
    // Samples from before commitments (v1) have none.
    let committed = match sample.algorithm.as_str() {
        SAMPLE_ALGORITHM => {
            sample.commitment.as_deref() == Some(hex::encode(commitment_of(&random)).as_str())
                && sample.committed_at.is_some_and(|at| at <= sample.drawn_at)
        }
        UNCOMMITTED_SAMPLE_ALGORITHM => sample.commitment.is_none(),
        _ => false,
    };
    if !committed
        || derive_seed(&random, sample.id, &sample.witness_nonce) != seed
        || hex::encode(eligible_digest(&population)) != sample.population_digest
    {
        return Ok(false);
    }
    let Ok(expected) = draw_sample(&population, rate, &seed) else {
        return Ok(false);
    };
    // Samples draw audits; those drawn before audits became the unit drew reviews. The
    // population says which: its ids are one or the other.
    let audits: Vec<Uuid> = items.iter().map(|i| i.audit_id).collect();
    let reviews: Vec<Uuid> = items.iter().map(|i| i.sampled_review_id).collect();
    Ok(expected == audits || expected == reviews)
}

// Findings.

/// Records findings of a recheck (the province), each traced to the audit's consultancy, its
/// lead auditor and the experts who sat on the panels that passed the report. Each starts
/// RECORDED: the consultancy may respond for `response_days` days (it is told, with the
/// deadline) before the province confirms it (`recheck_confirmation`).
pub async fn record_findings(
    db: &DatabaseConnection,
    viewer: &Viewer,
    review_id: Uuid,
    findings: Vec<NewFinding>,
    response_days: u32,
) -> AppResult<Vec<recheck_finding::Model>> {
    viewer.require_province_admin()?;
    let recheck = audits::find_review(db, review_id).await?;
    if recheck.kind != ReviewKind::Recheck {
        return Err(AppError::bad_input(
            "reviewId",
            "findings belong to a RECHECK review",
        ));
    }
    if recheck.review_date > today() {
        return Err(AppError::bad_input(
            "reviewId",
            format!(
                "the recheck is on {}; findings are recorded on or after that day",
                recheck.review_date
            ),
        ));
    }
    if findings.is_empty() {
        return Err(AppError::bad_input("findings", "give at least one finding"));
    }
    if findings.len() > MAX_FINDINGS {
        return Err(AppError::bad_input(
            "findings",
            format!("at most {MAX_FINDINGS} at a time"),
        ));
    }
    let mut checked = Vec::with_capacity(findings.len());
    for (i, f) in findings.into_iter().enumerate() {
        let description =
            required_text(&format!("findings[{i}].description"), &f.description, 5000)?;
        checked.push((f.kind, description));
    }
    let audit = audits::find(db, recheck.audit_id).await?;

    let txn = begin_write(db).await?;
    // The panels that passed the report: evaluations and acceptances of the audit held with
    // a PASSED outcome up to the recheck; an expert sat if the seat is ATTENDED, or CONFIRMED
    // with no attendance recorded.
    let passed = Query::select()
        .column(review::Column::Id)
        .from(review::Entity)
        .and_where(review::Column::AuditId.eq(audit.id))
        .and_where(review::Column::Kind.is_in([
            ReviewKind::Evaluation.as_str(),
            ReviewKind::Acceptance.as_str(),
        ]))
        .and_where(is_constant(
            review::Column::Status,
            ReviewStatus::Held.as_str(),
        ))
        .and_where(review::Column::Outcome.eq(ReviewOutcome::Passed.as_str()))
        .and_where(review::Column::ReviewDate.lte(recheck.review_date))
        .to_owned();
    let sat: Vec<panel_seat::Model> = panel_seat::Entity::find()
        .filter(panel_seat::Column::ReviewId.in_subquery(passed))
        .filter(panel_seat::Column::Status.is_in([
            SeatStatus::Attended.as_str(),
            SeatStatus::Confirmed.as_str(),
        ]))
        .order_by_asc(panel_seat::Column::Id)
        .all(&txn)
        .await?;
    let now = Utc::now();
    let due = response_due_on(today(), response_days);
    let mut created = Vec::with_capacity(checked.len());
    for (kind, description) in checked {
        let finding = recheck_finding::ActiveModel {
            id: Set(Uuid::now_v7()),
            review_id: Set(recheck.id),
            audit_id: Set(audit.id),
            year: Set(recheck.review_date.year()),
            city_code: Set(audit.city_code.clone()),
            kind: Set(kind),
            description: Set(description),
            consultancy_id: Set(audit.consultancy_id),
            lead_auditor_staff_id: Set(audit.lead_auditor_id),
            recorded_by: Set(viewer.user_id()),
            recorded_at: Set(now),
            status: Set(FindingStatus::Recorded),
            response_due_on: Set(Some(due)),
            response: Set(None),
            responded_at: Set(None),
            responded_by: Set(None),
            decided_at: Set(None),
            decided_by: Set(None),
            decision_note: Set(None),
        }
        .insert(&txn)
        .await?;
        if !sat.is_empty() {
            recheck_finding_expert::Entity::insert_many(sat.iter().map(|seat| {
                recheck_finding_expert::ActiveModel {
                    finding_id: Set(finding.id),
                    seat_id: Set(seat.id),
                    expert_id: Set(seat.expert_id),
                    passed_review_id: Set(seat.review_id),
                }
            }))
            .exec(&txn)
            .await?;
        }
        created.push(finding);
    }
    let enterprise = super::enterprises::find(&txn, audit.enterprise_id).await?;
    super::recheck_confirmation::notify_recorded(&txn, &created, &enterprise.name, &recheck)
        .await?;
    let experts: HashSet<Uuid> = sat.iter().map(|s| s.expert_id).collect();
    audit_log::commit(
        txn,
        viewer,
        "recordRecheckFindings",
        "Review",
        Some(recheck.id.to_string()),
        json!({
            "auditId": audit.id,
            "findings": created.iter().map(|f| json!({ "id": f.id, "kind": f.kind })).collect::<Vec<_>>(),
            "consultancyId": audit.consultancy_id,
            "leadAuditorId": audit.lead_auditor_id,
            "experts": experts.len(),
            "responseDueOn": due,
        }),
    )
    .await?;
    Ok(created)
}

/// Whether the viewer may read a finding: the province; the admins of the audit's city; the
/// consultancy it traces to; an expert it implicates.
pub fn may_read(
    viewer: &Viewer,
    finding: &recheck_finding::Model,
    implicates_viewer: bool,
) -> bool {
    match viewer.role() {
        Some(Role::ProvinceAdmin) => true,
        Some(Role::CityAdmin) => viewer.city_scope() == Some(finding.city_code.as_str()),
        Some(Role::Consultancy) => finding
            .consultancy_id
            .is_some_and(|c| viewer.is_consultancy(c)),
        Some(Role::Expert) => implicates_viewer,
        // The audited enterprise is not a party to a recheck's findings; rechecks are the
        // province's and the city's business, not a county's.
        Some(Role::Enterprise | Role::CountyAdmin) | None => false,
    }
}

/// Findings the viewer may read, newest last, narrowed by the filter.
pub async fn list_findings(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    filter: FindingFilter,
    page: PageRequest,
) -> AppResult<Page<recheck_finding::Model>> {
    let principal = viewer.require_user()?;
    let mut query = recheck_finding::Entity::find();
    match principal.role {
        Role::ProvinceAdmin => {}
        Role::CityAdmin => {
            let city = viewer.list_city(filter.city_code.as_deref())?;
            if let Some(city) = city {
                query = query.filter(recheck_finding::Column::CityCode.eq(city));
            }
        }
        Role::Consultancy => {
            let own = viewer
                .consultancy_id()
                .ok_or_else(|| AppError::forbidden("a consultancy user without a firm"))?;
            if filter.consultancy_id.is_some_and(|c| c != own) {
                return Err(AppError::forbidden(
                    "a consultancy sees only its own findings",
                ));
            }
            query = query.filter(recheck_finding::Column::ConsultancyId.eq(own));
        }
        Role::Enterprise | Role::CountyAdmin => {
            return Err(AppError::forbidden(
                "recheck findings are read by the province, the city and the parties they name",
            ));
        }
        Role::Expert => {
            let own = principal
                .expert_id
                .ok_or_else(|| AppError::forbidden("an expert user without an expert record"))?;
            if filter.expert_id.is_some_and(|e| e != own) {
                return Err(AppError::forbidden(
                    "an expert sees only the findings against their own panels",
                ));
            }
            query = query.filter(
                recheck_finding::Column::Id.in_subquery(
                    Query::select()
                        .column(recheck_finding_expert::Column::FindingId)
                        .from(recheck_finding_expert::Entity)
                        .and_where(recheck_finding_expert::Column::ExpertId.eq(own))
                        .to_owned(),
                ),
            );
        }
    }
    if principal.role == Role::ProvinceAdmin
        && let Some(city) = &filter.city_code
    {
        query = query.filter(recheck_finding::Column::CityCode.eq(city.trim()));
    }
    if let Some(year) = filter.year {
        query = query.filter(recheck_finding::Column::Year.eq(year));
    }
    if let Some(kind) = filter.kind {
        query = query.filter(recheck_finding::Column::Kind.eq(kind.as_str()));
    }
    if let Some(status) = filter.status {
        query = query.filter(recheck_finding::Column::Status.eq(status.as_str()));
    }
    if let Some(firm) = filter.consultancy_id {
        query = query.filter(recheck_finding::Column::ConsultancyId.eq(firm));
    }
    if let Some(lead) = filter.lead_auditor_id {
        query = query.filter(recheck_finding::Column::LeadAuditorStaffId.eq(lead));
    }
    if let Some(expert) = filter.expert_id {
        query = query.filter(
            recheck_finding::Column::Id.in_subquery(
                Query::select()
                    .column(recheck_finding_expert::Column::FindingId)
                    .from(recheck_finding_expert::Entity)
                    .and_where(recheck_finding_expert::Column::ExpertId.eq(expert))
                    .to_owned(),
            ),
        );
    }
    fetch_page(db, query, recheck_finding::Column::Id, page).await
}

/// Batch reads for the GraphQL loaders, without a viewer: see `experts::unguarded`.
pub mod unguarded {
    use super::*;
    crate::services::owned_by_reads! {
        findings_of_reviews: recheck_finding by ReviewId, ordered by Id;
        findings_of_consultancies: recheck_finding by ConsultancyId, ordered by Id;
        findings_of_staff: recheck_finding by LeadAuditorStaffId, ordered by Id;
        implicated_of: recheck_finding_expert by FindingId, ordered by ExpertId;
    }

    /// Findings implicating each expert (through a seat on a panel that passed the report).
    pub async fn findings_of_experts(
        db: &impl ConnectionTrait,
        ids: &[Uuid],
    ) -> AppResult<HashMap<Uuid, Vec<recheck_finding::Model>>> {
        let links = recheck_finding_expert::Entity::find()
            .filter(recheck_finding_expert::Column::ExpertId.is_in(ids.iter().copied()))
            .all(db)
            .await?;
        let finding_ids: Vec<Uuid> = links.iter().map(|l| l.finding_id).collect();
        let findings: HashMap<Uuid, recheck_finding::Model> = recheck_finding::Entity::find()
            .filter(recheck_finding::Column::Id.is_in(finding_ids))
            .all(db)
            .await?
            .into_iter()
            .map(|f| (f.id, f))
            .collect();
        let mut map: HashMap<Uuid, Vec<recheck_finding::Model>> = HashMap::new();
        for link in links {
            if let Some(f) = findings.get(&link.finding_id) {
                let list = map.entry(link.expert_id).or_default();
                // An expert who sat on both passing panels is implicated once per finding.
                if !list.iter().any(|x| x.id == f.id) {
                    list.push(f.clone());
                }
            }
        }
        for list in map.values_mut() {
            list.sort_by_key(|f| f.id);
        }
        Ok(map)
    }
}
