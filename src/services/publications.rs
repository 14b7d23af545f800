//! Publications (通报) of results, each a deliberate act with a date whose content is frozen
//! that day (like the ranking): a city's evaluation and acceptance results for a period it
//! chooses, and the province's recheck findings. Reads of what was published are public; they
//! read only the frozen tables, so later changes to audits, firms or experts change nothing.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use chrono::{NaiveDate, Utc};
use entity::{
    audit, city, consultancy, consultancy_staff, enterprise, expert, finding_publication,
    published_finding, recheck_finding, recheck_finding_expert, review, review_result_line,
    review_result_publication,
};
use sea_orm::sea_query::Query;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, Set,
};
use serde_json::json;
use uuid::Uuid;

use crate::auth::Viewer;
use crate::db::begin_write;
use crate::domain::{FindingStatus, ReviewKind};
use crate::error::{AppError, AppResult};
use crate::rules::finding_confirmation::publishable;
use crate::rules::result_publication::check_period;

use super::text::optional_text;
use super::{audit_log, grouped, today};

/// Findings named in one publication, at most.
const MAX_FINDING_IDS: usize = 500;

pub struct ReviewResultsInput {
    pub city_code: String,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub title: Option<String>,
}

/// A publication of review results with its frozen lines, in publication order.
pub struct ResultPublication {
    pub publication: review_result_publication::Model,
    pub lines: Vec<review_result_line::Model>,
}

/// A published finding with the day it was published.
#[derive(Clone)]
pub struct PublicFinding {
    pub line: published_finding::Model,
    pub published_on: NaiveDate,
    pub expert_names: Vec<String>,
}

/// The findings one publication published.
pub struct FindingPublication {
    pub publication: finding_publication::Model,
    pub findings: Vec<PublicFinding>,
}

/// A publication's year: four digits, so that its period prints as a plain date range.
fn year_bounds(field: &str, year: i32) -> AppResult<(NaiveDate, NaiveDate)> {
    if !(1900..=9999).contains(&year) {
        return Err(AppError::bad_input(field, "is out of range"));
    }
    super::year_bounds(field, year)
}

/// Publishes a city's evaluation and acceptance results with a recorded outcome whose review
/// date lies in the period (the city's admin, or the province).
pub async fn publish_review_results(
    db: &DatabaseConnection,
    viewer: &Viewer,
    input: ReviewResultsInput,
) -> AppResult<ResultPublication> {
    viewer.require_city(&input.city_code)?;
    let city = city::Entity::find_by_id(input.city_code.clone())
        .one(db)
        .await?
        .ok_or_else(|| AppError::bad_input("input.cityCode", "no such city"))?;
    check_period(input.from, input.to, today())
        .map_err(|e| AppError::bad_input(e.field(), e.to_string()))?;
    let title = optional_text("input.title", input.title, 200)?.unwrap_or_else(|| {
        format!(
            "{}清洁生产审核评估与验收结果通报（{}至{}）",
            city.name, input.from, input.to
        )
    });

    let txn = begin_write(db).await?;
    let city_audits = Query::select()
        .column(audit::Column::Id)
        .from(audit::Entity)
        .and_where(audit::Column::CityCode.eq(city.code.as_str()))
        .to_owned();
    let reviews = review::Entity::find()
        .filter(review::Column::AuditId.in_subquery(city_audits))
        .filter(review::Column::Kind.is_in([
            ReviewKind::Evaluation.as_str(),
            ReviewKind::Acceptance.as_str(),
        ]))
        .filter(review::Column::Outcome.is_not_null())
        .filter(review::Column::ReviewDate.gte(input.from))
        .filter(review::Column::ReviewDate.lte(input.to))
        .order_by_asc(review::Column::ReviewDate)
        .order_by_asc(review::Column::Id)
        .all(&txn)
        .await?;
    if reviews.is_empty() {
        return Err(AppError::bad_input(
            "input.from",
            "nothing to publish: no evaluation or acceptance result was recorded in the period",
        ));
    }
    let (audits, enterprises) =
        audits_and_enterprises(&txn, reviews.iter().map(|r| r.audit_id)).await?;

    let now = Utc::now();
    let publication = review_result_publication::ActiveModel {
        id: Set(Uuid::now_v7()),
        city_code: Set(city.code.clone()),
        period_from: Set(input.from),
        period_to: Set(input.to),
        title: Set(title),
        published_on: Set(today()),
        published_at: Set(now),
        published_by: Set(viewer.user_id()),
    }
    .insert(&txn)
    .await?;
    let mut lines = Vec::with_capacity(reviews.len());
    for (i, r) in reviews.iter().enumerate() {
        let Some(outcome) = r.outcome else { continue };
        let enterprise = audits
            .get(&r.audit_id)
            .and_then(|a| enterprises.get(&a.enterprise_id))
            .ok_or_else(|| AppError::internal(format!("review {} has no enterprise", r.id)))?;
        lines.push(review_result_line::Model {
            id: Uuid::now_v7(),
            publication_id: publication.id,
            position: i32::try_from(i + 1).unwrap_or(i32::MAX),
            review_id: r.id,
            enterprise_name: enterprise.name.clone(),
            credit_code: enterprise.credit_code.clone(),
            review_kind: r.kind,
            review_date: r.review_date,
            outcome,
            score: r.score,
        });
    }
    // Chunks keep each statement under the databases' bind-parameter limits.
    for chunk in lines.chunks(500) {
        review_result_line::Entity::insert_many(chunk.iter().cloned().map(|l| {
            review_result_line::ActiveModel {
                id: Set(l.id),
                publication_id: Set(l.publication_id),
                position: Set(l.position),
                review_id: Set(l.review_id),
                enterprise_name: Set(l.enterprise_name),
                credit_code: Set(l.credit_code),
                review_kind: Set(l.review_kind),
                review_date: Set(l.review_date),
                outcome: Set(l.outcome),
                score: Set(l.score),
            }
        }))
        .exec(&txn)
        .await?;
    }
    audit_log::commit(
        txn,
        viewer,
        "publishReviewResults",
        "ReviewResultPublication",
        Some(publication.id.to_string()),
        json!({
            "cityCode": publication.city_code,
            "from": publication.period_from,
            "to": publication.period_to,
            "title": publication.title,
            "lines": lines.len(),
        }),
    )
    .await?;
    Ok(ResultPublication { publication, lines })
}

/// The publications of review results whose period touches the year, one city's or every
/// city's, by period then publication time, each with its frozen lines. Public.
pub async fn published_review_results(
    db: &impl ConnectionTrait,
    city_code: Option<&str>,
    year: i32,
) -> AppResult<Vec<ResultPublication>> {
    let (first, last) = year_bounds("year", year)?;
    let mut query = review_result_publication::Entity::find()
        .filter(review_result_publication::Column::PeriodFrom.lte(last))
        .filter(review_result_publication::Column::PeriodTo.gte(first));
    if let Some(code) = city_code {
        query = query.filter(review_result_publication::Column::CityCode.eq(code));
    }
    let publications = query
        .order_by_asc(review_result_publication::Column::PeriodTo)
        .order_by_asc(review_result_publication::Column::Id)
        .all(db)
        .await?;
    if publications.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<Uuid> = publications.iter().map(|p| p.id).collect();
    let mut lines = grouped(
        review_result_line::Entity::find()
            .filter(review_result_line::Column::PublicationId.is_in(ids))
            .order_by_asc(review_result_line::Column::Position)
            .all(db)
            .await?,
        |l| l.publication_id,
    );
    Ok(publications
        .into_iter()
        .map(|p| ResultPublication {
            lines: lines.remove(&p.id).unwrap_or_default(),
            publication: p,
        })
        .collect())
}

/// Publishes recheck findings of a year province-wide (the province): the named ones, or every
/// CONFIRMED finding of the year not published yet; only confirmed findings are published
/// (`recheck_confirmation`). Each is frozen with its enterprise, the consultancy, the lead
/// auditor and the experts of the panels that passed the report (names only).
pub async fn publish_recheck_findings(
    db: &DatabaseConnection,
    viewer: &Viewer,
    year: i32,
    finding_ids: Option<Vec<Uuid>>,
) -> AppResult<FindingPublication> {
    viewer.require_province_admin()?;
    year_bounds("input.year", year)?;
    if let Some(ids) = &finding_ids {
        if ids.is_empty() {
            return Err(AppError::bad_input(
                "input.findingIds",
                "give at least one finding, or leave it out to publish all of the year",
            ));
        }
        if ids.len() > MAX_FINDING_IDS {
            return Err(AppError::bad_input(
                "input.findingIds",
                format!("at most {MAX_FINDING_IDS} at a time"),
            ));
        }
    }

    let txn = begin_write(db).await?;
    let published: HashSet<Uuid> = published_finding::Entity::find()
        .select_only()
        .column(published_finding::Column::FindingId)
        .filter(published_finding::Column::Year.eq(year))
        .into_tuple::<Uuid>()
        .all(&txn)
        .await?
        .into_iter()
        .collect();
    let findings: Vec<recheck_finding::Model> = match &finding_ids {
        Some(ids) => {
            let wanted: BTreeSet<Uuid> = ids.iter().copied().collect();
            let found = recheck_finding::Entity::find()
                .filter(recheck_finding::Column::Id.is_in(wanted.iter().copied()))
                .filter(recheck_finding::Column::Year.eq(year))
                .order_by_asc(recheck_finding::Column::RecordedAt)
                .order_by_asc(recheck_finding::Column::Id)
                .all(&txn)
                .await?;
            let have: HashSet<Uuid> = found.iter().map(|f| f.id).collect();
            if let Some(missing) = wanted.iter().find(|id| !have.contains(id)) {
                return Err(AppError::bad_input(
                    "input.findingIds",
                    format!("no recheck finding {missing} of the year"),
                ));
            }
            if let Some(again) = found.iter().find(|f| published.contains(&f.id)) {
                return Err(AppError::bad_input(
                    "input.findingIds",
                    format!("finding {} is already published", again.id),
                ));
            }
            if let Some(unconfirmed) = found.iter().find(|f| !publishable(f.status)) {
                return Err(AppError::bad_input(
                    "input.findingIds",
                    format!(
                        "finding {} is {}: only a CONFIRMED finding is published",
                        unconfirmed.id, unconfirmed.status
                    ),
                ));
            }
            found
        }
        None => {
            let unpublished: Vec<recheck_finding::Model> = recheck_finding::Entity::find()
                .filter(recheck_finding::Column::Year.eq(year))
                .filter(recheck_finding::Column::Status.ne(FindingStatus::Withdrawn.as_str()))
                .order_by_asc(recheck_finding::Column::RecordedAt)
                .order_by_asc(recheck_finding::Column::Id)
                .all(&txn)
                .await?
                .into_iter()
                .filter(|f| !published.contains(&f.id))
                .collect();
            let waiting = unpublished
                .iter()
                .filter(|f| !publishable(f.status))
                .count();
            let confirmed: Vec<recheck_finding::Model> = unpublished
                .into_iter()
                .filter(|f| publishable(f.status))
                .collect();
            if confirmed.is_empty() && waiting > 0 {
                return Err(AppError::bad_input(
                    "input.year",
                    format!(
                        "nothing to publish: none of the year's {waiting} unpublished findings is confirmed yet"
                    ),
                ));
            }
            confirmed
        }
    };
    if findings.is_empty() {
        return Err(AppError::bad_input(
            "input.year",
            "nothing to publish: every recorded finding of the year is published already, or there is none",
        ));
    }

    let (audits, enterprises) =
        audits_and_enterprises(&txn, findings.iter().map(|f| f.audit_id)).await?;
    let firm_ids: BTreeSet<Uuid> = findings.iter().filter_map(|f| f.consultancy_id).collect();
    let firms: HashMap<Uuid, consultancy::Model> = consultancy::Entity::find()
        .filter(consultancy::Column::Id.is_in(firm_ids))
        .all(&txn)
        .await?
        .into_iter()
        .map(|c| (c.id, c))
        .collect();
    let staff_ids: BTreeSet<Uuid> = findings
        .iter()
        .filter_map(|f| f.lead_auditor_staff_id)
        .collect();
    let staff: HashMap<Uuid, String> = consultancy_staff::Entity::find()
        .filter(consultancy_staff::Column::Id.is_in(staff_ids))
        .all(&txn)
        .await?
        .into_iter()
        .map(|s| (s.id, s.name))
        .collect();
    let implicated = recheck_finding_expert::Entity::find()
        .filter(recheck_finding_expert::Column::FindingId.is_in(findings.iter().map(|f| f.id)))
        .all(&txn)
        .await?;
    let expert_ids: BTreeSet<Uuid> = implicated.iter().map(|i| i.expert_id).collect();
    let expert_names: HashMap<Uuid, String> = expert::Entity::find()
        .filter(expert::Column::Id.is_in(expert_ids))
        .all(&txn)
        .await?
        .into_iter()
        .map(|e| (e.id, e.name))
        .collect();
    // Each expert once per finding (one may have sat on both the evaluation and the acceptance).
    let mut experts_of: HashMap<Uuid, BTreeMap<Uuid, String>> = HashMap::new();
    for i in &implicated {
        if let Some(name) = expert_names.get(&i.expert_id) {
            experts_of
                .entry(i.finding_id)
                .or_default()
                .insert(i.expert_id, name.clone());
        }
    }

    let today = today();
    let publication = finding_publication::ActiveModel {
        id: Set(Uuid::now_v7()),
        year: Set(year),
        published_on: Set(today),
        published_at: Set(Utc::now()),
        published_by: Set(viewer.user_id()),
    }
    .insert(&txn)
    .await?;
    let mut out = Vec::with_capacity(findings.len());
    for (i, f) in findings.iter().enumerate() {
        let enterprise = audits
            .get(&f.audit_id)
            .and_then(|a| enterprises.get(&a.enterprise_id))
            .ok_or_else(|| AppError::internal(format!("finding {} has no enterprise", f.id)))?;
        let firm = f.consultancy_id.and_then(|id| firms.get(&id));
        let mut names: Vec<String> = experts_of
            .remove(&f.id)
            .map(|m| m.into_values().collect())
            .unwrap_or_default();
        names.sort();
        let encoded = serde_json::to_string(&names)
            .map_err(|e| AppError::internal(format!("expert names: {e}")))?;
        let line = published_finding::ActiveModel {
            id: Set(Uuid::now_v7()),
            publication_id: Set(publication.id),
            finding_id: Set(f.id),
            position: Set(i32::try_from(i + 1).unwrap_or(i32::MAX)),
            year: Set(year),
            kind: Set(f.kind),
            description: Set(f.description.clone()),
            enterprise_name: Set(enterprise.name.clone()),
            enterprise_credit_code: Set(enterprise.credit_code.clone()),
            consultancy_id: Set(f.consultancy_id),
            consultancy_name: Set(firm.map(|c| c.name.clone())),
            consultancy_credit_code: Set(firm.map(|c| c.credit_code.clone())),
            lead_auditor_name: Set(f
                .lead_auditor_staff_id
                .and_then(|id| staff.get(&id).cloned())),
            expert_names: Set(encoded),
        }
        .insert(&txn)
        .await?;
        out.push(PublicFinding {
            line,
            published_on: today,
            expert_names: names,
        });
    }
    audit_log::commit(
        txn,
        viewer,
        "publishRecheckFindings",
        "FindingPublication",
        Some(publication.id.to_string()),
        json!({
            "year": year,
            "findings": findings.iter().map(|f| f.id).collect::<Vec<_>>(),
        }),
    )
    .await?;
    Ok(FindingPublication {
        publication,
        findings: out,
    })
}

fn public_findings(
    lines: Vec<published_finding::Model>,
    published_on: &HashMap<Uuid, NaiveDate>,
) -> AppResult<Vec<PublicFinding>> {
    lines
        .into_iter()
        .map(|line| {
            let expert_names: Vec<String> = serde_json::from_str(&line.expert_names)
                .map_err(|e| AppError::internal(format!("published expert names: {e}")))?;
            let on = published_on
                .get(&line.publication_id)
                .copied()
                .ok_or_else(|| {
                    AppError::internal(format!("published finding {} has no publication", line.id))
                })?;
            Ok(PublicFinding {
                line,
                published_on: on,
                expert_names,
            })
        })
        .collect()
}

async fn publication_days(
    db: &impl ConnectionTrait,
    ids: BTreeSet<Uuid>,
) -> AppResult<HashMap<Uuid, NaiveDate>> {
    Ok(finding_publication::Entity::find()
        .filter(finding_publication::Column::Id.is_in(ids))
        .all(db)
        .await?
        .into_iter()
        .map(|p| (p.id, p.published_on))
        .collect())
}

/// The findings of a year published so far, in publication order. Public.
pub async fn published_recheck_findings(
    db: &impl ConnectionTrait,
    year: i32,
) -> AppResult<Vec<PublicFinding>> {
    year_bounds("year", year)?;
    let lines = published_finding::Entity::find()
        .filter(published_finding::Column::Year.eq(year))
        .order_by_asc(published_finding::Column::PublicationId)
        .order_by_asc(published_finding::Column::Position)
        .all(db)
        .await?;
    let days = publication_days(db, lines.iter().map(|l| l.publication_id).collect()).await?;
    public_findings(lines, &days)
}

/// The published findings against each of the firms, latest publication first: two queries
/// for any number of firms (a page of the public registry). Public.
pub async fn published_findings_of_consultancies(
    db: &impl ConnectionTrait,
    firms: &[Uuid],
) -> AppResult<HashMap<Uuid, Vec<PublicFinding>>> {
    if firms.is_empty() {
        return Ok(HashMap::new());
    }
    let lines = published_finding::Entity::find()
        .filter(published_finding::Column::ConsultancyId.is_in(firms.iter().copied()))
        .order_by_desc(published_finding::Column::PublicationId)
        .order_by_asc(published_finding::Column::Position)
        .all(db)
        .await?;
    let days = publication_days(db, lines.iter().map(|l| l.publication_id).collect()).await?;
    let mut by_firm: HashMap<Uuid, Vec<PublicFinding>> = HashMap::new();
    for f in public_findings(lines, &days)? {
        if let Some(firm) = f.line.consultancy_id {
            by_firm.entry(firm).or_default().push(f);
        }
    }
    Ok(by_firm)
}

/// The audits named and their enterprises, by id: what each frozen line names.
async fn audits_and_enterprises(
    db: &impl ConnectionTrait,
    audit_ids: impl Iterator<Item = Uuid>,
) -> AppResult<(
    HashMap<Uuid, audit::Model>,
    HashMap<Uuid, enterprise::Model>,
)> {
    let audit_ids: Vec<Uuid> = audit_ids.collect::<BTreeSet<_>>().into_iter().collect();
    let audits = super::keyed_by_id::<audit::Entity>(db, &audit_ids).await?;
    let enterprise_ids: Vec<Uuid> = audits
        .values()
        .map(|a| a.enterprise_id)
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let enterprises = super::keyed_by_id::<enterprise::Entity>(db, &enterprise_ids).await?;
    Ok((audits, enterprises))
}
