//! Publications (通报) of results: a city's evaluation and acceptance results for a period it
//! chooses, and the province's recheck findings. Each is a deliberate act with a date, and
//! what it published is stored as it was that day (like the ranking): later changes to audits,
//! firms or experts do not change a publication.

use sea_orm_migration::prelude::*;

use crate::columns::{
    NewTable, amount_null, create_tables, date, instant, int, long_text, table, text, text_null,
    uuid, uuid_null, uuid_pk,
};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum ReviewResultPublications {
    Table,
    Id,
    CityCode,
    PeriodFrom,
    PeriodTo,
    Title,
    PublishedOn,
    PublishedAt,
    PublishedBy,
}

#[derive(DeriveIden)]
enum ReviewResultLines {
    Table,
    Id,
    PublicationId,
    Position,
    ReviewId,
    EnterpriseName,
    CreditCode,
    ReviewKind,
    ReviewDate,
    Outcome,
    Score,
}

#[derive(DeriveIden)]
enum FindingPublications {
    Table,
    Id,
    Year,
    PublishedOn,
    PublishedAt,
    PublishedBy,
}

#[derive(DeriveIden)]
enum PublishedFindings {
    Table,
    Id,
    PublicationId,
    /// The finding published: unique, a finding is published once.
    FindingId,
    Position,
    Year,
    Kind,
    Description,
    EnterpriseName,
    EnterpriseCreditCode,
    ConsultancyId,
    ConsultancyName,
    ConsultancyCreditCode,
    LeadAuditorName,
    /// JSON array of the names of the experts of the panels that passed the report.
    ExpertNames,
}

fn tables() -> Vec<NewTable> {
    vec![
        table(ReviewResultPublications::Table)
            .cols([
                uuid_pk(ReviewResultPublications::Id),
                text(ReviewResultPublications::CityCode),
                date(ReviewResultPublications::PeriodFrom),
                date(ReviewResultPublications::PeriodTo),
                text(ReviewResultPublications::Title),
                date(ReviewResultPublications::PublishedOn),
                instant(ReviewResultPublications::PublishedAt),
                uuid_null(ReviewResultPublications::PublishedBy),
            ])
            .index(
                "idx_review_result_publications_city",
                [
                    ReviewResultPublications::CityCode,
                    ReviewResultPublications::PeriodTo,
                ],
            ),
        table(ReviewResultLines::Table)
            .cols([
                uuid_pk(ReviewResultLines::Id),
                uuid(ReviewResultLines::PublicationId),
                int(ReviewResultLines::Position),
                uuid(ReviewResultLines::ReviewId),
                text(ReviewResultLines::EnterpriseName),
                text(ReviewResultLines::CreditCode),
                text(ReviewResultLines::ReviewKind),
                date(ReviewResultLines::ReviewDate),
                text(ReviewResultLines::Outcome),
                amount_null(ReviewResultLines::Score),
            ])
            .fk(
                "fk_review_result_lines_publication",
                ReviewResultLines::PublicationId,
                (
                    ReviewResultPublications::Table,
                    ReviewResultPublications::Id,
                ),
            )
            .index(
                "idx_review_result_lines_publication",
                [
                    ReviewResultLines::PublicationId,
                    ReviewResultLines::Position,
                ],
            ),
        table(FindingPublications::Table).cols([
            uuid_pk(FindingPublications::Id),
            int(FindingPublications::Year),
            date(FindingPublications::PublishedOn),
            instant(FindingPublications::PublishedAt),
            uuid_null(FindingPublications::PublishedBy),
        ]),
        table(PublishedFindings::Table)
            .cols([
                uuid_pk(PublishedFindings::Id),
                uuid(PublishedFindings::PublicationId),
                uuid(PublishedFindings::FindingId),
                int(PublishedFindings::Position),
                int(PublishedFindings::Year),
                text(PublishedFindings::Kind),
                long_text(PublishedFindings::Description),
                text(PublishedFindings::EnterpriseName),
                text(PublishedFindings::EnterpriseCreditCode),
                uuid_null(PublishedFindings::ConsultancyId),
                text_null(PublishedFindings::ConsultancyName),
                text_null(PublishedFindings::ConsultancyCreditCode),
                text_null(PublishedFindings::LeadAuditorName),
                long_text(PublishedFindings::ExpertNames),
            ])
            .fk(
                "fk_published_findings_publication",
                PublishedFindings::PublicationId,
                (FindingPublications::Table, FindingPublications::Id),
            )
            .unique(
                "idx_published_findings_finding",
                [PublishedFindings::FindingId],
            )
            .index(
                "idx_published_findings_year",
                [PublishedFindings::Year, PublishedFindings::Position],
            )
            .index(
                "idx_published_findings_consultancy",
                [PublishedFindings::ConsultancyId],
            ),
    ]
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        create_tables(manager, tables()).await?;
        Ok(())
    }
}
