//! The foundation: users, reference data, the expert pool and the audit log.

use sea_orm_migration::prelude::*;

use crate::columns::{
    NewTable, Reason, create_tables, date, date_null, drop_tables, instant, int, long_text, stamps,
    status_change, table, text, text_null, text_pk, uuid, uuid_null, uuid_pk, versioned,
};
use crate::reference_data;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Cities {
    Table,
    Code,
    Name,
}

#[derive(DeriveIden)]
enum Sectors {
    Table,
    Code,
    Name,
    SortOrder,
}

#[derive(DeriveIden)]
enum Industries {
    Table,
    Code,
    Name,
    Sector,
    ScaleRule,
    Condition,
    SortOrder,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
    Username,
    PasswordHash,
    Role,
    CityCode,
    ExpertId,
    ConsultancyId,
    TokenVersion,
    Disabled,
}

#[derive(DeriveIden)]
enum Experts {
    Table,
    Id,
    Name,
    Gender,
    BirthDate,
    IdCardNumber,
    Phone,
    Email,
    Employer,
    EmployerCreditCode,
    Title,
    YearsInField,
    CityCode,
    TermStart,
    TermEnd,
    Status,
}

#[derive(DeriveIden)]
enum ExpertSectors {
    Table,
    ExpertId,
    Sector,
}

#[derive(DeriveIden)]
enum ExpertKinds {
    Table,
    ExpertId,
    Kind,
}

#[derive(DeriveIden)]
enum ExpertStatusChanges {
    Table,
    Id,
    ExpertId,
    ChangedAt,
}

#[derive(DeriveIden)]
enum ExpertConflicts {
    Table,
    Id,
    ExpertId,
    Kind,
    OrganisationName,
    OrganisationCreditCode,
    ValidFrom,
    ValidUntil,
    Note,
    CreatedAt,
}

#[derive(DeriveIden)]
enum ExpertUnavailabilities {
    Table,
    Id,
    ExpertId,
    StartsOn,
    EndsOn,
    Reason,
    CreatedAt,
}

#[derive(DeriveIden)]
enum AuditLog {
    Table,
    Id,
    ActorId,
    ActorRole,
    Operation,
    EntityType,
    EntityId,
    Summary,
    CreatedAt,
}

fn tables() -> Vec<NewTable> {
    vec![
        table(Cities::Table).cols([text_pk(Cities::Code), text(Cities::Name)]),
        table(Sectors::Table).cols([
            text_pk(Sectors::Code),
            text(Sectors::Name),
            int(Sectors::SortOrder),
        ]),
        table(Industries::Table)
            .cols([
                text_pk(Industries::Code),
                text(Industries::Name),
                text(Industries::Sector),
                text(Industries::ScaleRule),
                text_null(Industries::Condition),
                int(Industries::SortOrder),
            ])
            .fk(
                "fk_industries_sector",
                Industries::Sector,
                (Sectors::Table, Sectors::Code),
            ),
        table(Users::Table)
            .cols([
                uuid_pk(Users::Id),
                text(Users::Username).unique_key().to_owned(),
                text(Users::PasswordHash),
                text(Users::Role),
                text_null(Users::CityCode),
                uuid_null(Users::ExpertId),
                uuid_null(Users::ConsultancyId),
                ColumnDef::new(Users::TokenVersion)
                    .integer()
                    .not_null()
                    .default(0)
                    .to_owned(),
                ColumnDef::new(Users::Disabled)
                    .boolean()
                    .not_null()
                    .default(false)
                    .to_owned(),
            ])
            .cols(stamps())
            .fk(
                "fk_users_city",
                Users::CityCode,
                (Cities::Table, Cities::Code),
            ),
        table(Experts::Table)
            .cols([
                uuid_pk(Experts::Id),
                text(Experts::Name),
                text(Experts::Gender),
                date(Experts::BirthDate),
                text(Experts::IdCardNumber).unique_key().to_owned(),
                text(Experts::Phone),
                text_null(Experts::Email),
                text(Experts::Employer),
                text(Experts::EmployerCreditCode),
                text(Experts::Title),
                int(Experts::YearsInField),
                text(Experts::CityCode),
                date(Experts::TermStart),
                date(Experts::TermEnd),
                text(Experts::Status),
            ])
            .cols(versioned())
            .index("idx_experts_status", [Experts::Status])
            .indexed_fk(
                "experts_city",
                Experts::CityCode,
                (Cities::Table, Cities::Code),
            )
            .index(
                "idx_experts_employer_credit_code",
                [Experts::EmployerCreditCode],
            ),
        table(ExpertSectors::Table)
            .cols([uuid(ExpertSectors::ExpertId), text(ExpertSectors::Sector)])
            .primary_key([ExpertSectors::ExpertId, ExpertSectors::Sector])
            .fk(
                "fk_expert_sectors_expert",
                ExpertSectors::ExpertId,
                (Experts::Table, Experts::Id),
            )
            .fk(
                "fk_expert_sectors_sector",
                ExpertSectors::Sector,
                (Sectors::Table, Sectors::Code),
            )
            .index(
                "idx_expert_sectors_sector",
                [ExpertSectors::Sector, ExpertSectors::ExpertId],
            ),
        table(ExpertKinds::Table)
            .cols([uuid(ExpertKinds::ExpertId), text(ExpertKinds::Kind)])
            .primary_key([ExpertKinds::ExpertId, ExpertKinds::Kind])
            .fk(
                "fk_expert_kinds_expert",
                ExpertKinds::ExpertId,
                (Experts::Table, Experts::Id),
            ),
        table(ExpertStatusChanges::Table)
            .cols([
                uuid_pk(ExpertStatusChanges::Id),
                uuid(ExpertStatusChanges::ExpertId),
            ])
            .cols(status_change(Reason::Required))
            .fk(
                "fk_expert_status_changes_expert",
                ExpertStatusChanges::ExpertId,
                (Experts::Table, Experts::Id),
            )
            .index(
                "idx_expert_status_changes_expert",
                [
                    ExpertStatusChanges::ExpertId,
                    ExpertStatusChanges::ChangedAt,
                ],
            ),
        table(ExpertConflicts::Table)
            .cols([
                uuid_pk(ExpertConflicts::Id),
                uuid(ExpertConflicts::ExpertId),
                text(ExpertConflicts::Kind),
                text(ExpertConflicts::OrganisationName),
                text(ExpertConflicts::OrganisationCreditCode),
                date_null(ExpertConflicts::ValidFrom),
                date_null(ExpertConflicts::ValidUntil),
                text_null(ExpertConflicts::Note),
                instant(ExpertConflicts::CreatedAt),
            ])
            .indexed_fk(
                "expert_conflicts_expert",
                ExpertConflicts::ExpertId,
                (Experts::Table, Experts::Id),
            )
            .index(
                "idx_expert_conflicts_org",
                [ExpertConflicts::OrganisationCreditCode],
            ),
        table(ExpertUnavailabilities::Table)
            .cols([
                uuid_pk(ExpertUnavailabilities::Id),
                uuid(ExpertUnavailabilities::ExpertId),
                date(ExpertUnavailabilities::StartsOn),
                date(ExpertUnavailabilities::EndsOn),
                text_null(ExpertUnavailabilities::Reason),
                instant(ExpertUnavailabilities::CreatedAt),
            ])
            .fk(
                "fk_expert_unavailabilities_expert",
                ExpertUnavailabilities::ExpertId,
                (Experts::Table, Experts::Id),
            )
            .index(
                "idx_expert_unavailabilities_expert",
                [
                    ExpertUnavailabilities::ExpertId,
                    ExpertUnavailabilities::StartsOn,
                ],
            ),
        table(AuditLog::Table).cols([
            uuid_pk(AuditLog::Id),
            uuid_null(AuditLog::ActorId),
            text_null(AuditLog::ActorRole),
            text(AuditLog::Operation),
            text(AuditLog::EntityType),
            text_null(AuditLog::EntityId),
            long_text(AuditLog::Summary),
            instant(AuditLog::CreatedAt),
        ]),
    ]
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        create_tables(manager, tables()).await?;

        seed_reference_data(manager).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_tables(manager, tables()).await
    }
}

async fn seed_reference_data(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    let cities = reference_data::cities().map_err(DbErr::Migration)?;
    let mut insert = Query::insert();
    insert
        .into_table(Cities::Table)
        .columns([Cities::Code, Cities::Name]);
    for city in cities {
        insert.values_panic([city.code.into(), city.name.into()]);
    }
    manager.exec_stmt(insert).await?;

    let mut insert = Query::insert();
    insert
        .into_table(Sectors::Table)
        .columns([Sectors::Code, Sectors::Name, Sectors::SortOrder]);
    for (order, (code, name)) in reference_data::SECTORS.iter().enumerate() {
        insert.values_panic([(*code).into(), (*name).into(), (order as i32 + 1).into()]);
    }
    manager.exec_stmt(insert).await?;

    let rows = reference_data::industries().map_err(DbErr::Migration)?;
    let mut insert = Query::insert();
    insert.into_table(Industries::Table).columns([
        Industries::Code,
        Industries::Name,
        Industries::Sector,
        Industries::ScaleRule,
        Industries::Condition,
        Industries::SortOrder,
    ]);
    for (order, row) in rows.into_iter().enumerate() {
        insert.values_panic([
            row.code.into(),
            row.name.into(),
            row.sector.into(),
            row.scale_rule.into(),
            row.condition.into(),
            (order as i32 + 1).into(),
        ]);
    }
    manager.exec_stmt(insert).await
}
