//! Training (培训): the yearly plan and its items, sessions with their audiences and topics,
//! and attendance records.
//!
//! Capacity is held by the database: a session keeps its `enrolled` count, raised by a
//! conditional update in the enrolment's transaction, and a CHECK refuses any count above the
//! capacity. Unique indexes keep each participant to one enrolment per session.

use sea_orm_migration::prelude::*;

use crate::columns::{
    Cities, Consultancies, ConsultancyStaff, Experts, NewTable, Users, amount, amount_null,
    create_tables, drop_tables, instant, instant_null, int, int_null, long_text_null, stamps,
    table, text, text_null, uuid, uuid_null, uuid_pk, versioned,
};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum TrainingPlans {
    Table,
    Id,
    Year,
    Version,
    UpdatedBy,
}

#[derive(DeriveIden)]
enum TrainingPlanItems {
    Table,
    Id,
    PlanId,
    Position,
    Title,
    Scope,
    CityCode,
    Audiences,
    Topics,
    PlannedMonth,
}

#[derive(DeriveIden)]
enum TrainingSessions {
    Table,
    Id,
    Year,
    Title,
    Scope,
    CityCode,
    Organiser,
    Description,
    StartsAt,
    EndsAt,
    CreditHours,
    Location,
    Capacity,
    Enrolled,
    Status,
    CancelReason,
    CancelledAt,
    PlanItemId,
    CreatedBy,
}

#[derive(DeriveIden)]
enum TrainingSessionAudiences {
    Table,
    SessionId,
    Audience,
}

#[derive(DeriveIden)]
enum TrainingSessionTopics {
    Table,
    SessionId,
    Topic,
}

#[derive(DeriveIden)]
enum TrainingAttendances {
    Table,
    Id,
    SessionId,
    ParticipantKind,
    ExpertId,
    StaffId,
    ConsultancyId,
    UserId,
    DisplayName,
    Organisation,
    RoleTitle,
    Audience,
    Status,
    CheckedInAt,
    CheckedOutAt,
    Hours,
    ExamScore,
    CertificateNo,
    EnrolledBy,
    EnrolledAt,
    RecordedBy,
    RecordedAt,
    UpdatedAt,
}

fn tables() -> Vec<NewTable> {
    vec![
        table(TrainingPlans::Table)
            .cols([
                uuid_pk(TrainingPlans::Id),
                int(TrainingPlans::Year).unique_key().to_owned(),
                int(TrainingPlans::Version),
                uuid_null(TrainingPlans::UpdatedBy),
            ])
            .cols(stamps()),
        table(TrainingPlanItems::Table)
            .cols([
                uuid_pk(TrainingPlanItems::Id),
                uuid(TrainingPlanItems::PlanId),
                int(TrainingPlanItems::Position),
                text(TrainingPlanItems::Title),
                text(TrainingPlanItems::Scope),
                text_null(TrainingPlanItems::CityCode),
                // Small sets read whole with the item; nothing filters on them.
                text(TrainingPlanItems::Audiences),
                text(TrainingPlanItems::Topics),
                int(TrainingPlanItems::PlannedMonth),
            ])
            .cols(stamps())
            .fk(
                "fk_training_plan_items_plan",
                TrainingPlanItems::PlanId,
                (TrainingPlans::Table, TrainingPlans::Id),
            )
            .index(
                "idx_training_plan_items_plan",
                [TrainingPlanItems::PlanId, TrainingPlanItems::Position],
            )
            .indexed_fk(
                "training_plan_items_city",
                TrainingPlanItems::CityCode,
                (Cities::Table, Cities::Code),
            ),
        table(TrainingSessions::Table)
            .cols([
                uuid_pk(TrainingSessions::Id),
                int(TrainingSessions::Year),
                text(TrainingSessions::Title),
                text(TrainingSessions::Scope),
                text_null(TrainingSessions::CityCode),
                text(TrainingSessions::Organiser),
                long_text_null(TrainingSessions::Description),
                instant(TrainingSessions::StartsAt),
                instant(TrainingSessions::EndsAt),
                amount(TrainingSessions::CreditHours),
                text(TrainingSessions::Location),
                int_null(TrainingSessions::Capacity),
                ColumnDef::new(TrainingSessions::Enrolled)
                    .integer()
                    .not_null()
                    .default(0)
                    .to_owned(),
                text(TrainingSessions::Status),
                text_null(TrainingSessions::CancelReason),
                instant_null(TrainingSessions::CancelledAt),
                uuid_null(TrainingSessions::PlanItemId),
                uuid_null(TrainingSessions::CreatedBy),
            ])
            .cols(versioned())
            // The last word on capacity: whatever the code does, the count of
            // enrolments never passes it.
            .check(Check::named(
                "ck_training_sessions_capacity",
                Expr::col(TrainingSessions::Enrolled).gte(0).and(
                    Expr::col(TrainingSessions::Capacity)
                        .is_null()
                        .or(Expr::col(TrainingSessions::Enrolled)
                            .lte(Expr::col(TrainingSessions::Capacity))),
                ),
            ))
            .fk(
                "fk_training_sessions_city",
                TrainingSessions::CityCode,
                (Cities::Table, Cities::Code),
            )
            .index(
                "idx_training_sessions_year_scope",
                [TrainingSessions::Year, TrainingSessions::Scope],
            )
            .index(
                "idx_training_sessions_city_year",
                [TrainingSessions::CityCode, TrainingSessions::Year],
            )
            .index("idx_training_sessions_ends_at", [TrainingSessions::EndsAt])
            .index("idx_training_sessions_status", [TrainingSessions::Status])
            .indexed_fk(
                "training_sessions_plan_item",
                TrainingSessions::PlanItemId,
                (TrainingPlanItems::Table, TrainingPlanItems::Id),
            ),
        table(TrainingSessionAudiences::Table)
            .cols([
                uuid(TrainingSessionAudiences::SessionId),
                text(TrainingSessionAudiences::Audience),
            ])
            .primary_key([
                TrainingSessionAudiences::SessionId,
                TrainingSessionAudiences::Audience,
            ])
            .fk(
                "fk_training_session_audiences_session",
                TrainingSessionAudiences::SessionId,
                (TrainingSessions::Table, TrainingSessions::Id),
            )
            .index(
                "idx_training_session_audiences_audience",
                [
                    TrainingSessionAudiences::Audience,
                    TrainingSessionAudiences::SessionId,
                ],
            ),
        table(TrainingSessionTopics::Table)
            .cols([
                uuid(TrainingSessionTopics::SessionId),
                text(TrainingSessionTopics::Topic),
            ])
            .primary_key([
                TrainingSessionTopics::SessionId,
                TrainingSessionTopics::Topic,
            ])
            .fk(
                "fk_training_session_topics_session",
                TrainingSessionTopics::SessionId,
                (TrainingSessions::Table, TrainingSessions::Id),
            )
            .index(
                "idx_training_session_topics_topic",
                [
                    TrainingSessionTopics::Topic,
                    TrainingSessionTopics::SessionId,
                ],
            ),
        table(TrainingAttendances::Table)
            .cols([
                uuid_pk(TrainingAttendances::Id),
                uuid(TrainingAttendances::SessionId),
                text(TrainingAttendances::ParticipantKind),
                uuid_null(TrainingAttendances::ExpertId),
                uuid_null(TrainingAttendances::StaffId),
                uuid_null(TrainingAttendances::ConsultancyId),
                uuid_null(TrainingAttendances::UserId),
                text(TrainingAttendances::DisplayName),
                text(TrainingAttendances::Organisation),
                text_null(TrainingAttendances::RoleTitle),
                text(TrainingAttendances::Audience),
                text(TrainingAttendances::Status),
                instant_null(TrainingAttendances::CheckedInAt),
                instant_null(TrainingAttendances::CheckedOutAt),
                amount(TrainingAttendances::Hours),
                amount_null(TrainingAttendances::ExamScore),
                text_null(TrainingAttendances::CertificateNo),
                uuid_null(TrainingAttendances::EnrolledBy),
                instant(TrainingAttendances::EnrolledAt),
                uuid_null(TrainingAttendances::RecordedBy),
                instant_null(TrainingAttendances::RecordedAt),
                instant(TrainingAttendances::UpdatedAt),
            ])
            .fk(
                "fk_training_attendances_session",
                TrainingAttendances::SessionId,
                (TrainingSessions::Table, TrainingSessions::Id),
            )
            // At most once per session, per kind of participant: NULLs are distinct in a
            // unique index on both databases, so each index binds only its own kind.
            .unique(
                "uq_training_attendances_expert",
                [
                    TrainingAttendances::SessionId,
                    TrainingAttendances::ExpertId,
                ],
            )
            .unique(
                "uq_training_attendances_staff",
                [TrainingAttendances::SessionId, TrainingAttendances::StaffId],
            )
            .unique(
                "uq_training_attendances_user",
                [TrainingAttendances::SessionId, TrainingAttendances::UserId],
            )
            .unique(
                "uq_training_attendances_certificate",
                [
                    TrainingAttendances::SessionId,
                    TrainingAttendances::CertificateNo,
                ],
            )
            // An outside person is known by name and organisation only.
            .unique_where(
                "uq_training_attendances_outside",
                [
                    TrainingAttendances::SessionId,
                    TrainingAttendances::DisplayName,
                    TrainingAttendances::Organisation,
                ],
                Expr::col(TrainingAttendances::ParticipantKind).eq("OUTSIDE"),
            )
            .index(
                "idx_training_attendances_session_status",
                [TrainingAttendances::SessionId, TrainingAttendances::Status],
            )
            .indexed_fk(
                "training_attendances_expert",
                TrainingAttendances::ExpertId,
                (Experts::Table, Experts::Id),
            )
            .indexed_fk(
                "training_attendances_staff",
                TrainingAttendances::StaffId,
                (ConsultancyStaff::Table, ConsultancyStaff::Id),
            )
            .indexed_fk(
                "training_attendances_consultancy",
                TrainingAttendances::ConsultancyId,
                (Consultancies::Table, Consultancies::Id),
            )
            .indexed_fk(
                "training_attendances_user",
                TrainingAttendances::UserId,
                (Users::Table, Users::Id),
            )
            .index(
                "idx_training_attendances_audience",
                [TrainingAttendances::Audience],
            ),
    ]
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        create_tables(manager, tables()).await?;

        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_tables(manager, tables()).await
    }
}
