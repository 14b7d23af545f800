use sea_orm::entity::prelude::*;

use crate::domain::FileType;

/// One uploaded version of a document; never changed once written.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "document_versions")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub document_id: Uuid,
    /// 1, 2, … per document.
    pub version_no: i32,
    /// The uploader's file name, cleaned of path parts and control characters.
    pub file_name: String,
    /// Decided from the bytes, not from the name or the uploader's word.
    pub content_type: FileType,
    pub size_bytes: i64,
    /// Lower-case hex SHA-256 of the bytes (also the `ETag`).
    pub sha256: String,
    /// Where the bytes are in the object store (content-addressed: equal files share it).
    pub storage_key: String,
    pub uploaded_by: Uuid,
    pub uploaded_at: DateTimeUtc,
}

no_relations!();
