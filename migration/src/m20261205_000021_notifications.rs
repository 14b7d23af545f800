//! Notifications: written in the same transaction as the event they tell of (no event
//! without its notification, none for an event rolled back), read in-app by their recipient.
//! A notification is for a person: a user (`user_id`) or an expert (`expert_id`, read by the
//! expert's account, and later delivered to an expert without one by e-mail or SMS).

use sea_orm_migration::prelude::*;

use crate::columns::{add_index, instant, instant_null, text, text_null, uuid, uuid_null, uuid_pk};

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

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Notifications::Table)
                    .col(uuid_pk(Notifications::Id))
                    .col(uuid_null(Notifications::UserId))
                    .col(uuid_null(Notifications::ExpertId))
                    .col(text(Notifications::Kind))
                    .col(text(Notifications::Params))
                    .col(text(Notifications::SubjectType))
                    .col(uuid(Notifications::SubjectId))
                    .col(instant(Notifications::CreatedAt))
                    .col(instant_null(Notifications::ReadAt))
                    .col(text_null(Notifications::DedupeKey))
                    .to_owned(),
            )
            .await?;
        add_index(
            manager,
            "idx_notifications_dedupe_key",
            Notifications::Table,
            vec![Notifications::DedupeKey],
            true,
        )
        .await?;
        for (name, column) in [
            ("idx_notifications_user", Notifications::UserId),
            ("idx_notifications_expert", Notifications::ExpertId),
        ] {
            add_index(
                manager,
                name,
                Notifications::Table,
                vec![column, Notifications::Id],
                false,
            )
            .await?;
        }
        Ok(())
    }
}
