//! The enterprise as a user (the plan's 主体责任): a user account bound to one enterprise, and
//! what the enterprise records on its audit itself — its disclosure (公布审核相关信息), an audit
//! it organises on its own (企业自行组织, with its own team leader), and its application for a
//! later acceptance (申请延期验收) that the city grants or refuses.

use sea_orm_migration::prelude::*;

use crate::columns::{add_columns, add_index, date_null, flag, text_null, uuid_null};

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

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        add_columns(manager, Users::Table, vec![uuid_null(Users::EnterpriseId)]).await?;
        add_index(
            manager,
            "idx_users_enterprise",
            Users::Table,
            vec![Users::EnterpriseId],
            false,
        )
        .await?;
        let columns = vec![
            date_null(Audits::DisclosedOn),
            text_null(Audits::DisclosureChannel),
            text_null(Audits::DisclosureUrl),
            text_null(Audits::DisclosureContent),
            flag(Audits::SelfOrganised).default(false).to_owned(),
            text_null(Audits::TeamLeaderName),
            text_null(Audits::TeamLeaderPosition),
            date_null(Audits::ExtensionRequestedUntil),
            text_null(Audits::ExtensionRequestReason),
            date_null(Audits::ExtensionRequestedOn),
        ];
        add_columns(manager, Audits::Table, columns).await
    }
}
