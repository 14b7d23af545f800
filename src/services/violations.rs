//! Violations (违法违规记录): penalty decisions against enterprises, consultancies and experts
//! for not auditing, falsifying or misreporting. Published ones are public, as the plan's
//! credit management asks (通过"信用山西"网站等渠道向社会公布).
//!
//! The province records and publishes any; a city bureau those against enterprises of its
//! city (it penalises them; firms and experts are managed by the province). The subject's name
//! and credit code are kept as they were on the day, like the decision they come from.

use chrono::{NaiveDate, Utc};
use entity::{consultancy, enterprise, expert, violation};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    Select, Set,
};
use serde_json::json;
use uuid::Uuid;

use crate::auth::Viewer;
use crate::db::begin_write;
use crate::domain::{DocumentKind, DocumentOwnerType, ViolationKind, ViolationSubjectKind};
use crate::error::{AppError, AppResult};

use super::pagination::{Page, PageRequest, fetch_page};
use super::text::{like_any, optional_text, required_text, search_text};
use super::{audit_log, past_or_today};

pub struct NewViolation {
    pub subject_kind: ViolationSubjectKind,
    pub subject_id: Uuid,
    pub kind: ViolationKind,
    pub decision_date: NaiveDate,
    pub decision_number: String,
    pub penalty: String,
    pub description: Option<String>,
}

#[derive(Default)]
pub struct ViolationFilter {
    pub subject_kind: Option<ViolationSubjectKind>,
    pub subject_id: Option<Uuid>,
    pub kind: Option<ViolationKind>,
    /// The year of the decision.
    pub year: Option<i32>,
    pub city_code: Option<String>,
    /// Part of the subject's name or credit code, or of the decision number.
    pub text: Option<String>,
    /// Administrators only; the public list is always published ones.
    pub published: Option<bool>,
}

/// The subject as the record keeps it: (name, credit code, city).
struct Subject {
    name: String,
    credit_code: Option<String>,
    city_code: Option<String>,
}

async fn find_subject(
    db: &impl ConnectionTrait,
    kind: ViolationSubjectKind,
    id: Uuid,
) -> AppResult<Subject> {
    let missing = || AppError::bad_input("subjectId", format!("no such {}", kind.label()));
    Ok(match kind {
        ViolationSubjectKind::Enterprise => {
            let e = enterprise::Entity::find_by_id(id)
                .one(db)
                .await?
                .ok_or_else(missing)?;
            Subject {
                name: e.name,
                credit_code: Some(e.credit_code),
                city_code: Some(e.city_code),
            }
        }
        ViolationSubjectKind::Consultancy => {
            let c = consultancy::Entity::find_by_id(id)
                .one(db)
                .await?
                .ok_or_else(missing)?;
            Subject {
                name: c.name,
                credit_code: Some(c.credit_code),
                city_code: Some(c.city_code),
            }
        }
        ViolationSubjectKind::Expert => {
            let e = expert::Entity::find_by_id(id)
                .one(db)
                .await?
                .ok_or_else(missing)?;
            // An expert is a person: the public notice names them, without an ID number.
            Subject {
                name: e.name,
                credit_code: None,
                city_code: Some(e.city_code),
            }
        }
    })
}

/// Who may record or publish a violation: the province any; a city admin one against an
/// enterprise of their city.
fn require_manage(
    viewer: &Viewer,
    kind: ViolationSubjectKind,
    city_code: Option<&str>,
) -> AppResult<()> {
    viewer.require_admin()?;
    if viewer.is_province_admin() {
        return Ok(());
    }
    match (kind, city_code) {
        (ViolationSubjectKind::Enterprise, Some(city)) => viewer.require_city(city),
        _ => Err(AppError::forbidden(
            "violations of consultancies and experts are recorded by the province",
        )),
    }
}

pub async fn find(db: &impl ConnectionTrait, id: Uuid) -> AppResult<violation::Model> {
    violation::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(|| AppError::not_found("Violation", id))
}

pub async fn record_violation(
    db: &DatabaseConnection,
    viewer: &Viewer,
    input: NewViolation,
) -> AppResult<violation::Model> {
    viewer.require_admin()?;
    // A city admin may only ever act on enterprises: refuse the rest before reading anything.
    if !viewer.is_province_admin() && input.subject_kind != ViolationSubjectKind::Enterprise {
        require_manage(viewer, input.subject_kind, None)?;
    }
    let decision_date = past_or_today("decisionDate", input.decision_date)?;
    let decision_number = required_text("decisionNumber", &input.decision_number, 100)?;
    let penalty = required_text("penalty", &input.penalty, 500)?;
    let description = optional_text("description", input.description, 2000)?;
    let subject = find_subject(db, input.subject_kind, input.subject_id).await?;
    require_manage(viewer, input.subject_kind, subject.city_code.as_deref())?;

    let txn = begin_write(db).await?;
    let taken = violation::Entity::find()
        .filter(violation::Column::DecisionNumber.eq(decision_number.as_str()))
        .one(&txn)
        .await?;
    if taken.is_some() {
        return Err(AppError::conflict(format!(
            "decision {decision_number} is already recorded"
        )));
    }
    let created = violation::ActiveModel {
        id: Set(Uuid::now_v7()),
        subject_kind: Set(input.subject_kind),
        subject_id: Set(input.subject_id),
        subject_name: Set(subject.name),
        subject_credit_code: Set(subject.credit_code),
        city_code: Set(subject.city_code),
        kind: Set(input.kind),
        decision_date: Set(decision_date),
        decision_number: Set(decision_number),
        penalty: Set(penalty),
        description: Set(description),
        published: Set(false),
        published_at: Set(None),
        published_by: Set(None),
        recorded_by: Set(viewer.user_id()),
        recorded_at: Set(Utc::now()),
    }
    .insert(&txn)
    .await?;
    audit_log::commit(
        txn,
        viewer,
        "recordViolation",
        "Violation",
        Some(created.id.to_string()),
        json!({
            "subjectKind": created.subject_kind,
            "subjectId": created.subject_id,
            "kind": created.kind,
            "decisionDate": created.decision_date,
            "decisionNumber": created.decision_number,
        }),
    )
    .await?;
    Ok(created)
}

/// Makes a violation public. Published records are final: publishing again is a CONFLICT.
pub async fn publish_violation(
    db: &DatabaseConnection,
    viewer: &Viewer,
    step_documents: super::documents::StepDocuments,
    id: Uuid,
) -> AppResult<violation::Model> {
    viewer.require_admin()?;
    let current = find(db, id).await?;
    require_manage(viewer, current.subject_kind, current.city_code.as_deref())?;
    if current.published {
        return Err(AppError::conflict("the violation is already published"));
    }
    // The decision itself must be uploaded first.
    let backing = super::documents::required(
        db,
        step_documents,
        DocumentOwnerType::Violation,
        id,
        &[&[DocumentKind::PenaltyDecision]],
    )
    .await?;
    let txn = begin_write(db).await?;
    let now = Utc::now();
    let mut active: violation::ActiveModel = current.into();
    active.published = Set(true);
    active.published_at = Set(Some(now));
    active.published_by = Set(viewer.user_id());
    let result = violation::Entity::update_many()
        .set(active)
        .filter(violation::Column::Id.eq(id))
        .filter(violation::Column::Published.eq(false))
        .exec(&txn)
        .await?;
    if result.rows_affected != 1 {
        return Err(AppError::conflict("the violation is already published"));
    }
    super::documents::lock(&txn, &backing, "publishViolation").await?;
    let updated = find(&txn, id).await?;
    audit_log::commit(
        txn,
        viewer,
        "publishViolation",
        "Violation",
        Some(id.to_string()),
        json!({ "publishedAt": now, "documents": backing }),
    )
    .await?;
    Ok(updated)
}

fn filtered(filter: ViolationFilter) -> AppResult<Select<violation::Entity>> {
    let mut query = violation::Entity::find();
    if let Some(kind) = filter.subject_kind {
        query = query.filter(violation::Column::SubjectKind.eq(kind.as_str()));
    }
    if let Some(id) = filter.subject_id {
        query = query.filter(violation::Column::SubjectId.eq(id));
    }
    if let Some(kind) = filter.kind {
        query = query.filter(violation::Column::Kind.eq(kind.as_str()));
    }
    if let Some(year) = filter.year {
        let (Some(first), Some(last)) = (
            NaiveDate::from_ymd_opt(year, 1, 1),
            NaiveDate::from_ymd_opt(year, 12, 31),
        ) else {
            return Err(AppError::bad_input("filter.year", "is out of range"));
        };
        query = query.filter(violation::Column::DecisionDate.between(first, last));
    }
    if let Some(city) = filter.city_code.as_deref().map(str::trim) {
        query = query.filter(violation::Column::CityCode.eq(city));
    }
    if let Some(published) = filter.published {
        query = query.filter(violation::Column::Published.eq(published));
    }
    if let Some(pattern) = search_text("filter.text", filter.text.as_deref())? {
        query = query.filter(like_any(
            &[
                violation::Column::SubjectName,
                violation::Column::SubjectCreditCode,
                violation::Column::DecisionNumber,
            ],
            &pattern,
        ));
    }
    Ok(query)
}

/// Every violation, published or not (administrators; a city admin those of their city).
pub async fn list_violations(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    mut filter: ViolationFilter,
    page: PageRequest,
) -> AppResult<Page<violation::Model>> {
    let city = viewer
        .list_city(filter.city_code.as_deref())?
        .map(str::to_owned);
    filter.city_code = city;
    fetch_page(db, filtered(filter)?, violation::Column::Id, page).await
}

/// Published violations, for everyone.
pub async fn public_violations(
    db: &impl ConnectionTrait,
    mut filter: ViolationFilter,
    page: PageRequest,
) -> AppResult<Page<violation::Model>> {
    filter.published = Some(true);
    fetch_page(db, filtered(filter)?, violation::Column::Id, page).await
}
