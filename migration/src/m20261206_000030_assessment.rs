//! The province's yearly assessment of the cities (目标责任制考核): the items it sets for a
//! year, each city's sheet, and the scores on it (manual ones as entered, computed ones as
//! frozen when the sheet is finalised).

use sea_orm_migration::prelude::*;

use crate::columns::{
    NewTable, amount, amount_null, create_tables, instant, instant_null, int, table, text,
    text_null, uuid, uuid_null, uuid_pk, versioned,
};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum AssessmentItems {
    Table,
    Id,
    Year,
    Position,
    Code,
    Title,
    Weight,
    Kind,
    Figure,
    /// Percent, in ten-thousandths.
    Target,
    Method,
    SetBy,
    CreatedAt,
}

#[derive(DeriveIden)]
enum AssessmentSheets {
    Table,
    Id,
    CityCode,
    Year,
    Status,
    /// Points as finalised, in ten-thousandths.
    Total,
    FinalisedBy,
    FinalisedAt,
}

#[derive(DeriveIden)]
enum AssessmentScores {
    Table,
    Id,
    SheetId,
    ItemCode,
    Value,
    Score,
    Note,
    ScoredBy,
    ScoredAt,
}

fn tables() -> Vec<NewTable> {
    vec![
        table(AssessmentItems::Table)
            .cols([
                uuid_pk(AssessmentItems::Id),
                int(AssessmentItems::Year),
                int(AssessmentItems::Position),
                text(AssessmentItems::Code),
                text(AssessmentItems::Title),
                int(AssessmentItems::Weight),
                text(AssessmentItems::Kind),
                text_null(AssessmentItems::Figure),
                amount_null(AssessmentItems::Target),
                text_null(AssessmentItems::Method),
                uuid_null(AssessmentItems::SetBy),
                instant(AssessmentItems::CreatedAt),
            ])
            .unique(
                "idx_assessment_items_year_code",
                [AssessmentItems::Year, AssessmentItems::Code],
            ),
        table(AssessmentSheets::Table)
            .cols([
                uuid_pk(AssessmentSheets::Id),
                text(AssessmentSheets::CityCode),
                int(AssessmentSheets::Year),
                text(AssessmentSheets::Status),
                amount_null(AssessmentSheets::Total),
                uuid_null(AssessmentSheets::FinalisedBy),
                instant_null(AssessmentSheets::FinalisedAt),
            ])
            .cols(versioned())
            // One sheet per city and year, even when two scores arrive at once.
            .unique(
                "idx_assessment_sheets_city_year",
                [AssessmentSheets::CityCode, AssessmentSheets::Year],
            )
            .index(
                "idx_assessment_sheets_year",
                [AssessmentSheets::Year, AssessmentSheets::Status],
            ),
        table(AssessmentScores::Table)
            .cols([
                uuid_pk(AssessmentScores::Id),
                uuid(AssessmentScores::SheetId),
                text(AssessmentScores::ItemCode),
                amount_null(AssessmentScores::Value),
                amount(AssessmentScores::Score),
                text_null(AssessmentScores::Note),
                uuid_null(AssessmentScores::ScoredBy),
                instant(AssessmentScores::ScoredAt),
            ])
            .fk(
                "fk_assessment_scores_sheet",
                AssessmentScores::SheetId,
                (AssessmentSheets::Table, AssessmentSheets::Id),
            )
            .unique(
                "idx_assessment_scores_sheet_item",
                [AssessmentScores::SheetId, AssessmentScores::ItemCode],
            ),
    ]
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        create_tables(manager, tables()).await
    }
}
