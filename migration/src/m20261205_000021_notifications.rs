//! Notifications: written in the same transaction as the event they tell of (no event
//! without its notification, none for an event rolled back), read in-app by their recipient.
//! A notification is for a person: a user (`user_id`) or an expert (`expert_id`, read by the
//! expert's account, and later delivered to an expert without one by e-mail or SMS).

use sea_orm_migration::prelude::*;

use crate::columns::{
    NewTable, create_tables, instant, instant_null, table, text, text_null, uuid, uuid_null,
    uuid_pk,
};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Notifications {
    Table,
    Id,
    UserId,
    ExpertId,
    Kind,
    /// JSON: the facts the template fills in, as they were when it was written.
    Params,
    SubjectType,
    SubjectId,
    CreatedAt,
    ReadAt,
    /// Unique when set: a reminder per deadline, recipient and offset, written once however
    /// often (and on however many instances) the reminder job runs.
    DedupeKey,
}

fn tables() -> Vec<NewTable> {
    vec![
        table(Notifications::Table)
            .cols([
                uuid_pk(Notifications::Id),
                uuid_null(Notifications::UserId),
                uuid_null(Notifications::ExpertId),
                text(Notifications::Kind),
                text(Notifications::Params),
                text(Notifications::SubjectType),
                uuid(Notifications::SubjectId),
                instant(Notifications::CreatedAt),
                instant_null(Notifications::ReadAt),
                text_null(Notifications::DedupeKey),
            ])
            .unique("idx_notifications_dedupe_key", [Notifications::DedupeKey])
            .index(
                "idx_notifications_user",
                [Notifications::UserId, Notifications::Id],
            )
            .index(
                "idx_notifications_expert",
                [Notifications::ExpertId, Notifications::Id],
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
