//! Training records: a person's sessions and hours in a year, the hours other reviews read
//! (the expert annual review, the consultancy appraisal's personnel inputs), the year's
//! compliance, and the rows of the CSV exports.
//!
//! Hours count ATTENDED records of sessions of the year (the year of their start in China
//! Standard Time) that were not cancelled. A consultancy staff member is a person who may
//! have worked for several firms: their hours are those of every employment (matched by ID
//! card inside the database; the number never leaves it).

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use entity::{
    consultancy, consultancy_staff, expert, training_attendance, training_plan, training_plan_item,
    training_session, user,
};
use rust_decimal::Decimal;
use sea_orm::sea_query::Query;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use uuid::Uuid;

use crate::auth::Viewer;
use crate::domain::{
    AttendanceStatus, ConsultancyStatus, ExpertStatus, Role, TrainingAudience,
    TrainingParticipantKind, TrainingScope, TrainingSessionStatus,
};
use crate::error::{AppError, AppResult};
use crate::rules::consultancy::employed_on;
use crate::rules::training::session_held;

use super::super::amounts::from_stored;
use super::super::{reference, today};
use super::sessions::unguarded::audiences_of;
use super::{attended_in_year, check_year, find_session, live_sessions_of_year, require_organiser};

/// Whose record: a pool expert, a consultancy staff member (the person, across firms), or a
/// user of the system. Outside persons have no identity to keep a record by; they appear in
/// the sessions' sign-in sheets and the year's CSV.
#[derive(Clone, Copy, Debug)]
pub enum RecordSubject {
    Expert(Uuid),
    Staff(Uuid),
    User(Uuid),
}

pub struct TrainingRecord {
    pub year: i32,
    pub kind: TrainingParticipantKind,
    pub id: Uuid,
    pub name: String,
    pub organisation: String,
    /// The year's enrolments with their sessions, by start.
    pub entries: Vec<(training_attendance::Model, training_session::Model)>,
    pub hours: Decimal,
    pub sessions_attended: u64,
}

// Sessions held by one city in the year, and its items of the year's plan (the GraphQL type
// `CityTrainingCompliance`).
#[derive(async_graphql::SimpleObject)]
#[graphql(name = "CityTrainingCompliance")]
pub struct CityTraining {
    pub city_code: String,
    pub city_name: String,
    /// Sessions of the city that took place (ended, not cancelled).
    pub sessions_held: u64,
    pub sessions_upcoming: u64,
    pub sessions_cancelled: u64,
    /// The city's items in the year's plan, and those a session carries out.
    pub plan_items: u64,
    pub plan_items_fulfilled: u64,
}

// Attendance of one audience in the year's held sessions (the GraphQL type
// `AudienceAttendance`).
#[derive(async_graphql::SimpleObject)]
#[graphql(name = "AudienceAttendance", complex)]
pub struct AudienceTraining {
    pub audience: TrainingAudience,
    /// Held sessions open to this audience.
    pub sessions_held: u64,
    pub enrolled: u64,
    pub attended: u64,
    pub absent: u64,
    pub excused: u64,
    pub hours: Decimal,
}

#[async_graphql::ComplexObject]
impl AudienceTraining {
    async fn label(&self) -> &'static str {
        self.audience.label()
    }
}

/// Someone who needed training and has no hours in the year.
pub struct UntrainedPerson {
    pub kind: TrainingParticipantKind,
    pub id: Uuid,
    pub name: String,
    pub organisation: String,
    pub city_code: Option<String>,
}

pub struct Compliance {
    pub year: i32,
    pub as_of: DateTime<Utc>,
    pub provincial_sessions_held: u64,
    pub provincial_sessions_upcoming: u64,
    pub provincial_plan_items: u64,
    pub provincial_plan_items_fulfilled: u64,
    pub cities: Vec<CityTraining>,
    pub audiences: Vec<AudienceTraining>,
    pub untrained: Vec<UntrainedPerson>,
}

impl Compliance {
    /// The plan's requirement: at least one provincial session held in the year.
    pub fn provincial_session_held(&self) -> bool {
        self.provincial_sessions_held > 0
    }
}

fn sum_hours(units: impl IntoIterator<Item = i64>) -> Decimal {
    // Each record is at most a session's hours (≤ 744): sums stay far from any limit.
    units
        .into_iter()
        .fold(Decimal::ZERO, |total, u| {
            total.saturating_add(from_stored(u))
        })
        .normalize()
}

/// Every expert's hours in the year: experts without any are absent (zero). For the expert
/// annual review.
pub async fn hours_by_expert(
    db: &impl ConnectionTrait,
    year: i32,
) -> AppResult<HashMap<Uuid, Decimal>> {
    let rows: Vec<(Option<Uuid>, i64)> = attended_in_year(year)
        .filter(training_attendance::Column::ExpertId.is_not_null())
        .select_only()
        .column(training_attendance::Column::ExpertId)
        .column(training_attendance::Column::Hours)
        .into_tuple()
        .all(db)
        .await?;
    let mut units: HashMap<Uuid, Vec<i64>> = HashMap::new();
    for (expert, hours) in rows {
        if let Some(expert) = expert {
            units.entry(expert).or_default().push(hours);
        }
    }
    Ok(units
        .into_iter()
        .map(|(id, hours)| (id, sum_hours(hours)))
        .collect())
}

/// Staff rows employed by the firm today.
fn current_staff_of(consultancy_id: Uuid) -> sea_orm::sea_query::SelectStatement {
    let day = today();
    Query::select()
        .column(consultancy_staff::Column::IdCardHmac)
        .from(consultancy_staff::Entity)
        .and_where(consultancy_staff::Column::ConsultancyId.eq(consultancy_id))
        .and_where(consultancy_staff::Column::StartedOn.lte(day))
        .cond_where(
            sea_orm::Condition::any()
                .add(consultancy_staff::Column::EndedOn.is_null())
                .add(consultancy_staff::Column::EndedOn.gte(day)),
        )
        .to_owned()
}

/// The hours of the year of everyone the firm employs today, summed, counting each person's
/// training under any employment. For the consultancy appraisal's personnel inputs.
pub async fn hours_by_consultancy_staff(
    db: &impl ConnectionTrait,
    consultancy_id: Uuid,
    year: i32,
) -> AppResult<Decimal> {
    let employments_of_current_people = Query::select()
        .column(consultancy_staff::Column::Id)
        .from(consultancy_staff::Entity)
        .and_where(
            consultancy_staff::Column::IdCardHmac.in_subquery(current_staff_of(consultancy_id)),
        )
        .to_owned();
    let hours: Vec<i64> = attended_in_year(year)
        .filter(training_attendance::Column::StaffId.in_subquery(employments_of_current_people))
        .select_only()
        .column(training_attendance::Column::Hours)
        .into_tuple()
        .all(db)
        .await?;
    Ok(sum_hours(hours))
}

/// Hours of the year per person (by the ID card's keyed hash: the number itself is stored
/// encrypted) over every staff attendance of the year.
async fn staff_hours_by_person(
    db: &impl ConnectionTrait,
    year: i32,
) -> AppResult<HashMap<String, Decimal>> {
    let rows: Vec<(Option<Uuid>, i64)> = attended_in_year(year)
        .filter(training_attendance::Column::StaffId.is_not_null())
        .select_only()
        .column(training_attendance::Column::StaffId)
        .column(training_attendance::Column::Hours)
        .into_tuple()
        .all(db)
        .await?;
    let ids: Vec<Uuid> = rows.iter().filter_map(|(id, _)| *id).collect();
    let cards: HashMap<Uuid, String> = consultancy_staff::Entity::find()
        .filter(consultancy_staff::Column::Id.is_in(ids))
        .select_only()
        .column(consultancy_staff::Column::Id)
        .column(consultancy_staff::Column::IdCardHmac)
        .into_tuple::<(Uuid, Option<String>)>()
        .all(db)
        .await?
        .into_iter()
        .filter_map(|(id, hmac)| hmac.map(|h| (id, h)))
        .collect();
    let mut units: HashMap<String, Vec<i64>> = HashMap::new();
    for (staff, hours) in rows {
        if let Some(card) = staff.and_then(|s| cards.get(&s)) {
            units.entry(card.clone()).or_default().push(hours);
        }
    }
    Ok(units
        .into_iter()
        .map(|(card, hours)| (card, sum_hours(hours)))
        .collect())
}

/// One person's sessions and hours in a year: the province and city admins for anyone (a
/// city admin's officials: their city's), an expert their own, a firm its staff, an official
/// their own account.
pub async fn training_record(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    subject: RecordSubject,
    year: i32,
) -> AppResult<TrainingRecord> {
    viewer.require_user()?;
    let (kind, id, name, organisation, filter) = match subject {
        RecordSubject::Expert(id) => {
            if !viewer.is_expert(id) {
                viewer.require_admin()?;
            }
            let found = expert::Entity::find_by_id(id)
                .one(db)
                .await?
                .ok_or_else(|| AppError::not_found("Expert", id))?;
            (
                TrainingParticipantKind::Expert,
                id,
                found.name,
                found.employer,
                training_attendance::Column::ExpertId.eq(id),
            )
        }
        RecordSubject::Staff(id) => {
            let staff = consultancy_staff::Entity::find_by_id(id)
                .one(db)
                .await?
                .ok_or_else(|| AppError::not_found("ConsultancyStaff", id))?;
            // A firm reads its current staff's records; a former employer no longer does.
            let current = employed_on(staff.started_on, staff.ended_on, today());
            if !(current && viewer.is_consultancy(staff.consultancy_id)) {
                viewer.require_admin()?;
            }
            let firm = consultancy::Entity::find_by_id(staff.consultancy_id)
                .one(db)
                .await?
                .ok_or_else(|| AppError::internal(format!("staff {id} without a firm")))?;
            let employments = Query::select()
                .column(consultancy_staff::Column::Id)
                .from(consultancy_staff::Entity)
                .and_where(consultancy_staff::Column::IdCardHmac.eq(staff.id_card_hmac.clone()))
                .to_owned();
            (
                TrainingParticipantKind::ConsultancyStaff,
                id,
                staff.name,
                firm.name,
                training_attendance::Column::StaffId.in_subquery(employments),
            )
        }
        RecordSubject::User(id) => {
            let own = viewer.user_id() == Some(id);
            if !own {
                viewer.require_admin()?;
            }
            let found = user::Entity::find_by_id(id)
                .one(db)
                .await?
                .ok_or_else(|| AppError::not_found("User", id))?;
            if !own && viewer.role() == Some(Role::CityAdmin) {
                match found.city_code.as_deref() {
                    Some(city) => viewer.require_city(city)?,
                    None => {
                        return Err(AppError::forbidden(
                            "a city administrator may only read records of their own city",
                        ));
                    }
                }
            }
            let city_name = match &found.city_code {
                Some(code) => reference::cities_by_code(db, std::slice::from_ref(code))
                    .await?
                    .remove(code)
                    .map(|c| c.name),
                None => None,
            };
            (
                TrainingParticipantKind::User,
                id,
                found.username,
                super::default_organiser(city_name.as_deref()),
                training_attendance::Column::UserId.eq(id),
            )
        }
    };
    let year = check_year("year", year)?;
    let attendances = training_attendance::Entity::find()
        .filter(filter)
        .filter(training_attendance::Column::SessionId.in_subquery(live_sessions_of_year(year)))
        .all(db)
        .await?;
    let session_ids: Vec<Uuid> = attendances.iter().map(|a| a.session_id).collect();
    let mut sessions: HashMap<Uuid, training_session::Model> = training_session::Entity::find()
        .filter(training_session::Column::Id.is_in(session_ids))
        .all(db)
        .await?
        .into_iter()
        .map(|s| (s.id, s))
        .collect();
    let mut entries: Vec<(training_attendance::Model, training_session::Model)> = attendances
        .into_iter()
        .filter_map(|a| {
            let session = sessions.remove(&a.session_id)?;
            Some((a, session))
        })
        .collect();
    entries.sort_by_key(|(a, s)| (s.starts_at, a.id));
    let attended: Vec<&training_attendance::Model> = entries
        .iter()
        .map(|(a, _)| a)
        .filter(|a| a.status == AttendanceStatus::Attended)
        .collect();
    Ok(TrainingRecord {
        year,
        kind,
        id,
        name,
        organisation,
        hours: sum_hours(attended.iter().map(|a| a.hours)),
        sessions_attended: attended.len() as u64,
        entries,
    })
}

/// The year against the plan (province admins): provincial sessions held, each city's
/// sessions and plan items, attendance per audience, and who needed training but has no
/// hours — ACTIVE experts of the pool, and the people employed today by ACTIVE firms.
/// A session is held once it has ended without being cancelled (as of now).
pub async fn compliance(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    year: i32,
) -> AppResult<Compliance> {
    viewer.require_province_admin()?;
    let year = check_year("year", year)?;
    let now = Utc::now();
    let sessions = training_session::Entity::find()
        .filter(training_session::Column::Year.eq(year))
        .order_by_asc(training_session::Column::Id)
        .all(db)
        .await?;
    let mut held: Vec<&training_session::Model> = Vec::new();
    let mut provincial_sessions_held = 0;
    let mut provincial_sessions_upcoming = 0;
    let mut per_city: HashMap<String, (u64, u64, u64)> = HashMap::new();
    for s in &sessions {
        let status = s.status;
        let is_held = session_held(status, s.ends_at, now);
        if is_held {
            held.push(s);
        }
        match (s.scope, s.city_code.as_deref()) {
            (TrainingScope::Provincial, _) => {
                if is_held {
                    provincial_sessions_held += 1;
                } else if status == TrainingSessionStatus::Announced {
                    provincial_sessions_upcoming += 1;
                }
            }
            (TrainingScope::City, Some(city)) => {
                let counts = per_city.entry(city.to_owned()).or_default();
                match (status, is_held) {
                    (TrainingSessionStatus::Cancelled, _) => counts.2 += 1,
                    (_, true) => counts.0 += 1,
                    (_, false) => counts.1 += 1,
                }
            }
            (TrainingScope::City, None) => {}
        }
    }

    // The plan's items and which became sessions.
    let fulfilled: HashSet<Uuid> = sessions
        .iter()
        .filter(|s| s.status == TrainingSessionStatus::Announced)
        .filter_map(|s| s.plan_item_id)
        .collect();
    let items = match training_plan::Entity::find()
        .filter(training_plan::Column::Year.eq(year))
        .one(db)
        .await?
    {
        Some(plan) => {
            training_plan_item::Entity::find()
                .filter(training_plan_item::Column::PlanId.eq(plan.id))
                .all(db)
                .await?
        }
        None => Vec::new(),
    };
    let mut provincial_plan_items = 0;
    let mut provincial_plan_items_fulfilled = 0;
    let mut city_items: HashMap<String, (u64, u64)> = HashMap::new();
    for item in &items {
        let done = u64::from(fulfilled.contains(&item.id));
        match &item.city_code {
            None => {
                provincial_plan_items += 1;
                provincial_plan_items_fulfilled += done;
            }
            Some(city) => {
                let counts = city_items.entry(city.clone()).or_default();
                counts.0 += 1;
                counts.1 += done;
            }
        }
    }
    let cities = reference::cities(db)
        .await?
        .into_iter()
        .map(|c| {
            let (sessions_held, sessions_upcoming, sessions_cancelled) =
                per_city.get(&c.code).copied().unwrap_or_default();
            let (plan_items, plan_items_fulfilled) =
                city_items.get(&c.code).copied().unwrap_or_default();
            CityTraining {
                city_code: c.code,
                city_name: c.name,
                sessions_held,
                sessions_upcoming,
                sessions_cancelled,
                plan_items,
                plan_items_fulfilled,
            }
        })
        .collect();

    // Attendance per audience in the held sessions.
    let held_ids: Vec<Uuid> = held.iter().map(|s| s.id).collect();
    let open_to = audiences_of(db, &held_ids).await?;
    let records = training_attendance::Entity::find()
        .filter(training_attendance::Column::SessionId.is_in(held_ids.iter().copied()))
        .all(db)
        .await?;
    let mut audiences = Vec::new();
    for &audience in TrainingAudience::ALL {
        let mut row = AudienceTraining {
            audience,
            sessions_held: open_to.values().filter(|a| a.contains(&audience)).count() as u64,
            enrolled: 0,
            attended: 0,
            absent: 0,
            excused: 0,
            hours: Decimal::ZERO,
        };
        let mut units = Vec::new();
        for r in &records {
            if r.audience != audience {
                continue;
            }
            row.enrolled += 1;
            match r.status {
                AttendanceStatus::Attended => {
                    row.attended += 1;
                    units.push(r.hours);
                }
                AttendanceStatus::Absent => row.absent += 1,
                AttendanceStatus::Excused => row.excused += 1,
                AttendanceStatus::Registered => {}
            }
        }
        row.hours = sum_hours(units);
        audiences.push(row);
    }

    // Who needed training and has none.
    let expert_hours = hours_by_expert(db, year).await?;
    let mut untrained = Vec::new();
    let active_experts = expert::Entity::find()
        .filter(expert::Column::Status.eq(ExpertStatus::Active.as_str()))
        .order_by_asc(expert::Column::Id)
        .all(db)
        .await?;
    for e in active_experts {
        if expert_hours.get(&e.id).is_none_or(|h| h.is_zero()) {
            untrained.push(UntrainedPerson {
                kind: TrainingParticipantKind::Expert,
                id: e.id,
                name: e.name,
                organisation: e.employer,
                city_code: Some(e.city_code),
            });
        }
    }
    let person_hours = staff_hours_by_person(db, year).await?;
    let day = today();
    let active_firms: HashMap<Uuid, consultancy::Model> = consultancy::Entity::find()
        .filter(consultancy::Column::Status.eq(ConsultancyStatus::Active.as_str()))
        .all(db)
        .await?
        .into_iter()
        .map(|c| (c.id, c))
        .collect();
    let current_staff = consultancy_staff::Entity::find()
        .filter(consultancy_staff::Column::ConsultancyId.is_in(active_firms.keys().copied()))
        .filter(consultancy_staff::Column::StartedOn.lte(day))
        .filter(
            sea_orm::Condition::any()
                .add(consultancy_staff::Column::EndedOn.is_null())
                .add(consultancy_staff::Column::EndedOn.gte(day)),
        )
        .order_by_asc(consultancy_staff::Column::Id)
        .all(db)
        .await?;
    for s in current_staff {
        if person_hours
            .get(s.id_card_hmac.as_deref().unwrap_or_default())
            .is_none_or(|h| h.is_zero())
        {
            let firm = active_firms.get(&s.consultancy_id);
            untrained.push(UntrainedPerson {
                kind: TrainingParticipantKind::ConsultancyStaff,
                id: s.id,
                name: s.name,
                organisation: firm.map(|f| f.name.clone()).unwrap_or_default(),
                city_code: firm.map(|f| f.city_code.clone()),
            });
        }
    }
    Ok(Compliance {
        year,
        as_of: now,
        provincial_sessions_held,
        provincial_sessions_upcoming,
        provincial_plan_items,
        provincial_plan_items_fulfilled,
        cities,
        audiences,
        untrained,
    })
}

/// A session's sign-in sheet: its enrolments in enrolment order (the organiser only).
pub async fn attendance_sheet(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    session_id: Uuid,
) -> AppResult<(training_session::Model, Vec<training_attendance::Model>)> {
    viewer.require_user()?;
    let session = find_session(db, session_id).await?;
    require_organiser(viewer, &session)?;
    let rows = training_attendance::Entity::find()
        .filter(training_attendance::Column::SessionId.eq(session_id))
        .order_by_asc(training_attendance::Column::Id)
        .all(db)
        .await?;
    Ok((session, rows))
}

/// Who an attendance is, for grouping a person's records together.
pub fn person_key(a: &training_attendance::Model) -> (String, String) {
    let id = a
        .expert_id
        .or(a.staff_id)
        .or(a.user_id)
        .map(|id| id.to_string())
        .unwrap_or_else(|| format!("{}\u{1f}{}", a.display_name, a.organisation));
    (a.participant_kind.to_string(), id)
}

/// The year's records of the sessions the viewer organises or oversees, grouped by person
/// (then by start): the province all (or one city's sessions), a city admin their city's.
pub async fn year_records(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    year: i32,
    city_code: Option<String>,
) -> AppResult<Vec<(training_attendance::Model, training_session::Model)>> {
    let city_code = city_code.map(|c| c.trim().to_owned());
    let city = viewer.list_city(city_code.as_deref())?.map(str::to_owned);
    let year = check_year("year", year)?;
    if let Some(code) = &city {
        reference::require_known_city(db, "cityCode", code).await?;
    }
    let mut query = training_session::Entity::find()
        .filter(training_session::Column::Year.eq(year))
        .filter(training_session::Column::Status.eq(TrainingSessionStatus::Announced.as_str()));
    if let Some(code) = &city {
        query = query.filter(training_session::Column::CityCode.eq(code.as_str()));
    }
    let sessions: HashMap<Uuid, training_session::Model> = query
        .all(db)
        .await?
        .into_iter()
        .map(|s| (s.id, s))
        .collect();
    let attendances = training_attendance::Entity::find()
        .filter(training_attendance::Column::SessionId.is_in(sessions.keys().copied()))
        .all(db)
        .await?;
    let mut rows: Vec<(training_attendance::Model, training_session::Model)> = attendances
        .into_iter()
        .filter_map(|a| {
            let session = sessions.get(&a.session_id)?.clone();
            Some((a, session))
        })
        .collect();
    rows.sort_by(|(a, s), (b, t)| {
        (&a.display_name, person_key(a), s.starts_at, a.id).cmp(&(
            &b.display_name,
            person_key(b),
            t.starts_at,
            b.id,
        ))
    });
    Ok(rows)
}
