//! Notifications leave the registry: by e-mail and SMS, through an outbox of deliveries
//! written in the event's own transaction and sent by workers (at most once per channel);
//! which channels each kind may use (the province's allowance) and which each user wants;
//! contact addresses on user accounts; and the single-use links in an invitation that
//! answer the seat without signing in.

use sea_orm_migration::prelude::*;

use crate::columns::{
    add_columns, add_index, fk, instant, instant_null, int, text, text_null, uuid, uuid_null,
    uuid_pk,
};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum NotificationDeliveries {
    Table,
    Id,
    NotificationId,
    Channel,
    Status,
    Attempts,
    NextAttemptAt,
    /// When a worker claimed it, and which (instance id): a claim older than the lease is a
    /// worker that stopped mid-send.
    ClaimedAt,
    ClaimedBy,
    LastError,
    SentAt,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum NotificationChannelPolicies {
    Table,
    /// A notification kind; no row: every channel the server has configured.
    Kind,
    /// Comma-separated channels the province allows for the kind (may be empty: in-app only).
    Channels,
    UpdatedAt,
    UpdatedBy,
}

#[derive(DeriveIden)]
enum NotificationPreferences {
    Table,
    Id,
    UserId,
    Kind,
    /// Comma-separated channels the user wants for the kind (within the allowance).
    Channels,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum SeatResponseLinks {
    Table,
    Id,
    SeatId,
    ExpertId,
    DeliveryId,
    ExpiresAt,
    UsedAt,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Notifications {
    Table,
    Id,
    /// When a worker wrote its deliveries (none: not yet). The notification is the outbox
    /// entry written with the event; its deliveries follow from it.
    DispatchedAt,
    CreatedAt,
}

#[derive(DeriveIden)]
enum PanelSeats {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
    Email,
    /// Encrypted like an expert's phone (personal data at rest).
    Phone,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(NotificationDeliveries::Table)
                    .col(uuid_pk(NotificationDeliveries::Id))
                    .col(uuid(NotificationDeliveries::NotificationId))
                    .col(text(NotificationDeliveries::Channel))
                    .col(text(NotificationDeliveries::Status))
                    .col(int(NotificationDeliveries::Attempts))
                    .col(instant(NotificationDeliveries::NextAttemptAt))
                    .col(instant_null(NotificationDeliveries::ClaimedAt))
                    .col(text_null(NotificationDeliveries::ClaimedBy))
                    .col(text_null(NotificationDeliveries::LastError))
                    .col(instant_null(NotificationDeliveries::SentAt))
                    .col(instant(NotificationDeliveries::CreatedAt))
                    .col(instant(NotificationDeliveries::UpdatedAt))
                    .foreign_key(&mut fk(
                        "fk_notification_deliveries_notification",
                        (
                            NotificationDeliveries::Table,
                            NotificationDeliveries::NotificationId,
                        ),
                        (Notifications::Table, Notifications::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        // At most once per channel: a second delivery row for the same notification and
        // channel cannot exist.
        add_index(
            manager,
            "idx_notification_deliveries_once",
            NotificationDeliveries::Table,
            vec![
                NotificationDeliveries::NotificationId,
                NotificationDeliveries::Channel,
            ],
            true,
        )
        .await?;
        // The workers' claim: due rows of a status, oldest first.
        add_index(
            manager,
            "idx_notification_deliveries_due",
            NotificationDeliveries::Table,
            vec![
                NotificationDeliveries::Status,
                NotificationDeliveries::NextAttemptAt,
            ],
            false,
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(NotificationChannelPolicies::Table)
                    .col(
                        ColumnDef::new(NotificationChannelPolicies::Kind)
                            .string()
                            .not_null()
                            .primary_key(),
                    )
                    .col(text(NotificationChannelPolicies::Channels))
                    .col(instant(NotificationChannelPolicies::UpdatedAt))
                    .col(uuid_null(NotificationChannelPolicies::UpdatedBy))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(NotificationPreferences::Table)
                    .col(uuid_pk(NotificationPreferences::Id))
                    .col(uuid(NotificationPreferences::UserId))
                    .col(text(NotificationPreferences::Kind))
                    .col(text(NotificationPreferences::Channels))
                    .col(instant(NotificationPreferences::UpdatedAt))
                    .foreign_key(&mut fk(
                        "fk_notification_preferences_user",
                        (
                            NotificationPreferences::Table,
                            NotificationPreferences::UserId,
                        ),
                        (Users::Table, Users::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        add_index(
            manager,
            "idx_notification_preferences_user_kind",
            NotificationPreferences::Table,
            vec![
                NotificationPreferences::UserId,
                NotificationPreferences::Kind,
            ],
            true,
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(SeatResponseLinks::Table)
                    .col(uuid_pk(SeatResponseLinks::Id))
                    .col(uuid(SeatResponseLinks::SeatId))
                    .col(uuid(SeatResponseLinks::ExpertId))
                    .col(uuid(SeatResponseLinks::DeliveryId))
                    .col(instant(SeatResponseLinks::ExpiresAt))
                    .col(instant_null(SeatResponseLinks::UsedAt))
                    .col(instant(SeatResponseLinks::CreatedAt))
                    .foreign_key(&mut fk(
                        "fk_seat_response_links_seat",
                        (SeatResponseLinks::Table, SeatResponseLinks::SeatId),
                        (PanelSeats::Table, PanelSeats::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        add_index(
            manager,
            "idx_seat_response_links_seat",
            SeatResponseLinks::Table,
            vec![SeatResponseLinks::SeatId],
            false,
        )
        .await?;

        add_columns(
            manager,
            Notifications::Table,
            vec![instant_null(Notifications::DispatchedAt)],
        )
        .await?;
        // Notifications written before delivery existed stay in-app: nobody is e-mailed
        // about last month's events on upgrade.
        manager
            .exec_stmt(
                Query::update()
                    .table(Notifications::Table)
                    .value(
                        Notifications::DispatchedAt,
                        Expr::col(Notifications::CreatedAt),
                    )
                    .to_owned(),
            )
            .await?;
        add_index(
            manager,
            "idx_notifications_undispatched",
            Notifications::Table,
            vec![Notifications::DispatchedAt, Notifications::Id],
            false,
        )
        .await?;
        add_columns(
            manager,
            Users::Table,
            vec![text_null(Users::Email), text_null(Users::Phone)],
        )
        .await?;
        Ok(())
    }
}
