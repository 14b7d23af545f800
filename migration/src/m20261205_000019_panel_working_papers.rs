//! The panel at the venue and after: check-in times, a panel leader (组长), each present
//! expert's opinion sheet (预审意见/评分表) and the panel's outcome that follows from the
//! sheets, confirmed by the leader.
//!
//! Panels drawn before this change need no sheets (`sheets_required` false); new panels take
//! the setting at their draw.

use sea_orm_migration::prelude::*;

use crate::columns::{
    add_columns, amount, amount_null, flag_null, instant, instant_null, int, table, text,
    text_null, uuid, uuid_null, uuid_pk,
};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum PanelSeats {
    Table,
    Id,
    CheckedInAt,
}

#[derive(DeriveIden)]
enum Panels {
    Table,
    SheetsRequired,
    LeaderSeatId,
    LeaderDesignatedAt,
    LeaderDesignatedBy,
    OutcomeConclusion,
    /// Ten-thousandths, like every stored score.
    OutcomeScore,
    OutcomeConfirmedAt,
    OutcomeConfirmedBy,
    /// Whether the leader confirmed in person (otherwise the organiser, from the signed paper).
    OutcomeConfirmedByLeader,
}

#[derive(DeriveIden)]
enum OpinionSheets {
    Table,
    Id,
    PanelId,
    ReviewId,
    SeatId,
    ExpertId,
    /// JSON: the criteria as they stood, each with its weight and score.
    Scores,
    Total,
    Conclusion,
    Remarks,
    DocumentId,
    SubmittedBy,
    SubmittedAt,
    Version,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        add_columns(
            manager,
            PanelSeats::Table,
            vec![instant_null(PanelSeats::CheckedInAt)],
        )
        .await?;
        add_columns(
            manager,
            Panels::Table,
            vec![
                ColumnDef::new(Panels::SheetsRequired)
                    .boolean()
                    .not_null()
                    .default(false)
                    .to_owned(),
                uuid_null(Panels::LeaderSeatId),
                instant_null(Panels::LeaderDesignatedAt),
                uuid_null(Panels::LeaderDesignatedBy),
                text_null(Panels::OutcomeConclusion),
                amount_null(Panels::OutcomeScore),
                instant_null(Panels::OutcomeConfirmedAt),
                uuid_null(Panels::OutcomeConfirmedBy),
                flag_null(Panels::OutcomeConfirmedByLeader),
            ],
        )
        .await?;
        table(OpinionSheets::Table)
            .cols([
                uuid_pk(OpinionSheets::Id),
                uuid(OpinionSheets::PanelId),
                uuid(OpinionSheets::ReviewId),
                uuid(OpinionSheets::SeatId),
                uuid(OpinionSheets::ExpertId),
                text(OpinionSheets::Scores),
                amount(OpinionSheets::Total),
                text(OpinionSheets::Conclusion),
                text(OpinionSheets::Remarks),
                uuid_null(OpinionSheets::DocumentId),
                uuid_null(OpinionSheets::SubmittedBy),
                instant(OpinionSheets::SubmittedAt),
                int(OpinionSheets::Version),
                instant(OpinionSheets::CreatedAt),
            ])
            .fk(
                "fk_opinion_sheets_seat",
                OpinionSheets::SeatId,
                (PanelSeats::Table, PanelSeats::Id),
            )
            // One sheet per seat; a revision replaces it.
            .unique("idx_opinion_sheets_seat", [OpinionSheets::SeatId])
            .index("idx_opinion_sheets_panel", [OpinionSheets::PanelId])
            .create(manager)
            .await
    }
}
