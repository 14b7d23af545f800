use sea_orm::entity::prelude::*;

use crate::domain::{DirectoryAction, DirectoryApplicationStatus, DirectoryReasonKind};

/// A city's application to add an enterprise to the mandatory directory or remove it, and the
/// province's decision.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "directory_applications")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub enterprise_id: Uuid,
    /// The applying city (the enterprise's when it applied).
    pub city_code: String,
    pub action: DirectoryAction,
    /// ADD: the year the enterprise joins from.
    pub since_year: Option<i32>,
    pub reason_kind: Option<DirectoryReasonKind>,
    pub reason: String,
    pub status: DirectoryApplicationStatus,
    /// The enterprise's id while pending, else NULL (unique: one pending per enterprise).
    pub pending_key: Option<Uuid>,
    pub applied_by: Option<Uuid>,
    pub applied_at: DateTimeUtc,
    pub decided_by: Option<Uuid>,
    pub decided_at: Option<DateTimeUtc>,
    /// Required on refusal.
    pub decision_reason: Option<String>,
}

no_relations!();
