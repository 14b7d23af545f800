//! The foundation: users, reference data, the expert pool and the audit log.

use sea_orm_migration::prelude::*;

use crate::columns::{fk, instant, text, text_null, uuid_pk};
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
    CreatedAt,
    UpdatedAt,
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
    Version,
    CreatedAt,
    UpdatedAt,
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
    FromStatus,
    ToStatus,
    Reason,
    ActorId,
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

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Cities::Table)
                    .col(
                        ColumnDef::new(Cities::Code)
                            .string()
                            .not_null()
                            .primary_key(),
                    )
                    .col(text(Cities::Name))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Sectors::Table)
                    .col(
                        ColumnDef::new(Sectors::Code)
                            .string()
                            .not_null()
                            .primary_key(),
                    )
                    .col(text(Sectors::Name))
                    .col(ColumnDef::new(Sectors::SortOrder).integer().not_null())
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Industries::Table)
                    .col(
                        ColumnDef::new(Industries::Code)
                            .string()
                            .not_null()
                            .primary_key(),
                    )
                    .col(text(Industries::Name))
                    .col(text(Industries::Sector))
                    .col(text(Industries::ScaleRule))
                    .col(text_null(Industries::Condition))
                    .col(ColumnDef::new(Industries::SortOrder).integer().not_null())
                    .foreign_key(&mut fk(
                        "fk_industries_sector",
                        (Industries::Table, Industries::Sector),
                        (Sectors::Table, Sectors::Code),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Users::Table)
                    .col(uuid_pk(Users::Id))
                    .col(text(Users::Username).unique_key().to_owned())
                    .col(text(Users::PasswordHash))
                    .col(text(Users::Role))
                    .col(text_null(Users::CityCode))
                    .col(ColumnDef::new(Users::ExpertId).uuid().null())
                    .col(ColumnDef::new(Users::ConsultancyId).uuid().null())
                    .col(
                        ColumnDef::new(Users::TokenVersion)
                            .integer()
                            .not_null()
                            .default(0),
                    )
                    .col(
                        ColumnDef::new(Users::Disabled)
                            .boolean()
                            .not_null()
                            .default(false),
                    )
                    .col(instant(Users::CreatedAt))
                    .col(instant(Users::UpdatedAt))
                    .foreign_key(&mut fk(
                        "fk_users_city",
                        (Users::Table, Users::CityCode),
                        (Cities::Table, Cities::Code),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Experts::Table)
                    .col(uuid_pk(Experts::Id))
                    .col(text(Experts::Name))
                    .col(text(Experts::Gender))
                    .col(ColumnDef::new(Experts::BirthDate).date().not_null())
                    .col(text(Experts::IdCardNumber).unique_key().to_owned())
                    .col(text(Experts::Phone))
                    .col(text_null(Experts::Email))
                    .col(text(Experts::Employer))
                    .col(text(Experts::EmployerCreditCode))
                    .col(text(Experts::Title))
                    .col(ColumnDef::new(Experts::YearsInField).integer().not_null())
                    .col(text(Experts::CityCode))
                    .col(ColumnDef::new(Experts::TermStart).date().not_null())
                    .col(ColumnDef::new(Experts::TermEnd).date().not_null())
                    .col(text(Experts::Status))
                    .col(ColumnDef::new(Experts::Version).integer().not_null())
                    .col(instant(Experts::CreatedAt))
                    .col(instant(Experts::UpdatedAt))
                    .foreign_key(&mut fk(
                        "fk_experts_city",
                        (Experts::Table, Experts::CityCode),
                        (Cities::Table, Cities::Code),
                    ))
                    .to_owned(),
            )
            .await?;
        for (name, table, cols) in [
            ("idx_experts_status", Experts::Table, vec![Experts::Status]),
            ("idx_experts_city", Experts::Table, vec![Experts::CityCode]),
            (
                "idx_experts_employer_credit_code",
                Experts::Table,
                vec![Experts::EmployerCreditCode],
            ),
        ] {
            let mut index = Index::create();
            index.name(name).table(table);
            for col in cols {
                index.col(col);
            }
            manager.create_index(index.to_owned()).await?;
        }
        manager
            .create_table(
                Table::create()
                    .table(ExpertSectors::Table)
                    .col(ColumnDef::new(ExpertSectors::ExpertId).uuid().not_null())
                    .col(text(ExpertSectors::Sector))
                    .primary_key(
                        Index::create()
                            .col(ExpertSectors::ExpertId)
                            .col(ExpertSectors::Sector),
                    )
                    .foreign_key(&mut fk(
                        "fk_expert_sectors_expert",
                        (ExpertSectors::Table, ExpertSectors::ExpertId),
                        (Experts::Table, Experts::Id),
                    ))
                    .foreign_key(&mut fk(
                        "fk_expert_sectors_sector",
                        (ExpertSectors::Table, ExpertSectors::Sector),
                        (Sectors::Table, Sectors::Code),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_expert_sectors_sector")
                    .table(ExpertSectors::Table)
                    .col(ExpertSectors::Sector)
                    .col(ExpertSectors::ExpertId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ExpertKinds::Table)
                    .col(ColumnDef::new(ExpertKinds::ExpertId).uuid().not_null())
                    .col(text(ExpertKinds::Kind))
                    .primary_key(
                        Index::create()
                            .col(ExpertKinds::ExpertId)
                            .col(ExpertKinds::Kind),
                    )
                    .foreign_key(&mut fk(
                        "fk_expert_kinds_expert",
                        (ExpertKinds::Table, ExpertKinds::ExpertId),
                        (Experts::Table, Experts::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ExpertStatusChanges::Table)
                    .col(uuid_pk(ExpertStatusChanges::Id))
                    .col(
                        ColumnDef::new(ExpertStatusChanges::ExpertId)
                            .uuid()
                            .not_null(),
                    )
                    .col(text_null(ExpertStatusChanges::FromStatus))
                    .col(text(ExpertStatusChanges::ToStatus))
                    .col(text(ExpertStatusChanges::Reason))
                    .col(ColumnDef::new(ExpertStatusChanges::ActorId).uuid().null())
                    .col(instant(ExpertStatusChanges::ChangedAt))
                    .foreign_key(&mut fk(
                        "fk_expert_status_changes_expert",
                        (ExpertStatusChanges::Table, ExpertStatusChanges::ExpertId),
                        (Experts::Table, Experts::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_expert_status_changes_expert")
                    .table(ExpertStatusChanges::Table)
                    .col(ExpertStatusChanges::ExpertId)
                    .col(ExpertStatusChanges::ChangedAt)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ExpertConflicts::Table)
                    .col(uuid_pk(ExpertConflicts::Id))
                    .col(ColumnDef::new(ExpertConflicts::ExpertId).uuid().not_null())
                    .col(text(ExpertConflicts::Kind))
                    .col(text(ExpertConflicts::OrganisationName))
                    .col(text(ExpertConflicts::OrganisationCreditCode))
                    .col(ColumnDef::new(ExpertConflicts::ValidFrom).date().null())
                    .col(ColumnDef::new(ExpertConflicts::ValidUntil).date().null())
                    .col(text_null(ExpertConflicts::Note))
                    .col(instant(ExpertConflicts::CreatedAt))
                    .foreign_key(&mut fk(
                        "fk_expert_conflicts_expert",
                        (ExpertConflicts::Table, ExpertConflicts::ExpertId),
                        (Experts::Table, Experts::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_expert_conflicts_expert")
                    .table(ExpertConflicts::Table)
                    .col(ExpertConflicts::ExpertId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_expert_conflicts_org")
                    .table(ExpertConflicts::Table)
                    .col(ExpertConflicts::OrganisationCreditCode)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ExpertUnavailabilities::Table)
                    .col(uuid_pk(ExpertUnavailabilities::Id))
                    .col(
                        ColumnDef::new(ExpertUnavailabilities::ExpertId)
                            .uuid()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(ExpertUnavailabilities::StartsOn)
                            .date()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(ExpertUnavailabilities::EndsOn)
                            .date()
                            .not_null(),
                    )
                    .col(text_null(ExpertUnavailabilities::Reason))
                    .col(instant(ExpertUnavailabilities::CreatedAt))
                    .foreign_key(&mut fk(
                        "fk_expert_unavailabilities_expert",
                        (
                            ExpertUnavailabilities::Table,
                            ExpertUnavailabilities::ExpertId,
                        ),
                        (Experts::Table, Experts::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_expert_unavailabilities_expert")
                    .table(ExpertUnavailabilities::Table)
                    .col(ExpertUnavailabilities::ExpertId)
                    .col(ExpertUnavailabilities::StartsOn)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(AuditLog::Table)
                    .col(uuid_pk(AuditLog::Id))
                    .col(ColumnDef::new(AuditLog::ActorId).uuid().null())
                    .col(text_null(AuditLog::ActorRole))
                    .col(text(AuditLog::Operation))
                    .col(text(AuditLog::EntityType))
                    .col(text_null(AuditLog::EntityId))
                    .col(ColumnDef::new(AuditLog::Summary).text().not_null())
                    .col(instant(AuditLog::CreatedAt))
                    .to_owned(),
            )
            .await?;

        seed_reference_data(manager).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            AuditLog::Table.into_iden(),
            ExpertUnavailabilities::Table.into_iden(),
            ExpertConflicts::Table.into_iden(),
            ExpertStatusChanges::Table.into_iden(),
            ExpertKinds::Table.into_iden(),
            ExpertSectors::Table.into_iden(),
            Experts::Table.into_iden(),
            Users::Table.into_iden(),
            Industries::Table.into_iden(),
            Sectors::Table.into_iden(),
            Cities::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
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
