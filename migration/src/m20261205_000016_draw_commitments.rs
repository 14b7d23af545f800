//! Seeds no one can choose: before a draw, the server fixes its random bytes and shows their
//! commitment (SHA-256), which the audit log keeps; the witness types the nonce after seeing
//! it, and the draw reveals the bytes. One open commitment per review at a time; a draw uses
//! it up. Each round records the commitment it used.

use sea_orm_migration::prelude::*;

use crate::columns::{
    NewTable, add_columns, commitment, commitment_used, create_tables, table, uuid, uuid_pk,
};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum DrawCommitments {
    Table,
    Id,
    ReviewId,
}

#[derive(DeriveIden)]
enum PanelDraws {
    Table,
}

fn tables() -> Vec<NewTable> {
    vec![
        table(DrawCommitments::Table)
            .cols([
                uuid_pk(DrawCommitments::Id),
                uuid(DrawCommitments::ReviewId),
            ])
            .cols(commitment())
            .index("idx_draw_commitments_review", [DrawCommitments::ReviewId]),
    ]
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        create_tables(manager, tables()).await?;
        add_columns(manager, PanelDraws::Table, commitment_used()).await?;
        Ok(())
    }
}
