//! Enrolment (within capacity, once per person and session; the participant hears it is
//! confirmed) and attendance records (one at a time, or a whole session's sign-in sheet at
//! once: all rows or none).

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use entity::{
    city, consultancy, consultancy_staff, expert, training_attendance, training_session, user,
};
use rust_decimal::Decimal;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder, Set,
};
use serde_json::json;
use uuid::Uuid;

use crate::auth::Viewer;
use crate::db::begin_write;
use crate::domain::{
    AttendanceStatus, ExpertStatus, NotificationKind, ProfessionalTitle, Role, StaffRole,
    TrainingAudience, TrainingParticipantKind, TrainingSessionStatus,
};
use crate::error::{AppError, AppResult};
use crate::rules::consultancy::employed_on;
use crate::rules::deadlines::today_in_china;
use crate::rules::training::{
    AttendanceRecord, audience_of_user, check_attendance_transition, check_record,
    self_enrolment_open,
};

use super::super::amounts::{to_stored, to_stored_opt};
use super::super::notifications::calendar::audience::participants;
use super::super::notifications::templates::TrainingFacts;
use super::super::notifications::{self, Notice, Params};
use super::super::text::{optional_text, required_text};
use super::super::{audit_log, is_constant};
use super::sessions::unguarded::audiences_of;
use super::sessions::{lock_announced, take_place};
use super::{
    credit_hours_of, default_organiser, find_attendance, find_session, is_organiser,
    require_organiser,
};

/// Who enrols: a pool expert, a consultancy's staff member, a user of the system (an
/// official), or an outside person.
pub enum NewParticipant {
    Expert(Uuid),
    Staff(Uuid),
    User(Uuid),
    Outside {
        name: String,
        organisation: String,
        role: Option<String>,
        audience: TrainingAudience,
    },
}

impl NewParticipant {
    fn field(&self) -> &'static str {
        match self {
            NewParticipant::Expert(_) => "participant.expertId",
            NewParticipant::Staff(_) => "participant.consultancyStaffId",
            NewParticipant::User(_) => "participant.userId",
            NewParticipant::Outside { .. } => "participant.outside",
        }
    }
}

/// What the organiser records for one attendance.
#[derive(Clone)]
pub struct RecordInput {
    pub status: AttendanceStatus,
    pub checked_in_at: Option<DateTime<Utc>>,
    pub checked_out_at: Option<DateTime<Utc>>,
    pub exam_score: Option<Decimal>,
    pub certificate_no: Option<String>,
}

/// Which attendances of a session a viewer sees: the organiser all of them, everyone else
/// their own (an expert theirs, a firm its staff's, an official their account's).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AttendanceScope {
    All,
    Expert(Uuid),
    Firm(Uuid),
    User(Uuid),
}

impl AttendanceScope {
    pub fn sees(&self, row: &training_attendance::Model) -> bool {
        match self {
            AttendanceScope::All => true,
            AttendanceScope::Expert(id) => row.expert_id == Some(*id),
            AttendanceScope::Firm(id) => row.consultancy_id == Some(*id),
            AttendanceScope::User(id) => row.user_id == Some(*id),
        }
    }
}

pub fn attendance_scope(
    viewer: &Viewer,
    session: &training_session::Model,
) -> AppResult<AttendanceScope> {
    if is_organiser(viewer, session) {
        return Ok(AttendanceScope::All);
    }
    let principal = viewer.require_user()?;
    Ok(
        match (
            principal.role,
            principal.expert_id,
            principal.consultancy_id,
        ) {
            (Role::Expert, Some(expert), _) => AttendanceScope::Expert(expert),
            (Role::Consultancy, _, Some(firm)) => AttendanceScope::Firm(firm),
            _ => AttendanceScope::User(principal.user_id),
        },
    )
}

/// The participant as the record keeps them: who, and how the sign-in sheet names them.
pub struct Participant {
    pub kind: TrainingParticipantKind,
    pub expert_id: Option<Uuid>,
    pub staff_id: Option<Uuid>,
    pub consultancy_id: Option<Uuid>,
    pub user_id: Option<Uuid>,
    pub name: String,
    pub organisation: String,
    pub role: Option<String>,
    pub audience: TrainingAudience,
}

impl Participant {
    /// Their enrolment in the session as first written (`id` its id, at `now`): registered,
    /// with nothing recorded yet.
    pub fn registration(
        self,
        id: Uuid,
        session_id: Uuid,
        enrolled_by: Option<Uuid>,
        now: DateTime<Utc>,
    ) -> training_attendance::ActiveModel {
        training_attendance::ActiveModel {
            id: Set(id),
            session_id: Set(session_id),
            participant_kind: Set(self.kind),
            expert_id: Set(self.expert_id),
            staff_id: Set(self.staff_id),
            consultancy_id: Set(self.consultancy_id),
            user_id: Set(self.user_id),
            display_name: Set(self.name),
            organisation: Set(self.organisation),
            role_title: Set(self.role),
            audience: Set(self.audience),
            status: Set(AttendanceStatus::Registered),
            checked_in_at: Set(None),
            checked_out_at: Set(None),
            hours: Set(0),
            exam_score: Set(None),
            certificate_no: Set(None),
            enrolled_by: Set(enrolled_by),
            enrolled_at: Set(now),
            recorded_by: Set(None),
            recorded_at: Set(None),
            updated_at: Set(now),
        }
    }
}

/// Loads the participant, checks that the viewer may enrol them (the organiser anyone;
/// otherwise only themselves, or a firm its own staff) and that they may take part.
async fn resolve(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    organiser: bool,
    session: &training_session::Model,
    participant: NewParticipant,
) -> AppResult<Participant> {
    let field = participant.field();
    let not_yours = || {
        AppError::forbidden(
            "only the session's organiser enrols others; you may enrol yourself (a firm its own staff)",
        )
    };
    match participant {
        NewParticipant::Expert(id) => {
            if !organiser && !viewer.is_expert(id) {
                return Err(not_yours());
            }
            let found = expert::Entity::find_by_id(id)
                .one(db)
                .await?
                .ok_or_else(|| AppError::not_found("Expert", id))?;
            let status: ExpertStatus = found.status;
            if status == ExpertStatus::Removed {
                return Err(AppError::bad_input(field, "the expert has left the pool"));
            }
            let title: ProfessionalTitle = found.title;
            Ok(Participant {
                kind: TrainingParticipantKind::Expert,
                expert_id: Some(id),
                staff_id: None,
                consultancy_id: None,
                user_id: None,
                name: found.name,
                organisation: found.employer,
                role: Some(title.label().to_owned()),
                audience: TrainingAudience::Expert,
            })
        }
        NewParticipant::Staff(id) => {
            let staff = consultancy_staff::Entity::find_by_id(id)
                .one(db)
                .await?
                .ok_or_else(|| AppError::not_found("ConsultancyStaff", id))?;
            if !organiser && !viewer.is_consultancy(staff.consultancy_id) {
                return Err(not_yours());
            }
            let first_day = today_in_china(session.starts_at);
            if !employed_on(staff.started_on, staff.ended_on, first_day) {
                return Err(AppError::bad_input(
                    field,
                    format!("not employed by the firm on the session's first day ({first_day})"),
                ));
            }
            let firm = consultancy::Entity::find_by_id(staff.consultancy_id)
                .one(db)
                .await?
                .ok_or_else(|| AppError::internal(format!("staff {id} without a firm")))?;
            let role: StaffRole = staff.role;
            Ok(Participant {
                kind: TrainingParticipantKind::ConsultancyStaff,
                expert_id: None,
                staff_id: Some(id),
                consultancy_id: Some(staff.consultancy_id),
                user_id: None,
                name: staff.name,
                organisation: firm.name,
                role: Some(role.label().to_owned()),
                audience: TrainingAudience::ConsultancyStaff,
            })
        }
        NewParticipant::User(id) => {
            if !organiser && viewer.user_id() != Some(id) {
                return Err(not_yours());
            }
            let found = user::Entity::find_by_id(id)
                .one(db)
                .await?
                .ok_or_else(|| AppError::not_found("User", id))?;
            if found.disabled {
                return Err(AppError::bad_input(field, "the user is disabled"));
            }
            let role: Role = found.role;
            let audience = audience_of_user(role).ok_or_else(|| {
                AppError::bad_input(
                    field,
                    "an expert's or a firm's account does not train as itself: enrol the expert or the staff member",
                )
            })?;
            let city_name = match &found.city_code {
                Some(code) => city::Entity::find_by_id(code.clone())
                    .one(db)
                    .await?
                    .map(|c| c.name),
                None => None,
            };
            Ok(Participant {
                kind: TrainingParticipantKind::User,
                expert_id: None,
                staff_id: None,
                consultancy_id: None,
                user_id: Some(id),
                name: found.username,
                organisation: default_organiser(city_name.as_deref()),
                role: Some(role.label().to_owned()),
                audience,
            })
        }
        NewParticipant::Outside {
            name,
            organisation,
            role,
            audience,
        } => {
            if !organiser {
                return Err(AppError::forbidden(
                    "only the session's organiser enrols outside persons",
                ));
            }
            Ok(Participant {
                kind: TrainingParticipantKind::Outside,
                expert_id: None,
                staff_id: None,
                consultancy_id: None,
                user_id: None,
                name: required_text("participant.outside.name", &name, 100)?,
                organisation: required_text(
                    "participant.outside.organisation",
                    &organisation,
                    200,
                )?,
                role: optional_text("participant.outside.role", role, 100)?,
                audience,
            })
        }
    }
}

/// The participant's enrolment in the session, if any.
async fn existing_enrolment(
    db: &impl ConnectionTrait,
    session_id: Uuid,
    p: &Participant,
) -> AppResult<Option<training_attendance::Model>> {
    let mut query = training_attendance::Entity::find()
        .filter(training_attendance::Column::SessionId.eq(session_id));
    query = match p.kind {
        TrainingParticipantKind::Expert => {
            query.filter(training_attendance::Column::ExpertId.eq(p.expert_id))
        }
        TrainingParticipantKind::ConsultancyStaff => {
            query.filter(training_attendance::Column::StaffId.eq(p.staff_id))
        }
        TrainingParticipantKind::User => {
            query.filter(training_attendance::Column::UserId.eq(p.user_id))
        }
        TrainingParticipantKind::Outside => query
            .filter(is_constant(
                training_attendance::Column::ParticipantKind,
                TrainingParticipantKind::Outside.as_str(),
            ))
            .filter(training_attendance::Column::DisplayName.eq(p.name.as_str()))
            .filter(training_attendance::Column::Organisation.eq(p.organisation.as_str())),
    };
    Ok(query.one(db).await?)
}

pub async fn enroll(
    db: &DatabaseConnection,
    viewer: &Viewer,
    session_id: Uuid,
    participant: NewParticipant,
) -> AppResult<training_attendance::Model> {
    if matches!(viewer, Viewer::Anonymous) {
        return Err(AppError::Unauthenticated("sign in first".into()));
    }
    let session = find_session(db, session_id).await?;
    let organiser = is_organiser(viewer, &session);
    let resolved = resolve(db, viewer, organiser, &session, participant).await?;
    if session.status == TrainingSessionStatus::Cancelled {
        return Err(AppError::bad_input("sessionId", "the session is cancelled"));
    }
    if !organiser && !self_enrolment_open(session.starts_at, Utc::now()) {
        return Err(AppError::bad_input(
            "sessionId",
            "registration closed when the session started; the organiser may still add you",
        ));
    }
    let audiences = audiences_of(db, &[session_id])
        .await?
        .remove(&session_id)
        .unwrap_or_default();
    if !audiences.contains(&resolved.audience) {
        let for_whom: Vec<&str> = audiences.iter().map(|a| a.label()).collect();
        return Err(AppError::bad_input(
            "participant",
            format!(
                "the session is for {}, not for {}",
                for_whom.join("、"),
                resolved.audience.label()
            ),
        ));
    }

    let txn = begin_write(db).await?;
    if existing_enrolment(&txn, session_id, &resolved)
        .await?
        .is_some()
    {
        return Err(AppError::conflict("already enrolled in this session"));
    }
    if !take_place(&txn, session_id).await? {
        let now = find_session(&txn, session_id).await?;
        if now.status == TrainingSessionStatus::Cancelled {
            return Err(AppError::bad_input("sessionId", "the session is cancelled"));
        }
        return Err(AppError::conflict(format!(
            "the session is full: all {} places are taken",
            now.capacity.unwrap_or(now.enrolled)
        )));
    }
    let created = resolved
        .registration(Uuid::now_v7(), session_id, viewer.user_id(), Utc::now())
        // A concurrent enrolment of the same person that got past the check above meets the
        // unique index here: CONFLICT, and the raised count rolls back with it.
        .insert(&txn)
        .await?;
    let facts = TrainingFacts::of(&session, &created.display_name);
    let confirmations = participants(&txn, std::slice::from_ref(&created))
        .await?
        .into_iter()
        .map(|(_, to)| Notice {
            to,
            kind: NotificationKind::TrainingEnrolled,
            params: Params {
                training: Some(facts.clone()),
                ..Default::default()
            },
            subject_type: "TrainingSession",
            subject_id: session_id,
        })
        .collect();
    notifications::enqueue(&txn, confirmations).await?;
    audit_log::commit(
        txn,
        viewer,
        "enrollInTraining",
        "TrainingAttendance",
        Some(created.id.to_string()),
        json!({
            "sessionId": session_id,
            "kind": created.participant_kind,
            "expertId": created.expert_id,
            "staffId": created.staff_id,
            "userId": created.user_id,
        }),
    )
    .await?;
    Ok(created)
}

/// A validated record, ready to write.
struct Prepared {
    id: Uuid,
    status: AttendanceStatus,
    checked_in_at: Option<DateTime<Utc>>,
    checked_out_at: Option<DateTime<Utc>>,
    hours: i64,
    exam_score: Option<i64>,
    certificate_no: Option<String>,
}

/// Checks one record of `row` (in `session`) at `now`; errors name `prefix` + the field.
fn prepare(
    prefix: &str,
    session: &training_session::Model,
    row: &training_attendance::Model,
    input: RecordInput,
    now: DateTime<Utc>,
) -> AppResult<Prepared> {
    let bad =
        |field: &str, message: String| AppError::bad_input(format!("{prefix}{field}"), message);
    let from = row.status;
    check_attendance_transition(from, input.status).map_err(|e| bad("status", e.to_string()))?;
    let certificate_no =
        optional_text(&format!("{prefix}certificateNo"), input.certificate_no, 100)?;
    let record = AttendanceRecord {
        status: input.status,
        checked_in_at: input.checked_in_at,
        checked_out_at: input.checked_out_at,
        exam_score: input.exam_score,
        has_certificate: certificate_no.is_some(),
    };
    let hours = check_record(
        &record,
        session.starts_at,
        session.ends_at,
        credit_hours_of(session),
        now,
    )
    .map_err(|e| bad(e.field(), e.to_string()))?;
    Ok(Prepared {
        id: row.id,
        status: input.status,
        checked_in_at: input.checked_in_at,
        checked_out_at: input.checked_out_at,
        hours: to_stored("hours", hours)?,
        exam_score: to_stored_opt(&format!("{prefix}examScore"), input.exam_score)?,
        certificate_no,
    })
}

/// Certificate numbers are unique within a session: checks the prepared records against
/// each other and against the session's other attendances. `field_of(i)` names record i.
fn check_certificates(
    others: &[training_attendance::Model],
    prepared: &[Prepared],
    field_of: impl Fn(usize) -> String,
) -> AppResult<()> {
    let changing: HashSet<Uuid> = prepared.iter().map(|p| p.id).collect();
    let mut taken: HashMap<&str, String> = others
        .iter()
        .filter(|o| !changing.contains(&o.id))
        .filter_map(|o| {
            o.certificate_no
                .as_deref()
                .map(|c| (c, format!("{} ({})", o.display_name, o.organisation)))
        })
        .collect();
    for (i, p) in prepared.iter().enumerate() {
        let Some(number) = p.certificate_no.as_deref() else {
            continue;
        };
        if let Some(holder) = taken.get(number) {
            return Err(AppError::bad_input(
                format!("{}certificateNo", field_of(i)),
                format!("certificate {number} is already given to {holder} in this session"),
            ));
        }
        taken.insert(number, field_of(i));
    }
    Ok(())
}

async fn write_record(
    txn: &impl ConnectionTrait,
    viewer: &Viewer,
    p: &Prepared,
    now: DateTime<Utc>,
) -> AppResult<()> {
    training_attendance::Entity::update_many()
        .set(training_attendance::ActiveModel {
            status: Set(p.status),
            checked_in_at: Set(p.checked_in_at),
            checked_out_at: Set(p.checked_out_at),
            hours: Set(p.hours),
            exam_score: Set(p.exam_score),
            certificate_no: Set(p.certificate_no.clone()),
            recorded_by: Set(viewer.user_id()),
            recorded_at: Set(Some(now)),
            updated_at: Set(now),
            ..Default::default()
        })
        .filter(training_attendance::Column::Id.eq(p.id))
        .exec(txn)
        .await?;
    Ok(())
}

async fn session_rows(
    db: &impl ConnectionTrait,
    session_id: Uuid,
) -> AppResult<Vec<training_attendance::Model>> {
    Ok(training_attendance::Entity::find()
        .filter(training_attendance::Column::SessionId.eq(session_id))
        .order_by_asc(training_attendance::Column::Id)
        .all(db)
        .await?)
}

fn cancelled() -> AppError {
    AppError::bad_input("sessionId", "the session is cancelled")
}

pub async fn record_attendance(
    db: &DatabaseConnection,
    viewer: &Viewer,
    attendance_id: Uuid,
    input: RecordInput,
) -> AppResult<training_attendance::Model> {
    viewer.require_user()?;
    let row = find_attendance(db, attendance_id).await?;
    let session = find_session(db, row.session_id).await?;
    require_organiser(viewer, &session)?;
    if session.status == TrainingSessionStatus::Cancelled {
        return Err(cancelled());
    }
    let now = Utc::now();
    let prepared = prepare("", &session, &row, input, now)?;

    let txn = begin_write(db).await?;
    if !lock_announced(&txn, session.id).await? {
        return Err(cancelled());
    }
    let others = session_rows(&txn, session.id).await?;
    check_certificates(&others, std::slice::from_ref(&prepared), |_| String::new())?;
    write_record(&txn, viewer, &prepared, now).await?;
    let updated = find_attendance(&txn, attendance_id).await?;
    audit_log::commit(
        txn,
        viewer,
        "recordAttendance",
        "TrainingAttendance",
        Some(attendance_id.to_string()),
        json!({ "sessionId": session.id, "status": updated.status, "hours": prepared.hours }),
    )
    .await?;
    Ok(updated)
}

/// Most rows one sign-in sheet may carry.
const MAX_ROWS: usize = 2000;

/// Records a whole session's attendance: every row is checked first, and one bad row (named
/// `rows[i].field`) writes nothing.
pub async fn record_attendances(
    db: &DatabaseConnection,
    viewer: &Viewer,
    session_id: Uuid,
    rows: Vec<(Uuid, RecordInput)>,
) -> AppResult<Vec<training_attendance::Model>> {
    viewer.require_user()?;
    let session = find_session(db, session_id).await?;
    require_organiser(viewer, &session)?;
    if session.status == TrainingSessionStatus::Cancelled {
        return Err(cancelled());
    }
    if rows.is_empty() {
        return Err(AppError::bad_input("rows", "give at least one row"));
    }
    if rows.len() > MAX_ROWS {
        return Err(AppError::bad_input(
            "rows",
            format!("at most {MAX_ROWS} rows at once"),
        ));
    }
    let now = Utc::now();
    let existing = session_rows(db, session_id).await?;
    let by_id: HashMap<Uuid, &training_attendance::Model> =
        existing.iter().map(|r| (r.id, r)).collect();
    let mut seen: HashMap<Uuid, usize> = HashMap::new();
    let mut prepared = Vec::with_capacity(rows.len());
    for (i, (attendance_id, input)) in rows.into_iter().enumerate() {
        let prefix = format!("rows[{i}].");
        let Some(row) = by_id.get(&attendance_id) else {
            return Err(AppError::bad_input(
                format!("{prefix}attendanceId"),
                "is not an enrolment in this session",
            ));
        };
        if let Some(first) = seen.insert(attendance_id, i) {
            return Err(AppError::bad_input(
                format!("{prefix}attendanceId"),
                format!("appears twice (also rows[{first}])"),
            ));
        }
        prepared.push(prepare(&prefix, &session, row, input, now)?);
    }
    check_certificates(&existing, &prepared, |i| format!("rows[{i}]."))?;

    let txn = begin_write(db).await?;
    if !lock_announced(&txn, session_id).await? {
        return Err(cancelled());
    }
    // Another organiser may have given a certificate number meanwhile.
    let current = session_rows(&txn, session_id).await?;
    check_certificates(&current, &prepared, |i| format!("rows[{i}]."))?;
    for p in &prepared {
        write_record(&txn, viewer, p, now).await?;
    }
    let after = session_rows(&txn, session_id).await?;
    let mut by_id: HashMap<Uuid, training_attendance::Model> =
        after.into_iter().map(|r| (r.id, r)).collect();
    let updated: Vec<training_attendance::Model> = prepared
        .iter()
        .filter_map(|p| by_id.remove(&p.id))
        .collect();
    audit_log::commit(
        txn,
        viewer,
        "recordAttendances",
        "TrainingSession",
        Some(session_id.to_string()),
        json!({ "rows": updated.len() }),
    )
    .await?;
    Ok(updated)
}

/// Batch reads for the GraphQL loaders, without a viewer: see `experts::unguarded`.
pub mod unguarded {
    use super::*;
    crate::services::owned_by_reads! {
        attendances_of: training_attendance by SessionId, ordered by Id;
    }
}
