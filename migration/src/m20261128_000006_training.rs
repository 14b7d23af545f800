//! Training (培训): the yearly plan and its items, sessions with their audiences and topics,
//! and attendance records.
//!
//! Capacity is held by the database: a session keeps its `enrolled` count, raised by a
//! conditional update in the enrolment's transaction, and a CHECK refuses any count above the
//! capacity. Unique indexes keep each participant to one enrolment per session.

use sea_orm_migration::prelude::*;

use crate::columns::{
    amount, amount_null, fk, instant, int, int_null, long_text_null, text, text_null, uuid,
    uuid_null, uuid_pk,
};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Cities {
    Table,
    Code,
}

#[derive(DeriveIden)]
enum Experts {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum ConsultancyStaff {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Consultancies {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum TrainingPlans {
    Table,
    Id,
    Year,
    Version,
    UpdatedBy,
    CreatedAt,
    UpdatedAt,
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
    CreatedAt,
    UpdatedAt,
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
    Version,
    CreatedAt,
    UpdatedAt,
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

async fn index(
    manager: &SchemaManager<'_>,
    name: &str,
    table: impl IntoIden,
    cols: Vec<DynIden>,
    unique: bool,
) -> Result<(), DbErr> {
    let mut index = Index::create();
    index.name(name).table(table);
    for col in cols {
        index.col(col);
    }
    if unique {
        index.unique();
    }
    manager.create_index(index.to_owned()).await
}

macro_rules! cols {
    ($($c:expr),+ $(,)?) => { vec![$($c.into_iden()),+] };
}

fn nullable_instant(col: impl IntoIden) -> ColumnDef {
    ColumnDef::new(col)
        .timestamp_with_time_zone()
        .null()
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(TrainingPlans::Table)
                    .col(uuid_pk(TrainingPlans::Id))
                    .col(int(TrainingPlans::Year).unique_key().to_owned())
                    .col(int(TrainingPlans::Version))
                    .col(uuid_null(TrainingPlans::UpdatedBy))
                    .col(instant(TrainingPlans::CreatedAt))
                    .col(instant(TrainingPlans::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(TrainingPlanItems::Table)
                    .col(uuid_pk(TrainingPlanItems::Id))
                    .col(uuid(TrainingPlanItems::PlanId))
                    .col(int(TrainingPlanItems::Position))
                    .col(text(TrainingPlanItems::Title))
                    .col(text(TrainingPlanItems::Scope))
                    .col(text_null(TrainingPlanItems::CityCode))
                    // Small sets read whole with the item; nothing filters on them.
                    .col(text(TrainingPlanItems::Audiences))
                    .col(text(TrainingPlanItems::Topics))
                    .col(int(TrainingPlanItems::PlannedMonth))
                    .col(instant(TrainingPlanItems::CreatedAt))
                    .col(instant(TrainingPlanItems::UpdatedAt))
                    .foreign_key(&mut fk(
                        "fk_training_plan_items_plan",
                        (TrainingPlanItems::Table, TrainingPlanItems::PlanId),
                        (TrainingPlans::Table, TrainingPlans::Id),
                    ))
                    .foreign_key(&mut fk(
                        "fk_training_plan_items_city",
                        (TrainingPlanItems::Table, TrainingPlanItems::CityCode),
                        (Cities::Table, Cities::Code),
                    ))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_training_plan_items_plan",
            TrainingPlanItems::Table,
            cols![TrainingPlanItems::PlanId, TrainingPlanItems::Position],
            false,
        )
        .await?;
        index(
            manager,
            "idx_training_plan_items_city",
            TrainingPlanItems::Table,
            cols![TrainingPlanItems::CityCode],
            false,
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(TrainingSessions::Table)
                    .col(uuid_pk(TrainingSessions::Id))
                    .col(int(TrainingSessions::Year))
                    .col(text(TrainingSessions::Title))
                    .col(text(TrainingSessions::Scope))
                    .col(text_null(TrainingSessions::CityCode))
                    .col(text(TrainingSessions::Organiser))
                    .col(long_text_null(TrainingSessions::Description))
                    .col(instant(TrainingSessions::StartsAt))
                    .col(instant(TrainingSessions::EndsAt))
                    .col(amount(TrainingSessions::CreditHours))
                    .col(text(TrainingSessions::Location))
                    .col(int_null(TrainingSessions::Capacity))
                    .col(
                        ColumnDef::new(TrainingSessions::Enrolled)
                            .integer()
                            .not_null()
                            .default(0),
                    )
                    .col(text(TrainingSessions::Status))
                    .col(text_null(TrainingSessions::CancelReason))
                    .col(nullable_instant(TrainingSessions::CancelledAt))
                    .col(uuid_null(TrainingSessions::PlanItemId))
                    .col(uuid_null(TrainingSessions::CreatedBy))
                    .col(int(TrainingSessions::Version))
                    .col(instant(TrainingSessions::CreatedAt))
                    .col(instant(TrainingSessions::UpdatedAt))
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
                    .foreign_key(&mut fk(
                        "fk_training_sessions_city",
                        (TrainingSessions::Table, TrainingSessions::CityCode),
                        (Cities::Table, Cities::Code),
                    ))
                    .foreign_key(&mut fk(
                        "fk_training_sessions_plan_item",
                        (TrainingSessions::Table, TrainingSessions::PlanItemId),
                        (TrainingPlanItems::Table, TrainingPlanItems::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        for (name, cols) in [
            (
                "idx_training_sessions_year_scope",
                cols![TrainingSessions::Year, TrainingSessions::Scope],
            ),
            (
                "idx_training_sessions_city_year",
                cols![TrainingSessions::CityCode, TrainingSessions::Year],
            ),
            (
                "idx_training_sessions_ends_at",
                cols![TrainingSessions::EndsAt],
            ),
            (
                "idx_training_sessions_status",
                cols![TrainingSessions::Status],
            ),
            (
                "idx_training_sessions_plan_item",
                cols![TrainingSessions::PlanItemId],
            ),
        ] {
            index(manager, name, TrainingSessions::Table, cols, false).await?;
        }

        manager
            .create_table(
                Table::create()
                    .table(TrainingSessionAudiences::Table)
                    .col(uuid(TrainingSessionAudiences::SessionId))
                    .col(text(TrainingSessionAudiences::Audience))
                    .primary_key(
                        Index::create()
                            .col(TrainingSessionAudiences::SessionId)
                            .col(TrainingSessionAudiences::Audience),
                    )
                    .foreign_key(&mut fk(
                        "fk_training_session_audiences_session",
                        (
                            TrainingSessionAudiences::Table,
                            TrainingSessionAudiences::SessionId,
                        ),
                        (TrainingSessions::Table, TrainingSessions::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_training_session_audiences_audience",
            TrainingSessionAudiences::Table,
            cols![
                TrainingSessionAudiences::Audience,
                TrainingSessionAudiences::SessionId
            ],
            false,
        )
        .await?;
        manager
            .create_table(
                Table::create()
                    .table(TrainingSessionTopics::Table)
                    .col(uuid(TrainingSessionTopics::SessionId))
                    .col(text(TrainingSessionTopics::Topic))
                    .primary_key(
                        Index::create()
                            .col(TrainingSessionTopics::SessionId)
                            .col(TrainingSessionTopics::Topic),
                    )
                    .foreign_key(&mut fk(
                        "fk_training_session_topics_session",
                        (
                            TrainingSessionTopics::Table,
                            TrainingSessionTopics::SessionId,
                        ),
                        (TrainingSessions::Table, TrainingSessions::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_training_session_topics_topic",
            TrainingSessionTopics::Table,
            cols![
                TrainingSessionTopics::Topic,
                TrainingSessionTopics::SessionId
            ],
            false,
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(TrainingAttendances::Table)
                    .col(uuid_pk(TrainingAttendances::Id))
                    .col(uuid(TrainingAttendances::SessionId))
                    .col(text(TrainingAttendances::ParticipantKind))
                    .col(uuid_null(TrainingAttendances::ExpertId))
                    .col(uuid_null(TrainingAttendances::StaffId))
                    .col(uuid_null(TrainingAttendances::ConsultancyId))
                    .col(uuid_null(TrainingAttendances::UserId))
                    .col(text(TrainingAttendances::DisplayName))
                    .col(text(TrainingAttendances::Organisation))
                    .col(text_null(TrainingAttendances::RoleTitle))
                    .col(text(TrainingAttendances::Audience))
                    .col(text(TrainingAttendances::Status))
                    .col(nullable_instant(TrainingAttendances::CheckedInAt))
                    .col(nullable_instant(TrainingAttendances::CheckedOutAt))
                    .col(amount(TrainingAttendances::Hours))
                    .col(amount_null(TrainingAttendances::ExamScore))
                    .col(text_null(TrainingAttendances::CertificateNo))
                    .col(uuid_null(TrainingAttendances::EnrolledBy))
                    .col(instant(TrainingAttendances::EnrolledAt))
                    .col(uuid_null(TrainingAttendances::RecordedBy))
                    .col(nullable_instant(TrainingAttendances::RecordedAt))
                    .col(instant(TrainingAttendances::UpdatedAt))
                    .foreign_key(&mut fk(
                        "fk_training_attendances_session",
                        (TrainingAttendances::Table, TrainingAttendances::SessionId),
                        (TrainingSessions::Table, TrainingSessions::Id),
                    ))
                    .foreign_key(&mut fk(
                        "fk_training_attendances_expert",
                        (TrainingAttendances::Table, TrainingAttendances::ExpertId),
                        (Experts::Table, Experts::Id),
                    ))
                    .foreign_key(&mut fk(
                        "fk_training_attendances_staff",
                        (TrainingAttendances::Table, TrainingAttendances::StaffId),
                        (ConsultancyStaff::Table, ConsultancyStaff::Id),
                    ))
                    .foreign_key(&mut fk(
                        "fk_training_attendances_consultancy",
                        (
                            TrainingAttendances::Table,
                            TrainingAttendances::ConsultancyId,
                        ),
                        (Consultancies::Table, Consultancies::Id),
                    ))
                    .foreign_key(&mut fk(
                        "fk_training_attendances_user",
                        (TrainingAttendances::Table, TrainingAttendances::UserId),
                        (Users::Table, Users::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        // At most once per session, per kind of participant: NULLs are distinct in a
        // unique index on both databases, so each index binds only its own kind.
        for (name, cols) in [
            (
                "uq_training_attendances_expert",
                cols![
                    TrainingAttendances::SessionId,
                    TrainingAttendances::ExpertId
                ],
            ),
            (
                "uq_training_attendances_staff",
                cols![TrainingAttendances::SessionId, TrainingAttendances::StaffId],
            ),
            (
                "uq_training_attendances_user",
                cols![TrainingAttendances::SessionId, TrainingAttendances::UserId],
            ),
            (
                "uq_training_attendances_certificate",
                cols![
                    TrainingAttendances::SessionId,
                    TrainingAttendances::CertificateNo
                ],
            ),
        ] {
            index(manager, name, TrainingAttendances::Table, cols, true).await?;
        }
        // An outside person is known by name and organisation only.
        manager
            .create_index(
                Index::create()
                    .name("uq_training_attendances_outside")
                    .table(TrainingAttendances::Table)
                    .col(TrainingAttendances::SessionId)
                    .col(TrainingAttendances::DisplayName)
                    .col(TrainingAttendances::Organisation)
                    .unique()
                    .and_where(Expr::col(TrainingAttendances::ParticipantKind).eq("OUTSIDE"))
                    .to_owned(),
            )
            .await?;
        for (name, cols) in [
            (
                "idx_training_attendances_session_status",
                cols![TrainingAttendances::SessionId, TrainingAttendances::Status],
            ),
            (
                "idx_training_attendances_expert",
                cols![TrainingAttendances::ExpertId],
            ),
            (
                "idx_training_attendances_staff",
                cols![TrainingAttendances::StaffId],
            ),
            (
                "idx_training_attendances_consultancy",
                cols![TrainingAttendances::ConsultancyId],
            ),
            (
                "idx_training_attendances_user",
                cols![TrainingAttendances::UserId],
            ),
            (
                "idx_training_attendances_audience",
                cols![TrainingAttendances::Audience],
            ),
        ] {
            index(manager, name, TrainingAttendances::Table, cols, false).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            TrainingAttendances::Table.into_iden(),
            TrainingSessionTopics::Table.into_iden(),
            TrainingSessionAudiences::Table.into_iden(),
            TrainingSessions::Table.into_iden(),
            TrainingPlanItems::Table.into_iden(),
            TrainingPlans::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
