//! Panels are sealed until the review: who sits is shown to the organiser only from the
//! reveal on, unless the province reveals a panel early, with a reason (kept here and in the
//! audit log).

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Panels {
    Table,
    RevealedAt,
    RevealedBy,
    RevealReason,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // SQLite adds one column per statement.
        for mut column in [
            ColumnDef::new(Panels::RevealedAt)
                .timestamp_with_time_zone()
                .null()
                .to_owned(),
            ColumnDef::new(Panels::RevealedBy).uuid().null().to_owned(),
            ColumnDef::new(Panels::RevealReason)
                .string()
                .null()
                .to_owned(),
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Panels::Table)
                        .add_column(&mut column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}
