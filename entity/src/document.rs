use sea_orm::entity::prelude::*;

use crate::domain::{DocumentKind, DocumentOwnerType};

/// A document of a record (its versions are `document_version` rows).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "documents")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub owner_type: DocumentOwnerType,
    pub owner_id: Uuid,
    pub kind: DocumentKind,
    /// The owning record's city, copied for officials' lists; none for provincial records.
    pub city_code: Option<String>,
    /// The owning record's year, where it has one.
    pub year: Option<i32>,
    /// Marked public by an official: anyone may read it.
    pub is_public: bool,
    /// When a recorded step came to rest on it; it cannot be deleted from then on.
    pub locked_at: Option<DateTimeUtc>,
    /// The operation of that step (e.g. `submitAuditReport`).
    pub locked_by: Option<String>,
    pub latest_version: i32,
    pub created_by: Uuid,
    pub created_at: DateTimeUtc,
}

no_relations!();
