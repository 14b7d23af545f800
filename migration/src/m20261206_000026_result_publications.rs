//! Publications (通报) of results: a city's evaluation and acceptance results for a period it
//! chooses, and the province's recheck findings. Each is a deliberate act with a date, and
//! what it published is stored as it was that day (like the ranking): later changes to audits,
//! firms or experts do not change a publication.

use sea_orm_migration::prelude::*;

use crate::columns::{
    add_index, date, fk, instant, int, text, text_null, uuid, uuid_null, uuid_pk,
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

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(ReviewResultPublications::Table)
                    .col(uuid_pk(ReviewResultPublications::Id))
                    .col(text(ReviewResultPublications::CityCode))
                    .col(date(ReviewResultPublications::PeriodFrom))
                    .col(date(ReviewResultPublications::PeriodTo))
                    .col(text(ReviewResultPublications::Title))
                    .col(date(ReviewResultPublications::PublishedOn))
                    .col(instant(ReviewResultPublications::PublishedAt))
                    .col(uuid_null(ReviewResultPublications::PublishedBy))
                    .to_owned(),
            )
            .await?;
        add_index(
            manager,
            "idx_review_result_publications_city",
            ReviewResultPublications::Table,
            vec![
                ReviewResultPublications::CityCode,
                ReviewResultPublications::PeriodTo,
            ],
            false,
        )
        .await?;
        manager
            .create_table(
                Table::create()
                    .table(ReviewResultLines::Table)
                    .col(uuid_pk(ReviewResultLines::Id))
                    .col(uuid(ReviewResultLines::PublicationId))
                    .col(int(ReviewResultLines::Position))
                    .col(uuid(ReviewResultLines::ReviewId))
                    .col(text(ReviewResultLines::EnterpriseName))
                    .col(text(ReviewResultLines::CreditCode))
                    .col(text(ReviewResultLines::ReviewKind))
                    .col(date(ReviewResultLines::ReviewDate))
                    .col(text(ReviewResultLines::Outcome))
                    .col(
                        ColumnDef::new(ReviewResultLines::Score)
                            .big_integer()
                            .null()
                            .to_owned(),
                    )
                    .foreign_key(&mut fk(
                        "fk_review_result_lines_publication",
                        (ReviewResultLines::Table, ReviewResultLines::PublicationId),
                        (
                            ReviewResultPublications::Table,
                            ReviewResultPublications::Id,
                        ),
                    ))
                    .to_owned(),
            )
            .await?;
        add_index(
            manager,
            "idx_review_result_lines_publication",
            ReviewResultLines::Table,
            vec![
                ReviewResultLines::PublicationId,
                ReviewResultLines::Position,
            ],
            false,
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(FindingPublications::Table)
                    .col(uuid_pk(FindingPublications::Id))
                    .col(int(FindingPublications::Year))
                    .col(date(FindingPublications::PublishedOn))
                    .col(instant(FindingPublications::PublishedAt))
                    .col(uuid_null(FindingPublications::PublishedBy))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(PublishedFindings::Table)
                    .col(uuid_pk(PublishedFindings::Id))
                    .col(uuid(PublishedFindings::PublicationId))
                    .col(uuid(PublishedFindings::FindingId))
                    .col(int(PublishedFindings::Position))
                    .col(int(PublishedFindings::Year))
                    .col(text(PublishedFindings::Kind))
                    .col(
                        ColumnDef::new(PublishedFindings::Description)
                            .text()
                            .not_null()
                            .to_owned(),
                    )
                    .col(text(PublishedFindings::EnterpriseName))
                    .col(text(PublishedFindings::EnterpriseCreditCode))
                    .col(uuid_null(PublishedFindings::ConsultancyId))
                    .col(text_null(PublishedFindings::ConsultancyName))
                    .col(text_null(PublishedFindings::ConsultancyCreditCode))
                    .col(text_null(PublishedFindings::LeadAuditorName))
                    .col(
                        ColumnDef::new(PublishedFindings::ExpertNames)
                            .text()
                            .not_null()
                            .to_owned(),
                    )
                    .foreign_key(&mut fk(
                        "fk_published_findings_publication",
                        (PublishedFindings::Table, PublishedFindings::PublicationId),
                        (FindingPublications::Table, FindingPublications::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        add_index(
            manager,
            "idx_published_findings_finding",
            PublishedFindings::Table,
            vec![PublishedFindings::FindingId],
            true,
        )
        .await?;
        add_index(
            manager,
            "idx_published_findings_year",
            PublishedFindings::Table,
            vec![PublishedFindings::Year, PublishedFindings::Position],
            false,
        )
        .await?;
        add_index(
            manager,
            "idx_published_findings_consultancy",
            PublishedFindings::Table,
            vec![PublishedFindings::ConsultancyId],
            false,
        )
        .await?;
        Ok(())
    }
}
