//! Panels are sealed until the review: who sits is shown to the organiser only from the
//! reveal on, unless the province reveals a panel early, with a reason (kept here and in the
//! audit log).

use sea_orm_migration::prelude::*;

use crate::columns::{add_columns, instant_null, text_null, uuid_null};

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
        add_columns(
            manager,
            Panels::Table,
            vec![
                instant_null(Panels::RevealedAt),
                uuid_null(Panels::RevealedBy),
                text_null(Panels::RevealReason),
            ],
        )
        .await?;
        Ok(())
    }
}
