//! Live notifications: each instance's poller reads the rows written in the last minutes
//! (`created_at` from a moment back) every second while anyone is subscribed; an index keeps
//! that read off the whole table.

use sea_orm_migration::prelude::*;

use crate::columns::add_index;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Notifications {
    Table,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        add_index(
            manager,
            "idx_notifications_created",
            Notifications::Table,
            vec![Notifications::CreatedAt],
            false,
        )
        .await
    }
}
