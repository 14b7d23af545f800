//! Violations leave public view: a revoked decision is withdrawn (when, by whom, why), and a
//! published one stops being shown when the publication period of its severity ends (信用修复).
//! Existing decisions count as GENERAL, the shorter period, until an official says otherwise.

use sea_orm_migration::prelude::*;

use crate::columns::{add_columns, instant_null, text_null, uuid_null};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Violations {
    Table,
    Severity,
    WithdrawnAt,
    WithdrawnBy,
    WithdrawReason,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        add_columns(
            manager,
            Violations::Table,
            vec![
                ColumnDef::new(Violations::Severity)
                    .string()
                    .not_null()
                    .default("GENERAL")
                    .to_owned(),
                instant_null(Violations::WithdrawnAt),
                uuid_null(Violations::WithdrawnBy),
                text_null(Violations::WithdrawReason),
            ],
        )
        .await?;
        Ok(())
    }
}
