use sea_orm::entity::prelude::*;

use crate::domain::{AttendanceStatus, TrainingAudience, TrainingParticipantKind};

/// One participant's enrolment in one session, and what the organiser recorded.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "training_attendances")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub session_id: Uuid,
    /// EXPERT, CONSULTANCY_STAFF, USER or OUTSIDE; the matching id column is set.
    pub participant_kind: TrainingParticipantKind,
    pub expert_id: Option<Uuid>,
    pub staff_id: Option<Uuid>,
    /// The firm of a staff participant at enrolment.
    pub consultancy_id: Option<Uuid>,
    pub user_id: Option<Uuid>,
    /// Name, organisation and role as they were at enrolment (what the sign-in sheet shows).
    pub display_name: String,
    pub organisation: String,
    pub role_title: Option<String>,
    /// The audience the participant belongs to.
    pub audience: TrainingAudience,
    pub status: AttendanceStatus,
    pub checked_in_at: Option<DateTimeUtc>,
    pub checked_out_at: Option<DateTimeUtc>,
    /// Hours credited, in ten-thousandths.
    pub hours: i64,
    /// 0–100, in ten-thousandths.
    pub exam_score: Option<i64>,
    pub certificate_no: Option<String>,
    pub enrolled_by: Option<Uuid>,
    pub enrolled_at: DateTimeUtc,
    pub recorded_by: Option<Uuid>,
    pub recorded_at: Option<DateTimeUtc>,
    pub updated_at: DateTimeUtc,
}

no_relations!();
