//! Violations (违法违规记录): penalty decisions against enterprises, consultancies and experts
//! for not auditing, falsifying or misreporting. Published ones are public, as the plan's
//! credit management asks (通过"信用山西"网站等渠道向社会公布).
//!
//! The province records and publishes any; a city bureau those against enterprises of its
//! city (it penalises them; firms and experts are managed by the province). The subject's name
//! and credit code are kept as they were on the day, like the decision they come from.
//!
//! A published decision leaves public view when it is withdrawn (the decision was revoked)
//! or when the publication period of its severity ends (信用修复,
//! `rules::violation_publication`); officials keep seeing it, with its state.

use async_graphql::{ID, InputObject};
use chrono::{NaiveDate, Utc};
use entity::{consultancy, document, enterprise, expert, violation};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, EntityTrait,
    QueryFilter, Select, Set,
};
use serde_json::json;
use uuid::Uuid;

use crate::auth::Viewer;
use crate::db::begin_write;
use crate::domain::{
    DocumentKind, DocumentOwnerType, ViolationKind, ViolationPublicationState, ViolationSeverity,
    ViolationSubjectKind,
};
use crate::error::{AppError, AppResult};
use crate::rules::violation_publication::{self as publication, PublicationPeriods};
use crate::scalars::parse_optional_id;

use super::pagination::{Page, PageRequest, fetch_page};
use super::text::{like_any, optional_text, required_text, search_text};
use super::{audit_log, past_or_today, today, versioned};

pub struct NewViolation {
    pub subject_kind: ViolationSubjectKind,
    pub subject_id: Uuid,
    pub kind: ViolationKind,
    pub decision_date: NaiveDate,
    pub decision_number: String,
    pub penalty: String,
    pub description: Option<String>,
    pub severity: ViolationSeverity,
}

// What `violations` narrows to (the GraphQL input of the same name). Its doc comments are
// the input's GraphQL descriptions.
#[derive(InputObject, Default)]
pub struct ViolationFilter {
    pub subject_kind: Option<ViolationSubjectKind>,
    pub subject_id: Option<ID>,
    pub kind: Option<ViolationKind>,
    // The year of the decision.
    pub year: Option<i32>,
    pub city_code: Option<String>,
    // Part of the subject's name or credit code, or of the decision number.
    pub text: Option<String>,
    // Administrators only; the public list is always published ones.
    pub published: Option<bool>,
    /// Where the publication stands today.
    // Administrators only; the public list is always PUBLIC ones.
    pub state: Option<ViolationPublicationState>,
}

impl ViolationFilter {
    /// The subject's id, parsed.
    fn parsed_subject_id(&self) -> AppResult<Option<Uuid>> {
        parse_optional_id("filter.subjectId", self.subject_id.as_ref())
    }
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
    super::find_or_not_found::<violation::Entity>(db, "Violation", id).await
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
        severity: Set(input.severity),
        withdrawn_at: Set(None),
        withdrawn_by: Set(None),
        withdraw_reason: Set(None),
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
            "severity": created.severity,
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
    if current.withdrawn_at.is_some() {
        return Err(AppError::conflict("the violation is withdrawn"));
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
    let update = violation::Entity::update_many()
        .set(active)
        .filter(violation::Column::Id.eq(id))
        .filter(violation::Column::Published.eq(false))
        .filter(violation::Column::WithdrawnAt.is_null());
    versioned::write_guarded(&txn, update, || {
        AppError::conflict("the violation changed meanwhile; read it again")
    })
    .await?;
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

/// Withdraws a violation whose decision was revoked (whoever may publish it): it leaves public
/// view at once, with its penalty decision document; officials keep it, with the reason.
/// Final: withdrawing again is a CONFLICT. An unpublished one may be withdrawn too, and then
/// is never published.
pub async fn withdraw_violation(
    db: &DatabaseConnection,
    viewer: &Viewer,
    id: Uuid,
    reason: &str,
) -> AppResult<violation::Model> {
    viewer.require_admin()?;
    let reason = required_text("reason", reason, 500)?;
    let current = find(db, id).await?;
    require_manage(viewer, current.subject_kind, current.city_code.as_deref())?;
    if current.withdrawn_at.is_some() {
        return Err(AppError::conflict("the violation is already withdrawn"));
    }
    let was_published = current.published;
    let txn = begin_write(db).await?;
    let now = Utc::now();
    let update = violation::Entity::update_many()
        .col_expr(violation::Column::WithdrawnAt, Expr::value(now))
        .col_expr(
            violation::Column::WithdrawnBy,
            Expr::value(viewer.user_id()),
        )
        .col_expr(
            violation::Column::WithdrawReason,
            Expr::value(reason.as_str()),
        )
        .filter(violation::Column::Id.eq(id))
        .filter(violation::Column::WithdrawnAt.is_null());
    versioned::write_guarded(&txn, update, || {
        AppError::conflict("the violation is already withdrawn")
    })
    .await?;
    // The published decision document goes with it: nothing of a revoked decision stays public.
    let hidden = document::Entity::update_many()
        .col_expr(document::Column::IsPublic, Expr::value(false))
        .filter(document::Column::OwnerType.eq(DocumentOwnerType::Violation.as_str()))
        .filter(document::Column::OwnerId.eq(id))
        .filter(document::Column::IsPublic.eq(true))
        .exec(&txn)
        .await?;
    let updated = find(&txn, id).await?;
    audit_log::commit(
        txn,
        viewer,
        "withdrawViolation",
        "Violation",
        Some(id.to_string()),
        json!({
            "reason": reason,
            "wasPublished": was_published,
            "documentsHidden": hidden.rows_affected,
        }),
    )
    .await?;
    Ok(updated)
}

/// Where a violation's publication stands today (China), by the configured periods.
pub fn publication_state(
    periods: &PublicationPeriods,
    violation: &violation::Model,
) -> ViolationPublicationState {
    publication::state(
        violation.published,
        violation.published_at,
        violation.withdrawn_at.is_some(),
        periods.months(violation.severity),
        today(),
    )
}

/// The last day (China) a published violation is shown; none before publication.
pub fn publication_ends_on(
    periods: &PublicationPeriods,
    violation: &violation::Model,
) -> Option<NaiveDate> {
    let published_at = violation.published_at.filter(|_| violation.published)?;
    publication::last_day_shown(
        publication::publication_date(published_at),
        periods.months(violation.severity),
    )
}

/// Published, not withdrawn, and within its severity's period on `today`: what the public sees.
fn shown_condition(periods: &PublicationPeriods, today: NaiveDate) -> Condition {
    let within = ViolationSeverity::ALL
        .iter()
        .fold(Condition::any(), |any, severity| {
            any.add(
                Condition::all()
                    .add(violation::Column::Severity.eq(severity.as_str()))
                    .add(
                        violation::Column::PublishedAt
                            .gte(publication::shown_since(today, periods.months(*severity))),
                    ),
            )
        });
    Condition::all()
        .add(violation::Column::Published.eq(true))
        .add(violation::Column::WithdrawnAt.is_null())
        .add(within)
}

fn state_condition(
    state: ViolationPublicationState,
    periods: &PublicationPeriods,
    today: NaiveDate,
) -> Condition {
    match state {
        ViolationPublicationState::Unpublished => Condition::all()
            .add(violation::Column::Published.eq(false))
            .add(violation::Column::WithdrawnAt.is_null()),
        ViolationPublicationState::Public => shown_condition(periods, today),
        ViolationPublicationState::Expired => Condition::all()
            .add(violation::Column::Published.eq(true))
            .add(violation::Column::WithdrawnAt.is_null())
            .add(shown_condition(periods, today).not()),
        ViolationPublicationState::Withdrawn => {
            Condition::all().add(violation::Column::WithdrawnAt.is_not_null())
        }
    }
}

/// The query `filter` narrows to; `subject_id` is the filter's, parsed.
fn filtered(
    filter: ViolationFilter,
    subject_id: Option<Uuid>,
    periods: &PublicationPeriods,
) -> AppResult<Select<violation::Entity>> {
    let mut query = violation::Entity::find();
    if let Some(kind) = filter.subject_kind {
        query = query.filter(violation::Column::SubjectKind.eq(kind.as_str()));
    }
    if let Some(id) = subject_id {
        query = query.filter(violation::Column::SubjectId.eq(id));
    }
    if let Some(kind) = filter.kind {
        query = query.filter(violation::Column::Kind.eq(kind.as_str()));
    }
    if let Some(year) = filter.year {
        let (first, last) = super::year_bounds("filter.year", year)?;
        query = query.filter(violation::Column::DecisionDate.between(first, last));
    }
    if let Some(city) = filter.city_code.as_deref().map(str::trim) {
        query = query.filter(violation::Column::CityCode.eq(city));
    }
    if let Some(published) = filter.published {
        query = query.filter(violation::Column::Published.eq(published));
    }
    if let Some(state) = filter.state {
        query = query.filter(state_condition(state, periods, today()));
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

/// Every violation, published, expired, withdrawn or not yet published (administrators; a
/// city admin those of their city).
pub async fn list_violations(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    periods: &PublicationPeriods,
    mut filter: ViolationFilter,
    page: PageRequest,
) -> AppResult<Page<violation::Model>> {
    let subject_id = filter.parsed_subject_id()?;
    let city = viewer
        .list_city(filter.city_code.as_deref())?
        .map(str::to_owned);
    filter.city_code = city;
    let query = filtered(filter, subject_id, periods)?;
    fetch_page(db, query, violation::Column::Id, page).await
}

/// The violations shown to everyone: published, not withdrawn, within their period today.
pub async fn public_violations(
    db: &impl ConnectionTrait,
    periods: &PublicationPeriods,
    mut filter: ViolationFilter,
    page: PageRequest,
) -> AppResult<Page<violation::Model>> {
    let subject_id = filter.parsed_subject_id()?;
    filter.published = None;
    filter.state = Some(ViolationPublicationState::Public);
    let query = filtered(filter, subject_id, periods)?;
    fetch_page(db, query, violation::Column::Id, page).await
}
