use sea_orm::entity::prelude::*;

use crate::domain::NotificationKind;

/// The channels the province allows for one kind of notification (no row: all configured).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "notification_channel_policies")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub kind: NotificationKind,
    /// Comma-separated `NotificationChannel` names; empty: in-app only.
    pub channels: String,
    pub updated_at: DateTimeUtc,
    pub updated_by: Option<Uuid>,
}

no_relations!();
