//! Who decides the directory (名录总库): cities apply to add an enterprise or remove it, the
//! province approves or refuses; every change to an entry is kept with who, when, why and the
//! application it came from (none for the province's own acts).

use sea_orm_migration::prelude::*;

use crate::columns::{
    add_index, fk, instant, instant_null, int_null, text, text_null, uuid, uuid_null, uuid_pk,
};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Enterprises {
    Table,
    Id,
}

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

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(DirectoryApplications::Table)
                    .col(uuid_pk(DirectoryApplications::Id))
                    .col(uuid(DirectoryApplications::EnterpriseId))
                    .col(text(DirectoryApplications::CityCode))
                    .col(text(DirectoryApplications::Action))
                    .col(int_null(DirectoryApplications::SinceYear))
                    .col(text_null(DirectoryApplications::ReasonKind))
                    .col(text(DirectoryApplications::Reason))
                    .col(text(DirectoryApplications::Status))
                    .col(uuid_null(DirectoryApplications::PendingKey))
                    .col(uuid_null(DirectoryApplications::AppliedBy))
                    .col(instant(DirectoryApplications::AppliedAt))
                    .col(uuid_null(DirectoryApplications::DecidedBy))
                    .col(instant_null(DirectoryApplications::DecidedAt))
                    .col(text_null(DirectoryApplications::DecisionReason))
                    .foreign_key(&mut fk(
                        "fk_directory_applications_enterprise",
                        (
                            DirectoryApplications::Table,
                            DirectoryApplications::EnterpriseId,
                        ),
                        (Enterprises::Table, Enterprises::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        add_index(
            manager,
            "idx_directory_applications_pending",
            DirectoryApplications::Table,
            vec![DirectoryApplications::PendingKey],
            true,
        )
        .await?;
        // The lists filter by city and by status, in id order.
        for (name, column) in [
            (
                "idx_directory_applications_city",
                DirectoryApplications::CityCode,
            ),
            (
                "idx_directory_applications_status",
                DirectoryApplications::Status,
            ),
        ] {
            add_index(
                manager,
                name,
                DirectoryApplications::Table,
                vec![column, DirectoryApplications::Id],
                false,
            )
            .await?;
        }

        manager
            .create_table(
                Table::create()
                    .table(DirectoryChanges::Table)
                    .col(uuid_pk(DirectoryChanges::Id))
                    .col(uuid(DirectoryChanges::EnterpriseId))
                    .col(text(DirectoryChanges::Action))
                    .col(int_null(DirectoryChanges::SinceYear))
                    .col(text_null(DirectoryChanges::ReasonKind))
                    .col(text_null(DirectoryChanges::Reason))
                    .col(uuid_null(DirectoryChanges::ApplicationId))
                    .col(uuid_null(DirectoryChanges::ActorId))
                    .col(instant(DirectoryChanges::ChangedAt))
                    .foreign_key(&mut fk(
                        "fk_directory_changes_enterprise",
                        (DirectoryChanges::Table, DirectoryChanges::EnterpriseId),
                        (Enterprises::Table, Enterprises::Id),
                    ))
                    .foreign_key(&mut fk(
                        "fk_directory_changes_application",
                        (DirectoryChanges::Table, DirectoryChanges::ApplicationId),
                        (DirectoryApplications::Table, DirectoryApplications::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        add_index(
            manager,
            "idx_directory_changes_enterprise",
            DirectoryChanges::Table,
            vec![DirectoryChanges::EnterpriseId, DirectoryChanges::Id],
            false,
        )
        .await
    }
}
