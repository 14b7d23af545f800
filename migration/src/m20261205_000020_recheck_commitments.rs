//! The recheck sample's seed is committed before the witness types the nonce, like a panel's:
//! `openRecheckSample(year)` fixes the server's random bytes and shows their SHA-256; the
//! sample reveals them and names the commitment it used.

use sea_orm_migration::prelude::*;

use crate::columns::{
    add_columns, add_index, instant, instant_null, int, text, text_null, uuid_null, uuid_pk,
};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum RecheckCommitments {
    Table,
    Id,
    Year,
    ServerRandom,
    Commitment,
    CommittedAt,
    CommittedBy,
    UsedAt,
}

#[derive(DeriveIden)]
enum RecheckSamples {
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
                    .table(RecheckCommitments::Table)
                    .col(uuid_pk(RecheckCommitments::Id))
                    .col(int(RecheckCommitments::Year))
                    .col(text(RecheckCommitments::ServerRandom))
                    .col(text(RecheckCommitments::Commitment))
                    .col(instant(RecheckCommitments::CommittedAt))
                    .col(uuid_null(RecheckCommitments::CommittedBy))
                    .col(instant_null(RecheckCommitments::UsedAt))
                    .to_owned(),
            )
            .await?;
        add_index(
            manager,
            "idx_recheck_commitments_year",
            RecheckCommitments::Table,
            vec![RecheckCommitments::Year],
            false,
        )
        .await?;
        add_columns(
            manager,
            RecheckSamples::Table,
            vec![
                uuid_null(RecheckSamples::CommitmentId),
                text_null(RecheckSamples::Commitment),
                instant_null(RecheckSamples::CommittedAt),
            ],
        )
        .await
    }
}
