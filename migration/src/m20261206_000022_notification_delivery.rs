//! Notifications leave the registry: by e-mail and SMS, through an outbox of deliveries
//! written in the event's own transaction and sent by workers (at most once per channel);
//! which channels each kind may use (the province's allowance) and which each user wants;
//! contact addresses on user accounts; and the single-use links in an invitation that
//! answer the seat without signing in.

use sea_orm_migration::prelude::*;

use crate::columns::{
    PanelSeats, add_columns, add_index, instant, instant_null, int, stamps, table, text, text_null,
    text_pk, uuid, uuid_null, uuid_pk,
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
        table(NotificationDeliveries::Table)
            .cols([
                uuid_pk(NotificationDeliveries::Id),
                uuid(NotificationDeliveries::NotificationId),
                text(NotificationDeliveries::Channel),
                text(NotificationDeliveries::Status),
                int(NotificationDeliveries::Attempts),
                instant(NotificationDeliveries::NextAttemptAt),
                instant_null(NotificationDeliveries::ClaimedAt),
                text_null(NotificationDeliveries::ClaimedBy),
                text_null(NotificationDeliveries::LastError),
                instant_null(NotificationDeliveries::SentAt),
            ])
            .cols(stamps())
            .fk(
                "fk_notification_deliveries_notification",
                NotificationDeliveries::NotificationId,
                (Notifications::Table, Notifications::Id),
            )
            // At most once per channel: a second delivery row for the same notification and
            // channel cannot exist.
            .unique(
                "idx_notification_deliveries_once",
                [
                    NotificationDeliveries::NotificationId,
                    NotificationDeliveries::Channel,
                ],
            )
            // The workers' claim: due rows of a status, oldest first.
            .index(
                "idx_notification_deliveries_due",
                [
                    NotificationDeliveries::Status,
                    NotificationDeliveries::NextAttemptAt,
                ],
            )
            .create(manager)
            .await?;
        table(NotificationChannelPolicies::Table)
            .cols([
                text_pk(NotificationChannelPolicies::Kind),
                text(NotificationChannelPolicies::Channels),
                instant(NotificationChannelPolicies::UpdatedAt),
                uuid_null(NotificationChannelPolicies::UpdatedBy),
            ])
            .create(manager)
            .await?;
        table(NotificationPreferences::Table)
            .cols([
                uuid_pk(NotificationPreferences::Id),
                uuid(NotificationPreferences::UserId),
                text(NotificationPreferences::Kind),
                text(NotificationPreferences::Channels),
                instant(NotificationPreferences::UpdatedAt),
            ])
            .fk(
                "fk_notification_preferences_user",
                NotificationPreferences::UserId,
                (Users::Table, Users::Id),
            )
            .unique(
                "idx_notification_preferences_user_kind",
                [
                    NotificationPreferences::UserId,
                    NotificationPreferences::Kind,
                ],
            )
            .create(manager)
            .await?;
        table(SeatResponseLinks::Table)
            .cols([
                uuid_pk(SeatResponseLinks::Id),
                uuid(SeatResponseLinks::SeatId),
                uuid(SeatResponseLinks::ExpertId),
                uuid(SeatResponseLinks::DeliveryId),
                instant(SeatResponseLinks::ExpiresAt),
                instant_null(SeatResponseLinks::UsedAt),
                instant(SeatResponseLinks::CreatedAt),
            ])
            .indexed_fk(
                "seat_response_links_seat",
                SeatResponseLinks::SeatId,
                (PanelSeats::Table, PanelSeats::Id),
            )
            .create(manager)
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
