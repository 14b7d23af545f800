//! A review is a meeting: its start time (China time), venue, the organiser's contact and a
//! note. Changes to them are kept in `review_changes`, marked when made after the panel was
//! drawn (the seated experts must then be told).

use sea_orm_migration::prelude::*;

use crate::columns::{
    add_columns, flag, instant, instant_null, text, text_null, uuid, uuid_null, uuid_pk,
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
        manager
            .create_table(
                Table::create()
                    .table(ReviewChanges::Table)
                    .col(uuid_pk(ReviewChanges::Id))
                    .col(uuid(ReviewChanges::ReviewId))
                    .col(instant(ReviewChanges::ChangedAt))
                    .col(uuid_null(ReviewChanges::ChangedBy))
                    .col(flag(ReviewChanges::AfterDraw))
                    .col(text(ReviewChanges::Changes))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_review_changes_review")
                    .table(ReviewChanges::Table)
                    .col(ReviewChanges::ReviewId)
                    .to_owned(),
            )
            .await
    }
}
