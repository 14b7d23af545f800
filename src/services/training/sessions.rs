//! Training sessions: announced by their organiser, changed with a version, cancelled with a
//! reason (everyone enrolled is told); read by everyone (the public sees announced sessions
//! only).

use std::collections::HashMap;

use async_graphql::{ID, InputObject, MaybeUndefined};
use chrono::{DateTime, Utc};
use entity::{
    training_attendance, training_plan, training_plan_item, training_session,
    training_session_audience, training_session_topic,
};
use rust_decimal::Decimal;
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    Set,
};
use serde_json::json;
use uuid::Uuid;

use crate::auth::Viewer;
use crate::db::begin_write;
use crate::domain::{
    AttendanceStatus, NotificationKind, TrainingAudience, TrainingScope, TrainingSessionStatus,
    TrainingTiming, TrainingTopic,
};
use crate::error::{AppError, AppResult};
use crate::rules::training::{check_capacity, check_session};
use crate::scalars::{parse_id, parse_optional_id};

use super::super::amounts::to_stored;
use super::super::notifications::calendar::audience::participants;
use super::super::notifications::templates::TrainingFacts;
use super::super::notifications::{self, Notice, Params};
use super::super::pagination::{Page, PageRequest, fetch_page};
use super::super::text::{like_any, optional_text, required_text, search_text, tag_set};
use super::super::{audit_log, reference, versioned};
use super::{
    check_year, credit_hours_of, default_organiser, find_session, require_organiser,
    require_organiser_of, session_year,
};

// A session to announce (the GraphQL input `CreateTrainingSessionInput`).
#[derive(InputObject)]
#[graphql(name = "CreateTrainingSessionInput")]
pub struct NewSession {
    pub title: String,
    /// PROVINCIAL (province admins) or CITY (that city's admins, or the province).
    pub scope: TrainingScope,
    /// The organising city of a CITY session; none for a provincial one.
    pub city_code: Option<String>,
    /// Defaults to 山西省生态环境厅 or the city's 生态环境局.
    pub organiser: Option<String>,
    pub description: Option<String>,
    pub audiences: Vec<TrainingAudience>,
    pub topics: Vec<TrainingTopic>,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    /// At most two decimals, no more than the session lasts.
    pub credit_hours: Decimal,
    pub location: String,
    /// Places; none for no limit.
    pub capacity: Option<i32>,
    /// The item of the year's plan it carries out.
    pub plan_item_id: Option<ID>,
}

// Fields an update may change (the GraphQL input `UpdateTrainingSessionInput`): absent
// leaves a field as it is, `null` clears a nullable one. Scope and city stay: a session moved
// elsewhere is a new session. Its doc comment is the input's GraphQL description.
/// Every field optional: only the given ones change; `null` clears a nullable one. The
/// times and hours stay once attendance has been recorded.
#[derive(InputObject, Default)]
#[graphql(name = "UpdateTrainingSessionInput")]
pub struct SessionPatch {
    pub title: Option<String>,
    pub organiser: Option<String>,
    pub description: MaybeUndefined<String>,
    pub audiences: Option<Vec<TrainingAudience>>,
    pub topics: Option<Vec<TrainingTopic>>,
    pub starts_at: Option<DateTime<Utc>>,
    pub ends_at: Option<DateTime<Utc>>,
    pub credit_hours: Option<Decimal>,
    pub location: Option<String>,
    pub capacity: MaybeUndefined<i32>,
    pub plan_item_id: MaybeUndefined<ID>,
}

impl SessionPatch {
    fn touches_times_or_hours(&self) -> Option<&'static str> {
        if self.starts_at.is_some() {
            Some("startsAt")
        } else if self.ends_at.is_some() {
            Some("endsAt")
        } else if self.credit_hours.is_some() {
            Some("creditHours")
        } else {
            None
        }
    }
}

// What `trainingSessions` narrows to (the GraphQL input `TrainingSessionFilter`).
#[derive(InputObject, Default)]
#[graphql(name = "TrainingSessionFilter")]
pub struct SessionFilter {
    /// The year of the start (China Standard Time).
    pub year: Option<i32>,
    pub scope: Option<TrainingScope>,
    /// Sessions organised by this city.
    pub city_code: Option<String>,
    pub audience: Option<TrainingAudience>,
    pub topic: Option<TrainingTopic>,
    /// UPCOMING: not over yet; PAST: over.
    pub timing: Option<TrainingTiming>,
    pub status: Option<TrainingSessionStatus>,
    pub plan_item_id: Option<ID>,
    /// Part of the title, location or organiser.
    pub text: Option<String>,
}

fn check_times(
    starts_at: DateTime<Utc>,
    ends_at: DateTime<Utc>,
    credit_hours: Decimal,
) -> AppResult<i32> {
    let year = check_year("startsAt", session_year(starts_at))?;
    check_session(starts_at, ends_at, credit_hours)
        .map_err(|e| AppError::bad_input(e.field(), e.to_string()))?;
    Ok(year)
}

fn check_capacity_input(capacity: Option<i32>, enrolled: i32) -> AppResult<()> {
    check_capacity(capacity, enrolled.unsigned_abs())
        .map_err(|e| AppError::bad_input("capacity", e.to_string()))
}

/// A plan item a session carries out must be of the session's year, scope and city.
async fn check_plan_item(
    db: &impl ConnectionTrait,
    item_id: Uuid,
    year: i32,
    scope: TrainingScope,
    city_code: Option<&str>,
) -> AppResult<()> {
    let field = "planItemId";
    let item = training_plan_item::Entity::find_by_id(item_id)
        .one(db)
        .await?
        .ok_or_else(|| AppError::bad_input(field, "no such plan item"))?;
    let plan = training_plan::Entity::find_by_id(item.plan_id)
        .one(db)
        .await?
        .ok_or_else(|| AppError::internal(format!("plan item {item_id} without its plan")))?;
    if plan.year != year {
        return Err(AppError::bad_input(
            field,
            format!("the item is in the plan of {}, not {year}", plan.year),
        ));
    }
    let item_scope: TrainingScope = item.scope;
    if item_scope != scope || item.city_code.as_deref() != city_code {
        return Err(AppError::bad_input(
            field,
            "the item plans a training of another scope or city",
        ));
    }
    Ok(())
}

async fn replace_sets(
    txn: &impl ConnectionTrait,
    session_id: Uuid,
    audiences: Option<&[TrainingAudience]>,
    topics: Option<&[TrainingTopic]>,
) -> AppResult<()> {
    if let Some(audiences) = audiences {
        training_session_audience::Entity::delete_many()
            .filter(training_session_audience::Column::SessionId.eq(session_id))
            .exec(txn)
            .await?;
        training_session_audience::Entity::insert_many(audiences.iter().map(|a| {
            training_session_audience::ActiveModel {
                session_id: Set(session_id),
                audience: Set(*a),
            }
        }))
        .exec(txn)
        .await?;
    }
    if let Some(topics) = topics {
        training_session_topic::Entity::delete_many()
            .filter(training_session_topic::Column::SessionId.eq(session_id))
            .exec(txn)
            .await?;
        training_session_topic::Entity::insert_many(topics.iter().map(|t| {
            training_session_topic::ActiveModel {
                session_id: Set(session_id),
                topic: Set(*t),
            }
        }))
        .exec(txn)
        .await?;
    }
    Ok(())
}

pub async fn create_session(
    db: &DatabaseConnection,
    viewer: &Viewer,
    input: NewSession,
) -> AppResult<training_session::Model> {
    let plan_item_id = parse_optional_id("planItemId", input.plan_item_id.as_ref())?;
    let city_code = input
        .city_code
        .as_deref()
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .map(str::to_owned);
    // Who may announce it comes first: the scope and city decide the organiser.
    match input.scope {
        TrainingScope::Provincial => {
            viewer.require_province_admin()?;
            if city_code.is_some() {
                return Err(AppError::bad_input(
                    "cityCode",
                    "a provincial session has no city",
                ));
            }
        }
        TrainingScope::City => {
            let Some(city) = city_code.as_deref() else {
                viewer.require_admin()?;
                return Err(AppError::bad_input(
                    "cityCode",
                    "a city session names its city",
                ));
            };
            require_organiser_of(viewer, TrainingScope::City, Some(city))?;
        }
    }
    let city_name = match city_code.as_deref() {
        Some(code) => Some(
            reference::cities_by_code(db, &[code.to_owned()])
                .await?
                .remove(code)
                .ok_or_else(|| AppError::bad_input("cityCode", "unknown city code"))?
                .name,
        ),
        None => None,
    };
    let title = required_text("title", &input.title, 200)?;
    let organiser = match optional_text("organiser", input.organiser, 200)? {
        Some(o) => o,
        None => default_organiser(city_name.as_deref()),
    };
    let description = optional_text("description", input.description, 4000)?;
    let audiences = tag_set("audiences", &input.audiences)?;
    let topics = tag_set("topics", &input.topics)?;
    let year = check_times(input.starts_at, input.ends_at, input.credit_hours)?;
    let credit_hours = to_stored("creditHours", input.credit_hours)?;
    let location = required_text("location", &input.location, 300)?;
    check_capacity_input(input.capacity, 0)?;
    if let Some(item) = plan_item_id {
        check_plan_item(db, item, year, input.scope, city_code.as_deref()).await?;
    }

    let txn = begin_write(db).await?;
    let now = Utc::now();
    let id = Uuid::now_v7();
    let created = training_session::ActiveModel {
        id: Set(id),
        year: Set(year),
        title: Set(title),
        scope: Set(input.scope),
        city_code: Set(city_code),
        organiser: Set(organiser),
        description: Set(description),
        starts_at: Set(input.starts_at),
        ends_at: Set(input.ends_at),
        credit_hours: Set(credit_hours),
        location: Set(location),
        capacity: Set(input.capacity),
        enrolled: Set(0),
        status: Set(TrainingSessionStatus::Announced),
        cancel_reason: Set(None),
        cancelled_at: Set(None),
        plan_item_id: Set(plan_item_id),
        created_by: Set(viewer.user_id()),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&txn)
    .await?;
    replace_sets(&txn, id, Some(&audiences), Some(&topics)).await?;
    audit_log::commit(
        txn,
        viewer,
        "createTrainingSession",
        "TrainingSession",
        Some(id.to_string()),
        json!({
            "title": created.title,
            "scope": created.scope,
            "cityCode": created.city_code,
            "startsAt": created.starts_at,
            "planItemId": created.plan_item_id,
        }),
    )
    .await?;
    Ok(created)
}

/// Whether any attendance of the session has been recorded (is no longer REGISTERED).
async fn has_recorded_attendance(db: &impl ConnectionTrait, session_id: Uuid) -> AppResult<bool> {
    Ok(training_attendance::Entity::find()
        .filter(training_attendance::Column::SessionId.eq(session_id))
        .filter(training_attendance::Column::Status.ne(AttendanceStatus::Registered.as_str()))
        .one(db)
        .await?
        .is_some())
}

pub async fn update_session(
    db: &DatabaseConnection,
    viewer: &Viewer,
    id: Uuid,
    patch: SessionPatch,
    expected_version: i32,
) -> AppResult<training_session::Model> {
    // The plan item's id is read before anything else, as the API always has.
    let plan_item_change: Option<Option<Uuid>> = patch
        .plan_item_id
        .clone()
        .map_value(|id| parse_id("planItemId", &id))
        .transpose()?
        .into();
    viewer.require_admin()?;
    let current = find_session(db, id).await?;
    require_organiser(viewer, &current)?;
    if current.status == TrainingSessionStatus::Cancelled {
        return Err(AppError::bad_input("id", "the session is cancelled"));
    }
    versioned::expect_version::<training_session::Entity>(current.version, expected_version)?;
    let scope = current.scope;
    let mut changed: Vec<&str> = Vec::new();
    let mut active = training_session::ActiveModel {
        id: sea_orm::Unchanged(id),
        ..Default::default()
    };
    if let Some(title) = &patch.title {
        active.title = Set(required_text("title", title, 200)?);
        changed.push("title");
    }
    if let Some(organiser) = &patch.organiser {
        active.organiser = Set(required_text("organiser", organiser, 200)?);
        changed.push("organiser");
    }
    if let Some(description) = Option::<Option<String>>::from(patch.description.clone()) {
        active.description = Set(optional_text("description", description, 4000)?);
        changed.push("description");
    }
    let audiences = patch
        .audiences
        .as_deref()
        .map(|a| tag_set("audiences", a))
        .transpose()?;
    if audiences.is_some() {
        changed.push("audiences");
    }
    let topics = patch
        .topics
        .as_deref()
        .map(|t| tag_set("topics", t))
        .transpose()?;
    if topics.is_some() {
        changed.push("topics");
    }
    let starts_at = patch.starts_at.unwrap_or(current.starts_at);
    let ends_at = patch.ends_at.unwrap_or(current.ends_at);
    let credit_hours = patch.credit_hours.unwrap_or(credit_hours_of(&current));
    let year = check_times(starts_at, ends_at, credit_hours)?;
    let times_field = patch.touches_times_or_hours();
    if times_field.is_some() {
        active.starts_at = Set(starts_at);
        active.ends_at = Set(ends_at);
        active.credit_hours = Set(to_stored("creditHours", credit_hours)?);
        active.year = Set(year);
        changed.push("times");
    }
    if let Some(location) = &patch.location {
        active.location = Set(required_text("location", location, 300)?);
        changed.push("location");
    }
    let capacity_change: Option<Option<i32>> = patch.capacity.into();
    let capacity = capacity_change.unwrap_or(current.capacity);
    if capacity_change.is_some() {
        check_capacity_input(capacity, current.enrolled)?;
        active.capacity = Set(capacity);
        changed.push("capacity");
    }
    let plan_item = plan_item_change.unwrap_or(current.plan_item_id);
    if let Some(item) = plan_item
        && (plan_item_change.is_some() || year != current.year)
    {
        check_plan_item(db, item, year, scope, current.city_code.as_deref()).await?;
    }
    if plan_item_change.is_some() {
        active.plan_item_id = Set(plan_item);
        changed.push("planItemId");
    }
    active.version = Set(expected_version + 1);
    active.updated_at = Set(Utc::now());

    let txn = begin_write(db).await?;
    let announced = training_session::Column::Status.eq(TrainingSessionStatus::Announced.as_str());
    // Enrolments that arrived since the check still fit, or nothing is written.
    let fits = capacity.map(|c| training_session::Column::Enrolled.lte(c));
    let written = versioned::write_if_version::<training_session::Entity>(
        &txn,
        active,
        id,
        expected_version,
        std::iter::once(announced).chain(fits),
    )
    .await?;
    if !written {
        let now = find_session(&txn, id).await?;
        if now.version == expected_version && capacity.is_some_and(|c| now.enrolled > c) {
            return Err(AppError::bad_input(
                "capacity",
                format!(
                    "{} are enrolled already; the capacity cannot be less",
                    now.enrolled
                ),
            ));
        }
        return Err(versioned::changed_meanwhile::<training_session::Entity>());
    }
    // Checked under the row taken above, which recording attendance takes too: hours
    // already credited were reckoned from these times and stay the record.
    if let Some(field) = times_field
        && has_recorded_attendance(&txn, id).await?
    {
        return Err(AppError::bad_input(
            field,
            "attendance has been recorded; the times and hours can no longer change",
        ));
    }
    replace_sets(&txn, id, audiences.as_deref(), topics.as_deref()).await?;
    let updated = find_session(&txn, id).await?;
    audit_log::commit(
        txn,
        viewer,
        "updateTrainingSession",
        "TrainingSession",
        Some(id.to_string()),
        json!({ "changed": changed, "version": updated.version }),
    )
    .await?;
    Ok(updated)
}

pub async fn cancel_session(
    db: &DatabaseConnection,
    viewer: &Viewer,
    id: Uuid,
    reason: &str,
) -> AppResult<training_session::Model> {
    viewer.require_admin()?;
    let current = find_session(db, id).await?;
    require_organiser(viewer, &current)?;
    let reason = required_text("reason", reason, 500)?;
    if current.status == TrainingSessionStatus::Cancelled {
        return Err(AppError::bad_input(
            "id",
            "the session is cancelled already",
        ));
    }
    let txn = begin_write(db).await?;
    let now = Utc::now();
    // Taking the row first serialises this against attendance being recorded meanwhile
    // (recording takes the same row), so the check below sees every committed record.
    let update = training_session::Entity::update_many()
        .set(training_session::ActiveModel {
            status: Set(TrainingSessionStatus::Cancelled),
            cancel_reason: Set(Some(reason.clone())),
            cancelled_at: Set(Some(now)),
            version: Set(current.version + 1),
            updated_at: Set(now),
            ..Default::default()
        })
        .filter(training_session::Column::Id.eq(id))
        .filter(training_session::Column::Status.eq(TrainingSessionStatus::Announced.as_str()));
    versioned::write_guarded(&txn, update, || {
        AppError::bad_input("id", "the session is cancelled already")
    })
    .await?;
    let attended = training_attendance::Entity::find()
        .filter(training_attendance::Column::SessionId.eq(id))
        .filter(training_attendance::Column::Status.eq(AttendanceStatus::Attended.as_str()))
        .one(&txn)
        .await?;
    if attended.is_some() {
        return Err(AppError::bad_input(
            "id",
            "attendance has been recorded: a session that took place cannot be cancelled",
        ));
    }
    let updated = find_session(&txn, id).await?;
    // Everyone enrolled hears of it: read in the transaction, so no enrolment is missed.
    let enrolled = training_attendance::Entity::find()
        .filter(training_attendance::Column::SessionId.eq(id))
        .all(&txn)
        .await?;
    let names: HashMap<Uuid, &str> = enrolled
        .iter()
        .map(|a| (a.id, a.display_name.as_str()))
        .collect();
    let told = participants(&txn, &enrolled)
        .await?
        .into_iter()
        .map(|(attendance, to)| Notice {
            to,
            kind: NotificationKind::TrainingCancelled,
            params: Params {
                training: Some(TrainingFacts::of(
                    &updated,
                    names.get(&attendance).copied().unwrap_or_default(),
                )),
                ..Default::default()
            },
            subject_type: "TrainingSession",
            subject_id: id,
        })
        .collect();
    notifications::enqueue(&txn, told).await?;
    audit_log::commit(
        txn,
        viewer,
        "cancelTrainingSession",
        "TrainingSession",
        Some(id.to_string()),
        json!({ "reason": reason, "enrolled": updated.enrolled }),
    )
    .await?;
    Ok(updated)
}

/// One session: the public sees announced ones; signed-in users cancelled ones too (their
/// enrolments point at them).
pub async fn get_session(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    id: Uuid,
) -> AppResult<training_session::Model> {
    let session = find_session(db, id).await?;
    if matches!(viewer, Viewer::Anonymous) && session.status != TrainingSessionStatus::Announced {
        return Err(AppError::not_found("TrainingSession", id));
    }
    Ok(session)
}

pub async fn list_sessions(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    filter: SessionFilter,
    page: PageRequest,
) -> AppResult<Page<training_session::Model>> {
    let plan_item_id = parse_optional_id("filter.planItemId", filter.plan_item_id.as_ref())?;
    let mut query = training_session::Entity::find();
    if matches!(viewer, Viewer::Anonymous) {
        query = query
            .filter(training_session::Column::Status.eq(TrainingSessionStatus::Announced.as_str()));
    }
    if let Some(status) = filter.status {
        query = query.filter(training_session::Column::Status.eq(status.as_str()));
    }
    if let Some(year) = filter.year {
        query = query.filter(training_session::Column::Year.eq(year));
    }
    if let Some(scope) = filter.scope {
        query = query.filter(training_session::Column::Scope.eq(scope.as_str()));
    }
    if let Some(city) = filter.city_code.as_deref().map(str::trim) {
        query = query.filter(training_session::Column::CityCode.eq(city));
    }
    if let Some(audience) = filter.audience {
        query = query.filter(
            training_session::Column::Id.in_subquery(
                Query::select()
                    .column(training_session_audience::Column::SessionId)
                    .from(training_session_audience::Entity)
                    .and_where(training_session_audience::Column::Audience.eq(audience.as_str()))
                    .to_owned(),
            ),
        );
    }
    if let Some(topic) = filter.topic {
        query = query.filter(
            training_session::Column::Id.in_subquery(
                Query::select()
                    .column(training_session_topic::Column::SessionId)
                    .from(training_session_topic::Entity)
                    .and_where(training_session_topic::Column::Topic.eq(topic.as_str()))
                    .to_owned(),
            ),
        );
    }
    let now = Utc::now();
    match filter.timing {
        Some(TrainingTiming::Upcoming) => {
            query = query.filter(training_session::Column::EndsAt.gt(now));
        }
        Some(TrainingTiming::Past) => {
            query = query.filter(training_session::Column::EndsAt.lte(now));
        }
        None => {}
    }
    if let Some(item) = plan_item_id {
        query = query.filter(training_session::Column::PlanItemId.eq(item));
    }
    if let Some(pattern) = search_text("filter.text", filter.text.as_deref())? {
        query = query.filter(like_any(
            &[
                training_session::Column::Title,
                training_session::Column::Location,
                training_session::Column::Organiser,
            ],
            &pattern,
        ));
    }
    fetch_page(db, query, training_session::Column::Id, page).await
}

/// Raises the session's enrolment count by one if it is announced and has room; whether it
/// did. On PostgreSQL the update takes the row lock and re-checks the condition against the
/// latest committed count, so concurrent enrolments queue and never pass the capacity; on
/// SQLite the write transaction already serialises them.
pub(super) async fn take_place(txn: &impl ConnectionTrait, session_id: Uuid) -> AppResult<bool> {
    let update = training_session::Entity::update_many()
        .col_expr(
            training_session::Column::Enrolled,
            Expr::col(training_session::Column::Enrolled).add(1),
        )
        .filter(training_session::Column::Id.eq(session_id))
        .filter(training_session::Column::Status.eq(TrainingSessionStatus::Announced.as_str()))
        .filter(
            sea_orm::Condition::any()
                .add(training_session::Column::Capacity.is_null())
                .add(
                    Expr::col(training_session::Column::Enrolled)
                        .lt(Expr::col(training_session::Column::Capacity)),
                ),
        );
    versioned::wrote_one(txn, update).await
}

/// Takes the session's row for the rest of the transaction if it is still announced, so that
/// a cancellation and a record of attendance never cross.
pub(super) async fn lock_announced(
    txn: &impl ConnectionTrait,
    session_id: Uuid,
) -> AppResult<bool> {
    let update = training_session::Entity::update_many()
        .col_expr(
            training_session::Column::Enrolled,
            Expr::col(training_session::Column::Enrolled),
        )
        .filter(training_session::Column::Id.eq(session_id))
        .filter(training_session::Column::Status.eq(TrainingSessionStatus::Announced.as_str()));
    versioned::wrote_one(txn, update).await
}

/// Batch reads for the GraphQL loaders, without a viewer: see `experts::unguarded`.
pub mod unguarded {
    use super::*;

    pub async fn audiences_of(
        db: &impl ConnectionTrait,
        ids: &[Uuid],
    ) -> AppResult<HashMap<Uuid, Vec<TrainingAudience>>> {
        crate::services::tags_of::<training_session_audience::Entity, _>(
            db,
            training_session_audience::Column::SessionId,
            training_session_audience::Column::Audience,
            ids,
        )
        .await
    }

    pub async fn topics_of(
        db: &impl ConnectionTrait,
        ids: &[Uuid],
    ) -> AppResult<HashMap<Uuid, Vec<TrainingTopic>>> {
        crate::services::tags_of::<training_session_topic::Entity, _>(
            db,
            training_session_topic::Column::SessionId,
            training_session_topic::Column::Topic,
            ids,
        )
        .await
    }
}
