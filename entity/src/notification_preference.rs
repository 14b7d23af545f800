use sea_orm::entity::prelude::*;

use crate::domain::NotificationKind;

/// The channels one user wants for one kind (no row: every channel allowed).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "notification_preferences")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub user_id: Uuid,
    pub kind: NotificationKind,
    /// Comma-separated `NotificationChannel` names; empty: in-app only.
    pub channels: String,
    pub updated_at: DateTimeUtc,
}

no_relations!();
