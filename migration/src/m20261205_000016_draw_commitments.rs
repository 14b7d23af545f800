//! Seeds no one can choose: before a draw, the server fixes its random bytes and shows their
//! commitment (SHA-256), which the audit log keeps; the witness types the nonce after seeing
//! it, and the draw reveals the bytes. One open commitment per review at a time; a draw uses
//! it up. Each round records the commitment it used.

use sea_orm_migration::prelude::*;

use crate::columns::{add_columns, instant, text, text_null, uuid, uuid_null, uuid_pk};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum DrawCommitments {
    Table,
    Id,
    ReviewId,
    /// Hex of the 32 random bytes; secret until a draw reveals them.
    ServerRandom,
    Commitment,
    CommittedAt,
    CommittedBy,
    UsedAt,
}

#[derive(DeriveIden)]
enum PanelDraws {
    Table,
    CommitmentId,
    Commitment,
    CommittedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(DrawCommitments::Table)
                    .col(uuid_pk(DrawCommitments::Id))
                    .col(uuid(DrawCommitments::ReviewId))
                    .col(text(DrawCommitments::ServerRandom))
                    .col(text(DrawCommitments::Commitment))
                    .col(instant(DrawCommitments::CommittedAt))
                    .col(uuid_null(DrawCommitments::CommittedBy))
                    .col(
                        ColumnDef::new(DrawCommitments::UsedAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_draw_commitments_review")
                    .table(DrawCommitments::Table)
                    .col(DrawCommitments::ReviewId)
                    .to_owned(),
            )
            .await?;
        add_columns(
            manager,
            PanelDraws::Table,
            vec![
                uuid_null(PanelDraws::CommitmentId),
                text_null(PanelDraws::Commitment),
                ColumnDef::new(PanelDraws::CommittedAt)
                    .timestamp_with_time_zone()
                    .null()
                    .to_owned(),
            ],
        )
        .await?;
        Ok(())
    }
}
