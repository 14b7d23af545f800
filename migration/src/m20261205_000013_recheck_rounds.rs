//! A year's recheck sample may be drawn in several rounds: the first, then supplementary
//! samples later in the year from the audits not sampled yet. `round` numbers them (1 for
//! every sample drawn before); one row per (year, round).

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum RecheckSamples {
    Table,
    Year,
    Round,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("uq_recheck_samples_year")
                    .table(RecheckSamples::Table)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(RecheckSamples::Table)
                    .add_column(
                        ColumnDef::new(RecheckSamples::Round)
                            .integer()
                            .not_null()
                            .default(1),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("uq_recheck_samples_year_round")
                    .table(RecheckSamples::Table)
                    .col(RecheckSamples::Year)
                    .col(RecheckSamples::Round)
                    .unique()
                    .to_owned(),
            )
            .await
    }
}
