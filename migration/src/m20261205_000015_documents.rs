//! Documents: what a record rests on (a report, an opinion, a notice, a decision), kept as
//! files. A document belongs to one record (`owner_type`, `owner_id`) and has numbered
//! versions; each version names its bytes by their SHA-256 (`storage_key`), so equal files
//! are stored once and a swapped file is detected. `locked_at` is set when a recorded step
//! rests on the document: from then on it cannot be deleted.

use sea_orm_migration::prelude::*;

use crate::columns::{fk, flag, instant, int, text, text_null, uuid, uuid_pk};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Documents {
    Table,
    Id,
    OwnerType,
    OwnerId,
    Kind,
    /// The city of the record it belongs to (for officials' lists); none for provincial ones.
    CityCode,
    /// The year of the record it belongs to, where it has one.
    Year,
    IsPublic,
    LockedAt,
    LockedBy,
    LatestVersion,
    CreatedBy,
    CreatedAt,
}

#[derive(DeriveIden)]
enum DocumentVersions {
    Table,
    Id,
    DocumentId,
    VersionNo,
    FileName,
    ContentType,
    SizeBytes,
    Sha256,
    StorageKey,
    UploadedBy,
    UploadedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Documents::Table)
                    .col(uuid_pk(Documents::Id))
                    .col(text(Documents::OwnerType))
                    .col(uuid(Documents::OwnerId))
                    .col(text(Documents::Kind))
                    .col(text_null(Documents::CityCode))
                    .col(ColumnDef::new(Documents::Year).integer().null())
                    .col(flag(Documents::IsPublic))
                    .col(
                        ColumnDef::new(Documents::LockedAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .col(text_null(Documents::LockedBy))
                    .col(int(Documents::LatestVersion))
                    .col(uuid(Documents::CreatedBy))
                    .col(instant(Documents::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(DocumentVersions::Table)
                    .col(uuid_pk(DocumentVersions::Id))
                    .col(uuid(DocumentVersions::DocumentId))
                    .col(int(DocumentVersions::VersionNo))
                    .col(text(DocumentVersions::FileName))
                    .col(text(DocumentVersions::ContentType))
                    .col(
                        ColumnDef::new(DocumentVersions::SizeBytes)
                            .big_integer()
                            .not_null(),
                    )
                    .col(text(DocumentVersions::Sha256))
                    .col(text(DocumentVersions::StorageKey))
                    .col(uuid(DocumentVersions::UploadedBy))
                    .col(instant(DocumentVersions::UploadedAt))
                    .foreign_key(&mut fk(
                        "fk_document_versions_document",
                        (DocumentVersions::Table, DocumentVersions::DocumentId),
                        (Documents::Table, Documents::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        for index in [
            Index::create()
                .name("idx_documents_owner")
                .table(Documents::Table)
                .col(Documents::OwnerType)
                .col(Documents::OwnerId)
                .col(Documents::Kind)
                .to_owned(),
            Index::create()
                .name("idx_documents_city_year")
                .table(Documents::Table)
                .col(Documents::CityCode)
                .col(Documents::Year)
                .to_owned(),
            Index::create()
                .name("uq_document_versions_number")
                .table(DocumentVersions::Table)
                .col(DocumentVersions::DocumentId)
                .col(DocumentVersions::VersionNo)
                .unique()
                .to_owned(),
            Index::create()
                .name("idx_document_versions_key")
                .table(DocumentVersions::Table)
                .col(DocumentVersions::StorageKey)
                .to_owned(),
        ] {
            manager.create_index(index).await?;
        }
        Ok(())
    }
}
