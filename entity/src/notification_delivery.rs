use sea_orm::entity::prelude::*;

use crate::domain::{DeliveryStatus, NotificationChannel};

/// One notification on one channel (e-mail or SMS): the outbox row a worker claims and sends.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "notification_deliveries")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub notification_id: Uuid,
    pub channel: NotificationChannel,
    pub status: DeliveryStatus,
    /// Tries started so far (a claim counts as one).
    pub attempts: i32,
    pub next_attempt_at: DateTimeUtc,
    pub claimed_at: Option<DateTimeUtc>,
    /// The instance whose worker claimed it.
    pub claimed_by: Option<String>,
    pub last_error: Option<String>,
    pub sent_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

no_relations!();
