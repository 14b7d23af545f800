//! Who decides the directory (名录总库): cities apply to add an enterprise or remove it, the
//! province approves or refuses; every change to an entry is kept with who, when, why and the
//! application it came from (none for the province's own acts).

use sea_orm_migration::prelude::*;

use crate::columns::{
    Enterprises, NewTable, create_tables, instant, instant_null, int_null, table, text, text_null,
    uuid, uuid_null, uuid_pk,
};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum DirectoryApplications {
    Table,
    Id,
    EnterpriseId,
    CityCode,
    Action,
    SinceYear,
    ReasonKind,
    Reason,
    Status,
    /// The enterprise's id while PENDING, NULL once decided: unique, so that one enterprise
    /// has at most one pending application even when two cities' admins race.
    PendingKey,
    AppliedBy,
    AppliedAt,
    DecidedBy,
    DecidedAt,
    DecisionReason,
}

#[derive(DeriveIden)]
enum DirectoryChanges {
    Table,
    Id,
    EnterpriseId,
    Action,
    SinceYear,
    ReasonKind,
    Reason,
    ApplicationId,
    ActorId,
    ChangedAt,
}

fn tables() -> Vec<NewTable> {
    vec![
        table(DirectoryApplications::Table)
            .cols([
                uuid_pk(DirectoryApplications::Id),
                uuid(DirectoryApplications::EnterpriseId),
                text(DirectoryApplications::CityCode),
                text(DirectoryApplications::Action),
                int_null(DirectoryApplications::SinceYear),
                text_null(DirectoryApplications::ReasonKind),
                text(DirectoryApplications::Reason),
                text(DirectoryApplications::Status),
                uuid_null(DirectoryApplications::PendingKey),
                uuid_null(DirectoryApplications::AppliedBy),
                instant(DirectoryApplications::AppliedAt),
                uuid_null(DirectoryApplications::DecidedBy),
                instant_null(DirectoryApplications::DecidedAt),
                text_null(DirectoryApplications::DecisionReason),
            ])
            .fk(
                "fk_directory_applications_enterprise",
                DirectoryApplications::EnterpriseId,
                (Enterprises::Table, Enterprises::Id),
            )
            .unique(
                "idx_directory_applications_pending",
                [DirectoryApplications::PendingKey],
            )
            // The lists filter by city and by status, in id order.
            .index(
                "idx_directory_applications_city",
                [DirectoryApplications::CityCode, DirectoryApplications::Id],
            )
            .index(
                "idx_directory_applications_status",
                [DirectoryApplications::Status, DirectoryApplications::Id],
            ),
        table(DirectoryChanges::Table)
            .cols([
                uuid_pk(DirectoryChanges::Id),
                uuid(DirectoryChanges::EnterpriseId),
                text(DirectoryChanges::Action),
                int_null(DirectoryChanges::SinceYear),
                text_null(DirectoryChanges::ReasonKind),
                text_null(DirectoryChanges::Reason),
                uuid_null(DirectoryChanges::ApplicationId),
                uuid_null(DirectoryChanges::ActorId),
                instant(DirectoryChanges::ChangedAt),
            ])
            .fk(
                "fk_directory_changes_enterprise",
                DirectoryChanges::EnterpriseId,
                (Enterprises::Table, Enterprises::Id),
            )
            .fk(
                "fk_directory_changes_application",
                DirectoryChanges::ApplicationId,
                (DirectoryApplications::Table, DirectoryApplications::Id),
            )
            .index(
                "idx_directory_changes_enterprise",
                [DirectoryChanges::EnterpriseId, DirectoryChanges::Id],
            ),
    ]
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        create_tables(manager, tables()).await
    }
}
