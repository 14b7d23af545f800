//! Written notices (书面通知): after the province publishes a list, the city notifies each
//! enterprise on it in writing, with the notice's date and number; the notice, not the
//! publication, creates the enterprise's audit and starts its clock. Lists published before
//! notices were recorded on their own keep the date their audits already carry.

use sea_orm_migration::prelude::*;

use crate::columns::{add_columns, date_null, instant_null, text_null, uuid_null};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum AnnualAuditListEntries {
    Table,
    NoticeDate,
    NoticeNumber,
    NoticeIssuedAt,
    NoticeIssuedBy,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        add_columns(
            manager,
            AnnualAuditListEntries::Table,
            vec![
                date_null(AnnualAuditListEntries::NoticeDate),
                text_null(AnnualAuditListEntries::NoticeNumber),
                instant_null(AnnualAuditListEntries::NoticeIssuedAt),
                uuid_null(AnnualAuditListEntries::NoticeIssuedBy),
            ],
        )
        .await?;
        manager
            .get_connection()
            .execute_unprepared(
                "UPDATE annual_audit_list_entries SET notice_date = (
                     SELECT a.notice_date FROM audits a
                     WHERE a.list_id = annual_audit_list_entries.list_id
                       AND a.enterprise_id = annual_audit_list_entries.enterprise_id
                     ORDER BY a.created_at LIMIT 1)",
            )
            .await?;
        Ok(())
    }
}
