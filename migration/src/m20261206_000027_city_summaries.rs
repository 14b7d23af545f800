//! The city's yearly summary (年度清洁生产工作总结) as submitted to the province: the computed
//! figures frozen at submission, the city's narrative, the province's receipt or return, and
//! every change of its state.

use sea_orm_migration::prelude::*;

use crate::columns::{
    NewTable, create_tables, flag, instant, instant_null, int, long_text_null, table, text,
    text_null, uuid, uuid_null, uuid_pk,
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

fn tables() -> Vec<NewTable> {
    vec![
        table(CitySummaries::Table)
            .cols([
                uuid_pk(CitySummaries::Id),
                text(CitySummaries::CityCode),
                int(CitySummaries::Year),
                text(CitySummaries::Status),
                long_text_null(CitySummaries::Figures),
                long_text_null(CitySummaries::OptionsCarriedOut),
                long_text_null(CitySummaries::Benefits),
                long_text_null(CitySummaries::Problems),
                long_text_null(CitySummaries::Other),
                uuid_null(CitySummaries::SubmittedBy),
                instant_null(CitySummaries::SubmittedAt),
                flag(CitySummaries::Late),
                uuid_null(CitySummaries::DecidedBy),
                instant_null(CitySummaries::DecidedAt),
                text_null(CitySummaries::ReturnReason),
                int(CitySummaries::Version),
            ])
            // One summary per city and year, even when two admins submit at once.
            .unique(
                "idx_city_summaries_city_year",
                [CitySummaries::CityCode, CitySummaries::Year],
            )
            .index(
                "idx_city_summaries_year",
                [CitySummaries::Year, CitySummaries::CityCode],
            ),
        table(CitySummaryChanges::Table)
            .cols([
                uuid_pk(CitySummaryChanges::Id),
                uuid(CitySummaryChanges::SummaryId),
                text(CitySummaryChanges::Status),
                text_null(CitySummaryChanges::Reason),
                uuid_null(CitySummaryChanges::ActorId),
                instant(CitySummaryChanges::ChangedAt),
            ])
            .fk(
                "fk_city_summary_changes_summary",
                CitySummaryChanges::SummaryId,
                (CitySummaries::Table, CitySummaries::Id),
            )
            .index(
                "idx_city_summary_changes_summary",
                [CitySummaryChanges::SummaryId, CitySummaryChanges::Id],
            ),
    ]
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        create_tables(manager, tables()).await
    }
}
