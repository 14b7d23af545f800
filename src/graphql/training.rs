//! Training: the yearly plan, sessions, enrolment, attendance, records and compliance.

use async_graphql::{Context, ID, InputObject, Object, OneofObject, Result, SimpleObject};
use chrono::{DateTime, Utc};
use entity::{training_attendance, training_plan_item, training_session};
use rust_decimal::Decimal;

use crate::auth::Viewer;
use crate::domain::{
    AttendanceStatus, TrainingAudience, TrainingParticipantKind, TrainingScope,
    TrainingSessionStatus, TrainingTopic, split_enum_list,
};
use crate::error::{AppError, AppResult};
use crate::services::amounts::from_stored;
use crate::services::training::{
    self, NewParticipant, PlanView, RecordInput, RecordSubject,
    SessionFilter as TrainingSessionFilter, SessionPatch as UpdateTrainingSessionInput,
    UntrainedPerson,
};

pub use crate::services::training::{
    AudienceTraining as AudienceAttendance, CityTraining as CityTrainingCompliance,
    NewSession as CreateTrainingSessionInput, PlanItemInput as TrainingPlanItemInput,
};

use super::context::{loaders, services, viewer, with_id};
use super::loaders::{load_as, load_rows, load_rows_as};
use super::pagination::{node_selection, page_args};
use super::reference::{City, city_of};
use super::scalars::{id_of, parse_id};
use super::stamps::{EditStamps, stamps_of};

pub struct TrainingSession(pub training_session::Model);

crate::connection_type!(
    TrainingSessionConnection,
    TrainingSessionEdge,
    TrainingSession
);

#[Object]
impl TrainingSession {
    /// `id`, `title`, `scope`, `cityCode` and `city`.
    #[graphql(flatten)]
    async fn heading(&self) -> TrainingHeading<'_> {
        let m = &self.0;
        TrainingHeading(m.id, &m.title, m.scope, m.city_code.as_deref())
    }
    async fn organiser(&self) -> &str {
        &self.0.organiser
    }
    async fn description(&self) -> Option<&str> {
        self.0.description.as_deref()
    }
    async fn audiences(&self, ctx: &Context<'_>) -> Result<Vec<TrainingAudience>> {
        load_rows(&loaders(ctx)?.training_audiences, self.0.id).await
    }
    async fn topics(&self, ctx: &Context<'_>) -> Result<Vec<TrainingTopic>> {
        load_rows(&loaders(ctx)?.training_topics, self.0.id).await
    }
    async fn starts_at(&self) -> DateTime<Utc> {
        self.0.starts_at
    }
    async fn ends_at(&self) -> DateTime<Utc> {
        self.0.ends_at
    }
    /// The year of the start, in China Standard Time.
    async fn year(&self) -> i32 {
        self.0.year
    }
    /// Hours credited for full attendance.
    async fn credit_hours(&self) -> Decimal {
        training::credit_hours_of(&self.0)
    }
    async fn location(&self) -> &str {
        &self.0.location
    }
    /// Places; none: no limit.
    async fn capacity(&self) -> Option<i32> {
        self.0.capacity
    }
    /// Places taken (signed-in users; null for the public, who see nothing about attendees).
    async fn enrolled_count(&self, ctx: &Context<'_>) -> Option<i32> {
        signed_in(ctx).then_some(self.0.enrolled)
    }
    /// Places still free (signed-in users); null without a limit.
    async fn seats_left(&self, ctx: &Context<'_>) -> Option<i32> {
        if !signed_in(ctx) {
            return None;
        }
        self.0.capacity.map(|c| (c - self.0.enrolled).max(0))
    }
    async fn status(&self) -> TrainingSessionStatus {
        self.0.status
    }
    async fn cancel_reason(&self) -> Option<&str> {
        self.0.cancel_reason.as_deref()
    }
    async fn cancelled_at(&self) -> Option<DateTime<Utc>> {
        self.0.cancelled_at
    }
    /// Not over yet (under way or to come).
    async fn upcoming(&self) -> bool {
        self.0.ends_at > Utc::now()
    }
    /// Over and not cancelled: it took place.
    async fn held(&self) -> Result<bool> {
        Ok(crate::rules::training::session_held(
            self.0.status,
            self.0.ends_at,
            Utc::now(),
        ))
    }
    /// The item of the year's plan this session carries out.
    async fn plan_item_id(&self) -> Option<ID> {
        self.0.plan_item_id.map(id_of)
    }
    /// The plan item itself (administrators; null for others).
    async fn plan_item(&self, ctx: &Context<'_>) -> Result<Option<TrainingPlanItem>> {
        let Some(id) = self.0.plan_item_id else {
            return Ok(None);
        };
        if viewer(ctx).require_admin().is_err() {
            return Ok(None);
        }
        load_as(&loaders(ctx)?.training_plan_items, id, TrainingPlanItem).await
    }
    /// Enrolments in enrolment order: the organiser sees all; everyone else their own (an
    /// expert theirs, a firm its staff's, an official their account's). Not for the public.
    async fn attendances(&self, ctx: &Context<'_>) -> Result<Vec<TrainingAttendance>> {
        let scope = training::attendance_scope(viewer(ctx), &self.0)?;
        Ok(load_rows(&loaders(ctx)?.training_attendances, self.0.id)
            .await?
            .into_iter()
            .filter(|a| scope.sees(a))
            .map(TrainingAttendance)
            .collect())
    }
    /// `version`, `createdAt` and `updatedAt`.
    #[graphql(flatten)]
    async fn stamps(&self) -> EditStamps {
        stamps_of!(EditStamps, self.0)
    }
}

fn signed_in(ctx: &Context<'_>) -> bool {
    !matches!(viewer(ctx), Viewer::Anonymous)
}

/// Who took part, as enrolled (name, organisation and role as they were then).
#[derive(SimpleObject)]
pub struct TrainingParticipant {
    pub kind: TrainingParticipantKind,
    pub expert_id: Option<ID>,
    pub consultancy_staff_id: Option<ID>,
    /// The staff member's firm at enrolment.
    pub consultancy_id: Option<ID>,
    pub user_id: Option<ID>,
    pub name: String,
    pub organisation: String,
    pub role: Option<String>,
    pub audience: TrainingAudience,
}

/// One participant's enrolment in one session and what was recorded.
pub struct TrainingAttendance(pub training_attendance::Model);

#[Object]
impl TrainingAttendance {
    async fn id(&self) -> ID {
        id_of(self.0.id)
    }
    async fn session_id(&self) -> ID {
        id_of(self.0.session_id)
    }
    async fn session(&self, ctx: &Context<'_>) -> Result<Option<TrainingSession>> {
        load_as(
            &loaders(ctx)?.training_sessions,
            self.0.session_id,
            TrainingSession,
        )
        .await
    }
    async fn participant(&self) -> Result<TrainingParticipant> {
        let a = &self.0;
        Ok(TrainingParticipant {
            kind: a.participant_kind,
            expert_id: a.expert_id.map(id_of),
            consultancy_staff_id: a.staff_id.map(id_of),
            consultancy_id: a.consultancy_id.map(id_of),
            user_id: a.user_id.map(id_of),
            name: a.display_name.clone(),
            organisation: a.organisation.clone(),
            role: a.role_title.clone(),
            audience: a.audience,
        })
    }
    async fn status(&self) -> AttendanceStatus {
        self.0.status
    }
    async fn checked_in_at(&self) -> Option<DateTime<Utc>> {
        self.0.checked_in_at
    }
    async fn checked_out_at(&self) -> Option<DateTime<Utc>> {
        self.0.checked_out_at
    }
    /// Hours credited: the session's for an attendance, or the time between check-in and
    /// check-out rounded down to half hours, never more than the session's.
    async fn hours(&self) -> Decimal {
        from_stored(self.0.hours)
    }
    async fn exam_score(&self) -> Option<Decimal> {
        self.0.exam_score.map(from_stored)
    }
    async fn certificate_no(&self) -> Option<&str> {
        self.0.certificate_no.as_deref()
    }
    async fn enrolled_at(&self) -> DateTime<Utc> {
        self.0.enrolled_at
    }
    async fn recorded_at(&self) -> Option<DateTime<Utc>> {
        self.0.recorded_at
    }
}

/// The year's training plan.
pub struct TrainingPlan(pub PlanView);

#[Object]
impl TrainingPlan {
    async fn id(&self) -> ID {
        id_of(self.0.plan.id)
    }
    async fn year(&self) -> i32 {
        self.0.plan.year
    }
    /// Pass this back as `expectedVersion` when setting the plan again.
    async fn version(&self) -> i32 {
        self.0.plan.version
    }
    async fn items(&self) -> Vec<TrainingPlanItem> {
        self.0.items.iter().cloned().map(TrainingPlanItem).collect()
    }
    async fn item_count(&self) -> usize {
        self.0.items.len()
    }
    /// Items a session (not cancelled) carries out.
    async fn fulfilled_count(&self, ctx: &Context<'_>) -> Result<usize> {
        let ids: Vec<uuid::Uuid> = self.0.items.iter().map(|i| i.id).collect();
        let sessions = loaders(ctx)?.training_item_sessions.load_many(ids).await?;
        Ok(sessions.values().filter(|s| any_live(s)).count())
    }
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.plan.updated_at
    }
}

fn any_live(sessions: &[training_session::Model]) -> bool {
    sessions
        .iter()
        .any(|s| s.status == TrainingSessionStatus::Announced)
}

/// What a session or plan item is called and who organises it: the province, or a city.
pub struct TrainingHeading<'a>(uuid::Uuid, &'a str, TrainingScope, Option<&'a str>);

#[Object]
impl TrainingHeading<'_> {
    async fn id(&self) -> ID {
        id_of(self.0)
    }
    async fn title(&self) -> &str {
        self.1
    }
    async fn scope(&self) -> TrainingScope {
        self.2
    }
    /// The organising city; none for a provincial one.
    async fn city_code(&self) -> Option<&str> {
        self.3
    }
    async fn city(&self, ctx: &Context<'_>) -> Result<Option<City>> {
        city_of(ctx, self.3).await
    }
}

pub struct TrainingPlanItem(pub training_plan_item::Model);

#[Object]
impl TrainingPlanItem {
    /// `id`, `title`, `scope`, `cityCode` and `city`.
    #[graphql(flatten)]
    async fn heading(&self) -> TrainingHeading<'_> {
        let m = &self.0;
        TrainingHeading(m.id, &m.title, m.scope, m.city_code.as_deref())
    }
    async fn audiences(&self) -> Result<Vec<TrainingAudience>> {
        Ok(split_enum_list(&self.0.audiences).map_err(|e| AppError::internal(e.to_string()))?)
    }
    async fn topics(&self) -> Result<Vec<TrainingTopic>> {
        Ok(split_enum_list(&self.0.topics).map_err(|e| AppError::internal(e.to_string()))?)
    }
    /// 1–12.
    async fn planned_month(&self) -> i32 {
        self.0.planned_month
    }
    /// Sessions that name this item, cancelled ones included.
    async fn sessions(&self, ctx: &Context<'_>) -> Result<Vec<TrainingSession>> {
        load_rows_as(
            &loaders(ctx)?.training_item_sessions,
            self.0.id,
            TrainingSession,
        )
        .await
    }
    /// A session that is not cancelled carries it out.
    async fn fulfilled(&self, ctx: &Context<'_>) -> Result<bool> {
        let sessions = load_rows(&loaders(ctx)?.training_item_sessions, self.0.id).await?;
        Ok(any_live(&sessions))
    }
}

/// Whose record it is.
#[derive(SimpleObject)]
pub struct TrainingRecordPerson {
    pub kind: TrainingParticipantKind,
    /// The expert's, staff member's or user's id.
    pub id: ID,
    pub name: String,
    pub organisation: String,
}

/// One person's training in a year.
#[derive(SimpleObject)]
pub struct TrainingRecord {
    pub year: i32,
    pub person: TrainingRecordPerson,
    /// Hours credited in the year.
    pub hours: Decimal,
    pub sessions_attended: u64,
    /// The year's enrolments (sessions not cancelled), by the session's start.
    pub attendances: Vec<TrainingAttendance>,
}

/// Someone who needed training and has no hours in the year.
#[derive(SimpleObject)]
pub struct UntrainedParticipant {
    pub kind: TrainingParticipantKind,
    /// The expert's or the staff member's id.
    pub id: ID,
    pub name: String,
    pub organisation: String,
    pub city_code: Option<String>,
}

impl From<UntrainedPerson> for UntrainedParticipant {
    fn from(p: UntrainedPerson) -> Self {
        UntrainedParticipant {
            kind: p.kind,
            id: id_of(p.id),
            name: p.name,
            organisation: p.organisation,
            city_code: p.city_code,
        }
    }
}

/// The year against the plan's requirement of training.
#[derive(SimpleObject)]
pub struct TrainingCompliance {
    pub year: i32,
    /// When it was reckoned: sessions over by then count as held.
    pub as_of: DateTime<Utc>,
    /// At least one provincial session took place in the year (the plan requires one).
    pub provincial_session_held: bool,
    pub provincial_sessions_held: u64,
    pub provincial_sessions_upcoming: u64,
    pub provincial_plan_items: u64,
    pub provincial_plan_items_fulfilled: u64,
    /// Every city, by code.
    pub cities: Vec<CityTrainingCompliance>,
    pub audiences: Vec<AudienceAttendance>,
    /// ACTIVE experts and the people ACTIVE firms employ today who have no hours in the
    /// year.
    pub people_without_hours: Vec<UntrainedParticipant>,
    pub experts_without_hours: u64,
    pub staff_without_hours: u64,
}

/// An outside person, known by name and organisation.
#[derive(InputObject)]
pub struct OutsideParticipantInput {
    pub name: String,
    pub organisation: String,
    pub role: Option<String>,
    #[graphql(default_with = "TrainingAudience::EnterpriseStaff")]
    pub audience: TrainingAudience,
}

/// Exactly one of: a pool expert, a consultancy staff member, a user (an official), or an
/// outside person.
#[derive(OneofObject)]
pub enum TrainingParticipantInput {
    ExpertId(ID),
    ConsultancyStaffId(ID),
    UserId(ID),
    Outside(OutsideParticipantInput),
}

impl TrainingParticipantInput {
    fn into_service(self) -> AppResult<NewParticipant> {
        Ok(match self {
            TrainingParticipantInput::ExpertId(id) => {
                NewParticipant::Expert(parse_id("participant.expertId", &id)?)
            }
            TrainingParticipantInput::ConsultancyStaffId(id) => {
                NewParticipant::Staff(parse_id("participant.consultancyStaffId", &id)?)
            }
            TrainingParticipantInput::UserId(id) => {
                NewParticipant::User(parse_id("participant.userId", &id)?)
            }
            TrainingParticipantInput::Outside(o) => NewParticipant::Outside {
                name: o.name,
                organisation: o.organisation,
                role: o.role,
                audience: o.audience,
            },
        })
    }
}

/// What the organiser records: ATTENDED, ABSENT or EXCUSED; check-in and check-out, the exam
/// score (0–100) and the certificate number for an attendance only.
#[derive(InputObject)]
pub struct AttendanceInput {
    pub status: AttendanceStatus,
    pub checked_in_at: Option<DateTime<Utc>>,
    pub checked_out_at: Option<DateTime<Utc>>,
    pub exam_score: Option<Decimal>,
    pub certificate_no: Option<String>,
}

impl From<AttendanceInput> for RecordInput {
    fn from(i: AttendanceInput) -> Self {
        RecordInput {
            status: i.status,
            checked_in_at: i.checked_in_at,
            checked_out_at: i.checked_out_at,
            exam_score: i.exam_score,
            certificate_no: i.certificate_no,
        }
    }
}

/// One line of a session's sign-in sheet.
#[derive(InputObject)]
pub struct AttendanceRowInput {
    pub attendance_id: ID,
    pub status: AttendanceStatus,
    pub checked_in_at: Option<DateTime<Utc>>,
    pub checked_out_at: Option<DateTime<Utc>>,
    pub exam_score: Option<Decimal>,
    pub certificate_no: Option<String>,
}

#[derive(Default)]
pub struct TrainingQuery;

#[Object]
impl TrainingQuery {
    /// One session: everyone sees announced ones; signed-in users cancelled ones too.
    async fn training_session(&self, ctx: &Context<'_>, id: ID) -> Result<TrainingSession> {
        with_id(ctx, "id", &id, |s, v, id| {
            training::get_session(&s.db, v, id)
        })
        .await
        .map(TrainingSession)
    }

    /// Sessions in announcement order; the public sees announced ones only.
    async fn training_sessions(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        filter: Option<TrainingSessionFilter>,
    ) -> Result<TrainingSessionConnection> {
        let (s, page) = page_args(ctx, first, after)?;
        let result =
            training::list_sessions(&s.db, viewer(ctx), filter.unwrap_or_default(), page).await?;
        let node = node_selection(ctx);
        loaders(ctx)?
            .prime_training_sessions(s, node, &result.items)
            .await?;
        Ok(TrainingSessionConnection::of_rows(
            result,
            |m| m.id,
            TrainingSession,
        ))
    }

    /// The year's plan with its fulfilment (administrators); null while the year has none.
    async fn training_plan(&self, ctx: &Context<'_>, year: i32) -> Result<Option<TrainingPlan>> {
        let s = services(ctx)?;
        let Some(plan) = training::get_plan(&s.db, viewer(ctx), year).await? else {
            return Ok(None);
        };
        let look = ctx.look_ahead();
        let items = look.field("items");
        if look.field("fulfilledCount").exists()
            || items.field("sessions").exists()
            || items.field("fulfilled").exists()
            || items.field("city").exists()
        {
            loaders(ctx)?
                .prime_plan_items(s, items, &plan.items)
                .await?;
        }
        Ok(Some(TrainingPlan(plan)))
    }

    /// One person's sessions and hours in a year: administrators for anyone (a city admin's
    /// officials of their city), an expert their own, a firm its staff, an official their
    /// own. A staff member's record covers the person's every employment.
    async fn training_record(
        &self,
        ctx: &Context<'_>,
        participant: TrainingParticipantInput,
        year: i32,
    ) -> Result<TrainingRecord> {
        let s = services(ctx)?;
        let subject = match participant.into_service()? {
            NewParticipant::Expert(id) => RecordSubject::Expert(id),
            NewParticipant::Staff(id) => RecordSubject::Staff(id),
            NewParticipant::User(id) => RecordSubject::User(id),
            NewParticipant::Outside { .. } => {
                return Err(AppError::bad_input(
                    "participant.outside",
                    "outside persons have no record of their own; see the sessions' sign-in sheets",
                )
                .into());
            }
        };
        let record = training::training_record(&s.db, viewer(ctx), subject, year).await?;
        let l = loaders(ctx)?;
        let sessions: Vec<(uuid::Uuid, training_session::Model)> = record
            .entries
            .iter()
            .map(|(_, session)| (session.id, session.clone()))
            .collect();
        let node = ctx.look_ahead().field("attendances").field("session");
        if node.exists() {
            let models: Vec<training_session::Model> =
                sessions.iter().map(|(_, m)| m.clone()).collect();
            l.training_sessions.feed_many(sessions).await;
            l.prime_training_sessions(s, node, &models).await?;
        }
        Ok(TrainingRecord {
            year: record.year,
            person: TrainingRecordPerson {
                kind: record.kind,
                id: id_of(record.id),
                name: record.name,
                organisation: record.organisation,
            },
            hours: record.hours,
            sessions_attended: record.sessions_attended,
            attendances: record
                .entries
                .into_iter()
                .map(|(a, _)| TrainingAttendance(a))
                .collect(),
        })
    }

    /// The year against the plan: provincial sessions held, each city's sessions and plan
    /// items, attendance per audience, and who needed training but has no hours (province
    /// admins).
    async fn training_compliance(
        &self,
        ctx: &Context<'_>,
        year: i32,
    ) -> Result<TrainingCompliance> {
        let s = services(ctx)?;
        let c = training::compliance(&s.db, viewer(ctx), year).await?;
        let count = |kind| c.untrained.iter().filter(|p| p.kind == kind).count() as u64;
        let experts_without_hours = count(TrainingParticipantKind::Expert);
        let staff_without_hours = count(TrainingParticipantKind::ConsultancyStaff);
        Ok(TrainingCompliance {
            year: c.year,
            as_of: c.as_of,
            provincial_session_held: c.provincial_session_held(),
            provincial_sessions_held: c.provincial_sessions_held,
            provincial_sessions_upcoming: c.provincial_sessions_upcoming,
            provincial_plan_items: c.provincial_plan_items,
            provincial_plan_items_fulfilled: c.provincial_plan_items_fulfilled,
            cities: c.cities,
            audiences: c.audiences,
            people_without_hours: c.untrained.into_iter().map(Into::into).collect(),
            experts_without_hours,
            staff_without_hours,
        })
    }
}

#[derive(Default)]
pub struct TrainingMutation;

#[Object]
impl TrainingMutation {
    /// Announces a session: PROVINCIAL by the province, CITY by that city's admins.
    async fn create_training_session(
        &self,
        ctx: &Context<'_>,
        input: CreateTrainingSessionInput,
    ) -> Result<TrainingSession> {
        let s = services(ctx)?;
        Ok(TrainingSession(
            training::create_session(&s.db, viewer(ctx), input).await?,
        ))
    }

    /// Changes a session (its organiser); `expectedVersion` must be the version last read.
    async fn update_training_session(
        &self,
        ctx: &Context<'_>,
        id: ID,
        input: UpdateTrainingSessionInput,
        expected_version: i32,
    ) -> Result<TrainingSession> {
        let s = services(ctx)?;
        let id = parse_id("id", &id)?;
        Ok(TrainingSession(
            training::update_session(&s.db, viewer(ctx), id, input, expected_version).await?,
        ))
    }

    /// Cancels a session with a reason (its organiser); final. A session that took place
    /// (attendance recorded) cannot be cancelled.
    async fn cancel_training_session(
        &self,
        ctx: &Context<'_>,
        id: ID,
        reason: String,
    ) -> Result<TrainingSession> {
        with_id(ctx, "id", &id, |s, v, id| {
            training::cancel_session(&s.db, v, id, &reason)
        })
        .await
        .map(TrainingSession)
    }

    /// Enrols a participant, once per session and within capacity (CONFLICT otherwise). The
    /// organiser enrols anyone; an expert enrols themselves, a firm its own staff, an official
    /// their own account, until the session starts.
    async fn enroll_in_training(
        &self,
        ctx: &Context<'_>,
        session_id: ID,
        participant: TrainingParticipantInput,
    ) -> Result<TrainingAttendance> {
        let s = services(ctx)?;
        let session_id = parse_id("sessionId", &session_id)?;
        let participant = participant.into_service()?;
        Ok(TrainingAttendance(
            training::enroll(&s.db, viewer(ctx), session_id, participant).await?,
        ))
    }

    /// Records one participant's attendance (the organiser).
    async fn record_attendance(
        &self,
        ctx: &Context<'_>,
        attendance_id: ID,
        input: AttendanceInput,
    ) -> Result<TrainingAttendance> {
        with_id(ctx, "attendanceId", &attendance_id, |s, v, id| {
            training::record_attendance(&s.db, v, id, input.into())
        })
        .await
        .map(TrainingAttendance)
    }

    /// Records a session's sign-in sheet at once (the organiser): every row is checked first
    /// and one bad row (named `rows[i].field`) writes nothing.
    async fn record_attendances(
        &self,
        ctx: &Context<'_>,
        session_id: ID,
        rows: Vec<AttendanceRowInput>,
    ) -> Result<Vec<TrainingAttendance>> {
        let s = services(ctx)?;
        let session_id = parse_id("sessionId", &session_id)?;
        let rows = rows
            .into_iter()
            .enumerate()
            .map(|(i, r)| {
                let id = parse_id(&format!("rows[{i}].attendanceId"), &r.attendance_id)?;
                Ok((
                    id,
                    RecordInput {
                        status: r.status,
                        checked_in_at: r.checked_in_at,
                        checked_out_at: r.checked_out_at,
                        exam_score: r.exam_score,
                        certificate_no: r.certificate_no,
                    },
                ))
            })
            .collect::<AppResult<Vec<_>>>()?;
        Ok(
            training::record_attendances(&s.db, viewer(ctx), session_id, rows)
                .await?
                .into_iter()
                .map(TrainingAttendance)
                .collect(),
        )
    }

    /// Sets the year's training plan to these items (province admins). Give an item's `id`
    /// to keep it; items left out are removed, except those a session carries out.
    /// `expectedVersion`, when given, must be the plan's version (0 for a year without one).
    async fn set_training_plan(
        &self,
        ctx: &Context<'_>,
        year: i32,
        items: Vec<TrainingPlanItemInput>,
        expected_version: Option<i32>,
    ) -> Result<TrainingPlan> {
        let s = services(ctx)?;
        let plan = training::set_plan(&s.db, viewer(ctx), year, items, expected_version).await?;
        Ok(TrainingPlan(plan))
    }
}
