//! Training (培训): the yearly plan, sessions, enrolment with capacity, attendance records,
//! each person's hours, the year's compliance with the plan's requirement of provincial
//! training, and the rows of the CSV exports.
//!
//! Who organises: the province its PROVINCIAL sessions, a city's administrators (and the
//! province) that city's sessions. The organiser edits, cancels, enrols anyone and records
//! attendance; people enrol themselves (an expert, a firm its staff, an official their own
//! account) until the session starts. Sessions are public announcements; who attends is not.

mod attendance;
mod plan;
mod records;
mod sessions;

pub use attendance::{
    AttendanceScope, NewParticipant, Participant, RecordInput, attendance_scope, enroll,
    record_attendance, record_attendances,
};
pub use plan::{PlanItemInput, PlanView, get_plan, set_plan};
pub use records::{
    AudienceTraining, CityTraining, Compliance, RecordSubject, TrainingRecord, UntrainedPerson,
    attendance_sheet, compliance, hours_by_consultancy_staff, hours_by_expert, person_key,
    training_record, year_records,
};
pub use sessions::{
    NewSession, SessionFilter, SessionPatch, cancel_session, create_session, get_session,
    list_sessions, update_session,
};

/// Batch reads for the GraphQL loaders, without a viewer (see `experts::unguarded`).
pub mod unguarded {
    pub use super::attendance::unguarded::*;
    pub use super::plan::unguarded::*;
    pub use super::sessions::unguarded::*;
}

use chrono::{DateTime, Datelike, Utc};
use entity::{training_attendance, training_session};
use rust_decimal::Decimal;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

use crate::auth::Viewer;
use crate::domain::{AttendanceStatus, TrainingScope, TrainingSessionStatus};
use crate::error::{AppError, AppResult};
use crate::rules::deadlines::today_in_china;

use super::amounts::from_stored;

/// Years the registry accepts for sessions, plans and reports.
const YEARS: std::ops::RangeInclusive<i32> = 2000..=2100;

pub fn check_year(field: &str, year: i32) -> AppResult<i32> {
    if YEARS.contains(&year) {
        Ok(year)
    } else {
        Err(AppError::bad_input(
            field,
            format!("must be between {} and {}", YEARS.start(), YEARS.end()),
        ))
    }
}

/// The year a session belongs to: that of its start in China Standard Time.
pub fn session_year(starts_at: DateTime<Utc>) -> i32 {
    today_in_china(starts_at).year()
}

pub fn credit_hours_of(model: &training_session::Model) -> Decimal {
    from_stored(model.credit_hours)
}

pub async fn find_session(
    db: &impl ConnectionTrait,
    id: Uuid,
) -> AppResult<training_session::Model> {
    training_session::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(|| AppError::not_found("TrainingSession", id))
}

pub async fn find_attendance(
    db: &impl ConnectionTrait,
    id: Uuid,
) -> AppResult<training_attendance::Model> {
    training_attendance::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(|| AppError::not_found("TrainingAttendance", id))
}

/// The organiser of sessions of this scope and city: the province for provincial ones, the
/// city's administrators (and the province) for a city's.
fn require_organiser_of(
    viewer: &Viewer,
    scope: TrainingScope,
    city_code: Option<&str>,
) -> AppResult<()> {
    match (scope, city_code) {
        (TrainingScope::Provincial, _) => viewer.require_province_admin(),
        (TrainingScope::City, Some(city)) => viewer.require_city(city),
        (TrainingScope::City, None) => {
            Err(AppError::internal("a city training session without a city"))
        }
    }
}

pub fn require_organiser(viewer: &Viewer, session: &training_session::Model) -> AppResult<()> {
    require_organiser_of(viewer, session.scope, session.city_code.as_deref())
}

/// Whether the viewer organises this session (without failing).
pub fn is_organiser(viewer: &Viewer, session: &training_session::Model) -> bool {
    require_organiser(viewer, session).is_ok()
}

/// Who organises by default: the province's department, or the city's bureau.
fn default_organiser(city_name: Option<&str>) -> String {
    match city_name {
        None => "山西省生态环境厅".to_owned(),
        Some(city) => format!("{city}生态环境局"),
    }
}

/// Ids of the sessions of a year that were not cancelled (for the hours and records).
fn live_sessions_of_year(year: i32) -> sea_orm::sea_query::SelectStatement {
    sea_orm::sea_query::Query::select()
        .column(training_session::Column::Id)
        .from(training_session::Entity)
        .and_where(training_session::Column::Year.eq(year))
        .and_where(training_session::Column::Status.eq(TrainingSessionStatus::Announced.as_str()))
        .to_owned()
}

/// Attendances (ATTENDED) in the year's sessions, as a query to narrow further.
fn attended_in_year(year: i32) -> sea_orm::Select<training_attendance::Entity> {
    training_attendance::Entity::find()
        .filter(training_attendance::Column::SessionId.in_subquery(live_sessions_of_year(year)))
        .filter(training_attendance::Column::Status.eq(AttendanceStatus::Attended.as_str()))
}
