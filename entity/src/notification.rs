use sea_orm::entity::prelude::*;

use crate::domain::NotificationKind;

/// One notification to one person: a user, or an expert (read by the expert's account).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "notifications")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub user_id: Option<Uuid>,
    pub expert_id: Option<Uuid>,
    pub kind: NotificationKind,
    /// JSON: the facts its template fills in, frozen when it was written.
    pub params: String,
    /// The record it is about (`PanelSeat`, `Review`, …) and its id.
    pub subject_type: String,
    pub subject_id: Uuid,
    pub created_at: DateTimeUtc,
    pub read_at: Option<DateTimeUtc>,
    /// Unique when set (reminders: deadline, recipient and offset).
    pub dedupe_key: Option<String>,
    /// When its e-mail and SMS deliveries were written (none: a worker has yet to).
    pub dispatched_at: Option<DateTimeUtc>,
}

no_relations!();
