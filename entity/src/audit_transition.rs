use sea_orm::entity::prelude::*;

use crate::domain::{AuditEventKind, AuditStatus, ReviewOutcome};

/// Something that happened to an audit, with who recorded it and when.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "audit_transitions")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub audit_id: Uuid,
    pub event: AuditEventKind,
    pub from_status: Option<AuditStatus>,
    pub to_status: AuditStatus,
    pub outcome: Option<ReviewOutcome>,
    /// The day it happened (the notice, start, report or review date).
    pub occurred_on: Date,
    pub note: Option<String>,
    pub review_id: Option<Uuid>,
    pub actor_id: Option<Uuid>,
    pub recorded_at: DateTimeUtc,
}

no_relations!();
