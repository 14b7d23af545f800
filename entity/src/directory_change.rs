use sea_orm::entity::prelude::*;

use crate::domain::{DirectoryAction, DirectoryReasonKind};

/// One change to an enterprise's directory entry: who, when, why, and the application it
/// carried out (none when the province acted directly).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "directory_changes")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub enterprise_id: Uuid,
    pub action: DirectoryAction,
    pub since_year: Option<i32>,
    pub reason_kind: Option<DirectoryReasonKind>,
    pub reason: Option<String>,
    pub application_id: Option<Uuid>,
    pub actor_id: Option<Uuid>,
    pub changed_at: DateTimeUtc,
}

no_relations!();
