//! A review is a meeting: its start time (China time), venue, the organiser's contact and a
//! note. Changes to them are kept in `review_changes`, marked when made after the panel was
//! drawn (the seated experts must then be told).

use sea_orm_migration::prelude::*;

use crate::columns::{
    add_columns, flag, instant, instant_null, table, text, text_null, uuid, uuid_null, uuid_pk,
};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Reviews {
    Table,
    StartsAt,
    Venue,
    ContactName,
    ContactPhone,
    MeetingNote,
}

#[derive(DeriveIden)]
enum ReviewChanges {
    Table,
    Id,
    ReviewId,
    ChangedAt,
    ChangedBy,
    AfterDraw,
    /// JSON: each changed field with its value before and after.
    Changes,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        add_columns(
            manager,
            Reviews::Table,
            vec![
                instant_null(Reviews::StartsAt),
                text_null(Reviews::Venue),
                text_null(Reviews::ContactName),
                text_null(Reviews::ContactPhone),
                text_null(Reviews::MeetingNote),
            ],
        )
        .await?;
        table(ReviewChanges::Table)
            .cols([
                uuid_pk(ReviewChanges::Id),
                uuid(ReviewChanges::ReviewId),
                instant(ReviewChanges::ChangedAt),
                uuid_null(ReviewChanges::ChangedBy),
                flag(ReviewChanges::AfterDraw),
                text(ReviewChanges::Changes),
            ])
            .index("idx_review_changes_review", [ReviewChanges::ReviewId])
            .create(manager)
            .await
    }
}
