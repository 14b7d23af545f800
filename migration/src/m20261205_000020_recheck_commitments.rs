//! The recheck sample's seed is committed before the witness types the nonce, like a panel's:
//! `openRecheckSample(year)` fixes the server's random bytes and shows their SHA-256; the
//! sample reveals them and names the commitment it used.

use sea_orm_migration::prelude::*;

use crate::columns::{
    NewTable, add_columns, commitment, commitment_used, create_tables, int, table, uuid_pk,
};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum RecheckCommitments {
    Table,
    Id,
    Year,
}

#[derive(DeriveIden)]
enum RecheckSamples {
    Table,
}

fn tables() -> Vec<NewTable> {
    vec![
        table(RecheckCommitments::Table)
            .cols([
                uuid_pk(RecheckCommitments::Id),
                int(RecheckCommitments::Year),
            ])
            .cols(commitment())
            .index("idx_recheck_commitments_year", [RecheckCommitments::Year]),
    ]
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        create_tables(manager, tables()).await?;
        add_columns(manager, RecheckSamples::Table, commitment_used()).await
    }
}
