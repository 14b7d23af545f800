//! The enterprise as a user (the plan's 主体责任): a user account bound to one enterprise, and
//! what the enterprise records on its audit itself — its disclosure (公布审核相关信息), an audit
//! it organises on its own (企业自行组织, with its own team leader), and its application for a
//! later acceptance (申请延期验收) that the city grants or refuses.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Users {
    Table,
    EnterpriseId,
}

#[derive(DeriveIden)]
enum Audits {
    Table,
    DisclosedOn,
    DisclosureChannel,
    DisclosureUrl,
    DisclosureContent,
    SelfOrganised,
    TeamLeaderName,
    TeamLeaderPosition,
    ExtensionRequestedUntil,
    ExtensionRequestReason,
    ExtensionRequestedOn,
}

/// One column per statement: SQLite alters a table one column at a time.
async fn add(
    manager: &SchemaManager<'_>,
    table: impl IntoIden,
    column: ColumnDef,
) -> Result<(), DbErr> {
    manager
        .alter_table(Table::alter().table(table).add_column(column).to_owned())
        .await
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        add(
            manager,
            Users::Table,
            ColumnDef::new(Users::EnterpriseId).uuid().null().to_owned(),
        )
        .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_users_enterprise")
                    .table(Users::Table)
                    .col(Users::EnterpriseId)
                    .to_owned(),
            )
            .await?;
        let columns = [
            ColumnDef::new(Audits::DisclosedOn).date().null().to_owned(),
            ColumnDef::new(Audits::DisclosureChannel)
                .string()
                .null()
                .to_owned(),
            ColumnDef::new(Audits::DisclosureUrl)
                .string()
                .null()
                .to_owned(),
            ColumnDef::new(Audits::DisclosureContent)
                .string()
                .null()
                .to_owned(),
            ColumnDef::new(Audits::SelfOrganised)
                .boolean()
                .not_null()
                .default(false)
                .to_owned(),
            ColumnDef::new(Audits::TeamLeaderName)
                .string()
                .null()
                .to_owned(),
            ColumnDef::new(Audits::TeamLeaderPosition)
                .string()
                .null()
                .to_owned(),
            ColumnDef::new(Audits::ExtensionRequestedUntil)
                .date()
                .null()
                .to_owned(),
            ColumnDef::new(Audits::ExtensionRequestReason)
                .string()
                .null()
                .to_owned(),
            ColumnDef::new(Audits::ExtensionRequestedOn)
                .date()
                .null()
                .to_owned(),
        ];
        for column in columns {
            add(manager, Audits::Table, column).await?;
        }
        Ok(())
    }
}
