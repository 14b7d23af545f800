//! The city's yearly summary (年度清洁生产工作总结) as submitted to the province: the computed
//! figures frozen at submission, the city's narrative, the province's receipt or return, and
//! every change of its state.

use sea_orm_migration::prelude::*;

use crate::columns::{
    add_index, fk, flag, instant, instant_null, int, long_text_null, text, text_null, uuid,
    uuid_null, uuid_pk,
};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum CitySummaries {
    Table,
    Id,
    CityCode,
    Year,
    Status,
    /// The annual summary's figures as computed at submission, as JSON.
    Figures,
    OptionsCarriedOut,
    Benefits,
    Problems,
    Other,
    SubmittedBy,
    SubmittedAt,
    Late,
    DecidedBy,
    DecidedAt,
    ReturnReason,
    Version,
}

#[derive(DeriveIden)]
enum CitySummaryChanges {
    Table,
    Id,
    SummaryId,
    Status,
    Reason,
    ActorId,
    ChangedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(CitySummaries::Table)
                    .col(uuid_pk(CitySummaries::Id))
                    .col(text(CitySummaries::CityCode))
                    .col(int(CitySummaries::Year))
                    .col(text(CitySummaries::Status))
                    .col(long_text_null(CitySummaries::Figures))
                    .col(long_text_null(CitySummaries::OptionsCarriedOut))
                    .col(long_text_null(CitySummaries::Benefits))
                    .col(long_text_null(CitySummaries::Problems))
                    .col(long_text_null(CitySummaries::Other))
                    .col(uuid_null(CitySummaries::SubmittedBy))
                    .col(instant_null(CitySummaries::SubmittedAt))
                    .col(flag(CitySummaries::Late))
                    .col(uuid_null(CitySummaries::DecidedBy))
                    .col(instant_null(CitySummaries::DecidedAt))
                    .col(text_null(CitySummaries::ReturnReason))
                    .col(int(CitySummaries::Version))
                    .to_owned(),
            )
            .await?;
        // One summary per city and year, even when two admins submit at once.
        add_index(
            manager,
            "idx_city_summaries_city_year",
            CitySummaries::Table,
            vec![CitySummaries::CityCode, CitySummaries::Year],
            true,
        )
        .await?;
        add_index(
            manager,
            "idx_city_summaries_year",
            CitySummaries::Table,
            vec![CitySummaries::Year, CitySummaries::CityCode],
            false,
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(CitySummaryChanges::Table)
                    .col(uuid_pk(CitySummaryChanges::Id))
                    .col(uuid(CitySummaryChanges::SummaryId))
                    .col(text(CitySummaryChanges::Status))
                    .col(text_null(CitySummaryChanges::Reason))
                    .col(uuid_null(CitySummaryChanges::ActorId))
                    .col(instant(CitySummaryChanges::ChangedAt))
                    .foreign_key(&mut fk(
                        "fk_city_summary_changes_summary",
                        (CitySummaryChanges::Table, CitySummaryChanges::SummaryId),
                        (CitySummaries::Table, CitySummaries::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        add_index(
            manager,
            "idx_city_summary_changes_summary",
            CitySummaryChanges::Table,
            vec![CitySummaryChanges::SummaryId, CitySummaryChanges::Id],
            false,
        )
        .await
    }
}
